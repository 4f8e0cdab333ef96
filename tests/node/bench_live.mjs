// Figures for bench/live.sh (issue #17 point 2), in real Chromium, never asserted: how soon a freshly
// uploaded image can be looked at. The upload's bytes except the last are already sent; this script
// signs in, sends the last byte (T0 is just before it), opens the dataset's page at once as a user
// who followed the upload would, and reports, from T0:
//   first_tile_s    the first tile of the pyramid drawn on the viewer's canvas (OpenSeadragon's
//                   tile-drawn), while the build runs or after it;
//   overview_drawn_s the preview first drawn under the tiles (`building.preview`, written before
//                   any tile for the sources where that is cheap: the whole image, blurred); null
//                   when the build wrote none (PNG, JPEG, tiled TIFF) or published first;
//   viewable_s      the first status answer naming tiles that exist (building.tile_rows, or completed);
//   completed_s     the first status answer saying completed (polled every 100 ms);
//   full_view_s     the viewer fully loaded at its best level after completed (fully-loaded-change).
// Usage: node bench_live.mjs BASE LOGIN PASSWORD TOKEN UPLOAD_PATH SIZE FILE
//   → one JSON line.
import fs from "node:fs";
import { launchBrowser, signIn } from "./browser.mjs";

const [base, login, password, token, uploadPath, sizeArg, file] = process.argv.slice(2);
const size = Number(sizeArg);

// As in bench_viewer.mjs: catch the first OpenSeadragon viewer the page makes (its private registry
// set), and time its first drawn tile and every fully-loaded-change to true.
function instrument() {
  const b = (window.__live = { first_tile: null, overview: null, loaded: [] });
  const set = Map.prototype.set;
  Map.prototype.set = function (key, value) {
    if (value && value.world && typeof value.raiseEvent === "function" && key instanceof HTMLElement &&
        !key.classList.contains("navigator")) {
      value.addHandler("tile-drawn", (e) => {
        // The overview's one tile is not the pyramid's (web/src/viewer/overview.ts marks its source).
        const overview = e.tiledImage && e.tiledImage.source && e.tiledImage.source.overview === true;
        if (overview && b.overview === null) b.overview = Date.now();
        if (!overview && b.first_tile === null) b.first_tile = Date.now();
      });
      const watch = (item) => item.addHandler("fully-loaded-change", (e) => {
        if (e.fullyLoaded) b.loaded.push(Date.now());
      });
      for (let i = 0; i < value.world.getItemCount(); i++) watch(value.world.getItemAt(i));
      value.world.addHandler("add-item", (e) => watch(e.item));
    }
    return set.call(this, key, value);
  };
}

const browser = await launchBrowser();
const report = { tile_failures: 0 };
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await signIn(page, base, login, password);
  await context.addInitScript(instrument);
  page.on("response", (r) => {
    if (/_files\/\d+\/\d+_\d+\./.test(r.url()) && r.status() >= 400) report.tile_failures += 1;
  });
  const last = Buffer.alloc(1);
  const fd = fs.openSync(file, "r");
  fs.readSync(fd, last, 0, 1, size - 1);
  fs.closeSync(fd);
  const auth = { Authorization: `Bearer ${token}` };
  const t0 = Date.now();
  const patched = await fetch(base + uploadPath, {
    method: "PATCH",
    headers: { ...auth, "Tus-Resumable": "1.0.0", "Upload-Offset": String(size - 1),
               "Content-Type": "application/offset+octet-stream" },
    body: last,
  });
  const id = patched.headers.get("x-dataset-id");
  if (patched.status !== 204 || !id) throw new Error(`last PATCH: ${patched.status}`);
  const since = (t) => (t === null ? null : Math.round(t - t0) / 1000);
  const opened = page.goto(`${base}/datasets/${id}`);
  let viewable = null, completed = null;
  while (completed === null) {
    const s = await (await fetch(`${base}/api/datasets/${id}/status`, { headers: auth })).json();
    const now = Date.now();
    if (s.status === "failed") throw new Error(`build failed: ${s.failure_reason}`);
    if (viewable === null && (s.status === "completed" || (s.building && s.building.tile_rows.some((r) => r > 0))))
      viewable = now;
    if (s.status === "completed") completed = now;
    else await new Promise((r) => setTimeout(r, 100));
  }
  await opened;
  // The full view: a fully loaded viewer item after completed (the page may swap items meanwhile).
  await page.waitForFunction((c) => window.__live.loaded.some((t) => t >= c), completed, { timeout: 600000 });
  const seen = await page.evaluate((c) => ({ first_tile: window.__live.first_tile, overview: window.__live.overview,
                                             full: window.__live.loaded.find((t) => t >= c) }), completed);
  Object.assign(report, { dataset: id, first_tile_s: since(seen.first_tile), overview_drawn_s: since(seen.overview),
                          viewable_s: since(viewable), completed_s: since(completed), full_view_s: since(seen.full) });
  await context.close();
} catch (e) {
  report.error = String((e && e.stack) || e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
