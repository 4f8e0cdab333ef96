// "Open in IIIF viewer": the dataset's IIIF Presentation 3.0 manifest (docs/adr/0025), as a URL to
// copy into any IIIF viewer (Mirador, Universal Viewer, ...) and, for public datasets, a link that
// opens it in Mirador through the IIIF Content State parameter. A private dataset's manifest is
// readable only with the owner's session on this site, so other sites' viewers cannot open it.
import { el } from "../ui/dom";

// The hosted Mirador that reads `iiif-content` (IIIF cookbook recipe 0466).
const MIRADOR = "https://projectmirador.org/embed/";

export function manifestUrl(datasetId: string, origin: string = window.location.origin): string {
  return `${origin}/iiif/3/${encodeURIComponent(datasetId)}/manifest`;
}

export function miradorUrl(manifest: string): string {
  return `${MIRADOR}?iiif-content=${encodeURIComponent(manifest)}`;
}

export function iiifLink(d: { id: string; is_public: boolean; pyramid_version: number }): HTMLElement | null {
  if (d.pyramid_version <= 0) return null;
  const url = manifestUrl(d.id);
  const field = el("input", {
    class: "iiif-manifest-url",
    attrs: { type: "text", readonly: true, value: url, "aria-label": "IIIF manifest URL" },
    style: { width: "100%" },
    on: { focus: (e) => (e.target as HTMLInputElement).select() },
  });
  const message = el("span", { attrs: { role: "status" } });
  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(url);
      message.textContent = "Copied";
    } catch {
      field.select(); // the browser refused the clipboard: selected, to copy by hand
      message.textContent = "Press Ctrl+C to copy";
    }
  };
  return el(
    "div",
    { class: "iiif-link" },
    el("h3", null, "Open in IIIF viewer"),
    field,
    el("button", { class: "button small", attrs: { type: "button" }, on: { click: copy } }, "Copy"),
    message,
    d.is_public
      ? el("a", { attrs: { href: miradorUrl(url), target: "_blank", rel: "noopener noreferrer" } }, "Open in Mirador")
      : el("p", { class: "muted" }, "Make the image public to open it in viewers on other sites."),
  );
}
