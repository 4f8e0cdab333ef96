import { describe, expect, it } from "vitest";
import { tusSession } from "./tus_session";

function request() {
  const headers: Record<string, string> = {};
  return { headers, setHeader: (k: string, v: string) => (headers[k] = v) };
}

describe("tusSession", () => {
  it("sends the CSRF cookie as it is at each request (a renewal rotates it)", async () => {
    let cookie = "one";
    const t = tusSession(
      () => Promise.resolve(true),
      () => cookie,
    );
    const a = request();
    await t.onBeforeRequest(a);
    cookie = "two";
    const b = request();
    await t.onBeforeRequest(b);
    expect([a.headers["X-CSRF-Token"], b.headers["X-CSRF-Token"]]).toEqual(["one", "two"]);
  });

  it("on a 401 renews once and the next request waits for the renewal", async () => {
    let renewed = false;
    let release: (ok: boolean) => void = () => undefined;
    let cookie = "old";
    const t = tusSession(
      () =>
        new Promise<boolean>((r) => {
          release = (ok) => {
            renewed = ok;
            cookie = "new";
            r(ok);
          };
        }),
      () => cookie,
    );
    expect(t.retryAfterRenewal(401, "unauthorized")).toBe(true);
    const req = request();
    const sent = t.onBeforeRequest(req).then(() => renewed);
    release(true);
    expect(await sent).toBe(true);
    expect(req.headers["X-CSRF-Token"]).toBe("new");
    expect(t.lost()).toBe(false);
  });

  it("stops when the renewal is refused", async () => {
    const t = tusSession(
      () => Promise.resolve(false),
      () => null,
    );
    expect(t.retryAfterRenewal(401, "unauthorized")).toBe(true);
    await t.onBeforeRequest(request());
    expect(t.lost()).toBe(true);
    expect(t.retryAfterRenewal(401, "unauthorized")).toBe(false);
  });

  it("leaves other statuses to the upload's own rules, retrying a CSRF refusal once", () => {
    const t = tusSession(
      () => Promise.resolve(true),
      () => null,
    );
    expect(t.retryAfterRenewal(409, "offset_mismatch")).toBe(false);
    expect(t.retryAfterRenewal(403, "forbidden")).toBe(false);
    expect(t.retryAfterRenewal(403, "csrf_failed")).toBe(true);
    expect(t.retryAfterRenewal(403, "csrf_failed")).toBe(false);
  });
});
