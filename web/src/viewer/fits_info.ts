// What the information panel and the HDU/plane choice say about a FITS file: the keywords
// astronomers look for, the HDU shown and the plane of a cube (pyramid.fits, docs/api.md).
import type { Dataset, FitsHdu, FitsInfo } from "../api/types";

const BITPIX: Record<number, string> = {
  8: "uint8",
  16: "int16",
  32: "int32",
  64: "int64",
  [-32]: "float32",
  [-64]: "float64",
};

// The sample type of a BITPIX value (before BZERO/BSCALE, which the server applies).
export function bitpixName(bitpix: number): string {
  return BITPIX[bitpix] ?? `BITPIX ${bitpix}`;
}

// NAXIS1 × NAXIS2 × ..., FITS order (width first).
export function formatAxes(axes: number[]): string {
  return axes.length ? axes.join("×") : "no data";
}

// Planes of an image HDU: the product of its axes past the second (1 for a 2-D image).
export function planesOf(h: FitsHdu): number {
  return h.axes.slice(2).reduce((n, a) => n * a, 1);
}

const KINDS: Record<string, string> = {
  image: "image",
  header_only: "header only",
  binary_table: "binary table",
  ascii_table: "ASCII table",
  random_groups: "random groups",
};

// "1 · SCI · 4096×2048 · float32"; the primary HDU without EXTNAME is called PRIMARY, as astropy does.
export function hduLabel(h: FitsHdu): string {
  const parts = [String(h.index), h.extname || (h.index === 0 ? "PRIMARY" : "")];
  if (h.kind === "image") {
    parts.push(formatAxes(h.axes), bitpixName(h.bitpix));
    if (h.tile_compressed) parts.push("tile-compressed");
  } else {
    parts.push(KINDS[h.kind] ?? h.kind);
  }
  return parts.filter((p) => p !== "").join(" · ");
}

export const KEYWORDS: [string, string][] = [
  ["OBJECT", "Object"],
  ["TELESCOP", "Telescope"],
  ["INSTRUME", "Instrument"],
  ["FILTER", "Filter"],
  ["DATE-OBS", "Date of observation"],
  ["EXPTIME", "Exposure (s)"],
  ["BUNIT", "Unit"],
  ["OBSERVER", "Observer"],
  ["ORIGIN", "Origin"],
];

// The keywords present, in the order above, as [label, value] rows (values are the header's text).
export function keywordRows(keywords: FitsInfo["keywords"]): [string, string][] {
  const rows: [string, string][] = [];
  for (const [key, label] of KEYWORDS) {
    const v = keywords[key];
    if (typeof v === "string" && v.trim() !== "") rows.push([label, v.trim()]);
  }
  return rows;
}

// "1 of 3 (plane 0)": counted from one for people, with the 0-based number the API and the form use.
export function planeLabel(plane: number, planes: number): string {
  return `${plane + 1} of ${planes} (plane ${plane})`;
}

export function fitsInfoRows(f: FitsInfo): [string, string][] {
  const rows = keywordRows(f.keywords);
  const shown = f.hdus.find((h) => h.index === f.hdu);
  const count = f.hdu_count === 1 ? "1 HDU" : `${f.hdu_count} HDUs`;
  rows.push(["HDU", `${shown ? hduLabel(shown) : `${f.hdu} · ${bitpixName(f.bitpix)}`} (of ${count})`]);
  if (f.planes > 1) rows.push(["Plane", planeLabel(f.plane, f.planes)]);
  return rows;
}

export function displayableHdus(f: FitsInfo): FitsHdu[] {
  return f.hdus.filter((h) => h.displayable);
}

// The reprocess body for a new HDU/plane, keeping the stretch the owner chose before.
export function displayRequest(current: Dataset["stretch"], hdu: number, plane: number): Record<string, unknown> {
  const body: Record<string, unknown> = { hdu, plane };
  if (current?.kind) body.stretch = current.kind;
  if (current?.cuts) body.cuts = current.cuts;
  return body;
}

// A whole number from 0 to max (inclusive), or an error sentence; "" means "not given".
export function parseIndex(
  text: string,
  what: string,
  max = Number.MAX_SAFE_INTEGER,
): { value: number | null; error: string | null } {
  const t = text.trim();
  if (t === "") return { value: null, error: null };
  if (!/^\d+$/.test(t)) return { value: null, error: `The ${what} must be a whole number from 0` };
  const value = Number(t);
  if (value > max) return { value: null, error: `The ${what} must be from 0 to ${max}` };
  return { value, error: null };
}

// The dataset with the size of the image the pyramid shows. The dataset's width and height are
// the upload's (its first image HDU, or the HDU asked for then); after a reprocess to an HDU of
// another size the pyramid is that HDU's, and the viewer's pixel coordinates, sky coordinates
// (FITS rows run bottom-up: the height matters), annotations and export must follow the pyramid.
export function withShownSize(d: Dataset): Dataset {
  const f = d.pyramid?.fits;
  const shown = f?.hdus.find((h) => h.index === f.hdu);
  if (!shown || shown.axes.length < 2) return d;
  const [width, height] = shown.axes;
  return width === d.width && height === d.height ? d : { ...d, width, height };
}

// "FITS, float32 (BITPIX -32)": the HDU shown, which may not be the one the upload probed.
export function fitsFormat(f: FitsInfo): string {
  return `FITS, ${bitpixName(f.bitpix)} (BITPIX ${f.bitpix})`;
}
