import { afterEach, describe, expect, it, vi } from "vitest";
import type { Dataset, FitsInfo } from "../api/types";
import { fitsDisplayForm, fitsHeaderDisclosure, fitsRetryForm, headerView } from "./fits_panels";

const hostile = "OBSERVER= '<img src=x onerror=alert(1)>'\nCOMMENT <script>window.pwned = 1</script>\n";

describe("FITS header view", () => {
  it("shows hostile header cards as text, never as markup", () => {
    const v = headerView({
      hdu: 1,
      primary_header: hostile,
      image_header: "XTENSION= 'IMAGE   '\nEXTNAME = '<b>SCI</b>'\n",
    });
    document.body.appendChild(v);
    const pres = v.querySelectorAll("pre");
    expect(pres).toHaveLength(2);
    expect(pres[0].textContent).toBe(hostile);
    expect(pres[1].textContent).toContain("'<b>SCI</b>'");
    expect(v.querySelector("img, script, b")).toBeNull();
    expect(v.textContent).toContain("Image header (HDU 1)");
    v.remove();
  });

  it("shows only the primary header when the image is the primary HDU", () => {
    const v = headerView({ hdu: 0, primary_header: "SIMPLE  = T\n", image_header: "" });
    expect(v.querySelectorAll("pre")).toHaveLength(1);
  });

  it("fetches the headers once, when opened", async () => {
    const asked: string[] = [];
    const d = fitsHeaderDisclosure("/api/datasets/x/v1/fits-header", (u) => {
      asked.push(u);
      return Promise.resolve({ hdu: 0, primary_header: hostile, image_header: "" });
    });
    expect(asked).toEqual([]);
    d.open = true;
    d.dispatchEvent(new Event("toggle"));
    await new Promise((r) => setTimeout(r, 0));
    d.dispatchEvent(new Event("toggle"));
    expect(asked).toEqual(["/api/datasets/x/v1/fits-header"]);
    expect(d.querySelector("pre")?.textContent).toBe(hostile);
    expect(d.querySelector("img, script")).toBeNull();
  });
});

const fits: FitsInfo = {
  hdu: 1,
  plane: 0,
  planes: 3,
  bitpix: -32,
  hdu_count: 3,
  keywords: {},
  hdus: [
    { index: 0, kind: "header_only", extname: "", bitpix: 8, axes: [], tile_compressed: false, displayable: false },
    {
      index: 1,
      kind: "image",
      extname: "SCI",
      bitpix: -32,
      axes: [60, 40, 3],
      tile_compressed: false,
      displayable: true,
    },
    { index: 2, kind: "image", extname: "ERR", bitpix: 16, axes: [60, 40], tile_compressed: false, displayable: true },
  ],
};
const dataset = { id: "d1", stretch: null, pyramid_version: 1 } as unknown as Dataset;
const options = { onDone: () => undefined, isDisposed: () => true };

describe("HDU and plane choice", () => {
  it("lists the displayable HDUs and shows the plane field for cubes only", () => {
    const form = fitsDisplayForm(dataset, fits, options)!;
    const select = form.querySelector<HTMLSelectElement>("#fits-hdu")!;
    expect([...select.options].map((o) => o.textContent)).toEqual([
      "1 · SCI · 60×40×3 · float32",
      "2 · ERR · 60×40 · int16",
    ]);
    expect(select.value).toBe("1");
    const plane = form.querySelector<HTMLInputElement>("#fits-plane")!;
    expect(plane.closest(".field")!.hasAttribute("hidden")).toBe(false);
    expect(plane.max).toBe("2");
    expect(form.querySelector("label[for=fits-plane]")!.textContent).toBe("Plane (0–2)");
    select.value = "2";
    select.dispatchEvent(new Event("change"));
    expect(plane.closest(".field")!.hasAttribute("hidden")).toBe(true);
  });

  it("offers nothing when there is nothing to choose", () => {
    expect(
      fitsDisplayForm(
        dataset,
        { ...fits, planes: 1, hdus: fits.hdus.slice(0, 2).map((h) => ({ ...h, axes: [60, 40] })) },
        options,
      ),
    ).toBeNull();
  });

  it("checks the plane before asking the server", () => {
    const form = fitsDisplayForm(dataset, fits, options)!;
    form.querySelector<HTMLInputElement>("#fits-plane")!.value = "7";
    form.dispatchEvent(new Event("submit", { cancelable: true }));
    expect(form.querySelector("#fits-plane-error")!.textContent).toBe("The plane must be from 0 to 2");
  });
});

describe("HDU and plane choice, server side", () => {
  afterEach(() => vi.unstubAllGlobals());
  const answer = (status: number, body: unknown) =>
    vi.fn(() =>
      Promise.resolve(new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } })),
    );
  const settle = () => new Promise((r) => setTimeout(r, 0));

  it("sends the HDU and plane with the stretch chosen before", async () => {
    const f = answer(202, {});
    vi.stubGlobal("fetch", f);
    const form = fitsDisplayForm({ ...dataset, stretch: { kind: "asinh" } }, fits, options)!;
    form.querySelector<HTMLInputElement>("#fits-plane")!.value = "2";
    form.dispatchEvent(new Event("submit", { cancelable: true }));
    await settle();
    const [url, init] = f.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe("/api/datasets/d1/reprocess");
    expect(JSON.parse(init.body as string)).toEqual({ hdu: 1, plane: 2, stretch: "asinh" });
  });

  it("shows the server's refusal next to the field it names", async () => {
    vi.stubGlobal(
      "fetch",
      answer(400, { code: "validation_error", field: "hdu", message: "HDU 2 holds no 2-D image <b>x</b>" }),
    );
    const form = fitsDisplayForm(dataset, fits, options)!;
    form.dispatchEvent(new Event("submit", { cancelable: true }));
    await settle();
    await settle();
    expect(form.querySelector("#fits-hdu-error")!.textContent).toBe("HDU 2 holds no 2-D image <b>x</b>");
    expect(form.querySelector("b")).toBeNull();
  });

  it("lets the owner of a failed FITS dataset try another HDU", async () => {
    const f = answer(202, {});
    vi.stubGlobal("fetch", f);
    let queued = 0;
    const form = fitsRetryForm({ ...dataset, stretch: { hdu: 0 } }, () => {
      queued += 1;
    });
    const hdu = form.querySelector<HTMLInputElement>("#retry-hdu")!;
    expect(hdu.value).toBe("0");
    hdu.value = "-1";
    form.dispatchEvent(new Event("submit", { cancelable: true }));
    expect(form.querySelector("#retry-hdu-error")!.textContent).toBe("The HDU must be a whole number from 0");
    hdu.value = "1";
    form.dispatchEvent(new Event("submit", { cancelable: true }));
    await settle();
    expect(JSON.parse((f.mock.calls[0] as unknown as [string, RequestInit])[1].body as string)).toEqual({ hdu: 1 });
    expect(queued).toBe(1);
  });
});
