import { describe, expect, it } from "vitest";
import type { Dataset, FitsHdu, FitsInfo } from "../api/types";
import {
  bitpixName,
  displayRequest,
  displayableHdus,
  fitsFormat,
  fitsInfoRows,
  formatAxes,
  hduLabel,
  keywordRows,
  parseIndex,
  planeLabel,
  planesOf,
  withShownSize,
} from "./fits_info";

const hdu = (index: number, extra: Partial<FitsHdu>): FitsHdu => ({
  index,
  kind: "image",
  extname: "",
  bitpix: -32,
  axes: [4096, 2048],
  tile_compressed: false,
  displayable: true,
  ...extra,
});

const mef: FitsInfo = {
  hdu: 1,
  plane: 0,
  planes: 3,
  bitpix: -32,
  hdu_count: 4,
  hdus: [
    hdu(0, { kind: "header_only", bitpix: 8, axes: [], displayable: false }),
    hdu(1, { extname: "SCI", axes: [4096, 2048, 3] }),
    hdu(2, { extname: "ERR", bitpix: 16 }),
    hdu(3, { kind: "binary_table", extname: "EVENTS", bitpix: 8, axes: [24, 1000], displayable: false }),
  ],
  keywords: {
    TELESCOP: "HST",
    OBJECT: "M31",
    EXPTIME: "1200.5",
    OBSERVER: "<img src=x onerror=alert(1)>",
    FILTER: "  ",
  },
};

describe("FITS formatting", () => {
  it("names BITPIX sample types", () => {
    expect([8, 16, 32, 64, -32, -64].map(bitpixName)).toEqual([
      "uint8",
      "int16",
      "int32",
      "int64",
      "float32",
      "float64",
    ]);
    expect(bitpixName(12)).toBe("BITPIX 12");
  });

  it("writes dimensions width first", () => {
    expect(formatAxes([4096, 2048])).toBe("4096×2048");
    expect(formatAxes([256, 256, 1, 1])).toBe("256×256×1×1");
    expect(formatAxes([])).toBe("no data");
  });

  it("counts planes past the second axis", () => {
    expect(planesOf(hdu(1, { axes: [10, 10] }))).toBe(1);
    expect(planesOf(hdu(1, { axes: [10, 10, 3] }))).toBe(3);
    expect(planesOf(hdu(1, { axes: [10, 10, 3, 2] }))).toBe(6);
    expect(planesOf(hdu(1, { axes: [256, 256, 1, 1] }))).toBe(1);
  });

  it("labels HDUs by index, EXTNAME, size and type", () => {
    expect(hduLabel(mef.hdus[1])).toBe("1 · SCI · 4096×2048×3 · float32");
    expect(hduLabel(mef.hdus[2])).toBe("2 · ERR · 4096×2048 · int16");
    expect(hduLabel(mef.hdus[0])).toBe("0 · PRIMARY · header only");
    expect(hduLabel(mef.hdus[3])).toBe("3 · EVENTS · binary table");
    expect(hduLabel(hdu(0, { bitpix: 16 }))).toBe("0 · PRIMARY · 4096×2048 · int16");
    expect(hduLabel(hdu(4, { tile_compressed: true }))).toBe("4 · 4096×2048 · float32 · tile-compressed");
  });

  it("lists the keywords present in a fixed order, as text", () => {
    expect(keywordRows(mef.keywords)).toEqual([
      ["Object", "M31"],
      ["Telescope", "HST"],
      ["Exposure (s)", "1200.5"],
      ["Observer", "<img src=x onerror=alert(1)>"],
    ]);
    expect(keywordRows({})).toEqual([]);
    expect(
      keywordRows({ "DATE-OBS": "2024-01-02T03:04:05", INSTRUME: "ACS", BUNIT: "ELECTRONS/S", ORIGIN: "STScI" }).map(
        (r) => r[0],
      ),
    ).toEqual(["Instrument", "Date of observation", "Unit", "Origin"]);
  });

  it("adds the HDU shown and the plane of a cube", () => {
    const rows = fitsInfoRows(mef);
    expect(Object.fromEntries(rows)).toMatchObject({
      HDU: "1 · SCI · 4096×2048×3 · float32 (of 4 HDUs)",
      Plane: "1 of 3 (plane 0)",
    });
    const flat = fitsInfoRows({ ...mef, hdu: 2, planes: 1, hdu_count: 1, keywords: {} });
    expect(flat).toEqual([["HDU", "2 · ERR · 4096×2048 · int16 (of 1 HDU)"]]);
    expect(planeLabel(2, 3)).toBe("3 of 3 (plane 2)");
    // More HDUs than listed (the server lists 100): the shown one still has a label.
    const row = fitsInfoRows({ ...mef, hdu: 150, hdus: [], keywords: {} })[0];
    expect(row).toEqual(["HDU", "150 · float32 (of 4 HDUs)"]);
  });

  it("offers only displayable HDUs", () => {
    expect(displayableHdus(mef).map((h) => h.index)).toEqual([1, 2]);
  });

  it("keeps the stretch chosen before when the HDU or plane changes", () => {
    expect(displayRequest(null, 2, 0)).toEqual({ hdu: 2, plane: 0 });
    expect(displayRequest({ kind: "log", cuts: [1, 9], hdu: 1, plane: 2 }, 2, 1)).toEqual({
      hdu: 2,
      plane: 1,
      stretch: "log",
      cuts: [1, 9],
    });
  });

  it("reads 0-based indexes", () => {
    expect(parseIndex("", "plane")).toEqual({ value: null, error: null });
    expect(parseIndex(" 2 ", "plane", 2)).toEqual({ value: 2, error: null });
    expect(parseIndex("3", "plane", 2).error).toBe("The plane must be from 0 to 2");
    expect(parseIndex("-1", "HDU").error).toBe("The HDU must be a whole number from 0");
    expect(parseIndex("1.5", "HDU").error).toBe("The HDU must be a whole number from 0");
  });
});

describe("the size shown", () => {
  const d = {
    width: 60,
    height: 40,
    pyramid: { fits: { ...mef, hdu: 2, hdus: [hdu(1, { axes: [60, 40] }), hdu(2, { axes: [30, 100] })] } },
  } as unknown as Dataset;
  it("follows the HDU the pyramid shows, not the upload's", () => {
    expect(withShownSize(d)).toMatchObject({ width: 30, height: 100 });
    const same = {
      ...d,
      pyramid: { fits: { ...mef, hdu: 1, hdus: [hdu(1, { axes: [60, 40, 3] })] } },
    } as unknown as Dataset;
    expect(withShownSize(same)).toBe(same);
    const notFits = { width: 5, height: 6, pyramid: { fits: null } } as unknown as Dataset;
    expect(withShownSize(notFits)).toBe(notFits);
  });
  it("names the sample type of the HDU shown", () => {
    expect(fitsFormat({ ...mef, bitpix: 16 })).toBe("FITS, int16 (BITPIX 16)");
  });
});
