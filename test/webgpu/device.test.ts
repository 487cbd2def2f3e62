// The 'webgpu' device from the outside: where tensors live, asynchronous read-back and its errors, moves between
// devices, what the GPU refuses (float64, kernels it lacks), errors found on the GPU (bad indices, int32 overflow,
// bad labels) surfacing at the next read, command batching, and GPU memory without dispose.
import { describe, expect, it } from 'vitest';
import {
  arange, AsyncReadError, data, DeviceSupportError, getBackend, linalg, nn, optim, randn, setBackend, tensor, webgpu, zeros,
} from '../../src/index.js';

const skip = process.env.ADJOINT_WEBGPU_SKIP;

describe.skipIf(skip !== undefined)("the 'webgpu' device", () => {
  it('is the default device of this project, and says what adapter it runs on', () => {
    expect(webgpu.isAvailable()).toBe(true);
    const info = webgpu.info()!;
    expect(typeof info.vendor).toBe('string');
    expect(typeof info.isFallbackAdapter).toBe('boolean');
    expect(info.maxBufferBytes).toBeGreaterThan(1 << 20);
    expect(getBackend().name).toBe('webgpu');
    expect(tensor([1, 2]).device).toBe('webgpu');
    expect(randn([2, 2]).device).toBe('webgpu');
    expect(zeros([3], { device: 'cpu' }).device).toBe('cpu');
  });

  it('reads back asynchronously: dataAsync, itemAsync, toArrayAsync', async () => {
    const x = tensor([[1, 2], [3, 4]]);
    expect([...(await x.mul(2).dataAsync())]).toEqual([2, 4, 6, 8]);
    expect(await x.sum().itemAsync()).toBe(10);
    expect(await x.T.toArrayAsync()).toEqual([[1, 3], [2, 4]]);
    expect(await tensor([1, 5, 3], { dtype: 'int32' }).toArrayAsync()).toEqual([1, 5, 3]);
    expect(await tensor([true, false]).toArrayAsync()).toEqual([true, false]);
    expect(await arange(0, 5, 1, { dtype: 'int32' }).toArrayAsync()).toEqual([0, 1, 2, 3, 4]);
  });

  it('refuses synchronous reads, naming the async form', () => {
    const x = tensor([1, 2]);
    expect(() => x.data()).toThrow(/^data\(\): this tensor lives on the 'webgpu' device, which reads back only asynchronously: use await x\.dataAsync\(\)/);
    expect(() => x.sum().item()).toThrow(/^item\(\): .*await x\.itemAsync\(\)/);
    expect(() => x.toArray()).toThrow(/^toArray\(\): .*await x\.toArrayAsync\(\)/);
  });

  it('prints without reading: what, where, and how to see the values', () => {
    const x = tensor([[1, 2, 3]], { requiresGrad: true });
    expect(String(x)).toBe("tensor(<3 values: await x.toArrayAsync()>, size=(1, 3), dtype=float32,\n       device='webgpu', requiresGrad=true)");
    expect(String(x.mul(2))).toMatch(/gradFn=<MulBackward0>\)$/);
  });

  it('refuses float64, saying what to do', async () => {
    const message = /float64 is not supported on the 'webgpu' device: WebGPU has no 64-bit floats\. Use float32 there/;
    expect(() => tensor([1, 2], { dtype: 'float64' })).toThrow(message);
    expect(() => tensor([1, 2]).to('float64')).toThrow(message);
    expect(() => tensor([1, 2], { dtype: 'float64', device: 'cpu' }).to('webgpu')).toThrow(message);
    expect(await tensor([1.5, 2], { dtype: 'float64', device: 'cpu' }).to('float32').to('webgpu').toArrayAsync()).toEqual([1.5, 2]);
  });

  it('setBackend chooses CPU backends only, pointing to setDefaultDevice', () => {
    expect(() => setBackend('webgpu')).toThrow(/setBackend: 'webgpu' computes on the 'webgpu' device.*use setDefaultDevice\('webgpu'\)/);
  });

  it('refuses to mix devices, as PyTorch does', () => {
    const cpu = tensor([1, 2], { device: 'cpu' });
    expect(() => tensor([1, 2]).add(cpu)).toThrow(/add: expected all tensors to be on the same device, but found at least two devices, webgpu and cpu/);
  });

  it('moves to the CPU with toAsync and back with to, keeping the graph both ways', async () => {
    const w = tensor([1, 2, 3], { requiresGrad: true });
    const onCpu = await w.mul(2).toAsync('cpu');
    expect(onCpu.device).toBe('cpu');
    expect(onCpu.toArray()).toEqual([2, 4, 6]);
    onCpu.mul(onCpu).sum().backward();
    expect(w.grad!.device).toBe('webgpu');
    expect(await w.grad!.toArrayAsync()).toEqual([8, 16, 24]);
    const c = tensor([1, 2], { device: 'cpu' });
    expect(await c.toAsync('webgpu').then((t) => t.toArrayAsync())).toEqual([1, 2]);
  });

  it('a synchronous to() from the GPU is refused, naming toAsync; so is a gradient that would have to make that move', () => {
    expect(() => tensor([1, 2]).to('cpu')).toThrow(/^to: moving a tensor from 'webgpu' to 'cpu' reads it back, .*use await x\.toAsync\('cpu'\)/);
    const leaf = tensor([1, 2], { device: 'cpu', requiresGrad: true });
    const y = leaf.to('webgpu').sum();
    expect(() => y.backward()).toThrow(/make such leaves on 'webgpu' directly/);
  });

  it('an op whose kernel the GPU lacks throws DeviceSupportError naming the op and pointing to the CPU', async () => {
    const a = tensor([[2, 1], [1, 3]]);
    let error: unknown = null;
    try {
      linalg.inv(a);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DeviceSupportError);
    expect((error as Error).message).toMatch(/^linalgInv: not supported on the 'webgpu' device \(its kernel 'luFactor' runs on the CPU only\)\. Run it on the CPU: .*await x\.toAsync\('cpu'\)/);
    const inv = linalg.inv(await a.toAsync('cpu'));
    expect(inv.toArray()).toEqual([[0.6000000238418579, -0.20000000298023224], [-0.20000000298023224, 0.4000000059604645]]);
  });

  it('checks indices on the GPU and reports a bad one at the next read, then carries on', async () => {
    const x = tensor([10, 20, 30]);
    const bad = x.indexSelect(0, tensor([0, 5], { dtype: 'int32' }));
    // Nothing is read inside the op: the error waits for the read.
    await expect(bad.dataAsync()).rejects.toThrow(/^indexSelect: index 5 is out of bounds for dimension 0 with size 3/);
    expect(await x.indexSelect(0, tensor([2, 0], { dtype: 'int32' })).toArrayAsync()).toEqual([30, 10]);
    const g = x.reshape(1, 3).gather(1, tensor([[-1]], { dtype: 'int32' }));
    await expect(g.dataAsync()).rejects.toThrow(/^gather: index -1 is out of bounds for dimension 1 with size 3: .*negative indices are not wrapped around/);
    expect(await x.sum().itemAsync()).toBe(60);
  });

  it('checks class labels on the GPU: crossEntropy names the bad target at the next read', async () => {
    const logits = randn([3, 4]);
    const loss = nn.functional.crossEntropy(logits, tensor([0, 7, 1], { dtype: 'int32' }));
    await expect(loss.itemAsync()).rejects.toThrow(/^crossEntropy: target 7 \(at flat index 1\) is out of bounds for 4 classes/);
    const ok = nn.functional.crossEntropy(logits, tensor([0, 3, 1], { dtype: 'int32' }));
    expect(Number.isFinite(await ok.itemAsync())).toBe(true);
  });

  it('refuses int32 results that do not fit, at the next read', async () => {
    const big = tensor([2147483647, 1], { dtype: 'int32' });
    await expect(big.sum().itemAsync()).rejects.toThrow(/^sum: the int32 sum 2147483648 does not fit in int32/);
    await expect(tensor([3], { dtype: 'int32' }).pow(tensor([40], { dtype: 'int32' })).dataAsync()).rejects.toThrow(/^pow: 3 \*\* 40 = .* does not fit in int32/);
    expect(await tensor([2147483647, -5], { dtype: 'int32' }).sum().itemAsync()).toBe(2147483642);
    expect(await tensor([-3], { dtype: 'int32' }).pow(tensor([3], { dtype: 'int32' })).toArrayAsync()).toEqual([-27]);
  });

  it('batches: kernels are recorded, and submitted together when a result is read', async () => {
    const x = randn([8, 8]);
    await x.sum().itemAsync();
    const before = webgpu.stats();
    let y = x;
    for (let i = 0; i < 100; i++) y = y.mul(1.001).tanh();
    const issued = webgpu.stats();
    expect(issued.dispatches - before.dispatches).toBeGreaterThanOrEqual(200);
    expect(issued.submits).toBe(before.submits);
    await y.sum().itemAsync();
    expect(webgpu.stats().submits - before.submits).toBe(1);
  });

  it('trains with every optimizer on the GPU as on the CPU (those without a GPU kernel take the tensor-op path)', async () => {
    const makers = [
      (ps: nn.Parameter[]) => new optim.SGD(ps, { lr: 0.1, momentum: 0.9, nesterov: true }),
      (ps: nn.Parameter[]) => new optim.Adam(ps, { lr: 0.05, amsgrad: true }),
      (ps: nn.Parameter[]) => new optim.RMSprop(ps, { lr: 0.01, momentum: 0.5, centered: true }),
      (ps: nn.Parameter[]) => new optim.Adagrad(ps, { lr: 0.1 }),
      (ps: nn.Parameter[]) => new optim.Adamax(ps, { lr: 0.05 }),
      (ps: nn.Parameter[]) => new optim.NAdam(ps, { lr: 0.05 }),
      (ps: nn.Parameter[]) => new optim.RAdam(ps, { lr: 0.05 }),
    ];
    for (const make of makers) {
      const w0 = [[0.5, -0.25], [1, 2]];
      const run = async (device: string): Promise<number[]> => {
        const w = new nn.Parameter(tensor(w0, { device }));
        const opt = make([w]);
        const x = tensor([[1, 2], [3, -1]], { device });
        for (let s = 0; s < 5; s++) {
          opt.zeroGrad();
          x.matmul(w).tanh().sum().backward();
          opt.step();
        }
        return [...(await w.dataAsync())];
      };
      const gpu = await run('webgpu'), cpu = await run('cpu');
      gpu.forEach((v, i) => expect(v).toBeCloseTo(cpu[i]!, 5));
    }
  });

  it('serves batches from a dataset on the GPU', async () => {
    const ds = new data.TensorDataset(arange(10).reshape(5, 2), arange(0, 5, 1, { dtype: 'int32' }));
    const loader = new data.DataLoader(ds, { batchSize: 2, shuffle: true, seed: 1 });
    const seen: number[] = [];
    for (const [xb, yb] of loader) {
      expect(xb.device).toBe('webgpu');
      const ys = (await yb.toArrayAsync()) as number[];
      const xs = (await xb.toArrayAsync()) as number[][];
      ys.forEach((y, i) => expect(xs[i]).toEqual([2 * y, 2 * y + 1]));
      seen.push(...ys);
    }
    expect(seen.sort()).toEqual([0, 1, 2, 3, 4]);
  });
});

describe.skipIf(skip !== undefined)('GPU memory without dispose', () => {
  // A loop that awaits once per step, as every GPU loop does to read its loss: dead tensors' buffers come back
  // to the pool (a FinalizationRegistry, with a full collection at a read-back once the garbage waiting for the
  // collector reaches the larger of the live bytes after the last collection and one step's allocation), so the
  // pool's peak stays within issue 20's bound: 2× one step's live set (the bytes alive between steps plus the
  // bytes one step allocates). Both figures are printed.
  it("2,000 training steps: the pool's peak stays within 2× one step's live set, and stops growing", async () => {
    // Small shapes: a software GPU is slow, and 2,000 steps must fit CI's budget.
    const w = new nn.Parameter(randn([64, 64]).mul(0.01));
    const x = randn([16, 64]);
    const target = randn([16, 64]);
    const opt = new optim.SGD([w], { lr: 0.01 });
    const step = async (): Promise<number> => {
      opt.zeroGrad();
      const loss = x.matmul(w).sub(target).pow(2).mean();
      loss.backward();
      opt.step();
      return loss.itemAsync();
    };
    await step();
    await step();
    // One step's live set: what lives between steps, plus what a step allocates.
    (globalThis as { gc?: () => void }).gc?.();
    await new Promise((r) => setTimeout(r, 20));
    const between = webgpu.memory().liveBytes;
    const allocatedBefore = webgpu.memory().allocatedBytes;
    await step();
    const perStep = webgpu.memory().allocatedBytes - allocatedBefore;
    const liveSet = between + perStep;
    // The peak of this loop only: not the buffers that the tests before it left in the pool.
    webgpu.emptyCache();
    webgpu.resetPeakMemory();
    const collections = webgpu.stats().collections;
    const first = await step();
    let last = first;
    for (let s = 1; s < 1000; s++) last = await step();
    const half = webgpu.memory().peakBytes;
    for (let s = 1000; s < 2000; s++) last = await step();
    const m = webgpu.memory();
    const collected = webgpu.stats().collections - collections;
    console.log(
      `[webgpu memory] 2,000 steps: one step's live set ${liveSet} bytes (${between} between steps + ${perStep} per step); ` +
        `pool peak ${m.peakBytes} bytes (${(m.peakBytes / liveSet).toFixed(2)}×; ${half} after 1,000 steps), ${m.created} buffers created, ` +
        `${m.reused} reused, ${collected} collections`,
    );
    expect(last).toBeLessThan(first);
    expect(perStep).toBeGreaterThan(0);
    expect(m.peakBytes).toBeLessThanOrEqual(2 * liveSet);
    expect(m.peakBytes).toBeLessThanOrEqual(half * 1.1);
    expect(m.reused).toBeGreaterThan(m.created * 10);
    // At most one collection per step.
    expect(collected).toBeGreaterThan(0);
    expect(collected).toBeLessThanOrEqual(2000);
  }, 400_000);
});

describe.skipIf(skip !== undefined)('host checks deferred to the next read-back', () => {
  it('binaryCrossEntropy checks that its input is in [0, 1] on the GPU', async () => {
    const target = tensor([0, 1, 1]);
    await expect(nn.functional.binaryCrossEntropy(tensor([0.5, 1.5, 0.2]), target).itemAsync())
      .rejects.toThrow(/^binaryCrossEntropy: all elements of input should be between 0 and 1 \(the element at flat index 1 is not\)/);
    const ok = nn.functional.binaryCrossEntropy(tensor([0.5, 0.9, 0.2]), target);
    expect(await ok.itemAsync()).toBeCloseTo((-Math.log(0.5) - Math.log(0.9) - Math.log(0.2)) / 3, 5);
  });
});

describe.skipIf(skip !== undefined)('ops that need values on the host', () => {
  it('throw AsyncReadError naming the op the user called, and run on the CPU', async () => {
    const x = tensor([1, 0, 2]);
    let error: unknown = null;
    try {
      x.maskedSelect(x.gt(0));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AsyncReadError);
    expect((error as Error).message).toMatch(/^maskedSelect: not supported on the 'webgpu' device: it needs tensor values on the host .*await x\.toAsync\('cpu'\)/);
    const cpu = await x.toAsync('cpu');
    expect(cpu.maskedSelect(cpu.gt(0)).toArray()).toEqual([1, 2]);
  });
});
