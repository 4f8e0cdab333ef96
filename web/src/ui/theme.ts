// Light or dark: the user's choice (system, light, dark) is remembered in localStorage; "system"
// follows prefers-color-scheme, live. The stylesheet keys every colour on <html data-theme="...">,
// so each page, table, form and dialog follows without knowing about themes.
export type ThemeChoice = "system" | "light" | "dark";
export type Theme = "light" | "dark";

export const THEME_KEY = "astropixel.theme";
export const THEME_CHOICES: readonly { value: ThemeChoice; label: string }[] = [
  { value: "system", label: "System" },
  { value: "light", label: "Light" },
  { value: "dark", label: "Dark" },
];

// What was stored, or "system" for nothing, garbage, or storage the browser refuses (private mode).
export function readChoice(storage: Pick<Storage, "getItem"> | null): ThemeChoice {
  let raw: string | null;
  try {
    raw = storage?.getItem(THEME_KEY) ?? null;
  } catch {
    raw = null;
  }
  return raw === "light" || raw === "dark" ? raw : "system";
}

// "system" is stored as no entry at all, so a later change of the default needs no migration.
export function writeChoice(storage: Pick<Storage, "setItem" | "removeItem"> | null, choice: ThemeChoice): void {
  try {
    if (choice === "system") storage?.removeItem(THEME_KEY);
    else storage?.setItem(THEME_KEY, choice);
  } catch {
    // Not remembered; the choice still applies to this page.
  }
}

export function resolveTheme(choice: ThemeChoice, systemPrefersLight: boolean): Theme {
  if (choice === "system") return systemPrefersLight ? "light" : "dark";
  return choice;
}

const LIGHT_QUERY = "(prefers-color-scheme: light)";

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

function systemPrefersLight(): boolean {
  return typeof window.matchMedia === "function" && window.matchMedia(LIGHT_QUERY).matches;
}

export function currentChoice(): ThemeChoice {
  return readChoice(storage());
}

// Sets the attribute the stylesheet keys on (its colours, and color-scheme for the browser's own
// widgets: scrollbars, the checkbox, the select's list).
export function applyTheme(choice: ThemeChoice = currentChoice()): Theme {
  const theme = resolveTheme(choice, systemPrefersLight());
  document.documentElement.dataset.theme = theme;
  return theme;
}

export function chooseTheme(choice: ThemeChoice): Theme {
  writeChoice(storage(), choice);
  return applyTheme(choice);
}

// The attribute that marks a control showing the choice (the header's select), so a choice made in
// another tab shows there too: the header is rendered again only on navigation.
export const THEME_CONTROL = "data-theme-control";

// Once at start: apply, then follow the system while the choice is "system", and another tab's choice
// (the storage event fires in every other tab of the origin; key null: the storage was cleared).
export function startTheme(): void {
  applyTheme();
  if (typeof window.matchMedia === "function") {
    window.matchMedia(LIGHT_QUERY).addEventListener("change", () => applyTheme());
  }
  window.addEventListener("storage", (e) => {
    if (e.key !== THEME_KEY && e.key !== null) return;
    const choice = currentChoice();
    applyTheme(choice);
    for (const control of document.querySelectorAll<HTMLSelectElement>(`select[${THEME_CONTROL}]`)) {
      control.value = choice;
    }
  });
}
