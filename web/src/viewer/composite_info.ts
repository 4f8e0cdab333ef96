// The recipe of a colour composite (docs/adr/0029-colour-composites.md) as rows of the viewer's
// information panel: which dataset made each band, with which stretch, cuts and weight.

export interface CompositeChannel {
  band: "red" | "green" | "blue";
  dataset_id: string;
  name: string;
  version: number;
  stretch: string;
  lo: number;
  hi: number;
  weight: number;
}

export interface CompositeRecipe {
  channels: CompositeChannel[];
  aligned_by: "wcs" | "confirmation";
}

// `pyramid.composite` of a dataset, when it is a composite (checked, since older servers lack it).
export function compositeOf(pyramid: unknown): CompositeRecipe | null {
  if (!pyramid || typeof pyramid !== "object") return null;
  const c = (pyramid as { composite?: unknown }).composite;
  if (!c || typeof c !== "object") return null;
  const channels = (c as { channels?: unknown }).channels;
  if (!Array.isArray(channels) || channels.length !== 3) return null;
  return c as CompositeRecipe;
}

const short = (v: number) =>
  Math.abs(v) >= 1e5 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3) : String(+v.toPrecision(6));

// [label, value] pairs: one per band, then how the alignment was established.
export function compositeInfoRows(pyramid: unknown): [string, string][] {
  const recipe = compositeOf(pyramid);
  if (!recipe) return [];
  const rows: [string, string][] = recipe.channels.map((c) => [
    `${c.band[0].toUpperCase()}${c.band.slice(1)}`,
    `${c.name} (v${c.version}): ${c.stretch} ${short(c.lo)} … ${short(c.hi)}, weight ${short(c.weight)}`,
  ]);
  rows.push([
    "Aligned by",
    recipe.aligned_by === "wcs"
      ? "the channels' WCS (same grid)"
      : "the owner's confirmation (no WCS on every channel)",
  ]);
  return rows;
}
