// One training step of the benchmark models on the 'webgpu' device, against the same step on the CPU: a LeNet with
// BatchNorm2d (B9: conv2d, BatchNorm2d, maxPool and avgPool, Dropout, linear, crossEntropy, SGD with momentum) and
// minGPT-style transformers (B8's, and the GPT example's) with AdamW and clipGradNorm_. Every op of those steps,
// forward and backward, runs on the GPU: no DeviceSupportError, and the weights, BatchNorm's running statistics,
// the loss and the gradient norm agree with the CPU's within float32 tolerance. Shapes are tiny: SwiftShader is slow.
import { describe, expect, it } from 'vitest';
import { manualSeed, nn, optim, setDefaultDevice, tensor, type Tensor } from '../../src/index.js';
import { Gpt } from '../../examples/gpt-model.js';

const skip = process.env.ADJOINT_WEBGPU_SKIP;

type Device = 'cpu' | 'webgpu';

interface StepRecord {
  loss: number;
  extra: number[];
  /** Parameters and buffers after the step(s), by name. */
  state: Map<string, Float32Array>;
  devices: string[];
}

async function snapshot(model: nn.Module): Promise<{ state: Map<string, Float32Array>; devices: string[] }> {
  const state = new Map<string, Float32Array>();
  const devices: string[] = [];
  for (const [name, t] of model.stateDict()) {
    devices.push(t.device);
    if (t.dtype === 'float32') state.set(name, (await t.dataAsync()) as Float32Array);
  }
  return { state, devices };
}

/** Run `body` with `device` the default device, from a fixed seed. */
async function on(device: Device, body: () => Promise<StepRecord>): Promise<StepRecord> {
  setDefaultDevice(device);
  try {
    manualSeed(7);
    return await body();
  } finally {
    setDefaultDevice('webgpu');
  }
}

function expectSame(gpu: StepRecord, cpu: StepRecord, tol: number): void {
  expect(gpu.devices.every((d) => d === 'webgpu')).toBe(true);
  expect(cpu.devices.every((d) => d === 'cpu')).toBe(true);
  expect(Math.abs(gpu.loss - cpu.loss)).toBeLessThan(tol * Math.max(1, Math.abs(cpu.loss)));
  gpu.extra.forEach((v, i) => expect(Math.abs(v - cpu.extra[i]!), `extra ${i}`).toBeLessThan(tol * Math.max(1, Math.abs(cpu.extra[i]!))));
  expect([...gpu.state.keys()]).toEqual([...cpu.state.keys()]);
  expect(cpu.state.size).toBeGreaterThan(4);
  for (const [name, want] of cpu.state) {
    const got = gpu.state.get(name)!;
    let worst = 0;
    for (let j = 0; j < want.length; j++) worst = Math.max(worst, Math.abs(got[j]! - want[j]!) / Math.max(1, Math.abs(want[j]!)));
    expect(worst, name).toBeLessThan(tol);
  }
}

/** A LeNet with BatchNorm2d for [N, 1, 12, 12]: B9's layers, smaller, with an average pooling too. */
function lenet(): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(1, 3, 3, { padding: 1 }), new nn.BatchNorm2d(3), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(3, 4, 3), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.AvgPool2d(2),
    new nn.Flatten(), new nn.Linear(4 * 2 * 2, 10), new nn.BatchNorm1d(10), new nn.ReLU(), new nn.Dropout(0.25),
    new nn.Linear(10, 5),
  );
}

async function lenetSteps(device: Device): Promise<StepRecord> {
  return on(device, async () => {
    const model = lenet();
    const opt = new optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
    const x = tensor(Array.from({ length: 4 * 144 }, (_, i) => Math.sin(i * 0.37) + 0.1 * (i % 7)), { shape: [4, 1, 12, 12] });
    const y = tensor([0, 3, 1, 4], { dtype: 'int32' });
    let loss: Tensor | null = null;
    // Two steps: the second uses the momentum buffers and the running statistics the first left.
    for (let s = 0; s < 2; s++) {
      opt.zeroGrad();
      loss = nn.functional.crossEntropy(model.forward(x), y);
      loss.backward();
      opt.step();
    }
    model.eval();
    const evalOut = model.forward(x);
    const { state, devices } = await snapshot(model);
    return { loss: await loss!.itemAsync(), extra: [...(await evalOut.dataAsync())], state, devices: [...devices, evalOut.device] };
  });
}

/** B8's minGPT block (causal scaledDotProductAttention on a fused qkv projection), tiny. */
class Block extends nn.Module {
  readonly ln1 = new nn.LayerNorm(8);
  readonly attn = new nn.Linear(8, 24);
  readonly proj = new nn.Linear(8, 8);
  readonly ln2 = new nn.LayerNorm(8);
  readonly fc = new nn.Linear(8, 32);
  readonly fc2 = new nn.Linear(32, 8);

  override forward(x: Tensor): Tensor {
    const [b, t, c] = x.shape as [number, number, number];
    const qkv = this.attn.forward(this.ln1.forward(x));
    const heads = (i: number): Tensor => qkv.narrow(2, i * c, c).reshape([b, t, 2, c / 2]).transpose(1, 2);
    const y = nn.functional.scaledDotProductAttention(heads(0), heads(1), heads(2), { isCausal: true }).transpose(1, 2).reshape([b, t, c]);
    x = x.add(this.proj.forward(y));
    return x.add(this.fc2.forward(nn.functional.gelu(this.fc.forward(this.ln2.forward(x)))));
  }
}

class MiniGpt extends nn.Module {
  readonly wte = new nn.Embedding(11, 8);
  readonly wpe = new nn.Embedding(5, 8);
  readonly blocks = new nn.ModuleList([new Block()]);
  readonly lnF = new nn.LayerNorm(8);
  readonly head = new nn.Linear(8, 11, { bias: false });

  override forward(idx: Tensor): Tensor {
    const pos = tensor([0, 1, 2, 3, 4], { dtype: 'int32' });
    let x = this.wte.forward(idx).add(this.wpe.forward(pos));
    for (const blk of this.blocks.children()) x = (blk as Block).forward(x);
    return this.head.forward(this.lnF.forward(x));
  }
}

const TOKENS = [[1, 4, 2, 9, 3], [7, 7, 0, 5, 10]];
const TARGETS = [[4, 2, 9, 3, 6], [7, 0, 5, 10, 1]];

async function gptSteps(device: Device, make: () => nn.Module & { forward(idx: Tensor): Tensor }, clip: number): Promise<StepRecord> {
  return on(device, async () => {
    const model = make();
    // eps 1e-4, not 1e-8: the attention's key bias has a gradient that is 0 in exact arithmetic, and Adam would
    // turn its rounding noise (which differs between the devices) into steps of ±lr.
    const opt = new optim.AdamW(model.parameters(), { lr: 0.01, weightDecay: 0.1, eps: 1e-4 });
    const idx = tensor(TOKENS, { dtype: 'int32' }), targets = tensor(TARGETS, { dtype: 'int32' }).reshape([-1]);
    const norms: number[] = [];
    let loss: Tensor | null = null;
    for (let s = 0; s < 2; s++) {
      opt.zeroGrad();
      const logits = model.forward(idx);
      loss = nn.functional.crossEntropy(logits.reshape([-1, logits.shape[2]!]), targets);
      loss.backward();
      norms.push(await nn.utils.clipGradNorm_(model.parameters(), clip).itemAsync());
      opt.step();
    }
    const { state, devices } = await snapshot(model);
    return { loss: await loss!.itemAsync(), extra: norms, state, devices };
  });
}

describe.skipIf(skip !== undefined)("benchmark models' training steps on the 'webgpu' device", () => {
  it('LeNet with BatchNorm (B9): two SGD-momentum steps, then eval, match the CPU, running statistics included', async () => {
    const gpu = await lenetSteps('webgpu');
    const cpu = await lenetSteps('cpu');
    expect(gpu.state.has('1.running_mean') && gpu.state.has('1.running_var') && gpu.state.has('10.running_var')).toBe(true);
    expectSame(gpu, cpu, 2e-4);
  });

  it("minGPT (B8): two AdamW steps with clipGradNorm_ match the CPU, the clipping norm included", async () => {
    const gpu = await gptSteps('webgpu', () => new MiniGpt(), 0.5);
    const cpu = await gptSteps('cpu', () => new MiniGpt(), 0.5);
    // The norm is above the threshold, so clipping scales the gradients.
    expect(cpu.extra[0]!).toBeGreaterThan(0.5);
    expectSame(gpu, cpu, 2e-4);
  });

  it("the GPT example's model (nn.MultiheadAttention, causal mask): two AdamW steps with clipGradNorm_ match the CPU", async () => {
    const make = (): Gpt => new Gpt({ vocab: 11, blockSize: 5, embd: 8, heads: 2, layers: 1 });
    const gpu = await gptSteps('webgpu', make, 0.5);
    const cpu = await gptSteps('cpu', make, 0.5);
    expectSame(gpu, cpu, 2e-4);
  });
});
