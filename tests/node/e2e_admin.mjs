// The admin pages in headless Chromium: a non-admin is kept out; an admin sees statistics, finds a
// user, disables them, and deletes a dataset. Usage: node e2e_admin.mjs BASE ADMIN_LOGIN ADMIN_PASSWORD
//   USER_LOGIN USER_PASSWORD ARTIFACTS_DIR
import fs from "node:fs";
import path from "node:path";
import { launchBrowser, signIn } from "./browser.mjs";

const [base, adminLogin, adminPassword, userLogin, userPassword, artifacts] = process.argv.slice(2);
fs.mkdirSync(artifacts, { recursive: true });
const report = { console_errors: [] };
const browser = await launchBrowser();
try {
  const userPage = await (await browser.newContext()).newPage();
  await signIn(userPage, base, userLogin, userPassword);
  report.user_sees_admin_link = await userPage.getByRole("link", { name: "Admin" }).count();
  await userPage.goto(base + "/admin");
  await userPage.waitForURL("**/datasets");
  report.user_kept_out = true;

  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  page.on("console", (m) => { if (m.type() === "error") report.console_errors.push(m.text()); });
  page.on("dialog", (d) => d.accept());
  await signIn(page, base, adminLogin, adminPassword);
  await page.getByRole("link", { name: "Admin" }).click();
  await page.getByRole("heading", { name: /^Users \(\d+\)$/ }).waitFor();
  await page.getByRole("heading", { name: /^Datasets \(\d+\)$/ }).waitFor();
  report.users_heading = await page.getByRole("heading", { name: /^Users/ }).textContent();
  await page.getByRole("heading", { name: "System" }).waitFor();
  report.system = await page.locator("section[aria-label=System] dl").innerText();
  await page.screenshot({ path: path.join(artifacts, "01-admin.png"), fullPage: true });
  const row = page.locator("tr", { hasText: userLogin });
  await row.getByRole("button", { name: "Disable" }).click();
  await page.locator("tr", { hasText: userLogin }).getByText("disabled").waitFor();
  report.disabled = true;
  const before = await page.locator("section[aria-label=Datasets] tbody tr").count();
  await page.locator("section[aria-label=Datasets] tbody tr").first().getByRole("button", { name: "Delete" }).click();
  await page.waitForFunction((n) => document.querySelectorAll("section[aria-label=Datasets] tbody tr").length === n - 1, before);
  report.deleted_dataset = true;
  await page.screenshot({ path: path.join(artifacts, "02-after-actions.png"), fullPage: true });
  report.ok = true;
} catch (e) {
  report.ok = false;
  report.error = String(e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
