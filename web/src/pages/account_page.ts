// The signed-in user's own account (#18 point 5): who they are (initials avatar, name, email, member
// since, storage used), their name, their password (the other sessions end), signing out everywhere,
// and deleting the account after a dialog that says what goes with it and asks for the password.
import { ApiError, SERVER_BUSY, api, isServerBusy, session } from "../api/client";
import type { Dataset, Page, User } from "../api/types";
import { signedInOnly } from "../auth/guard";
import { forgetUser, rememberUser } from "../auth/session";
import { navigate, type PageFn } from "../router";
import { el, formatBytes, replace } from "../ui/dom";
import { errorBox, pageTitle } from "../ui/layout";

interface StorageUsage {
  used_bytes: number;
  quota_bytes: number; // 0 = unlimited
}

// Up to two letters for the avatar: the first letters of the first and last words of the full name,
// else the username's first letter.
export function initials(user: Pick<User, "full_name" | "username">): string {
  const words = user.full_name.trim().split(/\s+/u).filter(Boolean);
  const letters = words.length ? [words[0], words.length > 1 ? words[words.length - 1] : ""] : [user.username];
  return letters
    .map((w) => Array.from(w)[0] ?? "")
    .join("")
    .toLocaleUpperCase();
}

// A hue stable for one account (from its id), so the same person always gets the same colour.
export function avatarHue(id: string): number {
  let h = 0;
  for (let i = 0; i < id.length; i += 1) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return h % 360;
}

// What deleting the account takes away, in words.
export function accountLossSummary(datasets: number, bytes: number): string {
  if (datasets === 0) return "You have no datasets; only the account itself goes.";
  const what = datasets === 1 ? "your 1 dataset" : `all ${datasets.toLocaleString("en-US")} of your datasets`;
  return `This deletes ${what} (${formatBytes(bytes)}: originals, tiles and annotations) and the account itself.`;
}

export function memberSince(createdAt: string): string {
  const d = new Date(createdAt);
  return Number.isNaN(d.getTime())
    ? createdAt
    : d.toLocaleDateString("en-GB", { year: "numeric", month: "long", day: "numeric" });
}

function field(label: string, control: HTMLInputElement, hint = ""): HTMLElement {
  const hintId = hint ? `${control.id}-hint` : null;
  if (hintId) control.setAttribute("aria-describedby", hintId);
  return el(
    "div",
    { class: "field" },
    el("label", { attrs: { for: control.id } }, label),
    control,
    hint && hintId ? el("small", { class: "muted", id: hintId }, hint) : null,
  );
}

function input(id: string, name: string, type: string, autocomplete: string, value = ""): HTMLInputElement {
  const i = el("input", { id, attrs: { name, type, autocomplete, required: true } });
  i.value = value;
  return i;
}

function problem(e: unknown): ApiError {
  return e instanceof ApiError ? e : new ApiError(0, "error", String(e));
}

// The forms that check a password pass `quiet: isServerBusy`: a server too busy to hash is said here,
// and what was typed stays.
function say(status: HTMLElement, e: unknown, what: string): void {
  const x = problem(e);
  const why = isServerBusy(x)
    ? SERVER_BUSY
    : x.code === "rate_limited"
      ? "Too many attempts: wait a moment and try again."
      : x.message;
  replace(status, errorBox(what, why));
}

function signedOutHere(to: string): void {
  forgetUser();
  session.signedOut();
  navigate(to, { replace: true });
}

function profileCard(user: User, storage: StorageUsage | null, datasets: number | null): HTMLElement {
  const avatar = el(
    "div",
    {
      class: "avatar",
      attrs: { "aria-hidden": "true" },
      style: {
        background: `hsl(${avatarHue(user.id)} 45% 35%)`,
        color: "#fff",
        width: "64px",
        height: "64px",
        "border-radius": "50%",
        display: "grid",
        "place-items": "center",
        "font-size": "1.5rem",
        "font-weight": "600",
        "flex-shrink": "0",
      },
    },
    initials(user),
  );
  // Term and value side by side: a two-column grid whose rows are the <div>s' children.
  const row = (term: string, value: string) =>
    el(
      "div",
      { style: { display: "contents" } },
      el("dt", { class: "muted" }, term),
      el("dd", { style: { margin: "0" } }, value),
    );
  const used = storage
    ? `${formatBytes(storage.used_bytes)}${storage.quota_bytes ? ` of ${formatBytes(storage.quota_bytes)}` : ""}`
    : "unavailable";
  return el(
    "section",
    { class: "card form", attrs: { "aria-labelledby": "acc-who" } },
    el(
      "div",
      { class: "row", style: { "align-items": "center" } },
      avatar,
      el(
        "div",
        null,
        el("h2", { id: "acc-who" }, user.full_name || user.username),
        el("p", { class: "muted" }, `@${user.username}${user.is_admin ? " · administrator" : ""}`),
      ),
    ),
    el(
      "dl",
      { style: { display: "grid", "grid-template-columns": "auto 1fr", gap: "0.4rem 1.5rem" } },
      row("Email", user.email),
      row("Member since", memberSince(user.created_at)),
      row("Storage used", used),
      row("Datasets", datasets === null ? "unavailable" : datasets.toLocaleString("en-US")),
    ),
  );
}

// The PUT /api/auth/me body for the profile form: only what changed, and the password only with a
// new email (the server asks for it then). Null when nothing changed.
export function profileChange(
  user: Pick<User, "full_name" | "email">,
  fullName: string,
  email: string,
  password: string,
): Record<string, string> | null {
  const body: Record<string, string> = {};
  if (fullName.trim() !== user.full_name) body.full_name = fullName.trim();
  if (email.trim() !== user.email) {
    body.email = email.trim();
    body.current_password = password;
  }
  return Object.keys(body).length ? body : null;
}

function profileForm(user: User, onSaved: (u: User) => void): HTMLElement {
  const status = el("div", { attrs: { "aria-live": "polite" } });
  const name = input("acc-full-name", "full_name", "text", "name", user.full_name);
  name.required = false;
  name.maxLength = 200;
  const email = input("acc-email", "email", "email", "email", user.email);
  const password = input("acc-email-password", "current_password", "password", "current-password");
  password.required = false;
  let saved = user;
  const form = el(
    "form",
    {
      class: "card form",
      attrs: { "aria-labelledby": "acc-profile" },
      on: {
        submit: async (e) => {
          e.preventDefault();
          replace(status);
          const body = profileChange(saved, name.value, email.value, password.value);
          if (!body) {
            replace(status, el("p", { attrs: { role: "status" } }, "Nothing to save."));
            return;
          }
          if (body.email !== undefined && !password.value) {
            replace(status, errorBox("Type your password", "Changing the email needs your current password."));
            password.focus();
            return;
          }
          try {
            saved = await api<User>("/api/auth/me", { method: "PUT", json: body, quiet: isServerBusy });
            rememberUser(saved);
            password.value = "";
            replace(status, el("p", { attrs: { role: "status" } }, "Saved."));
            onSaved(saved);
          } catch (err) {
            say(status, err, "The profile was not saved");
            const f = problem(err).field;
            (f === "email" ? email : f === "full_name" ? name : password).focus();
          }
        },
      },
    },
    el("h2", { id: "acc-profile" }, "Profile"),
    field("Full name", name),
    field("Email", email),
    field("Password (to change the email)", password),
    status,
    el(
      "div",
      { class: "actions" },
      el("button", { class: "button primary", attrs: { type: "submit" } }, "Save profile"),
    ),
  );
  return form;
}

export function passwordForm(): HTMLElement {
  const status = el("div", { attrs: { "aria-live": "polite" } });
  const current = input("acc-current", "current_password", "password", "current-password");
  const next = input("acc-new", "new_password", "password", "new-password");
  next.minLength = 8;
  const again = input("acc-again", "new_password_again", "password", "new-password");
  const button = el("button", { class: "button primary", attrs: { type: "submit" } }, "Change password");
  const form = el(
    "form",
    {
      class: "card form",
      attrs: { "aria-labelledby": "acc-password" },
      on: {
        submit: async (e) => {
          e.preventDefault();
          replace(status);
          if (next.value !== again.value) {
            replace(status, errorBox("The new passwords differ", "Type the same new password twice."));
            again.focus();
            return;
          }
          button.disabled = true;
          try {
            await api("/api/auth/password", {
              method: "POST",
              json: { current_password: current.value, new_password: next.value },
              quiet: isServerBusy,
            });
            form.reset();
            replace(
              status,
              el("p", { attrs: { role: "status" } }, "Password changed. Your other sessions are signed out."),
            );
          } catch (err) {
            say(status, err, "The password was not changed");
            const f = problem(err).field;
            (f === "new_password" ? next : current).focus();
          } finally {
            button.disabled = false;
          }
        },
      },
    },
    el("h2", { id: "acc-password" }, "Change password"),
    field("Current password", current),
    field("New password", next, "At least 8 characters. Every other device you are signed in on is signed out."),
    field("New password again", again),
    status,
    el("div", { class: "actions" }, button),
  );
  return form;
}

function sessionsCard(): HTMLElement {
  const status = el("div", { attrs: { "aria-live": "polite" } });
  return el(
    "section",
    { class: "card form", attrs: { "aria-labelledby": "acc-sessions" } },
    el("h2", { id: "acc-sessions" }, "Sessions"),
    el("p", { class: "muted" }, "Sign out on every device and browser, this one included."),
    status,
    el(
      "div",
      { class: "actions" },
      el(
        "button",
        {
          class: "button",
          attrs: { type: "button" },
          on: {
            click: async () => {
              try {
                await api("/api/auth/logout-all", { method: "POST", noSessionRedirect: true });
                signedOutHere("/login");
              } catch (err) {
                say(status, err, "Could not sign out everywhere");
              }
            },
          },
        },
        "Sign out everywhere",
      ),
    ),
  );
}

function confirmAccountDeletion(user: User, datasets: number | null, bytes: number | null, opener: HTMLElement): void {
  const status = el("div", { attrs: { "aria-live": "polite" } });
  const password = input("acc-delete-password", "password", "password", "current-password");
  const confirmButton = el("button", { class: "button danger", attrs: { type: "submit" } }, "Delete my account");
  const dialog = el(
    "dialog",
    { class: "card", attrs: { "aria-labelledby": "acc-del-title", "aria-describedby": "acc-del-what" } },
    el("h2", { id: "acc-del-title" }, "Delete your account?"),
    el(
      "p",
      { id: "acc-del-what" },
      datasets === null || bytes === null
        ? "This deletes all your datasets (originals, tiles and annotations) and the account itself."
        : accountLossSummary(datasets, bytes),
      " ",
      `The account ${user.username} cannot be restored.`,
    ),
  );
  const form = el(
    "form",
    {
      on: {
        submit: async (e) => {
          e.preventDefault();
          replace(status);
          confirmButton.disabled = true;
          try {
            await api("/api/auth/me", {
              method: "DELETE",
              json: { password: password.value },
              noSessionRedirect: true,
              quiet: isServerBusy,
            });
            dialog.close();
            signedOutHere("/");
          } catch (err) {
            say(status, err, "The account was not deleted");
            password.focus();
          } finally {
            confirmButton.disabled = false;
          }
        },
      },
    },
    field("Your password, to confirm", password),
    status,
    el(
      "div",
      { class: "actions" },
      el("button", { class: "button", attrs: { type: "button" }, on: { click: () => dialog.close() } }, "Cancel"),
      confirmButton,
    ),
  );
  dialog.append(form);
  dialog.addEventListener("close", () => {
    dialog.remove();
    if (opener.isConnected) opener.focus();
  });
  document.body.appendChild(dialog);
  dialog.showModal();
  password.focus();
}

function dangerCard(user: User, datasets: number | null, bytes: number | null): HTMLElement {
  const open: HTMLButtonElement = el(
    "button",
    {
      class: "button danger",
      attrs: { type: "button" },
      on: { click: () => confirmAccountDeletion(user, datasets, bytes, open) },
    },
    "Delete my account…",
  );
  return el(
    "section",
    { class: "card form", attrs: { "aria-labelledby": "acc-danger" } },
    el("h2", { id: "acc-danger" }, "Delete account"),
    el("p", { class: "muted" }, "Your datasets, their tiles and annotations, and the account are deleted for good."),
    el("div", { class: "actions" }, open),
  );
}

const accountView: PageFn = (root) => {
  let live = true;
  const main = el("main", { class: "narrow" }, pageTitle("Your account"), el("div", { class: "card skeleton" }));
  replace(root, main);
  void (async () => {
    try {
      const [user, storage, mine] = await Promise.all([
        api<User>("/api/auth/me"),
        api<StorageUsage>("/api/storage").catch(() => null),
        api<Page<Dataset>>("/api/datasets?mine=true&limit=1").catch(() => null),
      ]);
      if (!live) return;
      rememberUser(user);
      const datasets = mine ? mine.total : null;
      const bytes = storage ? storage.used_bytes : null;
      const who = { card: profileCard(user, storage, datasets) };
      const onSaved = (u: User) => {
        const card = profileCard(u, storage, datasets);
        who.card.replaceWith(card);
        who.card = card;
      };
      replace(
        main,
        pageTitle("Your account"),
        el(
          "div",
          { style: { display: "grid", gap: "1rem" } },
          who.card,
          profileForm(user, onSaved),
          passwordForm(),
          sessionsCard(),
          dangerCard(user, datasets, bytes),
        ),
      );
    } catch (err) {
      if (live)
        replace(main, pageTitle("Your account"), errorBox("Your account cannot be shown", problem(err).message));
    }
  })();
  return () => {
    live = false;
  };
};

export const accountPage: PageFn = signedInOnly(accountView);
