import { describe, expect, it } from "vitest";
import { type SkyMapping, placement, skyAlignment } from "./sky_align";

// A flat "sky" (degrees = arbitrary plane units) seen by two linear cameras: enough to check the fit
// and its split into scale, rotation and mirror; the real projections are checked in the browser.
function camera(scale: number, degrees: number, mirrored: boolean, origin: [number, number]): SkyMapping {
  const t = (degrees * Math.PI) / 180;
  const m = mirrored ? -1 : 1;
  return {
    world: (x, y) => ({
      lng: origin[0] + scale * (Math.cos(t) * m * x - Math.sin(t) * y),
      lat: origin[1] + scale * (Math.sin(t) * m * x + Math.cos(t) * y),
    }),
    pixel: (lng, lat) => {
      const u = (lng - origin[0]) / scale,
        v = (lat - origin[1]) / scale;
      return [m * (Math.cos(t) * u + Math.sin(t) * v), -Math.sin(t) * u + Math.cos(t) * v];
    },
  };
}

describe("aligning two images on the sky", () => {
  it("finds the scale, rotation and mirror between two cameras, with no residual", () => {
    const a = camera(1, 10, false, [0, 0]);
    const b = camera(2, 35, true, [50, 20]);
    const al = skyAlignment(a, 300, b, 200, 100)!;
    expect(al.scale).toBeCloseTo(2, 9);
    expect(al.flipped).toBe(true);
    expect(al.residual).toBeLessThan(1e-6);
    // B's pixel (0, 0) lies where A sees the same sky position.
    const s = b.world(0, 0, 100)!;
    const want = a.pixel(s.lng, s.lat, 300)!;
    expect(al.affine[2]).toBeCloseTo(want[0], 6);
    expect(al.affine[5]).toBeCloseTo(want[1], 6);
  });
  it("reads the rotation clockwise on screen (y down), mirrored or not", () => {
    const a = camera(1, 0, false, [0, 0]);
    // B's x axis runs 30° below A's: clockwise on a screen whose y points down.
    expect(skyAlignment(a, 100, camera(1, 30, false, [0, 0]), 100, 100)!.rotation).toBeCloseTo(30, 6);
    expect(skyAlignment(a, 100, camera(1, 30, true, [0, 0]), 100, 100)!.rotation).toBeCloseTo(30, 6);
    expect(skyAlignment(a, 100, camera(1, 0, false, [0, 0]), 100, 100)!.rotation).toBeCloseTo(0, 6);
  });
  it("places B's centre where the sky puts it, in viewport units of A", () => {
    const a = camera(1, 0, false, [0, 0]);
    const b = camera(0.5, 0, false, [100, 50]); // B's pixels are half A's, starting at A's (100, 50)
    const al = skyAlignment(a, 400, b, 200, 100)!;
    const p = placement(al, 400, 200, 100);
    expect(p.width).toBeCloseTo(0.25, 9); // 100 A pixels of 400
    expect(p.x).toBeCloseTo(100 / 400, 9);
    expect(p.y).toBeCloseTo(50 / 400, 9);
    expect(p.rotation).toBeCloseTo(0, 9);
    expect(p.flipped).toBe(false);
  });
  it("gives up where the images do not share the sky", () => {
    const a: SkyMapping = { world: () => null, pixel: () => null };
    expect(skyAlignment(a, 100, a, 100, 100)).toBeNull();
  });
});
