// The viewer's Download menu in real Chromium: the owner of a private dataset signs in, opens the
// viewer, opens Download and takes "Original file"; the browser's download (Playwright's download
// event) is saved and its name and path reported, for the Python test to compare with the upload.
// Usage: node e2e_download.mjs BASE LOGIN PASSWORD DATASET_ID OUT_DIR
//   → one JSON line {"suggested", "path", "console_errors"} or {"error"}
import path from "node:path";
import { launchBrowser, signIn } from "./browser.mjs";

const [base, login, password, id, outDir] = process.argv.slice(2);
const browser = await launchBrowser();
const report = { console_errors: [] };
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  page.on("console", (m) => { if (m.type() === "error") report.console_errors.push(m.text()); });
  await signIn(page, base, login, password);
  await page.goto(`${base}/datasets/${id}`);
  await page.locator(".viewer-layout").waitFor();
  const menu = page.locator("details.download-menu");
  await menu.locator("summary").click();
  const [download] = await Promise.all([
    page.waitForEvent("download", { timeout: 30000 }),
    menu.locator('a[data-download="original"]').click(),
  ]);
  report.suggested = download.suggestedFilename();
  report.failure = await download.failure();
  report.path = path.join(outDir, "original.bin");
  await download.saveAs(report.path);
} catch (e) {
  report.error = String(e && e.stack || e);
}
console.log(JSON.stringify(report));
await browser.close();
