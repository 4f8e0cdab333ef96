import { describe, expect, it } from "vitest";
import type { Dataset } from "../api/types";
import type { DataStats } from "../viewer/display_panel_settings";
import {
  type ChannelInput,
  canBeChannel,
  compositeBody,
  defaultCuts,
  fieldInput,
  needsConfirmation,
} from "./composite_form";

const dataset = (over: Record<string, unknown>) =>
  ({
    id: "d",
    status: "completed",
    bands: 1,
    pyramid: {
      levels: 10,
      tile_size: 256,
      tile_format: "png",
      tiles: 1,
      bytes: 1,
      stretch: { kind: "linear" },
      display_bands: 1,
    },
    ...over,
  }) as unknown as Dataset;

const channel = (over: Partial<ChannelInput> = {}): ChannelInput => ({
  datasetId: "a",
  stretch: "linear",
  lo: "0",
  hi: "10",
  weight: "1",
  ...over,
});

describe("canBeChannel", () => {
  it("takes built single-band datasets with original values only", () => {
    expect(canBeChannel(dataset({}))).toBe(true);
    expect(canBeChannel(dataset({ status: "processing" }))).toBe(false);
    expect(canBeChannel(dataset({ bands: 3 }))).toBe(false);
    expect(canBeChannel(dataset({ pyramid: { stretch: null, display_bands: 1 } }))).toBe(false);
    expect(canBeChannel(dataset({ pyramid: undefined }))).toBe(false);
  });
});

describe("needsConfirmation", () => {
  it("asks when a chosen channel has no WCS", () => {
    const withWcs = dataset({ pyramid: { wcs: { crval: [1, 2] } } });
    expect(needsConfirmation([withWcs, withWcs, null])).toBe(false);
    expect(needsConfirmation([withWcs, dataset({}), withWcs])).toBe(true);
  });
});

describe("defaultCuts", () => {
  const stats = { min: 0, max: 100, zscale: [10, 20], percentiles: { "0.25": 1, "99.75": 99 } } as unknown as DataStats;
  it("starts from zscale, then the 99.5 % values, then min/max", () => {
    expect(defaultCuts(stats)).toEqual([10, 20]);
    expect(defaultCuts({ ...stats, zscale: [5, 5] })).toEqual([1, 99]);
    expect(defaultCuts({ ...stats, zscale: [5, 5], percentiles: {} })).toEqual([0, 100]);
  });
});

describe("compositeBody", () => {
  it("sends numbers, weight 1 when left empty", () => {
    const r = compositeBody(
      " RGB ",
      [channel(), channel({ datasetId: "b", weight: "" }), channel({ datasetId: "c", stretch: "log" })],
      true,
    );
    expect(r.error).toBeNull();
    expect(r.body).toEqual({
      name: "RGB",
      confirm_alignment: true,
      channels: [
        { dataset_id: "a", stretch: "linear", lo: 0, hi: 10, weight: 1 },
        { dataset_id: "b", stretch: "linear", lo: 0, hi: 10, weight: 1 },
        { dataset_id: "c", stretch: "log", lo: 0, hi: 10, weight: 1 },
      ],
    });
  });

  it.each([
    ["", [channel(), channel(), channel()], "composite-name"],
    ["x", [channel(), channel({ datasetId: "" }), channel()], "composite-green-dataset"],
    ["x", [channel(), channel(), channel({ lo: "abc" })], "composite-blue-lo"],
    ["x", [channel({ hi: "" }), channel(), channel()], "composite-red-hi"],
    ["x", [channel({ lo: "10", hi: "10" }), channel(), channel()], "composite-red-hi"],
    ["x", [channel(), channel({ weight: "0" }), channel()], "composite-green-weight"],
    ["x", [channel(), channel({ weight: "10.5" }), channel()], "composite-green-weight"],
  ])("refuses %s / %j at %s", (name, channels, field) => {
    const r = compositeBody(name, channels, false);
    expect(r.body).toBeNull();
    expect(r.field).toBe(field);
    expect(r.error).toBeTruthy();
  });
});

describe("fieldInput", () => {
  it("maps the server's field to the form's input", () => {
    expect(fieldInput("channels[1].weight")).toBe("composite-green-weight");
    expect(fieldInput("channels[2].dataset_id")).toBe("composite-blue-dataset");
    expect(fieldInput("name")).toBe("composite-name");
    expect(fieldInput("channels[7].lo")).toBeNull();
    expect(fieldInput(null)).toBeNull();
  });
});
