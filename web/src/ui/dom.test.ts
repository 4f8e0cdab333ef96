import { afterEach, describe, expect, it, vi } from "vitest";
import { el } from "./dom";

describe("el", () => {
  afterEach(() => vi.restoreAllMocks());

  it("escapes strings and leaves out false attributes", () => {
    const a = el("a", { attrs: { href: "/x", hidden: false, title: "<b>" } }, "<i>hi</i>");
    expect(a.outerHTML).toBe('<a href="/x" title="<b>">&lt;i&gt;hi&lt;/i&gt;</a>');
  });

  it("reports an async handler's rejection instead of leaving it unhandled", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const failure = new Error("refused");
    const clicks: string[] = [];
    const b = el("button", {
      on: {
        click: async () => {
          clicks.push("clicked");
          await Promise.resolve();
          throw failure;
        },
      },
    });
    b.click();
    await new Promise((r) => setTimeout(r, 0));
    expect(clicks).toEqual(["clicked"]);
    expect(logged).toHaveBeenCalledWith(failure);
  });
});
