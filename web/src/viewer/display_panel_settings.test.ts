import { describe, expect, it } from "vitest";
import {
  throttleDelay,
  CUT_PRESETS,
  type DataStats,
  LatestOnly,
  cmapParam,
  decodeDisplay,
  displayBody,
  encodeDisplay,
  formatValue,
  histogramBars,
  histogramRange,
  initialSettings,
  liveTileSource,
  liveTileUrl,
  presetCuts,
  presetOf,
  storedDisplay,
  valueToX,
  xToValue,
} from "./display_panel_settings";

const percentiles: Record<string, number> = {};
for (const p of [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 2.5, 5, 10, 90, 95, 97.5, 98, 99, 99.5, 99.75, 99.9, 99.95, 99.975])
  percentiles[String(p)] = p * 10; // values 0.25 … 999.75
const stats: DataStats = {
  version: 2,
  sample_size: 1000,
  min: -5,
  max: 2000,
  mean: 500,
  std: 10,
  median: 500,
  percentiles,
  zscale: [480, 530],
  histogram: { low: -5, high: 2000, counts: [0, 1, 10, 1000, 5] },
  bunit: "ADU",
  built: { kind: "asinh", low: 2.5, high: 997.5 },
};

describe("cut presets", () => {
  it("keep the central p % of the values, as DS9's scale limits", () => {
    expect(presetCuts(stats, "minmax")).toEqual([-5, 2000]);
    expect(presetCuts(stats, "zscale")).toEqual([480, 530]);
    expect(presetCuts(stats, "90")).toEqual([50, 950]);
    expect(presetCuts(stats, "95")).toEqual([25, 975]);
    expect(presetCuts(stats, "98")).toEqual([10, 990]);
    expect(presetCuts(stats, "99")).toEqual([5, 995]);
    expect(presetCuts(stats, "99.5")).toEqual([2.5, 997.5]);
    expect(presetCuts(stats, "99.9")).toEqual([0.5, 999.5]);
    expect(presetCuts(stats, "99.95")).toEqual([0.25, 999.75]);
    for (const p of CUT_PRESETS) expect(presetCuts(stats, p)).not.toBeNull();
  });
  it("are recognised from their cuts, and missing percentiles give none", () => {
    expect(presetOf(stats, 2.5, 997.5)).toBe("99.5");
    expect(presetOf(stats, 480, 530)).toBe("zscale");
    expect(presetOf(stats, 3, 997.5)).toBe("");
    expect(presetCuts({ ...stats, percentiles: {} }, "99")).toBeNull();
  });
  it("start from the build's own stretch and cuts", () => {
    expect(initialSettings(stats)).toEqual({ stretch: "asinh", lo: 2.5, hi: 997.5, cmap: "grey", invert: false });
    // zscale builds are linear between zscale cuts; no build stretch: 99.5 % linear.
    expect(initialSettings({ ...stats, built: { kind: "zscale", low: 480, high: 530 } }).stretch).toBe("linear");
    expect(initialSettings({ ...stats, built: null })).toMatchObject({ stretch: "linear", lo: 2.5, hi: 997.5 });
    // A flat image still gets lo < hi.
    const flat = { ...stats, min: 7, max: 7, percentiles: {}, built: null };
    expect(initialSettings(flat)).toMatchObject({ lo: 7, hi: 8 });
  });
});

describe("display settings in URLs", () => {
  const s = { stretch: "histeq", lo: -0.5, hi: 1.25e5, cmap: "viridis", invert: true } as const;
  it("build live tile URLs that carry every setting", () => {
    expect(liveTileUrl("ab/c", 3, 12, 4, 5, s)).toBe(
      "/api/datasets/ab%2Fc/v3/live/12/4_5.png?stretch=histeq&lo=-0.5&hi=125000&cmap=viridis_r",
    );
    const src = liveTileSource({ id: "d1", pyramid_version: 2, width: 600, height: 400, tileSize: 256 }, s);
    expect(src.maxLevel).toBe(10); // as Deep Zoom: ceil(log2(600))
    expect(src.getTileUrl(10, 2, 1)).toBe(
      "/api/datasets/d1/v2/live/10/2_1.png?stretch=histeq&lo=-0.5&hi=125000&cmap=viridis_r",
    );
    expect(cmapParam({ cmap: "grey", invert: false })).toBe("grey");
  });
  it("round-trip through the page's query, keeping the view's parameters", () => {
    const q = encodeDisplay(s, new URLSearchParams("x=10&y=20&fov=300"));
    expect(q.get("x")).toBe("10");
    expect(decodeDisplay(q)).toEqual(s);
    // Exact doubles survive: the server maps exactly the cuts the panel shows.
    const exact = { ...s, lo: 0.1 + 0.2, hi: 1 / 3 };
    expect(decodeDisplay(encodeDisplay(exact))).toEqual(exact);
  });
  it("ignore hostile or incomplete links", () => {
    for (const bad of [
      "stretch=gamma&lo=0&hi=1",
      "stretch=log&lo=1&hi=1",
      "stretch=log&lo=&hi=1",
      "stretch=log&lo=0",
      "stretch=log&lo=0&hi=Infinity",
      "stretch=log&lo=-1e308&hi=1e308",
      "stretch=log&lo=0&hi=1&cmap=jet",
      "stretch=log&lo=0&hi=1&cmap=%3Cscript%3E",
      "x=1&y=2",
    ])
      expect(decodeDisplay(new URLSearchParams(bad)), bad).toBeNull();
    expect(decodeDisplay(new URLSearchParams("stretch=log&lo=0&hi=1"))).toMatchObject({ cmap: "grey", invert: false });
  });
  it("read the owner's stored default and make the body that saves it", () => {
    const body = displayBody(s);
    expect(body).toEqual({ stretch: "histeq", lo: -0.5, hi: 125000, cmap: "viridis_r" });
    expect(storedDisplay(body)).toEqual(s);
    expect(storedDisplay(null)).toBeNull();
    expect(storedDisplay({ stretch: "log", lo: 5, hi: 1 })).toBeNull();
  });
});

describe("the histogram", () => {
  it("scales counts logarithmically to the canvas height", () => {
    const bars = histogramBars([0, 9, 99, 999], 90);
    expect(bars[0]).toBe(0);
    expect(bars[3]).toBe(90);
    expect(bars[1]).toBeCloseTo(30, 10); // log10(10) / log10(1000)
    expect(bars[2]).toBeCloseTo(60, 10);
    expect(histogramBars([0, 0], 50)).toEqual([0, 0]);
  });
  it("is drawn between the 0.025 and 99.975 % values unless the whole range is asked for", () => {
    const core = { low: 0.25, high: 999.75, counts: [5, 6], below: 1, above: 2 };
    expect(histogramRange({ ...stats, core_histogram: core }, false)).toBe(core);
    expect(histogramRange({ ...stats, core_histogram: core }, true)).toBe(stats.histogram);
    expect(histogramRange(stats, false)).toBe(stats.histogram); // older statistics: no core one
    expect(histogramRange({ ...stats, core_histogram: { ...core, high: 0.25 } }, false)).toBe(stats.histogram);
  });
  it("places and reads the cuts along its range", () => {
    expect(valueToX(500, 0, 1000, 256)).toBe(128);
    expect(valueToX(-50, 0, 1000, 256)).toBe(0);
    expect(valueToX(5000, 0, 1000, 256)).toBe(256);
    expect(xToValue(64, 0, 1000, 256)).toBe(250);
    expect(xToValue(-10, 100, 200, 256)).toBe(100);
    expect(valueToX(3, 7, 7, 256)).toBe(0);
  });
  it("formats values for reading", () => {
    expect(formatValue(null)).toBe("blank");
    expect(formatValue(1234.56789)).toBe("1234.57");
    expect(formatValue(0)).toBe("0");
    expect(formatValue(3.2e-7)).toBe("3.2000e-7");
    expect(formatValue(123456789)).toBe("1.2346e+8");
  });
});

describe("the pointer's value requests", () => {
  it("run one at a time, and only the latest waiting position goes next", async () => {
    const started: string[] = [];
    const finish: (() => void)[] = [];
    const q = new LatestOnly<string>(
      (key) =>
        new Promise<void>((resolve) => {
          started.push(key);
          finish.push(resolve);
        }),
    );
    q.ask("1,1");
    q.ask("2,2");
    q.ask("3,3");
    expect(started).toEqual(["1,1"]);
    finish[0]();
    await new Promise((r) => setTimeout(r, 0));
    expect(started).toEqual(["1,1", "3,3"]);
    finish[1]();
    await new Promise((r) => setTimeout(r, 0));
    q.ask("4,4");
    expect(started).toEqual(["1,1", "3,3", "4,4"]);
  });
  it("go on after a failed request", async () => {
    const started: string[] = [];
    const q = new LatestOnly<string>((key) => {
      started.push(key);
      return Promise.reject(new Error("offline"));
    });
    q.ask("a");
    q.ask("b");
    await new Promise((r) => setTimeout(r, 0));
    await new Promise((r) => setTimeout(r, 0));
    expect(started).toEqual(["a", "b"]);
  });
});

describe("throttleDelay", () => {
  it("runs at once the first time and after the interval, else waits out the rest", () => {
    expect(throttleDelay(0, 5000, 150)).toBe(0);
    expect(throttleDelay(1000, 1040, 150)).toBe(110);
    expect(throttleDelay(1000, 1150, 150)).toBe(0);
    expect(throttleDelay(1000, 9000, 150)).toBe(0);
  });
});
