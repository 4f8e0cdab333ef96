// "Sky tiles (HiPS)": a sky image's HiPS (docs/adr/0030), as a URL to give Aladin Desktop (File → Open
// → Load from URL) or Aladin Lite (A.HiPS(url)), and as one archive to download. The URL names no
// version: it follows the dataset to its next pyramid. Aladin Lite's hosted page takes only known
// survey identifiers in its address, so there is no one-click link; and a private dataset's HiPS is
// readable only with the owner's session on this site, so its owner (or an admin) makes a link for
// other viewers instead (link_for_viewers.ts, docs/adr/0038); anyone else is told it stays here.
import { copyField } from "../ui/copy_field";
import { el } from "../ui/dom";
import { canMakeLinks, linkForViewers } from "./link_for_viewers";

export function hipsUrl(datasetId: string, origin: string = window.location.origin): string {
  return `${origin}/hips/${encodeURIComponent(datasetId)}`;
}

export function hipsLink(d: {
  id: string;
  is_public: boolean;
  is_owner?: boolean;
  pyramid?: { hips?: { status: string; frame?: string } | null };
}): HTMLElement | null {
  const hips = d.pyramid?.hips;
  if (hips?.status !== "ready") return null;
  const url = hipsUrl(d.id);
  return el(
    "div",
    { class: "hips-link" },
    el("h3", null, "Sky tiles (HiPS)"),
    ...copyField(url, "HiPS URL", "hips-url"),
    el(
      "p",
      { class: "muted small" },
      `${hips.frame === "galactic" ? "Galactic" : "Equatorial (ICRS)"} HiPS for Aladin: File → Open → Load from URL, or A.HiPS(url) in Aladin Lite.`,
    ),
    el("a", { attrs: { href: `${url}.tar`, download: "" } }, "Download the HiPS (tar)"),
    d.is_public
      ? null
      : canMakeLinks(d)
        ? linkForViewers(d, "hips")
        : el("p", { class: "muted" }, "Make the image public to open it in viewers on other sites."),
  );
}
