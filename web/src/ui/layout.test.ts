import { afterEach, describe, expect, it } from "vitest";
import { renderHeader } from "./layout";

// The menu's behaviour (which part shows at which width is the stylesheet's, tested in Chromium).
describe("header menu", () => {
  afterEach(() => document.body.replaceChildren());

  const setup = () => {
    const header = document.createElement("header");
    document.body.append(header, Object.assign(document.createElement("main"), { textContent: "page" }));
    renderHeader(header);
    const toggle = header.querySelector<HTMLButtonElement>(".menu-toggle")!;
    return { header, toggle, nav: header.querySelector("nav")! };
  };

  it("is a disclosure for the menu it controls, closed at first", () => {
    const { header, toggle } = setup();
    expect(toggle.getAttribute("aria-expanded")).toBe("false");
    const menu = header.querySelector(`#${toggle.getAttribute("aria-controls")}`);
    expect(menu?.querySelector("a[href='/datasets']")).not.toBeNull();
    expect(menu?.querySelector("select#theme-choice")).not.toBeNull();
  });

  it("opens with the focus on its first link; Escape closes it and focuses the button", () => {
    const { header, toggle, nav } = setup();
    toggle.click();
    expect(toggle.getAttribute("aria-expanded")).toBe("true");
    expect(nav.classList.contains("open")).toBe(true);
    expect(document.activeElement?.getAttribute("href")).toBe("/datasets");
    header.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(toggle.getAttribute("aria-expanded")).toBe("false");
    expect(document.activeElement).toBe(toggle);
  });

  it("closes on a click outside the header, and starts closed when rendered again", () => {
    const { header, toggle } = setup();
    toggle.click();
    document.querySelector("main")!.click();
    expect(toggle.getAttribute("aria-expanded")).toBe("false");
    toggle.click();
    renderHeader(header); // a navigation
    expect(header.querySelector(".menu-toggle")!.getAttribute("aria-expanded")).toBe("false");
  });
});
