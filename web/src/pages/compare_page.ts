// Two datasets side by side with synchronised pan and zoom (toggle), or one over the other with an
// opacity slider. /compare?a=ID&b=ID
import OpenSeadragon from "openseadragon";
import { ApiError, api } from "../api/client";
import type { Dataset, Page } from "../api/types";
import type { PageFn } from "../router";
import { el, replace } from "../ui/dom";
import { errorBox, pageTitle } from "../ui/layout";

function makeViewer(element: HTMLElement, tileSources: string | object): OpenSeadragon.Viewer {
  if (!document.querySelector("style[data-openseadragon-mobile-css]")) {
    const marker = document.createElement("style");
    marker.setAttribute("data-openseadragon-mobile-css", "true");
    document.head.appendChild(marker);
  }
  return OpenSeadragon({
    element,
    tileSources: tileSources,
    showNavigationControl: false,
    animationTime: 0.4,
    crossOriginPolicy: false,
  });
}

// Follows `from`'s view in `to` (same centre and zoom in viewport coordinates, which both images
// share because each is one image wide).
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
    const mode = p.get("mode") === "overlay" ? "overlay" : "side";
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
    const modeButton = el(
      "button",
      {
        class: "button small",
        attrs: { type: "button" },
        on: {
          click: () => {
            p.set("mode", mode === "side" ? "overlay" : "side");
            history.replaceState(null, "", `/compare?${p}`);
            void show();
          },
        },
      },
      mode === "side" ? "Overlay" : "Side by side",
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
        el(
          "div",
          { class: "toolbar" },
          modeButton,
          el("label", { class: "check" }, syncBox, " Synchronise pan and zoom"),
        ),
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
      syncViews(a, b, () => sync);
      syncViews(b, a, () => sync);
      // For the end-to-end test to read both zoom levels.
      (window as unknown as { __astropixelViewers?: OpenSeadragon.Viewer[] }).__astropixelViewers = [a, b];
    } else {
      const pane = el("div", {
        class: "osd",
        attrs: {
          role: "region",
          "aria-roledescription": "image viewer",
          "aria-label": `${ds[1].name} over ${ds[0].name}`,
          tabindex: 0,
        },
      });
      const v = makeViewer(pane, [{ tileSource: ds[0].urls!.dzi }, { tileSource: ds[1].urls!.dzi, opacity: 0.5 }]);
      viewers.push(v);
      const slider = el("input", {
        attrs: { type: "range", min: 0, max: 1, step: 0.01, value: 0.5, "aria-label": `Opacity of ${ds[1].name}` },
        on: {
          input: (e) => {
            v.world.getItemAt(1)?.setOpacity(Number((e.target as HTMLInputElement).value));
          },
        },
      });
      replace(
        stage,
        el(
          "div",
          { class: "toolbar" },
          modeButton,
          el("label", { class: "field inline" }, `Opacity of “${ds[1].name}”`, slider),
        ),
        pane,
      );
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
