import { describe, expect, it } from "vitest";
import { DEFAULT_AFTER_LOGIN, loginUrl, safeRedirect } from "./redirect";

const origin = "https://astro.example";

describe("safeRedirect", () => {
  it("keeps same-origin paths with query and hash", () => {
    expect(safeRedirect("/datasets/abc?x=1#y", origin)).toBe("/datasets/abc?x=1#y");
    expect(safeRedirect("/admin", origin)).toBe("/admin");
  });
  it.each([
    null,
    "",
    "datasets",
    "https://evil.example/",
    "//evil.example/x",
    "/.//evil.example",
    "/a/..//evil.example",
    "/%2e//evil.example",
    "/\\evil.example",
    "javascript:alert(1)",
    "/\u0000x",
    "/login?redirect=/x",
    "/signup",
  ])("refuses %s", (target) => {
    expect(safeRedirect(target, origin)).toBe(DEFAULT_AFTER_LOGIN);
  });
  it("keeps percent-encoded characters encoded (they stay inside the path)", () => {
    expect(safeRedirect("/%0d%0aSet-Cookie:x", origin)).toBe("/%0d%0aSet-Cookie:x");
  });
  it("builds the login URL that returns here", () => {
    expect(loginUrl("/datasets/a?b=c")).toBe("/login?redirect=%2Fdatasets%2Fa%3Fb%3Dc");
  });
});
