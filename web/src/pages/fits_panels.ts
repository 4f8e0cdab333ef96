// The viewer's FITS parts: the headers behind a disclosure, and the owner's choice of HDU and plane
// (a reprocess, followed to the end like an upload's processing). Header text is hostile input: it
// only ever becomes text nodes (el() and textContent), never markup.
import { ApiError, api } from "../api/client";
import type { Dataset, DatasetStatusBody, FitsHeaders, FitsInfo } from "../api/types";
import { el, replace } from "../ui/dom";
import { errorBox } from "../ui/layout";
import { displayRequest, displayableHdus, hduLabel, parseIndex, planesOf } from "../viewer/fits_info";
import { progressBar } from "./dataset_card";

export function headerView(h: FitsHeaders): HTMLElement {
  const block = (title: string, text: string) => {
    const pre = el("pre", { class: "fits-header", attrs: { tabindex: 0 } });
    pre.textContent = text;
    return el("section", null, el("h3", null, title), pre);
  };
  return el(
    "div",
    null,
    block(h.image_header ? "Primary header (HDU 0)" : `Primary header (HDU 0, the image shown)`, h.primary_header),
    h.image_header ? block(`Image header (HDU ${h.hdu})`, h.image_header) : null,
  );
}

// A disclosure that fetches the headers the first time it opens.
export function fitsHeaderDisclosure(
  url: string,
  fetchHeaders: (url: string) => Promise<FitsHeaders> = (u) => api<FitsHeaders>(u),
): HTMLDetailsElement {
  const body = el("div", { attrs: { "aria-live": "polite" } });
  const details = el("details", { class: "fits-headers" }, el("summary", null, "FITS header"), body);
  let asked = false;
  details.addEventListener("toggle", () => {
    if (!details.open || asked) return;
    asked = true;
    replace(body, el("p", { class: "muted small" }, "Loading…"));
    fetchHeaders(url)
      .then((h) => replace(body, headerView(h)))
      .catch((e) => {
        asked = false;
        replace(body, errorBox("The header cannot be loaded", e instanceof ApiError ? e.message : String(e)));
      });
  });
  return details;
}

export interface DisplayFormOptions {
  // Called once the new pyramid is published (the caller reopens the viewer on it).
  onDone: () => void;
  isDisposed: () => boolean;
  pollMs?: number;
}

// The owner's choice of HDU and plane; null when the file offers no choice.
export function fitsDisplayForm(d: Dataset, f: FitsInfo, options: DisplayFormOptions): HTMLElement | null {
  const hdus = displayableHdus(f);
  if (hdus.length === 0 || (hdus.length === 1 && f.planes <= 1)) return null;
  const hduError = el("span", { id: "fits-hdu-error", class: "error small", attrs: { "aria-live": "polite" } });
  const planeError = el("span", { id: "fits-plane-error", class: "error small", attrs: { "aria-live": "polite" } });
  const hdu = el(
    "select",
    { attrs: { id: "fits-hdu", name: "hdu", "aria-describedby": "fits-hdu-error" } },
    ...hdus.map((h) => el("option", { attrs: { value: h.index, selected: h.index === f.hdu } }, hduLabel(h))),
  );
  const plane = el("input", {
    attrs: {
      id: "fits-plane",
      name: "plane",
      type: "number",
      min: 0,
      step: 1,
      inputmode: "numeric",
      value: f.plane,
      "aria-describedby": "fits-plane-error",
    },
  });
  const planeLabel = el("label", { attrs: { for: "fits-plane" } });
  const planeField = el("div", { class: "field" }, planeLabel, plane, planeError);
  const status = el("div", { attrs: { "aria-live": "polite" } });
  const submit = el("button", { class: "button small", attrs: { type: "submit" } }, "Show");
  const chosenPlanes = () => {
    const h = hdus.find((x) => String(x.index) === hdu.value);
    return h ? planesOf(h) : 1;
  };
  const syncPlane = (reset: boolean) => {
    const n = chosenPlanes();
    planeField.hidden = n <= 1;
    plane.max = String(Math.max(0, n - 1));
    planeLabel.textContent = `Plane (0–${n - 1})`;
    if (reset) plane.value = "0";
  };
  syncPlane(false);
  hdu.addEventListener("change", () => {
    hduError.textContent = planeError.textContent = "";
    syncPlane(true);
  });
  plane.addEventListener("input", () => {
    planeError.textContent = "";
  });

  const follow = (before: number) => {
    const tick = async () => {
      if (options.isDisposed()) return;
      try {
        const s = await api<DatasetStatusBody>(`/api/datasets/${encodeURIComponent(d.id)}/status`);
        if (s.status === "failed") {
          replace(status, errorBox("Processing failed", s.failure_reason ?? ""));
          submit.disabled = false;
          return;
        }
        if (s.status === "completed" && s.pyramid_version !== before) {
          replace(status, el("p", { class: "muted small" }, "Done."));
          options.onDone();
          return;
        }
        replace(
          status,
          progressBar(s.progress, "Processing"),
          el("p", { class: "muted small" }, `${s.status} · ${s.progress}%`),
        );
      } catch {
        // Transient: try again.
      }
      window.setTimeout(tick, options.pollMs ?? 1000);
    };
    void tick();
  };

  const send = async () => {
    hduError.textContent = planeError.textContent = "";
    replace(status);
    const n = chosenPlanes();
    const p = n > 1 ? parseIndex(plane.value, "plane", n - 1) : { value: 0, error: null };
    if (p.error) {
      planeError.textContent = p.error;
      return;
    }
    submit.disabled = true;
    try {
      await api<Dataset>(`/api/datasets/${encodeURIComponent(d.id)}/reprocess`, {
        json: displayRequest(d.stretch, Number(hdu.value), p.value ?? 0),
      });
      replace(status, progressBar(0, "Processing"), el("p", { class: "muted small" }, "Queued…"));
      follow(d.pyramid_version);
    } catch (e) {
      submit.disabled = false;
      const message = e instanceof ApiError ? e.message : String(e);
      if (e instanceof ApiError && e.field === "plane") planeError.textContent = message;
      else if (e instanceof ApiError && e.field === "hdu") hduError.textContent = message;
      else replace(status, errorBox("The image cannot be reprocessed", message));
    }
  };

  return el(
    "form",
    {
      class: "panel fits-display",
      attrs: { "aria-label": "FITS image shown" },
      on: {
        submit: (e) => {
          e.preventDefault();
          void send();
        },
      },
    },
    el("h2", null, "Image shown"),
    el("div", { class: "field" }, el("label", { attrs: { for: "fits-hdu" } }, "HDU"), hdu, hduError),
    planeField,
    el("div", { class: "actions" }, submit),
    status,
  );
}

// A FITS dataset whose build failed has no HDU list to choose from (the pyramid was never made): its
// owner may try again with another HDU or plane typed in, e.g. after "HDU 0 holds no 2-D image".
export function fitsRetryForm(d: Dataset, onQueued: () => void): HTMLElement {
  const field = (id: string, label: string, value: number | undefined, hint: string) => {
    const input = el("input", {
      attrs: {
        id,
        name: id,
        type: "number",
        min: 0,
        step: 1,
        inputmode: "numeric",
        value: value ?? "",
        placeholder: hint,
        "aria-describedby": `${id}-error`,
      },
    });
    const error = el("span", { id: `${id}-error`, class: "error small", attrs: { "aria-live": "polite" } });
    return {
      input,
      error,
      node: el("div", { class: "field" }, el("label", { attrs: { for: id } }, label), input, error),
    };
  };
  const hdu = field("retry-hdu", "HDU", d.stretch?.hdu, "first image");
  const plane = field("retry-plane", "Plane", d.stretch?.plane, "0");
  const status = el("div", { attrs: { "aria-live": "polite" } });
  const submit = el("button", { class: "button", attrs: { type: "submit" } }, "Try again");
  const send = async () => {
    hdu.error.textContent = plane.error.textContent = "";
    replace(status);
    const h = parseIndex(hdu.input.value, "HDU");
    const p = parseIndex(plane.input.value, "plane");
    if (h.error || p.error) {
      hdu.error.textContent = h.error ?? "";
      plane.error.textContent = p.error ?? "";
      return;
    }
    const body: Record<string, unknown> = {};
    if (h.value !== null) body.hdu = h.value;
    if (p.value !== null) body.plane = p.value;
    if (d.stretch?.kind) body.stretch = d.stretch.kind;
    if (d.stretch?.cuts) body.cuts = d.stretch.cuts;
    submit.disabled = true;
    try {
      await api<Dataset>(`/api/datasets/${encodeURIComponent(d.id)}/reprocess`, { json: body });
      onQueued();
    } catch (e) {
      submit.disabled = false;
      const message = e instanceof ApiError ? e.message : String(e);
      if (e instanceof ApiError && (e.field === "hdu" || e.field === "plane"))
        (e.field === "hdu" ? hdu : plane).error.textContent = message;
      else replace(status, errorBox("The image cannot be reprocessed", message));
    }
  };
  return el(
    "form",
    {
      class: "card form fits-retry",
      attrs: { "aria-label": "Try another HDU or plane" },
      on: {
        submit: (e) => {
          e.preventDefault();
          void send();
        },
      },
    },
    el(
      "p",
      { class: "muted small" },
      "Try another image of this FITS file " +
        "(HDUs and planes are numbered from 0; empty: the first HDU holding an image, plane 0).",
    ),
    el("div", { class: "row" }, hdu.node, plane.node),
    status,
    el("div", { class: "actions" }, submit),
  );
}
