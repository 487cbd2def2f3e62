import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { conv2d, Generator, manualSeed, nn, noGrad, ones, optim, randn, randint, tensor, zeros, type Tensor } from '../src/index.js';
import { load, save } from '../src/entry-node.js';

class Block extends nn.Module {
  fc = new nn.Linear(4, 3);
  drop = new nn.Dropout(0.5);
  override forward(x: Tensor): Tensor {
    return this.drop.forward(this.fc.forward(x)).relu();
  }
}

class Net extends nn.Module {
  scale = new nn.Parameter(ones([1]));
  encoder = new Block();
  layers = new nn.Sequential(new nn.Linear(3, 5), new nn.Tanh(), new nn.Linear(5, 2, { bias: false }));
  label = 'not a module';
  constructor() {
    super();
    this.registerBuffer('steps', zeros([1], { dtype: 'int32' }));
    this.registerBuffer('scratch', zeros([2]), { persistent: false });
  }
  override forward(x: Tensor): Tensor {
    return this.layers.forward(this.encoder.forward(x)).mul(this.scale);
  }
}

describe('Parameter', () => {
  it('is a leaf that requires grad and shares the storage of the tensor it wraps', () => {
    const t = tensor([1, 2, 3]);
    const p = new nn.Parameter(t);
    expect(p.requiresGrad).toBe(true);
    expect(p.isLeaf).toBe(true);
    expect(p.storage).toBe(t.storage);
    expect(nn.parameter(t, false).requiresGrad).toBe(false);
  });

  it('refuses integer tensors as trainable parameters', () => {
    expect(() => new nn.Parameter(tensor([1, 2], { dtype: 'int32' }))).toThrow(/only floating-point tensors/);
  });
});

describe('Module registration', () => {
  it('finds parameters of nested modules by property, with dotted names in declaration order', () => {
    const net = new Net();
    expect(net.namedParameters().map(([n, p]) => [n, p.shape])).toEqual([
      ['scale', [1]],
      ['encoder.fc.weight', [3, 4]],
      ['encoder.fc.bias', [3]],
      ['layers.0.weight', [5, 3]],
      ['layers.0.bias', [5]],
      ['layers.2.weight', [2, 5]],
    ]);
    expect(net.parameters()).toHaveLength(6);
    expect(net.parameters(false)).toEqual([net.scale]);
    expect(net.namedChildren().map(([n]) => n)).toEqual(['encoder', 'layers']);
    expect(net.namedModules().map(([n]) => n)).toEqual(['', 'encoder', 'encoder.fc', 'encoder.drop', 'layers', 'layers.0', 'layers.1', 'layers.2']);
    expect(net.namedBuffers().map(([n]) => n)).toEqual(['steps', 'scratch']);
  });

  it('registers modules, parameters and buffers explicitly, and lists a shared parameter once', () => {
    const m = new nn.Module();
    const shared = new nn.Linear(2, 2);
    m.registerModule('a', shared).registerModule('b', shared).registerParameter('w', new nn.Parameter(zeros([2])));
    m.registerParameter('absent', null);
    // A module's own parameters come before its children's, as in PyTorch.
    expect(m.namedParameters().map(([n]) => n)).toEqual(['w', 'a.weight', 'a.bias']);
    expect([...m.stateDict().keys()]).toEqual(['w', 'a.weight', 'a.bias', 'b.weight', 'b.bias']);
    expect((m as unknown as Record<string, unknown>).a).toBe(shared);
  });

  it('rejects bad registrations with clear errors', () => {
    const m = new nn.Module();
    expect(() => m.registerParameter('w', zeros([2]) as nn.Parameter)).toThrow(/must be a Parameter or null.*new nn.Parameter/);
    expect(() => m.registerModule('forward', new nn.ReLU())).toThrow(/already a method/);
    expect(() => m.registerModule('a.b', new nn.ReLU())).toThrow(/without '\.'/);
    expect(() => m.registerBuffer('p', new nn.Parameter(zeros([1])))).toThrow(/registerParameter/);
  });

  it('complains about modules hidden in plain arrays and about cycles', () => {
    class Listy extends nn.Module {
      blocks = [new nn.Linear(2, 2)];
    }
    expect(() => new Listy().parameters()).toThrow(/ModuleList/);
    const a = new nn.Module();
    const b = new nn.Module();
    a.registerModule('child', b);
    b.registerModule('parent', a);
    expect(() => a.parameters()).toThrow(/'child\.parent' refers back/);
  });

  it('ModuleList registers its items as 0, 1, …', () => {
    class Deep extends nn.Module {
      blocks = new nn.ModuleList([new nn.Linear(2, 2), new nn.Linear(2, 2)]);
    }
    const d = new Deep();
    expect(d.namedParameters().map(([n]) => n)).toEqual(['blocks.0.weight', 'blocks.0.bias', 'blocks.1.weight', 'blocks.1.bias']);
    expect([...d.blocks]).toHaveLength(2);
    expect(d.blocks.at(-1)).toBeInstanceOf(nn.Linear);
  });

  it('prints like PyTorch', () => {
    expect(String(new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU()))).toBe(
      'Sequential(\n  (0): Linear(inFeatures=2, outFeatures=3, bias=true)\n  (1): ReLU()\n)',
    );
  });
});

describe('Module modes and gradients', () => {
  it('train()/eval() set the training flag on every descendant', () => {
    const net = new Net();
    expect(net.modules().every((m) => m.training)).toBe(true);
    expect(net.eval()).toBe(net);
    expect(net.modules().every((m) => !m.training)).toBe(true);
    net.layers.train();
    expect(net.training).toBe(false);
    expect(net.layers.modules().every((m) => m.training)).toBe(true);
    net.train();
    expect(net.modules().every((m) => m.training)).toBe(true);
  });

  it('zeroGrad sets gradients to null (or zeroes them in place)', () => {
    const net = new Net().eval();
    net.forward(randn([3, 4])).sum().backward();
    expect(net.parameters().every((p) => p.grad !== null)).toBe(true);
    const g = net.scale.grad!;
    net.zeroGrad(false);
    expect(net.scale.grad).toBe(g);
    expect(g.toArray()).toEqual([0]);
    net.zeroGrad();
    expect(net.parameters().every((p) => p.grad === null)).toBe(true);
  });

  it('call() runs forward', () => {
    const lin = new nn.Linear(3, 2);
    const x = randn([4, 3]);
    expect(lin.call(x).toArray()).toEqual(lin.forward(x).toArray());
  });
});

describe('layers', () => {
  it('Linear computes x·Wᵀ + b and is initialised in U(-1/√in, 1/√in), reproducibly', () => {
    manualSeed(3);
    const a = new nn.Linear(400, 50);
    manualSeed(3);
    const b = new nn.Linear(400, 50);
    expect(a.weight.toArray()).toEqual(b.weight.toArray());
    const bound = 1 / Math.sqrt(400);
    const w = [...a.weight.data()];
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    // The variance of U(-b, b) is b²/3; 20,000 samples pin it within a few percent.
    const variance = w.reduce((s, v) => s + v * v, 0) / w.length;
    expect(variance / (bound * bound / 3)).toBeGreaterThan(0.95);
    expect(variance / (bound * bound / 3)).toBeLessThan(1.05);
    expect(Math.max(...[...a.bias!.data()].map(Math.abs))).toBeLessThanOrEqual(bound);
    const lin = new nn.Linear(2, 2, { generator: new Generator(1) });
    noGrad(() => {
      lin.weight.copy_(tensor([[1, 2], [3, 4]]));
      lin.bias!.copy_(tensor([10, 20]));
    });
    expect(lin.forward(tensor([[1, 1], [0, 2]])).toArray()).toEqual([[13, 27], [14, 28]]);
    expect(new nn.Linear(3, 4, { bias: false }).bias).toBeNull();
  });

  it('Flatten, Identity, ReLU, Tanh, Sigmoid', () => {
    const x = tensor([[[-1, 0], [1, 2]]]);
    expect(new nn.Flatten().forward(x).shape).toEqual([1, 4]);
    expect(new nn.Flatten(0).forward(x).shape).toEqual([4]);
    expect(new nn.Identity().forward(x)).toBe(x);
    expect(new nn.ReLU().forward(x).toArray()).toEqual([[[0, 0], [1, 2]]]);
    expect(new nn.Tanh().forward(tensor([0])).toArray()).toEqual([0]);
    expect(new nn.Sigmoid().forward(tensor([0])).toArray()).toEqual([0.5]);
  });

  it('Dropout zeroes about p of the elements and scales the rest by 1/(1-p) in training, and is the identity in eval', () => {
    const drop = new nn.Dropout(0.25, { generator: new Generator(7) });
    const x = ones([100, 100], { requiresGrad: true });
    const y = drop.forward(x);
    const values = [...y.data()];
    const zeroFraction = values.filter((v) => v === 0).length / values.length;
    expect(zeroFraction).toBeGreaterThan(0.23);
    expect(zeroFraction).toBeLessThan(0.27);
    expect(new Set(values.map((v) => v.toFixed(6)))).toEqual(new Set(['0.000000', (1 / 0.75).toFixed(6)]));
    y.sum().backward();
    expect([...x.grad!.data()]).toEqual(values);
    // The same seed gives the same mask.
    expect([...new nn.Dropout(0.25, { generator: new Generator(7) }).forward(ones([100, 100])).data()]).toEqual(values);
    drop.eval();
    expect(drop.forward(x)).toBe(x);
    expect([...new nn.Dropout(1).forward(ones([5])).data()]).toEqual([0, 0, 0, 0, 0]);
    expect(() => new nn.Dropout(1.5)).toThrow(/\[0, 1\]/);
  });
});

describe('Conv2d and MaxPool2d', () => {
  it('Conv2d registers [O, C, kh, kw] and [O] parameters, initialised within PyTorch\'s bounds, and convolves', () => {
    const conv = new nn.Conv2d(3, 4, [3, 2], { padding: 1, stride: [2, 1], generator: new Generator(5) });
    expect(conv.namedParameters().map(([n, p]) => [n, p.shape])).toEqual([['weight', [4, 3, 3, 2]], ['bias', [4]]]);
    // Kaiming-uniform with a = √5 and the bias both give U(-1/√fanIn, 1/√fanIn), fanIn = 3·3·2.
    const bound = 1 / Math.sqrt(18);
    for (const p of conv.parameters()) {
      const v = [...p.data()];
      expect(Math.max(...v.map(Math.abs))).toBeLessThanOrEqual(bound);
      expect(Math.max(...v.map(Math.abs))).toBeGreaterThan(bound / 2);
    }
    const x = randn([2, 3, 6, 5]);
    const y = conv.forward(x);
    expect(y.shape).toEqual([2, 4, 3, 6]);
    expect(y.toArray()).toEqual(noGrad(() => conv2d(x, conv.weight, conv.bias, { padding: 1, stride: [2, 1] })).toArray());
    y.sum().backward();
    expect(conv.weight.grad!.shape).toEqual([4, 3, 3, 2]);
    // Each bias element adds to every output of its channel: 2 images × 3 × 6 positions.
    expect(conv.bias!.grad!.toArray()).toEqual([36, 36, 36, 36]);
    expect(String(conv)).toContain('Conv2d(3, 4, kernelSize=[3, 2], stride=[2,1], padding=1, bias=true)');
    expect(new nn.Conv2d(1, 2, 5, { bias: false }).bias).toBeNull();
    expect(() => new nn.Conv2d(0, 2, 3)).toThrow(/Conv2d: inChannels must be a positive integer, got 0/);
  });

  it('a small conv net trains: Conv2d, ReLU, MaxPool2d, Flatten, Linear', () => {
    manualSeed(3);
    const model = new nn.Sequential(new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten(), new nn.Linear(4 * 4 * 4, 2));
    const x = randn([16, 1, 8, 8]);
    const y = tensor(Array.from({ length: 16 }, (_, i) => i % 2), { dtype: 'int32' });
    // Class 1 images are brighter, so the task is learnable.
    const xs = x.add(y.to('float32').reshape([16, 1, 1, 1]).mul(1.5));
    const opt = new optim.Adam(model.parameters(), { lr: 0.05 });
    const lossAt = (): number => nn.functional.crossEntropy(model.forward(xs), y).item();
    const first = lossAt();
    for (let i = 0; i < 30; i++) {
      opt.zeroGrad();
      nn.functional.crossEntropy(model.forward(xs), y).backward();
      opt.step();
    }
    expect(lossAt()).toBeLessThan(first / 4);
    expect(String(model)).toContain('(2): MaxPool2d(kernelSize=2)');
  });
});

describe('state dicts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'adjoint-nn-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function netWithState(seed: number): Net {
    manualSeed(seed);
    const net = new Net().eval();
    noGrad(() => (net as unknown as { steps: Tensor }).steps.fill_(seed + 10));
    return net;
  }

  it('holds parameters and persistent buffers, sharing storage with the module', () => {
    const net = netWithState(0);
    const sd = net.stateDict();
    expect([...sd.keys()]).toEqual(['scale', 'steps', 'encoder.fc.weight', 'encoder.fc.bias', 'layers.0.weight', 'layers.0.bias', 'layers.2.weight']);
    expect(sd.get('scale')!.storage).toBe(net.scale.storage);
    expect(sd.get('scale')!.requiresGrad).toBe(false);
  });

  it('round-trips through serialize/deserialize and loads in place', () => {
    const a = netWithState(1);
    const b = netWithState(2);
    const x = randn([5, 4]);
    expect(b.forward(x).toArray()).not.toEqual(a.forward(x).toArray());
    const weight = b.encoder.fc.weight;
    const storage = weight.storage.buffer;
    b.loadStateDict(nn.deserializeStateDict(nn.serializeStateDict(a)));
    expect(b.forward(x).toArray()).toEqual(a.forward(x).toArray());
    expect(b.encoder.fc.weight).toBe(weight);
    expect(b.encoder.fc.weight.storage.buffer).toBe(storage);
    expect((b as unknown as { steps: Tensor }).steps.toArray()).toEqual([11]);
  });

  it('round-trips through a file, with metadata, and accepts a plain object', async () => {
    const a = netWithState(3);
    const b = netWithState(4);
    const path = join(dir, 'net.safetensors');
    await save(a, path, { metadata: { note: 'hello' } });
    b.loadStateDict(await load(path));
    expect(b.stateDict().get('layers.2.weight')!.toArray()).toEqual(a.stateDict().get('layers.2.weight')!.toArray());
    const bytes = new Uint8Array(readFileSync(path));
    expect(nn.readStateDictMetadata(bytes)).toEqual({ note: 'hello' });
    const c = new nn.Linear(2, 2);
    c.loadStateDict({ weight: tensor([[1, 2], [3, 4]]), bias: tensor([5, 6]) });
    expect(c.weight.toArray()).toEqual([[1, 2], [3, 4]]);
  });

  it('writes the documented safetensors layout and keeps dtypes and order', () => {
    const sd = new Map<string, Tensor>([
      ['z.first', tensor([true, false, true])],
      ['10', tensor([1.5, -2.25], { dtype: 'float64' })],
      ['a.labels', tensor([[1, -2], [3, 4]], { dtype: 'int32' })],
      ['empty', zeros([0, 3])],
      ['scalar', tensor(7)],
    ]);
    const bytes = nn.serializeStateDict(sd, { metadata: { k: 'v' } });
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    const n = view.getUint32(0, true);
    expect(view.getUint32(4, true)).toBe(0);
    expect((8 + n) % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, unknown>;
    expect(header['z.first']).toEqual({ dtype: 'BOOL', shape: [3], data_offsets: [0, 3] });
    expect(header['10']).toEqual({ dtype: 'F64', shape: [2], data_offsets: [3, 19] });
    expect(header['a.labels']).toEqual({ dtype: 'I32', shape: [2, 2], data_offsets: [19, 35] });
    expect(header.__metadata__).toEqual({ k: 'v' });
    expect(bytes.length).toBe(8 + n + 35 + 4);
    expect(new DataView(bytes.buffer, bytes.byteOffset + 8 + n + 3).getFloat64(0, true)).toBe(1.5);
    const back = nn.deserializeStateDict(bytes);
    expect([...back.keys()]).toEqual(['z.first', '10', 'a.labels', 'empty', 'scalar']);
    for (const [k, t] of sd) {
      expect(back.get(k)!.dtype).toBe(t.dtype);
      expect(back.get(k)!.shape).toEqual(t.shape);
      expect(back.get(k)!.toArray()).toEqual(t.toArray());
    }
  });

  it('rejects malformed bytes with a clear error', () => {
    const good = nn.serializeStateDict({ w: ones([4]) });
    expect(() => nn.deserializeStateDict(good.subarray(0, 5))).toThrow(/fewer than the 8-byte header length/);
    expect(() => nn.deserializeStateDict(good.subarray(0, good.length - 1))).toThrow(/'w' ends at byte 16 .* only 15 bytes \(truncated file\?\)/);
    expect(() => nn.deserializeStateDict(new TextEncoder().encode('PK\u0003\u0004 this is a zip file'))).toThrow(/header claims/);
    const f16 = new TextEncoder().encode('{"h":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}}');
    const bytes = new Uint8Array(8 + f16.length + 2);
    new DataView(bytes.buffer).setUint32(0, f16.length, true);
    bytes.set(f16, 8);
    expect(() => nn.deserializeStateDict(bytes)).toThrow(/'h' has dtype "F8_E4M3"/);
  });

  it('loading wrong names or shapes fails, names the keys and shapes, and writes nothing', () => {
    const net = netWithState(5);
    const before = net.encoder.fc.weight.toArray();
    const sd = net.stateDict();
    const renamed = new Map(sd);
    renamed.set('encoder.fc.weights', renamed.get('encoder.fc.weight')!);
    renamed.delete('encoder.fc.weight');
    renamed.set('layers.0.bias', zeros([5]));
    expect(() => net.loadStateDict(renamed)).toThrow(
      /unexpected key\(s\) in state dict: 'encoder\.fc\.weights'\n\s+missing key\(s\) in state dict: 'encoder\.fc\.weight'/,
    );
    expect(net.stateDict().get('layers.0.bias')!.toArray()).not.toEqual([0, 0, 0, 0, 0]);
    const reshaped = new Map(sd);
    reshaped.set('encoder.fc.weight', zeros([4, 3]));
    expect(() => net.loadStateDict(reshaped)).toThrow(
      "size mismatch for 'encoder.fc.weight': copying a tensor of shape [4, 3] from the state dict, but the parameter in the current model has shape [3, 4]",
    );
    expect(net.encoder.fc.weight.toArray()).toEqual(before);
    const result = net.loadStateDict(renamed, { strict: false });
    expect(result).toEqual({ missingKeys: ['encoder.fc.weight'], unexpectedKeys: ['encoder.fc.weights'] });
    expect(net.stateDict().get('layers.0.bias')!.toArray()).toEqual([0, 0, 0, 0, 0]);
    expect(() => net.loadStateDict({ scale: [1] as unknown as Tensor })).toThrow(/'scale' is an instance of Array, not a Tensor/);
  });
});

describe('training a tiny network', () => {
  it('fits 32 samples to zero training error', () => {
    manualSeed(0);
    const x = randn([32, 8]);
    const y = randint(0, 4, [32]);
    const model = new nn.Sequential(new nn.Linear(8, 32), new nn.Tanh(), new nn.Linear(32, 4));
    const opt = new optim.Adam(model.parameters(), { lr: 0.02 });
    let loss = Infinity;
    for (let step = 0; step < 100; step++) {
      opt.zeroGrad();
      const l = nn.functional.crossEntropy(model.forward(x), y);
      l.backward();
      opt.step();
      loss = l.item();
    }
    const predictions = noGrad(() => model.forward(x).argmax(1));
    expect(predictions.toArray()).toEqual(y.toArray());
    expect(loss).toBeLessThan(0.05);
  });
});
