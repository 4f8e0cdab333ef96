// The viewer on a pyramid that is still being built (#17 point 2): pure logic, tested in
// live_build.test.ts. The build makes one pass down the image, so each Deep Zoom level has its top
// `tile_rows[level]` rows of tiles written and nothing below. OpenSeadragon asks a tile source's
// tileExists() once per tile of a tiled image and never retries a tile that failed, so a tile past the
// frontier must never be asked for: the viewer shows each frontier as a new tiled image whose
// tileExists() is fixed to it (same URLs, so the tiles it already has come from the cache).
import type { DatasetBuilding } from "../api/types";
import type { DziSource } from "./dzi";

// What the descriptor says of the pyramid.
export interface PyramidGeometry {
  width: number;
  height: number;
  tileSize: number;
  overlap: number;
  format: string; // the tiles' file extension: jpeg, png, ...
  tilesUrl: string; // …/image_files/
}

export function geometryOf(dzi: DziSource): PyramidGeometry {
  const i = dzi.Image;
  return {
    width: Number(i.Size.Width),
    height: Number(i.Size.Height),
    tileSize: Number(i.TileSize),
    overlap: Number(i.Overlap),
    format: i.Format,
    tilesUrl: i.Url,
  };
}

// Deep Zoom levels: 0 is 1×1, the last is the full image.
export function maxLevel(g: Pick<PyramidGeometry, "width" | "height">): number {
  return Math.ceil(Math.log2(Math.max(g.width, g.height, 1)));
}

// Tile columns and rows of a level (the image halved, rounding up, once per level below the last).
export function tilesAt(g: PyramidGeometry, level: number): { x: number; y: number } {
  const scale = 2 ** (maxLevel(g) - level);
  const w = Math.ceil(g.width / scale);
  const h = Math.ceil(g.height / scale);
  return { x: Math.ceil(w / g.tileSize), y: Math.ceil(h / g.tileSize) };
}

// Whether tile (level, x, y) is written: inside the level and above its frontier. A level the
// server does not list has no rows yet.
export function frontierTileExists(
  g: PyramidGeometry,
  tileRows: readonly number[],
): (level: number, x: number, y: number) => boolean {
  const top = maxLevel(g);
  const rows = [...tileRows];
  return (level, x, y) => {
    if (!Number.isInteger(level) || level < 0 || level > top || x < 0 || y < 0) return false;
    const n = tilesAt(g, level);
    return x < n.x && y < n.y && y < (rows[level] ?? 0);
  };
}

export function tileUrl(g: PyramidGeometry, level: number, x: number, y: number): string {
  return `${g.tilesUrl}${level}/${x}_${y}.${g.format}`;
}

// OpenSeadragon's custom tile source over the building pyramid at one frontier.
export function buildingTileSource(
  g: PyramidGeometry,
  tileRows: readonly number[],
): {
  width: number;
  height: number;
  tileSize: number;
  tileOverlap: number;
  minLevel: number;
  maxLevel: number;
  getTileUrl: (level: number, x: number, y: number) => string;
  tileExists: (level: number, x: number, y: number) => boolean;
} {
  return {
    width: g.width,
    height: g.height,
    tileSize: g.tileSize,
    tileOverlap: g.overlap,
    minLevel: 0,
    maxLevel: maxLevel(g),
    getTileUrl: (level, x, y) => tileUrl(g, level, x, y),
    tileExists: frontierTileExists(g, tileRows),
  };
}

// What a status poll means for the picture shown at `shown`:
//   "restart"  another version is being built, or the same version's rows went back (a retried
//              attempt starts from the top, ADR 0034): tiles the shown frontier names may not exist
//              now, so open it anew;
//   "advance"  more rows written: show the new frontier;
//   "same"     nothing new to draw.
// Rows decide, not `checkpoint`: it counts up when rows grow, but a retried attempt counts again.
export type FrontierChange = "restart" | "advance" | "same";

export function frontierChange(shown: DatasetBuilding, next: DatasetBuilding): FrontierChange {
  if (next.version !== shown.version || next.dzi !== shown.dzi) return "restart";
  if (shown.tile_rows.some((rows, level) => (next.tile_rows[level] ?? 0) < rows)) return "restart";
  const grew = next.tile_rows.some((rows, level) => rows > (shown.tile_rows[level] ?? 0));
  return grew ? "advance" : "same";
}

// Before a new frontier is added over the tiled images shown (bottom first): the bottom one is the
// last fully drawn, the top one the newest asked for; those between were superseded before they
// finished loading and are of no more use (their tiles are the newer one's too).
export function supersededFrontiers<T>(shown: readonly T[]): T[] {
  return shown.slice(1, -1);
}

// The status bar's words while the build runs (progress 1–99 from the server; kept in that range
// so a stray 0 or 100 does not read as "not started" or "done" while tiles are still coming).
export function buildingText(progress: number): string {
  const p = Number.isFinite(progress) ? Math.min(99, Math.max(1, Math.round(progress))) : 1;
  return `Building · ${p} %`;
}

export function buildFailedText(reason: string | null): string {
  return `Build failed: ${reason && reason.trim() !== "" ? reason : "the pyramid could not be built."}`;
}
