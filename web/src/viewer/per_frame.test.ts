// What runs on every frame of a pan or zoom must not force layout (issue #17 point 5): the overlays
// and readouts are driven here through a stand-in viewer raising OpenSeadragon's per-frame events,
// with every layout-forcing DOM read counted. Also: the per-frame work runs once per frame, writes
// nothing when nothing changed, and the helpers the first paint depends on.
import OpenSeadragon from "openseadragon";
import { afterEach, describe, expect, it } from "vitest";
import { AnnotationLayer } from "./annotation_layer";
import { parseDzi } from "./dzi";
import { afterFirstPaint } from "./first_paint";
import { coalesced, setText } from "./frame";
import { OrientationLayer } from "./orientation_layer";
import { zoomLabel } from "./settings";
import type { SkyTransform } from "./sky";

// Reads that make the browser lay the page out synchronously when anything was written before.
const LAYOUT_METHODS = ["getBoundingClientRect", "getClientRects", "scrollIntoView"] as const;
const LAYOUT_GETTERS = [
  "clientWidth",
  "clientHeight",
  "clientTop",
  "clientLeft",
  "offsetWidth",
  "offsetHeight",
  "offsetTop",
  "offsetLeft",
  "scrollWidth",
  "scrollHeight",
  "scrollTop",
  "scrollLeft",
  "innerText",
] as const;

function layoutProbe(): { calls: string[]; stop: () => void } {
  const calls: string[] = [];
  const undo: Array<() => void> = [];
  for (const name of LAYOUT_METHODS) {
    const proto = Element.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
    const original = proto[name];
    proto[name] = function (this: Element, ...a: unknown[]) {
      calls.push(name);
      return original?.apply(this, a);
    };
    undo.push(() => (proto[name] = original));
  }
  for (const name of LAYOUT_GETTERS) {
    for (const proto of [Element.prototype, HTMLElement.prototype]) {
      const d = Object.getOwnPropertyDescriptor(proto, name);
      // A getter taken off its descriptor, called below with the element as `this`.
      // eslint-disable-next-line @typescript-eslint/unbound-method
      const read = d?.get as ((this: Element) => unknown) | undefined;
      if (!d || !read) continue;
      Object.defineProperty(proto, name, {
        ...d,
        get(this: Element): unknown {
          calls.push(name);
          return read.call(this);
        },
      });
      undo.push(() => Object.defineProperty(proto, name, d));
    }
  }
  const gcs = window.getComputedStyle.bind(window);
  const own = Object.getOwnPropertyDescriptor(window, "getComputedStyle");
  window.getComputedStyle = (...a: Parameters<typeof gcs>) => {
    calls.push("getComputedStyle");
    return gcs(...a);
  };
  undo.push(() =>
    own ? Object.defineProperty(window, "getComputedStyle", own) : Reflect.deleteProperty(window, "getComputedStyle"),
  );
  return { calls, stop: () => undo.reverse().forEach((u) => u()) };
}

// A stand-in for OpenSeadragon's viewer: an 800 × 600 view where one screen pixel is `scale` image
// pixels, offset by `pan`; raise() calls handlers as OpenSeadragon's animation frame does.
function fakeViewer() {
  const handlers = new Map<string, Array<(e: unknown) => void>>();
  const container = document.createElement("div");
  const canvas = document.createElement("div");
  const inner = document.createElement("div");
  canvas.append(inner);
  container.append(canvas);
  document.body.append(container);
  const state = { scale: 0.5, pan: 0, sizeReads: 0 };
  const item = {
    viewerElementToImageCoordinates: (p: OpenSeadragon.Point) =>
      new OpenSeadragon.Point(p.x * state.scale + state.pan, p.y * state.scale),
    imageToViewerElementCoordinates: (p: OpenSeadragon.Point) =>
      new OpenSeadragon.Point((p.x - state.pan) / state.scale, p.y / state.scale),
  };
  const viewer = {
    container,
    canvas: inner,
    world: { getItemAt: () => item },
    viewport: {
      getContainerSize: () => {
        state.sizeReads++;
        return new OpenSeadragon.Point(800, 600);
      },
      getZoom: () => 1 / state.scale,
    },
    addHandler: (ev: string, fn: (e: unknown) => void) => handlers.set(ev, [...(handlers.get(ev) ?? []), fn]),
    removeHandler: (ev: string, fn: (e: unknown) => void) =>
      handlers.set(
        ev,
        (handlers.get(ev) ?? []).filter((h) => h !== fn),
      ),
    setMouseNavEnabled: () => undefined,
  };
  const raise = (ev: string) => (handlers.get(ev) ?? []).forEach((h) => h({}));
  // One frame of a pan/zoom: the events OpenSeadragon raises from one update, then the end of that task.
  const frame = async () => {
    raise("viewport-change");
    raise("update-viewport");
    raise("animation");
    await Promise.resolve();
  };
  return { viewer: viewer as unknown as OpenSeadragon.Viewer, state, raise, frame, container, handlers };
}

// A tangent-plane-like sky: 1″ per image pixel, north up, east left.
const sky = {
  world: (x: number, y: number) => ({ lng: 83.8 - x / 3600, lat: -5.4 - y / 3600 }),
  pixel: (lng: number, lat: number) => [(83.8 - lng) * 3600, (-5.4 - lat) * 3600] as [number, number],
} as unknown as SkyTransform;

// Every change under `target` since the last take(), delivered or not.
function mutations(target: Node): { take: () => MutationRecord[] } {
  let seen: MutationRecord[] = [];
  const o = new MutationObserver((records) => seen.push(...records));
  o.observe(target, { subtree: true, childList: true, attributes: true, characterData: true });
  return {
    take: () => {
      const all = [...seen, ...o.takeRecords()];
      seen = [];
      return all;
    },
  };
}

afterEach(() => document.body.replaceChildren());

describe("per-frame work in the viewer", () => {
  it("moves the scale bar and compass with every frame of a zoom without reading layout", async () => {
    const f = fakeViewer();
    new OrientationLayer(f.viewer, { width: 20000, height: 20000, sky, geo: null });
    const probe = layoutProbe();
    const seen: string[] = [];
    try {
      for (let i = 0; i < 12; i++) {
        f.state.scale = 0.5 * 1.5 ** i;
        await f.frame();
        seen.push(f.container.querySelector(".scale-bar")!.getAttribute("aria-label")!);
      }
    } finally {
      probe.stop();
    }
    expect(probe.calls).toEqual([]);
    // It did follow the zoom (from 1′ at 0.5″ per screen px), with OpenSeadragon's own measure.
    expect(seen[0]).toBe("Scale bar: 1′");
    expect(new Set(seen).size).toBeGreaterThan(4);
    expect(f.state.sizeReads).toBe(12); // once per frame, though three events were raised in each
    expect(f.container.querySelector("svg.compass")!.getAttribute("aria-label")).toBe("Compass: north 0°, east 270°");
  });

  it("writes nothing to the page when a frame does not change what it shows", async () => {
    const f = fakeViewer();
    new OrientationLayer(f.viewer, { width: 20000, height: 20000, sky, geo: null });
    await f.frame();
    const compassLines = [...f.container.querySelectorAll("svg.compass line")];
    const m = mutations(f.container);
    f.state.pan = 0; // the same view again
    await f.frame();
    await f.frame();
    expect(m.take()).toEqual([]);
    // A pan that keeps the scale changes no text; the compass keeps its elements.
    f.state.pan = 300;
    await f.frame();
    expect(m.take().filter((r) => r.type === "childList" || r.type === "characterData")).toEqual([]);
    expect([...f.container.querySelectorAll("svg.compass line")]).toEqual(compassLines);
  });

  it("redraws annotations once per frame, without reading layout", async () => {
    const f = fakeViewer();
    const layer = new AnnotationLayer({
      viewer: f.viewer,
      datasetId: "d",
      width: 4000,
      height: 3000,
      signedIn: false,
      sky: false,
      canEdit: () => false,
    });
    // Items as load() would set them (it asks the server).
    (layer as unknown as { items: unknown[] }).items = [
      { id: "a", kind: "rectangle", geometry: { x: 10, y: 10, width: 100, height: 50 }, color: "#f00", label: "box" },
    ];
    const m = mutations(layer.svg);
    const probe = layoutProbe();
    try {
      for (let i = 0; i < 5; i++) {
        f.state.pan = 10 * i;
        await f.frame();
      }
    } finally {
      probe.stop();
    }
    expect(probe.calls).toEqual([]);
    expect(m.take().filter((r) => r.type === "childList" && r.target === layer.svg)).toHaveLength(5);
    expect(layer.svg.querySelector("rect, polygon, path")).not.toBeNull();
  });

  it("leaves an empty annotation overlay alone while panning", async () => {
    const f = fakeViewer();
    const layer = new AnnotationLayer({
      viewer: f.viewer,
      datasetId: "d",
      width: 4000,
      height: 3000,
      signedIn: false,
      sky: false,
      canEdit: () => false,
    });
    const m = mutations(layer.svg);
    await f.frame();
    await f.frame();
    expect(m.take()).toEqual([]);
  });
});

describe("frame helpers", () => {
  it("runs coalesced work once, at the end of the task that asked", async () => {
    let runs = 0;
    const schedule = coalesced(() => runs++);
    schedule();
    schedule();
    schedule();
    expect(runs).toBe(0);
    await Promise.resolve();
    expect(runs).toBe(1);
    schedule();
    await Promise.resolve();
    expect(runs).toBe(2);
  });

  it("writes text only when it changes", () => {
    const out = document.createElement("output");
    document.body.append(out);
    const m = mutations(out);
    setText(out, "1 screen px = 4.0 image px");
    setText(out, "1 screen px = 4.0 image px");
    expect(m.take()).toHaveLength(1);
  });

  it("says the zoom in image pixels per screen pixel, or as a magnification", () => {
    expect(zoomLabel(16384, 800, 1)).toBe("1 screen px = 20 image px");
    expect(zoomLabel(16384, 800, 4)).toBe("1 screen px = 5.1 image px");
    expect(zoomLabel(1000, 800, 2.5)).toBe("2.0× full resolution");
    expect(zoomLabel(1000, 0, 1)).toBe("1 screen px = 1000 image px"); // a viewer not measured yet
  });
});

describe("first paint", () => {
  it("runs once, in a later task, after the first tile is drawn", async () => {
    const f = fakeViewer();
    let runs = 0;
    afterFirstPaint(f.viewer, () => runs++);
    f.raise("tile-drawn");
    f.raise("tile-drawn");
    expect(runs).toBe(0); // not inside OpenSeadragon's frame
    await new Promise((r) => setTimeout(r, 0));
    expect(runs).toBe(1);
    f.raise("tile-drawn");
    await new Promise((r) => setTimeout(r, 0));
    expect(runs).toBe(1);
    expect([...f.handlers.values()].every((hs) => hs.length === 0)).toBe(true);
  });

  it("does not wait for an image that cannot open", async () => {
    const f = fakeViewer();
    let runs = 0;
    afterFirstPaint(f.viewer, () => runs++);
    f.raise("open-failed");
    await new Promise((r) => setTimeout(r, 0));
    expect(runs).toBe(1);
  });
});

describe("inline Deep Zoom descriptor", () => {
  const url = "/api/datasets/abc/v3/image.dzi";
  it("reads the server's descriptor into OpenSeadragon's object form, tiles beside it", () => {
    const xml =
      '<?xml version="1.0" encoding="UTF-8"?>\n<Image xmlns="http://schemas.microsoft.com/deepzoom/2008" ' +
      'Format="jpg" Overlap="0" TileSize="256"><Size Width="16384" Height="12000"/></Image>\n';
    expect(parseDzi(xml, url)).toEqual({
      Image: {
        xmlns: "http://schemas.microsoft.com/deepzoom/2008",
        Url: "/api/datasets/abc/v3/image_files/",
        Format: "jpg",
        Overlap: "0",
        TileSize: "256",
        Size: { Width: "16384", Height: "12000" },
      },
    });
  });
  it("refuses what is not a usable descriptor", () => {
    const ns = 'xmlns="http://schemas.microsoft.com/deepzoom/2008"';
    for (const xml of [
      "",
      "<html><body>proxy error</body></html>",
      '<Image Format="jpg" Overlap="0" TileSize="256"><Size Width="10" Height="10"/></Image>', // no namespace
      `<Image ${ns} Format="jpg" Overlap="0" TileSize="256"><Size Width="10"/></Image>`,
      `<Image ${ns} Format="jpg" Overlap="0" TileSize="0"><Size Width="10" Height="10"/></Image>`,
      `<Image ${ns} Format="j/../pg" Overlap="0" TileSize="256"><Size Width="10" Height="10"/></Image>`,
      `<Image ${ns} Format="jpg" Overlap="-1" TileSize="256"><Size Width="10" Height="10"/></Image>`,
      `<Image ${ns} Format="jpg" Overlap="0" TileSize="256"><Size Width="10" Height="10"/>`, // not closed
    ])
      expect(parseDzi(xml, url), xml).toBeNull();
  });
});
