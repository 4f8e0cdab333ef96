// The viewer's navigation row: "go to" a position or a name, and a link that reopens this exact view.
// The view follows the URL both ways: opening a link restores it, and moving the view rewrites the
// address (history.replaceState, no new history entries), so the address bar is always shareable.
import OpenSeadragon from "openseadragon";
import { el } from "../ui/dom";
import type { Annotation } from "./annotation_geometry";
import { parseTarget } from "./go_to";
import { pyramidItem } from "./overview";
import { type SkyTransform, frameOf } from "./sky";
import { type Layer, type ViewState, decodeView, viewUrl } from "./view_state";

export interface NavigationOptions {
  width: number;
  height: number;
  sky: SkyTransform | null;
  objectName: string | null; // FITS OBJECT: "go to" it centres the image's reference point
  grid: { showing: boolean; toggle(on: boolean): void } | null;
  annotations: { visible: boolean; find(name: string): Annotation | null; flyTo(a: Annotation): void } | null;
}

export class NavigationBar {
  readonly element: HTMLElement;
  private readonly message = el("span", { class: "small muted", attrs: { "aria-live": "polite" } });
  private restoring = false;

  constructor(
    private readonly viewer: OpenSeadragon.Viewer,
    private readonly o: NavigationOptions,
  ) {
    const input = el("input", {
      attrs: {
        type: "text",
        placeholder: o.sky ? "05:35:17 −05:23:28, 1200 800 or a name" : "1200 800 or a name",
        "aria-label": "Go to",
        autocomplete: "off",
        spellcheck: "false",
      },
    });
    const frame = el(
      "select",
      { attrs: { "aria-label": "Coordinates of two plain numbers", hidden: !o.sky } },
      el("option", { attrs: { value: "sky" } }, o.sky ? `${frameOf(o.sky.wcs).name} (degrees)` : "sky"),
      el("option", { attrs: { value: "pixel" } }, "image pixels"),
    );
    const go = () => {
      this.message.textContent = this.goTo(input.value, frame.value as "sky" | "pixel") ?? "";
    };
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") go();
      e.stopPropagation(); // typing here is not a viewer or tool shortcut
    });
    this.element = el(
      "div",
      { class: "viewer-controls navigation-bar", attrs: { role: "search", "aria-label": "Go to a position" } },
      input,
      frame,
      el("button", { class: "button small", attrs: { type: "button" }, on: { click: go } }, "Go"),
      el(
        "button",
        {
          class: "button small",
          attrs: { type: "button", title: "Copy a link to this view", "aria-label": "Copy a link to this view" },
          on: { click: () => this.copyLink() },
        },
        "Link",
      ),
      this.message,
    );
    viewer.addHandler("animation-finish", () => this.remember());
    viewer.addHandler("rotate", () => this.remember());
  }

  focus(): void {
    this.element.querySelector("input")?.focus();
  }

  // After the image opened: the view in the URL, if any.
  restore(): void {
    const v = decodeView(new URLSearchParams(window.location.search), this.o.width, this.o.height);
    if (!v) return;
    this.restoring = true;
    this.apply(v);
    if (this.o.grid) this.o.grid.toggle(v.layers.includes("grid"));
    if (this.o.annotations) this.o.annotations.visible = v.layers.includes("annotations");
    this.restoring = false;
    this.remember();
  }

  current(): ViewState | null {
    const item = pyramidItem(this.viewer.world);
    if (!item) return null;
    const vp = this.viewer.viewport;
    const centre = item.viewportToImageCoordinates(vp.getCenter(true));
    const across = 1 / vp.getZoom(true);
    const fov =
      item.viewportToImageCoordinates(new OpenSeadragon.Point(across, 0)).x -
      item.viewportToImageCoordinates(new OpenSeadragon.Point(0, 0)).x;
    const layers: Layer[] = [];
    if (this.o.grid?.showing) layers.push("grid");
    if (this.o.annotations?.visible ?? true) layers.push("annotations");
    return { x: centre.x, y: centre.y, fov, rotation: vp.getRotation(), layers };
  }

  private apply(v: ViewState): void {
    const item = pyramidItem(this.viewer.world);
    if (!item) return;
    const vp = this.viewer.viewport;
    vp.setRotation(v.rotation, true);
    const across =
      item.imageToViewportCoordinates(new OpenSeadragon.Point(v.fov, 0)).x -
      item.imageToViewportCoordinates(new OpenSeadragon.Point(0, 0)).x;
    vp.zoomTo(1 / across, undefined, true);
    vp.panTo(item.imageToViewportCoordinates(new OpenSeadragon.Point(v.x, v.y)), true);
    vp.applyConstraints(true);
  }

  private remember(): void {
    if (this.restoring) return;
    const v = this.current();
    if (!v) return;
    history.replaceState(history.state, "", viewUrl(window.location.pathname, window.location.search, v));
  }

  private centreOn(x: number, y: number): void {
    const item = pyramidItem(this.viewer.world);
    if (item) this.viewer.viewport.panTo(item.imageToViewportCoordinates(new OpenSeadragon.Point(x, y)));
  }

  // Goes to what was typed; returns what to tell the person (null: nothing to say).
  goTo(text: string, frame: "sky" | "pixel"): string | null {
    const { sky, width, height } = this.o;
    const target = parseTarget(text, { sky: sky !== null, hours: sky ? frameOf(sky.wcs).hours : false, frame });
    switch (target.kind) {
      case "invalid":
        return target.reason;
      case "pixel":
        if (target.x < 0 || target.y < 0 || target.x > width || target.y > height)
          return `Outside the image (${width} × ${height} pixels)`;
        this.centreOn(target.x, target.y);
        return null;
      case "sky": {
        const p = sky?.pixel(target.lng, target.lat, height) ?? null;
        if (!p || p[0] < 0 || p[1] < 0 || p[0] > width || p[1] > height) return "That position is not on this image";
        this.centreOn(p[0], p[1]);
        return null;
      }
      case "name": {
        const a = this.o.annotations?.find(target.name);
        if (a) {
          this.o.annotations!.flyTo(a);
          return null;
        }
        const norm = (s: string) => s.toLowerCase().replace(/\s+/g, "");
        if (this.o.objectName && norm(this.o.objectName) === norm(target.name)) {
          // The pointing: the WCS's reference point when it lies on the image, else the whole image.
          const [c1, c2] = sky?.wcs.crval ?? [0, 0];
          const ref = sky ? (sky.wcs.lng_first ? sky.pixel(c1, c2, height) : sky.pixel(c2, c1, height)) : null;
          if (ref && ref[0] >= 0 && ref[1] >= 0 && ref[0] <= width && ref[1] <= height) this.centreOn(ref[0], ref[1]);
          else this.viewer.viewport.goHome();
          return null;
        }
        return `No annotation or object named “${target.name}” in this image`;
      }
    }
  }

  private copyLink(): void {
    const url = window.location.href;
    navigator.clipboard
      .writeText(url)
      .then(() => (this.message.textContent = "Link copied"))
      .catch(() => (this.message.textContent = url)); // shown to copy by hand
  }
}
