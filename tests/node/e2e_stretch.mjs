// The owner's stretch and cuts on the dataset page of a 16-bit image, in headless Chromium: half-given
// cuts are refused next to the field, a reprocess with asinh and cuts shows its progress while the
// current version keeps serving tiles (builds slowed by the test route), and the viewer reopens on the
// new version with the stretch in the information panel. The upload form offers the stretch too.
// Usage: node e2e_stretch.mjs BASE LOGIN PASSWORD DATASET_ID ARTIFACTS
import fs from "node:fs";
import path from "node:path";
import { launchBrowser, signIn } from "./browser.mjs";

const [base, login, password, id, artifacts] = process.argv.slice(2);
fs.mkdirSync(artifacts, { recursive: true });
const report = { console_errors: [], tiles_during_build: [] };
const browser = await launchBrowser();
const page = await (await browser.newContext({ viewport: { width: 1280, height: 1100 } })).newPage();
page.on("console", (m) => { if (m.type() === "error") report.console_errors.push(m.text()); });
page.on("pageerror", (e) => report.console_errors.push(String(e)));
const dataset = () => page.evaluate(async (id) => (await fetch(`/api/datasets/${id}`, { credentials: "same-origin" })).json(), id);
const viewerReady = () => page.waitForFunction(() => {
  const c = document.querySelector(".osd canvas");
  return c && c.width > 0 && !document.querySelector(".loading:not([hidden])");
}, null, { timeout: 30000 });
try {
  await signIn(page, base, login, password);

  await page.goto(`${base}/datasets/${id}`);
  await viewerReady();
  const form = page.getByRole("form", { name: "Stretch and cuts" });
  report.offered = await form.getByLabel("Stretch").evaluate((s) => [...s.options].map((o) => o.value));
  report.selected = await form.getByLabel("Stretch").inputValue();
  // One cut only: refused here, nothing sent.
  await form.getByLabel("Low cut (black)").fill("100");
  await form.getByRole("button", { name: "Reprocess" }).click();
  report.half_cuts_error = await page.locator("#cuts-hi-error").innerText();
  const before = await dataset();
  report.version_before = before.pyramid_version;

  await form.getByLabel("Stretch").selectOption("asinh");
  await form.getByLabel("High cut (white)").fill("60000");
  await form.getByRole("button", { name: "Reprocess" }).click();
  await form.getByRole("progressbar").waitFor({ timeout: 15000 });
  await page.waitForFunction(() => /processing · \d+%/.test(document.querySelector(".reprocess-status")?.textContent ?? ""), null, { timeout: 30000 });
  report.progress_text = await page.locator(".reprocess-status").innerText();
  await page.screenshot({ path: path.join(artifacts, "01-reprocessing.png") });
  // Meanwhile the current version serves: its descriptor and a tile, as the open viewer asks them.
  report.tiles_during_build = await page.evaluate(async (dzi) => {
    const r = await fetch(dzi, { credentials: "same-origin" });
    const format = /Format="(\w+)"/.exec(await r.text())?.[1] ?? "jpg";
    const tile = await fetch(dzi.replace(/\.dzi(\?.*)?$/, `_files/0/0_0.${format}`), { credentials: "same-origin" });
    return [r.status, tile.status, tile.headers.get("Content-Type")];
  }, before.urls.dzi);
  report.still_building = (await dataset()).status;

  // Done: the viewer reopens on the new version.
  for (const until = Date.now() + 120000; ; await page.waitForTimeout(500)) {
    const d = await dataset();
    if (d.status === "completed" && d.pyramid_version !== before.pyramid_version) break;
    if (Date.now() > until) throw new Error(`not rebuilt: ${JSON.stringify(d)}`);
  }
  await page.locator(".reprocess-status").getByText("Done.").waitFor({ timeout: 30000 }).catch(() => undefined);
  await page.getByRole("form", { name: "Stretch and cuts" }).getByLabel("Stretch").waitFor({ timeout: 30000 });
  await viewerReady();
  const after = await dataset();
  report.version_after = after.pyramid_version;
  report.stretch_after = after.stretch;
  report.form_after = await page.getByRole("form", { name: "Stretch and cuts" }).getByLabel("Stretch").inputValue();
  report.cuts_after = [await page.locator("#cuts-lo").inputValue(), await page.locator("#cuts-hi").inputValue()];
  await page.screenshot({ path: path.join(artifacts, "02-reprocessed.png") });

  await page.goto(base + "/upload");
  report.upload_offers = await page.getByLabel("Stretch").evaluate((s) => [...s.options].map((o) => o.value));
  report.ok = true;
} catch (e) {
  report.ok = false;
  report.error = String(e);
  await page.screenshot({ path: path.join(artifacts, "failure.png") }).catch(() => undefined);
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
