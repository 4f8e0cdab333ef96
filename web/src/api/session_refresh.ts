// Keeps the session alive for as long as the page is open: the access token (ACCESS_TOKEN_EXPIRE_MINUTES,
// an HttpOnly cookie the page cannot read) is renewed through /api/auth/refresh a little before it
// expires, so a viewer left open on a private image or an upload of several hours never meets a 401.
// The page only knows when the token expires from the sign-in body's `expires_in`; that moment is
// kept in localStorage, shared by the tabs. Refresh tokens rotate and a reused one ends the whole
// session (docs/api.md), so two tabs must never refresh with the same cookie: a refresh runs under a
// cross-tab lock, and a tab that finds the session's marker (the ap_csrf cookie, new at every
// renewal) changed while it waited for the lock knows another tab renewed already (the cookies are
// shared) and does not renew again. The marker, not the stored expiry: localStorage reaches other
// tabs late (measured in Chromium: both tabs renewed, one after the other, when the expiry was read).
// A tab whose timers slept (laptop lid, background throttling) catches up when it becomes visible
// again; whatever still slips through gets a 401, which api() answers with one refresh and a retry.

export interface SessionTimes {
  issuedAt: number; // ms since the epoch, this browser's clock
  expiresAt: number;
}

export interface RefreshDeps {
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
  load(): SessionTimes | null;
  save(times: SessionTimes | null): void;
  // The request itself: the new token's lifetime in seconds, or null when the server refused.
  post(): Promise<number | null>;
  // Runs fn while no other tab runs it (navigator.locks); without locks, at once.
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  // A value every renewal changes, read where all tabs see the same at once (a cookie).
  marker(): string | null;
}

// How long before expiry to refresh: a quarter of the token's lifetime, at most a minute (a 30-minute
// token is renewed at 29 min, a 1-minute one at 45 s).
export function refreshLead(times: SessionTimes): number {
  return Math.min(60_000, Math.max(0, (times.expiresAt - times.issuedAt) / 4));
}

export function refreshDelay(times: SessionTimes, now: number): number {
  return Math.max(0, times.expiresAt - refreshLead(times) - now);
}

export class SessionRefresher {
  private timer: unknown = null;
  private inFlight: Promise<boolean> | null = null;
  // The session's marker when this tab last knew the session's state (it armed its timer, or it
  // renewed). A renewal by another tab changes the marker at once, while its new expiry may reach
  // this tab's storage late: a timer firing in between must not renew again.
  private known: string | null = null;

  constructor(private readonly deps: RefreshDeps) {}

  // After a sign-in or a refresh: the token lives expiresIn seconds from now.
  signedIn(expiresIn: number): void {
    const now = this.deps.now();
    this.deps.save({ issuedAt: now, expiresAt: now + expiresIn * 1000 });
    this.schedule();
  }

  signedOut(): void {
    this.deps.save(null);
    this.cancel();
  }

  // (Re)arms the timer from what is stored (another tab may have refreshed meanwhile).
  schedule(): void {
    this.cancel();
    this.known = this.deps.marker();
    const times = this.deps.load();
    if (!times) return;
    this.timer = this.deps.setTimer(
      () => {
        this.timer = null;
        void this.dueCheck();
      },
      refreshDelay(times, this.deps.now()),
    );
  }

  // On waking (the page becomes visible, the network returns): refresh now if the time has come,
  // else re-arm the timer, which may have been throttled while the tab was hidden.
  wake(): void {
    const times = this.deps.load();
    if (times && refreshDelay(times, this.deps.now()) === 0) void this.refresh();
    else this.schedule();
  }

  private async dueCheck(): Promise<void> {
    const times = this.deps.load();
    if (!times) return;
    if (refreshDelay(times, this.deps.now()) > 0) this.schedule();
    // another tab renewed it
    else await this.refresh(this.known ?? this.deps.marker());
  }

  // One refresh at a time in this tab, shared by every caller that needs it (the timer, each call
  // that met a 401, waking). True when the session goes on. `seen`: the marker the caller's view of
  // the session dates from (the timer's: when it was armed); by default, now.
  refresh(seen: string | null = this.deps.marker()): Promise<boolean> {
    if (!this.inFlight) {
      this.inFlight = this.deps
        .exclusive(async () => {
          const marker = this.deps.marker();
          if (marker !== null && marker !== seen) {
            // Another tab renewed since this one last looked (while it waited for the lock, or just
            // before its timer fired): the shared cookies are new, with the lifetime the last
            // renewal had.
            const last = this.deps.load();
            const lifetime = last ? last.expiresAt - last.issuedAt : 0;
            const at = this.deps.now();
            if (lifetime > 0) this.deps.save({ issuedAt: at, expiresAt: at + lifetime });
            return true;
          }
          const expiresIn = await this.deps.post();
          if (expiresIn === null) return false;
          const at = this.deps.now();
          this.deps.save({ issuedAt: at, expiresAt: at + expiresIn * 1000 });
          return true;
        })
        .catch(() => false)
        .then((ok) => {
          this.inFlight = null;
          if (ok) this.schedule();
          else this.cancel();
          return ok;
        });
    }
    return this.inFlight;
  }

  private cancel(): void {
    if (this.timer !== null) this.deps.clearTimer(this.timer);
    this.timer = null;
  }
}
