// The frame around every page: brand, navigation, who is signed in.
import { api, session } from "../api/client";
import { currentUser, forgetUser } from "../auth/session";
import { navigate } from "../router";
import { el, replace } from "./dom";

export function renderHeader(header: HTMLElement): void {
  const user = currentUser();
  const here = window.location.pathname;
  const link = (href: string, label: string) =>
    el("a", { attrs: { href, "aria-current": here === href || here.startsWith(href + "/") ? "page" : null } }, label);
  replace(
    header,
    el(
      "nav",
      { class: "topbar", attrs: { "aria-label": "Main" } },
      el(
        "a",
        { class: "brand", attrs: { href: "/" } },
        el("span", { class: "brand-mark", attrs: { "aria-hidden": "true" } }),
        "AstroPixel",
      ),
      el(
        "div",
        { class: "nav-links" },
        link("/datasets", "Datasets"),
        user ? link("/upload", "Upload") : null,
        link("/compare", "Compare"),
        user?.is_admin ? link("/admin", "Admin") : null,
        link("/help", "Help"),
      ),
      el(
        "div",
        { class: "nav-user" },
        user
          ? [
              // The name leads to the account page (profile, password, sessions, deletion).
              el(
                "a",
                {
                  class: "muted",
                  attrs: {
                    href: "/account",
                    title: `Your account (${user.email})`,
                    "aria-current": here === "/account" ? "page" : null,
                  },
                },
                user.username,
              ),
              el(
                "button",
                {
                  class: "button ghost",
                  attrs: { type: "button" },
                  on: {
                    click: async () => {
                      try {
                        await api("/api/auth/logout", { method: "POST", noSessionRedirect: true });
                      } catch {
                        // Signed out locally either way.
                      }
                      forgetUser();
                      session.signedOut();
                      navigate("/");
                    },
                  },
                },
                "Sign out",
              ),
            ]
          : [
              el("a", { class: "button ghost", attrs: { href: "/login" } }, "Sign in"),
              el("a", { class: "button", attrs: { href: "/signup" } }, "Sign up"),
            ],
      ),
    ),
  );
}

// A page title plus the document title.
export function pageTitle(text: string): HTMLElement {
  document.title = `${text} · AstroPixel`;
  return el("h1", null, text);
}

export function errorBox(message: string, detail = ""): HTMLElement {
  return el(
    "div",
    { class: "alert", attrs: { role: "alert" } },
    el("strong", null, message),
    detail ? el("p", null, detail) : null,
  );
}
