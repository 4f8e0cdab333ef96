import { afterEach, describe, expect, it } from "vitest";
import { ApiError } from "../api/client";
import { describeFailure, failureFromError, renderErrorScreen } from "./error_screen";

describe("error screen", () => {
  afterEach(() => document.body.replaceChildren());

  it("says what failed on the server, with its status and the request id", () => {
    const t = describeFailure({
      kind: "server",
      what: "GET /api/datasets",
      status: 500,
      message: "Internal error",
      requestId: " 7f3a-19 ",
    });
    expect(t.title).toBe("Something went wrong on the server");
    expect(t.detail).toBe(
      "GET /api/datasets failed with 500 Internal Server Error. The server said: “Internal error”.",
    );
    expect(t.requestId).toBe("7f3a-19");
  });

  it("does not repeat the reason as the server's words, and names unknown 5xx plainly", () => {
    const same = describeFailure({
      kind: "server",
      what: "POST /api/x",
      status: 503,
      message: "Service Unavailable",
      requestId: "",
    });
    expect(same.detail).toBe("POST /api/x failed with 503 Service Unavailable.");
    expect(same.requestId).toBeNull();
    const odd = describeFailure({ kind: "server", what: "GET /api/y", status: 599, message: "", requestId: null });
    expect(odd.detail).toBe("GET /api/y failed with 599 Server error.");
  });

  it("words an unreachable server and a page's own exception", () => {
    const net = describeFailure({
      kind: "network",
      what: "GET /api/me",
      status: null,
      message: "The server cannot be reached",
      requestId: null,
    });
    expect(net.title).toBe("The server cannot be reached");
    expect(net.detail).toContain("GET /api/me got no answer");
    const script = describeFailure(failureFromError(new TypeError("x is undefined"))!);
    expect(script.title).toBe("Something went wrong in this page");
    expect(script.detail).toBe("x is undefined. Reloading the page usually helps.");
  });

  it("ignores aborts, API errors (reported where they happened or expected) and ResizeObserver notes", () => {
    expect(failureFromError(new DOMException("aborted", "AbortError"))).toBeNull();
    expect(failureFromError(new ApiError(404, "not_found", "Not found"))).toBeNull();
    expect(failureFromError(new ApiError(500, "internal", "Internal error"))).toBeNull();
    expect(failureFromError("ResizeObserver loop completed with undelivered notifications.")).toBeNull();
    expect(failureFromError("boom")?.message).toBe("boom");
  });

  it("renders one alert with the request id, and hides when cleared", () => {
    const host = document.createElement("div");
    document.body.append(host);
    let dismissed = 0;
    const f = { kind: "server" as const, what: "GET /api/a", status: 502, message: "", requestId: "req-42" };
    renderErrorScreen(host, f, () => (dismissed += 1));
    expect(host.hidden).toBe(false);
    expect(host.querySelectorAll("[role=alert]")).toHaveLength(1);
    expect(host.querySelector("code")?.textContent).toBe("req-42");
    expect(host.querySelector("[role=alert]")?.getAttribute("aria-labelledby")).toBe("failure-title");
    [...host.querySelectorAll("button")].find((b) => b.textContent === "Dismiss")!.click();
    expect(dismissed).toBe(1);
    renderErrorScreen(host, null, () => undefined);
    expect(host.hidden).toBe(true);
    expect(host.childElementCount).toBe(0);
  });
});
