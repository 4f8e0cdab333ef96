// An owner manages a dataset from the list and from its page, in real Chromium: edit name,
// description, category and visibility (a guest then finds it), another user sees no edit or delete,
// and delete names what is lost before it happens.
// Usage: node e2e_manage.mjs BASE OWNER_LOGIN OWNER_PASSWORD OTHER_LOGIN OTHER_PASSWORD DATASET_ID
//   → one JSON line {"after_edit", "guest_sees", "other_buttons", "delete_text", "after_delete_url", ...}
import { launchBrowser, signIn } from "./browser.mjs";

const [base, owner, ownerPassword, other, otherPassword, id] = process.argv.slice(2);
const browser = await launchBrowser();
const report = { console_errors: [] };

const signedIn = async (login, password) => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on("console", (m) => { if (m.type() === "error") report.console_errors.push(m.text()); });
  await signIn(page, base, login, password);
  return page;
};

try {
  const page = await signedIn(owner, ownerPassword);
  await page.goto(base + "/datasets?mine=true");
  const card = page.locator(`article.dataset[data-id="${id}"]`);
  await card.waitFor();
  await card.getByRole("button", { name: /^Edit / }).click();
  const dialog = page.getByRole("dialog", { name: "Edit dataset" });
  await dialog.getByLabel("Name").fill("Horsehead <b>nebula</b>");
  await dialog.getByLabel("Description").fill("Taken at Kitt Peak");
  await dialog.getByLabel("Category").selectOption("space");
  await dialog.getByLabel(/Public/).check();
  await dialog.getByRole("button", { name: "Save" }).click();
  await dialog.waitFor({ state: "detached" });
  await card.getByText("Horsehead <b>nebula</b>").waitFor();
  report.after_edit = await card.innerText();

  // A guest now finds it among the public datasets.
  const guest = await (await browser.newContext()).newPage();
  await guest.goto(base + "/datasets");
  await guest.locator(`article.dataset[data-id="${id}"]`).waitFor({ timeout: 10000 });
  report.guest_sees = await guest.locator(`article.dataset[data-id="${id}"] h3`).innerText();

  // Another signed-in user sees it, without edit or delete.
  const second = await signedIn(other, otherPassword);
  await second.goto(base + "/datasets");
  await second.locator(`article.dataset[data-id="${id}"]`).waitFor();
  report.other_buttons = await second.locator(`article.dataset[data-id="${id}"] button`).allInnerTexts();
  await second.goto(`${base}/datasets/${id}`);
  await second.getByRole("heading", { level: 1, name: "Horsehead <b>nebula</b>" }).waitFor();
  await second.locator(".viewer-layout").waitFor();
  report.other_page_buttons = await second.locator(".page-actions button").count();

  // Delete from the dataset's own page: the dialog says what goes, then the list no longer has it.
  await page.goto(`${base}/datasets/${id}`);
  await page.locator(".page-actions").getByRole("button", { name: "Delete" }).click();
  const confirm = page.getByRole("dialog", { name: "Delete this dataset?" });
  report.delete_text = await confirm.innerText();
  await confirm.getByRole("button", { name: "Delete" }).click();
  await page.waitForURL("**/datasets");
  report.after_delete_url = new URL(page.url()).pathname;
} catch (e) {
  report.error = String(e);
}
await browser.close();
console.log(JSON.stringify(report));
