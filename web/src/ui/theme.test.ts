import { afterEach, describe, expect, it, vi } from "vitest";
import { renderHeader } from "./layout";
import { THEME_KEY, applyTheme, chooseTheme, readChoice, resolveTheme, startTheme, writeChoice } from "./theme";

function memory(initial: Record<string, string> = {}) {
  const m = new Map(Object.entries(initial));
  return {
    getItem: (k: string) => m.get(k) ?? null,
    setItem: (k: string, v: string) => void m.set(k, v),
    removeItem: (k: string) => void m.delete(k),
    has: (k: string) => m.has(k),
  };
}

function systemPrefers(light: boolean) {
  vi.stubGlobal("matchMedia", (q: string) => ({
    matches: q === "(prefers-color-scheme: light)" ? light : false,
    addEventListener: () => undefined,
  }));
}

describe("theme choice", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    localStorage.clear();
    delete document.documentElement.dataset.theme;
  });

  it("reads light and dark, and anything else (nothing, garbage, a refusing storage) as system", () => {
    expect(readChoice(memory({ [THEME_KEY]: "light" }))).toBe("light");
    expect(readChoice(memory({ [THEME_KEY]: "dark" }))).toBe("dark");
    expect(readChoice(memory())).toBe("system");
    expect(readChoice(memory({ [THEME_KEY]: "solarized" }))).toBe("system");
    expect(readChoice(null)).toBe("system");
    const refusing = {
      getItem: () => {
        throw new DOMException("denied", "SecurityError");
      },
    };
    expect(readChoice(refusing)).toBe("system");
  });

  it("stores light and dark, and system as no entry", () => {
    const s = memory();
    writeChoice(s, "light");
    expect(s.getItem(THEME_KEY)).toBe("light");
    writeChoice(s, "system");
    expect(s.has(THEME_KEY)).toBe(false);
    expect(() =>
      writeChoice(
        {
          setItem: () => {
            throw new DOMException("full", "QuotaExceededError");
          },
          removeItem: () => undefined,
        },
        "dark",
      ),
    ).not.toThrow();
  });

  it("follows the system only when the choice is system", () => {
    expect(resolveTheme("system", true)).toBe("light");
    expect(resolveTheme("system", false)).toBe("dark");
    expect(resolveTheme("light", false)).toBe("light");
    expect(resolveTheme("dark", true)).toBe("dark");
  });

  it("applies the stored choice to <html data-theme> and remembers a new one", () => {
    systemPrefers(true);
    expect(applyTheme()).toBe("light");
    expect(document.documentElement.dataset.theme).toBe("light");
    expect(chooseTheme("dark")).toBe("dark");
    expect(document.documentElement.dataset.theme).toBe("dark");
    expect(localStorage.getItem(THEME_KEY)).toBe("dark");
    systemPrefers(false);
    expect(chooseTheme("system")).toBe("dark");
    expect(localStorage.getItem(THEME_KEY)).toBeNull();
  });

  it("follows a choice made in another tab: the theme and the header's select", () => {
    systemPrefers(false);
    startTheme();
    const header = document.createElement("header");
    document.body.append(header);
    renderHeader(header);
    const select = header.querySelector<HTMLSelectElement>("select#theme-choice")!;
    expect([select.value, document.documentElement.dataset.theme]).toEqual(["system", "dark"]);
    // The other tab wrote the storage; this one only hears the event.
    localStorage.setItem(THEME_KEY, "light");
    window.dispatchEvent(new StorageEvent("storage", { key: THEME_KEY, newValue: "light", storageArea: localStorage }));
    expect([select.value, document.documentElement.dataset.theme]).toEqual(["light", "light"]);
    localStorage.removeItem(THEME_KEY);
    window.dispatchEvent(new StorageEvent("storage", { key: THEME_KEY, newValue: null, storageArea: localStorage }));
    expect([select.value, document.documentElement.dataset.theme]).toEqual(["system", "dark"]);
    // Another key changing leaves the choice alone.
    select.value = "dark";
    window.dispatchEvent(new StorageEvent("storage", { key: "astropixel.other", storageArea: localStorage }));
    expect(select.value).toBe("dark");
    header.remove();
  });
});
