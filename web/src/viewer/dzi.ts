// The Deep Zoom descriptor, asked for as soon as the dataset's record names it (while the viewer's
// code is still downloading) and handed to OpenSeadragon inline, in the object form its DZI tile
// source reads. OpenSeadragon would otherwise ask for it only after the viewer exists, one more
// round trip before the first tile (issue #17 point 5). The descriptor still comes from the server
// (the record alone does not say the pyramid's geometry) and tiles keep their versioned URLs.
import { api } from "../api/client";

export interface DziSource {
  Image: {
    xmlns: string;
    Url: string; // where the tiles are: …/image_files/
    Format: string;
    Overlap: string;
    TileSize: string;
    Size: { Width: string; Height: string };
  };
}

const DEEP_ZOOM = /^http:\/\/schemas\.microsoft\.com\/deepzoom\/200[89]$/i;
const COUNT = /^[0-9]{1,9}$/;

// The descriptor at `url` (…/image.dzi) as OpenSeadragon's inline form; null when the text is not a
// usable descriptor (a caller then gives OpenSeadragon the URL, and it reports the failure).
export function parseDzi(xml: string, url: string): DziSource | null {
  const doc = new DOMParser().parseFromString(xml, "application/xml");
  const image = doc.documentElement;
  const ns = image.namespaceURI ?? "";
  if (image.localName !== "Image" || !DEEP_ZOOM.test(ns)) return null;
  const size = image.getElementsByTagNameNS(ns, "Size")[0];
  const read = (e: Element | undefined, name: string) => e?.getAttribute(name) ?? "";
  const [format, overlap, tileSize, width, height] = [
    read(image, "Format"),
    read(image, "Overlap"),
    read(image, "TileSize"),
    read(size, "Width"),
    read(size, "Height"),
  ];
  if (!/^[a-z0-9]{1,8}$/i.test(format) || ![overlap, tileSize, width, height].every((v) => COUNT.test(v))) return null;
  if (Number(tileSize) === 0 || Number(width) === 0 || Number(height) === 0) return null;
  return {
    Image: {
      xmlns: ns,
      // OpenSeadragon's own rule for a descriptor's tile folder: image.dzi → image_files/.
      Url: url.replace(/\.dzi(\?.*)?$/, "_files/"),
      Format: format,
      Overlap: overlap,
      TileSize: tileSize,
      Size: { Width: width, Height: height },
    },
  };
}

// Fetches and parses the descriptor with the page's session, as OpenSeadragon would; null on any
// failure (the record that named it already said whether the session holds). `quiet`: a failure
// does not reach the global error screen (a prefetch's).
export async function fetchDzi(url: string, { quiet = false } = {}): Promise<DziSource | null> {
  try {
    const xml = await api<unknown>(url, { headers: { Accept: "application/xml" }, noSessionRedirect: true, quiet });
    return typeof xml === "string" ? parseDzi(xml, url) : null;
  } catch {
    return null;
  }
}
