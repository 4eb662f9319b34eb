import { type DType, shortName } from "./dtype.js";

/** The abstract value of an array: what tracing knows without the data. */
export class ShapedArray {
  constructor(
    readonly shape: readonly number[],
    readonly dtype: DType,
    readonly weakType: boolean = false,
  ) {}

  get ndim(): number {
    return this.shape.length;
  }

  get size(): number {
    return shapeSize(this.shape);
  }

  /** `f32[3,4]`, as JAX prints avals in jaxprs. */
  toString(): string {
    return `${shortName[this.dtype]}[${this.shape.join(",")}]`;
  }

  equals(other: ShapedArray): boolean {
    return this.dtype === other.dtype && this.weakType === other.weakType && shapesEqual(this.shape, other.shape);
  }

  /** Same shape and dtype, ignoring weak types (what most type checks want). */
  sameType(other: ShapedArray): boolean {
    return this.dtype === other.dtype && shapesEqual(this.shape, other.shape);
  }

  update(changes: { shape?: readonly number[]; dtype?: DType; weakType?: boolean }): ShapedArray {
    return new ShapedArray(changes.shape ?? this.shape, changes.dtype ?? this.dtype, changes.weakType ?? this.weakType);
  }

  strongly(): ShapedArray {
    return this.weakType ? new ShapedArray(this.shape, this.dtype, false) : this;
  }
}

export const shapeSize = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export const shapesEqual = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((d, i) => d === b[i]);

export const showShape = (shape: readonly number[]): string => `(${shape.join(", ")}${shape.length === 1 ? "," : ""})`;

/** Row-major strides of a shape, in elements. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}
