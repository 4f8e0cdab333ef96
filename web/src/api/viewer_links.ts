// Links for other viewers (docs/adr/0038): the calls that make and revoke the signed URLs through
// which Mirador, Aladin or any client on another site reads a private dataset without credentials.
// The server stores no link, only one epoch per dataset, so links cannot be listed: revoking moves
// the epoch on and stops every link of the dataset at once.
import { api } from "./client";

export interface ViewerLinks {
  expires_at: string; // ISO 8601, UTC
  iiif_manifest: string;
  iiif_image: string; // the image service's info.json
  hips: string; // the HiPS base URL (Aladin adds /properties, /Norder…)
}

// What the server accepts (POST /api/datasets/{id}/links): whole days, 1 to 365, 30 when not given.
export const LINK_DAYS = { min: 1, max: 365, default: 30 } as const;

export function validLinkDays(days: number): boolean {
  return Number.isInteger(days) && days >= LINK_DAYS.min && days <= LINK_DAYS.max;
}

function linksPath(datasetId: string): string {
  return `/api/datasets/${encodeURIComponent(datasetId)}/links`;
}

// Failures are shown beside the control (quiet): the user stays on the page with what they chose.
export function createViewerLinks(datasetId: string, days: number): Promise<ViewerLinks> {
  return api<ViewerLinks>(linksPath(datasetId), { method: "POST", json: { days }, quiet: true });
}

export function revokeViewerLinks(datasetId: string): Promise<void> {
  return api<void>(linksPath(datasetId), { method: "DELETE", quiet: true });
}
