// Inclusive scans in WGSL: one invocation per line of `x` read as [outer, r, inner], walking it (consecutive
// invocations take consecutive columns). float32 running sums are compensated (Kahan), so they stay within a
// rounding or two of the CPU's float64 accumulation; int32 sums and products are exact and refused, through the
// error buffer, at the first running value that does not fit, as on the CPU.
import type { DType } from '../../dtype.js';
import type { ScanKernel } from '../catalog.js';
import { grid1d, main1d, Params, wgslType, type GpuContext, type GpuHandle, type Kernel } from './context.js';

/** WGSL of one line's walk: element j of the line is at X[base + j·inner], its result goes to O[start + j·inner]. */
function walk(op: ScanKernel, t: 'f32' | 'i32', X: string, O: string): string {
  const x = `bitcast<${t}>(${X}[base + j * inner])`;
  const put = (v: string): string => `${O}[start + j * inner] = bitcast<u32>(${v});`;
  switch (op) {
    case 'cumsum':
      if (t === 'i32') {
        return `var s = 0;
  for (var j = 0u; j < r; j++) {
    let v = ${x};
    let u = s + v;
    if (((s ^ u) & (v ^ u)) < 0) { fail(2u, bitcast<u32>(s), bitcast<u32>(v)); return; }
    s = u;
    ${put('s')}
  }`;
      }
      return `var s = 0.0;
  var comp = 0.0;
  for (var j = 0u; j < r; j++) {
    let y = ${x} - comp;
    let u = s + y;
    comp = (u - s) - y;
    s = u;
    ${put('s')}
  }`;
    case 'cumprod':
      if (t === 'i32') {
        return `var p = 1;
  for (var j = 0u; j < r; j++) {
    let v = ${x};
    let q = p * v;
    if ((p == -1 && v == -2147483647 - 1) || (v == -1 && p == -2147483647 - 1) || (v != 0 && q / v != p)) {
      fail(3u, bitcast<u32>(p), bitcast<u32>(v));
      return;
    }
    p = q;
    ${put('p')}
  }`;
      }
      return `var p = 1.0;
  for (var j = 0u; j < r; j++) {
    p = p * ${x};
    ${put('p')}
  }`;
    case 'logcumsumexp':
      return `var s = -inf_();
  for (var j = 0u; j < r; j++) {
    let v = ${x};
    let m = max(s, v);
    if (isnan_(s) || isnan_(v)) { s = nan_(); }
    else if (abs(m) == inf_()) { s = m; }
    else { s = m + log(1.0 + exp(-abs(s - v))); }
    ${put('s')}
  }`;
    case 'cummax':
    case 'cummin': {
      const nan = t === 'f32' ? 'isnan_' : 'isnan_i';
      return `var b = bitcast<${t}>(${X}[base]);
  var at = 0u;
  for (var j = 0u; j < r; j++) {
    let v = ${x};
    if (${nan}(v) || (!${nan}(b) && v ${op === 'cummax' ? '>=' : '<='} b)) {
      b = v;
      at = j;
    }
    ${O}[start + j * inner] = at;
  }`;
    }
  }
}

const kernels = new Map<string, Kernel>();
function scanKernel(op: ScanKernel, t: 'f32' | 'i32'): Kernel {
  const key = `scan:${op}:${t}`;
  let k = kernels.get(key);
  if (k === undefined) {
    k = {
      key,
      access: ['r', 'w'],
      errors: t === 'i32' && (op === 'cumsum' || op === 'cumprod'),
      // P[1] lines, P[2] r, P[3] inner, P[4] offset.
      wgsl: ([X, O]) => `fn isnan_i(v: i32) -> bool { return false; }
${main1d('P[1]')}
  let r = P[2];
  let inner = P[3];
  let start = (i / inner) * r * inner + i % inner;
  let base = P[4] + start;
  ${walk(op, t, X!, O!)}
}`,
    };
    kernels.set(key, k);
  }
  return k;
}

function overflow(op: ScanKernel, v: number): Error {
  return new Error(
    `${op}: the running int32 ${op === 'cumsum' ? 'sum' : 'product'} reaches ${v}, which does not fit in int32 (adjoint has no ` +
      `int64); convert to float64 first, e.g. x.to('float64').${op}(dim).`,
  );
}

/**
 * An inclusive scan along the middle axis of `x` (from `offset`) read as [outer, r, inner] (see `Backend.scan`).
 *
 * @example
 * ```ts
 * scan(ctx, 'cumsum', 'float32', x, 0, out, 1, 5, 1);
 * ```
 */
export function scan(ctx: GpuContext, op: ScanKernel, dtype: DType, x: GpuHandle, offset: number, out: GpuHandle, outer: number, r: number,
  inner: number): void {
  const lines = outer * inner;
  if (lines === 0 || r === 0) return;
  const t = wgslType(dtype);
  const k = scanKernel(op, t);
  ctx.overwrite(out, lines * r);
  const report = k.errors ? (a: number, b: number, code: number) => overflow(op, code === 2 ? (a | 0) + (b | 0) : (a | 0) * (b | 0)) : undefined;
  ctx.dispatch(k, [x, out], new Params().u(lines).u(r).u(inner).u(offset), grid1d(lines), report);
}
