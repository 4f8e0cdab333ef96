// The colour composite form in real Chromium: the user signs in, goes from the dataset list to
// "Colour composite", picks three single-band datasets (the cuts fill in from each one's zscale), gives
// green a weight, is asked to confirm the alignment (the blue one has no WCS) and refused without it,
// confirms, follows the build and lands in the viewer, whose information panel shows the recipe.
// Usage: node e2e_composite.mjs BASE LOGIN PASSWORD RED_ID GREEN_ID BLUE_ID SHOT_DIR
//   → one JSON line {"url", "cuts", "refusal", "info", "console_errors"} or {"error"}
import path from "node:path";
import { launchBrowser, signIn } from "./browser.mjs";

const [base, login, password, red, green, blue, shots] = process.argv.slice(2);
const browser = await launchBrowser();
const report = { console_errors: [] };
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on("console", (m) => { if (m.type() === "error") report.console_errors.push(m.text()); });
  await signIn(page, base, login, password);
  await page.getByRole("link", { name: "Colour composite" }).click();
  await page.waitForURL("**/composite");
  await page.locator(`#composite-red-dataset option[value="${red}"]`).waitFor({ state: "attached" });
  // The viewer of a single-band dataset links the form with it as red.
  await page.goto(`${base}/datasets/${red}`);
  await page.getByRole("link", { name: "Make a colour composite" }).click();
  await page.waitForURL("**/composite?red=*");
  await page.waitForFunction((id) => document.getElementById("composite-red-dataset").value === id, red);
  report.preselected = await page.locator("#composite-red-dataset").inputValue();
  await page.getByLabel("Name").fill("Orion RGB");
  for (const [band, id] of [["red", red], ["green", green], ["blue", blue]]) {
    const select = page.locator(`#composite-${band}-dataset`);
    await select.locator(`option[value="${id}"]`).waitFor({ state: "attached" });
    await select.selectOption(id);
    // The cuts come from the dataset's stored zscale.
    await page.waitForFunction((b) => document.getElementById(`composite-${b}-lo`).value !== "", band);
  }
  report.cuts = await page.evaluate(() =>
    ["red", "green", "blue"].map((b) => [document.getElementById(`composite-${b}-lo`).value,
                                         document.getElementById(`composite-${b}-hi`).value]));
  await page.locator("#composite-green-weight").fill("1.5");
  await page.locator("#composite-blue-stretch").selectOption("asinh");
  const confirm = page.getByLabel(/pixel-aligned/);
  await confirm.waitFor();  // shown: the blue channel has no WCS
  await page.getByRole("button", { name: "Make the composite" }).click();
  const alert = page.getByRole("alert");
  await alert.waitFor();
  report.refusal = await alert.innerText();
  await page.screenshot({ path: path.join(shots, "composite-form-refused.png"), fullPage: true });
  await confirm.check();
  await page.getByRole("button", { name: "Make the composite" }).click();
  await page.waitForURL((u) => /\/datasets\/[^/]+$/.test(new URL(u).pathname), { timeout: 120000 });
  report.url = page.url();
  await page.locator(".viewer-layout").waitFor();
  const info = page.getByRole("complementary", { name: "Image information" });
  await info.getByText("Aligned by").waitFor();
  report.info = await info.innerText();
  // Tiles drawn: OpenSeadragon has painted its canvas.
  await page.waitForFunction(() => {
    const c = document.querySelector(".openseadragon-canvas canvas");
    return c && c.width > 0;
  });
  await page.screenshot({ path: path.join(shots, "composite-viewer.png"), fullPage: true });
} catch (e) {
  report.error = String(e && e.stack || e);
}
console.log(JSON.stringify(report));
await browser.close();
