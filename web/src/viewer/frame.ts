// Helpers for code that runs on every frame of a pan or zoom (OpenSeadragon's "animation" and
// "update-viewport" events, raised from its requestAnimationFrame loop). Such code must not read
// layout (getBoundingClientRect, clientWidth, offsetWidth, getComputedStyle): after any DOM write
// earlier in the frame, a read forces the browser to lay the page out there and then, synchronously
// (issue #17 point 5: the viewer's long tasks while panning). The viewer's size is known without a
// read: OpenSeadragon keeps it from its ResizeObserver (viewport.getContainerSize()).

// Writes text only when it differs: an unchanged write still dirties the node's layout.
export function setText(node: Node, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}

// Sets an attribute only when it differs.
export function setAttr(element: Element, name: string, value: string): void {
  if (element.getAttribute(name) !== value) element.setAttribute(name, value);
}

// One call of `run` for any number of schedule() calls in one task: OpenSeadragon raises several
// events per frame ("update-viewport", "animation", "viewport-change"); the work runs once, at the
// end of that same task, so an overlay moves in the same frame as the image, not a frame behind.
export function coalesced(run: () => void): () => void {
  let pending = false;
  return () => {
    if (pending) return;
    pending = true;
    queueMicrotask(() => {
      pending = false;
      run();
    });
  };
}
