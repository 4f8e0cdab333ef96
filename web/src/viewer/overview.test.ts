import { describe, expect, it } from "vitest";
import { isOverview, overviewTileSource, pyramidItem, tiledItems } from "./overview";

const PREVIEW = "/api/datasets/d1/v3/preview";

// A world as OpenSeadragon holds it: items bottom first, each with its tile source.
const world = <T>(items: T[]) => ({ getItemCount: () => items.length, getItemAt: (i: number) => items[i] });
const overview = { name: "overview", source: overviewTileSource({ width: 1000, height: 600 }, PREVIEW) };
const frontier = (name: string) => ({ name, source: { width: 1000, height: 600 } });

describe("the preview as an overview tile source", () => {
  const source = overviewTileSource({ width: 20001, height: 7 }, PREVIEW);

  it("is one tile the image's size, so it is stretched over exactly the image's bounds", () => {
    expect(source).toMatchObject({
      width: 20001,
      height: 7,
      tileWidth: 20001,
      tileHeight: 7,
      tileOverlap: 0,
      minLevel: 0,
      maxLevel: 0,
    });
  });

  it("asks for the preview's URL", () => {
    expect(source.getTileUrl()).toBe(PREVIEW);
  });

  it("has no `url`: OpenSeadragon would fetch it as a descriptor", () => {
    expect("url" in source).toBe(false);
  });
});

describe("which world item is which", () => {
  const a = frontier("a");
  const b = frontier("b");

  it("the overview is known by its tile source", () => {
    expect(isOverview(overview)).toBe(true);
    expect(isOverview(a)).toBe(false);
    expect(isOverview({ source: null })).toBe(false);
  });

  it("the pyramid is the first item that is not the overview", () => {
    expect(pyramidItem(world([overview, a, b]))).toBe(a);
    expect(pyramidItem(world([a, b]))).toBe(a);
    expect(pyramidItem(world([overview]))).toBeUndefined();
    expect(pyramidItem(world([]))).toBeUndefined();
  });

  it("the tiled images are every item but the overview, bottom first", () => {
    expect(tiledItems(world([overview, a, b]))).toEqual([a, b]);
    expect(tiledItems(world([a]))).toEqual([a]);
  });
});
