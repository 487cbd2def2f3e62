/**
 * Regenerate the figures in docs/figures/ from the library itself: each graph is computed, traced and drawn
 * with toDot/toSvg, so the pictures cannot drift from what the code does. Run with `npm run figures`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  checkpointSchedule, manualSeed, nn, randint, randn, reversibleSteps, tensor, toDot, toMermaid, toSvg, traceBackward,
  type GraphOptions, type Tensor,
} from '../src/index.js';

const outDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'figures');
mkdirSync(outDir, { recursive: true });

const written: { file: string; title: string }[] = [];
async function figure(file: string, output: Tensor, options: GraphOptions & { title: string }): Promise<void> {
  writeFileSync(join(outDir, `${file}.dot`), toDot(output, options));
  writeFileSync(join(outDir, `${file}.svg`), await toSvg(output, options));
  written.push({ file, title: options.title });
}
let mermaidExample = '';

// The explainer's example, with the values of the PyTorch blog's "Overview of PyTorch Autograd Engine".
{
  const x = tensor(0.5, { requiresGrad: true });
  const y = tensor(0.75, { requiresGrad: true });
  const xy = x.mul(y);
  const f = xy.log();
  const names = { x, y, 'x·y': xy, f };
  await figure('log-xy-forward', f, { names, showValues: true, title: 'f(x, y) = log(x·y): forward graph' });
  traceBackward(f);
  await figure('log-xy-backward', f, {
    names, backward: true, showSaved: true, showValues: true, title: 'f(x, y) = log(x·y): backward graph, df/dx = 1/x, df/dy = 1/y',
  });
  mermaidExample = toMermaid(f, { names, backward: true, showSaved: true, showValues: true });
}

// A vector function and a scalar of it: x2 feeds two ops, so AccumulateGrad sums two gradients for it.
{
  const x1 = tensor(0.5, { requiresGrad: true });
  const x2 = tensor(0.75, { requiresGrad: true });
  const y1 = x1.mul(x2).log();
  const y2 = x2.sin();
  const g = y1.mul(y2);
  traceBackward(g);
  await figure('vector-backward', g, {
    names: { x1, x2, y1, y2, g }, backward: true, showSaved: true, showValues: true,
    title: 'f(x1, x2) = (log(x1·x2), sin x2), g = y1·y2: backward graph',
  });
}

// A small MLP on MNIST-shaped data: the parameters are leaves, the batch and labels are constants.
{
  manualSeed(0);
  const fc1 = new nn.Linear(784, 128);
  const fc2 = new nn.Linear(128, 10);
  const x = randn([32, 784]);
  const labels = randint(0, 10, [32], { dtype: 'int32' });
  const hidden = fc1.forward(x).relu();
  const logits = fc2.forward(hidden);
  const loss = nn.functional.crossEntropy(logits, labels);
  const names: Record<string, Tensor> = { x, hidden, logits, loss };
  for (const [name, p] of [...fc1.namedParameters({ prefix: 'fc1' }), ...fc2.namedParameters({ prefix: 'fc2' })]) names[name] = p;
  await figure('mlp-forward', loss, { names, title: 'MLP 784 → 128 → 10 with cross-entropy: forward graph' });
  traceBackward(loss);
  await figure('mlp-backward', loss, {
    names, backward: true, showSaved: true, showValues: true,
    title: 'MLP 784 → 128 → 10 with cross-entropy: backward graph',
  });
}

// Depth: four Linear + tanh layers, to show what each layer keeps for backward.
{
  manualSeed(0);
  const layers = [0, 1, 2, 3].map(() => new nn.Linear(16, 16));
  let h = randn([8, 16]);
  const names: Record<string, Tensor> = {};
  layers.forEach((layer, i) => {
    h = layer.forward(h).tanh();
    names[`h${i + 1}`] = h;
    for (const [name, p] of layer.namedParameters({ prefix: `fc${i + 1}` })) names[name] = p;
  });
  const loss = h.pow(2).mean();
  names['loss'] = loss;
  traceBackward(loss);
  await figure('tanh-chain-backward', loss, {
    names, backward: true, showSaved: true, showValues: true, title: '4 × (Linear 16 → 16 + tanh), loss = mean(h4²): backward graph',
  });
}

// The binomial checkpointing schedule for 16 steps and 3 snapshots, drawn from checkpointSchedule itself:
// states on the x axis, time going down, so each sweep back over the chain is visible as a staircase.
function scheduleSvg(n: number, c: number): string {
  const s = checkpointSchedule(n, c);
  const rows: { action: (typeof s.actions)[number]; row: number }[] = [];
  let row = 0;
  // A tape and its reverse happen back to back, so they share a row: the picture stays one row per move.
  for (const a of s.actions) rows.push({ action: a, row: a.kind === 'reverse' ? row - 1 : row++ });
  const colW = 38, rowH = 13, left = 120, top = 118, histH = 70;
  const W = left + n * colW + 230, H = top + row * rowH + histH + 70;
  const x = (state: number): number => left + state * colW;
  const y = (r: number): number => top + r * rowH + rowH / 2;
  const f = (v: number): string => v.toFixed(1);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<defs><marker id="ah" viewBox="0 0 6 6" refX="5" refY="3" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0 L6,3 L0,6 z" fill="#777"/></marker>` +
      `<marker id="rh" viewBox="0 0 6 6" refX="5" refY="3" markerWidth="5" markerHeight="5" orient="auto"><path d="M0,0 L6,3 L0,6 z" fill="#1f77b4"/></marker></defs>`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">Binomial checkpointing (revolve): n = ${n} steps, c = ${c} snapshots besides the input</text>`,
    `<text x="${W / 2}" y="42" text-anchor="middle" fill="#444">checkpointSchedule(${n}, ${c}): ${n} tapes + ${s.advances} advances = ${s.evaluations} layer evaluations (plain: ${n}), at most ${s.peakSnapshots} snapshots held; time runs down</text>`,
    `<text x="${W / 2}" y="60" text-anchor="middle" fill="#444">Each sweep back re-advances from the nearest snapshot and drops new ones on the way, so no step is advanced more than r = ${s.sweeps} times;</text>`,
    `<text x="${W / 2}" y="76" text-anchor="middle" fill="#444">c snapshots (plus the input) and r sweeps reverse up to C(c + 1 + r, c + 1) = ${reversibleSteps(c, s.sweeps)} steps, so c ≈ r ≈ log₂ n suffice.</text>`,
  ];
  // Step columns and the state axis.
  for (let i = 0; i <= n; i++) {
    out.push(`<line x1="${x(i)}" y1="${top - 6}" x2="${x(i)}" y2="${top + row * rowH}" stroke="#f0f0f0"/>`);
    out.push(`<text x="${x(i)}" y="${top - 10}" text-anchor="middle" fill="#666">${i}</text>`);
  }
  out.push(`<text x="${left - 8}" y="${top - 24}" text-anchor="end" fill="#666">state</text>`);
  const yFwd = top + (rows[s.forwardActions - 1]!.row + 1) * rowH;
  out.push(`<rect x="${left - 110}" y="${top}" width="${n * colW + 110}" height="${yFwd - top}" fill="#fff7e6"/>`);
  out.push(`<text x="${left - 104}" y="${top + 14}" fill="#a66">forward pass</text>`, `<text x="${left - 104}" y="${top + 27}" fill="#a66">(the call)</text>`);
  out.push(`<line x1="${left - 110}" y1="${yFwd}" x2="${x(n)}" y2="${yFwd}" stroke="#a66" stroke-dasharray="4 3"/>`);
  out.push(`<text x="${left - 104}" y="${yFwd + 14}" fill="#a66">backward()</text>`);
  // The input is always held: a dashed lifeline for it, solid ones for the snapshots while they live.
  out.push(`<line x1="${x(0)}" y1="${top}" x2="${x(0)}" y2="${top + row * rowH}" stroke="#9467bd" stroke-width="3" stroke-dasharray="5 3" opacity="0.6"/>`);
  const open = new Map<number, number>();
  for (const { action: a, row: r } of rows) {
    if (a.kind === 'advance') {
      out.push(`<line x1="${f(x(a.from) + 3)}" y1="${f(y(r))}" x2="${f(x(a.to) - 3)}" y2="${f(y(r))}" stroke="#777" stroke-width="2" marker-end="url(#ah)"/>`);
    } else if (a.kind === 'snapshot') {
      open.set(a.at, r);
    } else if (a.kind === 'free') {
      const r0 = open.get(a.at)!;
      out.push(`<line x1="${x(a.at)}" y1="${f(y(r0))}" x2="${x(a.at)}" y2="${f(y(r))}" stroke="#9467bd" stroke-width="3" opacity="0.6"/>`);
      out.push(`<circle cx="${x(a.at)}" cy="${f(y(r0))}" r="5" fill="#9467bd"/>`);
      out.push(`<line x1="${x(a.at) - 4}" y1="${f(y(r) - 4)}" x2="${x(a.at) + 4}" y2="${f(y(r) + 4)}" stroke="#9467bd" stroke-width="2"/>`,
        `<line x1="${x(a.at) - 4}" y1="${f(y(r) + 4)}" x2="${x(a.at) + 4}" y2="${f(y(r) - 4)}" stroke="#9467bd" stroke-width="2"/>`);
    } else if (a.kind === 'tape') {
      out.push(`<rect x="${x(a.step) + 2}" y="${f(y(r) - 5)}" width="${colW - 4}" height="10" fill="#ff7f0e"/>`);
    } else {
      out.push(`<line x1="${f(x(a.step + 1) - 4)}" y1="${f(y(r))}" x2="${f(x(a.step) + 6)}" y2="${f(y(r))}" stroke="#1f77b4" stroke-width="2.5" marker-end="url(#rh)"/>`);
    }
  }
  // How often each step was advanced: never more than r, and the early steps the most.
  const perStep = new Array<number>(n).fill(0);
  for (const a of s.actions) if (a.kind === 'advance') for (let i = a.from; i < a.to; i++) perStep[i]!++;
  const hTop = top + row * rowH + 24, unit = (histH - 14) / s.sweeps;
  out.push(`<text x="${left - 8}" y="${hTop + histH / 2}" text-anchor="end" fill="#444">times advanced</text>`);
  perStep.forEach((k, i) => {
    out.push(`<rect x="${x(i) + 6}" y="${f(hTop + histH - k * unit)}" width="${colW - 12}" height="${f(k * unit)}" fill="#aaa"/>`);
    out.push(`<text x="${x(i) + colW / 2}" y="${f(hTop + histH - k * unit - 3)}" text-anchor="middle">${k}</text>`);
  });
  out.push(`<line x1="${left}" y1="${hTop + histH}" x2="${x(n)}" y2="${hTop + histH}" stroke="#333"/>`);
  out.push(`<text x="${(left + x(n)) / 2}" y="${hTop + histH + 16}" text-anchor="middle" fill="#444">step i (layer i) takes state i to state i + 1</text>`);
  // Legend.
  const lx = x(n) + 30;
  const legend: [string, string][] = [
    [`<line x1="${lx}" y1="0" x2="${lx + 26}" y2="0" stroke="#777" stroke-width="2" marker-end="url(#ah)"/>`, 'advance (no recording)'],
    [`<rect x="${lx}" y="-5" width="26" height="10" fill="#ff7f0e"/>`, 'tape (forward, recorded)'],
    [`<line x1="${lx + 26}" y1="0" x2="${lx + 2}" y2="0" stroke="#1f77b4" stroke-width="2.5" marker-end="url(#rh)"/>`, 'reverse (backward of step)'],
    [`<circle cx="${lx + 13}" cy="0" r="5" fill="#9467bd"/>`, 'snapshot stored'],
    [`<line x1="${lx + 13}" y1="-7" x2="${lx + 13}" y2="7" stroke="#9467bd" stroke-width="3" opacity="0.6"/>`, 'snapshot held'],
    [`<path d="M${lx + 9},-4 L${lx + 17},4 M${lx + 9},4 L${lx + 17},-4" stroke="#9467bd" stroke-width="2"/>`, 'snapshot freed'],
    [`<line x1="${lx + 13}" y1="-7" x2="${lx + 13}" y2="7" stroke="#9467bd" stroke-width="3" stroke-dasharray="5 3" opacity="0.6"/>`, 'input (always held)'],
  ];
  legend.forEach(([shape, label], i) => {
    out.push(`<g transform="translate(0 ${top + 10 + i * 22})">${shape}<text x="${lx + 34}" y="4">${label}</text></g>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
writeFileSync(join(outDir, 'revolve-16-3.svg'), scheduleSvg(16, 3));
const schedules = [{ file: 'revolve-16-3', title: 'Binomial checkpointing schedule, checkpointSchedule(16, 3)' }];

const readme = [
  '# Figures',
  '',
  'Generated by `npm run figures` (scripts/figures.ts) from the library itself with `traceBackward`, `toDot` and',
  '`toSvg`; do not edit by hand. Each figure also has its Graphviz source (`.dot`) next to it. `toSvg` lays graphs',
  'out with Graphviz compiled to WebAssembly, the optional peer dependency `@viz-js/viz` (`npm install @viz-js/viz`).',
  '',
  ...written.flatMap(({ file, title }) => [`## ${title}`, '', `![${title}](${file}.svg)`, '']),
  ...schedules.flatMap(({ file, title }) => [`## ${title}`, '', `![${title}](${file}.svg)`, '']),
  '## The same backward graph of log(x·y) with `toMermaid`',
  '',
  '```mermaid',
  mermaidExample.trimEnd(),
  '```',
  '',
].join('\n');
writeFileSync(join(outDir, 'README.md'), readme);
console.log(`wrote ${written.map(({ file }) => `${file}.{dot,svg}`).join(', ')}, ${schedules.map(({ file }) => `${file}.svg`).join(', ')} and README.md to ${outDir}`);
