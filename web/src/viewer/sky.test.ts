import { describe, expect, it } from "vitest";
import { formatSky, skyAt, usableWcs, type SkyWcs } from "./sky";

// What the server sent for a 400×300 FITS image with a SIN projection straddling RA 0h (wcslib's
// answers at the reference points, from `astropixel tile`).
const sin: SkyWcs = {
  ctype: ["RA---SIN", "DEC--SIN"], crval: [359.9, -30.5], crpix: [200.5, 150.5], matrix: [-0.0028, 0.0001, 0.00012, 0.0028],
  projection: "SIN", lonpole: 180, latpole: -30.5, radesys: "ICRS", equinox: null, lng_first: true,
  reference_points: [
    { x: 200, y: 150, ra: 359.9, dec: -30.5 },
    { x: 40, y: 30, ra: 0.4321491192400799, dec: -30.182114166283203 },
    { x: 360, y: 30, ra: 359.3958117768377, dec: -30.143824066370595 },
    { x: 40, y: 270, ra: 0.40788402488300335, dec: -30.854221479776022 },
    { x: 360, y: 270, ra: 359.36437322463587, dec: -30.815710309251724 },
  ],
};

describe("sky coordinates", () => {
  it("reproduces wcslib at its reference points, across RA 0h", () => {
    expect(usableWcs(sin, 300)).toBe(sin);
    const p = skyAt(sin, 40, 30, 300)!;
    expect(p.ra).toBeCloseTo(0.4321491192400799, 9);
    expect(p.dec).toBeCloseTo(-30.182114166283203, 9);
  });
  it("refuses a WCS it cannot reproduce", () => {
    expect(usableWcs({ ...sin, projection: "AIT" }, 300)).toBeNull();
    expect(usableWcs({ ...sin, reference_points: [{ ...sin.reference_points[1], ra: 0.44 }] }, 300)).toBeNull();
    expect(usableWcs(null, 300)).toBeNull();
  });
  it("formats sexagesimal", () => {
    expect(formatSky(150, 2.2)).toBe("RA 10:00:00.00, Dec +02:12:00.0");
    expect(formatSky(359.9999999, -30.5)).toBe("RA 00:00:00.00, Dec −30:30:00.0"); // rounds up to 24h = 0h
    expect(formatSky(83.8221, -5.3911)).toBe("RA 05:35:17.30, Dec −05:23:28.0");
  });
});
