import { defineConfig } from "vite";
import { routePreload } from "./build/route_preload";
import { startEarly } from "./src/api/early_record";
import { VIEWER_PATH, routePattern } from "./src/route_pattern";

// Hashed assets under /assets (served immutable by astropixel), no inline scripts or styles so the
// app runs under a strict Content-Security-Policy.
export default defineConfig({
  // The viewer's code is fetched with the app's when the page opened is a dataset's (issue #17 point 5).
  // Its record and descriptor are asked for then too (src/api/early_record.ts).
  plugins: [
    routePreload([{ path: routePattern(VIEWER_PATH).pattern, module: "/src/pages/viewer_page.ts", early: startEarly }]),
  ],
  build: {
    outDir: "dist",
    assetsDir: "assets",
    sourcemap: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 400,
  },
  server: {
    proxy: { "/api": "http://127.0.0.1:8080", "/iiif": "http://127.0.0.1:8080" },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.ts", "build/**/*.test.ts"],
  },
});
