// Annotations drawn over OpenSeadragon as SVG (built element by element: labels are text nodes),
// the drawing tools, and the list panel. Shapes are kept in image pixels and re-projected on every
// viewport change.
import OpenSeadragon from "openseadragon";
import { ApiError, api } from "../api/client";
import { ANNOTATION_KINDS, type AnnotationKind } from "../api/types";
import { el, replace } from "../ui/dom";
import { errorBox } from "../ui/layout";
import {
  type Annotation,
  type CircleGeometry,
  type Geometry,
  type PointGeometry,
  type PolygonGeometry,
  type RectangleGeometry,
  boundingBox,
  circleFromDrag,
  clampPoint,
  isDrawable,
  rectangleFromDrag,
} from "./annotation_geometry";
import { findName } from "./go_to";
import { describeMeasurement, measure } from "./measure";
import { type RegionStatistics, lineProfile, profilePlot, regionStatistics, statisticsList } from "./measure_panel";
import type { World } from "./sky";
import { isTyping } from "./shortcuts";
import { regionExchangePanel } from "./region_exchange";
import { coalesced } from "./frame";

const SVG = "http://www.w3.org/2000/svg";
// "measure" is a ruler anyone may use; the other tools draw annotations (signed in).
type Tool = "pan" | "measure" | AnnotationKind;
const TOOLS: readonly Tool[] = ["pan", "measure", ...ANNOTATION_KINDS];
const FREE_TOOLS: readonly Tool[] = ["pan", "measure"];
// Every tool's button label and key (a Record over the kinds, so a new kind cannot be left out).
const TOOL_KEYS: Record<Tool, { label: string; key: string; hint: string }> = {
  pan: { label: "Pan", key: "Escape", hint: "Esc" },
  measure: { label: "Measure", key: "m", hint: "M" },
  point: { label: "Point", key: "p", hint: "P" },
  rectangle: { label: "Rectangle", key: "r", hint: "R" },
  circle: { label: "Circle", key: "c", hint: "C" },
  polygon: { label: "Polygon", key: "g", hint: "G" },
};
const TOOL_BY_KEY: Partial<Record<string, Tool>> = Object.fromEntries(TOOLS.map((t) => [TOOL_KEYS[t].key, t]));

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

export interface AnnotationLayerOptions {
  viewer: OpenSeadragon.Viewer;
  datasetId: string;
  width: number;
  height: number;
  canEdit: (a: Annotation) => boolean;
  signedIn: boolean;
  sky: boolean; // a celestial WCS: regions can be exported and imported in sky coordinates
  // Where an image position lies on the sky ("ICRS RA 05:35:17.30, Dec −05:23:28.0 (…)"), with a
  // usable celestial WCS: each annotation is listed with its centre's sky position.
  skyPosition?: (x: number, y: number) => string | null;
  // The image's celestial WCS, pixel → sky: the ruler measures along the great circle with it.
  world?: (x: number, y: number) => World | null;
  // The pyramid version shown, when it has a data pyramid of original values: regions then give
  // their statistics and the ruler its line profile.
  dataVersion?: number;
}

export class AnnotationLayer {
  readonly toolbar: HTMLElement;
  readonly panel: HTMLElement;
  private readonly overlay: SVGSVGElement;
  private items: Annotation[] = [];
  private hidden = new Set<string>();
  private tool: Tool = "pan";
  private draft: { kind: AnnotationKind; geometry: Geometry } | null = null;
  private polygon: Array<[number, number]> = [];
  private dragStart: [number, number] | null = null;
  private filterText = "";
  private filterKind: "" | AnnotationKind = "";
  private readonly list = el("ul", { class: "annotation-list" });
  private readonly form = el("div");
  private readonly status = el("div", { attrs: { "aria-live": "polite" } });
  private ruler: [[number, number], [number, number]] | null = null;
  private readonly measureOut = el("output", { class: "readout", attrs: { "aria-label": "Measurement" } });
  private readonly profileButton = el(
    "button",
    {
      class: "button small",
      attrs: { type: "button", hidden: true, title: "The original values along the ruler" },
      on: { click: () => void this.showProfile() },
    },
    "Profile",
  );
  private readonly profileOut = el("div", { class: "profile", attrs: { "aria-live": "polite" } });
  // Statistics asked for, by annotation id: the figures, or why there are none.
  private readonly statistics = new Map<string, RegionStatistics | string>();

  constructor(private readonly o: AnnotationLayerOptions) {
    this.overlay = svg("svg", { class: "annotation-overlay", "aria-hidden": "true" });
    o.viewer.canvas.parentElement?.appendChild(this.overlay);
    // Redrawn once per OpenSeadragon frame however many of these it raises in it, in that frame.
    const follow = coalesced(() => this.render());
    for (const ev of ["animation", "update-viewport", "resize", "rotate", "open"] as const)
      o.viewer.addHandler(ev, follow);
    this.bindPointer();
    const toolButton = (tool: Tool, { label, hint } = TOOL_KEYS[tool]) =>
      el(
        "button",
        {
          class: "button small",
          attrs: {
            type: "button",
            "data-tool": tool,
            "aria-pressed": String(tool === "pan"),
            title: `${label} (${hint})`,
            disabled: !FREE_TOOLS.includes(tool) && !o.signedIn,
          },
          on: { click: () => this.setTool(tool) },
        },
        label,
      );
    this.toolbar = el(
      "div",
      { class: "viewer-controls", attrs: { role: "toolbar", "aria-label": "Annotation tools" } },
      ...TOOLS.map((tool) => toolButton(tool)),
      this.measureOut,
      this.profileButton,
    );
    this.panel = el(
      "section",
      { class: "panel", attrs: { "aria-label": "Annotations" } },
      el("h2", null, "Annotations"),
      this.profileOut,
      this.form,
      this.status,
      el(
        "div",
        { class: "row" },
        el("input", {
          attrs: { type: "search", placeholder: "Search labels", "aria-label": "Search annotations" },
          on: {
            input: (e) => {
              this.filterText = (e.target as HTMLInputElement).value.toLowerCase();
              this.renderList();
            },
          },
        }),
        el(
          "select",
          {
            attrs: { "aria-label": "Filter by type" },
            on: {
              change: (e) => {
                this.filterKind = (e.target as HTMLSelectElement).value as "" | AnnotationKind;
                this.renderList();
              },
            },
          },
          el("option", { attrs: { value: "" } }, "All types"),
          ...ANNOTATION_KINDS.map((k) => el("option", { attrs: { value: k } }, k)),
        ),
      ),
      this.list,
      regionExchangePanel({
        datasetId: o.datasetId,
        sky: o.sky,
        signedIn: o.signedIn,
        onImported: () => this.load(),
      }),
    );
    document.addEventListener("keydown", this.onKey);
  }

  get svg(): SVGSVGElement {
    return this.overlay;
  }

  destroy(): void {
    document.removeEventListener("keydown", this.onKey);
    this.overlay.remove();
  }

  async load(): Promise<void> {
    try {
      const page = await api<{ items: Annotation[] }>(
        `/api/datasets/${encodeURIComponent(this.o.datasetId)}/annotations`,
      );
      this.items = page.items;
      this.render();
      this.renderList();
    } catch (e) {
      replace(this.status, errorBox("Annotations cannot be loaded", e instanceof ApiError ? e.message : String(e)));
    }
  }

  private readonly onKey = (e: KeyboardEvent) => {
    if (isTyping(e.target) || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "Enter" && this.tool === "polygon" && this.polygon.length >= 3) {
      this.finishPolygon();
      return;
    }
    const tool = TOOL_BY_KEY[e.key];
    if (tool && (FREE_TOOLS.includes(tool) || this.o.signedIn)) this.setTool(tool);
  };

  private setTool(tool: Tool): void {
    this.tool = tool;
    this.polygon = [];
    this.dragStart = null;
    this.ruler = null;
    this.measureOut.textContent = "";
    this.profileButton.hidden = true;
    if (!this.draft) this.render();
    this.toolbar
      .querySelectorAll("button")
      .forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.tool === tool)));
    this.o.viewer.setMouseNavEnabled(tool === "pan");
    this.overlay.classList.toggle("drawing", tool !== "pan");
  }

  private toImage(e: PointerEvent): [number, number] {
    const rect = this.overlay.getBoundingClientRect();
    const item = this.o.viewer.world.getItemAt(0);
    const p = item.viewerElementToImageCoordinates(
      new OpenSeadragon.Point(e.clientX - rect.left, e.clientY - rect.top),
    );
    return [p.x, p.y];
  }

  private bindPointer(): void {
    const w = this.o.width,
      h = this.o.height;
    this.overlay.addEventListener("pointerdown", (e) => {
      if (this.tool === "pan" || this.draft) return;
      e.preventDefault();
      const p = this.toImage(e);
      if (this.tool === "point") {
        const [x, y] = clampPoint(p, w, h);
        this.startDraft("point", { x, y });
      } else if (this.tool === "polygon") {
        this.polygon.push(clampPoint(p, w, h));
        this.render();
      } else if (this.tool === "measure") {
        this.dragStart = p;
        this.ruler = [p, p];
        this.overlay.setPointerCapture(e.pointerId);
      } else {
        this.dragStart = p;
        this.overlay.setPointerCapture(e.pointerId);
      }
    });
    this.overlay.addEventListener("pointermove", (e) => {
      if (!this.dragStart) return;
      const p = this.toImage(e);
      if (this.tool === "measure") {
        this.updateRuler(this.dragStart, p);
        return;
      }
      const g =
        this.tool === "rectangle"
          ? rectangleFromDrag(this.dragStart, p, w, h)
          : circleFromDrag(this.dragStart, p, w, h);
      this.render({ kind: this.tool as AnnotationKind, geometry: g });
    });
    this.overlay.addEventListener("pointerup", (e) => {
      if (!this.dragStart) return;
      const p = this.toImage(e);
      if (this.tool === "measure") {
        this.updateRuler(this.dragStart, p);
        this.dragStart = null;
        this.profileButton.hidden = this.o.dataVersion === undefined;
        return;
      }
      const kind = this.tool as AnnotationKind;
      const g =
        kind === "rectangle" ? rectangleFromDrag(this.dragStart, p, w, h) : circleFromDrag(this.dragStart, p, w, h);
      this.dragStart = null;
      if (isDrawable(kind, g)) this.startDraft(kind, g);
      else this.render();
    });
    this.overlay.addEventListener("dblclick", (e) => {
      if (this.tool !== "polygon") return;
      e.preventDefault();
      this.finishPolygon();
    });
  }

  private updateRuler(a: [number, number], b: [number, number]): void {
    this.ruler = [a, b];
    this.measureOut.textContent = describeMeasurement(measure(a, b, this.o.world ?? null));
    this.render();
  }

  // The original values along the ruler, plotted in the panel.
  private async showProfile(): Promise<void> {
    if (!this.ruler || this.o.dataVersion === undefined) return;
    const [a, b] = this.ruler;
    replace(this.profileOut, el("p", { class: "muted small" }, "Reading the values along the line…"));
    try {
      const p = await lineProfile(this.o.datasetId, this.o.dataVersion, a, b);
      const close = el(
        "button",
        { class: "button small", attrs: { type: "button" }, on: { click: () => replace(this.profileOut) } },
        "Close",
      );
      replace(this.profileOut, el("div", { class: "row" }, el("h3", null, "Line profile"), close), profilePlot(p));
    } catch (e) {
      replace(this.profileOut, errorBox("No line profile", e instanceof ApiError ? e.message : String(e)));
    }
  }

  private async toggleStatistics(a: Annotation): Promise<void> {
    if (this.statistics.has(a.id)) {
      this.statistics.delete(a.id);
      this.renderList();
      return;
    }
    if (this.o.dataVersion === undefined) return;
    try {
      this.statistics.set(a.id, await regionStatistics(this.o.datasetId, this.o.dataVersion, a.kind, a.geometry));
    } catch (e) {
      this.statistics.set(a.id, e instanceof ApiError ? e.message : String(e));
    }
    this.renderList();
  }

  private statisticsOf(a: Annotation): HTMLElement | null {
    const s = this.statistics.get(a.id);
    if (s === undefined) return null;
    return typeof s === "string" ? el("p", { class: "error small" }, s) : statisticsList(s);
  }

  private finishPolygon(): void {
    const pts = this.polygon.slice();
    this.polygon = [];
    if (isDrawable("polygon", { points: pts })) this.startDraft("polygon", { points: pts });
  }

  // A shape was drawn: ask for its label and colour, then save it.
  private startDraft(kind: AnnotationKind, geometry: Geometry): void {
    this.draft = { kind, geometry };
    this.render();
    const label = el("input", { attrs: { id: "annotation-label", required: true, maxlength: 200 } });
    const color = el("input", { attrs: { id: "annotation-color", type: "color", value: "#f4c95d" } });
    const done = () => {
      this.draft = null;
      replace(this.form);
      this.render();
    };
    const form = el(
      "form",
      {
        class: "annotation-form",
        on: {
          submit: async (e) => {
            e.preventDefault();
            if (!label.value.trim()) return label.focus();
            try {
              const saved = await api<Annotation>(`/api/datasets/${encodeURIComponent(this.o.datasetId)}/annotations`, {
                json: { kind, label: label.value.trim(), color: color.value, geometry },
              });
              this.items.push(saved);
              done();
              this.renderList();
            } catch (err) {
              replace(
                this.status,
                errorBox("The annotation was not saved", err instanceof ApiError ? err.message : String(err)),
              );
            }
          },
        },
      },
      el(
        "div",
        { class: "field" },
        el("label", { attrs: { for: "annotation-label" } }, `Label for the new ${kind}`),
        label,
      ),
      el("div", { class: "row" }, el("label", { attrs: { for: "annotation-color" } }, "Colour"), color),
      el(
        "div",
        { class: "actions" },
        el("button", { class: "button primary small", attrs: { type: "submit" } }, "Save annotation"),
        el("button", { class: "button small", attrs: { type: "button" }, on: { click: done } }, "Discard"),
      ),
    );
    replace(this.form, form);
    label.focus();
  }

  private project(x: number, y: number): [number, number] {
    const p = this.o.viewer.world.getItemAt(0).imageToViewerElementCoordinates(new OpenSeadragon.Point(x, y));
    return [p.x, p.y];
  }

  private shape(kind: AnnotationKind, g: Geometry, color: string, label: string | null): SVGGElement {
    const group = svg("g", { stroke: color, fill: "none", "stroke-width": 2 });
    let anchor: [number, number];
    if (kind === "point") {
      const p = g as PointGeometry;
      anchor = this.project(p.x, p.y);
      group.appendChild(svg("circle", { cx: anchor[0], cy: anchor[1], r: 5, fill: color }));
    } else if (kind === "rectangle") {
      const r = g as RectangleGeometry;
      const a = this.project(r.x, r.y),
        b = this.project(r.x + r.width, r.y + r.height);
      anchor = a;
      group.appendChild(
        svg("polygon", { points: [a, [b[0], a[1]], b, [a[0], b[1]]].map((q) => q.join(",")).join(" ") }),
      );
    } else if (kind === "circle") {
      const c = g as CircleGeometry;
      const centre = this.project(c.x, c.y),
        edge = this.project(c.x + c.radius, c.y);
      anchor = [centre[0], centre[1] - Math.hypot(edge[0] - centre[0], edge[1] - centre[1])];
      group.appendChild(
        svg("circle", { cx: centre[0], cy: centre[1], r: Math.hypot(edge[0] - centre[0], edge[1] - centre[1]) }),
      );
    } else {
      const pts = (g as PolygonGeometry).points.map((q) => this.project(q[0], q[1]));
      anchor = pts[0];
      group.appendChild(svg("polygon", { points: pts.map((q) => q.join(",")).join(" ") }));
    }
    if (label) {
      const text = svg("text", {
        x: anchor[0] + 6,
        y: anchor[1] - 6,
        fill: color,
        stroke: "none",
        class: "annotation-label",
      });
      text.textContent = label; // a text node: labels never become markup
      group.appendChild(text);
    }
    return group;
  }

  private render(preview?: { kind: AnnotationKind; geometry: Geometry }): void {
    if (!this.o.viewer.world.getItemAt(0)) return;
    const children: SVGElement[] = [];
    for (const a of this.items) {
      if (!this.hidden.has(a.id)) children.push(this.shape(a.kind, a.geometry, a.color, a.label));
    }
    const draft = preview ?? this.draft;
    if (draft) children.push(this.shape(draft.kind, draft.geometry, "#ffffff", null));
    if (this.polygon.length) {
      const pts = this.polygon.map((q) => this.project(q[0], q[1]));
      children.push(
        svg("polyline", {
          points: pts.map((q) => q.join(",")).join(" "),
          stroke: "#ffffff",
          fill: "none",
          "stroke-width": 2,
          "stroke-dasharray": "4 3",
        }),
      );
    }
    if (this.ruler) {
      const [a, b] = this.ruler.map((q) => this.project(q[0], q[1]));
      const ruler = svg("g", { class: "ruler" });
      ruler.append(
        svg("line", { x1: a[0], y1: a[1], x2: b[0], y2: b[1], stroke: "#ffffff", "stroke-width": 2 }),
        svg("circle", { cx: a[0], cy: a[1], r: 3, fill: "#ffffff" }),
        svg("circle", { cx: b[0], cy: b[1], r: 3, fill: "#ffffff" }),
      );
      const label = svg("text", { x: (a[0] + b[0]) / 2 + 6, y: (a[1] + b[1]) / 2 - 6, fill: "#ffffff" });
      label.textContent = this.measureOut.textContent ?? "";
      ruler.append(label);
      children.push(ruler);
    }
    // Nothing drawn and nothing to draw (most views while panning): leave the DOM untouched.
    if (children.length || this.overlay.firstChild) this.overlay.replaceChildren(...children);
  }

  // The annotation a "go to" name means (its label: exact, else a unique prefix), or null.
  find(name: string): Annotation | null {
    return findName(name, this.items, (a) => a.label);
  }

  get visible(): boolean {
    return this.overlay.style.display !== "none";
  }

  set visible(on: boolean) {
    this.overlay.style.display = on ? "" : "none";
  }

  flyTo(a: Annotation): void {
    const b = boundingBox(a.kind, a.geometry);
    const pad = Math.max(b.width, b.height) * 0.5 + 16;
    const rect = this.o.viewer.world
      .getItemAt(0)
      .imageToViewportRectangle(b.x - pad, b.y - pad, b.width + 2 * pad, b.height + 2 * pad);
    this.o.viewer.viewport.fitBounds(rect);
  }

  private renderList(): void {
    const shown = this.items.filter(
      (a) => (!this.filterKind || a.kind === this.filterKind) && a.label.toLowerCase().includes(this.filterText),
    );
    if (!shown.length) {
      replace(
        this.list,
        el(
          "li",
          { class: "muted small" },
          this.items.length
            ? "No annotation matches."
            : this.o.signedIn
              ? "None yet: pick a tool above and draw on the image."
              : "None yet.",
        ),
      );
      return;
    }
    replace(
      this.list,
      ...shown.map((a) => {
        const visible = el("input", {
          attrs: { type: "checkbox", checked: !this.hidden.has(a.id), "aria-label": `Show ${a.label}` },
          on: {
            change: (e) => {
              if ((e.target as HTMLInputElement).checked) this.hidden.delete(a.id);
              else this.hidden.add(a.id);
              this.render();
            },
          },
        });
        const editable = this.o.canEdit(a);
        return el(
          "li",
          { class: "annotation-item", attrs: { "data-id": a.id } },
          visible,
          el("span", { class: "swatch", style: { background: a.color } }),
          el(
            "button",
            { class: "linklike", attrs: { type: "button", title: "Fly to" }, on: { click: () => this.flyTo(a) } },
            a.label,
          ),
          el("span", { class: "muted small" }, a.kind),
          this.skyOf(a),
          this.o.dataVersion !== undefined && a.kind !== "point"
            ? el(
                "button",
                {
                  class: "button small",
                  attrs: {
                    type: "button",
                    "aria-label": `Statistics of ${a.label}`,
                    "aria-expanded": String(this.statistics.has(a.id)),
                  },
                  on: { click: () => void this.toggleStatistics(a) },
                },
                "Stats",
              )
            : null,
          editable
            ? el(
                "button",
                {
                  class: "button small",
                  attrs: { type: "button", "aria-label": `Rename ${a.label}` },
                  on: { click: () => this.rename(a) },
                },
                "Rename",
              )
            : null,
          editable
            ? el(
                "button",
                {
                  class: "button danger small",
                  attrs: { type: "button", "aria-label": `Delete ${a.label}` },
                  on: { click: () => this.remove(a) },
                },
                "Delete",
              )
            : null,
          this.statisticsOf(a),
        );
      }),
    );
  }

  private skyOf(a: Annotation): HTMLElement | null {
    if (!this.o.skyPosition) return null;
    const b = boundingBox(a.kind, a.geometry);
    const where = this.o.skyPosition(b.x + b.width / 2, b.y + b.height / 2);
    return where ? el("span", { class: "muted small annotation-sky" }, where) : null;
  }

  private async rename(a: Annotation): Promise<void> {
    const label = window.prompt("New label", a.label)?.trim();
    if (!label || label === a.label) return;
    try {
      const saved = await api<Annotation>(
        `/api/datasets/${encodeURIComponent(this.o.datasetId)}/annotations/${encodeURIComponent(a.id)}`,
        { method: "PATCH", json: { label } },
      );
      this.items = this.items.map((x) => (x.id === a.id ? saved : x));
      this.render();
      this.renderList();
    } catch (err) {
      replace(this.status, errorBox("Rename failed", err instanceof ApiError ? err.message : String(err)));
    }
  }

  private async remove(a: Annotation): Promise<void> {
    if (!window.confirm(`Delete the annotation “${a.label}”?`)) return;
    try {
      await api(`/api/datasets/${encodeURIComponent(this.o.datasetId)}/annotations/${encodeURIComponent(a.id)}`, {
        method: "DELETE",
      });
      this.items = this.items.filter((x) => x.id !== a.id);
      this.render();
      this.renderList();
    } catch (err) {
      replace(this.status, errorBox("Delete failed", err instanceof ApiError ? err.message : String(err)));
    }
  }
}
