// Every call to the server goes through here (ESLint refuses fetch() anywhere else in src/):
// cookies for credentials, the CSRF double-submit header on unsafe methods, errors as ApiError with
// the server's machine code, and the session rule: a 401 (after one refresh), or a 403 that says the
// session itself is no good (SESSION_403), clears what the app remembers about the user and sends
// them to /login?redirect=<where they were> (unless they are already on a sign-in page). Any other
// 403 means "not allowed to do this": the caller shows the message and the user stays signed in.
import { loginUrl } from "../auth/redirect";
import { forgetUser, rememberUser } from "../auth/session";
import { isUnexpectedStatus, reportFailure } from "./failures";
import { SessionRefresher, type SessionTimes } from "./session_refresh";
import type { SignIn } from "./types";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly detail: string = "",
    readonly field: string | null = null,
    readonly requestId: string | null = null,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export interface RequestOptions {
  method?: string;
  json?: unknown;
  body?: BodyInit;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  // Sign-in calls answer 401 for a wrong password: that is a form error, not an expired session.
  // Public endpoints (health, metrics) too: their 401/403 (a proxy's) says nothing of the session.
  noSessionRedirect?: boolean;
  // Error statuses whose body is the answer all the same: the health check's 503 carries the report.
  acceptStatus?: readonly number[];
  // Failures the caller shows itself, so the global error screen does not: true for every failure (a
  // prefetch, whose page may be gone by the time it fails), or a test for the ones it handles (a
  // sign-in form's busy server). The session rules (401/403 above) apply all the same.
  quiet?: boolean | ((error: ApiError) => boolean);
}

function isQuiet(options: RequestOptions, error: ApiError): boolean {
  return typeof options.quiet === "function" ? options.quiet(error) : options.quiet === true;
}

export interface Navigation {
  path(): string; // current path + query
  go(url: string): void;
}

let navigation: Navigation = {
  path: () => window.location.pathname + window.location.search,
  go: (url) => window.location.assign(url),
};

export function setNavigation(n: Navigation): void {
  navigation = n;
}

export function readCookie(name: string): string | null {
  for (const part of document.cookie.split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return decodeURIComponent(v.join("="));
  }
  return null;
}

const SIGN_IN_PAGES = ["/login", "/signup"];

// The server's 403 codes that mean the session cannot go on: the account was disabled, or the CSRF
// check still fails after the cookie was read again (another tab signed in and rotated it).
export const SESSION_403: readonly string[] = ["account_disabled", "csrf_failed"];

// The server's answer when its password-hashing queue is full (sign-in, sign-up, password changes):
// 503 service_unavailable with Retry-After: 1. Those forms say so in place (SERVER_BUSY) and keep what
// was typed, so they pass `quiet: isServerBusy`; every other 5xx still reaches the error screen.
export const SERVER_BUSY = "The server is busy; try again in a moment.";

export function isServerBusy(e: unknown): boolean {
  return e instanceof ApiError && e.status === 503 && e.code === "service_unavailable";
}

export function handleSessionLoss(): void {
  forgetUser();
  session.signedOut();
  const here = navigation.path();
  const pathname = here.split("?")[0];
  if (SIGN_IN_PAGES.includes(pathname)) return;
  navigation.go(loginUrl(here));
}

// The session's renewal (session_refresh.ts): before the access token expires, and once after a 401.
export const SESSION_KEY = "astropixel.session";

async function postRefresh(): Promise<number | null> {
  const csrf = readCookie("ap_csrf");
  const r = await fetch("/api/auth/refresh", {
    method: "POST",
    credentials: "same-origin",
    headers: csrf ? { "X-CSRF-Token": csrf, Accept: "application/json" } : { Accept: "application/json" },
  });
  if (!r.ok) return null;
  const body = (await r.json().catch(() => ({}))) as Partial<SignIn>;
  if (body.user) rememberUser(body.user);
  return typeof body.expires_in === "number" ? body.expires_in : null;
}

export const session = new SessionRefresher({
  now: () => Date.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  load: () => {
    try {
      const raw = localStorage.getItem(SESSION_KEY);
      return raw ? (JSON.parse(raw) as SessionTimes) : null;
    } catch {
      return null;
    }
  },
  save: (t) => (t ? localStorage.setItem(SESSION_KEY, JSON.stringify(t)) : localStorage.removeItem(SESSION_KEY)),
  post: postRefresh,
  marker: () => readCookie("ap_csrf"),
  exclusive: (fn) =>
    typeof navigator !== "undefined" && navigator.locks
      ? (navigator.locks.request("astropixel-session-refresh", fn) as ReturnType<typeof fn>)
      : fn(),
});

// Renews the session now (shared with any renewal already under way); true when it goes on.
export function refreshSession(): Promise<boolean> {
  return session.refresh();
}

export async function api<T>(path: string, options: RequestOptions = {}, retried = false): Promise<T> {
  const method = (options.method ?? (options.json !== undefined ? "POST" : "GET")).toUpperCase();
  const headers: Record<string, string> = { Accept: "application/json", ...options.headers };
  let body = options.body;
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.json);
  }
  if (!["GET", "HEAD", "OPTIONS"].includes(method)) {
    const csrf = readCookie("ap_csrf");
    if (csrf) headers["X-CSRF-Token"] = csrf;
  }
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body, credentials: "same-origin", signal: options.signal });
  } catch (e) {
    if (e instanceof DOMException && e.name === "AbortError") throw e;
    const error = new ApiError(
      0,
      "network_error",
      "The server cannot be reached",
      "Check your connection and try again",
    );
    if (!isQuiet(options, error)) {
      const what = `${method} ${path.split("?")[0]}`;
      reportFailure({ kind: "network", what, status: null, message: error.message, requestId: null });
    }
    throw error;
  }
  if (response.ok || options.acceptStatus?.includes(response.status)) {
    if (response.status === 204) return undefined as T;
    const type = response.headers.get("Content-Type") ?? "";
    return (type.includes("json") ? await response.json() : await response.text()) as T;
  }
  let payload: { message?: string; detail?: string; code?: string; field?: string; request_id?: string } = {};
  try {
    payload = (await response.json()) as typeof payload;
  } catch {
    // Not our JSON (a proxy's error page): keep the status.
  }
  const error = new ApiError(
    response.status,
    payload.code ?? `http_${response.status}`,
    payload.message ?? response.statusText ?? "Request failed",
    payload.detail ?? "",
    payload.field ?? null,
    payload.request_id ?? response.headers.get("X-Request-ID"),
  );
  if (response.status === 401 && !options.noSessionRedirect && !retried && (await refreshSession())) {
    return api<T>(path, options, true);
  }
  if (response.status === 403 && error.code === "csrf_failed" && !options.noSessionRedirect && !retried) {
    return api<T>(path, options, true); // the CSRF header is built again from the cookie as it is now
  }
  const sessionLost = response.status === 401 || (response.status === 403 && SESSION_403.includes(error.code));
  if (sessionLost && !options.noSessionRedirect) handleSessionLoss();
  if (isUnexpectedStatus(response.status) && !isQuiet(options, error)) {
    const what = `${method} ${path.split("?")[0]}`;
    reportFailure({
      kind: "server",
      what,
      status: response.status,
      message: error.message,
      requestId: error.requestId,
    });
  }
  throw error;
}
