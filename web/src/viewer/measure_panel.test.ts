import { describe, expect, it } from "vitest";
import { dataPath, formatValue, profilePlot, profileQuery, regionQuery, statisticsList } from "./measure_panel";

describe("regionQuery", () => {
  it("names each shape with the server's parameters, in image pixels", () => {
    expect(regionQuery("rectangle", { x: 1.5, y: 2, width: 30, height: 40 })).toBe(
      "shape=rectangle&x=1.5&y=2&width=30&height=40",
    );
    expect(regionQuery("circle", { x: 10, y: 20, radius: 5.25 })).toBe("shape=circle&x=10&y=20&radius=5.25");
    expect(
      regionQuery("polygon", {
        points: [
          [1, 2],
          [3.5, 4],
          [5, 6],
        ],
      }),
    ).toBe("shape=polygon&points=1%2C2%2C3.5%2C4%2C5%2C6");
    expect(regionQuery("point", { x: 1, y: 2 })).toBeNull();
  });

  it("asks the shown version, the id encoded", () => {
    expect(dataPath("a/b", 3)).toBe("/api/datasets/a%2Fb/v3");
    expect(profileQuery([1, 2], [3.25, 4])).toBe("x1=1&y1=2&x2=3.25&y2=4");
  });
});

describe("statisticsList", () => {
  it("lists DS9's figures with the unit, and dashes where there are no pixels", () => {
    const dl = statisticsList({
      pixels: 12345,
      blank: 3,
      sum: 1.5e9,
      mean: 1012.345678,
      median: 1000,
      std: 0.000012,
      min: -5,
      max: 65535,
      bunit: "ADU",
    });
    const value = (k: string) => dl.querySelector(`[data-stat="${k}"]`)!.textContent;
    expect(value("Pixels")).toBe("12,345 (+3 blank)");
    expect(value("Sum")).toBe("1.5000e+9 ADU");
    expect(value("Mean")).toBe("1,012.35 ADU");
    expect(value("Std dev")).toBe("1.2000e-5 ADU");
    expect(value("Max")).toBe("65,535 ADU");
    const empty = statisticsList({
      pixels: 0,
      blank: 0,
      sum: null,
      mean: null,
      median: null,
      std: null,
      min: null,
      max: null,
      bunit: null,
    });
    expect(empty.querySelector('[data-stat="Mean"]')!.textContent).toBe("—");
    expect(formatValue(0)).toBe("0");
  });
});

describe("profilePlot", () => {
  it("draws the values across the line's length and breaks at blank pixels", () => {
    const plot = profilePlot(
      {
        length: 4,
        samples: 5,
        bunit: "Jy/beam",
        points: [
          { distance: 0, x: 0, y: 0, value: 1 },
          { distance: 1, x: 1, y: 0, value: 3 },
          { distance: 2, x: 2, y: 0, value: null },
          { distance: 3, x: 3, y: 0, value: 2 },
          { distance: 4, x: 4, y: 0, value: 5 },
        ],
      },
      100,
      50,
    );
    const d = plot.querySelector(".profile-line")!.getAttribute("d")!;
    // Two runs: before and after the blank sample; the highest value at the top, the lowest at the bottom.
    expect(d.match(/M/g)!.length).toBe(2);
    expect(d.startsWith("M56.0,26.0L65.0,")).toBe(true);
    expect(d.endsWith("L92.0,8.0")).toBe(true);
    expect(plot.getAttribute("aria-label")).toBe("Line profile over 4.0 px, 5 samples, values from 1 to 5 Jy/beam");
  });
});
