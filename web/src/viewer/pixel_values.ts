// DS9's value box and pixel table: the original value under the pointer at full-resolution
// coordinates, from GET /api/datasets/{id}/pixels (the data pyramid for mono data, the kept band
// values for colour and 8-bit images, ADR 0031), never from the display tiles. Colour images give
// one value per band (R, G, B [, A]). Used by the display panel and, for images without one, on
// its own in a small "Values" panel.
import { ApiError, api } from "../api/client";
import { el, replace } from "../ui/dom";
import { LatestOnly, formatValue } from "./display_panel_settings";

type Value = number | null | (number | null)[];

export interface PixelAnswer {
  x: number;
  y: number;
  value: Value;
  values: Value[][];
  bunit: string | null;
  bands?: string[];
  fits_pixel?: { x: number; y: number };
}

// "R 12 G 200 B 7" for a colour value, the number (or "blank") for a mono one.
export function describeValue(v: Value, bands: string[] | undefined): string {
  if (!Array.isArray(v)) return formatValue(v);
  return v.map((b, i) => `${bands?.[i] ?? `band ${i + 1}`} ${formatValue(b)}`).join(" ");
}

// The value box's machine-readable form (data-value): the number, or the bands' numbers joined by
// commas; empty for a blank.
export function valueData(v: Value): string {
  if (v === null) return "";
  return Array.isArray(v) ? v.map((b) => (b === null ? "" : String(b))).join(",") : String(v);
}

export class PixelValues {
  readonly box: HTMLOutputElement;
  readonly tableButton: HTMLButtonElement;
  readonly tableSlot: HTMLElement;
  private readonly pixels: LatestOnly<string>;
  private last: { x: number; y: number } | null = null; // for the pixel table
  private asked: string | null = null; // the pixel whose value the box shows or will show
  private destroyed = false;

  constructor(private readonly datasetId: string) {
    this.box = el(
      "output",
      { class: "readout", attrs: { id: "pixel-value", "aria-label": "Value under the pointer", "aria-live": "off" } },
      "—",
    );
    this.tableSlot = el("div");
    this.tableButton = el(
      "button",
      { class: "button small", attrs: { type: "button" }, on: { click: () => void this.showTable() } },
      "Pixel table",
    );
    this.pixels = new LatestOnly((key) => this.fetchValue(key));
  }

  // The pointer is over full-resolution pixel (x, y) (floored image coordinates), or left the image.
  pointer(x: number | null, y: number | null): void {
    if (x === null || y === null) {
      this.box.textContent = "—";
      this.asked = null;
      return;
    }
    // The pointer moves within a pixel far more often than between pixels: ask once per pixel.
    const key = `${x},${y}`;
    if (key === this.asked) return;
    this.asked = key;
    this.last = { x, y };
    this.pixels.ask(key);
  }

  destroy(): void {
    this.destroyed = true;
  }

  private url(x: number, y: number, size: number): string {
    return `/api/datasets/${encodeURIComponent(this.datasetId)}/pixels?x=${x}&y=${y}&size=${size}`;
  }

  private async fetchValue(key: string): Promise<void> {
    const [x, y] = key.split(",").map(Number);
    let r: PixelAnswer;
    try {
      r = await api<PixelAnswer>(this.url(x, y, 1));
    } catch (e) {
      // A pyramid built before band values were kept has none: say so instead of a silent dash.
      if (!this.destroyed && e instanceof ApiError && e.code === "no_data_pyramid")
        this.box.textContent =
          "No original values in this pyramid (built before they were kept): reprocess to read them";
      return;
    }
    if (this.destroyed) return;
    const unit = r.bunit && r.value !== null ? ` ${r.bunit}` : "";
    const fits = r.fits_pixel ? ` · FITS ${r.fits_pixel.x}, ${r.fits_pixel.y}` : "";
    this.box.textContent = `${describeValue(r.value, r.bands)}${unit} at x ${r.x}, y ${r.y}${fits}`;
    this.box.dataset.value = valueData(r.value);
  }

  private async showTable(): Promise<void> {
    if (!this.last) {
      replace(this.tableSlot, el("p", { class: "muted small" }, "Move the pointer over the image first."));
      return;
    }
    const { x, y } = this.last;
    try {
      const r = await api<PixelAnswer>(this.url(x, y, 5));
      const half = Math.floor(r.values.length / 2);
      const bands = r.bands ? ` (${r.bands.join(", ")})` : "";
      // Scrolls sideways in a narrow panel rather than spilling over the page.
      replace(
        this.tableSlot,
        el(
          "div",
          {
            attrs: { tabindex: 0, role: "region", "aria-label": "Pixel values" },
            style: { "overflow-x": "auto", "max-width": "100%" },
          },
          el(
            "table",
            { class: "pixel-table small", attrs: { "aria-label": `Values around x ${x}, y ${y}` } },
            el("caption", null, `Around x ${x}, y ${y}${r.bunit ? ` (${r.bunit})` : ""}${bands}`),
            el(
              "tr",
              null,
              el("th", null, "y \\ x"),
              ...r.values[0].map((_, i) => el("th", null, String(x + i - half))),
            ),
            ...r.values.map((row, j) =>
              el(
                "tr",
                null,
                el("th", null, String(y + j - half)),
                ...row.map((v, i) =>
                  el(
                    "td",
                    {
                      style:
                        i === half && j === half ? { "font-weight": "bold", outline: "1px solid currentColor" } : {},
                    },
                    // Colour: the bands one under the other, so five columns still fit.
                    Array.isArray(v)
                      ? v.map((b, k) => (k ? [el("br"), formatValue(b)] : formatValue(b))).flat()
                      : formatValue(v),
                  ),
                ),
              ),
            ),
          ),
        ),
      );
    } catch (e) {
      replace(this.tableSlot, el("p", { class: "muted small" }, `No values: ${String(e)}`));
    }
  }
}

// The "Values" panel of an image without display controls (colour, 8-bit): the value box and the
// pixel table alone.
export function valuesPanel(values: PixelValues): HTMLElement {
  return el(
    "section",
    { class: "panel values-panel", attrs: { "aria-label": "Values" } },
    el("h2", null, "Value"),
    values.box,
    values.tableButton,
    values.tableSlot,
  );
}
