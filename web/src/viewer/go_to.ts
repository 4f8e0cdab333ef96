// "Go to": what a person types in the viewer's go-to field, read as DS9's pan dialog and Aladin's
// target box would. Sexagesimal is always a sky position (RA in hours for equatorial frames); two
// plain numbers are a sky position in degrees when the image has a celestial WCS and "sky" is chosen,
// else image pixels; anything else is a name (an annotation's label, or the FITS OBJECT).

export type Target =
  | { kind: "pixel"; x: number; y: number }
  | { kind: "sky"; lng: number; lat: number }
  | { kind: "name"; name: string }
  | { kind: "invalid"; reason: string };

const NUMBER = String.raw`[+\-−]?\d+(?:\.\d*)?|[+\-−]?\.\d+`;
const PAIR = new RegExp(String.raw`^\s*(${NUMBER})\s*(?:,\s*|\s+)(${NUMBER})\s*$`);
// 05:35:17.3, 5 35 17.3, 5h35m17.3s; -05:23:28, -5d23m28s, -5°23′28″.
const SEXA = String.raw`([+\-−]?)\s*(\d{1,3})\s*[:hd°\s]\s*(\d{1,2})\s*[:m'′\s]\s*(\d{1,2}(?:\.\d*)?)\s*[s"″]?`;
const SEXA_PAIR = new RegExp(String.raw`^\s*${SEXA}\s*,?\s*${SEXA}\s*$`, "i");

const num = (s: string) => Number(s.replace("−", "-"));

function sexagesimal(sign: string, a: string, b: string, c: string): number | null {
  const m = Number(b),
    s = Number(c);
  if (m >= 60 || s >= 60) return null;
  const v = Number(a) + m / 60 + s / 3600;
  return sign === "-" || sign === "−" ? -v : v;
}

export function parseTarget(text: string, opts: { sky: boolean; hours: boolean; frame: "sky" | "pixel" }): Target {
  const t = text.trim();
  if (!t) return { kind: "invalid", reason: "Type a position or a name" };
  const sexa = SEXA_PAIR.exec(t);
  if (sexa) {
    if (!opts.sky) return { kind: "invalid", reason: "This image has no sky coordinates (no celestial WCS)" };
    const lngRaw = sexagesimal(sexa[1], sexa[2], sexa[3], sexa[4]);
    const lat = sexagesimal(sexa[5], sexa[6], sexa[7], sexa[8]);
    if (lngRaw === null || lat === null) return { kind: "invalid", reason: "Minutes and seconds must be below 60" };
    // "05h…" or an equatorial frame's first coordinate is in hours; "83d…" is degrees.
    const hours = /^\s*[+\-−]?\s*\d{1,3}\s*h/i.test(t) || (opts.hours && !/^\s*[+\-−]?\s*\d{1,3}\s*[d°]/i.test(t));
    const lng = hours ? lngRaw * 15 : lngRaw;
    return checkSky(lng, lat);
  }
  const pair = PAIR.exec(t);
  if (pair) {
    const a = num(pair[1]),
      b = num(pair[2]);
    if (opts.frame === "sky" && opts.sky) return checkSky(a, b);
    return { kind: "pixel", x: a, y: b };
  }
  if (/^[\d\s.,:+\-−]+$/.test(t)) return { kind: "invalid", reason: "Two coordinates are needed, e.g. 1200, 800" };
  return { kind: "name", name: t };
}

function checkSky(lng: number, lat: number): Target {
  if (lat < -90 || lat > 90) return { kind: "invalid", reason: "Latitude (Dec) must be within ±90°" };
  if (lng < 0 || lng >= 360) return { kind: "invalid", reason: "Longitude (RA) must be within 0–360° (0–24h)" };
  return { kind: "sky", lng, lat };
}

// A name's match among labels: exact (ignoring case and spaces) first, then a unique prefix.
export function findName<T>(name: string, items: readonly T[], label: (item: T) => string): T | null {
  const norm = (s: string) => s.toLowerCase().replace(/\s+/g, "");
  const want = norm(name);
  const exact = items.find((i) => norm(label(i)) === want);
  if (exact) return exact;
  const prefixed = items.filter((i) => norm(label(i)).startsWith(want));
  return prefixed.length === 1 ? prefixed[0] : null;
}
