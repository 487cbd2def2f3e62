import { allocate, promoteTypes, type TypedArray } from '../dtype.js';
import { fmtShape, normalizeDim, sameShape, sizeOf, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { apply, defineOp, type OpDef } from './registry.js';
import { contiguousData, empty, wrap, zerosLike } from './util.js';

// ---- narrow: a view of a slice along one dim ----

export const narrowOp: OpDef<{ readonly dim: number; readonly start: number; readonly length: number }> = defineOp<{ readonly dim: number; readonly start: number; readonly length: number }>({
  name: 'narrow',
  forward: ([x], { dim, start, length }) => {
    const shape = [...x!.shape];
    shape[dim] = length;
    const v = new Tensor(x!.storage, shape, x!.dtype, x!.strides, x!.offset + start * x!.strides[dim]!);
    v._base = x!._base ?? x!;
    return v;
  },
  // Pad the gradient with zeros on both sides: cat is differentiable, so this rule is too.
  backward: (g, { attrs: { dim, start, length }, inputShapes: [s] }) => {
    const size = s![dim]!;
    const pad = (n: number): Tensor => { const sh = [...g.shape]; sh[dim] = n; return empty(sh, g.dtype); };
    const parts = [start > 0 ? pad(start) : null, g, start + length < size ? pad(size - start - length) : null];
    return [cat(parts.filter((p): p is Tensor => p !== null), dim)];
  },
  jvp: ([t], { attrs }) => (t ? apply(narrowOp, [t], attrs) : null),
});

/** Elements `start .. start+length-1` along `dim`, as a view. @example `narrow(x, 1, 0, 2)` */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normalizeDim(dim, x.ndim, 'narrow');
  const size = x.shape[d]!;
  const s = start < 0 ? start + size : start;
  if (!Number.isInteger(s) || !Number.isInteger(length) || s < 0 || length < 0 || s + length > size) {
    throw new Error(`narrow: start (${start}) + length (${length}) exceeds dimension ${d} of size ${size} (shape ${fmtShape(x.shape)}). Choose start ≥ 0 and length ≥ 0 with start + length ≤ ${size}.`);
  }
  return apply(narrowOp, [x], { dim: d, start: s, length });
}

// ---- cat / stack ----

// PyTorch's cat skips 1-d empty tensors (a legacy placeholder) whatever the shapes of the others; they still
// take part in dtype promotion and get an empty gradient.
const skipped = (s: Shape): boolean => s.length === 1 && s[0] === 0;

export const catOp = defineOp<{ readonly dim: number }>({
  name: 'cat',
  forward: (all, { dim }) => {
    const dtype = all.reduce((t, x) => promoteTypes(t, x.dtype), all[0]!.dtype);
    const kept = all.filter((x) => !skipped(x.shape));
    const xs = kept.length ? kept : all;
    const first = xs[0]!;
    const shape = [...first.shape];
    shape[dim] = xs.reduce((n, x) => n + x.shape[dim]!, 0);
    const inner = sizeOf(shape.slice(dim + 1));
    const outer = sizeOf(shape.slice(0, dim));
    const out = allocate(dtype, sizeOf(shape));
    const rowOut = shape[dim]! * inner;
    let at = 0;
    for (const x of xs) {
      const block = x.shape[dim]! * inner;
      const data = contiguousData(x, dtype) as Float64Array;
      for (let o = 0; o < outer; o++) (out as Float64Array).set(data.subarray(o * block, (o + 1) * block), o * rowOut + at);
      at += block;
    }
    return wrap(out, shape, dtype);
  },
  backward: (g, { attrs: { dim }, inputShapes, needsInputGrad }) => {
    let at = 0;
    const skip = inputShapes.some((s) => !skipped(s));
    return inputShapes.map((s, i) => {
      if (skip && skipped(s)) return needsInputGrad[i] ? empty(s, g.dtype) : null;
      const len = s[dim]!;
      const r = needsInputGrad[i] ? g.narrow(dim, at, len) : null;
      at += len;
      return r;
    });
  },
  jvp: (ts, { attrs: { dim }, inputs }) => cat(ts.map((t, i) => t ?? zerosLike(inputs[i]!)), dim),
});

/** Join tensors along an existing dim; all other sizes must match. @example `cat([a, b], 0)` */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new Error('cat: expected a non-empty list of tensors.');
  const first = tensors.find((t) => !skipped(t.shape)) ?? tensors[0]!;
  if (tensors.some((t) => t.ndim === 0)) throw new Error('cat: zero-dimensional tensors cannot be concatenated; use stack() or unsqueeze them first.');
  const d = normalizeDim(dim, first.ndim, 'cat');
  tensors.forEach((t, i) => {
    const same = skipped(t.shape) || (t.ndim === first.ndim && t.shape.every((s, j) => j === d || s === first.shape[j]));
    if (!same) {
      throw new Error(
        `cat: sizes of tensors must match except in dimension ${d}: tensor 0 has shape ${fmtShape(first.shape)} and ` +
          `tensor ${i} has shape ${fmtShape(t.shape)}. Reshape or narrow them so that every other dimension agrees, or ` +
          `concatenate along the dimension where they differ.`,
      );
    }
  });
  return apply(catOp, tensors, { dim: d });
}

/** Join same-shaped tensors along a new dim. @example `stack([a, b], 0)` */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new Error('stack: expected a non-empty list of tensors.');
  const first = tensors[0]!;
  tensors.forEach((t, i) => {
    if (!sameShape(t.shape, first.shape)) {
      throw new Error(`stack: expects each tensor to be equal size, but got ${fmtShape(first.shape)} at entry 0 and ${fmtShape(t.shape)} at entry ${i}. Reshape them to one shape first, or use cat() to join tensors whose sizes differ along an existing dim.`);
    }
  });
  const d = normalizeDim(dim, first.ndim + 1, 'stack');
  return cat(tensors.map((t) => t.unsqueeze(d)), d);
}

// ---- indexSelect / indexAdd ----

function checkIndex(index: Tensor, op: string, dims: 1 | 'any'): void {
  if (index.dtype !== 'int32') {
    throw new Error(`${op}: index must be an int32 tensor, got ${index.dtype}. Create it with { dtype: 'int32' }.`);
  }
  if (dims === 1 && index.ndim > 1) throw new Error(`${op}: index must be 0-d or 1-d, got shape ${fmtShape(index.shape)}.`);
}

function indexValues(index: Tensor, size: number, op: string, dim: number): Int32Array {
  const idx = contiguousData(index) as Int32Array;
  for (let i = 0; i < idx.length; i++) {
    const v = idx[i]!;
    if (v < -size || v >= size) {
      throw new Error(`${op}: index ${v} is out of bounds for dimension ${dim} with size ${size}. Indices must be in [${-size}, ${size - 1}].`);
    }
  }
  return idx;
}

/** Copy (or add, when `accumulate`) blocks along `dim`: `out[.., idx[i], ..] (+)= src[.., i, ..]` or the reverse. */
function moveBlocks(
  src: TypedArray, srcShape: Shape, out: TypedArray, outShape: Shape, dim: number, idx: Int32Array, gatherFromSrc: boolean, accumulate: boolean,
): void {
  const inner = sizeOf(srcShape.slice(dim + 1));
  const outer = sizeOf(srcShape.slice(0, dim));
  const srcDim = srcShape[dim]!, outDim = outShape[dim]!;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < idx.length; i++) {
      const k = idx[i]! < 0 ? idx[i]! + (gatherFromSrc ? srcDim : outDim) : idx[i]!;
      const s = gatherFromSrc ? (o * srcDim + k) * inner : (o * srcDim + i) * inner;
      const d = gatherFromSrc ? (o * outDim + i) * inner : (o * outDim + k) * inner;
      if (accumulate) for (let j = 0; j < inner; j++) out[d + j]! += src[s + j]!;
      else for (let j = 0; j < inner; j++) out[d + j] = src[s + j]!;
    }
  }
}

export const indexSelectOp = defineOp<{ readonly dim: number }>({
  name: 'indexSelect',
  forward: ([x, index], { dim }, ctx) => {
    if (ctx.recording) ctx.save(index!);
    const idx = indexValues(index!, x!.shape[dim]!, 'indexSelect', dim);
    const shape = [...x!.shape];
    shape[dim] = idx.length;
    const out = allocate(x!.dtype, sizeOf(shape));
    moveBlocks(contiguousData(x!), x!.shape, out, shape, dim, idx, true, false);
    return wrap(out, shape, x!.dtype);
  },
  backward: (g, { attrs: { dim }, saved: [index], inputShapes: [s] }) => [indexAdd(empty(s!, g.dtype), dim, index!, g), null],
  jvp: ([t], { attrs: { dim }, inputs: [, index] }) => (t ? t.indexSelect(dim, index!) : null),
});

/** Pick entries `index` (int32, 1-d) along `dim`. @example `indexSelect(embeddings, 0, ids)` */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  checkIndex(index, 'indexSelect', 1);
  const d = normalizeDim(dim, x.ndim, 'indexSelect');
  return apply(indexSelectOp, [x, index.ndim === 0 ? index.reshape([1]) : index], { dim: d });
}

export const indexAddOp = defineOp<{ readonly dim: number }>({
  name: 'indexAdd',
  forward: ([base, index, src], { dim }, ctx) => {
    if (ctx.recording) ctx.save(index!);
    const dtype = base!.dtype;
    const idx = indexValues(index!, base!.shape[dim]!, 'indexAdd', dim);
    const out = (contiguousData(base!) as Float64Array).slice();
    moveBlocks(contiguousData(src!, dtype), src!.shape, out, base!.shape, dim, idx, false, true);
    return wrap(out, base!.shape, dtype);
  },
  backward: (g, { attrs: { dim }, saved: [index], needsInputGrad: n }) => [n[0] ? g : null, null, n[2] ? g.indexSelect(dim, index!) : null],
  jvp: ([tb, , ts], { attrs: { dim }, inputs: [base, index, src] }) => indexAdd(tb ?? zerosLike(base!), dim, index!, ts ?? zerosLike(src!)),
});

/** `base` with `src[.., i, ..]` added at `base[.., index[i], ..]` along `dim` (out of place). @example `indexAdd(zeros([5, 3]), 0, idx, rows)` */
export function indexAdd(base: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  checkIndex(index, 'indexAdd', 1);
  const d = normalizeDim(dim, base.ndim, 'indexAdd');
  const expected = [...base.shape];
  expected[d] = index.size;
  if (!sameShape(src.shape, expected)) {
    throw new Error(`indexAdd: source shape ${fmtShape(src.shape)} must be ${fmtShape(expected)} (base ${fmtShape(base.shape)} with dim ${d} set to the ${index.size} indices).`);
  }
  return apply(indexAddOp, [base, index.ndim === 0 ? index.reshape([1]) : index, src], { dim: d });
}

// ---- gather / scatterAdd ----

/** For each element of `index` (shape `shape`), the flat offsets into the indexed tensor and into `index`. */
function gatherOffsets(target: Shape, shape: Shape, dim: number, idx: Int32Array, op: string): Int32Array {
  const nd = shape.length;
  const tStrides = new Array<number>(nd);
  let s = 1;
  for (let i = nd - 1; i >= 0; i--) { tStrides[i] = s; s *= target[i]!; }
  const offs = new Int32Array(idx.length);
  const counter = new Array<number>(nd).fill(0);
  const size = target[dim]!;
  for (let n = 0; n < idx.length; n++) {
    let v = idx[n]!;
    if (v < -size || v >= size) {
      throw new Error(`${op}: index ${v} is out of bounds for dimension ${dim} with size ${size}. Indices must be in [${-size}, ${size - 1}].`);
    }
    if (v < 0) v += size;
    let off = 0;
    for (let d = 0; d < nd; d++) off += (d === dim ? v : counter[d]!) * tStrides[d]!;
    offs[n] = off;
    for (let d = nd - 1; d >= 0; d--) {
      if (++counter[d]! < shape[d]!) break;
      counter[d] = 0;
    }
  }
  return offs;
}

function checkGatherShapes(x: Shape, index: Tensor, dim: number, op: string): void {
  if (index.ndim !== x.length) {
    throw new Error(`${op}: index must have the same number of dimensions as the input: got index ${fmtShape(index.shape)} and input ${fmtShape(x)}.`);
  }
  index.shape.forEach((d, i) => {
    if (i !== dim && d > x[i]!) {
      throw new Error(`${op}: index ${fmtShape(index.shape)} is larger than the input ${fmtShape(x)} at dimension ${i} (only dim ${dim} may differ).`);
    }
  });
}

export const gatherOp = defineOp<{ readonly dim: number }>({
  name: 'gather',
  forward: ([x, index], { dim }, ctx) => {
    if (ctx.recording) ctx.save(index!);
    const offs = gatherOffsets(x!.shape, index!.shape, dim, contiguousData(index!) as Int32Array, 'gather');
    const src = contiguousData(x!);
    const out = allocate(x!.dtype, offs.length);
    for (let i = 0; i < offs.length; i++) out[i] = src[offs[i]!]!;
    return wrap(out, index!.shape, x!.dtype);
  },
  backward: (g, { attrs: { dim }, saved: [index], inputShapes: [s] }) => [scatterAdd(empty(s!, g.dtype), dim, index!, g), null],
  jvp: ([t], { attrs: { dim }, inputs: [, index] }) => (t ? t.gather(dim, index!) : null),
});

/** `out[i][j] = x[i][index[i][j]]` for dim 1, likewise for other dims; `index` is int32 of x's rank. @example `gather(logp, 1, labels.unsqueeze(1))` */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  checkIndex(index, 'gather', 'any');
  const d = normalizeDim(dim, x.ndim, 'gather');
  checkGatherShapes(x.shape, index, d, 'gather');
  return apply(gatherOp, [x, index], { dim: d });
}

export const scatterAddOp = defineOp<{ readonly dim: number }>({
  name: 'scatterAdd',
  forward: ([base, index, src], { dim }, ctx) => {
    if (ctx.recording) ctx.save(index!);
    const offs = gatherOffsets(base!.shape, index!.shape, dim, contiguousData(index!) as Int32Array, 'scatterAdd');
    const out = (contiguousData(base!) as Float64Array).slice();
    const s = contiguousData(src!, base!.dtype);
    for (let i = 0; i < offs.length; i++) out[offs[i]!]! += s[i]!;
    return wrap(out, base!.shape, base!.dtype);
  },
  backward: (g, { attrs: { dim }, saved: [index], needsInputGrad: n }) => [n[0] ? g : null, null, n[2] ? g.gather(dim, index!) : null],
  jvp: ([tb, , ts], { attrs: { dim }, inputs: [base, index, src] }) => scatterAdd(tb ?? zerosLike(base!), dim, index!, ts ?? zerosLike(src!)),
});

/** `base` with `src` added at the positions `index` names along `dim` (out of place). @example `scatterAdd(zeros([2, 5]), 1, idx, ones([2, 3]))` */
export function scatterAdd(base: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  checkIndex(index, 'scatterAdd', 'any');
  const d = normalizeDim(dim, base.ndim, 'scatterAdd');
  checkGatherShapes(base.shape, index, d, 'scatterAdd');
  if (!sameShape(src.shape, index.shape)) {
    throw new Error(`scatterAdd: src ${fmtShape(src.shape)} must have the same shape as index ${fmtShape(index.shape)}.`);
  }
  return apply(scatterAddOp, [base, index, src], { dim: d });
}
