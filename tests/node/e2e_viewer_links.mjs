// "Link for other viewers" (ADR 0038) in real Chromium: the owner of a private dataset makes or revokes
// its links in our web app, as a user would (sign in, the dataset's page, the control in the IIIF or HiPS
// box), and Mirador, unmodified, on another origin is shown failing to open a refused link. Mirador and
// Aladin opening a working link are e2e_mirador.mjs and e2e_aladin.mjs, given the URL read here.
// Usage:
//   node e2e_viewer_links.mjs create BASE LOGIN PASSWORD DATASET_ID BOX DAYS [SCREENSHOT]
//     → {"links": {"iiif": URL|null, "hips": URL|null}, "expires", "status", "warning", "focused", "axe", ...}
//   node e2e_viewer_links.mjs revoke BASE LOGIN PASSWORD DATASET_ID BOX
//     → {"status", "links_left", "focused", ...}
//   node e2e_viewer_links.mjs mirador-refused MANIFEST_URL SCREENSHOT
//     → {"manifest_status", "manifest_failure", "alert", "image_requests", "painted", ...}
// BOX is "iiif" (the "Open in IIIF viewer" box) or "hips" (the "Sky tiles (HiPS)" box).
import fs from "node:fs";
import path from "node:path";

import { axeViolations, launchBrowser, signIn } from "./browser.mjs";
import { canvasColours, startMiradorSite } from "./mirador_site.mjs";

const [command, ...args] = process.argv.slice(2);
const BOXES = { iiif: ".iiif-link", hips: ".hips-link" };
const FIELDS = { iiif: "IIIF manifest link for other viewers", hips: "HiPS link for other viewers" };

const report = { console_errors: [], page_errors: [] };

function watch(page) {
  page.on("console", (m) => { if (m.type() === "error") report.console_errors.push(m.text()); });
  page.on("pageerror", (e) => report.page_errors.push(String(e)));
}

// The signed-in owner on the dataset's page, and the "Link for other viewers" group in the chosen box.
async function ownersControl(browser, base, login, password, id, box) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
  const page = await context.newPage();
  watch(page);
  await signIn(page, base, login, password);
  await page.goto(`${base}/datasets/${id}`);
  const group = page.locator(BOXES[box]).getByRole("group", { name: "Link for other viewers" });
  await group.waitFor({ timeout: 30000 });
  return { page, group };
}

// What the page offers to copy now: the value of each box's link field (null where there is none).
async function linksShown(page) {
  const links = {};
  for (const [box, name] of Object.entries(FIELDS)) {
    const field = page.getByRole("textbox", { name, exact: true });
    links[box] = (await field.count()) > 0 ? await field.inputValue() : null;
  }
  return links;
}

const focusedName = (page) =>
  page.evaluate(() => {
    const e = document.activeElement;
    return e ? e.getAttribute("aria-label") || e.textContent.trim() || e.tagName : null;
  });

async function create(base, login, password, id, box, days, screenshot) {
  const browser = await launchBrowser();
  try {
    const { page, group } = await ownersControl(browser, base, login, password, id, box);
    report.before = await linksShown(page);
    const create = group.getByRole("button", { name: "Create link" });
    // The warning is the button's description: a screen reader says it before the link is made.
    report.warning = await page.locator(`#${await create.getAttribute("aria-describedby")}`).innerText();
    await group.getByLabel("Valid for (days)").fill(String(days));
    await create.click();
    await page.getByRole("textbox", { name: FIELDS[box], exact: true }).waitFor({ timeout: 30000 });
    report.status = await group.getByRole("status").last().innerText();
    report.links = await linksShown(page);
    report.expires = await group.locator("time").getAttribute("datetime");
    report.focused = await focusedName(page);
    // The Copy button beside the field puts the link on the clipboard, and says so.
    await group.getByRole("button", { name: `Copy the ${FIELDS[box]}` }).click();
    const copied = group.locator(".viewer-link-result [role=status]");
    await page.waitForFunction((e) => e.textContent !== "", await copied.elementHandle(), { timeout: 10000 });
    report.copy_status = await copied.innerText();
    report.clipboard = await page.evaluate(() => navigator.clipboard.readText());
    report.axe = await axeViolations(page);
    if (screenshot) {
      fs.mkdirSync(path.dirname(screenshot), { recursive: true });
      await page.locator(BOXES[box]).screenshot({ path: screenshot });
    }
  } finally {
    await browser.close();
  }
}

async function revoke(base, login, password, id, box) {
  const browser = await launchBrowser();
  try {
    const { page, group } = await ownersControl(browser, base, login, password, id, box);
    await group.getByRole("button", { name: "Revoke all links" }).click();
    const status = group.locator(".viewer-link-status");
    await page.waitForFunction((e) => /revoked|could not/.test(e.textContent), await status.elementHandle(), {
      timeout: 30000,
    });
    report.status = await status.innerText();
    report.links_left = await linksShown(page);
    report.focused = await focusedName(page);
  } finally {
    await browser.close();
  }
}

// Mirador as e2e_mirador.mjs runs it (its own bundle, a page on another origin), on a link that must be
// refused: what the manifest request answered, Mirador's error alert, and whether any image was asked for.
async function miradorRefused(manifestUrl, screenshotPath) {
  const { site, pageUrl } = await startMiradorSite(manifestUrl);
  report.page_origin = new URL(pageUrl).origin;
  report.manifest_status = null;
  report.manifest_failure = null;
  report.image_requests = 0;
  const browser = await launchBrowser();
  try {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    watch(page);
    // A refused link answers 404 without Access-Control-Allow-Origin (like a missing dataset), so the
    // browser hands Mirador a network error: the request fails, and no response reaches the page.
    page.on("response", (r) => {
      if (r.url() === manifestUrl) report.manifest_status = r.status();
    });
    page.on("requestfailed", (r) => {
      if (r.url() === manifestUrl) report.manifest_failure = r.failure()?.errorText ?? "failed";
    });
    page.on("request", (r) => {
      if (/\/iiif\/3\/.*\.(jpg|png|webp)$/.test(r.url()) || r.url().endsWith("/info.json")) report.image_requests += 1;
    });
    await page.goto(pageUrl);
    const alert = page.getByRole("alert").first();
    await alert.waitFor({ timeout: 30000 });
    report.alert = await alert.innerText();
    report.painted = await canvasColours(page);
    fs.mkdirSync(path.dirname(screenshotPath), { recursive: true });
    await page.screenshot({ path: screenshotPath });
    report.screenshot = screenshotPath;
  } finally {
    await browser.close();
    site.close();
  }
}

try {
  if (command === "create") await create(...args);
  else if (command === "revoke") await revoke(...args);
  else if (command === "mirador-refused") await miradorRefused(...args);
  else throw new Error(`unknown command ${command}`);
} catch (e) {
  report.error = String(e);
}
console.log(JSON.stringify(report));
