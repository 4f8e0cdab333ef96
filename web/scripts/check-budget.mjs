// The bundle-size budget: the build fails when the JavaScript or CSS shipped to the browser grows
// past these gzip sizes. Raise them deliberately, in review, never by accident.
import { readdirSync, readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";

const budgets = { js: 200 * 1024, css: 20 * 1024 };
const dir = new URL("../dist/assets/", import.meta.url).pathname;
const totals = { js: 0, css: 0 };
for (const f of readdirSync(dir)) {
  const kind = f.endsWith(".js") ? "js" : f.endsWith(".css") ? "css" : null;
  if (!kind) continue;
  totals[kind] += gzipSync(readFileSync(join(dir, f))).length;
}
let ok = true;
for (const kind of Object.keys(budgets)) {
  const line = `${kind}: ${(totals[kind] / 1024).toFixed(1)} KiB gzip (budget ${budgets[kind] / 1024} KiB)`;
  if (totals[kind] > budgets[kind]) {
    console.error(`over budget: ${line}`);
    ok = false;
  } else {
    console.log(line);
  }
}
process.exit(ok ? 0 : 1);
