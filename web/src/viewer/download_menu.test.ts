import { describe, expect, it } from "vitest";
import { CUTOUT_MAX_PIXELS, cutoutUrl, downloadMenu, originalUrl, visibleRegion } from "./download_menu";

const dataset = { id: "ab12", file_name: "m31.fits", file_size: 2048, pyramid_version: 3 };

describe("downloadMenu", () => {
  it("links the dataset's original for the browser to download under the server's name", () => {
    expect(originalUrl({ id: "a/b" })).toBe("/api/datasets/a%2Fb/original");
    const menu = downloadMenu(dataset);
    const link = menu.querySelector<HTMLAnchorElement>('a[data-download="original"]')!;
    expect(link.getAttribute("href")).toBe("/api/datasets/ab12/original");
    expect(link.hasAttribute("download")).toBe(true);
    expect(link.getAttribute("download")).toBe("");
    expect(link.title).toContain("m31.fits");
    expect(menu.querySelector("summary")!.textContent).toBe("Download");
    expect(menu.querySelector('a[data-download^="cutout"]')).toBeNull();
  });

  it("offers the visible region, FITS only with original values, linked as the view is when chosen", () => {
    let region = { x: 10, y: 20, w: 300, h: 200 };
    const menu = downloadMenu(dataset, { region: () => region, originalValues: false });
    const kinds = [...menu.querySelectorAll<HTMLAnchorElement>('a[data-download^="cutout"]')].map(
      (a) => a.dataset.download,
    );
    expect(kinds).toEqual(["cutout-png", "cutout-tiff"]);
    const withFits = downloadMenu(dataset, { region: () => region, originalValues: true });
    // jsdom cannot navigate: the click's default action is stopped once the link has seen it.
    withFits.addEventListener("click", (e) => e.preventDefault());
    const fits = withFits.querySelector<HTMLAnchorElement>('a[data-download="cutout-fits"]')!;
    expect(fits.textContent).toBe("Visible region as FITS");
    region = { x: 5, y: 6, w: 7, h: 8 };
    fits.click();
    expect(fits.getAttribute("href")).toBe("/api/datasets/ab12/v3/cutout?x=5&y=6&w=7&h=8&format=fits");
    expect(fits.getAttribute("download")).toBe("");
  });

  it("does not offer a region larger than the server cuts out, or none", () => {
    let region: { x: number; y: number; w: number; h: number } | null = { x: 0, y: 0, w: 10000, h: 10000 };
    const menu = downloadMenu(dataset, { region: () => region, originalValues: true });
    menu.addEventListener("click", (e) => e.preventDefault());
    const png = menu.querySelector<HTMLAnchorElement>('a[data-download="cutout-png"]')!;
    png.click();
    expect(png.hasAttribute("href")).toBe(false);
    expect(png.getAttribute("aria-disabled")).toBe("true");
    expect(png.title).toContain("Zoom in");
    region = { x: 0, y: 0, w: 8192, h: 8192 };
    expect(region.w * region.h).toBe(CUTOUT_MAX_PIXELS);
    png.click();
    expect(png.getAttribute("href")).toContain("w=8192&h=8192&format=png");
    expect(png.hasAttribute("aria-disabled")).toBe(false);
    region = null;
    png.click();
    expect(png.hasAttribute("href")).toBe(false);
  });
});

describe("cut-out URLs", () => {
  it("encode the id and name the pyramid version", () => {
    expect(cutoutUrl({ id: "a/b c", pyramid_version: 1 }, { x: 0, y: 1, w: 2, h: 3 }, "tiff")).toBe(
      "/api/datasets/a%2Fb%20c/v1/cutout?x=0&y=1&w=2&h=3&format=tiff",
    );
  });

  it("take the whole pixels a view touches, clipped to the image", () => {
    expect(visibleRegion({ x: 10.2, y: 20.7, width: 100.1, height: 50 }, 1000, 800)).toEqual({
      x: 10,
      y: 20,
      w: 101,
      h: 51,
    });
    // Zoomed out past the edges: the whole image.
    expect(visibleRegion({ x: -250, y: -40.5, width: 1500, height: 900 }, 1000, 800)).toEqual({
      x: 0,
      y: 0,
      w: 1000,
      h: 800,
    });
    // Panned off the image, or a view not laid out yet.
    expect(visibleRegion({ x: 1000, y: 0, width: 50, height: 50 }, 1000, 800)).toBeNull();
    expect(visibleRegion({ x: -60, y: 0, width: 50, height: 50 }, 1000, 800)).toBeNull();
    expect(visibleRegion({ x: Number.NaN, y: 0, width: 50, height: 50 }, 1000, 800)).toBeNull();
  });
});
