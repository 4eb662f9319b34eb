#!/usr/bin/env node
/**
 * A small static file server for the built page (dist/page), with the headers that make the
 * page cross-origin isolated (COOP same-origin, COEP require-corp), so that SharedArrayBuffer,
 * and with it jaxts's wasm threads, are available once the thread pool exists.
 *
 *   node examples/browser/serve.mjs [--dir DIR] [--port N] [--host H] [--no-isolation]
 *
 * --no-isolation leaves the COOP/COEP headers out (to see a page without shared memory).
 * --port 0 picks a free port. The first line printed is `serving DIR at URL`.
 * Plain JavaScript, so it runs under Node without a build step.
 */
import { createReadStream, statSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".safetensors": "application/octet-stream",
};

const ISOLATION = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
};

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

/** The file under `root` that a URL path names (index.html for a folder), or null outside it. */
function fileFor(root, urlPath) {
  let path;
  try {
    path = decodeURIComponent(urlPath.split("?")[0]);
  } catch {
    return null;
  }
  const file = normalize(join(root, path));
  if (file !== root && !file.startsWith(root + sep)) return null;
  try {
    return statSync(file).isDirectory() ? join(file, "index.html") : file;
  } catch {
    return null;
  }
}

const here = fileURLToPath(new URL(".", import.meta.url));
const root = resolve(option("dir", join(here, "..", "..", "dist", "page")));
const host = option("host", "127.0.0.1");
const port = Number(option("port", "8080"));
const headers = process.argv.includes("--no-isolation") ? {} : ISOLATION;
if (!statSync(join(root, "index.html"), { throwIfNoEntry: false })) {
  console.error(`serve: ${root} has no index.html; build the page first (npm run build:page)`);
  process.exit(1);
}

const server = createServer((req, res) => {
  const file = req.method === "GET" || req.method === "HEAD" ? fileFor(root, req.url ?? "/") : null;
  let size = -1;
  try {
    if (file) size = statSync(file).size;
  } catch {}
  if (size < 0) {
    res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8", ...headers });
    res.end(`not found: ${req.url}\n`);
    return;
  }
  res.writeHead(200, {
    "Content-Type": TYPES[extname(file)] ?? "application/octet-stream",
    "Content-Length": size,
    "Cache-Control": "no-cache",
    ...headers,
  });
  if (req.method === "HEAD") res.end();
  else createReadStream(file).pipe(res);
});

server.listen(port, host, () => {
  const address = server.address();
  console.log(`serving ${root} at http://${host}:${address.port}/`);
});
