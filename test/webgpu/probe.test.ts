/**
 * Importing jaxts is silent and does not touch Dawn; the webgpu probe runs when the devices are
 * first asked for, and is silent too (Dawn and the Vulkan drivers write to stderr from native
 * code when they enumerate drivers: Mesa's WSI without XDG_RUNTIME_DIR, Dawn rejecting
 * lavapipe). Checked in child processes, with and without VK_ICD_FILENAMES.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { hasWebgpu } from "./helpers.js";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
let file = "";

beforeAll(async () => {
  // Bundle the child (a plain JS file Node runs as is), next to node_modules so its imports resolve.
  const { build } = await import("rolldown");
  const dir = join(repo, "tmp", "webgpu-import-child");
  mkdirSync(dir, { recursive: true });
  file = join(dir, "child.mjs");
  await build({
    input: join(repo, "test", "webgpu", "fixtures", "importChild.ts"),
    external: [/^node:/, "wabt", "fast-check", "fp-ts", "immer", /^fp-ts\//, "webgpu"],
    platform: "node",
    logLevel: "silent",
    output: { file, format: "esm", codeSplitting: false },
  });
}, 120_000);

function child(mode: "import" | "ask", icd: boolean) {
  const env: Record<string, string> = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp" };
  if (icd && process.env.VK_ICD_FILENAMES) env.VK_ICD_FILENAMES = process.env.VK_ICD_FILENAMES;
  const r = spawnSync(process.execPath, [file, mode], { encoding: "utf8", timeout: 90_000, env });
  expect(r.error, "the child exited within 90 s").toBeUndefined();
  expect(r.status, r.stderr).toBe(0);
  return { stderr: r.stderr, out: JSON.parse(r.stdout.trim().split("\n").pop()!) as { devices?: string[]; values?: number[] } };
}

describe("the webgpu adapter probe", () => {
  it("importing jaxts prints nothing, with or without a Vulkan driver configured", () => {
    for (const icd of [false, true]) {
      const { stderr, out } = child("import", icd);
      expect(stderr, `stderr on import (VK_ICD_FILENAMES ${icd ? "set" : "unset"})`).toBe("");
      expect(out.devices).toBeUndefined();
    }
  }, 120_000);

  it("asking for the devices without VK_ICD_FILENAMES prints nothing", () => {
    const { stderr, out } = child("ask", false);
    expect(stderr).toBe("");
    expect(out.devices).toEqual(expect.arrayContaining(["cpu", "wasm"]));
  }, 120_000);

  it.skipIf(!hasWebgpu)("with an adapter, devices() lists webgpu quietly and work queued before the device exists runs", () => {
    const { stderr, out } = child("ask", true);
    expect(stderr).toBe("");
    expect(out.devices).toContain("webgpu");
    expect(out.values).toEqual([1, 2, 5, 10, 17, 26]);
  }, 120_000);
});
