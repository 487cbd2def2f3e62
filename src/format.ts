import type { Tensor } from './tensor.js';

const EDGE = 3;
const SUMMARIZE_ABOVE = 1000;

/**
 * Render a tensor the way PyTorch's `repr` does: a common number format for all elements (integers as `1.`,
 * otherwise 4 decimals, or scientific notation for very large or small magnitudes), rows aligned, long
 * dimensions summarised with `...`, then `dtype`, `requiresGrad` or `gradFn` when they are not the defaults.
 *
 * @example
 * ```ts
 * formatTensor(tensor([[1, 2], [3, 4]])); // 'tensor([[1., 2.],\n        [3., 4.]])'
 * ```
 */
export function formatTensor(t: Tensor): string {
  const values = t.data();
  const fmt = numberFormat(t.dtype, values);
  const summarize = t.size > SUMMARIZE_ABOVE;
  const prefix = 'tensor(';
  const width = Math.max(1, ...Array.from(sample(values), (v) => fmt(v).length));
  const cell = (v: number): string => fmt(v).padStart(width);
  let body: string;
  if (t.ndim === 0) {
    body = fmt(values[0]!);
  } else {
    const strides: number[] = [];
    let s = 1;
    for (let i = t.ndim - 1; i >= 0; i--) { strides[i] = s; s *= t.shape[i]!; }
    const render = (d: number, base: number, indent: string): string => {
      const n = t.shape[d]!;
      const idx: (number | null)[] = [];
      if (summarize && n > 2 * EDGE) {
        for (let i = 0; i < EDGE; i++) idx.push(i);
        idx.push(null);
        for (let i = n - EDGE; i < n; i++) idx.push(i);
      } else {
        for (let i = 0; i < n; i++) idx.push(i);
      }
      if (d === t.ndim - 1) {
        return '[' + idx.map((i) => (i === null ? '...' : cell(values[base + i]!))).join(', ') + ']';
      }
      const sep = ',' + '\n'.repeat(t.ndim - 1 - d) + indent + ' ';
      return '[' + idx.map((i) => (i === null ? '...' : render(d + 1, base + i * strides[d]!, indent + ' '))).join(sep) + ']';
    };
    body = render(0, 0, ' '.repeat(prefix.length));
  }
  const extras: string[] = [];
  if (t.size === 0 && t.ndim !== 1) extras.push(`size=[${t.shape.join(', ')}]`);
  if (t.dtype !== 'float32' && t.dtype !== 'bool') extras.push(`dtype=${t.dtype}`);
  if (t.gradFn) extras.push(`gradFn=<${t.gradFn.name}>`);
  else if (t.requiresGrad) extras.push('requiresGrad=true');
  return prefix + body + (extras.length ? ', ' + extras.join(', ') : '') + ')';
}

function* sample(values: ArrayLike<number>): Iterable<number> {
  for (let i = 0; i < values.length; i++) yield values[i]!;
}

function numberFormat(dtype: string, values: ArrayLike<number>): (v: number) => string {
  if (dtype === 'bool') return (v) => (v ? 'True' : 'False');
  if (dtype === 'int32') return (v) => String(v);
  let allInt = true, maxAbs = 0, minAbs = Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    if (!Number.isInteger(v)) allInt = false;
    const a = Math.abs(v);
    if (a > maxAbs) maxAbs = a;
    if (a !== 0 && a < minAbs) minAbs = a;
  }
  const special = (v: number): string | null => (v !== v ? 'nan' : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : null);
  const sci = maxAbs >= 1e8 || (minAbs !== Infinity && (minAbs < 1e-4 || maxAbs / minAbs > 1000 && !allInt && minAbs < 1e-2));
  if (allInt && maxAbs < 1e8) return (v) => special(v) ?? `${v.toFixed(0)}.`;
  if (sci) {
    return (v) => {
      const sp = special(v);
      if (sp) return sp;
      const [m, e] = v.toExponential(4).split('e');
      const exp = Number(e);
      return `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
    };
  }
  return (v) => special(v) ?? v.toFixed(4);
}
