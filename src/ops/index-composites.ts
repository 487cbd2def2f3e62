// The movement and selection ops made of other ops: split/chunk/unbind (slices, whose gradients share one buffer),
// roll, repeat, tile, repeatInterleave, movedim, swapaxes, unflatten, broadcastTo, viewAs, pad, tril/triu and their
// indices, meshgrid, the masked ops, indexFill/indexCopy, takeAlongDim and take. Each is written with other ops
// only, so its gradient comes from theirs. Collected into COMPOSITES (composite.ts).
import { checkDType, type DType } from '../dtype.js';
import { defaultDevice, type Device } from '../kernels/index.js';
import { checkOptions } from '../options.js';
import { broadcastShapes, fmtShape, normalizeDim } from '../shape.js';
import { Tensor } from '../tensor.js';
import { describe, filledOn, zerosOn, intArg } from './buffers.js';
import type { Caller } from './define.js';
import { INDEXING_OPS } from './indexing.js';
import { sizesOf, type SizesArg } from './movement.js';
import { nonzeroIndices, type IndexSpec } from './index-spec.js';

function checkTensor(x: unknown, op: string, what = 'the input'): Tensor {
  if (!(x instanceof Tensor)) throw new Error(`${op}: ${what} must be a Tensor, got ${describe(x)}.`);
  return x;
}


function dimsArg(v: unknown, op: string, what: string): number[] {
  const list: readonly unknown[] = Array.isArray(v) ? v : [v];
  return list.map((d) => intArg(d, op, what));
}

/** 0, 1, …, n − 1 as int32 on `device` (computed by the backend). */
function arangeOn(device: Device, n: number): Tensor {
  const t = zerosOn(device, 'int32', [n]);
  if (n > 0) device.backend.arange('int32', t.buffer, n, 0, 1);
  return t;
}

/** A 0-d tensor of `dtype` holding `value` on `like`'s device: keeps the dtype where a JS number would promote it. */
function scalarOf(value: number, like: Tensor): Tensor {
  return filledOn(like.storage.device, like.dtype, [], value);
}

/** A bool mask that broadcasts to `shape`, named in errors. */
function maskArg(mask: unknown, op: string): Tensor {
  const m = checkTensor(mask, op, 'mask');
  if (m.dtype !== 'bool') throw new Error(`${op}: expected a bool mask, got a ${m.dtype} tensor. Build it with a comparison, e.g. x.gt(0).`);
  return m;
}

/** The pieces of `x` along `d` of the given sizes, as views (narrow). */
function pieces(x: Tensor, d: number, sizes: readonly number[]): Tensor[] {
  let at = 0;
  return sizes.map((n) => {
    const p = x.narrow(d, at, n);
    at += n;
    return p;
  });
}

/** The pad modes of `pad`. */
export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';

/** Options of `pad`. */
export interface PadOptions {
  /** How the new elements are filled: a constant (default), the mirror image without the edge (`reflect`), the edge repeated (`replicate`), or wrapping around (`circular`). */
  readonly mode?: PadMode;
  /** The constant for `mode: 'constant'` (default 0). */
  readonly value?: number;
}

/** Options of `meshgrid`. */
export interface MeshgridOptions {
  /** `'ij'` (matrix indexing, the default) or `'xy'` (Cartesian: the first two output dims swapped). */
  readonly indexing?: 'ij' | 'xy';
}

/** Options of `trilIndices` and `triuIndices`. */
export interface TriIndicesOptions {
  /** The dtype of the result (default int32; adjoint has no int64). */
  readonly dtype?: DType;
  /** The device to make it on (default: the current backend's). */
  readonly device?: string;
}

/** Options of `repeatInterleave`. */
export interface RepeatInterleaveOptions {
  /** The total length of the result along `dim`, checked when given (PyTorch uses it to avoid a device sync). */
  readonly outputSize?: number;
}

/** The int32 row and column indices of the lower (`lower`) or upper triangle of a `rows × cols` matrix, as a bool mask. */
function triangle(device: Device, rows: number, cols: number, diagonal: number, lower: boolean): Tensor {
  const r = arangeOn(device, rows).reshape([rows, 1]), c = arangeOn(device, cols).reshape([1, cols]);
  const diff = c.sub(r);
  return lower ? diff.le(diagonal) : diff.ge(diagonal);
}

function triPart(x: Tensor, diagonal: number, lower: boolean, op: string): Tensor {
  checkTensor(x, op);
  intArg(diagonal, op, 'diagonal');
  if (x.ndim < 2) throw new Error(`${op}: input tensor must have at least 2 dimensions, got shape ${fmtShape(x.shape)}.`);
  const mask = triangle(x.storage.device, x.shape[x.ndim - 2]!, x.shape[x.ndim - 1]!, diagonal, lower);
  return x.where(mask, scalarOf(0, x));
}

function triIndices(rows: number, cols: number, offsetOrOptions: number | TriIndicesOptions | undefined, options: TriIndicesOptions | undefined, lower: boolean, op: string): Tensor {
  // PyTorch's offset is optional before the keyword dtype and device: options may take its place.
  let offset = 0;
  if (offsetOrOptions !== null && typeof offsetOrOptions === 'object') {
    if (options !== undefined) throw new Error(`${op}: options given twice (in place of offset and after it); pass ${op}(row, col, offset, { dtype }).`);
    options = offsetOrOptions;
  } else if (offsetOrOptions !== undefined) offset = intArg(offsetOrOptions, op, 'offset');
  const o = checkOptions(op, options, { dtype: 'dtype', device: 'string' });
  intArg(rows, op, 'row');
  intArg(cols, op, 'col');
  if (rows < 0 || cols < 0) throw new Error(`${op}: row and col must be non-negative, got row=${rows}, col=${cols}.`);
  let device = defaultDevice();
  if (o.device !== undefined) device = zerosOn(device, 'int32', []).to(o.device).storage.device;
  const nz = nonzeroIndices(triangle(device, rows, cols, offset, lower));
  const out = nz.T.contiguous();
  return o.dtype === undefined ? out : out.to(checkDType(o.dtype, op));
}

/** The int32 indices that repeat entry i of a 1-d int32 `repeats` repeats[i] times (PyTorch's repeat_interleave(repeats)). */
function repeatIndices(repeats: Tensor, op: string): Tensor {
  if (repeats.ndim !== 1) throw new Error(`${op}: repeats must be 0-d or 1-d, got shape ${fmtShape(repeats.shape)}.`);
  const device = repeats.storage.device;
  if (repeats.size === 0) return zerosOn(device, 'int32', [0]);
  if (repeats.lt(0).to('int32').sum().item() > 0) throw new Error(`${op}: repeats can not be negative.`);
  const most = repeats.max().item();
  // Row i of this mask has repeats[i] leading trues: its nonzero rows, in order, are the result.
  const mask = arangeOn(device, most).reshape([1, most]).lt(repeats.reshape([repeats.size, 1]));
  return nonzeroIndices(mask).select(1, 0).contiguous();
}

function repeatInterleave(_: Caller, x: Tensor, repeats?: number | Tensor, dimOrOptions?: number | RepeatInterleaveOptions, options?: RepeatInterleaveOptions): Tensor {
  const op = 'repeatInterleave';
  checkTensor(x, op);
  // PyTorch's dim is optional before the keyword output_size: options may take its place.
  let dim: number | undefined;
  if (dimOrOptions !== null && typeof dimOrOptions === 'object') {
    if (options !== undefined) throw new Error(`${op}: options given twice (in place of dim and after it); pass repeatInterleave(repeats, dim, { outputSize }).`);
    options = dimOrOptions;
  } else dim = dimOrOptions;
  const { outputSize } = checkOptions(op, options, { outputSize: 'integer' });
  if (repeats === undefined) {
    // repeatInterleave(repeats): the indices form.
    if (x.dtype !== 'int32') throw new Error(`${op}: with no repeats, the input must be an int32 tensor of repeats, got ${x.dtype}.`);
    return repeatIndices(x.ndim === 0 ? x.reshape([1]) : x, op);
  }
  let input = x, d: number;
  if (dim === undefined) {
    input = x.reshape([-1]);
    d = 0;
  } else d = normalizeDim(intArg(dim, op, 'dim'), x.ndim, op);
  const size = input.ndim ? input.shape[d]! : 1;
  if (input.ndim === 0) input = input.reshape([1]);
  let out: Tensor;
  if (typeof repeats === 'number' || (repeats instanceof Tensor && repeats.size === 1 && repeats.ndim <= 1)) {
    const r = typeof repeats === 'number' ? intArg(repeats, op, 'repeats') : repeats.item();
    if (r < 0) throw new Error(`${op}: repeats can not be negative, got ${r}.`);
    const shape = [...input.shape];
    shape.splice(d + 1, 0, r);
    const grown = input.unsqueeze(d + 1).expand(shape);
    out = grown.reshape([...input.shape.slice(0, d), size * r, ...input.shape.slice(d + 1)]);
  } else if (repeats instanceof Tensor) {
    if (repeats.dtype !== 'int32') throw new Error(`${op}: repeats must be an int32 tensor, got ${repeats.dtype}.`);
    if (repeats.ndim !== 1 || repeats.size !== size) {
      throw new Error(`${op}: repeats must have the same size as input along dim: got repeats of shape ${fmtShape(repeats.shape)} for size ${size}.`);
    }
    out = input.indexSelect(d, repeatIndices(repeats, op));
  } else {
    throw new Error(`${op}: repeats must be an integer or an int32 tensor, got ${describe(repeats)}.`);
  }
  if (outputSize !== undefined && out.shape[d] !== outputSize) {
    throw new Error(`${op}: outputSize ${outputSize} does not match the result's length ${out.shape[d]} along dim ${d}.`);
  }
  return out;
}

function pad(call: Caller, x: Tensor, padding: readonly number[], modeOrOptions?: PadMode | PadOptions, value?: number): Tensor {
  const op = 'pad';
  checkTensor(x, op);
  const opts: PadOptions = typeof modeOrOptions === 'string' ? { mode: modeOrOptions, ...(value === undefined ? {} : { value }) }
    : checkOptions(op, modeOrOptions, { mode: ['constant', 'reflect', 'replicate', 'circular'], value: 'number' });
  if (typeof modeOrOptions !== 'string' && value !== undefined) {
    throw new Error(`${op}: pass the fill value in the options, e.g. pad(x, [1, 1], { value: ${value} }).`);
  }
  const mode = opts.mode ?? 'constant';
  if (!['constant', 'reflect', 'replicate', 'circular'].includes(mode)) {
    throw new Error(`${op}: unknown mode ${describe(mode)}; the modes are 'constant', 'reflect', 'replicate', 'circular'.`);
  }
  if (opts.value !== undefined && mode !== 'constant') {
    throw new Error(`${op}: padding mode "${mode}" doesn't take in value argument; a value is only used with mode 'constant'.`);
  }
  const pads = sizesOf([padding], op, 'padding sizes');
  if (pads.length % 2 !== 0) throw new Error(`${op}: padding length must be divisible by 2, got ${pads.length} ([${pads.join(', ')}]).`);
  if (pads.length / 2 > x.ndim) {
    throw new Error(`${op}: padding length ${pads.length} is too large for a tensor of ${x.ndim} dimensions (shape ${fmtShape(x.shape)}): at most ${2 * x.ndim}.`);
  }
  // Pairs run from the last dimension backwards: [left, right] of dim -1, then of dim -2, …
  const pairs = Array.from({ length: pads.length / 2 }, (_, i) => ({ dim: x.ndim - 1 - i, before: pads[2 * i]!, after: pads[2 * i + 1]! }));
  if (mode === 'constant') {
    let inner = x;
    // Negative padding crops.
    for (const { dim, before, after } of pairs) {
      const size = inner.shape[dim]!;
      const start = Math.max(-before, 0), stop = size - Math.max(-after, 0);
      if (stop - start + Math.max(before, 0) + Math.max(after, 0) < 0 || stop < start) {
        throw new Error(`${op}: the padding [${before}, ${after}] crops more than dimension ${dim} of size ${size} holds.`);
      }
      if (start > 0 || stop < size) inner = inner.narrow(dim, start, stop - start);
    }
    const shape = [...inner.shape];
    const specs: IndexSpec[] = inner.shape.map(() => ':');
    for (const { dim, before, after } of pairs) {
      shape[dim] = inner.shape[dim]! + Math.max(before, 0) + Math.max(after, 0);
      specs[dim] = `${Math.max(before, 0)}:${Math.max(before, 0) + inner.shape[dim]!}`;
    }
    const filled = filledOn(x.storage.device, x.dtype, shape, opts.value ?? 0);
    return filled.indexPut(specs, inner);
  }
  let out = x;
  for (const { dim, before, after } of pairs) {
    const n = out.shape[dim]!;
    if (before < 0 || after < 0) throw new Error(`${op}: negative padding is only supported in mode 'constant', got [${before}, ${after}] with mode '${mode}'.`);
    if (before === 0 && after === 0) continue;
    let parts: Tensor[];
    if (mode === 'reflect') {
      if (before >= n || after >= n) {
        throw new Error(`${op}: padding size should be less than the corresponding input dimension, but got padding (${before}, ${after}) at dimension ${dim} of input ${fmtShape(x.shape)}.`);
      }
      parts = [out.narrow(dim, 1, before).flip(dim), out, out.narrow(dim, n - 1 - after, after).flip(dim)];
    } else if (mode === 'replicate') {
      if (n === 0) throw new Error(`${op}: cannot replicate-pad dimension ${dim} of size 0 (shape ${fmtShape(x.shape)}).`);
      const edge = (at: number, len: number): Tensor => {
        const s = [...out.shape];
        s[dim] = len;
        return out.narrow(dim, at, 1).expand(s);
      };
      parts = [edge(0, before), out, edge(n - 1, after)];
    } else {
      if (before > n || after > n) throw new Error(`${op}: padding value causes wrapping around more than once (padding (${before}, ${after}) at dimension ${dim} of size ${n}).`);
      parts = [out.narrow(dim, n - before, before), out, out.narrow(dim, 0, after)];
    }
    out = call(INDEXING_OPS.cat, parts, dim);
  }
  return out === x ? x.clone() : out;
}

function meshgrid(_: Caller, ...args: readonly (Tensor | readonly Tensor[] | MeshgridOptions)[]): Tensor[] {
  const op = 'meshgrid';
  let rest = args;
  let options: MeshgridOptions | undefined;
  const last = rest[rest.length - 1];
  if (last !== undefined && !(last instanceof Tensor) && !Array.isArray(last)) {
    options = last as MeshgridOptions;
    rest = rest.slice(0, -1);
  }
  const { indexing = 'ij' } = checkOptions(op, options, { indexing: ['ij', 'xy'] });
  const list: readonly unknown[] = rest.length === 1 && Array.isArray(rest[0]) ? rest[0] : rest;
  if (list.length === 0) throw new Error(`${op}: expects a non-empty list of tensors.`);
  const ts = list.map((t, i) => {
    const x = checkTensor(t, op, `tensor ${i}`);
    if (x.ndim > 1) throw new Error(`${op}: expects 0-d or 1-d tensors, got shape ${fmtShape(x.shape)} at position ${i}.`);
    return x.reshape([-1]);
  });
  // 'xy' swaps the roles of the first two inputs in the output's layout.
  const order = ts.map((_, i) => i);
  if (indexing === 'xy' && ts.length >= 2) [order[0], order[1]] = [1, 0];
  const shape = order.map((i) => ts[i]!.size);
  return ts.map((t, i) => {
    const at = order.indexOf(i);
    const s = shape.map((_, j) => (j === at ? t.size : 1));
    return t.reshape(s).expand(shape);
  });
}

function maskedFill(_: Caller, x: Tensor, mask: Tensor, value: number | Tensor): Tensor {
  const op = 'maskedFill';
  checkTensor(x, op);
  const m = maskArg(mask, op);
  let v: Tensor;
  if (typeof value === 'number' || typeof value === 'boolean') v = scalarOf(Number(value), x);
  else if (value instanceof Tensor) {
    if (value.ndim !== 0) throw new Error(`${op}: only supports a 0-dimensional value tensor, but got a tensor of shape ${fmtShape(value.shape)}.`);
    v = value.dtype === x.dtype ? value : value.to(x.dtype);
  } else throw new Error(`${op}: the value must be a number or a 0-d Tensor, got ${describe(value)}.`);
  broadcastShapes(m.shape, x.shape, op);
  return v.where(m, x);
}

/** The methods and functions of indexing made of other ops. */
export const INDEX_COMPOSITES = {
  split: {
    doc: 'Cut `x` along `dim` into pieces of `splitSize` entries (the last may be smaller), or of the listed sizes (which must add up to its size); each piece is a view.',
    example: 'split(x, 2, 1)',
    fn: (_: Caller, x: Tensor, splitSizeOrSections: number | readonly number[], dim: number = 0): Tensor[] => {
      const op = 'split';
      checkTensor(x, op);
      if (x.ndim === 0) throw new Error(`${op}: cannot split a 0-d tensor; it has no dimension.`);
      const d = normalizeDim(intArg(dim, op, 'dim'), x.ndim, op);
      const n = x.shape[d]!;
      if (Array.isArray(splitSizeOrSections)) {
        const sizes = sizesOf([splitSizeOrSections], op, 'split sizes');
        if (sizes.some((s) => s < 0) || sizes.reduce((a, b) => a + b, 0) !== n) {
          throw new Error(`${op}: split sizes [${sizes.join(', ')}] must be non-negative and sum exactly to ${n} (the input's size at dimension ${d}, shape ${fmtShape(x.shape)}).`);
        }
        return pieces(x, d, sizes);
      }
      const size = intArg(splitSizeOrSections, op, 'splitSize');
      if (size < 0 || (size === 0 && n > 0)) throw new Error(`${op}: split size must be positive (or 0 for an empty dimension), got ${size}.`);
      if (n === 0) return [x.narrow(d, 0, 0)];
      const count = Math.ceil(n / size);
      return pieces(x, d, Array.from({ length: count }, (_, i) => Math.min(size, n - i * size)));
    },
  },
  chunk: {
    doc: 'Cut `x` along `dim` into `chunks` views of ⌈size / chunks⌉ entries each (the last may be smaller, and there may be fewer than `chunks`), as in PyTorch.',
    example: 'const [i, f, g, o] = gates.chunk(4, 1)',
    fn: (_: Caller, x: Tensor, chunks: number, dim: number = 0): Tensor[] => {
      const op = 'chunk';
      checkTensor(x, op);
      if (x.ndim === 0) throw new Error(`${op}: cannot chunk a 0-d tensor; it has no dimension.`);
      intArg(chunks, op, 'chunks');
      if (chunks <= 0) throw new Error(`${op}: chunks must be greater than 0, got ${chunks}.`);
      const d = normalizeDim(intArg(dim, op, 'dim'), x.ndim, op);
      const n = x.shape[d]!;
      const size = Math.ceil(n / chunks);
      if (n === 0) return Array.from({ length: chunks }, () => x.narrow(d, 0, 0));
      const count = Math.ceil(n / size);
      return pieces(x, d, Array.from({ length: count }, (_, i) => Math.min(size, n - i * size)));
    },
  },
  unbind: {
    doc: 'The entries of `x` along `dim`, each with that dimension removed (views).',
    example: 'const [a, b] = pairs.unbind(1)',
    fn: (_: Caller, x: Tensor, dim: number = 0): Tensor[] => {
      checkTensor(x, 'unbind');
      if (x.ndim === 0) throw new Error('unbind: cannot unbind a 0-d tensor; it has no dimension.');
      const d = normalizeDim(intArg(dim, 'unbind', 'dim'), x.ndim, 'unbind');
      return Array.from({ length: x.shape[d]! }, (_, i) => x.select(d, i));
    },
  },
  roll: {
    doc: 'Shift the entries along `dims` by `shifts` (numbers or lists of equal length), wrapping around; with no dims, the flattened tensor is rolled.',
    example: 'roll(x, 1, 0)',
    fn: (call: Caller, x: Tensor, shifts: number | readonly number[], dims?: number | readonly number[]): Tensor => {
      const op = 'roll';
      checkTensor(x, op);
      const s = dimsArg(shifts, op, 'shifts');
      if (dims === undefined) {
        if (s.length !== 1) throw new Error(`${op}: shifts and dimensions must align: got ${s.length} shifts and no dims.`);
        return x.reshape([-1]).roll(s[0]!, 0).reshape(x.shape);
      }
      const ds = dimsArg(dims, op, 'dims').map((d) => normalizeDim(d, x.ndim, op));
      if (ds.length !== s.length) throw new Error(`${op}: shifts and dimensions must align. shifts: ${s.length}, dims: ${ds.length}.`);
      let out = x;
      ds.forEach((d, i) => {
        const n = out.shape[d]!;
        if (n === 0) return;
        const k = ((s[i]! % n) + n) % n;
        out = call(INDEXING_OPS.cat, [out.narrow(d, n - k, k), out.narrow(d, 0, n - k)], d);
      });
      return out === x ? x.clone() : out;
    },
  },
  repeat: {
    doc: 'Tile `x`: `repeats[i]` copies along dimension i (sizes as a list or separate numbers; extra leading repeats add dimensions).',
    example: 'repeat(x, 2, 3)',
    fn: (_: Caller, x: Tensor, ...repeats: SizesArg): Tensor => {
      const op = 'repeat';
      checkTensor(x, op);
      const r = sizesOf(repeats, op, 'repeats');
      if (r.length < x.ndim) {
        throw new Error(`${op}: number of dimensions of repeat dims (${r.length}) can not be smaller than number of dimensions of tensor (${x.ndim}, shape ${fmtShape(x.shape)}).`);
      }
      if (r.some((n) => n < 0)) throw new Error(`${op}: repeats must be non-negative, got [${r.join(', ')}].`);
      const shape = [...new Array<number>(r.length - x.ndim).fill(1), ...x.shape];
      const spread = shape.flatMap((n) => [1, n]);
      const grown = shape.flatMap((n, i) => [r[i]!, n]);
      const out = x.reshape(spread).expand(grown).reshape(shape.map((n, i) => n * r[i]!));
      // A copy, as in PyTorch, also where every repeat is 1 and the reshapes alone would give a view.
      return out.storage === x.storage ? out.clone() : out;
    },
  },
  tile: {
    doc: 'Like repeat, but fewer repeats than dimensions repeat the trailing ones (the rest are 1), as NumPy\'s tile.',
    example: 'tile(x, 2)',
    fn: (_: Caller, x: Tensor, ...reps: SizesArg): Tensor => {
      checkTensor(x, 'tile');
      const r = sizesOf(reps, 'tile', 'reps');
      if (r.some((n) => n < 0)) throw new Error(`tile: reps must be non-negative, got [${r.join(', ')}].`);
      return x.repeat([...new Array<number>(Math.max(x.ndim - r.length, 0)).fill(1), ...r]);
    },
  },
  repeatInterleave: {
    doc:
      'Repeat each entry `repeats` times along `dim` (the flattened tensor when no dim): an integer, or an int32 tensor of one count per entry. ' +
      'Called on an int32 tensor of counts alone, the indices 0…n−1 repeated that many times. `{ outputSize }` (checked) goes after the dim or in its place.',
    example: 'repeatInterleave(x, 2, 0)',
    fn: repeatInterleave,
  },
  movedim: {
    doc: 'Move dimensions `source` to positions `destination` (numbers or lists), keeping the others in order (a view).',
    example: 'movedim(x, 0, -1)',
    fn: (_: Caller, x: Tensor, source: number | readonly number[], destination: number | readonly number[]): Tensor => {
      const op = 'movedim';
      checkTensor(x, op);
      const src = dimsArg(source, op, 'source').map((d) => normalizeDim(d, x.ndim, op));
      const dst = dimsArg(destination, op, 'destination').map((d) => normalizeDim(d, x.ndim, op));
      if (src.length !== dst.length) {
        throw new Error(`${op}: Invalid source or destination dims: source ([${src.join(', ')}] dims) should contain the same number of dims as destination ([${dst.join(', ')}] dims).`);
      }
      if (new Set(src).size !== src.length) throw new Error(`${op}: repeated dim in source [${src.join(', ')}].`);
      if (new Set(dst).size !== dst.length) throw new Error(`${op}: repeated dim in destination [${dst.join(', ')}].`);
      const perm = new Array<number>(x.ndim).fill(-1);
      src.forEach((s, i) => (perm[dst[i]!] = s));
      const rest = x.shape.map((_, i) => i).filter((i) => !src.includes(i));
      for (let i = 0, k = 0; i < perm.length; i++) if (perm[i] === -1) perm[i] = rest[k++]!;
      return x.ndim === 0 ? x.reshape([]) : x.permute(perm);
    },
  },
  moveaxis: {
    doc: 'Alias of movedim (NumPy\'s name).',
    example: 'moveaxis(x, 0, -1)',
    fn: (_: Caller, x: Tensor, source: number | readonly number[], destination: number | readonly number[]): Tensor =>
      checkTensor(x, 'moveaxis').movedim(source, destination),
  },
  swapaxes: {
    doc: 'Swap two dimensions (a view): NumPy\'s name for transpose.',
    example: 'swapaxes(x, 0, 1)',
    fn: (_: Caller, x: Tensor, axis0: number, axis1: number): Tensor =>
      checkTensor(x, 'swapaxes').transpose(intArg(axis0, 'swapaxes', 'axis0'), intArg(axis1, 'swapaxes', 'axis1')),
  },
  swapdims: {
    doc: 'Swap two dimensions (a view): an alias of transpose.',
    example: 'swapdims(x, 0, 1)',
    fn: (_: Caller, x: Tensor, dim0: number, dim1: number): Tensor =>
      checkTensor(x, 'swapdims').transpose(intArg(dim0, 'swapdims', 'dim0'), intArg(dim1, 'swapdims', 'dim1')),
  },
  unflatten: {
    doc: 'Split dimension `dim` into `sizes` (one may be -1), the inverse of flatten.',
    example: 'unflatten(x, 1, [2, 3])',
    fn: (_: Caller, x: Tensor, dim: number, sizes: readonly number[]): Tensor => {
      const op = 'unflatten';
      checkTensor(x, op);
      const d = normalizeDim(intArg(dim, op, 'dim'), x.ndim, op);
      const s = sizesOf([sizes], op);
      if (s.length === 0) throw new Error(`${op}: sizes must be non-empty.`);
      const n = x.shape[d]!;
      const known = s.filter((v) => v !== -1).reduce((a, b) => a * b, 1);
      const inferred = s.filter((v) => v === -1).length;
      if (inferred > 1 || (inferred === 0 ? known !== n : known === 0 || n % known !== 0) || s.some((v) => v < -1)) {
        throw new Error(`${op}: provided sizes [${s.join(', ')}] don't multiply up to the size of dim ${d} (${n}) in the input tensor of shape ${fmtShape(x.shape)}.`);
      }
      const filled = s.map((v) => (v === -1 ? n / known : v));
      return x.reshape([...x.shape.slice(0, d), ...filled, ...x.shape.slice(d + 1)]);
    },
  },
  broadcastTo: {
    doc: 'Broadcast to `shape` (a view with stride 0 on the broadcast dimensions): expand with NumPy\'s name.',
    example: 'broadcastTo(x, [4, 3])',
    fn: (_: Caller, x: Tensor, ...shape: SizesArg): Tensor => {
      const op = 'broadcastTo';
      checkTensor(x, op);
      const target = sizesOf(shape, op);
      const lead = target.length - x.ndim;
      if (lead < 0 || x.shape.some((n, i) => n !== 1 && target[lead + i] !== -1 && n !== target[lead + i])) {
        throw new Error(`${op}: the tensor of shape ${fmtShape(x.shape)} cannot be broadcast to ${fmtShape(target)}: each of its dimensions must be 1 or match the target's trailing ones (-1 keeps a size).`);
      }
      return x.expand(target);
    },
  },
  viewAs: {
    doc: 'A view of the same elements with `other`\'s shape (`x.view(other.shape)`).',
    example: 'x.viewAs(y)',
    fn: (_: Caller, x: Tensor, other: Tensor): Tensor => checkTensor(x, 'viewAs').view(checkTensor(other, 'viewAs', 'other').shape),
  },
  pad: {
    doc:
      'Pad (or, with negative sizes, crop) the last dimensions: `pad` lists [before, after] for the last dimension, then the one before, … ' +
      '(PyTorch\'s F.pad). Modes: `\'constant\'` (`value`, default 0), `\'reflect\'`, `\'replicate\'`, `\'circular\'`, as a third argument or `{ mode, value }`.',
    example: "pad(x, [1, 1, 2, 0], 'reflect')",
    fn: pad,
  },
  tril: {
    doc: 'The lower triangle of the last two dimensions (`j − i ≤ diagonal`), zeros elsewhere.',
    example: 'tril(x, -1)',
    fn: (_: Caller, x: Tensor, diagonal: number = 0): Tensor => triPart(x, diagonal, true, 'tril'),
  },
  triu: {
    doc: 'The upper triangle of the last two dimensions (`j − i ≥ diagonal`), zeros elsewhere.',
    example: 'triu(x, 1)',
    fn: (_: Caller, x: Tensor, diagonal: number = 0): Tensor => triPart(x, diagonal, false, 'triu'),
  },
  trilIndices: {
    doc: 'The [row, column] indices of the lower triangle of a `row × col` matrix (below and on diagonal `offset`), as int32 `[2, n]` in row-major order; `{ dtype, device }` after the offset or in its place.',
    example: 'trilIndices(3, 3)',
    fn: (_: Caller, row: number, col: number, offset?: number | TriIndicesOptions, options?: TriIndicesOptions): Tensor => triIndices(row, col, offset, options, true, 'trilIndices'),
  },
  triuIndices: {
    doc: 'The [row, column] indices of the upper triangle of a `row × col` matrix (above and on diagonal `offset`), as int32 `[2, n]` in row-major order; `{ dtype, device }` after the offset or in its place.',
    example: 'triuIndices(3, 3, 1)',
    fn: (_: Caller, row: number, col: number, offset?: number | TriIndicesOptions, options?: TriIndicesOptions): Tensor => triIndices(row, col, offset, options, false, 'triuIndices'),
  },
  meshgrid: {
    doc: 'Coordinate grids from 1-d tensors (a list or separate tensors): output i varies along dimension i (`\'ij\'`, the default) or, with `{ indexing: \'xy\' }`, the first two are swapped. Expanded views.',
    example: "const [gx, gy] = meshgrid([xs, ys], { indexing: 'xy' })",
    fn: meshgrid,
  },
  maskedFill: {
    doc: '`value` (a number or a 0-d tensor) where the bool `mask` (broadcast) is true, `x` elsewhere; gradients flow to `x` and a tensor `value`.',
    example: 'maskedFill(scores, mask, -Infinity)',
    fn: maskedFill,
  },
  maskedSelect: {
    doc: 'The elements of `x` where the bool `mask` is true (both broadcast), as a 1-d tensor in row-major order (a copy).',
    example: 'maskedSelect(x, x.gt(0))',
    fn: (_: Caller, x: Tensor, mask: Tensor): Tensor => {
      const op = 'maskedSelect';
      checkTensor(x, op);
      const m = maskArg(mask, op);
      const shape = broadcastShapes(x.shape, m.shape, op);
      return x.expand(shape).index(m.expand(shape));
    },
  },
  maskedScatter: {
    doc: 'A copy of `x` whose elements where the bool `mask` (broadcast to x) is true are replaced, in row-major order, by the first elements of `source`.',
    example: 'maskedScatter(x, mask, values)',
    fn: (_: Caller, x: Tensor, mask: Tensor, source: Tensor): Tensor => {
      const op = 'maskedScatter';
      checkTensor(x, op);
      const m = maskArg(mask, op).expand(broadcastShapes(mask.shape, x.shape, op));
      const src = checkTensor(source, op, 'source');
      if (!(m.ndim === x.ndim && m.shape.every((d, i) => d === x.shape[i]))) {
        throw new Error(`${op}: the mask of shape ${fmtShape(mask.shape)} must broadcast to the input's shape ${fmtShape(x.shape)}.`);
      }
      if (src.dtype !== x.dtype) throw new Error(`${op}: expected source and self to have the same dtype, got ${src.dtype} and ${x.dtype}.`);
      const count = m.to('int32').sum().item();
      if (src.size < count) throw new Error(`${op}: the source has ${src.size} elements but the mask selects ${count}; it needs at least that many.`);
      return x.indexPut([m], src.reshape([-1]).narrow(0, 0, count));
    },
  },
  indexFill: {
    doc: 'A copy of `x` with the entries `index` (int32, 0-d or 1-d) along `dim` set to `value` (a number or a 0-d tensor).',
    example: 'indexFill(x, 1, idx, 0)',
    fn: (_: Caller, x: Tensor, dim: number, index: Tensor, value: number | Tensor): Tensor => {
      const op = 'indexFill';
      checkTensor(x, op);
      const [specs] = alongDim(x, dim, index, op);
      if (typeof value !== 'number' && !(value instanceof Tensor)) throw new Error(`${op}: the value must be a number or a 0-d Tensor, got ${describe(value)}.`);
      if (value instanceof Tensor && value.ndim !== 0) {
        throw new Error(`${op}: only supports a 0-dimensional value tensor, but got a tensor of shape ${fmtShape(value.shape)}.`);
      }
      return x.indexPut(specs, typeof value === 'number' ? scalarOf(value, x) : value);
    },
  },
  indexCopy: {
    doc: 'A copy of `x` with its entries `index[i]` (int32, 0-d or 1-d) along `dim` replaced by entry i of `source` along `dim`.',
    example: 'indexCopy(x, 0, idx, rows)',
    fn: (_: Caller, x: Tensor, dim: number, index: Tensor, source: Tensor): Tensor => {
      const op = 'indexCopy';
      checkTensor(x, op);
      const [specs, d, idx] = alongDim(x, dim, index, op);
      const src = checkTensor(source, op, 'source');
      const expected = [...x.shape];
      if (expected.length) expected[d] = idx.size;
      const s = src.ndim === 0 && expected.length === 1 ? src.reshape([1]) : src;
      if (!(s.ndim === expected.length && s.shape.every((n, i) => n === expected[i]))) {
        throw new Error(`${op}: source/destination tensor must have same slice shapes: source ${fmtShape(src.shape)} should be ${fmtShape(expected)} (the input ${fmtShape(x.shape)} with dim ${d} of size ${idx.size}).`);
      }
      if (s.dtype !== x.dtype) throw new Error(`${op}: expected source and self to have the same dtype, got ${s.dtype} and ${x.dtype}.`);
      return x.indexPut(specs, s);
    },
  },
  takeAlongDim: {
    doc: 'Pick values of `x` at `indices` along `dim`, broadcasting the other dimensions (NumPy\'s take_along_axis); with no dim, from the flattened `x`.',
    example: 'takeAlongDim(x, x.argmax(1, true), 1)',
    fn: (_: Caller, x: Tensor, indices: Tensor, dim?: number): Tensor => {
      const op = 'takeAlongDim';
      checkTensor(x, op);
      const idx = checkTensor(indices, op, 'indices');
      if (idx.dtype !== 'int32') throw new Error(`${op}: indices must be an int32 tensor, got ${idx.dtype}.`);
      if (dim === undefined) return x.reshape([-1]).gather(0, idx.reshape([-1]));
      const d = normalizeDim(intArg(dim, op, 'dim'), x.ndim, op);
      if (idx.ndim !== x.ndim) {
        throw new Error(`${op}: input and indices should have the same number of dimensions, but got ${x.ndim} dimensions for input and ${idx.ndim} for indices.`);
      }
      const own = (t: Tensor): number[] => t.shape.map((n, i) => (i === d ? 1 : n));
      const shape = broadcastShapes(own(x), own(idx), op);
      const xs = shape.map((n, i) => (i === d ? x.shape[d]! : n)), is = shape.map((n, i) => (i === d ? idx.shape[d]! : n));
      return x.expand(xs).gather(d, idx.expand(is));
    },
  },
  take: {
    doc: 'The elements of the flattened `x` at `index` (int32, any shape; negative counts from the end): a result of index\'s shape.',
    example: 'take(x, idx)',
    fn: (_: Caller, x: Tensor, index: Tensor): Tensor => {
      const op = 'take';
      checkTensor(x, op);
      const idx = checkTensor(index, op, 'index');
      if (idx.dtype !== 'int32') throw new Error(`${op}: index must be an int32 tensor, got ${idx.dtype}.`);
      if (x.size === 0 && idx.size > 0) throw new Error(`${op}: cannot take from an empty tensor (shape ${fmtShape(x.shape)}).`);
      return x.reshape([-1]).index(idx);
    },
  },
};

/** The specs `[':', …, index]` that index `x` along `dim` with a 0-d or 1-d int32 index, and the dim and index. */
function alongDim(x: Tensor, dim: number, index: Tensor, op: string): [IndexSpec[], number, Tensor] {
  const d = x.ndim === 0 ? 0 : normalizeDim(intArg(dim, op, 'dim'), x.ndim, op);
  const idx = checkTensor(index, op, 'index');
  if (idx.dtype !== 'int32') throw new Error(`${op}: index must be an int32 tensor, got ${idx.dtype}. Create it with { dtype: 'int32' }.`);
  if (idx.ndim > 1) throw new Error(`${op}: index must be 0-d or 1-d, got shape ${fmtShape(idx.shape)}.`);
  if (x.ndim === 0) throw new Error(`${op}: the input must have at least one dimension, got a 0-d tensor.`);
  const flat = idx.reshape([-1]);
  const specs: IndexSpec[] = x.shape.map(() => ':');
  specs[d] = flat;
  return [specs, d, flat];
}
