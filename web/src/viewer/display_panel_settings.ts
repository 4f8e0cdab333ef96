// The live display of a mono 16-bit, float or FITS dataset (ADR 0024): which stretch, which cuts (data
// values shown black and white) and which colour map the server applies to the data pyramid. Pure
// logic, tested in display_panel_settings.test.ts: the settings in a URL, the tile URLs that carry them,
// the cut presets from the stored statistics, and the histogram's geometry.

export const LIVE_STRETCHES = ["linear", "log", "sqrt", "squared", "asinh", "sinh", "histeq"] as const;
export type LiveStretch = (typeof LIVE_STRETCHES)[number];
export const COLORMAPS = ["grey", "heat", "cool", "rainbow", "viridis", "inferno"] as const;
export type ColormapName = (typeof COLORMAPS)[number];

export interface DisplaySettings {
  stretch: LiveStretch;
  lo: number;
  hi: number;
  cmap: ColormapName;
  invert: boolean;
}

// GET /api/datasets/{id}/histogram
export interface DataStats {
  version: number;
  sample_size: number;
  min: number;
  max: number;
  mean: number;
  std: number;
  median: number;
  percentiles: Record<string, number>;
  zscale: [number, number];
  histogram: { low: number; high: number; counts: number[] };
  // The same between the 0.025 and 99.975 % values (absent from older statistics).
  core_histogram?: { low: number; high: number; counts: number[]; below: number; above: number };
  bunit: string | null;
  built?: { kind?: string; low?: number; high?: number } | null;
}

// DS9's scale limits: "99.5 %" keeps the central 99.5 % of the values.
export const CUT_PRESETS = ["minmax", "zscale", "90", "95", "98", "99", "99.5", "99.9", "99.95"] as const;
export type CutPreset = (typeof CUT_PRESETS)[number];

export function presetLabel(p: CutPreset): string {
  return p === "minmax" ? "min/max" : p === "zscale" ? "zscale" : `${p} %`;
}

// The cuts of a preset, or null when the statistics lack the percentiles it needs.
export function presetCuts(stats: DataStats, preset: CutPreset): [number, number] | null {
  if (preset === "minmax") return [stats.min, stats.max];
  if (preset === "zscale") return [stats.zscale[0], stats.zscale[1]];
  const tail = (100 - Number(preset)) / 2;
  const key = (p: number) => String(Number(p.toFixed(4)));
  const lo = stats.percentiles[key(tail)];
  const hi = stats.percentiles[key(100 - tail)];
  return lo === undefined || hi === undefined ? null : [lo, hi];
}

// The preset whose cuts these are, if any ("" for typed or dragged values).
export function presetOf(stats: DataStats, lo: number, hi: number): CutPreset | "" {
  for (const p of CUT_PRESETS) {
    const c = presetCuts(stats, p);
    if (c && c[0] === lo && c[1] === hi && c[0] < c[1]) return p;
  }
  return "";
}

// What the viewer opens with when neither the URL nor the owner chose: the build's own stretch and
// cuts when the live mapping has them, else 99.5 % linear (the build's default cuts).
export function initialSettings(stats: DataStats): DisplaySettings {
  const b = stats.built ?? null;
  const kind = b?.kind === "zscale" ? "linear" : (b?.kind ?? "linear");
  const stretch = (LIVE_STRETCHES as readonly string[]).includes(kind) ? (kind as LiveStretch) : "linear";
  let cuts: [number, number] | null =
    b && Number.isFinite(b.low) && Number.isFinite(b.high) && (b.low as number) < (b.high as number)
      ? [b.low as number, b.high as number]
      : presetCuts(stats, "99.5");
  if (!cuts || !(cuts[0] < cuts[1])) cuts = stats.min < stats.max ? [stats.min, stats.max] : [stats.min, stats.min + 1];
  return { stretch, lo: cuts[0], hi: cuts[1], cmap: "grey", invert: false };
}

// The server's name of the colour map: "viridis", "viridis_r" (inverted).
export function cmapParam(s: Pick<DisplaySettings, "cmap" | "invert">): string {
  return s.invert ? `${s.cmap}_r` : s.cmap;
}

// Numbers in URLs: exact (the shortest form that reads back as the same double).
const num = (v: number) => String(v);

export function liveTileUrl(
  datasetId: string,
  version: number,
  level: number,
  col: number,
  row: number,
  s: DisplaySettings,
): string {
  const q = new URLSearchParams({ stretch: s.stretch, lo: num(s.lo), hi: num(s.hi), cmap: cmapParam(s) });
  return `/api/datasets/${encodeURIComponent(datasetId)}/v${version}/live/${level}/${col}_${row}.png?${q.toString()}`;
}

// OpenSeadragon's custom tile source over the live tiles: the same geometry as the Deep Zoom
// pyramid (levels 0 = 1×1 to ceil(log2(longest side)), no overlap).
export function liveTileSource(
  d: { id: string; pyramid_version: number; width: number; height: number; tileSize: number },
  s: DisplaySettings,
): {
  width: number;
  height: number;
  tileSize: number;
  tileOverlap: number;
  minLevel: number;
  maxLevel: number;
  getTileUrl: (level: number, x: number, y: number) => string;
} {
  const settings = { ...s };
  return {
    width: d.width,
    height: d.height,
    tileSize: d.tileSize,
    tileOverlap: 0,
    minLevel: 0,
    maxLevel: Math.ceil(Math.log2(Math.max(d.width, d.height, 1))),
    getTileUrl: (level, x, y) => liveTileUrl(d.id, d.pyramid_version, level, x, y, settings),
  };
}

// The settings in the viewer's URL: ?stretch=asinh&lo=-5&hi=35000&cmap=viridis_r. Null when the URL
// holds none or a part is unusable (a hostile link falls back to the defaults, never to an error).
export function decodeDisplay(q: URLSearchParams): DisplaySettings | null {
  const stretch = q.get("stretch");
  const lo = Number(q.get("lo") ?? "x");
  const hi = Number(q.get("hi") ?? "x");
  const parsed = parseCmap(q.get("cmap") ?? "grey");
  if (!stretch || !(LIVE_STRETCHES as readonly string[]).includes(stretch) || !parsed) return null;
  if (q.get("lo")?.trim() === "" || q.get("hi")?.trim() === "") return null;
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(lo < hi) || !Number.isFinite(hi - lo)) return null;
  return { stretch: stretch as LiveStretch, lo, hi, ...parsed };
}

export function parseCmap(name: string): Pick<DisplaySettings, "cmap" | "invert"> | null {
  const invert = name.endsWith("_r");
  const base = invert ? name.slice(0, -2) : name;
  return (COLORMAPS as readonly string[]).includes(base) ? { cmap: base as ColormapName, invert } : null;
}

// The stored default ({stretch, lo, hi, cmap} under the dataset's stretch request), when valid.
export function storedDisplay(v: unknown): DisplaySettings | null {
  if (!v || typeof v !== "object") return null;
  const o = v as Record<string, unknown>;
  const q = new URLSearchParams();
  for (const k of ["stretch", "lo", "hi", "cmap"]) {
    if (typeof o[k] === "string" || typeof o[k] === "number") q.set(k, String(o[k]));
  }
  return decodeDisplay(q);
}

export function encodeDisplay(s: DisplaySettings, into = new URLSearchParams()): URLSearchParams {
  into.set("stretch", s.stretch);
  into.set("lo", num(s.lo));
  into.set("hi", num(s.hi));
  into.set("cmap", cmapParam(s));
  return into;
}

// The body the server stores as the dataset's default.
export function displayBody(s: DisplaySettings): { stretch: string; lo: number; hi: number; cmap: string } {
  return { stretch: s.stretch, lo: s.lo, hi: s.hi, cmap: cmapParam(s) };
}

export function sameSettings(a: DisplaySettings, b: DisplaySettings): boolean {
  return a.stretch === b.stretch && a.lo === b.lo && a.hi === b.hi && a.cmap === b.cmap && a.invert === b.invert;
}

// The histogram the panel draws: between the 0.025 and 99.975 % values, where a few stars or hot
// pixels do not squeeze the data into one bar, unless the whole range is asked for (or the core one
// is missing or empty).
export function histogramRange(stats: DataStats, whole: boolean): { low: number; high: number; counts: number[] } {
  const core = stats.core_histogram;
  return !whole && core && core.high > core.low ? core : stats.histogram;
}

// Bar heights of the histogram with log-scaled counts (a sky peak of millions beside a few stars):
// log(1 + count) over log(1 + the largest count), times the canvas height.
export function histogramBars(counts: readonly number[], height: number): number[] {
  const top = Math.log1p(Math.max(0, ...counts));
  return counts.map((c) => (top > 0 ? (Math.log1p(Math.max(0, c)) / top) * height : 0));
}

// Data value ↔ canvas x over the histogram's range [low, high] (clamped at the edges).
export function valueToX(v: number, low: number, high: number, width: number): number {
  if (!(high > low)) return 0;
  return Math.min(width, Math.max(0, ((v - low) / (high - low)) * width));
}

export function xToValue(x: number, low: number, high: number, width: number): number {
  return low + (Math.min(width, Math.max(0, x)) / Math.max(1, width)) * (high - low);
}

// A value for reading: up to 6 significant digits, exponent form for very large or small ones.
export function formatValue(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return "blank";
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-3) return v.toExponential(4);
  return String(Number(v.toPrecision(6)));
}

// At most one request in flight; while it runs only the latest position waits, and it goes next
// (a moving pointer makes dozens of positions a second).
export class LatestOnly<K> {
  private busy = false;
  private waiting: K | null = null;

  constructor(private readonly run: (key: K) => Promise<void>) {}

  ask(key: K): void {
    if (this.busy) {
      this.waiting = key;
      return;
    }
    this.busy = true;
    void this.run(key)
      .catch(() => undefined)
      .finally(() => {
        this.busy = false;
        const next = this.waiting;
        this.waiting = null;
        if (next !== null) this.ask(next);
      });
  }
}

// How long a throttled action must still wait: none once `interval` ms have passed since it last ran
// at `last` (0 = never), else the rest of the interval.
export function throttleDelay(last: number, now: number, interval: number): number {
  if (last === 0) return 0;
  return Math.max(0, last + interval - now);
}
