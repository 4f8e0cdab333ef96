// The interactive API docs (/api/docs, Swagger UI from npm served by the server itself) in real
// Chromium, under the server's Content-Security-Policy: the page loads /api/openapi.json and lists
// every operation; one is expanded to show its parameters and answers. Console errors, page errors
// and failed requests are collected (a CSP violation is a console error).
// Usage: node e2e_api_docs.mjs BASE ARTIFACTS_DIR
// Prints one JSON line: {"ok", "operations": ["GET /api/datasets", ...], "console_errors", ...}.
import fs from "node:fs";
import path from "node:path";
import { launchBrowser } from "./browser.mjs";

const [base, artifacts] = process.argv.slice(2);
fs.mkdirSync(artifacts, { recursive: true });
const report = { ok: false, operations: [], console_errors: [], failed_requests: [], requests: [] };
const browser = await launchBrowser();
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
page.on("console", (m) => {
  if (m.type() === "error") report.console_errors.push(m.text());
});
page.on("pageerror", (e) => report.console_errors.push(String(e)));
page.on("requestfailed", (r) => report.failed_requests.push(`${r.url()} ${r.failure()?.errorText}`));
page.on("response", (r) => {
  if (r.status() >= 400) report.failed_requests.push(`${r.url()} ${r.status()}`);
});
page.on("request", (r) => report.requests.push(r.url()));
try {
  const answer = await page.goto(base + "/api/docs");
  report.status = answer.status();
  report.csp = answer.headers()["content-security-policy"] || "";
  await page.locator(".opblock").first().waitFor({ timeout: 30000 });
  report.title = await page.locator(".information-container .title").first().innerText();
  report.operations = await page.$$eval(".opblock", (blocks) =>
    blocks.map((b) => {
      const method = b.querySelector(".opblock-summary-method")?.textContent?.trim() ?? "";
      const p = b.querySelector(".opblock-summary-path")?.getAttribute("data-path") ?? "";
      return `${method} ${p}`;
    }),
  );
  // Open one operation: its parameters and its answers, the error contract's included.
  const list = page.locator(".opblock-get", { has: page.locator('[data-path="/api/datasets"]') }).first();
  await list.locator(".opblock-summary").click();
  await list.locator(".parameters-container").waitFor({ timeout: 10000 });
  report.list_parameters = await list.locator(".parameters .parameter__name").allInnerTexts();
  report.list_responses = await list.locator(".responses-table .response-col_status").allInnerTexts();
  await page.screenshot({ path: path.join(artifacts, "api-docs.png"), fullPage: false });
  report.ok = true;
} catch (e) {
  report.error = String(e);
  await page.screenshot({ path: path.join(artifacts, "failure.png") }).catch(() => {});
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
