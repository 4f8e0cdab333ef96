// The one place OpenSeadragon viewers are made: the CSP style marker, our defaults (no stock
// navigation buttons, no cross-origin mode: tiles come from our own origin with the session
// cookie) and the tile source a dataset is opened from. Pages pass only what differs.
import OpenSeadragon from "openseadragon";

// OpenSeadragon injects a <style> element unless one marked like this exists; under our strict CSP
// that injection is refused, so provide the marker (its rule lives in styles.css).
function ensureStyleMarker(): void {
  if (document.querySelector("style[data-openseadragon-mobile-css]")) return;
  const marker = document.createElement("style");
  marker.setAttribute("data-openseadragon-mobile-css", "true");
  document.head.appendChild(marker);
}

export function createViewer(
  element: HTMLElement,
  tileSources: string | object,
  options: Partial<OpenSeadragon.Options> = {},
): OpenSeadragon.Viewer {
  ensureStyleMarker();
  const viewer = OpenSeadragon({
    element,
    tileSources,
    showNavigationControl: false,
    crossOriginPolicy: false,
    ...options,
  });
  // While the view glides (zoom, pan, rotation springs) the viewer says so: assistive technology
  // waits for it to settle before reading, and so can anything that acts on screen positions.
  viewer.addHandler("animation-start", () => element.setAttribute("aria-busy", "true"));
  viewer.addHandler("animation-finish", () => element.removeAttribute("aria-busy"));
  return viewer;
}
