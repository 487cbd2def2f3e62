import { describe, expect, it, vi } from 'vitest';
import { UNARY_KERNELS } from '../../src/kernels/catalog.js';
import type { DType, TypedArray } from '../../src/dtype.js';
import type { ConvGeometry, View } from '../../src/kernels/backend.js';
import type { BinaryKernel, UnaryKernel } from '../../src/kernels/catalog.js';
import { handleOf as h } from '../../src/kernels/cpu/memory.js';
import { tsBackend } from '../../src/kernels/ts/index.js';
import { BINARY } from '../../src/kernels/ts/elementwise.js';
import { windowIndex } from '../../src/kernels/ts/window.js';
import { wasmBackend, wasmSupported, wasmTuning } from '../../src/kernels/wasm/index.js';
import { contiguousStrides, sizeOf, type Shape } from '../../src/shape.js';
import { dtypeOf, EVERY_SIZE, rng, runWasmKernelsAtEverySize } from '../support/wasm.js';

// Elementwise kernels of the wasm backend against the TS backend. Arithmetic, comparisons and the exact unary
// ops must match bit for bit (a float32 op rounded once equals the float64 op rounded to float32); the
// approximated transcendentals must be within a few float32 ulps (their full sweeps are in wasm-math).

const saved = runWasmKernelsAtEverySize();


const SPECIALS = [0, -0, 1, -1, 0.5, -0.5, 2, -2, 3, Infinity, -Infinity, NaN, 1e-40, -1e-40, 3e38, -3e38, 1e-7, 88, -88, 100, -100];

/** Random values at several scales with the special values mixed in. */
function values(n: number, seed: number, scale = 10): Float32Array {
  const r = rng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = r();
    a[i] = u < 0.15 ? SPECIALS[Math.floor(r() * SPECIALS.length)]! : (r() * 2 - 1) * scale * (u < 0.5 ? 1 : u < 0.8 ? 0.01 : 100);
  }
  return a;
}

const f32Ulp = (v: number): number => {
  const a = Math.abs(v);
  return a < 2 ** -126 ? 2 ** -149 : 2 ** (Math.floor(Math.log2(a)) - 23);
};

/** Index of the first element where `got` and `want` differ by more than `ulps` (NaN only matches NaN), or -1. */
function firstMismatch(got: ArrayLike<number>, want: ArrayLike<number>, ulps: number): number {
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!, w = want[i]!;
    if (Number.isNaN(w) || Number.isNaN(g)) {
      if (Number.isNaN(w) !== Number.isNaN(g)) return i;
      continue;
    }
    if (ulps === 0) {
      if (!Object.is(g, w)) return i;
    } else if (g !== w && !(Math.abs(g - w) <= ulps * f32Ulp(w))) return i;
  }
  return -1;
}

const LENGTHS = [0, 1, 3, 4, 5, 15, 16, 17, 63, 64, 65, 1000, 4099];

// Each kernel's accuracy contract is in the catalog.
const UNARY_ULPS: Record<UnaryKernel, number> = Object.fromEntries(
  Object.entries(UNARY_KERNELS).filter(([, k]) => k.wasm).map(([name, k]) => [name, k.ulps]),
) as Record<UnaryKernel, number>;

describe.runIf(wasmSupported())('wasm unary kernels', () => {
  for (const op of Object.keys(UNARY_ULPS) as UnaryKernel[]) {
    it(`${op} matches the TS backend`, () => {
      for (const n of LENGTHS) {
        const x = values(n, n + 1, op === 'exp' ? 30 : 10);
        const got = new Float32Array(n), want = new Float32Array(n);
        wasmBackend.unary(op, 'float32', h(x), 0, h(got), n);
        tsBackend.unary(op, 'float32', h(x), 0, h(want), n);
        const i = firstMismatch(got, want, UNARY_ULPS[op]);
        expect(i, `${op}(${x[i]}) = ${got[i]}, TS gives ${want[i]} (n=${n})`).toBe(-1);
      }
    });
  }

  it('reads only the first n elements of a longer input and leaves the rest of out alone', () => {
    const x = new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]);
    const out = new Float32Array(8).fill(-1);
    wasmBackend.unary('neg', 'float32', h(x), 0, h(out), 5);
    expect([...out]).toEqual([-1, -2, -3, -4, -5, -1, -1, -1]);
  });

  it('reads from the offset, in wasm', () => {
    const spy = vi.spyOn(tsBackend, 'unary');
    const x = values(300, 5), got = new Float32Array(200).fill(7), want = new Float32Array(200).fill(7);
    for (const op of ['neg', 'exp'] as const) {
      wasmBackend.unary(op, 'float32', h(x), 83, h(got), 150);
      for (let i = 0; i < 150; i++) want[i] = Math.fround(op === 'neg' ? -x[83 + i]! : Math.exp(x[83 + i]!));
      expect(firstMismatch(got, want, op === 'neg' ? 0 : UNARY_ULPS.exp), op).toBe(-1);
    }
    expect(spy).not.toHaveBeenCalled();
  });

  it('grows its memory for large operands and keeps working with the new buffer', () => {
    const small = new Float32Array([1, -2, 3]), o = new Float32Array(3);
    wasmBackend.unary('abs', 'float32', h(small), 0, h(o), 3);
    const n = 6_000_000; // 24 MB per buffer, beyond any earlier call in this file
    const x = new Float32Array(n);
    for (let i = 0; i < n; i += 997) x[i] = i;
    const out = new Float32Array(n);
    wasmBackend.binary('mul', 'float32', contiguous(x, [n]), { buffer: h(new Float32Array([-0.5])), offset: 0, strides: [0] }, h(out), [n]);
    for (let i = 0; i < n; i += 997 * 1001) expect(out[i]).toBe(-0.5 * i);
    expect(out[n - 1]).toBe(-0);
    wasmBackend.unary('neg', 'float32', h(small), 0, h(o), 3);
    expect([...o]).toEqual([-1, 2, -3]);
  });

  it('delegates float64 and int32 arrays to the TS backend', () => {
    const x64 = new Float64Array([0.5, -2, 3]), o64 = new Float64Array(3);
    wasmBackend.unary('exp', 'float64', h(x64), 0, h(o64), 3);
    expect([...o64]).toEqual([Math.exp(0.5), Math.exp(-2), Math.exp(3)]);
    const xi = new Int32Array([-3, 0, 7]), oi = new Int32Array(3);
    wasmBackend.unary('abs', 'int32', h(xi), 0, h(oi), 3);
    expect([...oi]).toEqual([3, 0, 7]);
  });

  it('clamp matches the TS backend, NaN and reversed bounds included', () => {
    for (const [lo, hi] of [[-1, 1], [0, Infinity], [-Infinity, 0.1], [2, -2], [NaN, 1]] as const) {
      for (const n of LENGTHS) {
        const x = values(n, 100 + n);
        const got = new Float32Array(n), want = new Float32Array(n);
        wasmBackend.clamp('float32', h(x), 0, h(got), n, lo, hi);
        tsBackend.clamp('float32', h(x), 0, h(want), n, lo, hi);
        expect(firstMismatch(got, want, 0), `clamp to [${lo}, ${hi}], n=${n}`).toBe(-1);
      }
    }
  });
});

const ARITH: BinaryKernel[] = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum'];
const COMPARE: BinaryKernel[] = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'];
// The kernels computed an element at a time in float64 (libm, or exact fmod) and rounded once: the two backends'
// libms may differ in the last float64 bit, so their float32 results may differ by 1 ulp.
const ELEMENTWISE_LIBM: BinaryKernel[] = ['pow', 'atan2', 'fmod', 'remainder', 'floorDivide', 'hypot', 'xlogy'];


function contiguous(data: TypedArray, shape: Shape, offset = 0): View {
  return { buffer: h(data), offset, strides: contiguousStrides(shape) };
}

/** A view of `shape` broadcast to `to` (stride 0 on new and size-1 dims). */
function broadcastView(data: TypedArray, shape: Shape, to: Shape, offset = 0): View {
  const s = contiguousStrides(shape);
  const strides = to.map((d, i) => {
    const j = i - (to.length - shape.length);
    return j < 0 || shape[j] === 1 ? 0 : s[j]!;
  });
  return { buffer: h(data), offset, strides };
}

function runBoth(op: BinaryKernel, a: View, b: View, shape: Shape): [ArrayLike<number>, ArrayLike<number>] {
  const n = sizeOf(shape);
  const cmp = COMPARE.includes(op);
  const got = cmp ? new Uint8Array(n) : new Float32Array(n);
  const want = cmp ? new Uint8Array(n) : new Float32Array(n);
  wasmBackend.binary(op, 'float32', a, b, h(got), shape);
  tsBackend.binary(op, 'float32', a, b, h(want), shape);
  return [got, want];
}

function runWasmOnly(op: BinaryKernel, a: View, b: View, shape: Shape): void {
  const n = sizeOf(shape);
  wasmBackend.binary(op, 'float32', a, b, h(COMPARE.includes(op) ? new Uint8Array(n) : new Float32Array(n)), shape);
}

describe.runIf(wasmSupported())('wasm binary kernels', () => {
  // Each case: [a's shape, b's shape, broadcast result shape].
  const CASES: [Shape, Shape, Shape][] = [
    [[0], [0], [0]],
    [[1], [1], [1]],
    [[7], [7], [7]],
    [[1000], [1000], [1000]],
    [[17, 33], [17, 33], [17, 33]],
    [[17, 33], [], [17, 33]],
    [[], [5, 9], [5, 9]],
    [[], [], []],
    [[17, 33], [33], [17, 33]],
    [[33], [17, 33], [17, 33]],
    [[17, 33], [17, 1], [17, 33]],
    [[17, 1], [1, 33], [17, 33]],
    [[4, 6, 5], [6, 1], [4, 6, 5]],
    [[4, 6, 5], [4, 1, 5], [4, 6, 5]],
    [[2, 3, 4, 5], [5], [2, 3, 4, 5]],
    // Three groups of dims: slabs of rows × cols, per-channel broadcasts; 77-element slabs end mid-vector.
    [[5, 7, 11], [7, 1], [5, 7, 11]],
    [[6, 5, 4, 7], [5, 1, 1], [6, 5, 4, 7]],
    [[5, 1, 11], [5, 7, 11], [5, 7, 11]],
  ];
  for (const op of [...ARITH, ...ELEMENTWISE_LIBM, 'reluBackward', ...COMPARE] as BinaryKernel[]) {
    it(`${op} matches the TS backend on equal, scalar and broadcast shapes`, () => {
      let seed = 7;
      for (const [sa, sb, so] of CASES) {
        const a = broadcastView(values(sizeOf(sa) + 2, seed++, 4), sa, so, 2);
        const b = broadcastView(values(sizeOf(sb) + 1, seed++, 4), sb, so, 1);
        const [got, want] = runBoth(op, a, b, so);
        const i = firstMismatch(got, want, ELEMENTWISE_LIBM.includes(op) ? 1 : 0);
        expect(i, `${op} [${sa}] with [${sb}] at ${i}: got ${got[i]}, TS gives ${want[i]}`).toBe(-1);
      }
    });
  }

  it('tanhBackward and sigmoidBackward match the TS backend within float32 rounding of 1 − y², on y in their range', () => {
    // wasm rounds after every float32 operation, as PyTorch's float kernels; TS rounds once from float64. Near
    // |y| = 1, 1 − y² cancels, so the bound is on the error relative to g, not to the result.
    for (const [op, lo] of [['tanhBackward', -1], ['sigmoidBackward', 0]] as const) {
      const r = rng(op.length);
      const n = 4099, g = values(n, 80), y = Float32Array.from({ length: n }, () => lo + (1 - lo) * r());
      const view = (d: Float32Array): View => ({ buffer: h(d), offset: 0, strides: [1] });
      const got = new Float32Array(n), want = new Float32Array(n);
      wasmBackend.binary(op, 'float32', view(g), view(y), h(got), [n]);
      tsBackend.binary(op, 'float32', view(g), view(y), h(want), [n]);
      for (let i = 0; i < n; i++) {
        if (Number.isNaN(want[i]!) || !Number.isFinite(g[i]!)) continue;
        const err = Math.abs(got[i]! - want[i]!);
        expect(err, `${op} at ${i}: g ${g[i]}, y ${y[i]}: ${got[i]} vs ${want[i]}`).toBeLessThanOrEqual(4e-7 * Math.abs(g[i]!) + 2 * f32Ulp(want[i]!));
      }
    }
  });

  it('pow with the exponents it shortcuts (2, 1, 0, -1) and scalar bases', () => {
    const x = values(300, 40, 5);
    for (const e of [2, 1, 0, -1, 0.5, 3, -2]) {
      const [got, want] = runBoth('pow', contiguous(x, [300]), { buffer: h(new Float32Array([e])), offset: 0, strides: [0] }, [300]);
      expect(firstMismatch(got, want, 1), `x ** ${e}`).toBe(-1);
      const [g2, w2] = runBoth('pow', { buffer: h(new Float32Array([e])), offset: 0, strides: [0] }, contiguous(x, [300]), [300]);
      expect(firstMismatch(g2, w2, 1), `${e} ** x`).toBe(-1);
    }
  });

  it('the element-at-a-time kernels run in wasm and match the TS backend on special values (signs, ±0, ±∞, NaN)', () => {
    const sp = [0, -0, 1, -1, 2.5, -2.5, 3, -3, Infinity, -Infinity, NaN, 1e-40, 7];
    const a = new Float32Array(sp.length * sp.length), b = new Float32Array(sp.length * sp.length);
    sp.forEach((x, i) => sp.forEach((y, j) => { a[i * sp.length + j] = x; b[i * sp.length + j] = y; }));
    const spy = vi.spyOn(tsBackend, 'binary');
    for (const op of ELEMENTWISE_LIBM) {
      const got = new Float32Array(a.length);
      wasmBackend.binary(op, 'float32', contiguous(a, [a.length]), contiguous(b, [b.length]), h(got), [a.length]);
      const want = new Float32Array(a.length);
      for (let k = 0; k < a.length; k++) want[k] = BINARY[op](a[k]!, b[k]!);
      const i = firstMismatch(got, want, 1);
      expect(i, `${op}(${a[i]}, ${b[i]}) = ${got[i]}, TS gives ${want[i]}`).toBe(-1);
    }
    expect(spy).not.toHaveBeenCalled();
  });

  it('maximum/minimum propagate NaN and keep the first operand on equal values (±0)', () => {
    const a = new Float32Array([0, -0, NaN, 1, NaN, -Infinity, 2]);
    const b = new Float32Array([-0, 0, 1, NaN, NaN, -Infinity, 3]);
    for (const op of ['maximum', 'minimum'] as const) {
      const [got, want] = runBoth(op, contiguous(a, [7]), contiguous(b, [7]), [7]);
      expect(firstMismatch(got, want, 0), op).toBe(-1);
    }
  });

  it('runs contiguous, scalar and row/column-broadcast operands in wasm, not through the TS fallback', () => {
    const spyB = vi.spyOn(tsBackend, 'binary'), spyU = vi.spyOn(tsBackend, 'unary');
    for (const [sa, sb, so] of [[[9, 10], [9, 10], [9, 10]], [[9, 10], [], [9, 10]], [[9, 10], [10], [9, 10]], [[9, 1], [9, 10], [9, 10]]] as [Shape, Shape, Shape][]) {
      runWasmOnly('add', broadcastView(values(sizeOf(sa), 1), sa, so), broadcastView(values(sizeOf(sb), 2), sb, so), so);
      runWasmOnly('gt', broadcastView(values(sizeOf(sa), 1), sa, so), broadcastView(values(sizeOf(sb), 2), sb, so), so);
    }
    // A per-channel broadcast over [N, C, H, W] runs as N slabs of C × H·W.
    const so: Shape = [3, 4, 5, 6];
    runWasmOnly('mul', broadcastView(values(360, 4), so, so), broadcastView(values(4, 5), [4, 1, 1], so), so);
    runWasmOnly('le', broadcastView(values(360, 4), so, so), broadcastView(values(4, 5), [4, 1, 1], so), so);
    wasmBackend.unary('tanh', 'float32', h(values(10, 3)), 0, h(new Float32Array(10)), 10);
    expect(spyB).not.toHaveBeenCalled();
    expect(spyU).not.toHaveBeenCalled();
  });

  it('leaves calls below the default size thresholds to the TS backend, with the same results', () => {
    Object.assign(wasmTuning, saved);
    try {
      const spyB = vi.spyOn(tsBackend, 'binary'), spyU = vi.spyOn(tsBackend, 'unary');
      const x = values(10, 70), y = values(10, 71);
      const [got, want] = runBoth('add', contiguous(x, [10]), contiguous(y, [10]), [10]);
      expect(firstMismatch(got, want, 0)).toBe(-1);
      wasmBackend.unary('neg', 'float32', h(x), 0, h(new Float32Array(10)), 10);
      expect(spyB).toHaveBeenCalledTimes(2); // runBoth's own TS call, and the wasm backend's delegation
      expect(spyU).toHaveBeenCalledTimes(1);
    } finally {
      Object.assign(wasmTuning, EVERY_SIZE);
    }
  });

  it('falls back to the TS backend for layouts it does not vectorise', () => {
    const data = values(60, 50);
    // A transposed operand: inner stride 5, not 0 or 1.
    const t: View = { buffer: h(data), offset: 0, strides: [1, 5] };
    const c = contiguous(values(60, 51), [5, 12]);
    for (const op of ['add', 'lt'] as const) {
      const [got, want] = runBoth(op, t, c, [5, 12]);
      expect(firstMismatch(got, want, 0), op).toBe(-1);
    }
    // Three dims that do not collapse to two.
    const a3 = broadcastView(values(8, 52), [2, 1, 4], [2, 3, 4]);
    const b3 = broadcastView(values(3, 53), [3, 1], [2, 3, 4]);
    const [got, want] = runBoth('mul', a3, b3, [2, 3, 4]);
    expect(firstMismatch(got, want, 0)).toBe(-1);
  });

  it('handles views with an offset and negative strides', () => {
    const data = values(100, 60);
    const rev: View = { buffer: h(data), offset: 99, strides: [-1] };
    const [got, want] = runBoth('sub', rev, contiguous(data, [50], 10), [50]);
    expect(firstMismatch(got, want, 0)).toBe(-1);
    const rows: View = { buffer: h(data), offset: 90, strides: [-10, 1] };
    const [g2, w2] = runBoth('div', rows, contiguous(values(60, 61), [6, 10]), [6, 10]);
    expect(firstMismatch(g2, w2, 0)).toBe(-1);
  });

  it('delegates float64 and int32 operands to the TS backend', () => {
    const a = new Float64Array([1, 2, 3]), b = new Float64Array([0.5, 0.25, 4]);
    const out = new Float64Array(3);
    wasmBackend.binary('div', 'float64', contiguous(a, [3]), contiguous(b, [3]), h(out), [3]);
    expect([...out]).toEqual([2, 8, 0.75]);
  });

  it('where matches the TS backend bit for bit on equal, scalar and broadcast shapes, in wasm', () => {
    // Each case: [cond's shape, a's shape, b's shape, result shape].
    const CASES: [Shape, Shape, Shape, Shape][] = [
      [[0], [0], [0], [0]],
      [[1], [1], [1], [1]],
      [[7], [7], [], [7]],
      [[1000], [1000], [1000], [1000]],
      [[17, 33], [], [17, 33], [17, 33]],
      [[17, 33], [33], [17, 1], [17, 33]],
      [[17, 1], [1, 33], [17, 33], [17, 33]],
      [[33], [17, 33], [], [17, 33]],
      [[], [17, 33], [17, 33], [17, 33]],
      [[4, 6, 5], [6, 1], [4, 6, 5], [4, 6, 5]],
      [[2, 3, 4, 5], [5], [2, 3, 4, 5], [2, 3, 4, 5]],
      [[5, 7, 11], [7, 1], [5, 7, 11], [5, 7, 11]],
      [[6, 5, 4, 7], [5, 1, 1], [], [6, 5, 4, 7]],
    ];
    const spy = vi.spyOn(tsBackend, 'where');
    let seed = 31;
    for (const [sc, sa, sb, so] of CASES) {
      const r = rng(seed++);
      const bits = Uint8Array.from({ length: sizeOf(sc) + 3 }, () => (r() < 0.5 ? 0 : r() < 0.5 ? 1 : 7));
      const cond = broadcastView(bits, sc, so, 3);
      const a = broadcastView(values(sizeOf(sa) + 2, seed++, 4), sa, so, 2);
      const b = broadcastView(values(sizeOf(sb) + 1, seed++, 4), sb, so, 1);
      const n = sizeOf(so), got = new Float32Array(n), want = new Float32Array(n);
      wasmBackend.where('float32', cond, a, b, h(got), so);
      tsBackend.where('float32', cond, a, b, h(want), so);
      const i = firstMismatch(got, want, 0);
      expect(i, `where [${sc}] [${sa}] [${sb}] at ${i}: got ${got[i]}, TS gives ${want[i]}`).toBe(-1);
    }
    // One call per case above for the reference; of the wasm calls, only [6, 1] in [4, 6, 5] takes the TS loops:
    // its three groups of dims make slabs of 30 elements, too small to pay for a call each.
    expect(spy).toHaveBeenCalledTimes(CASES.length + 1);
  });

  it('copy gathers transposed, permuted, reversed and offset views exactly, float32 and int32, in wasm', () => {
    const tr = new Float32Array(6);
    wasmBackend.copy({ buffer: h(new Float32Array([1, 2, 3, 4, 5, 6])), offset: 0, strides: [1, 3] }, 'float32', contiguous(tr, [3, 2]), 'float32', [3, 2]);
    expect([...tr]).toEqual([1, 4, 2, 5, 3, 6]);
    const spy = vi.spyOn(tsBackend, 'copy');
    // Each case: a view of a larger array [shape, strides, offset].
    const CASES: [Shape, number[], number][] = [
      [[37, 53], [1, 37], 0],
      [[4, 5, 6], [1, 4, 20], 0],
      [[4, 5, 6, 7], [7, 1, 35, 210], 3],
      [[2, 3, 4, 5, 6], [1, 240, 60, 12, 2], 0], // collapses to [2, 360] with strides [1, 2]
      [[50], [-1], 49],
      [[6, 9], [-9, 1], 45],
      [[3, 1, 8], [8, 99, 1], 2], // contiguous: the TS backend's single memcpy
    ];
    let seed = 70;
    for (const [shape, strides, offset] of CASES) {
      const n = sizeOf(shape), len = offset + strides.reduce((m, s, i) => m + Math.abs(s) * (shape[i]! - 1), 0) + 1;
      for (const data of [values(len, seed++), Int32Array.from(values(len, seed++), (v) => Math.trunc(v * 1000) | 0)]) {
        const view: View = { buffer: h(data), offset, strides }, dtype = dtypeOf(data);
        const got = new (data.constructor as Float32ArrayConstructor)(n), want = new (data.constructor as Float32ArrayConstructor)(n);
        wasmBackend.copy(view, dtype, contiguous(got, shape), dtype, shape);
        tsBackend.copy(view, dtype, contiguous(want, shape), dtype, shape);
        expect(firstMismatch(got, want, 0), `copy [${shape}] strides [${strides}]`).toBe(-1);
      }
    }
    // The reference calls, and the contiguous case: every other case ran in wasm.
    expect(spy).toHaveBeenCalledTimes(2 * CASES.length + 2);
  });

  it('copy writes into a strided destination view, leaving the rest of its buffer alone', () => {
    for (const backend of [tsBackend, wasmBackend]) {
      // [2, 3] contiguous into a transposed view of a 3×2 block that starts at element 1 of a 9-element buffer.
      const src = new Float32Array([1, 2, 3, 4, 5, 6]);
      const out = new Float32Array(9).fill(-1);
      backend.copy(contiguous(src, [2, 3]), 'float32', { buffer: h(out), offset: 1, strides: [1, 2] }, 'float32', [2, 3]);
      expect([...out], backend.name).toEqual([-1, 1, 4, 2, 5, 3, 6, -1, -1]);
      // 6, 5, 4, 3 (a reversed source from offset 5) into every other element, backwards from offset 8.
      const rev = new Float32Array(9).fill(-1);
      backend.copy({ buffer: h(src), offset: 5, strides: [-1] }, 'float32', { buffer: h(rev), offset: 8, strides: [-2] }, 'float32', [4]);
      expect([...rev], backend.name).toEqual([-1, -1, 3, -1, 4, -1, 5, -1, 6]);
      // Rows of a [3, 4] int32 source into the columns of a padded [4, 5] destination (row stride 5, offset 6).
      const si = Int32Array.from({ length: 12 }, (_, i) => i * 10);
      const di = new Int32Array(20).fill(-1);
      backend.copy(contiguous(si, [3, 4]), 'int32', { buffer: h(di), offset: 6, strides: [1, 5] }, 'int32', [3, 4]);
      const want = new Int32Array(20).fill(-1);
      for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) want[6 + i + 5 * j] = si[i * 4 + j]!;
      expect([...di], backend.name).toEqual([...want]);
    }
  });

  it('copy converts dtypes: truncating and clamping to int32, x ≠ 0 to bool, exact widening', () => {
    const f = new Float32Array([1.75, -1.75, NaN, 3e9, -3e9, -0.5, 2.5, Infinity, -Infinity, 0]);
    const cases: [TypedArray, DType, DType, number[]][] = [
      [f, 'float32', 'int32', [1, -1, 0, 2147483647, -2147483648, 0, 2, 2147483647, -2147483648, 0]],
      [f, 'float32', 'bool', [1, 1, 1, 1, 1, 1, 1, 1, 1, 0]],
      [new Float32Array([0, -0, 1e-45, -2]), 'float32', 'bool', [0, 0, 1, 1]],
      [new Float64Array([0.1, 1e300, -1e-300, 2 ** 31 - 0.5]), 'float64', 'float32', [Math.fround(0.1), Infinity, -0, 2 ** 31]],
      [new Float64Array([2 ** 31 - 0.5, -(2 ** 31) - 0.5, -7.9]), 'float64', 'int32', [2147483647, -2147483648, -7]],
      [new Float32Array([0.1, -3e38]), 'float32', 'float64', [Math.fround(0.1), Math.fround(-3e38)]],
      [new Int32Array([-5, 0, 16777217, 2147483647]), 'int32', 'float32', [-5, 0, 16777216, 2147483648]],
      [new Int32Array([-5, 0, 7]), 'int32', 'bool', [1, 0, 1]],
      [new Uint8Array([1, 0, 1]), 'bool', 'float32', [1, 0, 1]],
      [new Uint8Array([1, 0, 1]), 'bool', 'int32', [1, 0, 1]],
    ];
    for (const backend of [tsBackend, wasmBackend]) {
      for (const [src, from, to, want] of cases) {
        const n = src.length, out = tsBackend.alloc(to, n);
        backend.copy(contiguous(src, [n]), from, { buffer: out, offset: 0, strides: [1] }, to, [n]);
        const got = [...tsBackend.read(out, to, 0, n)];
        expect(got.map((v, i) => Object.is(v, want[i]) || v === want[i]), `${backend.name}: ${from} [${[...src]}] to ${to} gives [${got}]`)
          .toEqual(want.map(() => true));
      }
      // Converting into a strided destination: float32 [2, 3] into the transposed int32 view at offset 2.
      const out = new Int32Array(8).fill(-9);
      backend.copy(contiguous(new Float32Array([0.5, 1.5, -2.5, 3.9, NaN, -0.9]), [2, 3]), 'float32',
        { buffer: h(out), offset: 2, strides: [1, 2] }, 'int32', [2, 3]);
      expect([...out], backend.name).toEqual([-9, -9, 0, 3, 1, 0, -2, 0]);
    }
  });

  it('unfold and fold (im2col, col2im) match the TS backend bit for bit, padding included', () => {
    // The window map comes from the geometry: padding gives the -1 entries that read as 0, stride and dilation
    // break the runs of consecutive indices (the element-by-element kernel), unit stride keeps them (the runs kernel).
    const geometry = (h: number, w: number, k: number, s: number, p: number, d: number): ConvGeometry => {
      const oh = Math.floor((h + 2 * p - d * (k - 1) - 1) / s) + 1, ow = Math.floor((w + 2 * p - d * (k - 1) - 1) / s) + 1;
      return { h, w, kh: k, kw: k, sh: s, sw: s, ph: p, pw: p, dh: d, dw: d, oh, ow };
    };
    const CASES: [number, ConvGeometry, number][] = [
      [1, geometry(3, 3, 2, 1, 0, 1), 0],
      [1, geometry(3, 3, 2, 2, 1, 1), 3],
      [6, geometry(7, 7, 5, 1, 2, 1), 0],
      [4, geometry(9, 8, 3, 2, 1, 2), 5],
      [5, geometry(28, 28, 5, 1, 0, 1), 0],
      [3, geometry(12, 10, 3, 3, 4, 1), 1], // padding wider than a stride: whole windows of padding
    ];
    const spyU = vi.spyOn(tsBackend, 'unfold'), spyF = vi.spyOn(tsBackend, 'fold');
    for (const [blocks, g, offset] of CASES) {
      const plane = g.h * g.w, len = g.kh * g.kw * g.oh * g.ow;
      expect(windowIndex(g).some((i) => i < 0), `${g.h}×${g.w} padding`).toBe(g.ph > 0);
      const x = values(offset + blocks * plane, blocks + len);
      const got = new Float32Array(blocks * len), want = new Float32Array(blocks * len);
      wasmBackend.unfold('float32', h(x), offset, h(got), blocks, g);
      tsBackend.unfold('float32', h(x), offset, h(want), blocks, g);
      expect(firstMismatch(got, want, 0), `unfold ${blocks}×${plane} → ${len}`).toBe(-1);
      // fold sums every column entry that maps to one input element, in order, as the TS loop does.
      const cols = values(offset + blocks * len, len);
      const back = new Float32Array(blocks * plane).fill(9), ref = new Float32Array(blocks * plane);
      wasmBackend.fold('float32', h(cols), offset, h(back), blocks, g);
      tsBackend.fold('float32', h(cols), offset, h(ref), blocks, g);
      expect(firstMismatch(back, ref, 0), `fold ${blocks}×${len} → ${plane}`).toBe(-1);
    }
    // Only the reference calls: every wasm call ran in wasm.
    expect(spyU).toHaveBeenCalledTimes(CASES.length);
    expect(spyF).toHaveBeenCalledTimes(CASES.length);
  });
});
