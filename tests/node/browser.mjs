// Shared Playwright helpers for the browser tests: headless Debian Chromium with the flags this
// machine needs (see stack.md), and the axe-core accessibility audit.
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
