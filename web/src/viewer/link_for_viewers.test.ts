import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { setNavigation } from "../api/client";
import type { User } from "../api/types";
import { LINK_WARNING, canMakeLinks, linkForViewers } from "./link_for_viewers";

const made = {
  expires_at: "2027-01-06T18:00:00Z",
  iiif_manifest: "https://astro.example/iiif/3/ab~1~s/manifest",
  iiif_image: "https://astro.example/iiif/3/ab~1~s/info.json",
  hips: "https://astro.example/hips/ab~1~s",
};

const admin = { is_admin: true } as User;
const user = { is_admin: false } as User;

// The server at the network boundary: answers in order, every request kept.
function server(...answers: { status: number; body?: unknown }[]) {
  const f = vi.fn((_url: string, _init?: RequestInit) => {
    const a = answers.shift()!;
    return Promise.resolve(
      a.body === undefined
        ? new Response(null, { status: a.status })
        : new Response(JSON.stringify(a.body), { status: a.status, headers: { "Content-Type": "application/json" } }),
    );
  });
  vi.stubGlobal("fetch", f);
  return f;
}

const settle = () => new Promise((r) => setTimeout(r, 0));

function button(box: HTMLElement, name: string): HTMLButtonElement {
  return [...box.querySelectorAll("button")].find((b) => b.textContent === name)!;
}

function status(box: HTMLElement): string {
  return box.querySelector(".viewer-link-status")!.textContent ?? "";
}

describe("canMakeLinks", () => {
  it("is for a private dataset's owner or an admin only", () => {
    expect(canMakeLinks({ id: "a", is_public: false, is_owner: true }, user)).toBe(true);
    expect(canMakeLinks({ id: "a", is_public: false, is_owner: false }, admin)).toBe(true);
    expect(canMakeLinks({ id: "a", is_public: false, is_owner: false }, user)).toBe(false);
    expect(canMakeLinks({ id: "a", is_public: false }, null)).toBe(false);
    // A public dataset's plain URLs open anywhere already.
    expect(canMakeLinks({ id: "a", is_public: true, is_owner: true }, admin)).toBe(false);
  });
});

describe("linkForViewers", () => {
  beforeEach(() => {
    setNavigation({ path: () => "/datasets/ab", go: () => undefined });
    document.body.replaceChildren();
  });
  afterEach(() => vi.unstubAllGlobals());

  function boxes() {
    const d = { id: "ab", is_public: false, is_owner: true };
    const iiif = linkForViewers(d, "iiif");
    const hips = linkForViewers(d, "hips");
    document.body.append(iiif, hips);
    return { iiif, hips };
  }

  it("is a labelled group with the warning, the days (30 by default) and no link yet", () => {
    const { iiif } = boxes();
    expect(iiif.getAttribute("role")).toBe("group");
    expect(document.getElementById(iiif.getAttribute("aria-labelledby")!)!.textContent).toBe("Link for other viewers");
    const days = iiif.querySelector<HTMLInputElement>('input[type="number"]')!;
    expect(days.value).toBe("30");
    expect([days.min, days.max]).toEqual(["1", "365"]);
    expect(iiif.querySelector(`label[for="${days.id}"]`)!.textContent).toBe("Valid for (days)");
    const warning = document.getElementById(button(iiif, "Create link").getAttribute("aria-describedby")!)!;
    expect(warning.textContent).toBe(LINK_WARNING);
    expect(iiif.querySelector('input[type="text"]')).toBeNull();
    expect(button(iiif, "Revoke all links")).toBeTruthy();
  });

  it("makes a link: each box shows its URL and the expiry, the acting one says so and moves to the URL", async () => {
    const f = server({ status: 201, body: made });
    const { iiif, hips } = boxes();
    iiif.querySelector<HTMLInputElement>('input[type="number"]')!.value = "7";
    button(iiif, "Create link").click();
    await settle();
    expect(JSON.parse(f.mock.calls[0][1]?.body as string)).toEqual({ days: 7 });
    const manifest = iiif.querySelector<HTMLInputElement>('input[type="text"]')!;
    expect(manifest.value).toBe(made.iiif_manifest);
    expect(manifest.readOnly).toBe(true);
    expect(manifest.getAttribute("aria-label")).toBe("IIIF manifest link for other viewers");
    expect(document.activeElement).toBe(manifest);
    const sky = hips.querySelector<HTMLInputElement>('input[type="text"]')!;
    expect(sky.value).toBe(made.hips);
    expect(sky.getAttribute("aria-label")).toBe("HiPS link for other viewers");
    expect(iiif.querySelector("time")!.getAttribute("datetime")).toBe(made.expires_at);
    expect(hips.querySelector("time")!.getAttribute("datetime")).toBe(made.expires_at);
    expect(status(iiif)).toMatch(/^Link made\. It expires on .+\.$/);
    expect(status(hips)).toBe("");
    expect(button(iiif, "Copy").getAttribute("aria-label")).toBe("Copy the IIIF manifest link for other viewers");
  });

  it("revokes all links: both boxes drop the URL, the acting one says so and keeps the focus", async () => {
    const f = server({ status: 201, body: made }, { status: 204 });
    const { iiif, hips } = boxes();
    button(iiif, "Create link").click();
    await settle();
    const revoke = button(hips, "Revoke all links");
    revoke.focus();
    revoke.click();
    await settle();
    expect(f.mock.calls[1][0]).toBe("/api/datasets/ab/links");
    expect(f.mock.calls[1][1]?.method).toBe("DELETE");
    expect(iiif.querySelector('input[type="text"]')).toBeNull();
    expect(hips.querySelector('input[type="text"]')).toBeNull();
    expect(status(hips)).toContain("All links to this image are revoked");
    expect(status(iiif)).toBe("");
    expect(document.activeElement).toBe(revoke);
    expect(revoke.getAttribute("aria-disabled")).toBe("false");
  });

  it("refuses days the server would refuse, without asking it", () => {
    const f = server();
    const { iiif } = boxes();
    const days = iiif.querySelector<HTMLInputElement>('input[type="number"]')!;
    for (const bad of ["0", "366", "1.5", ""]) {
      days.value = bad;
      button(iiif, "Create link").click();
      expect(days.getAttribute("aria-invalid")).toBe("true");
      expect(status(iiif)).toBe("Choose a whole number of days from 1 to 365.");
      expect(document.activeElement).toBe(days);
    }
    expect(f).not.toHaveBeenCalled();
  });

  it("says why when the server refuses, and shows no link", async () => {
    server({ status: 403, body: { code: "forbidden", message: "Only the owner may do this." } });
    const { iiif } = boxes();
    button(iiif, "Create link").click();
    await settle();
    expect(status(iiif)).toBe("The link could not be made: Only the owner may do this.");
    expect(iiif.querySelector('input[type="text"]')).toBeNull();
  });

  it("asks once while a request is under way", async () => {
    const f = server({ status: 201, body: made });
    const { iiif } = boxes();
    button(iiif, "Create link").click();
    button(iiif, "Create link").click();
    expect(iiif.getAttribute("aria-busy")).toBe("true");
    await settle();
    expect(f).toHaveBeenCalledTimes(1);
    expect(iiif.getAttribute("aria-busy")).toBe("false");
  });
});
