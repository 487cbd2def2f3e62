import { allocate, checkDType, type DType, type TypedArray } from './dtype.js';
import { defaultDevice, deviceNamed, type Device } from './kernels/index.js';
import { describe, filledOn } from './ops/buffers.js';
import { checkOptions } from './options.js';
import { defaultGenerator, Generator } from './random.js';
import { fmtShape, sizeOf, type Shape } from './shape.js';
import { MAX_DIMS, Tensor, type NestedArray } from './tensor.js';
// Creation makes tensors, and every tensor has the op methods: load them with it.
import './autograd/record.js';

/** Options shared by the creation functions. */
export interface TensorOptions {
  /** Element type; float32 unless the data says otherwise (booleans → bool, Int32Array → int32, …). */
  readonly dtype?: DType;
  /** Make the new tensor a leaf that gradients flow to. */
  readonly requiresGrad?: boolean;
  /** The device to make it on (default: the current backend's, see `setBackend`). */
  readonly device?: string;
}

/** Options of the random creation functions. */
export interface RandomOptions extends TensorOptions {
  /** The generator to draw from (default: the global one that `manualSeed` seeds). */
  readonly generator?: Generator;
}

/** What `tensor()` accepts. */
export type TensorData = NestedArray | readonly number[] | TypedArray | Tensor;

const TENSOR_KEYS = { dtype: 'string', requiresGrad: 'boolean', device: 'string' } as const;
const RANDOM_KEYS = { ...TENSOR_KEYS, generator: 'generator' } as const;

const INT32_MIN = -2147483648, INT32_MAX = 2147483647;

function deviceOf(opts: TensorOptions): Device {
  return opts.device === undefined ? defaultDevice() : deviceNamed(opts.device);
}

function finish(data: TypedArray, shape: Shape, dtype: DType, opts: TensorOptions): Tensor {
  const t = Tensor.fromHost(data, shape, dtype, deviceOf(opts));
  if (opts.requiresGrad) t.requiresGrad = true;
  return t;
}

/**
 * Check a shape given to a creation function: a list of non-negative integer sizes, at most 64 of them, with an
 * element count a tensor can hold. Refused at the call, never as a RangeError later.
 */
function checkShape(shape: unknown, op: string): Shape {
  if (!Array.isArray(shape)) throw new Error(`${op}: shape must be an array of sizes, e.g. [2, 3]; got ${describe(shape)}.`);
  if (shape.length > MAX_DIMS) throw new Error(`${op}: ${shape.length} dimensions given, but a tensor has at most ${MAX_DIMS} (as in PyTorch).`);
  shape.forEach((d: unknown, i) => {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new Error(`${op}: invalid shape [${shape.map(String).join(', ')}]: sizes must be non-negative integers, got ${describe(d)} at dimension ${i}.`);
    }
  });
  const n = sizeOf(shape as number[]);
  if (n > 2 ** 31 - 1) {
    throw new Error(`${op}: shape ${fmtShape(shape as number[])} has ${n} elements, more than a typed array can hold (2^31 - 1). Use a smaller shape.`);
  }
  return shape as number[];
}

function dtypeOfArray(a: TypedArray, op: string): DType {
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Uint8Array) return 'bool';
  if (a instanceof Float32Array) return 'float32';
  throw new Error(
    `${op}: ${describe(a)} is not supported; pass a Float32Array, Float64Array, Int32Array, Uint8Array (bool) or a ` +
      `nested array of numbers. Convert other typed arrays first, e.g. Float64Array.from(data).`,
  );
}

/**
 * Store `values` into `out` as `dtype`: booleans as 0/1, bool as `x !== 0`, int32 by truncation, refusing
 * values that do not fit (PyTorch: "value cannot be converted to type int32_t without overflow").
 */
function store(out: TypedArray, values: ArrayLike<number | boolean>, dtype: DType, op: string): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const x = typeof v === 'boolean' ? (v ? 1 : 0) : v;
    if (dtype === 'int32') out[i] = toInt32(x, op, ` (element ${i})`);
    else out[i] = dtype === 'bool' ? (x !== 0 ? 1 : 0) : x;
  }
}

/** `x` truncated toward zero as an int32, or an error naming the value when it is not finite or does not fit. */
function toInt32(x: number, op: string, where = ''): number {
  if (!Number.isFinite(x)) throw new Error(`${op}: cannot convert ${x}${where} to int32: integer tensors hold finite values only.`);
  const t = Math.trunc(x);
  if (t < INT32_MIN || t > INT32_MAX) {
    throw new Error(`${op}: value ${x}${where} cannot be converted to int32 without overflow (int32 holds ${INT32_MIN} to ${INT32_MAX}; adjoint has no int64). Use dtype 'float64' for larger values.`);
  }
  return t;
}

/** Walk nested arrays, checking they are rectangular and numeric; returns the shape and the flat values. */
function flattenNested(data: NestedArray): { shape: number[]; values: (number | boolean)[]; bools: boolean } {
  const shape: number[] = [];
  let probe: NestedArray = data;
  while (Array.isArray(probe)) {
    if (shape.length === MAX_DIMS) throw new Error(`tensor: the data is nested more than ${MAX_DIMS} levels deep, but a tensor has at most ${MAX_DIMS} dimensions.`);
    shape.push(probe.length);
    if (probe.length === 0) break;
    probe = probe[0]!;
  }
  const values: (number | boolean)[] = [];
  let bools = true;
  // Iterative (a stack of positions), so that the walk itself never runs out of call stack.
  const stack: { v: NestedArray; depth: number; path: number[] }[] = [{ v: data, depth: 0, path: [] }];
  while (stack.length) {
    const { v, depth, path } = stack.pop()!;
    if (depth < shape.length) {
      if (!Array.isArray(v)) {
        throw new Error(`tensor: ragged nested array: expected a sequence of length ${shape[depth]} at dim ${depth} (index [${path.join(', ')}]), got ${describe(v)}. Every row must have the same length.`);
      }
      if (v.length !== shape[depth]) {
        throw new Error(`tensor: ragged nested array: expected a sequence of length ${shape[depth]} at dim ${depth} (got ${v.length}) at index [${path.join(', ')}]. Every row must have the same length.`);
      }
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i]!, depth: depth + 1, path: [...path, i] });
      continue;
    }
    if (Array.isArray(v)) {
      throw new Error(`tensor: ragged nested array: expected a number at index [${path.join(', ')}], got a sequence. Every row must have the same depth.`);
    }
    if (typeof v !== 'number' && typeof v !== 'boolean') {
      throw new Error(`tensor: element at index [${path.join(', ')}] is ${describe(v)}; tensor data must be numbers or booleans.`);
    }
    if (typeof v === 'number') bools = false;
    values.push(v);
  }
  return { shape, values, bools: bools && values.length > 0 };
}

function checkCount(shape: Shape, count: number, op: string): void {
  if (sizeOf(shape) !== count) {
    throw new Error(`${op}: shape ${fmtShape(shape)} needs ${sizeOf(shape)} elements but the data has ${count}. Pass a shape whose sizes multiply to ${count}, or data of ${sizeOf(shape)} elements.`);
  }
}

/**
 * Create a tensor from a number, nested arrays, a flat array or typed array with `shape`, or another tensor (a
 * copy). Numbers give float32 by default, booleans give bool, typed arrays keep their type (a Uint8Array is bool:
 * nonzero bytes become 1).
 *
 * @example
 * ```ts
 * tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * tensor(new Float32Array(6), { shape: [2, 3] });
 * tensor([0, 3, 1], { dtype: 'int32' });
 * ```
 */
export function tensor(data: TensorData, opts: TensorOptions & { readonly shape?: readonly number[] } = {}): Tensor {
  checkOptions('tensor', opts, { ...TENSOR_KEYS, shape: 'numbers' });
  const shape = opts.shape === undefined ? undefined : checkShape(opts.shape, 'tensor');
  if (data instanceof Tensor) {
    const dtype = opts.dtype ? checkDType(opts.dtype, 'tensor') : data.dtype;
    const values = data.data();
    if (shape) checkCount(shape, values.length, 'tensor');
    const out = allocate(dtype, values.length);
    store(out, values, dtype, 'tensor');
    return finish(out, shape ?? data.shape, dtype, opts);
  }
  if (ArrayBuffer.isView(data)) {
    const arr = data as TypedArray;
    const own = dtypeOfArray(arr, 'tensor');
    const dtype = opts.dtype ? checkDType(opts.dtype, 'tensor') : own;
    const s = shape ?? [arr.length];
    checkCount(s, arr.length, 'tensor');
    const out = allocate(dtype, arr.length);
    if (dtype === own && dtype !== 'bool') (out as Float64Array).set(arr as Float64Array);
    else store(out, arr, dtype, 'tensor');
    return finish(out, s, dtype, opts);
  }
  if (typeof data !== 'number' && typeof data !== 'boolean' && !Array.isArray(data)) {
    throw new Error(`tensor: the data is ${describe(data)}; expected a number, a boolean, nested arrays, a typed array or a Tensor (tensor data must be numbers or booleans).`);
  }
  const { shape: nestedShape, values, bools } = typeof data === 'number' || typeof data === 'boolean'
    ? { shape: [] as number[], values: [data], bools: typeof data === 'boolean' }
    : flattenNested(data);
  const dtype = opts.dtype ? checkDType(opts.dtype, 'tensor') : bools ? 'bool' : 'float32';
  if (shape) checkCount(shape, values.length, 'tensor');
  const out = allocate(dtype, values.length);
  store(out, values, dtype, 'tensor');
  return finish(out, shape ?? nestedShape, dtype, opts);
}

/**
 * A tensor filled with `value`.
 *
 * @example
 * ```ts
 * full([2, 2], 7).toArray();                     // [[7, 7], [7, 7]] (float32)
 * full([3], 1, { dtype: 'int32' }).dtype;        // 'int32'
 * ```
 */
export function full(shape: readonly number[], value: number, opts: TensorOptions = {}): Tensor {
  return filled(shape, value, opts, 'full');
}

function filled(shape: readonly number[], value: number, opts: TensorOptions, op: string): Tensor {
  const s = checkShape(shape, op);
  checkOptions(op, opts, TENSOR_KEYS);
  if (typeof value !== 'number' && typeof value !== 'boolean') throw new Error(`${op}: the fill value must be a number, got ${describe(value)}.`);
  const dtype = opts.dtype ? checkDType(opts.dtype, op) : 'float32';
  const v = dtype === 'int32' ? toInt32(Number(value), op) : Number(value);
  const t = filledOn(deviceOf(opts), dtype, [...s], v);
  if (opts.requiresGrad) t.requiresGrad = true;
  return t;
}

/**
 * Zeros of `shape` (float32 unless `dtype` says otherwise).
 *
 * @example
 * ```ts
 * const b = zeros([10], { requiresGrad: true }); // a bias to train
 * zeros([2, 3]).shape;                           // [2, 3]
 * ```
 */
export function zeros(shape: readonly number[], opts: TensorOptions = {}): Tensor {
  return filled(shape, 0, opts, 'zeros');
}

/**
 * Ones of `shape` (float32 unless `dtype` says otherwise).
 *
 * @example
 * ```ts
 * ones([3], { dtype: 'float64' }).toArray(); // [1, 1, 1]
 * ```
 */
export function ones(shape: readonly number[], opts: TensorOptions = {}): Tensor {
  return filled(shape, 1, opts, 'ones');
}

function likeOptions(t: Tensor, opts: TensorOptions, op: string): TensorOptions {
  if (!(t instanceof Tensor)) throw new Error(`${op}: expected a Tensor, got ${describe(t)}.`);
  return { dtype: t.dtype, device: t.device, ...opts };
}

/**
 * Zeros with `t`'s shape, dtype and device (unless overridden). The result is a new leaf: it does not require
 * grad, whatever `t` does.
 *
 * @example
 * ```ts
 * const x = tensor([[1, 2], [3, 4]], { dtype: 'float64', requiresGrad: true });
 * zerosLike(x).dtype;                        // 'float64', shape [2, 2]
 * zerosLike(x, { dtype: 'int32' }).toArray(); // [[0, 0], [0, 0]]
 * ```
 */
export function zerosLike(t: Tensor, opts: TensorOptions = {}): Tensor {
  return full(t.shape, 0, likeOptions(t, opts, 'zerosLike'));
}

/**
 * Ones with `t`'s shape, dtype and device (unless overridden), e.g. the seed gradient of a non-scalar output.
 *
 * @example
 * ```ts
 * const y = x.mul(2);           // not a scalar
 * y.backward(onesLike(y));      // the same as y.sum().backward()
 * ```
 */
export function onesLike(t: Tensor, opts: TensorOptions = {}): Tensor {
  return full(t.shape, 1, likeOptions(t, opts, 'onesLike'));
}

/**
 * `value` with `t`'s shape, dtype and device (unless overridden).
 *
 * @example
 * ```ts
 * const x = tensor([[1, 2], [3, 4]]);
 * fullLike(x, 0.5).toArray(); // [[0.5, 0.5], [0.5, 0.5]]
 * ```
 */
export function fullLike(t: Tensor, value: number, opts: TensorOptions = {}): Tensor {
  return full(t.shape, value, likeOptions(t, opts, 'fullLike'));
}

/**
 * Values `start, start+step, …` below `end`; `arange(n)` is `0 … n-1`. Integer arguments give int32 unless a
 * dtype is given, as in PyTorch. The options object may follow any of the numbers.
 *
 * @example
 * ```ts
 * arange(5);                          // int32 [0, 1, 2, 3, 4]
 * arange(0, 1, 0.25);                 // float32 [0, 0.25, 0.5, 0.75]
 * arange(3, { dtype: 'float64' });    // float64 [0, 1, 2]
 * ```
 */
export function arange(end: number, opts?: TensorOptions): Tensor;
export function arange(start: number, end: number, opts?: TensorOptions): Tensor;
export function arange(start: number, end?: number, step?: number, opts?: TensorOptions): Tensor;
export function arange(...args: readonly (number | TensorOptions | undefined)[]): Tensor {
  // The options are the last argument when it is an object (or null, which the check below rejects by name).
  const last = args.length > 1 ? args[args.length - 1] : undefined;
  const hasOpts = last === null || (typeof last === 'object' && last !== undefined);
  const nums = hasOpts ? args.slice(0, -1) : args;
  if (nums.length > 3) throw new Error(`arange: expected arange(end), arange(start, end) or arange(start, end, step), then the options; got ${args.length} arguments.`);
  const opts = (hasOpts ? last : {}) as TensorOptions;
  const [start, end, step = 1] = nums as [number, number?, number?];
  checkOptions('arange', opts, TENSOR_KEYS);
  for (const [name, v] of [['start', start], ['end', end], ['step', step]] as const) {
    if (v !== undefined && typeof v !== 'number') throw new Error(`arange: ${name} must be a number, got ${describe(v)}.`);
  }
  const [lo, hi] = end === undefined ? [0, start] : [start, end];
  if (step === 0 || !Number.isFinite(step)) throw new Error(`arange: step must be a finite nonzero number, got ${step}.`);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw new Error(`arange: start and end must be finite, got ${lo} and ${hi}.`);
  if ((hi - lo) / step < 0) {
    throw new Error(`arange: upper bound and larger bound inconsistent with step sign: start=${lo}, end=${hi}, step=${step}.`);
  }
  const n = Math.max(0, Math.ceil((hi - lo) / step));
  const allInt = Number.isInteger(lo) && Number.isInteger(hi) && Number.isInteger(step);
  const dtype = opts.dtype ? checkDType(opts.dtype, 'arange') : allInt ? 'int32' : 'float32';
  if (dtype === 'int32' && n > 0) {
    toInt32(lo, 'arange', ' (the first value)');
    toInt32(lo + (n - 1) * step, 'arange', ' (the last value)');
  }
  checkShape([n], 'arange');
  const t = filledOn(deviceOf(opts), dtype, [n], 0);
  if (n > 0) t.storage.device.backend.arange(dtype, t.buffer, n, lo, step);
  if (opts.requiresGrad) t.requiresGrad = true;
  return t;
}

/**
 * Evenly spaced values from `start` to `end` inclusive.
 *
 * @example
 * ```ts
 * linspace(0, 1, 5); // [0, 0.25, 0.5, 0.75, 1]
 * ```
 */
export function linspace(start: number, end: number, steps: number, opts: TensorOptions = {}): Tensor {
  checkOptions('linspace', opts, TENSOR_KEYS);
  if (!Number.isInteger(steps) || steps < 0) throw new Error(`linspace: steps must be a non-negative integer, got ${steps}.`);
  const dtype = opts.dtype ? checkDType(opts.dtype, 'linspace') : 'float32';
  const out = allocate(dtype, steps);
  // PyTorch's algorithm in the dtype's arithmetic (float32 rounds every step; integers truncate the ends and step
  // in float64): the first half counts up from start and the second half down from end, so both ends are exact.
  const r = dtype === 'float32' ? Math.fround : (v: number) => v;
  const [lo, hi] = dtype === 'float32' || dtype === 'float64' ? [r(start), r(end)] : [Math.trunc(start), Math.trunc(end)];
  const step = r(r(hi - lo) / (steps - 1));
  const half = Math.floor(steps / 2);
  const values = Array.from({ length: steps }, (_, i) => (steps === 1 ? lo : i < half ? r(lo + r(step * i)) : r(hi - r(step * (steps - i - 1)))));
  store(out, values, dtype, 'linspace');
  return finish(out, [steps], dtype, opts);
}

/** Options of `logspace`. */
export interface LogspaceOptions extends TensorOptions {
  /** The base of the powers. Default 10. */
  readonly base?: number;
}

/**
 * `steps` values from `base^start` to `base^end` inclusive, evenly spaced in the exponent, computed as PyTorch does
 * (the exponents as linspace, the powers in the dtype's arithmetic; integer dtypes truncate).
 *
 * @example
 * ```ts
 * logspace(0, 2, 3);              // [1, 10, 100]
 * logspace(0, 3, 4, { base: 2 }); // [1, 2, 4, 8]
 * ```
 */
export function logspace(start: number, end: number, steps: number, opts: LogspaceOptions = {}): Tensor {
  checkOptions('logspace', opts, { ...TENSOR_KEYS, base: 'number' });
  for (const [name, v] of [['start', start], ['end', end]] as const) {
    if (typeof v !== 'number') throw new Error(`logspace: ${name} must be a number, got ${describe(v)}.`);
  }
  if (!Number.isInteger(steps) || steps < 0) throw new Error(`logspace: steps must be a non-negative integer, got ${steps}.`);
  const dtype = opts.dtype ? checkDType(opts.dtype, 'logspace') : 'float32';
  if (dtype === 'bool') throw new Error('logspace: a bool result is not supported; use a float or int32 dtype.');
  const float = dtype !== 'int32';
  // Float dtypes compute every step in their own precision (float32 rounds each one); int32 truncates the ends and
  // the base, steps in float64, and truncates each power (PyTorch's integer path).
  const r = dtype === 'float32' ? Math.fround : (v: number) => v;
  const [lo, hi, b] = float ? [r(start), r(end), r(opts.base ?? 10)] : [Math.trunc(start), Math.trunc(end), Math.trunc(opts.base ?? 10)];
  const step = float ? r(r(hi - lo) / (steps - 1)) : (hi - lo) / (steps - 1);
  const half = Math.floor(steps / 2);
  const values = Array.from({ length: steps }, (_, i) => {
    const e = steps === 1 ? lo : i < half ? r(lo + r(step * i)) : r(hi - r(step * (steps - i - 1)));
    const v = r(Math.pow(b, e));
    return float ? v : Math.trunc(v);
  });
  const out = allocate(dtype, steps);
  store(out, values, dtype, 'logspace');
  return finish(out, [steps], dtype, opts);
}

/**
 * The identity matrix, `n × m` (square when `m` is omitted).
 *
 * @example
 * ```ts
 * eye(3);
 * ```
 */
export function eye(n: number, m: number = n, opts: TensorOptions = {}): Tensor {
  checkShape([n, m], 'eye');
  checkOptions('eye', opts, TENSOR_KEYS);
  const dtype = opts.dtype ? checkDType(opts.dtype, 'eye') : 'float32';
  const t = filledOn(deviceOf(opts), dtype, [n, m], 0);
  // The diagonal is a strided view with stride m + 1: one fill kernel writes it.
  const k = Math.min(n, m);
  if (k > 0) t.storage.device.backend.fill(dtype, { buffer: t.buffer, offset: 0, strides: [m + 1] }, [k], 1);
  if (opts.requiresGrad) t.requiresGrad = true;
  return t;
}

function randomFill(shape: readonly number[], opts: RandomOptions, op: string, draw: (g: Generator) => number): Tensor {
  const s = checkShape(shape, op);
  checkOptions(op, opts, RANDOM_KEYS);
  const dtype = opts.dtype ? checkDType(opts.dtype, op) : 'float32';
  const g = opts.generator ?? defaultGenerator;
  const values = new Float64Array(sizeOf(s));
  for (let i = 0; i < values.length; i++) values[i] = draw(g);
  const out = allocate(dtype, values.length);
  store(out, values, dtype, op);
  return finish(out, [...s], dtype, opts);
}

// The largest float32 below 1: a 53-bit uniform draw within 2^-25 of 1 rounds to 1.0 in float32, which rand()
// must never return; those draws become this instead (the stream of draws is unchanged).
const BELOW_ONE_F32 = 1 - 2 ** -24;

/** Refuse a non-float dtype for floating samples, as PyTorch does (they would all truncate to 0). */
function floatSamples(opts: RandomOptions, op: string): void {
  if (opts.dtype !== undefined && opts.dtype !== 'float32' && opts.dtype !== 'float64') {
    throw new Error(`${op}: samples of a continuous distribution need a float dtype, got '${opts.dtype}' (PyTorch refuses it too). For integers use randint().`);
  }
}

/**
 * Uniform samples in [0, 1), from the default generator or `opts.generator`.
 *
 * @example
 * ```ts
 * manualSeed(0);
 * const a = rand([2, 3]);
 * manualSeed(0);
 * rand([2, 3]).toArray(); // the same values as a: seeded runs repeat
 * rand([4], { generator: new Generator(1) }); // a stream of its own, leaving the default one alone
 * ```
 */
export function rand(shape: readonly number[], opts: RandomOptions = {}): Tensor {
  floatSamples(opts, 'rand');
  const f32 = (opts.dtype ?? 'float32') === 'float32';
  return randomFill(shape, opts, 'rand', (g) => {
    const u = g.random();
    return f32 && Math.fround(u) === 1 ? BELOW_ONE_F32 : u;
  });
}

/**
 * Standard normal samples (mean 0, standard deviation 1).
 *
 * @example
 * ```ts
 * const w = randn([784, 128]).mul(Math.sqrt(2 / 784)); // He-scaled weights
 * ```
 */
export function randn(shape: readonly number[], opts: RandomOptions = {}): Tensor {
  floatSamples(opts, 'randn');
  return randomFill(shape, opts, 'randn', (g) => g.normal());
}

/**
 * Uniform integers in [low, high), int32 by default; `randint(high, shape)` draws from [0, high), as in PyTorch.
 *
 * @example
 * ```ts
 * const labels = randint(0, 10, [64]); // int32, each in 0 … 9
 * randint(6, [2, 2]);                  // four dice: 0 … 5
 * ```
 */
export function randint(low: number, high: number, shape: readonly number[], opts?: RandomOptions): Tensor;
export function randint(high: number, shape: readonly number[], opts?: RandomOptions): Tensor;
export function randint(low: number, highOrShape: number | readonly number[], shapeOrOpts?: readonly number[] | RandomOptions, maybeOpts?: RandomOptions): Tensor {
  if (Array.isArray(highOrShape)) return randintFrom(0, low, highOrShape, (shapeOrOpts ?? {}) as RandomOptions, 'randint');
  return randintFrom(low, highOrShape as number, shapeOrOpts as readonly number[], maybeOpts ?? {}, 'randint');
}

function randintFrom(low: number, high: number, shape: readonly number[], opts: RandomOptions, op: string): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new Error(`${op}: expected integers low < high, got low=${low}, high=${high}.`);
  }
  const dtype = opts.dtype ?? 'int32';
  if (dtype === 'int32') {
    toInt32(low, op, ' (low)');
    toInt32(high - 1, op, ' (high - 1)');
  }
  if (dtype === 'bool' && (low < 0 || high > 2)) throw new Error(`${op}: a bool result holds 0 and 1 only, but [${low}, ${high}) was asked for.`);
  return randomFill(shape, { ...opts, dtype }, op, (g) => g.int(low, high));
}

/**
 * Uniform samples in [0, 1) with `t`'s shape, dtype and device (unless overridden).
 *
 * @example
 * ```ts
 * const keep = randLike(x).ge(0.1); // a dropout mask keeping about 90% of x's elements
 * ```
 */
export function randLike(t: Tensor, opts: RandomOptions = {}): Tensor {
  return rand(t.shape, likeOptions(t, opts, 'randLike'));
}

/**
 * Standard normal samples with `t`'s shape, dtype and device (unless overridden).
 *
 * @example
 * ```ts
 * const noisy = x.add(randnLike(x).mul(0.01)); // x plus Gaussian noise of standard deviation 0.01
 * ```
 */
export function randnLike(t: Tensor, opts: RandomOptions = {}): Tensor {
  return randn(t.shape, likeOptions(t, opts, 'randnLike'));
}

/**
 * Uniform integers in [low, high) (or [0, high) when one bound is given) with `t`'s shape, dtype and device
 * (unless overridden), as PyTorch's randint_like: a float tensor gives float values.
 *
 * @example
 * ```ts
 * randintLike(x, 10);     // in [0, 10)
 * randintLike(x, -5, 5);  // in [-5, 5)
 * ```
 */
export function randintLike(t: Tensor, high: number, opts?: RandomOptions): Tensor;
export function randintLike(t: Tensor, low: number, high: number, opts?: RandomOptions): Tensor;
export function randintLike(t: Tensor, lowOrHigh: number, highOrOpts?: number | RandomOptions, maybeOpts?: RandomOptions): Tensor {
  const [low, high, opts] = typeof highOrOpts === 'number' ? [lowOrHigh, highOrOpts, maybeOpts ?? {}] : [0, lowOrHigh, highOrOpts ?? {}];
  const o = likeOptions(t, opts, 'randintLike');
  checkOptions('randintLike', o, RANDOM_KEYS);
  return randintFrom(low, high, t.shape, o, 'randintLike');
}

/**
 * A tensor with `t`'s shape, dtype and device (unless overridden). adjoint has no uninitialised memory: it is
 * zero-filled, like `zerosLike` (PyTorch's empty_like leaves it undefined, so code that relies on nothing else
 * ports unchanged).
 *
 * @example
 * ```ts
 * const buf = emptyLike(x);
 * ```
 */
export function emptyLike(t: Tensor, opts: TensorOptions = {}): Tensor {
  return full(t.shape, 0, likeOptions(t, opts, 'emptyLike'));
}

/**
 * A random permutation of `0 … n-1` (int32).
 *
 * @example
 * ```ts
 * const order = randperm(x.shape[0]!); // shuffle the rows of x
 * const shuffled = x.indexSelect(0, order);
 * ```
 */
export function randperm(n: number, opts: RandomOptions = {}): Tensor {
  checkShape([n], 'randperm');
  checkOptions('randperm', opts, RANDOM_KEYS);
  const g = opts.generator ?? defaultGenerator;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = g.int(0, i + 1);
    const t = out[i]!; out[i] = out[j]!; out[j] = t;
  }
  return finish(out, [n], 'int32', { ...opts, dtype: 'int32' });
}
