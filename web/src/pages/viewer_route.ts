// The viewer's route, in the main bundle: at route match it asks for the dataset's record (and its
// statistics) while the viewer's code is still downloading, so the two round trips overlap instead of
// following each other (issue #17 point 5: the tile descriptor was asked only after the chunk, then
// the record, then the panels). On the page load itself index.html's script has asked for the record
// and descriptor already (api/early_record.ts), and the route takes those.
import { api } from "../api/client";
import type { Dataset } from "../api/types";
import { lazy, type PageFn } from "../router";
import type { DataStats } from "../viewer/display_panel_settings";
import { type DziSource, fetchDzi, parseDzi } from "../viewer/dzi";
import { type EarlyAnswer, takeEarly } from "../api/early_record";

export interface ViewerRecord {
  dataset: Dataset;
  stats: DataStats | null; // the stored data statistics when the dataset has a data pyramid, else null
  descriptor: DziSource | null; // its Deep Zoom descriptor, inline; null when it has none or it failed
}

// The statistics only exist for mono 16-bit, float and FITS data built with a data pyramid; any
// failure (an 8-bit image's 404 no_data_pyramid, an old pyramid's no_data_statistics) means no
// live display, not an error.
function statsOf(d: Dataset, quiet: boolean): Promise<DataStats | null> {
  return d.urls && d.bands === 1 && (d.bit_depth > 8 || d.format === "fits")
    ? api<DataStats>(`/api/datasets/${encodeURIComponent(d.id)}/v${d.pyramid_version}/histogram`, { quiet }).catch(
        () => null,
      )
    : Promise.resolve(null);
}

// The record, statistics and descriptor of dataset `id` (the last two asked for together, as soon
// as the record names them); rejects with the record's error (an ApiError 404 for a dataset the
// caller may not see). `quiet`: no failure reaches the global error screen (the viewer page shows
// the record's failure itself, if it is still there to show it). `early`: the record and descriptor
// index.html's script already asked for; what it did not get is asked for again here.
export function fetchViewerRecord(
  id: string,
  { quiet = false, early = null }: { quiet?: boolean; early?: EarlyAnswer | null } = {},
): Promise<ViewerRecord> {
  const asked = () => api<Dataset>(`/api/datasets/${encodeURIComponent(id)}`, { quiet });
  const record = early ? early.record.then((d) => (d as Dataset | null) ?? asked()) : asked();
  return record.then(async (dataset) => {
    const dzi = dataset.urls?.dzi;
    const [stats, descriptor] = await Promise.all([
      statsOf(dataset, quiet),
      dzi ? descriptorOf(dzi, early, quiet) : Promise.resolve(null),
    ]);
    return { dataset, stats, descriptor };
  });
}

// The descriptor at `url`: the early script's when it got it (from the same record's URL), else asked.
async function descriptorOf(url: string, early: EarlyAnswer | null, quiet: boolean): Promise<DziSource | null> {
  const xml = early ? await early.dzi : null;
  return xml !== null ? parseDzi(xml, url) : fetchDzi(url, { quiet });
}

// The prefetch is quiet: it may fail, or finish, after the user has gone to another page, where an
// error screen about this dataset would make no sense; the viewer page reports what it takes.
export const viewerRoute: PageFn = (root, params, query) => {
  const first = fetchViewerRecord(params.id, { quiet: true, early: takeEarly(params.id) });
  // The page reports a failure; until it has taken the promise, a rejection is not "unhandled".
  first.catch(() => undefined);
  return lazy(() => import("./viewer_page").then((m) => m.viewerPage(first)))(root, params, query);
};
