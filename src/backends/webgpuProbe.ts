/**
 * Finding a WebGPU adapter in Node without a sound.
 *
 * Dawn (the optional `webgpu` package) enumerates every Vulkan driver when asked for an adapter,
 * and the drivers and Dawn write to the process's stderr from native code: Mesa's WSI complains
 * when XDG_RUNTIME_DIR is unset, and Dawn warns about each driver it rejects (Mesa's lavapipe:
 * "Vulkan shaderUniform*ArrayDynamicIndexing required"). Node cannot redirect a native write to
 * fd 2, so the first question (is there an adapter at all?) is asked in a child process whose
 * stderr we keep, and only once it says yes is Dawn loaded here. The answer also carries the
 * adapter's limits, so the backend can be registered synchronously (devices() and getBackend are
 * synchronous) while the device itself is created in the background.
 *
 * Nothing here runs at import: the probe runs when `devices()` or the webgpu device is first
 * asked for.
 */
import type { AdapterFacts } from "../../codegen/webgpu/runtime.js";

const isNode = typeof process !== "undefined" && process.versions?.node !== undefined;
// Node's builtins, loaded (silently) at import so the probe can run synchronously later.
const node = isNode
  ? {
      cp: await import("node:child_process"),
      fs: await import("node:fs"),
      module: await import("node:module"),
      os: await import("node:os"),
      path: await import("node:path"),
      url: await import("node:url"),
    }
  : null;

/** Where the `webgpu` package's entry is (a file URL), or null where it is not installed. */
function dawnEntry(): string | null {
  if (!node) return null;
  try {
    return node.url.pathToFileURL(node.module.createRequire(import.meta.url).resolve("webgpu")).href;
  } catch {
    return null;
  }
}

/** The child's program: request an adapter, print what we need to know about it as one JSON line. */
const probeSource = (entry: string) => `
const { create } = await import(${JSON.stringify(entry)});
const gpu = create([]);
const a = await gpu.requestAdapter();
if (!a) { console.log("null"); process.exit(0); }
const info = a.info ?? {};
const limits = {};
for (const k of ["maxStorageBufferBindingSize", "maxBufferSize", "maxStorageBuffersPerShaderStage", "maxComputeWorkgroupStorageSize"]) limits[k] = a.limits[k];
console.log(JSON.stringify({
  name: [info.vendor, info.architecture, info.description].filter(Boolean).join(" ") || "unknown adapter",
  fallback: a.isFallbackAdapter === true,
  features: [...a.features],
  limits,
}));
process.exit(0);
`;

/**
 * Synchronously asks a child Node process for Dawn's first adapter (its stderr discarded);
 * null where the package, a driver or an adapter is missing. Takes a few hundred milliseconds.
 */
export function probeDawnSync(): AdapterFacts | null {
  const entry = dawnEntry();
  if (!node || entry === null) return null; // not Node, or the optional package is not installed
  const r = node.cp.spawnSync(process.execPath, ["--input-type=module", "-e", probeSource(entry)], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 60_000,
  });
  if (r.status !== 0 || typeof r.stdout !== "string") return null;
  const line = r.stdout.trim().split("\n").pop() ?? "null";
  try {
    return JSON.parse(line) as AdapterFacts | null;
  } catch {
    return null;
  }
}

/**
 * Dawn's adapter and device in this process (after the probe said there is one). While Dawn
 * enumerates drivers, XDG_RUNTIME_DIR points at a private empty directory if it was unset, so
 * Mesa's WSI has nothing to complain about; it is restored right after.
 */
export async function dawnDevice(): Promise<{ adapter: GPUAdapter; keepAlive: unknown }> {
  const entry = dawnEntry();
  if (!node || entry === null) throw new Error("webgpu: the `webgpu` package could not be loaded");
  const m = (await import(/* @vite-ignore */ entry)) as { create: (flags: string[]) => GPU };
  const hadXdg = process.env.XDG_RUNTIME_DIR !== undefined;
  let dir: string | null = null;
  if (!hadXdg) {
    dir = node.fs.mkdtempSync(node.path.join(node.os.tmpdir(), "jaxts-xdg-"));
    process.env.XDG_RUNTIME_DIR = dir;
  }
  try {
    const gpu = m.create([]);
    const adapter = await gpu.requestAdapter();
    if (!adapter) throw new Error("webgpu: Dawn found no adapter in this process, though the probe did");
    return { adapter, keepAlive: gpu };
  } finally {
    if (dir !== null) {
      delete process.env.XDG_RUNTIME_DIR;
      node.fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}
