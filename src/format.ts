import type { DType, TypedArray } from './dtype.js';
import type { Shape } from './shape.js';

/** What printing needs of a tensor (declared here, so that tensor.ts can print without an import cycle). */
export interface Printable {
  readonly shape: Shape;
  readonly ndim: number;
  readonly size: number;
  readonly dtype: DType;
  readonly requiresGrad: boolean;
  readonly gradFn: { readonly name: string } | null;
  /** The device's name; PyTorch shows it when it is not the CPU. */
  readonly device: string;
  data(): TypedArray;
}

// PyTorch's default print options.
const PRECISION = 4;
const THRESHOLD = 1000;
const EDGE = 3;
const LINEWIDTH = 80;

/**
 * Render a tensor the way PyTorch's `repr` does (torch/_tensor_str.py, default print options): one number
 * format for all shown elements (integers as `1.`, otherwise 4 decimals, or scientific notation when the
 * magnitudes call for it), right-aligned, rows wrapped at 80 columns, tensors of more than 1000 elements
 * summarised with `...`, then `size`, `dtype`, `requiresGrad` or `gradFn` where PyTorch shows them. Only the
 * spellings differ: `dtype=float64`, `requiresGrad=true`, `gradFn=<MulBackward0>`; lines still wrap where
 * PyTorch's would.
 *
 * @example
 * ```ts
 * formatTensor(tensor([[1, 2], [3, 4]])); // 'tensor([[1., 2.],\n        [3., 4.]])'
 * formatTensor(tensor([1, 2000]));        // 'tensor([1.0000e+00, 2.0000e+03])'
 * formatTensor(gpuTensor, false);         // "tensor(<6 values: await x.toArrayAsync()>, size=(2, 3), dtype=float32, device='webgpu')"
 * ```
 */
export function formatTensor(t: Printable, readable = true): string {
  const prefix = 'tensor(';
  const indent = prefix.length;
  const suffixes: string[] = [];
  let body: string;
  if (!readable) {
    // A device that reads back only asynchronously: printing must not block, so it says what and where the
    // tensor is, and how to see its values.
    body = `<${t.size} values: await x.toArrayAsync()>`;
    suffixes.push(`size=(${t.shape.join(', ')})`, `dtype=${t.dtype}`);
  } else if (t.size === 0) {
    // No elements to tell the dtype by, so PyTorch names every non-default one (bool included).
    if (t.ndim !== 1) suffixes.push(`size=(${t.shape.join(', ')})`);
    if (t.dtype !== 'float32') suffixes.push(`dtype=${t.dtype}`);
    body = '[]';
  } else {
    if (t.dtype === 'float64' || t.dtype === 'int32') suffixes.push(`dtype=${t.dtype}`);
    body = tensorBody(t, indent);
  }
  if (t.device !== 'cpu') suffixes.push(`device='${t.device}'`);
  if (t.gradFn) suffixes.push(`gradFn=<${t.gradFn.name}>`);
  else if (t.requiresGrad) suffixes.push('requiresGrad=true');
  return addSuffixes(prefix + body, suffixes, indent);
}

/** The shown indices of a dimension of size `n`: all of them, or the first and last EDGE around a gap. */
function shownIndices(n: number, summarize: boolean): (number | null)[] {
  if (summarize && n > 2 * EDGE) {
    const idx: (number | null)[] = [];
    for (let i = 0; i < EDGE; i++) idx.push(i);
    idx.push(null);
    for (let i = n - EDGE; i < n; i++) idx.push(i);
    return idx;
  }
  return Array.from({ length: n }, (_, i) => i);
}

function tensorBody(t: Printable, indent: number): string {
  const values = t.data();
  const nd = t.ndim;
  if (nd === 0) return formatter(t.dtype, [values[0]!]).format(values[0]!);
  const summarize = t.size > THRESHOLD;
  const strides: number[] = [];
  for (let i = nd - 1, s = 1; i >= 0; i--) { strides[i] = s; s *= t.shape[i]!; }
  // Like PyTorch, choose the number format from the shown elements only.
  const shown: number[] = [];
  const collect = (d: number, base: number): void => {
    for (const i of shownIndices(t.shape[d]!, summarize)) {
      if (i === null) continue;
      if (d === nd - 1) shown.push(values[base + i]!);
      else collect(d + 1, base + i * strides[d]!);
    }
  };
  collect(0, 0);
  const fmt = formatter(t.dtype, shown);
  const render = (d: number, base: number, ind: number): string => {
    const idx = shownIndices(t.shape[d]!, summarize);
    if (d === nd - 1) {
      const items = idx.map((i) => (i === null ? ' ...' : fmt.format(values[base + i]!)));
      const perLine = Math.max(1, Math.floor((LINEWIDTH - ind) / (fmt.width + 2)));
      const lines: string[] = [];
      for (let i = 0; i < items.length; i += perLine) lines.push(items.slice(i, i + perLine).join(', '));
      return '[' + lines.join(',\n' + ' '.repeat(ind + 1)) + ']';
    }
    const sep = ',' + '\n'.repeat(nd - 1 - d) + ' '.repeat(ind + 1);
    return '[' + idx.map((i) => (i === null ? '...' : render(d + 1, base + i * strides[d]!, ind + 1))).join(sep) + ']';
  };
  return render(0, 0, indent);
}

/** PyTorch's spelling is longer for some suffixes; wrap where its line would overflow. */
function torchLength(suffix: string): number {
  if (suffix.startsWith('dtype=')) return suffix.length + 'torch.'.length;
  if (suffix.startsWith('gradFn=') || suffix.startsWith('requiresGrad=')) return suffix.length + 1;
  return suffix.length;
}

function addSuffixes(text: string, suffixes: readonly string[], indent: number): string {
  const parts = [text];
  // PyTorch's count, kept exactly (it overcounts by two) so that lines break where PyTorch breaks them.
  let lastLineLen = text.length - text.lastIndexOf('\n') + 1;
  for (const s of suffixes) {
    const len = torchLength(s);
    if (lastLineLen + len + 2 > LINEWIDTH) {
      parts.push(',\n' + ' '.repeat(indent) + s);
      lastLineLen = indent + len;
    } else {
      parts.push(', ' + s);
      lastLineLen += len + 2;
    }
  }
  return parts.join('') + ')';
}

interface Formatter {
  readonly width: number;
  format(v: number): string;
}

/** PyTorch's `_Formatter`: the width and notation come from the nonzero finite values of a float tensor. */
function formatter(dtype: DType, values: readonly number[]): Formatter {
  let width = 1;
  if (dtype === 'bool' || dtype === 'int32') {
    const str = dtype === 'bool' ? (v: number) => (v ? 'True' : 'False') : (v: number) => String(v);
    for (const v of values) width = Math.max(width, str(v).length);
    return { width, format: (v) => str(v).padStart(width) };
  }
  let intMode = true, sciMode = false;
  const finite = values.filter((v) => Number.isFinite(v) && v !== 0);
  if (finite.length > 0) {
    let lo = Infinity, hi = 0;
    for (const v of finite) {
      const a = Math.abs(v);
      if (a < lo) lo = a;
      if (a > hi) hi = a;
      if (v !== Math.ceil(v)) intMode = false;
    }
    sciMode = hi / lo > 1000 || hi > 1e8 || (!intMode && lo < 1e-4);
    for (const v of finite) {
      const len = sciMode ? scientific(v, PRECISION).length : intMode ? fixed(v, 0).length + 1 : fixed(v, PRECISION).length;
      width = Math.max(width, len);
    }
  }
  const special = (v: number): string | null => (v !== v ? 'nan' : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : null);
  return {
    width,
    format: (v) => {
      const s = special(v) ?? (sciMode ? scientific(v, PRECISION) : intMode ? `${fixed(v, 0)}.` : fixed(v, PRECISION));
      return s.padStart(width);
    },
  };
}

/** A finite x ≥ 0 as the exact fraction num / den (den a power of two). */
function exactFraction(x: number): { num: bigint; den: bigint } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0), lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (biased !== 0) mant |= 1n << 52n;
  const e = (biased === 0 ? 1 : biased) - 1075;
  return e >= 0 ? { num: mant << BigInt(e), den: 1n } : { num: mant, den: 1n << BigInt(-e) };
}

/** num / den rounded to an integer, ties to even (Python's rounding of exact binary values). */
function roundHalfEven(num: bigint, den: bigint): bigint {
  const q = num / den, twice = 2n * (num % den);
  return twice > den || (twice === den && q % 2n === 1n) ? q + 1n : q;
}

/**
 * Python's `f'{x:.{p}f}'` for a finite x: exact decimal rounding with ties to even (JS's toFixed rounds ties
 * up: 1.03125 gives 1.0313 there and 1.0312 in Python), and -0 keeps its sign.
 */
function fixed(x: number, p: number): string {
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  const { num, den } = exactFraction(Math.abs(x));
  const digits = roundHalfEven(num * 10n ** BigInt(p), den).toString().padStart(p + 1, '0');
  return sign + (p > 0 ? `${digits.slice(0, -p)}.${digits.slice(-p)}` : digits);
}

/** Python's `f'{x:.{p}e}'` for a finite x: `1.2346e+08`, exact rounding with ties to even. */
function scientific(x: number, p: number): string {
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  const a = Math.abs(x);
  if (a === 0) return `${sign}0.${'0'.repeat(p)}e+00`;
  const { num, den } = exactFraction(a);
  const at = (e: number): bigint => {
    const k = p - e;
    return k >= 0 ? roundHalfEven(num * 10n ** BigInt(k), den) : roundHalfEven(num, den * 10n ** BigInt(-k));
  };
  // log10 can be one off near powers of ten, and rounding can carry into a new leading digit.
  let e = Math.floor(Math.log10(a));
  let q = at(e);
  while (q >= 10n ** BigInt(p + 1)) q = at(++e);
  while (q < 10n ** BigInt(p)) q = at(--e);
  const s = q.toString();
  return `${sign}${s[0]}.${s.slice(1)}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}
