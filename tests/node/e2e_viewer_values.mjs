// Issue #15 point 2 for colour images and the display panel of old pyramids, in headless Chromium, as
// the owner:
// - colour datasets (each id in COLOUR_IDS): the Values panel's box reads each band of the pixel under
//   the pointer and the pixel table the 5 × 5 around it (the Python test compares them with the
//   uploaded image);
// - OLD_ID, a FITS dataset whose pack has no stored statistics: the Display panel appears, and a cut
//   dragged on its histogram reaches the image while the button is still held down.
// Usage: node e2e_viewer_values.mjs BASE LOGIN PASSWORD COLOUR_IDS(comma-separated) OLD_ID ARTIFACTS → one JSON line
import fs from "node:fs";
import path from "node:path";
import { launchBrowser, signIn } from "./browser.mjs";

const [base, login, password, colourIds, oldId, artifacts] = process.argv.slice(2);
fs.mkdirSync(artifacts, { recursive: true });
const report = { console_errors: [], steps: {} };
const browser = await launchBrowser();
const page = await (await browser.newContext({ viewport: { width: 1280, height: 1000 } })).newPage();
page.on("console", (m) => { if (m.type() === "error") report.console_errors.push(m.text()); });
page.on("pageerror", (e) => report.console_errors.push(String(e)));
const live = [];
page.on("request", (r) => { if (r.url().includes("/live/")) live.push(r.url().slice(base.length)); });
const shot = (name) => page.screenshot({ path: path.join(artifacts, name), fullPage: true });
const viewerReady = () => page.waitForFunction(() => {
  const c = document.querySelector(".osd canvas");
  return c && c.width > 0 && !document.querySelector(".loading:not([hidden])");
}, null, { timeout: 30000 });

// Moves the pointer over the image and waits until the value box speaks of the pixel the position
// readout names; returns both and the 5 × 5 table's cells.
const readValues = async (fx, fy) => {
  const box = await page.locator(".osd").boundingBox();
  await page.mouse.move(box.x + box.width * fx, box.y + box.height * fy);
  await page.mouse.move(box.x + box.width * (fx + 0.01), box.y + box.height * (fy + 0.01), { steps: 3 });
  const cursor = await page.getByLabel("Pointer position").innerText();
  const at = /x (\d+), y (\d+)/.exec(cursor);
  if (!at) throw new Error(`the pointer readout says ${cursor}`);
  const [, x, y] = at;
  await page.waitForFunction(([x, y]) => document.querySelector("#pixel-value")?.textContent?.includes(`at x ${x}, y ${y}`),
    [x, y], { timeout: 15000 });
  const out = { x: Number(x), y: Number(y), text: await page.locator("#pixel-value").innerText(),
    value: await page.locator("#pixel-value").getAttribute("data-value") };
  await page.getByRole("button", { name: "Pixel table" }).click();
  const table = page.locator("table.pixel-table");
  await table.waitFor({ timeout: 15000 });
  out.caption = await table.locator("caption").innerText();
  // Each cell's bands, one per line.
  out.cells = await table.locator("td").evaluateAll((tds) => tds.map((td) => td.innerText.split("\n")));
  return out;
};

try {
  await signIn(page, base, login, password);

  report.steps.colour = [];
  for (const [i, id] of colourIds.split(",").entries()) {
    await page.goto(`${base}/datasets/${id}`);
    await viewerReady();
    await page.getByRole("region", { name: "Values", exact: true }).waitFor({ timeout: 15000 });
    const read = await readValues(0.45, 0.4);
    read.id = id;
    report.steps.colour.push(read);
    await page.locator(".values-panel").scrollIntoViewIfNeeded();
    await shot(`values-0${i + 1}-colour.png`);
  }

  // A pyramid without stored statistics still gets its display panel.
  await page.goto(`${base}/datasets/${oldId}`);
  await viewerReady();
  const panel = page.getByRole("region", { name: "Display", exact: true });
  await panel.waitFor({ timeout: 15000 });
  report.steps.old = { hi: await page.locator("#display-hi").inputValue(), range: await panel.locator("p.muted").first().innerText() };
  // The high cut dragged and held: the image follows before the button is released.
  await panel.locator("canvas").scrollIntoViewIfNeeded();
  const hist = await panel.locator("canvas").boundingBox();
  await page.mouse.move(hist.x + hist.width - 1, hist.y + hist.height / 2);
  await page.mouse.down();
  await page.mouse.move(hist.x + hist.width * 0.8, hist.y + hist.height / 2, { steps: 4 });
  await page.mouse.move(hist.x + hist.width * 0.6, hist.y + hist.height / 2, { steps: 4 });
  const held = await page.locator("#display-hi").inputValue();
  // Observable: the panel marks the settings on screen once every tile of the view has them.
  await page.waitForFunction((hi) => new URLSearchParams(document.querySelector(".display-panel")?.dataset.shown ?? "").get("hi") === hi,
    held, { timeout: 15000 });
  report.steps.drag = { held, live_while_held: live.filter((u) => u.includes(`hi=${encodeURIComponent(held)}`) || u.includes(`hi=${held}`)).length,
    url_hi: new URL(page.url()).searchParams.get("hi") };
  await shot("values-03-old-pyramid-dragging.png");
  await page.mouse.up();
  report.ok = true;
} catch (e) {
  report.ok = false;
  report.error = String(e);
  report.debug = await page.evaluate(() => ({ shown: document.querySelector(".display-panel")?.dataset.shown ?? null,
    url: window.location.search, hi: document.querySelector("#display-hi")?.value })).catch(() => null);
  report.live = live.slice(-5);
  await shot("values-failure.png").catch(() => undefined);
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
