import { describe, expect, it } from "vitest";
import { findName, parseTarget } from "./go_to";

const eq = { sky: true, hours: true, frame: "sky" as const };

describe("go to: positions and names", () => {
  it("reads sexagesimal RA (hours) and Dec in the forms people type", () => {
    for (const text of [
      "05:35:17.3 -05:23:28",
      "5h35m17.3s -5d23m28s",
      "05 35 17.3, −05 23 28",
      "5:35:17.3,-5:23:28",
    ]) {
      const t = parseTarget(text, eq);
      expect(t.kind, text).toBe("sky");
      if (t.kind !== "sky") continue;
      expect(t.lng).toBeCloseTo((5 + 35 / 60 + 17.3 / 3600) * 15, 9);
      expect(t.lat).toBeCloseTo(-(5 + 23 / 60 + 28 / 3600), 9);
    }
  });
  it("reads degrees in a galactic frame and degrees marked with d", () => {
    const gal = parseTarget("280:27:36 -32:41:24", { sky: true, hours: false, frame: "sky" });
    expect(gal).toEqual({ kind: "sky", lng: 280 + 27 / 60 + 36 / 3600, lat: -(32 + 41 / 60 + 24 / 3600) });
    const d = parseTarget("83d49m19.6s -5d23m28s", eq);
    expect(d.kind === "sky" && d.lng).toBeCloseTo(83 + 49 / 60 + 19.6 / 3600, 9);
  });
  it("takes two plain numbers as degrees on the sky or as pixels, by the chosen frame", () => {
    expect(parseTarget("83.82, -5.39", eq)).toEqual({ kind: "sky", lng: 83.82, lat: -5.39 });
    expect(parseTarget("1200 800", { ...eq, frame: "pixel" })).toEqual({ kind: "pixel", x: 1200, y: 800 });
    expect(parseTarget("1200 800", { sky: false, hours: false, frame: "sky" })).toEqual({
      kind: "pixel",
      x: 1200,
      y: 800,
    });
  });
  it("refuses impossible values with a reason, and sky positions without a WCS", () => {
    expect(parseTarget("05:75:00 +10:00:00", eq).kind).toBe("invalid");
    expect(parseTarget("10 95", eq).kind).toBe("invalid");
    expect(parseTarget("25:00:00 +10:00:00", eq).kind).toBe("invalid");
    expect(parseTarget("05:35:17 -05:23:28", { sky: false, hours: false, frame: "pixel" }).kind).toBe("invalid");
    expect(parseTarget("12", eq).kind).toBe("invalid");
    expect(parseTarget("   ", eq).kind).toBe("invalid");
  });
  it("takes anything else as a name, matched exactly then by a unique prefix", () => {
    expect(parseTarget("M42 core", eq)).toEqual({ kind: "name", name: "M42 core" });
    const items = [{ label: "M42 core" }, { label: "M43" }, { label: "Trapezium" }];
    expect(findName("m42core", items, (i) => i.label)).toBe(items[0]);
    expect(findName("trap", items, (i) => i.label)).toBe(items[2]);
    expect(findName("M4", items, (i) => i.label)).toBeNull(); // two match: ambiguous
  });
});
