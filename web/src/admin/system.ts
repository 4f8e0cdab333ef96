// What the admin page's system panel reads: the health report and the Prometheus metrics, both
// through the one API client. Both endpoints are public, so a 401/403 from them (a proxy guarding
// /metrics, say) is not a lost session, and either may be missing: the panel shows what it got.
import { api } from "../api/client";
import { parseMetrics, type Sample } from "./metrics";

export interface Health {
  status: string;
  version: string;
  uptime_s: number;
  database: { backend: string; ok: boolean; latency_ms: number; schema_version: number };
  storage: { ok: boolean; free_bytes: number };
}

// GET /api/health; answered even when unhealthy (503 with the same body), so that is read too.
export function readHealth(): Promise<Health | null> {
  return api<Health>("/api/health", { noSessionRedirect: true, acceptStatus: [503] }).catch(() => null);
}

// GET /metrics (Prometheus text), parsed; null when it cannot be read.
export function readMetrics(): Promise<Sample[] | null> {
  return api<string>("/metrics", { noSessionRedirect: true, headers: { Accept: "text/plain" } }).then(
    (text) => (typeof text === "string" ? parseMetrics(text) : null),
    () => null,
  );
}
