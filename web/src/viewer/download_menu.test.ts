import { describe, expect, it } from "vitest";
import { downloadMenu, originalUrl } from "./download_menu";

describe("downloadMenu", () => {
  it("links the dataset's original for the browser to download under the server's name", () => {
    expect(originalUrl({ id: "a/b" })).toBe("/api/datasets/a%2Fb/original");
    const menu = downloadMenu({ id: "ab12", file_name: "m31.fits", file_size: 2048 });
    const link = menu.querySelector<HTMLAnchorElement>('a[data-download="original"]')!;
    expect(link.getAttribute("href")).toBe("/api/datasets/ab12/original");
    expect(link.hasAttribute("download")).toBe(true);
    expect(link.getAttribute("download")).toBe("");
    expect(link.title).toContain("m31.fits");
    expect(menu.querySelector("summary")!.textContent).toBe("Download");
  });
});
