// Viewer preferences, kept in local storage.
export interface ViewerSettings {
  navigator: boolean;
  animationTime: number; // seconds
  zoomPerScroll: number;
  debugTiles: boolean;
}

const KEY = "astropixel.viewer";
export const DEFAULTS: ViewerSettings = { navigator: true, animationTime: 0.6, zoomPerScroll: 1.4, debugTiles: false };

export function loadSettings(storage: Storage = localStorage): ViewerSettings {
  try {
    const raw = JSON.parse(storage.getItem(KEY) ?? "{}") as Partial<ViewerSettings>;
    return {
      navigator: typeof raw.navigator === "boolean" ? raw.navigator : DEFAULTS.navigator,
      animationTime: clamp(raw.animationTime, 0, 3, DEFAULTS.animationTime),
      zoomPerScroll: clamp(raw.zoomPerScroll, 1.05, 4, DEFAULTS.zoomPerScroll),
      debugTiles: typeof raw.debugTiles === "boolean" ? raw.debugTiles : DEFAULTS.debugTiles,
    };
  } catch {
    return { ...DEFAULTS };
  }
}

export function saveSettings(s: ViewerSettings, storage: Storage = localStorage): void {
  storage.setItem(KEY, JSON.stringify(s));
}

function clamp(v: unknown, lo: number, hi: number, fallback: number): number {
  return typeof v === "number" && Number.isFinite(v) ? Math.min(hi, Math.max(lo, v)) : fallback;
}

// What the current zoom means in image pixels: how many image pixels one screen pixel covers.
export function imagePixelsPerScreenPixel(imageWidth: number, viewportWidthPx: number, zoom: number): number {
  // OpenSeadragon's zoom 1 fits the image width to the viewer width.
  return imageWidth / (viewportWidthPx * zoom);
}

// The zoom readout's text: "1 screen px = 12 image px", or "2.0× full resolution" past 1:1.
export function zoomLabel(imageWidth: number, viewportWidthPx: number, zoom: number): string {
  const perPixel = imagePixelsPerScreenPixel(imageWidth, viewportWidthPx || 1, zoom);
  return perPixel >= 1
    ? `1 screen px = ${perPixel.toFixed(perPixel < 10 ? 1 : 0)} image px`
    : `${(1 / perPixel).toFixed(1)}× full resolution`;
}
