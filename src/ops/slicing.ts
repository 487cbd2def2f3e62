// Indexing: `x.index(...)` (PyTorch's `x[...]`), its out-of-place write `indexPut`, `select`, `flip`, `nonzero`,
// and `scatter`/`scatterReduce`. Basic indexing and select are views whose gradient is a region of the input's
// (see RegionGrad): slices of one tensor add their gradients into one buffer.
import { RegionGrad } from '../autograd/region-grad.js';
import type { ScatterReduceKind } from '../kernels/backend.js';
import { checkOptions } from '../options.js';
import { contiguousStrides, fmtShape, normalizeDim, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { broadcastView, castRaw, copyInto, describe, deviceOf, filledOn, packed, zerosFor, zerosOn, tensorArg, intArg } from './buffers.js';
import { noFlops, type DifferentiableOp, type NonDifferentiableOp } from './define.js';
import {
  advancedLayout, basicView, nonzeroIndices, parseIndex, specsOf, type IndexItem, type IndexSpec, type ParsedIndex,
} from './index-spec.js';
import { viewAs } from './movement.js';

export type { IndexSpec, IndexArray } from './index-spec.js';



/** The region a basic index takes of a row-major tensor of `shape`: what its gradient fills. */
function regionGrad(g: Tensor, shape: Shape, items: readonly IndexItem[]): RegionGrad<Tensor> {
  const r = basicView(shape, contiguousStrides(shape), 0, items);
  return new RegionGrad(g, shape, r.strides, r.offset);
}

/** The shape `x.index(...)` gives for a parsed index. */
function resultShape(shape: Shape, { items, tensors }: ParsedIndex, op: string): number[] {
  const view = basicView(shape, contiguousStrides(shape), 0, items);
  return view.advanced.length ? advancedLayout(view, tensors, op).shape : view.shape;
}

// ---- index ----

/** The attributes of `index`: one parsed item per dimension (see `parseIndex`). */
export interface IndexAttrs {
  readonly items: readonly IndexItem[];
}

const indexOp: DifferentiableOp<IndexAttrs, readonly [x: Tensor, ...specs: IndexSpec[]]> = {
  name: 'index',
  doc:
    'PyTorch\'s `x[...]`: one spec per dimension: a number selects (negative counts from the end), a string `\'start:stop:step\'` slices ' +
    '(`\':\'`, `\'1:5\'`, `\'::2\'`, `\'-3:\'`), `null` inserts a dimension, `\'...\'` stands for the rest, an int32 tensor or an array of ' +
    'integers indexes by value and a bool tensor is a mask. Numbers, slices and `null` give a view sharing `x`\'s storage; ' +
    'index tensors and masks copy, with PyTorch\'s placement of their dimensions.',
  example: "x.index(':', '1:5')",
  differentiable: true,
  call: (run, x, ...specs) => {
    tensorArg(x, 'index', 'the input');
    const parsed = parseIndex(x, specs, 'index');
    return run([x, ...parsed.tensors], { items: parsed.items });
  },
  forward: (ctx, [x, ...idx], { items }) => {
    const view = basicView(x!.shape, x!.strides, x!.offset, items);
    if (idx.length === 0) return viewAs(x!, view.shape, view.strides, view.offset);
    if (ctx.recording) ctx.save(...idx);
    const device = deviceOf('index', x!, ...idx);
    const layout = advancedLayout(view, idx, 'index');
    const out = zerosOn(device, x!.dtype, layout.shape);
    if (out.size > 0) {
      device.backend.indexGather(x!.dtype, layout.at({ buffer: x!.buffer, offset: view.offset, strides: view.strides }), out.buffer, layout.shape, 'index');
    }
    return out;
  },
  // Basic indexing: the gradient fills the region the view takes. Index tensors: it is scattered back, adding
  // up where an element was taken more than once (PyTorch's index_put with accumulate).
  backward: ({ attrs: { items }, saved, inputShapes: [s], call }, g) => {
    if (saved.length === 0) return [regionGrad(g, s!, items)];
    const zeros = zerosOn(g.storage.device, g.dtype, s!);
    return [call(indexPutOp, zeros, specsOf(items, saved as Tensor[]), g, { accumulate: true })];
  },
  jvp: ({ attrs: { items }, inputs: [, ...idx], call }, [t]) => (t ? call(indexOp, t, ...specsOf(items, idx)) : null),
  flops: noFlops,
};

// ---- indexPut ----

/** The attributes of `indexPut`: the parsed index and whether values add up. */
export interface IndexPutAttrs {
  readonly items: readonly IndexItem[];
  readonly accumulate: boolean;
}

/** Options of `indexPut` and `indexPut_`. */
export interface IndexPutOptions {
  /** Add `value` into the indexed elements (repeated indices add up) instead of writing it. Default false. */
  readonly accumulate?: boolean;
}

/**
 * Check an index and a value for a write `x[specs] = value`: the parsed index, and the value as a tensor of `x`'s
 * dtype (numbers filled in, other dtypes converted) whose shape broadcasts to the indexed result.
 */
export function indexWrite(x: Tensor, specs: unknown, value: unknown, op: string): { parsed: ParsedIndex; value: Tensor } {
  tensorArg(x, op, 'the input');
  if (!Array.isArray(specs)) {
    throw new Error(`${op}: the index must be an array of specs, e.g. ${op}([':', '1:3'], 0) for x[:, 1:3] = 0; got ${describe(specs)}.`);
  }
  const parsed = parseIndex(x, specs, op);
  const target = resultShape(x.shape, parsed, op);
  let v: Tensor;
  if (typeof value === 'number' || typeof value === 'boolean') v = filledOn(x.storage.device, x.dtype, [], Number(value));
  else if (value instanceof Tensor) v = value.dtype === x.dtype ? value : value.to(x.dtype);
  else throw new Error(`${op}: the value must be a Tensor or a number, got ${describe(value)}.`);
  // Leading size-1 dimensions beyond the result's are dropped, as in PyTorch.
  let lead = v.ndim - target.length;
  while (lead > 0 && v.shape[0] === 1) { v = v.reshape(v.shape.slice(1)); lead--; }
  const fits = lead <= 0 && v.shape.every((d, i) => d === 1 || d === target[target.length - v.ndim + i]);
  if (!fits) {
    throw new Error(`${op}: shape mismatch: value tensor of shape ${fmtShape(v.shape)} cannot be broadcast to indexing result of shape ${fmtShape(target)}.`);
  }
  return { parsed, value: v };
}

const indexPutOp: DifferentiableOp<IndexPutAttrs, readonly [x: Tensor, specs: readonly IndexSpec[], value: Tensor | number, options?: IndexPutOptions]> = {
  name: 'indexPut',
  doc:
    'A copy of `x` with `x[specs] = value` done (the specs of `index`; `value` broadcast to the indexed shape), or with `value` added ' +
    'there when `accumulate` (repeated indices add up). Gradients flow to `x` (not where it was overwritten) and to `value`.',
  example: "indexPut(x, [':', '1:3'], 0)",
  differentiable: true,
  call: (run, x, specs, value, options) => {
    const { accumulate = false } = checkOptions('indexPut', options, { accumulate: 'boolean' });
    const { parsed, value: v } = indexWrite(x, specs, value, 'indexPut');
    return run([x, v, ...parsed.tensors], { items: parsed.items, accumulate });
  },
  forward: (ctx, [x, value, ...idx], { items, accumulate }) => {
    if (ctx.recording) ctx.save(...idx);
    const device = deviceOf('indexPut', x!, value!, ...idx);
    const out = zerosOn(device, x!.dtype, x!.shape);
    copyInto(out, x!);
    writeIndexed(out, items, idx, value!, accumulate, 'indexPut');
    return out;
  },
  backward: ({ attrs: { items, accumulate }, saved, needsInputGrad: n, call }, g) => {
    const specs = specsOf(items, saved as Tensor[]);
    return [
      n[0] ? (accumulate ? g : call(indexPutOp, g, specs, 0)) : null,
      n[1] ? call(indexOp, g, ...specs) : null,
    ];
  },
  jvp: ({ attrs: { items, accumulate }, inputs: [x, value, ...idx], call }, [tx, tv]) =>
    call(indexPutOp, tx ?? zerosFor(x!), specsOf(items, idx), tv ?? zerosFor(value!), { accumulate }),
  flops: noFlops,
};

/**
 * Write (or add, with `accumulate`) `value` into the elements of `t` that `items` and `idx` index, in place, through
 * the backend; no graph, no version bump. `value` has `t`'s dtype and broadcasts to the indexed shape.
 *
 * @example
 * ```ts
 * writeIndexed(out, parsed.items, parsed.tensors, v, false, 'indexPut');
 * ```
 */
export function writeIndexed(t: Tensor, items: readonly IndexItem[], idx: readonly Tensor[], value: Tensor, accumulate: boolean, op: string): void {
  const view = basicView(t.shape, t.strides, t.offset, items);
  const x = { buffer: t.buffer, offset: view.offset, strides: view.strides };
  const layout = view.advanced.length ? advancedLayout(view, idx, op) : null;
  const shape = layout ? layout.shape : view.shape;
  const at = layout ? layout.at(x) : { x, indices: [], sizes: [], dimStrides: [], dims: [] };
  if (shape.some((d) => d === 0)) return;
  // A value that shares t's storage is read before anything is written.
  const v = value.storage === t.storage ? castRaw(value).clone() : value;
  const backend = t.storage.device.backend;
  // Basic specs write a strided view: the backend's copy does that fastest.
  if (!layout && !accumulate) backend.copy(broadcastView(v, shape), v.dtype, x, t.dtype, shape);
  else backend.indexPut(t.dtype, at, broadcastView(v, shape), shape, accumulate, op);
}

// ---- select ----

/** The attributes of `select`: the dimension and the (non-negative) entry. */
export interface SelectAttrs {
  readonly dim: number;
  readonly index: number;
}

/** The items of `select`: the whole of every dimension but `dim`, entry `index` of that one. */
function selectItems(shape: Shape, { dim, index }: SelectAttrs): IndexItem[] {
  return shape.map((size, d): IndexItem => (d === dim ? { kind: 'int', index } : { kind: 'slice', start: 0, stop: size, step: 1 }));
}

const selectOp: DifferentiableOp<SelectAttrs, readonly [x: Tensor, dim: number, index: number]> = {
  name: 'select',
  doc: 'Entry `index` of dimension `dim` (negative counts from the end), with that dimension removed: a view, PyTorch\'s `x[:, index]` for dim 1.',
  example: 'select(x, 1, -1)',
  differentiable: true,
  call: (run, x, dim, index) => {
    tensorArg(x, 'select', 'the input');
    if (x.ndim === 0) throw new Error('select: cannot select from a 0-d tensor; it has no dimension to index.');
    const d = normalizeDim(intArg(dim, 'select', 'dim'), x.ndim, 'select');
    const size = x.shape[d]!;
    intArg(index, 'select', 'index');
    if (index < -size || index >= size) {
      throw new Error(`select: index ${index} out of range for dimension ${d} of size ${size} (shape ${fmtShape(x.shape)}); it must be in [${-size}, ${size - 1}].`);
    }
    return run([x], { dim: d, index: index < 0 ? index + size : index });
  },
  forward: (_, [x], attrs) => {
    const view = basicView(x!.shape, x!.strides, x!.offset, selectItems(x!.shape, attrs));
    return viewAs(x!, view.shape, view.strides, view.offset);
  },
  backward: ({ attrs, inputShapes: [s] }, g) => [regionGrad(g, s!, selectItems(s!, attrs))],
  jvp: ({ attrs, call }, [t]) => (t ? call(selectOp, t, attrs.dim, attrs.index) : null),
  flops: noFlops,
};

// ---- flip ----

const flipOp: DifferentiableOp<{ readonly dims: readonly number[] }, readonly [x: Tensor, ...dims: (number | readonly number[])[]]> = {
  name: 'flip',
  doc: 'Reverse the order of the entries along each of `dims` (a list or separate numbers); a copy, as in PyTorch.',
  example: 'flip(x, 0, 1)',
  differentiable: true,
  call: (run, x, ...args) => {
    tensorArg(x, 'flip', 'the input');
    if (args.length === 0) throw new Error('flip: missing the dims to reverse, e.g. x.flip(0) or x.flip([0, 1]) (flip([]) is a plain copy), as in PyTorch.');
    const list: readonly unknown[] = args.length === 1 && Array.isArray(args[0]) ? args[0] : args;
    const dims = list.map((d) => normalizeDim(intArg(d, 'flip', 'each dim'), x.ndim, 'flip'));
    if (new Set(dims).size !== dims.length) throw new Error(`flip: dims [${list.join(', ')}] repeat a dimension; each may appear once.`);
    return run([x], { dims: x.ndim === 0 ? [] : dims });
  },
  forward: (_, [x], { dims }) => {
    const out = zerosOn(x!.storage.device, x!.dtype, x!.shape);
    if (out.size === 0) return out;
    let offset = x!.offset;
    const strides = x!.strides.map((s, d) => {
      if (!dims.includes(d)) return s;
      offset += (x!.shape[d]! - 1) * s;
      return -s;
    });
    x!.storage.device.backend.copy({ buffer: x!.buffer, offset, strides }, x!.dtype, out, out.dtype, out.shape);
    return out;
  },
  backward: ({ attrs: { dims }, call }, g) => [call(flipOp, g, dims)],
  jvp: ({ attrs: { dims }, call }, [t]) => (t ? call(flipOp, t, dims) : null),
  flops: noFlops,
};

// ---- nonzero ----

/** Options of `nonzero`. */
export interface NonzeroOptions {
  /** Return one 1-d tensor of indices per dimension instead of one `[count, ndim]` tensor. Default false. */
  readonly asTuple?: boolean;
}

const nonzeroOp: NonDifferentiableOp<void, readonly [x: Tensor, options?: NonzeroOptions]> = {
  name: 'nonzero',
  doc:
    'The indices of the nonzero elements (NaN counts), in row-major order, as an int32 tensor `[count, ndim]`; with `{ asTuple: true }` ' +
    'one 1-d tensor per dimension (what `where(cond)` returns). The count is read back from the device first, as in PyTorch.',
  example: 'nonzero(mask)',
  differentiable: false,
  call: (run, x, options) => {
    tensorArg(x, 'nonzero', 'the input');
    const { asTuple = false } = checkOptions('nonzero', options, { asTuple: 'boolean' });
    if (!asTuple) return run([x], undefined);
    const nz = run([x.ndim === 0 ? x.reshape([1]) : x], undefined);
    const columns = Array.from({ length: nz.shape[1]! }, (_, j) => nz.select(1, j));
    // The one-argument form's result (typed by the overload in ops/methods.ts).
    return columns as unknown as Tensor;
  },
  forward: (_, [x]) => nonzeroIndices(x!),
  flops: noFlops,
};

// ---- scatter and scatterReduce ----

function checkIndexTensor(index: unknown, op: string): Tensor {
  const t = tensorArg(index, op, 'index');
  if (t.dtype !== 'int32') throw new Error(`${op}: index must be an int32 tensor, got ${t.dtype}. Create it with { dtype: 'int32' }.`);
  return t;
}

/** The checks shared by scatter and scatterReduce: index's rank and sizes against `x`'s and `src`'s. */
function scatterArgs(x: Tensor, dim: unknown, index: unknown, src: unknown, op: string): { dim: number; index: Tensor; src: Tensor } {
  tensorArg(x, op, 'the input');
  const idx = checkIndexTensor(index, op);
  const d = normalizeDim(intArg(dim, op, 'dim'), x.ndim, op);
  if (idx.ndim !== Math.max(x.ndim, 1) && !(x.ndim === 0 && idx.ndim === 0)) {
    throw new Error(`${op}: index must have the same number of dimensions as the input: got index ${fmtShape(idx.shape)} and input ${fmtShape(x.shape)}.`);
  }
  idx.shape.forEach((s, i) => {
    if (i !== d && s > (x.shape[i] ?? 1)) {
      throw new Error(`${op}: index ${fmtShape(idx.shape)} is larger than the input ${fmtShape(x.shape)} at dimension ${i} (only dim ${d} may be larger).`);
    }
  });
  let s: Tensor;
  if (typeof src === 'number') s = filledOn(x.storage.device, x.dtype, idx.shape, src);
  else {
    s = tensorArg(src, op, 'src');
    if (s.dtype !== x.dtype) throw new Error(`${op}: self (${x.dtype}) and src (${s.dtype}) must have the same dtype, as in PyTorch. Convert one with .to().`);
    if (s.ndim !== idx.ndim || idx.shape.some((n, i) => n > s.shape[i]!)) {
      throw new Error(`${op}: index ${fmtShape(idx.shape)} must be no larger than src ${fmtShape(s.shape)} in every dimension (and of the same rank).`);
    }
    // Only the part of src that index covers is used, as in PyTorch.
    idx.shape.forEach((n, i) => { if (n < s.shape[i]!) s = s.narrow(i, 0, n); });
  }
  return { dim: d, index: idx, src: s };
}

function scatterForward(op: string, x: Tensor, index: Tensor, src: Tensor, dim: number, reduce: ScatterReduceKind, includeSelf: boolean): Tensor {
  const device = deviceOf(op, x, index, src);
  const out = zerosOn(device, x.dtype, x.shape);
  copyInto(out, x);
  if (index.size > 0) {
    device.backend.scatterReduce(x.dtype, out.buffer, x.ndim ? x.shape : [1], packed(index).buffer, index.ndim ? index.shape : [1], dim,
      packed(castRaw(src)).buffer, reduce, includeSelf, op);
  }
  return out;
}

/** Options of `scatter` (PyTorch's deprecated `reduce` argument). */
export interface ScatterOptions {
  /** Combine with the old values instead of overwriting: `'add'` or `'multiply'` (prefer scatterReduce). */
  readonly reduce?: 'add' | 'multiply';
}

const scatterOp: DifferentiableOp<{ readonly dim: number }, readonly [x: Tensor, dim: number, index: Tensor, src: Tensor | number, options?: ScatterOptions]> = {
  name: 'scatter',
  doc:
    'A copy of `x` with `src` (a tensor, or a number) written at the positions `index` names along `dim` (`out[i][index[i][j]] = src[i][j]` ' +
    'for dim 1); where an index repeats, the last write wins. `{ reduce: \'add\' | \'multiply\' }` combines instead (see scatterReduce).',
  example: 'scatter(zeros([2, 4]), 1, idx, 1)',
  differentiable: true,
  call: (run, x, dim, index, src, options) => {
    const { reduce } = checkOptions('scatter', options, { reduce: ['add', 'multiply'] });
    const a = scatterArgs(x, dim, index, src, 'scatter');
    if (reduce !== undefined) return x.scatterReduce(a.dim, a.index, a.src, reduce === 'add' ? 'sum' : 'prod');
    return run([x, a.index, a.src], { dim: a.dim });
  },
  forward: (ctx, [x, index, src], { dim }) => {
    if (ctx.recording) ctx.save(index!);
    return scatterForward('scatter', x!, index!, src!, dim, 'assign', true);
  },
  backward: ({ attrs: { dim }, saved: [index], needsInputGrad: n, call }, g) => [
    n[0] ? call(scatterOp, g, dim, index!, 0) : null,
    null,
    n[2] ? g.gather(dim, index!) : null,
  ],
  jvp: ({ attrs: { dim }, inputs: [x, index, src], call }, [tx, , ts]) => call(scatterOp, tx ?? zerosFor(x!), dim, index!, ts ?? zerosFor(src!)),
  flops: noFlops,
};

/** The reductions of `scatterReduce`. */
export type ScatterReduction = 'sum' | 'prod' | 'mean' | 'amax' | 'amin';

/** The attributes of `scatterReduce`. */
export interface ScatterReduceAttrs {
  readonly dim: number;
  readonly reduce: ScatterReduction;
  readonly includeSelf: boolean;
}

/** Options of `scatterReduce`. */
export interface ScatterReduceOptions {
  /** Combine the old value of each position written to as well (default true); otherwise only the values sent there. */
  readonly includeSelf?: boolean;
}

/**
 * The partial derivatives of scatterReduce's output: `cx` (x's shape, ∂out[p]/∂x[p]) and `cs` (src's shape,
 * ∂out[index[k]]/∂src[k]); both rules are made of them. Recorded when grad mode is on, so they differentiate again.
 * Ties in amax/amin share the gradient evenly, as in PyTorch; with `includeSelf: false` an excluded old value
 * never counts as a tie (PyTorch counts it there, a known bug of its amax/amin rule).
 */
function scatterReducePartials(x: Tensor, index: Tensor, src: Tensor, out: Tensor, { dim, reduce, includeSelf }: ScatterReduceAttrs): [Tensor, Tensor] {
  const ones = (like: Tensor): Tensor => filledOn(like.storage.device, like.dtype, like.shape, 1);
  const pick = (cond: Tensor, a: Tensor, b: Tensor): Tensor => a.where(cond, b);
  const touched = (t: Tensor): Tensor => (includeSelf ? t : t.scatter(dim, index, 0));
  switch (reduce) {
    case 'sum':
      return [touched(ones(x)), ones(src)];
    case 'mean': {
      const start = includeSelf ? ones(x) : zerosFor(x);
      let n = start.scatterAdd(dim, index, ones(src));
      n = pick(n.eq(0), ones(n), n);
      const cx = touched(ones(x).div(n));
      return [cx, ones(src).div(n.gather(dim, index))];
    }
    case 'amax':
    case 'amin': {
      const value = out.gather(dim, index);
      const selfIs = touched(x.eq(out).to(x.dtype));
      const srcIs = src.eq(value).to(x.dtype);
      const n = selfIs.scatterAdd(dim, index, srcIs);
      // Zeroed again after the division: where the result is NaN no value ties (n = 0), and an excluded old value
      // gets 0, not 0/0 (as PyTorch, which masks its self gradient at the end).
      return [touched(selfIs.div(n)), srcIs.div(n.gather(dim, index))];
    }
    case 'prod': {
      // Exclusive products, computed so that zeros in x or src give the right partials.
      const selfZero = x.eq(0);
      const maskedSelf = pick(selfZero, ones(x), x);
      const cx = touched(maskedSelf.scatterReduce(dim, index, src, 'prod', { includeSelf }).div(maskedSelf));
      const srcZero = src.eq(0);
      const zerosThere = zerosFor(x).scatterAdd(dim, index, srcZero.to(x.dtype)).gather(dim, index);
      const single = srcZero.mul(zerosThere.eq(1));
      const maskedSrc = pick(single, ones(src), src);
      const withoutSingle = x.scatterReduce(dim, index, maskedSrc, 'prod', { includeSelf }).gather(dim, index);
      const cs = pick(single, withoutSingle, out.gather(dim, index).div(pick(srcZero, ones(src), src)));
      return [cx, cs];
    }
  }
}

const scatterReduceOp: DifferentiableOp<ScatterReduceAttrs, readonly [x: Tensor, dim: number, index: Tensor, src: Tensor, reduce: ScatterReduction, options?: ScatterReduceOptions]> = {
  name: 'scatterReduce',
  doc:
    'A copy of `x` where every position that `index` names along `dim` combines the `src` values sent to it with `reduce` (`\'sum\'`, ' +
    '`\'prod\'`, `\'mean\'`, `\'amax\'`, `\'amin\'`), together with its old value unless `{ includeSelf: false }`. Ties in amax/amin share the gradient.',
  example: "scatterReduce(zeros([3]), 0, idx, src, 'amax')",
  differentiable: true,
  call: (run, x, dim, index, src, reduce, options) => {
    const { includeSelf = true } = checkOptions('scatterReduce', options, { includeSelf: 'boolean' });
    if (!['sum', 'prod', 'mean', 'amax', 'amin'].includes(reduce)) {
      throw new Error(`scatterReduce: reduce must be one of 'sum', 'prod', 'mean', 'amax', 'amin', got ${describe(reduce)}.`);
    }
    const a = scatterArgs(x, dim, index, src, 'scatterReduce');
    if (x.dtype === 'bool') throw new Error('scatterReduce: not implemented for bool tensors; convert with .int() first.');
    return run([x, a.index, a.src], { dim: a.dim, reduce, includeSelf });
  },
  forward: (ctx, [x, index, src], attrs) => {
    const out = scatterForward('scatterReduce', x!, index!, src!, attrs.dim, attrs.reduce, attrs.includeSelf);
    if (ctx.recording) ctx.save(x!, index!, src!, attrs.reduce === 'amax' || attrs.reduce === 'amin' || attrs.reduce === 'prod' ? out : null);
    return out;
  },
  backward: ({ attrs, saved: [x, index, src, out], needsInputGrad: n }, g) => {
    const [cx, cs] = scatterReducePartials(x!, index!, src!, out ?? x!, attrs);
    return [n[0] ? g.mul(cx) : null, null, n[2] ? g.gather(attrs.dim, index!).mul(cs) : null];
  },
  jvp: ({ attrs, inputs: [x, index, src], output }, [tx, , ts]) => {
    const [cx, cs] = scatterReducePartials(x!, index!, src!, output, attrs);
    const fromSelf = tx ? tx.mul(cx) : zerosFor(output);
    return ts ? fromSelf.scatterAdd(attrs.dim, index!, ts.mul(cs)) : fromSelf;
  },
  flops: noFlops,
};

/** index, indexPut, select, flip, nonzero, scatter and scatterReduce. */
export const SLICING_OPS = {
  index: indexOp,
  indexPut: indexPutOp,
  select: selectOp,
  flip: flipOp,
  nonzero: nonzeroOp,
  scatter: scatterOp,
  scatterReduce: scatterReduceOp,
};
