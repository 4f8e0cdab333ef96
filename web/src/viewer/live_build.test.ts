import { describe, expect, it } from "vitest";
import type { DatasetBuilding } from "../api/types";
import { parseDzi } from "./dzi";
import {
  buildFailedText,
  buildingText,
  buildingTileSource,
  frontierChange,
  frontierTileExists,
  geometryOf,
  maxLevel,
  supersededFrontiers,
  tilesAt,
} from "./live_build";

const DZI = "/api/datasets/d1/v3/image.dzi";
// 1000 × 600 in 256-pixel tiles: level 10 is full size (4 × 3 tiles), level 9 is 500 × 300 (2 × 2).
const xml = `<?xml version="1.0"?><Image xmlns="http://schemas.microsoft.com/deepzoom/2008" Format="jpeg"
  Overlap="0" TileSize="256"><Size Width="1000" Height="600"/></Image>`;
const dzi = parseDzi(xml, DZI);
if (!dzi) throw new Error("the test descriptor does not parse");
const g = geometryOf(dzi);

const building = (checkpoint: number, rows: number[], version = 3): DatasetBuilding => ({
  version,
  dzi: `/api/datasets/d1/v${version}/image.dzi`,
  tile_rows: rows,
  checkpoint,
  preview: null,
});

describe("the pyramid's geometry from its descriptor", () => {
  it("reads size, tiles and where the tiles are", () => {
    expect(g).toEqual({
      width: 1000,
      height: 600,
      tileSize: 256,
      overlap: 0,
      format: "jpeg",
      tilesUrl: "/api/datasets/d1/v3/image_files/",
    });
    expect(maxLevel(g)).toBe(10);
    expect(tilesAt(g, 10)).toEqual({ x: 4, y: 3 });
    expect(tilesAt(g, 9)).toEqual({ x: 2, y: 2 });
    expect(tilesAt(g, 0)).toEqual({ x: 1, y: 1 });
  });
});

describe("which tiles exist at a frontier", () => {
  // Two of three rows at full size, one of two at level 9, the small levels not yet written.
  const rows = [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2];
  const exists = frontierTileExists(g, rows);

  it("the rows above the frontier, every column", () => {
    for (let x = 0; x < 4; x++) {
      expect(exists(10, x, 0)).toBe(true);
      expect(exists(10, x, 1)).toBe(true);
      expect(exists(10, x, 2)).toBe(false);
    }
    expect(exists(9, 1, 0)).toBe(true);
    expect(exists(9, 1, 1)).toBe(false);
  });

  it("no level not yet started, none outside the image, none past the last level", () => {
    for (let level = 0; level <= 8; level++) expect(exists(level, 0, 0)).toBe(false);
    expect(exists(10, 4, 0)).toBe(false); // a column past the right edge
    expect(exists(10, -1, 0)).toBe(false);
    expect(exists(11, 0, 0)).toBe(false);
    expect(exists(-1, 0, 0)).toBe(false);
    // A server that lists rows past the image's bottom does not make tiles out of nothing.
    expect(frontierTileExists(g, [...rows.slice(0, 10), 99])(10, 0, 3)).toBe(false);
  });

  it("a level the server does not list has no rows", () => {
    expect(frontierTileExists(g, [])(10, 0, 0)).toBe(false);
  });

  it("is fixed when made: a later change of the array does not reach it", () => {
    const mine = [...rows];
    const fixed = frontierTileExists(g, mine);
    mine[10] = 3;
    expect(fixed(10, 0, 2)).toBe(false);
  });

  it("the tile source asks for the descriptor's tile URLs and only written tiles", () => {
    const source = buildingTileSource(g, rows);
    expect(source).toMatchObject({
      width: 1000,
      height: 600,
      tileSize: 256,
      tileOverlap: 0,
      minLevel: 0,
      maxLevel: 10,
    });
    expect(source.getTileUrl(10, 3, 1)).toBe("/api/datasets/d1/v3/image_files/10/3_1.jpeg");
    expect(source.tileExists(10, 3, 1)).toBe(true);
    expect(source.tileExists(10, 3, 2)).toBe(false);
  });
});

describe("what a status poll changes", () => {
  const shown = building(4, [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1]);

  it("a later checkpoint with more rows advances", () => {
    expect(frontierChange(shown, building(5, [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2]))).toBe("advance");
    // The small levels appear only at the very end: new levels count as more rows.
    expect(frontierChange(shown, building(9, [1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 3]))).toBe("advance");
  });

  it("the same rows change nothing", () => {
    expect(frontierChange(shown, shown)).toBe("same");
    expect(frontierChange(shown, building(5, [...shown.tile_rows]))).toBe("same");
  });

  it("the preview appearing changes no frontier (the view adds it apart)", () => {
    const withPreview = { ...building(5, [...shown.tile_rows]), preview: "/api/datasets/d1/v3/preview" };
    expect(frontierChange(shown, withPreview)).toBe("same");
  });

  it("another version being built starts again (its URLs differ)", () => {
    expect(frontierChange(shown, building(0, [], 4))).toBe("restart");
  });

  it("rows that went back (a retried attempt of the same version) start again", () => {
    // Tiles the shown frontier names may not exist in the new attempt: never ask for them.
    expect(frontierChange(shown, building(1, [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]))).toBe("restart");
    expect(frontierChange(shown, building(6, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]))).toBe("restart");
    // A retry that numbers its checkpoints again but is already past the shown rows advances.
    expect(frontierChange(shown, building(1, [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2]))).toBe("advance");
  });
});

describe("the frontiers kept when a new one is added", () => {
  it("the last fully drawn (bottom) and the newest asked for (top); those between go", () => {
    expect(supersededFrontiers([])).toEqual([]);
    expect(supersededFrontiers(["drawn"])).toEqual([]);
    expect(supersededFrontiers(["drawn", "newest"])).toEqual([]);
    expect(supersededFrontiers(["drawn", "older", "newest"])).toEqual(["older"]);
    expect(supersededFrontiers(["drawn", "a", "b", "newest"])).toEqual(["a", "b"]);
  });
});

describe("the status bar's words", () => {
  it("say the progress while building, in 1–99", () => {
    expect(buildingText(43)).toBe("Building · 43 %");
    expect(buildingText(42.6)).toBe("Building · 43 %");
    expect(buildingText(0)).toBe("Building · 1 %");
    expect(buildingText(100)).toBe("Building · 99 %");
    expect(buildingText(Number.NaN)).toBe("Building · 1 %");
  });

  it("say why a build failed", () => {
    expect(buildFailedText("The image is corrupt.")).toBe("Build failed: The image is corrupt.");
    expect(buildFailedText(null)).toBe("Build failed: the pyramid could not be built.");
  });
});
