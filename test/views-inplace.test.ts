// In-place ops through views and on bases that have views: PyTorch's semantics (a view shares its base's version
// counter; a write through a view gives the base a CopySlices history; a stale view is replayed on its base). The
// fixed cases carry the values PyTorch 1.13 gives for the same programs; the property test compares random programs
// of views and in-place ops with the same program written out of place (gathers and scatters of flat indices), in
// float64.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arange, noGrad, tensor, type Tensor } from '../src/index.js';

const runs = Number(process.env.FUZZ_RUNS ?? 150);

describe('in-place through views gives PyTorch\'s gradients', () => {
  it('in-place on the base after narrow, reshape or .T, then backward through the view', () => {
    let a = tensor([1, 2, 3], { requiresGrad: true });
    let x = a.mul(1);
    const v = x.narrow(0, 0, 2);
    x.mul_(2);
    v.sum().backward();
    expect(a.grad!.toArray()).toEqual([2, 2, 0]);

    a = tensor([1, 2, 3, 4], { requiresGrad: true });
    x = a.mul(1);
    const r = x.reshape(2, 2);
    x.mul_(3);
    r.mul(tensor([[1, 2], [3, 4]])).sum().backward();
    expect(a.grad!.toArray()).toEqual([3, 6, 9, 12]);

    const b = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    x = b.mul(1);
    const t = x.T;
    x.add_(x.detach());
    t.mul(tensor([[1, 2], [3, 4]])).sum().backward();
    expect(b.grad!.toArray()).toEqual([[1, 3], [2, 4]]);
  });

  it('in-place on a view of a non-leaf, then backward through the base', () => {
    const a = tensor([1, 2, 3], { requiresGrad: true });
    const x = a.mul(1);
    x.narrow(0, 0, 2).mul_(2);
    expect(x.toArray()).toEqual([2, 4, 3]);
    x.mul(tensor([1, 10, 100])).sum().backward();
    expect(a.grad!.toArray()).toEqual([2, 20, 100]);
    expect(x.gradFn!.name).toBe('AsStridedScatterBackward0');
  });

  it('fill_ and copy_ through views', () => {
    const a = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
    const x = a.mul(2);
    x.narrow(1, 1, 2).fill_(0);
    x.sum().backward();
    expect(x.toArray()).toEqual([[2, 0, 0], [8, 0, 0]]);
    expect(a.grad!.toArray()).toEqual([[2, 0, 0], [2, 0, 0]]);

    // A base that did not require grad starts to, as in PyTorch.
    const w = tensor([7, 8], { requiresGrad: true });
    const buf = tensor([0, 0, 0]);
    buf.narrow(0, 1, 2).copy_(w);
    expect(buf.requiresGrad).toBe(true);
    buf.mul(tensor([1, 2, 3])).sum().backward();
    expect(w.grad!.toArray()).toEqual([2, 3]);
  });

  it('chains of views of views, and a second view made stale by a write through the first', () => {
    let a = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
    let x = a.mul(1);
    x.T.narrow(0, 1, 2).narrow(1, 0, 1).mul_(5);
    expect(x.toArray()).toEqual([[1, 10, 15], [4, 5, 6]]);
    x.pow(2).sum().backward();
    expect(a.grad!.toArray()).toEqual([[2, 100, 150], [8, 10, 12]]);

    a = tensor([1, 2, 3, 4], { requiresGrad: true });
    x = a.mul(1);
    const v1 = x.narrow(0, 0, 3), v2 = x.narrow(0, 1, 3);
    v1.mul_(2);
    v2.mul(tensor([1, 10, 100])).sum().backward();
    expect(a.grad!.toArray()).toEqual([0, 2, 20, 100]);
  });

  it('saves only what a rule needs: no spurious version error', () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const x = a.mul(1);
    const y = x.mul(2); // mul by a number keeps the number, not x
    x.add_(1);
    y.sum().backward();
    expect(a.grad!.toArray()).toEqual([2, 2]);
    // A rule that does need the old value still says so.
    const z = tensor([1, 2], { requiresGrad: true }).mul(1);
    const e = z.exp();
    const s = z.mul(z);
    z.add_(1);
    expect(() => s.sum().backward()).toThrow(/MulBackward0: one of the tensors needed for gradient computation has been modified by an in-place operation/);
    e.sum().backward(); // exp keeps its output, which nothing wrote
  });

  it('refuses what PyTorch refuses: a view of a leaf that requires grad, and writes into self-overlapping tensors', () => {
    const w = tensor([1, 2, 3], { requiresGrad: true });
    expect(() => w.narrow(0, 0, 2).mul_(2)).toThrow(/mul_: a view of a leaf tensor that requires grad/);
    expect(() => tensor([0]).expand(3).add_(1)).toThrow(/add_: unsupported operation: more than one element of the written-to tensor \(shape \[3\], strides \[0\]\) refers to a single memory location\. Please clone\(\) the tensor before performing the operation\./);
    expect(() => tensor([[1, 2]]).expand(3, 2).fill_(0)).toThrow(/fill_: unsupported operation: more than one element/);
    expect(() => tensor([1, 2, 3, 4]).asStrided([3, 2], [1, 1], 0).copy_(tensor([[1, 2], [3, 4], [5, 6]]))).toThrow(/copy_: unsupported operation: more than one element/);
  });
});

// ---- random programs: views and in-place ops against the same program written out of place ----

type ViewStep = { kind: 'narrow'; dim: number; start: number; len: number } | { kind: 'T' } | { kind: 'unsqueeze'; dim: number } |
  { kind: 'flatten' } | { kind: 'transpose' } | { kind: 'index'; dim: number; start: number; step: number; select: boolean } |
  { kind: 'chunk'; dim: number; chunks: number; pick: number };
type WriteStep = { op: 'mul_' | 'add_' | 'fill_' | 'indexPut_'; value: number } | { op: 'addLeaf' };
type Action = { type: 'view'; from: number; step: ViewStep } | { type: 'write'; target: number; write: WriteStep };

const viewStep: fc.Arbitrary<ViewStep> = fc.oneof(
  fc.record({ kind: fc.constant('narrow' as const), dim: fc.nat(3), start: fc.nat(5), len: fc.integer({ min: 1, max: 5 }) }),
  fc.constant({ kind: 'T' as const }),
  fc.record({ kind: fc.constant('unsqueeze' as const), dim: fc.nat(2) }),
  fc.constant({ kind: 'flatten' as const }),
  fc.constant({ kind: 'transpose' as const }),
  fc.record({ kind: fc.constant('index' as const), dim: fc.nat(3), start: fc.nat(5), step: fc.integer({ min: 1, max: 3 }), select: fc.boolean() }),
  fc.record({ kind: fc.constant('chunk' as const), dim: fc.nat(3), chunks: fc.integer({ min: 1, max: 3 }), pick: fc.nat(2) }),
);
const writeStep: fc.Arbitrary<WriteStep> = fc.oneof(
  fc.record({ op: fc.constantFrom('mul_' as const, 'add_' as const, 'fill_' as const, 'indexPut_' as const), value: fc.double({ min: -2, max: 2, noNaN: true }) }),
  fc.constant({ op: 'addLeaf' as const }),
);
const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ type: fc.constant('view' as const), from: fc.nat(20), step: viewStep }),
  fc.record({ type: fc.constant('write' as const), target: fc.nat(20), write: writeStep }),
);

/** The view `step` of `t`, or null where it does not apply (so that the map and the view never disagree). */
function applyView(t: Tensor, step: ViewStep): Tensor | null {
  switch (step.kind) {
    case 'narrow': {
      if (t.ndim === 0) return null;
      const dim = step.dim % t.ndim, size = t.shape[dim]!;
      if (step.start >= size) return null;
      return t.narrow(dim, step.start, Math.min(step.len, size - step.start));
    }
    case 'T': return t.ndim === 2 ? t.T : null;
    case 'transpose': return t.ndim >= 2 ? t.transpose(0, t.ndim - 1) : null;
    case 'unsqueeze': return t.ndim < 4 ? t.unsqueeze(step.dim % (t.ndim + 1)) : null;
    // Only a flatten that stays a view: otherwise reshape copies and the "view" would not alias its base.
    case 'flatten': return t.ndim >= 1 && t.isContiguous() ? t.flatten() : null;
    // x[:, …, start::step] or x[:, …, start] along one dim: basic indexing, a view.
    case 'index': {
      if (t.ndim === 0) return null;
      const dim = step.dim % t.ndim, size = t.shape[dim]!;
      if (size === 0) return null;
      const at = step.start % size;
      return t.index(...new Array<string>(dim).fill(':'), step.select ? at : `${at}::${step.step}`);
    }
    case 'chunk': {
      if (t.ndim === 0 || t.shape[step.dim % t.ndim] === 0) return null;
      const pieces = t.chunk(step.chunks, step.dim % t.ndim);
      return pieces[step.pick % pieces.length]!;
    }
  }
}

/** The specs an `indexPut_` write of the random programs uses: every other entry of the last dim. */
const everyOther = (t: Tensor): string[] => (t.ndim === 0 ? [] : ['...', '::2']);

describe('random programs of views and in-place ops', () => {
  it('give the gradients of the same program written out of place (float64)', () => {
    fc.assert(fc.property(fc.array(action, { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 1000 }), (actions, seed) => {
      const rnd = (i: number): number => Math.sin(seed * 12.9898 + i * 78.233) * 0.5;
      const init = Array.from({ length: 24 }, (_, i) => 1 + rnd(i));
      // The program as written, with views and in-place ops.
      const a = tensor(init, { shape: [4, 6], dtype: 'float64', requiresGrad: true });
      const x = a.mul(1.5);
      const views: Tensor[] = [x];
      // The same program on the flat elements of x: each view is its map of flat indices.
      const a2 = tensor(init, { shape: [4, 6], dtype: 'float64', requiresGrad: true });
      let flat = a2.mul(1.5).reshape(-1);
      const maps: Tensor[] = [noGrad(() => arange(24).reshape(4, 6))];
      const leaves: [Tensor, Tensor][] = [];
      for (const act of actions) {
        if (act.type === 'view') {
          const from = act.from % views.length;
          const v = applyView(views[from]!, act.step);
          if (v === null) continue;
          views.push(v);
          maps.push(noGrad(() => applyView(maps[from]!, act.step)!));
          continue;
        }
        const target = act.target % views.length;
        const v = views[target]!, map = maps[target]!.reshape(-1);
        const old = flat.indexSelect(0, map).reshape(v.shape);
        let next: Tensor;
        const w = act.write;
        if (w.op === 'addLeaf') {
          const vals = Array.from({ length: v.size }, (_, i) => rnd(100 + leaves.length * 50 + i));
          const l1 = tensor(vals, { shape: [...v.shape], dtype: 'float64', requiresGrad: true });
          const l2 = tensor(vals, { shape: [...v.shape], dtype: 'float64', requiresGrad: true });
          leaves.push([l1, l2]);
          v.add_(l1);
          next = old.add(l2);
        } else if (w.op === 'fill_') {
          v.fill_(w.value);
          next = old.mul(0).add(w.value);
        } else if (w.op === 'indexPut_') {
          v.indexPut_(everyOther(v), w.value);
          next = old.indexPut(everyOther(old), w.value);
        } else {
          v[w.op](w.value);
          next = w.op === 'mul_' ? old.mul(w.value) : old.add(w.value);
        }
        flat = flat.indexAdd(0, map, next.sub(old).reshape(-1));
      }
      let loss = x.mul(tensor(init.map((_, i) => rnd(200 + i)), { shape: [4, 6], dtype: 'float64' })).sum();
      let loss2 = flat.reshape(4, 6).mul(tensor(init.map((_, i) => rnd(200 + i)), { shape: [4, 6], dtype: 'float64' })).sum();
      views.slice(1).forEach((v, k) => {
        const weights = tensor(Array.from({ length: v.size }, (_, i) => rnd(300 + 31 * k + i)), { shape: [...v.shape], dtype: 'float64' });
        loss = loss.add(v.mul(weights).sum());
        loss2 = loss2.add(flat.indexSelect(0, maps[k + 1]!.reshape(-1)).reshape(v.shape).mul(weights).sum());
      });
      expect(loss.item()).toBeCloseTo(loss2.item(), 9);
      loss.backward();
      loss2.backward();
      const close = (p: Tensor, q: Tensor): void => {
        const u = p.data(), r = q.data();
        u.forEach((val, i) => expect(Math.abs(val - r[i]!)).toBeLessThanOrEqual(1e-10 * (1 + Math.abs(r[i]!))));
      };
      close(a.grad!, a2.grad!);
      for (const [l1, l2] of leaves) close(l1.grad!, l2.grad!);
    }), { numRuns: runs, seed: 7 });
  });
});
