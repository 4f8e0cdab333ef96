import { describe, expect, it } from "vitest";
import { LAZY_FAILED, lazy, match, notFound, route } from "./router";

describe("router", () => {
  const seen: string[] = [];
  route("/", () => {
    seen.push("home");
  });
  route("/datasets/:id", () => {
    seen.push("viewer");
  });
  route("/compare/:a/:b", () => {
    seen.push("compare");
  });
  notFound(() => {
    seen.push("404");
  });

  it("matches patterns and decodes parameters", () => {
    expect(match("/datasets/ab%20c").params).toEqual({ id: "ab c" });
    expect(match("/datasets/x/").params).toEqual({ id: "x" });
    expect(match("/compare/1/2").params).toEqual({ a: "1", b: "2" });
  });
  it("falls back to the not-found page", () => {
    const root = document.createElement("div");
    match("/nope").page(root, {}, new URLSearchParams());
    match("/datasets/a/b").page(root, {}, new URLSearchParams());
    expect(seen).toEqual(["404", "404"]);
  });
  it("shows a lazy page once its code arrives, and an alert when it does not", async () => {
    const root = document.createElement("div");
    lazy(() => Promise.resolve((r: HTMLElement) => void r.replaceChildren("loaded")))(root, {}, new URLSearchParams());
    expect(root.querySelector(".skeleton")).not.toBeNull();
    await Promise.resolve();
    expect(root.textContent).toBe("loaded");
    lazy(() => Promise.reject(new TypeError("Failed to fetch dynamically imported module")))(
      root,
      {},
      new URLSearchParams(),
    );
    await Promise.resolve();
    await Promise.resolve();
    expect(root.querySelector("[role=alert]")?.textContent).toBe(LAZY_FAILED);
  });
});
