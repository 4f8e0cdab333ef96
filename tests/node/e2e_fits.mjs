// A multi-extension FITS file in the viewer, as its owner: the information panel shows the keywords
// and the HDU shown, the "FITS header" disclosure shows the headers as text (a hostile card stays
// text: no element made from it, no dialog), the HDU select reprocesses to HDU 2, then HDU 1's
// plane 2; the upload form offers HDU/plane for a FITS file and shows the server's refusal next to
// the field, and a header-only HDU chosen at upload fails with a way to choose another.
// Usage: node e2e_fits.mjs BASE LOGIN PASSWORD DATASET_ID FITS_FILE ARTIFACTS
//   → one JSON line {"info", "header", "images_in_panel", "dialogs", "after_hdu", "after_plane", ...}
import fs from "node:fs";
import path from "node:path";
import { axeViolations, launchBrowser, signIn, viewerAtRest } from "./browser.mjs";

const [base, login, password, id, fitsFile, artifacts] = process.argv.slice(2);
fs.mkdirSync(artifacts, { recursive: true });
const report = { console_errors: [], dialogs: [] };
const browser = await launchBrowser();
const page = await (await browser.newContext({ viewport: { width: 1280, height: 1000 } })).newPage();
page.on("console", (m) => { if (m.type() === "error") report.console_errors.push(m.text()); });
page.on("pageerror", (e) => report.console_errors.push(String(e)));
page.on("dialog", (d) => { report.dialogs.push(d.message()); void d.dismiss(); });

const info = () => page.getByRole("complementary", { name: "Image information" });
const dataset = () => page.evaluate(async (id) => (await fetch(`/api/datasets/${id}`, { credentials: "same-origin" })).json(), id);
const viewerReady = () => page.waitForFunction(() => {
  const c = document.querySelector(".osd canvas");
  return c && c.width > 0 && !document.querySelector(".loading:not([hidden])");
}, null, { timeout: 30000 });
// Submits the choice and waits for the reprocessed pyramid to open with the wanted HDU and plane.
const show = async (hdu, plane) => {
  const before = (await dataset()).pyramid_version;
  await page.getByLabel("HDU", { exact: true }).selectOption(String(hdu));
  if (plane !== null) await page.locator("#fits-plane").fill(String(plane));
  await page.getByRole("button", { name: "Show" }).click();
  await page.waitForFunction(async ([id, before, hdu, plane]) => {
    const d = await (await fetch(`/api/datasets/${id}`, { credentials: "same-origin" })).json();
    return d.status === "completed" && d.pyramid_version > before && d.pyramid.fits.hdu === hdu && d.pyramid.fits.plane === plane;
  }, [id, before, hdu, plane ?? 0], { timeout: 60000, polling: 250 });
  // The viewer reopens on the new version by itself.
  await page.waitForFunction((v) => document.querySelector(".osd canvas") && document.querySelector("#fits-hdu")
    && [...document.querySelectorAll("aside dd")].some((dd) => dd.textContent.startsWith(`${v} ·`)), hdu, { timeout: 30000 });
  await viewerReady();
  const d = await dataset();
  // The size OpenSeadragon opened (the pyramid's), to compare with what the panel says.
  const dzi = await page.evaluate(async (url) => (await (await fetch(url, { credentials: "same-origin" })).text()), d.urls.dzi);
  const m = /Width="(\d+)" Height="(\d+)"/.exec(dzi);
  return { info: await info().innerText(), fits: { hdu: d.pyramid.fits.hdu, plane: d.pyramid.fits.plane }, stretch: d.stretch, version: d.pyramid_version,
    dzi_size: m ? [Number(m[1]), Number(m[2])] : null };
};

try {
  await signIn(page, base, login, password);

  await page.goto(`${base}/datasets/${id}`);
  await viewerReady();
  report.info = await info().innerText();
  report.options = await page.locator("#fits-hdu option").allTextContents();
  report.plane_field_visible = await page.locator("#fits-plane").isVisible();

  await page.getByText("FITS header", { exact: true }).click();
  await page.locator("pre.fits-header").first().waitFor({ timeout: 10000 });
  report.header = await page.locator("pre.fits-header").allTextContents();
  report.header_titles = await page.locator(".fits-headers h3").allTextContents();
  report.images_in_panel = await info().locator("img").count();
  report.images_src_x = await page.locator('img[src="x"]').count();
  report.scripts_ran = await page.evaluate(() => window.pwned ?? null);
  // The opened disclosure may resize the viewer: shot and audited once it is at rest and loaded.
  await viewerAtRest(page);
  await viewerReady();
  await page.screenshot({ path: path.join(artifacts, "fits-viewer.png"), fullPage: true });
  report.axe_viewer = await axeViolations(page);

  report.after_hdu = await show(2, null);
  report.plane_field_visible_hdu2 = await page.locator("#fits-plane").isVisible();
  await page.screenshot({ path: path.join(artifacts, "fits-viewer-hdu2.png"), fullPage: true });
  await page.getByLabel("HDU", { exact: true }).selectOption("1");
  report.plane_field_visible_hdu1 = await page.locator("#fits-plane").isVisible();
  report.after_plane = await show(1, 2);
  await page.screenshot({ path: path.join(artifacts, "fits-viewer-plane2.png"), fullPage: true });

  // The upload form: HDU/plane offered for a FITS name; the server's 400 shown next to the field.
  await page.goto(base + "/upload");
  report.upload_fields_before = await page.getByLabel("HDU", { exact: true }).isVisible();
  await page.locator("input[type=file]").setInputFiles(fitsFile);
  await page.locator("span.sniffed").waitFor({ timeout: 10000 }); // the header has been read
  report.upload_fields_after = await page.getByLabel("HDU", { exact: true }).isVisible();
  report.axe_upload = await axeViolations(page);
  await page.getByLabel("HDU", { exact: true }).fill("123456");
  await page.getByRole("button", { name: "Upload" }).click();
  await page.waitForFunction(() => document.querySelector("#hdu-error")?.textContent, null, { timeout: 15000 });
  report.upload_hdu_error = await page.locator("#hdu-error").textContent();
  await page.screenshot({ path: path.join(artifacts, "fits-upload-hdu-error.png"), fullPage: true });

  // HDU 0 (header only) goes up as tus metadata and fails as bad_hdu: the reason by the field, and
  // the dataset's page lets the owner try HDU 2 without uploading again.
  await page.getByLabel("HDU", { exact: true }).fill("0");
  await page.getByRole("button", { name: "Try again" }).click();
  await page.getByRole("link", { name: "Choose another HDU or plane" }).waitFor({ timeout: 60000 });
  report.upload_bad_hdu = await page.locator("#hdu-error").textContent();
  await page.getByRole("link", { name: "Choose another HDU or plane" }).click();
  await page.locator("#retry-hdu").waitFor({ timeout: 15000 });
  report.axe_retry = await axeViolations(page);
  report.retry_prefilled = await page.locator("#retry-hdu").inputValue();
  await page.locator("#retry-hdu").fill("2");
  await page.getByRole("button", { name: "Try again" }).click();
  await viewerReady();
  report.after_retry = await info().innerText();
  await page.screenshot({ path: path.join(artifacts, "fits-retry.png"), fullPage: true });

  // A phone's width: the 80-column headers scroll inside their box, the page does not scroll sideways.
  await page.setViewportSize({ width: 375, height: 800 });
  await page.goto(`${base}/datasets/${id}`);
  await viewerReady();
  await page.getByText("FITS header", { exact: true }).click();
  await page.locator("pre.fits-header").first().waitFor({ timeout: 10000 });
  report.phone_overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  await page.screenshot({ path: path.join(artifacts, "fits-viewer-phone.png"), fullPage: true });
} catch (e) {
  report.error = String(e);
  await page.screenshot({ path: path.join(artifacts, "fits-error.png"), fullPage: true }).catch(() => undefined);
}
await browser.close();
console.log(JSON.stringify(report));
