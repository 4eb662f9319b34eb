/** The error classes users can catch by name, as in JAX. */

/** Raised where JAX raises ValueError: broadcast mismatch, bad sizes, bad axes, tangent shape mismatch. */
export class ValueError extends Error {
  override name = "ValueError";
}

/** A traced value was needed as a concrete one (an `if` on a tracer, `item()` under jit). */
export class ConcretizationTypeError extends TypeError {
  override name = "ConcretizationTypeError";
}

/** The specific concretization error of converting a tracer to a boolean or number. */
export class TracerBoolConversionError extends ConcretizationTypeError {
  override name = "TracerBoolConversionError";
}

/** A tracer was used after the transform that made it had finished. */
export class UnexpectedTracerError extends Error {
  override name = "UnexpectedTracerError";
}

/**
 * A primitive has no rule for a transform, where JAX raises NotImplementedError (e.g.
 * "Differentiation rule for 'geqrf' not implemented").
 */
export class NotImplementedError extends Error {
  override name = "NotImplementedError";
}

/** An index out of range for its axis (a static integer index, as NumPy raises). */
export class IndexError extends ValueError {
  override name = "IndexError";
}
