/**
 * The wasm backend's thread pool in a browser (issue 11 item 1): in a cross-origin isolated
 * page, pool threads are Workers over the page's shared WebAssembly.Memory; a Worker takes
 * chunks, and a matmul, row sums, a training step, a whole-array sum and argmax and a sort of
 * many rows give the same bits on one thread and on two, and on a page without isolation (no pool). Without isolation the page runs on one thread and says so once.
 * The page is test/browser/threadsPage (built by Vite, served by the example page's server).
 * Needs Debian's chromium (CI's .ci/run installs it); skips without it, saying so.
 */
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildPage, repo, startServer } from "./pageServer.js";

const CHROMIUM = "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`test/browser/threads.test.ts: SKIPPED: no Chromium at ${CHROMIUM} (CI's .ci/run installs it)`);

const pageDir = join(repo, "test", "browser", "threadsPage");

type Check = { one: number[][]; two: number[][]; workerChunks: number; jobs: number; threads: number; isolated: boolean; shared: boolean };

describe.skipIf(!haveChromium)("wasm threads in headless Chromium", () => {
  let tmp = "";
  const servers: ChildProcess[] = [];
  let browser: Browser | undefined;
  let isolatedOne: number[][] | undefined;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), "jaxts-threads-page-"));
    buildPage(join(pageDir, "vite.config.ts"), tmp);
    const { chromium } = await import("playwright-core");
    // No sandbox: CI runs as root, where Chromium's sandbox refuses to start.
    browser = await chromium.launch({ executablePath: CHROMIUM, chromiumSandbox: false });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    for (const s of servers) s.kill();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  async function check(isolated: boolean): Promise<{ result: Check; console: string[] }> {
    const served = await startServer(tmp, isolated);
    servers.push(served.server);
    const page = await browser!.newPage();
    const messages: string[] = [];
    page.on("console", (m) => messages.push(`${m.type()}: ${m.text()}`));
    page.on("pageerror", (e) => messages.push(`page error: ${e.message}`));
    await page.goto(served.url);
    await page.waitForSelector('#status[data-state="ready"]', { timeout: 60_000 });
    const result = (await page.evaluate(() => window.runThreadsCheck())) as Check;
    await page.close();
    return { result, console: messages };
  }

  it("runs chunks on a Worker in an isolated page, with the same bits as one thread", async () => {
    const { result, console: messages } = await check(true);
    expect(result.isolated).toBe(true);
    expect(result.shared).toBe(true);
    expect(result.threads, "pool threads started").toBeGreaterThanOrEqual(1);
    expect(result.workerChunks, `a Worker took chunks (${result.jobs} parallel jobs)`).toBeGreaterThan(0);
    expect(result.two.length).toBe(6);
    result.one.forEach((bits, i) => expect(result.two[i], `result ${i}: 1 vs 2 threads`).toEqual(bits));
    isolatedOne = result.one;
    // Errors of any kind, and jaxts's warnings (Chromium's own, such as "No available adapters"
    // from the WebGPU probe without --enable-unsafe-webgpu, are not jaxts's).
    expect(messages.filter((m) => m.startsWith("error") || m.startsWith("page error") || (m.startsWith("warning") && m.includes("jaxts")))).toEqual([]);
  }, 120_000);

  it("runs on one thread without cross-origin isolation, and says so once", async () => {
    const { result, console: messages } = await check(false);
    expect(result.isolated).toBe(false);
    expect(result.shared, "the runtime compiled for unshared memory (no pool)").toBe(false);
    result.one.forEach((bits, i) => expect(result.two[i]).toEqual(bits));
    // no pool at all gives the bits of the isolated page's pool (split reductions chunk the same way)
    if (isolatedOne) result.one.forEach((bits, i) => expect(bits, `result ${i}: unshared vs shared memory`).toEqual(isolatedOne![i]));
    const warnings = messages.filter((m) => m.includes("running on one thread"));
    expect(warnings.length, messages.join("\n")).toBe(1);
    expect(warnings[0]).toContain("cross-origin isolation");
  }, 120_000);
});
