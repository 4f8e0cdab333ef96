// The colour composite form's logic (docs/adr/0029-colour-composites.md), pure and tested in
// composite_form.test.ts: which datasets can be channels, the cuts a channel starts from, whether the
// alignment must be confirmed, and the request body with the first problem found.
import type { Dataset } from "../api/types";
import type { DataStats, LiveStretch } from "../viewer/display_panel_settings";

export const BANDS = ["red", "green", "blue"] as const;
export type Band = (typeof BANDS)[number];
export const MAX_WEIGHT = 10;

// Single-band datasets with original values: the build stretched them (16-bit, float, FITS), so the
// published pyramid records a stretch and one display band.
export function canBeChannel(d: Dataset): boolean {
  const p = d.pyramid as ({ stretch?: unknown; display_bands?: number } & object) | undefined;
  return d.status === "completed" && d.bands === 1 && !!p && p.stretch != null && (p.display_bands ?? 1) === 1;
}

export function hasWcs(d: Dataset): boolean {
  return !!d.pyramid?.wcs;
}

// The server refuses channels without a celestial WCS unless the user vouches for the alignment.
export function needsConfirmation(chosen: (Dataset | null)[]): boolean {
  return chosen.some((d) => d !== null && !hasWcs(d));
}

// Each channel starts from its own zscale cuts (DS9's and the display panel's usual first look); the
// 0.25/99.75 % values, then min/max, when zscale is flat.
export function defaultCuts(stats: DataStats): [number, number] {
  const candidates: [number, number][] = [
    stats.zscale,
    [stats.percentiles["0.25"] ?? NaN, stats.percentiles["99.75"] ?? NaN],
    [stats.min, stats.max],
  ];
  for (const [lo, hi] of candidates) if (Number.isFinite(lo) && Number.isFinite(hi) && lo < hi) return [lo, hi];
  return [stats.min, stats.min + 1];
}

export interface ChannelInput {
  datasetId: string;
  stretch: LiveStretch;
  lo: string;
  hi: string;
  weight: string;
}

export interface CompositeBody {
  name: string;
  channels: { dataset_id: string; stretch: LiveStretch; lo: number; hi: number; weight: number }[];
  confirm_alignment: boolean;
}

// The request, or the first problem and the id of the input to focus ("composite-green-lo").
export function compositeBody(
  name: string,
  channels: ChannelInput[],
  confirmAlignment: boolean,
): { body: CompositeBody | null; error: string | null; field: string | null } {
  const fail = (error: string, field: string) => ({ body: null, error, field });
  if (!name.trim()) return fail("Give the composite a name", "composite-name");
  const out: CompositeBody["channels"] = [];
  for (let i = 0; i < 3; i++) {
    const c = channels[i];
    const band = BANDS[i];
    const id = (part: string) => `composite-${band}-${part}`;
    if (!c.datasetId) return fail(`Choose the ${band} channel's dataset`, id("dataset"));
    const lo = Number(c.lo.trim()),
      hi = Number(c.hi.trim());
    if (c.lo.trim() === "" || !Number.isFinite(lo)) return fail(`The ${band} low cut must be a number`, id("lo"));
    if (c.hi.trim() === "" || !Number.isFinite(hi)) return fail(`The ${band} high cut must be a number`, id("hi"));
    if (!(lo < hi)) return fail(`The ${band} high cut must be above the low cut`, id("hi"));
    const weight = Number(c.weight.trim() || "1");
    if (!Number.isFinite(weight) || weight <= 0 || weight > MAX_WEIGHT)
      return fail(`The ${band} weight must be above 0 and at most ${MAX_WEIGHT}`, id("weight"));
    out.push({ dataset_id: c.datasetId, stretch: c.stretch, lo, hi, weight });
  }
  return { body: { name: name.trim(), channels: out, confirm_alignment: confirmAlignment }, error: null, field: null };
}

// The input a server refusal names ("channels[1].weight" → "composite-green-weight").
export function fieldInput(serverField: string | null): string | null {
  if (serverField === "name") return "composite-name";
  const m = /^channels\[(\d)\]\.(dataset_id|stretch|lo|hi|weight)$/.exec(serverField ?? "");
  if (!m) return null;
  const band = BANDS[Number(m[1])];
  if (!band) return null;
  return `composite-${band}-${m[2] === "dataset_id" ? "dataset" : m[2]}`;
}
