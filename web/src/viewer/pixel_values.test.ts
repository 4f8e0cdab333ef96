import { describe, expect, it } from "vitest";
import { describeValue, valueData } from "./pixel_values";

describe("pixel values", () => {
  it("names each band of a colour value and keeps a mono one a number", () => {
    expect(describeValue([12, 200, 7], ["R", "G", "B"])).toBe("R 12 G 200 B 7");
    expect(describeValue([1, null], ["grey", "alpha"])).toBe("grey 1 alpha blank");
    expect(describeValue(65535, undefined)).toBe("65535");
    expect(describeValue(null, undefined)).toBe("blank");
  });
  it("gives the machine-readable value the browser test reads", () => {
    expect(valueData([12, 200, 7])).toBe("12,200,7");
    expect(valueData(3.5)).toBe("3.5");
    expect(valueData(null)).toBe("");
  });
});
