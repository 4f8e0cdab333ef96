import { describe, expect, it } from "vitest";
import { DEFAULTS, imagePixelsPerScreenPixel, loadSettings, saveSettings } from "./settings";

describe("viewer settings", () => {
  it("round-trips and clamps hostile values", () => {
    saveSettings({ navigator: false, animationTime: 1, zoomPerScroll: 2, debugTiles: true });
    expect(loadSettings()).toEqual({ navigator: false, animationTime: 1, zoomPerScroll: 2, debugTiles: true });
    localStorage.setItem(
      "astropixel.viewer",
      JSON.stringify({ animationTime: 1e9, zoomPerScroll: "x", navigator: "yes" }),
    );
    expect(loadSettings()).toEqual({ ...DEFAULTS, animationTime: 3 });
    localStorage.setItem("astropixel.viewer", "{not json");
    expect(loadSettings()).toEqual(DEFAULTS);
  });
  it("converts zoom to image pixels per screen pixel", () => {
    expect(imagePixelsPerScreenPixel(10000, 1000, 1)).toBe(10);
    expect(imagePixelsPerScreenPixel(10000, 1000, 10)).toBe(1);
    expect(imagePixelsPerScreenPixel(10000, 1000, 40)).toBe(0.25);
  });
});
