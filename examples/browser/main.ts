/**
 * The page: a 28x28 drawing canvas and bundled samples in, LeNet's prediction and saliency map
 * out, all computed in the page on jaxts's wasm device (model.ts).
 *
 * For the test (test/browser/page.test.ts), the DOM says where things stand: #status's
 * data-state is "ready" once the model is loaded (or "error"), and after every classification
 * #prediction carries data-label (the class index), data-probability and data-runs (a counter),
 * and #saliency carries data-peak ("row,col" of the largest |gradient|).
 */
import { defaultDevice } from "../../src/index.js";
import { CLASS_NAMES, type Classification, SIDE, type SamplesFile, makeClassifier, samplePixels } from "./model.js";

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const drawCanvas = byId<HTMLCanvasElement>("draw");
const saliencyCanvas = byId<HTMLCanvasElement>("saliency");
const status = byId<HTMLDivElement>("status");
const prediction = byId<HTMLDivElement>("prediction");
const bars = byId<HTMLDivElement>("bars");
const draw = drawCanvas.getContext("2d")!;
const BRUSH = 22; // in the 280-pixel canvas: about two input pixels, like Fashion-MNIST's strokes

/** The image being classified, 784 floats in [0, 1]. */
let pixels: Float32Array = new Float32Array(SIDE * SIDE);
let classify: ((pixels: Float32Array) => Classification) | null = null;
let runs = 0;

function setStatus(state: "loading" | "ready" | "error", text: string): void {
  status.dataset.state = state;
  status.textContent = text;
}

function clearCanvas(): void {
  draw.fillStyle = "#000";
  draw.fillRect(0, 0, drawCanvas.width, drawCanvas.height);
}

/** 28x28 pixels in [0, 1] painted into `ctx`'s canvas, scaled without smoothing. */
function paintPixels(target: CanvasRenderingContext2D, values: Float32Array): void {
  const small = new OffscreenCanvas(SIDE, SIDE);
  const image = new ImageData(SIDE, SIDE);
  values.forEach((v, i) => {
    const g = Math.round(v * 255);
    image.data.set([g, g, g, 255], 4 * i);
  });
  small.getContext("2d")!.putImageData(image, 0, 0);
  target.imageSmoothingEnabled = false;
  target.drawImage(small, 0, 0, target.canvas.width, target.canvas.height);
}

/** The drawing, averaged down to 28x28 (the browser's smoothing does the area averaging). */
function canvasPixels(): Float32Array {
  const small = new OffscreenCanvas(SIDE, SIDE).getContext("2d", { willReadFrequently: true })!;
  small.imageSmoothingEnabled = true;
  small.imageSmoothingQuality = "high";
  small.drawImage(drawCanvas, 0, 0, SIDE, SIDE);
  const rgba = small.getImageData(0, 0, SIDE, SIDE).data;
  return Float32Array.from({ length: SIDE * SIDE }, (_, i) => rgba[4 * i]! / 255);
}

/** The input in grey under the saliency: red where the gradient is positive, blue where negative. */
function showSaliency(map: Float32Array, input: Float32Array): void {
  let peak = 0;
  for (let i = 1; i < map.length; i++) if (Math.abs(map[i]!) > Math.abs(map[peak]!)) peak = i;
  const scale = Math.abs(map[peak]!) || 1;
  const image = new ImageData(SIDE, SIDE);
  map.forEach((g, i) => {
    const v = g / scale;
    const base = 90 * input[i]!;
    const heat = Math.abs(v) * (255 - base);
    image.data.set([v > 0 ? base + heat : base, base, v < 0 ? base + heat : base, 255], 4 * i);
  });
  saliencyCanvas.getContext("2d")!.putImageData(image, 0, 0);
  saliencyCanvas.dataset.peak = `${Math.floor(peak / SIDE)},${peak % SIDE}`;
}

function showPrediction(r: Classification, ms: number): void {
  const p = r.probabilities[r.label]!;
  prediction.textContent = `${CLASS_NAMES[r.label]} (${(100 * p).toFixed(1)}%)`;
  prediction.dataset.label = String(r.label);
  prediction.dataset.probability = String(p);
  prediction.dataset.runs = String(++runs);
  bars.replaceChildren(
    ...r.probabilities.map((q, c) => {
      const row = document.createElement("div");
      row.className = c === r.label ? "bar top" : "bar";
      const name = document.createElement("span");
      name.textContent = CLASS_NAMES[c]!;
      const track = document.createElement("div");
      const fill = document.createElement("div");
      fill.className = "fill";
      fill.style.width = `${(100 * q).toFixed(1)}%`;
      track.append(fill);
      const value = document.createElement("span");
      value.textContent = `${(100 * q).toFixed(1)}%`;
      row.append(name, track, value);
      return row;
    }),
  );
  setStatus("ready", `Classified in ${ms.toFixed(1)} ms on the ${defaultDevice()} device (the first call compiles).`);
}

function run(): void {
  if (!classify) return;
  const start = performance.now();
  const r = classify(pixels);
  showPrediction(r, performance.now() - start);
  showSaliency(r.saliency, pixels);
}

// Classify at most once a frame while drawing.
let pending = false;
function schedule(): void {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => {
    pending = false;
    pixels = canvasPixels();
    run();
  });
}

function setUpDrawing(): void {
  clearCanvas();
  let last: [number, number] | null = null;
  const at = (e: PointerEvent): [number, number] => {
    const box = drawCanvas.getBoundingClientRect();
    return [((e.clientX - box.left) / box.width) * drawCanvas.width, ((e.clientY - box.top) / box.height) * drawCanvas.height];
  };
  const stroke = (to: [number, number]) => {
    draw.strokeStyle = "#fff";
    draw.lineWidth = BRUSH;
    draw.lineCap = "round";
    draw.lineJoin = "round";
    draw.beginPath();
    draw.moveTo(...(last ?? to));
    draw.lineTo(...to);
    draw.stroke();
    last = to;
    schedule();
  };
  drawCanvas.addEventListener("pointerdown", (e) => {
    drawCanvas.setPointerCapture(e.pointerId);
    last = null;
    stroke(at(e));
  });
  drawCanvas.addEventListener("pointermove", (e) => {
    if (drawCanvas.hasPointerCapture(e.pointerId)) stroke(at(e));
  });
  drawCanvas.addEventListener("pointerup", () => (last = null));
  byId<HTMLButtonElement>("clear").addEventListener("click", () => {
    clearCanvas();
    schedule();
  });
}

function setUpSamples(file: SamplesFile): void {
  const list = byId<HTMLDivElement>("samples");
  file.samples.forEach((sample, i) => {
    const values = samplePixels(sample);
    const button = document.createElement("button");
    button.className = "sample";
    button.dataset.index = String(i);
    button.title = `Fashion-MNIST test image ${sample.index}: ${file.classes[sample.label]}`;
    const thumb = document.createElement("canvas");
    thumb.width = thumb.height = SIDE;
    paintPixels(thumb.getContext("2d")!, values);
    const caption = document.createElement("div");
    caption.textContent = file.classes[sample.label]!;
    button.append(thumb, caption);
    button.addEventListener("click", () => {
      // Classify the sample's exact pixels (not the canvas averaged back down).
      pixels = values;
      paintPixels(draw, values);
      run();
    });
    list.append(button);
  });
}

async function fetchOk(path: string): Promise<Response> {
  const response = await fetch(path);
  if (!response.ok) throw new Error(`fetching ${path}: ${response.status} ${response.statusText}`);
  return response;
}

async function main(): Promise<void> {
  const start = performance.now();
  const [paramBytes, samples] = await Promise.all([
    fetchOk("./lenet.safetensors").then(async (r) => new Uint8Array(await r.arrayBuffer())),
    fetchOk("./samples.json").then((r) => r.json() as Promise<SamplesFile>),
  ]);
  classify = makeClassifier(paramBytes);
  setUpDrawing();
  setUpSamples(samples);
  setStatus("ready", `Model loaded in ${((performance.now() - start) / 1000).toFixed(1)} s; running on the ${defaultDevice()} device.`);
  (document.querySelector("#samples button") as HTMLButtonElement | null)?.click();
}

main().catch((e: unknown) => {
  setStatus("error", `Failed: ${e instanceof Error ? e.message : String(e)}`);
  console.error(e);
});
