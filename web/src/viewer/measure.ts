// Distances and position angles between two points of an image, as DS9's and Aladin's rulers give
// them: the length in image pixels, and with a celestial WCS the separation along the great circle
// and the position angle of the second point from the first, east of north.
import type { World } from "./sky";
import { separation } from "./sky";

const D2R = Math.PI / 180;

// Position angle of b seen from a, degrees in [0, 360), measured from north through east.
export function positionAngle(a: World, b: World): number {
  const dl = (b.lng - a.lng) * D2R;
  const y = Math.sin(dl) * Math.cos(b.lat * D2R);
  const x =
    Math.cos(a.lat * D2R) * Math.sin(b.lat * D2R) - Math.sin(a.lat * D2R) * Math.cos(b.lat * D2R) * Math.cos(dl);
  return (((Math.atan2(y, x) / D2R) % 360) + 360) % 360;
}

// An angle in the unit people read at its size: 12.34″, 5.678′, 1.2345°.
export function formatAngle(degrees: number): string {
  const arcsec = degrees * 3600;
  if (arcsec < 60) return `${arcsec.toFixed(2)}″`;
  if (arcsec < 3600) return `${(arcsec / 60).toFixed(3)}′`;
  return `${degrees.toFixed(4)}°`;
}

export interface Measurement {
  pixels: number;
  separation: number | null; // degrees along the great circle
  positionAngle: number | null; // degrees east of north
}

export function measure(
  a: [number, number],
  b: [number, number],
  world: ((x: number, y: number) => World | null) | null,
): Measurement {
  const pixels = Math.hypot(b[0] - a[0], b[1] - a[1]);
  const wa = world ? world(a[0], a[1]) : null,
    wb = world ? world(b[0], b[1]) : null;
  if (!wa || !wb) return { pixels, separation: null, positionAngle: null };
  return { pixels, separation: separation(wa, wb), positionAngle: positionAngle(wa, wb) };
}

export function describeMeasurement(m: Measurement): string {
  const px = `${m.pixels.toFixed(m.pixels < 100 ? 2 : 1)} px`;
  if (m.separation === null || m.positionAngle === null) return px;
  return `${px} · ${formatAngle(m.separation)} · PA ${m.positionAngle.toFixed(2)}°`;
}
