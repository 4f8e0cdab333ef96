// The viewer's Download menu: the uploaded original file. A plain same-origin link: the browser
// sends the session cookie with it (as with tiles), so private datasets download for their owner,
// and the file streams to disk instead of through page memory (sources can be tens of gigabytes).
// The server names the file (Content-Disposition), so the link's `download` attribute is empty.
import type { Dataset } from "../api/types";
import { el, formatBytes } from "../ui/dom";

export function originalUrl(d: Pick<Dataset, "id">): string {
  return `/api/datasets/${encodeURIComponent(d.id)}/original`;
}

export function downloadMenu(d: Pick<Dataset, "id" | "file_name" | "file_size">): HTMLElement {
  const original = el(
    "a",
    {
      class: "button small",
      attrs: {
        href: originalUrl(d),
        download: "",
        "data-download": "original",
        title: `Download the uploaded file ${d.file_name} (${formatBytes(d.file_size)})`,
      },
    },
    `Original file (${formatBytes(d.file_size)})`,
  );
  return el(
    "details",
    { class: "download-menu" },
    el("summary", { class: "button small", attrs: { title: "Download" } }, "Download"),
    el("div", { class: "download-menu-items", attrs: { role: "menu" } }, original),
  );
}
