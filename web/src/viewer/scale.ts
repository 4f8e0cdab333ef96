// What the scale bar and the compass show, computed apart from drawing them: the longest "round"
// length (1, 2 or 5 × 10ⁿ of a unit people read) that fits a bar, and the directions of north and
// east at a position of an image with a celestial WCS.
import type { SkyTransform } from "./sky";

export type ScaleKind = "angle" | "length" | "pixels"; // degrees, metres or image pixels per unit

export interface ScaleBar {
  px: number; // bar length on screen
  label: string; // "30″", "2′", "1.5°"… "500 m", "2 km"… "100 px"
}

// Round values from 1 to 500,000 of a unit, ascending (pixels of a zoomed-out gigapixel image need
// the large ones).
const ROUND = [1, 2, 5].flatMap((m) => [1, 10, 100, 1e3, 1e4, 1e5].map((p) => m * p)).sort((a, b) => a - b);
// One formatter for every frame: Number.prototype.toLocaleString builds a new one per call, and the
// scale bar is recomputed on every frame of a zoom.
const EN = new Intl.NumberFormat("en-US");

function longestRound(maxValue: number, units: Array<{ unit: string; size: number; min?: number }>) {
  // The largest unit whose round values fit; units are from largest to smallest.
  for (const u of units) {
    const inUnit = maxValue / u.size;
    const fits = ROUND.filter((r) => r <= inUnit && r >= (u.min ?? 1));
    if (fits.length)
      return {
        value: fits[fits.length - 1] * u.size,
        label: `${EN.format(fits[fits.length - 1])}${u.unit}`,
      };
  }
  return null;
}

// The bar for `perScreenPixel` units (degrees, metres or image pixels) per screen pixel, at most
// `maxPx` long; null when not even the smallest unit fits (zoomed so far that one screen pixel is
// more than the bar).
export function scaleBar(kind: ScaleKind, perScreenPixel: number, maxPx: number): ScaleBar | null {
  if (!(perScreenPixel > 0) || !Number.isFinite(perScreenPixel)) return null;
  const maxValue = perScreenPixel * maxPx;
  const units =
    kind === "angle"
      ? [
          { unit: "°", size: 1 },
          { unit: "′", size: 1 / 60 },
          { unit: "″", size: 1 / 3600 },
          { unit: " mas", size: 1 / 3.6e6 },
        ]
      : kind === "length"
        ? [
            { unit: " km", size: 1000 },
            { unit: " m", size: 1 },
            { unit: " cm", size: 0.01 },
          ]
        : [{ unit: " px", size: 1 }];
  const best = longestRound(maxValue, units);
  // In 1-2-5 steps the longest fitting value is at least 2/5 of the room; shorter means out of range.
  if (!best || best.value / perScreenPixel < maxPx * 0.4 - 1e-9) return null;
  return { px: best.value / perScreenPixel, label: best.label };
}

export interface Compass {
  north: [number, number]; // unit vectors in image pixels (x right, y down)
  east: [number, number];
}

// North and east at an image position: towards increasing latitude and increasing longitude, from
// the WCS itself (so a mirrored or rotated image gets the arrows it needs). Null near a pole or off
// the projection.
export function compassAt(sky: SkyTransform, x: number, y: number, height: number): Compass | null {
  const here = sky.world(x, y, height);
  if (!here || Math.abs(here.lat) > 89.9) return null;
  const step = 1 / 60; // an arcminute: far from the projection's limits, well above rounding
  const at = sky.pixel(here.lng, here.lat, height);
  const n = sky.pixel(here.lng, here.lat + step, height);
  const e = sky.pixel((here.lng + step / Math.cos((here.lat * Math.PI) / 180) + 360) % 360, here.lat, height);
  if (!at || !n || !e) return null;
  const unit = (p: [number, number]): [number, number] | null => {
    const dx = p[0] - at[0],
      dy = p[1] - at[1];
    const len = Math.hypot(dx, dy);
    return len > 0 ? [dx / len, dy / len] : null;
  };
  const north = unit(n),
    east = unit(e);
  return north && east ? { north, east } : null;
}
