// The app's frame in real Chromium (#18 point 9): the error screen for unexpected failures, the
// phone-width menu, and the theme choice.
// - Error screen: the dataset list's real API answer is turned into a 500 (Playwright's route is the
//   fault injection; the request id is the one the real server gave that request), and the screen
//   must show that id, copyable; Try again reloads into the working page. Also an unreachable server
//   (the request aborted) and an exception nobody caught; a 404 (a missing dataset) keeps its own page;
//   the viewer's quiet prefetch (a 500 said by the viewer page) and a busy server's 503 on sign-in
//   (said in the form) never raise it.
// - Menu at 375 px: collapsed behind "Menu" (aria-expanded, aria-controls), opened with the focus on
//   its first link, Escape closes and gives the focus back, following a link closes it, a click
//   outside closes it; at 1280 px there is no Menu button and the links show.
// - Theme: System follows the emulated prefers-color-scheme (live), Light/Dark override it and are
//   remembered across a reload, and another open tab follows the choice (its select too).
// Usage: node e2e_shell.mjs BASE ARTIFACTS_DIR → one JSON line (the report)
import fs from "node:fs";
import path from "node:path";
import { axeViolations, launchBrowser } from "./browser.mjs";

const [base, artifacts] = process.argv.slice(2);
fs.mkdirSync(artifacts, { recursive: true });
const report = { error_screen: {}, menu: {}, theme: {}, axe: {}, console_errors: [] };
const browser = await launchBrowser();

const shot = (page, name) => page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
const isDatasetList = (url) => url.pathname === "/api/datasets";

try {
  // ---- The error screen ------------------------------------------------------------------------
  {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: "dark" });
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
    const page = await context.newPage();
    const es = report.error_screen;
    let realId = null;
    await page.route(isDatasetList, async (route) => {
      const real = await route.fetch();
      realId = real.headers()["x-request-id"] ?? null;
      await route.fulfill({
        status: 500,
        headers: { "x-request-id": realId, "content-type": "application/json" },
        body: JSON.stringify({ message: "Internal error", detail: "", code: "internal", request_id: realId }),
      });
    });
    await page.goto(base + "/datasets");
    const alert = page.locator("#failure [role=alert]");
    await alert.waitFor();
    es.real_request_id = realId;
    es.title = await alert.getByRole("heading").innerText();
    es.text = await alert.innerText();
    es.shown_id = await alert.locator("code[data-request-id]").innerText();
    await shot(page, "error-screen-dark");
    report.axe.error_screen_dark = await axeViolations(page);
    await alert.getByRole("button", { name: "Copy request id" }).click();
    await alert.getByText("Copied").waitFor();
    es.clipboard = await page.evaluate(() => navigator.clipboard.readText());
    // Try again: the fault is gone, the page works and the screen with it.
    await page.unroute(isDatasetList);
    await alert.getByRole("button", { name: "Try again" }).click();
    await page.locator("article.dataset").first().waitFor();
    es.after_retry_hidden = await page.locator("#failure").isHidden();

    // The same screen in the light theme (its contrast is judged by the axe sweep; this is for the eye).
    await page.emulateMedia({ colorScheme: "light" });
    await page.route(isDatasetList, (route) =>
      route.fulfill({ status: 503, headers: { "X-Request-ID": "light-theme-req" }, body: "" }));
    await page.reload();
    await alert.waitFor();
    es.status_503_text = await alert.innerText();
    await shot(page, "error-screen-light");
    report.axe.error_screen_light = await axeViolations(page);
    await page.unroute(isDatasetList);

    // An unreachable server: the request fails at the network level; no id to show.
    await page.route(isDatasetList, (route) => route.abort("connectionrefused"));
    await page.reload();
    await alert.waitFor();
    es.network_title = await alert.getByRole("heading").innerText();
    es.network_has_id = await alert.locator("code[data-request-id]").count();
    // Go to the home page (the server reachable again; the landing page lists datasets too):
    // navigating clears the screen.
    await page.unroute(isDatasetList);
    await alert.getByRole("link", { name: "Go to the home page" }).click();
    await page.waitForURL(base + "/");
    await page.getByRole("heading", { level: 1 }).waitFor();
    es.home_clears = await page.locator("#failure").isHidden();

    // An exception nobody caught.
    await page.evaluate(() => setTimeout(() => { throw new Error("an unexpected state in the test"); }, 0));
    await alert.waitFor();
    es.script_title = await alert.getByRole("heading").innerText();
    es.script_text = await alert.innerText();
    await alert.getByRole("button", { name: "Dismiss" }).click();
    es.dismissed = await page.locator("#failure").isHidden();

    // Expected errors keep their handling: a missing dataset is the not-found page, not this screen.
    await page.goto(base + "/datasets/no-such-dataset");
    await page.getByRole("heading", { name: "Not found" }).waitFor();
    es.not_found_hidden = await page.locator("#failure").isHidden();

    // The viewer route's prefetch of the record is quiet: its 500 is said by the viewer page itself
    // (with the request id), never by the screen. The client reports before it rejects, so once the
    // page shows its box the screen would already be up.
    await page.goto(base + "/datasets");
    const link = page.locator("article.dataset h3 a").first();
    const href = await link.getAttribute("href");
    const isRecord = (url) => url.pathname === "/api" + href;
    await page.route(isRecord, (route) => route.fulfill({
      status: 500,
      headers: { "x-request-id": "prefetch-req", "content-type": "application/json" },
      body: JSON.stringify({ message: "Internal error", detail: "", code: "internal", request_id: "prefetch-req" }),
    }));
    await link.click(); // the app's own navigation, so the route starts the prefetch
    const box = page.locator("main [role=alert]");
    await box.waitFor();
    es.prefetch = { box: await box.innerText(), screen_hidden: await page.locator("#failure").isHidden() };
    await page.unroute(isRecord);

    // A server too busy to hash passwords: the sign-in form says so and keeps what was typed; the
    // screen stays away (again the client would have reported before the form shows its alert).
    const isLogin = (url) => url.pathname === "/api/auth/login";
    await page.route(isLogin, (route) => route.fulfill({
      status: 503,
      headers: { "retry-after": "1", "content-type": "application/json" },
      body: JSON.stringify({ message: "Service temporarily unavailable", detail: "", code: "service_unavailable" }),
    }));
    await page.goto(base + "/login");
    await page.getByLabel("Email or username").fill("someone");
    await page.getByLabel("Password").fill("typed password");
    await page.getByRole("button", { name: "Sign in" }).click();
    const formAlert = page.locator("form [role=alert]");
    await formAlert.waitFor();
    es.busy_sign_in = {
      text: await formAlert.innerText(),
      screen_hidden: await page.locator("#failure").isHidden(),
      kept: [await page.getByLabel("Email or username").inputValue(), await page.getByLabel("Password").inputValue()],
    };
    await shot(page, "sign-in-busy");
    await page.unroute(isLogin);
    await context.close();
  }

  // ---- The menu --------------------------------------------------------------------------------
  {
    const context = await browser.newContext({ viewport: { width: 375, height: 740 } });
    const page = await context.newPage();
    page.on("pageerror", (e) => report.console_errors.push(`menu: ${e}`));
    const m = report.menu;
    await page.goto(base + "/help");
    const nav = page.getByRole("navigation", { name: "Main" });
    const toggle = nav.getByRole("button", { name: "Menu" });
    await toggle.waitFor();
    const datasets = nav.getByRole("link", { name: "Datasets" });
    m.closed = { expanded: await toggle.getAttribute("aria-expanded"), links_visible: await datasets.isVisible() };
    m.controls = await toggle.getAttribute("aria-controls");
    m.controls_exists = await page.locator(`#${m.controls}`).count();
    await shot(page, "menu-phone-closed");
    await toggle.click();
    m.open = {
      expanded: await toggle.getAttribute("aria-expanded"),
      links_visible: await datasets.isVisible(),
      focus: await page.evaluate(() => document.activeElement?.textContent ?? ""),
      overflow: await page.evaluate(() => document.scrollingElement.scrollWidth - window.innerWidth),
    };
    await shot(page, "menu-phone-open");
    report.axe.menu_open_light = await axeViolations(page);
    await page.emulateMedia({ colorScheme: "dark" });
    await page.waitForFunction(() => document.documentElement.dataset.theme === "dark");
    report.axe.menu_open_dark = await axeViolations(page);
    await shot(page, "menu-phone-open-dark");
    await page.keyboard.press("Escape");
    m.after_escape = {
      expanded: await toggle.getAttribute("aria-expanded"),
      links_visible: await datasets.isVisible(),
      focus_on_toggle: await toggle.evaluate((b) => b === document.activeElement),
    };
    await page.keyboard.press("Enter"); // the focus is on the button: the keyboard opens it again
    m.keyboard_opens = await toggle.getAttribute("aria-expanded");
    await nav.getByRole("link", { name: "Compare" }).click();
    await page.waitForURL(base + "/compare");
    const toggleNow = page.getByRole("navigation", { name: "Main" }).getByRole("button", { name: "Menu" });
    m.after_navigation = {
      path: new URL(page.url()).pathname,
      expanded: await toggleNow.getAttribute("aria-expanded"),
      links_visible: await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Datasets" }).isVisible(),
    };
    await toggleNow.click();
    await page.locator("main").click({ position: { x: 5, y: 5 } });
    m.outside_click_closes = await toggleNow.getAttribute("aria-expanded");
    await context.close();

    const desktop = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await desktop.goto(base + "/help");
    const dnav = desktop.getByRole("navigation", { name: "Main" });
    await dnav.getByRole("link", { name: "Datasets" }).waitFor();
    m.desktop = {
      toggle_visible: await dnav.getByRole("button", { name: "Menu" }).isVisible(),
      links_visible: await dnav.getByRole("link", { name: "Compare" }).isVisible(),
    };
    await dnav.getByRole("link", { name: "Compare" }).click();
    await desktop.waitForURL(base + "/compare");
    m.desktop.navigated = new URL(desktop.url()).pathname;
    await shot(desktop, "menu-desktop");
    await desktop.context().close();
  }

  // ---- The theme -------------------------------------------------------------------------------
  {
    const t = report.theme;
    const state = (page) => page.evaluate(() => ({
      theme: document.documentElement.dataset.theme,
      background: getComputedStyle(document.documentElement).backgroundColor,
      stored: localStorage.getItem("astropixel.theme"),
      choice: document.getElementById("theme-choice")?.value,
    }));
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: "dark" });
    const page = await context.newPage();
    await page.goto(base + "/help");
    await page.getByLabel("Theme").waitFor();
    t.system_dark = await state(page);
    await page.emulateMedia({ colorScheme: "light" });
    await page.waitForFunction(() => document.documentElement.dataset.theme === "light");
    t.system_follows_live = await state(page);
    await page.emulateMedia({ colorScheme: "dark" });
    await page.waitForFunction(() => document.documentElement.dataset.theme === "dark");
    // A second tab of the same browser: it hears the choice through the storage event, its select
    // and its theme follow without a reload.
    const other = await context.newPage();
    await other.goto(base + "/help");
    await other.getByLabel("Theme").waitFor();
    await page.getByLabel("Theme").selectOption("light");
    t.chose_light = await state(page);
    await other.waitForFunction(() => document.getElementById("theme-choice")?.value === "light", null, { timeout: 10000 })
      .catch(() => undefined);
    t.other_tab = await state(other);
    await other.close();
    await page.reload();
    await page.getByLabel("Theme").waitFor();
    t.light_after_reload = await state(page);
    await shot(page, "theme-light-on-dark-system");
    await page.getByLabel("Theme").selectOption("system");
    t.back_to_system = await state(page);
    await context.close();

    const lightSystem = await (await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: "light" })).newPage();
    await lightSystem.goto(base + "/help");
    await lightSystem.getByLabel("Theme").waitFor();
    t.system_light = await state(lightSystem);
    await lightSystem.getByLabel("Theme").selectOption("dark");
    t.chose_dark = await state(lightSystem);
    await lightSystem.context().close();
  }
  report.ok = true;
} catch (e) {
  report.ok = false;
  report.error = String(e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
