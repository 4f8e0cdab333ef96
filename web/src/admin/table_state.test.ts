import { describe, expect, it } from "vitest";
import { ariaSort, filtered, initialState, page, queryString, rangeText, sortBy } from "./table_state";

describe("admin table state", () => {
  it("asks for what is set and leaves empty filters out", () => {
    const s = initialState("-created", 25, { kind: "build_pyramid" });
    expect(queryString(s)).toBe("kind=build_pyramid&sort=-created&limit=25&offset=0");
    const f = filtered(s, { q: "50% off & more", status: "failed", extra: { kind: "" } });
    expect(queryString(f)).toBe("q=50%25+off+%26+more&status=failed&sort=-created&limit=25&offset=0");
  });

  it("flips the direction of the sorted column and starts another ascending, on the first page", () => {
    let s = { ...initialState("-created"), offset: 50 };
    s = sortBy(s, "name");
    expect([s.sort, s.offset]).toEqual(["name", 0]);
    expect(ariaSort(s, "name")).toBe("ascending");
    expect(ariaSort(s, "created")).toBe("none");
    s = sortBy(s, "name");
    expect(ariaSort(s, "name")).toBe("descending");
    expect(sortBy(s, "name").sort).toBe("name");
  });

  it("filters from the first page and pages within the total", () => {
    const s = { ...initialState(""), limit: 10, offset: 20 };
    expect(filtered(s, { q: "x" }).offset).toBe(0);
    expect(page(s, 1, 31).offset).toBe(30);
    expect(page({ ...s, offset: 30 }, 1, 31).offset).toBe(30);
    expect(page({ ...s, offset: 0 }, -1, 31).offset).toBe(0);
    expect(rangeText({ ...s, offset: 30 }, 1, 31)).toBe("31–31 of 31");
    expect(rangeText(s, 0, 0)).toBe("No rows");
  });
});
