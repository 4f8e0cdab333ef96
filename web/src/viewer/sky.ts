// Sky coordinates under the pointer for FITS images with a celestial WCS (the server reads it with
// wcslib). The browser does the zenithal projections of Calabretta & Greisen (2002) — TAN, SIN, ARC,
// ZEA, STG — and shows a position only when its arithmetic reproduces wcslib's own answers at the
// reference points the server sent (so distortions, or a projection done differently, never give
// a wrong readout: they give none).
export interface SkyWcs {
  ctype: [string, string];
  crval: [number, number];
  crpix: [number, number];
  matrix: [number, number, number, number]; // pixel → intermediate world coordinates (degrees)
  projection: string;
  lonpole: number;
  latpole: number;
  radesys: string;
  equinox: number | null;
  lng_first: boolean;
  reference_points: { x: number; y: number; ra: number; dec: number }[];
}

const D2R = Math.PI / 180;

// Native latitude (degrees) for a distance R (degrees) from the projection's reference point.
function nativeTheta(code: string, r: number): number | null {
  switch (code) {
    case "TAN": return Math.atan2(180 / Math.PI, r) / D2R;
    case "SIN": { const s = (r * D2R); return s > 1 ? null : Math.acos(s) / D2R; }
    case "ARC": return 90 - r;
    case "ZEA": { const s = (r * D2R) / 2; return s > 1 ? null : 90 - 2 * Math.asin(s) / D2R; }
    case "STG": return 90 - 2 * Math.atan((r * D2R) / 2) / D2R;
    default: return null;
  }
}

// RA/Dec in degrees of a display position (pixels, top-left origin, rows going down).
export function skyAt(w: SkyWcs, px: number, py: number, height: number): { ra: number; dec: number } | null {
  const p1 = px + 0.5 - w.crpix[0];
  const p2 = height - py + 0.5 - w.crpix[1];
  let x = w.matrix[0] * p1 + w.matrix[1] * p2;
  let y = w.matrix[2] * p1 + w.matrix[3] * p2;
  if (!w.lng_first) [x, y] = [y, x];
  const theta = nativeTheta(w.projection, Math.hypot(x, y));
  if (theta === null) return null;
  const phi = Math.atan2(x, -y);
  const t = theta * D2R, dphi = phi - w.lonpole * D2R;
  const a0 = w.crval[0] * D2R, d0 = w.crval[1] * D2R;
  const dec = Math.asin(Math.sin(t) * Math.sin(d0) + Math.cos(t) * Math.cos(d0) * Math.cos(dphi));
  const ra = a0 + Math.atan2(-Math.cos(t) * Math.sin(dphi), Math.sin(t) * Math.cos(d0) - Math.cos(t) * Math.sin(d0) * Math.cos(dphi));
  return { ra: ((ra / D2R) % 360 + 360) % 360, dec: dec / D2R };
}

// The WCS when the browser's arithmetic agrees with wcslib at every reference point (within 0.1″).
export function usableWcs(w: SkyWcs | null | undefined, height: number): SkyWcs | null {
  if (!w || !w.reference_points?.length || !w.ctype[0].startsWith("RA")) return null;
  const tolerance = 0.1 / 3600;
  for (const p of w.reference_points) {
    const s = skyAt(w, p.x, p.y, height);
    if (!s) return null;
    const dra = Math.abs(((s.ra - p.ra + 540) % 360) - 180) * Math.cos(p.dec * D2R);
    if (dra > tolerance || Math.abs(s.dec - p.dec) > tolerance) return null;
  }
  return w;
}

function sexagesimal(value: number, decimals: number, wrap = Infinity): string {
  const total = (Math.round(Math.abs(value) * 3600 * 10 ** decimals) / 10 ** decimals) % (wrap * 3600);
  const h = Math.floor(total / 3600), m = Math.floor((total - h * 3600) / 60);
  const s = (total - h * 3600 - m * 60).toFixed(decimals).padStart(decimals ? decimals + 3 : 2, "0");
  return `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}:${s}`;
}

// "RA 10:00:00.00, Dec +02:12:00.0" (RA in hours).
export function formatSky(ra: number, dec: number): string {
  return `RA ${sexagesimal(ra / 15, 2, 24)}, Dec ${dec < 0 ? "−" : "+"}${sexagesimal(dec, 1)}`;
}
