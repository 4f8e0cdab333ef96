import { describe, expect, it } from "vitest";
import { SkyTransform, type SkyWcs } from "./sky";
import { computeGrid, gridLabel, gridStep, longitudeRange } from "./sky_grid";

// A 1000 × 1000 TAN image, 1″ (or `scale` degrees) per pixel, centred on (lng, lat).
function tan(lng: number, lat: number, scale = 1 / 3600): SkyTransform {
  const e1 = 90 - lat;
  const w: SkyWcs = {
    version: 2,
    ctype: ["RA---TAN", "DEC--TAN"],
    crval: [lng, lat],
    crpix: [500.5, 500.5],
    matrix: [-scale, 0, 0, scale],
    pc: [1, 0, 0, 1],
    cdelt: [-scale, scale],
    projection: "TAN",
    prj: { r0: 180 / Math.PI, pv: [], phi0: 0, theta0: 90, x0: 0, y0: 0 },
    euler: [lng, e1, 180, Math.cos((e1 * Math.PI) / 180), Math.sin((e1 * Math.PI) / 180)],
    lonpole: 180,
    latpole: lat,
    radesys: "ICRS",
    equinox: null,
    lng_first: true,
    reference_points: [],
  };
  return SkyTransform.create(w)!;
}
const all = { x: 0, y: 0, width: 1000, height: 1000 };

describe("grid spacing and labels", () => {
  it("picks nice steps for the span", () => {
    expect(gridStep(1, false) * 60).toBeCloseTo(10); // 1° across → 10′
    expect(gridStep(10 / 60, false) * 3600).toBeCloseTo(120); // 10′ → 2′
    expect(gridStep(30, false)).toBeCloseTo(5);
    expect(gridStep(180, false)).toBeCloseTo(30);
    expect((gridStep(15, true) / 15) * 60).toBeCloseTo(10); // 1h of RA → 10m
    expect((gridStep(0.05, true) / 15) * 3600).toBeCloseTo(2); // 12s of RA → 2s
  });
  it("labels with the step's precision", () => {
    expect(gridLabel(187.5, 7.5, true, false)).toBe("12h30m");
    expect(gridLabel(180, 15, true, false)).toBe("12h");
    expect(gridLabel(187.5 + (15 / 3600) * 15, (15 / 3600) * 5, true, false)).toBe("12h30m15s");
    expect(gridLabel(359.99999, 15, true, false)).toBe("0h"); // 24h is 0h
    expect(gridLabel(45.5, 0.25, false, true)).toBe("+45°30′");
    expect(gridLabel(-45.5, 0.25, false, true)).toBe("−45°30′");
    expect(gridLabel(-30, 5, false, true)).toBe("−30°");
    expect(gridLabel(0, 5, false, true)).toBe("+0°");
    expect(gridLabel(-0.0125, 15 / 3600, false, true)).toBe("−0°00′45″");
    expect(gridLabel(120.5, 0.5, false, false)).toBe("120°30′");
  });
  it("finds the longitudes seen across 0h", () => {
    const [start, span] = longitudeRange([359, 359.5, 0.2, 0.8]);
    expect(start).toBeCloseTo(359);
    expect(span).toBeCloseTo(1.8);
    expect(longitudeRange([10, 20, 30])).toEqual([10, 20]);
  });
});

describe("grid lines", () => {
  it("draws meridians on both sides of RA 0h, labelled 0h", () => {
    const g = computeGrid(tan(0, 10, 5 / 3600), 1000, all, true)!;
    const meridians = g.lines.filter((l) => l.kind === "meridian");
    expect(meridians.some((l) => l.label === "0h00m")).toBe(true);
    expect(meridians.some((l) => l.value > 359)).toBe(true);
    expect(meridians.some((l) => l.value < 1 && l.value > 0)).toBe(true);
    expect(meridians.length).toBeGreaterThanOrEqual(5);
    expect(g.lines.filter((l) => l.kind === "parallel").length).toBeGreaterThanOrEqual(3);
    // Each meridian passes through its own longitude.
    const t = tan(0, 10, 5 / 3600);
    for (const l of meridians)
      for (const run of l.points)
        for (const [x, y] of run.slice(1, -1)) {
          const s = t.world(x, y, 1000)!;
          expect(Math.abs(((s.lng - l.value + 540) % 360) - 180)).toBeLessThan(1e-6);
        }
  });
  it("gives every meridian around a pole in view", () => {
    const g = computeGrid(tan(0, 90, 36 / 3600), 1000, all, true)!; // 10° across, centred on the pole
    const meridians = g.lines.filter((l) => l.kind === "meridian");
    expect(meridians.length).toBeGreaterThanOrEqual(6);
    const hours = meridians.map((l) => l.value / 15);
    expect(Math.max(...hours) - Math.min(...hours)).toBeGreaterThan(18);
    expect(g.lines.filter((l) => l.kind === "parallel").every((l) => l.value >= 80)).toBe(true);
  });
  it("refines with the zoom", () => {
    const wide = computeGrid(tan(150, 2, 10 / 3600), 1000, all, true)!;
    const zoomed = computeGrid(tan(150, 2, 10 / 3600), 1000, { x: 450, y: 450, width: 100, height: 100 }, true)!;
    expect(zoomed.latStep).toBeLessThan(wide.latStep);
    expect(zoomed.lngStep).toBeLessThan(wide.lngStep);
    expect(zoomed.lines.length).toBeGreaterThanOrEqual(4);
  });
});
