// The one screen for unexpected failures (api/failures.ts): a banner over the page saying what
// failed, with the request id to quote to an operator (it finds the server's log line), and the
// ways on: try again (reload), go home, or dismiss. The page under it stays as it was.
import type { Failure } from "../api/failures";
import { el, replace } from "./dom";

export interface FailureText {
  title: string;
  detail: string;
  requestId: string | null;
}

const REASONS: Record<number, string> = {
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

// Words for a failure; pure, so the wording is unit-tested.
export function describeFailure(f: Failure): FailureText {
  const requestId = f.requestId?.trim() ? f.requestId.trim() : null;
  if (f.kind === "network") {
    return {
      title: "The server cannot be reached",
      detail: `${f.what} got no answer. Check your connection, then try again.`,
      requestId,
    };
  }
  if (f.kind === "server") {
    const status = f.status ?? 500;
    const reason = REASONS[status] ?? "Server error";
    const said = f.message && f.message !== reason ? ` The server said: “${f.message}”.` : "";
    return {
      title: "Something went wrong on the server",
      detail: `${f.what} failed with ${status} ${reason}.${said}`,
      requestId,
    };
  }
  return {
    title: "Something went wrong in this page",
    detail: `${f.message || "An unexpected error"}. Reloading the page usually helps.`,
    requestId,
  };
}

// Exceptions nobody caught, turned into failures; null for what is noise, not a fault.
export function failureFromError(reason: unknown): Failure | null {
  if (reason instanceof DOMException && reason.name === "AbortError") return null;
  // ApiErrors: a 5xx or an unreachable server was reported where it happened; anything else is an
  // expected answer (sign-in, not found, refused) that a page chose not to show.
  if (reason instanceof Error && reason.name === "ApiError") return null;
  const message = reason instanceof Error ? reason.message : typeof reason === "string" ? reason : "";
  // Chromium's note that a ResizeObserver callback resized something: harmless, not a fault.
  if (message.startsWith("ResizeObserver loop")) return null;
  return { kind: "script", what: "page", status: null, message: message.replace(/\.$/, ""), requestId: null };
}

export function renderErrorScreen(host: HTMLElement, f: Failure | null, onDismiss: () => void): void {
  if (!f) {
    host.replaceChildren();
    host.hidden = true;
    return;
  }
  const text = describeFailure(f);
  const copied = el("span", { class: "small", attrs: { "aria-live": "polite" } });
  const id = text.requestId;
  replace(
    host,
    el(
      "div",
      { class: "failure-screen", attrs: { role: "alert", "aria-labelledby": "failure-title" } },
      el("h2", { id: "failure-title" }, text.title),
      el("p", null, text.detail),
      id
        ? el(
            "p",
            { class: "failure-id" },
            "Request id ",
            el("code", { attrs: { "data-request-id": id } }, id),
            " ",
            el(
              "button",
              {
                class: "button small",
                attrs: { type: "button" },
                on: {
                  click: async () => {
                    try {
                      await navigator.clipboard.writeText(id);
                      copied.textContent = "Copied";
                    } catch {
                      // No clipboard (permissions, insecure origin): select the text for Ctrl+C.
                      const range = document.createRange();
                      range.selectNodeContents(host.querySelector("code")!);
                      window.getSelection()?.removeAllRanges();
                      window.getSelection()?.addRange(range);
                      copied.textContent = "Selected: press Ctrl+C to copy";
                    }
                  },
                },
              },
              "Copy request id",
            ),
            " ",
            copied,
          )
        : null,
      id
        ? el("p", { class: "small" }, "Quote the request id when you report this: it finds the server's record.")
        : null,
      el(
        "div",
        { class: "actions" },
        el(
          "button",
          { class: "button primary", attrs: { type: "button" }, on: { click: () => window.location.reload() } },
          "Try again",
        ),
        el("a", { class: "button", attrs: { href: "/" } }, "Go to the home page"),
        el("button", { class: "button ghost", attrs: { type: "button" }, on: { click: onDismiss } }, "Dismiss"),
      ),
    ),
  );
  host.hidden = false;
}
