// The viewer's Download menu: the uploaded original file, and the region on screen at full resolution
// as a PNG, TIFF or FITS cut-out (docs/adr/0027-cutouts.md). Plain same-origin links: the browser
// sends the session cookie with them (as with tiles), so private datasets download for their owner,
// and the file streams to disk instead of through page memory (sources can be tens of gigabytes).
// The server names the file (Content-Disposition), so the links' `download` attribute is empty.
import type OpenSeadragon from "openseadragon";
import type { Dataset } from "../api/types";
import { el, formatBytes } from "../ui/dom";

export function originalUrl(d: Pick<Dataset, "id">): string {
  return `/api/datasets/${encodeURIComponent(d.id)}/original`;
}

// Full-resolution pixels, x right and y down from the top-left, as the server's cut-out counts them.
export interface Region {
  x: number;
  y: number;
  w: number;
  h: number;
}

export type CutoutFormat = "png" | "tiff" | "fits";

// The server's default MAX_CUTOUT_PIXELS. Larger regions are not offered (the server would answer
// 422 cutout_too_large, which a download link cannot show); a server configured lower still refuses.
export const CUTOUT_MAX_PIXELS = 64 * 1024 * 1024;

// The whole pixels a rectangle of image coordinates touches, clipped to the image; null when none.
export function visibleRegion(
  r: { x: number; y: number; width: number; height: number },
  imageWidth: number,
  imageHeight: number,
): Region | null {
  const values = [r.x, r.y, r.width, r.height];
  if (!values.every(Number.isFinite)) return null;
  const x0 = Math.max(0, Math.floor(r.x));
  const y0 = Math.max(0, Math.floor(r.y));
  const x1 = Math.min(imageWidth, Math.ceil(r.x + r.width));
  const y1 = Math.min(imageHeight, Math.ceil(r.y + r.height));
  if (x1 <= x0 || y1 <= y0) return null;
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

// The part of the image on screen in a viewer (its bounding box when the view is rotated).
export function viewerRegion(viewer: OpenSeadragon.Viewer | null, imageWidth: number, imageHeight: number) {
  const item = viewer?.world.getItemAt(0);
  if (!viewer || !item) return null;
  const box = viewer.viewport.getBounds(true).getBoundingBox();
  return visibleRegion(item.viewportToImageRectangle(box), imageWidth, imageHeight);
}

// Versioned: the answer never changes, so the browser and caches may keep it.
export function cutoutUrl(d: Pick<Dataset, "id" | "pyramid_version">, r: Region, format: CutoutFormat): string {
  const q = new URLSearchParams({ x: String(r.x), y: String(r.y), w: String(r.w), h: String(r.h), format });
  return `/api/datasets/${encodeURIComponent(d.id)}/v${d.pyramid_version}/cutout?${q.toString()}`;
}

export interface CutoutChoices {
  // The region on screen now (asked when the menu opens and again when an item is chosen).
  region: () => Region | null;
  // FITS needs the data pyramid of original values (16-bit, float and FITS datasets).
  originalValues: boolean;
}

const LABELS: Record<CutoutFormat, string> = { png: "PNG", tiff: "TIFF", fits: "FITS" };

function cutoutItems(d: Pick<Dataset, "id" | "pyramid_version">, choices: CutoutChoices) {
  const formats: CutoutFormat[] = choices.originalValues ? ["png", "tiff", "fits"] : ["png", "tiff"];
  const links = formats.map((format) =>
    el(
      "a",
      { class: "button small", attrs: { download: "", "data-download": `cutout-${format}` } },
      `Visible region as ${LABELS[format]}`,
    ),
  );
  const update = () => {
    const r = choices.region();
    const pixels = r ? r.w * r.h : 0;
    links.forEach((a, i) => {
      const format = formats[i];
      if (r && pixels <= CUTOUT_MAX_PIXELS) {
        a.href = cutoutUrl(d, r, format);
        a.removeAttribute("aria-disabled");
        a.title =
          `${r.w} × ${r.h} pixels at full resolution` +
          (format === "fits" ? ", the original values" : ", as displayed");
      } else {
        a.removeAttribute("href");
        a.setAttribute("aria-disabled", "true");
        a.title = r
          ? `Zoom in: the visible region has ${(pixels / 1e6).toFixed(1)} million pixels, ` +
            `cut-outs hold up to ${(CUTOUT_MAX_PIXELS / 1e6).toFixed(1)} million`
          : "No part of the image is visible";
      }
    });
  };
  // The link follows the view as it is when chosen: its href is set before the browser follows it.
  for (const a of links) {
    a.addEventListener("click", update);
    a.addEventListener("focus", update);
  }
  return { links, update };
}

export function downloadMenu(
  d: Pick<Dataset, "id" | "file_name" | "file_size" | "pyramid_version">,
  choices?: CutoutChoices,
): HTMLElement {
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
  const cutouts = choices ? cutoutItems(d, choices) : null;
  const menu = el(
    "details",
    { class: "download-menu" },
    el("summary", { class: "button small", attrs: { title: "Download" } }, "Download"),
    el("div", { class: "download-menu-items", attrs: { role: "menu" } }, original, ...(cutouts?.links ?? [])),
  );
  if (cutouts) menu.addEventListener("toggle", () => cutouts.update());
  return menu;
}
