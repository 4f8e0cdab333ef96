// When the viewer has something on screen. What is not needed to see the image (the side panels)
// is built after that, so it neither delays the tile descriptor's request nor the first tile's
// paint (issue #17 point 5).
import type OpenSeadragon from "openseadragon";

// The events that end the wait: a tile drawn on the canvas, or an image or tile that will not come
// (the panels must not wait for a picture that never arrives).
export const FIRST_PAINT_EVENTS = ["tile-drawn", "open-failed", "tile-load-failed"] as const;

// Runs `then` once, in a task of its own after the first of FIRST_PAINT_EVENTS: OpenSeadragon raises
// them inside its animation frame, and that frame's paint comes before the next task.
export function afterFirstPaint(viewer: OpenSeadragon.Viewer, then: () => void): void {
  let done = false;
  const fire = () => {
    if (done) return;
    done = true;
    for (const ev of FIRST_PAINT_EVENTS) viewer.removeHandler(ev, fire);
    window.setTimeout(then, 0);
  };
  for (const ev of FIRST_PAINT_EVENTS) viewer.addHandler(ev, fire);
}
