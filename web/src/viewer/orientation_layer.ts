// The scale bar (bottom left) and, with a celestial WCS, the north/east compass (top right), drawn
// over OpenSeadragon and redrawn as the view moves. Lengths are measured along the screen's
// horizontal at the view's centre, so rotation, skew and wide-field projections are accounted for.
import OpenSeadragon from "openseadragon";
import { el } from "../ui/dom";
import { type Georeference, toModel } from "./georeference";
import { compassAt, scaleBar } from "./scale";
import { type SkyTransform, separation } from "./sky";

const SVG = "http://www.w3.org/2000/svg";
const BAR_MAX_PX = 160;
const PROBE_PX = 100;

export interface OrientationOptions {
  width: number;
  height: number;
  sky: SkyTransform | null;
  geo: Georeference | null;
}

export class OrientationLayer {
  private readonly bar = el("div", { class: "scale-bar", attrs: { "aria-label": "Scale bar", role: "img" } });
  private readonly barLine = el("div", { class: "scale-bar-line" });
  private readonly barLabel = el("span", { class: "scale-bar-label" });
  private readonly compass: SVGSVGElement | null = null;
  private frame = 0;

  constructor(
    private readonly viewer: OpenSeadragon.Viewer,
    private readonly o: OrientationOptions,
  ) {
    this.bar.append(this.barLine, this.barLabel);
    const host = viewer.canvas.parentElement ?? viewer.container;
    host.appendChild(this.bar);
    if (o.sky) {
      this.compass = document.createElementNS(SVG, "svg");
      this.compass.setAttribute("class", "compass");
      this.compass.setAttribute("viewBox", "-40 -40 80 80");
      this.compass.setAttribute("role", "img");
      host.appendChild(this.compass);
    }
    for (const ev of ["animation", "update-viewport", "resize", "rotate", "open"] as const)
      viewer.addHandler(ev, () => this.schedule());
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  private render(): void {
    const item = this.viewer.world.getItemAt(0);
    if (!item) return;
    const box = this.viewer.container.getBoundingClientRect();
    const c = new OpenSeadragon.Point(box.width / 2, box.height / 2);
    const a = item.viewerElementToImageCoordinates(c);
    const b = item.viewerElementToImageCoordinates(c.plus(new OpenSeadragon.Point(PROBE_PX, 0)));
    const { sky, geo, height } = this.o;
    let bar = null;
    if (sky) {
      const wa = sky.world(a.x, a.y, height),
        wb = sky.world(b.x, b.y, height);
      if (wa && wb) bar = scaleBar("angle", separation(wa, wb) / PROBE_PX, BAR_MAX_PX);
    } else if (geo?.model === "projected") {
      const ma = toModel(geo, a.x, a.y),
        mb = toModel(geo, b.x, b.y);
      if (ma && mb) bar = scaleBar("length", Math.hypot(mb.x - ma.x, mb.y - ma.y) / PROBE_PX, BAR_MAX_PX);
    }
    bar ??= scaleBar("pixels", Math.hypot(b.x - a.x, b.y - a.y) / PROBE_PX, BAR_MAX_PX);
    this.bar.hidden = bar === null;
    if (bar) {
      this.barLine.style.width = `${bar.px.toFixed(1)}px`;
      this.barLabel.textContent = bar.label;
      this.bar.setAttribute("aria-label", `Scale bar: ${bar.label}`);
      this.bar.dataset.px = bar.px.toFixed(2);
    }
    if (this.compass && sky) this.renderCompass(item, a, sky);
  }

  private renderCompass(item: OpenSeadragon.TiledImage, at: OpenSeadragon.Point, sky: SkyTransform): void {
    const svg = this.compass!;
    const dir = compassAt(sky, at.x, at.y, this.o.height);
    svg.replaceChildren();
    svg.style.display = dir ? "" : "none";
    if (!dir) return;
    // Image directions to screen directions (rotation and flips of the view included).
    const origin = item.imageToViewerElementCoordinates(at);
    const toScreen = (v: [number, number]): [number, number] => {
      const p = item.imageToViewerElementCoordinates(new OpenSeadragon.Point(at.x + v[0] * 10, at.y + v[1] * 10));
      const dx = p.x - origin.x,
        dy = p.y - origin.y;
      const len = Math.hypot(dx, dy) || 1;
      return [(dx / len) * 28, (dy / len) * 28];
    };
    const arrows: Array<[string, [number, number]]> = [
      ["N", toScreen(dir.north)],
      ["E", toScreen(dir.east)],
    ];
    const labels: string[] = [];
    for (const [name, [x, y]] of arrows) {
      const line = document.createElementNS(SVG, "line");
      for (const [k, v] of Object.entries({ x1: 0, y1: 0, x2: x.toFixed(1), y2: y.toFixed(1) }))
        line.setAttribute(k, String(v));
      const text = document.createElementNS(SVG, "text");
      text.setAttribute("x", (x * 1.3).toFixed(1));
      text.setAttribute("y", (y * 1.3).toFixed(1));
      text.setAttribute("data-dir", name);
      text.textContent = name;
      svg.append(line, text);
      // Screen angle of the arrow, clockwise from up: what a test (and a curious person) can read.
      const angle = ((Math.atan2(x, -y) * 180) / Math.PI + 360) % 360;
      labels.push(`${name === "N" ? "north" : "east"} ${Math.round(angle)}°`);
    }
    svg.setAttribute("aria-label", `Compass: ${labels.join(", ")}`);
  }
}
