import { describe, expect, it } from "vitest";
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

  it("offers only the URL for private datasets, and nothing before a pyramid exists", () => {
    const box = iiifLink({ id: "ab12", is_public: false, pyramid_version: 1 })!;
    expect(box.querySelector("a")).toBeNull();
    expect(box.textContent).toContain("Make the image public");
    expect(iiifLink({ id: "ab12", is_public: true, pyramid_version: 0 })).toBeNull();
  });
});
