// The landing page and the not-found page.
import { api } from "../api/client";
import type { Dataset, Page } from "../api/types";
import { currentUser } from "../auth/session";
import type { PageFn } from "../router";
import { el, replace } from "../ui/dom";
import { datasetCard } from "./dataset_card";

export const landingPage: PageFn = (root) => {
  document.title = "AstroPixel · explore gigapixel images of the sky and the planets";
  const user = currentUser();
  const gallery = el(
    "div",
    { class: "grid" },
    ...Array.from({ length: 3 }, () => el("div", { class: "card skeleton" })),
  );
  replace(
    root,
    el(
      "main",
      null,
      el(
        "section",
        { class: "hero" },
        el("h1", null, "Explore gigapixel images of the sky and the planets"),
        el(
          "p",
          { class: "lead" },
          "Upload a huge TIFF, FITS, PNG, JPEG or JPEG 2000 — up to 40 GB, with uploads that survive a dropped " +
            "connection — and zoom from the whole frame down to single pixels in seconds. Annotate what you find, " +
            "compare two images side by side, export what you see.",
        ),
        el(
          "div",
          { class: "actions" },
          user
            ? el("a", { class: "button primary", attrs: { href: "/upload" } }, "Upload an image")
            : el("a", { class: "button primary", attrs: { href: "/signup" } }, "Create a free account"),
          el("a", { class: "button", attrs: { href: "/datasets" } }, "Browse public images"),
        ),
      ),
      el("section", null, el("h2", null, "Public images"), gallery),
    ),
  );
  api<Page<Dataset>>("/api/datasets?visibility=public&limit=6&sort=-date")
    .then((page) =>
      replace(
        gallery,
        ...(page.items.length
          ? page.items.map((d) => datasetCard(d, null))
          : [el("p", { class: "muted" }, "No public images yet.")]),
      ),
    )
    .catch(() => replace(gallery, el("p", { class: "muted" }, "Public images cannot be loaded right now.")));
};

export const notFoundPage: PageFn = (root) => {
  document.title = "Not found · AstroPixel";
  replace(
    root,
    el(
      "main",
      { class: "narrow center" },
      el("h1", null, "Lost in space"),
      el("p", { class: "muted" }, "There is nothing at this address."),
      el("a", { class: "button", attrs: { href: "/datasets" } }, "Go to the datasets"),
    ),
  );
};
