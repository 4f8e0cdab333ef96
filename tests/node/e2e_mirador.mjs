// Mirador, unmodified, opens a dataset's IIIF Presentation manifest in headless Chromium from a
// page on another origin (a static server of this script's own on a loopback port), as a library's
// IIIF viewer would. Waits until OpenSeadragon inside Mirador has painted the image (its canvas shows
// the image's colours), opens the annotations panel through the UI, reads the annotation texts and
// has every shape drawn, and keeps a screenshot. Prints a JSON report.
// With VIEWER_URL (our web app's page of the dataset), the manifest URL is first read from the
// viewer's "Open in IIIF viewer" box, as a user would copy it.
// Usage: node e2e_mirador.mjs MANIFEST_URL SCREENSHOT_PATH [VIEWER_URL]
import fs from "node:fs";
import path from "node:path";

import { launchBrowser } from "./browser.mjs";
import { canvasColours, startMiradorSite } from "./mirador_site.mjs";

const [manifestUrl, screenshotPath, viewerUrl] = process.argv.slice(2);
// The page a library would write: Mirador's own bundle and one window on the manifest.
const { site, pageUrl } = await startMiradorSite(manifestUrl);

const report = {
  page_origin: new URL(pageUrl).origin,
  viewer_manifest_url: null,
  viewer_mirador_link: null,
  manifest_status: null,
  info_status: null,
  image_requests: 0,
  image_failures: [],
  painted: null,
  information: null,
  annotations_panel: null,
  annotation_texts: [],
  console_errors: [],
  page_errors: [],
  screenshot: null,
};

// Mirador draws annotations on a canvas of its own over OpenSeadragon's (not tainted: nothing from
// another origin is drawn on it): its drawn pixels, and those in the polygon's own stroke colour.
function overlayPixels(page) {
  return page.evaluate(() => {
    let drawn = 0, green = 0;
    for (const c of document.querySelectorAll("canvas")) {
      let d;
      try {
        d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      } catch {
        continue; // OpenSeadragon's canvas, tainted by the cross-origin tiles
      }
      for (let i = 0; i < d.length; i += 4) {
        if (d[i + 3] === 0) continue;
        drawn += 1;
        if (d[i + 1] > 200 && d[i] < 80 && d[i + 2] < 80) green += 1;
      }
    }
    return { drawn, green };
  });
}

const browser = await launchBrowser();
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  if (viewerUrl) {
    const viewer = await context.newPage();
    await viewer.goto(viewerUrl);
    const field = viewer.getByRole("textbox", { name: "IIIF manifest URL" });
    await field.waitFor({ timeout: 30000 });
    report.viewer_manifest_url = await field.inputValue();
    report.viewer_mirador_link = await viewer.getByRole("link", { name: "Open in Mirador" }).getAttribute("href");
    await viewer.close();
  }
  const page = await context.newPage();
  page.on("response", (r) => {
    const url = r.url();
    if (url === manifestUrl) report.manifest_status = r.status();
    else if (url.endsWith("/info.json")) report.info_status = r.status();
    else if (/\/iiif\/3\/[^/]+\/[^/]+\/[^/]+\/[^/]+\/[^/]+\.(jpg|png|webp)$/.test(url)) {
      report.image_requests += 1;
      if (r.status() >= 400) report.image_failures.push(`${r.status()} ${url}`);
    }
  });
  page.on("requestfailed", (r) => {
    if (r.url().includes("/iiif/")) report.image_failures.push(`failed ${r.url()}`);
  });
  page.on("console", (m) => { if (m.type() === "error") report.console_errors.push(m.text()); });
  page.on("pageerror", (e) => report.page_errors.push(String(e)));
  await page.goto(pageUrl);

  // Painted: both colours of the test image cover part of the canvas (a blank, grey or
  // still-loading canvas has neither).
  const deadline = Date.now() + 60000;
  while (Date.now() < deadline) {
    report.painted = await canvasColours(page);
    if (report.painted && report.painted.red > 0.02 && report.painted.blue > 0.02) break;
    await page.waitForTimeout(500);
  }

  // The sidebar, opened as a user would; its Information tab shows the manifest's label, summary
  // and metadata.
  await page.getByRole("button", { name: "Toggle sidebar" }).first().click();
  await page.getByRole("tab", { name: "Information" }).first().click();
  const about = page.getByText("About this item").first();
  await about.waitFor({ timeout: 30000 });
  report.information = await page.locator("aside").filter({ hasText: "About this item" }).first().innerText();
  // Then its Annotations tab.
  await page.getByRole("tab", { name: "Annotations" }).first().click();
  const showing = page.getByText(/Showing \d+ annotations?/).first();
  await showing.waitFor({ timeout: 30000 });
  report.annotations_panel = (await showing.innerText()).trim();
  report.annotation_texts = (await page.locator('[role="menuitem"]').allInnerTexts()).map((t) => t.trim());
  // Mirador draws only the hovered or selected annotation until "Highlight all" is on; then every
  // shape, SVG selectors (circle, point, polygon) included.
  report.overlay_before = await overlayPixels(page);
  await page.getByRole("button", { name: "Highlight all" }).first().click();
  const until = Date.now() + 15000;
  do {
    await page.waitForTimeout(300);
    report.overlay_after = await overlayPixels(page);
  } while (report.overlay_after.green === 0 && Date.now() < until);

  fs.mkdirSync(path.dirname(screenshotPath), { recursive: true });
  await page.screenshot({ path: screenshotPath });
  report.screenshot = screenshotPath;
} catch (e) {
  report.error = String(e);
} finally {
  await browser.close();
  site.close();
}
console.log(JSON.stringify(report));
