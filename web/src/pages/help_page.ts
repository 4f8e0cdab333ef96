// About and help: what the app is, the formats it accepts and the viewer's keyboard shortcuts (from
// the viewer's own table, so the page cannot drift from what the keys do).
import type { PageFn } from "../router";
import { el, replace } from "../ui/dom";
import { SHORTCUTS } from "../viewer/shortcuts";

// As the server's accepted_formats() names them (src/pyramid/source.cpp).
const FORMATS: readonly [string, string][] = [
  ["TIFF, BigTIFF, GeoTIFF", "8/16-bit, float; tiled or striped; a GeoTIFF's georeference is kept"],
  ["FITS", "any BITPIX, several HDUs and cubes (choose the HDU and plane), .fits.gz and .fits.Z"],
  ["PNG, JPEG, WebP", "8 and 16-bit PNG; baseline JPEG (progressive only up to 256 MiB decoded)"],
  ["JPEG 2000", ".jp2 and .j2k"],
];

export const helpPage: PageFn = (root) => {
  document.title = "Help · AstroPixel";
  replace(
    root,
    el(
      "main",
      { class: "narrow" },
      el("h1", null, "About AstroPixel"),
      el(
        "p",
        null,
        "AstroPixel turns very large images into tiled pyramids you can explore in the browser: upload, " +
          "wait for the build, then pan, zoom, measure and annotate.",
      ),
      el("h2", null, "Supported formats"),
      el(
        "table",
        { class: "help-table" },
        el(
          "thead",
          null,
          el(
            "tr",
            null,
            el("th", { attrs: { scope: "col" } }, "Format"),
            el("th", { attrs: { scope: "col" } }, "Notes"),
          ),
        ),
        el(
          "tbody",
          null,
          FORMATS.map(([f, n]) => el("tr", null, el("th", { attrs: { scope: "row" } }, f), el("td", null, n))),
        ),
      ),
      el("h2", null, "Keyboard shortcuts in the viewer"),
      SHORTCUTS.map((g) =>
        el(
          "section",
          null,
          el("h3", null, g.group),
          el(
            "dl",
            { class: "help-keys" },
            g.items.map((s) => [
              el(
                "dt",
                null,
                s.keys.map((k) => el("kbd", null, k)),
              ),
              el("dd", null, s.what),
            ]),
          ),
        ),
      ),
    ),
  );
};
