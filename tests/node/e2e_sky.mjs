// A public FITS dataset with a celestial WCS in the viewer, as a guest: the information panel names
// the coordinate system, and the pointer readout shows sky coordinates at the image's centre.
// With GRID_SCREENSHOT, also turns the coordinate grid on, saves a screenshot and counts what it drew.
// Usage: node e2e_sky.mjs VIEWER_URL SCREENSHOT [GRID_SCREENSHOT]
//   → one JSON line {"info", "readout", "console_errors", "grid": {"lines", "labels", "pressed"}}
import { launchBrowser, viewerAtRest } from "./browser.mjs";

const [url, screenshot, gridScreenshot] = process.argv.slice(2);
const browser = await launchBrowser();
const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
const report = { console_errors: [] };
page.on("console", (m) => { if (m.type() === "error") report.console_errors.push(m.text()); });
try {
  await page.goto(url);
  await page.waitForFunction(() => {
    const c = document.querySelector(".osd canvas");
    return c && c.width > 0 && !document.querySelector(".loading:not([hidden])");
  }, null, { timeout: 30000 });
  report.info = await page.getByRole("complementary", { name: "Image information" }).innerText();
  // The image's centre: the home view shows the whole image centred in the viewer. The readout
  // follows pointer moves, and the first ones may come before the image is open: keep moving.
  const box = await page.locator(".osd").boundingBox();
  const readout = page.getByLabel("Pointer position");
  for (let i = 0; i < 100; i += 1) {
    await page.mouse.move(box.x + box.width / 2 + (i % 2), box.y + box.height / 2);
    if (/ · /.test((await readout.textContent()) ?? "")) break;
    await page.waitForTimeout(100);
  }
  report.readout = await readout.textContent();
  await page.screenshot({ path: screenshot });
  if (gridScreenshot) {
    const toggle = page.getByRole("button", { name: "Coordinate grid" });
    await toggle.click();
    // Drawn, with the view at rest (the grid is drawn again on every frame of a move): at rest
    // first, then lines drawn with the viewer still at rest.
    await viewerAtRest(page);
    await page.waitForFunction(() => Number(document.querySelector("svg.sky-grid")?.getAttribute("data-lines")) > 0
      && !document.querySelector(".osd[aria-busy]"), null, { timeout: 30000 });
    report.grid = await page.evaluate(() => {
      const g = document.querySelector("svg.sky-grid");
      return {
        lines: g.querySelectorAll("polyline").length,
        meridians: g.querySelectorAll('polyline[data-kind="meridian"]').length,
        parallels: g.querySelectorAll('polyline[data-kind="parallel"]').length,
        labels: [...g.querySelectorAll("text")].map((t) => t.textContent),
        visible: getComputedStyle(g).display !== "none",
      };
    });
    report.grid.pressed = await toggle.getAttribute("aria-pressed");
    await page.screenshot({ path: gridScreenshot, fullPage: true });
    await toggle.click();
    report.grid.hidden_after_toggle = await page.evaluate(() => getComputedStyle(document.querySelector("svg.sky-grid")).display === "none");
  }
} catch (e) {
  report.error = String(e);
}
await browser.close();
console.log(JSON.stringify(report));
