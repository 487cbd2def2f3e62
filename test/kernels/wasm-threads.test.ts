import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { conv2d, getNumThreads, matmul, setNumThreads, tanh, tensor } from '../../src/index.js';
import type { MatrixOperand, View } from '../../src/kernels/backend.js';
import type { BinaryKernel, UnaryKernel } from '../../src/kernels/catalog.js';
import { handleOf as h } from '../../src/kernels/cpu/memory.js';
import { poolTuning, wasmBackend, wasmSupported, wasmTuning } from '../../src/kernels/wasm/index.js';
import { threadPool, type Pool } from '../../src/kernels/wasm/threads.js';
import { rng } from '../support/wasm.js';

// The worker pool must give the same bits as one thread: every test runs an operation with 1 thread and
// with 2 and 3 (3 oversubscribes this 2-core machine and cuts the work differently), and compares the
// outputs as integers. The parallel thresholds are lowered so that small, quick inputs take the pool, and
// jobs are made small so that each call has many of them for the threads to share.

const savedTuning = { ...wasmTuning };
const savedPool = { ...poolTuning };
const THREADS = [2, 3];


/** Random values in (-scale, scale) with NaN, ±Inf, ±0 and a few huge values sprinkled in. */
function values(n: number, seed: number, scale = 4): Float32Array {
  const r = rng(seed);
  const specials = [NaN, Infinity, -Infinity, 0, -0, 1e30, -1e-30];
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = r() < 0.01 ? specials[Math.floor(r() * specials.length)]! : (r() * 2 - 1) * scale;
  return a;
}

/** Index of the first element whose bits differ, or -1. */
function firstDiff(a: Float32Array | Uint8Array, b: Float32Array | Uint8Array): number {
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength), y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  if (x.length !== y.length) return 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return Math.floor(i / a.BYTES_PER_ELEMENT);
  return -1;
}

/** Run `fn` with 1 thread, then with each of THREADS, and expect bit-identical results. */
function sameBits<T extends Float32Array | Uint8Array>(label: string, fn: () => T): void {
  setNumThreads(1);
  const want = fn();
  for (const t of THREADS) {
    setNumThreads(t);
    const got = fn();
    const i = firstDiff(got, want);
    expect(i, `${label}, ${t} threads: element ${i} is ${got[i]}, 1 thread gives ${want[i]}`).toBe(-1);
  }
}

const dense = (data: Float32Array, rows: number, cols: number, offsets: number[] = [0]): MatrixOperand =>
  ({ buffer: h(data), offsets, rowStride: cols, colStride: 1 });
const transposed = (data: Float32Array, rows: number, cols: number, offsets: number[] = [0]): MatrixOperand =>
  ({ buffer: h(data), offsets, rowStride: 1, colStride: rows });

function mm(a: MatrixOperand, b: MatrixOperand, batch: number, m: number, n: number, k: number): Float32Array {
  const out = new Float32Array(batch * m * n).fill(NaN);
  wasmBackend.matmul('float32', a, b, h(out), batch, m, n, k);
  return out;
}

const view = (data: Float32Array, strides: number[], offset = 0): View => ({ buffer: h(data), offset, strides });

describe('setNumThreads / getNumThreads', () => {
  it('defaults to min(2, available cores) in Node', () => {
    // First call in this file (each test file gets fresh modules), so nothing has set it yet.
    expect(getNumThreads()).toBe(Math.min(2, availableParallelism()));
  });

  it('accepts integers from 1 to 256 and rejects anything else with a RangeError', () => {
    const before = getNumThreads();
    for (const bad of [0, -1, 1.5, NaN, Infinity, 257, '2' as unknown as number, undefined as unknown as number]) {
      expect(() => setNumThreads(bad), String(bad)).toThrow(RangeError);
      expect(getNumThreads()).toBe(before);
    }
    expect(() => setNumThreads(0)).toThrow(/integer from 1 to 256, got 0/);
    for (const good of [1, 4, 256, 2]) {
      setNumThreads(good);
      expect(getNumThreads()).toBe(good);
    }
  });

  it('gives no pool for 1 thread, so that the single-threaded path runs', () => {
    setNumThreads(1);
    expect(threadPool()).toBeNull();
    setNumThreads(2);
    expect(threadPool()?.threads).toBe(2);
  });
});

describe.runIf(wasmSupported())('the worker pool gives the same bits as one thread', () => {
  beforeAll(async () => {
    Object.assign(wasmTuning, { parallelMatmul: 0, parallelSimple: 0, parallelCostly: 0 });
    Object.assign(poolTuning, { minChunk: 64, minRows: 4, minCols: 8 });
    // Start the workers and let them come up, so that the tests below exercise them and not only the
    // calling thread (which would also pass: it runs every job nobody else claims).
    setNumThreads(3);
    const pool = threadPool();
    for (let i = 0; i < 500 && pool && pool.ready < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(pool?.ready).toBe(2);
  });
  afterAll(() => {
    Object.assign(wasmTuning, savedTuning);
    Object.assign(poolTuning, savedPool);
    setNumThreads(Math.min(2, availableParallelism()));
  });

  it('matmul: square, odd and tiny sizes', () => {
    for (const n of [1, 3, 8, 33, 64, 130, 257]) {
      const a = values(n * n, n, 1), b = values(n * n, n + 1, 1);
      sameBits(`${n}×${n}`, () => mm(dense(a, n, n), dense(b, n, n), 1, n, n, n));
    }
  });

  it('matmul: transposed operands, edge shapes, skinny m (column panels) and skinny n (row blocks)', () => {
    const shapes: [number, number, number][] = [[37, 53, 29], [5, 300, 70], [300, 5, 70], [1, 1000, 64], [1000, 1, 64],
      [64, 64, 1], [129, 67, 300], [17, 600, 513]];
    for (const [m, n, k] of shapes) {
      const a = values(m * k, m, 1), b = values(k * n, n, 1);
      sameBits(`A·B ${m}×${k}·${k}×${n}`, () => mm(dense(a, m, k), dense(b, k, n), 1, m, n, k));
      sameBits(`Aᵀ·B ${m}×${k}·${k}×${n}`, () => mm(transposed(a, m, k), dense(b, k, n), 1, m, n, k));
      sameBits(`A·Bᵀ ${m}×${k}·${k}×${n}`, () => mm(dense(a, m, k), transposed(b, k, n), 1, m, n, k));
      sameBits(`Aᵀ·Bᵀ ${m}×${k}·${k}×${n}`, () => mm(transposed(a, m, k), transposed(b, k, n), 1, m, n, k));
    }
  });

  it('matmul: batched, broadcast and many-small batches', () => {
    const [m, n, k] = [45, 38, 51];
    const a = values(5 * m * k, 1, 1), b = values(5 * k * n, 2, 1);
    const offs = (size: number, count: number) => Array.from({ length: count }, (_, i) => i * size);
    sameBits('batch 5', () => mm(dense(a, m, k, offs(m * k, 5)), dense(b, k, n, offs(k * n, 5)), 5, m, n, k));
    sameBits('batch 5, B broadcast', () => mm(dense(a, m, k, offs(m * k, 5)), dense(b, k, n, [0, 0, 0, 0, 0]), 5, m, n, k));
    sameBits('batch 3, A broadcast and transposed', () =>
      mm(transposed(a, m, k, [0, 0, 0]), dense(b, k, n, offs(k * n, 3)), 3, m, n, k));
    // More matrices than jobs: several whole products per job.
    const small = values(100 * 9 * 7, 3, 1), other = values(100 * 7 * 11, 4, 1);
    sameBits('batch 100 of 9×7·7×11', () => mm(dense(small, 9, 7, offs(63, 100)), dense(other, 7, 11, offs(77, 100)), 100, 9, 11, 7));
    // Scattered batch offsets are copied one matrix at a time, which stays single-threaded.
    const big = values(4 * 100_000, 5, 1);
    sameBits('scattered batch offsets', () =>
      mm(dense(big, 20, 30, [0, 150_000, 300_000]), dense(b, 30, 20, [0, 0, 0]), 3, 20, 20, 30));
  });

  it('matmul and conv2d through the public API, at the default thresholds', () => {
    Object.assign(wasmTuning, { parallelMatmul: savedTuning.parallelMatmul });
    Object.assign(poolTuning, savedPool);
    const a = tensor(values(256 * 256, 7, 1), { shape: [256, 256] }), b = tensor(values(256 * 256, 8, 1), { shape: [256, 256] });
    sameBits('matmul 256', () => matmul(a, b).data() as Float32Array);
    sameBits('matmul 256, Aᵀ', () => matmul(a.transpose(0, 1), b).data() as Float32Array);
    const x = tensor(values(8 * 3 * 40 * 40, 9, 1), { shape: [8, 3, 40, 40] });
    const w = tensor(values(16 * 3 * 5 * 5, 10, 1), { shape: [16, 3, 5, 5] });
    sameBits('conv2d', () => conv2d(x, w, null, { padding: 2 }).data() as Float32Array);
    Object.assign(wasmTuning, { parallelMatmul: 0 });
    Object.assign(poolTuning, { minChunk: 64, minRows: 4, minCols: 8 });
  });

  it('conv2d: the direct kernel, im2col without and with kept columns, images split unevenly over jobs', () => {
    // 5 images over 2 and 3 threads: jobs of 1 or 2 images, the last one short.
    Object.assign(wasmTuning, { parallelMatmul: 0 });
    const geoms: { x: [number, number, number, number]; w: [number, number, number, number]; padding: number; stride?: number }[] = [
      { x: [5, 1, 12, 21], w: [4, 1, 5, 5], padding: 0 }, // 25 taps: the direct kernel
      { x: [5, 3, 9, 11], w: [3, 3, 5, 5], padding: 2 }, // 75 taps: im2col, one image's columns per thread
      { x: [5, 2, 10, 10], w: [5, 2, 3, 3], padding: 1, stride: 2 }, // strided: im2col
    ];
    for (const [i, { x: xs, w: ws, padding, stride }] of geoms.entries()) {
      const x = tensor(values(xs.reduce((a, b) => a * b), 20 + i, 1), { shape: xs });
      const w = tensor(values(ws.reduce((a, b) => a * b), 30 + i, 1), { shape: ws });
      const options = stride ? { padding, stride } : { padding };
      sameBits(`conv2d ${xs}·${ws}`, () => conv2d(x, w, null, options).data() as Float32Array);
      // A weight that needs a gradient keeps every image's columns; they reach dW.
      const grads = (): Float32Array => {
        const wg = w.detach().requiresGrad_();
        const out = conv2d(x, wg, null, options);
        out.mul(out).sum().backward();
        const y = out.data() as Float32Array, gw = wg.grad!.data() as Float32Array;
        const both = new Float32Array(y.length + gw.length);
        both.set(y);
        both.set(gw, y.length);
        return both;
      };
      sameBits(`conv2d ${xs}·${ws} with kept columns and dW`, grads);
    }
  });

  it('the workers take part', () => {
    setNumThreads(2);
    const pool = threadPool()!;
    const before = pool.workerJobs;
    const n = 256, a = values(n * n, 11, 1), b = values(n * n, 12, 1);
    // Jobs go to whichever thread claims them first; on a loaded machine a worker may miss a few calls.
    for (let i = 0; i < 200 && pool.workerJobs === before; i++) mm(dense(a, n, n), dense(b, n, n), 1, n, n, n);
    expect(pool.workerJobs).toBeGreaterThan(before);
  });

  it('unary ops and clamp, on lengths that do and do not fill the last job', () => {
    const ops: UnaryKernel[] = ['neg', 'exp', 'log', 'sqrt', 'abs', 'sin', 'cos', 'tanh', 'sigmoid', 'relu', 'sign'];
    for (const n of [100, 4099, 65_536, 100_003]) {
      const x = values(n, n, 20);
      for (const op of ops) {
        sameBits(`${op}, n=${n}`, () => {
          const out = new Float32Array(n);
          wasmBackend.unary(op, 'float32', h(x), 0, h(out), n);
          return out;
        });
      }
      for (const [lo, hi] of [[-1, 1], [NaN, 0.5], [2, -2]] as const) {
        sameBits(`clamp [${lo}, ${hi}], n=${n}`, () => {
          const out = new Float32Array(n);
          wasmBackend.clamp('float32', h(x), 0, h(out), n, lo, hi);
          return out;
        });
      }
    }
  });

  it('binary ops: same shapes, scalars, row and column broadcasts, comparisons', () => {
    const ops: BinaryKernel[] = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le', 'gt', 'ge'];
    const cases: { label: string; shape: number[]; a: (d: Float32Array) => View; b: (d: Float32Array) => View }[] = [];
    for (const [r, c] of [[1, 50_001], [300, 64], [300, 61], [7, 4096], [5000, 3], [2, 33_333]] as const) {
      cases.push(
        { label: `[${r},${c}] ⊙ [${r},${c}]`, shape: [r, c], a: (d) => view(d, [c, 1]), b: (d) => view(d, [c, 1], 5) },
        { label: `[${r},${c}] ⊙ [${c}]`, shape: [r, c], a: (d) => view(d, [c, 1]), b: (d) => view(d, [0, 1], 3) },
        { label: `[${r}] ⊙ [${r},${c}]`, shape: [r, c], a: (d) => view(d, [1, 0], 7), b: (d) => view(d, [c, 1]) },
        { label: `[${r},${c}] ⊙ scalar`, shape: [r, c], a: (d) => view(d, [c, 1]), b: (d) => view(d, [0, 0], 9) },
        { label: `scalar ⊙ [${r},${c}]`, shape: [r, c], a: (d) => view(d, [0, 0], 9), b: (d) => view(d, [c, 1]) },
      );
    }
    for (const { label, shape, a, b } of cases) {
      const n = shape[0]! * shape[1]!;
      const x = values(n + 16, n, 3), y = values(n + 16, n + 1, 3);
      for (const op of ops) {
        const cmp = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'].includes(op);
        sameBits(`${op} ${label}`, () => {
          const out = cmp ? new Uint8Array(n) : new Float32Array(n);
          wasmBackend.binary(op, 'float32', a(x), b(y), h(out), shape);
          return out;
        });
      }
    }
  });

  it('elementwise ops through the public API, at the default thresholds', () => {
    Object.assign(wasmTuning, savedTuning);
    Object.assign(poolTuning, savedPool);
    const x = tensor(values(300_000, 13, 5), { shape: [300, 1000] });
    const y = tensor(values(1_100_000, 14, 5), { shape: [1_100_000] });
    sameBits('tanh of 300k', () => tanh(x).data() as Float32Array);
    sameBits('add of 1.1M', () => y.add(y.mul(0.5)).data() as Float32Array);
    Object.assign(wasmTuning, { parallelMatmul: 0, parallelSimple: 0, parallelCostly: 0 });
    Object.assign(poolTuning, { minChunk: 64, minRows: 4, minCols: 8 });
  });

  it('falls back to one thread when the shared memory cannot hold an operation', () => {
    setNumThreads(2);
    const pool = threadPool()!;
    const spy = vi.spyOn(pool.arena, 'begin').mockReturnValue(false);
    const before = pool.workerJobs;
    const n = 200, a = values(n * n, 15, 1), b = values(n * n, 16, 1);
    const got = mm(dense(a, n, n), dense(b, n, n), 1, n, n, n);
    expect(spy).toHaveBeenCalled();
    spy.mockRestore();
    expect(pool.workerJobs).toBe(before);
    setNumThreads(1);
    expect(firstDiff(got, mm(dense(a, n, n), dense(b, n, n), 1, n, n, n))).toBe(-1);
  });
});

describe.runIf(wasmSupported())('idle workers spin for poolTuning.spinMicros, then sleep; operations wake them early', () => {
  const savedSpin = poolTuning.spinMicros;
  afterAll(() => {
    poolTuning.spinMicros = savedSpin;
    setNumThreads(Math.min(2, availableParallelism()));
  });

  /** Poll `cond` every 5 ms for up to 10 s (a loaded machine may not run a worker for a while). */
  async function until(cond: () => boolean): Promise<boolean> {
    for (let i = 0; i < 2000 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
    return cond();
  }

  const n = 128, a = values(n * n, 17, 1), b = values(n * n, 18, 1);
  const product = (): Float32Array => mm(dense(a, n, n), dense(b, n, n), 1, n, n, n);
  // The pool keeps the workers that earlier tests started; those beyond the active threads sleep for good.
  const pool2 = async (): Promise<{ pool: Pool; asleep: () => boolean; awake: () => boolean }> => {
    setNumThreads(2);
    const pool = threadPool()!;
    // Every worker started so far must be ready: one that an earlier test started (setNumThreads(3)) and that
    // comes up late on a loaded machine would change `ready` under the checks below.
    expect(await until(() => pool.ready === pool.slots - 1)).toBe(true);
    return { pool, asleep: () => pool.sleeping === pool.ready, awake: () => pool.sleeping === pool.ready - 1 };
  };

  it.runIf(availableParallelism() >= 2)('a worker stays awake for the spin time after an operation, and sleeps after a short one', async () => {
    const { asleep, awake } = await pool2();
    // A spin far longer than the test: once awake, the worker never reaches Atomics.wait. (20000 polls, the
    // spin before spinMicros, last about 0.1 ms.)
    poolTuning.spinMicros = 60_000_000;
    product();
    expect(await until(awake)).toBe(true);
    const t0 = Date.now();
    let slept = false;
    while (Date.now() - t0 < 300) {
      slept ||= !awake();
      await new Promise((r) => setTimeout(r, 2));
    }
    expect(slept).toBe(false);
    // No spin: asleep soon after the next operation.
    poolTuning.spinMicros = 0;
    product();
    expect(await until(asleep)).toBe(true);
  });

  it('wake() wakes a sleeping worker before any job is published', async () => {
    poolTuning.spinMicros = 0;
    const { pool, asleep, awake } = await pool2();
    expect(await until(asleep)).toBe(true);
    // Asleep, the worker would stay so for good without a notify. Woken with a long spin, it stays awake.
    poolTuning.spinMicros = 60_000_000;
    pool.wake();
    expect(await until(awake)).toBe(true);
    // Back to the default spin, which the worker takes up at the next wake.
    poolTuning.spinMicros = savedSpin;
    pool.wake();
  });

  it.runIf(availableParallelism() < 3)('workers do not spin when there are more threads than cores', async () => {
    poolTuning.spinMicros = 60_000_000;
    setNumThreads(3);
    const pool = threadPool()!;
    expect(await until(() => pool.ready === 2)).toBe(true);
    const got = product();
    expect(await until(() => pool.sleeping === 2)).toBe(true);
    poolTuning.spinMicros = savedSpin;
    setNumThreads(1);
    expect(firstDiff(got, product())).toBe(-1);
  });
});

describe.runIf(wasmSupported())('the pool and process exit', () => {
  it('a Node program that used threads exits promptly with code 0', async () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const script = `
      import { matmul, tensor, setNumThreads, getNumThreads } from './src/index.ts';
      import { threadPool } from './src/kernels/wasm/threads.ts';
      setNumThreads(2);
      const a = tensor(new Float32Array(512 * 512).fill(1), { shape: [512, 512] });
      const pool = threadPool();
      // Wait until the worker is up, so that the exit below happens with it asleep in Atomics.wait.
      for (let i = 0; i < 500 && pool.ready < 1; i++) await new Promise((r) => setTimeout(r, 10));
      let s = 0;
      for (let i = 0; i < 5; i++) s += matmul(a, a).data()[0];
      console.log('result', s, getNumThreads(), pool.ready);
    `;
    const t0 = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root });
    let stdout = '', stderr = '', lastOutput = 0;
    child.stdout.on('data', (d: Buffer) => { stdout += String(d); lastOutput = Date.now(); });
    child.stderr.on('data', (d: Buffer) => { stderr += String(d); });
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    clearTimeout(killer);
    const exitedAt = Date.now();
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout.trim()).toBe('result 2560 2 1');
    // Node tears the process down once the main thread is done; a worker that held it open would hit the
    // 30 s kill above instead. The gap after the last output is teardown only.
    expect(exitedAt - lastOutput).toBeLessThan(3000);
    expect(exitedAt - t0).toBeLessThan(30_000);
  });
});
