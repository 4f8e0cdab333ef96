// Exports the whole image at a chosen width by stitching the pre-cut tiles of the smallest pyramid
// level at least that wide, then scaling once. Nothing is resampled on the server.
import { exportBlob } from "./export_view";

export interface LevelPlan {
  level: number;
  levelWidth: number;
  levelHeight: number;
  cols: number;
  rows: number;
}

// Deep Zoom levels: the deepest is full resolution, each one above halves it (rounding up).
export function maxLevel(width: number, height: number): number {
  return Math.ceil(Math.log2(Math.max(width, height, 1)));
}

export function planLevel(width: number, height: number, tileSize: number, targetWidth: number): LevelPlan {
  const top = maxLevel(width, height);
  let level = top;
  // Walk up while the next level is still at least as wide as asked.
  while (level > 0 && Math.ceil(width / 2 ** (top - level + 1)) >= targetWidth) level -= 1;
  const levelWidth = Math.ceil(width / 2 ** (top - level));
  const levelHeight = Math.ceil(height / 2 ** (top - level));
  return {
    level,
    levelWidth,
    levelHeight,
    cols: Math.ceil(levelWidth / tileSize),
    rows: Math.ceil(levelHeight / tileSize),
  };
}

export function outputSize(width: number, height: number, targetWidth: number): [number, number] {
  const w = Math.min(targetWidth, width);
  return [w, Math.max(1, Math.round((height * w) / width))];
}

function loadImage(url: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error(`A tile could not be loaded (${url})`));
    img.src = url;
  });
}

export async function exportWholeImage(opts: {
  dziUrl: string; // …/image.dzi (versioned)
  width: number;
  height: number;
  tileSize: number;
  format: string;
  targetWidth: number;
  fileName: string;
  onProgress?: (done: number, total: number) => void;
}): Promise<Blob> {
  const plan = planLevel(opts.width, opts.height, opts.tileSize, opts.targetWidth);
  const base = opts.dziUrl.replace(/\.dzi$/, "_files");
  const level = document.createElement("canvas");
  level.width = plan.levelWidth;
  level.height = plan.levelHeight;
  const ctx = level.getContext("2d");
  if (!ctx) throw new Error("Canvas 2D is not available");
  const total = plan.cols * plan.rows;
  let done = 0;
  for (let r = 0; r < plan.rows; r += 1) {
    // One row at a time: a few dozen requests in flight, not thousands.
    const row = await Promise.all(
      Array.from({ length: plan.cols }, (_, c) => loadImage(`${base}/${plan.level}/${c}_${r}.${opts.format}`)),
    );
    row.forEach((img, c) => ctx.drawImage(img, c * opts.tileSize, r * opts.tileSize));
    done += plan.cols;
    opts.onProgress?.(done, total);
  }
  const [w, h] = outputSize(opts.width, opts.height, opts.targetWidth);
  const out = document.createElement("canvas");
  out.width = w;
  out.height = h;
  const octx = out.getContext("2d");
  if (!octx) throw new Error("Canvas 2D is not available");
  octx.imageSmoothingQuality = "high";
  octx.drawImage(level, 0, 0, w, h);
  return exportBlob(out, opts.fileName);
}
