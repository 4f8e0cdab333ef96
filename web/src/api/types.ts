// The JSON the server sends (docs/api.md). Each set of names the server accepts or sends is declared
// once here, as a constant list with its union type derived from it: pages build their choices
// from the list, and the type checker holds every comparison to it.
import type { Georeference } from "../viewer/georeference";
import type { SkyWcs } from "../viewer/sky";

// How 16-bit, float and FITS data become 8 bits (`astropixel tile --stretch`, reprocess "stretch").
export const STRETCH_KINDS = ["linear", "zscale", "log", "sqrt", "asinh"] as const;
export type StretchKind = (typeof STRETCH_KINDS)[number];
// What the server applies when a dataset has no stretch of its own.
export const DEFAULT_STRETCH: StretchKind = "linear";

export const DATASET_STATUSES = ["pending", "processing", "completed", "failed"] as const;
export type DatasetStatus = (typeof DATASET_STATUSES)[number];
// Statuses that still move on their own (the pages poll them).
export const BUSY_STATUSES: readonly DatasetStatus[] = ["pending", "processing"];
export function isBusy(status: DatasetStatus): boolean {
  return BUSY_STATUSES.includes(status);
}

export const VISIBILITIES = ["private", "public"] as const;
export type Visibility = (typeof VISIBILITIES)[number];

// In the order the pages offer them.
export const CATEGORIES = ["space", "earth", "mars", "other"] as const;
export type Category = (typeof CATEGORIES)[number];

export const ANNOTATION_KINDS = ["point", "rectangle", "circle", "polygon"] as const;
export type AnnotationKind = (typeof ANNOTATION_KINDS)[number];

export const ROLES = ["user", "admin"] as const;
export type Role = (typeof ROLES)[number];

export interface User {
  id: string;
  email: string;
  username: string;
  full_name: string;
  avatar_url: string;
  role: Role;
  is_admin: boolean;
  disabled: boolean;
  created_at: string;
}

export interface SignIn {
  user: User;
  access_token: string;
  expires_in: number;
  refresh_token: string;
  csrf_token: string;
}

export interface Dataset {
  id: string;
  name: string;
  description: string;
  category: Category;
  visibility: Visibility;
  is_public: boolean;
  is_demo: boolean;
  owner_id: string | null;
  is_owner: boolean;
  file_name: string;
  file_size: number;
  format: string;
  width: number;
  height: number;
  bands: number;
  bit_depth: number;
  sample_format: string;
  status: DatasetStatus;
  progress: number;
  failure_code: string | null;
  failure_reason: string | null;
  pyramid_version: number;
  // The stored reprocess request: {"kind": "log", "hdu": 2, "plane": 1}; null before the first.
  stretch: { kind?: StretchKind; cuts?: [number, number]; hdu?: number; plane?: number } | null;
  pyramid?: {
    levels: number;
    tile_size: number;
    tile_format: string;
    tiles: number;
    bytes: number;
    georeference?: Georeference | null;
    wcs?: SkyWcs | null;
    fits?: FitsInfo | null;
    // A sky image's HiPS (ADR 0030) once its build has run: ready, or failed with the reason.
    hips?: {
      status: "ready" | "failed";
      order?: number;
      frame?: "equatorial" | "galactic";
      tiles?: number;
      code?: string;
      message?: string;
    } | null;
  };
  urls: { dzi: string; iiif: string; xyz: string; preview: string } | null;
  building: DatasetBuilding | null;
  created_at: string;
  updated_at: string;
  expires_at: string | null;
}

// A build that serves its tiles while it runs (docs/api.md): the version being built, its descriptor
// (the full image), and per Deep Zoom level (0 = 1×1) how many tile rows from the top are written.
// Only those tiles exist; `checkpoint` counts up each time `tile_rows` grows.
export interface DatasetBuilding {
  version: number;
  dzi: string;
  tile_rows: number[];
  checkpoint: number;
  // The building version's preview (`/api/datasets/{id}/v{N}/preview`, the same ≤512-px image of the
  // whole image every dataset has, same access as the tiles), written before any tile when the source
  // makes it cheap (FITS and other 16/32-bit data, strip TIFF): a coarse overview to show under the
  // tiles. Null until a snapshot holds it, and for formats without that path (PNG, JPEG, tiled TIFF).
  preview: string | null;
}

export type FitsHduKind = "image" | "header_only" | "binary_table" | "ascii_table" | "random_groups";

export interface FitsHdu {
  index: number; // 0-based, the primary HDU is 0
  kind: FitsHduKind;
  extname: string;
  bitpix: number;
  axes: number[]; // NAXIS1, NAXIS2, ...
  tile_compressed: boolean;
  displayable: boolean;
}

// pyramid.fits: what the FITS file holds and which HDU and plane the pyramid shows.
export interface FitsInfo {
  hdu: number;
  plane: number;
  planes: number;
  bitpix: number;
  hdus: FitsHdu[]; // at most 100
  hdu_count: number;
  keywords: Partial<Record<string, string>>;
}

// GET /api/datasets/{id}/fits-header: 80-column cards, one per line.
export interface FitsHeaders {
  hdu: number;
  primary_header: string;
  image_header: string; // empty when the image is the primary HDU
}

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export interface DatasetStatusBody {
  id: string;
  status: DatasetStatus;
  progress: number;
  failure_code: string | null;
  failure_reason: string | null;
  pyramid_version: number;
  building: DatasetBuilding | null;
}

// The admin tables' rows (GET /api/admin/users, /datasets, /jobs).
export interface AdminUser {
  id: string;
  email: string;
  username: string;
  full_name: string;
  role: Role;
  is_admin: boolean;
  disabled: boolean;
  created_at: string;
  dataset_count: number;
  storage_bytes: number; // their datasets' sources plus published pyramids
}

export interface AdminDataset {
  id: string;
  name: string;
  owner_id: string | null;
  owner_username: string | null;
  is_demo: boolean;
  visibility: Visibility;
  status: DatasetStatus;
  progress: number;
  failure_code: string | null;
  failure_reason: string | null;
  format: string;
  width: number;
  height: number;
  source_bytes: number;
  pyramid_bytes: number;
  storage_bytes: number;
  created_at: string;
  updated_at: string;
}

export type JobState = "queued" | "running" | "succeeded" | "failed" | "cancelled";

export interface AdminJob {
  id: string;
  kind: string;
  subject: string;
  state: JobState;
  attempts: number;
  max_attempts: number;
  last_error: string | null;
  cancel_requested: boolean;
  worker: string | null;
  dataset_id: string | null;
  dataset_name: string | null;
  owner_username: string | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}
