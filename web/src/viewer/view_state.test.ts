import { describe, expect, it } from "vitest";
import { decodeView, encodeView, viewUrl } from "./view_state";

describe("the view in the URL", () => {
  it("round-trips centre, field, rotation and layers", () => {
    const v = { x: 1200.46, y: 800, fov: 512.04, rotation: 450, layers: ["grid" as const] };
    const q = encodeView(v);
    expect(q.toString()).toBe("x=1200.5&y=800&fov=512&rot=90&layers=grid");
    expect(decodeView(q, 4000, 3000)).toEqual({ x: 1200.5, y: 800, fov: 512, rotation: 90, layers: ["grid"] });
  });
  it("holds no view without its parameters, and clamps hostile ones to the image", () => {
    expect(decodeView(new URLSearchParams(""), 100, 100)).toBeNull();
    expect(decodeView(new URLSearchParams("x=1&y=NaN&fov=2"), 100, 100)).toBeNull();
    expect(decodeView(new URLSearchParams("x=1&y=1&fov=-3"), 100, 100)).toBeNull();
    const v = decodeView(new URLSearchParams("x=1e300&y=-5&fov=1e9&rot=-90&layers=grid,<script>"), 100, 50);
    expect(v).toEqual({ x: 100, y: 0, fov: 400, rotation: 270, layers: ["grid"] });
    expect(decodeView(new URLSearchParams("x=1&y=1&fov=2"), 100, 100)?.layers).toEqual(["annotations"]);
  });
  it("replaces only its own parameters in a URL", () => {
    const url = viewUrl("/datasets/abc", "?x=1&other=keep", { x: 2, y: 3, fov: 4, rotation: 0, layers: [] });
    expect(url).toBe("/datasets/abc?other=keep&x=2&y=3&fov=4&layers=");
  });
});
