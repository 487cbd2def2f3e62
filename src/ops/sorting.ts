// Sorting and selection along one dim: argsort, sort, topk, kthvalue and median (their values and int32
// positions), and unique. The positions come from the backend's stable sort and selection kernels; the values
// are the input at those positions, and their gradient goes back to them (PyTorch's value-selecting backward).
import { checkOptions } from '../options.js';
import { fmtShape, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { backendOf, describe, filledOn, zerosOn } from './buffers.js';
import type { DifferentiableOp, NonDifferentiableOp, Run } from './define.js';
import {
  checkSelectable, gatherAlong, gatherTangent, lineInput, lineOf, outputsOf, scatterBack, valuesIndices, without, withOutputs, withSize,
  type ValuesIndices,
} from './selection.js';
import { WHERE_OPS } from './where.js';

/** The options of sort and argsort. */
export interface SortOptions {
  /** Largest first (NaN first); default false. */
  readonly descending?: boolean;
  /** Accepted for PyTorch's signature: the sort is always stable. */
  readonly stable?: boolean;
}

/** The options of topk. */
export interface TopkOptions {
  /** The k largest (default true) or smallest. */
  readonly largest?: boolean;
  /** Accepted for PyTorch's signature: the k elements always come sorted. */
  readonly sorted?: boolean;
}

/** Attributes of sort, argsort and topk: the dim, the order, and how many of the first elements to keep. */
export interface SortAttrs {
  readonly dim: number;
  readonly descending: boolean;
  readonly k: number;
}

function checkInput(x: unknown, op: string): Tensor {
  if (!(x instanceof Tensor)) throw new Error(`${op}: expected a Tensor, got ${describe(x)}.`);
  return x;
}

function checkInteger(v: unknown, op: string, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new Error(`${op}: ${what} must be an integer, got ${describe(v)}.`);
  return v;
}

function checkKeepdim(v: unknown, op: string): boolean {
  if (v !== undefined && typeof v !== 'boolean') throw new Error(`${op}: keepdim must be true or false, got ${describe(v)}.`);
  return v ?? false;
}

/** The positions of the first `k` of the stable sort of `x` along `dim` (int32, x's shape with k at dim). */
function sortKernel(x: Tensor, { dim, descending, k }: SortAttrs): Tensor {
  const { outer, r, inner } = lineOf(x.shape, dim, 'sort');
  const out = zerosOn(x.storage.device, 'int32', withSize(x.shape, dim, k));
  if (out.size > 0) {
    const src = lineInput(x);
    backendOf(x).sort(x.dtype, src.buffer, src.offset, out.buffer, outer, r, inner, descending, k);
  }
  return out;
}

function sortAttrs(x: Tensor, dim: number | SortOptions | undefined, options: SortOptions | undefined, op: string): SortAttrs {
  // The options may stand in the place of dim (x.sort({ descending: true })), as PyTorch's keywords do.
  if (dim !== null && typeof dim === 'object' && !Array.isArray(dim)) {
    if (options !== undefined) throw new Error(`${op}: the options object must come last: ${op}(x, dim, { descending }).`);
    return sortAttrs(x, undefined, dim, op);
  }
  const o = checkOptions(op, options, { descending: 'boolean', stable: 'boolean' });
  const line = lineOf(x.shape, dim ?? -1, op);
  return { dim: line.dim, descending: o.descending ?? false, k: line.r };
}

const argsortOp: NonDifferentiableOp<SortAttrs, readonly [x: Tensor, dim?: number | SortOptions, options?: SortOptions]> = {
  name: 'argsort',
  doc: 'The int32 positions that sort `x` along `dim` (default -1): stable (equal elements keep their order), NaN last ' +
    '(first with `descending`), as PyTorch\'s stable sort. Options: `descending`, `stable` (also in the place of dim).',
  example: 'argsort(scores, 1, { descending: true })',
  differentiable: false,
  call: (run, x, dim, options) => run([checkInput(x, 'argsort')], sortAttrs(x, dim, options, 'argsort')),
  forward: (_, [x], attrs) => sortKernel(x!, attrs),
  flops: (inputs) => inputs[0]!.size,
};

/** A sort-like entry: the values at the sort kernel's positions, with the positions beside them. */
function sortEntry<Args extends readonly unknown[]>(name: string, doc: string, example: string,
  call: (run: Run<SortAttrs>, ...args: Args) => ValuesIndices): DifferentiableOp<SortAttrs, Args, ValuesIndices> {
  return {
    name,
    doc,
    example,
    differentiable: true,
    call,
    forward: (ctx, [x], attrs) => {
      const indices = sortKernel(x!, attrs);
      if (ctx.recording) ctx.save(indices);
      return withOutputs(gatherAlong(x!, attrs.dim, indices, indices.shape, name), indices);
    },
    backward: ({ attrs: { dim }, saved: [indices], inputShapes: [s], call: c }, g) => [scatterBack(c, g, indices!, s!, dim, false)],
    jvp: ({ attrs: { dim }, output }, [t]) => (t ? gatherTangent(t, outputsOf(output)[0]!, dim, false) : null),
    flops: (inputs) => inputs[0]!.size,
  };
}

const sortOp = sortEntry(
  'sort',
  '`x` sorted along `dim` (default -1) as `{ values, indices }`: stable (equal elements keep their order), NaN last ' +
    '(first with `descending`), as PyTorch\'s stable sort. Options: `descending`, `stable` (also in the place of dim).',
  'const { values, indices } = sort(x, -1, { descending: true })',
  (run, x: Tensor, dim?: number | SortOptions, options?: SortOptions) => valuesIndices(run([checkInput(x, 'sort')], sortAttrs(x, dim, options, 'sort'))),
);

const topkOp = sortEntry(
  'topk',
  'The `k` largest elements along `dim` (default -1), or the smallest with `largest: false`, as `{ values, indices }`, in order ' +
    '(NaN counts as the largest); among equal elements the earlier one comes first (PyTorch leaves that order unspecified). Options: `largest`, `sorted` (also in the place of dim).',
  'const { values, indices } = topk(logits, 5, 1)',
  (run, x: Tensor, k: number, dimArg?: number | TopkOptions, options?: TopkOptions) => {
    checkInput(x, 'topk');
    // The options may stand in the place of dim (x.topk(5, { largest: false })), as PyTorch's keywords do.
    let dim = dimArg, opts = options;
    if (dim !== null && typeof dim === 'object' && !Array.isArray(dim)) {
      if (opts !== undefined) throw new Error('topk: the options object must come last: topk(x, k, dim, { largest }).');
      opts = dim;
      dim = undefined;
    }
    const o = checkOptions('topk', opts, { largest: 'boolean', sorted: 'boolean' });
    const line = lineOf(x.shape, dim ?? -1, 'topk');
    checkInteger(k, 'topk', 'k');
    if (k < 0 || k > line.r) {
      throw new Error(`topk: selected index k (${k}) out of range: dimension ${line.dim} of shape ${fmtShape(x.shape)} has ${line.r} elements. Choose 0 ≤ k ≤ ${line.r}.`);
    }
    return valuesIndices(run([x], { dim: line.dim, descending: o.largest ?? true, k }));
  },
);

// ---- kthvalue and median ----

/** Attributes of kthvalue/median: along `dim` (null: median of every element), the 0-based rank, NaN rule. */
export interface SelectAttrs {
  readonly dim: number | null;
  readonly k: number;
  readonly keepdim: boolean;
  readonly propagateNaN: boolean;
}

/** The positions of rank `k` along `dim` (null: of the flattened input), int32 of the keepdim shape. */
function selectKernel(x: Tensor, { dim, k, propagateNaN }: SelectAttrs): Tensor {
  const { outer, r, inner } = dim === null ? { outer: 1, r: x.size, inner: 1 } : lineOf(x.shape, dim, 'select');
  const out = zerosOn(x.storage.device, 'int32', dim === null ? [] : withSize(x.shape, dim, 1));
  if (out.size > 0 && r > 0) {
    const src = lineInput(x);
    backendOf(x).select(x.dtype, src.buffer, src.offset, out.buffer, outer, r, inner, k, propagateNaN);
  }
  return out;
}

/** kthvalue or median: the element of rank k along a dim with its position, or the median of every element. */
function selectEntry<Args extends readonly unknown[], R>(name: 'kthvalue' | 'median', doc: string, example: string,
  call: (run: Run<SelectAttrs>, ...args: Args) => R): DifferentiableOp<SelectAttrs, Args, R> {
  return {
    name,
    doc,
    example,
    differentiable: true,
    call,
    forward: (ctx, [x], attrs) => {
      const positions = selectKernel(x!, attrs);
      if (attrs.dim === null) {
        // The median of every element (NaN for none, as PyTorch).
        const src = lineInput(x!);
        const flat = new Tensor(src.storage, [x!.size], x!.dtype, [1], src.offset);
        const y = x!.size === 0 ? filledOn(x!.storage.device, x!.dtype, [], NaN) : gatherAlong(flat, 0, positions, [], name);
        if (ctx.recording) ctx.save(x!, y);
        return y;
      }
      const outShape = attrs.keepdim ? positions.shape : without(x!.shape, attrs.dim);
      const indices = new Tensor(positions.storage, outShape, 'int32');
      if (ctx.recording) ctx.save(indices);
      return withOutputs(gatherAlong(x!, attrs.dim, positions, outShape, name), indices);
    },
    backward: ({ attrs: { dim, keepdim }, saved, inputShapes: [s], call: c }, g) => {
      if (dim === null) {
        // torch.median(x)'s rule: shared evenly among the elements equal to the result (or the NaN ones).
        const [x, y] = saved;
        const mask = c(WHERE_OPS.where, y!.ne(y!), x!.ne(x!), x!.eq(y!));
        return [c(WHERE_OPS.where, mask, g.div(mask.sum()), 0)];
      }
      return [scatterBack(c, g, saved[0]!, s!, dim, !keepdim && s!.length > 0)];
    },
    jvp: ({ attrs: { dim, keepdim }, inputs: [x], output, call: c }, [t]) => {
      if (!t) return null;
      if (dim === null) {
        const mask = c(WHERE_OPS.where, output.ne(output), x!.ne(x!), x!.eq(output));
        return c(WHERE_OPS.where, mask, t, 0).sum().div(mask.sum());
      }
      return gatherTangent(t, outputsOf(output)[0]!, dim, !keepdim && x!.ndim > 0);
    },
    flops: (inputs) => inputs[0]!.size,
  };
}

const kthvalueOp = selectEntry(
  'kthvalue',
  'The `k`-th smallest element (1-based) along `dim` (default -1) as `{ values, indices }`; NaN counts as the largest. ' +
    'Among equal elements it is the one a stable sort puts at k (PyTorch leaves that index unspecified).',
  'const { values, indices } = kthvalue(x, 2, 0)',
  (run, x: Tensor, k: number, dim?: number, keepdim?: boolean): ValuesIndices => {
    checkInput(x, 'kthvalue');
    const line = lineOf(x.shape, dim ?? -1, 'kthvalue');
    checkInteger(k, 'kthvalue', 'k');
    if (k < 1 || k > line.r) {
      throw new Error(`kthvalue: selected number k (${k}) out of range: dimension ${line.dim} of shape ${fmtShape(x.shape)} has ${line.r} elements. Choose 1 ≤ k ≤ ${line.r}.`);
    }
    return valuesIndices(run([x], { dim: line.dim, k: k - 1, keepdim: checkKeepdim(keepdim, 'kthvalue'), propagateNaN: false }));
  },
);

const medianOp = selectEntry(
  'median',
  'The lower median (the smaller of the two middle elements for an even count), as PyTorch: `median(x)` of every element ' +
    '(the gradient shared among ties; NaN for no elements), `median(x, dim, keepdim)` along one dim as `{ values, indices }`. NaN propagates ' +
    '(its index is the first NaN\'s); among equal elements the index is the one a stable sort puts in the middle.',
  'const { values, indices } = median(x, 1)',
  (run, x: Tensor, dim?: number, keepdim?: boolean): Tensor | ValuesIndices => {
    checkInput(x, 'median');
    if (dim === undefined) {
      if (keepdim !== undefined) throw new Error('median: keepdim needs a dim: median(x, dim, keepdim).');
      return run([x], { dim: null, k: (x.size - 1) >> 1, keepdim: false, propagateNaN: true });
    }
    const line = lineOf(x.shape, dim, 'median');
    checkSelectable(x, line, 'median');
    return valuesIndices(run([x], { dim: line.dim, k: (line.r - 1) >> 1, keepdim: checkKeepdim(keepdim, 'median'), propagateNaN: true }));
  },
);

// ---- unique ----

/** The options of unique. */
export interface UniqueOptions {
  /** Accepted for PyTorch's signature: the result is always sorted. */
  readonly sorted?: boolean;
  /** Also return, for each input element (or slice along `dim`), its position in the result. */
  readonly returnInverse?: boolean;
  /** Also return how many times each distinct element (or slice) occurs. */
  readonly returnCounts?: boolean;
  /** The distinct slices along this dim instead of the distinct elements. */
  readonly dim?: number;
}

const uniqueOp: NonDifferentiableOp<{ readonly dim: number | null }, readonly [x: Tensor, options?: UniqueOptions], Tensor | Tensor[]> = {
  name: 'unique',
  doc: 'The distinct elements in ascending order (or, with `dim`, the distinct slices along it, compared lexicographically); ' +
    'each NaN is distinct and sorts last. Options: `returnInverse` and `returnCounts` add, in that order, the position of each input ' +
    'element in the result (int32, the input\'s shape; per slice with `dim`) and the count of each distinct element, as PyTorch\'s tuple; ' +
    '`sorted` is accepted (the result is always sorted). Not differentiable.',
  example: 'const [values, inverse, counts] = unique(labels, { returnInverse: true, returnCounts: true })',
  differentiable: false,
  call: (run, x, options) => {
    checkInput(x, 'unique');
    const o = checkOptions('unique', options, { sorted: 'boolean', returnInverse: 'boolean', returnCounts: 'boolean', dim: 'integer' });
    const dim = o.dim === undefined ? null : lineOf(x.shape, o.dim, 'unique').dim;
    if (dim !== null && x.ndim === 0) throw new Error('unique: dim is not allowed for a 0-d tensor (it has no slices); leave dim out.');
    const values = run([x], { dim });
    if (!o.returnInverse && !o.returnCounts) return values;
    const [inverse, counts] = outputsOf(values);
    return [values, ...(o.returnInverse ? [inverse!] : []), ...(o.returnCounts ? [counts!] : [])];
  },
  forward: (_, [x], { dim }) => {
    const device = x!.storage.device, backend = backendOf(x!);
    const { outer, r, inner } = dim === null ? { outer: 1, r: x!.size, inner: 1 } : lineOf(x!.shape, dim, 'unique');
    const values = zerosOn(device, x!.dtype, [outer * r * inner]);
    const inverse = zerosOn(device, 'int32', [r]), counts = zerosOn(device, 'int32', [r]), count = zerosOn(device, 'int32', [1]);
    const src = lineInput(x!);
    if (outer * r * inner > 0) backend.unique(x!.dtype, src.buffer, src.offset, outer, r, inner, values.buffer, inverse.buffer, counts.buffer, count.buffer);
    // The number of distinct elements decides the result's shape: read it back, as PyTorch does.
    const u = outer * r * inner > 0 ? backend.readScalar(count.buffer, 'int32', 0) : dim === null ? 0 : Math.min(r, 1);
    const countsOut = new Tensor(counts.storage, [u], 'int32');
    if (dim === null) return withOutputs(new Tensor(values.storage, [u], x!.dtype), new Tensor(inverse.storage, x!.shape, 'int32'), countsOut);
    // Slices of an empty input: r of them, all alike; PyTorch keeps one when r > 0.
    const full = withSize(x!.shape, dim, r);
    const strides = full.map((_, i) => sizeOf(full.slice(i + 1)));
    const kept = new Tensor(values.storage, withSize(x!.shape, dim, u), x!.dtype, strides, 0);
    return withOutputs(lineInput(kept), inverse, countsOut);
  },
  flops: (inputs) => inputs[0]!.size,
};

/** Sorting and selection. */
export const SORTING_OPS = {
  argsort: argsortOp,
  sort: sortOp,
  topk: topkOp,
  kthvalue: kthvalueOp,
  median: medianOp,
  unique: uniqueOp,
};
