import { afterEach, describe, expect, it } from "vitest";
import type { User } from "../api/types";
import { forgetUser, rememberUser } from "../auth/session";
import { iiifLink, manifestUrl, miradorUrl } from "./iiif_link";

describe("iiifLink", () => {
  it("names the dataset's manifest on this origin", () => {
    expect(manifestUrl("ab12", "https://astro.example")).toBe("https://astro.example/iiif/3/ab12/manifest");
    expect(manifestUrl("a/b", "https://astro.example")).toBe("https://astro.example/iiif/3/a%2Fb/manifest");
  });

  it("opens public datasets in Mirador through the content state parameter", () => {
    const box = iiifLink({ id: "ab12", is_public: true, pyramid_version: 2 })!;
    const field = box.querySelector("input")!;
    expect(field.value).toBe(`${window.location.origin}/iiif/3/ab12/manifest`);
    expect(field.readOnly).toBe(true);
    const link = box.querySelector("a")!;
    expect(link.href).toBe(miradorUrl(field.value));
    expect(link.href).toContain("?iiif-content=" + encodeURIComponent(field.value));
    expect(link.rel).toBe("noopener noreferrer");
  });

  afterEach(() => forgetUser());

  it("offers only the URL for a private dataset of someone else's, and nothing before a pyramid exists", () => {
    rememberUser({ id: "u1", is_admin: false } as User);
    const box = iiifLink({ id: "ab12", is_public: false, is_owner: false, pyramid_version: 1 })!;
    expect(box.querySelector("a")).toBeNull();
    expect(box.textContent).toContain("Make the image public");
    expect(box.querySelector(".viewer-links")).toBeNull();
    expect(iiifLink({ id: "ab12", is_public: true, pyramid_version: 0 })).toBeNull();
  });

  it("offers a private dataset's owner, or an admin, a link for other viewers instead", () => {
    const own = iiifLink({ id: "ab12", is_public: false, is_owner: true, pyramid_version: 1 })!;
    expect(own.querySelector(".viewer-links")!.textContent).toContain("Link for other viewers");
    expect(own.textContent).not.toContain("Make the image public");
    expect(own.querySelector("a")).toBeNull(); // no Mirador link: the owner's session stays on this site
    rememberUser({ id: "u2", is_admin: true } as User);
    const admin = iiifLink({ id: "ab12", is_public: false, is_owner: false, pyramid_version: 1 })!;
    expect(admin.querySelector(".viewer-links")).not.toBeNull();
    // A public dataset needs none.
    const open = iiifLink({ id: "ab12", is_public: true, is_owner: true, pyramid_version: 1 })!;
    expect(open.querySelector(".viewer-links")).toBeNull();
  });
});
