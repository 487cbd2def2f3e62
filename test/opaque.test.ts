// The seam, checked from the outside: in the 'opaque' test project every tensor lives on the opaque device
// backend (test/support/opaque-backend.ts), so the generated suites and the engine tests that run there run
// against buffers the op layer cannot read, with work that completes only when a result is read.
import { describe, expect, it } from 'vitest';
import { getBackend, randn, tensor, zeros } from '../src/index.js';
import { arrayOf } from '../src/kernels/cpu/memory.js';
import { opaqueStats } from './support/opaque-backend.js';

describe.runIf(process.env.ADJOINT_TEST_BACKEND === 'opaque')('the opaque device backend', () => {
  it('is the backend of every new tensor', () => {
    expect(getBackend().name).toBe('opaque');
    expect(tensor([1, 2]).device).toBe('opaque');
    expect(zeros([2]).device).toBe('opaque');
  });

  it('keeps its buffers opaque: they are not typed arrays', () => {
    const t = tensor([1, 2, 3]);
    expect(ArrayBuffer.isView(t.buffer)).toBe(false);
    expect(() => (arrayOf(t.buffer) as Float32Array).subarray(0)).toThrow();
  });

  it('issues work without running it, and completes it when a result is read', () => {
    const x = randn([64, 64], { requiresGrad: true });
    const before = { ...opaqueStats };
    const y = x.matmul(x).tanh().sum();
    expect(opaqueStats.issued).toBeGreaterThan(before.issued);
    expect(opaqueStats.flushes).toBe(before.flushes);
    y.backward();
    const g = x.grad!.data();
    expect(opaqueStats.flushes).toBeGreaterThan(before.flushes);
    expect(g.length).toBe(64 * 64);
  });

  it('completes asynchronously through dataAsync, itemAsync and toArrayAsync', async () => {
    const y = tensor([1, 2, 3]).mul(2);
    expect([...(await y.dataAsync())]).toEqual([2, 4, 6]);
    expect(await y.sum().itemAsync()).toBe(12);
    expect(await y.reshape(3, 1).toArrayAsync()).toEqual([[2], [4], [6]]);
  });

  it('reports a kernel error (an index out of range) when the work completes, as a device does', () => {
    const idx = tensor([0, 5], { dtype: 'int32' });
    const out = tensor([1, 2, 3]).indexSelect(0, idx);
    expect(() => out.data()).toThrow(/indexSelect: index 5 is out of bounds for dimension 0 with size 3/);
  });

  it('refuses to mix devices, naming both', () => {
    const cpu = tensor([1, 2], { device: 'cpu' });
    expect(() => tensor([1, 2]).add(cpu)).toThrow(/add: expected all tensors to be on the same device, but found at least two devices, opaque and cpu/);
    expect([...cpu.to('opaque').add(1).to('cpu').data()]).toEqual([2, 3]);
  });
});
