// A page on another origin that opens one IIIF manifest in Mirador, unmodified (its own bundle from
// node_modules), as a library's site would: a static server of its own on a loopback port.
// startMiradorSite(manifestUrl) → { site (the http.Server, to close), pageUrl }; canvasColours(page)
// measures what OpenSeadragon inside it painted.
import fs from "node:fs";
import http from "node:http";

export async function startMiradorSite(manifestUrl) {
  const mirador = fs.readFileSync(new URL("./node_modules/mirador/dist/mirador.min.js", import.meta.url));
  const html = `<!doctype html>
<html><head><meta charset="utf-8"><title>Mirador</title>
<style>html,body{margin:0;height:100%}#viewer{position:absolute;inset:0}</style></head>
<body><div id="viewer"></div>
<script src="/mirador.min.js"></script>
<script>
  Mirador.viewer({
    id: "viewer",
    windows: [{ manifestId: ${JSON.stringify(manifestUrl)} }],
    window: { sideBarOpenByDefault: false },
    workspaceControlPanel: { enabled: false },
  });
</script></body></html>`;
  const site = http.createServer((req, res) => {
    if (req.url === "/mirador.min.js") {
      res.writeHead(200, { "Content-Type": "text/javascript" });
      res.end(mirador);
    } else if (req.url === "/") {
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
      res.end(html);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise((ok) => site.listen(0, "127.0.0.1", ok));
  return { site, pageUrl: `http://127.0.0.1:${site.address().port}/` };
}

// The OpenSeadragon canvas's size and its shares of pure red and pure blue pixels, read from a
// screenshot of it: the canvas itself is tainted (the tiles come from another origin without CORS
// mode), so the screenshot is decoded in the page.
export async function canvasColours(page) {
  const canvas = page.locator(".openseadragon-canvas").first();
  if ((await canvas.count()) === 0) return null;
  const png = await canvas.screenshot();
  return page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement("canvas");
    c.width = img.width;
    c.height = img.height;
    const ctx = c.getContext("2d");
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let red = 0, blue = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i] > 170 && d[i + 1] < 100 && d[i + 2] < 100) red += 1;
      if (d[i + 2] > 170 && d[i] < 100 && d[i + 1] < 100) blue += 1;
    }
    const total = d.length / 4;
    return { width: c.width, height: c.height, red: red / total, blue: blue / total };
  }, png.toString("base64"));
}
