// The viewer's keyboard shortcuts, declared once: the "?" dialog lists this table, and the viewer's
// own key handler reads the same keys, so the help cannot drift from what the keys do.
import { el } from "../ui/dom";

export interface Shortcut {
  keys: string[]; // as shown: "←↑→↓", "+", "Shift+G"…
  what: string;
}

export const SHORTCUTS: readonly { group: string; items: readonly Shortcut[] }[] = [
  {
    group: "View",
    items: [
      { keys: ["←", "↑", "→", "↓"], what: "Pan (with the image focused)" },
      { keys: ["+", "−"], what: "Zoom in, zoom out (with the image focused)" },
      { keys: ["0"], what: "Whole image (with the image focused)" },
      { keys: ["[", "]"], what: "Rotate 90° left, right" },
      { keys: ["F"], what: "Full screen" },
      { keys: ["#"], what: "Coordinate grid on or off (images with a celestial WCS)" },
      { keys: ["/"], what: "Go to a position or a name" },
      {
        keys: ["M"],
        what: "Measure: drag between two points (distance, and on the sky separation and position angle)",
      },
    ],
  },
  {
    group: "Annotations (signed in)",
    items: [
      { keys: ["Esc"], what: "Pan tool; cancels a drawing" },
      { keys: ["P"], what: "Point" },
      { keys: ["R"], what: "Rectangle" },
      { keys: ["C"], what: "Circle" },
      { keys: ["G"], what: "Polygon; Enter closes it" },
    ],
  },
  { group: "Help", items: [{ keys: ["?"], what: "This list" }] },
];

// The keys the viewer page handles itself (the tools' are the annotation layer's).
export const VIEW_KEYS = {
  help: "?",
  goTo: "/",
  rotateLeft: "[",
  rotateRight: "]",
  fullScreen: "f",
  grid: "#",
} as const;

// OpenSeadragon's own letter keys that would clash with ours (r/R rotate and f flips in it).
export const OSD_KEYS_TAKEN = new Set(["r", "R", "f", "F", "p", "P", "c", "C", "g", "G", "m", "M"]);

export function shortcutsDialog(): HTMLDialogElement {
  const dialog = el(
    "dialog",
    { class: "shortcuts", attrs: { "aria-label": "Keyboard shortcuts" } },
    el("h2", null, "Keyboard shortcuts"),
    ...SHORTCUTS.map((g) =>
      el(
        "section",
        null,
        el("h3", null, g.group),
        el(
          "dl",
          null,
          ...g.items.map((s) =>
            el(
              "div",
              null,
              el("dt", null, ...s.keys.flatMap((k, i) => [i ? " " : null, el("kbd", null, k)])),
              el("dd", null, s.what),
            ),
          ),
        ),
      ),
    ),
    el("form", { attrs: { method: "dialog" } }, el("button", { class: "button small" }, "Close")),
  );
  return dialog;
}

// Keys typed into a field are text, not commands.
export function isTyping(target: EventTarget | null): boolean {
  return Boolean((target as HTMLElement | null)?.closest?.("input, textarea, select, [contenteditable]"));
}
