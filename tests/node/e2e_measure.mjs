// Measurements in the viewer in real Chromium, as a guest on a public FITS image: the Stats button
// under a rectangle annotation lists the region's statistics, and the ruler's Profile button plots
// the original values along the line dragged.
// Usage: node e2e_measure.mjs VIEWER_URL ARTIFACTS_DIR
//   → one JSON line {"stats", "stats_expanded", "profile", "console_errors"}
import { launchBrowser, viewerAtRest } from "./browser.mjs";

const [url, artifacts] = process.argv.slice(2);
const browser = await launchBrowser();
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const report = { console_errors: [] };

try {
  const page = await context.newPage();
  page.on("console", (m) => { if (m.type() === "error") report.console_errors.push(m.text()); });
  await page.goto(url);
  await page.waitForFunction(() => {
    const c = document.querySelector(".osd canvas");
    return c && c.width > 0 && !document.querySelector(".loading:not([hidden])") && /[?&]fov=/.test(location.search);
  }, null, { timeout: 30000 });

  const stats = page.getByRole("button", { name: "Statistics of Source box" });
  await stats.click();
  const list = page.getByLabel("Region statistics");
  await list.waitFor({ timeout: 10000 });
  report.stats = Object.fromEntries(await list.locator("dd").evaluateAll(
    (dds) => dds.map((dd) => [dd.dataset.stat, dd.textContent])));
  report.stats_expanded = await page.getByRole("button", { name: "Statistics of Source box" }).getAttribute("aria-expanded");

  // The ruler: "m", then a drag across the middle of the image, where the source is.
  await page.getByRole("heading", { level: 1 }).click();
  await page.keyboard.press("m");
  await viewerAtRest(page, 10000);
  const frame = await page.locator(".osd").boundingBox();
  const mx = Math.round(frame.x + frame.width / 2), my = Math.round(frame.y + frame.height / 2);
  await page.mouse.move(mx - 150, my);
  await page.mouse.down();
  await page.mouse.move(mx + 150, my, { steps: 6 });
  await page.mouse.up();
  await page.getByRole("button", { name: "Profile" }).click();
  const plot = page.locator("svg.profile-plot");
  await plot.waitFor({ timeout: 10000 });
  report.profile = {
    label: await plot.getAttribute("aria-label"),
    runs: (await plot.locator(".profile-line").getAttribute("d")).split("M").length - 1,
  };
  await page.screenshot({ path: `${artifacts}/measure.png` });
} catch (e) {
  report.error = String(e);
}
await browser.close();
console.log(JSON.stringify(report));
