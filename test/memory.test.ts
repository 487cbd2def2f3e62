import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  setMemoryTracking, checkpoint, memory, nn, randn, resetPeakMemory, savedBytes, savedTensorsHooks, tensor, zeros, type Tensor,
} from '../src/index.js';

// The test process runs without --expose-gc; turning the flag on makes a fresh context expose gc().
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Collect garbage and let finalization callbacks run, which they only do once the event loop yields. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

describe('memory()', () => {
  beforeAll(() => setMemoryTracking(true));
  afterAll(() => setMemoryTracking(false));

  it('grows by the bytes of each new storage; views add nothing; storages under 1 KiB are not counted', () => {
    const before = memory().liveBytes;
    const a = zeros([1024, 256]); // 1 MiB of float32
    expect(memory().liveBytes - before).toBe(1_048_576);
    const b = zeros([256, 1024], { dtype: 'float64' });
    expect(memory().liveBytes - before).toBe(3 * 1_048_576);
    const views = [a.T, a.reshape([256, 1024]), a.narrow(0, 0, 10), b.unsqueeze(0)];
    const small = [zeros([255]), tensor(1)];
    expect(memory().liveBytes - before).toBe(3 * 1_048_576);
    expect(views.length + small.length).toBe(6);
  });

  it('falls when storages are garbage-collected, after the event loop yields', async () => {
    await settle();
    const before = memory().liveBytes;
    let t: Tensor | null = randn([1024, 1024]); // 4 MiB
    expect(memory().liveBytes - before).toBe(4 * 1_048_576);
    expect(t.size).toBe(1_048_576);
    t = null;
    await settle();
    expect(memory().liveBytes).toBeLessThanOrEqual(before);
  });

  it('keeps the peak until resetPeakMemory()', async () => {
    await settle();
    resetPeakMemory();
    const start = memory();
    expect(start.peakBytes).toBe(start.liveBytes);
    const allocate = (): number => zeros([2048, 1024]).size; // 8 MiB, dropped at once
    expect(allocate()).toBe(2_097_152);
    expect(memory().peakBytes - start.liveBytes).toBeGreaterThanOrEqual(8 * 1_048_576);
    await settle();
    expect(memory().peakBytes - start.liveBytes).toBeGreaterThanOrEqual(8 * 1_048_576);
    resetPeakMemory();
    expect(memory().peakBytes).toBe(memory().liveBytes);
    expect(memory().peakBytes).toBeLessThan(start.liveBytes + 8 * 1_048_576);
  });
});

describe('savedBytes()', () => {
  // [64, 256] float32: 65 536 bytes.
  const act = 64 * 256 * 4;

  it('counts intermediates once, not leaves, parameter views or unsaved outputs', () => {
    const w = randn([256, 256], { requiresGrad: true });
    const x = randn([64, 256]);
    expect(savedBytes(x)).toBe(0); // no gradFn
    // matmul saves x (a leaf) and w.T (a view of the leaf w); tanh saves its output.
    const h = x.matmul(w.T).tanh();
    expect(savedBytes(h)).toBe(act);
    // mul saves h twice (one storage); exp saves its output; sum saves nothing.
    const loss = h.mul(h).exp().sum();
    expect(savedBytes(loss)).toBe(2 * act);
    loss.backward();
    expect(savedBytes(loss)).toBe(0); // backward freed the graph
  });

  it('of an nn.Linear chain with and without a checkpoint', () => {
    const layers = [new nn.Linear(256, 256), new nn.Linear(256, 256), new nn.Linear(256, 256)];
    const x = randn([64, 256]);
    const body = (h: Tensor): Tensor => layers.reduce((a, l) => l.forward(a).tanh(), h);
    expect(savedBytes(body(x).sum())).toBe(3 * act); // three tanh outputs
    expect(savedBytes(checkpoint(body, x).sum())).toBe(0); // keeps only x, a leaf
    const h = layers[0]!.forward(x).tanh();
    expect(savedBytes(checkpoint(body, h).sum())).toBe(act); // keeps h
  });

  it('counts what saved-tensor hooks keep', () => {
    const w = randn([256, 256], { requiresGrad: true });
    const x = randn([64, 256]);
    const f = (): Tensor => x.matmul(w).tanh().exp().sum();
    const identity = savedTensorsHooks({ pack: (t) => t, unpack: (p) => p as Tensor }, f);
    expect(savedBytes(identity)).toBe(2 * act);
    const store = new Map<number, Tensor>();
    const byId = savedTensorsHooks({
      pack: (t) => { store.set(store.size, t); return store.size - 1; },
      unpack: (id) => store.get(id as number)!,
      kept: (id) => [store.get(id as number)!],
    }, f);
    expect(savedBytes(byId)).toBe(2 * act);
    const hidden = savedTensorsHooks({ pack: (t) => store.set(-1, t) && -1, unpack: () => store.get(-1)! }, f);
    expect(savedBytes(hidden)).toBe(0); // a packed value that is not a tensor, without kept(): nothing visible
  });
});
