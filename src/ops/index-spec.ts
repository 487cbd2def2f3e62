// The grammar of `x.index(...)` and `x.indexPut_(specs, value)`, PyTorch's `x[...]` for JavaScript: parsing the
// specs into items (one per dimension, the ellipsis expanded, masks turned into integer indices), the view that the
// basic items (numbers, slices, new axes) take, and where the results of the advanced items (integer tensors) go.
import { allocate, type DType } from '../dtype.js';
import type { IndexedView, View } from '../kernels/backend.js';
import type { Device } from '../kernels/index.js';
import { broadcastShapes, fmtShape, type Shape } from '../shape.js';
import { Storage } from '../storage.js';
import { Tensor } from '../tensor.js';
import { broadcastStrides, describe, filledOn, zerosOn } from './buffers.js';

/** Nested arrays of integers (advanced indices) or of booleans (a mask), as `x.index` accepts them. */
export type IndexArray = readonly (number | boolean | IndexArray)[];

/**
 * One spec of `x.index(...specs)`, PyTorch's `x[...]`:
 * - a number selects one entry of a dimension (negative counts from the end) and removes the dimension;
 * - a string `'start:stop:step'` slices it (each part optional: `':'`, `'1:5'`, `'::2'`, `'-3:'`; positive steps only);
 * - `'...'` stands for as many `':'` as needed; `null` inserts a new dimension of size 1;
 * - an int32 tensor or an array of integers indexes by value (advanced indexing: a copy); a 0-d int32 tensor selects
 *   like a number;
 * - a bool tensor or an array of booleans is a mask over as many dimensions as it has (`true` alone, like a 0-d mask,
 *   inserts a dimension of size 1; `false`, of size 0).
 */
export type IndexSpec = number | boolean | string | null | Tensor | IndexArray;

/**
 * One dimension's part of a parsed index; `tensor` refers to the index tensors by position (with `newAxis`, it
 * indexes a new dimension of size 1: a 0-d mask).
 */
export type IndexItem =
  | { readonly kind: 'int'; readonly index: number }
  | { readonly kind: 'slice'; readonly start: number; readonly stop: number; readonly step: number }
  | { readonly kind: 'new' }
  | { readonly kind: 'tensor'; readonly input: number; readonly newAxis?: true };

/** The items of an index (one per dimension of the input, in order, with new axes between) and its int32 index tensors. */
export interface ParsedIndex {
  readonly items: readonly IndexItem[];
  readonly tensors: readonly Tensor[];
}

/**
 * A tensor made from the user's JS array of indices or booleans (host data that becomes a tensor, as `tensor()`
 * makes one), on `device`.
 */
function arrayTensor(spec: IndexArray, device: Device, op: string): Tensor {
  const shape: number[] = [];
  for (let level: unknown = spec; Array.isArray(level); level = (level as unknown[])[0]) shape.push((level as unknown[]).length);
  const values: (number | boolean)[] = [];
  const walk = (a: unknown, d: number): void => {
    if (d === shape.length) {
      values.push(a as number | boolean);
      return;
    }
    if (!Array.isArray(a) || a.length !== shape[d]) {
      throw new Error(`${op}: an index array must be rectangular (nested arrays of equal lengths), got a ragged array of shape ${fmtShape(shape)} at depth ${d}.`);
    }
    for (const e of a) walk(e, d + 1);
  };
  walk(spec, 0);
  const bools = values.length > 0 && values.every((v) => typeof v === 'boolean');
  if (!bools && !values.every((v) => typeof v === 'number' && Number.isInteger(v))) {
    throw new Error(`${op}: an index array must hold integers (advanced indexing) or booleans (a mask), got ${values.map((v) => describe(v)).find((_, i) => typeof values[i] !== 'number' || !Number.isInteger(values[i])) ?? 'a mix'}.`);
  }
  const dtype: DType = bools ? 'bool' : 'int32';
  const data = allocate(dtype, values.length);
  data.set(values.map(Number));
  return new Tensor(new Storage(device.backend.fromHost(data), values.length, dtype, device), shape, dtype);
}

/**
 * The positions of the nonzero elements of `x` as an int32 tensor `[count, x.ndim]`, row-major order (no graph):
 * the count is read back first, as PyTorch's `nonzero` synchronises.
 *
 * @example
 * ```ts
 * nonzeroIndices(tensor([[true, false], [false, true]])); // [[0, 0], [1, 1]]
 * ```
 */
export function nonzeroIndices(x: Tensor): Tensor {
  const count = x.ne(0).to('int32').sum().item();
  const out = zerosOn(x.storage.device, 'int32', [count, x.ndim]);
  if (count > 0) x.storage.device.backend.nonzero(x.dtype, x, x.shape, out.buffer, count);
  return out;
}

/** Parse `'start:stop:step'` (each part optional) against a dimension of `size`, Python's way: out-of-range bounds clamp. */
function parseSlice(spec: string, size: number, dim: number, op: string): IndexItem {
  const parts = spec.split(':').map((p) => p.trim());
  const bad = (why: string): Error =>
    new Error(`${op}: '${spec}' is not a valid slice for dimension ${dim}: ${why}. Write 'start:stop:step' with optional integer parts, e.g. ':', '1:5', '::2', '-3:'.`);
  if (parts.length > 3) throw bad('it has more than two colons');
  const num = (p: string | undefined, what: string): number | undefined => {
    if (p === undefined || p === '') return undefined;
    if (!/^[+-]?\d+$/.test(p)) throw bad(`the ${what} '${p}' is not an integer`);
    return Number(p);
  };
  const step = num(parts[2], 'step') ?? 1;
  if (step <= 0) {
    throw new Error(`${op}: slice step must be greater than zero, got ${step} in '${spec}' (as in PyTorch). To reverse a dimension, use flip().`);
  }
  const clampTo = (v: number | undefined, fallback: number): number => {
    if (v === undefined) return fallback;
    const w = v < 0 ? v + size : v;
    return Math.min(Math.max(w, 0), size);
  };
  const start = clampTo(num(parts[0], 'start'), 0);
  const stop = Math.max(clampTo(num(parts[1], 'stop'), size), start);
  return { kind: 'slice', start, stop, step };
}

/** The number of entries a normalized slice keeps. */
export function sliceLength(item: { readonly start: number; readonly stop: number; readonly step: number }): number {
  return Math.max(0, Math.ceil((item.stop - item.start) / item.step));
}

/**
 * Parse the specs of `x.index(...)` (see `IndexSpec`) against `x`'s shape: the ellipsis expanded, trailing
 * dimensions filled with `':'`, numbers checked and wrapped, slices clamped, arrays made tensors and masks turned
 * into one int32 index tensor per dimension they cover (reading the mask, as PyTorch does).
 *
 * @example
 * ```ts
 * parseIndex(x, [':', -1], 'index'); // items: slice 0:n:1, int n-1
 * ```
 */
export function parseIndex(x: Tensor, specs: readonly unknown[], op: string): ParsedIndex {
  const device = x.storage.device;
  const given = specs.map((s): unknown =>
    Array.isArray(s) ? arrayTensor(s as IndexArray, device, op) : typeof s === 'boolean' ? filledOn(device, 'bool', [], s ? 1 : 0) : s);
  let consumed = 0, ellipsis = -1;
  given.forEach((s, i) => {
    if (s === '...') {
      if (ellipsis >= 0) throw new Error(`${op}: an index can only have a single ellipsis ('...'), got two (at positions ${ellipsis} and ${i}).`);
      ellipsis = i;
    } else if (s instanceof Tensor) {
      if (s.dtype === 'bool') consumed += s.ndim;
      else if (s.dtype === 'int32') consumed += 1;
      else {
        throw new Error(`${op}: tensors used as indices must be int32 or bool tensors, got a ${s.dtype} tensor at position ${i}. Convert it with .int(), or build a mask with a comparison.`);
      }
    } else if (typeof s === 'number' || typeof s === 'string') {
      if (typeof s === 'number' && !Number.isInteger(s)) throw new Error(`${op}: a number index must be an integer, got ${s} at position ${i}.`);
      consumed += 1;
    } else if (s !== null) {
      throw new Error(
        `${op}: an index spec must be a number, a slice string ('1:5', ':', '::2'), '...', null, true/false, an int32 or bool tensor, or an array of ` +
          `integers or booleans; got ${describe(s)} at position ${i}.`,
      );
    }
  });
  if (consumed > x.ndim) {
    throw new Error(`${op}: too many indices for a tensor of dimension ${x.ndim} (shape ${fmtShape(x.shape)}): the specs index ${consumed} dimensions.`);
  }
  const fill = new Array<unknown>(x.ndim - consumed).fill(':');
  const full = ellipsis >= 0 ? [...given.slice(0, ellipsis), ...fill, ...given.slice(ellipsis + 1)] : [...given, ...fill];
  const items: IndexItem[] = [];
  const tensors: Tensor[] = [];
  let d = 0;
  for (const s of full) {
    if (s === null) {
      items.push({ kind: 'new' });
    } else if (typeof s === 'number') {
      const size = x.shape[d]!;
      if (s < -size || s >= size) {
        throw new Error(`${op}: index ${s} is out of bounds for dimension ${d} with size ${size} (shape ${fmtShape(x.shape)}); indices must be in [${-size}, ${size - 1}].`);
      }
      items.push({ kind: 'int', index: s < 0 ? s + size : s });
      d++;
    } else if (typeof s === 'string') {
      items.push(parseSlice(s, x.shape[d]!, d, op));
      d++;
    } else {
      const t = s as Tensor;
      if (t.dtype === 'int32' && t.ndim === 0) {
        // A 0-d integer tensor selects like a number (a view), as in PyTorch: its value is read back.
        const size = x.shape[d]!, v = t.item();
        if (v < -size || v >= size) {
          throw new Error(`${op}: index ${v} is out of bounds for dimension ${d} with size ${size} (shape ${fmtShape(x.shape)}); indices must be in [${-size}, ${size - 1}].`);
        }
        items.push({ kind: 'int', index: v < 0 ? v + size : v });
        d++;
      } else if (t.dtype === 'int32') {
        items.push({ kind: 'tensor', input: tensors.length });
        tensors.push(t);
        d++;
      } else if (t.ndim === 0) {
        // x[true] adds a dimension of size 1 (x[false]: of size 0), as in PyTorch.
        const picked = nonzeroIndices(t.reshape([1]));
        items.push({ kind: 'tensor', input: tensors.length, newAxis: true });
        tensors.push(new Tensor(picked.storage, [picked.shape[0]!], 'int32', [1], 0));
      } else {
        t.shape.forEach((m, j) => {
          if (m !== x.shape[d + j]) {
            throw new Error(
              `${op}: the shape of the mask ${fmtShape(t.shape)} at index ${j} does not match the shape of the indexed tensor ` +
                `${fmtShape(x.shape)} at index ${d + j}; a mask must have the shape of the dimensions it covers.`,
            );
          }
        });
        const nz = nonzeroIndices(t);
        const n = nz.shape[0]!;
        for (let j = 0; j < t.ndim; j++) {
          items.push({ kind: 'tensor', input: tensors.length });
          tensors.push(new Tensor(nz.storage, [n], 'int32', [t.ndim], j));
        }
        d += t.ndim;
      }
    }
  }
  return { items, tensors };
}

/**
 * The specs that parse back to `items` with `tensors` (no ellipsis, every slice normalized): how a rule calls
 * `index` or `indexPut` again with the same index.
 *
 * @example
 * ```ts
 * specsOf(parsed.items, parsed.tensors); // [null, 2, '0:3:1', idx]
 * ```
 */
export function specsOf(items: readonly IndexItem[], tensors: readonly Tensor[]): IndexSpec[] {
  return items.map((it): IndexSpec => {
    switch (it.kind) {
      case 'int': return it.index;
      case 'slice': return `${it.start}:${it.stop}:${it.step}`;
      case 'new': return null;
      case 'tensor': {
        const t = tensors[it.input]!;
        // A 0-d mask indexed a new axis: its index holds one entry (true) or none (false).
        return it.newAxis ? filledOn(t.storage.device, 'bool', [], t.size > 0 ? 1 : 0) : t;
      }
    }
  });
}

/** A dimension of the basic view that an index tensor indexes: its position in the view and in the input. */
export interface AdvancedDim {
  readonly viewDim: number;
  readonly tensor: number;
  readonly inputDim: number;
}

/** The view the basic items take of a layout, and the view dimensions the index tensors then index. */
export interface BasicView {
  readonly shape: number[];
  readonly strides: number[];
  readonly offset: number;
  readonly advanced: readonly AdvancedDim[];
}

/**
 * The view that `items` take of a layout (shape, strides, offset): numbers move the offset and drop their
 * dimension, slices step through theirs, new axes add a dimension of size 1; dimensions indexed by tensors are
 * kept whole, and listed in `advanced`.
 *
 * @example
 * ```ts
 * basicView([4, 5], [5, 1], 0, items); // x.index(1, '::2') → shape [3], strides [2], offset 5
 * ```
 */
export function basicView(shape: Shape, strides: readonly number[], offset: number, items: readonly IndexItem[]): BasicView {
  const outShape: number[] = [], outStrides: number[] = [], advanced: AdvancedDim[] = [];
  let d = 0;
  for (const it of items) {
    switch (it.kind) {
      case 'int':
        offset += it.index * strides[d]!;
        d++;
        break;
      case 'slice':
        outShape.push(sliceLength(it));
        outStrides.push(strides[d]! * it.step);
        offset += it.start * strides[d]!;
        d++;
        break;
      case 'new':
        outShape.push(1);
        outStrides.push(0);
        break;
      case 'tensor':
        advanced.push({ viewDim: outShape.length, tensor: it.input, inputDim: d });
        if (it.newAxis) {
          outShape.push(1);
          outStrides.push(0);
          break;
        }
        outShape.push(shape[d]!);
        outStrides.push(strides[d]!);
        d++;
        break;
    }
  }
  return { shape: outShape, strides: outStrides, offset, advanced };
}

/** Where the index tensors' results go, as `indexGather` and `indexPut` iterate over them. */
export interface AdvancedLayout {
  /** The shape of the result of indexing. */
  readonly shape: number[];
  /** The indexed view, for the kernel (buffer filled in by the caller). */
  readonly at: (x: View) => IndexedView;
}

/**
 * The result shape of indexing `view` with `tensors`, PyTorch's (and NumPy's) rule: the index tensors broadcast
 * together to a shape B; when the dimensions they index are next to each other in the view, B takes their place,
 * otherwise B comes first, followed by the remaining dimensions.
 *
 * @example
 * ```ts
 * advancedLayout(basicView(...), [rows, cols], 'index').shape; // x.index(rows, cols) → rows/cols broadcast shape
 * ```
 */
export function advancedLayout(view: BasicView, tensors: readonly Tensor[], op: string): AdvancedLayout {
  const adv = view.advanced;
  let b: number[] = [];
  adv.forEach((a, i) => {
    const t = tensors[a.tensor]!;
    if (i === 0) b = [...t.shape];
    else {
      try {
        b = broadcastShapes(b, t.shape, op);
      } catch {
        throw new Error(`${op}: shape mismatch: indexing tensors could not be broadcast together with shapes ${adv.map((x) => fmtShape(tensors[x.tensor]!.shape)).join(', ')}.`);
      }
    }
  });
  const first = adv[0]!.viewDim, last = adv[adv.length - 1]!.viewDim;
  const adjacent = last - first === adv.length - 1;
  // Each result dimension is a view dimension or a dimension of B.
  const dims: { view: number; b: number }[] = [];
  const rest = view.shape.map((_, v) => v).filter((v) => !adv.some((a) => a.viewDim === v));
  const bDims = b.map((_, i) => ({ view: -1, b: i }));
  if (adjacent) dims.push(...rest.filter((v) => v < first).map((v) => ({ view: v, b: -1 })), ...bDims, ...rest.filter((v) => v > last).map((v) => ({ view: v, b: -1 })));
  else dims.push(...bDims, ...rest.map((v) => ({ view: v, b: -1 })));
  const shape = dims.map((e) => (e.view >= 0 ? view.shape[e.view]! : b[e.b]!));
  const indexStrides = adv.map((a) => {
    const t = tensors[a.tensor]!;
    const bs = broadcastStrides(t.shape, t.strides, b);
    return { buffer: t.buffer, offset: t.offset, strides: dims.map((e) => (e.b >= 0 ? bs[e.b]! : 0)) };
  });
  const xStrides = (strides: readonly number[]): number[] => dims.map((e) => (e.view >= 0 ? strides[e.view]! : 0));
  return {
    shape,
    at: (x) => ({
      x: { buffer: x.buffer, offset: x.offset, strides: xStrides(x.strides) },
      indices: indexStrides,
      sizes: adv.map((a) => view.shape[a.viewDim]!),
      dimStrides: adv.map((a) => x.strides[a.viewDim]!),
      dims: adv.map((a) => a.inputDim),
    }),
  };
}
