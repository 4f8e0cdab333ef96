// The coordinate grid: lines of constant longitude (meridians) and latitude (parallels) over the
// visible part of the image, at a spacing that suits the zoom level, with labels such as DS9's and
// Aladin's (RA in hours, 12h30m; other longitudes and latitudes in degrees, +45°30′). Lines are
// traced through the WCS (world → pixel), so they follow any projection; the visible longitudes are
// found on the circle (a view across RA 0h gives 23h…1h) and a view holding a pole gets every meridian.
import type { SkyTransform } from "./sky";

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}
export interface GridLine {
  kind: "meridian" | "parallel";
  value: number; // degrees
  label: string;
  points: [number, number][][]; // image pixels; separate runs where the line leaves the sky
}
export interface Grid {
  lngStep: number;
  latStep: number;
  lines: GridLine[];
}

// Nice steps in arcseconds: of time (× 15 for degrees) for hours, of arc otherwise.
const TIME_STEPS = [
  0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 14400, 21600,
];
const ARC_STEPS = [
  0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 18000, 36000, 54000,
  108000, 162000,
];

// The smallest nice step (degrees) that gives at most `lines` lines over `span` degrees.
export function gridStep(span: number, hours: boolean, lines = 6): number {
  const want = span / lines;
  const steps = hours ? TIME_STEPS.map((s) => (s * 15) / 3600) : ARC_STEPS.map((s) => s / 3600);
  return steps.find((s) => s >= want) ?? steps[steps.length - 1];
}

function decimalsFor(stepSeconds: number): number {
  return stepSeconds >= 1 ? 0 : Math.min(2, Math.ceil(-Math.log10(stepSeconds) - 1e-9));
}

// A label with the precision of the step: "12h", "12h30m", "12h30m15s", "12h30m15.5s" for hours;
// "+45°", "+45°30′", "+45°30′15″" (signed for latitudes) or "120°30′" for longitudes in degrees.
export function gridLabel(value: number, step: number, hours: boolean, signed: boolean): string {
  const unit = hours ? 15 : 1; // degrees per hour or per degree
  const stepSeconds = (step / unit) * 3600;
  const decimals = decimalsFor(stepSeconds);
  const scale = 10 ** decimals;
  let total = Math.round((Math.abs(value) / unit) * 3600 * scale) / scale;
  if (hours) total %= 24 * 3600;
  else if (!signed) total %= 360 * 3600;
  const a = Math.floor(total / 3600 + 1e-9),
    m = Math.floor((total - a * 3600) / 60 + 1e-9);
  const s = total - a * 3600 - m * 60;
  const [u1, u2, u3] = hours ? ["h", "m", "s"] : ["°", "′", "″"];
  let text = `${a}${u1}`;
  if (stepSeconds < 3600 || m || s > 1e-9) text += `${String(m).padStart(2, "0")}${u2}`;
  if (stepSeconds < 60 || s > 1e-9) text += `${s.toFixed(decimals).padStart(decimals ? decimals + 3 : 2, "0")}${u3}`;
  if (!signed) return text;
  return `${value < 0 && total > 0 ? "−" : "+"}${text}`;
}

// The longitudes seen, as [start, span] on the circle: the complement of the widest gap.
export function longitudeRange(lngs: number[]): [number, number] {
  if (lngs.length < 2) return [lngs[0] ?? 0, 0];
  const s = lngs.map((l) => ((l % 360) + 360) % 360).sort((a, b) => a - b);
  let gap = s[0] + 360 - s[s.length - 1],
    start = s[0];
  for (let i = 1; i < s.length; i++) {
    if (s[i] - s[i - 1] > gap) {
      gap = s[i] - s[i - 1];
      start = s[i];
    }
  }
  return [start, 360 - gap];
}

const inside = (r: Rect, p: [number, number] | null) =>
  p !== null && p[0] >= r.x && p[0] <= r.x + r.width && p[1] >= r.y && p[1] <= r.y + r.height;

// Traces lng/lat → pixel along a parameter, in runs that break where the line leaves the sky or jumps
// (the edge of an all-sky projection), keeping runs that touch the visible rectangle.
function trace(
  t: SkyTransform,
  height: number,
  view: Rect,
  samples: number,
  at: (f: number) => [number, number],
): [number, number][][] {
  const runs: [number, number][][] = [];
  const jump = Math.hypot(view.width, view.height) / 4;
  let run: [number, number][] = [];
  let touches = false;
  const end = () => {
    if (run.length > 1 && touches) runs.push(run);
    run = [];
    touches = false;
  };
  for (let i = 0; i <= samples; i++) {
    const [lng, lat] = at(i / samples);
    const p = t.pixel(lng, lat, height);
    if (!p) {
      end();
      continue;
    }
    const prev = run[run.length - 1];
    if (prev && Math.hypot(p[0] - prev[0], p[1] - prev[1]) > jump) end();
    run.push(p);
    if (inside(view, p)) touches = true;
  }
  end();
  return runs;
}

// The grid over `view` (image pixels, already clipped to the image), or null when none of it is sky.
export function computeGrid(t: SkyTransform, height: number, view: Rect, hours: boolean): Grid | null {
  const lngs: number[] = [],
    lats: number[] = [];
  const n = 24;
  for (let i = 0; i <= n; i++) {
    for (let j = 0; j <= n; j++) {
      const s = t.world(view.x + (view.width * i) / n, view.y + (view.height * j) / n, height);
      if (s) {
        lngs.push(s.lng);
        lats.push(s.lat);
      }
    }
  }
  if (lngs.length < 2) return null;
  let [lngStart, lngSpan] = longitudeRange(lngs);
  let latMin = Math.min(...lats),
    latMax = Math.max(...lats);
  // A pole in view: every meridian meets there, and the latitudes reach it.
  for (const pole of [90, -90]) {
    if (inside(view, t.pixel(0, pole, height))) {
      lngStart = 0;
      lngSpan = 360;
      if (pole > 0) latMax = 90;
      else latMin = -90;
    }
  }
  const latStep = gridStep(latMax - latMin, false);
  // Meridians by the longitudes seen: near a pole they spread, so fewer are drawn.
  const lngStep = gridStep(lngSpan, hours);
  // Sampled extremes fall short of the corners and edges: widen by a sampling cell.
  const pad = Math.max(latMax - latMin, 1e-9) / n;
  latMin = Math.max(-90, latMin - pad);
  latMax = Math.min(90, latMax + pad);
  if (lngSpan < 360) {
    const lpad = Math.max(lngSpan, 1e-9) / n;
    lngStart -= lpad;
    lngSpan = Math.min(360, lngSpan + 2 * lpad);
  }
  const lines: GridLine[] = [];
  const samples = 96;
  const first = Math.ceil(lngStart / lngStep - 1e-9);
  for (let k = first; k * lngStep <= lngStart + lngSpan + 1e-9 && lines.length < 400; k++) {
    const lng = (((k * lngStep) % 360) + 360) % 360;
    if (lngSpan >= 360 && k > first && Math.abs(k * lngStep - first * lngStep - 360) < 1e-9) break;
    const points = trace(t, height, view, samples, (f) => [lng, latMin + f * (latMax - latMin)]);
    if (points.length)
      lines.push({ kind: "meridian", value: lng, label: gridLabel(lng, lngStep, hours, false), points });
  }
  for (let lat = Math.ceil(latMin / latStep - 1e-9) * latStep; lat <= latMax + 1e-9; lat += latStep) {
    if (Math.abs(lat) >= 90 - 1e-9) continue; // a pole is a point
    const points = trace(t, height, view, samples * 2, (f) => [lngStart + f * lngSpan, lat]);
    if (points.length)
      lines.push({ kind: "parallel", value: lat, label: gridLabel(lat, latStep, false, true), points });
  }
  return { lngStep, latStep, lines };
}
