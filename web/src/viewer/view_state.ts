// The view in the page's URL, so a copied link opens what the sender saw: the centre and the width of
// the field in image pixels (not a zoom factor, which depends on the screen), the rotation, and the
// optional layers. `/datasets/ID?x=1200.5&y=800&fov=512&rot=90&layers=grid,annotations`.
// The stretch is the dataset's published pyramid (its versioned tiles), so it needs no place here.

export const LAYERS = ["grid", "annotations"] as const;
export type Layer = (typeof LAYERS)[number];

export interface ViewState {
  x: number; // centre, image pixels
  y: number;
  fov: number; // width of the visible field, image pixels
  rotation: number; // degrees, 0–359
  layers: Layer[]; // layers shown; annotations are shown unless the URL says otherwise
}

const round = (v: number, decimals: number) => Number(v.toFixed(decimals));

export function encodeView(v: ViewState, into = new URLSearchParams()): URLSearchParams {
  // Tenths of a pixel locate a view exactly enough and keep links short.
  into.set("x", String(round(v.x, 1)));
  into.set("y", String(round(v.y, 1)));
  into.set("fov", String(round(v.fov, v.fov < 10 ? 3 : 1)));
  const rotation = ((Math.round(v.rotation) % 360) + 360) % 360;
  if (rotation) into.set("rot", String(rotation));
  else into.delete("rot");
  into.set("layers", v.layers.join(","));
  return into;
}

// A view from a URL's query, or null when it holds none. Hostile or stale values are clamped to the
// image (a position outside it, a field larger than 4× the image, a non-number), never trusted.
export function decodeView(q: URLSearchParams, width: number, height: number): ViewState | null {
  const num = (name: string): number | null => {
    const raw = q.get(name);
    if (raw === null || raw.trim() === "") return null;
    const v = Number(raw);
    return Number.isFinite(v) ? v : null;
  };
  const x = num("x"),
    y = num("y"),
    fov = num("fov");
  if (x === null || y === null || fov === null || fov <= 0) return null;
  const layersRaw = q.get("layers");
  const layers =
    layersRaw === null ? (["annotations"] as Layer[]) : LAYERS.filter((l) => layersRaw.split(",").includes(l));
  return {
    x: Math.min(Math.max(x, 0), width),
    y: Math.min(Math.max(y, 0), height),
    fov: Math.min(Math.max(fov, 0.5), 4 * Math.max(width, height)),
    rotation: ((Math.round(num("rot") ?? 0) % 360) + 360) % 360,
    layers,
  };
}

// The URL of a page with the view's parameters replaced (others, if any, kept).
export function viewUrl(pathname: string, search: string, v: ViewState): string {
  const q = new URLSearchParams(search);
  for (const name of ["x", "y", "fov", "rot", "layers"]) q.delete(name);
  return `${pathname}?${encodeView(v, q).toString()}`;
}
