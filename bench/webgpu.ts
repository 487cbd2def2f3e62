/**
 * G1 (issue 20): adjoint's matmul on the 'webgpu' device, n = 1024, 2048, 4096, in GFLOPS. Only a real GPU is
 * timed: where no adapter exists, or only a fallback (software) adapter such as SwiftShader, the column says so
 * and is marked "not measured" (an emulator's timings mean nothing, and kernels are not tuned on one). A product
 * is timed to completion: each call ends with an awaited read-back of one element.
 */
import { matmul, setDefaultDevice, tensor, webgpu } from '../src/index.js';
import { b1Data } from './data.js';
import { type Cell, type ColumnResult, log, measure, nowMs, scaleStat, statCell, textCell } from './harness.js';

/** The matrix sizes of G1. */
export const G1_SIZES = [1024, 2048, 4096] as const;

/** Runs G1 in this process (a child of bench/run.ts). */
export async function runWebgpu(): Promise<ColumnResult> {
  const t0 = nowMs();
  const cells: Record<string, Cell> = {};
  const notes: string[] = [];
  const column = 'adjoint webgpu';
  const notMeasured = (cell: string, why: string): ColumnResult => {
    for (const n of G1_SIZES) cells[`G1 n=${n}`] = textCell(cell);
    notes.push(`G1: not measured, ${why}.`);
    return { column, library: 'adjoint', version: 'webgpu', cells, checks: {}, notes, seconds: (nowMs() - t0) / 1000 };
  };
  let create: ((flags: string[]) => unknown) | undefined;
  try {
    ({ create } = (await import('webgpu')) as { create: (flags: string[]) => unknown });
  } catch {
    return notMeasured('not measured, no GPU', 'no GPU (the webgpu package could not be loaded)');
  }
  let info;
  try {
    info = await webgpu.init({ gpu: create([]) as never });
  } catch (e) {
    return notMeasured('not measured, no GPU', `no GPU (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
  }
  try {
    const adapter = `${info.vendor} ${info.architecture} ${info.description}`.trim();
    if (info.isFallbackAdapter) return notMeasured('fallback adapter: correctness only', `no GPU: fallback adapter (${adapter}): correctness only`);
    setDefaultDevice('webgpu');
    notes.push(`G1 adapter: ${adapter}`);
    for (const n of G1_SIZES) {
      const d = b1Data(n);
      const a = tensor(d.a, { shape: [n, n] }), b = tensor(d.b, { shape: [n, n] });
      const s = await measure(async () => {
        await matmul(a, b).narrow(0, 0, 1).narrow(1, 0, 1).itemAsync();
      });
      cells[`G1 n=${n}`] = statCell(scaleStat(s, (2 * n ** 3) / 1e6, true));
      log(`  ${column} G1 n=${n}: ${(2 * n ** 3 / 1e6 / s.median).toFixed(1)} GFLOPS`);
    }
    notes.push('G1: B3, B6 and B8 on the GPU and the jax-js / TensorFlow.js WebGPU columns are not part of this run yet.');
  } finally {
    await webgpu.destroy();
  }
  return { column, library: 'adjoint', version: 'webgpu', cells, checks: {}, notes, seconds: (nowMs() - t0) / 1000 };
}
