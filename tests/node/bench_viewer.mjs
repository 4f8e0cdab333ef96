// Browser figures for bench/browser.sh (issue #17 point 5), measured in real Chromium, never asserted:
// our web app opening a private dataset after signing in, against a bare OpenSeadragon page over the
// same pyramid as static Deep Zoom files (bench/osd-peer.html on nginx). Runs alternate, ours first
// (its viewer's size is given to the peer page so both load the same tiles); every run has a fresh
// browser context, so a cold HTTP cache for the app, OpenSeadragon and the tiles alike.
// Per run: time from navigation start to the first tile drawn on the viewer's canvas (OpenSeadragon's
// tile-drawn event, raised right after the tile's drawImage onto the visible canvas: no pixel
// read-backs, which would themselves cost main-thread time) and to the image's first
// fully-loaded-change to true (every tile the view needs at its best level drawn); long tasks
// (PerformanceObserver 'longtask', buffered) while loading and during a fixed pan/zoom sequence of
// mouse drags and wheel steps until the view settles again.
// Usage: node bench_viewer.mjs OURS_BASE LOGIN PASSWORD DATASET_ID PEER_URL RUNS
//   → one JSON line per run {side, run, first_tile_ms, fully_loaded_ms, load_long, pan_long, ...}
import { launchBrowser, signIn } from "./browser.mjs";

const [base, login, password, id, peerUrl, runsArg] = process.argv.slice(2);
const runs = Number(runsArg || 5);
const VIEWPORT = { width: 1280, height: 900 };

// Runs in the page before any of its scripts. OpenSeadragon registers every viewer in its private
// map (OpenSeadragon._viewers.set(element, viewer)) at the end of the constructor, before the tile
// source has opened; catching that set gives the viewer object in our bundled app and in the peer
// alike without touching either page. The navigator, itself a viewer, is skipped.
function instrument() {
  const b = (window.__bench = { first_tile: null, fully_loaded: null, viewer_made: null, long: [] });
  try {
    b.observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) b.long.push([e.startTime, e.duration]);
    });
    b.observer.observe({ type: "longtask", buffered: true });
  } catch (e) {
    b.long_error = String(e);
  }
  b.takeLong = () => {
    for (const e of b.observer.takeRecords()) b.long.push([e.startTime, e.duration]);
    return b.long;
  };
  const set = Map.prototype.set;
  Map.prototype.set = function (key, value) {
    if (value && value.world && typeof value.raiseEvent === "function" && key instanceof HTMLElement &&
        !key.classList.contains("navigator")) {
      Map.prototype.set = set;
      b.viewer = value;
      b.viewer_made = performance.now();
      value.addHandler("tile-drawn", () => {
        if (b.first_tile === null) b.first_tile = performance.now();
      });
      const watch = (item) => item.addHandler("fully-loaded-change", (e) => {
        if (e.fullyLoaded && b.fully_loaded === null) b.fully_loaded = performance.now();
      });
      for (let i = 0; i < value.world.getItemCount(); i++) watch(value.world.getItemAt(i));
      value.world.addHandler("add-item", (e) => watch(e.item));
    }
    return set.call(this, key, value);
  };
}

const summary = (tasks) => ({
  count: tasks.length,
  total_ms: Math.round(tasks.reduce((s, [, d]) => s + d, 0)),
  max_ms: Math.round(tasks.reduce((m, [, d]) => Math.max(m, d), 0)),
});

// Settled: no spring still moving and every tile of the view loaded.
const settled = () => {
  const v = window.__bench.viewer;
  const item = v && v.world.getItemAt(0);
  if (!item || !item.getFullyLoaded()) return false;
  const vp = v.viewport;
  const a = vp.getCenter(true), t = vp.getCenter(false);
  return vp.getZoom(true) === vp.getZoom(false) && a.x === t.x && a.y === t.y;
};

// The same user input every run: drags and wheel steps around the viewer's middle. The pauses pace
// the input like a person's hand; nothing waits on them.
async function panZoom(page, box) {
  const cx = box.x + box.width / 2, cy = box.y + box.height / 2;
  const drag = async (dx, dy) => {
    await page.mouse.move(cx, cy);
    await page.mouse.down();
    await page.mouse.move(cx + dx, cy + dy, { steps: 20 });
    await page.mouse.up();
  };
  const wheel = async (n, dy) => {
    await page.mouse.move(cx, cy);
    for (let i = 0; i < n; i++) {
      await page.mouse.wheel(0, dy);
      await page.waitForTimeout(150);
    }
  };
  await drag(-250, -150);
  await wheel(3, -200);
  await drag(300, 100);
  await wheel(3, -200);
  await drag(-200, 200);
  await drag(150, -250);
  await wheel(2, 200);
  await drag(-300, 0);
}

async function measure(browser, side, url, storageState, size) {
  const context = await browser.newContext({ viewport: VIEWPORT, storageState });
  const page = await context.newPage();
  const report = { side, tile_requests: 0, tile_failures: 0, console_errors: [] };
  page.on("response", (r) => {
    if (!/_files\/\d+\/\d+_\d+\./.test(r.url())) return;
    report.tile_requests += 1;
    if (r.status() >= 400) report.tile_failures += 1;
  });
  page.on("console", (m) => { if (m.type() === "error") report.console_errors.push(m.text()); });
  try {
    await context.addInitScript(instrument);
    await page.goto(size ? `${url}?w=${size.width}&h=${size.height}` : url);
    await page.waitForFunction(() => window.__bench.fully_loaded !== null, null, { timeout: 60000 });
    const opened = await page.evaluate(() => {
      const b = window.__bench;
      const r = b.viewer.container.getBoundingClientRect();
      return { first_tile: b.first_tile, fully_loaded: b.fully_loaded, viewer_made: b.viewer_made,
               long: b.takeLong().slice(), box: { x: r.x, y: r.y, width: Math.round(r.width), height: Math.round(r.height) },
               long_error: b.long_error,
               // Where the time before the first tile went: when the last script was asked for and had
               // arrived, the dataset's API record (ours only) and the .dzi descriptor had, and when the
               // first tile was asked.
               fetched: (() => {
                 const rs = performance.getEntriesByType("resource");
                 const end = (f) => Math.round(Math.max(0, ...rs.filter((r) => f(r.name)).map((r) => r.responseEnd)));
                 const tiles = rs.filter((r) => /_files\/\d+\/\d+_\d+\./.test(r.name));
                 return { scripts_asked_ms: Math.round(Math.max(0, ...rs.filter((r) => r.name.endsWith(".js")).map((r) => r.startTime))),
                          scripts_ms: end((n) => n.endsWith(".js")), dataset_api_ms: end((n) => /\/api\/datasets\/[^/]+$/.test(n)),
                          dzi_ms: end((n) => n.endsWith(".dzi")),
                          dzi_asked_ms: Math.round(Math.min(...rs.filter((r) => r.name.endsWith(".dzi")).map((r) => r.startTime))),
                          first_tile_asked_ms: Math.round(Math.min(...tiles.map((r) => r.startTime))) };
               })() };
    });
    report.first_tile_ms = Math.round(opened.first_tile);
    report.fully_loaded_ms = Math.round(opened.fully_loaded);
    report.viewer_made_ms = Math.round(opened.viewer_made);
    report.load_long = summary(opened.long.filter(([s]) => s <= opened.fully_loaded));
    report.box = opened.box;
    report.fetched = opened.fetched;
    if (opened.long_error) report.long_error = opened.long_error;
    const t0 = await page.evaluate(() => performance.now());
    await panZoom(page, opened.box);
    await page.waitForFunction(settled, null, { timeout: 60000, polling: "raf" });
    const after = await page.evaluate((start) => {
      const end = performance.now();
      return { long: window.__bench.takeLong().filter(([s]) => s >= start && s <= end), end };
    }, t0);
    report.pan_ms = Math.round(after.end - t0);
    report.pan_long = summary(after.long);
  } catch (e) {
    report.error = String((e && e.stack) || e);
  }
  await context.close();
  return report;
}

const browser = await launchBrowser();
try {
  // Sign in once through the form, as a user does; every run then starts from that session's cookies
  // in a new context (cold cache), opening the dataset's page like a followed link.
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  await signIn(page, base, login, password);
  const state = await context.storageState();
  await context.close();
  for (let run = 1; run <= runs; run++) {
    const ours = await measure(browser, "astropixel", `${base}/datasets/${id}`, state, null);
    console.log(JSON.stringify({ run, ...ours }));
    const size = ours.box ? { width: ours.box.width, height: ours.box.height } : { width: 1024, height: 768 };
    const peer = await measure(browser, "osd-nginx", peerUrl, undefined, size);
    console.log(JSON.stringify({ run, ...peer }));
  }
} finally {
  await browser.close();
}
