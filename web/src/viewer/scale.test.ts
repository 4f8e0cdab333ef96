import { describe, expect, it } from "vitest";
import { scaleBar } from "./scale";

describe("scale bar", () => {
  it("picks the longest round angle that fits, in the largest unit that has one", () => {
    // 0.36″ per screen pixel, 160 px at most: 57.6″ → 50″ over 138.9 px.
    const b = scaleBar("angle", 0.36 / 3600, 160)!;
    expect(b.label).toBe("50″");
    expect(b.px).toBeCloseTo(50 / 0.36, 6);
    expect(scaleBar("angle", 1 / 60, 160)!.label).toBe("2°"); // 2.67° fit
    expect(scaleBar("angle", 0.2 / 60, 160)!.label).toBe("20′"); // 32′ fit
    expect(scaleBar("angle", 1e-7, 160)!.label).toBe("50 mas"); // 57.6 mas fit
  });
  it("measures lengths in km, m or cm, and pixels otherwise", () => {
    expect(scaleBar("length", 10, 160)!.label).toBe("1 km");
    expect(scaleBar("length", 0.5, 160)!.label).toBe("50 m");
    expect(scaleBar("pixels", 4, 160)).toEqual({ px: 125, label: "500 px" });
    expect(scaleBar("pixels", 0.25, 160)).toEqual({ px: 80, label: "20 px" });
  });
  it("draws nothing it cannot say", () => {
    expect(scaleBar("pixels", 0, 160)).toBeNull();
    expect(scaleBar("pixels", Number.NaN, 160)).toBeNull();
    expect(scaleBar("pixels", 1e5, 160)).toBeNull(); // 16 million px in 160 screen px: past 500,000
    expect(scaleBar("pixels", 1000, 160)).toEqual({ px: 100, label: "100,000 px" });
  });
});
