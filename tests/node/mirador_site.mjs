// A page on another origin that opens one IIIF manifest in Mirador, unmodified (its own bundle from
// node_modules), as a library's site would: a static server of its own on a loopback port.
// startMiradorSite(manifestUrl) → { site (the http.Server, to close), pageUrl }.
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
