// The order of events when the viewer opens a dataset (issue #17 point 5), in real Chromium, as
// observations for the Python test to assert on (orderings, never durations): when the viewer's code
// (its page chunk and OpenSeadragon's) was asked for, when the dataset's record and the Deep Zoom
// descriptor were, when OpenSeadragon's viewer was made, when the first tile was drawn on its canvas,
// and when the first side panel and the navigator entered the page. The viewer page's chunk is held
// back until the page has asked for the record (or 15 s have passed): whether the record came
// without it says the record does not wait for the viewer's code, however fast that code arrives.
// Usage: node e2e_first_paint.mjs BASE LOGIN PASSWORD DATASET_ID
//   → one JSON line {"preload_links_at", "chunks_asked", "record_asked", "record_requests", "verify_asked",
//      "record_before_chunk", "dzi_asked", "dzi_requests",
//      "viewer_made", "first_tile_drawn", "panels_at", "navigator_at", "panels", "tile_failures",
//      "console_errors"}
//      or {"error"}
import { launchBrowser, signIn } from "./browser.mjs";

const [base, login, password, id] = process.argv.slice(2);

// Runs before the page's scripts. The viewer object: OpenSeadragon registers each viewer in its
// private map (OpenSeadragon._viewers.set(element, viewer)) at the end of its constructor; catching
// that set gives it without touching the app (the navigator, a viewer too, is skipped).
function instrument() {
  const t = (window.__order = {
    preload_links_at: null, viewer_made: null, first_tile_drawn: null, panels_at: null, navigator_at: null,
  });
  const preloaded = (chunk) => document.querySelector(`link[rel="modulepreload"][href*="/assets/${chunk}-"]`);
  new MutationObserver(() => {
    // Observed at the microtask checkpoint after the script that added them, so before any later
    // script of the page runs.
    if (t.preload_links_at === null && preloaded("viewer_page") && preloaded("osd")) t.preload_links_at = performance.now();
    if (t.panels_at === null && document.querySelector(".viewer-layout .side .panel")) t.panels_at = performance.now();
    if (t.navigator_at === null && document.querySelector(".osd .navigator")) t.navigator_at = performance.now();
  }).observe(document, { subtree: true, childList: true });
  const set = Map.prototype.set;
  Map.prototype.set = function (key, value) {
    if (value && value.world && typeof value.raiseEvent === "function" && key instanceof HTMLElement &&
        !key.classList.contains("navigator")) {
      Map.prototype.set = set;
      t.viewer_made = performance.now();
      value.addHandler("tile-drawn", () => {
        if (t.first_tile_drawn === null) t.first_tile_drawn = performance.now();
      });
    }
    return set.call(this, key, value);
  };
}

const browser = await launchBrowser();
const report = { console_errors: [], tile_failures: 0 };
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on("console", (m) => { if (m.type() === "error") report.console_errors.push(m.text()); });
  page.on("response", (r) => {
    if (/_files\/\d+\/\d+_\d+\./.test(r.url()) && r.status() >= 400) report.tile_failures += 1;
  });
  await signIn(page, base, login, password);
  let recordAsked = () => undefined;
  const recordSeen = new Promise((resolve) => (recordAsked = () => resolve(true)));
  page.on("request", (r) => {
    if (new URL(r.url()).pathname === `/api/datasets/${id}`) recordAsked();
  });
  await page.route(/\/assets\/viewer_page-[^/]*\.js$/, async (route) => {
    let timer;
    const late = new Promise((resolve) => (timer = setTimeout(() => resolve(false), 15000)));
    report.record_before_chunk = await Promise.race([recordSeen, late]);
    clearTimeout(timer);
    await route.continue();
  });
  // A fresh page load of the viewer's address, as a followed link or a bookmark opens it.
  await context.addInitScript(instrument);
  await page.goto(`${base}/datasets/${id}`);
  await page.waitForFunction(() => window.__order.first_tile_drawn !== null && window.__order.panels_at !== null &&
                             window.__order.navigator_at !== null, null, { timeout: 60000 });
  // Every side panel, once they are there.
  await page.getByRole("region", { name: "Export" }).waitFor();
  Object.assign(report, await page.evaluate((datasetId) => {
    const rs = performance.getEntriesByType("resource");
    const first = (f, k) => {
      const hits = rs.filter((r) => f(r.name));
      return hits.length ? Math.min(...hits.map((r) => r[k])) : null;
    };
    const path = (r) => new URL(r).pathname;
    return {
      ...window.__order,
      // The last of the viewer's two big chunks to be asked for.
      chunks_asked: Math.max(...["viewer_page", "osd"].map(
        (c) => first((n) => new RegExp(`/assets/${c}-[^/]*\\.js$`).test(path(n)), "startTime") ?? Infinity)),
      record_asked: first((n) => path(n) === `/api/datasets/${datasetId}`, "startTime"),
      record_requests: rs.filter((r) => path(r.name) === `/api/datasets/${datasetId}`).length,
      // The app's first request of any page load for a remembered user (main.ts).
      verify_asked: first((n) => path(n) === "/api/auth/verify", "startTime"),
      dzi_asked: first((n) => path(n).endsWith("/image.dzi"), "startTime"),
      dzi_requests: rs.filter((r) => path(r.name).endsWith("/image.dzi")).length,
      panels: [...document.querySelectorAll(".viewer-layout .side > *")].map(
        (e) => e.getAttribute("aria-label") || e.querySelector("h2, summary")?.textContent || e.tagName),
    };
  }, id));
} catch (e) {
  report.error = String((e && e.stack) || e);
}
console.log(JSON.stringify(report));
await browser.close();
