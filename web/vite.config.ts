import { defineConfig } from "vite";

// Hashed assets under /assets (served immutable by astropixel), no inline scripts or styles so the
// app runs under a strict Content-Security-Policy.
export default defineConfig({
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
    include: ["src/**/*.test.ts"],
  },
});
