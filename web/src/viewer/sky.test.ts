import { describe, expect, it } from "vitest";
import { formatSky, formatWorld, frameOf, usableWcs, type SkyWcs } from "./sky";

// What the server sent (version 1 of the JSON, still read) for a 400×300 FITS image with a SIN
// projection straddling RA 0h (wcslib's answers at the reference points, from `astropixel tile`).
const sin: SkyWcs = {
  ctype: ["RA---SIN", "DEC--SIN"],
  crval: [359.9, -30.5],
  crpix: [200.5, 150.5],
  matrix: [-0.0028, 0.0001, 0.00012, 0.0028],
  projection: "SIN",
  lonpole: 180,
  latpole: -30.5,
  radesys: "ICRS",
  equinox: null,
  lng_first: true,
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
    const t = usableWcs(sin, 300)!;
    expect(t).not.toBeNull();
    expect(t.invertible).toBe(true);
    const p = t.world(40, 30, 300)!;
    expect(p.lng).toBeCloseTo(0.4321491192400799, 9);
    expect(p.lat).toBeCloseTo(-30.182114166283203, 9);
    const back = t.pixel(p.lng, p.lat, 300)!;
    expect(back[0]).toBeCloseTo(40, 6);
    expect(back[1]).toBeCloseTo(30, 6);
  });
  it("refuses a WCS it cannot reproduce", () => {
    expect(usableWcs({ ...sin, projection: "AIT" }, 300)).toBeNull(); // version 1: zenithal only
    expect(usableWcs({ ...sin, distortion: { type: "DSS" } }, 300)).toBeNull();
    expect(usableWcs({ ...sin, reference_points: [{ ...sin.reference_points[1], ra: 0.44 }] }, 300)).toBeNull();
    expect(usableWcs(null, 300)).toBeNull();
  });
  it("formats sexagesimal", () => {
    expect(formatSky(150, 2.2)).toBe("RA 10:00:00.00, Dec +02:12:00.0");
    expect(formatSky(359.9999999, -30.5)).toBe("RA 00:00:00.00, Dec −30:30:00.0"); // rounds up to 24h = 0h
    expect(formatSky(83.8221, -5.3911)).toBe("RA 05:35:17.30, Dec −05:23:28.0");
  });
  it("names the frame and shows sexagesimal and decimal", () => {
    expect(formatWorld(frameOf(sin), { lng: 150, lat: 2.2 })).toBe(
      "ICRS RA 10:00:00.00, Dec +02:12:00.0 (150.000000°, +2.200000°)",
    );
    const fk4 = frameOf({ ...sin, radesys: "FK4", equinox: 1950 });
    expect(fk4.name).toBe("FK4 B1950");
    expect(frameOf({ ...sin, radesys: "FK5", equinox: 2000 }).name).toBe("FK5 J2000");
    const gal = frameOf({ ...sin, ctype: ["GLON-SIN", "GLAT-SIN"], radesys: "" });
    expect(formatWorld(gal, { lng: 359.5, lat: -0.25 })).toBe(
      "Galactic l 359:30:00.0, b −00:15:00.0 (359.500000°, −0.250000°)",
    );
    expect(frameOf({ ...sin, ctype: ["ELON-CAR", "ELAT-CAR"], system: "ecliptic", equinox: 2000 }).name).toBe(
      "Ecliptic J2000",
    );
  });
});
