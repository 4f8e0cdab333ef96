// The coordinate grid drawn over OpenSeadragon as SVG, recomputed for the visible part of the image
// on every viewport change (at most once a frame), and its toggle button.
import OpenSeadragon from "openseadragon";
import { el } from "../ui/dom";
import { frameOf, type SkyTransform } from "./sky";
import { computeGrid, type Rect } from "./sky_grid";
import { coalesced } from "./frame";

const SVG = "http://www.w3.org/2000/svg";
const LINE = "rgba(110, 200, 255, 0.75)";

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

export class SkyGridLayer {
  readonly button: HTMLButtonElement;
  private readonly overlay: SVGSVGElement;
  private shown = false;
  // Once per OpenSeadragon frame, in that frame (the lines move with the image).
  private readonly redraw = coalesced(() => this.render());

  constructor(
    private readonly viewer: OpenSeadragon.Viewer,
    private readonly sky: SkyTransform,
    private readonly width: number,
    private readonly height: number,
  ) {
    this.overlay = svg("svg", { class: "sky-grid", "aria-hidden": "true", "data-lines": 0 });
    Object.assign(this.overlay.style, {
      position: "absolute",
      inset: "0",
      width: "100%",
      height: "100%",
      pointerEvents: "none",
      display: "none",
    });
    viewer.canvas.parentElement?.appendChild(this.overlay);
    for (const ev of ["animation", "update-viewport", "resize", "rotate", "open"] as const)
      viewer.addHandler(ev, () => this.schedule());
    const name = frameOf(sky.wcs).name;
    this.button = el(
      "button",
      {
        class: "button small",
        attrs: {
          type: "button",
          "aria-pressed": "false",
          title: `Show the ${name} coordinate grid`,
          "aria-label": "Coordinate grid",
        },
        on: { click: () => this.toggle(!this.shown) },
      },
      "Grid",
    );
  }

  get showing(): boolean {
    return this.shown;
  }

  toggle(on: boolean): void {
    this.shown = on;
    this.button.setAttribute("aria-pressed", String(on));
    this.overlay.style.display = on ? "" : "none";
    this.schedule();
  }

  private schedule(): void {
    if (this.shown) this.redraw();
  }

  // The visible part of the image, in image pixels (the bounding box when the view is rotated).
  private visible(item: OpenSeadragon.TiledImage): Rect | null {
    // OpenSeadragon's last measured size: no layout read in a per-frame path.
    const size = this.viewer.viewport.getContainerSize();
    const box = { width: size.x, height: size.y };
    const corners = [
      [0, 0],
      [box.width, 0],
      [0, box.height],
      [box.width, box.height],
    ].map(([x, y]) => item.viewerElementToImageCoordinates(new OpenSeadragon.Point(x, y)));
    const x0 = Math.max(0, Math.min(...corners.map((p) => p.x))),
      x1 = Math.min(this.width, Math.max(...corners.map((p) => p.x)));
    const y0 = Math.max(0, Math.min(...corners.map((p) => p.y))),
      y1 = Math.min(this.height, Math.max(...corners.map((p) => p.y)));
    return x1 > x0 && y1 > y0 ? { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } : null;
  }

  private render(): void {
    const item = this.viewer.world.getItemAt(0);
    if (!item || !this.shown) return;
    const view = this.visible(item);
    const grid = view ? computeGrid(this.sky, this.height, view, frameOf(this.sky.wcs).hours) : null;
    // OpenSeadragon's last measured size: no layout read in a per-frame path.
    const size = this.viewer.viewport.getContainerSize();
    const box = { width: size.x, height: size.y };
    const toScreen = (x: number, y: number): [number, number] => {
      const p = item.imageToViewerElementCoordinates(new OpenSeadragon.Point(x, y));
      return [p.x, p.y];
    };
    // Lines are clipped to the image (its outline on screen, rotated or not).
    const outline = [
      toScreen(0, 0),
      toScreen(this.width, 0),
      toScreen(this.width, this.height),
      toScreen(0, this.height),
    ];
    const clip = svg("clipPath", { id: "sky-grid-clip" });
    clip.appendChild(svg("polygon", { points: outline.map((p) => `${p[0].toFixed(1)},${p[1].toFixed(1)}`).join(" ") }));
    const lines = svg("g", { "clip-path": "url(#sky-grid-clip)" });
    const labels: SVGElement[] = [];
    // Meridians meet at a pole: no label there (they would all overlap).
    const poles = [90, -90]
      .map((lat) => this.sky.pixel(0, lat, this.height))
      .filter((p): p is [number, number] => p !== null)
      .map(([x, y]) => toScreen(x, y));
    let count = 0;
    for (const line of grid?.lines ?? []) {
      let anchor: [number, number] | null = null;
      for (const run of line.points) {
        const screen = run.map(([x, y]) => toScreen(x, y));
        lines.appendChild(
          svg("polyline", {
            points: screen.map((p) => `${p[0].toFixed(1)},${p[1].toFixed(1)}`).join(" "),
            fill: "none",
            stroke: LINE,
            "stroke-width": 1,
            "data-kind": line.kind,
          }),
        );
        count++;
        // Meridians are labelled at their lowest visible point, parallels at their leftmost one.
        screen.forEach((p, i) => {
          const [x, y] = run[i];
          if (x < 0 || y < 0 || x > this.width || y > this.height) return;
          if (p[0] < 4 || p[1] < 4 || p[0] > box.width - 4 || p[1] > box.height - 4) return;
          if (line.kind === "meridian" && poles.some((q) => Math.hypot(q[0] - p[0], q[1] - p[1]) < 40)) return;
          if (!anchor || (line.kind === "meridian" ? p[1] > anchor[1] : p[0] < anchor[0])) anchor = p;
        });
      }
      if (anchor) {
        const a: [number, number] = anchor;
        const x = Math.max(4, Math.min(a[0] + 3, box.width - 90)),
          y = Math.max(14, Math.min(a[1] - 4, box.height - 6));
        const text = svg("text", {
          x: x.toFixed(1),
          y: y.toFixed(1),
          fill: "#d8efff",
          stroke: "#000",
          "stroke-width": 3,
          "paint-order": "stroke",
          "font-size": 12,
          "font-family": "system-ui, sans-serif",
          class: "sky-grid-label",
        });
        text.textContent = line.label;
        labels.push(text);
      }
    }
    const defs = svg("defs", {});
    defs.appendChild(clip);
    this.overlay.replaceChildren(defs, lines, ...labels);
    this.overlay.setAttribute("data-lines", String(count));
  }
}
