import { fmtShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { grad } from './engine.js';
import type { TensorsFunction } from './transforms.js';
import { Generator } from '../random.js';
// Tensor methods are installed with the op table: loading it here lets this module work when imported alone.
import './record.js';

/** Tolerances of `gradcheck` (PyTorch's defaults). */
export interface GradcheckOptions {
  /** Finite-difference step. */
  readonly eps?: number;
  /** Absolute tolerance of the comparison (default 1e-5). */
  readonly atol?: number;
  /** Relative tolerance of the comparison (default 1e-3). */
  readonly rtol?: number;
  /** Return false instead of throwing on a mismatch. */
  readonly raiseException?: boolean;
}


function outputsOf(fn: TensorsFunction, inputs: readonly Tensor[]): Tensor[] {
  const out = fn(...inputs);
  return out instanceof Tensor ? [out] : [...out];
}

/**
 * Check a function's analytic gradients against central finite differences: builds both Jacobians (one
 * reverse pass per output element, two evaluations per input element) and compares them elementwise with
 * `|analytic - numeric| ≤ atol + rtol·|numeric|`. Use float64 inputs that require grad.
 * Returns true, or throws naming the output, the input and the element that disagree.
 *
 * @example
 * ```ts
 * const x = randn([3], { dtype: 'float64', requiresGrad: true });
 * gradcheck((x) => x.tanh().sum(), [x]); // true
 * ```
 */
export function gradcheck(fn: TensorsFunction, inputs: readonly Tensor[], options: GradcheckOptions = {}): boolean {
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-3, raiseException = true } = options;
  const diff = inputs.filter((t) => t.requiresGrad);
  if (diff.length === 0) throw new Error('gradcheck: no input requires grad; create the inputs with { requiresGrad: true }.');
  for (const [i, t] of inputs.entries()) {
    if (t.requiresGrad && t.dtype !== 'float64') {
      throw new Error(`gradcheck: input ${i} has dtype ${t.dtype}; finite differences need float64 inputs to be meaningful. Use { dtype: 'float64' }.`);
    }
  }
  const outs = outputsOf(fn, inputs);
  const fail = (msg: string): boolean => {
    if (raiseException) throw new Error(msg);
    return false;
  };
  for (const [oi, out] of outs.entries()) {
    if (out.dtype !== 'float64' && out.dtype !== 'float32') continue;
    const n = out.size;
    // analytic[i][j][k]: d out[j] / d input_i[k]; an output that does not require grad has a zero Jacobian,
    // which the finite differences must then confirm.
    const analytic = diff.map((t) => Array.from({ length: n }, () => new Float64Array(t.size)));
    for (let j = 0; j < n && out.requiresGrad; j++) {
      const seed = new Float64Array(n);
      seed[j] = 1;
      const seedT = Tensor.fromHost(out.dtype === 'float32' ? new Float32Array(seed) : seed, out.shape, out.dtype, out.storage.device);
      const gs = grad([out], diff, { gradOutputs: [seedT], retainGraph: true, allowUnused: true });
      gs.forEach((g, i) => { if (g) analytic[i]![j]!.set(g.data()); });
    }
    for (const [ii, t] of diff.entries()) {
      // Each element is perturbed where it lives, through the backend, so that `fn` sees it however it reaches
      // the input (as an argument or through a closure), on any device.
      const backend = t.storage.device.backend;
      const set = (pos: number, v: number): void => backend.fill(t.dtype, { buffer: t.buffer, offset: pos, strides: [] }, [], v);
      for (let k = 0; k < t.size; k++) {
        const pos = flatOffset(t, k);
        const orig = backend.readScalar(t.buffer, t.dtype, pos);
        set(pos, orig + eps);
        const plus = outputsOf(fn, inputs)[oi]!.data();
        set(pos, orig - eps);
        const minus = outputsOf(fn, inputs)[oi]!.data();
        set(pos, orig);
        for (let j = 0; j < n; j++) {
          const numeric = (plus[j]! - minus[j]!) / (2 * eps);
          const a = analytic[ii]![j]![k]!;
          const bad = !(Math.abs(a - numeric) <= atol + rtol * Math.abs(numeric)) && !(Number.isNaN(a) && Number.isNaN(numeric));
          if (bad) {
            return fail(
              `gradcheck: Jacobian mismatch for output ${oi} (shape ${fmtShape(out.shape)}) element ${j} with respect to input ` +
                `${inputs.indexOf(t)} (shape ${fmtShape(t.shape)}) element ${k}: numerical ${numeric}, analytical ${a} ` +
                `(atol ${atol}, rtol ${rtol}).`,
            );
          }
        }
      }
    }
  }
  return true;
}

/** Storage offset of the k-th element (row-major) of a possibly strided tensor. */
function flatOffset(t: Tensor, k: number): number {
  let off = t.offset;
  for (let d = t.ndim - 1; d >= 0; d--) {
    const size = t.shape[d]!;
    off += (k % size) * t.strides[d]!;
    k = Math.floor(k / size);
  }
  return off;
}

/**
 * Check second derivatives: `gradcheck` applied to the function that maps (inputs, gradOutputs) to the
 * gradients of `fn` (computed with `createGraph`), with random float64 gradOutputs.
 *
 * @example
 * ```ts
 * const x = randn([3], { dtype: 'float64', requiresGrad: true });
 * gradgradcheck((x) => x.tanh().sum(), [x]); // true
 * ```
 */
export function gradgradcheck(fn: TensorsFunction, inputs: readonly Tensor[], options: GradcheckOptions & { readonly seed?: number } = {}): boolean {
  const outs = outputsOf(fn, inputs);
  const gen = new Generator(options.seed ?? 0);
  const gradOutputs = outs.map((o) => {
    const data = new Float64Array(o.size).map(() => gen.normal());
    const t = Tensor.fromHost(data, o.shape, 'float64', o.storage.device);
    t.requiresGrad = true;
    return t;
  });
  const n = inputs.length;
  const firstOrder = (...args: Tensor[]): Tensor[] => {
    const xs = args.slice(0, n), gos = args.slice(n);
    const ys = outputsOf(fn, xs);
    const live = ys.map((y, i) => ({ y, go: gos[i]! })).filter(({ y }) => y.requiresGrad);
    const wrt = xs.filter((x) => x.requiresGrad);
    if (live.length === 0 || wrt.length === 0) return [];
    const gs = grad(live.map((l) => l.y), wrt, { gradOutputs: live.map((l) => l.go), createGraph: true, allowUnused: true });
    return gs.map((g, i) => g ?? Tensor.fromHost(new Float64Array(wrt[i]!.size), wrt[i]!.shape, 'float64', wrt[i]!.storage.device));
  };
  return gradcheck(firstOrder, [...inputs, ...gradOutputs], options);
}
