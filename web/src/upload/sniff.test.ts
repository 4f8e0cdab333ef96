import { describe, expect, it } from "vitest";
import { describeSniffed, sniffFile, type Sniffed } from "./sniff";

const reader = (b: Uint8Array) => (offset: number, length: number) =>
  Promise.resolve(b.subarray(offset, offset + length));
const sniff = (b: Uint8Array) => sniffFile(reader(b), b.length);
const bytes = (...parts: Array<number[] | string>) =>
  new Uint8Array(parts.flatMap((p) => (typeof p === "string" ? [...p].map((c) => c.charCodeAt(0)) : p)));
const be32 = (v: number) => [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
const le16 = (v: number) => [v & 255, (v >> 8) & 255];
const le32 = (v: number) => [v & 255, (v >> 8) & 255, (v >> 16) & 255, (v >>> 24) & 255];
const ok = (s: Sniffed) => {
  if (!s.ok) throw new Error(s.reason);
  return s;
};

describe("what a file is, from its first bytes", () => {
  it("reads a PNG's size and interlacing", async () => {
    const png = bytes(
      [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
      be32(13),
      "IHDR",
      be32(100000),
      be32(80000),
      [8, 2, 0, 0, 1],
    );
    const s = ok(await sniff(png));
    expect([s.format, s.width, s.height, s.note]).toEqual(["PNG", 100000, 80000, "interlaced"]);
    expect(describeSniffed(s)).toBe("PNG · 100,000 × 80,000 px (interlaced)");
  });
  it("finds a JPEG's frame header past other segments, and says progressive", async () => {
    const app0 = [0xff, 0xe0, 0, 16, ...new Array<number>(14).fill(0)];
    const sof2 = [0xff, 0xc2, 0, 17, 8, ...[0x4e, 0x20], ...[0x75, 0x30], 3];
    const s = ok(await sniff(bytes([0xff, 0xd8], app0, sof2, new Array<number>(20).fill(0))));
    expect([s.format, s.width, s.height, s.note]).toEqual(["JPEG", 30000, 20000, "progressive"]);
  });
  it("reads a TIFF's size from its first directory, wherever it is", async () => {
    const ifdAt = 200000; // beyond the first 64 KiB: read separately
    const file = new Uint8Array(ifdAt + 2 + 2 * 12 + 4);
    file.set(bytes("II", le16(42), le32(ifdAt)), 0);
    file.set(
      bytes(le16(2), le16(256), le16(4), le32(1), le32(46000), le16(257), le16(3), le32(1), le16(23000), [0, 0]),
      ifdAt,
    );
    const s = ok(await sniff(file));
    expect([s.format, s.width, s.height]).toEqual(["TIFF", 46000, 23000]);
  });
  it("refuses a TIFF whose directory lies outside the file", async () => {
    const s = await sniff(bytes("MM", [0, 42], be32(999999), new Array<number>(8).fill(0)));
    expect(s).toEqual({ ok: false, reason: "The TIFF header points outside the file" });
  });
  it("reads FITS cards: the primary image, or says the image is in an extension", async () => {
    const card = (s: string) => s.padEnd(80, " ");
    const header = (cards: string[]) => bytes([...cards.map(card), card("END")].join(""));
    const cube = ok(
      await sniff(
        header([
          "SIMPLE  =                    T",
          "BITPIX  =                  -32",
          "NAXIS   =                    3",
          "NAXIS1  =                  300",
          "NAXIS2  =                  200",
          "NAXIS3  =                    3 / planes",
        ]),
      ),
    );
    expect(describeSniffed(cube)).toBe("FITS · 300 × 200 px (BITPIX -32, 3 planes)");
    const mef = ok(
      await sniff(
        header(["SIMPLE  =                    T", "BITPIX  =                    8", "NAXIS   =                    0"]),
      ),
    );
    expect(describeSniffed(mef)).toBe("FITS (image in an extension HDU)");
  });
  it("reads JPEG 2000 (JP2 boxes and raw codestreams) and WebP sizes", async () => {
    const jp2 = bytes(
      be32(12),
      "jP  ",
      [0x0d, 0x0a, 0x87, 0x0a],
      be32(20),
      "ftyp",
      "jp2 ",
      be32(0),
      "jp2 ",
      be32(45),
      "jp2h",
      be32(22),
      "ihdr",
      be32(4000),
      be32(6000),
      [0, 3, 7, 7, 0, 0],
    );
    expect(ok(await sniff(jp2))).toMatchObject({ format: "JPEG 2000", width: 6000, height: 4000 });
    const j2k = bytes(
      [0xff, 0x4f, 0xff, 0x51],
      [0, 41, 0, 0],
      be32(5000),
      be32(3000),
      be32(100),
      be32(0),
      new Array<number>(20).fill(0),
    );
    expect(ok(await sniff(j2k))).toMatchObject({ width: 4900, height: 3000 });
    const webp = bytes(
      "RIFF",
      le32(100),
      "WEBP",
      "VP8X",
      le32(10),
      [0, 0, 0, 0],
      [0x3f, 0x1f, 0],
      [0x9f, 0x0f, 0],
      new Array<number>(8).fill(0),
    );
    expect(ok(await sniff(webp))).toMatchObject({ format: "WebP", width: 8000, height: 4000 });
  });
  it("lets whole-file compressed FITS through to the server", async () => {
    expect(ok(await sniff(bytes([0x1f, 0x8b, 8, 0], new Array<number>(20).fill(0)))).format).toBe(
      "gzip-compressed (FITS)",
    );
  });
  it("stops what is not an accepted image, saying what it seems to be", async () => {
    const zip = await sniff(bytes("PK", [3, 4], new Array<number>(30).fill(0)));
    expect(zip.ok).toBe(false);
    expect(!zip.ok && zip.reason).toMatch(/^This file is a ZIP archive\. Accepted: TIFF/);
    const text = await sniff(bytes("id,ra,dec\n1,83.8,-5.4\n"));
    expect(!text.ok && text.reason).toMatch(/^This file is a text file\./);
    expect(await sniff(new Uint8Array())).toEqual({ ok: false, reason: "The file is empty" });
  });
});
