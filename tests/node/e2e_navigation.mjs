// The viewer's orientation and navigation tools in real Chromium, as a guest on a public FITS image
// with a celestial WCS: the scale bar and compass, a view restored from a link, "go to" a sky
// position, a pixel position, an object name and a wrong name, and the copied link reopening the view.
// Usage: node e2e_navigation.mjs VIEWER_URL ARTIFACTS_DIR
//   → one JSON line {"home", "restored", "goto", "copied", "reopened", "console_errors"}
import { launchBrowser, viewerAtRest } from "./browser.mjs";

const [url, artifacts] = process.argv.slice(2);
const browser = await launchBrowser();
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: new URL(url).origin });
const report = { console_errors: [], goto: {} };

const open = async (address) => {
  const page = await context.newPage();
  page.on("console", (m) => { if (m.type() === "error") report.console_errors.push(m.text()); });
  await page.goto(address);
  await page.waitForFunction(() => {
    const c = document.querySelector(".osd canvas");
    return c && c.width > 0 && !document.querySelector(".loading:not([hidden])") && /[?&]fov=/.test(location.search);
  }, null, { timeout: 30000 });
  await viewerAtRest(page, 10000);
  return page;
};
// What the page shows: the view in its URL, the scale bar and the compass, the viewer's width.
const state = (page) => page.evaluate(() => {
  const q = new URLSearchParams(location.search);
  const bar = document.querySelector(".scale-bar");
  return {
    url: location.pathname + location.search,
    x: Number(q.get("x")), y: Number(q.get("y")), fov: Number(q.get("fov")), rot: Number(q.get("rot") ?? 0),
    layers: q.get("layers"),
    bar: bar.getAttribute("aria-label"), bar_px: Number(bar.dataset.px),
    compass: document.querySelector("svg.compass")?.getAttribute("aria-label") ?? null,
    viewer_width: document.querySelector(".osd").getBoundingClientRect().width,
    grid: document.querySelector('[aria-label="Coordinate grid"]')?.getAttribute("aria-pressed") ?? null,
    annotations_shown: getComputedStyle(document.querySelector("svg.annotation-overlay")).display !== "none",
  };
});
// Waits until the view has settled somewhere else than `before`: the URL changed, then the viewer
// at rest (the URL takes a rotation's target at once; a drag made while the rotation spring still
// turns measures a tilted line).
const moved = async (page, before) => {
  await page.waitForFunction((b) => location.search !== b, before, { timeout: 10000 });
  await viewerAtRest(page, 10000);
};
const goTo = async (page, text, frame) => {
  const before = await page.evaluate(() => location.search);
  if (frame) await page.getByLabel("Coordinates of two plain numbers").selectOption(frame);
  await page.getByLabel("Go to", { exact: true }).fill(text);
  await page.getByLabel("Go to", { exact: true }).press("Enter");
  return before;
};

try {
  const page = await open(url);
  report.home = await state(page);
  await page.screenshot({ path: `${artifacts}/navigation-home.png` });

  const base = url.split("?")[0];
  const linked = await open(`${base}?x=180&y=140&fov=300&rot=90&layers=grid`);
  report.restored = await state(linked);
  await linked.screenshot({ path: `${artifacts}/navigation-restored.png` });
  await linked.close();

  let before = await goTo(page, "5:35:17.3 -5:23:28");
  await moved(page, before);
  report.goto.sky = await state(page);
  before = await goTo(page, "200 150", "pixel");
  await moved(page, before);
  report.goto.pixel = await state(page);
  before = await goTo(page, "orion nebula");
  await moved(page, before);
  report.goto.object = await state(page);
  await goTo(page, "no such thing");
  report.goto.unknown = await page.locator(".navigation-bar [aria-live]").innerText();
  await goTo(page, "05:75:00 +10:00:00");
  report.goto.invalid = await page.locator(".navigation-bar [aria-live]").innerText();

  // The keyboard: "?" lists the shortcuts, Escape closes the list, "/" goes to the go-to field,
  // "]" turns the view by 90°.
  await page.getByRole("heading", { level: 1 }).click();
  await page.keyboard.press("?");
  const dialog = page.getByRole("dialog", { name: "Keyboard shortcuts" });
  await dialog.waitFor({ timeout: 5000 });
  report.keys = { help_rows: await dialog.locator("dl > div").count(), help_text: await dialog.innerText() };
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "hidden", timeout: 5000 });
  await page.keyboard.press("/");
  report.keys.focused = await page.evaluate(() => document.activeElement?.getAttribute("aria-label"));
  await page.getByRole("heading", { level: 1 }).click();
  before = await page.evaluate(() => location.search);
  await page.keyboard.press("]");
  await moved(page, before);
  report.keys.rotated = (await state(page)).rot;
  before = await page.evaluate(() => location.search);
  await page.keyboard.press("[");
  await moved(page, before);
  report.keys.back = (await state(page)).rot;

  // The ruler: "m", then a drag straight up the screen by 200 px from the centre.
  await page.getByRole("heading", { level: 1 }).click();
  await page.keyboard.press("m");
  await viewerAtRest(page, 10000);
  const frame = await page.locator(".osd").boundingBox();
  const mx = Math.round(frame.x + frame.width / 2), my = Math.round(frame.y + frame.height / 2);
  await page.mouse.move(mx, my + 100);
  await page.mouse.down();
  await page.mouse.move(mx, my + 20, { steps: 4 });
  await page.mouse.move(mx, my - 100, { steps: 4 });
  await page.mouse.up();
  report.measure = { text: await page.getByLabel("Measurement").innerText(), view: await state(page),
    drawn: await page.locator("svg.annotation-overlay g.ruler line").count() };
  await page.keyboard.press("Escape");

  await page.mouse.move(640, 500);
  await page.mouse.wheel(0, -400);
  await viewerAtRest(page, 10000);
  report.before_copy = await state(page);
  await page.getByRole("button", { name: "Copy a link to this view" }).click();
  await page.locator(".navigation-bar [aria-live]", { hasText: "Link copied" }).waitFor({ timeout: 5000 });
  report.copied = await page.evaluate(() => navigator.clipboard.readText());
  const again = await open(report.copied);
  report.reopened = await state(again);

  // A phone: one finger pans, two fingers pinch-zoom (touch events through Chromium's input domain).
  const phone = await browser.newContext({ viewport: { width: 375, height: 740 }, hasTouch: true, isMobile: true });
  const mobile = await phone.newPage();
  mobile.on("console", (m) => { if (m.type() === "error") report.console_errors.push(m.text()); });
  await mobile.goto(url);
  await mobile.waitForFunction(() => /[?&]fov=/.test(location.search) && document.querySelector(".osd canvas")?.width > 0,
    null, { timeout: 30000 });
  await viewerAtRest(mobile, 10000);
  const cdp = await phone.newCDPSession(mobile);
  const osd = await mobile.locator(".osd").boundingBox();
  const cx = osd.x + osd.width / 2, cy = osd.y + osd.height / 2;
  const touch = (type, points) => cdp.send("Input.dispatchTouchEvent", {
    type, touchPoints: points.map(([x, y], id) => ({ x, y, id })),
  });
  const phoneState = () => mobile.evaluate(() => {
    const q = new URLSearchParams(location.search);
    return { x: Number(q.get("x")), y: Number(q.get("y")), fov: Number(q.get("fov")),
      overflow: document.scrollingElement.scrollWidth - window.innerWidth };
  });
  report.touch = { start: await phoneState() };
  let search = await mobile.evaluate(() => location.search);
  await touch("touchStart", [[cx - 20, cy], [cx + 20, cy]]);
  for (let i = 1; i <= 10; i += 1) {
    await touch("touchMove", [[cx - 20 - 8 * i, cy], [cx + 20 + 8 * i, cy]]);
    await mobile.waitForTimeout(20); // a finger's pace: the gesture under test, not synchronisation
  }
  await touch("touchEnd", []);
  await moved(mobile, search);
  report.touch.pinched = await phoneState();
  search = await mobile.evaluate(() => location.search);
  await touch("touchStart", [[cx, cy]]);
  for (let i = 1; i <= 10; i += 1) {
    await touch("touchMove", [[cx - 6 * i, cy]]);
    await mobile.waitForTimeout(20); // a finger's pace: the gesture under test, not synchronisation
  }
  await touch("touchEnd", []);
  await moved(mobile, search);
  report.touch.panned = await phoneState();
  await mobile.screenshot({ path: `${artifacts}/navigation-phone.png` });
} catch (e) {
  report.error = String(e);
}
await browser.close();
console.log(JSON.stringify(report));
