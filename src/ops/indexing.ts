import { RegionGrad } from '../autograd/region-grad.js';
import { promoteTypes } from '../dtype.js';
import { contiguousStrides, fmtShape, normalizeDim, sameShape, sizeOf, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { castRaw, checkNoOverlap, copyInto, describe, deviceOf, packed, zerosFor, zerosOn, tensorArg, intArg } from './buffers.js';
import { noFlops, type DifferentiableOp } from './define.js';
import { viewAs } from './movement.js';



// ---- narrow: a view of a slice along one dim ----

export interface NarrowAttrs {
  readonly dim: number;
  readonly start: number;
  readonly length: number;
}

const narrowOp: DifferentiableOp<NarrowAttrs, readonly [x: Tensor, dim: number, start: number, length: number]> = {
  name: 'narrow',
  doc: 'Elements `start … start + length - 1` along `dim`, as a view (a negative start counts from the end).',
  example: 'narrow(x, 1, 0, 2)',
  differentiable: true,
  call: (run, x, dim, start, length) => {
    tensorArg(x, 'narrow', 'the input');
    const d = normalizeDim(intArg(dim, 'narrow', 'dim'), x.ndim, 'narrow');
    const size = x.shape[d]!;
    intArg(start, 'narrow', 'start');
    intArg(length, 'narrow', 'length');
    const s = start < 0 ? start + size : start;
    if (s < 0 || length < 0 || s + length > size) {
      throw new Error(`narrow: start (${start}) + length (${length}) exceeds dimension ${d} of size ${size} (shape ${fmtShape(x.shape)}). Choose start ≥ 0 and length ≥ 0 with start + length ≤ ${size}.`);
    }
    return run([x], { dim: d, start: s, length });
  },
  forward: (_, [x], { dim, start, length }) => {
    const shape = [...x!.shape];
    shape[dim] = length;
    return viewAs(x!, shape, x!.strides, x!.offset + start * x!.strides[dim]!);
  },
  // The gradient is g in the slice and zero elsewhere: the engine adds it into one buffer for the input.
  backward: ({ attrs: { dim, start }, inputShapes: [s] }, g) => {
    const strides = contiguousStrides(s!);
    return [new RegionGrad(g, s!, strides, start * (strides[dim] ?? 0))];
  },
  jvp: ({ attrs, call }, [t]) => (t ? call(narrowOp, t, attrs.dim, attrs.start, attrs.length) : null),
  flops: noFlops,
};

// ---- cat ----

// PyTorch's cat skips 1-d empty tensors (a legacy placeholder) whatever the shapes of the others; they still
// take part in dtype promotion and get an empty gradient.
const skipped = (s: Shape): boolean => s.length === 1 && s[0] === 0;

const catOp: DifferentiableOp<{ readonly dim: number }, readonly [tensors: readonly Tensor[], dim?: number]> = {
  name: 'cat',
  doc: 'Join tensors along an existing dim; every other size must match.',
  example: 'cat([a, b], 0)',
  differentiable: true,
  call: (run, tensors, dim = 0) => {
    if (!Array.isArray(tensors) || tensors.length === 0) throw new Error(`cat: expected a non-empty list of tensors, got ${describe(tensors)}.`);
    tensors.forEach((t, i) => tensorArg(t, 'cat', `entry ${i}`));
    const first = tensors.find((t) => !skipped(t.shape)) ?? tensors[0]!;
    if (tensors.some((t) => t.ndim === 0)) throw new Error('cat: zero-dimensional tensors cannot be concatenated; use stack() or unsqueeze them first.');
    const d = normalizeDim(intArg(dim, 'cat', 'dim'), first.ndim, 'cat');
    tensors.forEach((t, i) => {
      const same = skipped(t.shape) || (t.ndim === first.ndim && t.shape.every((s: number, j: number) => j === d || s === first.shape[j]));
      if (!same) {
        throw new Error(
          `cat: sizes of tensors must match except in dimension ${d}: tensor 0 has shape ${fmtShape(first.shape)} and ` +
            `tensor ${i} has shape ${fmtShape(t.shape)}. Reshape or narrow them so that every other dimension agrees, or ` +
            `concatenate along the dimension where they differ.`,
        );
      }
    });
    return run(tensors, { dim: d });
  },
  forward: (_, all, { dim }) => {
    const device = deviceOf('cat', all[0]!, ...all.slice(1));
    const dtype = all.reduce((t, x) => promoteTypes(t, x.dtype), all[0]!.dtype);
    const kept = all.filter((x) => !skipped(x.shape));
    const xs = kept.length ? kept : all;
    const shape = [...xs[0]!.shape];
    shape[dim] = xs.reduce((n, x) => n + x.shape[dim]!, 0);
    const out = zerosOn(device, dtype, shape);
    let at = 0;
    for (const x of xs) {
      // Each input is copied (and converted) by the backend into its slice of the output.
      copyInto(new Tensor(out.storage, x.shape, dtype, out.strides, at * out.strides[dim]!), x);
      at += x.shape[dim]!;
    }
    return out;
  },
  backward: ({ attrs: { dim }, inputShapes, needsInputGrad, call }, g) => {
    let at = 0;
    const skip = inputShapes.some((s) => !skipped(s));
    return inputShapes.map((s, i) => {
      if (skip && skipped(s)) return needsInputGrad[i] ? zerosOn(g.storage.device, g.dtype, s) : null;
      const len = s[dim]!;
      const r = needsInputGrad[i] ? call(narrowOp, g, dim, at, len) : null;
      at += len;
      return r;
    });
  },
  jvp: ({ attrs: { dim }, inputs, call }, ts) => call(catOp, ts.map((t, i) => t ?? zerosFor(inputs[i]!)), dim),
  flops: noFlops,
};

// ---- indexSelect / indexAdd ----

function checkIndex(index: unknown, op: string, dims: 1 | 'any'): Tensor {
  const t = tensorArg(index, op, 'index');
  if (t.dtype !== 'int32') throw new Error(`${op}: index must be an int32 tensor, got ${t.dtype}. Create it with { dtype: 'int32' }.`);
  if (dims === 1 && t.ndim > 1) throw new Error(`${op}: index must be 0-d or 1-d, got shape ${fmtShape(t.shape)}.`);
  return t;
}

/** `[outer, size, inner]` of `shape` around `dim`. */
function around(shape: Shape, dim: number): [number, number, number] {
  return [sizeOf(shape.slice(0, dim)), shape[dim]!, sizeOf(shape.slice(dim + 1))];
}

const indexSelectOp: DifferentiableOp<{ readonly dim: number }, readonly [x: Tensor, dim: number, index: Tensor]> = {
  name: 'indexSelect',
  doc:
    'The entries `index` (int32, each in [0, size)) along `dim`. A 0-d or 1-d index gives PyTorch\'s index_select; an index of any other ' +
    'shape puts its shape in place of `dim` (`x.shape[:dim] + index.shape + x.shape[dim+1:]`, as NumPy\'s take with an axis).',
  example: 'indexSelect(embeddings, 0, ids)',
  differentiable: true,
  call: (run, x, dim, index) => {
    tensorArg(x, 'indexSelect', 'the input');
    const idx = checkIndex(index, 'indexSelect', 'any');
    const d = normalizeDim(intArg(dim, 'indexSelect', 'dim'), x.ndim, 'indexSelect');
    if (idx.ndim <= 1) return run([x, idx.ndim === 0 ? idx.reshape([1]) : idx], { dim: d });
    const out = run([x, idx.reshape([-1])], { dim: d });
    return out.reshape(x.ndim === 0 ? idx.shape : [...x.shape.slice(0, d), ...idx.shape, ...x.shape.slice(d + 1)]);
  },
  forward: (ctx, [x, index], { dim }) => {
    if (ctx.recording) ctx.save(index!);
    const device = deviceOf('indexSelect', x!, index!);
    const src = castRaw(x!), idx = castRaw(index!);
    const [outer, size, inner] = around(x!.shape.length ? x!.shape : [1], x!.ndim ? dim : 0);
    const shape = [...x!.shape];
    if (shape.length) shape[dim] = idx.size;
    const out = zerosOn(device, x!.dtype, shape);
    device.backend.indexSelect(x!.dtype, src.buffer, src.offset, idx.buffer, idx.offset, out.buffer, outer, size, inner, idx.size, dim, 'indexSelect');
    return out;
  },
  backward: ({ attrs: { dim }, saved: [index], inputShapes: [s], call }, g) => [call(indexAddOp, zerosOn(g.storage.device, g.dtype, s!), dim, index!, g), null],
  jvp: ({ attrs: { dim }, inputs: [, index] }, [t]) => (t ? t.indexSelect(dim, index!) : null),
  flops: noFlops,
};

const indexAddOp: DifferentiableOp<{ readonly dim: number }, readonly [base: Tensor, dim: number, index: Tensor, source: Tensor]> = {
  name: 'indexAdd',
  doc: '`base` with `source[…, i, …]` added at `base[…, index[i], …]` along `dim` (out of place; repeated indices accumulate).',
  example: 'indexAdd(zeros([5, 3]), 0, idx, rows)',
  differentiable: true,
  call: (run, base, dim, index, source) => {
    tensorArg(base, 'indexAdd', 'the input');
    tensorArg(source, 'indexAdd', 'source');
    const idx = checkIndex(index, 'indexAdd', 1);
    const d = normalizeDim(intArg(dim, 'indexAdd', 'dim'), base.ndim, 'indexAdd');
    if (source.dtype !== base.dtype) {
      throw new Error(`indexAdd: self (${base.dtype}) and source (${source.dtype}) must have the same dtype, as in PyTorch. Convert one with .to().`);
    }
    const expected = [...base.shape];
    if (expected.length) expected[d] = idx.size;
    if (!sameShape(source.shape, expected)) {
      throw new Error(`indexAdd: source shape ${fmtShape(source.shape)} must be ${fmtShape(expected)} (base ${fmtShape(base.shape)} with dim ${d} set to the ${idx.size} indices).`);
    }
    return run([base, idx.ndim === 0 ? idx.reshape([1]) : idx, source], { dim: d });
  },
  forward: (ctx, [base, index, src], { dim }) => {
    if (ctx.recording) ctx.save(index!);
    const device = deviceOf('indexAdd', base!, index!, src!);
    const out = zerosOn(device, base!.dtype, base!.shape);
    copyInto(out, base!);
    const idx = castRaw(index!), s = castRaw(src!);
    const [outer, size, inner] = around(base!.shape.length ? base!.shape : [1], base!.ndim ? dim : 0);
    device.backend.indexAdd(base!.dtype, out.buffer, idx.buffer, idx.offset, s.buffer, outer, size, inner, idx.size, dim, 'indexAdd');
    return out;
  },
  backward: ({ attrs: { dim }, saved: [index], needsInputGrad: n }, g) => [n[0] ? g : null, null, n[2] ? g.indexSelect(dim, index!) : null],
  jvp: ({ attrs: { dim }, inputs: [base, index, src], call }, [tb, , ts]) =>
    call(indexAddOp, tb ?? zerosFor(base!), dim, index!, ts ?? zerosFor(src!)),
  flops: noFlops,
};

// ---- gather / scatterAdd ----

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

const gatherOp: DifferentiableOp<{ readonly dim: number }, readonly [x: Tensor, dim: number, index: Tensor]> = {
  name: 'gather',
  doc: '`out[i][j] = x[i][index[i][j]]` for dim 1, likewise for other dims; `index` is int32 of x\'s rank, each value in [0, size).',
  example: 'gather(logp, 1, labels.unsqueeze(1))',
  differentiable: true,
  call: (run, x, dim, index) => {
    tensorArg(x, 'gather', 'the input');
    const idx = checkIndex(index, 'gather', 'any');
    const d = normalizeDim(intArg(dim, 'gather', 'dim'), x.ndim, 'gather');
    checkGatherShapes(x.shape, idx, d, 'gather');
    return run([x, idx], { dim: d });
  },
  forward: (ctx, [x, index], { dim }) => {
    if (ctx.recording) ctx.save(index!);
    const device = deviceOf('gather', x!, index!);
    const src = castRaw(x!), idx = castRaw(index!);
    const out = zerosOn(device, x!.dtype, index!.shape);
    if (out.size > 0) {
      device.backend.gather(x!.dtype, packed(src).buffer, x!.shape, packed(idx).buffer, index!.shape, dim, out.buffer, 'gather');
    }
    return out;
  },
  backward: ({ attrs: { dim }, saved: [index], inputShapes: [s], call }, g) => [call(scatterAddOp, zerosOn(g.storage.device, g.dtype, s!), dim, index!, g), null],
  jvp: ({ attrs: { dim }, inputs: [, index] }, [t]) => (t ? t.gather(dim, index!) : null),
  flops: noFlops,
};

const scatterAddOp: DifferentiableOp<{ readonly dim: number }, readonly [base: Tensor, dim: number, index: Tensor, source: Tensor]> = {
  name: 'scatterAdd',
  doc: '`base` with `source` added at the positions `index` names along `dim` (out of place; repeated positions accumulate).',
  example: 'scatterAdd(zeros([2, 5]), 1, idx, ones([2, 3]))',
  differentiable: true,
  call: (run, base, dim, index, source) => {
    tensorArg(base, 'scatterAdd', 'the input');
    tensorArg(source, 'scatterAdd', 'source');
    const idx = checkIndex(index, 'scatterAdd', 'any');
    const d = normalizeDim(intArg(dim, 'scatterAdd', 'dim'), base.ndim, 'scatterAdd');
    checkGatherShapes(base.shape, idx, d, 'scatterAdd');
    if (!sameShape(source.shape, idx.shape)) {
      throw new Error(`scatterAdd: source ${fmtShape(source.shape)} must have the same shape as index ${fmtShape(idx.shape)}.`);
    }
    if (source.dtype !== base.dtype) {
      throw new Error(`scatterAdd: self (${base.dtype}) and source (${source.dtype}) must have the same dtype, as in PyTorch. Convert one with .to().`);
    }
    return run([base, idx, source], { dim: d });
  },
  forward: (ctx, [base, index, src], { dim }) => {
    if (ctx.recording) ctx.save(index!);
    const device = deviceOf('scatterAdd', base!, index!, src!);
    const out = zerosOn(device, base!.dtype, base!.shape);
    copyInto(out, base!);
    if (index!.size > 0) {
      device.backend.scatterAdd(base!.dtype, out.buffer, base!.shape, packed(castRaw(index!)).buffer, index!.shape, dim,
        packed(castRaw(src!)).buffer, 'scatterAdd');
    }
    return out;
  },
  backward: ({ attrs: { dim }, saved: [index], needsInputGrad: n }, g) => [n[0] ? g : null, null, n[2] ? g.gather(dim, index!) : null],
  jvp: ({ attrs: { dim }, inputs: [base, index, src], call }, [tb, , ts]) =>
    call(scatterAddOp, tb ?? zerosFor(base!), dim, index!, ts ?? zerosFor(src!)),
  flops: noFlops,
};

// ---- asStridedScatter: the out-of-place form of writing through a view (PyTorch's as_strided_scatter) ----

/** A region of a tensor's row-major elements: sizes, strides and the offset of its first element. */
export interface RegionAttrs {
  readonly shape: Shape;
  readonly strides: readonly number[];
  readonly offset: number;
}

const asStridedScatterOp: DifferentiableOp<RegionAttrs, readonly [x: Tensor, src: Tensor, size: readonly number[], stride: readonly number[], offset: number]> = {
  name: 'asStridedScatter',
  doc: 'A copy of `x` with the region (sizes, strides, offset into its row-major elements, as `asStrided` on a contiguous `x`) replaced by `src`: the out-of-place form of `x.asStrided(…).copy_(src)`.',
  example: 'asStridedScatter(x, src, [2], [3], 1)',
  differentiable: true,
  call: (run, x, src, size, stride, offset) => {
    tensorArg(x, 'asStridedScatter', 'the input');
    tensorArg(src, 'asStridedScatter', 'src');
    const shape = [...size], strides = [...stride];
    if (!sameShape(src.shape, shape)) {
      throw new Error(`asStridedScatter: src has shape ${fmtShape(src.shape)} but the region is ${fmtShape(shape)}; they must match.`);
    }
    if (strides.length !== shape.length) throw new Error(`asStridedScatter: ${shape.length} sizes but ${strides.length} strides.`);
    checkNoOverlap(shape, strides, 'asStridedScatter');
    return run([x, src], { shape, strides, offset: intArg(offset, 'asStridedScatter', 'offset') });
  },
  forward: (_, [x, src], { shape, strides, offset }) => {
    const device = deviceOf('asStridedScatter', x!, src!);
    const out = zerosOn(device, x!.dtype, x!.shape);
    copyInto(out, x!);
    copyInto(new Tensor(out.storage, shape, out.dtype, strides, offset), src!);
    return out;
  },
  backward: ({ attrs: a, needsInputGrad: n, call }, g) => {
    const c = g.contiguous();
    return [
      n[0] ? call(asStridedScatterOp, g, zerosOn(g.storage.device, g.dtype, a.shape), a.shape, a.strides, a.offset) : null,
      n[1] ? c.asStrided(a.shape, a.strides, c.offset + a.offset) : null,
    ];
  },
  jvp: ({ attrs: a, inputs: [x, src], call }, [tx, ts]) =>
    call(asStridedScatterOp, tx ?? zerosFor(x!), ts ?? zerosFor(src!), a.shape, a.strides, a.offset),
  flops: noFlops,
};

/** narrow, cat, and the index kernels' ops. */
export const INDEXING_OPS = {
  narrow: narrowOp,
  cat: catOp,
  indexSelect: indexSelectOp,
  indexAdd: indexAddOp,
  gather: gatherOp,
  scatterAdd: scatterAddOp,
  asStridedScatter: asStridedScatterOp,
};
