// A long session in headless Chromium against a server whose access tokens live one minute: one tab
// keeps a private image open in the viewer while another uploads a file of more than one tus chunk
// over a throttled connection (about three minutes). The session is renewed on time while the tabs
// run; midway their renewal timers sleep (as in a sleeping laptop) until the upload's next request
// meets the expired token, renews and resumes. The upload must finish without a byte resent from the
// start, the viewer must still get its tiles, and nobody may land on /login.
// Usage: node e2e_session.mjs BASE LOGIN PASSWORD PRIVATE_DATASET_ID IMAGE BYTES_PER_S ARTIFACTS
import fs from "node:fs";
import path from "node:path";
import { launchBrowser, signIn, viewerAtRest } from "./browser.mjs";

const [base, login, password, privateId, image, rate, artifacts] = process.argv.slice(2);
fs.mkdirSync(artifacts, { recursive: true });
const report = { console_errors: [], refreshes: [], status_401: [], logins: [], tiles_after_wake: [] };
const browser = await launchBrowser();
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const t0 = Date.now();
const at = () => Math.round((Date.now() - t0) / 1000);
context.on("response", (r) => {
  const u = new URL(r.url());
  if (u.pathname === "/api/auth/refresh") report.refreshes.push({ t: at(), status: r.status() });
  if (r.status() === 401) report.status_401.push({ t: at(), method: r.request().method(), path: u.pathname });
});
let signedIn = false;
context.on("framenavigated", (f) => {
  if (signedIn && new URL(f.url()).pathname === "/login") report.logins.push({ t: at(), url: f.url() });
});
const watch = (page, name) => {
  page.on("console", (m) => { if (m.type() === "error") report.console_errors.push(`${name}: ${m.text()}`); });
  page.on("pageerror", (e) => report.console_errors.push(`${name}: ${e}`));
};
const uploader = await context.newPage();
watch(uploader, "upload");
let viewer = null;
try {
  await signIn(uploader, base, login, password);
  report.signed_in_at = at();
  signedIn = true;

  // The viewer tab, open on a private image the whole time.
  viewer = await context.newPage();
  watch(viewer, "viewer");
  await viewer.goto(`${base}/datasets/${privateId}`);
  await viewer.waitForFunction(() => {
    const c = document.querySelector(".osd canvas");
    return c && c.width > 0 && !document.querySelector(".loading:not([hidden])");
  }, null, { timeout: 30000 });

  const cdp = await context.newCDPSession(uploader);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions",
    { offline: false, latency: 5, downloadThroughput: 50e6, uploadThroughput: Number(rate) });
  await uploader.goto(base + "/upload");
  await uploader.locator("input[type=file]").setInputFiles(image);
  await uploader.getByLabel("Name").fill("Long upload");
  await uploader.getByRole("button", { name: "Upload" }).click();
  report.upload_started_at = at();

  // Then the tabs' timers sleep: no renewal is made while the token runs out. (Chromium's own
  // freeze, Page.setWebLifecycleState "frozen", did not pause the timers of these headless tabs: the
  // renewals went on at 45 s intervals.) The renewal timers find the stored expiry an hour away, as a
  // tab's stale view would be after a sleep, so the first 64 MiB chunk ends with an expired token and
  // the next request of the upload must renew and resume by itself.
  const size = fs.statSync(image).size;
  const sleepAt = 52;
  await uploader.waitForFunction((p) =>
    Number(document.querySelector("[role=progressbar]")?.getAttribute("aria-valuenow") ?? 0) >= p,
  sleepAt, { timeout: 300000 });
  await uploader.screenshot({ path: path.join(artifacts, "01-uploading.png") });
  report.asleep = { at: at(), percent: sleepAt, chunk_ends_at_percent: Math.floor(((64 * 1024 * 1024) / size) * 100) };
  await uploader.evaluate(() => {
    const t = JSON.parse(localStorage.getItem("astropixel.session") ?? "null");
    if (t) localStorage.setItem("astropixel.session", JSON.stringify({ issuedAt: t.issuedAt, expiresAt: Date.now() + 3600e3 }));
  });
  // Awake again once the upload has met the expired token and renewed (its 401, then a refresh).
  const deadline = Date.now() + 240000;
  while (!report.status_401.some((x) => x.path.startsWith("/api/uploads")) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
  }
  report.woke_at = at();

  // The viewer, awake: zooming in needs new tiles of the private image.
  await viewer.bringToFront();
  const tiles = [];
  viewer.on("response", (r) => {
    if (/\/api\/(datasets|tiles)\/.+\.(jpe?g|png|webp)$/.test(new URL(r.url()).pathname)) tiles.push(r.status());
  });
  await viewer.waitForFunction(() => document.visibilityState === "visible", null, { timeout: 30000 });
  await viewerAtRest(viewer);
  const box = await viewer.locator(".osd").boundingBox();
  await viewer.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  for (let i = 0; i < 6; i++) {
    await viewer.mouse.wheel(0, -400);
    await viewerAtRest(viewer);
  }
  // Every tile response has been reported by the time the loading indicator hides.
  await viewer.waitForFunction(() => !document.querySelector(".loading:not([hidden])"), null, { timeout: 30000 });
  report.tiles_after_wake = tiles;
  await viewer.screenshot({ path: path.join(artifacts, "02-viewer-after-sleep.png") });

  await uploader.bringToFront();
  await uploader.waitForURL(/\/datasets\/[0-9a-f]{32}(\?.*)?$/, { timeout: 120000 });
  report.upload_done_at = at();
  report.uploaded_dataset = new URL(uploader.url()).pathname.split("/").pop();
  await uploader.screenshot({ path: path.join(artifacts, "03-uploaded-viewer.png") });
  report.ok = true;
} catch (e) {
  report.ok = false;
  report.error = String(e);
  await uploader.screenshot({ path: path.join(artifacts, "failure.png") }).catch(() => undefined);
} finally {
  report.elapsed_s = at();
  await browser.close();
}
console.log(JSON.stringify(report));
