import { describe, expect, it } from "vitest";
import { describePosition, describeSystem, toModel, type Georeference } from "./georeference";

const utm: Georeference = {
  model: "projected",
  epsg: 32633,
  crs: "EPSG:32633",
  citation: null,
  geotransform: [500000, 10, 0, 4600000, 0, -10],
  bounds: [500000, 4597000, 504000, 4600000],
  pixel_size: [10, 10],
};

describe("georeference", () => {
  it("maps pixels through the geotransform", () => {
    expect(toModel(utm, 0, 0)).toEqual({ x: 500000, y: 4600000 });
    expect(toModel(utm, 400, 300)).toEqual({ x: 504000, y: 4597000 });
    expect(toModel({ ...utm, geotransform: undefined }, 1, 1)).toBeNull();
  });
  it("reads out projected and geographic positions", () => {
    expect(describePosition(utm, 10.5, 20)).toBe("E 500105.0, N 4599800.0 (EPSG:32633)");
    const wgs: Georeference = {
      model: "geographic",
      epsg: 4326,
      crs: "EPSG:4326",
      citation: null,
      geotransform: [-90, 0.5, 0, 45, 0, -0.5],
    };
    expect(describePosition(wgs, 0, 180)).toBe("45.00000° S, 90.00000° W");
    expect(describeSystem(utm)).toBe("EPSG:32633, projected");
    expect(describeSystem({ ...utm, crs: null, model: null, citation: "Mars 2000 equirectangular" })).toBe(
      "Mars 2000 equirectangular",
    );
  });
});
