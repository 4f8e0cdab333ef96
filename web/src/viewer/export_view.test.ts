import { describe, expect, it } from "vitest";
import { fileNameFor } from "./export_view";

describe("export file names", () => {
  it("keeps safe characters only", () => {
    expect(fileNameFor("M31 — Andromeda (HST)", "-view.png")).toBe("M31-Andromeda-HST-view.png");
    expect(fileNameFor("../../etc/passwd", ".png")).toBe("etc-passwd.png");
    expect(fileNameFor("<<<>>>", ".png")).toBe("astropixel.png");
  });
});
