/**
 * `np.Array`: the one type users see, both for concrete arrays and for tracers.
 *
 * `JArray` is the abstract base with every method (each one calls the numpy function of the
 * same name); `ConcreteArray` holds a buffer on a backend; each interpreter has its own
 * `Tracer` subclass. Methods reach numpy through `installNumpy`, which numpy calls when it
 * loads, so this file has no runtime import of numpy (and no import cycle).
 */
import { ShapedArray, shapeSize } from "../../ir/aval.js";
import { type AnyTypedArray, type DType, float16ToFloat32 } from "../../ir/dtype.js";
import { type Backend, type DeviceName } from "../backends/index.js";
import { ConcretizationTypeError, TracerBoolConversionError } from "../errors.js";
import { arrayRepr, arrayStr, avalLong } from "./format.js";
import type * as NP from "../numpy/index.js";
import type { Interpreter } from "./interpreter.js";

let np: typeof NP;

// `Symbol.dispose` (for `x.dispose()` via `using`) is declared here too, as @types/node does, so
// that our .d.ts type-checks for consumers whose lib predates it (ES2022 without
// esnext.disposable); the declaration is TypeScript's own, so the two merge where both exist.
declare global {
  interface SymbolConstructor {
    readonly dispose: unique symbol;
  }
}

/** Called once by the numpy module so that array methods can reach it. */
export function installNumpy(m: typeof NP): void {
  np = m;
}

/** What numpy functions accept where they take an array. */
export type ArrayLike = JArray | number | boolean;

/** One entry of an index: an integer, a `[start, stop, step?]` slice, `null` (newaxis), `"..."`, or an integer array. */
export type Index = number | readonly [number | null, (number | null)?, (number | null)?] | null | "..." | JArray;

/**
 * The `what` of a conversion to a JS number through valueOf/Symbol.toPrimitive: JS operators
 * (`x > 0`, `x ** 3`) and `Number(x)`. On an abstract tracer it is JAX's bool conversion,
 * so it throws TracerBoolConversionError.
 */
export const NUMBER_CONVERSION = "conversion to a JS number (a JS operator such as x > 0 or x ** 3, or Number(x))";

/** Nested JS arrays of numbers/booleans, as `tolist()` returns. */
export type NestedList = number | boolean | NestedList[];

const widenFloat16 = (data: AnyTypedArray, dtype: DType): AnyTypedArray =>
  dtype === "float16" ? float16ToFloat32(data as Uint16Array) : data;

export abstract class JArray {
  abstract readonly aval: ShapedArray;

  get shape(): readonly number[] {
    return this.aval.shape;
  }
  get dtype(): DType {
    return this.aval.dtype;
  }
  get ndim(): number {
    return this.aval.ndim;
  }
  get size(): number {
    return this.aval.size;
  }
  /** Whether this array is weakly typed (came from a JS number), as in JAX. */
  get weakType(): boolean {
    return this.aval.weakType;
  }
  abstract get device(): DeviceName;

  /** The concrete value behind this array, or a ConcretizationTypeError if there is none. */
  abstract toConcrete(what: string): ConcreteArray;

  // --- reading -----------------------------------------------------------------------
  async data(): Promise<AnyTypedArray> {
    return this.toConcrete("data()").readAsync();
  }
  dataSync(): AnyTypedArray {
    return this.toConcrete("dataSync()").readHost();
  }
  tolist(): NestedList {
    const c = this.toConcrete("tolist()");
    const flat = c.readHost();
    const isBool = c.dtype === "bool";
    const build = (dim: number, offset: number, stride: number): NestedList => {
      if (dim === c.ndim) return isBool ? flat[offset] !== 0 : flat[offset]!;
      const n = c.shape[dim]!;
      const inner = stride / Math.max(n, 1);
      const out: NestedList[] = [];
      for (let i = 0; i < n; i++) out.push(build(dim + 1, offset + i * inner, inner));
      return out;
    };
    return build(0, 0, this.size);
  }
  item(): number | boolean {
    const c = this.toConcrete("item()");
    if (c.size !== 1) throw new TypeError(`item(): only an array of size 1 converts to a scalar, got shape [${c.shape}]`);
    const v = c.readHost()[0]!;
    return c.dtype === "bool" ? v !== 0 : v;
  }
  valueOf(): number {
    const c = this.toConcrete(NUMBER_CONVERSION);
    if (c.size !== 1) throw new TypeError(`only an array of size 1 converts to a JS number (a JS operator or Number(x)), got shape [${c.shape}]`);
    return c.readHost()[0]!;
  }
  [Symbol.toPrimitive](hint: string): number | string {
    if (hint === "string") return this.toString();
    return this.valueOf();
  }
  /** JAX's repr: `Array([1., 2.], dtype=float32)`; tracers print as JAX's do (`JitTracer(float32[3])`). */
  abstract toString(): string;
  /** What Node's console.log and util.inspect show (the symbol is global, so browsers need no node:util). */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /**
   * Iterates over the first axis, as NumPy and JAX arrays do: `const [key, subkey] =
   * random.split(key)`, `for (const row of x)`. A 0-d array is not iterable (a TypeError from
   * the engine, as JAX's "iteration over a 0-d array"): it has no iterator at all rather than
   * one that throws, because test libraries' deep equality (vitest, jest) iterates whatever
   * has an iterator, and would then throw on every tree with a scalar leaf.
   */
  get [Symbol.iterator](): () => IterableIterator<JArray> {
    if (this.ndim === 0) return undefined as unknown as () => IterableIterator<JArray>;
    const self = this;
    return function* (): IterableIterator<JArray> {
      const n = self.shape[0]!;
      for (let i = 0; i < n; i++) yield np.getIndex(self, [i]);
    };
  }

  // --- memory ------------------------------------------------------------------------
  /**
   * Waits until this array's value is computed and returns the array (JAX's
   * `block_until_ready`). Traced values and arrays of the synchronous backends (cpu, wasm: a
   * call returns after its kernels ran, on every thread) are ready at once and return the array
   * itself; an asynchronous device (webgpu) returns a promise of it. The type says both, so
   * `await x.blockUntilReady()` is the portable form (it is the array either way).
   */
  blockUntilReady(): this | Promise<this> {
    return this;
  }
  dispose(): void {}
  [Symbol.dispose](): void {
    this.dispose();
  }

  // --- methods, each the numpy function of the same name -----------------------------
  add(y: ArrayLike): JArray {
    return np.add(this, y);
  }
  sub(y: ArrayLike): JArray {
    return np.subtract(this, y);
  }
  mul(y: ArrayLike): JArray {
    return np.multiply(this, y);
  }
  div(y: ArrayLike): JArray {
    return np.divide(this, y);
  }
  pow(y: ArrayLike): JArray {
    return np.power(this, y);
  }
  neg(): JArray {
    return np.negative(this);
  }
  abs(): JArray {
    return np.abs(this);
  }
  exp(): JArray {
    return np.exp(this);
  }
  log(): JArray {
    return np.log(this);
  }
  sqrt(): JArray {
    return np.sqrt(this);
  }
  sin(): JArray {
    return np.sin(this);
  }
  cos(): JArray {
    return np.cos(this);
  }
  tanh(): JArray {
    return np.tanh(this);
  }
  square(): JArray {
    return np.square(this);
  }
  sum(axis?: number | readonly number[] | null, opts?: { keepdims?: boolean }): JArray {
    return np.sum(this, axis, opts);
  }
  mean(axis?: number | readonly number[] | null, opts?: { keepdims?: boolean }): JArray {
    return np.mean(this, axis, opts);
  }
  max(axis?: number | readonly number[] | null, opts?: { keepdims?: boolean }): JArray {
    return np.max(this, axis, opts);
  }
  min(axis?: number | readonly number[] | null, opts?: { keepdims?: boolean }): JArray {
    return np.min(this, axis, opts);
  }
  prod(axis?: number | readonly number[] | null, opts?: { keepdims?: boolean }): JArray {
    return np.prod(this, axis, opts);
  }
  argmax(axis?: number | null, opts?: { keepdims?: boolean }): JArray {
    return np.argmax(this, axis, opts);
  }
  argmin(axis?: number | null, opts?: { keepdims?: boolean }): JArray {
    return np.argmin(this, axis, opts);
  }
  reshape(shape: readonly number[]): JArray {
    return np.reshape(this, shape);
  }
  transpose(axes?: readonly number[]): JArray {
    return np.transpose(this, axes);
  }
  get T(): JArray {
    return np.transpose(this);
  }
  astype(dtype: DType): JArray {
    return np.astype(this, dtype);
  }
  matmul(y: ArrayLike): JArray {
    return np.matmul(this, y);
  }
  dot(y: ArrayLike): JArray {
    return np.dot(this, y);
  }
  lt(y: ArrayLike): JArray {
    return np.less(this, y);
  }
  le(y: ArrayLike): JArray {
    return np.lessEqual(this, y);
  }
  gt(y: ArrayLike): JArray {
    return np.greater(this, y);
  }
  ge(y: ArrayLike): JArray {
    return np.greaterEqual(this, y);
  }
  eq(y: ArrayLike): JArray {
    return np.equal(this, y);
  }
  ne(y: ArrayLike): JArray {
    return np.notEqual(this, y);
  }
  squeeze(axis?: number | readonly number[] | null): JArray {
    return np.squeeze(this, axis);
  }
  flatten(): JArray {
    return np.ravel(this);
  }
  ravel(): JArray {
    return np.ravel(this);
  }
  // --- more of NumPy's ndarray methods (axis positional, options last, as the np functions) --
  var(axis?: number | readonly number[] | null, opts?: NP.VarOptions): JArray {
    return np.var(this, axis, opts);
  }
  std(axis?: number | readonly number[] | null, opts?: NP.VarOptions): JArray {
    return np.std(this, axis, opts);
  }
  all(axis?: number | readonly number[] | null, opts?: NP.BoolReduceOptions): JArray {
    return np.all(this, axis, opts);
  }
  any(axis?: number | readonly number[] | null, opts?: NP.BoolReduceOptions): JArray {
    return np.any(this, axis, opts);
  }
  cumsum(axis?: number | null, opts?: { dtype?: DType }): JArray {
    return np.cumsum(this, axis, opts);
  }
  cumprod(axis?: number | null, opts?: { dtype?: DType }): JArray {
    return np.cumprod(this, axis, opts);
  }
  clip(min?: ArrayLike | null, max?: ArrayLike | null): JArray {
    return np.clip(this, min, max);
  }
  round(decimals?: number): JArray {
    return np.round(this, decimals);
  }
  swapaxes(axis1: number, axis2: number): JArray {
    return np.swapaxes(this, axis1, axis2);
  }
  sort(axis?: number | null, opts?: NP.SortOptions): JArray {
    return np.sort(this, axis, opts);
  }
  argsort(axis?: number | null, opts?: NP.SortOptions): JArray {
    return np.argsort(this, axis, opts);
  }
  take(indices: ArrayLike, axis?: number | null, opts?: NP.TakeOptions): JArray {
    return np.take(this, indices, axis, opts);
  }

  /** NumPy basic and advanced indexing: `x.slice(0, [1, null], null, idxArray)`. */
  slice(...index: Index[]): JArray {
    return np.getIndex(this, index);
  }
  /** Functional updates: `x.at(0, [1, 3]).set(v)`. */
  at(...index: Index[]): NP.IndexUpdateRef {
    return np.indexUpdateRef(this, index);
  }
}

/** An array with data on a backend. */
export class ConcreteArray extends JArray {
  #buffer: unknown;
  #disposed = false;
  /**
   * Set when this array shares another's buffer (a cached constant, see core/convert.ts): it
   * keeps that array alive, and disposing this one marks only this one disposed.
   */
  #owner: ConcreteArray | undefined;
  /** Whether the finalizer registry holds this array (backends may reclaim small buffers themselves). */
  #registered = false;
  /** Held, never read: while this array is reachable, so is this (see Backend.livenessToken). */
  #liveness: object | undefined;
  /**
   * For a scalar made from a JS number: that number, exactly. A weak float is stored as
   * float32, but converting it to float64 later must not round through float32.
   */
  jsValue?: number;

  constructor(
    readonly aval: ShapedArray,
    readonly backend: Backend,
    buffer: unknown,
    owner?: ConcreteArray,
  ) {
    super();
    this.#buffer = buffer;
    this.#owner = owner;
    if (owner === undefined && backend.manualMemory) {
      const token = backend.finalizerToken ? backend.finalizerToken(buffer) : buffer;
      if (token !== undefined) {
        finalizer.register(this, { backend, token }, this);
        this.#registered = true;
      }
      this.#liveness = backend.livenessToken?.(buffer);
    }
  }

  /** A new array over this one's buffer: disposing either leaves the other usable; the buffer is freed when both are gone. */
  share(): ConcreteArray {
    const owner = this.#owner ?? this;
    return new ConcreteArray(this.aval, this.backend, owner.buffer, owner);
  }

  get device(): DeviceName {
    return this.backend.name;
  }

  get buffer(): unknown {
    if (this.#disposed) throw new ReferenceError(`this ${this.aval} array was disposed and can no longer be used`);
    return this.#buffer;
  }

  get isDisposed(): boolean {
    return this.#disposed;
  }

  toConcrete(): ConcreteArray {
    return this;
  }

  /** The values, as a host copy (float16's bits widened to a Float32Array: JS has no Float16Array yet). */
  readHost(): AnyTypedArray {
    return widenFloat16(this.backend.readSync(this.buffer, this.aval), this.dtype);
  }

  async readAsync(): Promise<AnyTypedArray> {
    return widenFloat16(await this.backend.read(this.buffer, this.aval), this.dtype);
  }

  /** The stored elements exactly as the backend holds them (float16 as its bit patterns), for moving between backends. */
  readStored(): AnyTypedArray {
    return this.backend.readSync(this.buffer, this.aval);
  }

  /**
   * Ready now on the synchronous backends; on webgpu, a promise of the array that resolves once
   * the device's queue has run (so `await x.blockUntilReady()` waits everywhere, as API.md
   * says). A disposed array throws, as a deleted one does in JAX.
   */
  override blockUntilReady(): this | Promise<this> {
    const buffer = this.buffer; // throws if disposed
    const pending = this.backend.blockUntilReady?.(buffer);
    return pending instanceof Promise ? pending.then(() => this) : this;
  }

  override dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    if (this.#owner !== undefined) this.#owner = undefined;
    else if (this.backend.manualMemory) {
      if (this.#registered) finalizer.unregister(this);
      this.backend.dispose(this.#buffer);
    }
    this.#buffer = undefined;
  }

  override toString(): string {
    if (this.#disposed) return `Array(${this.aval}, disposed)`;
    let data: AnyTypedArray | null = null;
    try {
      data = this.readHost();
    } catch {
      // A backend that reads only asynchronously: print what is known, as JAX does without values.
    }
    return arrayRepr(this.aval, data);
  }

  /** NumPy's str of the values (`[1. 2.]`, `2.0`), as JAX tracers print their primals. */
  toStr(): string {
    try {
      return arrayStr(this.aval, this.readHost());
    } catch {
      return this.toString();
    }
  }

  static fromHost(data: AnyTypedArray, shape: readonly number[], dtype: DType, backend: Backend, weakType = false): ConcreteArray {
    if (data.length !== shapeSize(shape)) throw new Error(`internal: ${data.length} values for shape [${shape}]`);
    const aval = new ShapedArray(shape, dtype, weakType);
    return new ConcreteArray(aval, backend, backend.fromHost(data, aval));
  }
}

const finalizer = new FinalizationRegistry<{ backend: Backend; token: unknown }>(({ backend, token }) =>
  backend.disposeToken ? backend.disposeToken(token as object) : backend.dispose(token),
);

/** A value an interpreter is tracing; each interpreter has its own subclass. */
export abstract class Tracer extends JArray {
  abstract readonly interpreter: Interpreter;

  get device(): DeviceName {
    return this.interpreter.device ?? "cpu";
  }

  /** JAX's generic tracer repr; each interpreter's tracer prints as JAX's counterpart does. */
  override toString(): string {
    return `Traced<${avalLong(this.aval)}>with<${this.interpreter.transformName}>`;
  }

  /** Most tracers have no concrete value; Jvp tracers defer to their primal. */
  toConcrete(what: string): ConcreteArray {
    const Err = what === NUMBER_CONVERSION ? TracerBoolConversionError : ConcretizationTypeError;
    throw new Err(
      `Attempted ${what} on an abstract tracer, a traced array with shape ${this.aval.dtype}[${this.shape}], inside ${this.interpreter.transformName}. ` +
        "Its value is not known while tracing: use lax.cond / np.where instead of a JS branch, np functions instead of JS operators, " +
        "or mark the argument static (jit's staticArgnums).",
    );
  }
}
