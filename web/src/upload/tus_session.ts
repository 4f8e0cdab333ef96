// What keeps a long tus upload signed in. tus-js-client sends its own requests (not through api()),
// so it gets the same session rule here: each request carries the CSRF cookie as it is now (a
// refresh rotates it), waits for a renewal under way, and a 401 (the access token expired while the
// tab slept, or during a chunk longer than its lifetime) renews the session once and resumes from the
// server's offset. Only a refused renewal ends the upload and the session.

export interface TusRequestLike {
  setHeader(name: string, value: string): void;
}

export interface TusSession {
  onBeforeRequest(req: TusRequestLike): Promise<void>;
  // Called from tus's onShouldRetry for a response status: true when a renewal was started and the
  // upload should resume after it.
  retryAfterRenewal(status: number, code: string): boolean;
  // The session could not be renewed: the upload must stop and the user sign in again.
  lost(): boolean;
}

export function tusSession(refresh: () => Promise<boolean>, csrf: () => string | null): TusSession {
  let renewal: Promise<boolean> | null = null;
  let gone = false;
  let csrfRetried = false;
  return {
    async onBeforeRequest(req) {
      if (renewal) await renewal;
      const token = csrf();
      if (token) req.setHeader("X-CSRF-Token", token);
    },
    retryAfterRenewal(status, code) {
      if (status === 403 && code === "csrf_failed" && !csrfRetried) {
        csrfRetried = true; // the header is read again from the cookie on the next request
        return true;
      }
      if (status !== 401 || gone) return false;
      renewal = refresh().then((ok) => {
        if (!ok) gone = true;
        return ok;
      });
      return true;
    },
    lost: () => gone,
  };
}
