// Compare's stacked modes in real Chromium, as a guest on two public images: overlay with the second
// image placed through both WCS (the stars of both canvases are located and reported), blink
// alternating the images, and swipe clipping the top one at the divider.
// Usage: node e2e_compare.mjs BASE A_ID B_ID ARTIFACTS_DIR
//   → one JSON line {"note", "aligned", "stars": {"a", "b"}, "blink", "swipe", "console_errors"}
import { launchBrowser } from "./browser.mjs";

const [base, a, b, artifacts] = process.argv.slice(2);
const browser = await launchBrowser();
const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
const report = { console_errors: [] };
page.on("console", (m) => { if (m.type() === "error") report.console_errors.push(m.text()); });

// Centroids of the bright blobs of a viewer's canvas, in CSS pixels of the stack.
const stars = (index) => page.evaluate((i) => {
  const v = window.__astropixelViewers[i];
  const c = v.drawer.canvas;
  const data = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  const scale = c.width / c.getBoundingClientRect().width;
  const blobs = [];
  for (let y = 0; y < c.height; y += 1) {
    for (let x = 0; x < c.width; x += 1) {
      const k = (y * c.width + x) * 4;
      const w = data[k];
      if (w < 128 || data[k + 3] === 0) continue;
      let blob = blobs.find((s) => Math.hypot(s.sx / s.n - x, s.sy / s.n - y) < 25);
      if (!blob) blobs.push((blob = { sx: 0, sy: 0, n: 0, w: 0 }));
      blob.sx += x * w; blob.sy += y * w; blob.n += w; blob.w += 1;
    }
  }
  return blobs.filter((s) => s.w >= 4).map((s) => [s.sx / s.n / scale, s.sy / s.n / scale, s.w]);
}, index);

const painted = () => page.waitForFunction(() => {
  const vs = window.__astropixelViewers;
  return vs && vs.length === 2 && vs.every((v) => v.world.getItemAt(0)?.getFullyLoaded?.()) &&
    document.querySelector(".compare-alignment")?.textContent;
}, null, { timeout: 30000 });

// Both viewports at rest (every spring at its target), and, when `before` is given, the view has moved
// from those zooms: what a fixed pause after a wheel turn only hoped for on a loaded machine.
const settled = (before = null) => page.waitForFunction((before) => {
  const vs = window.__astropixelViewers;
  const still = vs.every((v) => v.viewport.getZoom(true) === v.viewport.getZoom(false) &&
    v.viewport.getCenter(true).equals(v.viewport.getCenter(false)) &&
    v.viewport.getRotation(true) === v.viewport.getRotation(false));
  return still && (before === null || vs.some((v, i) => v.viewport.getZoom(false) !== before[i]));
}, before, { timeout: 30000 });

try {
  await page.goto(`${base}/compare?a=${a}&b=${b}&mode=overlay`);
  await painted();
  await settled();
  report.note = await page.locator(".compare-alignment").innerText();
  report.aligned = await page.locator(".compare-alignment").getAttribute("data-aligned");
  report.stars = { a: await stars(0), b: await stars(1) };
  await page.getByLabel(/Opacity of/).fill("0.5");
  await page.screenshot({ path: `${artifacts}/compare-overlay.png` });

  await page.getByRole("button", { name: "Blink" }).click();
  await painted();
  const seen = new Set();
  const opacities = new Set();
  for (let i = 0; i < 30 && (seen.size < 2 || opacities.size < 2); i += 1) {
    seen.add(await page.getByLabel("Image shown").innerText());
    opacities.add(await page.evaluate(() => getComputedStyle(document.querySelector(".compare-top")).opacity));
    await page.waitForTimeout(200);
  }
  report.blink = { names: [...seen], opacities: [...opacities].sort() };

  await page.getByRole("button", { name: "Swipe" }).click();
  await painted();
  await page.getByLabel("Swipe position (%)").fill("30");
  report.swipe = {
    clip: await page.evaluate(() => getComputedStyle(document.querySelector(".compare-top")).clipPath),
    divider: await page.evaluate(() => document.querySelector(".swipe-divider").style.left),
  };
  // The pointer left of the divider reaches the bottom viewer, right of it the top one: both move.
  const box = await page.locator(".compare-stack").boundingBox();
  const zooms = () => page.evaluate(() => window.__astropixelViewers.map((v) => v.viewport.getZoom()));
  const before = await zooms();
  report.swipe.home = await page.evaluate(() => window.__astropixelViewers[0].viewport.getHomeZoom());
  await page.mouse.move(box.x + box.width * 0.15, box.y + box.height / 2);
  await page.mouse.wheel(0, -300);
  await settled(before);
  const left = await zooms();
  await page.mouse.move(box.x + box.width * 0.85, box.y + box.height / 2);
  await page.mouse.wheel(0, -300);
  await settled(left);
  report.swipe.zooms = [before, left, await zooms()];
  await page.screenshot({ path: `${artifacts}/compare-swipe.png` });
} catch (e) {
  report.error = String(e);
}
await browser.close();
console.log(JSON.stringify(report));
