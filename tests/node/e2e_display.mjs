// The viewer's live display panel on a FITS image, in headless Chromium, as its owner: the panel shows
// the stored histogram; changing the stretch and then the colour map swaps the image for live tiles
// whose URLs carry the settings, and the pixels on the canvas change (grey, then coloured); a cut
// dragged on the histogram and a typed one go to the tiles too; the page's URL holds the settings
// and, opened again, shows the same display from the first tile; the value box reads the value under
// the pointer (compared by the Python test with the FITS file) and the pixel table the 5 × 5 around it;
// "Save as default" stores the settings, and a fresh visit opens with them.
// Usage: node e2e_display.mjs BASE LOGIN PASSWORD DATASET_ID ARTIFACTS → one JSON line
import fs from "node:fs";
import path from "node:path";
import { axeViolations, launchBrowser, signIn, viewerAtRest } from "./browser.mjs";

const [base, login, password, id, artifacts] = process.argv.slice(2);
fs.mkdirSync(artifacts, { recursive: true });
const report = { console_errors: [], steps: {} };
const browser = await launchBrowser();
const page = await (await browser.newContext({ viewport: { width: 1280, height: 1000 } })).newPage();
page.on("console", (m) => { if (m.type() === "error") report.console_errors.push(m.text()); });
page.on("pageerror", (e) => report.console_errors.push(String(e)));
const tiles = [];
page.on("request", (r) => {
  const u = r.url();
  if (u.includes("/live/") || /_files\/\d+\//.test(u)) tiles.push(u.slice(base.length));
});
const shot = (name) => page.screenshot({ path: path.join(artifacts, name), fullPage: true });
const viewerReady = () => page.waitForFunction(() => {
  const c = document.querySelector(".osd canvas");
  return c && c.width > 0 && !document.querySelector(".loading:not([hidden])");
}, null, { timeout: 30000 });
// A sample of the drawn image: RGB of a 24 × 16 grid over the main canvas.
const signature = () => page.evaluate(() => {
  const c = [...document.querySelectorAll(".osd canvas")].sort((a, b) => b.width * b.height - a.width * a.height)[0];
  const ctx = c.getContext("2d");
  const out = [];
  for (let j = 1; j < 16; j++)
    for (let i = 1; i < 24; i++) {
      const d = ctx.getImageData(Math.floor((i * c.width) / 24), Math.floor((j * c.height) / 16), 1, 1).data;
      out.push([d[0], d[1], d[2]]);
    }
  return out;
});
const differs = (a, b) => a.some((p, i) => p[0] !== b[i][0] || p[1] !== b[i][1] || p[2] !== b[i][2]);
const coloured = (s) => s.some(([r, g, b]) => r !== g || g !== b);
// Waits until the panel says the image with the current settings replaced the old one (every tile of
// the view loaded), then until the canvas shows something else than `before`.
const changedFrom = async (before) => {
  const want = await page.evaluate(() => {
    const q = new URLSearchParams(window.location.search);
    const out = new URLSearchParams();
    for (const k of ["stretch", "lo", "hi", "cmap"]) out.set(k, q.get(k) ?? "");
    return out.toString();
  });
  await page.waitForFunction((w) => document.querySelector(".display-panel")?.dataset.shown === w, want, { timeout: 30000 });
  await viewerReady();
  for (const until = Date.now() + 10000; Date.now() < until; await page.waitForTimeout(100)) {
    const now = await signature();
    if (differs(now, before)) return now;
  }
  throw new Error(`the canvas did not change (${want})`);
};
const panel = () => page.getByRole("region", { name: "Display", exact: true });
const liveSince = (n) => tiles.slice(n).filter((u) => u.includes("/live/"));

try {
  await signIn(page, base, login, password);

  await page.goto(`${base}/datasets/${id}`);
  await viewerReady();
  await panel().waitFor({ timeout: 15000 });
  report.steps.opened = {
    stretch: await page.locator("#display-stretch").inputValue(),
    lo: await page.locator("#display-lo").inputValue(),
    hi: await page.locator("#display-hi").inputValue(),
    preset: await page.locator("#display-preset").inputValue(),
    stretches: await page.locator("#display-stretch").evaluate((s) => [...s.options].map((o) => o.value)),
    presets: await page.locator("#display-preset").evaluate((s) => [...s.options].map((o) => o.value)),
    cmaps: await page.locator("#display-cmap").evaluate((s) => [...s.options].map((o) => o.value)),
    built_tiles: tiles.filter((u) => u.includes("_files/")).length,
    live_tiles: tiles.filter((u) => u.includes("/live/")).length,
    histogram_ink: await panel().locator("canvas").evaluate((c) => {
      const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
      return n;
    }),
  };
  const grey = await signature();
  await shot("display-01-opened.png");

  // Zoomed in first: a change of display must keep the view (centre and field in the URL).
  const viewOf = () => page.evaluate(() => {
    const q = new URLSearchParams(window.location.search);
    return ["x", "y", "fov", "rot"].map((k) => q.get(k)).join(" ");
  });
  // The view at rest (it was "the URL unchanged for 300 ms", a guess at a loaded machine's frame
  // rate); the URL takes the view at animation-finish (navigation_bar.ts).
  const steadyView = async () => {
    await viewerAtRest(page);
    return viewOf();
  };
  const home = await steadyView();
  await page.getByRole("button", { name: "Zoom in" }).click();
  await page.getByRole("button", { name: "Zoom in" }).click();
  await page.waitForFunction((h) => {
    const q = new URLSearchParams(window.location.search);
    return ["x", "y", "fov", "rot"].map((k) => q.get(k)).join(" ") !== h;
  }, home, { timeout: 10000 });
  report.steps.view_before = await steadyView();
  const zoomed = await signature();

  // Cuts min/max (live tiles from here on), then the stretch: log.
  await page.locator("#display-preset").selectOption("minmax");
  const minmax = await changedFrom(zoomed);
  let mark = tiles.length;
  await page.locator("#display-stretch").selectOption("log");
  const logged = await changedFrom(minmax);
  report.steps.view_after = await steadyView();
  report.steps.log = { tiles: liveSince(mark).slice(0, 5), count: liveSince(mark).length, changed: differs(logged, grey),
    coloured: coloured(logged), url: page.url() };
  await shot("display-02-log.png");

  // Colour map: viridis.
  mark = tiles.length;
  await page.locator("#display-cmap").selectOption("viridis");
  const viridis = await changedFrom(logged);
  report.steps.viridis = { tiles: liveSince(mark).slice(0, 5), count: liveSince(mark).length,
    changed: differs(viridis, logged), coloured: coloured(viridis), url: page.url() };
  await shot("display-03-viridis.png");

  // Inverted.
  mark = tiles.length;
  await page.locator("#display-invert").check();
  const inverted = await changedFrom(viridis);
  report.steps.inverted = { tiles: liveSince(mark).slice(0, 3), changed: differs(inverted, viridis) };

  // The high cut dragged on the histogram to its middle.
  mark = tiles.length;
  const box = await panel().locator("canvas").boundingBox();
  await page.mouse.move(box.x + box.width - 1, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.75, box.y + box.height / 2, { steps: 5 });
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
  const dragged = await changedFrom(inverted);
  report.steps.dragged = { hi: await page.locator("#display-hi").inputValue(), lo: await page.locator("#display-lo").inputValue(),
    // The last tiles: while the button was held, earlier cuts of the drag went to the tiles too.
    tiles: liveSince(mark).slice(-3), during: [...new Set(liveSince(mark).map((u) => new URL(u, base).searchParams.get("hi")))],
    changed: differs(dragged, inverted) };
  await shot("display-04-dragged.png");

  // A typed low cut (Enter applies it).
  mark = tiles.length;
  await page.locator("#display-lo").fill("1000");
  await page.locator("#display-lo").press("Enter");
  await changedFrom(dragged);
  report.steps.typed = { tiles: liveSince(mark).slice(0, 3), url: page.url() };

  // The value under the pointer: over the canvas, the readout says which pixel, the box its value.
  await page.locator(".osd").scrollIntoViewIfNeeded();
  const canvasBox = await page.locator(".osd").boundingBox();
  await page.mouse.move(canvasBox.x + canvasBox.width * 0.4, canvasBox.y + canvasBox.height * 0.45);
  await page.mouse.move(canvasBox.x + canvasBox.width * 0.42, canvasBox.y + canvasBox.height * 0.47, { steps: 4 });
  const cursor = await page.getByLabel("Pointer position").innerText();
  const at = /x (\d+), y (\d+)/.exec(cursor);
  if (!at) throw new Error(`the pointer readout says ${cursor}`);
  const [, cx, cy] = at;
  await page.waitForFunction(([x, y]) => document.querySelector("#pixel-value")?.textContent?.includes(`at x ${x}, y ${y}`),
    [cx, cy], { timeout: 15000 });
  report.steps.value = { cursor, x: Number(cx), y: Number(cy), text: await page.locator("#pixel-value").innerText(),
    value: await page.locator("#pixel-value").getAttribute("data-value") };
  await page.getByRole("button", { name: "Pixel table" }).click();
  const table = page.locator("table.pixel-table");
  await table.waitFor({ timeout: 15000 });
  report.steps.table = { caption: await table.locator("caption").innerText(),
    cells: await table.locator("td").evaluateAll((tds) => tds.map((td) => td.textContent)) };
  await shot("display-05-value-and-table.png");
  report.steps.a11y = await axeViolations(page);

  // The link holds the display: opened again, the first tiles are already live with these settings.
  const link = page.url();
  report.steps.link = link;
  mark = tiles.length;
  await page.goto(link);
  await viewerReady();
  await panel().waitFor();
  report.steps.reopened = { first_tiles: tiles.slice(mark, mark + 3), built_tiles: tiles.slice(mark).filter((u) => u.includes("_files/")).length,
    stretch: await page.locator("#display-stretch").inputValue(), cmap: await page.locator("#display-cmap").inputValue(),
    invert: await page.locator("#display-invert").isChecked(), lo: await page.locator("#display-lo").inputValue(),
    coloured: coloured(await signature()) };

  // Save as default; a visit without the settings in the URL opens with them.
  await panel().getByRole("button", { name: "Save as default" }).click();
  await panel().getByText("Saved").waitFor({ timeout: 15000 });
  report.steps.saved = await page.evaluate(async (id) => (await (await fetch(`/api/datasets/${id}`, { credentials: "same-origin" })).json()).stretch, id);
  mark = tiles.length;
  await page.goto(`${base}/datasets/${id}`);
  await viewerReady();
  await panel().waitFor();
  report.steps.default_opened = { first_tiles: tiles.slice(mark, mark + 3), stretch: await page.locator("#display-stretch").inputValue(),
    cmap: await page.locator("#display-cmap").inputValue() };
  await shot("display-06-default.png");
  report.ok = true;
} catch (e) {
  report.ok = false;
  report.error = String(e);
  await shot("display-failure.png").catch(() => undefined);
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
