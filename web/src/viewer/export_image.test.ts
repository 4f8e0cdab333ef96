import { describe, expect, it } from "vitest";
import { maxLevel, outputSize, planLevel } from "./export_image";

describe("whole-image export planning", () => {
  it("picks the smallest level at least as wide as asked", () => {
    // 6144×4096: level 13 is full size, 12 is 3072 wide, 11 is 1536, 10 is 768.
    expect(maxLevel(6144, 4096)).toBe(13);
    expect(planLevel(6144, 4096, 256, 2048)).toEqual({
      level: 12,
      levelWidth: 3072,
      levelHeight: 2048,
      cols: 12,
      rows: 8,
    });
    expect(planLevel(6144, 4096, 256, 1536).level).toBe(11);
    expect(planLevel(6144, 4096, 256, 10000).level).toBe(13);
    expect(planLevel(1000, 600, 256, 250)).toEqual({ level: 8, levelWidth: 250, levelHeight: 150, cols: 1, rows: 1 });
  });
  it("keeps the aspect ratio and never upscales", () => {
    expect(outputSize(6144, 4096, 1024)).toEqual([1024, 683]);
    expect(outputSize(1000, 600, 4096)).toEqual([1000, 600]);
  });
});
