import { afterEach, describe, expect, it, vi } from "vitest";
import { type Failure, onFailure } from "../api/failures";
import { type ViewerRecord, fetchViewerRecord, viewerRoute } from "./viewer_route";
import { takeEarly } from "../api/early_record";

// The viewer page itself (OpenSeadragon and all) stands aside: the test keeps the prefetch it is given.
let handed: Promise<ViewerRecord> | undefined;
vi.mock("./viewer_page", () => ({
  viewerPage: (first: Promise<ViewerRecord>) => {
    handed = first;
    return () => () => undefined;
  },
}));

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

// The route's prefetch of the record may fail (or end) after the user has left the viewer: the
// global error screen must not come up over whatever page they are on then.
describe("viewer route prefetch", () => {
  let seen: Failure[] = [];
  let stop = () => undefined as void;
  afterEach(() => {
    stop();
    vi.unstubAllGlobals();
    document.body.replaceChildren();
  });
  const listen = () => {
    seen = [];
    stop = onFailure((f) => seen.push(f));
  };

  it("does not report the record's failure to the error screen, even after the user has left", async () => {
    listen();
    let answer: (r: Response) => void = () => undefined;
    vi.stubGlobal(
      "fetch",
      vi.fn(() => new Promise<Response>((resolve) => (answer = resolve))),
    );
    const root = document.createElement("div");
    const cleanup = viewerRoute(root, { id: "abc" }, new URLSearchParams());
    // The page's code arrives and takes the prefetch; the user leaves before the answer is in.
    // (waitFor would wait for a promise it is given, hence the wrapping.)
    const { first } = await vi.waitFor(() => {
      if (!handed) throw new Error("the page has not taken the prefetch yet");
      return { first: handed };
    });
    if (cleanup) cleanup();
    answer(json(500, { message: "Internal server error", code: "internal", request_id: "r1" }));
    // The client reports a failure before it rejects, so once the promise has failed, all is said.
    await expect(first).rejects.toMatchObject({ status: 500, requestId: "r1" });
    expect(seen).toEqual([]);
  });

  it("does not report an unreachable server either", async () => {
    listen();
    vi.stubGlobal(
      "fetch",
      vi.fn(() => Promise.reject(new TypeError("Failed to fetch"))),
    );
    await expect(fetchViewerRecord("abc", { quiet: true })).rejects.toMatchObject({ code: "network_error" });
    expect(seen).toEqual([]);
  });

  it("keeps quiet about the statistics and descriptor that follow the record", async () => {
    listen();
    const dataset = {
      id: "abc",
      urls: { dzi: "/api/datasets/abc/v1/image.dzi" },
      bands: 1,
      bit_depth: 16,
      format: "tiff",
      pyramid_version: 1,
    };
    const server = vi.fn((url: string) =>
      Promise.resolve(url === "/api/datasets/abc" ? json(200, dataset) : json(503, { code: "service_unavailable" })),
    );
    vi.stubGlobal("fetch", server);
    const record = await fetchViewerRecord("abc", { quiet: true });
    expect([record.stats, record.descriptor]).toEqual([null, null]);
    expect(server.mock.calls.map(([u]) => u)).toEqual([
      "/api/datasets/abc",
      "/api/datasets/abc/v1/histogram",
      "/api/datasets/abc/v1/image.dzi",
    ]);
    expect(seen).toEqual([]);
    // Not quiet (the page reopening a dataset it shows): the failures are reported as before.
    await fetchViewerRecord("abc");
    expect(seen.map((f) => f.status)).toEqual([503, 503]);
  });

  // index.html's script asks for the record and descriptor before the app runs (api/early_record.ts).
  const DZI_XML =
    '<?xml version="1.0"?><Image xmlns="http://schemas.microsoft.com/deepzoom/2008" Format="jpg" Overlap="1" ' +
    'TileSize="256"><Size Width="5000" Height="3000"/></Image>';
  const rgb = {
    id: "abc",
    urls: { dzi: "/api/datasets/abc/v2/image.dzi" },
    bands: 3,
    bit_depth: 8,
    format: "tiff",
    pyramid_version: 2,
  };

  it("takes the record and descriptor the page's early script asked for, and asks for neither again", async () => {
    handed = undefined;
    const server = vi.fn(() => Promise.resolve(json(500, { code: "internal" })));
    vi.stubGlobal("fetch", server);
    window.__astropixelEarly = { segment: "abc", record: Promise.resolve(rgb), dzi: Promise.resolve(DZI_XML) };
    viewerRoute(document.createElement("div"), { id: "abc" }, new URLSearchParams());
    const { first } = await vi.waitFor(() => {
      if (!handed) throw new Error("the page has not taken the prefetch yet");
      return { first: handed };
    });
    const record = await first;
    expect(record.dataset).toEqual(rgb);
    expect(record.descriptor?.Image).toMatchObject({
      Url: "/api/datasets/abc/v2/image_files/",
      Overlap: "1",
      Size: { Width: "5000", Height: "3000" },
    });
    expect(server).not.toHaveBeenCalled();
    // Taken once: the next viewer opened in this page load asks for its own.
    expect(window.__astropixelEarly).toBeUndefined();
  });

  it("asks again for what the early script did not get", async () => {
    const server = vi.fn((url: string) =>
      Promise.resolve(
        url === "/api/datasets/abc"
          ? json(200, rgb)
          : new Response(DZI_XML, { status: 200, headers: { "Content-Type": "application/xml" } }),
      ),
    );
    vi.stubGlobal("fetch", server);
    const early = { record: Promise.resolve(null), dzi: Promise.resolve(null) };
    const record = await fetchViewerRecord("abc", { quiet: true, early });
    expect(record.descriptor?.Image.TileSize).toBe("256");
    expect(server.mock.calls.map(([u]) => u)).toEqual(["/api/datasets/abc", "/api/datasets/abc/v2/image.dzi"]);
  });

  it("keeps the early answers for the dataset they were asked for", () => {
    const early = { segment: "a%20b", record: Promise.resolve(null), dzi: Promise.resolve(null) };
    window.__astropixelEarly = early;
    expect(takeEarly("other")).toBeNull();
    window.__astropixelEarly = early;
    expect(takeEarly("a b")).toBe(early);
  });
});
