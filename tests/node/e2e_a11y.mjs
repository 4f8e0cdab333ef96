// Accessibility and small screens: every page of the app, in the dark and the light theme (the
// browser's prefers-color-scheme emulated; the app follows it by default), at a desktop width and at a
// 375-px phone width, checked with axe-core (WCAG 2 A/AA rules, contrast included) and for horizontal
// overflow; the sign-in form is walked with the keyboard alone. Screenshots of every page in each
// theme at both widths go to ARTIFACTS.
// Usage: node e2e_a11y.mjs BASE ADMIN_LOGIN ADMIN_PASSWORD DATASET_ID ARTIFACTS_DIR
import fs from "node:fs";
import path from "node:path";
import { axeViolations, launchBrowser, signIn } from "./browser.mjs";

const [base, login, password, dataset, artifacts] = process.argv.slice(2);
fs.mkdirSync(artifacts, { recursive: true });
const report = { pages: [], console_errors: [], keyboard: [] };
const browser = await launchBrowser();

const pages = [
  { name: "landing", path: "/", ready: (p) => p.getByRole("heading", { level: 1 }).waitFor(), anonymous: true },
  { name: "login", path: "/login", ready: (p) => p.getByLabel("Password").waitFor(), anonymous: true },
  { name: "signup", path: "/signup", ready: (p) => p.getByLabel("Username").waitFor(), anonymous: true },
  { name: "help", path: "/help", ready: (p) => p.getByRole("heading", { name: "Keyboard shortcuts in the viewer" }).waitFor(), anonymous: true },
  { name: "not-found", path: "/no/such/page", ready: (p) => p.getByRole("heading", { level: 1 }).waitFor(), anonymous: true },
  { name: "dashboard", path: "/datasets", ready: (p) => p.locator("article.dataset").first().waitFor() },
  { name: "upload", path: "/upload", ready: (p) => p.locator("input[type=file]").waitFor({ state: "attached" }) },
  { name: "viewer", path: `/datasets/${dataset}`, ready: (p) => p.waitForFunction(() => {
      const c = document.querySelector(".osd canvas");
      return c && c.width > 0 && !document.querySelector(".loading:not([hidden])");
    }, null, { timeout: 30000 }) },
  { name: "compare", path: `/compare?a=${dataset}&b=${dataset}`, ready: (p) => p.locator(".osd canvas").first().waitFor() },
  { name: "admin", path: "/admin", ready: (p) => p.getByRole("heading", { name: "System" }).waitFor() },
  { name: "account", path: "/account", ready: (p) => p.getByRole("heading", { name: "Profile" }).waitFor() },
  // Filled (its dataset selects) or explaining that no single-band image exists yet.
  { name: "composite", path: "/composite", ready: (p) => p.locator("main .alert, select option:nth-child(2)").first()
      .waitFor({ state: "attached" }) },
];

try {
  for (const colorScheme of ["dark", "light"])
  for (const viewport of [{ width: 1280, height: 800, label: "desktop" }, { width: 375, height: 740, label: "phone" }]) {
    const anonymous = await browser.newContext({ viewport, colorScheme });
    const signedIn = await browser.newContext({ viewport, colorScheme });
    const setup = await signedIn.newPage();
    await signIn(setup, base, login, password);
    await setup.close();
    for (const spec of pages) {
      const page = await (spec.anonymous ? anonymous : signedIn).newPage();
      page.on("console", (m) => { if (m.type() === "error") report.console_errors.push(`${spec.name}: ${m.text()}`); });
      page.on("pageerror", (e) => report.console_errors.push(`${spec.name}: ${e}`));
      await page.goto(base + spec.path);
      await spec.ready(page);
      await page.waitForTimeout(300);  // let transitions settle before judging contrast
      const overflow = await page.evaluate(() => document.scrollingElement.scrollWidth - window.innerWidth);
      const theme = await page.evaluate(() => document.documentElement.dataset.theme);
      const violations = await axeViolations(page, { all: true });
      await page.screenshot({ path: path.join(artifacts, `${colorScheme}-${viewport.label}-${spec.name}.png`), fullPage: true });
      report.pages.push({ name: spec.name, viewport: viewport.label, scheme: colorScheme, theme, overflow, violations });
      await page.close();
    }
    await anonymous.close();
    await signedIn.close();
  }

  // The sign-in form with the keyboard alone: Tab reaches the fields and the button in order, each
  // with a visible focus indicator, and Enter signs in.
  const kb = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await kb.goto(base + "/login");
  await kb.getByLabel("Password").waitFor();
  report.initial_focus = await kb.evaluate(() => document.activeElement?.labels?.[0]?.textContent ?? "");
  for (let i = 0; i < 16; i += 1) {
    await kb.keyboard.press("Tab");
    const f = await kb.evaluate(() => {
      const a = document.activeElement;
      const label = a.labels?.[0]?.textContent ?? a.getAttribute("aria-label") ?? a.textContent ?? "";
      const s = getComputedStyle(a);
      const visible = (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== "none";
      return { tag: a.tagName.toLowerCase(), label: label.trim().replace(/\s+/g, " ").slice(0, 40), visible };
    });
    report.keyboard.push(f);
  }
  await kb.getByLabel("Email or username").focus();
  await kb.keyboard.type(login);
  await kb.keyboard.press("Tab");
  await kb.keyboard.type(password);
  await kb.keyboard.press("Enter");
  await kb.waitForURL("**/datasets");
  report.keyboard_sign_in = true;
  report.ok = true;
} catch (e) {
  report.ok = false;
  report.error = String(e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
