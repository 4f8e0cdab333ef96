// The viewer on a pyramid still being built (#17 point 2) in real Chromium, as observations for the
// Python test (tests/integration/test_live_build.py) to assert on.
// Usage: node e2e_live.mjs BASE LOGIN PASSWORD DATASET_ID MODE [PLAN_JSON]
//   MODE "real": the dataset is being built now (slowed by /api/_test/slow-builds); the page opens
//     while it is processing and waits for the build to publish. PLAN_JSON {"overview": true}: the
//     build wrote its preview first (`building.preview`): once the page shows it, the image's bottom
//     is looked at ("overview_bottom", see lookAt), as in "routed" with a "preview".
//   MODE "routed": the dataset is built already; its record and /status answers are rewritten in the
//     browser to walk through PLAN_JSON = {"version", "dzi", "preview"?, "steps": [{"progress", "tile_rows"},
//     ...], "failure"?} (checkpoint k+1 at step k), then answered as they are (completed), or, with
//     "failure", as a build failed for that reason. The script moves to the next step only
//     once the page shows the previous frontier (an observable state, no sleeps), and every tile
//     request is checked against the frontier the page had been told of.
//   → one JSON line {"tile_failures", "load_failed", "drawn_while_building", "texts", "checkpoints",
//      "beyond_frontier", "bottom_before", "bottom_after", "view_before", "view_after",
//      "final_panels", "status_gone", "axe", "failed_text", "top_after_failure", "axe_failed",
//      "viewers", "overviews", "overview_bottom", "colour_after", "console_errors", "http_errors"} or {"error"}
import { axeViolations, launchBrowser, signIn, viewerAtRest } from "./browser.mjs";

const [base, login, password, id, mode, planJson] = process.argv.slice(2);
const plan = planJson ? JSON.parse(planJson) : { steps: [] };

// Runs before the page's scripts: every OpenSeadragon viewer the page makes (caught where it
// registers itself, as e2e_first_paint.mjs does; navigators skipped), its drawn tiles and failed
// ones, and the texts the build status element shows.
function instrument() {
  const t = (window.__live = { viewers: [], drawn: 0, drawn_while_building: 0, load_failed: [], texts: [],
                               checkpoints: [], overviews: 0 });
  const building = () => {
    const s = document.querySelector(".build-status");
    return s !== null && /^Building/.test(s.textContent);
  };
  const set = Map.prototype.set;
  Map.prototype.set = function (key, value) {
    if (value && value.world && typeof value.raiseEvent === "function" && key instanceof HTMLElement &&
        !key.classList.contains("navigator") && !t.viewers.includes(value)) {
      t.viewers.push(value);
      value.addHandler("tile-drawn", () => {
        t.drawn += 1;
        if (building()) t.drawn_while_building += 1;
      });
      value.addHandler("tile-load-failed", (e) => t.load_failed.push(String(e.tile && e.tile.getUrl())));
      // The preview under the tiles (web/src/viewer/overview.ts marks its tile source).
      value.world.addHandler("add-item", (e) => {
        if (e.item.source && e.item.source.overview === true) t.overviews += 1;
      });
    }
    return set.call(this, key, value);
  };
  new MutationObserver(() => {
    const s = document.querySelector(".build-status");
    if (!s) return;
    if (t.texts[t.texts.length - 1] !== s.textContent) t.texts.push(s.textContent);
    const k = s.dataset.checkpoint;
    if (k !== undefined && t.checkpoints[t.checkpoints.length - 1] !== k) t.checkpoints.push(k);
  }).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
}

// What the newest viewer shows at the fraction (fx, fy) of the image, in one synchronous look: the
// canvas drawer's pixel there as [r, g, b, a] (nothing drawn is transparent over the page's black),
// whether the page is still the building view, and whether any of its tiled images (the overview left
// out) has a tile written there at any level: when none has, only the overview can have drawn it
// (frontiers only grow, so no earlier frame had a tile there either).
async function lookAt(page, fx, fy) {
  return page.evaluate(([fx, fy]) => {
    const v = window.__live.viewers[window.__live.viewers.length - 1];
    const items = Array.from({ length: v.world.getItemCount() }, (_, i) => v.world.getItemAt(i));
    const tiled = items.filter((i) => !(i.source && i.source.overview === true));
    const item = tiled[0];
    const size = item.getContentSize();
    const [ix, iy] = [size.x * fx, size.y * fy];
    // Components, not a Point: the page's OpenSeadragon is bundled, its Point class out of reach.
    const at = v.viewport.pixelFromPoint(item.imageToViewportCoordinates(ix, iy), true);
    const canvas = v.drawer.canvas;
    const scale = canvas.width / canvas.clientWidth;
    const [cx, cy] = [Math.round(at.x * scale), Math.round(at.y * scale)];
    if (!Number.isFinite(cx) || !Number.isFinite(cy)) throw new Error(`no canvas point for ${fx}, ${fy}: ${at}`);
    const rgba = Array.from(canvas.getContext("2d").getImageData(cx, cy, 1, 1).data);
    const tile_there = tiled.some((t) => {
      const s = t.source;
      for (let level = s.minLevel; level <= s.maxLevel; level++) {
        const k = s.getLevelScale(level);
        if (s.tileExists(level, Math.floor((ix * k) / s.getTileWidth(level)), Math.floor((iy * k) / s.getTileHeight(level))))
          return true;
      }
      return false;
    });
    const building = /^Building/.test(document.querySelector(".build-status")?.textContent ?? "");
    return { rgba, tile_there, building };
  }, [fx, fy]);
}

const drawnAt = async (page, fx, fy) => (await lookAt(page, fx, fy)).rgba[3] > 0;

// Once the newest viewer's overview (the preview under the tiles, the whole image blurred) has
// loaded and been drawn, a look at the image's bottom, which a build writes last. (Or the build
// published first: the look then says it is not the building view.)
async function lookAtOverview(page) {
  await page.waitForFunction(() => {
    if (!/^Building/.test(document.querySelector(".build-status")?.textContent ?? "")) return true;
    const v = window.__live.viewers[window.__live.viewers.length - 1];
    for (let i = 0; v && i < v.world.getItemCount(); i++) {
      const item = v.world.getItemAt(i);
      if (item.source && item.source.overview === true) return item.getFullyLoaded();
    }
    return false;
  }, null, { timeout: 60000 });
  await viewerAtRest(page);
  const look = await lookAt(page, 0.5, 0.95);
  if (process.env.E2E_LIVE_SCREENSHOT) await page.screenshot({ path: process.env.E2E_LIVE_SCREENSHOT });
  return look;
}

const viewOf = (url) => {
  const q = new URL(url).searchParams;
  return { x: q.get("x"), y: q.get("y"), fov: q.get("fov") };
};

// The newest viewer shows one frontier (and the overview, if any) and has every tile its view needs.
const fullyLoaded = (page) =>
  page.waitForFunction(() => {
    const v = window.__live.viewers[window.__live.viewers.length - 1];
    const items = v ? Array.from({ length: v.world.getItemCount() }, (_, i) => v.world.getItemAt(i)) : [];
    const tiled = items.filter((i) => !(i.source && i.source.overview === true));
    return tiled.length === 1 && items.every((i) => i.getFullyLoaded());
  }, null, { timeout: 60000 });

// Zooms in and waits for the zoomed view to be the page's: the URL takes the view at
// animation-finish (navigation_bar.ts), and may hold one already (any earlier animation-finish,
// tiles blending in included, writes it), so the wait is for a URL other than before the click,
// then for the viewer at rest. A viewer replaced during the move (the build published: the final
// viewer opens at the view in the URL, without the zoom) is zoomed in again once it has opened
// (its image added: OpenSeadragon opens in the same task) and is at rest.
async function zoomIn(page) {
  for (;;) {
    const [search, viewers] = await page.evaluate(() => [location.search, window.__live.viewers.length]);
    await page.getByRole("button", { name: "Zoom in" }).click();
    const outcome = await page.waitForFunction(([s, n]) => {
      if (location.search !== s && new URL(location.href).searchParams.has("fov")) return "zoomed";
      return window.__live.viewers.length !== n ? "replaced" : false;
    }, [search, viewers], { timeout: 30000 });
    if ((await outcome.jsonValue()) === "zoomed") break;
    await page.waitForFunction(() => window.__live.viewers.at(-1).world.getItemCount() > 0, null, { timeout: 30000 });
    await viewerAtRest(page);
  }
  await viewerAtRest(page);
}

const browser = await launchBrowser();
const report = { console_errors: [], http_errors: [], tile_failures: [], beyond_frontier: [] };
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on("console", (m) => { if (m.type() === "error") report.console_errors.push(m.text()); });
  page.on("response", (r) => {
    if (r.status() < 400) return;
    // Every failed request, to say which one a console error is about.
    report.http_errors.push(`${r.status()} ${r.url()}`);
    if (/_files\/\d+\/\d+_\d+\.|\/v\d+\/preview$/.test(r.url())) report.tile_failures.push(`${r.status()} ${r.url()}`);
  });
  await signIn(page, base, login, password);
  await context.addInitScript(instrument);

  // routed: the step the answers describe (plan.steps.length = the real, completed answers), and
  // the furthest step the page has been told of.
  let step = 0;
  let told = -1;
  if (mode === "routed") {
    const building = (k) => ({ version: plan.version, dzi: plan.dzi, tile_rows: plan.steps[k].tile_rows, checkpoint: k + 1,
                               preview: plan.preview ?? null });
    const rewrite = async (route, record) => {
      const response = await route.fetch();
      const body = await response.json();
      if (step < plan.steps.length) {
        Object.assign(body, { status: "processing", progress: plan.steps[step].progress, building: building(step) });
        if (record) Object.assign(body, { urls: null, pyramid: null });
        told = Math.max(told, step);
      } else if (plan.failure) {
        Object.assign(body, { status: "failed", failure_code: "corrupt_image", failure_reason: plan.failure, building: null });
        if (record) Object.assign(body, { urls: null, pyramid: null });
      } else {
        told = plan.steps.length; // published: every tile exists
      }
      await route.fulfill({ response, json: body });
    };
    await page.route((u) => u.pathname === `/api/datasets/${id}`, (route) => rewrite(route, true));
    await page.route((u) => u.pathname === `/api/datasets/${id}/status`, (route) => rewrite(route, false));
    page.on("request", (r) => {
      const m = /_files\/(\d+)\/(\d+)_(\d+)\./.exec(r.url());
      if (!m || told < 0 || told >= plan.steps.length) return;
      const [level, y] = [Number(m[1]), Number(m[3])];
      if (!(y < (plan.steps[told].tile_rows[level] ?? 0))) report.beyond_frontier.push(`${r.url()} at step ${told}`);
    });
  }

  await page.goto(`${base}/datasets/${id}`);
  const status = page.locator(".build-status");
  await status.waitFor({ timeout: 30000 });
  await page.waitForFunction(() => window.__live.drawn > 0, null, { timeout: 60000 });
  report.axe = await axeViolations(page);
  report.status_role = await status.getAttribute("role");

  if (mode === "routed") {
    await viewerAtRest(page);
    await fullyLoaded(page);
    if (plan.preview) report.overview_bottom = await lookAtOverview(page);
    report.bottom_before = await drawnAt(page, 0.5, 0.95);
    // For a person to look at (E2E_LIVE_SCREENSHOT=path.png): the page while it builds.
    if (process.env.E2E_LIVE_SCREENSHOT) await page.screenshot({ path: process.env.E2E_LIVE_SCREENSHOT });
    // `step` stays at the last one until the view is zoomed in below: were it past the end here,
    // the next poll would publish while the script zooms in, and the zoom could go to the
    // building viewer as it is replaced.
    for (let s = 1; s < plan.steps.length; s++) {
      step = s;
      const k = String(step + 1);
      await page.waitForFunction((k) => document.querySelector(".build-status")?.dataset.checkpoint === k, k,
                                 { timeout: 30000 });
    }
    await fullyLoaded(page);
    if (plan.failure) {
      // The build fails: the reason in the status element, the part drawn stays on screen.
      step = plan.steps.length;
      await page.waitForFunction((r) => document.querySelector(".build-status")?.textContent === `Build failed: ${r}`,
                                 plan.failure, { timeout: 30000 });
      report.failed_text = await status.textContent();
      await viewerAtRest(page);
      report.top_after_failure = await drawnAt(page, 0.5, 0.05);
      report.axe_failed = await axeViolations(page);
    }
  }
  if (mode === "routed" && !plan.failure) {
    // Zoomed in: the view the final viewer must keep.
    await zoomIn(page);
    report.view_before = viewOf(page.url());
    step = plan.steps.length; // the next answers are the server's own: completed
  } else if (mode === "real") {
    if (plan.overview) report.overview_bottom = await lookAtOverview(page);
    // Zoomed in while it builds (the view may already be the final one if the build was quick: the
    // view is kept all the same).
    await zoomIn(page);
    report.view_before = viewOf(page.url());
  }

  if (!plan.failure) {
    // The build publishes: the normal viewer, its side panels, and no build status.
    await page.getByRole("region", { name: "Export" }).waitFor({ timeout: 120000 });
    report.status_gone = (await page.locator(".build-status").count()) === 0;
    report.final_panels = true;
    await viewerAtRest(page);
    await fullyLoaded(page);
    report.view_after = viewOf(page.url());
    // At rest after the move: a wait for no aria-busy alone could pass before the move began, and
    // the zoomed view, fully loaded, be sampled outside it.
    await page.getByRole("button", { name: "Whole image" }).click();
    await viewerAtRest(page);
    await fullyLoaded(page);
    const after = await lookAt(page, 0.5, 0.95);
    report.bottom_after = after.rgba[3] > 0;
    report.colour_after = after.rgba;
  }
  Object.assign(report, await page.evaluate(() => {
    const t = window.__live;
    return { drawn: t.drawn, drawn_while_building: t.drawn_while_building, load_failed: t.load_failed,
             texts: t.texts, checkpoints: t.checkpoints, viewers: t.viewers.length, overviews: t.overviews };
  }));
} catch (e) {
  report.error = String((e && e.stack) || e);
}
console.log(JSON.stringify(report));
await browser.close();
