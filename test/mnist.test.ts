import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { data, Generator, getBackend, manualSeed } from '../src/index.js';
import { loadMnist } from '../examples/mnist-data.js';
import { confusionMatrix, drawDigits, formatConfusion, lossPlotSvg } from '../examples/mnist-report.js';
import { parseOptions, UsageError } from '../examples/mnist-options.js';
import { buildModel, evaluate, train } from '../examples/mnist-train.js';

describe('MNIST example', () => {
  it('reads the 10,000 digits of the mnist package as [0, 1] pixels and int32 labels', () => {
    const { images, labels } = loadMnist();
    expect(images.shape).toEqual([10000, 784]);
    expect(images.dtype).toBe('float32');
    expect(labels.dtype).toBe('int32');
    const px = images.data();
    expect(Math.min(...px.subarray(0, 100_000))).toBeGreaterThanOrEqual(0);
    expect(Math.max(...px.subarray(0, 100_000))).toBeLessThanOrEqual(1);
    const counts = new Array<number>(10).fill(0);
    for (const y of labels.data()) counts[y]!++;
    expect(counts.every((c) => c > 800)).toBe(true);
  });

  it('learns: 1,000 training digits for one epoch give well above chance on 500 others', async () => {
    const { images, labels } = loadMnist();
    const generator = new Generator(0);
    manualSeed(0);
    const [trainSet, testSet] = data.randomSplit(new data.TensorDataset(images, labels), [1000, 500, 8500], { generator });
    const model = buildModel(128);
    const history = await train(model, trainSet!, testSet!, { hidden: 128, epochs: 1, lr: 1e-3, optimizer: 'adam', batch: 16 }, generator);
    expect(history).toHaveLength(1);
    expect(history[0]!.testAccuracy).toBeGreaterThan(0.7);
    expect((await evaluate(model, testSet!)).accuracy).toBe(history[0]!.testAccuracy);
    expect(history[0]!.trainLoss).toBeLessThan(1.5);
  }, 60_000);

  it('formats a confusion matrix, digits and the SVG plot', () => {
    const m = confusionMatrix([0, 1, 1, 2], [0, 1, 2, 2], 3);
    expect(m).toEqual([[1, 0, 0], [0, 1, 1], [0, 0, 1]]);
    expect(formatConfusion(m).split('\n')[2]).toBe('        1   .   1   1  50.00%');
    const pixels = new Float32Array(784).fill(1);
    const art = drawDigits([{ pixels, caption: 'true 4, predicted 9' }]).split('\n');
    expect(art[0]).toBe('true 4, predicted 9');
    expect(art.slice(1)).toEqual(new Array(14).fill('@'.repeat(28)));
    const epoch = { trainLoss: 0.5, trainAccuracy: 0.9, testAccuracy: 0.93, seconds: 1, samplesPerSecond: 1000 };
    const svg = lossPlotSvg([{ ...epoch, epoch: 1 }, { ...epoch, epoch: 2, trainLoss: 0.25, testAccuracy: 0.95 }]);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg).toContain('test accuracy (95.00%)');
  });

  it('parses the command line, with defaults, and rejects bad options', () => {
    expect(parseOptions([])).toEqual({ hidden: 128, epochs: 10, lr: 1e-3, optimizer: 'adam', batch: 64, seed: 0, backend: getBackend().name, device: 'cpu', out: 'out' });
    expect(parseOptions(['--hidden', '0', '--optimizer', 'sgd', '--seed=3', '--lr', '0.5'])).toMatchObject({ hidden: 0, optimizer: 'sgd', seed: 3, lr: 0.5 });
    expect(parseOptions(['--optimizer', 'sgd'])).toMatchObject({ lr: 0.01 });
    expect(parseOptions(['-h'])).toBe('help');
    const cases: [string[], RegExp][] = [
      [['--hidden', 'many'], /--hidden must be an integer >= 0, got 'many'/],
      [['--epochs', '0'], /--epochs must be an integer >= 1/],
      [['--batch', '2.5'], /--batch must be an integer >= 1/],
      [['--lr=-1'], /--lr must be a positive number/],
      [['--optimizer', 'rmsprop'], /--optimizer must be sgd, adam or adamw, got 'rmsprop'/],
      [['--backend', 'gpu'], /--backend must be one of/],
      [['--device', 'gpu'], /--device must be cpu or webgpu, got 'gpu'/],
      [['--bogus'], /Unknown option '--bogus'/],
      [['extra'], /positional/],
    ];
    for (const [args, message] of cases) {
      expect(() => parseOptions(args), args.join(' ')).toThrow(UsageError);
      expect(() => parseOptions(args), args.join(' ')).toThrow(message);
    }
  });

  it('exits with code 2 and the usage on a bad option', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'examples/mnist.ts', '--optimizer', 'rmsprop'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: --optimizer must be sgd, adam or adamw, got 'rmsprop'\.\n\nusage: npm start -- \[options\]\n/);
  }, 30_000);
});
