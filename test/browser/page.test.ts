/**
 * The browser page (examples/browser, issue 15 item 7) in headless Chromium: Vite builds it, the
 * page's own server (serve.mjs) serves it with COOP/COEP, and the page classifies every bundled
 * sample on jaxts's wasm device. The truth is Node's answer for the same parameters and pixels
 * on the `cpu` device (the reference interpreter): the same label, the same probability within
 * float32 rounding, and a saliency peak where Node's saliency is (within 1%) largest. Drawing
 * with the mouse classifies too, and no console error or page error may appear.
 *
 * Needs Debian's chromium at /usr/bin/chromium (CI's .ci/run installs it); without it the tests
 * skip with a message saying so. JAXTS_SCREENSHOT=path writes the README's screenshot.
 */
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLASS_NAMES, type Classification, SIDE, type SamplesFile, makeClassifier, samplePixels } from "../../examples/browser/model.js";
import { defaultDevice } from "../../src/index.js";
import { buildPage, repo, startServer } from "./pageServer.js";

const CHROMIUM = "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium)
  console.warn(`test/browser/page.test.ts: SKIPPED: no Chromium at ${CHROMIUM} (install Debian's: apt-get install chromium; CI's .ci/run does)`);

const pageDir = join(repo, "examples", "browser");
const samplesFile = JSON.parse(readFileSync(join(pageDir, "public", "samples.json"), "utf8")) as SamplesFile;
const paramBytes = new Uint8Array(readFileSync(join(pageDir, "public", "lenet.safetensors")));

/** Node's classification of every sample, on the reference interpreter. */
function nodeTruth(): Classification[] {
  const previous = defaultDevice();
  defaultDevice("cpu");
  try {
    const classify = makeClassifier(paramBytes);
    return samplesFile.samples.map((s) => classify(samplePixels(s)));
  } finally {
    defaultDevice(previous);
  }
}

describe.skipIf(!haveChromium)("the browser page in headless Chromium", () => {
  let tmp = "";
  let server: ChildProcess | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), "jaxts-page-"));
    buildPage(join(pageDir, "vite.config.ts"), tmp);
    const served = await startServer(tmp);
    server = served.server;
    const { chromium } = await import("playwright-core");
    // No sandbox: CI runs as root, where Chromium's sandbox refuses to start.
    browser = await chromium.launch({ executablePath: CHROMIUM, chromiumSandbox: false });
    page = await browser.newPage({ viewport: { width: 1000, height: 640 } });
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(`console.error: ${m.text()}`);
    });
    page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
    await page.goto(served.url);
    await page.waitForSelector('#status:is([data-state="ready"], [data-state="error"])', { timeout: 60_000 });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    server?.kill();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const runs = async () => Number((await page.getAttribute("#prediction", "data-runs")) ?? 0);
  /** Runs `action` and waits for the page's next classification. */
  async function classifiedAfter(action: () => Promise<void>): Promise<{ label: number; probability: number; peak: [number, number] }> {
    const before = await runs();
    await action();
    await page.waitForFunction((n) => Number(document.querySelector("#prediction")!.getAttribute("data-runs")) > n, before);
    const label = Number(await page.getAttribute("#prediction", "data-label"));
    const probability = Number(await page.getAttribute("#prediction", "data-probability"));
    const [r, c] = ((await page.getAttribute("#saliency", "data-peak")) ?? "").split(",").map(Number);
    return { label, probability, peak: [r!, c!] };
  }

  it("is cross-origin isolated, loads the model, and classifies every bundled sample as Node does", async () => {
    expect(await page.getAttribute("#status", "data-state"), (await page.textContent("#status")) ?? "").toBe("ready");
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(await page.locator("#samples button").count()).toBe(samplesFile.samples.length);
    const truth = nodeTruth();
    for (let i = 0; i < truth.length; i++) {
      const t = truth[i]!;
      const got = await classifiedAfter(() => page.click(`#samples button[data-index="${i}"]`));
      const what = `sample ${i} (${CLASS_NAMES[samplesFile.samples[i]!.label]})`;
      expect(got.label, what).toBe(t.label);
      expect(Math.abs(got.probability - t.probabilities[t.label]!), what).toBeLessThan(1e-4);
      const maxAbs = Math.max(...Array.from(t.saliency, Math.abs));
      expect(Math.abs(t.saliency[got.peak[0] * SIDE + got.peak[1]]!), `${what}: saliency at the page's peak`).toBeGreaterThanOrEqual(0.99 * maxAbs);
      expect(await page.textContent("#prediction")).toContain(CLASS_NAMES[t.label]!);
    }
    if (process.env.JAXTS_SCREENSHOT) {
      await classifiedAfter(() => page.click('#samples button[data-index="0"]'));
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: process.env.JAXTS_SCREENSHOT });
    }
    expect(errors).toEqual([]);
  }, 120_000);

  it("classifies a drawing made with the mouse, and logs no error", async () => {
    await page.click("#clear");
    // The canvas must be in the viewport: the mouse's coordinates are the viewport's.
    await page.evaluate(() => document.querySelector("#draw")!.scrollIntoView({ block: "center" }));
    const box = (await page.locator("#draw").boundingBox())!;
    expect(box.y).toBeGreaterThanOrEqual(0);
    const got = await classifiedAfter(async () => {
      // Two legs: a trouser-like shape.
      for (const x of [0.4, 0.6]) {
        await page.mouse.move(box.x + x * box.width, box.y + 0.15 * box.height);
        await page.mouse.down();
        await page.mouse.move(box.x + x * box.width, box.y + 0.85 * box.height, { steps: 8 });
        await page.mouse.up();
      }
    });
    expect(Number.isInteger(got.label) && got.label >= 0 && got.label < 10).toBe(true);
    expect(got.probability).toBeGreaterThan(0);
    expect(got.probability).toBeLessThanOrEqual(1);
    expect(got.peak.every((v) => Number.isInteger(v) && v >= 0 && v < SIDE)).toBe(true);
    expect(errors).toEqual([]);
  }, 60_000);
});
