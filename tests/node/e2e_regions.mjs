// The viewer's region exchange in real Chromium: a signed-in reader imports a DS9 region file through
// the file picker, sees what was imported and what was skipped (line by line), the shapes appear in
// the annotation list, and an export as DS9 regions in FK5 sexagesimal downloads a file.
// Usage: node e2e_regions.mjs BASE LOGIN PASSWORD DATASET_ID REGION_FILE DOWNLOAD_PATH
//   → one JSON line {"summary", "skipped", "items", "export_options", "download_name", "console_errors"}
import { launchBrowser, signIn } from "./browser.mjs";

const [base, login, password, id, regionFile, downloadPath] = process.argv.slice(2);
const browser = await launchBrowser();
const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
const page = await context.newPage();
const report = { console_errors: [] };
page.on("console", (m) => { if (m.type() === "error") report.console_errors.push(m.text()); });
try {
  await signIn(page, base, login, password);
  await page.goto(`${base}/datasets/${id}`);
  const group = page.getByRole("group", { name: "Import and export annotations" });
  await group.waitFor({ timeout: 30000 });

  await group.getByLabel("Region file to import").setInputFiles(regionFile);
  await group.getByRole("button", { name: "Import", exact: true }).click();
  await group.locator(".import-summary").waitFor({ timeout: 15000 });
  report.summary = await group.locator(".import-summary").innerText();
  report.skipped = await group.locator("details.import-skipped li").allInnerTexts();
  report.notes = await group.locator("details.import-notes li").allInnerTexts();
  await page.locator(".annotation-item").first().waitFor({ timeout: 10000 });
  report.items = await page.locator(".annotation-item").count();
  report.sky = await page.locator(".annotation-item").allInnerTexts();

  const format = group.getByLabel("Export format");
  await format.selectOption("ds9");
  report.export_options = await group.getByLabel("Export coordinates").locator("option").allTextContents();
  await group.getByLabel("Export coordinates").selectOption("fk5");
  await group.getByLabel("Sexagesimal coordinates").check();
  const [download] = await Promise.all([
    page.waitForEvent("download", { timeout: 15000 }),
    group.getByRole("button", { name: "Export", exact: true }).click(),
  ]);
  report.download_name = download.suggestedFilename();
  await download.saveAs(downloadPath);
} catch (e) {
  report.error = String(e);
}
await browser.close();
console.log(JSON.stringify(report));
