// Annotations in and out of other tools: export as JSON, CSV, SAOImage DS9 regions or a point
// catalogue (in image pixels, or on the sky through the dataset's WCS), and import a DS9 region file
// or a CSV catalogue. The server does the geometry (docs/api.md, "Annotations"); this panel chooses
// the parameters, shows what was skipped and why, and never drops a line silently.
import { ApiError, api } from "../api/client";
import { el, replace } from "../ui/dom";
import { errorBox } from "../ui/layout";

export const EXPORT_FORMATS = {
  json: { label: "JSON", extension: "json" },
  csv: { label: "CSV", extension: "csv" },
  ds9: { label: "DS9 regions", extension: "reg" },
  catalog: { label: "Point catalogue (CSV)", extension: "csv" },
} as const;
export type ExportFormat = keyof typeof EXPORT_FORMATS;

// Frames the server writes (export) and reads (import); "image" is pixels, the others go through the
// dataset's celestial WCS.
export const EXPORT_SYSTEMS = ["image", "icrs", "fk5", "galactic"] as const;
export type ExportSystem = (typeof EXPORT_SYSTEMS)[number];
export const CATALOGUE_SYSTEMS = ["fk5", "icrs", "fk4", "galactic", "ecliptic", "image"] as const;
export type CatalogueSystem = (typeof CATALOGUE_SYSTEMS)[number];

const SYSTEM_LABELS: Record<ExportSystem | CatalogueSystem, string> = {
  image: "Image pixels",
  icrs: "ICRS",
  fk5: "FK5 (J2000)",
  fk4: "FK4 (B1950)",
  galactic: "Galactic",
  ecliptic: "Ecliptic",
};

// The server's limit for one import (413 past it): checked here first, so a wrong file is not sent.
export const IMPORT_MAX_BYTES = 2 * 1024 * 1024;

export interface ExportChoice {
  format: ExportFormat;
  system: ExportSystem;
  sexagesimal: boolean;
}

export function exportPath(datasetId: string, c: ExportChoice): string {
  const q = new URLSearchParams({ format: c.format });
  // Only region files and catalogues have coordinates to choose; JSON and CSV are always pixels.
  if (c.format === "ds9" || c.format === "catalog") {
    q.set("system", c.system);
    if (c.system !== "image" && c.sexagesimal) q.set("sexagesimal", "true");
  }
  return `/api/datasets/${encodeURIComponent(datasetId)}/annotations/export?${q.toString()}`;
}

export function exportFileName(datasetId: string, c: ExportChoice): string {
  const suffix = c.format === "catalog" ? "-catalogue" : "";
  return `annotations-${datasetId.slice(0, 8)}${suffix}.${EXPORT_FORMATS[c.format].extension}`;
}

// What an import sends: a .csv file is a catalogue (its ra,dec or x,y columns), anything else is
// read as a DS9 region file (the server refuses binary data with not_a_region_file).
export function importRequest(
  datasetId: string,
  fileName: string,
  system: CatalogueSystem,
): { path: string; contentType: string } {
  const csv = /\.csv$/i.test(fileName);
  const q = new URLSearchParams({ format: csv ? "csv" : "ds9" });
  if (csv) q.set("system", system);
  return {
    path: `/api/datasets/${encodeURIComponent(datasetId)}/annotations/import?${q.toString()}`,
    contentType: csv ? "text/csv" : "text/plain",
  };
}

export interface ImportResult {
  created: number;
  skipped: Array<{ line: number; text: string; reason: string }>;
  notes: Array<{ line: number; text: string; note: string }>;
}

export function importSummary(r: ImportResult): string {
  const regions = (n: number) => `${n} ${n === 1 ? "region" : "regions"}`;
  const parts = [`Imported ${regions(r.created)}.`];
  if (r.skipped.length) parts.push(`${r.skipped.length} skipped (listed below).`);
  if (r.notes.length) parts.push(`${r.notes.length} imported approximately.`);
  return parts.join(" ");
}

function options<T extends ExportSystem | CatalogueSystem>(values: readonly T[], selected: T): HTMLOptionElement[] {
  return values.map((v) => el("option", { attrs: { value: v, selected: v === selected } }, SYSTEM_LABELS[v]));
}

function lineList(
  title: string,
  kind: string,
  rows: Array<{ line: number; text: string; why: string }>,
): HTMLElement | null {
  if (!rows.length) return null;
  return el(
    "details",
    { class: `small ${kind}`, attrs: { open: rows.length <= 5 } },
    el("summary", null, `${title} (${rows.length})`),
    el(
      "ul",
      { class: "import-lines" },
      // Text nodes only: a region file's labels reach the page escaped.
      ...rows.map((r) => el("li", null, el("code", null, `${r.line}: ${r.text}`), ` — ${r.why}`)),
    ),
  );
}

function download(text: string, name: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = el("a", { attrs: { href: url, download: name } });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export interface RegionExchangeOptions {
  datasetId: string;
  sky: boolean; // the dataset has a celestial WCS: sky frames are offered
  signedIn: boolean; // import creates annotations: signed-in readers only
  onImported: () => Promise<void>;
}

export function regionExchangePanel(o: RegionExchangeOptions): HTMLElement {
  const status = el("div", { attrs: { "aria-live": "polite" } });
  const format = el(
    "select",
    { attrs: { "aria-label": "Export format" } },
    ...Object.entries(EXPORT_FORMATS).map(([v, f]) => el("option", { attrs: { value: v } }, f.label)),
  );
  const system = el(
    "select",
    { attrs: { "aria-label": "Export coordinates" } },
    ...options(o.sky ? EXPORT_SYSTEMS : (["image"] as const), "image"),
  );
  const sexagesimal = el("input", { attrs: { type: "checkbox", "aria-label": "Sexagesimal coordinates" } });
  const sexagesimalLabel = el("label", { class: "check small" }, sexagesimal, " hh:mm:ss");
  const choice = (): ExportChoice => ({
    format: format.value as ExportFormat,
    system: system.value as ExportSystem,
    sexagesimal: sexagesimal.checked,
  });
  const sync = () => {
    const c = choice();
    const coordinates = c.format === "ds9" || c.format === "catalog";
    system.hidden = !coordinates;
    sexagesimalLabel.hidden = !coordinates || c.system === "image";
  };
  format.addEventListener("change", sync);
  system.addEventListener("change", sync);
  sync();

  const exportNow = async () => {
    const c = choice();
    try {
      const text = await api<string>(exportPath(o.datasetId, c), { headers: { Accept: "*/*" } });
      const body = typeof text === "string" ? text : JSON.stringify(text, null, 2);
      download(body, exportFileName(o.datasetId, c), c.format === "json" ? "application/json" : "text/plain");
      replace(status);
    } catch (e) {
      replace(status, errorBox("The annotations cannot be exported", e instanceof ApiError ? e.message : String(e)));
    }
  };

  const children: HTMLElement[] = [
    el(
      "div",
      { class: "row" },
      format,
      system,
      sexagesimalLabel,
      el("button", { class: "button small", attrs: { type: "button" }, on: { click: exportNow } }, "Export"),
    ),
  ];

  if (o.signedIn) {
    const file = el("input", {
      attrs: { type: "file", accept: ".reg,.csv,.txt,text/plain,text/csv", "aria-label": "Region file to import" },
    });
    const catalogueSystem = el(
      "select",
      { attrs: { "aria-label": "Catalogue coordinates" } },
      ...options(o.sky ? CATALOGUE_SYSTEMS : (["image"] as const), o.sky ? "fk5" : "image"),
    );
    const importNow = async () => {
      const f = file.files?.[0];
      if (!f) {
        replace(status, errorBox("Choose a DS9 region file (.reg) or a CSV catalogue first"));
        return;
      }
      if (f.size > IMPORT_MAX_BYTES) {
        replace(status, errorBox("This file is too large to import", "Region files and catalogues up to 2 MiB"));
        return;
      }
      const req = importRequest(o.datasetId, f.name, catalogueSystem.value as CatalogueSystem);
      replace(status, el("p", { class: "small muted" }, `Importing ${f.name}…`));
      try {
        const r = await api<ImportResult>(req.path, {
          method: "POST",
          body: f,
          headers: { "Content-Type": req.contentType },
        });
        replace(
          status,
          el("p", { class: "small import-summary" }, importSummary(r)),
          lineList(
            "Skipped",
            "import-skipped",
            r.skipped.map((s) => ({ line: s.line, text: s.text, why: s.reason })),
          ),
          lineList(
            "Imported approximately",
            "import-notes",
            r.notes.map((n) => ({ line: n.line, text: n.text, why: n.note })),
          ),
        );
        file.value = "";
        await o.onImported();
      } catch (e) {
        replace(status, errorBox("The file cannot be imported", e instanceof ApiError ? e.message : String(e)));
      }
    };
    children.push(
      el(
        "div",
        { class: "row" },
        file,
        el("label", { class: "small" }, "catalogue in ", catalogueSystem),
        el("button", { class: "button small", attrs: { type: "button" }, on: { click: importNow } }, "Import"),
      ),
    );
  }
  return el(
    "div",
    { class: "region-exchange", attrs: { role: "group", "aria-label": "Import and export annotations" } },
    el("h3", null, o.signedIn ? "Import and export" : "Export"),
    ...children,
    status,
  );
}
