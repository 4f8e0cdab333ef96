import { describe, expect, it } from "vitest";
import { boundingBox, circleFromDrag, clampPoint, isDrawable, rectangleFromDrag } from "./annotation_geometry";

describe("annotation geometry", () => {
  it("normalises and clamps dragged rectangles", () => {
    expect(rectangleFromDrag([50, 40], [10, 10], 100, 100)).toEqual({ x: 10, y: 10, width: 40, height: 30 });
    expect(rectangleFromDrag([-5, 90], [120, 130], 100, 100)).toEqual({ x: 0, y: 90, width: 100, height: 10 });
  });
  it("builds circles from the centre out", () => {
    expect(circleFromDrag([10, 10], [13, 14], 100, 100)).toEqual({ x: 10, y: 10, radius: 5 });
    expect(circleFromDrag([-3, 200], [0, 100], 100, 100).y).toBe(100);
  });
  it("bounds every kind", () => {
    expect(boundingBox("point", { x: 100, y: 100 }, 10)).toEqual({ x: 90, y: 90, width: 20, height: 20 });
    expect(boundingBox("circle", { x: 10, y: 20, radius: 5 })).toEqual({ x: 5, y: 15, width: 10, height: 10 });
    expect(
      boundingBox("polygon", {
        points: [
          [1, 5],
          [4, 2],
          [3, 9],
        ],
      }),
    ).toEqual({ x: 1, y: 2, width: 3, height: 7 });
  });
  it("refuses shapes too small to mean anything", () => {
    expect(isDrawable("rectangle", { x: 0, y: 0, width: 1, height: 50 })).toBe(false);
    expect(
      isDrawable("polygon", {
        points: [
          [0, 0],
          [1, 1],
        ],
      }),
    ).toBe(false);
    expect(isDrawable("circle", { x: 0, y: 0, radius: 3 })).toBe(true);
    expect(clampPoint([-1, 5], 10, 10)).toEqual([0, 5]);
  });
});
