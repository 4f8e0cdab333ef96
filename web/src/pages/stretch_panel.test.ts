import { describe, expect, it } from "vitest";
import { hasStretch, stretchRequest } from "./stretch_panel";

describe("stretchRequest", () => {
  it("sends the stretch alone for automatic cuts, keeping the FITS HDU and plane shown", () => {
    expect(stretchRequest(null, "asinh", "", " ")).toEqual({ body: { stretch: "asinh" }, error: null, field: null });
    expect(stretchRequest({ kind: "log", hdu: 2, plane: 1 }, "sqrt", "", "").body).toEqual({
      stretch: "sqrt",
      hdu: 2,
      plane: 1,
    });
  });

  it("sends both cuts as numbers", () => {
    expect(stretchRequest(null, "linear", "-0.5", "1e4").body).toEqual({ stretch: "linear", cuts: [-0.5, 10000] });
  });

  it.each([
    ["10", "", "cuts-hi", "Give both cuts"],
    ["", "10", "cuts-lo", "Give both cuts"],
    ["abc", "10", "cuts-lo", "The low cut must be a number"],
    ["1", "x", "cuts-hi", "The high cut must be a number"],
    ["10", "10", "cuts-hi", "The high cut must be above the low cut"],
    ["20", "10", "cuts-hi", "The high cut must be above the low cut"],
  ])("refuses cuts %s..%s at %s", (lo, hi, field, message) => {
    const c = stretchRequest(null, "linear", lo, hi);
    expect(c.body).toBeNull();
    expect(c.field).toBe(field);
    expect(c.error).toContain(message);
  });
});

describe("hasStretch", () => {
  it("is offered for more than 8 bits and for FITS only", () => {
    expect(hasStretch({ bit_depth: 16, format: "tiff" })).toBe(true);
    expect(hasStretch({ bit_depth: 32, format: "fits" })).toBe(true);
    expect(hasStretch({ bit_depth: 8, format: "fits" })).toBe(true);
    expect(hasStretch({ bit_depth: 8, format: "png" })).toBe(false);
  });
});
