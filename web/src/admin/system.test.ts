import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { setNavigation } from "../api/client";
import { readHealth, readMetrics } from "./system";

const health = {
  status: "unavailable",
  version: "1.2.3",
  uptime_s: 5,
  database: { backend: "sqlite", ok: false, latency_ms: 0, schema_version: 7 },
  storage: { ok: true, free_bytes: 1e9 },
};

function answer(status: number, body: string, type: string) {
  return vi.fn((_url: string, _init?: RequestInit) =>
    Promise.resolve(new Response(body, { status, headers: { "Content-Type": type } })),
  );
}

describe("system panel reads", () => {
  let went: string[];
  beforeEach(() => {
    went = [];
    setNavigation({ path: () => "/admin", go: (u) => went.push(u) });
  });
  afterEach(() => vi.unstubAllGlobals());

  it("reads the health report whatever the status, through the client", async () => {
    const f = answer(503, JSON.stringify(health), "application/json");
    vi.stubGlobal("fetch", f);
    expect(await readHealth()).toEqual(health);
    const [url, init] = f.mock.calls[0];
    expect(url).toBe("/api/health");
    expect(init?.credentials).toBe("same-origin");
  });

  it("reads and parses the metrics as text", async () => {
    const f = answer(200, "# HELP x\nprocess_open_fds 12\n", "text/plain; version=0.0.4; charset=utf-8");
    vi.stubGlobal("fetch", f);
    expect(await readMetrics()).toEqual([{ name: "process_open_fds", labels: {}, value: 12 }]);
    expect((f.mock.calls[0][1]?.headers as Record<string, string>).Accept).toBe("text/plain");
  });

  it.each([401, 403, 500])("gives null on %i and leaves the session alone", async (status) => {
    const f = answer(status, JSON.stringify({ code: "forbidden" }), "application/json");
    vi.stubGlobal("fetch", f);
    expect(await readHealth()).toBeNull();
    expect(await readMetrics()).toBeNull();
    expect(went).toEqual([]);
    // No refresh attempt either: the two calls above are all there was.
    expect(f.mock.calls.map(([u]) => u)).toEqual(["/api/health", "/metrics"]);
  });

  it("gives null when the server cannot be reached", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(() => Promise.reject(new TypeError("Failed to fetch"))),
    );
    expect(await readHealth()).toBeNull();
    expect(await readMetrics()).toBeNull();
  });
});
