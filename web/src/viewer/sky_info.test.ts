import { describe, expect, it } from "vitest";
import type { SkyWcs } from "./sky";
import { skyInfoRows } from "./sky_info";

const base: SkyWcs = {
  version: 2,
  ctype: ["RA---TAN-SIP", "DEC--TAN-SIP"],
  crval: [150, 2.2],
  crpix: [100, 100],
  matrix: [-1e-4, 0, 0, 1e-4],
  projection: "TAN",
  lonpole: 180,
  latpole: 2.2,
  radesys: "ICRS",
  equinox: null,
  lng_first: true,
  reference_points: [],
  distortion: { type: "SIP", a: [], b: [], ap: [], bp: [] },
  pixel_scale: 0.36,
  pixel_scale_xy: [0.36, 0.36],
  north_angle: -64.13,
  east_left: true,
  fov: [0.0868, 2.5 / 60],
};

describe("information panel rows for a celestial WCS", () => {
  it("names frame, projection, distortion, scale, north and field of view", () => {
    const rows = Object.fromEntries(skyInfoRows(base, true));
    expect(rows["Sky coordinates"]).toBe("RA---TAN-SIP, DEC--TAN-SIP (ICRS)");
    expect(rows["Frame"]).toBe("ICRS, TAN + SIP projection");
    expect(rows["Pixel scale"]).toBe("0.3600″/px");
    expect(rows["North"]).toBe("64.13° clockwise from up, east 90° counter-clockwise from north (as on the sky)");
    expect(rows["Field of view"]).toBe("5.21′ × 2.50′");
  });
  it("says when the pointer shows nothing, a mirrored image, a pole at the centre, unequal axes", () => {
    expect(Object.fromEntries(skyInfoRows(base, false))["Sky coordinates"]).toMatch(/not shown under the pointer$/);
    expect(Object.fromEntries(skyInfoRows({ ...base, north_angle: 10, east_left: false }, true))["North"]).toBe(
      "10.00° counter-clockwise from up, east 90° clockwise from north (mirrored)",
    );
    expect(
      Object.fromEntries(skyInfoRows({ ...base, north_angle: undefined, east_left: undefined }, true))["North"],
    ).toMatch(/celestial pole/);
    expect(
      Object.fromEntries(
        skyInfoRows({ ...base, pixel_scale: 6720, pixel_scale_xy: [7464, 6050], fov: [357.65, 172.34] }, true),
      ),
    ).toMatchObject({ "Pixel scale": "6720″/px (7464 × 6050)", "Field of view": "357.65° × 172.34°" });
  });
  it("reads version-1 WCS (no scale fields)", () => {
    const v1 = {
      ...base,
      version: undefined,
      distortion: undefined,
      pixel_scale: undefined,
      pixel_scale_xy: undefined,
      north_angle: undefined,
      east_left: undefined,
      fov: undefined,
      ctype: ["RA---TAN", "DEC--TAN"] as [string, string],
    };
    expect(skyInfoRows(v1, true).map(([k]) => k)).toEqual(["Sky coordinates", "Frame"]);
  });
});
