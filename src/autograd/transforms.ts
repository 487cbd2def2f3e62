import { fmtShape, sameShape } from '../shape.js';
import { stack } from '../ops/api.generated.js';
import { zerosFor, zerosOn } from '../ops/buffers.js';
import { Tensor } from '../tensor.js';
import { gradEdge } from './graph.js';
import { grad as reverse } from './engine.js';
import { setTangent, tangentOf, withForwardLevel } from './forward-ad.js';
import { enableGrad } from './grad-mode.js';
import { isFloating } from '../dtype.js';

/** A function of tensors to one tensor, as `func.grad`, `hessian` and `jacobian` take. @example `const f: TensorFunction = (x) => x.sin().sum();` */
export type TensorFunction = (...args: Tensor[]) => Tensor;
/** A function of tensors to a tensor or several, as `vjp`, `jvp` and `gradcheck` take. @example `const f: TensorsFunction = (x, y) => [x.mul(y), x.add(y)];` */
export type TensorsFunction = (...args: Tensor[]) => Tensor | readonly Tensor[];

/**
 * A tensor standing for `x` inside a transform: same storage, graph and tangent, but requiring grad so the
 * transform can differentiate with respect to it. When `x` already requires grad it is used as is, which is
 * what lets transforms nest (a gradient of a gradient differentiates through the inner one).
 */
function differentiable(x: Tensor, op: string): Tensor {
  if (!(x instanceof Tensor)) throw new Error(`${op}: arguments to differentiate must be Tensors, got ${typeof x}.`);
  if (!isFloating(x.dtype)) {
    throw new Error(`${op}: can only differentiate with respect to floating-point tensors, got ${x.dtype} (shape ${fmtShape(x.shape)}). Convert it with .to('float32').`);
  }
  if (x.requiresGrad) return x;
  const a = alias(x);
  a._requiresGrad = true;
  return a;
}

function alias(x: Tensor): Tensor {
  const a = new Tensor(x.storage, x.shape, x.dtype, x.strides, x.offset);
  a.gradFn = x.gradFn;
  a._requiresGrad = x._requiresGrad;
  if (x.isLeaf && x._requiresGrad) a._accumulator = gradEdge(x);
  const t = tangentOf(x);
  if (t) setTangent(a, t);
  return a;
}

function argList(argnums: number | readonly number[], n: number, op: string): number[] {
  const list = typeof argnums === 'number' ? [argnums] : [...argnums];
  for (const k of list) {
    if (!Number.isInteger(k) || k < 0 || k >= n) throw new Error(`${op}: argnums ${JSON.stringify(argnums)} is out of range for a call with ${n} arguments.`);
  }
  return list;
}

function checkScalar(out: Tensor, op: string): void {
  if (!(out instanceof Tensor) || out.size !== 1) {
    const shape = out instanceof Tensor ? fmtShape(out.shape) : typeof out;
    throw new Error(
      `${op}: the function must return a scalar (one-element) tensor, but returned shape ${shape}. Reduce it first ` +
        `(e.g. .sum()), or use jacobian() or vjp() for non-scalar outputs.`,
    );
  }
}

/** Options of `grad` and `valueAndGrad`. */
export interface FuncGradOptions {
  /** Which positional arguments to differentiate with respect to (default 0). */
  readonly argnums?: number | readonly number[];
}

function valueAndGradImpl(f: TensorFunction, argnums: number | readonly number[], op: string) {
  return (...args: Tensor[]): [Tensor, Tensor | Tensor[]] => {
    const nums = argList(argnums, args.length, op);
    // Build the gradient's own graph only when an outer transform differentiates through it.
    const createGraph = nums.some((k) => args[k]!.requiresGrad);
    const xs = args.slice();
    for (const k of nums) xs[k] = differentiable(args[k]!, op);
    const value = enableGrad(() => f(...xs));
    checkScalar(value, op);
    const inputs = nums.map((k) => xs[k]!);
    const gs = value.requiresGrad
      ? reverse(value, inputs, { createGraph, retainGraph: createGraph, allowUnused: true })
      : inputs.map(() => null);
    const out = gs.map((g, i) => g ?? zerosFor(inputs[i]!));
    return [value, typeof argnums === 'number' ? out[0]! : out];
  };
}

/**
 * JAX-style `grad`: a function that returns the gradient of scalar-valued `f` with respect to argument
 * `argnums` (an array of gradients when `argnums` is a list). Composes: `grad(grad(f))` is the second derivative.
 *
 * @example
 * ```ts
 * const df = func.grad((x) => x.pow(3).sum());
 * df(tensor([2])); // [12]
 * ```
 */
export function gradTransform(f: TensorFunction, options: FuncGradOptions = {}): (...args: Tensor[]) => Tensor | Tensor[] {
  const inner = valueAndGradImpl(f, options.argnums ?? 0, 'func.grad');
  return (...args) => inner(...args)[1];
}

/**
 * Like `func.grad`, but the function returns `[value, gradient]`.
 *
 * @example
 * ```ts
 * const [loss, g] = valueAndGrad((w) => w.mul(w).sum())(tensor([1, 2]));
 * ```
 */
export function valueAndGrad(f: TensorFunction, options: FuncGradOptions = {}): (...args: Tensor[]) => [Tensor, Tensor | Tensor[]] {
  return valueAndGradImpl(f, options.argnums ?? 0, 'valueAndGrad');
}

/**
 * Forward mode: the outputs of `f(primals)` and the Jacobian-vector products `J·tangents`, in one forward
 * pass that carries a tangent beside every value (dual numbers), without building a backward graph.
 *
 * @example
 * ```ts
 * const [y, dy] = jvp((x) => x.sin(), [tensor([0])], [tensor([1])]); // dy = cos(0)·1
 * ```
 */
export function jvp(f: TensorsFunction, primals: readonly Tensor[], tangents: readonly Tensor[]): [Tensor | readonly Tensor[], Tensor | Tensor[]] {
  if (primals.length !== tangents.length) {
    throw new Error(`jvp: got ${primals.length} primals and ${tangents.length} tangents; pass one tangent per primal.`);
  }
  primals.forEach((p, i) => {
    if (!sameShape(p.shape, tangents[i]!.shape)) {
      throw new Error(`jvp: tangent ${i} has shape ${fmtShape(tangents[i]!.shape)} but primal ${i} has shape ${fmtShape(p.shape)}; they must match.`);
    }
  });
  return withForwardLevel(() => {
    const duals = primals.map((p, i) => {
      const d = alias(p);
      setTangent(d, tangents[i]!.dtype === p.dtype ? tangents[i]! : tangents[i]!.to(p.dtype));
      return d;
    });
    const out = f(...duals);
    const outs = out instanceof Tensor ? [out] : [...out];
    const touts = outs.map((o) => tangentOf(o) ?? zerosFor(o));
    return [out, out instanceof Tensor ? touts[0]! : touts];
  });
}

/**
 * Reverse mode as a function: the outputs of `f(primals)` and a pullback mapping output cotangents to the
 * inputs' cotangents (vector-Jacobian products). The pullback can be called more than once.
 *
 * @example
 * ```ts
 * const [y, pullback] = vjp((x) => x.mul(2), tensor([1, 2]));
 * pullback(tensor([1, 1])); // [[2, 2]]
 * ```
 */
export function vjp(f: TensorsFunction, ...primals: Tensor[]): [Tensor | readonly Tensor[], (cotangents: Tensor | readonly Tensor[]) => Tensor[]] {
  const createGraph = primals.some((p) => p.requiresGrad);
  const xs = primals.map((p) => differentiable(p, 'vjp'));
  const out = enableGrad(() => f(...xs));
  const outs = out instanceof Tensor ? [out] : [...out];
  const pullback = (cotangents: Tensor | readonly Tensor[]): Tensor[] => {
    const cts = cotangents instanceof Tensor ? [cotangents] : [...cotangents];
    if (cts.length !== outs.length) throw new Error(`vjp: the pullback got ${cts.length} cotangents for ${outs.length} outputs.`);
    const live = outs.map((o, i) => ({ o, c: cts[i]! })).filter(({ o }) => o.requiresGrad);
    const gs = live.length
      ? reverse(live.map((l) => l.o), xs, { gradOutputs: live.map((l) => l.c), retainGraph: true, createGraph, allowUnused: true })
      : xs.map(() => null);
    return gs.map((g, i) => g ?? zerosFor(xs[i]!));
  };
  return [out, pullback];
}

/** Options of `jacobian`. */
export interface JacobianOptions {
  /** 'rev': one reverse pass per output element; 'fwd': one forward pass per input element. */
  readonly mode?: 'rev' | 'fwd';
}

/** The k-th standard basis tensor of `like`'s shape: a one-hot, written by the backend's fill. */
function basis(like: Tensor, k: number): Tensor {
  const e = zerosOn(like.storage.device, like.dtype, like.shape);
  e.storage.device.backend.fill(like.dtype, { buffer: e.buffer, offset: k, strides: [] }, [], 1);
  return e;
}

/**
 * The Jacobian of `f` at `x`, shaped `[...f(x).shape, ...x.shape]`, by reverse mode (rows) or forward mode
 * (columns): choose 'fwd' when `x` has fewer elements than `f(x)`.
 *
 * @example
 * ```ts
 * jacobian((x) => x.mul(x), tensor([1, 2]), { mode: 'fwd' }); // [[2, 0], [0, 4]]
 * ```
 */
export function jacobian(f: TensorFunction, x: Tensor, options: JacobianOptions = {}): Tensor {
  const mode = options.mode ?? 'rev';
  if (mode === 'fwd') {
    let outShape: readonly number[] = [];
    const cols: Tensor[] = [];
    for (let k = 0; k < x.size; k++) {
      const [y, t] = jvp(f, [x], [basis(x, k)]);
      outShape = (y as Tensor).shape;
      cols.push((t as Tensor).reshape([-1]));
    }
    if (x.size === 0) return zerosOn(x.storage.device, x.dtype, [...f(x).shape, ...x.shape]);
    return stack(cols, 1).reshape([...outShape, ...x.shape]);
  }
  if (mode !== 'rev') throw new Error(`jacobian: mode must be 'rev' or 'fwd', got '${String(mode)}'.`);
  const [y, pullback] = vjp(f, x);
  const out = y as Tensor;
  const rows: Tensor[] = [];
  for (let j = 0; j < out.size; j++) rows.push(pullback(basis(out, j))[0]!.reshape([-1]));
  if (out.size === 0 || x.size === 0) return zerosOn(out.storage.device, out.dtype, [...out.shape, ...x.shape]);
  return stack(rows, 0).reshape([...out.shape, ...x.shape]);
}

/**
 * The Hessian of scalar-valued `f` at `x`, shaped `[...x.shape, ...x.shape]`: forward mode over reverse
 * mode, one Hessian-vector product per column.
 *
 * @example
 * ```ts
 * hessian((x) => x.pow(3).sum(), tensor([1, 2])); // [[6, 0], [0, 12]]
 * ```
 */
export function hessian(f: TensorFunction, x: Tensor): Tensor {
  return jacobian(gradTransform(f) as TensorFunction, x, { mode: 'fwd' });
}

/**
 * The Hessian-vector product `H·v` of scalar-valued `f` at `x`, by forward mode over reverse mode: one
 * gradient evaluation carrying tangents, never forming H.
 *
 * @example
 * ```ts
 * hvp((x) => x.pow(3).sum(), tensor([1, 2]), tensor([1, 0])); // [6, 0]
 * ```
 */
export function hvp(f: TensorFunction, x: Tensor, v: Tensor): Tensor {
  const [, t] = jvp(gradTransform(f) as TensorFunction, [x], [v]);
  return t as Tensor;
}
