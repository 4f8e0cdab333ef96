import { describe, expect, it } from "vitest";
import { describeMeasurement, formatAngle, measure, positionAngle } from "./measure";

describe("measuring", () => {
  it("gives position angles east of north", () => {
    const o = { lng: 10, lat: 20 };
    expect(positionAngle(o, { lng: 10, lat: 21 })).toBeCloseTo(0, 9); // north
    expect(positionAngle(o, { lng: 11, lat: 20 })).toBeCloseTo(90, 0); // east (a hair north of it)
    expect(positionAngle(o, { lng: 10, lat: 19 })).toBeCloseTo(180, 9);
    expect(positionAngle(o, { lng: 9, lat: 20 })).toBeCloseTo(270, 0);
    // Across RA 0h: east is still east.
    expect(positionAngle({ lng: 359.9, lat: 0 }, { lng: 0.1, lat: 0 })).toBeCloseTo(90, 9);
  });
  it("writes angles in the unit that suits their size", () => {
    expect(formatAngle(10 / 3600)).toBe("10.00″");
    expect(formatAngle(90 / 3600)).toBe("1.500′");
    expect(formatAngle(2.5)).toBe("2.5000°");
  });
  it("measures in pixels, and on the sky when a WCS is given", () => {
    // A flat 1″-per-pixel sky, north up, east left (RA grows to the left).
    const world = (x: number, y: number) => ({ lng: 100 - x / 3600, lat: -y / 3600 });
    const m = measure([0, 0], [30, -40], world);
    expect(m.pixels).toBeCloseTo(50, 9);
    expect(m.separation! * 3600).toBeCloseTo(50, 3);
    // Up and to the right on such an image is north and west: PA between 270 and 360.
    expect(m.positionAngle!).toBeCloseTo(360 - (Math.atan2(30, 40) * 180) / Math.PI, 2);
    expect(describeMeasurement(m)).toBe("50.00 px · 50.00″ · PA 323.13°");
    expect(describeMeasurement(measure([0, 0], [300, 400], null))).toBe("500.0 px");
  });
});
