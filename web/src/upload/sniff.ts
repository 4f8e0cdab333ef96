// What a chosen file is, from its first bytes, before any of it is sent: the format by signature and,
// where the header says, the image's size. A file that is none of the accepted formats is stopped
// here instead of after 40 GB; the server still decides (by content) for everything it receives.
// `read(offset, length)` gives bytes of the file (a TIFF's directory can be anywhere in it).

export type Reader = (offset: number, length: number) => Promise<Uint8Array>;

export type Sniffed =
  | { ok: true; format: string; width: number | null; height: number | null; note: string | null }
  | { ok: false; reason: string };

const HEAD = 64 * 1024;

const ascii = (b: Uint8Array, from: number, to: number) => String.fromCharCode(...b.subarray(from, to));
const starts = (b: Uint8Array, sig: number[], at = 0) => sig.every((v, i) => b[at + i] === v);

function png(b: Uint8Array): Sniffed {
  if (b.length < 29 || ascii(b, 12, 16) !== "IHDR") return { ok: false, reason: "The PNG header is damaged" };
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return {
    ok: true,
    format: "PNG",
    width: v.getUint32(16),
    height: v.getUint32(20),
    note: b[28] ? "interlaced" : null,
  };
}

function jpeg(b: Uint8Array): Sniffed {
  // Markers up to the first frame header; a large EXIF block can push it past what was read.
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return { ok: true, format: "JPEG", width: null, height: null, note: null };
    const marker = b[i + 1];
    if (marker === 0xff) {
      i += 1;
      continue;
    }
    const length = (b[i + 2] << 8) | b[i + 3];
    const isFrame = marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker);
    if (isFrame) {
      const height = (b[i + 5] << 8) | b[i + 6],
        width = (b[i + 7] << 8) | b[i + 8];
      return { ok: true, format: "JPEG", width, height, note: marker === 0xc2 ? "progressive" : null };
    }
    i += 2 + length;
  }
  return { ok: true, format: "JPEG", width: null, height: null, note: null };
}

async function tiff(b: Uint8Array, read: Reader, size: number): Promise<Sniffed> {
  const le = b[0] === 0x49;
  const big = (le ? b[2] : b[3]) === 0x2b;
  const format = big ? "BigTIFF" : "TIFF";
  const view = (x: Uint8Array) => new DataView(x.buffer, x.byteOffset, x.byteLength);
  const head = view(b);
  const offset = big ? Number(head.getBigUint64(8, le)) : head.getUint32(4, le);
  if (offset < 8 || offset >= size) return { ok: false, reason: `The ${format} header points outside the file` };
  const ifd = offset + 4096 <= b.length ? b.subarray(offset) : await read(offset, 4096);
  const d = view(ifd);
  const entrySize = big ? 20 : 12;
  const count = big ? Number(d.getBigUint64(0, le)) : d.getUint16(0, le);
  const first = big ? 8 : 2;
  let width: number | null = null,
    height: number | null = null;
  for (let k = 0; k < count && first + (k + 1) * entrySize <= ifd.length; k += 1) {
    const at = first + k * entrySize;
    const tag = d.getUint16(at, le),
      type = d.getUint16(at + 2, le);
    if (tag !== 256 && tag !== 257) continue;
    const valueAt = at + (big ? 12 : 8);
    const value =
      type === 3
        ? d.getUint16(valueAt, le)
        : type === 16
          ? Number(d.getBigUint64(valueAt, le))
          : d.getUint32(valueAt, le);
    if (tag === 256) width = value;
    else height = value;
  }
  return { ok: true, format, width, height, note: null };
}

function fits(b: Uint8Array): Sniffed {
  const cards: Record<string, string> = {};
  for (let at = 0; at + 80 <= b.length; at += 80) {
    const card = ascii(b, at, at + 80);
    const key = card.slice(0, 8).trim();
    if (key === "END") break;
    if (card[8] === "=") cards[key] = card.slice(10).split("/")[0].trim();
  }
  const naxis = Number(cards.NAXIS ?? "0");
  if (naxis >= 2) {
    const planes = naxis > 2 ? Number(cards.NAXIS3 ?? "1") : 1;
    const n = (v: string | undefined) => (v !== undefined && Number.isFinite(Number(v)) ? Number(v) : null);
    return {
      ok: true,
      format: "FITS",
      width: n(cards.NAXIS1),
      height: n(cards.NAXIS2),
      note: `BITPIX ${cards.BITPIX}${planes > 1 ? `, ${planes} planes` : ""}`,
    };
  }
  // No image in the primary HDU: an extension holds it (multi-extension and fpack'ed files).
  return { ok: true, format: "FITS", width: null, height: null, note: "image in an extension HDU" };
}

function jp2(b: Uint8Array): Sniffed {
  // Boxes from the start: the header box (jp2h) holds ihdr with height then width.
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let at = 0; at + 8 <= b.length;) {
    const length = v.getUint32(at),
      type = ascii(b, at + 4, at + 8);
    if (type === "jp2h") {
      at += 8;
      continue; // into the superbox
    }
    if (type === "ihdr" && at + 16 <= b.length)
      return { ok: true, format: "JPEG 2000", width: v.getUint32(at + 12), height: v.getUint32(at + 8), note: null };
    if (length < 8) break;
    at += length;
  }
  return { ok: true, format: "JPEG 2000", width: null, height: null, note: null };
}

function j2k(b: Uint8Array): Sniffed {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b.length < 28) return { ok: true, format: "JPEG 2000", width: null, height: null, note: null };
  // SIZ: Xsiz, Ysiz, XOsiz, YOsiz after the marker, its length and Rsiz.
  return {
    ok: true,
    format: "JPEG 2000",
    width: v.getUint32(8) - v.getUint32(16),
    height: v.getUint32(12) - v.getUint32(20),
    note: null,
  };
}

function webp(b: Uint8Array): Sniffed {
  const chunk = ascii(b, 12, 16);
  const u24 = (at: number) => b[at] | (b[at + 1] << 8) | (b[at + 2] << 16);
  if (chunk === "VP8X") return { ok: true, format: "WebP", width: u24(24) + 1, height: u24(27) + 1, note: null };
  if (chunk === "VP8 " && b.length >= 30)
    return {
      ok: true,
      format: "WebP",
      width: (b[26] | (b[27] << 8)) & 0x3fff,
      height: (b[28] | (b[29] << 8)) & 0x3fff,
      note: null,
    };
  if (chunk === "VP8L" && b.length >= 25) {
    const bits = b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24);
    return { ok: true, format: "WebP", width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1, note: null };
  }
  return { ok: true, format: "WebP", width: null, height: null, note: null };
}

// Signatures of files people pick by mistake, so the refusal can say what the file seems to be.
const OTHERS: Array<[number[], string]> = [
  [[0x50, 0x4b, 0x03, 0x04], "a ZIP archive"],
  [[0x25, 0x50, 0x44, 0x46], "a PDF document"],
  [[0x47, 0x49, 0x46, 0x38], "a GIF image (not accepted: convert it to PNG)"],
  [[0x42, 0x4d], "a BMP image (not accepted: convert it to PNG or TIFF)"],
  [[0x7f, 0x45, 0x4c, 0x46], "a program"],
  [[0x52, 0x61, 0x72, 0x21], "a RAR archive"],
  [[0x37, 0x7a, 0xbc, 0xaf], "a 7-Zip archive"],
];

export async function sniffFile(read: Reader, size: number): Promise<Sniffed> {
  if (size === 0) return { ok: false, reason: "The file is empty" };
  const b = await read(0, Math.min(HEAD, size));
  if (starts(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return png(b);
  if (starts(b, [0xff, 0xd8, 0xff])) return jpeg(b);
  if (starts(b, [0x49, 0x49, 0x2a, 0x00]) || starts(b, [0x4d, 0x4d, 0x00, 0x2a])) return tiff(b, read, size);
  if (starts(b, [0x49, 0x49, 0x2b, 0x00]) || starts(b, [0x4d, 0x4d, 0x00, 0x2b])) return tiff(b, read, size);
  if (ascii(b, 0, 9) === "SIMPLE  =") return fits(b);
  if (starts(b, [0, 0, 0, 0x0c, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a, 0x87, 0x0a])) return jp2(b);
  if (starts(b, [0xff, 0x4f, 0xff, 0x51])) return j2k(b);
  if (ascii(b, 0, 4) === "RIFF" && ascii(b, 8, 12) === "WEBP") return webp(b);
  // Whole-file compression of FITS (.fits.gz, .fits.Z): the server looks inside.
  if (starts(b, [0x1f, 0x8b]))
    return { ok: true, format: "gzip-compressed (FITS)", width: null, height: null, note: null };
  if (starts(b, [0x1f, 0x9d])) return { ok: true, format: "compress'ed (FITS)", width: null, height: null, note: null };
  const other = OTHERS.find(([sig]) => starts(b, sig));
  const text = b.subarray(0, 512).every((c) => c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127));
  const what = other ? other[1] : text ? "a text file" : "not an image format AstroPixel reads";
  return {
    ok: false,
    reason: `This file is ${what}. Accepted: TIFF, BigTIFF, FITS (also .gz), PNG, JPEG, JPEG 2000 and WebP.`,
  };
}

export function describeSniffed(s: Sniffed & { ok: true }): string {
  const size =
    s.width && s.height ? ` · ${s.width.toLocaleString("en-US")} × ${s.height.toLocaleString("en-US")} px` : "";
  return `${s.format}${size}${s.note ? ` (${s.note})` : ""}`;
}

// A Reader over a browser File.
export function fileReader(f: Blob): Reader {
  return async (offset, length) => new Uint8Array(await f.slice(offset, offset + length).arrayBuffer());
}
