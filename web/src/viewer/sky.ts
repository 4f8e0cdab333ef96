// Sky coordinates under the pointer for FITS images with a celestial WCS. The server reads the WCS
// with wcslib and sends what wcslib set up (docs/adr/0014-sky-coordinates-in-the-browser.md): the
// linear part, the projection's parameters, the celestial rotation, SIP or TPV distortion and the
// frame. The browser does pixel ↔ world itself (sky_projections.ts) and shows a position only when
// its arithmetic reproduces wcslib's own answers at the reference points the server sent.
import { makeProjection, normPhi, type PrjParams, type Projection } from "./sky_projections";

type Quad = [number, number, number, number];
type Terms = [number, number, number][];
export type Distortion =
  | { type: "SIP"; a: Terms; b: Terms; ap: Terms; bp: Terms }
  | { type: "TPV"; x: [number, number][]; y: [number, number][] }
  | Dss
  | { type: string };
// The Digitized Sky Survey's plate solution (header keywords, lower case).
export interface Dss {
  type: "DSS";
  ppo3: number;
  ppo6: number;
  xpixelsz: number;
  ypixelsz: number;
  cnpix1: number;
  cnpix2: number;
  pltrah: number;
  pltram: number;
  pltras: number;
  pltdecsn: number;
  pltdecd: number;
  pltdecm: number;
  pltdecs: number;
  amdx: number[];
  amdy: number[];
}

export interface SkyWcs {
  version?: number; // absent: version 1 (zenithal projections only)
  ctype: [string, string];
  crval: [number, number];
  crpix: [number, number];
  matrix: Quad; // pixel → intermediate world coordinates (degrees) = CDELT·PC
  pc?: Quad;
  cdelt?: [number, number];
  projection: string;
  prj?: PrjParams;
  euler?: [number, number, number, number, number];
  lonpole: number;
  latpole: number;
  distortion?: Distortion | null;
  radesys: string;
  equinox: number | null;
  system?: string;
  lng_first: boolean;
  reference_points: { x: number; y: number; ra: number; dec: number }[];
  pixel_scale?: number;
  pixel_scale_xy?: [number, number];
  north_angle?: number;
  east_left?: boolean;
  fov?: [number, number];
}

export interface World {
  lng: number;
  lat: number;
}

const D2R = Math.PI / 180;
const R2D = 180 / Math.PI;

// TPV's polynomial terms in wcslib's TPD order: each degree's monomials x^(d-k) y^k, then r^d for odd d.
const TPV_TERMS: [number, number, number][] = [];
for (let d = 0; d <= 7; d++) {
  for (let k = 0; k <= d; k++) TPV_TERMS.push([d - k, k, 0]);
  if (d % 2 === 1) TPV_TERMS.push([0, 0, d]);
}

function tpv(coeffs: [number, number][], x: number, y: number): number {
  const r = Math.hypot(x, y);
  let sum = 0,
    hasLinear = false;
  for (const [m, c] of coeffs) {
    const t = TPV_TERMS[m];
    if (!t) continue;
    if (m === 1) hasLinear = true;
    sum += c * x ** t[0] * y ** t[1] * (t[2] ? r ** t[2] : 1);
  }
  return hasLinear ? sum : sum + x; // PVi_1 defaults to 1
}

// DSS: FITS pixel → plate millimetres → standard coordinates (AMDX/AMDY, arcsec) → gnomonic about
// the plate centre.
function dssWorld(d: Dss, xp: number, yp: number): World {
  const x = (d.ppo3 - d.xpixelsz * (xp + d.cnpix1 - 0.5)) / 1000;
  const y = (d.ypixelsz * (yp + d.cnpix2 - 0.5) - d.ppo6) / 1000;
  const a = d.amdx,
    b = d.amdy,
    x2 = x * x,
    y2 = y * y,
    r2 = x2 + y2;
  const xi =
    a[0] * x +
    a[1] * y +
    a[2] +
    a[3] * x2 +
    a[4] * x * y +
    a[5] * y2 +
    a[6] * r2 +
    a[7] * x * x2 +
    a[8] * x2 * y +
    a[9] * x * y2 +
    a[10] * y * y2 +
    a[11] * x * r2 +
    a[12] * x * r2 * r2;
  const eta =
    b[0] * y +
    b[1] * x +
    b[2] +
    b[3] * y2 +
    b[4] * x * y +
    b[5] * x2 +
    b[6] * r2 +
    b[7] * y * y2 +
    b[8] * y2 * x +
    b[9] * y * x2 +
    b[10] * x * x2 +
    b[11] * y * r2 +
    b[12] * y * r2 * r2;
  const ra0 = (d.pltrah + d.pltram / 60 + d.pltras / 3600) * 15 * D2R;
  const dec0 = Math.sign(d.pltdecsn || 1) * (d.pltdecd + d.pltdecm / 60 + d.pltdecs / 3600) * D2R;
  const X = (xi / 3600) * D2R,
    Y = (eta / 3600) * D2R;
  const den = Math.cos(dec0) - Y * Math.sin(dec0);
  const ra = ra0 + Math.atan2(X, den);
  const dec = Math.atan2(Y * Math.cos(dec0) + Math.sin(dec0), Math.hypot(X, den));
  return { lng: (((ra * R2D) % 360) + 360) % 360, lat: dec * R2D };
}

function sip(terms: Terms, u: number, v: number): number {
  let s = 0;
  for (const [p, q, c] of terms) s += c * u ** p * v ** q;
  return s;
}

// Newton's method for f(p) = target in two dimensions, with a numerical Jacobian.
function solve2(
  f: (a: number, b: number) => [number, number],
  target: [number, number],
  start: [number, number],
): [number, number] | null {
  let [a, b] = start;
  for (let i = 0; i < 50; i++) {
    const [fa, fb] = f(a, b);
    const ea = fa - target[0],
      eb = fb - target[1];
    if (Math.abs(ea) + Math.abs(eb) < 1e-12 * (1 + Math.abs(target[0]) + Math.abs(target[1]))) return [a, b];
    const h = 1e-6 * (1 + Math.abs(a) + Math.abs(b));
    const [fa1, fb1] = f(a + h, b),
      [fa2, fb2] = f(a, b + h);
    const j11 = (fa1 - fa) / h,
      j21 = (fb1 - fb) / h,
      j12 = (fa2 - fa) / h,
      j22 = (fb2 - fb) / h;
    const det = j11 * j22 - j12 * j21;
    if (!det || !Number.isFinite(det)) return null;
    a -= (j22 * ea - j12 * eb) / det;
    b -= (-j21 * ea + j11 * eb) / det;
  }
  const [fa, fb] = f(a, b);
  return Math.abs(fa - target[0]) + Math.abs(fb - target[1]) < 1e-9 ? [a, b] : null;
}

// The transformation for one WCS: display pixels (top-left origin, rows down) ↔ longitude/latitude.
export class SkyTransform {
  private readonly prj: Projection;
  private readonly pc: Quad;
  private readonly pcInv: Quad;
  private readonly cdelt: [number, number];
  private readonly euler: [number, number, number, number, number];
  invertible = false; // set by usableWcs
  // Arcseconds by which world → pixel → world may miss in wcslib too (the projection's closure).
  readonly closure: number;

  private constructor(
    readonly wcs: SkyWcs,
    prj: Projection,
  ) {
    this.prj = prj;
    this.closure = prj.closure ?? 0;
    this.pc = wcs.pc ?? wcs.matrix;
    this.cdelt = wcs.cdelt ?? [1, 1];
    const [a, b, c, d] = this.pc;
    const det = a * d - b * c;
    this.pcInv = [d / det, -b / det, -c / det, a / det];
    // Version 1 sent no euler angles: its zenithal projections have (φ0, θ0) = (0, 90°), so the
    // native pole is the reference point.
    const e1 = 90 - wcs.crval[1];
    this.euler = wcs.euler ?? [wcs.crval[0], e1, wcs.lonpole, Math.cos(e1 * D2R), Math.sin(e1 * D2R)];
  }

  static create(w: SkyWcs): SkyTransform | null {
    const dist = w.distortion;
    if (dist && dist.type !== "SIP" && dist.type !== "TPV" && !(dist.type === "DSS" && "amdx" in dist)) return null;
    const params: PrjParams = w.prj ?? { r0: R2D, pv: [], phi0: 0, theta0: 90, x0: 0, y0: 0 };
    if (!w.prj && !["TAN", "SIN", "ARC", "ZEA", "STG"].includes(w.projection)) return null;
    const prj = makeProjection(w.projection, params);
    const [a, b, c, d] = w.pc ?? w.matrix;
    if (!prj || a * d - b * c === 0) return null;
    return new SkyTransform(w, prj);
  }

  // TPV on intermediate pixel coordinates of world axes 1 and 2: as wcslib has it, the polynomial of
  // axis 1 (PV1_m) takes (longitude, latitude) and that of axis 2 (latitude, longitude), whichever
  // world axis holds the longitude.
  private tpv(t: Extract<Distortion, { type: "TPV" }>, q1: number, q2: number): [number, number] {
    const [ql, qb] = this.wcs.lng_first ? [q1, q2] : [q2, q1];
    return [tpv(t.x, ql, qb), tpv(t.y, qb, ql)];
  }

  // Display pixel → FITS intermediate world coordinates (x along longitude, y along latitude).
  private toPlane(px: number, py: number, height: number): [number, number] {
    const w = this.wcs;
    let u = px + 0.5 - w.crpix[0];
    let v = height - py + 0.5 - w.crpix[1];
    const d = w.distortion;
    if (d && d.type === "SIP") {
      const s = d as Extract<Distortion, { type: "SIP" }>;
      [u, v] = [u + sip(s.a, u, v), v + sip(s.b, u, v)];
    }
    const [a, b, c, e] = this.pc;
    let q1 = a * u + b * v,
      q2 = c * u + e * v;
    if (d && d.type === "TPV") [q1, q2] = this.tpv(d as Extract<Distortion, { type: "TPV" }>, q1, q2);
    const x = this.cdelt[0] * q1,
      y = this.cdelt[1] * q2;
    return w.lng_first ? [x, y] : [y, x];
  }

  // Intermediate world coordinates → display pixel (inverting the distortions iteratively).
  private fromPlane(x: number, y: number, height: number): [number, number] | null {
    const w = this.wcs;
    const [i1, i2] = w.lng_first ? [x, y] : [y, x];
    let q1 = i1 / this.cdelt[0],
      q2 = i2 / this.cdelt[1];
    const d = w.distortion;
    if (d && d.type === "TPV") {
      const t = d as Extract<Distortion, { type: "TPV" }>;
      const r = solve2((a, b) => this.tpv(t, a, b), [q1, q2], [q1, q2]);
      if (!r) return null;
      [q1, q2] = r;
    }
    const [a, b, c, e] = this.pcInv;
    let u = a * q1 + b * q2,
      v = c * q1 + e * q2;
    if (d && d.type === "SIP") {
      const s = d as Extract<Distortion, { type: "SIP" }>;
      const start: [number, number] = s.ap.length || s.bp.length ? [u + sip(s.ap, u, v), v + sip(s.bp, u, v)] : [u, v];
      const r = solve2((p, q) => [p + sip(s.a, p, q), q + sip(s.b, p, q)], [u, v], start);
      if (!r) return null;
      [u, v] = r;
    }
    return [u + w.crpix[0] - 0.5, height - (v + w.crpix[1]) + 0.5];
  }

  // Longitude/latitude (degrees, longitude in [0, 360)) of a display position; null off the sky.
  world(px: number, py: number, height: number): World | null {
    const d = this.wcs.distortion;
    if (d && d.type === "DSS") return dssWorld(d as Dss, px + 0.5, height - py + 0.5);
    const [x, y] = this.toPlane(px, py, height);
    const native = this.prj.x2s(x, y);
    if (!native || !Number.isFinite(native[0]) || !Number.isFinite(native[1])) return null;
    const [phi, theta] = native;
    const e = this.euler;
    const dphi = (phi - e[2]) * D2R,
      t = theta * D2R;
    const st = Math.sin(t),
      ct = Math.cos(t);
    const lat = Math.asin(Math.max(-1, Math.min(1, st * e[3] + ct * e[4] * Math.cos(dphi))));
    const lng = e[0] * D2R + Math.atan2(-ct * Math.sin(dphi), st * e[4] - ct * e[3] * Math.cos(dphi));
    return { lng: (((lng * R2D) % 360) + 360) % 360, lat: lat * R2D };
  }

  // The display position of a longitude/latitude; null where the projection does not reach.
  pixel(lng: number, lat: number, height: number): [number, number] | null {
    const linear = this.linearPixel(lng, lat, height);
    const d = this.wcs.distortion;
    if (!linear || !d || d.type !== "DSS") return linear;
    // DSS: Newton's method on the plate solution, from wcslib's TAN approximation of it, in
    // tangent-plane offsets (degrees) from the target.
    const c = Math.cos(lat * D2R);
    const r = solve2(
      (x, y) => {
        const s = dssWorld(d as Dss, x + 0.5, height - y + 0.5);
        return [(((s.lng - lng + 540) % 360) - 180) * c, s.lat - lat];
      },
      [0, 0],
      linear,
    );
    return r;
  }

  // The pixel of a position through the projection and the linear part, SIP and TPV included.
  private linearPixel(lng: number, lat: number, height: number): [number, number] | null {
    const e = this.euler;
    const dl = (lng - e[0]) * D2R,
      d = lat * D2R;
    const sd = Math.sin(d),
      cd = Math.cos(d);
    const theta = Math.asin(Math.max(-1, Math.min(1, sd * e[3] + cd * e[4] * Math.cos(dl)))) * R2D;
    const phi = normPhi(e[2] + Math.atan2(-cd * Math.sin(dl), sd * e[4] - cd * e[3] * Math.cos(dl)) * R2D);
    const plane = this.prj.s2x(phi, theta);
    if (!plane || !Number.isFinite(plane[0]) || !Number.isFinite(plane[1])) return null;
    return this.fromPlane(plane[0], plane[1], height);
  }
}

// Angular distance in degrees.
export function separation(a: World, b: World): number {
  const h =
    Math.sin(((b.lat - a.lat) * D2R) / 2) ** 2 +
    Math.cos(a.lat * D2R) * Math.cos(b.lat * D2R) * Math.sin(((b.lng - a.lng) * D2R) / 2) ** 2;
  return 2 * Math.asin(Math.min(1, Math.sqrt(h))) * R2D;
}

// The transformation when it agrees with wcslib at every reference point (within 0.1″); its
// `invertible` says whether world → pixel (the coordinate grid's) also returns to those points.
export function usableWcs(w: SkyWcs | null | undefined, height: number): SkyTransform | null {
  if (!w || !w.reference_points?.length) return null;
  const t = SkyTransform.create(w);
  if (!t) return null;
  const tolerance = 0.1 / 3600;
  let invertible = true;
  for (const p of w.reference_points) {
    const s = t.world(p.x, p.y, height);
    if (!s || separation(s, { lng: p.ra, lat: p.dec }) > tolerance) return null;
    // Back to the same pixel, or to another copy of the same position (projections whose plane
    // repeats the sky, such as TSC's wrapped faces or a CAR wider than 360°, have several), within
    // what the projection's own inverse misses by (CSC's approximations, as in wcslib).
    const back = t.pixel(p.ra, p.dec, height);
    if (!back) invertible = false;
    else if (Math.hypot(back[0] - p.x, back[1] - p.y) > 0.01) {
      const again = t.world(back[0], back[1], height);
      if (!again || separation(again, { lng: p.ra, lat: p.dec }) > tolerance + t.closure / 3600) invertible = false;
    }
  }
  t.invertible = invertible;
  return t;
}

export interface Frame {
  name: string; // "ICRS", "FK5 J2000", "Galactic", "Ecliptic J2000", ...
  lng: string; // "RA", "l", "λ"
  lat: string;
  hours: boolean; // longitude shown in hours (equatorial)
}

export function frameOf(w: SkyWcs): Frame {
  const prefix = w.ctype[0].replace(/-.*$/, "");
  const byPrefix: Record<string, string> = {
    RA: "equatorial",
    GLON: "galactic",
    ELON: "ecliptic",
    HLON: "helioecliptic",
    SLON: "supergalactic",
  };
  const system = w.system ?? byPrefix[prefix] ?? prefix;
  if (system === "equatorial") {
    const sys = w.radesys || (w.equinox !== null && w.equinox < 1984 ? "FK4" : "ICRS");
    const eq = w.equinox ? ` ${sys.startsWith("FK4") ? "B" : "J"}${w.equinox}` : "";
    return { name: sys === "ICRS" ? "ICRS" : `${sys}${eq}`, lng: "RA", lat: "Dec", hours: true };
  }
  if (system === "galactic") return { name: "Galactic", lng: "l", lat: "b", hours: false };
  if (system === "ecliptic")
    return { name: `Ecliptic${w.equinox ? ` J${w.equinox}` : ""}`, lng: "λ", lat: "β", hours: false };
  if (system === "supergalactic") return { name: "Supergalactic", lng: "SGL", lat: "SGB", hours: false };
  if (system === "helioecliptic") return { name: "Helioecliptic", lng: "λ", lat: "β", hours: false };
  const lat = w.ctype[1].replace(/-.*$/, "");
  return { name: prefix, lng: prefix, lat, hours: false };
}

export function sexagesimal(value: number, decimals: number, wrap = Infinity): string {
  const total = (Math.round(Math.abs(value) * 3600 * 10 ** decimals) / 10 ** decimals) % (wrap * 3600);
  const h = Math.floor(total / 3600),
    m = Math.floor((total - h * 3600) / 60);
  const s = (total - h * 3600 - m * 60).toFixed(decimals).padStart(decimals ? decimals + 3 : 2, "0");
  return `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}:${s}`;
}

const signed = (v: number) => (v < 0 ? "−" : "+");

// "RA 10:00:00.00, Dec +02:12:00.0" (RA in hours).
export function formatSky(ra: number, dec: number): string {
  return `RA ${sexagesimal(ra / 15, 2, 24)}, Dec ${signed(dec)}${sexagesimal(dec, 1)}`;
}

// "ICRS RA 10:00:00.00, Dec +02:12:00.0 (150.000000°, +2.200000°)"; galactic and ecliptic
// longitudes in degrees: "Galactic l 120:30:00.0, b −01:00:00.0 (120.500000°, −1.000000°)".
export function formatWorld(frame: Frame, s: World): string {
  const lng = frame.hours ? sexagesimal(s.lng / 15, 2, 24) : sexagesimal(s.lng, 1, 360);
  const lat = `${signed(s.lat)}${sexagesimal(s.lat, 1)}`;
  const dec = `(${s.lng.toFixed(6)}°, ${signed(s.lat)}${Math.abs(s.lat).toFixed(6)}°)`;
  return `${frame.name} ${frame.lng} ${lng}, ${frame.lat} ${lat} ${dec}`;
}
