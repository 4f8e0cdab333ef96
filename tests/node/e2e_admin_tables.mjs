// The admin tables in headless Chromium (#18 point 7): a non-admin is sent away from /admin; an admin
// sorts users by storage from the keyboard (aria-sort follows, the focus stays on the header),
// filters datasets by state and by text, cancels a queued and a running build and retries a failed
// one, each after a confirmation. axe-core checks the page. Screenshots go to ARTIFACTS.
// Usage: node e2e_admin_tables.mjs BASE ADMIN_LOGIN ADMIN_PASSWORD USER_LOGIN USER_PASSWORD ARTIFACTS
// The server runs one worker held by a hanging build (the test's build fault); after both cancels
// this script clears the fault through the test route, so the retried build can finish.
import fs from "node:fs";
import path from "node:path";
import { axeViolations, launchBrowser, signIn } from "./browser.mjs";

const [base, adminLogin, adminPassword, userLogin, userPassword, artifacts] = process.argv.slice(2);
fs.mkdirSync(artifacts, { recursive: true });
const report = { steps: [], console_errors: [], dialogs: [] };
const browser = await launchBrowser();
let shot = 0;
const screenshot = (page, name) =>
  page.screenshot({ path: path.join(artifacts, `${String(++shot).padStart(2, "0")}-${name}.png`), fullPage: true });

// The rows of one table, as text, once its heading shows `count` rows in total.
const rows = (page, table) => page.locator(`section[aria-label=${table}] tbody tr`);
const waitForTotal = (page, table, count) =>
  page.getByRole("heading", { name: `${table} (${count})`, exact: true }).waitFor();
// A column's aria-sort once a click on its header has been answered (the header is drawn again with
// the rows): "none" if the sort never arrives within the timeout.
const sorted = async (section, key) => {
  const th = section.locator(`th:has(button[data-sort=${key}])`);
  try {
    await th.and(section.locator('th[aria-sort="ascending"]')).waitFor({ timeout: 10000 });
  } catch {
    // reported below as whatever the header says
  }
  return th.getAttribute("aria-sort");
};

try {
  const userPage = await (await browser.newContext()).newPage();
  await signIn(userPage, base, userLogin, userPassword);
  await userPage.goto(base + "/admin");
  await userPage.waitForURL("**/datasets");
  report.user_kept_out = true;
  report.steps.push("user-kept-out");

  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  page.on("console", (m) => { if (m.type() === "error") report.console_errors.push(m.text()); });
  page.on("dialog", (d) => { report.dialogs.push(d.message()); void d.accept(); });
  await signIn(page, base, adminLogin, adminPassword);
  await page.getByRole("link", { name: "Admin", exact: true }).click();
  await waitForTotal(page, "Users", 2);
  await waitForTotal(page, "Datasets", 4);
  await waitForTotal(page, "Jobs", 4);
  await screenshot(page, "admin-tables");
  report.axe = await axeViolations(page);
  report.steps.push("tables");

  // Users sorted by storage from the keyboard: Enter on the header's button, twice.
  const users = page.locator("section[aria-label=Users]");
  const storage = users.locator("button[data-sort=storage]");
  await storage.focus();
  await page.keyboard.press("Enter");
  await users.locator("th[aria-sort=ascending] button[data-sort=storage]").waitFor();
  await page.keyboard.press("Enter");
  await users.locator("th[aria-sort=descending] button[data-sort=storage]").waitFor();
  report.storage_sort_focus = await page.evaluate(() => document.activeElement?.getAttribute("data-sort"));
  report.users_by_storage = await rows(page, "Users").locator("td:first-child").allInnerTexts();
  report.user_row = await rows(page, "Users").first().innerText();
  report.steps.push("users-sorted");

  // Datasets: the failed one by state, with its reason; then one by name.
  const datasets = page.locator("section[aria-label=Datasets]");
  await datasets.getByLabel("Status").selectOption("failed");
  await waitForTotal(page, "Datasets", 1);
  report.failed_dataset_row = await rows(page, "Datasets").first().innerText();
  await datasets.getByLabel("Status").selectOption("");
  await datasets.getByLabel("Search datasets").fill("Andromeda");
  await datasets.getByLabel("Search datasets").press("Enter");
  await waitForTotal(page, "Datasets", 1);
  report.searched_dataset_row = await rows(page, "Datasets").first().innerText();
  await datasets.getByRole("button", { name: "Name" }).click();
  report.name_sort = await sorted(datasets, "name");
  await screenshot(page, "datasets-filtered");
  report.steps.push("datasets-filtered");

  // Jobs: cancel the queued build, then the running (hanging) one.
  const jobs = page.locator("section[aria-label=Jobs]");
  await jobs.getByLabel("Status").selectOption("queued");
  await waitForTotal(page, "Jobs", 1);
  await rows(page, "Jobs").first().getByRole("button", { name: "Cancel" }).click();
  await waitForTotal(page, "Jobs", 0);
  await jobs.getByLabel("Status").selectOption("running");
  await waitForTotal(page, "Jobs", 1);
  await rows(page, "Jobs").first().getByRole("button", { name: "Cancel" }).click();
  await rows(page, "Jobs").first().getByText("stopping").waitFor();
  await screenshot(page, "running-job-stopping");
  // Its worker ends it within a lease tick; the table shows what the server says when asked again.
  const deadline = Date.now() + 30_000;
  while ((await jobs.locator("h2").textContent()) !== "Jobs (0)") {
    if (Date.now() > deadline) throw new Error("the running build was never cancelled");
    await page.waitForTimeout(300);
    await jobs.getByRole("button", { name: "Apply" }).click();
  }
  await jobs.getByLabel("Status").selectOption("cancelled");
  await waitForTotal(page, "Jobs", 2);
  report.steps.push("cancelled");

  // The failed build, retried once the fault is gone.
  const cleared = await fetch(base + "/api/_test/build-fault?kind=", { method: "POST" });
  if (cleared.status !== 204) throw new Error(`clearing the build fault answered ${cleared.status}`);
  await jobs.getByLabel("Status").selectOption("failed");
  await waitForTotal(page, "Jobs", 1);
  report.failed_job_row = await rows(page, "Jobs").first().innerText();
  await screenshot(page, "failed-job");
  await rows(page, "Jobs").first().getByRole("button", { name: "Retry" }).click();
  await waitForTotal(page, "Jobs", 0);
  await jobs.getByLabel("Status").selectOption("");
  await jobs.getByRole("button", { name: "State" }).click();
  report.state_sort = await sorted(jobs, "state");
  report.job_states = await rows(page, "Jobs").locator("[data-state]").evaluateAll((n) => n.map((x) => x.dataset.state));
  await screenshot(page, "after-retry");
  report.steps.push("retried");
  report.ok = true;
} catch (e) {
  report.ok = false;
  report.error = String(e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
