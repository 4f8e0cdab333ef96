// Uploads a file with the real tus-js-client, as a browser or Node user of AstroPixel would.
// Usage: node tus_upload.mjs ENDPOINT FILE TOKEN METADATA_JSON [CHUNK_SIZE]
// Prints one JSON object per line: {"progress": sent, "total": n} ... then {"url", "dataset_id"}.
import fs from "node:fs";
import * as tus from "tus-js-client";

const [endpoint, file, token, metadataJson, chunk] = process.argv.slice(2);
const size = fs.statSync(file).size;
let lastProgress = -1;

const upload = new tus.Upload(fs.createReadStream(file), {
  endpoint,
  uploadSize: size,
  chunkSize: Number(chunk || 1024 * 1024),
  metadata: JSON.parse(metadataJson),
  headers: { Authorization: `Bearer ${token}` },
  retryDelays: [0, 200, 500],
  onProgress(sent, total) {
    if (sent !== lastProgress) {
      lastProgress = sent;
      console.log(JSON.stringify({ progress: sent, total }));
    }
  },
  onSuccess(payload) {
    const res = payload && payload.lastResponse;
    console.log(JSON.stringify({ url: upload.url, dataset_id: res ? res.getHeader("X-Dataset-Id") : null }));
  },
  onError(error) {
    console.error(String(error));
    process.exit(1);
  },
});
upload.start();
