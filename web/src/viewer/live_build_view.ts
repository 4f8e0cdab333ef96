// The viewer on a pyramid still being built (#17 point 2): polls the dataset's status every second
// and, at each new checkpoint, adds the new frontier as another tiled image over the one shown (the
// same tile URLs, so what is drawn comes from the cache), removing the older images once the new
// one has every tile the view needs: no blank frame, and the view (zoom, pan) is untouched. Under
// them, once the status names it (`building.preview`), the preview stretched over the whole image as
// the bottom item (overview.ts): where no tile exists yet, the image shows blurred, not blank. Says
// "Building · N %" in a role="status" element, and why when the build failed (what is drawn stays).
// What each poll means is in live_build.ts.
import type OpenSeadragon from "openseadragon";
import { ApiError, api } from "../api/client";
import type { DatasetBuilding, DatasetStatusBody } from "../api/types";
import { el } from "../ui/dom";
import { setText } from "./frame";
import {
  type PyramidGeometry,
  buildFailedText,
  buildingText,
  buildingTileSource,
  frontierChange,
  supersededFrontiers,
} from "./live_build";
import { overviewTileSource, tiledItems } from "./overview";

const POLL_MS = 1000;

export interface LiveBuildOptions {
  viewer: OpenSeadragon.Viewer; // opened on buildingTileSource(geometry, building.tile_rows)
  datasetId: string;
  geometry: PyramidGeometry;
  building: DatasetBuilding;
  progress: number;
  onCompleted: () => void; // the version is published: open the normal viewer on it
  onRestart: () => void; // another version is being built (its URLs differ): open it anew
}

export class LiveBuild {
  // For the viewer's status bar.
  readonly status: HTMLElement;
  private shown: DatasetBuilding;
  private generation = 0;
  private timer: number | null = null;
  private destroyed = false;
  private overviewAsked = false;

  constructor(private readonly o: LiveBuildOptions) {
    this.shown = o.building;
    this.status = el(
      "span",
      { class: "readout build-status", attrs: { role: "status", "aria-atomic": "true" } },
      buildingText(o.progress),
    );
    this.status.dataset.checkpoint = String(o.building.checkpoint);
    this.showOverview(o.building.preview);
    this.schedule();
  }

  destroy(): void {
    this.destroyed = true;
    if (this.timer !== null) window.clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.destroyed) return;
    this.timer = window.setTimeout(() => void this.poll(), POLL_MS);
  }

  private async poll(): Promise<void> {
    this.timer = null;
    let s: DatasetStatusBody;
    try {
      // Quiet: a poll that fails is asked again a second later, not an error screen.
      s = await api<DatasetStatusBody>(`/api/datasets/${encodeURIComponent(this.o.datasetId)}/status`, {
        quiet: true,
      });
    } catch (e) {
      if (this.destroyed) return;
      if (e instanceof ApiError && e.status === 404) {
        setText(this.status, "This dataset is no longer there.");
        return;
      }
      this.schedule();
      return;
    }
    if (this.destroyed) return;
    if (s.status === "completed") {
      this.o.onCompleted();
      return;
    }
    if (s.status === "failed") {
      setText(this.status, buildFailedText(s.failure_reason));
      return;
    }
    setText(this.status, buildingText(s.progress));
    const next = s.building ?? null;
    if (next) {
      const change = frontierChange(this.shown, next);
      if (change === "restart") {
        this.o.onRestart();
        return;
      }
      if (change === "advance") this.show(next);
      this.showOverview(next.preview);
    }
    this.schedule();
  }

  // The preview under the tiled images, once (its URL is the version's: a new version restarts the
  // view). Added once the viewer has opened its first frontier, so that one's open is undisturbed.
  // A preview that fails to load leaves the tiles as they are (OpenSeadragon reports the tile).
  private showOverview(url: string | null | undefined): void {
    if (!url || this.overviewAsked) return;
    this.overviewAsked = true;
    const viewer = this.o.viewer;
    const add = () => {
      if (this.destroyed) return;
      viewer.addTiledImage({
        tileSource: overviewTileSource(this.o.geometry, url),
        index: 0,
        x: 0,
        y: 0,
        width: 1, // the frontiers' width in the world (OpenSeadragon's default): the same bounds
        success: (e: unknown) => {
          if (this.destroyed) viewer.world.removeItem((e as { item: OpenSeadragon.TiledImage }).item);
        },
      });
    };
    if (viewer.isOpen()) add();
    else viewer.addOnceHandler("open", add);
  }

  private show(next: DatasetBuilding): void {
    const viewer = this.o.viewer;
    const world = viewer.world;
    this.shown = next;
    const generation = ++this.generation;
    // Bounded: the last one fully drawn and the newest pending one stay (and the overview under them).
    for (const stale of supersededFrontiers(tiledItems(world))) world.removeItem(stale);
    viewer.addTiledImage({
      tileSource: buildingTileSource(this.o.geometry, next.tile_rows),
      // No index: on top when added (an index counted now would be off by the overview, were it
      // added in between).
      success: (e: unknown) => {
        const item = (e as { item: OpenSeadragon.TiledImage }).item;
        if (generation !== this.generation || this.destroyed) {
          world.removeItem(item);
          return;
        }
        const done = () => {
          if (generation !== this.generation || this.destroyed) return;
          for (const other of tiledItems(world)) if (other !== item) world.removeItem(other);
          // The frontier on screen, for the browser tests (and anyone inspecting the page).
          this.status.dataset.checkpoint = String(next.checkpoint);
        };
        if ((item as unknown as { getFullyLoaded(): boolean }).getFullyLoaded()) done();
        else
          item.addHandler("fully-loaded-change", (ev) => {
            if ((ev as unknown as { fullyLoaded: boolean }).fullyLoaded) done();
          });
      },
    });
  }
}
