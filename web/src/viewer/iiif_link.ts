// "Open in IIIF viewer": the dataset's IIIF Presentation 3.0 manifest (docs/adr/0025), as a URL to
// copy into any IIIF viewer (Mirador, Universal Viewer, ...) and, for public datasets, a link that
// opens it in Mirador through the IIIF Content State parameter. A private dataset's manifest is
// readable only with the owner's session on this site, so its owner (or an admin) makes a link for
// other viewers instead (link_for_viewers.ts, docs/adr/0038); anyone else is told it stays here.
import { copyField } from "../ui/copy_field";
import { el } from "../ui/dom";
import { canMakeLinks, linkForViewers } from "./link_for_viewers";

// The hosted Mirador that reads `iiif-content` (IIIF cookbook recipe 0466).
const MIRADOR = "https://projectmirador.org/embed/";

export function manifestUrl(datasetId: string, origin: string = window.location.origin): string {
  return `${origin}/iiif/3/${encodeURIComponent(datasetId)}/manifest`;
}

export function miradorUrl(manifest: string): string {
  return `${MIRADOR}?iiif-content=${encodeURIComponent(manifest)}`;
}

export function iiifLink(d: {
  id: string;
  is_public: boolean;
  is_owner?: boolean;
  pyramid_version: number;
}): HTMLElement | null {
  if (d.pyramid_version <= 0) return null;
  const url = manifestUrl(d.id);
  return el(
    "div",
    { class: "iiif-link" },
    el("h3", null, "Open in IIIF viewer"),
    ...copyField(url, "IIIF manifest URL", "iiif-manifest-url"),
    d.is_public
      ? el("a", { attrs: { href: miradorUrl(url), target: "_blank", rel: "noopener noreferrer" } }, "Open in Mirador")
      : canMakeLinks(d)
        ? linkForViewers(d, "iiif")
        : el("p", { class: "muted" }, "Make the image public to open it in viewers on other sites."),
  );
}
