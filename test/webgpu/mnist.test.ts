// MNIST training smoke test on the 'webgpu' device: the example's model, data pipeline and training loop (which
// awaits each step's loss) run on the GPU, learn, and end with the same weights as the same run on the CPU,
// within float32 tolerance.
import { describe, expect, it } from 'vitest';
import { data, Generator, manualSeed, setDefaultDevice } from '../../src/index.js';
import { loadMnist } from '../../examples/mnist-data.js';
import { buildModel, evaluate, train, type EpochStats } from '../../examples/mnist-train.js';

const skip = process.env.ADJOINT_WEBGPU_SKIP;

async function run(device: 'cpu' | 'webgpu'): Promise<{ history: EpochStats[]; weights: Float32Array[]; accuracy: number; onDevice: boolean }> {
  setDefaultDevice(device);
  try {
    manualSeed(0);
    const generator = new Generator(0);
    const { images, labels } = loadMnist();
    const [trainSet, testSet, rest] = data.randomSplit(new data.TensorDataset(images, labels), [640, 320, 9040], { generator });
    void rest;
    const model = buildModel(32);
    const history = await train(model, trainSet!, testSet!, { hidden: 32, epochs: 1, lr: 2e-3, optimizer: 'adam', batch: 32 }, generator);
    const weights = (await Promise.all(model.parameters().map((p) => p.dataAsync()))) as Float32Array[];
    const onDevice = model.parameters().every((p) => p.device === device) && trainSet!.tensors[0].device === device;
    return { history, weights, accuracy: (await evaluate(model, testSet!)).accuracy, onDevice };
  } finally {
    setDefaultDevice('webgpu');
  }
}

describe.skipIf(skip !== undefined)("MNIST on the 'webgpu' device", () => {
  it('trains the example model for 20 steps on the GPU: it learns, and matches the same run on the CPU', async () => {
    const gpu = await run('webgpu');
    const cpu = await run('cpu');
    expect(gpu.onDevice).toBe(true);
    expect(gpu.history[0]!.trainLoss).toBeLessThan(2.0);
    expect(gpu.accuracy).toBeGreaterThan(0.6);
    expect(gpu.history[0]!.trainLoss).toBeCloseTo(cpu.history[0]!.trainLoss, 4);
    expect(Math.abs(gpu.accuracy - cpu.accuracy)).toBeLessThanOrEqual(2 / 320);
    gpu.weights.forEach((w, i) => {
      const want = cpu.weights[i]!;
      let worst = 0;
      for (let j = 0; j < w.length; j++) worst = Math.max(worst, Math.abs(w[j]! - want[j]!));
      expect(worst, `parameter ${i}`).toBeLessThan(1e-4);
    });
  });
});
