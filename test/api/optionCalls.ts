/**
 * How to call every exported function that takes an options object, with `o` as that object,
 * and which exported functions take none. options.test.ts walks the package's exports and
 * requires every function to appear here (under any of its names), so a new function cannot
 * skip the strictness checks: add it to one of the two tables.
 *
 * Each recipe must succeed with `o = {}`; the test then passes an unknown key and expects a
 * TypeError naming the function, the key and the accepted options.
 */
import * as jaxts from "../../src/index.js";

const { numpy: np, lax, nn, random, optax, stax, data, testing, scipy, io, quant, interpret, adversarial } = jaxts;

const f = (x: jaxts.Array) => np.sum(np.multiply(x, x));
const x = () => np.array([1, 2, 3]);
const key = () => random.PRNGKey(0);
const ints = () => np.array([0, 1], "int32");
/** A well-conditioned symmetric positive-definite 2x2 matrix and a right-hand side. */
const spd = () => np.array([[4, 1], [1, 3]]);
const rhs = () => np.array([[1], [2]]);
const images = () => np.ones([2, 4, 4, 1]);
const scores = (b: jaxts.Array) => np.stack([np.sum(b), np.mean(b)]).reshape([1, 2]);
const xentropy = (b: jaxts.Array, y: jaxts.Array) => np.mean(optax.softmaxCrossEntropyWithIntegerLabels(np.stack([b, np.negative(b)], -1), y));

type Opts = Record<string, unknown>;
/** A recipe: calls the function with `o` as its options object. `name` overrides the name the error must show. */
export type Recipe = ((o: Opts) => unknown) | { call: (o: Opts) => unknown; name: string };

export const WITH_OPTIONS: Record<string, Recipe> = {
  // transforms
  grad: (o) => jaxts.grad(f, o),
  valueAndGrad: (o) => jaxts.valueAndGrad(f, o),
  jacfwd: (o) => jaxts.jacfwd(f, o),
  jacrev: (o) => jaxts.jacrev(f, o),
  hessian: (o) => jaxts.hessian(f, o),
  jvp: (o) => jaxts.jvp(f, [x()], [x()], o),
  vjp: (o) => jaxts.vjp(f, [x()], o),
  linearize: (o) => jaxts.linearize(f, [x()], o),
  vmap: (o) => jaxts.vmap(f, o),
  jit: (o) => jaxts.jit(f, o),
  exportFn: (o) => jaxts.exportFn(f, o),
  setNumThreads: (o) => jaxts.setNumThreads(jaxts.numThreads(), o),
  checkpoint: (o) => jaxts.checkpoint(f, o),
  // data and testing
  "data.batches": (o) => data.batches(10, 3, o),
  "data.metrics.precision": (o) => data.metrics.precision([0, 1], [0, 1], { numClasses: 2, ...o }),
  "data.metrics.recall": (o) => data.metrics.recall([0, 1], [0, 1], { numClasses: 2, ...o }),
  "data.augment.randomCrop": (o) => data.augment.randomCrop(key(), images(), { padding: 1, ...o }),
  "data.augment.randomAffine": (o) => data.augment.randomAffine(key(), images(), o),
  "data.augment.colorJitter": (o) => data.augment.colorJitter(key(), images(), o),
  // the seed's other chapters
  "interpret.saliency": (o) => interpret.saliency(scores, np.ones([1, 3]), o),
  "interpret.smoothGrad": (o) => interpret.smoothGrad(scores, key(), np.ones([1, 3]), o),
  "interpret.integratedGradients": (o) => interpret.integratedGradients(scores, np.ones([1, 3]), o),
  "adversarial.fgsm": (o) => adversarial.fgsm(xentropy, x(), np.array([0, 1, 0], "int32"), 0.1, o),
  "adversarial.pgd": (o) => adversarial.pgd(xentropy, key(), x(), np.array([0, 1, 0], "int32"), { eps: 0.1, stepSize: 0.05, steps: 2, ...o }),
  "adversarial.trainStep": (o) => adversarial.trainStep((_p: unknown, b: jaxts.Array, y: jaxts.Array) => xentropy(b, y), optax.sgd(0.1), { eps: 0.1, ...o }),
  "testing.checkGrads": (o) => testing.checkGrads(f, [x()], 1, o),
  "testing.arbitraries.array": (o) => testing.arbitraries.array(o),
  "testing.arbitraries.shape": (o) => testing.arbitraries.shape(o),
  "testing.arbitraries.broadcastableShapes": (o) => testing.arbitraries.broadcastableShapes(2, o),
  // lax
  "lax.convGeneralDilated": (o) => lax.convGeneralDilated(np.ones([1, 1, 3, 3]), np.ones([1, 1, 2, 2]), [1, 1], "VALID", o),
  "lax.cumsum": (o) => lax.cumsum(x(), 0, o),
  "lax.cumprod": (o) => lax.cumprod(x(), 0, o),
  "lax.cummax": (o) => lax.cummax(x(), 0, o),
  "lax.cummin": (o) => lax.cummin(x(), 0, o),
  "lax.dotGeneral": (o) => lax.dotGeneral(x(), x(), [[[0], [0]], [[], []]], o),
  "lax.gather": (o) => lax.gather(x(), np.array([[0]], "int32"), { offsetDims: [], collapsedSliceDims: [0], startIndexMap: [0] }, [1], o),
  ...Object.fromEntries(
    (["scatter", "scatterAdd", "scatterMul", "scatterMin", "scatterMax"] as const).map((s) => [
      `lax.${s}`,
      (o: Opts) => lax[s](x(), np.array([[0]], "int32"), np.array([5]), { updateWindowDims: [], insertedWindowDims: [0], scatterDimsToOperandDims: [0] }, o),
    ]),
  ),
  "lax.reduceWindow": (o) => lax.reduceWindow(x(), 0, lax.add, [2], [1], "VALID", o),
  "lax.sort": (o) => lax.sort(x(), o),
  "lax.scan": (o) => lax.scan((c: jaxts.Array, y: jaxts.Array) => [c, y], np.array(0), x(), o),
  "lax.foriLoop": (o) => lax.foriLoop(0, 2, (_i: jaxts.Array, c: jaxts.Array) => c, x(), o),
  "lax.map": (o) => lax.map((y: jaxts.Array) => y, x(), o),
  "lax.associativeScan": (o) => lax.associativeScan((a: jaxts.Array, b: jaxts.Array) => np.add(a, b), x(), o),
  // nn
  "nn.gelu": (o) => nn.gelu(x(), o),
  "nn.l1Penalty": (o) => nn.l1Penalty([x()], o),
  "nn.l2Penalty": (o) => nn.l2Penalty([x()], o),
  "nn.logsumexp": (o) => nn.logsumexp(x(), null, o),
  "nn.oneHot": (o) => nn.oneHot(ints(), 3, o),
  "nn.initializers.constant": (o) => nn.initializers.constant(1, o),
  "nn.initializers.normal": (o) => nn.initializers.normal(0.1, o),
  "nn.initializers.uniform": (o) => nn.initializers.uniform(0.1, o),
  "nn.initializers.truncatedNormal": (o) => nn.initializers.truncatedNormal(0.1, o),
  "nn.initializers.orthogonal": (o) => nn.initializers.orthogonal(1, o),
  "nn.initializers.varianceScaling": (o) => nn.initializers.varianceScaling(1, "fan_in", "normal", o),
  "nn.initializers.glorotNormal": (o) => nn.initializers.glorotNormal(o),
  "nn.initializers.glorotUniform": (o) => nn.initializers.glorotUniform(o),
  "nn.initializers.heNormal": (o) => nn.initializers.heNormal(o),
  "nn.initializers.heUniform": (o) => nn.initializers.heUniform(o),
  "nn.initializers.lecunNormal": (o) => nn.initializers.lecunNormal(o),
  "nn.initializers.lecunUniform": (o) => nn.initializers.lecunUniform(o),
  // numpy: creation
  "numpy.array": (o) => np.array([1, 2], o),
  "numpy.zeros": (o) => np.zeros([2], o),
  "numpy.ones": (o) => np.ones([2], o),
  "numpy.full": (o) => np.full([2], 3, o),
  "numpy.zerosLike": (o) => np.zerosLike(x(), o),
  "numpy.onesLike": (o) => np.onesLike(x(), o),
  "numpy.fullLike": (o) => np.fullLike(x(), 3, o),
  "numpy.arange": (o) => np.arange(0, 5, 1, o),
  "numpy.linspace": (o) => np.linspace(0, 1, 5, o),
  "numpy.eye": (o) => np.eye(2, 2, o),
  "numpy.identity": (o) => np.identity(2, o),
  // numpy: reductions (axis positional, as NumPy's)
  ...Object.fromEntries(
    (["sum", "prod", "max", "min", "ptp", "countNonzero", "all", "any", "mean", "var", "std", "average", "logsumexp"] as const).map((r) => [
      `numpy.${r}`,
      (o: Opts) => np[r](x(), null, o),
    ]),
  ),
  "numpy.argmax": (o) => np.argmax(x(), 0, o),
  "numpy.argmin": (o) => np.argmin(x(), 0, o),
  "numpy.cumsum": (o) => np.cumsum(x(), 0, o),
  "numpy.cumprod": (o) => np.cumprod(x(), 0, o),
  "numpy.isclose": (o) => np.isclose(x(), x(), o),
  "numpy.allclose": (o) => np.allclose(x(), x(), o),
  "numpy.arrayEqual": (o) => np.arrayEqual(x(), x(), o),
  // numpy: sorting, indexing, shapes, contraction
  "numpy.sort": (o) => np.sort(x(), -1, o),
  "numpy.argsort": (o) => np.argsort(x(), -1, o),
  "numpy.getIndex": (o) => np.getIndex(x(), [0], o),
  "numpy.indexUpdateRef": { call: (o: Opts) => np.indexUpdateRef(x(), [0]).set(5, o), name: "at(...).set" },
  "numpy.take": (o) => np.take(x(), ints(), 0, o),
  "numpy.takeAlongAxis": (o) => np.takeAlongAxis(x(), ints(), 0, o),
  "numpy.nonzero": (o) => np.nonzero(x(), o),
  "numpy.argwhere": (o) => np.argwhere(x(), o),
  "numpy.flatnonzero": (o) => np.flatnonzero(x(), o),
  "numpy.pad": (o) => np.pad(x(), 1, o),
  "numpy.matmul": (o) => np.matmul(x(), x(), o),
  "numpy.dot": (o) => np.dot(x(), x(), o),
  "numpy.vdot": (o) => np.vdot(x(), x(), o),
  "numpy.inner": (o) => np.inner(x(), x(), o),
  "numpy.tensordot": (o) => np.tensordot(x(), x(), 1, o),
  // numpy breadth (issue 13): NaN-ignoring reductions (axis positional), then the rest
  ...Object.fromEntries(
    (["nansum", "nanprod", "nanmax", "nanmin", "nanmean", "nanvar", "nanstd"] as const).map((r) => [`numpy.${r}`, (o: Opts) => np[r](x(), null, o)]),
  ),
  "numpy.nanargmax": (o) => np.nanargmax(x(), 0, o),
  "numpy.nanargmin": (o) => np.nanargmin(x(), 0, o),
  "numpy.nancumsum": (o) => np.nancumsum(x(), 0, o),
  "numpy.nancumprod": (o) => np.nancumprod(x(), 0, o),
  "numpy.nanToNum": (o) => np.nanToNum(x(), o),
  "numpy.convolve": (o) => np.convolve(x(), x(), o),
  "numpy.correlate": (o) => np.correlate(x(), x(), o),
  "numpy.polymul": (o) => np.polymul(x(), x(), o),
  "numpy.polyder": (o) => np.polyder(x(), o),
  "numpy.vander": (o) => np.vander(x(), o),
  "numpy.diff": (o) => np.diff(x(), o),
  "numpy.ediff1d": (o) => np.ediff1d(x(), o),
  "numpy.trapezoid": (o) => np.trapezoid(x(), o),
  "numpy.unwrap": (o) => np.unwrap(x(), o),
  "numpy.cumulativeSum": (o) => np.cumulativeSum(x(), o),
  "numpy.cumulativeProd": (o) => np.cumulativeProd(x(), o),
  "numpy.cov": (o) => np.cov(np.ones([2, 3]), o),
  "numpy.corrcoef": (o) => np.corrcoef(np.array([[1, 2, 3], [3, 1, 2]]), o),
  "numpy.vecdot": (o) => np.vecdot(x(), x(), o),
  "numpy.cross": (o) => np.cross(x(), x(), o),
  "numpy.meshgrid": (o) => np.meshgrid(x(), x(), o),
  "numpy.indices": (o) => np.indices([2, 3], o),
  "numpy.fromfunction": (o) => np.fromfunction((i: jaxts.Array) => i, [2, 3], o),
  "numpy.diagIndices": (o) => np.diagIndices(3, o),
  "numpy.logspace": (o) => np.logspace(0, 1, o),
  "numpy.geomspace": (o) => np.geomspace(1, 10, o),
  "numpy.unstack": (o) => np.unstack(x(), o),
  "numpy.append": (o) => np.append(x(), x(), o),
  "numpy.isin": (o) => np.isin(x(), x(), o),
  "numpy.size": (o) => np.size(x(), o),
  "nn.celu": (o) => nn.celu(x(), o),
  "nn.glu": (o) => nn.glu(np.ones([2, 4]), o),
  "nn.squareplus": (o) => nn.squareplus(x(), o),
  "nn.standardize": (o) => nn.standardize(x(), o),
  "nn.logmeanexp": (o) => nn.logmeanexp(x(), null, o),
  "nn.dotProductAttention": (o) => nn.dotProductAttention(np.ones([1, 2, 1, 3]), np.ones([1, 2, 1, 3]), np.ones([1, 2, 1, 3]), o),
  "lax.convTranspose": (o) => lax.convTranspose(np.ones([1, 3, 3, 1]), np.ones([2, 2, 1, 1]), [1, 1], "SAME", o),
  "lax.convWithGeneralPadding": (o) => lax.convWithGeneralPadding(np.ones([1, 1, 3, 3]), np.ones([1, 1, 2, 2]), [1, 1], [[0, 0], [0, 0]], o),
  // optax: aliases and transforms
  ...Object.fromEntries(
    (["sgd", "adam", "adamw", "nadam", "nadamw", "rmsprop", "adagrad", "lamb", "lion", "scaleByLearningRate"] as const).map((a) => [
      `optax.${a}`,
      (o: Opts) => (optax[a] as (lr: number, o: Opts) => unknown)(0.1, o),
    ]),
  ),
  ...Object.fromEntries(
    (["scaleByAdam", "scaleByRms", "scaleByStddev", "scaleByRss", "scaleByLion", "scaleByTrustRatio", "addDecayedWeights"] as const).map((t) => [
      `optax.${t}`,
      (o: Opts) => (optax[t] as (o: Opts) => unknown)(o),
    ]),
  ),
  "optax.trace": (o) => optax.trace({ decay: 0.9, ...o }),
  // optax: schedules (every argument may also be given by name, as in optax)
  "optax.constantSchedule": (o) => optax.constantSchedule({ value: 1, ...o }),
  "optax.linearSchedule": (o) => optax.linearSchedule(0.1, 0, 10, o),
  "optax.polynomialSchedule": (o) => optax.polynomialSchedule(0.1, 0, 2, 10, o),
  "optax.cosineDecaySchedule": (o) => optax.cosineDecaySchedule(0.1, 100, o),
  "optax.warmupCosineDecaySchedule": (o) => optax.warmupCosineDecaySchedule(0, 0.1, 5, 50, o),
  "optax.exponentialDecay": (o) => optax.exponentialDecay(0.1, 10, 0.5, o),
  "optax.piecewiseConstantSchedule": (o) => optax.piecewiseConstantSchedule({ initValue: 0.1, ...o }),
  "optax.joinSchedules": (o) => optax.joinSchedules({ schedules: [optax.constantSchedule(1)], boundaries: [], ...o }),
  // optax: losses
  "optax.huberLoss": (o) => optax.huberLoss(x(), x(), o),
  "optax.softmaxCrossEntropy": (o) => optax.softmaxCrossEntropy(x(), x(), o),
  "optax.softmaxCrossEntropyWithIntegerLabels": (o) => optax.softmaxCrossEntropyWithIntegerLabels(np.ones([2, 3]), ints(), o),
  // random
  "random.uniform": (o) => random.uniform(key(), [2], o),
  "random.normal": (o) => random.normal(key(), [2], o),
  "random.truncatedNormal": (o) => random.truncatedNormal(key(), -1, 1, [2], o),
  "random.bernoulli": (o) => random.bernoulli(key(), 0.5, [2], o),
  "random.gumbel": (o) => random.gumbel(key(), [2], o),
  "random.categorical": (o) => random.categorical(key(), x(), o),
  "random.permutation": (o) => random.permutation(key(), 3, o),
  "random.randint": (o) => random.randint(key(), [2], 0, 5, o),
  "random.bits": (o) => random.bits(key(), [2], o),
  "random.orthogonal": (o) => random.orthogonal(key(), 2, [], o),
  // stax
  "stax.Dense": (o) => stax.Dense(3, o),
  "stax.Conv": (o) => stax.Conv(2, [2, 2], o),
  "stax.ConvTranspose": (o) => stax.ConvTranspose(2, [2, 2], o),
  "stax.GeneralConv": (o) => stax.GeneralConv(["NHWC", "HWIO", "NHWC"], 2, [2, 2], o),
  "stax.MaxPool": (o) => stax.MaxPool([2, 2], o),
  "stax.AvgPool": (o) => stax.AvgPool([2, 2], o),
  "stax.SumPool": (o) => stax.SumPool([2, 2], o),
  "stax.BatchNorm": (o) => stax.BatchNorm(o),
  "stax.Dropout": (o) => stax.Dropout(0.5, o),
  // linear algebra (np.linalg, scipy.linalg, lax.linalg; np's diagonals and triangles)
  "numpy.diagonal": (o) => np.diagonal(spd(), o),
  "numpy.trace": (o) => np.trace(spd(), o),
  "numpy.diag": (o) => np.diag(x(), o),
  "numpy.tril": (o) => np.tril(spd(), o),
  "numpy.triu": (o) => np.triu(spd(), o),
  "numpy.linalg.slogdet": (o) => np.linalg.slogdet(spd(), o),
  "numpy.linalg.cholesky": (o) => np.linalg.cholesky(spd(), o),
  "numpy.linalg.eigh": (o) => np.linalg.eigh(spd(), o),
  "numpy.linalg.eigvalsh": (o) => np.linalg.eigvalsh(spd(), o),
  "numpy.linalg.svd": (o) => np.linalg.svd(spd(), o),
  "numpy.linalg.qr": (o) => np.linalg.qr(spd(), o),
  "numpy.linalg.lstsq": (o) => np.linalg.lstsq(spd(), rhs(), o),
  "numpy.linalg.pinv": (o) => np.linalg.pinv(spd(), o),
  "numpy.linalg.matrixRank": (o) => np.linalg.matrixRank(spd(), o),
  "numpy.linalg.norm": (o) => np.linalg.norm(spd(), o),
  "numpy.linalg.vectorNorm": (o) => np.linalg.vectorNorm(x(), o),
  "numpy.linalg.matrixNorm": (o) => np.linalg.matrixNorm(spd(), o),
  "numpy.linalg.cross": (o) => np.linalg.cross(x(), x(), o),
  "numpy.linalg.diagonal": (o) => np.linalg.diagonal(spd(), o),
  "numpy.linalg.trace": (o) => np.linalg.trace(spd(), o),
  "numpy.linalg.tensordot": (o) => np.linalg.tensordot(spd(), spd(), o),
  "numpy.linalg.vecdot": (o) => np.linalg.vecdot(x(), x(), o),
  "scipy.linalg.solveTriangular": (o) => scipy.linalg.solveTriangular(spd(), rhs(), o),
  "scipy.linalg.choFactor": (o) => scipy.linalg.choFactor(spd(), o),
  "scipy.linalg.choSolve": (o) => scipy.linalg.choSolve(scipy.linalg.choFactor(spd()), rhs(), o),
  "scipy.linalg.luFactor": (o) => scipy.linalg.luFactor(spd(), o),
  "scipy.linalg.luSolve": (o) => scipy.linalg.luSolve(scipy.linalg.luFactor(spd()), rhs(), o),
  "scipy.linalg.lu": (o) => scipy.linalg.lu(spd(), o),
  "scipy.linalg.expm": (o) => scipy.linalg.expm(spd(), o),
  "lax.linalg.cholesky": (o) => lax.linalg.cholesky(spd(), o),
  "lax.linalg.eigh": (o) => lax.linalg.eigh(spd(), o),
  "lax.linalg.qr": (o) => lax.linalg.qr(spd(), o),
  "lax.linalg.svd": (o) => lax.linalg.svd(spd(), o),
  "lax.linalg.triangularSolve": (o) => lax.linalg.triangularSolve(spd(), rhs(), { leftSide: true, ...o }),
  "lax.linalg.luPivotsToPermutation": (o) => lax.linalg.luPivotsToPermutation(np.array([1, 1], "int32"), { permutationSize: 2, ...o } as never),
  // deployment: weights files and int8 quantization
  "io.saveSafetensors": (o) => io.saveSafetensors({ w: x() }, o),
  "quant.quantize": (o) => quant.quantize(np.ones([2, 2]), o),
  "quant.quantizeParams": (o) => quant.quantizeParams([np.ones([2, 2])], o),
  // The apply functions of layers that read their options (rng, mode).
  "stax.serial": { call: (o: Opts) => stax.serial(stax.Relu)[1]([[]], x(), o), name: "stax.serial apply" },
  "stax.parallel": { call: (o: Opts) => stax.parallel(stax.Relu)[1]([[]], [x()], o), name: "stax.parallel apply" },
};

/** Exported functions that take no options object (their arguments are all positional). */
export const NO_OPTIONS = new Set<string>([
  // transforms and devices: customJvp/customVjp take only f (JAX's nondiff_argnums is not supported and is rejected as an extra argument); makeJaxpr/evalShape only f (anything more is rejected)
  "customJvp", "customVjp", "deserialize", "defaultDevice", "devicePut", "devices", "evalShape", "linearTranspose", "makeJaxpr",
  // numThreads takes nothing; blockUntilReady only its tree (a plain object there is the tree)
  "numThreads", "blockUntilReady",
  "stopGradient",
  // data: plain positional helpers
  "data.gatherRows", "data.loadIdx", "data.parseIdx", "data.shuffledIndices",
  // data.metrics.accuracy: predictions and labels only
  "data.metrics.accuracy",
  // data.augment: randomFlip takes only (key, images); compose only the augmentations
  "data.augment.randomFlip", "data.augment.compose",
  // lax: primitives' wrappers with positional arguments in JAX's order
  "lax.abs", "lax.acos", "lax.acosh", "lax.add", "lax.and", "lax.argmax", "lax.argmin", "lax.asin", "lax.asinh",
  "lax.atan", "lax.atan2", "lax.atanh", "lax.bitcastConvertType", "lax.broadcast", "lax.broadcastInDim",
  "lax.broadcastedIota", "lax.cbrt", "lax.ceil", "lax.clamp", "lax.concatenate", "lax.conv",
  "lax.convDimensionNumbers", "lax.convertElementType", "lax.cos", "lax.cosh", "lax.div", "lax.dot",
  "lax.dynamicSlice", "lax.dynamicUpdateSlice", "lax.eq", "lax.erf", "lax.erfInv", "lax.erfc", "lax.exp", "lax.exp2",
  "lax.expandDims", "lax.expm1", "lax.floor", "lax.ge", "lax.gt", "lax.integerPow", "lax.iota", "lax.isFinite",
  "lax.laxOperands", "lax.le", "lax.log", "lax.log1p", "lax.logistic", "lax.lt", "lax.max", "lax.min", "lax.mul",
  "lax.ne", "lax.neg", "lax.nextafter", "lax.not", "lax.or", "lax.pad", "lax.padtypeToPads", "lax.pow",
  "lax.reduceAnd", "lax.reduceMax", "lax.reduceMin", "lax.reduceOr", "lax.reduceProd", "lax.reduceSum", "lax.rem",
  "lax.reshape", "lax.reshapeAxisInto", "lax.reshapeAxisOutOf", "lax.rev", "lax.round", "lax.rsqrt", "lax.select",
  "lax.selectN", "lax.shiftLeft", "lax.shiftRightArithmetic", "lax.shiftRightLogical", "lax.sign", "lax.sin",
  "lax.sinh", "lax.slice", "lax.sliceInDim", "lax.sqrt", "lax.square", "lax.squeeze", "lax.stopGradient", "lax.sub",
  "lax.tan", "lax.tanh", "lax.threefry2x32", "lax.transpose", "lax.xor",
  // nn: activations whose parameters are positional (softmax(x, axis), elu(x, alpha))
  "nn.elu", "nn.leakyRelu", "nn.logSigmoid", "nn.logSoftmax", "nn.relu", "nn.relu6", "nn.sigmoid", "nn.silu",
  "nn.swish", "nn.softmax", "nn.softplus",
  // nn.initializers: zeros/ones are initializers themselves (key, shape, dtype); computeFans is positional
  "nn.initializers.computeFans", "nn.initializers.ones", "nn.initializers.zeros",
  // numpy: elementwise, shape and stacking functions (all arguments positional)
  "numpy.abs", "numpy.absolute", "numpy.add", "numpy.arccos", "numpy.arccosh", "numpy.arcsin", "numpy.arcsinh",
  "numpy.arctan", "numpy.arctan2", "numpy.arctanh", "numpy.around", "numpy.round", "numpy.arraySplit", "numpy.astype",
  "numpy.atleast1d", "numpy.atleast2d", "numpy.atleast3d", "numpy.bitwiseAnd", "numpy.bitwiseNot", "numpy.invert",
  "numpy.bitwiseOr", "numpy.bitwiseXor", "numpy.broadcastArrays", "numpy.broadcastShapes", "numpy.broadcastTo",
  "numpy.cbrt", "numpy.ceil", "numpy.checkDType", "numpy.clip", "numpy.columnStack", "numpy.concat",
  "numpy.concatenate", "numpy.cos", "numpy.cosh", "numpy.deg2rad", "numpy.divide", "numpy.trueDivide", "numpy.divmod",
  "numpy.dstack", "numpy.einsum", "numpy.equal", "numpy.exp", "numpy.exp2", "numpy.expandDims", "numpy.expm1",
  "numpy.fix", "numpy.trunc", "numpy.flip", "numpy.fliplr", "numpy.flipud", "numpy.floor", "numpy.floorDivide",
  "numpy.fmax", "numpy.fmin", "numpy.fmod", "numpy.greater", "numpy.greaterEqual", "numpy.hstack", "numpy.hypot",
  "numpy.isfinite", "numpy.isinf", "numpy.isnan", "numpy.isneginf", "numpy.isposinf", "numpy.leftShift", "numpy.less",
  "numpy.lessEqual", "numpy.log", "numpy.log10", "numpy.log1p", "numpy.log2", "numpy.logaddexp", "numpy.logicalAnd",
  "numpy.logicalNot", "numpy.logicalOr", "numpy.logicalXor", "numpy.maximum", "numpy.minimum", "numpy.mod",
  "numpy.remainder", "numpy.moveaxis", "numpy.multiply", "numpy.negative", "numpy.notEqual", "numpy.outer",
  "numpy.permuteDims", "numpy.transpose", "numpy.positive", "numpy.pow", "numpy.power", "numpy.rad2deg", "numpy.ravel",
  "numpy.reciprocal", "numpy.repeat", "numpy.reshape", "numpy.rightShift", "numpy.rint", "numpy.roll", "numpy.rot90",
  "numpy.sign", "numpy.signbit", "numpy.sin", "numpy.sinh", "numpy.split", "numpy.sqrt", "numpy.square",
  "numpy.squeeze", "numpy.stack", "numpy.subtract", "numpy.swapaxes", "numpy.tan", "numpy.tanh", "numpy.tile",
  "numpy.vstack", "numpy.where",
  // numpy breadth (issue 13): elementwise, windows, polynomials, vectors, splitting, dtypes
  "numpy.acos", "numpy.acosh", "numpy.asin", "numpy.asinh", "numpy.atan", "numpy.atan2", "numpy.atanh", "numpy.degrees",
  "numpy.radians", "numpy.copysign", "numpy.floatPower", "numpy.heaviside", "numpy.logaddexp2", "numpy.sinc", "numpy.modf",
  "numpy.ldexp", "numpy.frexp", "numpy.bitwiseCount", "numpy.bitwiseInvert", "numpy.bitwiseLeftShift",
  "numpy.bitwiseRightShift", "numpy.bartlett", "numpy.blackman", "numpy.hamming", "numpy.hanning", "numpy.hann",
  "numpy.polyval", "numpy.polyadd", "numpy.polysub", "numpy.matrixTranspose", "numpy.matvec", "numpy.vecmat",
  "numpy.diagIndicesFrom", "numpy.hsplit", "numpy.vsplit", "numpy.dsplit", "numpy.applyAlongAxis", "numpy.applyOverAxes",
  "numpy.finfo", "numpy.iinfo", "numpy.promoteTypes", "numpy.resultType", "numpy.shape", "numpy.ndim", "numpy.isscalar",
  "numpy.arrayEquiv", "numpy.select",
  "nn.selu", "nn.hardSigmoid", "nn.hardSilu", "nn.hardSwish", "nn.hardTanh", "nn.identity", "nn.log1mexp", "nn.mish",
  "nn.softSign", "nn.sparsePlus", "nn.sparseSigmoid",
  "lax.topK", "scipy.special.digamma", "scipy.special.polygamma",
  // optax: combinators, single-argument transforms and losses without keyword arguments
  "optax.applyUpdates", "optax.chain", "optax.clip", "optax.clipByGlobalNorm", "optax.globalNorm", "optax.identity",
  "optax.initEmptyState", "optax.l2Loss", "optax.masked", "optax.safeIncrement", "optax.scale",
  "optax.scaleBySchedule", "optax.scaleBySign", "optax.setToZero", "optax.sigmoidBinaryCrossEntropy",
  "optax.squaredError",
  // random: key handling (key(seed), split(key, num), foldIn(key, data))
  "random.PRNGKey", "random.key", "random.foldIn", "random.keyData", "random.wrapKeyData", "random.split",
  // stax: constructors whose only arguments are positional (FanOut(num), RNN(hidden), ...)
  "stax.FanInConcat", "stax.FanOut", "stax.GRU", "stax.LSTM", "stax.RNN", "stax.elementwise", "stax.shapeDependent",
  // tree: pytree utilities
  // control flow whose operands are varargs (JAX's cond/switch/while_loop take no keywords)
  "lax.cond", "lax.switch", "lax.whileLoop",
  // scipy.special's elementwise functions
  "scipy.special.betaln", "scipy.special.entr", "scipy.special.erf", "scipy.special.erfc", "scipy.special.erfinv",
  "scipy.special.expit", "scipy.special.gammaln", "scipy.special.klDiv", "scipy.special.logit", "scipy.special.ndtr",
  "scipy.special.ndtri", "scipy.special.relEntr", "scipy.special.xlog1py", "scipy.special.xlogy",
  // linear algebra without keyword arguments
  "numpy.linalg.solve", "numpy.linalg.inv", "numpy.linalg.det", "numpy.linalg.svdvals", "numpy.linalg.matrixPower",
  "numpy.linalg.multiDot", "numpy.linalg.matmul", "numpy.linalg.matrixTranspose", "numpy.linalg.outer", "lax.linalg.lu",
  "lax.linalg.geqrf", "lax.linalg.householderProduct",
  "tree.transpose",
  // deployment: a file's bytes, a {q, scale} pair or a params tree, nothing optional
  "io.loadSafetensors", "quant.dequantize", "quant.dequantizeParams", "quant.isQuantized", "quant.paramBytes",
  // int8 inference: a model function, its params or calibrated scales, and input batches
  "quant.calibrate", "quant.quantizedApply",
  "tree.flatten", "tree.flattenUpTo", "tree.leaves", "tree.map", "tree.numLeaves", "tree.register", "tree.structure",
  "tree.treeDefEqual", "tree.treeDefString", "tree.unflatten",
]);
