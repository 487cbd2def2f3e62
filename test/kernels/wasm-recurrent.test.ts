import { describe, expect, it, vi } from 'vitest';
import { fusedGruCell, fusedLstmCell, grad, randn, setBackend, type Tensor } from '../../src/index.js';
import { handleOf as h } from '../../src/kernels/cpu/memory.js';
import { tsBackend } from '../../src/kernels/ts/index.js';
import { wasmBackend, wasmSupported } from '../../src/kernels/wasm/index.js';
import { rng, runWasmKernelsAtEverySize } from '../support/wasm.js';

// The fused LSTM and GRU cells in wasm (assembly/recurrent.ts), at hidden sizes that run the 4-lane main loop
// only (128), the main loop and a tail (13) and the tail only (3): each kernel against the TS kernel (float64
// arithmetic rounded once) within float32 tolerance, and the wasm forward against the unfused composition of
// ops on the wasm backend, which runs the same float32 operations and so agrees bit for bit.

runWasmKernelsAtEverySize();

const SIZES: [rows: number, hidden: number][] = [[4, 128], [4, 13], [3, 3], [1, 1]];

/** Uniform values in (-s, s), with exact zeros and large magnitudes (saturated gates) mixed in. */
function values(n: number, seed: number, s = 4): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => {
    const u = r();
    return u < 0.02 ? 0 : u < 0.04 ? (r() < 0.5 ? -30 : 30) : (r() * 2 - 1) * s;
  });
}

/** The largest |got − want| / (1 + |want|), and where. */
function worst(got: Float32Array, want: Float32Array): { err: number; at: number } {
  let err = 0, at = -1;
  for (let i = 0; i < want.length; i++) {
    const e = Math.abs(got[i]! - want[i]!) / (1 + Math.abs(want[i]!));
    if (!(e <= err)) [err, at] = [e, i];
  }
  return { err, at };
}

type Kernel = 'lstmCell' | 'lstmCellBackward' | 'gruCell' | 'gruCellBackward';

/** Runs `kernel` on both backends into outputs prefilled with a marker; the wasm call must not fall back. */
function runBoth(kernel: Kernel, len: number, call: (b: typeof tsBackend, out: Float32Array) => void): [Float32Array, Float32Array] {
  const got = new Float32Array(len).fill(7), want = new Float32Array(len).fill(7);
  const spy = vi.spyOn(tsBackend, kernel);
  call(wasmBackend, got);
  expect(spy, 'the wasm kernel ran, not the TS fallback').not.toHaveBeenCalled();
  spy.mockRestore();
  call(tsBackend, want);
  return [got, want];
}

describe.runIf(wasmSupported())('wasm fused recurrent cells against the TS kernels', () => {
  for (const [rows, hid] of SIZES) {
    const n = rows * hid, seed = rows * 1000 + hid;
    it(`lstmCell and lstmCellBackward, ${rows} rows of hidden ${hid}`, () => {
      const gates = values(4 * n, seed), c = values(n, seed + 1), g = values(2 * n, seed + 2, 1);
      const [f0, f1] = runBoth('lstmCell', 2 * n, (b, o) => b.lstmCell('float32', h(gates), h(c), h(o), rows, hid));
      const fw = worst(f0, f1);
      expect(fw.err, `forward at ${fw.at}: wasm ${f0[fw.at]}, TS ${f1[fw.at]}`).toBeLessThan(2e-6);
      const [b0, b1] = runBoth('lstmCellBackward', 5 * n, (b, o) => b.lstmCellBackward('float32', h(g), h(gates), h(c), h(o), rows, hid));
      const bw = worst(b0, b1);
      expect(bw.err, `backward at ${bw.at}: wasm ${b0[bw.at]}, TS ${b1[bw.at]}`).toBeLessThan(4e-6);
    });
    it(`gruCell and gruCellBackward, ${rows} rows of hidden ${hid}`, () => {
      const gi = values(3 * n, seed + 3), gh = values(3 * n, seed + 4), hp = values(n, seed + 5, 1), g = values(n, seed + 6, 1);
      const [f0, f1] = runBoth('gruCell', n, (b, o) => b.gruCell('float32', h(gi), h(gh), h(hp), h(o), rows, hid));
      const fw = worst(f0, f1);
      expect(fw.err, `forward at ${fw.at}: wasm ${f0[fw.at]}, TS ${f1[fw.at]}`).toBeLessThan(2e-6);
      const [b0, b1] = runBoth('gruCellBackward', 7 * n, (b, o) => b.gruCellBackward('float32', h(g), h(gi), h(gh), h(hp), h(o), rows, hid));
      const bw = worst(b0, b1);
      expect(bw.err, `backward at ${bw.at}: wasm ${b0[bw.at]}, TS ${b1[bw.at]}`).toBeLessThan(4e-6);
    });
  }

  it('float64 runs the TS kernels', () => {
    const spy = vi.spyOn(tsBackend, 'lstmCell');
    const out = new Float64Array(2);
    wasmBackend.lstmCell('float64', h(new Float64Array([0, 0, 0, 0])), h(new Float64Array([1])), h(out), 1, 1);
    expect(spy).toHaveBeenCalledTimes(1);
    expect([...out]).toEqual([0.5 * Math.tanh(0.5), 0.5]);
  });
});

/** The LSTM step written with ordinary ops. */
function composedLstm(gates: Tensor, c: Tensor): [Tensor, Tensor] {
  const hid = gates.shape[1]! / 4;
  const i = gates.narrow(1, 0, hid).sigmoid(), f = gates.narrow(1, hid, hid).sigmoid();
  const g = gates.narrow(1, 2 * hid, hid).tanh(), o = gates.narrow(1, 3 * hid, hid).sigmoid();
  const c1 = f.mul(c).add(i.mul(g));
  return [o.mul(c1.tanh()), c1];
}

/** The GRU step written with ordinary ops. */
function composedGru(gi: Tensor, gh: Tensor, hp: Tensor): Tensor {
  const hid = hp.shape[1]!;
  const r = gi.narrow(1, 0, hid).add(gh.narrow(1, 0, hid)).sigmoid();
  const z = gi.narrow(1, hid, hid).add(gh.narrow(1, hid, hid)).sigmoid();
  const n = gi.narrow(1, 2 * hid, hid).add(r.mul(gh.narrow(1, 2 * hid, hid))).tanh();
  return n.add(z.mul(hp.sub(n)));
}

const same = (a: Tensor, b: Tensor): boolean => {
  const x = a.data(), y = b.data();
  return x.length === y.length && x.every((v, k) => Object.is(v, y[k]));
};

function maxDiff(a: Tensor, b: Tensor): number {
  const x = a.data(), y = b.data();
  let m = 0;
  for (let k = 0; k < x.length; k++) m = Math.max(m, Math.abs(x[k]! - y[k]!));
  return m;
}

describe.runIf(wasmSupported())('wasm fused recurrent cells against the unfused composition', () => {
  for (const [rows, hid] of SIZES) {
    it(`fusedLstmCell equals the composition on wasm bit for bit, gradients within float32 tolerance (${rows} × ${hid})`, () => {
      setBackend('wasm');
      try {
        const gates = randn([rows, 4 * hid]).mul(3).requiresGrad_(), c = randn([rows, hid], { requiresGrad: true });
        const spy = vi.spyOn(tsBackend, 'lstmCell');
        const [h1, c1] = fusedLstmCell(gates, c);
        expect(spy).not.toHaveBeenCalled();
        const [h2, c2] = composedLstm(gates, c);
        expect(same(h1, h2), `h' differs by ${maxDiff(h1, h2)}`).toBe(true);
        expect(same(c1, c2), `c' differs by ${maxDiff(c1, c2)}`).toBe(true);
        const gh = randn([rows, hid]), gc = randn([rows, hid]);
        const fused = grad([h1, c1], [gates, c], { gradOutputs: [gh, gc] }), plain = grad([h2, c2], [gates, c], { gradOutputs: [gh, gc] });
        expect(maxDiff(fused[0]!, plain[0]!)).toBeLessThan(1e-5);
        expect(maxDiff(fused[1]!, plain[1]!)).toBeLessThan(1e-5);
      } finally {
        setBackend('ts');
      }
    });
    it(`fusedGruCell equals the composition on wasm bit for bit, gradients within float32 tolerance (${rows} × ${hid})`, () => {
      setBackend('wasm');
      try {
        const gi = randn([rows, 3 * hid]).mul(3).requiresGrad_(), gh = randn([rows, 3 * hid], { requiresGrad: true });
        const hp = randn([rows, hid], { requiresGrad: true });
        const spy = vi.spyOn(tsBackend, 'gruCell');
        const y1 = fusedGruCell(gi, gh, hp);
        expect(spy).not.toHaveBeenCalled();
        const y2 = composedGru(gi, gh, hp);
        expect(same(y1, y2), `h' differs by ${maxDiff(y1, y2)}`).toBe(true);
        const g = randn([rows, hid]);
        const fused = grad(y1, [gi, gh, hp], { gradOutputs: g }), plain = grad(y2, [gi, gh, hp], { gradOutputs: g });
        for (let k = 0; k < 3; k++) expect(maxDiff(fused[k]!, plain[k]!)).toBeLessThan(1e-5);
      } finally {
        setBackend('ts');
      }
    });
  }
});
