// The viewer's dataset record and Deep Zoom descriptor, asked for by index.html's route-preload
// script (build/route_preload.ts) before the app's own code has even been evaluated (issue #17
// point 5): on a 2-core machine the app bundle's evaluation, with the viewer's chunks compiling
// beside it, otherwise keeps the record's request back by tens of ms, and the descriptor follows it.
// `startEarly` is copied into that script as its source text, so it uses nothing outside its own
// body; failures give null, and the app then asks again through api() (session refresh, errors).
// (This file is in src/api because it calls fetch: every other module goes through api().)

export interface EarlyAnswer {
  record: Promise<unknown>; // the record's JSON, or null
  dzi: Promise<string | null>; // the descriptor's XML, or null
}

interface EarlyStore extends EarlyAnswer {
  segment: string; // the path segment it was asked for: /datasets/{segment}
}

declare global {
  interface Window {
    __astropixelEarly?: EarlyStore;
  }
}

// Runs in the route-preload script with the dataset's path segment (still URL-encoded).
export function startEarly(segment: string): void {
  const get = (url: string, accept: string) =>
    fetch(url, { credentials: "same-origin", headers: { Accept: accept } }).then(
      (r) => (r.ok ? r : null),
      () => null,
    );
  const record = get(`/api/datasets/${segment}`, "application/json").then((r) =>
    r ? r.json().catch(() => null) : null,
  );
  const dzi = record.then((d: { urls?: { dzi?: unknown } | null } | null) => {
    const url = d?.urls?.dzi;
    return typeof url === "string" ? get(url, "application/xml").then((r) => (r ? r.text() : null)) : null;
  });
  window.__astropixelEarly = { segment, record, dzi: dzi.catch(() => null) };
}

// The early answers for dataset `id`, once: the first viewer opened after the page load takes them
// (a later one, or another dataset's, asks for its own).
export function takeEarly(id: string): EarlyAnswer | null {
  const early = window.__astropixelEarly;
  if (!early) return null;
  delete window.__astropixelEarly;
  return early.segment === encodeURIComponent(id) ? early : null;
}
