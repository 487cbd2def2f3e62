// Section 8: bytes saved for backward against depth, for chains of Linear(64, 64) + tanh, without checkpointing,
// with ⌈√n⌉ checkpointed segments and with the binomial schedule (c = ⌈log₂ n⌉ snapshots), measured live with
// savedBytes(); the time and the layer evaluations of forward + backward for each; and the binomial schedule
// itself, drawn from checkpointSchedule(n, c).
import * as adjoint from '../../src/index.js';
import { manualSeed, nn, randn, type Tensor } from '../../src/index.js';
import { lineChart, onWidthChange } from './plot.js';
import { busy, bytes, ms, nextFrame, row } from './util.js';

const WIDTH = 64, BATCH = 32;
const DEPTHS = [4, 8, 16, 32, 64, 128, 256];
type Mode = 'plain' | 'sqrt' | 'binomial';
const MODES: readonly Mode[] = ['plain', 'sqrt', 'binomial'];

export interface CheckpointRow {
  readonly depth: number;
  readonly snapshots: number;
  readonly bytes: Record<Mode, number>;
  readonly ms: Record<Mode, number>;
  readonly evaluations: Record<Mode, number>;
  readonly maxGradDiff: number;
}

type Api = typeof adjoint;
/** The checkpointing API this page uses, if this version of adjoint has it (the page also builds against older ones). */
function api(): Pick<Api, 'checkpointSequential' | 'savedBytes'> & Partial<Pick<Api, 'checkpointSchedule'>> | null {
  const a = adjoint as Partial<Api>;
  if (typeof a.checkpointSequential !== 'function' || typeof a.savedBytes !== 'function') return null;
  return {
    checkpointSequential: a.checkpointSequential, savedBytes: a.savedBytes,
    ...(typeof a.checkpointSchedule === 'function' ? { checkpointSchedule: a.checkpointSchedule } : {}),
  };
}

/** One depth: each mode run `reps` times (interleaved), the saved bytes after the forward, the least time. */
export function measureDepth(depth: number, reps = 2): CheckpointRow {
  const { checkpointSequential, savedBytes, checkpointSchedule } = api()!;
  const modes = checkpointSchedule ? MODES : MODES.filter((m) => m !== 'binomial');
  manualSeed(depth);
  const layers = Array.from({ length: depth }, () => new nn.Sequential(new nn.Linear(WIDTH, WIDTH), new nn.Tanh()));
  let evaluations = 0;
  const counted = layers.map((l) => (x: Tensor): Tensor => {
    evaluations++;
    return l.forward(x);
  });
  const params = layers.flatMap((l) => l.parameters());
  const x = randn([BATCH, WIDTH]);
  const snapshots = Math.ceil(Math.log2(depth));
  const out = { bytes: {}, ms: {}, evaluations: {} } as Pick<CheckpointRow, 'bytes' | 'ms' | 'evaluations'>;
  const grads = {} as Record<Mode, Float32Array[]>;
  for (let r = 0; r < reps; r++) {
    for (const mode of modes) {
      for (const p of params) p.grad = null;
      evaluations = 0;
      const t0 = performance.now();
      const y = mode === 'plain' ? counted.reduce((h: Tensor, l) => l(h), x)
        : checkpointSequential(counted, mode === 'sqrt' ? 'sqrt' : { snapshots }, x);
      const loss = y.sum();
      const t1 = performance.now();
      const saved = savedBytes(loss); // not timed: it walks the whole graph
      const t2 = performance.now();
      loss.backward();
      const t = t1 - t0 + performance.now() - t2;
      out.ms[mode] = Math.min(out.ms[mode] ?? Infinity, t);
      if (r === 0) {
        out.bytes[mode] = saved;
        out.evaluations[mode] = evaluations;
        grads[mode] = params.map((p) => p.grad!.data() as Float32Array);
      }
    }
  }
  let maxGradDiff = 0;
  for (const mode of modes) {
    grads[mode].forEach((g, i) => {
      const h = grads.plain[i]!;
      for (let k = 0; k < g.length; k++) maxGradDiff = Math.max(maxGradDiff, Math.abs(g[k]! - h[k]!));
    });
  }
  return { depth, snapshots, ...out, maxGradDiff };
}

export function setupCheckpointing(): void {
  const button = document.querySelector<HTMLButtonElement>('#checkpoint-run')!;
  const status = document.querySelector<HTMLElement>('#checkpoint-status')!;
  const plot = document.querySelector<HTMLElement>('#checkpoint-plot')!;
  const body = document.querySelector<HTMLTableSectionElement>('#checkpoint-table tbody')!;
  const a = api();
  setupSchedule(a?.checkpointSchedule);
  if (!a) {
    button.disabled = true;
    status.textContent = 'This version of adjoint has no checkpointSequential or savedBytes, so there is nothing to measure.';
    return;
  }
  const hasBinomial = !!a.checkpointSchedule;

  const draw = (rows: readonly CheckpointRow[]): void => {
    const kib = (b: number): number => b / 1024;
    const series = ([
      ['plain', 'plain', 'plain'], ['√n', 'sqrt', 'sqrt'], ['binomial', 'binomial', 'binomial'],
    ] as const).filter(([, , mode]) => mode !== 'binomial' || hasBinomial).map(([name, className, mode]) => ({
      name, className, markers: true, label: true,
      points: rows.map((r): [number, number] => [r.depth, kib(r.bytes[mode])]),
    }));
    lineChart(plot, series, {
      title: 'Saved bytes against depth, both axes logarithmic: ' + rows.map((r) =>
        `depth ${r.depth}: ${MODES.filter((m) => r.bytes[m] !== undefined).map((m) => `${m} ${bytes(r.bytes[m])}`).join(', ')}`).join('; '),
      xLabel: 'depth n (Linear + tanh layers)', yLabel: 'saved for backward', logX: true, logY: true,
      xMin: 4, xMax: 256, yMin: 16, yMax: 4096,
      xTicks: DEPTHS, yTicks: [16, 64, 256, 1024, 4096],
      formatY: (v) => (v >= 1024 ? `${v / 1024} MiB` : `${v} KiB`),
    });
  };

  let rows: CheckpointRow[] = [];
  onWidthChange(plot, () => {
    if (rows.length) draw(rows);
  });
  const run = async (): Promise<void> => {
    rows = [];
    for (const depth of DEPTHS) {
      status.textContent = `Measuring depth ${depth}…`;
      await nextFrame();
      rows.push(measureDepth(depth));
      draw(rows);
      body.replaceChildren(...rows.map((r) => row([
        r.depth,
        ...MODES.map((m) => (r.bytes[m] === undefined ? '—' : bytes(r.bytes[m]))),
        ...MODES.map((m) => (r.ms[m] === undefined ? '—' : `${ms(r.ms[m])}, ${r.evaluations[m]}×`)),
        r.maxGradDiff === 0 ? 'identical' : `within ${r.maxGradDiff.toExponential(0)}`,
      ])));
    }
    const last = rows[rows.length - 1]!;
    const best: Mode = hasBinomial ? 'binomial' : 'sqrt';
    status.textContent = `At depth ${last.depth}: ${hasBinomial ? `the binomial schedule (${last.snapshots} snapshots)` : '√n segments'} ` +
      `keeps ${(last.bytes.plain / last.bytes[best]).toFixed(0)}× fewer bytes for ${(last.evaluations[best] / last.depth).toFixed(1)}× the layer evaluations.`;
    plot.dataset.done = 'true';
  };
  button.addEventListener('click', () => void busy(button, status, run));
}

const NS = 'http://www.w3.org/2000/svg';
function el<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/**
 * The binomial schedule checkpointSchedule(n, c) drawn as revolve's figures are: states 0…n across, time going
 * down; grey arrows advance without recording, orange boxes tape a step, blue arrows reverse it, purple lines
 * are the snapshots held.
 */
function setupSchedule(checkpointSchedule: Api['checkpointSchedule'] | undefined): void {
  const form = document.querySelector<HTMLFormElement>('#schedule-form')!;
  const host = document.querySelector<HTMLElement>('#schedule-plot')!;
  const summary = document.querySelector<HTMLElement>('#schedule-summary')!;
  const nSelect = document.querySelector<HTMLSelectElement>('#schedule-n')!;
  const cSelect = document.querySelector<HTMLSelectElement>('#schedule-c')!;
  if (!checkpointSchedule) {
    form.hidden = true;
    summary.textContent = 'This version of adjoint has no checkpointSchedule, so the schedule is not drawn.';
    return;
  }
  const draw = (): void => {
    const n = Number(nSelect.value), c = Number(cSelect.value);
    const s = checkpointSchedule(n, c);
    const rows: { action: (typeof s.actions)[number]; row: number }[] = [];
    let count = 0;
    // A tape and its reverse are back to back: one row for both, so there is one row per move along the chain.
    for (const action of s.actions) rows.push({ action, row: action.kind === 'reverse' ? count - 1 : count++ });
    const W = Math.round(Math.min(720, Math.max(300, host.clientWidth || 640)));
    const left = 14, right = 14, top = 22;
    const colW = (W - left - right) / n, rowH = Math.max(7, Math.min(12, 520 / count));
    const forwardRows = rows[s.forwardActions - 1]!.row + 1;
    const H = top + count * rowH + 12;
    const x = (state: number): number => left + state * colW;
    const y = (r: number): number => top + r * rowH + rowH / 2;
    const svg = el('svg', {
      viewBox: `0 0 ${W} ${H}`, class: 'schedule', role: 'img',
      'aria-label': `The binomial schedule for ${n} steps and ${c} snapshots: ${s.actions.length} actions, ` +
        `${s.advances} advances, at most ${s.peakSnapshots} snapshots held, no step advanced more than ${s.sweeps} times.`,
    });
    const defs = el('defs', {});
    for (const [id, cls] of [['ah', 'advance'], ['rh', 'reverse']]) {
      const marker = el('marker', { id: `sched-${id}`, viewBox: '0 0 6 6', refX: 5, refY: 3, markerWidth: 5, markerHeight: 5, orient: 'auto' });
      marker.append(el('path', { d: 'M0,0 L6,3 L0,6 z', class: `head ${cls}` }));
      defs.append(marker);
    }
    svg.append(defs);
    svg.append(el('rect', { class: 'forward-band', x: 0, y: top, width: W, height: forwardRows * rowH }));
    const every = colW < 16 ? 4 : colW < 26 ? 2 : 1;
    for (let i = 0; i <= n; i++) {
      svg.append(el('line', { class: 'state', x1: x(i), x2: x(i), y1: top, y2: H - 12 }));
      if (i % every === 0 || i === n) svg.append(el('text', { class: 'state-label', x: x(i), y: top - 8, 'text-anchor': 'middle' }, String(i)));
    }
    svg.append(el('line', { class: 'held input', x1: x(0), x2: x(0), y1: top, y2: H - 12 }));
    const open = new Map<number, number>();
    for (const { action: a, row: r } of rows) {
      if (a.kind === 'advance') {
        svg.append(el('line', { class: 'advance', x1: x(a.from) + 2, x2: x(a.to) - 2, y1: y(r), y2: y(r), 'marker-end': 'url(#sched-ah)' }));
      } else if (a.kind === 'snapshot') {
        open.set(a.at, r);
      } else if (a.kind === 'free') {
        const r0 = open.get(a.at) ?? r;
        svg.append(el('line', { class: 'held', x1: x(a.at), x2: x(a.at), y1: y(r0), y2: y(r) }));
        svg.append(el('circle', { class: 'snapshot', cx: x(a.at), cy: y(r0), r: 3.5 }));
      } else if (a.kind === 'tape') {
        svg.append(el('rect', { class: 'tape', x: x(a.step) + 1.5, y: y(r) - rowH * 0.4, width: colW - 3, height: rowH * 0.8, rx: 1.5 }));
      } else {
        svg.append(el('line', { class: 'reverse', x1: x(a.step + 1) - 2, x2: x(a.step) + 3, y1: y(r), y2: y(r), 'marker-end': 'url(#sched-rh)' }));
      }
    }
    host.replaceChildren(svg);
    host.dataset.actions = String(s.actions.length);
    summary.textContent = `checkpointSchedule(${n}, ${c}): ${n} tapes + ${s.advances} advances = ${s.evaluations} layer ` +
      `evaluations (${(s.evaluations / n).toFixed(1)}× a plain forward), at most ${s.peakSnapshots} snapshots held besides ` +
      `the input, no step advanced more than ${s.sweeps} times.`;
  };
  form.addEventListener('change', draw);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    draw();
  });
  onWidthChange(host, draw);
  draw();
}
