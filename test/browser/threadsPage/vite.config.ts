/** Builds the threads test page (index.html + main.ts, jaxts from ../../../src) for test/browser/threads.test.ts. */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  logLevel: "warn",
  // jaxts's wasm backend starts with a top-level await.
  build: { target: "esnext", chunkSizeWarningLimit: 2000 },
});
