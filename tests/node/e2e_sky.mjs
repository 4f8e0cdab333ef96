// A public FITS dataset with a celestial WCS in the viewer, as a guest: the information panel names
// the coordinate system, and the pointer readout shows RA/Dec at the image's centre.
// Usage: node e2e_sky.mjs VIEWER_URL SCREENSHOT  → one JSON line {"info", "readout", "console_errors"}
import { launchBrowser } from "./browser.mjs";

const [url, screenshot] = process.argv.slice(2);
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
    if (/RA/.test((await readout.textContent()) ?? "")) break;
    await page.waitForTimeout(100);
  }
  report.readout = await readout.textContent();
  await page.screenshot({ path: screenshot });
} catch (e) {
  report.error = String(e);
}
await browser.close();
console.log(JSON.stringify(report));
