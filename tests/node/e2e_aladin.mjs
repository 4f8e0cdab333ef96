// Aladin Lite (npm aladin-lite, the real client) shows a HiPS in headless Chromium. This script serves a page
// and Aladin's bundle from its own origin; the HiPS comes from HIPS_URL, another origin, so CORS is exercised as
// in a deployment. No default survey: it needs the network, which the test machine does not have.
// The page is Aladin only, at (0, 0), so Aladin's view pixels are the screenshot's pixels.
// With "format" ("fits", "png") Aladin asks for those tiles rather than the one it prefers (png).
// With "base" in the spec, that HiPS is Aladin's base layer and HIPS_URL an overlay layer above it.
// With "viewer" (our web app's page of the dataset), the HiPS URL Aladin opens is the one read from
// the viewer's "Sky tiles (HiPS)" box, as a user would copy it (it must equal HIPS_URL).
// Usage: node e2e_aladin.mjs HIPS_URL SCREENSHOT '{"ra":..,"dec":..,"fov":..,"probes":[[ra,dec],...][,"base":URL][,"format":F]}'
//   → one JSON line {"webgl2", "probes": [[x, y] | null, ...], "requests", "failed", "console_errors", "error"}
import http from "node:http";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { launchBrowser } from "./browser.mjs";

const [givenUrl, screenshot, specJson] = process.argv.slice(2);
const spec = JSON.parse(specJson);
const report = { console_errors: [], requests: [], failed: [], offsite: [] };
const browser = await launchBrowser();

// The URL a user copies from our viewer, and the archive link beside it.
let hipsUrl = givenUrl;
if (spec.viewer) {
  const viewer = await browser.newPage();
  await viewer.goto(spec.viewer);
  const field = viewer.getByRole("textbox", { name: "HiPS URL" });
  await field.waitFor({ timeout: 30000 });
  hipsUrl = await field.inputValue();
  report.viewer_hips_url = hipsUrl;
  report.viewer_archive = await viewer.getByRole("link", { name: "Download the HiPS (tar)" }).getAttribute("href");
  await viewer.close();
}
const W = 800, H = 600;
const bundle = fileURLToPath(new URL("./node_modules/aladin-lite/dist/aladin.js", import.meta.url));

const page_html = `<!doctype html><html><head><meta charset="utf-8"><style>
html, body { margin: 0; padding: 0; background: #000; } #al { width: ${W}px; height: ${H}px; }
</style></head><body><div id="al"></div>
<script type="module">
import A from "/aladin.js";
window.alReady = A.init.then(() => {
  // A distinctive background: where the HiPS has no tile pixel (outside the image, or transparent blanks) it shows.
  window.aladin = A.aladin("#al", {
    survey: ${spec.base ? `[A.HiPS(${JSON.stringify(spec.base)}, { name: "base" }), ` : "["}A.HiPS(${JSON.stringify(hipsUrl)}, { name: "astropixel"${spec.format ? `, imgFormat: "${spec.format}"` : ""} })],
    hipsList: [], target: "${spec.ra} ${spec.dec}", fov: ${spec.fov}, cooFrame: "ICRSd",
    backgroundColor: "rgb(0, 0, 120)", showReticle: false, showFrame: false, showZoomControl: false,
    showLayersControl: false, showFullscreenControl: false, showProjectionControl: false,
    showCooLocation: false, showFov: false, showStatusBar: false, showCooGrid: false, inertia: false,
  });
  return true;
});
</script></body></html>`;

// The page's own origin (127.0.0.1 on an ephemeral port); the HiPS is on another port, another origin.
const server = http.createServer(async (req, res) => {
  if (req.url === "/") {
    res.writeHead(200, { "content-type": "text/html" }).end(page_html);
  } else if (req.url === "/aladin.js") {
    res.writeHead(200, { "content-type": "text/javascript" }).end(await readFile(bundle));
  } else {
    res.writeHead(404).end();
  }
});
await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
const pageUrl = `http://127.0.0.1:${server.address().port}/`;

const page = await (await browser.newContext({ viewport: { width: W, height: H } })).newPage();
page.on("console", (m) => { if (m.type() === "error") report.console_errors.push(m.text()); });
page.on("pageerror", (e) => report.console_errors.push(String(e)));
// Requests to our HiPS are reported by path under HIPS_URL; the base HiPS's ones are only waited for.
let pending = 0;
const ours = (r) => r.url().startsWith(hipsUrl);
const watched = (r) => ours(r) || (spec.base && r.url().startsWith(spec.base));
page.on("request", (r) => {
  if (/^https?:/.test(r.url()) && !r.url().startsWith("http://127.0.0.1")) report.offsite.push(r.url().split("?")[0]);
  if (!watched(r)) return;
  pending += 1;
  if (ours(r)) report.requests.push(r.url().slice(hipsUrl.length));
});
page.on("requestfinished", async (r) => {
  if (!watched(r)) return;
  const resp = await r.response();
  if (ours(r) && resp && resp.status() >= 400) report.failed.push(`${resp.status()} ${r.url().slice(hipsUrl.length)}`);
  pending -= 1;
});
page.on("requestfailed", (r) => {
  if (!watched(r)) return;
  if (ours(r)) report.failed.push(`${r.failure()?.errorText} ${r.url().slice(hipsUrl.length)}`);
  pending -= 1;
});
try {
  await page.goto(pageUrl);
  report.webgl2 = await page.evaluate(() => !!document.createElement("canvas").getContext("webgl2"));
  await page.evaluate(() => window.alReady);
  // Drawn = tiles were requested, none is still loading, and two screenshots 500 ms apart are the same
  // (Aladin blends tiles in over several frames). The deadline only bounds a broken run.
  let previous = null, drawn = false;
  for (let i = 0; i < 120 && !drawn; i += 1) {
    await page.waitForTimeout(500);
    const shot = await page.screenshot();
    const tiles = report.requests.filter((u) => /Npix|Allsky/.test(u)).length;
    drawn = tiles > 0 && pending === 0 && previous !== null && shot.equals(previous);
    previous = shot;
  }
  report.drawn = drawn;
  report.probes = await page.evaluate((probes) => probes.map(([ra, dec]) => {
    const p = window.aladin.world2pix(ra, dec);
    return p ? [p[0], p[1]] : null;
  }), spec.probes);
  report.view = await page.evaluate(() => ({ radec: window.aladin.getRaDec(), fov: window.aladin.getFov() }));
  await page.screenshot({ path: screenshot });
} catch (e) {
  report.error = String(e);
}
await browser.close();
server.close();
console.log(JSON.stringify(report));
