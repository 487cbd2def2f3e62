// The generated op suite on the 'webgpu' device: every case of op-specs.ts runs in float32 on the GPU and on the
// CPU, from the same inputs, and the forward values and the gradients (of a random weighting of the outputs) must
// agree within float32 tolerance. gradcheck itself stays in float64 on the CPU (WebGPU has no float64). An op the
// GPU does not run must fail with DeviceSupportError naming it, and be one of CPU_ONLY, which README lists.
import { describe, expect, it } from 'vitest';
import { AsyncReadError, DeviceSupportError, tensor, type Tensor } from '../../src/index.js';
import { SPECS, type Case, type Tolerance } from '../op-specs.js';
import { argValues, rng } from '../support/inputs.js';
import { CPU_ONLY, PARTLY_CPU_ONLY } from './cpu-only.js';

const skip = process.env.ADJOINT_WEBGPU_SKIP;

function inputs(c: Case, seed: number, device: string, grad: boolean): Tensor[] {
  const rnd = rng(seed);
  return c.args.map((arg) => {
    const v = argValues(arg, rnd);
    const float = arg.dtype === undefined;
    return tensor(v, { shape: [...arg.shape], dtype: float ? 'float32' : arg.dtype!, requiresGrad: grad && float, device });
  });
}

/** GPU float32 kernels differ from the CPU's (which accumulate in float64) by a few float32 roundings. */
function tolerance(c: Case): Tolerance {
  const [r, a] = c.tolerance?.float32 ?? [2e-6, 2e-6];
  return [Math.max(r, 2e-5), Math.max(a, 2e-5)];
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, [rtol, atol]: Tolerance, label: string): void {
  expect(got.length, `${label}: length`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const a = got[i]!, b = want[i]!;
    if (Number.isNaN(b)) {
      expect(Number.isNaN(a), `${label}[${i}] NaN`).toBe(true);
      continue;
    }
    if (!(Math.abs(a - b) <= atol + rtol * Math.abs(b)) && a !== b) expect(a, `${label}: element ${i}`).toBe(b);
  }
}

describe.skipIf(skip !== undefined)(`op table on the 'webgpu' device (${process.env.ADJOINT_WEBGPU_ADAPTER ?? 'no adapter'})`, () => {
  for (const [name, spec] of Object.entries(SPECS)) {
    describe(name, () => {
      spec.cases.forEach((c, ci) => {
        const seed = 1000 + ci * 17 + name.length;
        const grad = !spec.noGrad && !c.skipGradcheck;
        it(`${c.label}: forward${grad ? ' and gradients' : ''} match the CPU in float32`, async () => {
          const gpuIn = inputs(c, seed, 'webgpu', grad);
          let gpuOut: Tensor;
          try {
            gpuOut = c.run(...gpuIn);
          } catch (e) {
            if (e instanceof Error && /^float64 is not supported on the 'webgpu' device/.test(e.message)) {
              // A case written in float64 (the casts): refused with the message that says what to do.
              expect(c.label).toMatch(/float64/);
              return;
            }
            if (!(e instanceof DeviceSupportError) && !(e instanceof AsyncReadError)) throw e;
            // A kernel the GPU lacks, or values the host must see (read back only asynchronously): named, pointing to the CPU.
            expect(e.message).toMatch(new RegExp(`not supported on the 'webgpu' device.*toAsync\\('cpu'\\)`));
            expect([...CPU_ONLY, ...PARTLY_CPU_ONLY], `${name} is CPU-only: add it to test/webgpu/cpu-only.ts and README`).toContain(name);
            return;
          }
          expect(CPU_ONLY, `${name} runs on the GPU: remove it from test/webgpu/cpu-only.ts and README`).not.toContain(name);
          const cpuIn = inputs(c, seed, 'cpu', grad);
          const cpuOut = c.run(...cpuIn);
          expect(gpuOut.device).toBe('webgpu');
          expect(gpuOut.dtype).toBe(cpuOut.dtype);
          expect(gpuOut.shape).toEqual(cpuOut.shape);
          expectClose(await gpuOut.dataAsync(), cpuOut.data(), tolerance(c), `${name} forward`);
          if (!grad || !cpuOut.requiresGrad) return;
          // The gradient of Σ w·out for a random w: every output element's contribution counts.
          const rnd = rng(seed + 7);
          const w = Array.from({ length: cpuOut.size }, () => rnd() - 0.5);
          cpuOut.mul(tensor(w, { shape: [...cpuOut.shape], device: 'cpu' })).sum().backward();
          gpuOut.mul(tensor(w, { shape: [...gpuOut.shape], device: 'webgpu' })).sum().backward();
          for (let i = 0; i < cpuIn.length; i++) {
            const want = cpuIn[i]!.grad, got = gpuIn[i]!.grad;
            if (want === null) {
              expect(got, `${name}: input ${i} gets no gradient on the CPU`).toBeNull();
              continue;
            }
            expect(got, `${name}: input ${i} gradient`).not.toBeNull();
            expect(got!.device).toBe('webgpu');
            const [r, a] = tolerance(c);
            expectClose(await got!.dataAsync(), want.data(), [r * 5, a * 5], `${name} gradient ${i}`);
          }
        });
      });
    });
  }
});

describe.runIf(skip !== undefined)('webgpu', () => {
  it.skip(`skipped: ${skip}`, () => {});
});
