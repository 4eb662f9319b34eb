/** Builds a page with Vite and serves it with the example page's server (examples/browser/serve.mjs), for the headless Chromium tests. */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** `vite build -c config` into `outDir` (throws with Vite's output when it fails). */
export function buildPage(config: string, outDir: string): void {
  const build = spawnSync(process.execPath, [join(repo, "node_modules", "vite", "bin", "vite.js"), "build", "-c", config, "--outDir", outDir, "--emptyOutDir"], {
    cwd: repo,
    encoding: "utf8",
  });
  if (build.status !== 0) throw new Error(`vite build failed (${build.status}):\n${build.stdout}\n${build.stderr}`);
}

/** Serves `dir` on a free port (with COOP/COEP unless `isolated` is false); the server's first line, `serving DIR at URL`, gives the URL. */
export function startServer(dir: string, isolated = true): Promise<{ server: ChildProcess; url: string }> {
  const args = [join(repo, "examples", "browser", "serve.mjs"), "--dir", dir, "--port", "0", ...(isolated ? [] : ["--no-isolation"])];
  const server = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    let out = "";
    server.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const m = /serving .* at (http:\/\/\S+)/.exec(out);
      if (m) resolve({ server, url: m[1]! });
    });
    server.stderr!.on("data", (chunk: Buffer) => (out += chunk.toString()));
    server.on("exit", (code) => reject(new Error(`serve.mjs exited (${code}) before serving:\n${out}`)));
  });
}
