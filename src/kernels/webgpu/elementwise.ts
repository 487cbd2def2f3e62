// Elementwise kernels in WGSL, generated from the kernel catalog (wgsl-math.ts): unary, broadcasting binary over
// strided views, where, clamp, strided copies with dtype conversion, fill and arange. A view is read flat (a
// contiguous run), as a scalar (every stride 0), or through its strides; dims that are contiguous in every view
// are merged first, so most strided calls run with one or two dims.
import type { DType } from '../../dtype.js';
import type { Shape } from '../../shape.js';
import { DeviceSupportError, type View } from '../backend.js';
import { BINARY_KERNELS, type BinaryKernel, type TernaryKernel, type UnaryKernel } from '../catalog.js';
import { grid1d, main1d, Params, wgslType, type GpuContext, type GpuHandle, type Kernel } from './context.js';
import { BINARY_F32, BINARY_I32, FLOAT_HELPERS, FLOAT_MOD, INT_MOD, INT_POW, UNARY_F32, UNARY_I32 } from './wgsl-math.js';

/** How a kernel reads a view. */
type Mode = 'flat' | 'scalar' | 'strided';

/** A view's offset and strides over a (merged) shape. */
interface Layout {
  readonly offset: number;
  readonly strides: readonly number[];
}

/**
 * Merge the dims of `shape` that are contiguous in every layout, and drop dims of size 1.
 *
 * @example
 * ```ts
 * coalesce([2, 3], [{ offset: 0, strides: [3, 1] }]); // shape [6], strides [[1]]
 * ```
 */
export function coalesce(shape: Shape, layouts: readonly Layout[]): { shape: number[]; layouts: Layout[] } {
  const dims: number[] = [];
  const strides: number[][] = layouts.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const size = shape[d]!;
    if (size === 1) continue;
    const last = dims.length - 1;
    if (last >= 0 && layouts.every((l, v) => strides[v]![last] === l.strides[d]! * size)) {
      dims[last]! *= size;
      layouts.forEach((l, v) => { strides[v]![last] = l.strides[d]!; });
    } else {
      dims.push(size);
      layouts.forEach((l, v) => strides[v]!.push(l.strides[d]!));
    }
  }
  return { shape: dims, layouts: layouts.map((l, v) => ({ offset: l.offset, strides: strides[v]! })) };
}

/** True when a (merged) layout is one contiguous run from element 0. */
function wholeRun(shape: readonly number[], l: Layout): boolean {
  return l.offset === 0 && (shape.length === 0 || (shape.length === 1 && l.strides[0] === 1));
}

function modeOf(shape: readonly number[], l: Layout): Mode {
  if (l.strides.every((s) => s === 0)) return 'scalar';
  if (shape.length === 1 && l.strides[0] === 1) return 'flat';
  return 'strided';
}

/**
 * WGSL that sets `o0`, `o1`, … (u32 element indices) for invocation `i` from the views' parameters: P[1] is the
 * element count, P[2] the rank, then the shape, then per view its offset and strides.
 */
function offsetsCode(modes: readonly Mode[]): string {
  const lines = ['  let nd = P[2];'];
  modes.forEach((m, v) => {
    const base = `(3u + nd + ${v}u * (1u + nd))`;
    if (m === 'flat') lines.push(`  let o${v} = P[${base}] + i;`);
    else if (m === 'scalar') lines.push(`  let o${v} = P[${base}];`);
    else lines.push(`  var s${v} = bitcast<i32>(P[${base}]);`);
  });
  const strided = modes.map((m, v) => (m === 'strided' ? v : -1)).filter((v) => v >= 0);
  if (strided.length > 0) {
    lines.push('  var rem = i;');
    lines.push('  for (var d = i32(nd) - 1; d >= 0; d--) {');
    lines.push('    let size = P[3u + u32(d)];');
    lines.push('    let c = i32(rem % size);');
    lines.push('    rem = rem / size;');
    for (const v of strided) lines.push(`    s${v} += c * bitcast<i32>(P[3u + nd + ${v}u * (1u + nd) + 1u + u32(d)]);`);
    lines.push('  }');
    for (const v of strided) lines.push(`  let o${v} = u32(s${v});`);
  }
  return lines.join('\n');
}

/** Parameters of an elementwise call: count, rank, shape, then each view's offset and strides. */
function viewParams(n: number, shape: readonly number[], layouts: readonly Layout[]): Params {
  const p = new Params().u(n).u(shape.length).us(shape);
  for (const l of layouts) p.i(l.offset).is(l.strides);
  return p;
}

const kernels = new Map<string, Kernel>();
function cached(key: string, make: () => Omit<Kernel, 'key'>): Kernel {
  let k = kernels.get(key);
  if (k === undefined) kernels.set(key, (k = { key, ...make() }));
  return k;
}

const load = (t: 'f32' | 'i32', buf: string, at: string): string => `bitcast<${t}>(${buf}[${at}])`;

/**
 * `out[i] = op(x[offset + i])`.
 *
 * @example
 * ```ts
 * unary(ctx, 'exp', 'float32', x, 0, out, n);
 * ```
 */
export function unary(ctx: GpuContext, op: UnaryKernel, dtype: DType, x: GpuHandle, offset: number, out: GpuHandle, n: number): void {
  const t = wgslType(dtype);
  const expr = t === 'f32' ? UNARY_F32[op] : UNARY_I32[op];
  if (expr === undefined || expr === null) throw new DeviceSupportError(op, 'webgpu');
  const k = cached(`unary:${op}:${t}`, () => ({
    access: ['r', 'w'],
    wgsl: ([X, O]) => `${t === 'f32' ? FLOAT_HELPERS : ''}${op === 'erfinv' ? FLOAT_MOD : ''}
${main1d('P[1]')}
  let x = ${load(t, X!, 'P[2] + i')};
  ${O}[i] = bitcast<u32>(${expr});
}`,
  }));
  ctx.overwrite(out, n);
  ctx.dispatch(k, [x, out], new Params().u(n).u(offset), grid1d(n));
}

/**
 * `out = op(a, b)` over `shape` (views broadcast already); comparisons write bool.
 *
 * @example
 * ```ts
 * binary(ctx, 'add', 'float32', a, b, out, [2, 3]);
 * ```
 */
export function binary(ctx: GpuContext, op: BinaryKernel, dtype: DType, a: View, b: View, out: GpuHandle, shape: Shape): void {
  const n = shape.reduce((s, d) => s * d, 1);
  const c = coalesce(shape, [a, b]);
  const modes = c.layouts.map((l) => modeOf(c.shape, l));
  const t = wgslType(dtype);
  const compare = BINARY_KERNELS[op].compare;
  const expr = t === 'f32' ? BINARY_F32[op] : BINARY_I32[op];
  if (expr === null) throw new DeviceSupportError(op, 'webgpu');
  const intPow = t === 'i32' && op === 'pow';
  const mod = op === 'fmod' || op === 'remainder' || op === 'floorDivide';
  const intMod = t === 'i32' && mod;
  const k = cached(`binary:${op}:${t}:${modes.join(',')}`, () => ({
    access: ['r', 'r', 'w'],
    errors: intPow || intMod,
    wgsl: ([A, B, O]) => `${t === 'f32' ? FLOAT_HELPERS : ''}${t === 'f32' && mod ? FLOAT_MOD : ''}${intPow ? INT_POW : ''}${intMod ? INT_MOD : ''}
${main1d('P[1]')}
${offsetsCode(modes)}
  let a = ${load(t, A!, 'o0')};
  let b = ${load(t, B!, 'o1')};
  ${O}[i] = ${compare ? `select(0u, 1u, ${expr})` : `bitcast<u32>(${expr})`};
}`,
  }));
  const report = intPow
    ? (ea: number, eb: number) => {
      const base = ea | 0, exp = eb | 0;
      return new Error(`pow: ${base} ** ${exp} = ${Math.pow(base, exp)} does not fit in int32 (adjoint has no int64); convert the base to float32 first.`);
    }
    : intMod
    ? (ea: number) =>
      new Error(`${op}: integer division by zero (${ea | 0} by 0; PyTorch raises ZeroDivisionError). Convert to a float dtype for NaN instead.`)
    : undefined;
  ctx.overwrite(out, n);
  ctx.dispatch(k, [buf(a), buf(b), out], viewParams(n, c.shape, c.layouts), grid1d(n), report);
}

/**
 * `out = cond ? a : b` over `shape` (32-bit elements of any dtype, moved as bits).
 *
 * @example
 * ```ts
 * where(ctx, cond, a, b, out, [3]);
 * ```
 */
export function where(ctx: GpuContext, cond: View, a: View, b: View, out: GpuHandle, shape: Shape): void {
  const n = shape.reduce((s, d) => s * d, 1);
  const c = coalesce(shape, [cond, a, b]);
  const modes = c.layouts.map((l) => modeOf(c.shape, l));
  const k = cached(`where:${modes.join(',')}`, () => ({
    access: ['r', 'r', 'r', 'w'],
    wgsl: ([C, A, B, O]) => `${main1d('P[1]')}
${offsetsCode(modes)}
  ${O}[i] = select(${B}[o2], ${A}[o1], ${C}[o0] != 0u);
}`,
  }));
  ctx.overwrite(out, n);
  ctx.dispatch(k, [buf(cond), buf(a), buf(b), out], viewParams(n, c.shape, c.layouts), grid1d(n));
}

/** WGSL of each ternary kernel on `a`, `b`, `c` and the number `s`, per element type (float32 steps as PyTorch's). */
const TERNARY_WGSL: Record<TernaryKernel, { f32: string; i32: string | null }> = {
  // From the nearer end, so that weight 0 gives start and weight 1 gives end exactly.
  lerp: { f32: 'select(b - (b - a) * (1.0 - c), a + c * (b - a), abs(c) < 0.5)', i32: null },
  addcmul: { f32: 'a + (s * b) * c', i32: 'a + (s * b) * c' },
  addcdiv: { f32: 'a + (s * b) / c', i32: null },
  clamp: { f32: 'select(min(max(a, b), c), nan_(), isnan_(b) || isnan_(c))', i32: 'min(max(a, b), c)' },
};

/**
 * `out = op(a, b, c; s)` over `shape` (see `TERNARY_KERNELS`).
 *
 * @example
 * ```ts
 * ternary(ctx, 'lerp', 'float32', start, end, weight, out, [3], 0);
 * ```
 */
export function ternary(ctx: GpuContext, op: TernaryKernel, dtype: DType, a: View, b: View, c3: View, out: GpuHandle, shape: Shape, s: number): void {
  const n = shape.reduce((acc, d) => acc * d, 1);
  const t = wgslType(dtype);
  const expr = TERNARY_WGSL[op][t];
  if (expr === null) throw new DeviceSupportError(op, 'webgpu');
  const c = coalesce(shape, [a, b, c3]);
  const modes = c.layouts.map((l) => modeOf(c.shape, l));
  const k = cached(`ternary:${op}:${t}:${modes.join(',')}`, () => ({
    access: ['r', 'r', 'r', 'w'],
    wgsl: ([A, B, C, O]) => `${t === 'f32' ? FLOAT_HELPERS : ''}
${main1d('P[1]')}
${offsetsCode(modes)}
  let s = bitcast<${t}>(P[3u + nd + 3u * (1u + nd)]);
  let a = ${load(t, A!, 'o0')};
  let b = ${load(t, B!, 'o1')};
  let c = ${load(t, C!, 'o2')};
  ${O}[i] = bitcast<u32>(${expr});
}`,
  }));
  const p = viewParams(n, c.shape, c.layouts);
  if (t === 'f32') p.f(s);
  else p.i(s);
  ctx.overwrite(out, n);
  ctx.dispatch(k, [buf(a), buf(b), buf(c3), out], p, grid1d(n));
}

const INT_MIN = -2147483648, INT_MAX = 2147483647;
/** A number stored into an int32 element, as an Int32Array store converts it. */
const asInt32 = (v: number): number => new Int32Array([v])[0]!;

/**
 * `out[i] = min(max(x[offset + i], lo), hi)`, NaN kept.
 *
 * @example
 * ```ts
 * clamp(ctx, 'float32', x, 0, out, n, 0, 1);
 * ```
 */
export function clamp(ctx: GpuContext, dtype: DType, x: GpuHandle, offset: number, out: GpuHandle, n: number, lo: number, hi: number): void {
  const t = wgslType(dtype);
  const p = new Params().u(n).u(offset);
  let body: string;
  if (t === 'f32') {
    p.f(lo).f(hi);
    body = `let v = bitcast<f32>(X[P[2] + i]);
  let lo = bitcast<f32>(P[3]);
  let hi = bitcast<f32>(P[4]);
  let up = select(v, lo, v < lo);
  O[i] = bitcast<u32>(select(up, hi, up > hi));`;
  } else {
    // Integer elements against real bounds: v < lo exactly when v < ⌈lo⌉, up > hi when up > ⌊hi⌋; the stored bound
    // is converted as an int32 store converts it (the reference writes the bound into an Int32Array).
    const loCmp = lo > INT_MAX ? INT_MAX : Math.max(INT_MIN, Math.ceil(lo));
    const hiCmp = hi < INT_MIN ? INT_MIN : Math.min(INT_MAX, Math.floor(hi));
    p.i(loCmp).i(asInt32(lo)).i(hiCmp).i(asInt32(hi)).u(lo > INT_MAX ? 1 : 0).u(hi < INT_MIN ? 1 : 0);
    body = `let v = bitcast<i32>(X[P[2] + i]);
  let up = select(v, bitcast<i32>(P[4]), v < bitcast<i32>(P[3]) || P[7] == 1u);
  O[i] = bitcast<u32>(select(up, bitcast<i32>(P[6]), up > bitcast<i32>(P[5]) || P[8] == 1u));`;
  }
  const k = cached(`clamp:${t}`, () => ({
    access: ['r', 'w'],
    wgsl: ([X, O]) => `${main1d('P[1]')}
  ${body.replaceAll('X[', `${X}[`).replaceAll('O[', `${O}[`)}
}`,
  }));
  ctx.overwrite(out, n);
  ctx.dispatch(k, [x, out], p, grid1d(n));
}

/** WGSL converting the raw bits `r` of a `from` element to the bits of a `to` element. */
function convert(from: DType, to: DType): string {
  const f = wgslType(from);
  if (to === 'bool') {
    if (from === 'bool') return 'r';
    return f === 'f32' ? 'select(0u, 1u, (r & 0x7fffffffu) != 0u)' : 'select(0u, 1u, r != 0u)';
  }
  if (to === 'int32') {
    if (f === 'i32') return 'r';
    return 'bitcast<u32>(toint_(bitcast<f32>(r)))';
  }
  return f === 'f32' ? 'r' : 'bitcast<u32>(f32(bitcast<i32>(r)))';
}

const TO_INT = /* wgsl */ `
fn toint_(x: f32) -> i32 {
  if (isnan_(x)) { return 0; }
  if (x >= 2147483648.0) { return 2147483647; }
  if (x <= -2147483648.0) { return -2147483647 - 1; }
  return i32(x);
}`;

/**
 * Copy a strided view into another strided view over `shape`, converting `from` to `to`.
 *
 * @example
 * ```ts
 * copy(ctx, src, 'float32', dst, 'int32', [2, 3]);
 * ```
 */
export function copy(ctx: GpuContext, src: View, from: DType, dst: View, to: DType, shape: Shape): void {
  const n = shape.reduce((s, d) => s * d, 1);
  const c = coalesce(shape, [src, dst]);
  const modes = c.layouts.map((l) => modeOf(c.shape, l));
  const conv = convert(from, to);
  const k = cached(`copy:${conv}:${modes.join(',')}`, () => ({
    access: ['r', 'w'],
    wgsl: ([S, D]) => `${TO_INT}
${main1d('P[1]')}
${offsetsCode(modes)}
  let r = ${S}[o0];
  ${D}[o1] = ${conv};
}`,
  }));
  if (wholeRun(c.shape, c.layouts[1]!)) ctx.overwrite(buf(dst), n);
  ctx.dispatch(k, [buf(src), buf(dst)], viewParams(n, c.shape, c.layouts), grid1d(n));
}

/** The bits of `value` stored as a `dtype` element (int32 truncated toward zero and clamped, NaN to 0). */
export function elementBits(dtype: DType, value: number): number {
  if (dtype === 'bool') return value !== 0 ? 1 : 0;
  if (dtype === 'int32') return (value !== value ? 0 : Math.max(INT_MIN, Math.min(INT_MAX, Math.trunc(value)))) >>> 0;
  return new Uint32Array(new Float32Array([value]).buffer)[0]!;
}

/**
 * Write `value` into every element of the view `dst` over `shape`.
 *
 * @example
 * ```ts
 * fill(ctx, 'float32', dst, [4], 0.5);
 * ```
 */
export function fill(ctx: GpuContext, dtype: DType, dst: View, shape: Shape, value: number): void {
  const n = shape.reduce((s, d) => s * d, 1);
  const c = coalesce(shape, [dst]);
  const modes = c.layouts.map((l) => modeOf(c.shape, l));
  const k = cached(`fill:${modes.join(',')}`, () => ({
    access: ['w'],
    wgsl: ([D]) => `${main1d('P[1]')}
${offsetsCode(modes)}
  ${D}[o0] = P[4u + 2u * nd];
}`,
  }));
  // The value's bits follow the view's parameters.
  if (wholeRun(c.shape, c.layouts[0]!)) ctx.overwrite(buf(dst), n);
  ctx.dispatch(k, [buf(dst)], viewParams(n, c.shape, c.layouts).u(elementBits(dtype, value)), grid1d(n));
}

/**
 * `out[i] = start + i · step`, computed on the host in `dtype`'s arithmetic (so it equals the CPU's) and uploaded.
 *
 * @example
 * ```ts
 * arange(ctx, 'int32', out, 5, 0, 1);
 * ```
 */
export function arange(ctx: GpuContext, dtype: DType, out: GpuHandle, n: number, start: number, step: number): void {
  const host = dtype === 'float32' ? new Float32Array(n) : new Int32Array(n);
  for (let i = 0; i < n; i++) host[i] = start + i * step;
  ctx.write(out, dtype === 'bool' ? Uint32Array.from(host, (v) => (v !== 0 ? 1 : 0)) : host);
}

/** The GPU handle of a view's buffer. */
export function buf(v: View): GpuHandle {
  return v.buffer as unknown as GpuHandle;
}
