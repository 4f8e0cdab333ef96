// The viewer's "Visible region as FITS" in real Chromium: the owner of a private FITS dataset signs in,
// opens the viewer, zooms in, opens Download and takes "Visible region as FITS"; the browser's download
// (Playwright's download event) is saved, and its name, path and the region its URL asked for are
// reported, for the Python test to compare with the uploaded values. A screenshot of the open menu is
// kept in test-artifacts/web/cutout/.
// Usage: node e2e_cutout.mjs BASE LOGIN PASSWORD DATASET_ID OUT_DIR
//   → one JSON line {"suggested", "path", "region", "failure", "console_errors"} or {"error"}
import fs from "node:fs";
import path from "node:path";
import { launchBrowser, signIn } from "./browser.mjs";

const [base, login, password, id, outDir] = process.argv.slice(2);
const artifacts = path.resolve(import.meta.dirname, "../../test-artifacts/web/cutout");
fs.mkdirSync(artifacts, { recursive: true });
const browser = await launchBrowser();
const report = { console_errors: [] };
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  page.on("console", (m) => { if (m.type() === "error") report.console_errors.push(m.text()); });
  page.on("pageerror", (e) => report.console_errors.push(String(e)));
  await signIn(page, base, login, password);
  await page.goto(`${base}/datasets/${id}`);
  await page.locator(".viewer-layout").waitFor();
  await page.waitForFunction(() => {
    const c = document.querySelector(".osd canvas");
    return c && c.width > 0 && !document.querySelector(".loading:not([hidden])");
  }, null, { timeout: 30000 });
  // The view is in the page's URL (fov: the field shown): zoomed in, it narrows.
  const fov = () => page.evaluate(() => new URLSearchParams(window.location.search).get("fov"));
  const home = await fov();
  for (let i = 0; i < 3; ++i) await page.getByRole("button", { name: "Zoom in" }).click();
  await page.waitForFunction((h) => new URLSearchParams(window.location.search).get("fov") !== h, home,
    { timeout: 10000 });
  const menu = page.locator("details.download-menu");
  await menu.locator("summary").click();
  const fits = menu.locator('a[data-download="cutout-fits"]');
  await fits.waitFor();
  await page.screenshot({ path: path.join(artifacts, "menu.png") });
  const [download] = await Promise.all([
    page.waitForEvent("download", { timeout: 30000 }),
    fits.click(),
  ]);
  // The URL the browser downloaded: the region as the view was when the item was chosen.
  const q = new URL(download.url()).searchParams;
  report.region = Object.fromEntries(["x", "y", "w", "h"].map((k) => [k, Number(q.get(k))]));
  report.format = q.get("format");
  report.suggested = download.suggestedFilename();
  report.failure = await download.failure();
  report.path = path.join(outDir, "cutout.fits");
  await download.saveAs(report.path);
} catch (e) {
  report.error = String(e && e.stack || e);
}
console.log(JSON.stringify(report));
await browser.close();
