// Attaches the op functions to Tensor as methods. Kept apart from tensor.ts so the Tensor class does not
// import the ops (which import Tensor): no import cycles, and one name per op everywhere.
import { backward as runBackward, type BackwardOptions } from './autograd/engine.js';
import { gradEdge } from './ops/registry.js';
import * as binary from './ops/binary.js';
import { clone, to } from './ops/cast.js';
import * as indexing from './ops/indexing.js';
import { matmul } from './ops/matmul.js';
import * as movement from './ops/movement.js';
import * as reduce from './ops/reduce.js';
import { logSoftmax, softmax } from './ops/softmax.js';
import * as unary from './ops/unary.js';
import { clamp, where } from './ops/where.js';
import * as inplace from './ops/inplace.js';
import type { DType } from './dtype.js';
import { fmtShape } from './shape.js';
import { Tensor, type TensorHook } from './tensor.js';
import type { TensorLike } from './ops/util.js';

declare module './tensor.js' {
  interface Tensor {
    add(other: TensorLike): Tensor;
    sub(other: TensorLike): Tensor;
    mul(other: TensorLike): Tensor;
    div(other: TensorLike): Tensor;
    pow(exponent: TensorLike): Tensor;
    maximum(other: TensorLike): Tensor;
    minimum(other: TensorLike): Tensor;
    eq(other: TensorLike): Tensor;
    ne(other: TensorLike): Tensor;
    lt(other: TensorLike): Tensor;
    le(other: TensorLike): Tensor;
    gt(other: TensorLike): Tensor;
    ge(other: TensorLike): Tensor;
    neg(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    sqrt(): Tensor;
    abs(): Tensor;
    sin(): Tensor;
    cos(): Tensor;
    tanh(): Tensor;
    sigmoid(): Tensor;
    relu(): Tensor;
    sign(): Tensor;
    square(): Tensor;
    rsqrt(): Tensor;
    reciprocal(): Tensor;
    /** `condition ? this : other` (PyTorch's `Tensor.where`). */
    where(condition: Tensor, other: TensorLike): Tensor;
    clamp(bounds: { min?: number; max?: number }): Tensor;
    sum(dim?: reduce.Dim, keepdim?: boolean): Tensor;
    mean(dim?: reduce.Dim, keepdim?: boolean): Tensor;
    max(dim?: reduce.Dim, keepdim?: boolean): Tensor;
    min(dim?: reduce.Dim, keepdim?: boolean): Tensor;
    logsumexp(dim?: reduce.Dim, keepdim?: boolean): Tensor;
    argmax(dim?: number, keepdim?: boolean): Tensor;
    argmin(dim?: number, keepdim?: boolean): Tensor;
    matmul(other: Tensor): Tensor;
    reshape(shape: readonly number[]): Tensor;
    view(shape: readonly number[]): Tensor;
    permute(dims: readonly number[]): Tensor;
    transpose(dim0: number, dim1: number): Tensor;
    /** Transpose of a 2-d tensor (a view). */
    readonly T: Tensor;
    expand(shape: readonly number[]): Tensor;
    expandAs(other: Tensor): Tensor;
    squeeze(dim?: number | readonly number[]): Tensor;
    unsqueeze(dim: number): Tensor;
    flatten(startDim?: number, endDim?: number): Tensor;
    contiguous(): Tensor;
    narrow(dim: number, start: number, length: number): Tensor;
    indexSelect(dim: number, index: Tensor): Tensor;
    indexAdd(dim: number, index: Tensor, source: Tensor): Tensor;
    gather(dim: number, index: Tensor): Tensor;
    scatterAdd(dim: number, index: Tensor, source: Tensor): Tensor;
    softmax(dim?: number): Tensor;
    logSoftmax(dim?: number): Tensor;
    to(dtype: DType): Tensor;
    float(): Tensor;
    double(): Tensor;
    int(): Tensor;
    clone(): Tensor;
    add_(other: TensorLike): Tensor;
    sub_(other: TensorLike): Tensor;
    mul_(other: TensorLike): Tensor;
    div_(other: TensorLike): Tensor;
    clamp_(bounds: { min?: number; max?: number }): Tensor;
    fill_(value: number): Tensor;
    zero_(): Tensor;
    copy_(src: Tensor): Tensor;
    /** Compute gradients of this tensor with respect to the graph's leaves (see `backward`). */
    backward(gradient?: Tensor | null, options?: BackwardOptions): void;
    /** A new leaf sharing this tensor's data, cut from the graph. */
    detach(): Tensor;
    /** Set `requiresGrad` in place (leaves only) and return this tensor. */
    requiresGrad_(value?: boolean): Tensor;
    /** Keep `.grad` for this non-leaf tensor during backward. */
    retainGrad(): void;
    /** Run `hook(grad)` when this tensor's gradient is computed; returning a tensor replaces it. Returns a remover. */
    registerHook(hook: TensorHook): () => void;
  }
}

type Method = (this: Tensor, ...args: never[]) => unknown;
function define(name: string, fn: Method): void {
  Object.defineProperty(Tensor.prototype, name, { value: fn, writable: true, configurable: true });
}

for (const name of ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const) {
  const f = binary[name];
  define(name, function (this: Tensor, other: TensorLike) { return f(this, other); });
}
for (const name of ['neg', 'exp', 'log', 'sqrt', 'abs', 'sin', 'cos', 'tanh', 'sigmoid', 'relu', 'sign'] as const) {
  const f = unary[name];
  define(name, function (this: Tensor) { return f(this); });
}
// A bool squares to int (PyTorch's pow(x, 2)); x · x would stay bool.
define('square', function (this: Tensor) { return this.dtype === 'bool' ? binary.pow(this, 2) : binary.mul(this, this); });
define('rsqrt', function (this: Tensor) { return binary.div(1, unary.sqrt(this)); });
define('reciprocal', function (this: Tensor) { return binary.div(1, this); });
define('where', function (this: Tensor, condition: Tensor, other: TensorLike) { return where(condition, this, other); });
define('clamp', function (this: Tensor, bounds: { min?: number; max?: number }) { return clamp(this, bounds); });
for (const name of ['sum', 'mean', 'max', 'min', 'logsumexp'] as const) {
  const f = reduce[name];
  define(name, function (this: Tensor, dim?: reduce.Dim, keepdim?: boolean) { return f(this, dim, keepdim); });
}
for (const name of ['argmax', 'argmin'] as const) {
  const f = reduce[name];
  define(name, function (this: Tensor, dim?: number, keepdim?: boolean) { return f(this, dim, keepdim); });
}
define('matmul', function (this: Tensor, other: Tensor) { return matmul(this, other); });
define('reshape', function (this: Tensor, shape: readonly number[]) { return movement.reshape(this, shape); });
define('view', function (this: Tensor, shape: readonly number[]) {
  // As in PyTorch, a view needs strides that fit the new shape, not necessarily a contiguous tensor.
  const target = movement.inferShape(shape, this.size, this.shape, 'view');
  if (!movement.viewStrides(this.shape, this.strides, target)) {
    throw new Error(`view: the tensor of shape ${fmtShape(this.shape)} is not contiguous, so it cannot be viewed as ${fmtShape(shape)} without a copy. Use reshape() (copies when needed) or contiguous().view().`);
  }
  return movement.reshape(this, shape);
});
define('permute', function (this: Tensor, dims: readonly number[]) { return movement.permute(this, dims); });
define('transpose', function (this: Tensor, a: number, b: number) { return movement.transpose(this, a, b); });
Object.defineProperty(Tensor.prototype, 'T', {
  get(this: Tensor) {
    if (this.ndim > 2) throw new Error(`T: only defined for tensors with at most 2 dims, got shape ${fmtShape(this.shape)}; use transpose(-2, -1) or permute().`);
    return this.ndim < 2 ? this : movement.transpose(this, 0, 1);
  },
  configurable: true,
});
define('expand', function (this: Tensor, shape: readonly number[]) { return movement.expand(this, shape); });
define('expandAs', function (this: Tensor, other: Tensor) { return movement.expand(this, other.shape); });
define('squeeze', function (this: Tensor, dim?: number | readonly number[]) { return movement.squeeze(this, dim); });
define('unsqueeze', function (this: Tensor, dim: number) { return movement.unsqueeze(this, dim); });
define('flatten', function (this: Tensor, s?: number, e?: number) { return movement.flatten(this, s, e); });
define('contiguous', function (this: Tensor) { return movement.contiguous(this); });
define('narrow', function (this: Tensor, dim: number, start: number, length: number) { return indexing.narrow(this, dim, start, length); });
define('indexSelect', function (this: Tensor, dim: number, index: Tensor) { return indexing.indexSelect(this, dim, index); });
define('indexAdd', function (this: Tensor, dim: number, index: Tensor, src: Tensor) { return indexing.indexAdd(this, dim, index, src); });
define('gather', function (this: Tensor, dim: number, index: Tensor) { return indexing.gather(this, dim, index); });
define('scatterAdd', function (this: Tensor, dim: number, index: Tensor, src: Tensor) { return indexing.scatterAdd(this, dim, index, src); });
define('softmax', function (this: Tensor, dim?: number) { return softmax(this, dim); });
define('logSoftmax', function (this: Tensor, dim?: number) { return logSoftmax(this, dim); });
define('to', function (this: Tensor, dtype: DType) { return to(this, dtype); });
define('float', function (this: Tensor) { return to(this, 'float32'); });
define('double', function (this: Tensor) { return to(this, 'float64'); });
define('int', function (this: Tensor) { return to(this, 'int32'); });
define('clone', function (this: Tensor) { return clone(this); });

for (const name of ['add_', 'sub_', 'mul_', 'div_'] as const) {
  const f = inplace[name];
  define(name, function (this: Tensor, other: TensorLike) { return f(this, other); });
}
define('clamp_', function (this: Tensor, bounds: { min?: number; max?: number }) { return inplace.clamp_(this, bounds); });
define('fill_', function (this: Tensor, value: number) { return inplace.fill_(this, value); });
define('zero_', function (this: Tensor) { return inplace.zero_(this); });
define('copy_', function (this: Tensor, src: Tensor) { return inplace.copy_(this, src); });

define('backward', function (this: Tensor, gradient?: Tensor | null, options?: BackwardOptions) {
  runBackward(this, gradient, options);
});
define('detach', function (this: Tensor) {
  return new Tensor(this.storage, this.shape, this.dtype, this.strides, this.offset);
});
define('requiresGrad_', function (this: Tensor, value = true) {
  this.requiresGrad = value;
  return this;
});
define('retainGrad', function (this: Tensor) {
  if (!this.requiresGrad) {
    throw new Error(`retainGrad: can't retain the gradient of a tensor that does not require grad (shape ${fmtShape(this.shape)}).`);
  }
  if (this.isLeaf || this._retainsGrad) return;
  this._retainsGrad = true;
  const node = this.gradFn!;
  const hook: TensorHook = (g) => {
    this.grad = this.grad === null ? g.detach() : binary.add(this.grad, g.detach());
  };
  (node.preHooks ??= []).push(hook);
});
define('registerHook', function (this: Tensor, hook: TensorHook) {
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
