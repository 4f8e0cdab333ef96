import { afterEach, describe, expect, it } from "vitest";
import type { User } from "../api/types";
import { forgetUser, rememberUser } from "../auth/session";
import { hipsLink, hipsUrl } from "./hips_link";

describe("hipsLink", () => {
  it("names the dataset's HiPS on this origin, unversioned", () => {
    expect(hipsUrl("ab12", "https://astro.example")).toBe("https://astro.example/hips/ab12");
    expect(hipsUrl("a/b", "https://astro.example")).toBe("https://astro.example/hips/a%2Fb");
  });

  it("offers the URL to copy and the archive once the HiPS is ready", () => {
    const box = hipsLink({ id: "ab12", is_public: true, pyramid: { hips: { status: "ready", frame: "galactic" } } })!;
    const field = box.querySelector("input")!;
    expect(field.value).toBe(`${window.location.origin}/hips/ab12`);
    expect(field.readOnly).toBe(true);
    expect(field.getAttribute("aria-label")).toBe("HiPS URL");
    const archive = box.querySelector("a")!;
    expect(archive.getAttribute("href")).toBe(`${window.location.origin}/hips/ab12.tar`);
    expect(archive.hasAttribute("download")).toBe(true);
    expect(box.textContent).toContain("Galactic");
    expect(box.textContent).not.toContain("Make the image public");
  });

  afterEach(() => forgetUser());

  it("says a private HiPS of someone else's stays on this site, and shows nothing without a ready HiPS", () => {
    rememberUser({ id: "u1", is_admin: false } as User);
    const box = hipsLink({
      id: "ab12",
      is_public: false,
      is_owner: false,
      pyramid: { hips: { status: "ready", frame: "equatorial" } },
    })!;
    expect(box.textContent).toContain("Make the image public");
    expect(box.querySelector(".viewer-links")).toBeNull();
    expect(box.textContent).toContain("Equatorial (ICRS)");
    expect(hipsLink({ id: "ab12", is_public: true, pyramid: { hips: { status: "failed" } } })).toBeNull();
    expect(hipsLink({ id: "ab12", is_public: true, pyramid: {} })).toBeNull();
    expect(hipsLink({ id: "ab12", is_public: true })).toBeNull();
  });

  it("offers a private HiPS's owner, or an admin, a link for other viewers instead", () => {
    const hips = { hips: { status: "ready", frame: "equatorial" } };
    const own = hipsLink({ id: "ab12", is_public: false, is_owner: true, pyramid: hips })!;
    expect(own.querySelector(".viewer-links")!.textContent).toContain("Link for other viewers");
    expect(own.textContent).not.toContain("Make the image public");
    rememberUser({ id: "u2", is_admin: true } as User);
    expect(
      hipsLink({ id: "ab12", is_public: false, is_owner: false, pyramid: hips })!.querySelector(".viewer-links"),
    ).not.toBeNull();
    expect(
      hipsLink({ id: "ab12", is_public: true, is_owner: true, pyramid: hips })!.querySelector(".viewer-links"),
    ).toBeNull();
  });
});
