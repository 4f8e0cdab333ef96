// The account page in real Chromium (#18 point 5), as a new user would use it: sign up, reach
// /account from the name in the header, see the profile (initials avatar, email, member since,
// storage, datasets), rename, change the email (with the password), change the password (a wrong current one first), find that a second
// browser signed in earlier is signed out by it, sign out and in again with the new password,
// sign out everywhere, and delete the account through the confirmation dialog (a wrong password
// first). axe-core checks the page and the dialog. Screenshots of each step go to ARTIFACTS.
// Usage: node e2e_account.mjs BASE ARTIFACTS_DIR → one JSON line (the report)
import fs from "node:fs";
import path from "node:path";
import { axeViolations, launchBrowser } from "./browser.mjs";

const [base, artifacts] = process.argv.slice(2);
fs.mkdirSync(artifacts, { recursive: true });
const report = { steps: [], console_errors: [], axe: {} };
const browser = await launchBrowser();

const newPage = async () => {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  page.on("console", (m) => {
    // The browser logs every 4xx; the refusals this test provokes (403 wrong password, 401 after
    // the sessions end) are expected and checked through the page instead.
    if (m.type() === "error" && !/status of 40[13]/.test(m.text())) report.console_errors.push(m.text());
  });
  page.on("pageerror", (e) => report.console_errors.push(String(e)));
  return page;
};
const page = await newPage();
let n = 0;
const step = async (name, fn) => {
  await fn();
  n += 1;
  await page.screenshot({ path: path.join(artifacts, `${String(n).padStart(2, "0")}-${name}.png`), fullPage: true });
  report.steps.push(name);
};
const signIn = async (p, login, password) => {
  await p.goto(base + "/login");
  await p.getByLabel("Email or username").fill(login);
  await p.getByLabel("Password").fill(password);
  await p.getByRole("button", { name: "Sign in" }).click();
};
const user = `acct_${Date.now() % 1e8}`;
const first = "first password 123";
const second = "second password 456";

try {
  await step("signup", async () => {
    await page.goto(base + "/signup");
    await page.getByLabel("Email").fill(`${user}@example.org`);
    await page.getByLabel("Username").fill(user);
    await page.getByLabel("Full name").fill("Henrietta Swan Leavitt");
    await page.getByLabel("Password").fill(first);
    await page.getByRole("button", { name: "Sign up" }).click();
    await page.waitForURL("**/datasets");
  });
  // A second browser, signed in before the password changes.
  const other = await newPage();
  await signIn(other, user, first);
  await other.waitForURL("**/datasets");

  await step("account", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: user }).click();
    await page.waitForURL("**/account");
    await page.getByRole("heading", { name: "Henrietta Swan Leavitt" }).waitFor();
    report.avatar = await page.locator(".avatar").innerText();
    report.profile = await page.locator("dl").first().innerText();
    report.axe.page = await axeViolations(page);
  });
  await step("rename", async () => {
    await page.getByLabel("Full name").fill("Henrietta Leavitt");
    await page.getByRole("button", { name: "Save profile" }).click();
    await page.getByRole("heading", { name: "Henrietta Leavitt" }).waitFor();
    // A new email needs the password.
    await page.getByLabel("Email", { exact: true }).fill(`${user}.new@example.org`);
    await page.getByRole("button", { name: "Save profile" }).click();
    await page.getByRole("alert").waitFor();
    report.email_needs_password = await page.getByRole("alert").innerText();
    report.focused_for_email = await page.evaluate(() => document.activeElement?.id ?? "");
    await page.getByLabel("Password (to change the email)").fill(first);
    await page.getByRole("button", { name: "Save profile" }).click();
    await page.locator("dl").first().getByText(`${user}.new@example.org`).waitFor();
    report.avatar_after_rename = await page.locator(".avatar").innerText();
  });
  await step("wrong-current-password", async () => {
    await page.getByLabel("Current password").fill("not my password");
    await page.getByLabel("New password", { exact: true }).fill(second);
    await page.getByLabel("New password again").fill(second);
    await page.getByRole("button", { name: "Change password" }).click();
    const alert = page.getByRole("alert");
    await alert.waitFor();
    report.wrong_password_alert = await alert.innerText();
    report.focused_after_wrong = await page.evaluate(() => document.activeElement?.id ?? "");
    report.url_after_wrong = new URL(page.url()).pathname; // still here, still signed in
  });
  await step("password-changed", async () => {
    await page.getByLabel("Current password").fill(first);
    await page.getByLabel("New password", { exact: true }).fill(second);
    await page.getByLabel("New password again").fill(second);
    await page.getByRole("button", { name: "Change password" }).click();
    await page.getByText("Password changed.").waitFor();
  });
  // The other browser's session is over: its next call sends it to sign in.
  await other.goto(base + "/account");
  await other.waitForURL(/\/login\?redirect=/, { timeout: 15000 });
  report.other_after_change = new URL(other.url()).pathname;

  await step("signed-in-with-new-password", async () => {
    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await page.waitForURL(base + "/");
    await signIn(page, user, first);
    await page.getByRole("alert").waitFor();
    report.old_password_alert = await page.getByRole("alert").innerText();
    await signIn(page, `${user}.new@example.org`, second); // the new email signs in
    await page.waitForURL("**/datasets");
    await page.goto(base + "/account");
    await page.getByRole("heading", { name: "Henrietta Leavitt" }).waitFor();
  });
  await step("signed-out-everywhere", async () => {
    await signIn(other, user, second);
    await other.waitForURL("**/datasets");
    await page.getByRole("button", { name: "Sign out everywhere" }).click();
    await page.waitForURL(/\/login$/);
    await other.goto(base + "/account");
    await other.waitForURL(/\/login\?redirect=/, { timeout: 15000 });
    report.other_after_logout_all = new URL(other.url()).pathname;
  });
  await step("delete-dialog", async () => {
    await signIn(page, user, second);
    await page.waitForURL("**/datasets");
    await page.goto(base + "/account");
    await page.getByRole("button", { name: "Delete my account…" }).click();
    const dialog = page.getByRole("dialog", { name: "Delete your account?" });
    await dialog.waitFor();
    report.delete_text = await dialog.locator("#acc-del-what").innerText();
    report.focused_in_dialog = await page.evaluate(() => document.activeElement?.id ?? "");
    report.axe.dialog = await axeViolations(page);
    // Escape closes it and gives the focus back to the button that opened it.
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    report.focus_back = await page.evaluate(() => document.activeElement?.textContent ?? "");
    await page.getByRole("button", { name: "Delete my account…" }).click();
    await dialog.getByLabel("Your password, to confirm").fill("not my password");
    await dialog.getByRole("button", { name: "Delete my account" }).click();
    await dialog.getByRole("alert").waitFor();
    report.delete_wrong_alert = await dialog.getByRole("alert").innerText();
  });
  await step("deleted", async () => {
    const dialog = page.getByRole("dialog", { name: "Delete your account?" });
    await dialog.getByLabel("Your password, to confirm").fill(second);
    await dialog.getByRole("button", { name: "Delete my account" }).click();
    await page.waitForURL(base + "/");
    await page.getByRole("link", { name: "Sign in" }).waitFor();
    await signIn(page, user, second);
    await page.getByRole("alert").waitFor();
    report.after_delete_login = await page.getByRole("alert").innerText();
  });
  report.ok = true;
} catch (e) {
  report.ok = false;
  report.error = String(e && e.stack ? e.stack : e);
  await page.screenshot({ path: path.join(artifacts, "failure.png"), fullPage: true }).catch(() => undefined);
}
await browser.close();
console.log(JSON.stringify(report));
