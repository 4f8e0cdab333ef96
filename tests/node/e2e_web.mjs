// The web app end to end in headless Chromium, as a person would use it: sign up, open the demo
// dataset, upload an image through the page, watch it process, see tiles painted, lose the session
// and come back through /login?redirect=, sign out. Screenshots of each step go to ARTIFACTS.
// Usage: node e2e_web.mjs BASE_URL IMAGE_PATH ARTIFACTS_DIR
import fs from "node:fs";
import path from "node:path";
import { request } from "playwright-core";
import { launchBrowser } from "./browser.mjs";

const [base, image, artifacts] = process.argv.slice(2);
fs.mkdirSync(artifacts, { recursive: true });
const report = { steps: [], console_errors: [], failed_requests: [] };
const browser = await launchBrowser();
const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
page.on("console", (m) => { if (m.type() === "error") report.console_errors.push(m.text()); });
page.on("pageerror", (e) => report.console_errors.push(String(e)));
page.on("response", (r) => {
  // 401s are expected exactly once, in the session-loss step.
  if (r.status() >= 500 || (r.status() >= 400 && r.status() !== 401)) report.failed_requests.push(`${r.status()} ${r.url()}`);
});
let n = 0;
const step = async (name, fn) => {
  const t0 = Date.now();
  await fn();
  n += 1;
  await page.screenshot({ path: path.join(artifacts, `${String(n).padStart(2, "0")}-${name}.png`) });
  report.steps.push({ name, ms: Date.now() - t0 });
};
const tilesPainted = () => page.waitForFunction(() => {
  const c = document.querySelector(".osd canvas");
  return c && c.width > 0 && !document.querySelector(".loading:not([hidden])");
}, null, { timeout: 30000 });

try {
  const user = `e2e_${Date.now() % 1e8}`;
  await step("landing", async () => {
    await page.goto(base + "/");
    await page.getByRole("heading", { level: 1 }).waitFor();
  });
  await step("signup", async () => {
    await page.getByRole("link", { name: "Sign up" }).first().click();
    await page.getByLabel("Email").fill(`${user}@example.org`);
    await page.getByLabel("Username").fill(user);
    await page.getByLabel("Password").fill("correct horse battery");
    await page.getByRole("button", { name: "Sign up" }).click();
    await page.waitForURL("**/datasets");
    await page.getByText(user).waitFor();
  });
  await step("demo-viewer", async () => {
    await page.locator("article.dataset h3 a").first().click();
    await page.waitForURL(/\/datasets\/[0-9a-f]{32}(\?.*)?$/);
    await tilesPainted();
  });
  let viewerUrl = "";
  await step("upload", async () => {
    await page.getByRole("link", { name: "Upload", exact: true }).first().click();
    await page.locator("input[type=file]").setInputFiles(image);
    await page.getByLabel("Name").fill("My <img src=x onerror=alert(1)> nebula");
    await page.getByLabel("Category").selectOption("space");
    await page.getByRole("button", { name: "Upload" }).click();
    await page.waitForURL(/\/datasets\/[0-9a-f]{32}(\?.*)?$/, { timeout: 60000 });
    viewerUrl = page.url().split("?")[0]; // the view (?x=…) joins the address as it settles
    await tilesPainted();
    // The hostile name renders as text.
    await page.getByRole("heading", { name: "My <img src=x onerror=alert(1)> nebula" }).waitFor();
    report.injected_img = await page.locator("h1 img").count();
    report.info_text = await page.getByRole("complementary", { name: "Image information" }).innerText();
    // The readout follows pointer moves, and the first ones may come before the image is open.
    const canvas = await page.locator(".osd canvas").first().boundingBox();
    const readout = page.getByLabel("Pointer position");
    for (let i = 0; i < 100; i += 1) {
      await page.mouse.move(canvas.x + canvas.width / 2 + (i % 2), canvas.y + canvas.height / 2);
      if (/EPSG/.test((await readout.textContent()) ?? "")) break;
      await page.waitForTimeout(100);
    }
    report.readout = await readout.textContent();
  });
  await step("annotate", async () => {
    await page.getByRole("button", { name: "Rectangle" }).click();
    const box = await page.locator(".annotation-overlay").boundingBox();
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.3);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.55, { steps: 6 });
    await page.mouse.up();
    await page.getByLabel("Label for the new rectangle").fill("Orion <script>alert(1)</script>");
    await page.getByRole("button", { name: "Save annotation" }).click();
    await page.locator(".annotation-item", { hasText: "Orion <script>" }).waitFor();
    // Still there after a reload, drawn on the image with its label as text.
    await page.reload();
    await tilesPainted();
    await page.locator(".annotation-item", { hasText: "Orion <script>" }).waitFor();
    await page.waitForFunction(() => [...document.querySelectorAll(".annotation-overlay text")].some((t) => t.textContent === "Orion <script>alert(1)</script>"));
    report.annotation_scripts = await page.locator(".annotation-overlay script, .annotation-list script").count();
    // Regions out for DS9: this image has no celestial WCS, so pixels are the only frame offered.
    const exchange = page.getByRole("group", { name: "Import and export annotations" });
    await exchange.getByLabel("Export format").selectOption("ds9");
    report.ds9_systems = await exchange.getByLabel("Export coordinates").locator("option").allTextContents();
    const [ds9] = await Promise.all([page.waitForEvent("download"), exchange.getByRole("button", { name: "Export", exact: true }).click()]);
    report.ds9_text = fs.readFileSync(await ds9.path(), "utf8");
  });
  await step("export-png", async () => {
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export the view as PNG" }).click()]);
    const file = await download.path();
    const bytes = fs.readFileSync(file);
    report.export_name = download.suggestedFilename();
    report.export_png = bytes.subarray(1, 4).toString() === "PNG";
    report.export_size = [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
    report.canvas_size = await page.evaluate(() => { const c = document.querySelector(".osd canvas"); return [c.width, c.height]; });
  });
  await step("export-image", async () => {
    await page.getByLabel("Width of the exported image").selectOption("1024");
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export image" }).click()]);
    const bytes = fs.readFileSync(await download.path());
    report.image_export_name = download.suggestedFilename();
    report.image_export_size = [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
  });
  await step("compare", async () => {
    const mine = viewerUrl.split("/").pop();
    await page.goto(base + "/datasets?mine=false");
    const demo = await page.locator("article.dataset", { hasText: "Demo" }).getAttribute("data-id");
    await page.goto(`${base}/compare?a=${demo}&b=${mine}`);
    await page.waitForFunction(() => [...document.querySelectorAll(".compare-pane canvas")].filter((c) => c.width > 0).length === 2, null, { timeout: 30000 });
    // Zoom the left one: with synchronisation on, the right one follows.
    const left = page.locator(".compare-pane").first();
    const box = await left.boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    const before = await page.evaluate(() => window.__astropixelViewers.map((v) => v.viewport.getZoom(false)));
    await page.mouse.wheel(0, -600);
    // Both viewports at rest with a zoom target moved by the wheel, as e2e_compare's settled().
    await page.waitForFunction(
      (before) => {
        const vs = window.__astropixelViewers;
        return (
          vs.every((v) => v.viewport.getZoom(true) === v.viewport.getZoom(false) && v.viewport.getCenter(true).equals(v.viewport.getCenter(false))) &&
          vs.some((v, i) => v.viewport.getZoom(false) !== before[i])
        );
      },
      before,
      { timeout: 30000 },
    );
    report.compare_zoom = await page.evaluate(() => window.__astropixelViewers?.map((v) => v.viewport.getZoom()) ?? null);
    await page.getByRole("button", { name: "Overlay" }).click();
    await page.getByLabel(/Opacity of/).fill("0.8");
    await page.waitForFunction(() => document.querySelectorAll(".osd canvas").length >= 1);
  });
  await step("dashboard", async () => {
    await page.goto(base + "/datasets?mine=true");
    await page.locator("article.dataset").first().waitFor();
    report.my_datasets = await page.locator("article.dataset").count();
  });
  await step("session-lost", async () => {
    // The session ends behind the app's back (expired and not refreshable): the browser still
    // holds cookies, the server refuses them, and the next call answers 401.
    const cookies = await page.context().cookies();
    const csrf = cookies.find((c) => c.name === "ap_csrf")?.value ?? "";
    const elsewhere = await request.newContext({ baseURL: base, storageState: { cookies, origins: [] } });
    const out = await elsewhere.post("/api/auth/logout", { headers: { "X-CSRF-Token": csrf } });
    if (out.status() !== 204) throw new Error(`logout elsewhere answered ${out.status()}`);
    await elsewhere.dispose();
    await page.goto(viewerUrl);
    await page.waitForURL(/\/login\?redirect=/);
    report.login_url = new URL(page.url()).pathname + new URL(page.url()).search;
  });
  await step("back-after-login", async () => {
    await page.getByLabel("Email or username").fill(user);
    await page.getByLabel("Password").fill("correct horse battery");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL((u) => u.pathname === new URL(viewerUrl).pathname);
    await tilesPainted();
  });
  await step("signed-out", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("link", { name: "Sign in" }).waitFor();
  });
  await step("upload-needs-sign-in", async () => {
    // Signed out, the upload page sends the visitor to sign in first, and back afterwards.
    await page.goto(base + "/upload");
    await page.waitForURL(/\/login\?redirect=%2Fupload$/);
    report.upload_login_url = new URL(page.url()).pathname + new URL(page.url()).search;
    await page.getByLabel("Email or username").fill(user);
    await page.getByLabel("Password").fill("correct horse battery");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(base + "/upload");
    await page.locator("input[type=file]").waitFor();
  });
  report.ok = true;
} catch (e) {
  report.ok = false;
  report.error = String(e);
  await page.screenshot({ path: path.join(artifacts, "failure.png") }).catch(() => undefined);
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
