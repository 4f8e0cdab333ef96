import { describe, expect, it } from "vitest";
import { SessionRefresher, refreshDelay, type RefreshDeps, type SessionTimes } from "./session_refresh";

// A fake clock and timer list, a storage shared like localStorage, a server answering refreshes.
function world(answer: () => Promise<number | null> = () => Promise.resolve(60)) {
  const w = {
    now: 1_000_000,
    timers: [] as { at: number; fn: () => void; id: number }[],
    stored: null as SessionTimes | null,
    posts: 0,
    nextId: 1,
    cookie: "c0",
  };
  const deps: RefreshDeps = {
    now: () => w.now,
    setTimer: (fn, ms) => {
      const id = w.nextId++;
      w.timers.push({ at: w.now + ms, fn, id });
      return id;
    },
    clearTimer: (id) => {
      w.timers = w.timers.filter((t) => t.id !== id);
    },
    load: () => w.stored,
    save: (t) => {
      w.stored = t;
    },
    post: () => {
      w.posts += 1;
      w.cookie = `c${w.posts}`;
      return answer();
    },
    marker: () => w.cookie,
    exclusive: (fn) => fn(),
  };
  // Moves the clock on, firing what falls due (a sleeping tab: move the clock without firing).
  const advance = async (ms: number, fire = true) => {
    const end = w.now + ms;
    for (;;) {
      const due = fire ? w.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0] : undefined;
      if (!due) break;
      w.timers = w.timers.filter((t) => t !== due);
      w.now = Math.max(w.now, due.at);
      due.fn();
      await new Promise((r) => setTimeout(r, 0));
    }
    w.now = end;
  };
  return { w, deps, advance };
}

describe("refreshDelay", () => {
  it("renews a quarter of the lifetime early, at most a minute", () => {
    expect(refreshDelay({ issuedAt: 0, expiresAt: 60_000 }, 0)).toBe(45_000);
    expect(refreshDelay({ issuedAt: 0, expiresAt: 30 * 60_000 }, 0)).toBe(29 * 60_000);
    expect(refreshDelay({ issuedAt: 0, expiresAt: 60_000 }, 50_000)).toBe(0);
    expect(refreshDelay({ issuedAt: 0, expiresAt: 60_000 }, 90_000)).toBe(0);
  });
});

describe("SessionRefresher", () => {
  it("renews before each expiry for as long as the page is open", async () => {
    const { w, deps, advance } = world();
    const s = new SessionRefresher(deps);
    s.signedIn(60);
    await advance(44_000);
    expect(w.posts).toBe(0);
    await advance(1_000);
    expect(w.posts).toBe(1);
    expect(w.stored?.expiresAt).toBe(w.now + 60_000);
    await advance(10 * 60_000);
    // every 45 s over ten minutes, never past an expiry
    expect(w.posts).toBe(1 + Math.floor((10 * 60_000) / 45_000));
  });

  it("catches up at once when a tab wakes after its timers slept past the expiry", async () => {
    const { w, deps, advance } = world();
    const s = new SessionRefresher(deps);
    s.signedIn(60);
    await advance(5 * 60_000, false);
    expect(w.posts).toBe(0);
    s.wake();
    await advance(0);
    expect(w.posts).toBe(1);
    expect(w.stored!.expiresAt).toBeGreaterThan(w.now);
  });

  it("does not renew on waking when the token is still young", async () => {
    const { w, deps, advance } = world();
    const s = new SessionRefresher(deps);
    s.signedIn(60);
    await advance(10_000, false);
    s.wake();
    await advance(0);
    expect(w.posts).toBe(0);
    await advance(35_000);
    expect(w.posts).toBe(1);
  });

  it("shares one renewal among every caller that met a 401", async () => {
    let release: (v: number) => void = () => undefined;
    const { w, deps } = world(() => new Promise<number>((r) => (release = r)));
    const s = new SessionRefresher(deps);
    s.signedIn(60);
    const all = Promise.all([s.refresh(), s.refresh(), s.refresh()]);
    release(60);
    expect(await all).toEqual([true, true, true]);
    expect(w.posts).toBe(1);
  });

  it("does not renew again when another tab renewed while this one waited (a reused token ends the session)", async () => {
    const { w, deps } = world();
    let otherTab: () => void = () => undefined;
    deps.exclusive = (fn) =>
      new Promise((resolve, reject) => {
        otherTab = () => {
          w.cookie = "renewed by the other tab"; // its renewal; its expiry has not reached us yet
          fn().then(resolve, reject);
        };
      });
    const s = new SessionRefresher(deps);
    s.signedIn(60);
    w.now += 50_000;
    const ok = s.refresh();
    otherTab();
    expect(await ok).toBe(true);
    expect(w.posts).toBe(0);
    // the lifetime carried over, counted from now
    expect(w.stored).toEqual({ issuedAt: w.now, expiresAt: w.now + 60_000 });
  });

  it("does not renew again when another tab renewed just before this tab's timer fired", async () => {
    // Measured in Chromium under load: both tabs renewed in the same second, the second one after the
    // first had finished, because the first's new expiry had not reached the second's storage yet.
    const { w, deps, advance } = world();
    const s = new SessionRefresher(deps);
    s.signedIn(60);
    const stale = w.stored;
    w.cookie = "renewed by the other tab"; // its renewal is over; the stored expiry is still the old one
    w.stored = stale;
    await advance(45_000);
    expect(w.posts).toBe(0);
    // this tab carries the lifetime over from now and renews at the next due time itself
    await advance(45_000);
    expect(w.posts).toBe(1);
  });

  it("renews after a 401 even when the stored expiry looks fine (the server knows better)", async () => {
    const { w, deps } = world();
    const s = new SessionRefresher(deps);
    s.signedIn(60);
    expect(await s.refresh()).toBe(true);
    expect(w.posts).toBe(1);
  });

  it("stops when the server refuses, and after sign-out", async () => {
    const { w, deps, advance } = world(() => Promise.resolve(null));
    const s = new SessionRefresher(deps);
    s.signedIn(60);
    await advance(45_000);
    expect(w.posts).toBe(1);
    await advance(10 * 60_000);
    expect(w.posts).toBe(1);
    s.signedIn(60);
    s.signedOut();
    expect(w.stored).toBeNull();
    await advance(10 * 60_000);
    expect(w.posts).toBe(1);
  });

  it("treats an unreachable server as a refusal of this attempt", async () => {
    const { deps } = world(() => Promise.reject(new TypeError("Failed to fetch")));
    const s = new SessionRefresher(deps);
    s.signedIn(60);
    expect(await s.refresh()).toBe(false);
  });
});
