// Make a colour composite (docs/adr/0029-colour-composites.md): three single-band datasets the user can
// see as red, green and blue, each with its stretch, cuts (starting at its stored zscale) and weight;
// the alignment checkbox when a channel has no WCS; then the build's progress, and the viewer opens.
// `/composite?red=ID` starts with that dataset as the red channel (the viewer's link).
import { ApiError, api } from "../api/client";
import type { Dataset, DatasetStatusBody, Page } from "../api/types";
import { navigate, type PageFn } from "../router";
import { el, replace } from "../ui/dom";
import { errorBox, pageTitle } from "../ui/layout";
import { LIVE_STRETCHES, type DataStats, type LiveStretch } from "../viewer/display_panel_settings";
import {
  BANDS,
  type Band,
  canBeChannel,
  compositeBody,
  defaultCuts,
  fieldInput,
  needsConfirmation,
} from "./composite_form";
import { progressBar } from "./dataset_card";

interface ChannelControls {
  band: Band;
  dataset: HTMLSelectElement;
  stretch: HTMLSelectElement;
  lo: HTMLInputElement;
  hi: HTMLInputElement;
  weight: HTMLInputElement;
  node: HTMLElement;
}

export const compositePage: PageFn = (root, _params, query) => {
  let disposed = false;
  let pollTimer: number | undefined;
  let candidates: Dataset[] = [];
  const byId = (id: string) => candidates.find((d) => d.id === id) ?? null;

  const status = el("div", { attrs: { "aria-live": "polite" } });
  const name = el("input", { attrs: { id: "composite-name", name: "name", required: true, maxlength: 200 } });
  const confirm = el("input", { attrs: { type: "checkbox", id: "composite-confirm", name: "confirm_alignment" } });
  const confirmField = el(
    "div",
    { class: "field", attrs: { hidden: true } },
    el(
      "label",
      { class: "check" },
      confirm,
      " These images are pixel-aligned (some have no WCS, so the server cannot check)",
    ),
  );

  const input = (id: string, label: string, value: string, extra: Record<string, string | number> = {}) => {
    const i = el("input", { attrs: { id, name: id, type: "text", inputmode: "decimal", value, ...extra } });
    return { i, node: el("div", { class: "field" }, el("label", { attrs: { for: id } }, label), i) };
  };

  const channel = (band: Band): ChannelControls => {
    const id = (part: string) => `composite-${band}-${part}`;
    const dataset = el("select", { attrs: { id: id("dataset"), name: id("dataset") } });
    const stretch = el(
      "select",
      { attrs: { id: id("stretch"), name: id("stretch") } },
      ...LIVE_STRETCHES.map((k) => el("option", { attrs: { value: k } }, k)),
    );
    const lo = input(id("lo"), "Low cut", "");
    const hi = input(id("hi"), "High cut", "");
    const weight = input(id("weight"), "Weight", "1", { placeholder: "1" });
    const title = `${band[0].toUpperCase()}${band.slice(1)}`;
    const c: ChannelControls = {
      band,
      dataset,
      stretch,
      lo: lo.i,
      hi: hi.i,
      weight: weight.i,
      node: el(
        "fieldset",
        { class: `composite-channel composite-${band}` },
        el("legend", null, title),
        el("div", { class: "field" }, el("label", { attrs: { for: id("dataset") } }, "Dataset"), dataset),
        el("div", { class: "field" }, el("label", { attrs: { for: id("stretch") } }, "Stretch"), stretch),
        lo.node,
        hi.node,
        weight.node,
      ),
    };
    dataset.addEventListener("change", () => void chosen(c));
    return c;
  };
  const channels = BANDS.map(channel);

  // A dataset chosen: its zscale cuts, and the alignment question when some channel has no WCS.
  async function chosen(c: ChannelControls): Promise<void> {
    confirmField.hidden = !needsConfirmation(channels.map((x) => byId(x.dataset.value)));
    const d = byId(c.dataset.value);
    if (!d) return;
    try {
      const stats = await api<DataStats>(`/api/datasets/${encodeURIComponent(d.id)}/histogram`);
      if (disposed || c.dataset.value !== d.id) return;
      const [lo, hi] = defaultCuts(stats);
      c.lo.value = String(lo);
      c.hi.value = String(hi);
    } catch {
      // No stored statistics (an older build): the user types the cuts.
    }
  }

  function fail(message: string, field: string | null): void {
    replace(status, errorBox("The composite was not made", message));
    if (field) document.getElementById(field)?.focus();
  }

  async function submit(e: Event): Promise<void> {
    e.preventDefault();
    const r = compositeBody(
      name.value,
      channels.map((c) => ({
        datasetId: c.dataset.value,
        stretch: c.stretch.value as LiveStretch,
        lo: c.lo.value,
        hi: c.hi.value,
        weight: c.weight.value,
      })),
      confirm.checked,
    );
    if (!r.body) return fail(r.error ?? "", r.field);
    submitButton.disabled = true;
    try {
      const d = await api<Dataset>("/api/composites", { json: r.body });
      follow(d.id);
    } catch (err) {
      submitButton.disabled = false;
      if (err instanceof ApiError) return fail(err.message, fieldInput(err.field));
      throw err;
    }
  }

  // As after an upload: the build's progress, then the viewer.
  function follow(id: string): void {
    replace(status, el("p", null, "Making the composite…"));
    const tick = async () => {
      if (disposed) return;
      try {
        const s = await api<DatasetStatusBody>(`/api/datasets/${encodeURIComponent(id)}/status`);
        if (s.status === "completed") {
          navigate(`/datasets/${encodeURIComponent(id)}`);
          return;
        }
        if (s.status === "failed") {
          replace(status, errorBox("Making the composite failed", s.failure_reason ?? ""));
          submitButton.disabled = false;
          return;
        }
        replace(
          status,
          progressBar(s.progress, "Processing"),
          el("p", { class: "muted small" }, `${s.status} · ${s.progress}%`),
        );
      } catch {
        // A blip: the next tick asks again.
      }
      pollTimer = window.setTimeout(() => void tick(), 1000);
    };
    void tick();
  }

  const submitButton = el("button", { class: "button primary", attrs: { type: "submit" } }, "Make the composite");
  const form = el(
    "form",
    { class: "composite-form", on: { submit }, attrs: { novalidate: true } },
    el("div", { class: "field" }, el("label", { attrs: { for: "composite-name" } }, "Name"), name),
    el(
      "div",
      {
        class: "composite-channels",
        style: { display: "grid", "grid-template-columns": "repeat(auto-fit, minmax(15rem, 1fr))", gap: "1rem" },
      },
      ...channels.map((c) => c.node),
    ),
    confirmField,
    submitButton,
  );
  replace(
    root,
    el(
      "main",
      null,
      pageTitle("Make a colour composite"),
      el(
        "p",
        { class: "muted" },
        "Red, green and blue from three single-band images (16-bit, float or FITS) on the same pixel grid: " +
          "each through its own stretch and cuts, scaled by its weight.",
      ),
      form,
      status,
    ),
  );

  void (async () => {
    try {
      const page = await api<Page<Dataset>>("/api/datasets?status=completed&limit=200");
      if (disposed) return;
      candidates = page.items.filter(canBeChannel);
      if (candidates.length === 0) {
        replace(status, errorBox("No single-band images yet", "Upload 16-bit, float or FITS images first."));
        return;
      }
      const red = query.get("red");
      channels.forEach((c, i) => {
        replace(
          c.dataset,
          el("option", { attrs: { value: "" } }, "Choose…"),
          ...candidates.map((d) => el("option", { attrs: { value: d.id } }, d.name)),
        );
        const preset = i === 0 && red && byId(red) ? red : "";
        if (preset) {
          c.dataset.value = preset;
          void chosen(c);
        }
      });
    } catch (err) {
      if (!disposed) replace(status, errorBox("Datasets could not be loaded", String((err as Error).message)));
    }
  })();

  return () => {
    disposed = true;
    window.clearTimeout(pollTimer);
  };
};
