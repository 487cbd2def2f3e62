// Derives the exported functions and the Tensor methods from the op table, the composites and the in-place
// ops. `autograd/record.ts` calls `installOps` as it loads, so the methods exist before any op can run, whatever
// module was imported first.
import { backward as runBackward, type BackwardOptions } from '../autograd/engine.js';
import { gradEdge } from '../autograd/graph.js';
import { fmtShape } from '../shape.js';
import { enableGrad } from '../autograd/grad-mode.js';
import { setViewReplay, Tensor, type TensorHook } from '../tensor.js';
import { COMPOSITES } from './composite.js';
import type { AnyOp, Caller, Run } from './define.js';
import { INPLACE_OPS } from './inplace.js';
import type { OverloadedFunctions, OverloadedMethods } from './signatures.js';
import type { NonzeroOptions } from './slicing.js';
import { FUNCTION_ONLY, METHOD_ONLY, OP_TABLE } from './table.js';

type CallArgs<E> = E extends { call(run: never, ...args: infer P): unknown } ? P : never;
type CallResult<E> = E extends { call(run: never, ...args: never): infer R } ? R : never;
type FnArgs<E> = E extends { fn(call: never, ...args: infer P): unknown } ? P : never;
type FnResult<E> = E extends { fn(call: never, ...args: never): infer R } ? R : never;

type Table = typeof OP_TABLE;
type Composites = typeof COMPOSITES;
type InPlace = typeof INPLACE_OPS;

/**
 * Signatures whose result depends on an argument, which an entry's one call signature cannot say: they come
 * first, so that they are tried before the entry's own.
 */
interface Overloads {
  /** `where(condition)`: the indices of the nonzero elements, one 1-d int32 tensor per dimension (`nonzero(condition, { asTuple: true })`). */
  where(condition: Tensor): Tensor[];
  /** One 1-d int32 tensor of indices per dimension. */
  nonzero(x: Tensor, options: NonzeroOptions & { readonly asTuple: true }): Tensor[];
}

/**
 * The function of every op, by name: primitives, composites and in-place ops (those of signatures.ts with its
 * overloads instead of the entry's signature).
 */
export type Functions = Overloads & {
  [K in keyof Table]: K extends keyof OverloadedFunctions ? OverloadedFunctions[K] : (...args: CallArgs<Table[K]>) => CallResult<Table[K]>
} & {
  [K in keyof Composites]: K extends keyof OverloadedFunctions ? OverloadedFunctions[K] : (...args: FnArgs<Composites[K]>) => FnResult<Composites[K]>
} & { [K in keyof InPlace]: (...args: FnArgs<InPlace[K]>) => FnResult<InPlace[K]> };

type DropFirst<F> = F extends (first: never, ...rest: infer R) => infer Out ? (...args: R) => Out : never;

/** The Tensor methods derived from the functions: every op but the function-only ones, the tensor first. */
export type OpMethods = {
  [K in Exclude<keyof Functions, (typeof FUNCTION_ONLY)[number]>]: K extends keyof OverloadedMethods ? OverloadedMethods[K] : DropFirst<Functions[K]>
};

declare module '../tensor.js' {
  interface Tensor extends OpMethods {
    /** `condition ? this : other` (PyTorch's `Tensor.where`). */
    where(condition: Tensor, other: Tensor | number): Tensor;
    /** The indices of the nonzero elements, one 1-d int32 tensor per dimension. */
    nonzero(options: NonzeroOptions & { readonly asTuple: true }): Tensor[];
    /** The indices of the nonzero elements as an int32 tensor `[count, ndim]`. */
    nonzero(options?: NonzeroOptions): Tensor;
    /** Transpose of a tensor of at most 2 dims (a view). */
    readonly T: Tensor;
    /** Compute gradients of this tensor with respect to the graph's leaves (see `backward`). */
    backward(gradient?: Tensor | null, options?: BackwardOptions): void;
    /** Keep `.grad` for this non-leaf tensor during backward. */
    retainGrad(): void;
    /** Run `hook(grad)` when this tensor's gradient is computed; returning a tensor replaces it. Returns a remover. */
    registerHook(hook: TensorHook): () => void;
  }
}

type AnyFn = (...args: never[]) => unknown;

function define(name: string, fn: (this: Tensor, ...args: never[]) => unknown): void {
  Object.defineProperty(Tensor.prototype, name, { value: fn, writable: true, configurable: true });
}

let installed: Functions | null = null;

/**
 * Build every op's function (calling entries through `call`) and install the Tensor methods; returns the
 * functions. Runs once: later calls return the same functions.
 *
 * @example
 * ```ts
 * const FUNCTIONS = installOps(callOp);
 * ```
 */
export function installOps(call: Caller, runOf: (op: AnyOp) => Run<unknown>): Functions {
  if (installed) return installed;
  const fns: Record<string, AnyFn> = Object.create(null) as Record<string, AnyFn>;
  const methods: Record<string, (this: Tensor, ...args: never[]) => unknown> = Object.create(null) as Record<string, (this: Tensor, ...args: never[]) => unknown>;
  for (const [name, op] of Object.entries(OP_TABLE) as [string, AnyOp][]) {
    // The hottest path of the library: each op's run function is made once, and a call passes its arguments
    // straight through (one rest array, one spread), with no lookup.
    const run = runOf(op);
    fns[name] = (...args: never[]) => op.call(run, ...args);
    methods[name] = function (this: Tensor, ...args: never[]) { return op.call(run, this, ...args); };
  }
  for (const [name, c] of Object.entries(COMPOSITES)) {
    const f = c.fn as (call: Caller, ...args: never[]) => unknown;
    fns[name] = (...args: never[]) => f(call, ...args);
  }
  for (const [name, c] of Object.entries(INPLACE_OPS)) {
    const f = c.fn as (call: Caller, ...args: never[]) => unknown;
    fns[name] = (...args: never[]) => f(call, ...args);
  }
  const functionOnly: readonly string[] = FUNCTION_ONLY;
  for (const [name, f] of Object.entries(fns)) {
    if (functionOnly.includes(name)) continue;
    const g = f as (self: Tensor, ...args: never[]) => unknown;
    define(name, methods[name] ?? function (this: Tensor, ...args: never[]) { return g(this, ...args); });
  }
  const where = fns.where as (cond: Tensor, a: Tensor | number, b: Tensor | number) => Tensor;
  define('where', function (this: Tensor, condition: Tensor, other: Tensor | number) { return where(condition, this, other); });
  Object.defineProperty(Tensor.prototype, 'T', {
    get(this: Tensor) {
      if (this.ndim > 2) throw new Error(`T: only defined for tensors with at most 2 dims, got shape ${fmtShape(this.shape)}; use transpose(-2, -1) or permute().`);
      return this.ndim < 2 ? this : this.transpose(0, 1);
    },
    configurable: true,
  });
  installAutogradMethods();
  installed = fns as unknown as Functions;
  const asStrided = installed.asStrided;
  // A view whose base was written in place since it was made is replayed on the base's current history.
  setViewReplay((v) => {
    const version = v.storage.version;
    v._viewVersion = version;
    const base = v._base!;
    v._gradFn = enableGrad(() => asStrided(base, v.shape, v.strides, v.offset))._gradFn;
  });
  return installed;
}

/** The names every function is exported under (all but the method-only ops). @internal */
export function exportedNames(): string[] {
  const methodOnly: readonly string[] = METHOD_ONLY;
  return [...Object.keys(OP_TABLE), ...Object.keys(COMPOSITES), ...Object.keys(INPLACE_OPS)].filter((n) => !methodOnly.includes(n));
}

function installAutogradMethods(): void {
  define('backward', function (this: Tensor, gradient?: Tensor | null, options?: BackwardOptions) {
    runBackward(this, gradient, options);
  });
  define('retainGrad', function (this: Tensor) {
    if (!this.requiresGrad) {
      throw new Error(`retainGrad: can't retain the gradient of a tensor that does not require grad (shape ${fmtShape(this.shape)}).`);
    }
    if (this.isLeaf || this._retainsGrad) return;
    this._retainsGrad = true;
    const node = this.gradFn!;
    const hook: TensorHook = (g) => {
      this.grad = this.grad === null ? g.detach() : this.grad.add(g.detach());
    };
    (node.preHooks ??= []).push(hook);
  });
  define('registerHook', function (this: Tensor, hook: TensorHook) {
    if (typeof hook !== 'function') throw new Error(`registerHook: expected a function, got ${typeof hook}.`);
    if (!this.requiresGrad) {
      throw new Error(`registerHook: cannot register a hook on a tensor that doesn't require gradient (shape ${fmtShape(this.shape)}). Set requiresGrad first.`);
    }
    const node = gradEdge(this)!;
    const hooks = (node.preHooks ??= []);
    // Run before a retainGrad hook, so retained gradients see the hooks' changes as in PyTorch.
    hooks.splice(this._retainsGrad ? hooks.length - 1 : hooks.length, 0, hook);
    return () => {
      const i = hooks.indexOf(hook);
      if (i >= 0) hooks.splice(i, 1);
    };
  });
}
