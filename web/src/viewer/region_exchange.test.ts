import { describe, expect, it } from "vitest";
import { exportFileName, exportPath, importRequest, importSummary } from "./region_exchange";

describe("region export parameters", () => {
  it("sends coordinates only for region files and catalogues", () => {
    expect(exportPath("abc", { format: "json", system: "fk5", sexagesimal: true })).toBe(
      "/api/datasets/abc/annotations/export?format=json",
    );
    expect(exportPath("abc", { format: "ds9", system: "fk5", sexagesimal: true })).toBe(
      "/api/datasets/abc/annotations/export?format=ds9&system=fk5&sexagesimal=true",
    );
    expect(exportPath("abc", { format: "catalog", system: "image", sexagesimal: true })).toBe(
      "/api/datasets/abc/annotations/export?format=catalog&system=image",
    );
  });
  it("escapes the dataset id and names the file by format", () => {
    expect(exportPath("a/b?", { format: "csv", system: "image", sexagesimal: false })).toContain("/datasets/a%2Fb%3F/");
    expect(exportFileName("0123456789abcdef", { format: "ds9", system: "icrs", sexagesimal: false })).toBe(
      "annotations-01234567.reg",
    );
    expect(exportFileName("0123456789abcdef", { format: "catalog", system: "icrs", sexagesimal: false })).toBe(
      "annotations-01234567-catalogue.csv",
    );
  });
});

describe("region import parameters", () => {
  it("reads .csv as a catalogue in the chosen frame, anything else as DS9 regions", () => {
    expect(importRequest("d", "stars.CSV", "galactic")).toEqual({
      path: "/api/datasets/d/annotations/import?format=csv&system=galactic",
      contentType: "text/csv",
    });
    expect(importRequest("d", "ngc1275.reg", "galactic")).toEqual({
      path: "/api/datasets/d/annotations/import?format=ds9",
      contentType: "text/plain",
    });
  });
  it("summarises what was created, skipped and approximated", () => {
    expect(importSummary({ created: 1, skipped: [], notes: [] })).toBe("Imported 1 region.");
    expect(
      importSummary({
        created: 3,
        skipped: [{ line: 4, text: "vector(1,2,3,4)", reason: "not supported" }],
        notes: [{ line: 2, text: "ellipse(…)", note: "as a polygon" }],
      }),
    ).toBe("Imported 3 regions. 1 skipped (listed below). 1 imported approximately.");
  });
});
