// Misuse: every mistake throws, and the message names the op, the shapes or values involved, and a fix.
import { describe, expect, it } from 'vitest';
import {
  cat, grad, nn, noGrad, enableGrad, isGradEnabled, ones, setBackend, getBackend, stack, tensor, zeros, type Tensor,
} from '../src/index.js';

/** The message `fn` throws (failing the test when it does not throw). */
function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(Error);
    return (e as Error).message;
  }
  throw new Error('expected the call to throw, but it returned normally');
}

/** Assert that `fn` throws and that its message matches every pattern. */
function expectError(fn: () => unknown, ...patterns: (RegExp | string)[]): void {
  const message = errorOf(fn);
  for (const p of patterns) {
    if (typeof p === 'string') expect(message).toContain(p);
    else expect(message).toMatch(p);
  }
}

const { crossEntropy } = nn.functional;

describe('shapes', () => {
  it('add of [3] and [4] does not broadcast', () => {
    expectError(() => zeros([3]).add(zeros([4])), /^add: /, 'shapes [3] and [4] do not broadcast', 'size of a (3)', 'size of b (4)', /Reshape or unsqueeze/);
  });

  it('matmul with different inner dims', () => {
    expectError(() => zeros([2, 3]).matmul(zeros([4, 5])), /^matmul: /, '[2, 3] and [4, 5]', '3 ≠ 4', /transpose/);
  });

  it('reshape to a different size', () => {
    expectError(() => zeros([2, 3]).reshape([4, 2]), /^reshape: /, 'shape [4, 2]', 'size 6', 'shape [2, 3]', /Use -1/);
  });

  it('dim out of range', () => {
    expectError(() => zeros([2, 3]).sum(5), /^sum: /, 'dimension 5', '2 dimensions', 'expected an integer in [-2, 1]');
    expectError(() => zeros([2, 3]).softmax(-3), /^softmax: /, 'dimension -3', '2 dimensions', '[-2, 1]');
  });

  it('cat with mismatched shapes', () => {
    expectError(() => cat([zeros([2, 3]), zeros([2, 4])], 0), /^cat: /, 'except in dimension 0', '[2, 3]', '[2, 4]', /concatenate along/);
  });

  it('stack with different shapes', () => {
    expectError(() => stack([zeros([2, 3]), zeros([3, 2])]), /^stack: /, '[2, 3] at entry 0', '[3, 2] at entry 1', /Reshape them|cat\(\)/);
  });

  it('expand of a non-singleton dim', () => {
    expectError(() => zeros([2, 3]).expand([4, 3]), /^expand: /, 'expanded size (4)', 'existing size (2)', '[4, 3]', '[2, 3]', /only size-1 dimensions can be expanded/);
  });

  it('narrow out of range', () => {
    expectError(() => zeros([2, 3]).narrow(1, 2, 2), /^narrow: /, 'start (2) + length (2)', 'dimension 1 of size 3', '[2, 3]', 'start + length ≤ 3');
  });
});

describe('values and dtypes', () => {
  it('requiresGrad on an int32 tensor', () => {
    expectError(() => tensor([1, 2], { dtype: 'int32', requiresGrad: true }), /^requiresGrad: /, 'int32', '[2]', "x.to('float32')");
    const t = tensor([1, 2], { dtype: 'int32' });
    expectError(() => t.requiresGrad_(), /floating-point/, 'int32');
    expect(t.requiresGrad).toBe(false);
  });

  it('ragged nested arrays', () => {
    expectError(() => tensor([[1, 2], [3]] as never), /^tensor: ragged nested array/, 'length 2 at dim 1', 'got 1', 'index [1]', 'same length');
    expectError(() => tensor([[1, 2], 3] as never), /ragged/, 'index [1]');
    expectError(() => tensor([1, [2]] as never), /ragged/, 'expected a number at index [1]');
  });

  it('non-numeric data: a string, null, an object', () => {
    expectError(() => tensor('abc' as never), /^tensor: /, "the string 'abc'", 'numbers or booleans');
    expectError(() => tensor([1, 'x'] as never), "index [1]", "the string 'x'");
    expectError(() => tensor([[1, 2], [null, 4]] as never), 'index [1, 0]', 'is null', 'numbers or booleans');
    expectError(() => tensor({ a: 1 } as never), 'is an object', 'numbers or booleans');
    expectError(() => tensor([undefined] as never), 'index [0] is undefined');
  });

  it('tensor() with shape/data size mismatch', () => {
    expectError(() => tensor([1, 2, 3], { shape: [2, 2] }), /^tensor: /, 'shape [2, 2] needs 4 elements', 'has 3', /Pass a shape/);
    expectError(() => tensor(new Float32Array(5), { shape: [2, 3] }), 'shape [2, 3] needs 6 elements', 'has 5');
  });

  it('unknown dtype string', () => {
    expectError(() => tensor([1], { dtype: 'float16' as never }), /^tensor: /, "unknown dtype 'float16'", "'float32', 'float64', 'int32', 'bool'");
    expectError(() => zeros([2]).to('half' as never), /^to: /, "'half'");
    expectError(() => ones([2], { dtype: 'int64' as never }), /^ones: /, "'int64'");
  });

  it('crossEntropy label out of range', () => {
    const logits = zeros([2, 10]);
    expectError(
      () => crossEntropy(logits, tensor([1, 10], { dtype: 'int32' })),
      /^crossEntropy: /, 'target 10', 'flat index 1', '10 classes', '[0, 9]', /Check the labels/,
    );
    expectError(() => crossEntropy(logits, tensor([-1, 0], { dtype: 'int32' })), /^crossEntropy: /, 'target -1', '[0, 9]');
  });

  it('crossEntropy with float targets of the wrong shape', () => {
    expectError(
      () => crossEntropy(zeros([2, 10]), zeros([2, 5])),
      /^crossEntropy: /, "input's shape [2, 10]", 'got [2, 5]', /int32 tensor/,
    );
    // Class indices of the wrong shape.
    expectError(() => crossEntropy(zeros([2, 10]), tensor([1, 2, 3], { dtype: 'int32' })), /^crossEntropy: /, 'target shape [3]', '[2]');
  });

  it('gather index out of range', () => {
    const idx = tensor([[0], [3]], { dtype: 'int32' });
    expectError(() => zeros([2, 3]).gather(1, idx), /^gather: /, 'index 3', 'dimension 1 with size 3', '[0, 2]');
    // Negative indices are errors, as in PyTorch, never a wrap-around read.
    expectError(() => zeros([2, 3]).gather(1, tensor([[0], [-1]], { dtype: 'int32' })), /^gather: /, 'index -1', 'not wrapped around');
  });

  it('indexSelect with a float index', () => {
    expectError(() => zeros([2, 3]).indexSelect(0, tensor([0, 1])), /^indexSelect: /, 'int32', 'got float32', "{ dtype: 'int32' }");
  });

  it('max of an empty tensor', () => {
    expectError(() => zeros([0]).max(), /^max: /, 'empty', 'shape [0]', /Check the input is not empty/);
  });

  it('mean of an int32 tensor', () => {
    expectError(() => tensor([1, 2], { dtype: 'int32' }).mean(), /^mean: /, 'int32', '[2]', "x.to('float32')");
  });

  it('where with a non-bool condition', () => {
    expectError(() => zeros([2]).where(zeros([2]), 1), /^where: /, 'bool', 'float32 tensor of shape [2]', 'x.gt(0)');
  });

  it('item() on a multi-element tensor', () => {
    expectError(() => zeros([2, 3]).item(), /^item: /, 'shape [2, 3]', '6 elements', 'toArray()');
  });

  it('setBackend with an unknown name', () => {
    const before = getBackend().name;
    expectError(() => setBackend('nope'), /^setBackend: /, "'nope'", "'ts'");
    expect(getBackend().name).toBe(before);
  });
});

describe('autograd', () => {
  it('backward on a tensor that does not require grad', () => {
    expectError(() => tensor([1, 2]).sum().backward(), /^backward: /, 'shape []', 'does not require grad', '{ requiresGrad: true }');
    const x = tensor([1, 2], { requiresGrad: true });
    expectError(() => noGrad(() => x.mul(2).sum().backward()), /^backward: /, 'noGrad()', 'enableGrad');
  });

  it('grad() with an input not used in the graph, without allowUnused', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const unused = tensor([1, 2, 3], { requiresGrad: true });
    expectError(() => grad(x.mul(x).sum(), [x, unused]), /^grad: /, 'input 1', 'shape [3]', 'not to have been used', '{ allowUnused: true }');
  });

  it('grad() w.r.t. a tensor that does not require grad', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    expectError(() => grad(x.sum(), [tensor([1, 2])]), /^grad: /, 'input 0', 'shape [2]', 'does not require grad', 'requiresGrad_()');
  });

  it('backward on a non-scalar without a gradient', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    expectError(() => x.mul(2).backward(), /^backward: /, 'scalar outputs', 'shape [3]', 'y.sum().backward()', 'y.backward(gradient)');
    expectError(() => grad(x.mul(2), [x]), /^grad: /, 'shape [3]');
  });

  it('a gradient of the wrong shape', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    expectError(() => x.mul(2).backward(zeros([2])), /^backward: /, 'shape [2]', 'output has shape [3]', 'same shape as the output');
    expectError(() => grad(x.mul(2), [x], { gradOutputs: zeros([3, 1]) }), /^grad: /, '[3, 1]', '[3]');
    expectError(() => grad([x.sum(), x.sum()], [x], { gradOutputs: [null] }), /^grad: /, '1 gradOutputs for 2 outputs');
  });

  it('a second backward through a released graph', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.mul(x).sum();
    y.backward();
    expectError(() => y.backward(), /^MulBackward0: /, 'second time', '{ retainGraph: true }');
  });

  it('setting requiresGrad on a non-leaf', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.mul(2);
    expectError(() => { y.requiresGrad = false; }, /^requiresGrad: /, 'leaf tensors', 'MulBackward0', 'detach()');
    expectError(() => y.requiresGrad_(false), 'MulBackward0');
    expect(y.requiresGrad).toBe(true);
  });

  it('registerHook and retainGrad on a tensor that does not require grad', () => {
    expectError(() => tensor([1, 2]).registerHook(() => undefined), /^registerHook: /, 'shape [2]', 'requiresGrad');
    expectError(() => tensor([1, 2]).retainGrad(), /^retainGrad: /, 'shape [2]');
  });

  it('in-place on a leaf that requires grad', () => {
    const w = tensor([1, 2], { requiresGrad: true });
    expectError(() => w.add_(1), /^add_: /, 'leaf tensor that requires grad', 'shape [2]', 'noGrad(() => ...)', 'add()');
  });

  it('noGrad or enableGrad with an async function', () => {
    const x = tensor([1], { requiresGrad: true });
    expectError(() => noGrad(async () => x.mul(2)), /^noGrad: /, 'Promise', 'synchronous');
    expect(isGradEnabled()).toBe(true);
    noGrad(() => {
      expectError(() => enableGrad(async () => x.mul(2)), /^enableGrad: /, 'Promise');
      expect(isGradEnabled()).toBe(false);
    });
    expect(isGradEnabled()).toBe(true);
  });

  it('binary ops need at least one tensor and numbers otherwise', () => {
    expectError(() => zeros([2]).add('1' as unknown as Tensor), /^add: /, "got the string '1'");
  });
});

// The rest of the reliability table: mistakes that involve autograd state, modules, optimizers and memory.
describe('more misuse', () => {
  it('a tensor saved for backward and then modified in place', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const h = x.mul(2);
    const y = h.mul(h);
    noGrad(() => h.add_(1));
    expectError(() => y.sum().backward(), 'MulBackward0', 'modified by an in-place operation', '[3]', 'version 1', 'expected version 0', 'clone()');
  });

  it('NaN and Infinity are valid float data, but not integer labels', () => {
    expect(tensor([NaN, Infinity, -Infinity]).toArray()).toEqual([NaN, Infinity, -Infinity]);
    expectError(() => tensor([1, NaN], { dtype: 'int32' }), 'tensor', 'NaN', 'int32');
    expectError(() => crossEntropy(zeros([2, 3]), tensor([0, Infinity] as number[], { dtype: 'float32' })), 'crossEntropy', 'shape');
  });

  it('grad() with gradOutputs of the wrong shape', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    expectError(() => grad(x.mul(2), [x], { gradOutputs: [ones([3])] }), 'grad', 'shape [3]', 'shape [2]');
  });

  it('backward on a loss computed inside noGrad', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const loss = noGrad(() => x.mul(x).sum());
    expectError(() => loss.backward(), 'backward', 'noGrad()');
  });

  it('an optimizer given a tensor that does not require grad', async () => {
    const { optim } = await import('../src/index.js');
    expectError(() => new optim.SGD([tensor([1, 2])], { lr: 0.1 }), 'does not require grad');
  });

  it('loadStateDict with a wrong shape', () => {
    const layer = new nn.Linear(3, 2);
    expectError(() => layer.loadStateDict({ weight: zeros([3, 2]), bias: zeros([2]) }), 'weight', '[3, 2]', '[2, 3]');
  });

  it('tensors from different backends mix freely: storage is plain typed arrays, so there is nothing to mismatch', async () => {
    const { listBackends } = await import('../src/index.js');
    const before = getBackend().name;
    const made: Tensor[] = [];
    for (const b of listBackends()) {
      setBackend(b);
      made.push(tensor([1, 2, 3]));
    }
    setBackend(before);
    expect(made.reduce((s, t) => s.add(t)).toArray()).toEqual([1, 2, 3].map((v) => v * made.length));
  });

  it('shapes too large to allocate fail before allocating', () => {
    expectError(() => zeros([100000, 100000]), 'zeros', '10000000000 elements', 'smaller shape');
    const a = zeros([50000, 1]), b = zeros([1, 50000]);
    expectError(() => a.add(b), 'cannot allocate', '2500000000 elements', 'Check the shapes');
  });
});
