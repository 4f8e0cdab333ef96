// Saves what the viewer shows as a PNG: the drawn canvas at device resolution, optionally with the
// annotation overlay painted on top (serialised SVG → image; same origin, so nothing taints it).
export async function exportView(
  canvas: HTMLCanvasElement,
  overlay: SVGSVGElement | null,
  fileName: string,
): Promise<Blob> {
  const out = document.createElement("canvas");
  out.width = canvas.width;
  out.height = canvas.height;
  const ctx = out.getContext("2d");
  if (!ctx) throw new Error("Canvas 2D is not available");
  ctx.drawImage(canvas, 0, 0);
  if (overlay && overlay.childNodes.length) {
    const box = overlay.getBoundingClientRect();
    const copy = overlay.cloneNode(true) as SVGSVGElement;
    copy.setAttribute("xmlns", "http://www.w3.org/2000/svg");
    copy.setAttribute("width", String(box.width));
    copy.setAttribute("height", String(box.height));
    const url = URL.createObjectURL(new Blob([new XMLSerializer().serializeToString(copy)], { type: "image/svg+xml" }));
    try {
      const img = new Image();
      await new Promise<void>((resolve, reject) => {
        img.onload = () => resolve();
        img.onerror = () => reject(new Error("The annotations could not be drawn"));
        img.src = url;
      });
      ctx.drawImage(img, 0, 0, out.width, out.height);
    } finally {
      URL.revokeObjectURL(url);
    }
  }
  return exportBlob(out, fileName);
}

// Encodes a canvas as PNG and hands it to the browser as a download.
export async function exportBlob(out: HTMLCanvasElement, fileName: string): Promise<Blob> {
  const blob = await new Promise<Blob | null>((resolve) => out.toBlob(resolve, "image/png"));
  if (!blob) throw new Error("The image could not be encoded");
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  return blob;
}

// A file name from a dataset name: letters, digits, dashes; never empty.
export function fileNameFor(name: string, suffix: string): string {
  const base = name
    .normalize("NFKD")
    .replace(/[^\w.-]+/g, "-")
    .replace(/^[-.]+|[-.]+$/g, "")
    .slice(0, 80);
  return `${base || "astropixel"}${suffix}`;
}
