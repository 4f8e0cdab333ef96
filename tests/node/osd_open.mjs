// Opens a tile source in OpenSeadragon inside headless Chromium, as a signed-in browser user would
// (session cookie), zooms from the whole image to full resolution and pans, and reports every tile
// request that failed. Usage: node osd_open.mjs BASE_URL SRC_PATH ACCESS_TOKEN
import { launchBrowser } from "./browser.mjs";

const [base, src, token] = process.argv.slice(2);
const browser = await launchBrowser();
const report = { tile_requests: 0, tile_failures: [], console_errors: [] };
try {
  const context = await browser.newContext();
  if (token) await context.addCookies([{ name: "ap_access", value: token, url: base, httpOnly: true, sameSite: "Lax" }]);
  const page = await context.newPage();
  const isTile = (url) => /image_files|\/iiif\/3\/[^/]+\/(?!info\.json)/.test(url);
  page.on("response", (r) => {
    if (!isTile(r.url())) return;
    report.tile_requests += 1;
    if (r.status() >= 400) report.tile_failures.push(`${r.status()} ${r.url()}`);
  });
  page.on("requestfailed", (r) => { if (isTile(r.url())) report.tile_failures.push(`failed ${r.url()}`); });
  page.on("console", (m) => { if (m.type() === "error") report.console_errors.push(m.text()); });
  await page.goto(`${base}/?src=${encodeURIComponent(src)}`);
  await page.waitForFunction(() => window.result.opened || window.result.error, null, { timeout: 15000 });
  // Settled = new tiles arrived since the view changed and the image reports everything in view
  // loaded (right after a change it may still say "fully loaded" about the previous view).
  const settle = async (before) => {
    await page.waitForFunction((b) => {
      const item = window.viewer.world.getItemAt(0);
      return item && window.result.loaded > b && item.getFullyLoaded();
    }, before, { timeout: 30000 });
  };
  if (await page.evaluate(() => window.result.opened)) {
    await settle(0);
    // Whole image → full resolution in a corner and in the middle.
    for (const [zoom, x, y] of [[4, 0.1, 0.1], [1e6, 0.2, 0.15], [1e6, 0.5, 0.3]]) {
      const before = await page.evaluate(() => window.result.loaded);
      await page.evaluate(([z, px, py]) => {
        const vp = window.viewer.viewport;
        vp.zoomTo(Math.min(z, vp.getMaxZoom()), null, true);
        vp.panTo(new OpenSeadragon.Point(px, py), true);
      }, [zoom, x, y]);
      await settle(before);
    }
  }
  Object.assign(report, await page.evaluate(() => window.result));
  report.max_zoom_reached = await page.evaluate(() => window.viewer.viewport.getZoom() >= window.viewer.viewport.getMaxZoom() * 0.99);
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
