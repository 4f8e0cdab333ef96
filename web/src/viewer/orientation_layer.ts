// The scale bar (bottom left) and, with a celestial WCS, the north/east compass (top right), drawn
// over OpenSeadragon and redrawn as the view moves. Lengths are measured along the screen's
// horizontal at the view's centre, so rotation, skew and wide-field projections are accounted for.
import OpenSeadragon from "openseadragon";
import { el } from "../ui/dom";
import { type Georeference, toModel } from "./georeference";
import { compassAt, scaleBar } from "./scale";
import { coalesced, setAttr, setText } from "./frame";
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
  // The compass's arrows and letters, made once and moved each frame (N, then E).
  private readonly arrows: Array<{ line: SVGLineElement; text: SVGTextElement }> = [];
  // Once per OpenSeadragon frame, in that frame: the bar and compass move with the image.
  private readonly schedule = coalesced(() => this.render());

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
      for (const name of ["N", "E"]) {
        const line = document.createElementNS(SVG, "line");
        line.setAttribute("x1", "0");
        line.setAttribute("y1", "0");
        const text = document.createElementNS(SVG, "text");
        text.setAttribute("data-dir", name);
        text.textContent = name;
        this.compass.append(line, text);
        this.arrows.push({ line, text });
      }
      host.appendChild(this.compass);
    }
    for (const ev of ["animation", "update-viewport", "resize", "rotate", "open"] as const)
      viewer.addHandler(ev, () => this.schedule());
  }

  private render(): void {
    const item = this.viewer.world.getItemAt(0);
    if (!item) return;
    // The viewer's size as OpenSeadragon last measured it: no layout read in a per-frame path.
    const size = this.viewer.viewport.getContainerSize();
    const c = new OpenSeadragon.Point(size.x / 2, size.y / 2);
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
    if (this.bar.hidden !== (bar === null)) this.bar.hidden = bar === null;
    if (bar) {
      const width = `${bar.px.toFixed(1)}px`;
      if (this.barLine.style.width !== width) this.barLine.style.width = width;
      setText(this.barLabel, bar.label);
      setAttr(this.bar, "aria-label", `Scale bar: ${bar.label}`);
      setAttr(this.bar, "data-px", bar.px.toFixed(2));
    }
    if (this.compass && sky) this.renderCompass(item, a, sky);
  }

  private renderCompass(item: OpenSeadragon.TiledImage, at: OpenSeadragon.Point, sky: SkyTransform): void {
    const svg = this.compass!;
    const dir = compassAt(sky, at.x, at.y, this.o.height);
    const display = dir ? "" : "none";
    if (svg.style.display !== display) svg.style.display = display;
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
    const ends = [toScreen(dir.north), toScreen(dir.east)];
    const labels: string[] = [];
    ends.forEach(([x, y], i) => {
      const { line, text } = this.arrows[i];
      setAttr(line, "x2", x.toFixed(1));
      setAttr(line, "y2", y.toFixed(1));
      setAttr(text, "x", (x * 1.3).toFixed(1));
      setAttr(text, "y", (y * 1.3).toFixed(1));
      // Screen angle of the arrow, clockwise from up: what a test (and a curious person) can read.
      const angle = ((Math.atan2(x, -y) * 180) / Math.PI + 360) % 360;
      labels.push(`${i === 0 ? "north" : "east"} ${Math.round(angle)}°`);
    });
    setAttr(svg, "aria-label", `Compass: ${labels.join(", ")}`);
  }
}
