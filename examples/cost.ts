// The cheap-gradient principle, measured: for four programs, the library's profiler times the forward pass
// and the backward pass, and the ratio (forward + backward) / forward sits next to Griewank's bound of 4.
//   npm run example:cost [-- --reps 7]
import { mkdirSync, writeFileSync } from 'node:fs';
import { conv2d, manualSeed, maxPool2d, nn, profile, randint, randn, tensor, type Profile, type Tensor } from '../src/index.js';
import { barChart } from './plot.js';

/** One program to differentiate: builds its inputs once, then returns a scalar loss per call. */
interface Workload {
  readonly name: string;
  readonly setup: () => () => Tensor;
}

const WORKLOADS: readonly Workload[] = [
  {
    name: 'MNIST network 784→128→10, batch 64',
    setup: () => {
      const model = new nn.Sequential(new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 10));
      const x = randn([64, 784]), y = randint(0, 10, [64]);
      return () => nn.functional.crossEntropy(model.forward(x), y);
    },
  },
  {
    name: '64 × [Linear(256,256) + tanh], batch 64',
    setup: () => {
      const layers = Array.from({ length: 64 }, () => new nn.Linear(256, 256));
      const x = randn([64, 256]);
      return () => {
        let h = x;
        for (const l of layers) h = l.forward(h).tanh();
        return h.mul(h).mean();
      };
    },
  },
  {
    name: 'conv net: conv 5×5×8, pool, linear; batch 32',
    setup: () => {
      const w = randn([8, 1, 5, 5], { requiresGrad: true }), b = randn([8], { requiresGrad: true });
      const fc = new nn.Linear(8 * 12 * 12, 10);
      const x = randn([32, 1, 28, 28]), y = randint(0, 10, [32]);
      return () => nn.functional.crossEntropy(fc.forward(maxPool2d(conv2d(x, w, b).relu(), 2).flatten(1)), y);
    },
  },
  {
    name: 'scalar program: 1,000 × x = tanh(x·w + b)',
    setup: () => {
      const w = tensor(0.5, { requiresGrad: true }), b = tensor(0.1, { requiresGrad: true });
      return () => {
        let x = tensor(0.3);
        for (let i = 0; i < 1000; i++) x = x.mul(w).add(b).tanh();
        return x;
      };
    },
  },
];

/**
 * Profile one forward + backward of a workload `reps` times after a warm-up; returns the run with the median ratio.
 *
 * @example
 * ```ts
 * const p = measure(WORKLOADS[0], 5);
 * ```
 */
export function measure(w: Workload, reps: number): Profile<number> {
  const loss = w.setup();
  for (let i = 0; i < 3; i++) loss().backward();
  const runs: Profile<number>[] = [];
  for (let i = 0; i < reps; i++) {
    runs.push(profile(() => {
      const l = loss();
      l.backward();
      return l.item();
    }));
  }
  runs.sort((a, b) => a.totals.ratio - b.totals.ratio);
  return runs[Math.floor(runs.length / 2)]!;
}

function main(): void {
  const repsAt = process.argv.indexOf('--reps');
  const reps = repsAt > 0 ? Number(process.argv[repsAt + 1]) : 7;
  if (!Number.isInteger(reps) || reps < 1) {
    console.error('usage: npm run example:cost [-- --reps N]   (N ≥ 1, default 7)');
    process.exit(2);
  }
  manualSeed(0);
  const rows = WORKLOADS.map((w) => ({ name: w.name, p: measure(w, reps) }));
  const pad = Math.max(...rows.map((r) => r.name.length));
  console.log(`${'program'.padEnd(pad)}  forward ms  backward ms  (fwd+bwd)/fwd  bound`);
  for (const { name, p } of rows) {
    const t = p.totals;
    console.log(`${name.padEnd(pad)}  ${t.forwardMs.toFixed(3).padStart(10)}  ${t.backwardMs.toFixed(3).padStart(11)}  ${t.ratio.toFixed(2).padStart(13)}  ${'4'.padStart(5)}`);
  }
  console.log(`\nmedian of ${reps} profiled runs per program (the run with the median ratio is shown).`);
  console.log(`\nWhere the time goes in the first program:\n${rows[0]!.p.table()}`);
  mkdirSync('out', { recursive: true });
  writeFileSync('out/cost.svg', barChart('Cost of a gradient: (forward + backward) / forward, measured',
    rows.map((r) => ({ label: r.name.replace(/,.*$/, ''), value: r.p.totals.ratio })), { at: 4, label: "Griewank's bound: 4" }));
  console.log('\nwrote out/cost.svg');
}

if (import.meta.url === `file://${process.argv[1]}`) main();
