// Where to go after signing in. Only same-origin paths are accepted: anything that would leave the
// site (absolute URLs, protocol-relative "//host", backslash tricks, javascript:) falls back to the
// dashboard.
export const DEFAULT_AFTER_LOGIN = "/datasets";

export function safeRedirect(target: string | null | undefined, origin: string = window.location.origin): string {
  if (!target || !target.startsWith("/") || target.startsWith("//") || target.startsWith("/\\")) {
    return DEFAULT_AFTER_LOGIN;
  }
  // Control characters are exactly what this refuses (browsers drop tabs and newlines from URLs, so
  // "/\t/evil.example" would become "//evil.example").
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\\]/.test(target)) return DEFAULT_AFTER_LOGIN;
  let url: URL;
  try {
    url = new URL(target, origin);
  } catch {
    return DEFAULT_AFTER_LOGIN;
  }
  if (url.origin !== origin) return DEFAULT_AFTER_LOGIN;
  const path = url.pathname + url.search + url.hash;
  // "/.//evil.example" normalises to "//evil.example", which a browser reads as another host.
  if (path.startsWith("//")) return DEFAULT_AFTER_LOGIN;
  // Never bounce back to the sign-in pages themselves.
  if (url.pathname === "/login" || url.pathname === "/signup") return DEFAULT_AFTER_LOGIN;
  return path;
}

// The login URL that brings the user back to `current` (path + query) afterwards.
export function loginUrl(current: string): string {
  return `/login?redirect=${encodeURIComponent(current)}`;
}
