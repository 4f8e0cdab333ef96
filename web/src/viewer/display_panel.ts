// The viewer's display panel for mono 16-bit, float and FITS datasets (ADR 0024): stretch, cut presets,
// typed cuts, colour map (and inverted), the data's histogram with the cuts draggable, "save as
// default" for the owner, and the value under the pointer with a 5 × 5 pixel table. A change swaps
// OpenSeadragon's image for the live tiles with the new settings, in place: the view stays, and the
// old image stays on screen until the new one has every tile the view needs.
import type OpenSeadragon from "openseadragon";
import { ApiError, api } from "../api/client";
import { el } from "../ui/dom";
import {
  COLORMAPS,
  CUT_PRESETS,
  LIVE_STRETCHES,
  type CutPreset,
  type DataStats,
  type DisplaySettings,
  type LiveStretch,
  displayBody,
  encodeDisplay,
  formatValue,
  throttleDelay,
  histogramBars,
  histogramRange,
  initialSettings,
  liveTileSource,
  presetCuts,
  presetLabel,
  presetOf,
  valueToX,
  xToValue,
} from "./display_panel_settings";
import { PixelValues } from "./pixel_values";

export interface DisplayPanelOptions {
  viewer: OpenSeadragon.Viewer;
  dataset: { id: string; pyramid_version: number; width: number; height: number; tileSize: number };
  stats: DataStats;
  initial: DisplaySettings;
  canSave: boolean;
}

const HIST_W = 256;
const HIST_H = 80;
const DRAG_APPLY_MS = 150;

export class DisplayPanel {
  readonly element: HTMLElement;
  private settings: DisplaySettings;
  private generation = 0;
  private readonly stretch: HTMLSelectElement;
  private readonly preset: HTMLSelectElement;
  private readonly lo: HTMLInputElement;
  private readonly hi: HTMLInputElement;
  private readonly cmap: HTMLSelectElement;
  private readonly invert: HTMLInputElement;
  private readonly histogram: HTMLCanvasElement;
  private readonly wholeRange: HTMLInputElement;
  private readonly rangeText: HTMLElement;
  private readonly message: HTMLElement;
  private readonly values: PixelValues;
  // A dragged cut is shown while dragging, at most every DRAG_APPLY_MS, the newest value winning.
  private lastDragApply = 0;
  private dragTimer: number | null = null;
  private dragging: "lo" | "hi" | null = null;
  private destroyed = false;

  constructor(private readonly o: DisplayPanelOptions) {
    this.settings = { ...o.initial };
    const field = (label: string, control: HTMLElement) => el("label", { class: "field" }, label, control);
    this.stretch = el(
      "select",
      {
        attrs: { id: "display-stretch" },
        on: { change: () => this.apply({ stretch: this.stretch.value as LiveStretch }) },
      },
      ...LIVE_STRETCHES.map((k) =>
        el("option", { attrs: { value: k } }, k === "histeq" ? "histogram equalisation" : k),
      ),
    );
    this.preset = el(
      "select",
      { attrs: { id: "display-preset" }, on: { change: () => this.choosePreset() } },
      el("option", { attrs: { value: "" } }, "custom"),
      ...CUT_PRESETS.map((p) => el("option", { attrs: { value: p } }, presetLabel(p))),
    );
    const cut = (id: string) =>
      el("input", {
        attrs: { id, type: "text", inputmode: "decimal", size: 10, autocomplete: "off" },
        on: {
          change: () => this.typedCuts(),
          keydown: (e) => {
            if (e.key === "Enter") this.typedCuts();
          },
        },
      });
    this.lo = cut("display-lo");
    this.hi = cut("display-hi");
    this.cmap = el(
      "select",
      {
        attrs: { id: "display-cmap" },
        on: { change: () => this.apply({ cmap: this.cmap.value as DisplaySettings["cmap"] }) },
      },
      ...COLORMAPS.map((c) => el("option", { attrs: { value: c } }, c === "rainbow" ? "rainbow (jet)" : c)),
    );
    this.invert = el("input", {
      attrs: { id: "display-invert", type: "checkbox" },
      on: { change: () => this.apply({ invert: this.invert.checked }) },
    });
    this.histogram = el("canvas", {
      attrs: {
        width: HIST_W,
        height: HIST_H,
        role: "img",
        "aria-label": "Histogram of the data values (log counts) with the low and high cuts; drag a cut to move it",
      },
      style: { width: "100%", "max-width": `${HIST_W * 1.5}px`, cursor: "ew-resize", "touch-action": "none" },
    });
    this.histogram.addEventListener("pointerdown", (e) => this.dragStart(e));
    this.histogram.addEventListener("pointermove", (e) => this.dragMove(e));
    this.histogram.addEventListener("pointerup", (e) => this.dragEnd(e));
    this.histogram.addEventListener("pointercancel", (e) => this.dragEnd(e));
    this.wholeRange = el("input", {
      attrs: { id: "display-whole-range", type: "checkbox" },
      on: { change: () => this.drawHistogram() },
    });
    this.rangeText = el("p", { class: "muted small" });
    this.message = el("p", { class: "muted small", attrs: { "aria-live": "polite" } });
    this.values = new PixelValues(o.dataset.id);
    this.element = el(
      "section",
      { class: "panel display-panel", attrs: { "aria-label": "Display" } },
      el("h2", null, "Display"),
      field("Stretch", this.stretch),
      field("Cuts", this.preset),
      el("div", { class: "row" }, field("Low", this.lo), field("High", this.hi)),
      this.histogram,
      this.rangeText,
      o.stats.core_histogram
        ? el("label", { class: "check small" }, this.wholeRange, " whole range (min to max)")
        : null,
      el(
        "div",
        { class: "row" },
        field("Colour map", this.cmap),
        el("label", { class: "check" }, this.invert, " invert"),
      ),
      el(
        "div",
        { class: "row" },
        el("button", { class: "button small", attrs: { type: "button" }, on: { click: () => this.reset() } }, "Reset"),
        o.canSave
          ? el(
              "button",
              { class: "button small", attrs: { type: "button" }, on: { click: () => void this.saveDefault() } },
              "Save as default",
            )
          : null,
      ),
      this.message,
      el("h3", null, "Value"),
      this.values.box,
      this.values.tableButton,
      this.values.tableSlot,
    );
    this.syncControls();
  }

  // Shows the settings: the live tiles, the controls, the URL.
  apply(change: Partial<DisplaySettings>): void {
    const next = { ...this.settings, ...change };
    if (!(next.lo < next.hi) || !Number.isFinite(next.hi - next.lo)) {
      this.message.textContent = "The high cut must be above the low cut (and not infinitely far).";
      this.syncControls();
      return;
    }
    this.message.textContent = "";
    this.settings = next;
    this.syncControls();
    this.writeUrl();
    this.show();
  }

  current(): DisplaySettings {
    return { ...this.settings };
  }

  // The pointer is over full-resolution pixel (x, y) (floored image coordinates), or left the image.
  pointer(x: number | null, y: number | null): void {
    this.values.pointer(x, y);
  }

  destroy(): void {
    this.destroyed = true;
    this.values.destroy();
    if (this.dragTimer !== null) window.clearTimeout(this.dragTimer);
  }

  private show(): void {
    const viewer = this.o.viewer;
    const world = viewer.world;
    const generation = ++this.generation;
    viewer.addTiledImage({
      tileSource: liveTileSource(this.o.dataset, this.settings),
      index: world.getItemCount(),
      success: (e: unknown) => {
        const item = (e as { item: OpenSeadragon.TiledImage }).item;
        // A newer change came first: this one is not wanted any more.
        if (generation !== this.generation || this.destroyed) {
          world.removeItem(item);
          return;
        }
        const done = () => {
          if (generation !== this.generation) return;
          for (let i = world.getItemCount() - 1; i >= 0; i--) {
            const other = world.getItemAt(i);
            if (other !== item) world.removeItem(other);
          }
          // What is on screen now, for the browser tests (and anyone inspecting the page).
          this.element.dataset.shown = encodeDisplay(this.settings).toString();
        };
        if ((item as unknown as { getFullyLoaded(): boolean }).getFullyLoaded()) done();
        else
          item.addHandler("fully-loaded-change", (ev) => {
            if ((ev as unknown as { fullyLoaded: boolean }).fullyLoaded) done();
          });
      },
    });
  }

  private writeUrl(): void {
    const q = encodeDisplay(this.settings, new URLSearchParams(window.location.search));
    history.replaceState(history.state, "", `${window.location.pathname}?${q.toString()}`);
  }

  private syncControls(): void {
    const s = this.settings;
    this.stretch.value = s.stretch;
    this.lo.value = String(s.lo);
    this.hi.value = String(s.hi);
    this.preset.value = presetOf(this.o.stats, s.lo, s.hi);
    this.cmap.value = s.cmap;
    this.invert.checked = s.invert;
    this.drawHistogram();
  }

  private choosePreset(): void {
    const p = this.preset.value as CutPreset | "";
    if (!p) return;
    const cuts = presetCuts(this.o.stats, p);
    if (!cuts || !(cuts[0] < cuts[1])) {
      this.message.textContent = "This preset has no range on this image.";
      this.syncControls();
      return;
    }
    this.apply({ lo: cuts[0], hi: cuts[1] });
  }

  private typedCuts(): void {
    const lo = Number(this.lo.value.trim() === "" ? "x" : this.lo.value);
    const hi = Number(this.hi.value.trim() === "" ? "x" : this.hi.value);
    if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
      this.message.textContent = "The cuts must be numbers.";
      return;
    }
    if (lo === this.settings.lo && hi === this.settings.hi) return;
    this.apply({ lo, hi });
  }

  private reset(): void {
    this.apply(initialSettings(this.o.stats));
  }

  private async saveDefault(): Promise<void> {
    this.message.textContent = "Saving…";
    try {
      await api(`/api/datasets/${encodeURIComponent(this.o.dataset.id)}`, {
        method: "PATCH",
        json: { display: displayBody(this.settings) },
      });
      this.message.textContent = "Saved: the viewer opens with these settings.";
    } catch (e) {
      this.message.textContent = `Not saved: ${e instanceof ApiError ? e.message : String(e)}`;
    }
  }

  private drawHistogram(): void {
    const ctx = this.histogram.getContext("2d");
    if (!ctx) return;
    const { low, high, counts } = this.range();
    const unit = this.o.stats.bunit ? ` ${this.o.stats.bunit}` : "";
    this.rangeText.textContent = `${formatValue(low)} … ${formatValue(high)}${unit} · median ${formatValue(this.o.stats.median)}`;
    const w = HIST_W,
      h = HIST_H;
    ctx.clearRect(0, 0, w, h);
    const xlo = valueToX(this.settings.lo, low, high, w);
    const xhi = valueToX(this.settings.hi, low, high, w);
    ctx.fillStyle = "rgba(90, 140, 255, 0.15)";
    ctx.fillRect(xlo, 0, Math.max(1, xhi - xlo), h);
    ctx.fillStyle = "#8a94a6";
    const bars = histogramBars(counts, h - 2);
    const bw = w / Math.max(1, bars.length);
    bars.forEach((b, i) => ctx.fillRect(i * bw, h - b, Math.max(1, bw), b));
    for (const [x, colour] of [
      [xlo, "#2f6fff"],
      [xhi, "#e0452b"],
    ] as const) {
      ctx.fillStyle = colour;
      ctx.fillRect(Math.min(w - 2, Math.max(0, x - 1)), 0, 2, h);
    }
  }

  private range(): { low: number; high: number; counts: number[] } {
    return histogramRange(this.o.stats, this.wholeRange.checked);
  }

  private canvasX(e: PointerEvent): number {
    const r = this.histogram.getBoundingClientRect();
    return ((e.clientX - r.left) / Math.max(1, r.width)) * HIST_W;
  }

  private dragStart(e: PointerEvent): void {
    const { low, high } = this.range();
    const x = this.canvasX(e);
    const dlo = Math.abs(x - valueToX(this.settings.lo, low, high, HIST_W));
    const dhi = Math.abs(x - valueToX(this.settings.hi, low, high, HIST_W));
    this.dragging = dlo <= dhi ? "lo" : "hi";
    this.histogram.setPointerCapture(e.pointerId);
    this.dragMove(e);
  }

  private dragged: { lo: number; hi: number } | null = null;

  private dragMove(e: PointerEvent): void {
    if (!this.dragging) return;
    const { low, high } = this.range();
    const v = xToValue(this.canvasX(e), low, high, HIST_W);
    const cur = this.dragged ?? { lo: this.settings.lo, hi: this.settings.hi };
    // A cut never passes the other one: a tenth of a histogram bin keeps them apart.
    const gap = (high - low) / 2560 || 1e-9;
    if (this.dragging === "lo") cur.lo = Math.min(v, cur.hi - gap);
    else cur.hi = Math.max(v, cur.lo + gap);
    this.dragged = cur;
    this.lo.value = String(cur.lo);
    this.hi.value = String(cur.hi);
    const saved = this.settings;
    this.settings = { ...saved, ...cur };
    this.drawHistogram();
    this.settings = saved;
    this.scheduleDragApply();
  }

  // The image follows the drag: the newest cuts go to the tiles now, or when DRAG_APPLY_MS have
  // passed since the last ones went (a drag makes dozens of moves a second; each change is a screenful
  // of live tiles).
  private scheduleDragApply(): void {
    if (this.dragTimer !== null) return; // already waiting: it will take the newest cuts
    const wait = throttleDelay(this.lastDragApply, performance.now(), DRAG_APPLY_MS);
    this.dragTimer = window.setTimeout(() => {
      this.dragTimer = null;
      if (this.destroyed || !this.dragged) return;
      this.lastDragApply = performance.now();
      this.apply({ ...this.dragged });
    }, wait);
  }

  private dragEnd(e: PointerEvent): void {
    if (!this.dragging) return;
    this.dragMove(e);
    this.dragging = null;
    if (this.dragTimer !== null) window.clearTimeout(this.dragTimer);
    this.dragTimer = null;
    const cuts = this.dragged;
    this.dragged = null;
    if (cuts) this.apply(cuts);
  }
}
