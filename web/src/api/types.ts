// The JSON the server sends (docs/api.md).
import type { Georeference } from "../viewer/georeference";
import type { SkyWcs } from "../viewer/sky";

export interface User {
  id: string;
  email: string;
  username: string;
  full_name: string;
  avatar_url: string;
  role: "user" | "admin";
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

export type DatasetStatus = "pending" | "processing" | "completed" | "failed";
export type Category = "earth" | "mars" | "space" | "other";

export interface Dataset {
  id: string;
  name: string;
  description: string;
  category: Category;
  visibility: "private" | "public";
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
  stretch: { kind?: string; cuts?: [number, number] } | null;
  pyramid?: { levels: number; tile_size: number; tile_format: string; tiles: number; bytes: number; georeference?: Georeference | null; wcs?: SkyWcs | null };
  urls: { dzi: string; iiif: string; xyz: string; preview: string } | null;
  created_at: string;
  updated_at: string;
  expires_at: string | null;
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
}
