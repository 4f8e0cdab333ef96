// Sign in and sign up. After either, the user returns to where the session was lost (only
// same-origin paths), or to the dashboard. A server too busy to hash passwords (503) is said in the
// form, which keeps what was typed, instead of the global error screen.
import { ApiError, SERVER_BUSY, api, isServerBusy, session } from "../api/client";
import type { SignIn } from "../api/types";
import { safeRedirect } from "../auth/redirect";
import { rememberUser } from "../auth/session";
import { navigate, type PageFn } from "../router";
import { el, replace } from "../ui/dom";
import { errorBox, pageTitle } from "../ui/layout";

function field(label: string, input: HTMLInputElement, hint = ""): HTMLElement {
  const id = `f-${input.name}`;
  input.id = id;
  return el(
    "div",
    { class: "field" },
    el("label", { attrs: { for: id } }, label),
    input,
    hint ? el("small", { class: "muted" }, hint) : null,
  );
}

function input(name: string, type: string, autocomplete: string, required = true): HTMLInputElement {
  return el("input", { attrs: { name, type, autocomplete, required } });
}

function authForm(
  root: HTMLElement,
  title: string,
  fields: HTMLElement[],
  submitLabel: string,
  footer: HTMLElement,
  submit: (form: FormData) => Promise<SignIn>,
  query: URLSearchParams,
): void {
  const status = el("div", { attrs: { "aria-live": "polite" } });
  const button = el("button", { class: "button primary", attrs: { type: "submit" } }, submitLabel);
  const form = el(
    "form",
    {
      class: "card auth-card",
      attrs: { novalidate: false },
      on: {
        submit: async (e) => {
          e.preventDefault();
          button.disabled = true;
          replace(status);
          try {
            const s = await submit(new FormData(form));
            rememberUser(s.user);
            session.signedIn(s.expires_in);
            navigate(safeRedirect(query.get("redirect")), { replace: true });
          } catch (err) {
            const x = err instanceof ApiError ? err : new ApiError(0, "error", String(err));
            const detail = x.code === "rate_limited" ? "Wait a moment and try again." : x.detail;
            replace(status, isServerBusy(x) ? errorBox(SERVER_BUSY) : errorBox(x.message, detail));
            if (x.field) form.querySelector<HTMLInputElement>(`[name="${CSS.escape(x.field)}"]`)?.focus();
          } finally {
            button.disabled = false;
          }
        },
      },
    },
    pageTitle(title),
    query.get("redirect")
      ? el("p", { class: "muted" }, "Your session ended. Sign in to continue where you were.")
      : null,
    ...fields,
    status,
    button,
    footer,
  );
  replace(root, el("main", { class: "narrow" }, form));
  form.querySelector("input")?.focus();
}

export const loginPage: PageFn = (root, _params, query) => {
  authForm(
    root,
    "Sign in",
    [
      field("Email or username", input("login", "text", "username")),
      field("Password", input("password", "password", "current-password")),
    ],
    "Sign in",
    el(
      "p",
      { class: "muted" },
      "New here? ",
      el(
        "a",
        {
          attrs: {
            href: "/signup" + (query.get("redirect") ? `?redirect=${encodeURIComponent(query.get("redirect")!)}` : ""),
          },
        },
        "Create an account",
      ),
    ),
    (f) =>
      api<SignIn>("/api/auth/login", {
        json: { login: f.get("login"), password: f.get("password") },
        noSessionRedirect: true,
        quiet: isServerBusy,
      }),
    query,
  );
};

export const signupPage: PageFn = (root, _params, query) => {
  authForm(
    root,
    "Create your account",
    [
      field("Email", input("email", "email", "email")),
      field("Username", input("username", "text", "username"), "3 to 64 letters, digits or _"),
      field("Full name", input("full_name", "text", "name", false)),
      field("Password", input("password", "password", "new-password"), "At least 8 characters"),
    ],
    "Sign up",
    el("p", { class: "muted" }, "Already have an account? ", el("a", { attrs: { href: "/login" } }, "Sign in")),
    (f) =>
      api<SignIn>("/api/auth/register", {
        json: {
          email: f.get("email"),
          username: f.get("username"),
          full_name: f.get("full_name") || undefined,
          password: f.get("password"),
        },
        noSessionRedirect: true,
        quiet: isServerBusy,
      }),
    query,
  );
};
