import { describe, expect, it } from "vitest";
import {
  ANNOTATION_KINDS,
  BUSY_STATUSES,
  CATEGORIES,
  DATASET_STATUSES,
  DEFAULT_STRETCH,
  ROLES,
  STRETCH_KINDS,
  VISIBILITIES,
  type DatasetBuilding,
  isBusy,
} from "./types";

// docs/api.md through node:fs (the web app's tsconfig has no Node typings; vitest runs in Node,
// where import.meta.url is not a file: URL under jsdom).
interface NodeFs {
  readFileSync(path: string, encoding: "utf8"): string;
}
const fsModule = "node:fs";
const apiDoc = ((await import(/* @vite-ignore */ fsModule)) as NodeFs).readFileSync(
  "../docs/api.md", // vitest runs in web/
  "utf8",
);
// The backticked names after `lead`, e.g. "`stretch` (`linear`, `zscale`, ...)" → ["linear", "zscale", ...].
function documented(lead: string, until = ")"): string[] {
  const at = apiDoc.indexOf(lead);
  expect(at, `docs/api.md mentions ${lead}`).toBeGreaterThanOrEqual(0);
  const text = apiDoc.slice(at + lead.length, apiDoc.indexOf(until, at + lead.length));
  return [...text.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]);
}

describe("the names the server accepts, declared once", () => {
  it("agree with docs/api.md", () => {
    expect(documented("`stretch` (")).toEqual([...STRETCH_KINDS]);
    expect(STRETCH_KINDS).toContain(DEFAULT_STRETCH);
    expect(new Set(documented("`category` ("))).toEqual(new Set(CATEGORIES));
    expect(new Set(documented("`visibility` ("))).toEqual(new Set(VISIBILITIES));
    expect(new Set(documented("`role` (", "?"))).toEqual(new Set(ROLES));
    expect(documented("`status` goes", " with ")).toEqual([...DATASET_STATUSES]);
    // The annotation body: `{"kind": "point|rectangle|...", ...}`.
    const kinds = /"kind": "([a-z]+(?:\|[a-z]+)+)"/.exec(apiDoc)?.[1].split("|");
    expect(kinds).toEqual([...ANNOTATION_KINDS]);
  });

  it("tell the statuses that still move from the final ones", () => {
    expect(DATASET_STATUSES.filter(isBusy)).toEqual([...BUSY_STATUSES]);
    expect(isBusy("completed") || isBusy("failed")).toBe(false);
  });
});

describe("a build in progress (dataset and status `building`)", () => {
  it("has the fields docs/api.md lists, and both answers carry it", () => {
    // Typed in full: a field added to the type and not here fails the type check.
    const sample: Required<DatasetBuilding> = { version: 2, dzi: "", tile_rows: [], checkpoint: 0, preview: null };
    const lead = "`building` (null unless";
    const at = apiDoc.indexOf(lead);
    expect(at, "docs/api.md describes `building`").toBeGreaterThanOrEqual(0);
    const fields = /`\{([^}]*)\}`/.exec(apiDoc.slice(at))?.[1] ?? "";
    expect([...fields.matchAll(/"([a-z_]+)"/g)].map((m) => m[1])).toEqual(Object.keys(sample));
    const status = apiDoc.split("\n").find((l) => l.startsWith("| `GET /api/datasets/{id}/status`")) ?? "";
    expect(status).toContain('"building"');
    expect(apiDoc).toMatch(/"urls": \{[^}]*\}, "building"/);
  });
});
