import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError, setNavigation } from "./client";
import { LINK_DAYS, createViewerLinks, revokeViewerLinks, validLinkDays } from "./viewer_links";

const made = {
  expires_at: "2027-01-06T18:00:00Z",
  iiif_manifest: "https://astro.example/iiif/3/ab~1~s/manifest",
  iiif_image: "https://astro.example/iiif/3/ab~1~s/info.json",
  hips: "https://astro.example/hips/ab~1~s",
};

function answer(status: number, body: unknown) {
  return vi.fn((_url: string, _init?: RequestInit) =>
    Promise.resolve(
      status === 204
        ? new Response(null, { status })
        : new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } }),
    ),
  );
}

describe("viewer links calls", () => {
  let went: string[];
  beforeEach(() => {
    went = [];
    setNavigation({ path: () => "/datasets/ab", go: (u) => went.push(u) });
    document.cookie = "ap_csrf=tok";
  });
  afterEach(() => vi.unstubAllGlobals());

  it("makes the links with the chosen days, as the signed-in user", async () => {
    const f = answer(201, made);
    vi.stubGlobal("fetch", f);
    expect(await createViewerLinks("a/b", 7)).toEqual(made);
    const [url, init] = f.mock.calls[0];
    expect(url).toBe("/api/datasets/a%2Fb/links");
    expect(init?.method).toBe("POST");
    expect(JSON.parse(init?.body as string)).toEqual({ days: 7 });
    expect(init?.credentials).toBe("same-origin");
    expect((init?.headers as Record<string, string>)["X-CSRF-Token"]).toBe("tok");
  });

  it("revokes every link of the dataset", async () => {
    const f = answer(204, null);
    vi.stubGlobal("fetch", f);
    expect(await revokeViewerLinks("ab")).toBeUndefined();
    const [url, init] = f.mock.calls[0];
    expect(url).toBe("/api/datasets/ab/links");
    expect(init?.method).toBe("DELETE");
    expect((init?.headers as Record<string, string>)["X-CSRF-Token"]).toBe("tok");
  });

  it("gives the server's refusal as an ApiError, without leaving the page", async () => {
    vi.stubGlobal("fetch", answer(403, { code: "forbidden", message: "Only the owner may do this" }));
    const e = await createViewerLinks("ab", 30).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).message).toBe("Only the owner may do this");
    expect(went).toEqual([]);
  });

  it("accepts the days the server accepts", () => {
    expect(LINK_DAYS.default).toBe(30);
    for (const ok of [1, 30, 365]) expect(validLinkDays(ok)).toBe(true);
    for (const bad of [0, 366, 1.5, -1, NaN]) expect(validLinkDays(bad)).toBe(false);
  });
});
