// Region statistics and line profiles over the original values, as DS9's region statistics and
// projection give them: the server reads the data pyramid at full resolution (the display tiles
// are stretched and resampled, so they cannot answer), the viewer asks and shows the answer.
import { api } from "../api/client";
import type { AnnotationKind } from "../api/types";
import { el } from "../ui/dom";
import type { CircleGeometry, Geometry, PolygonGeometry, RectangleGeometry } from "./annotation_geometry";

export interface RegionStatistics {
  pixels: number;
  blank: number;
  sum: number | null;
  mean: number | null;
  median: number | null;
  std: number | null;
  min: number | null;
  max: number | null;
  bunit: string | null;
}

export interface ProfilePoint {
  distance: number;
  x: number;
  y: number;
  value: number | null;
}

export interface LineProfile {
  length: number;
  samples: number;
  points: ProfilePoint[];
  bunit: string | null;
}

// The version's own path: what the viewer shows is what gets measured, even while a rebuild lands.
export function dataPath(id: string, version: number): string {
  return `/api/datasets/${encodeURIComponent(id)}/v${version}`;
}

// The query naming a drawn shape (image pixels, as annotations keep them), or null for a point.
export function regionQuery(kind: AnnotationKind, g: Geometry): string | null {
  const q = new URLSearchParams();
  if (kind === "rectangle") {
    const r = g as RectangleGeometry;
    q.set("shape", "rectangle");
    q.set("x", String(r.x));
    q.set("y", String(r.y));
    q.set("width", String(r.width));
    q.set("height", String(r.height));
  } else if (kind === "circle") {
    const c = g as CircleGeometry;
    q.set("shape", "circle");
    q.set("x", String(c.x));
    q.set("y", String(c.y));
    q.set("radius", String(c.radius));
  } else if (kind === "polygon") {
    q.set("shape", "polygon");
    q.set("points", (g as PolygonGeometry).points.flat().map(String).join(","));
  } else {
    return null;
  }
  return q.toString();
}

export function profileQuery(a: [number, number], b: [number, number]): string {
  const q = new URLSearchParams({ x1: String(a[0]), y1: String(a[1]), x2: String(b[0]), y2: String(b[1]) });
  return q.toString();
}

export const regionStatistics = (id: string, version: number, kind: AnnotationKind, g: Geometry) => {
  const query = regionQuery(kind, g);
  if (query === null) return Promise.reject(new Error("A point has no area"));
  return api<RegionStatistics>(`${dataPath(id, version)}/region-statistics?${query}`);
};

export const lineProfile = (id: string, version: number, a: [number, number], b: [number, number]) =>
  api<LineProfile>(`${dataPath(id, version)}/profile?${profileQuery(a, b)}`);

// Six significant digits, in exponent form only where plain digits would mislead or overflow.
export function formatValue(v: number | null): string {
  if (v === null) return "—";
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e7 || a < 1e-4) return v.toExponential(4);
  return Number(v.toPrecision(6)).toLocaleString("en-US", { maximumFractionDigits: 6 });
}

// The figures as a definition list: DS9's order, the unit after each value that has one.
export function statisticsList(s: RegionStatistics): HTMLElement {
  const unit = s.bunit ? ` ${s.bunit}` : "";
  const rows: Array<[string, string]> = [
    ["Pixels", s.pixels.toLocaleString("en-US") + (s.blank ? ` (+${s.blank.toLocaleString("en-US")} blank)` : "")],
    ["Sum", formatValue(s.sum) + (s.sum === null ? "" : unit)],
    ["Mean", formatValue(s.mean) + (s.mean === null ? "" : unit)],
    ["Median", formatValue(s.median) + (s.median === null ? "" : unit)],
    ["Std dev", formatValue(s.std) + (s.std === null ? "" : unit)],
    ["Min", formatValue(s.min) + (s.min === null ? "" : unit)],
    ["Max", formatValue(s.max) + (s.max === null ? "" : unit)],
  ];
  return el(
    "dl",
    { class: "region-stats", attrs: { "aria-label": "Region statistics" } },
    ...rows.flatMap(([k, v]) => [el("dt", null, k), el("dd", { attrs: { "data-stat": k } }, v)]),
  );
}

const SVG = "http://www.w3.org/2000/svg";

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

// The profile as a line plot: distance along the line across, value up; blank pixels and points
// off the image break the line rather than being drawn as zeros. The plot's label says in words
// what it shows, for those who cannot see it.
export function profilePlot(p: LineProfile, width = 320, height = 160): SVGSVGElement {
  const pad = { left: 56, right: 8, top: 8, bottom: 24 };
  const values = p.points.map((q) => q.value).filter((v): v is number => v !== null);
  const lo = values.length ? Math.min(...values) : 0;
  const hi = values.length ? Math.max(...values) : 1;
  const span = hi > lo ? hi - lo : 1;
  const length = p.length > 0 ? p.length : 1;
  const sx = (d: number) => pad.left + (d / length) * (width - pad.left - pad.right);
  const sy = (v: number) => height - pad.bottom - ((v - lo) / span) * (height - pad.top - pad.bottom);
  let d = "";
  let pen = false;
  for (const q of p.points) {
    if (q.value === null) {
      pen = false;
      continue;
    }
    d += `${pen ? "L" : "M"}${sx(q.distance).toFixed(1)},${sy(q.value).toFixed(1)}`;
    pen = true;
  }
  const unit = p.bunit ? ` ${p.bunit}` : "";
  const plot = svg("svg", {
    class: "profile-plot",
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role: "img",
    "aria-label":
      `Line profile over ${p.length.toFixed(1)} px, ${p.samples} samples` +
      (values.length ? `, values from ${formatValue(lo)} to ${formatValue(hi)}${unit}` : ", no values"),
  });
  const axis = svg("path", {
    d: `M${pad.left},${pad.top}V${height - pad.bottom}H${width - pad.right}`,
    class: "profile-axis",
    fill: "none",
  });
  const text = (x: number, y: number, anchor: string, content: string) => {
    const t = svg("text", { x, y, "text-anchor": anchor, class: "profile-label" });
    t.textContent = content;
    return t;
  };
  plot.append(
    axis,
    svg("path", { d, class: "profile-line", fill: "none" }),
    text(pad.left - 4, pad.top + 10, "end", formatValue(hi)),
    text(pad.left - 4, height - pad.bottom, "end", formatValue(lo)),
    text(pad.left, height - 6, "start", "0"),
    text(width - pad.right, height - 6, "end", `${p.length.toFixed(1)} px`),
  );
  return plot;
}
