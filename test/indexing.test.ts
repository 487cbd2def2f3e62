// Indexing beyond the generated suite: which results are views sharing their base's storage and which are copies,
// the one gradient buffer that slices of a tensor share, in-place writes through indexing, README's indexing table
// run as written, and the errors of misuse (each message asserted).
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  arange, backward, cat, getBackend, hvp, jvp, meshgrid, noGrad, ones, pad, randn, scatterReduce, take, takeAlongDim, tensor, trilIndices, triuIndices, where, zeros,
  type Tensor,
} from '../src/index.js';
import { boxesDisjoint, RegionGrad, regionBox } from '../src/autograd/region-grad.js';
import { onStorageCreated, type Storage } from '../src/storage.js';

const int = (v: number[] | number[][]): Tensor => tensor(v, { dtype: 'int32' });

/** Storages made while `fn` runs (the hook memory accounting also uses, restored afterwards). */
function storagesMadeBy(fn: () => void): Storage[] {
  const made: Storage[] = [];
  onStorageCreated((s) => made.push(s));
  try {
    fn();
  } finally {
    onStorageCreated(null);
  }
  return made;
}

afterEach(() => onStorageCreated(null));

describe('views and copies', () => {
  it('numbers, slices, null and the ellipsis give views sharing the base\'s storage, as do select, narrow, split, chunk, unbind and the movement views', () => {
    const x = arange(24, undefined, 1, { dtype: 'float64' }).reshape(2, 3, 4).clone();
    const views: [string, Tensor][] = [
      ["index(':', '1:3')", x.index(':', '1:3')], ['index(1)', x.index(1)], ["index('...', '::2')", x.index('...', '::2')],
      ["index(null, 0, -1)", x.index(null, 0, -1)], ["index(':', -1, '1::2')", x.index(':', -1, '1::2')], ['index(0-d int32 tensor)', x.index(':', tensor(2, { dtype: 'int32' }))],
      ['select(2, 1)', x.select(2, 1)], ['narrow(1, 1, 2)', x.narrow(1, 1, 2)],
      ...x.split(3, 2).map((t, i): [string, Tensor] => [`split piece ${i}`, t]),
      ...x.chunk(2, 1).map((t, i): [string, Tensor] => [`chunk piece ${i}`, t]),
      ...x.unbind(0).map((t, i): [string, Tensor] => [`unbind piece ${i}`, t]),
      ['movedim', x.movedim(0, 2)], ['swapaxes', x.swapaxes(0, 1)], ['unflatten', x.unflatten(2, [2, 2])], ['broadcastTo', x.index(0).broadcastTo(5, 3, 4)],
      ['viewAs', x.viewAs(zeros([6, 4]))], ...meshgrid([x.index(0, 0), x.index(1, 1)]).map((t, i): [string, Tensor] => [`meshgrid ${i}`, t]),
    ];
    for (const [name, v] of views) {
      expect(v.storage, name).toBe(x.storage);
      expect(v._base, name).toBe(x);
    }
    // A write into the base shows through each view, and a write through a view shows in the base.
    const before = views.map(([, v]) => v.sum().item());
    noGrad(() => x.add_(1));
    views.forEach(([name, v], k) => expect(v.sum().item(), name).toBe(before[k]! + v.size));
    x.index(0, 1).fill_(-7);
    expect(x.index(0, 1).toArray()).toEqual([-7, -7, -7, -7]);
    x.index(':', ':', '::3').indexPut_([], 100);
    expect(x.index(1, 2).toArray()).toEqual([100, 22, 23, 100]);
  });

  it('index tensors, masks, take, maskedSelect and flip copy', () => {
    const x = arange(12, undefined, 1, { dtype: 'float64' }).reshape(3, 4);
    const copies = [
      x.index(int([0, 2])), x.index(':', [1, 3]), x.index(x.gt(5)), x.index(true), take(x, int([1, 2])),
      x.maskedSelect(x.lt(3)), x.flip(0), x.roll(1, 1), x.repeat(1, 1), x.indexSelect(0, int([1])), takeAlongDim(x, int([[0], [1], [2]]), 1),
    ];
    for (const c of copies) {
      expect(c.storage).not.toBe(x.storage);
      expect(c._base).toBe(null);
    }
    const snapshot = copies.map((c) => c.toArray());
    x.fill_(0);
    copies.forEach((c, k) => expect(c.toArray()).toEqual(snapshot[k]));
  });
});

describe('slice gradients share one buffer for their base', () => {
  /** Storages of exactly `n` elements made during the backward of `loss`. */
  const fullSized = (loss: Tensor, n: number): number => storagesMadeBy(() => loss.backward()).filter((s) => s.length === n).length;

  it.each([
    ['chunk', (x: Tensor) => x.chunk(16, 1)],
    ['split', (x: Tensor) => x.split(4, 1)],
    ['unbind', (x: Tensor) => x.unbind(1)],
    ['narrow', (x: Tensor) => Array.from({ length: 16 }, (_, i) => x.narrow(1, 4 * i, 4))],
    ['select', (x: Tensor) => Array.from({ length: 64 }, (_, i) => x.select(1, i))],
    ['index', (x: Tensor) => Array.from({ length: 16 }, (_, i) => x.index(':', `${i}::16`))],
  ])('%s: one full-size gradient buffer for 16 or more slices, not one per slice', (_, cut) => {
    const x = randn([32, 64], { requiresGrad: true });
    const loss = cut(x.mul(1)).map((p, i) => p.mul(i + 1).sum()).reduce((a, b) => a.add(b));
    // One buffer for x·1's gradient; MulBackward0 then makes x's (which the leaf takes as its .grad).
    expect(fullSized(loss, 32 * 64)).toBe(2);
    const expected = tensor(Array.from({ length: 32 * 64 }, () => 0), { shape: [32, 64] });
    noGrad(() => cut(expected).forEach((p, i) => p.add_(i + 1)));
    expect(x.grad!.toArray()).toEqual(expected.toArray());
  });

  it('bytes made by backward: about one buffer, where padding each slice made one per slice plus the sums', () => {
    const x = randn([32, 64], { requiresGrad: true });
    const loss = x.chunk(16, 1).map((p, i) => p.mul(i + 1).sum()).reduce((a, b) => a.add(b));
    const bytes = storagesMadeBy(() => loss.backward()).reduce((n, s) => n + s.nbytes, 0);
    // The buffer, plus slice-sized temporaries and the slice gradients themselves (2 more buffers' worth); padding
    // each of the 16 slices to full size and adding them would make over 30 full-size buffers.
    expect(bytes).toBeLessThan(4 * x.nbytes);
  });

  it('a 20-step LSTM-like loop written with chunk makes one full-size gates gradient per step', () => {
    const B = 8, I = 16, H = 32, steps = 20;
    const W = randn([I, 4 * H], { requiresGrad: true }), U = randn([H, 4 * H], { requiresGrad: true }), b = zeros([4 * H], { requiresGrad: true });
    const xs = Array.from({ length: steps }, () => randn([B, I]));
    let h = zeros([B, H]), c = zeros([B, H]);
    for (const x of xs) {
      const [i, f, g, o] = x.matmul(W).add(h.matmul(U)).add(b).chunk(4, 1);
      c = f!.sigmoid().mul(c).add(i!.sigmoid().mul(g!.tanh()));
      h = o!.sigmoid().mul(c.tanh());
    }
    // [B, 4H] has 1024 elements; nothing else in this graph does.
    expect(fullSized(h.sum(), B * 4 * H)).toBe(steps);
  });

  it('slices that are apart are copied into the buffer, with no sums', () => {
    const x = randn([32, 64], { requiresGrad: true });
    const loss = x.mul(1).chunk(16, 1).map((p, i) => p.mul(i + 1).sum()).reduce((a, b) => a.add(b));
    const binary = vi.spyOn(getBackend(), 'binary');
    try {
      loss.backward();
      // One slice gradient of [32, 4] added into the buffer would show up as an add of that shape.
      expect(binary.mock.calls.filter(([op, , , , , shape]) => op === 'add' && shape.length === 2 && shape[1] === 4)).toEqual([]);
    } finally {
      binary.mockRestore();
    }
    expect(x.grad!.toArray()).toEqual(Array.from({ length: 32 }, () => Array.from({ length: 64 }, (_, j) => (j >> 2) + 1)));
  });

  it.each([
    ['overlapping narrows', (y: Tensor) => [y.narrow(1, 0, 40), y.narrow(1, 20, 44), y.narrow(0, 3, 2)]],
    ['a stepped slice across two narrows', (y: Tensor) => [y.narrow(1, 0, 8), y.narrow(1, 8, 56), y.index(':', '1::3')]],
    ['selects of one row and of one column', (y: Tensor) => [y.select(0, 5), y.select(1, 5), y.narrow(0, 6, 26)]],
    ['the same slice twice', (y: Tensor) => [y.narrow(1, 4, 4), y.narrow(1, 4, 4), y.narrow(1, 0, 4)]],
  ])('%s: regions that share elements add up, before or after a whole gradient', (_, cut) => {
    for (const wholeFirst of [false, true]) {
      const x = randn([32, 64], { requiresGrad: true });
      const y = x.mul(1);
      const parts = cut(y).map((p, i) => p.mul(i + 2).sum());
      const whole = y.mul(10).sum();
      const loss = wholeFirst ? parts.reduce((a, b) => a.add(b), whole) : parts.reduce((a, b) => a.add(b)).add(whole);
      loss.backward();
      const expected = tensor(Array.from({ length: 32 * 64 }, () => 10), { shape: [32, 64] });
      noGrad(() => cut(expected).forEach((p, i) => p.add_(i + 2)));
      expect(x.grad!.toArray()).toEqual(expected.toArray());
    }
  });

  it('regionBox: the box a region takes, or null where it is not one; boxesDisjoint', () => {
    const g = (shape: number[]): Tensor => zeros(shape);
    expect(regionBox(new RegionGrad(g([4, 3]), [4, 8], [8, 1], 2))).toEqual([0, 4, 2, 5]);
    expect(regionBox(new RegionGrad(g([8]), [4, 8], [1], 16))).toEqual([2, 3, 0, 8]); // select(0, 2)
    expect(regionBox(new RegionGrad(g([4]), [4, 1, 8], [8], 3))).toEqual([0, 4, 0, 1, 3, 4]);
    expect(regionBox(new RegionGrad(g([4, 4]), [4, 8], [8, 2], 0))).toBe(null); // x[:, ::2]
    expect(regionBox(new RegionGrad(g([4, 4]), [4, 8], [8, 1], 6))).toBe(null); // past the end of a row
    expect(regionBox(new RegionGrad(g([]), [], [], 0))).toBe(null);
    expect(boxesDisjoint([0, 4, 0, 3, 0, 4, 3, 6], [0, 4, 6, 8])).toBe(true);
    expect(boxesDisjoint([0, 4, 0, 3, 0, 4, 3, 6], [3, 4, 5, 8])).toBe(false);
    expect(boxesDisjoint([0, 2, 0, 8], [2, 4, 0, 8])).toBe(true);
  });

  it('a hook on the base sees the summed gradient, and createGraph materialises a differentiable one', () => {
    const x = tensor([1, 2, 3, 4], { requiresGrad: true, dtype: 'float64' });
    const y = x.mul(1);
    const seen: number[][] = [];
    y.registerHook((g) => { seen.push(g.toArray() as number[]); });
    const [a, c] = y.chunk(2);
    a!.mul(2).sum().add(c!.pow(2).sum()).backward(null, { createGraph: true });
    expect(seen).toEqual([[2, 2, 6, 8]]);
    expect(x.grad!.requiresGrad).toBe(true);
    const [gg] = [x.grad!.sum()];
    backward(gg);
    expect(x.grad!.toArray()).toEqual([2, 2, 8, 10]);
  });
});

describe('forward mode', () => {
  it('over a backward through slices (hvp) and through writes into views (jvp)', () => {
    const f = (v: Tensor): Tensor => v.chunk(3).map((c, k) => c.pow(3).mul(k + 1).sum()).reduce((a, b) => a.add(b));
    const x = tensor([1, 2, 3, 4, 5, 6], { dtype: 'float64' });
    // The Hessian is diagonal: 6 (k + 1) x in chunk k.
    expect(hvp(f, x, ones([6], { dtype: 'float64' })).toArray()).toEqual([6, 12, 36, 48, 90, 108]);
    const write = (a: Tensor, b: Tensor): Tensor => { const y = a.mul(1); y.index('1:').copy_(b); y.index(0).indexPut_([], b.index(0)); return y; };
    const [, t] = jvp(write, [tensor([1, 2, 3]), tensor([5, 6])], [tensor([1, 1, 1]), tensor([2, 3])]);
    expect((t as Tensor).toArray()).toEqual([2, 2, 3]);
  });
});

describe('in-place writes through indexing', () => {
  it('x[:, 1:3] = v on a tensor in the graph records a write into its base; an advanced write records indexPut', () => {
    const a = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true, dtype: 'float64' });
    const y = a.mul(1);
    const v = tensor([[10], [20]], { requiresGrad: true, dtype: 'float64' });
    y.indexPut_([':', '1:3'], v);
    expect(y.gradFn!.name).toBe('AsStridedScatterBackward0');
    expect(y.toArray()).toEqual([[1, 10, 10], [4, 20, 20]]);
    y.mul(y).sum().backward();
    expect(a.grad!.toArray()).toEqual([[2, 0, 0], [8, 0, 0]]);
    expect(v.grad!.toArray()).toEqual([[40], [80]]);
    const z = a.mul(1);
    z.indexPut_([int([1, 1])], 0, { accumulate: true });
    expect(z.gradFn!.name).toBe('IndexPutBackward0');
  });

  it('is refused on a leaf that requires grad, allowed under noGrad (bumping the version)', () => {
    const w = tensor([1, 2, 3], { requiresGrad: true });
    expect(() => w.indexPut_([0], 5)).toThrow(/indexPut_: a leaf tensor that requires grad \(shape \[3\]\) is being used in an in-place operation/);
    const saved = w.mul(w);
    noGrad(() => w.indexPut_([int([0, 2])], tensor([7, 9])));
    expect(w.toArray()).toEqual([7, 2, 9]);
    expect(() => saved.sum().backward()).toThrow(/has been modified by an in-place operation/);
  });

  it('reads a value that shares the target\'s storage before writing (x[[0, 1]] = x[[1, 0]] swaps)', () => {
    const x = tensor([[1, 2], [3, 4], [5, 6]]);
    x.indexPut_([[0, 1]], x.index([1, 0]));
    expect(x.toArray()).toEqual([[3, 4], [1, 2], [5, 6]]);
    const y = tensor([1, 2, 3, 4]);
    y.indexPut_(['1:'], y.index(':3'));
    expect(y.toArray()).toEqual([1, 1, 2, 3]);
  });

  it('accumulates repeated indices and writes the last of repeated ones', () => {
    expect(zeros([3]).indexPut_([[0, 2, 0, 0]], tensor([1, 2, 3, 4]), { accumulate: true }).toArray()).toEqual([8, 0, 2]);
    expect(zeros([3]).indexPut_([[0, 2, 0]], tensor([1, 2, 3])).toArray()).toEqual([3, 0, 2]);
    expect(tensor([1, 2], { dtype: 'int32' }).indexPut_([[1, 1]], 5, { accumulate: true }).toArray()).toEqual([1, 12]);
  });
});

describe('scatterReduce at ties and NaN', () => {
  // PyTorch 1.13 gives these (torch.scatter_reduce on the same inputs), except where noted.
  const run = (reduce: 'amax' | 'amin', includeSelf: boolean): number[][] => {
    const x = tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
    const s = tensor([2, 2, NaN, 0.5, 3], { dtype: 'float64', requiresGrad: true });
    const y = x.scatterReduce(0, int([1, 1, 2, 0, 0]), s, reduce, { includeSelf });
    y.mul(tensor([1, 2, 3], { dtype: 'float64' })).sum().backward();
    return [y.toArray() as number[], x.grad!.toArray() as number[], s.grad!.toArray() as number[]];
  };
  it('with the old values: ties share the gradient evenly, NaN propagates', () => {
    expect(run('amax', true)).toEqual([[3, 2, NaN], [0, 2 / 3, NaN], [2 / 3, 2 / 3, NaN, 0, 1]]);
    expect(run('amin', true)).toEqual([[0.5, 2, NaN], [0, 2 / 3, NaN], [2 / 3, 2 / 3, NaN, 1, 0]]);
  });
  it('without them: the old values get 0 (also where the result is NaN), and only the src values that tie share', () => {
    // PyTorch gives src [2/3, 2/3, …]: its rule counts the excluded old value 2 as a tie, so the shares sum to 4/3.
    expect(run('amax', false)).toEqual([[3, 2, NaN], [0, 0, 0], [1, 1, NaN, 0, 1]]);
    expect(run('amin', false)).toEqual([[0.5, 2, NaN], [0, 0, 0], [1, 1, NaN, 1, 0]]);
  });
});

describe("README's indexing table, run as written", () => {
  it('gives what NumPy and PyTorch give', () => {
    const x = arange(24).reshape(2, 3, 4);
    expect(x.index(':', '1:5').shape).toEqual([2, 2, 4]);
    expect(x.index('...', '::2').toArray()).toEqual([[[0, 2], [4, 6], [8, 10]], [[12, 14], [16, 18], [20, 22]]]);
    expect(x.index(':', -1).toArray()).toEqual([[8, 9, 10, 11], [20, 21, 22, 23]]);
    expect(x.index(x.gt(20)).toArray()).toEqual([21, 22, 23]);
    const idx = tensor([1, 0], { dtype: 'int32' });
    expect(x.index(idx).index(':', 0, 0).toArray()).toEqual([12, 0]);
    const rows = tensor([0, 1], { dtype: 'int32' }), cols = tensor([2, 0], { dtype: 'int32' });
    expect(x.index(rows, cols).toArray()).toEqual([[8, 9, 10, 11], [12, 13, 14, 15]]);
    const y = x.clone();
    y.indexPut_([':', '1:3'], 0);
    expect(y.index(0).toArray()).toEqual([[0, 1, 2, 3], [0, 0, 0, 0], [0, 0, 0, 0]]);
    expect(x.index(null, 0).shape).toEqual([1, 3, 4]);
    const acc = zeros([3]);
    acc.indexPut_([tensor([0, 0, 2], { dtype: 'int32' })], tensor([1, 2, 3]), { accumulate: true });
    expect(acc.toArray()).toEqual([3, 0, 3]);
    const m = tensor([1, -2, 3]);
    m.indexPut_([m.lt(0)], 0);
    expect(m.toArray()).toEqual([1, 0, 3]);
    expect(tensor([1, -2, 3]).maskedFill_(tensor([false, true, false]), 0).toArray()).toEqual([1, 0, 3]);
    const [r, c] = where(tensor([[true, false], [false, true]]));
    expect([r!.toArray(), c!.toArray()]).toEqual([[0, 1], [0, 1]]);
    expect(x.shape.at(-1)).toBe(4);
    expect(pad(tensor([[1, 2, 3]]), [1, 1], 'reflect').toArray()).toEqual([[2, 1, 2, 3, 2]]);
  });
});

describe('misuse', () => {
  const x = arange(12, undefined, 1, { dtype: 'float64' }).reshape(3, 4);
  it.each([
    ['too many indices', () => x.index(0, 0, 0), /index: too many indices for a tensor of dimension 2 \(shape \[3, 4\]\): the specs index 3 dimensions/],
    ['two ellipses', () => x.index('...', '...'), /index: an index can only have a single ellipsis \('\.\.\.'\), got two/],
    ['a bad slice', () => x.index('1:a'), /index: '1:a' is not a valid slice for dimension 0: the stop 'a' is not an integer/],
    ['a zero step', () => x.index('::0'), /index: slice step must be greater than zero, got 0 in '::0' \(as in PyTorch\)\. To reverse a dimension, use flip\(\)/],
    ['a negative step', () => x.index(':', '::-1'), /slice step must be greater than zero, got -1/],
    ['a number out of range', () => x.index(3), /index: index 3 is out of bounds for dimension 0 with size 3 \(shape \[3, 4\]\); indices must be in \[-3, 2\]/],
    ['a fractional number', () => x.index(0.5), /index: a number index must be an integer, got 0\.5 at position 0/],
    ['a mask of the wrong shape', () => x.index(tensor([true, false])), /index: the shape of the mask \[2\] at index 0 does not match the shape of the indexed tensor \[3, 4\] at index 0/],
    ['a float index tensor', () => x.index(tensor([0.5])), /index: tensors used as indices must be int32 or bool tensors, got a float32 tensor at position 0/],
    ['an index tensor out of range', () => x.index(int([1, 7])).data(), /index: index 7 is out of bounds for dimension 0 with size 3: indices must be in \[-3, 2\] \(negative ones count from the end\)/],
    ['an index below -size', () => x.index(':', int([-5])).data(), /index: index -5 is out of bounds for dimension 1 with size 4/],
    ['indices that do not broadcast', () => x.index(int([0, 1]), int([0, 1, 2])), /index: shape mismatch: indexing tensors could not be broadcast together with shapes \[2\], \[3\]/],
    ['an object spec', () => x.index({} as never), /index: an index spec must be a number, a slice string/],
    ['a ragged array', () => x.index([[0, 1], [2]]), /index: an index array must be rectangular/],
    ['a value that does not broadcast', () => x.indexPut([':', '1:3'], tensor([1, 2, 3])), /indexPut: shape mismatch: value tensor of shape \[3\] cannot be broadcast to indexing result of shape \[3, 2\]/],
    ['specs not in an array', () => x.indexPut(':' as never, 0), /indexPut: the index must be an array of specs, e\.g\. indexPut\(\[':', '1:3'\], 0\) for x\[:, 1:3\] = 0/],
    ['an unknown option', () => x.indexPut([0], 1, { accumulat: true } as never), /indexPut: unknown option 'accumulat'; the options are accumulate\./],
    ['a snake_case option', () => scatterReduce(x, 1, int([[0], [1], [2]]), x.index(':', '0:1'), 'sum', { include_self: false } as never), /scatterReduce: unknown option 'include_self'; did you mean 'includeSelf'\?/],
    ['an option of the wrong kind', () => x.nonzero({ asTuple: 1 } as never), /nonzero: option 'asTuple' must be true or false, got the number 1/],
    ['select out of range', () => x.select(1, 4), /select: index 4 out of range for dimension 1 of size 4 \(shape \[3, 4\]\); it must be in \[-4, 3\]/],
    ['chunk(0)', () => x.chunk(0), /chunk: chunks must be greater than 0, got 0/],
    ['split sizes that do not add up', () => x.split([1, 1], 1), /split: split sizes \[1, 1\] must be non-negative and sum exactly to 4 \(the input's size at dimension 1, shape \[3, 4\]\)/],
    ['flip with a repeated dim', () => x.flip(0, -2), /flip: dims \[0, -2\] repeat a dimension/],
    ['roll with misaligned shifts', () => x.roll([1, 2], 0), /roll: shifts and dimensions must align\. shifts: 2, dims: 1/],
    ['repeat with fewer repeats than dims', () => x.repeat(2), /repeat: number of dimensions of repeat dims \(1\) can not be smaller than number of dimensions of tensor \(2, shape \[3, 4\]\)/],
    ['repeatInterleave with negative repeats', () => x.repeatInterleave(int([1, -1, 0]), 0), /repeatInterleave: repeats can not be negative/],
    ['movedim of different lengths', () => x.movedim([0, 1], [1]), /movedim: Invalid source or destination dims: source \(\[0, 1\] dims\) should contain the same number of dims as destination \(\[1\] dims\)/],
    ['unflatten sizes that do not multiply up', () => x.unflatten(1, [3, -1]), /unflatten: provided sizes \[3, -1\] don't multiply up to the size of dim 1 \(4\)/],
    ['an odd padding', () => pad(x, [1]), /pad: padding length must be divisible by 2, got 1/],
    ['reflect padding as large as the dim', () => pad(x, [4, 0], 'reflect'), /pad: padding size should be less than the corresponding input dimension, but got padding \(4, 0\) at dimension 1 of input \[3, 4\]/],
    ['a value with reflect', () => pad(x, [1, 1], 'reflect', 2), /pad: padding mode "reflect" doesn't take in value argument/],
    ['an unknown pad mode', () => pad(x, [1, 1], { mode: 'wrap' } as never), /pad: option 'mode' must be one of 'constant', 'reflect', 'replicate', 'circular', got the string 'wrap'/],
    ['tril of a vector', () => tensor([1, 2]).tril(), /tril: input tensor must have at least 2 dimensions, got shape \[2\]/],
    ['trilIndices with a negative size', () => trilIndices(-1, 2), /trilIndices: row and col must be non-negative, got row=-1, col=2/],
    ['meshgrid of a matrix', () => meshgrid(x), /meshgrid: expects 0-d or 1-d tensors, got shape \[3, 4\] at position 0/],
    ['maskedFill with a float mask', () => x.maskedFill(x, 0), /maskedFill: expected a bool mask, got a float64 tensor/],
    ['maskedFill with a 1-d value', () => x.maskedFill(x.gt(1), tensor([1, 2])), /maskedFill: only supports a 0-dimensional value tensor, but got a tensor of shape \[2\]/],
    ['maskedScatter with too short a source', () => x.maskedScatter(x.gt(1), tensor([1, 2], { dtype: 'float64' })), /maskedScatter: the source has 2 elements but the mask selects 10; it needs at least that many/],
    ['indexCopy with the wrong source shape', () => x.indexCopy(0, int([0]), zeros([2, 4], { dtype: 'float64' })), /indexCopy: source\/destination tensor must have same slice shapes: source \[2, 4\] should be \[1, 4\]/],
    ['scatterReduce with an unknown reduction', () => x.scatterReduce(1, int([[0], [1], [2]]), x, 'max' as never), /scatterReduce: reduce must be one of 'sum', 'prod', 'mean', 'amax', 'amin', got the string 'max'/],
    ['scatter with a float index', () => x.scatter(1, x as never, 0), /scatter: index must be an int32 tensor, got float64/],
    ['scatter with an unknown reduce', () => x.scatter(1, int([[0], [1], [2]]), 0, { reduce: 'max' } as never), /scatter: option 'reduce' must be one of 'add', 'multiply', got the string 'max'/],
    ['take with a float index', () => take(x, x), /take: index must be an int32 tensor, got float64/],
    ['takeAlongDim of another rank', () => takeAlongDim(x, int([0]), 1), /takeAlongDim: input and indices should have the same number of dimensions, but got 2 dimensions for input and 1 for indices/],
    ['indexSelect out of range', () => x.indexSelect(1, int([[0, 4]])).data(), /indexSelect: index 4 is out of bounds for dimension 1 with size 4/],
    ['swapaxes with a string axis', () => x.swapaxes('0' as never, 1), /swapaxes: axis0 must be an integer, got the string '0'/],
    ['flip with no dims', () => x.flip(), /flip: missing the dims to reverse, e\.g\. x\.flip\(0\)/],
    ['tile with a negative rep', () => x.tile(-1), /tile: reps must be non-negative, got \[-1\]/],
    ['broadcastTo a shape that does not fit', () => x.broadcastTo(2, 4), /broadcastTo: the tensor of shape \[3, 4\] cannot be broadcast to \[2, 4\]/],
    ['indexFill with options for a value', () => x.indexFill(0, int([0]), { value: 1 } as never), /indexFill: the value must be a number or a 0-d Tensor, got an object/],
    // Options: unknown and snake_case keys, wrong kinds, options where a positional argument belongs.
    ['meshgrid with a snake_case-like key', () => meshgrid(x.index(0), x.index(1), { index_ing: 'xy' } as never), /meshgrid: unknown option 'index_ing'; the options are indexing\./],
    ['meshgrid with an unknown indexing', () => meshgrid([x.index(0)], { indexing: 'yx' } as never), /meshgrid: option 'indexing' must be one of 'ij', 'xy', got the string 'yx'/],
    ['meshgrid with indexing as a string', () => meshgrid(x.index(0), 'xy' as never), /meshgrid: expected an options object like \{ indexing: … \}, got the string 'xy'/],
    ['trilIndices with dtype int64', () => trilIndices(3, 3, 0, { dtype: 'int64' } as never), /trilIndices: option 'dtype' must be a dtype \(bool, int32, float32, float64\), got the string 'int64'/],
    ['triuIndices with an unknown option', () => triuIndices(3, 3, { d_type: 'int32' } as never), /triuIndices: unknown option 'd_type'; the options are dtype, device\./],
    ['trilIndices with options twice', () => trilIndices(3, 3, {}, {}), /trilIndices: options given twice/],
    ['repeatInterleave with output_size', () => x.repeatInterleave(2, 0, { output_size: 6 } as never), /repeatInterleave: unknown option 'output_size'; did you mean 'outputSize'\?/],
    ['repeatInterleave with a wrong outputSize', () => x.repeatInterleave(2, 0, { outputSize: 5 }), /repeatInterleave: outputSize 5 does not match the result's length 6 along dim 0/],
    ['repeatInterleave with a fractional outputSize', () => x.repeatInterleave(2, { outputSize: 2.5 }), /repeatInterleave: option 'outputSize' must be an integer, got the number 2\.5/],
    ['pad with an unknown option', () => pad(x, [1, 1], { fill: 2 } as never), /pad: unknown option 'fill'; the options are mode, value\./],
    ['pad with a number for the mode', () => pad(x, [1, 1], 3 as never), /pad: expected an options object like \{ mode: … \}, got the number 3/],
    ['pad with a value twice', () => pad(x, [1, 1], {}, 2), /pad: pass the fill value in the options, e\.g\. pad\(x, \[1, 1\], \{ value: 2 \}\)/],
    ['indexPut_ with an unknown option', () => noGrad(() => x.clone().indexPut_([0], 1, { accumulate_: true } as never)), /indexPut_: unknown option 'accumulate_'; the options are accumulate\./],
    ['indexPut_ in the graph with an option of the wrong kind', () => x.clone().requiresGrad_().mul(1).indexPut_([0], 1, { accumulate: 1 } as never), /indexPut_: option 'accumulate' must be true or false, got the number 1/],
    ['indexPut with true for the options', () => x.indexPut([0], 1, true as never), /indexPut: expected an options object like \{ accumulate: … \}, got a boolean/],
    ['scatter_ with an unknown option', () => x.clone().scatter_(1, int([[0], [1], [2]]), 0, { reduc: 'add' } as never), /scatter: unknown option 'reduc'; the options are reduce\./],
    ['scatterReduce_ with include_self', () => x.clone().scatterReduce_(1, int([[0], [1], [2]]), x.index(':', '0:1'), 'sum', { include_self: false } as never), /scatterReduce: unknown option 'include_self'; did you mean 'includeSelf'\?/],
    ['scatterReduce with the reduction in options', () => x.scatterReduce(1, int([[0], [1], [2]]), x.index(':', '0:1'), { reduce: 'sum' } as never), /scatterReduce: reduce must be one of 'sum', 'prod', 'mean', 'amax', 'amin', got an object/],
    ['nonzero with a number', () => x.nonzero(1 as never), /nonzero: expected an options object like \{ asTuple: … \}, got the number 1/],
    ['nonzero with a tensor', () => x.nonzero(x as never), /nonzero: expected an options object like \{ asTuple: … \}, got a float64 tensor of shape \[3, 4\]/],
    ['split with options for a dim', () => x.split(2, { dim: 1 } as never), /split: dim must be an integer, got an object/],
    ['maskedFill with options for a mask', () => x.maskedFill({} as never, 0), /maskedFill: mask must be a Tensor, got an object/],
    ['take with an array index', () => take(x, [1, 2] as never), /take: index must be a Tensor, got an array/],
  ])('%s', (_, fn, message) => {
    expect(fn).toThrow(message);
  });

  it('options may stand where an optional positional argument would (PyTorch\'s keyword-only arguments)', () => {
    expect(x.repeatInterleave(2, { outputSize: 24 }).shape).toEqual([24]);
    expect(x.repeatInterleave(2, 1, { outputSize: 8 }).shape).toEqual([3, 8]);
    const t = trilIndices(3, 2, { dtype: 'float32' });
    expect([t.dtype, t.toArray()]).toEqual(['float32', [[0, 1, 1, 2, 2], [0, 0, 1, 0, 1]]]);
    expect(triuIndices(2, 3, 1, { dtype: 'int32' }).toArray()).toEqual([[0, 0, 1], [1, 2, 2]]);
    expect(x.broadcastTo(2, -1, 4).shape).toEqual([2, 3, 4]);
  });

  it('never a raw TypeError', () => {
    const bad: unknown[] = [undefined, {}, () => 0, Symbol('s'), 1n];
    for (const b of bad) {
      let error: unknown;
      try {
        x.index(b as never);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(TypeError);
    }
    expect(() => cat([x.chunk(2)[0]!, x], 1)).toThrow(/cat: sizes of tensors must match/);
  });

  it('never a raw TypeError from any method of the indexing API, whatever its arguments', () => {
    const methods = ['index', 'indexPut', 'indexPut_', 'select', 'narrow', 'split', 'chunk', 'unbind', 'flip', 'roll', 'repeat', 'tile',
      'repeatInterleave', 'movedim', 'moveaxis', 'swapaxes', 'swapdims', 'unflatten', 'broadcastTo', 'expandAs', 'viewAs', 'tril', 'triu',
      'nonzero', 'maskedFill', 'maskedFill_', 'maskedSelect', 'maskedScatter', 'maskedScatter_', 'indexFill', 'indexFill_', 'indexCopy',
      'indexCopy_', 'scatter', 'scatter_', 'scatterReduce', 'scatterReduce_', 'takeAlongDim', 'take', 'indexSelect'];
    const i = int([[0]]);
    const argLists: unknown[][] = [[], [undefined], [null], [{}], ['a'], [Symbol('s')], [1n], [x], [[1, 'a']], [0, undefined], [0, {}], [0, Symbol('s')],
      [0, x], [0, x.gt(1), {}], [1, i], [1, i, undefined], [1, i, {}], [1, i, x, null], [1, i, x, 'sum', 3]];
    const raw: string[] = [];
    for (const m of methods) for (const args of argLists) {
      const y = noGrad(() => x.clone());
      try {
        (y as unknown as Record<string, (...a: unknown[]) => unknown>)[m]!(...args);
      } catch (e) {
        if (!(e instanceof Error) || e instanceof TypeError) raw.push(`${m}(${args.map((a) => typeof a).join(', ')}): ${String(e)}`);
      }
    }
    expect(raw).toEqual([]);
  });
});
