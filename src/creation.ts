import { allocate, checkDType, type DType, type TypedArray } from './dtype.js';
import { defaultGenerator, type Generator } from './random.js';
import { fmtShape, sizeOf, type Shape } from './shape.js';
import { Tensor, type NestedArray } from './tensor.js';

/** Options shared by the creation functions. */
export interface TensorOptions {
  /** Element type; float32 unless the data says otherwise (booleans → bool, Int32Array → int32, …). */
  readonly dtype?: DType;
  /** Make the new tensor a leaf that gradients flow to. */
  readonly requiresGrad?: boolean;
}

/** Options of the random creation functions. */
export interface RandomOptions extends TensorOptions {
  /** The generator to draw from (default: the global one that `manualSeed` seeds). */
  readonly generator?: Generator;
}

/** What `tensor()` accepts. */
export type TensorData = NestedArray | readonly number[] | TypedArray | Tensor;

function finish(data: TypedArray, shape: Shape, dtype: DType, opts: TensorOptions): Tensor {
  const t = Tensor.fromArray(data, shape, dtype);
  if (opts.requiresGrad) t.requiresGrad = true;
  return t;
}

function checkShape(shape: Shape, op: string): void {
  if (!Array.isArray(shape)) throw new Error(`${op}: shape must be an array of sizes, e.g. [2, 3]; got ${typeof shape}.`);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new Error(`${op}: invalid shape ${fmtShape(shape)}: sizes must be non-negative integers.`);
    }
  }
  const n = sizeOf(shape);
  if (n > 2 ** 31 - 1) {
    throw new Error(`${op}: shape ${fmtShape(shape)} has ${n} elements, more than a typed array can hold (2^31 - 1). Use a smaller shape.`);
  }
}

function dtypeOfArray(a: TypedArray): DType {
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Uint8Array) return 'bool';
  return 'float32';
}

function store(out: TypedArray, values: ArrayLike<number | boolean>, dtype: DType, op: string): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const x = typeof v === 'boolean' ? (v ? 1 : 0) : v;
    if (dtype === 'int32' && !Number.isFinite(x)) {
      throw new Error(`${op}: cannot convert ${x} (element ${i}) to int32: integer tensors hold finite values only.`);
    }
    out[i] = dtype === 'bool' ? (x !== 0 ? 1 : 0) : dtype === 'int32' ? Math.trunc(x) : x;
  }
}

/** Walk nested arrays, checking they are rectangular and numeric; returns the shape and the flat values. */
function flattenNested(data: NestedArray): { shape: number[]; values: (number | boolean)[]; bools: boolean } {
  const shape: number[] = [];
  let probe: NestedArray = data;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    if (probe.length === 0) break;
    probe = probe[0]!;
  }
  const values: (number | boolean)[] = [];
  let bools = true;
  const visit = (v: NestedArray, depth: number, path: number[]): void => {
    if (depth < shape.length) {
      if (!Array.isArray(v)) {
        throw new Error(`tensor: ragged nested array: expected a sequence of length ${shape[depth]} at dim ${depth} (index [${path.join(', ')}]), got a ${typeof v}. Every row must have the same length.`);
      }
      if (v.length !== shape[depth]) {
        throw new Error(`tensor: ragged nested array: expected a sequence of length ${shape[depth]} at dim ${depth} (got ${v.length}) at index [${path.join(', ')}]. Every row must have the same length.`);
      }
      for (let i = 0; i < v.length; i++) visit(v[i]!, depth + 1, [...path, i]);
      return;
    }
    if (Array.isArray(v)) {
      throw new Error(`tensor: ragged nested array: expected a number at index [${path.join(', ')}], got a sequence. Every row must have the same depth.`);
    }
    if (typeof v !== 'number' && typeof v !== 'boolean') {
      const shown = typeof v === 'string' ? `the string '${v}'` : v === null ? 'null' : v === undefined ? 'undefined' : `${typeof v === 'object' ? 'an' : 'a'} ${typeof v}`;
      throw new Error(`tensor: element at index [${path.join(', ')}] is ${shown}; tensor data must be numbers or booleans.`);
    }
    if (typeof v === 'number') bools = false;
    values.push(v);
  };
  visit(data, 0, []);
  return { shape, values, bools: bools && values.length > 0 };
}

/**
 * Create a tensor from a number, nested arrays, or a flat array / typed array with `shape`.
 * Numbers give float32 by default, booleans give bool, typed arrays keep their type.
 *
 * @example
 * ```ts
 * tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * tensor(new Float32Array(6), { shape: [2, 3] });
 * tensor([0, 3, 1], { dtype: 'int32' });
 * ```
 */
export function tensor(data: TensorData, opts: TensorOptions & { readonly shape?: readonly number[] } = {}): Tensor {
  if (data instanceof Tensor) {
    const dtype = opts.dtype ? checkDType(opts.dtype, 'tensor') : data.dtype;
    const out = allocate(dtype, data.size);
    store(out, data.data(), dtype, 'tensor');
    return finish(out, opts.shape ?? data.shape, dtype, opts);
  }
  if (ArrayBuffer.isView(data)) {
    const arr = data as TypedArray;
    const dtype = opts.dtype ? checkDType(opts.dtype, 'tensor') : dtypeOfArray(arr);
    const shape = opts.shape ?? [arr.length];
    checkShape(shape, 'tensor');
    if (sizeOf(shape) !== arr.length) {
      throw new Error(`tensor: shape ${fmtShape(shape)} needs ${sizeOf(shape)} elements but the data has ${arr.length}. Pass a shape whose sizes multiply to ${arr.length}, or data of ${sizeOf(shape)} elements.`);
    }
    const out = allocate(dtype, arr.length);
    if (dtype === dtypeOfArray(arr)) (out as Float64Array).set(arr as Float64Array);
    else store(out, arr, dtype, 'tensor');
    return finish(out, shape, dtype, opts);
  }
  const { shape: nestedShape, values, bools } = typeof data === 'number' || typeof data === 'boolean'
    ? { shape: [] as number[], values: [data], bools: typeof data === 'boolean' }
    : flattenNested(data as NestedArray);
  const dtype = opts.dtype ? checkDType(opts.dtype, 'tensor') : bools ? 'bool' : 'float32';
  let shape: readonly number[] = nestedShape;
  if (opts.shape) {
    checkShape(opts.shape, 'tensor');
    if (sizeOf(opts.shape) !== values.length) {
      throw new Error(`tensor: shape ${fmtShape(opts.shape)} needs ${sizeOf(opts.shape)} elements but the data has ${values.length}. Pass a shape whose sizes multiply to ${values.length}, or data of ${sizeOf(opts.shape)} elements.`);
    }
    shape = opts.shape;
  }
  const out = allocate(dtype, values.length);
  store(out, values, dtype, 'tensor');
  return finish(out, shape, dtype, opts);
}

/**
 * A tensor filled with `value`.
 *
 * @example
 * ```ts
 * full([2, 2], 7);
 * ```
 */
export function full(shape: readonly number[], value: number, opts: TensorOptions = {}): Tensor {
  return filled(shape, value, opts, 'full');
}

function filled(shape: readonly number[], value: number, opts: TensorOptions, op: string): Tensor {
  checkShape(shape, op);
  const dtype = opts.dtype ? checkDType(opts.dtype, op) : 'float32';
  const out = allocate(dtype, sizeOf(shape));
  if (value !== 0) out.fill(dtype === 'bool' ? (value !== 0 ? 1 : 0) : value);
  return finish(out, [...shape], dtype, opts);
}

/** Zeros of `shape`. @example `zeros([2, 3])` */
export function zeros(shape: readonly number[], opts: TensorOptions = {}): Tensor {
  return filled(shape, 0, opts, 'zeros');
}

/** Ones of `shape`. @example `ones([3], { dtype: 'float64' })` */
export function ones(shape: readonly number[], opts: TensorOptions = {}): Tensor {
  return filled(shape, 1, opts, 'ones');
}

/** Zeros with `t`'s shape and dtype (unless overridden). @example `zerosLike(x)` */
export function zerosLike(t: Tensor, opts: TensorOptions = {}): Tensor {
  return full(t.shape, 0, { dtype: t.dtype, ...opts });
}

/** Ones with `t`'s shape and dtype (unless overridden). @example `onesLike(x)` */
export function onesLike(t: Tensor, opts: TensorOptions = {}): Tensor {
  return full(t.shape, 1, { dtype: t.dtype, ...opts });
}

/** `value` with `t`'s shape and dtype (unless overridden). @example `fullLike(x, 0.5)` */
export function fullLike(t: Tensor, value: number, opts: TensorOptions = {}): Tensor {
  return full(t.shape, value, { dtype: t.dtype, ...opts });
}

/**
 * Values `start, start+step, …` below `end`; `arange(n)` is `0 … n-1`. Integer arguments give int32 unless a
 * dtype is given, as in PyTorch.
 *
 * @example
 * ```ts
 * arange(5);            // int32 [0, 1, 2, 3, 4]
 * arange(0, 1, 0.25);   // float32 [0, 0.25, 0.5, 0.75]
 * ```
 */
export function arange(start: number, end?: number, step = 1, opts: TensorOptions = {}): Tensor {
  const [lo, hi] = end === undefined ? [0, start] : [start, end];
  if (step === 0 || !Number.isFinite(step)) throw new Error(`arange: step must be a finite nonzero number, got ${step}.`);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw new Error(`arange: start and end must be finite, got ${lo} and ${hi}.`);
  if ((hi - lo) / step < 0) {
    throw new Error(`arange: upper bound and larger bound inconsistent with step sign: start=${lo}, end=${hi}, step=${step}.`);
  }
  const n = Math.max(0, Math.ceil((hi - lo) / step));
  const allInt = Number.isInteger(lo) && Number.isInteger(hi) && Number.isInteger(step);
  const dtype = opts.dtype ? checkDType(opts.dtype, 'arange') : allInt ? 'int32' : 'float32';
  const out = allocate(dtype, n);
  for (let i = 0; i < n; i++) out[i] = lo + i * step;
  return finish(out, [n], dtype, opts);
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
  if (!Number.isInteger(steps) || steps < 0) throw new Error(`linspace: steps must be a non-negative integer, got ${steps}.`);
  const dtype = opts.dtype ? checkDType(opts.dtype, 'linspace') : 'float32';
  const out = allocate(dtype, steps);
  // PyTorch's algorithm in the dtype's arithmetic (float32 rounds every step; integers truncate the ends and step
  // in float64): the first half counts up from start and the second half down from end, so both ends are exact.
  const r = dtype === 'float32' ? Math.fround : (v: number) => v;
  const [lo, hi] = dtype === 'float32' || dtype === 'float64' ? [r(start), r(end)] : [Math.trunc(start), Math.trunc(end)];
  const step = r(r(hi - lo) / (steps - 1));
  const half = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) {
    out[i] = steps === 1 ? lo : i < half ? r(lo + r(step * i)) : r(hi - r(step * (steps - i - 1)));
  }
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
  const dtype = opts.dtype ? checkDType(opts.dtype, 'eye') : 'float32';
  const out = allocate(dtype, n * m);
  for (let i = 0; i < Math.min(n, m); i++) out[i * m + i] = 1;
  return finish(out, [n, m], dtype, opts);
}

function randomFill(shape: readonly number[], opts: RandomOptions, op: string, draw: (g: Generator) => number): Tensor {
  checkShape(shape, op);
  const dtype = opts.dtype ? checkDType(opts.dtype, op) : 'float32';
  const g = opts.generator ?? defaultGenerator;
  const out = allocate(dtype, sizeOf(shape));
  for (let i = 0; i < out.length; i++) out[i] = draw(g);
  return finish(out, [...shape], dtype, opts);
}

/** Uniform samples in [0, 1). @example `rand([2, 3])` */
export function rand(shape: readonly number[], opts: RandomOptions = {}): Tensor {
  return randomFill(shape, opts, 'rand', (g) => g.random());
}

/** Standard normal samples. @example `randn([64, 784])` */
export function randn(shape: readonly number[], opts: RandomOptions = {}): Tensor {
  return randomFill(shape, opts, 'randn', (g) => g.normal());
}

/** Uniform integers in [low, high), int32 by default. @example `randint(0, 10, [5])` */
export function randint(low: number, high: number, shape: readonly number[], opts: RandomOptions = {}): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new Error(`randint: expected integers low < high, got low=${low}, high=${high}.`);
  }
  return randomFill(shape, { dtype: 'int32', ...opts }, 'randint', (g) => g.int(low, high));
}

/** A random permutation of `0 … n-1` (int32). @example `randperm(10)` */
export function randperm(n: number, opts: RandomOptions = {}): Tensor {
  checkShape([n], 'randperm');
  const g = opts.generator ?? defaultGenerator;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = g.int(0, i + 1);
    const t = out[i]!; out[i] = out[j]!; out[j] = t;
  }
  return Tensor.fromArray(out, [n], 'int32');
}
