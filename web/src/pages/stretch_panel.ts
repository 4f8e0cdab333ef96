// The owner's choice of how 16-bit, float and FITS data become 8 bits: the stretch and, optionally,
// the cuts (the data values shown black and white; by default the 0.25/99.75 % percentiles). Sent as
// a reprocess: a new pyramid version builds, its progress shown here, while the current one keeps
// serving; the viewer reopens on the new one when it is published.
import { ApiError, api } from "../api/client";
import { DEFAULT_STRETCH, STRETCH_KINDS, type Dataset, type DatasetStatusBody, type StretchKind } from "../api/types";
import { el, replace } from "../ui/dom";
import { errorBox } from "../ui/layout";
import { progressBar } from "./dataset_card";

// Data that has a stretch at all: more than 8 bits, floats, FITS.
export function hasStretch(d: Pick<Dataset, "bit_depth" | "format">): boolean {
  return d.bit_depth > 8 || d.format === "fits";
}

export type StretchChoice =
  | { body: Record<string, unknown>; error: null; field: null }
  | { body: null; error: string; field: "cuts-lo" | "cuts-hi" };

// The reprocess body for a stretch and cuts typed by the owner ("" and "" = automatic cuts); the
// FITS HDU and plane shown now are kept.
export function stretchRequest(current: Dataset["stretch"], kind: StretchKind, lo: string, hi: string): StretchChoice {
  const body: Record<string, unknown> = { stretch: kind };
  if (current?.hdu !== undefined) body.hdu = current.hdu;
  if (current?.plane !== undefined) body.plane = current.plane;
  const [l, h] = [lo.trim(), hi.trim()];
  if (l === "" && h === "") return { body, error: null, field: null };
  if (l === "") return { body: null, error: "Give both cuts, or neither for automatic ones", field: "cuts-lo" };
  if (h === "") return { body: null, error: "Give both cuts, or neither for automatic ones", field: "cuts-hi" };
  const [a, b] = [Number(l), Number(h)];
  if (!Number.isFinite(a)) return { body: null, error: "The low cut must be a number", field: "cuts-lo" };
  if (!Number.isFinite(b)) return { body: null, error: "The high cut must be a number", field: "cuts-hi" };
  if (!(a < b)) return { body: null, error: "The high cut must be above the low cut", field: "cuts-hi" };
  body.cuts = [a, b];
  return { body, error: null, field: null };
}

export interface StretchFormOptions {
  onDone: () => void; // the new pyramid is published
  isDisposed: () => boolean;
  pollMs?: number;
}

export function stretchForm(d: Dataset, options: StretchFormOptions): HTMLElement | null {
  if (!hasStretch(d) || d.status === "failed") return null;
  const current = d.stretch?.kind ?? DEFAULT_STRETCH;
  const kind = el(
    "select",
    { attrs: { id: "stretch-kind", name: "stretch" } },
    ...STRETCH_KINDS.map((k) => el("option", { attrs: { value: k, selected: k === current } }, k)),
  );
  const cut = (id: string, label: string, value: number | undefined) => {
    const input = el("input", {
      attrs: {
        id,
        name: id,
        type: "text",
        inputmode: "decimal",
        value: value ?? "",
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
  const lo = cut("cuts-lo", "Low cut (black)", d.stretch?.cuts?.[0]);
  const hi = cut("cuts-hi", "High cut (white)", d.stretch?.cuts?.[1]);
  const status = el("div", { class: "reprocess-status", attrs: { "aria-live": "polite" } });
  const submit = el("button", { class: "button small", attrs: { type: "submit" } }, "Reprocess");

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
          progressBar(s.progress, "Reprocessing"),
          el("p", { class: "muted small" }, `${s.status} · ${s.progress}% · the current version is shown meanwhile`),
        );
      } catch {
        // Transient: try again.
      }
      window.setTimeout(tick, options.pollMs ?? 1000);
    };
    void tick();
  };

  const send = async () => {
    lo.error.textContent = hi.error.textContent = "";
    replace(status);
    const choice = stretchRequest(d.stretch, kind.value as StretchKind, lo.input.value, hi.input.value);
    if (choice.error !== null) {
      (choice.field === "cuts-lo" ? lo : hi).error.textContent = choice.error;
      (choice.field === "cuts-lo" ? lo : hi).input.focus();
      return;
    }
    submit.disabled = true;
    try {
      await api<Dataset>(`/api/datasets/${encodeURIComponent(d.id)}/reprocess`, { json: choice.body });
      replace(status, progressBar(0, "Reprocessing"), el("p", { class: "muted small" }, "Queued…"));
      follow(d.pyramid_version);
    } catch (e) {
      submit.disabled = false;
      const message = e instanceof ApiError ? e.message : String(e);
      replace(status, errorBox("The image cannot be reprocessed", message));
    }
  };

  return el(
    "form",
    {
      class: "panel stretch-form",
      attrs: { "aria-label": "Stretch and cuts" },
      on: {
        submit: (e) => {
          e.preventDefault();
          void send();
        },
      },
    },
    el("h2", null, "Stretch"),
    el("div", { class: "field" }, el("label", { attrs: { for: "stretch-kind" } }, "Stretch"), kind),
    lo.node,
    hi.node,
    el("div", { class: "actions" }, submit),
    status,
  );
}
