// Shared Playwright helpers for the browser tests: headless Debian Chromium with the flags this
// machine needs (see stack.md), the axe-core accessibility audit, and steps most scripts share.
import fs from "node:fs";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

let axeSource = null;

// axe-core's WCAG 2 A/AA violations on the page as it is now, each as {id, impact, help, nodes (the
// first three targets)}; only the serious and critical ones unless `all`. axe is injected through the
// DevTools protocol, which the page's Content-Security-Policy does not govern (no inline script).
export async function axeViolations(page, { all = false } = {}) {
  axeSource ??= fs.readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
  await page.evaluate(axeSource);
  return page.evaluate(async (all) => {
    const r = await window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
    return r.violations.filter((v) => all || v.impact === "serious" || v.impact === "critical")
      .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
  }, all);
}

// Waits until the viewer (`.osd`) is at rest. OpenSeadragon raises animation-start, which sets
// aria-busy on it (web/src/viewer/osd.ts), only on its next update frame after a move is asked
// for: without the two frames first, a wait right after a click can pass before the move began.
export async function viewerAtRest(page, timeout = 30000) {
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await page.waitForFunction(() => !document.querySelector(".osd[aria-busy]"), null, { timeout });
}

// Signs in through the login page; the app then shows the list of datasets.
export async function signIn(page, base, login, password) {
  await page.goto(`${base}/login`);
  await page.getByLabel("Email or username").fill(login);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL("**/datasets");
}
