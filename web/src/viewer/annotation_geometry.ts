// Shapes in image pixel coordinates (origin top-left, y down), as the server stores them.
import type { AnnotationKind } from "../api/types";

export interface PointGeometry {
  x: number;
  y: number;
}
export interface RectangleGeometry {
  x: number;
  y: number;
  width: number;
  height: number;
}
export interface CircleGeometry {
  x: number;
  y: number;
  radius: number;
}
export interface PolygonGeometry {
  points: Array<[number, number]>;
}
export type Geometry = PointGeometry | RectangleGeometry | CircleGeometry | PolygonGeometry;

export interface Annotation {
  id: string;
  dataset_id: string;
  author_id: string | null;
  kind: AnnotationKind;
  label: string;
  color: string;
  geometry: Geometry;
  created_at: string;
  updated_at: string;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

// A rectangle dragged from `a` to `b` in any direction, kept inside the image.
export function rectangleFromDrag(a: [number, number], b: [number, number], w: number, h: number): RectangleGeometry {
  const x0 = clamp(Math.min(a[0], b[0]), 0, w),
    x1 = clamp(Math.max(a[0], b[0]), 0, w);
  const y0 = clamp(Math.min(a[1], b[1]), 0, h),
    y1 = clamp(Math.max(a[1], b[1]), 0, h);
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

// A circle dragged from its centre outwards; the centre stays inside the image.
export function circleFromDrag(centre: [number, number], edge: [number, number], w: number, h: number): CircleGeometry {
  const x = clamp(centre[0], 0, w),
    y = clamp(centre[1], 0, h);
  return { x, y, radius: Math.hypot(edge[0] - x, edge[1] - y) };
}

export function clampPoint(p: [number, number], w: number, h: number): [number, number] {
  return [clamp(p[0], 0, w), clamp(p[1], 0, h)];
}

// The smallest box around a shape (points get a little room so "fly to" does not zoom forever).
export function boundingBox(kind: AnnotationKind, g: Geometry, pointPadding = 64): Box {
  switch (kind) {
    case "point": {
      const p = g as PointGeometry;
      return { x: p.x - pointPadding, y: p.y - pointPadding, width: 2 * pointPadding, height: 2 * pointPadding };
    }
    case "rectangle":
      return { ...(g as RectangleGeometry) };
    case "circle": {
      const c = g as CircleGeometry;
      return { x: c.x - c.radius, y: c.y - c.radius, width: 2 * c.radius, height: 2 * c.radius };
    }
    case "polygon": {
      const pts = (g as PolygonGeometry).points;
      const xs = pts.map((p) => p[0]),
        ys = pts.map((p) => p[1]);
      const x = Math.min(...xs),
        y = Math.min(...ys);
      return { x, y, width: Math.max(...xs) - x, height: Math.max(...ys) - y };
    }
  }
}

// Useful enough to keep: a rectangle or circle of at least a few pixels, a polygon of 3+ corners.
export function isDrawable(kind: AnnotationKind, g: Geometry): boolean {
  switch (kind) {
    case "point":
      return true;
    case "rectangle":
      return (g as RectangleGeometry).width >= 2 && (g as RectangleGeometry).height >= 2;
    case "circle":
      return (g as CircleGeometry).radius >= 1;
    case "polygon":
      return (g as PolygonGeometry).points.length >= 3;
  }
}
