// Where the time of one LSTM training step goes: a 2-layer LSTM (input 64, hidden 128) over T = 20 steps with
// batch 4, forward + backward + Adam, timed as a whole and per op with the profiler.
//
//   node --import tsx bench/lstm-step.ts [--steps=N] [--backend=wasm|ts]
//
// The per-op table is the profiler's: forward time per op kind (outermost calls), backward time per node kind,
// the engine's own share of the backward, and the bytes saved for backward.
import { manualSeed, nn, optim, profile, randn, setBackend } from '../src/index.js';

const arg = (name: string, fallback: string): string => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const steps = Number(arg('steps', '30'));
setBackend(arg('backend', 'wasm') as 'wasm' | 'ts');

const T = 20, B = 4, I = 64, H = 128;
manualSeed(0);
const lstm = new nn.LSTM(I, H, 2);
const head = new nn.Linear(H, 1);
const params = [...lstm.parameters(), ...head.parameters()];
const opt = new optim.Adam(params, 1e-3);
const x = randn([T, B, I]);
const y = randn([B, 1]);

function forward(): ReturnType<typeof nn.functional.mseLoss> {
  const [out] = lstm.forward(x);
  return nn.functional.mseLoss(head.forward(out.narrow(0, T - 1, 1).squeeze(0)), y);
}

const now = (): number => performance.now();
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

// Warm up (wasm compilation, JIT, arena growth).
for (let i = 0; i < 5; i++) {
  opt.zeroGrad();
  forward().backward();
  opt.step();
}

const fwd: number[] = [], bwd: number[] = [], step: number[] = [], total: number[] = [];
for (let i = 0; i < steps; i++) {
  const t0 = now();
  opt.zeroGrad();
  const loss = forward();
  const t1 = now();
  loss.backward();
  const t2 = now();
  opt.step();
  const t3 = now();
  fwd.push(t1 - t0);
  bwd.push(t2 - t1);
  step.push(t3 - t2);
  total.push(t3 - t0);
}
console.log(`2-layer LSTM, T=${T}, batch ${B}, input ${I}, hidden ${H}; ${steps} steps, medians:`);
console.log(`  forward ${median(fwd).toFixed(2)} ms, backward ${median(bwd).toFixed(2)} ms, Adam ${median(step).toFixed(2)} ms, total ${median(total).toFixed(2)} ms`);

const p = profile(() => {
  for (let i = 0; i < steps; i++) {
    opt.zeroGrad();
    forward().backward();
    opt.step();
  }
});
console.log(`\nper op over ${steps} steps (profiled; the profiler's own overhead included):\n`);
console.log(p.table());
const ops = p.records.reduce((n, r) => n + r.calls, 0) / steps;
const nodes = p.records.reduce((n, r) => n + r.backwardCalls, 0) / steps;
console.log(`\n${ops.toFixed(0)} forward ops and ${nodes.toFixed(0)} backward nodes per step; ` +
  `${(p.totals.flops / steps / 1e6).toFixed(1)} MFLOP of forward per step.`);
