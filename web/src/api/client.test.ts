import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError, api, setNavigation } from "./client";
import { type Failure, onFailure } from "./failures";
import { currentUser, rememberUser } from "../auth/session";

const user = {
  id: "u",
  email: "a@b.c",
  username: "ada",
  full_name: "",
  avatar_url: "",
  role: "user" as const,
  is_admin: false,
  disabled: false,
  created_at: "",
};

function respond(
  status: number,
  body: unknown,
  headers: Record<string, string> = { "Content-Type": "application/json" },
) {
  return vi.fn(() => Promise.resolve(new Response(status === 204 ? null : JSON.stringify(body), { status, headers })));
}

describe("api client", () => {
  let went: string[];
  let path = "/datasets/abc?tab=info";
  beforeEach(() => {
    went = [];
    path = "/datasets/abc?tab=info";
    setNavigation({ path: () => path, go: (u) => went.push(u) });
    rememberUser(user);
    document.cookie = "ap_csrf=tok123";
  });
  afterEach(() => vi.unstubAllGlobals());

  it("returns JSON and sends the CSRF token on unsafe methods only", async () => {
    const f = respond(200, { ok: 1 });
    vi.stubGlobal("fetch", f);
    expect(await api("/api/x")).toEqual({ ok: 1 });
    await api("/api/x", { json: { a: 1 } });
    const [, get] = f.mock.calls[0] as unknown as [string, RequestInit];
    const [, post] = f.mock.calls[1] as unknown as [string, RequestInit];
    expect((get.headers as Record<string, string>)["X-CSRF-Token"]).toBeUndefined();
    expect((post.headers as Record<string, string>)["X-CSRF-Token"]).toBe("tok123");
    expect(post.method).toBe("POST");
    expect(post.credentials).toBe("same-origin");
  });

  it("maps error bodies to ApiError", async () => {
    vi.stubGlobal(
      "fetch",
      respond(400, { message: "Bad name", detail: "too long", code: "validation", field: "name", request_id: "r1" }),
    );
    const e = (await api("/api/x").catch((x: unknown) => x)) as ApiError;
    expect(e).toBeInstanceOf(ApiError);
    expect([e.status, e.code, e.message, e.field, e.requestId]).toEqual([400, "validation", "Bad name", "name", "r1"]);
    expect(went).toEqual([]);
    expect(currentUser()).not.toBeNull();
  });

  it("on 401 refreshes the session once and retries", async () => {
    let calls = 0;
    vi.stubGlobal(
      "fetch",
      vi.fn((url: string) => {
        calls += 1;
        if (url === "/api/auth/refresh")
          return Promise.resolve(
            new Response(JSON.stringify({ user, expires_in: 60 }), {
              status: 200,
              headers: { "Content-Type": "application/json" },
            }),
          );
        return Promise.resolve(
          calls === 1
            ? new Response(JSON.stringify({ code: "unauthorized" }), {
                status: 401,
                headers: { "Content-Type": "application/json" },
              })
            : new Response(JSON.stringify({ ok: true }), {
                status: 200,
                headers: { "Content-Type": "application/json" },
              }),
        );
      }),
    );
    expect(await api("/api/x")).toEqual({ ok: true });
    expect(calls).toBe(3);
    expect(went).toEqual([]);
  });

  it.each([
    [401, "unauthorized"],
    [403, "account_disabled"],
    [403, "csrf_failed"],
  ])("on %i %s clears the user and goes to login with the way back", async (status, code) => {
    vi.stubGlobal(
      "fetch",
      vi.fn((url: string) =>
        Promise.resolve(
          url === "/api/auth/refresh"
            ? new Response("{}", { status: 401 })
            : new Response(JSON.stringify({ message: "no", code }), {
                status,
                headers: { "Content-Type": "application/json" },
              }),
        ),
      ),
    );
    await expect(api("/api/x")).rejects.toBeInstanceOf(ApiError);
    expect(currentUser()).toBeNull();
    expect(went).toEqual(["/login?redirect=%2Fdatasets%2Fabc%3Ftab%3Dinfo"]);
  });

  it("keeps the user signed in on a 403 for a forbidden action", async () => {
    vi.stubGlobal("fetch", respond(403, { message: "Not allowed", code: "forbidden" }));
    const error = await api("/api/datasets/x", { method: "DELETE" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe("forbidden");
    expect(currentUser()).not.toBeNull();
    expect(went).toEqual([]);
  });

  it("reads the CSRF cookie again once before giving up on a csrf_failed", async () => {
    const sent: (string | undefined)[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn((_url: string, init: RequestInit) => {
        sent.push((init.headers as Record<string, string>)["X-CSRF-Token"]);
        document.cookie = "ap_csrf=rotated"; // another tab signed in meanwhile
        const ok = sent.length > 1;
        return Promise.resolve(
          new Response(JSON.stringify(ok ? { done: true } : { code: "csrf_failed" }), {
            status: ok ? 200 : 403,
            headers: { "Content-Type": "application/json" },
          }),
        );
      }),
    );
    expect(await api("/api/datasets/x", { method: "PATCH", json: {} })).toEqual({ done: true });
    expect(sent).toEqual(["tok123", "rotated"]);
    expect(currentUser()).not.toBeNull();
    expect(went).toEqual([]);
  });

  it("does not redirect from the sign-in pages or for sign-in attempts", async () => {
    vi.stubGlobal("fetch", respond(401, { message: "wrong", code: "invalid_credentials" }));
    path = "/login?redirect=%2Fx";
    await expect(api("/api/x")).rejects.toBeInstanceOf(ApiError);
    path = "/datasets";
    await expect(api("/api/auth/login", { json: {}, noSessionRedirect: true })).rejects.toBeInstanceOf(ApiError);
    expect(went).toEqual([]);
  });

  it("returns the body of an accepted error status, and no session rule when told so", async () => {
    vi.stubGlobal("fetch", respond(503, { status: "unavailable" }));
    expect(await api("/api/health", { acceptStatus: [503] })).toEqual({ status: "unavailable" });
    await expect(api("/api/health")).rejects.toBeInstanceOf(ApiError);
    vi.stubGlobal("fetch", respond(403, { code: "forbidden" }));
    await expect(api("/metrics", { noSessionRedirect: true })).rejects.toBeInstanceOf(ApiError);
    expect(currentUser()).not.toBeNull();
    expect(went).toEqual([]);
  });

  it("reports an unreachable server as a network error", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(() => Promise.reject(new TypeError("Failed to fetch"))),
    );
    const e = (await api("/api/x").catch((x: unknown) => x)) as ApiError;
    expect([e.status, e.code]).toEqual([0, "network_error"]);
  });

  it("reports 5xx and network failures to the error screen unless told to be quiet", async () => {
    const seen: Failure[] = [];
    const stop = onFailure((f) => seen.push(f));
    try {
      vi.stubGlobal("fetch", respond(500, { message: "Internal server error", code: "internal", request_id: "r9" }));
      await expect(api("/api/x")).rejects.toBeInstanceOf(ApiError);
      expect(seen.map((f) => [f.kind, f.status, f.requestId])).toEqual([["server", 500, "r9"]]);
      await expect(api("/api/x", { quiet: true })).rejects.toMatchObject({ status: 500, requestId: "r9" });
      vi.stubGlobal(
        "fetch",
        vi.fn(() => Promise.reject(new TypeError("Failed to fetch"))),
      );
      await expect(api("/api/x", { quiet: true })).rejects.toMatchObject({ code: "network_error" });
      expect(seen).toHaveLength(1);
      // A test keeps quiet only the failures it handles.
      vi.stubGlobal("fetch", respond(503, { message: "Busy", code: "service_unavailable" }));
      const busy = (e: ApiError) => e.code === "service_unavailable";
      await expect(api("/api/x", { quiet: busy })).rejects.toMatchObject({ status: 503 });
      expect(seen).toHaveLength(1);
      vi.stubGlobal("fetch", respond(502, { message: "Bad gateway", code: "bad_gateway" }));
      await expect(api("/api/x", { quiet: busy })).rejects.toMatchObject({ status: 502 });
      expect(seen.map((f) => f.status)).toEqual([500, 502]);
    } finally {
      stop();
    }
  });
});
