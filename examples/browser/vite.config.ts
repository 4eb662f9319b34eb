/**
 * Vite builds the page alone: index.html and main.ts, with jaxts taken from ../../src (Vite
 * compiles the TypeScript), into dist/page/ (git-ignored), with public/'s files copied as they
 * are. `npm run build:page`; `npm run serve` builds and serves it.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root: here,
  base: "./",
  logLevel: "warn",
  build: {
    outDir: fileURLToPath(new URL("../../dist/page", import.meta.url)),
    emptyOutDir: true,
    // jaxts's wasm backend starts with a top-level await.
    target: "esnext",
    // wabt (the WebAssembly text assembler jaxts compiles with) is 800 kB on its own.
    chunkSizeWarningLimit: 1000,
  },
});
