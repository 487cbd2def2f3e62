// GPU buffers are reused, never prematurely: a buffer goes back to the pool only once no reachable tensor owns it
// (a view, a graph's saved tensor and a read-back in flight all keep it), and a reused buffer's new contents are
// written after every command recorded before, so kernels queued in the same batch still read the old values.
// Each test fails if reuse comes too early (values read after their buffer would have been overwritten).
import { describe, expect, it } from 'vitest';
import { tensor, webgpu, zeros, type Tensor } from '../../src/index.js';

const skip = process.env.ADJOINT_WEBGPU_SKIP;
const gc = (globalThis as { gc?: () => void }).gc;

// 700 float32 are 2,800 bytes: the 3,072-byte size class, which no other tensor of these tests uses.
const N = 700;
const CLASS = 3072;
const values = Array.from({ length: N }, (_, i) => i - 350);

/** Run the collector until the pool holds at least `bytes` more than `pooled` (a dead tensor's buffer is back). */
async function collectInto(pooled: number, bytes: number): Promise<void> {
  for (let k = 0; k < 100; k++) {
    gc!();
    await new Promise((r) => setTimeout(r, 10));
    if (webgpu.memory().pooledBytes >= pooled + bytes) return;
  }
  throw new Error('the dead tensor was not collected');
}

/** Make `count` tensors of the size class, from the host, with values unlike any a test expects. */
function overwriteClass(count: number): Tensor[] {
  return Array.from({ length: count }, (_, k) => tensor(new Float32Array(N).fill(1e6 + k)));
}

describe.skipIf(skip !== undefined || gc === undefined)('GPU buffer reuse is never premature', () => {
  it('dead tensors read by queued kernels: their buffers, reused in the same batch, are overwritten only after them', async () => {
    webgpu.emptyCache();
    const x = tensor(values);
    await x.sum().itemAsync();
    const submits = webgpu.stats().submits;
    // y1, y2, y3 die at once; the kernels that read them are recorded, not submitted.
    const [z1, z2, z3] = ((): [Tensor, Tensor, Tensor] => {
      const y1 = x.mul(2), y2 = x.mul(3), y3 = x.mul(4);
      return [y1.add(1), y2.sub(x), y3.add(y1)];
    })();
    await collectInto(webgpu.memory().pooledBytes, 3 * CLASS);
    expect(webgpu.stats().submits).toBe(submits);
    const pooled = webgpu.memory().pooledBytes;
    // Their buffers come back: overwritten by a kernel (neg), zero-filled (zeros), written from the host (tensor).
    const u = x.neg();
    const zero = zeros([N]);
    const host = tensor(new Float32Array(N).fill(7));
    expect(webgpu.memory().pooledBytes).toBe(pooled - 3 * CLASS);
    const plus = zero.add(x);
    expect(await z1.toArrayAsync()).toEqual(values.map((v) => 2 * v + 1));
    expect(await z2.toArrayAsync()).toEqual(values.map((v) => 2 * v));
    expect(await z3.toArrayAsync()).toEqual(values.map((v) => 6 * v));
    expect(await u.toArrayAsync()).toEqual(values.map((v) => -v));
    expect(await plus.toArrayAsync()).toEqual(values);
    expect(await host.toArrayAsync()).toEqual(new Array<number>(N).fill(7));
  });

  it('a reachable tensor keeps its buffer through collections and reuse of its size class, through a view too', async () => {
    const kept = tensor(values);
    const view = ((): Tensor => tensor(values).mul(3).narrow(0, 100, 5))();
    for (let round = 0; round < 10; round++) {
      overwriteClass(4);
      gc!();
      await new Promise((r) => setTimeout(r, 5));
      overwriteClass(4);
    }
    expect(await kept.toArrayAsync()).toEqual(values);
    expect(await view.toArrayAsync()).toEqual(values.slice(100, 105).map((v) => 3 * v));
  });

  it("a tensor reachable only through the graph (saved for backward) keeps its buffer until backward has used it", async () => {
    const x = tensor(values.map((v) => v / 350), { requiresGrad: true });
    // h = x·2 is saved by mul and reachable only through the graph.
    const loss = ((): Tensor => {
      const h = x.mul(2);
      return h.mul(h).sum();
    })();
    for (let round = 0; round < 5; round++) {
      gc!();
      await new Promise((r) => setTimeout(r, 5));
      overwriteClass(6);
    }
    loss.backward();
    const g = (await x.grad!.toArrayAsync()) as number[];
    g.forEach((v, i) => expect(v).toBeCloseTo((8 * values[i]!) / 350, 4));
  });

  it('a read-back in flight reads the values of its tensor even after the tensor dies and its buffer is reused', async () => {
    const x = tensor(values);
    const reading = ((): Promise<Float32Array | Int32Array | Uint8Array | Float64Array> => x.mul(3).dataAsync())();
    gc!();
    await new Promise((r) => setTimeout(r, 5));
    const junk = overwriteClass(8);
    expect([...(await reading)]).toEqual(values.map((v) => 3 * v));
    expect(junk.length).toBe(8);
  });

  it('emptyCache frees the pooled buffers, after submitting the batch that may still read them', async () => {
    const x = tensor(values);
    await x.sum().itemAsync();
    const z = ((): Tensor => x.mul(2).add(1))();
    await collectInto(webgpu.memory().pooledBytes, CLASS);
    const freed = webgpu.emptyCache();
    expect(freed).toBeGreaterThanOrEqual(CLASS);
    expect(webgpu.memory().pooledBytes).toBe(0);
    // Destroying a buffer that the unsubmitted batch binds would make the submit fail (a device error at this read).
    expect(await z.toArrayAsync()).toEqual(values.map((v) => 2 * v + 1));
  });

  it('a collection at a read-back returns the dead buffers to the pool before the read resolves', async () => {
    const x = tensor(values);
    await x.sum().itemAsync();
    // Garbage far above both thresholds (the live bytes after the last collection, and one step's allocation):
    // 64 tensors of the size class, dropped at once.
    for (let k = 0; k < 64; k++) x.mul(k);
    const live = webgpu.memory().liveBytes;
    const collections = webgpu.stats().collections;
    expect(await x.sum().itemAsync()).toBe(values.reduce((a, b) => a + b, 0));
    expect(webgpu.stats().collections).toBe(collections + 1);
    expect(webgpu.memory().liveBytes).toBeLessThanOrEqual(live - 60 * CLASS);
  });
});
