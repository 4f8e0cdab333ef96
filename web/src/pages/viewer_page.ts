// The viewer: OpenSeadragon on the dataset's versioned Deep Zoom descriptor, with our own controls,
// a navigator, keyboard navigation, zoom/scale/cursor readouts, an info panel and settings.
// Order matters for the first paint (issue #17 point 5): the record arrives (asked for by the route
// while this code downloaded), the image column and the viewer are made at once so the descriptor is
// requested, and the side panels and the navigator are made only after the first tile is on screen.
import OpenSeadragon from "openseadragon";
import { ApiError } from "../api/client";
import { DEFAULT_STRETCH, type Dataset, type DatasetBuilding } from "../api/types";
import { navigate, type PageFn } from "../router";
import { el, formatBytes, formatPixels, replace } from "../ui/dom";
import { errorBox, pageTitle } from "../ui/layout";
import { statusBadge } from "./dataset_card";
import { loadSettings, saveSettings, zoomLabel, type ViewerSettings } from "../viewer/settings";
import { afterFirstPaint } from "../viewer/first_paint";
import { setText } from "../viewer/frame";
import { fetchViewerRecord, type ViewerRecord } from "./viewer_route";
import { type DziSource, fetchDzi } from "../viewer/dzi";
import { buildingTileSource, geometryOf } from "../viewer/live_build";
import { LiveBuild } from "../viewer/live_build_view";
import { isOverview } from "../viewer/overview";
import { AnnotationLayer } from "../viewer/annotation_layer";
import { currentUser } from "../auth/session";
import { exportView, fileNameFor } from "../viewer/export_view";
import { exportWholeImage } from "../viewer/export_image";
import { describePosition, describeSystem } from "../viewer/georeference";
import { formatWorld, frameOf, usableWcs } from "../viewer/sky";
import { skyInfoRows } from "../viewer/sky_info";
import { compositeInfoRows } from "../viewer/composite_info";
import { canBeChannel } from "./composite_form";
import { SkyGridLayer } from "../viewer/sky_grid_layer";
import { NavigationBar } from "../viewer/navigation_bar";
import { OrientationLayer } from "../viewer/orientation_layer";
import { createViewer } from "../viewer/osd";
import { addNavigator } from "../viewer/navigator";
import { OSD_KEYS_TAKEN, VIEW_KEYS, isTyping, shortcutsDialog } from "../viewer/shortcuts";
import { fitsFormat, fitsInfoRows, withShownSize } from "../viewer/fits_info";
import { fitsDisplayForm, fitsHeaderDisclosure, fitsRetryForm } from "./fits_panels";
import { stretchForm } from "./stretch_panel";
import { confirmDelete, editDataset } from "./dataset_dialogs";
import { DisplayPanel } from "../viewer/display_panel";
import { PixelValues, valuesPanel } from "../viewer/pixel_values";
import {
  type DataStats,
  type DisplaySettings,
  decodeDisplay,
  initialSettings,
  liveTileSource,
  storedDisplay,
} from "../viewer/display_panel_settings";
import { hipsLink } from "../viewer/hips_link";
import { iiifLink } from "../viewer/iiif_link";
import { downloadMenu, viewerRegion } from "../viewer/download_menu";

// Where the navigator sits in the viewer (an OpenSeadragon ControlAnchor).
const NAVIGATOR_AT = "BOTTOM_RIGHT";

function infoPanel(d: Dataset): HTMLElement {
  const geo = d.pyramid?.georeference ?? null;
  const wcs = d.pyramid?.wcs ?? null;
  const fits = d.pyramid?.fits ?? null;
  const row = (k: string, v: string | number | null | undefined) =>
    v === null || v === undefined || v === "" ? null : el("div", null, el("dt", null, k), el("dd", null, String(v)));
  return el(
    "aside",
    { class: "panel", attrs: { "aria-label": "Image information" } },
    el("h2", null, "Information"),
    d.description ? el("p", null, d.description) : null,
    el(
      "dl",
      null,
      row("Size", formatPixels(d.width, d.height)),
      row(
        "Format",
        fits
          ? fitsFormat(fits)
          : `${d.format.toUpperCase()}, ${d.bands} band${d.bands === 1 ? "" : "s"}, ` +
              `${d.bit_depth}-bit ${d.sample_format}`,
      ),
      ...(fits ? fitsInfoRows(fits).map(([k, v]) => row(k, v)) : []),
      ...compositeInfoRows(d.pyramid).map(([k, v]) => row(k, v)),
      row(
        "Stretch",
        d.stretch?.kind ?? (d.bit_depth > 8 || d.format === "fits" ? `${DEFAULT_STRETCH} (default)` : "none"),
      ),
      row("File", `${d.file_name || "—"} (${formatBytes(d.file_size)})`),
      row("Category", d.category),
      row("Visibility", d.visibility),
      row("Coordinates", geo ? describeSystem(geo) : null),
      ...(wcs ? skyInfoRows(wcs, usableWcs(wcs, d.height) !== null).map(([k, v]) => row(k, v)) : []),
      row("Pixel size", geo?.pixel_size ? `${geo.pixel_size[0]} × ${geo.pixel_size[1]}` : null),
      row(
        "Bounds",
        geo?.bounds ? geo.bounds.map((v) => v.toFixed(geo.model === "geographic" ? 5 : 1)).join(", ") : null,
      ),
      row("Levels", d.pyramid?.levels),
      row("Tiles", d.pyramid ? `${d.pyramid.tiles} × ${d.pyramid.tile_size}px ${d.pyramid.tile_format}` : null),
      row("Created", new Date(d.created_at).toLocaleString()),
      row("Owner", d.is_demo ? "AstroPixel (demo)" : d.is_owner ? "you" : "another user"),
    ),
    fits ? fitsHeaderDisclosure(`/api/datasets/${encodeURIComponent(d.id)}/v${d.pyramid_version}/fits-header`) : null,
    canBeChannel(d)
      ? el(
          "p",
          null,
          el("a", { attrs: { href: `/composite?red=${encodeURIComponent(d.id)}` } }, "Make a colour composite"),
        )
      : null,
    iiifLink(d),
    hipsLink(d),
  );
}

// Export of the whole image at a chosen width, stitched from the pyramid's tiles in the browser.
function exportPanel(d: Dataset): HTMLElement {
  const longest = Math.max(d.width, d.height);
  const widths = [512, 1024, 2048, 4096, 8192].filter((w) => w < d.width);
  if (d.width <= 8192) widths.push(d.width);
  const choice = el(
    "select",
    { attrs: { id: "export-width", "aria-label": "Width of the exported image" } },
    ...widths.map((w) =>
      el(
        "option",
        { attrs: { value: w, selected: w === Math.min(2048, d.width) } },
        `${w} px wide${w === d.width ? " (full size)" : ""}`,
      ),
    ),
  );
  const progress = el("span", { class: "muted small", attrs: { "aria-live": "polite" } });
  const go = el(
    "button",
    {
      class: "button small",
      attrs: { type: "button" },
      on: {
        click: async () => {
          if (!d.urls || !d.pyramid) return;
          go.disabled = true;
          try {
            await exportWholeImage({
              dziUrl: d.urls.dzi,
              width: d.width,
              height: d.height,
              tileSize: d.pyramid.tile_size,
              format: d.pyramid.tile_format,
              targetWidth: Number(choice.value),
              fileName: fileNameFor(d.name, `-${choice.value}px.png`),
              onProgress: (done, total) => {
                progress.textContent = `${done} / ${total} tiles`;
              },
            });
            progress.textContent = "Saved.";
          } catch (e) {
            progress.textContent = `Export failed: ${String(e)}`;
          } finally {
            go.disabled = false;
          }
        },
      },
    },
    "Export image",
  );
  return el(
    "section",
    { class: "panel", attrs: { "aria-label": "Export" } },
    el("h2", null, "Export"),
    longest > 0 ? el("div", { class: "row" }, choice, go) : null,
    progress,
  );
}

function settingsPanel(settings: ViewerSettings, apply: (s: ViewerSettings) => void): HTMLElement {
  const check = (key: "navigator" | "debugTiles", label: string) =>
    el(
      "label",
      { class: "check" },
      el("input", {
        attrs: { type: "checkbox", checked: settings[key] },
        on: {
          change: (e) => {
            settings[key] = (e.target as HTMLInputElement).checked;
            apply(settings);
          },
        },
      }),
      ` ${label}`,
    );
  const range = (key: "animationTime" | "zoomPerScroll", label: string, min: number, max: number, step: number) =>
    el(
      "label",
      { class: "field" },
      label,
      el("input", {
        attrs: { type: "range", min, max, step, value: settings[key] },
        on: {
          input: (e) => {
            settings[key] = Number((e.target as HTMLInputElement).value);
            apply(settings);
          },
        },
      }),
    );
  return el(
    "details",
    { class: "panel" },
    el("summary", null, "Settings"),
    check("navigator", "Navigator"),
    range("animationTime", "Animation (s)", 0, 2, 0.1),
    range("zoomPerScroll", "Zoom per scroll step", 1.1, 3, 0.1),
    check("debugTiles", "Show tile borders"),
  );
}

// The record's failure, said on the page (the route's prefetch keeps the error screen out of it),
// with the request id an operator finds the server's log line by.
function failureDetail(e: unknown): string {
  if (!(e instanceof ApiError)) return String(e);
  return e.requestId ? `${e.message} (request id ${e.requestId})` : e.message;
}

// The page, given the record the route has already asked for (the first open uses it; reopening
// after a reprocess or while the pyramid builds asks again).
export const viewerPage =
  (first?: Promise<ViewerRecord>): PageFn =>
  (root, params) => {
    const id = params.id;
    let pending = first;
    let viewer: OpenSeadragon.Viewer | null = null;
    let annotations: AnnotationLayer | null = null;
    let display: DisplayPanel | null = null;
    let values: PixelValues | null = null; // the value box of images without a display panel
    let live: LiveBuild | null = null; // while the viewer shows a pyramid still being built
    let disposed = false;
    let onViewKey: ((e: KeyboardEvent) => void) | null = null;
    replace(root, el("main", { class: "viewer-page" }, el("div", { class: "card skeleton tall" })));

    // The building view's viewer and poll, when the page moves on from it.
    const closeLive = () => {
      if (!live) return;
      live.destroy();
      live = null;
      viewer?.destroy();
      viewer = null;
    };

    // A dataset with no published pyramid yet whose build serves the tiles it has written (#17 point
    // 2): the written part, growing from the top at each checkpoint, with the progress in the status
    // bar; when the build publishes, the normal viewer opens on the same tile URLs (from the cache)
    // at the same view (kept in the page's URL by the navigation bar).
    const openBuilding = async (d: Dataset, building: DatasetBuilding, waiting: () => void) => {
      const dzi = await fetchDzi(building.dzi, { quiet: true });
      if (disposed) return;
      if (!dzi) {
        waiting();
        return;
      }
      closeLive();
      const geometry = geometryOf(dzi);
      const canvas = el("div", {
        class: "osd",
        attrs: {
          tabindex: 0,
          role: "region",
          "aria-roledescription": "image viewer",
          "aria-label": `Deep zoom view of ${d.name}, still being built: the part written so far. Arrow keys pan, + and - zoom.`,
        },
      });
      const zoomOut = el("output", { class: "readout", attrs: { "aria-live": "off" } });
      const loading = el("span", { class: "loading", attrs: { hidden: true } }, "loading tiles…");
      const button = (label: string, title: string, action: () => void) =>
        el(
          "button",
          { class: "button small", attrs: { type: "button", title, "aria-label": title }, on: { click: action } },
          label,
        );
      const controls = el(
        "div",
        { class: "viewer-controls", attrs: { role: "toolbar", "aria-label": "View controls" } },
        button("+", "Zoom in", () => viewer?.viewport.zoomBy(1.5)),
        button("−", "Zoom out", () => viewer?.viewport.zoomBy(1 / 1.5)),
        button("⌂", "Whole image", () => viewer?.viewport.goHome()),
        button("⤢", "Full screen", () => viewer?.setFullScreen(!viewer.isFullPage())),
        zoomOut,
        loading,
      );
      const navigationSlot = el("div");
      replace(
        root,
        el(
          "main",
          { class: "viewer-page" },
          el(
            "div",
            { class: "page-head" },
            el("a", { class: "button ghost small", attrs: { href: "/datasets" } }, "← Datasets"),
            pageTitle(d.name),
          ),
          el("div", { class: "viewer-layout" }, el("div", { class: "viewer-main" }, controls, navigationSlot, canvas)),
        ),
      );
      const settings = loadSettings();
      // No navigator: it shows the small levels, which a build writes last. The preview, when the
      // build wrote one, is added under the tiles by LiveBuild.
      const shown = createViewer(canvas, buildingTileSource(geometry, building.tile_rows), {
        showNavigator: false,
        animationTime: settings.animationTime,
        zoomPerScroll: settings.zoomPerScroll,
        debugMode: settings.debugTiles,
        maxZoomPixelRatio: 4,
        visibilityRatio: 0.5,
        preserveImageSizeOnResize: true,
        drawer: "canvas",
      });
      viewer = shown;
      const updateZoom = () =>
        setText(zoomOut, zoomLabel(geometry.width, shown.viewport.getContainerSize().x, shown.viewport.getZoom(true)));
      shown.addHandler("animation", updateZoom);
      shown.addHandler("open", updateZoom);
      shown.world.addHandler("add-item", (e) => {
        const item = (e as unknown as { item: OpenSeadragon.TiledImage }).item;
        if (isOverview(item)) return; // one tile, loaded at once: "loading" is about the tiles
        item.addHandler("fully-loaded-change", (ev) => {
          loading.hidden = (ev as unknown as { fullyLoaded: boolean }).fullyLoaded;
        });
      });
      const navigation = new NavigationBar(shown, {
        width: geometry.width,
        height: geometry.height,
        sky: null,
        objectName: null,
        grid: null,
        annotations: null,
      });
      replace(navigationSlot, navigation.element);
      shown.addOnceHandler("open", () => navigation.restore());
      live = new LiveBuild({
        viewer: shown,
        datasetId: d.id,
        geometry,
        building,
        progress: d.progress,
        // The record is asked for first: the building view stays on screen until the final one opens.
        onCompleted: () => {
          pending = fetchViewerRecord(id, { quiet: true });
          void load();
        },
        onRestart: () => void load(),
      });
      controls.append(live.status);
      canvas.focus();
    };

    // stats: the stored data statistics when the dataset has a data pyramid (live display), else null.
    const open = (loaded: Dataset, stats: DataStats | null, descriptor: DziSource | null) => {
      const d = withShownSize(loaded);
      // No pyramid to open: why, and a look again in 2 s while it builds.
      const waiting = () => {
        const me = currentUser();
        const retry =
          d.status === "failed" && d.format === "fits" && (d.is_owner || me?.is_admin)
            ? fitsRetryForm(d, () => void load())
            : null;
        replace(
          root,
          el(
            "main",
            { class: "narrow" },
            pageTitle(d.name),
            statusBadge(d),
            el(
              "p",
              { class: "muted" },
              d.status === "failed"
                ? (d.failure_reason ?? "Processing failed.")
                : "The tile pyramid is being built. This page shows it as soon as its first tiles exist.",
            ),
            retry,
            el("a", { class: "button", attrs: { href: "/datasets" } }, "Back to the datasets"),
          ),
        );
        // Once a second, as the building view polls: the first tiles show within a second of existing.
        if (d.status !== "failed") window.setTimeout(() => !disposed && load(), 1000);
      };
      if (!d.urls && d.building && d.status !== "failed") {
        void openBuilding(d, d.building, () => {
          closeLive();
          waiting();
        });
        return;
      }
      closeLive();
      if (!d.urls) {
        waiting();
        return;
      }
      const settings = loadSettings();
      const canvas = el("div", {
        class: "osd",
        attrs: {
          tabindex: 0,
          role: "region",
          "aria-roledescription": "image viewer",
          "aria-label": `Deep zoom view of ${d.name}. Arrow keys pan, + and - zoom, 0 resets, ? lists every shortcut.`,
        },
      });
      const zoomOut = el("output", { class: "readout", attrs: { "aria-live": "off" } });
      const cursor = el("output", { class: "readout", attrs: { "aria-label": "Pointer position" } }, "—");
      const loading = el("span", { class: "loading", attrs: { hidden: true } }, "loading tiles…");
      const button = (label: string, title: string, action: () => void) =>
        el(
          "button",
          { class: "button small", attrs: { type: "button", title, "aria-label": title }, on: { click: action } },
          label,
        );
      const withAnnotations = el("input", {
        attrs: { type: "checkbox", checked: true, "aria-label": "Include annotations in the exported view" },
      });
      const exportPng = async () => {
        if (!viewer) return;
        try {
          const canvas = (viewer.drawer as unknown as { canvas: HTMLCanvasElement }).canvas;
          await exportView(
            canvas,
            withAnnotations.checked ? (annotations?.svg ?? null) : null,
            fileNameFor(d.name, "-view.png"),
          );
        } catch (e) {
          window.alert(`The view could not be exported: ${String(e)}`);
        }
      };
      const exportButton = button("PNG", "Export the view as PNG", () => void exportPng());
      const controls = el(
        "div",
        { class: "viewer-controls", attrs: { role: "toolbar", "aria-label": "View controls" } },
        button("+", "Zoom in", () => viewer?.viewport.zoomBy(1.5)),
        button("−", "Zoom out", () => viewer?.viewport.zoomBy(1 / 1.5)),
        button("⌂", "Whole image", () => viewer?.viewport.goHome()),
        button("⟳", "Rotate 90°", () => viewer?.viewport.setRotation((viewer.viewport.getRotation() + 90) % 360)),
        button("⤢", "Full screen", () => viewer?.setFullScreen(!viewer.isFullPage())),
        exportButton,
        downloadMenu(d, { region: () => viewerRegion(viewer, d.width, d.height), originalValues: stats !== null }),
        el("label", { class: "check small" }, withAnnotations, " annotations"),
        zoomOut,
        cursor,
        loading,
      );
      const me = currentUser();
      const fits = d.pyramid?.fits ?? null;
      const toolsSlot = el("div");
      const navigationSlot = el("div");
      const side = el("div", { class: "side" });
      replace(
        root,
        el(
          "main",
          { class: "viewer-page" },
          el(
            "div",
            { class: "page-head" },
            el("a", { class: "button ghost small", attrs: { href: "/datasets" } }, "← Datasets"),
            pageTitle(d.name),
            statusBadge(d),
            d.is_owner || me?.is_admin
              ? el(
                  "div",
                  { class: "row page-actions" },
                  el(
                    "button",
                    { class: "button small", attrs: { type: "button" }, on: { click: () => editDataset(d, reopen) } },
                    "Edit",
                  ),
                  el(
                    "button",
                    {
                      class: "button danger small",
                      attrs: { type: "button" },
                      on: { click: () => confirmDelete(d, () => navigate("/datasets")) },
                    },
                    "Delete",
                  ),
                )
              : null,
          ),
          el(
            "div",
            { class: "viewer-layout" },
            el("div", { class: "viewer-main" }, controls, navigationSlot, toolsSlot, canvas),
            side,
          ),
        ),
      );
      // The live display: settings from the link, else the owner's saved default, open on live tiles;
      // without either the built tiles show, and the panel starts from the build's own stretch.
      const chosen: DisplaySettings | null = stats
        ? (decodeDisplay(new URLSearchParams(window.location.search)) ??
          storedDisplay((d.stretch as Record<string, unknown> | null)?.display))
        : null;
      const liveDataset = {
        id: d.id,
        pyramid_version: d.pyramid_version,
        width: d.width,
        height: d.height,
        tileSize: d.pyramid?.tile_size ?? 256,
      };
      // The descriptor came with the record; without it OpenSeadragon asks for it (and says why not).
      viewer = createViewer(canvas, chosen ? liveTileSource(liveDataset, chosen) : (descriptor ?? d.urls.dzi), {
        // The navigator comes after the first tile (addNavigator), or when the setting turns it on.
        showNavigator: false,
        animationTime: settings.animationTime,
        zoomPerScroll: settings.zoomPerScroll,
        debugMode: settings.debugTiles,
        maxZoomPixelRatio: 4,
        visibilityRatio: 0.5,
        preserveImageSizeOnResize: true,
        // A 2D canvas, so "export the view" can read back exactly what is on screen.
        drawer: "canvas",
      });
      const applySettings = (s: ViewerSettings) => {
        if (!viewer) return;
        // Options OpenSeadragon reads live from the viewer and its springs (not in its typings).
        (viewer as unknown as { zoomPerScroll: number }).zoomPerScroll = s.zoomPerScroll;
        const vp = viewer.viewport as unknown as Record<string, { animationTime: number } | undefined>;
        for (const spring of ["centerSpringX", "centerSpringY", "zoomSpring", "degreesSpring"]) {
          const sp = vp[spring];
          if (sp) sp.animationTime = s.animationTime;
        }
        if (s.navigator) addNavigator(viewer, NAVIGATOR_AT, "canvas");
        if (viewer.navigator) viewer.navigator.element.style.display = s.navigator ? "" : "none";
        viewer.setDebugMode(s.debugTiles);
        viewer.forceRedraw();
      };
      // Every frame of a zoom: OpenSeadragon's own measure of the viewer (no layout read), and the
      // text written only when it changes.
      const updateZoom = () => {
        if (!viewer) return;
        const vp = viewer.viewport;
        setText(zoomOut, zoomLabel(d.width, vp.getContainerSize().x, vp.getZoom(true)));
      };
      const sky = usableWcs(d.pyramid?.wcs, d.height);
      const skyFrame = sky ? frameOf(sky.wcs) : null;
      const skyPosition = (x: number, y: number): string | null => {
        const star = sky && skyFrame ? sky.world(x, y, d.height) : null;
        return star && skyFrame ? formatWorld(skyFrame, star) : null;
      };
      annotations = new AnnotationLayer({
        viewer,
        datasetId: d.id,
        width: d.width,
        height: d.height,
        signedIn: me !== null,
        sky: Boolean(d.pyramid?.wcs),
        skyPosition: sky ? skyPosition : undefined,
        world: sky ? (x: number, y: number) => sky.world(x, y, d.height) : undefined,
        dataVersion: stats ? d.pyramid_version : undefined,
        canEdit: (a) => me !== null && (me.is_admin || d.is_owner || a.author_id === me.id),
      });
      replace(toolsSlot, annotations.toolbar);
      viewer.addOnceHandler("open", () => void annotations?.load());
      viewer.addHandler("animation", updateZoom);
      viewer.addHandler("open", updateZoom);
      viewer.addHandler("open-failed", (e) =>
        replace(canvas, errorBox("The image cannot be opened", String(e.message))),
      );
      // The indicator follows the image's own "everything needed for this view is loaded" state.
      viewer.world.addHandler("add-item", (e) => {
        const item = (e as unknown as { item: OpenSeadragon.TiledImage }).item;
        item.addHandler("fully-loaded-change", (ev) => {
          loading.hidden = (ev as unknown as { fullyLoaded: boolean }).fullyLoaded;
        });
      });
      const grid = sky?.invertible ? new SkyGridLayer(viewer, sky, d.width, d.height) : null;
      if (grid) controls.insertBefore(grid.button, zoomOut);
      new OrientationLayer(viewer, { width: d.width, height: d.height, sky, geo: d.pyramid?.georeference ?? null });
      const navigation = new NavigationBar(viewer, {
        width: d.width,
        height: d.height,
        sky: sky?.invertible ? sky : null,
        objectName: d.pyramid?.fits?.keywords.OBJECT ?? null,
        grid,
        annotations,
      });
      replace(navigationSlot, navigation.element);
      viewer.addOnceHandler("open", () => navigation.restore());
      const help = shortcutsDialog();
      root.append(help);
      // OpenSeadragon's letter keys that mean something else here (r/R rotate, f flips in it).
      viewer.addHandler("canvas-key", (e) => {
        const key = (e as unknown as { originalEvent: KeyboardEvent }).originalEvent.key;
        if (OSD_KEYS_TAKEN.has(key)) (e as unknown as { preventDefaultAction: boolean }).preventDefaultAction = true;
      });
      onViewKey = (e: KeyboardEvent) => {
        if (!viewer || isTyping(e.target) || e.ctrlKey || e.metaKey || e.altKey) return;
        const v = viewer;
        const actions: Record<string, () => void> = {
          [VIEW_KEYS.help]: () => (help.open ? help.close() : help.showModal()),
          [VIEW_KEYS.goTo]: () => navigation.focus(),
          [VIEW_KEYS.rotateLeft]: () => v.viewport.setRotation((v.viewport.getRotation() + 270) % 360),
          [VIEW_KEYS.rotateRight]: () => v.viewport.setRotation((v.viewport.getRotation() + 90) % 360),
          [VIEW_KEYS.fullScreen]: () => v.setFullScreen(!v.isFullPage()),
          [VIEW_KEYS.grid]: () => grid?.toggle(!grid.showing),
        };
        const action = actions[e.key];
        if (!action) return;
        e.preventDefault();
        action();
      };
      document.addEventListener("keydown", onViewKey);
      new OpenSeadragon.MouseTracker({
        element: canvas,
        moveHandler: (e) => {
          if (!viewer || !viewer.world.getItemAt(0)) return;
          const position = (e as unknown as { position: OpenSeadragon.Point }).position;
          const p = viewer.world.getItemAt(0).viewerElementToImageCoordinates(position);
          const inside = p.x >= 0 && p.y >= 0 && p.x < d.width && p.y < d.height;
          const geo = d.pyramid?.georeference;
          const where = !inside ? null : (skyPosition(p.x, p.y) ?? (geo ? describePosition(geo, p.x, p.y) : null));
          const at = `x ${Math.floor(p.x)}, y ${Math.floor(p.y)}`;
          setText(cursor, inside ? (where ? `${at} · ${where}` : at) : "—");
          display?.pointer(inside ? Math.floor(p.x) : null, inside ? Math.floor(p.y) : null);
          values?.pointer(inside ? Math.floor(p.x) : null, inside ? Math.floor(p.y) : null);
        },
      });
      canvas.focus();
      // The side column: nothing in it is needed to see the image.
      const shown = viewer;
      afterFirstPaint(shown, () => {
        if (disposed || viewer !== shown || !annotations) return;
        if (settings.navigator) addNavigator(shown, NAVIGATOR_AT, "canvas");
        display = stats
          ? new DisplayPanel({
              viewer: shown,
              dataset: liveDataset,
              stats,
              initial: chosen ?? initialSettings(stats),
              canSave: Boolean(d.is_owner || me?.is_admin),
            })
          : null;
        const owner = Boolean(d.is_owner || me?.is_admin);
        // Reprocessing is the owner's (and an admin's); the new pyramid opens when it is published.
        const panels = [
          annotations.panel,
          display ? display.element : valuesPanel((values = new PixelValues(d.id))),
          infoPanel(d),
          fits && owner ? fitsDisplayForm(d, fits, { onDone: reopen, isDisposed: () => disposed }) : null,
          owner ? stretchForm(d, { onDone: reopen, isDisposed: () => disposed }) : null,
          exportPanel(d),
          settingsPanel(settings, (s) => {
            saveSettings(s);
            applySettings(s);
          }),
        ];
        side.append(...panels.filter((p): p is HTMLElement => p !== null));
      });
    };

    const load = () => {
      const record = pending ?? fetchViewerRecord(id);
      pending = undefined;
      return record
        .then(({ dataset, stats, descriptor }) => {
          if (!disposed) open(dataset, stats, descriptor);
        })
        .catch((e) => {
          if (disposed) return;
          replace(
            root,
            el(
              "main",
              { class: "narrow" },
              e instanceof ApiError && e.status === 404
                ? [
                    pageTitle("Not found"),
                    el("p", { class: "muted" }, "This dataset does not exist, or you cannot see it."),
                  ]
                : errorBox("The dataset cannot be loaded", failureDetail(e)),
              el("a", { class: "button", attrs: { href: "/datasets" } }, "Back to the datasets"),
            ),
          );
        });
    };
    function reopen() {
      if (disposed) return;
      closeLive();
      if (onViewKey) document.removeEventListener("keydown", onViewKey);
      annotations?.destroy();
      annotations = null;
      display?.destroy();
      display = null;
      values?.destroy();
      values = null;
      viewer?.destroy();
      viewer = null;
      void load();
    }
    // load() shows its own failure.
    void load();
    return () => {
      disposed = true;
      live?.destroy();
      live = null;
      if (onViewKey) document.removeEventListener("keydown", onViewKey);
      annotations?.destroy();
      display?.destroy();
      values?.destroy();
      viewer?.destroy();
      viewer = null;
    };
  };
