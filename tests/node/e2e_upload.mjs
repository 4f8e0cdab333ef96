// The upload page under real conditions in headless Chromium: a throttled connection, pause and
// resume, a page reload in the middle (the upload resumes from the server's offset when the same
// file is chosen again), then processing until the viewer opens; and a file that is not an image
// gets the server's clear message. Usage: node e2e_upload.mjs BASE LOGIN PASSWORD IMAGE NOT_IMAGE ARTIFACTS
import fs from "node:fs";
import path from "node:path";
import { launchBrowser, signIn } from "./browser.mjs";

const [base, login, password, image, notImage, artifacts] = process.argv.slice(2);
fs.mkdirSync(artifacts, { recursive: true });
const report = { console_errors: [], offsets: [] };
const browser = await launchBrowser();
const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
page.on("console", (m) => { if (m.type() === "error") report.console_errors.push(m.text()); });
page.on("pageerror", (e) => report.console_errors.push(String(e)));
const percent = async () => Number((await page.locator("[role=progressbar]").first().getAttribute("aria-valuenow")) ?? 0);
try {
  await signIn(page, base, login, password);

  // About 1 MB/s up: the upload takes several seconds, long enough to pause and to reload.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions",
    { offline: false, latency: 5, downloadThroughput: 50e6, uploadThroughput: 1e6 });

  await page.goto(base + "/upload");
  await page.locator("input[type=file]").setInputFiles(image);
  await page.getByLabel("Name").fill("Resumed upload");
  await page.getByRole("button", { name: "Upload" }).click();
  await page.waitForFunction(() => Number(document.querySelector("[role=progressbar]")?.getAttribute("aria-valuenow") ?? 0) >= 15, null, { timeout: 30000 });
  await page.getByRole("button", { name: "Pause" }).click();
  report.paused_at = await percent();
  await page.waitForTimeout(1500); // what is tested: no progress while this time passes (not synchronisation)
  report.after_pause = await percent();
  await page.screenshot({ path: path.join(artifacts, "01-paused.png") });
  await page.getByRole("button", { name: "Resume" }).click();
  await page.waitForFunction((p) => Number(document.querySelector("[role=progressbar]")?.getAttribute("aria-valuenow") ?? 0) >= p + 10,
    report.paused_at, { timeout: 30000 });

  // Reload in the middle: the same file chosen again resumes where the server is.
  await page.reload();
  await page.locator("input[type=file]").setInputFiles(image);
  await page.getByLabel("Name").fill("Resumed upload");
  await cdp.send("Network.emulateNetworkConditions",
    { offline: false, latency: 5, downloadThroughput: 50e6, uploadThroughput: 20e6 });
  await page.getByRole("button", { name: "Upload" }).click();
  await page.getByText("Resuming your earlier upload of this file.").waitFor({ timeout: 15000 });
  report.resumed = true;
  await page.screenshot({ path: path.join(artifacts, "02-resumed.png") });
  await page.waitForURL(/\/datasets\/[0-9a-f]{32}(\?.*)?$/, { timeout: 90000 });
  report.viewer = new URL(page.url()).pathname;
  await page.screenshot({ path: path.join(artifacts, "03-viewer.png") });

  // Not an image: stopped from its first bytes, before anything is sent; the Upload button stays off.
  await page.goto(base + "/upload");
  await page.locator("input[type=file]").setInputFiles(notImage);
  const box = page.locator("p.sniffed.error");
  await box.waitFor({ timeout: 30000 });
  report.unsupported_message = (await box.innerText()).replace(/\s+/g, " ");
  report.upload_disabled = await page.getByRole("button", { name: "Upload" }).isDisabled();
  // An image: what the header says is shown beside the file name.
  await page.locator("input[type=file]").setInputFiles(image);
  await page.locator("span.sniffed").waitFor({ timeout: 10000 });
  report.sniffed = await page.locator("span.sniffed").innerText();
  report.upload_enabled_again = await page.getByRole("button", { name: "Upload" }).isEnabled();
  await page.screenshot({ path: path.join(artifacts, "04-unsupported.png") });
  report.ok = true;
} catch (e) {
  report.ok = false;
  report.error = String(e);
  await page.screenshot({ path: path.join(artifacts, "failure.png") }).catch(() => undefined);
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
