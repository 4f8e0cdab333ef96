// @vitest-environment jsdom
import type { Rollup } from "vite";
import { afterEach, describe, expect, it } from "vitest";
import { routePattern } from "../src/route_pattern";
import { chunkFiles, preloadScript, withPreloadScript } from "./route_preload";

// Just the fields chunkFiles reads.
const chunk = (fileName: string, imports: string[], extra: Partial<Rollup.OutputChunk> = {}) =>
  ({ type: "chunk", fileName, imports, isEntry: false, facadeModuleId: null, ...extra }) as Rollup.OutputChunk;

const bundle = (...chunks: Rollup.OutputChunk[]): Rollup.OutputBundle =>
  Object.fromEntries(chunks.map((c) => [c.fileName, c]));

describe("route preload", () => {
  afterEach(() => {
    document.head.replaceChildren();
    history.replaceState(null, "", "/");
  });

  it("lists the page's chunk and what it imports, once each, without the app's entry", () => {
    const b = bundle(
      chunk("assets/index-A.js", ["assets/helpers-H.js"], { isEntry: true, facadeModuleId: "/w/index.html" }),
      chunk("assets/viewer_page-V.js", ["assets/index-A.js", "assets/osd-O.js", "assets/helpers-H.js"], {
        facadeModuleId: "/w/src/pages/viewer_page.ts",
      }),
      chunk("assets/osd-O.js", ["assets/helpers-H.js"]),
      chunk("assets/helpers-H.js", []),
      chunk("assets/upload_page-U.js", ["assets/helpers-H.js"], { facadeModuleId: "/w/src/pages/upload_page.ts" }),
    );
    expect(chunkFiles(b, "/src/pages/viewer_page.ts")).toEqual([
      "assets/viewer_page-V.js",
      "assets/osd-O.js",
      "assets/helpers-H.js",
    ]);
    expect(chunkFiles(b, "/src/pages/gone.ts")).toEqual([]);
  });

  it("adds the links on the route's paths only, as the router matches them", () => {
    const script = preloadScript(
      [{ path: routePattern("/datasets/:id").pattern, files: ["assets/viewer_page-V.js", "assets/osd-O.js"] }],
      "/",
    );
    const run = (path: string) => {
      document.head.replaceChildren();
      history.replaceState(null, "", path);
      // jsdom runs inline scripts (vitest's runScripts "dangerously"); the block keeps each run's
      // consts apart. The browser runs the file as a module, which scopes them the same way.
      const tag = document.createElement("script");
      tag.textContent = `{${script}}`;
      document.body.append(tag);
      tag.remove();
      return [...document.head.querySelectorAll("link")].map((l) => [l.rel, l.getAttribute("href"), l.crossOrigin]);
    };
    expect(run("/datasets/abc")).toEqual([
      ["modulepreload", "/assets/viewer_page-V.js", ""],
      ["modulepreload", "/assets/osd-O.js", ""],
    ]);
    expect(run("/datasets/abc/")).toHaveLength(2);
    // The route's early function runs first, with the path's groups as they are in the URL.
    const early = preloadScript(
      [
        {
          path: routePattern("/datasets/:id").pattern,
          files: [],
          early: (id: string) => {
            document.body.dataset.early = id;
          },
        },
      ],
      "/",
    );
    history.replaceState(null, "", "/datasets/a%20b");
    const tag = document.createElement("script");
    tag.textContent = `{${early}}`;
    document.body.append(tag);
    tag.remove();
    expect(document.body.dataset.early).toBe("a%20b");
    expect(run("/datasets")).toEqual([]);
    expect(run("/datasets/abc/edit")).toEqual([]);
    expect(run("/")).toEqual([]);
  });

  it("puts its script before the app's, so it runs first", () => {
    const html =
      '<head>\n    <title>x</title>\n    <script type="module" crossorigin src="/assets/index-A.js"></script>\n</head>';
    const out = withPreloadScript(html, "/assets/route-preload-P.js");
    expect(out.indexOf("route-preload-P.js")).toBeGreaterThan(0);
    expect(out.indexOf("route-preload-P.js")).toBeLessThan(out.indexOf("index-A.js"));
    expect(() => withPreloadScript("<head></head>", "/x.js")).toThrow(/no module script/);
  });
});
