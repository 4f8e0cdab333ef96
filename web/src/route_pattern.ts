// A route's path ("/datasets/:id") as the regular expression the router matches pathnames with.
// Its own module, free of the DOM, because the build reads it too (build/route_preload.ts).

// "/datasets/:id" → ^/datasets/([^/]+)/?$ and the names of its segments, in order.
export function routePattern(path: string): { pattern: RegExp; names: string[] } {
  const names: string[] = [];
  const source = path
    .split("/")
    .map((seg) => {
      if (seg.startsWith(":")) {
        names.push(seg.slice(1));
        return "([^/]+)";
      }
      return seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  return { pattern: new RegExp(`^${source}/?$`), names };
}

// The viewer's route: the router's (main.ts) and the build's, which has the viewer's code fetched
// from the first moment on this path (vite.config.ts).
export const VIEWER_PATH = "/datasets/:id";
