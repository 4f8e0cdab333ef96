// A read-only URL to copy into another program (a IIIF viewer, Aladin): the text field selects itself
// on focus, and a Copy button writes it to the clipboard or, where the browser refuses, selects it for
// copying by hand; a status element says which.
import { el } from "./dom";

export function copyField(url: string, label: string, className: string): HTMLElement[] {
  const field = el("input", {
    class: className,
    attrs: { type: "text", readonly: true, value: url, "aria-label": label },
    style: { width: "100%" },
    on: { focus: (e) => (e.target as HTMLInputElement).select() },
  });
  const message = el("span", { attrs: { role: "status" } });
  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(url);
      message.textContent = "Copied";
    } catch {
      field.select();
      message.textContent = "Press Ctrl+C to copy";
    }
  };
  return [
    field,
    el(
      "button",
      { class: "button small", attrs: { type: "button", "aria-label": `Copy the ${label}` }, on: { click: copy } },
      "Copy",
    ),
    message,
  ];
}
