// Two datasets side by side with synchronised pan and zoom (toggle), or stacked: one over the other
// with an opacity slider, blinking, or split by a swipe line; stacked images are aligned through their
// WCS when both have one. /compare?a=ID&b=ID&mode=side|overlay|blink|swipe
import OpenSeadragon from "openseadragon";
import { ApiError, api } from "../api/client";
import type { Dataset, Page } from "../api/types";
import type { PageFn } from "../router";
import { el, replace } from "../ui/dom";
import { errorBox, pageTitle } from "../ui/layout";
import { frameOf, usableWcs } from "../viewer/sky";
import { createViewer } from "../viewer/osd";
import { placement, skyAlignment } from "../viewer/sky_align";

function makeViewer(
  element: HTMLElement,
  tileSources: string | object,
  extra: Partial<OpenSeadragon.Options> = {},
): OpenSeadragon.Viewer {
  // Zoom to 4 screen pixels per image pixel, as in the viewer: comparing is done pixel by pixel.
  return createViewer(element, tileSources, { animationTime: 0.4, maxZoomPixelRatio: 4, ...extra });
}

// Runs `then` once both viewers have opened their image, in whichever order they do.
function whenBothOpen(a: OpenSeadragon.Viewer, b: OpenSeadragon.Viewer, then: () => void): void {
  let opened = 0;
  const one = () => {
    opened += 1;
    if (opened === 2) then();
  };
  a.addOnceHandler("open", one);
  b.addOnceHandler("open", one);
}

// Follows `from`'s view in `to` (same centre and zoom in viewport coordinates, which both images
// share because each is one image wide). Callers enable it only once both are open: each viewer
// goes to its own home as it opens, and the second one's home would otherwise become the first
// one's view (beyond its zoom limit when the homes differ, which left it unable to zoom in).
export function syncViews(from: OpenSeadragon.Viewer, to: OpenSeadragon.Viewer, enabled: () => boolean): void {
  let applying = false;
  const follow = () => {
    if (!enabled() || applying) return;
    applying = true;
    to.viewport.zoomTo(from.viewport.getZoom(), undefined, true);
    to.viewport.panTo(from.viewport.getCenter(), true);
    applying = false;
  };
  from.addHandler("zoom", follow);
  from.addHandler("pan", follow);
}

type Mode = "side" | "overlay" | "blink" | "swipe";
const MODES: Record<Mode, string> = { side: "Side by side", overlay: "Overlay", blink: "Blink", swipe: "Swipe" };

// B placed on A's sky, or why not (said on the page, never silently unaligned).
export function alignOnSky(
  a: Dataset,
  b: Dataset,
): { placement: ReturnType<typeof placement> | null; message: string } {
  const skyA = usableWcs(a.pyramid?.wcs, a.height),
    skyB = usableWcs(b.pyramid?.wcs, b.height);
  if (!skyA || !skyB)
    return {
      placement: null,
      message: "Pixel to pixel: aligned on the sky only when both images have a celestial WCS.",
    };
  const fa = frameOf(skyA.wcs),
    fb = frameOf(skyB.wcs);
  const equatorial = (n: string) => /^(ICRS|FK5)/.test(n);
  if (fa.name !== fb.name && !(equatorial(fa.name) && equatorial(fb.name)))
    return {
      placement: null,
      message: `Pixel to pixel: the images use different sky frames (${fa.name}, ${fb.name}).`,
    };
  const al = skyAlignment(skyA, a.height, skyB, b.width, b.height);
  if (!al) return { placement: null, message: "Pixel to pixel: the two images do not share any part of the sky." };
  const turned = al.rotation > 180 ? al.rotation - 360 : al.rotation;
  return {
    placement: placement(al, a.width, b.width, b.height),
    message:
      `Aligned on the sky: “${b.name}” scaled ×${al.scale.toPrecision(3)}, turned ${turned.toFixed(1)}°` +
      `${al.flipped ? ", mirrored" : ""}; within ${al.residual < 0.05 ? "0.05" : al.residual.toFixed(2)} px of its WCS.`,
  };
}

export const comparePage: PageFn = (root, _params, query) => {
  const viewers: OpenSeadragon.Viewer[] = [];
  let sync = true;
  const status = el("div", { attrs: { "aria-live": "polite" } });
  const pickers = el("div", { class: "toolbar" });
  const stage = el("div");
  const pick = (name: "a" | "b", options: Dataset[], value: string | null) =>
    el(
      "select",
      {
        attrs: { "aria-label": name === "a" ? "Left image" : "Right image" },
        on: {
          change: (e) => {
            const p = new URLSearchParams(window.location.search);
            p.set(name, (e.target as HTMLSelectElement).value);
            history.replaceState(null, "", `/compare?${p}`);
            void show();
          },
        },
      },
      el("option", { attrs: { value: "" } }, "Choose an image…"),
      ...options.map((d) => el("option", { attrs: { value: d.id, selected: d.id === value } }, d.name)),
    );

  const destroyViewers = () => {
    while (viewers.length) viewers.pop()?.destroy();
  };

  const show = async () => {
    destroyViewers();
    const p = new URLSearchParams(window.location.search);
    const ids = [p.get("a"), p.get("b")];
    const asked = p.get("mode") ?? "side";
    const mode: Mode = asked in MODES ? (asked as Mode) : "side";
    if (!ids[0] || !ids[1]) {
      replace(stage, el("p", { class: "muted" }, "Choose two completed images to compare."));
      return;
    }
    let ds: Dataset[];
    try {
      ds = await Promise.all(ids.map((id) => api<Dataset>(`/api/datasets/${encodeURIComponent(id!)}`)));
    } catch (e) {
      replace(stage, errorBox("The images cannot be loaded", e instanceof ApiError ? e.message : String(e)));
      return;
    }
    if (ds.some((d) => !d.urls)) {
      replace(stage, errorBox("Both images must be fully processed"));
      return;
    }
    const modeBar = el(
      "div",
      { class: "segmented", attrs: { role: "group", "aria-label": "Comparison mode" } },
      ...(Object.keys(MODES) as Mode[]).map((m) =>
        el(
          "button",
          {
            class: "button small",
            attrs: { type: "button", "aria-pressed": String(m === mode) },
            on: {
              click: () => {
                p.set("mode", m);
                history.replaceState(null, "", `/compare?${p}`);
                void show();
              },
            },
          },
          MODES[m],
        ),
      ),
    );
    if (mode === "side") {
      const left = el("div", {
        class: "osd compare-pane",
        attrs: { role: "region", "aria-roledescription": "image viewer", "aria-label": ds[0].name, tabindex: 0 },
      });
      const right = el("div", {
        class: "osd compare-pane",
        attrs: { role: "region", "aria-roledescription": "image viewer", "aria-label": ds[1].name, tabindex: 0 },
      });
      const syncBox = el("input", {
        attrs: { type: "checkbox", checked: sync },
        on: {
          change: (e) => {
            sync = (e.target as HTMLInputElement).checked;
          },
        },
      });
      replace(
        stage,
        el("div", { class: "toolbar" }, modeBar, el("label", { class: "check" }, syncBox, " Synchronise pan and zoom")),
        el(
          "div",
          { class: "compare-grid" },
          el("figure", null, left, el("figcaption", null, ds[0].name)),
          el("figure", null, right, el("figcaption", null, ds[1].name)),
        ),
      );
      const a = makeViewer(left, ds[0].urls!.dzi),
        b = makeViewer(right, ds[1].urls!.dzi);
      viewers.push(a, b);
      let bothOpen = false;
      syncViews(a, b, () => sync && bothOpen);
      syncViews(b, a, () => sync && bothOpen);
      whenBothOpen(a, b, () => {
        bothOpen = true;
      });
      // For the end-to-end test to read both zoom levels.
      (window as unknown as { __astropixelViewers?: OpenSeadragon.Viewer[] }).__astropixelViewers = [a, b];
      return;
    }
    // Overlay, blink and swipe: two viewers stacked in one frame, B's on top, their views locked
    // together; B's image is placed where its WCS puts it on A's sky when both have one.
    const stack = el("div", { class: "osd compare-stack" });
    const bottom = el("div", {
      class: "compare-layer",
      attrs: { role: "region", "aria-roledescription": "image viewer", "aria-label": ds[0].name, tabindex: 0 },
    });
    const top = el("div", {
      class: "compare-layer compare-top",
      attrs: { role: "region", "aria-roledescription": "image viewer", "aria-label": ds[1].name, tabindex: 0 },
    });
    stack.append(bottom, top);
    const alignNote = el("p", { class: "small muted compare-alignment", attrs: { "aria-live": "polite" } });
    const controls = el("div", { class: "toolbar" }, modeBar);
    replace(stage, controls, alignNote, stack);
    const a = makeViewer(bottom, ds[0].urls!.dzi),
      // The top viewer follows A's frame: no limits of its own on where or how far it goes.
      b = makeViewer(top, ds[1].urls!.dzi, { visibilityRatio: 0, maxZoomPixelRatio: 1024, minZoomImageRatio: 0 });
    viewers.push(a, b);
    let bothOpen = false;
    syncViews(a, b, () => bothOpen);
    syncViews(b, a, () => bothOpen);
    (window as unknown as { __astropixelViewers?: OpenSeadragon.Viewer[] }).__astropixelViewers = [a, b];
    whenBothOpen(a, b, () => {
      const item = b.world.getItemAt(0);
      const al = alignOnSky(ds[0], ds[1]);
      alignNote.textContent = al.message;
      if (al.placement && item) {
        const pl = al.placement;
        item.setPosition(new OpenSeadragon.Point(pl.x, pl.y), true);
        item.setWidth(pl.width, true);
        item.setFlip(pl.flipped);
        item.setRotation(pl.rotation, true);
      }
      alignNote.dataset.aligned = String(Boolean(al.placement));
      // Both start at A's home view (A's frame is the common one); from here on they move together.
      a.viewport.goHome(true);
      b.viewport.zoomTo(a.viewport.getZoom(), undefined, true);
      b.viewport.panTo(a.viewport.getCenter(), true);
      bothOpen = true;
    });
    if (mode === "overlay") {
      const slider = el("input", {
        attrs: { type: "range", min: 0, max: 1, step: 0.01, value: 0.5, "aria-label": `Opacity of ${ds[1].name}` },
        on: {
          input: (e) => {
            top.style.opacity = (e.target as HTMLInputElement).value;
          },
        },
      });
      top.style.opacity = "0.5";
      controls.append(el("label", { class: "field inline" }, `Opacity of “${ds[1].name}”`, slider));
    } else if (mode === "blink") {
      const showing = el("output", { class: "readout", attrs: { "aria-label": "Image shown" } }, ds[1].name);
      const interval = el("input", {
        attrs: { type: "range", min: 0.2, max: 2, step: 0.1, value: 0.8, "aria-label": "Seconds per image" },
      });
      let timer = 0;
      let onTop = true;
      const flip = () => {
        onTop = !onTop;
        top.style.opacity = onTop ? "1" : "0";
        showing.textContent = ds[onTop ? 1 : 0].name;
      };
      const run = () => {
        window.clearInterval(timer);
        timer = window.setInterval(
          () => (stack.isConnected ? flip() : window.clearInterval(timer)),
          Number(interval.value) * 1000,
        );
      };
      const pause = el(
        "button",
        {
          class: "button small",
          attrs: { type: "button", "aria-pressed": "false" },
          on: {
            click: () => {
              const paused = pause.getAttribute("aria-pressed") === "true";
              pause.setAttribute("aria-pressed", String(!paused));
              if (paused) run();
              else window.clearInterval(timer);
            },
          },
        },
        "Pause",
      );
      interval.addEventListener("input", () => pause.getAttribute("aria-pressed") !== "true" && run());
      controls.append(
        pause,
        el("button", { class: "button small", attrs: { type: "button" }, on: { click: flip } }, "Next"),
        el("label", { class: "field inline" }, "Seconds per image", interval),
        showing,
      );
      run();
    } else {
      const split = el("input", {
        attrs: { type: "range", min: 0, max: 100, step: 0.5, value: 50, "aria-label": "Swipe position (%)" },
      });
      const divider = el("div", { class: "swipe-divider", attrs: { "aria-hidden": "true" } });
      stack.append(divider);
      const apply = () => {
        // B shows right of the divider: clip-path also stops pointer events on A's side.
        top.style.clipPath = `inset(0 0 0 ${split.value}%)`;
        divider.style.left = `${split.value}%`;
      };
      split.addEventListener("input", apply);
      apply();
      controls.append(el("label", { class: "field inline" }, `“${ds[0].name}” | “${ds[1].name}”`, split));
    }
  };

  replace(root, el("main", { class: "viewer-page" }, pageTitle("Compare"), status, pickers, stage));
  api<Page<Dataset>>("/api/datasets?status=completed&limit=200&sort=name")
    .then((page) => {
      replace(pickers, pick("a", page.items, query.get("a")), pick("b", page.items, query.get("b")));
      void show();
    })
    .catch((e) => replace(status, errorBox("Images cannot be listed", e instanceof ApiError ? e.message : String(e))));
  return destroyViewers;
};
