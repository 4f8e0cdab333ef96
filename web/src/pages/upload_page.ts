// Upload an image: drag and drop or pick a file, describe it, send it with tus (resumable, also
// after a page reload: pick the same file again), then follow processing until the viewer opens.
import * as tus from "tus-js-client";
import { api, handleSessionLoss, readCookie, refreshSession } from "../api/client";
import {
  CATEGORIES,
  DEFAULT_STRETCH,
  STRETCH_KINDS,
  type DatasetStatusBody,
  type StretchKind,
  type Visibility,
} from "../api/types";
import { navigate, type PageFn } from "../router";
import { el, formatBytes, replace } from "../ui/dom";
import { errorBox, pageTitle } from "../ui/layout";
import { progressBar } from "./dataset_card";
import { RateMeter, formatDuration, isFitsName, uploadErrorMessage } from "../upload/format";
import { describeSniffed, fileReader, sniffFile } from "../upload/sniff";
import { tusSession } from "../upload/tus_session";
import { stretchRequest } from "./stretch_panel";
import { parseIndex } from "../viewer/fits_info";

const ACCEPT = ".tif,.tiff,.fits,.fit,.fts,.fz,.gz,.png,.jpg,.jpeg,.jp2,.j2k,.webp";

function responseError(err: unknown): { status: number; code: string; message: string; field: string } {
  const res = (err as { originalResponse?: tus.HttpResponse | null }).originalResponse;
  if (!res) return { status: 0, code: "network_error", message: "", field: "" };
  let body: { code?: string; message?: string; field?: string } = {};
  try {
    body = JSON.parse(res.getBody() || "{}") as typeof body;
  } catch {
    // not JSON
  }
  return { status: res.getStatus(), code: body.code ?? "", message: body.message ?? "", field: body.field ?? "" };
}

export const uploadPage: PageFn = (root) => {
  let upload: tus.Upload | null = null;
  let file: File | null = null;
  let disposed = false;
  let pollTimer: number | undefined;
  const meter = new RateMeter();

  const fileInput = el("input", { attrs: { type: "file", accept: ACCEPT, id: "file", class: "visually-hidden" } });
  const chosen = el("p", { class: "muted" }, "TIFF/BigTIFF/GeoTIFF, FITS, PNG, JPEG, JPEG 2000 or WebP, up to 40 GB.");
  const drop = el(
    "label",
    { class: "dropzone", attrs: { for: "file", tabindex: 0 } },
    el("strong", null, "Drop an image here"),
    el("span", null, " or click to choose a file"),
    chosen,
  );
  const name = el("input", { attrs: { id: "name", name: "name", required: true, maxlength: 200 } });
  const description = el("textarea", { attrs: { id: "description", name: "description", rows: 3, maxlength: 5000 } });
  const category = el(
    "select",
    { attrs: { id: "category", name: "category" } },
    ...CATEGORIES.map((c) => el("option", { attrs: { value: c } }, c)),
  );
  const isPublic = el("input", { attrs: { type: "checkbox", id: "public", name: "public" } });
  // 16-bit, float and FITS data become 8 bits through a stretch ("" = the server's default) between
  // two cuts (data values; empty = the 0.25/99.75 % percentiles); the dataset page changes them later.
  const stretch = el(
    "select",
    { attrs: { id: "stretch", name: "stretch", "aria-describedby": "stretch-hint" } },
    el("option", { attrs: { value: "" } }, `default (${DEFAULT_STRETCH})`),
    ...STRETCH_KINDS.map((k) => el("option", { attrs: { value: k } }, k)),
  );
  const cutInput = (id: string, label: string) => {
    const input = el("input", {
      attrs: {
        id,
        name: id,
        type: "text",
        inputmode: "decimal",
        placeholder: "auto",
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
  const cutLo = cutInput("upload-cuts-lo", "Low cut (black)");
  const cutHi = cutInput("upload-cuts-hi", "High cut (white)");
  // FITS only: which HDU and which plane of a cube to show (0-based; empty = the server's default).
  const hdu = el("input", {
    attrs: {
      id: "hdu",
      name: "hdu",
      type: "number",
      min: 0,
      step: 1,
      inputmode: "numeric",
      placeholder: "first image",
      "aria-describedby": "hdu-hint hdu-error",
    },
  });
  const plane = el("input", {
    attrs: {
      id: "plane",
      name: "plane",
      type: "number",
      min: 0,
      step: 1,
      inputmode: "numeric",
      placeholder: "0",
      "aria-describedby": "plane-hint plane-error",
    },
  });
  const hduError = el("span", { id: "hdu-error", class: "error small", attrs: { "aria-live": "polite" } });
  const planeError = el("span", { id: "plane-error", class: "error small", attrs: { "aria-live": "polite" } });
  const fitsFields = el(
    "fieldset",
    { class: "row fits-fields", attrs: { hidden: true } },
    el("legend", { class: "small muted" }, "FITS: the image to show (optional; HDUs and planes are numbered from 0)"),
    el(
      "div",
      { class: "field" },
      el("label", { attrs: { for: "hdu" } }, "HDU"),
      hdu,
      el("small", { id: "hdu-hint", class: "muted" }, "Default: the first HDU holding an image"),
      hduError,
    ),
    el(
      "div",
      { class: "field" },
      el("label", { attrs: { for: "plane" } }, "Plane"),
      plane,
      el("small", { id: "plane-hint", class: "muted" }, "For a cube; default 0"),
      planeError,
    ),
  );
  const status = el("div", { attrs: { "aria-live": "polite" } });
  const progress = el("div");
  const start = el("button", { class: "button primary", attrs: { type: "submit", disabled: true } }, "Upload");
  const pause = el("button", { class: "button", attrs: { type: "button", hidden: true } }, "Pause");
  const cancel = el("button", { class: "button danger", attrs: { type: "button", hidden: true } }, "Cancel");

  const choose = async (f: File) => {
    file = f;
    replace(chosen, el("strong", null, f.name), ` · ${formatBytes(f.size)}`);
    fitsFields.hidden = !isFitsName(f.name); // at once by name; the header may say FITS below
    start.disabled = true;
    // Read the header before anything is sent: a file that is no accepted image stops here.
    let found;
    try {
      found = await sniffFile(fileReader(f), f.size);
    } catch {
      found = { ok: false as const, reason: "The file cannot be read" };
    }
    if (file !== f) return; // another file was chosen meanwhile
    if (!found.ok) {
      replace(
        chosen,
        el("strong", null, f.name),
        ` · ${formatBytes(f.size)}`,
        el("p", { class: "error sniffed" }, found.reason),
      );
      return;
    }
    chosen.append(el("span", { class: "sniffed" }, ` · ${describeSniffed(found)}`));
    if (!name.value) name.value = f.name.replace(/(\.(fits|fit|fts))?\.[^.]+$/i, "");
    fitsFields.hidden = !isFitsName(f.name) && found.format !== "FITS";
    start.disabled = false;
  };
  fileInput.addEventListener("change", () => void (fileInput.files?.[0] && choose(fileInput.files[0])));
  drop.addEventListener("dragover", (e) => {
    e.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    const f = e.dataTransfer?.files?.[0];
    if (f) void choose(f);
  });
  drop.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      fileInput.click();
    }
  });

  const followProcessing = (id: string) => {
    replace(status, el("p", null, "Uploaded. Building the tile pyramid…"));
    const tick = async () => {
      if (disposed) return;
      try {
        const s = await api<DatasetStatusBody>(`/api/datasets/${encodeURIComponent(id)}/status`);
        if (s.status === "completed") {
          navigate(`/datasets/${encodeURIComponent(id)}`);
          return;
        }
        if (s.status === "failed") {
          replace(status, errorBox("Processing failed", s.failure_reason ?? ""));
          replace(progress);
          // The HDU or plane asked for is not in the file: say so by the field, and offer the
          // dataset's page, where another can be chosen without uploading again.
          if (s.failure_code === "bad_hdu" || s.failure_code === "bad_plane") {
            (s.failure_code === "bad_hdu" ? hduError : planeError).textContent = s.failure_reason ?? "";
            status.append(
              el(
                "a",
                { class: "button small", attrs: { href: `/datasets/${encodeURIComponent(id)}` } },
                "Choose another HDU or plane",
              ),
            );
          }
          return;
        }
        replace(
          progress,
          progressBar(s.progress, "Processing"),
          el("p", { class: "muted small" }, `${s.status} · ${s.progress}%`),
        );
      } catch {
        // Transient: try again.
      }
      pollTimer = window.setTimeout(() => void tick(), 1000);
    };
    // tick() catches its own failures.
    void tick();
  };

  const begin = async () => {
    if (!file) return;
    hduError.textContent = planeError.textContent = "";
    const fits = isFitsName(file.name);
    const hduChoice = fits ? parseIndex(hdu.value, "HDU") : { value: null, error: null };
    const planeChoice = fits ? parseIndex(plane.value, "plane") : { value: null, error: null };
    if (hduChoice.error || planeChoice.error) {
      hduError.textContent = hduChoice.error ?? "";
      planeError.textContent = planeChoice.error ?? "";
      return;
    }
    cutLo.error.textContent = cutHi.error.textContent = "";
    const cuts = stretchRequest(
      null,
      (stretch.value || DEFAULT_STRETCH) as StretchKind,
      cutLo.input.value,
      cutHi.input.value,
    );
    if (cuts.error !== null) {
      const at = cuts.field === "cuts-lo" ? cutLo : cutHi;
      at.error.textContent = cuts.error;
      at.input.focus();
      return;
    }
    const chosenCuts = cuts.body.cuts as [number, number] | undefined;
    start.disabled = true;
    replace(status);
    const signedIn = tusSession(refreshSession, () => readCookie("ap_csrf"));
    let datasetId: string | null = null;
    upload = new tus.Upload(file, {
      endpoint: "/api/uploads",
      chunkSize: 64 * 1024 * 1024,
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000],
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      onBeforeRequest: (req) => signedIn.onBeforeRequest(req),
      metadata: {
        filename: file.name,
        name: name.value.trim() || file.name,
        description: description.value,
        category: category.value,
        visibility: (isPublic.checked ? "public" : "private") satisfies Visibility,
        ...(stretch.value ? { stretch: stretch.value } : {}),
        ...(chosenCuts ? { cuts: `${chosenCuts[0]},${chosenCuts[1]}` } : {}),
        ...(hduChoice.value !== null ? { hdu: String(hduChoice.value) } : {}),
        ...(planeChoice.value !== null ? { plane: String(planeChoice.value) } : {}),
      },
      onShouldRetry: (err) => {
        const { status: s, code } = responseError(err);
        if (signedIn.retryAfterRenewal(s, code)) return true;
        return s === 0 || s === 409 || s === 423 || (s >= 500 && s !== 507);
      },
      onProgress: (sent, total) => {
        const rate = meter.sample(sent, performance.now());
        const pct = total ? Math.floor((sent / total) * 100) : 0;
        const left = formatDuration((total - sent) / rate);
        replace(
          progress,
          progressBar(pct, "Upload"),
          el(
            "p",
            { class: "muted small" },
            `${formatBytes(sent)} of ${formatBytes(total)} · ${pct}% · ${formatBytes(rate)}/s · ${left} left`,
          ),
        );
      },
      onAfterResponse: (_req, res) => {
        const id = res.getHeader("X-Dataset-Id");
        if (id) datasetId = id;
      },
      onSuccess: () => {
        pause.hidden = cancel.hidden = true;
        if (datasetId) followProcessing(datasetId);
      },
      onError: (err) => {
        const e = responseError(err);
        if (e.status === 401 || e.status === 403) {
          handleSessionLoss();
          return;
        }
        pause.hidden = true;
        start.disabled = false;
        start.textContent = "Try again";
        // A refused HDU or plane: the server's sentence next to the field.
        if (e.field === "hdu" || e.field === "plane") {
          (e.field === "hdu" ? hduError : planeError).textContent = e.message;
          (e.field === "hdu" ? hdu : plane).focus();
        }
        replace(status, errorBox("Upload stopped", uploadErrorMessage(e.status, e.code, e.message)));
      },
    });
    const previous = await upload.findPreviousUploads();
    if (previous.length) {
      upload.resumeFromPreviousUpload(previous[0]);
      replace(status, el("p", { class: "muted" }, "Resuming your earlier upload of this file."));
    }
    pause.hidden = cancel.hidden = false;
    upload.start();
  };

  let paused = false;
  pause.addEventListener("click", () => {
    if (!upload) return;
    paused = !paused;
    // Pausing keeps the upload on the server: abort(false) only stops sending and never rejects.
    if (paused) void upload.abort();
    else upload.start();
    pause.textContent = paused ? "Resume" : "Pause";
  });
  const cancelUpload = async () => {
    if (!upload) return;
    await upload.abort(true).catch(() => undefined);
    upload = null;
    pause.hidden = cancel.hidden = true;
    start.disabled = false;
    replace(progress);
    replace(status, el("p", { class: "muted" }, "Upload cancelled."));
  };
  cancel.addEventListener("click", () => void cancelUpload());

  const form = el(
    "form",
    {
      class: "card form",
      on: {
        submit: (e) => {
          e.preventDefault();
          void begin();
        },
      },
    },
    drop,
    fileInput,
    el("div", { class: "field" }, el("label", { attrs: { for: "name" } }, "Name"), name),
    el("div", { class: "field" }, el("label", { attrs: { for: "description" } }, "Description"), description),
    el(
      "div",
      { class: "row" },
      el("div", { class: "field" }, el("label", { attrs: { for: "category" } }, "Category"), category),
      el("label", { class: "check" }, isPublic, " Public: anyone, signed in or not, can view it"),
    ),
    el(
      "div",
      { class: "field" },
      el("label", { attrs: { for: "stretch" } }, "Stretch"),
      stretch,
      el(
        "small",
        { id: "stretch-hint", class: "muted" },
        "For 16-bit, float and FITS data; 8-bit images are shown as they are",
      ),
    ),
    el("div", { class: "row" }, cutLo.node, cutHi.node),
    fitsFields,
    progress,
    status,
    el("div", { class: "actions" }, start, pause, cancel),
  );
  replace(root, el("main", { class: "narrow" }, pageTitle("Upload an image"), form));
  return () => {
    disposed = true;
    window.clearTimeout(pollTimer);
    // Leaving the page pauses the upload; it resumes when the same file is chosen again.
    upload?.abort().catch(() => undefined);
  };
};
