// The frame around every page: brand, navigation, who is signed in, the theme. At phone width the
// navigation folds behind a Menu button (a disclosure: aria-expanded, Escape closes and gives the
// focus back to the button); every navigation renders the header again, so the menu starts closed.
import { api, session } from "../api/client";
import { currentUser, forgetUser } from "../auth/session";
import { navigate } from "../router";
import { el, replace } from "./dom";
import { THEME_CHOICES, THEME_CONTROL, chooseTheme, currentChoice, type ThemeChoice } from "./theme";

const MENU_ID = "main-menu";

function setMenuOpen(header: HTMLElement, open: boolean, focus: boolean): void {
  const nav = header.querySelector<HTMLElement>(".topbar");
  const toggle = header.querySelector<HTMLButtonElement>(".menu-toggle");
  if (!nav || !toggle) return;
  nav.classList.toggle("open", open);
  toggle.setAttribute("aria-expanded", String(open));
  if (!focus) return;
  if (open) header.querySelector<HTMLElement>(`#${MENU_ID} a, #${MENU_ID} button, #${MENU_ID} select`)?.focus();
  else toggle.focus();
}

function menuIsOpen(header: HTMLElement): boolean {
  return header.querySelector(".topbar")?.classList.contains("open") ?? false;
}

// Once per header element (it outlives its re-renders): Escape closes, so does a click outside.
function wireMenu(header: HTMLElement): void {
  if (header.dataset.menuWired) return;
  header.dataset.menuWired = "true";
  header.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && menuIsOpen(header)) {
      e.preventDefault();
      setMenuOpen(header, false, true);
    }
  });
  document.addEventListener("click", (e) => {
    if (menuIsOpen(header) && !header.contains(e.target as Node)) setMenuOpen(header, false, false);
  });
}

function themeSelect(): HTMLElement {
  const select = el(
    "select",
    {
      id: "theme-choice",
      attrs: { [THEME_CONTROL]: true },
      on: { change: (e) => void chooseTheme((e.target as HTMLSelectElement).value as ThemeChoice) },
    },
    THEME_CHOICES.map((c) => el("option", { attrs: { value: c.value } }, c.label)),
  );
  select.value = currentChoice();
  return el("span", { class: "theme-choice" }, el("label", { attrs: { for: "theme-choice" } }, "Theme"), select);
}

export function renderHeader(header: HTMLElement): void {
  wireMenu(header);
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
        "button",
        {
          class: "button ghost menu-toggle",
          attrs: { type: "button", "aria-expanded": "false", "aria-controls": MENU_ID },
          on: { click: () => setMenuOpen(header, !menuIsOpen(header), true) },
        },
        el("span", { class: "menu-icon", attrs: { "aria-hidden": "true" } }),
        "Menu",
      ),
      el(
        "div",
        { class: "nav-menu", id: MENU_ID },
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
          themeSelect(),
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
