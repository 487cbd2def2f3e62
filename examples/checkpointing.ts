// Gradient checkpointing: memory for time on deep chains of Linear(256, 256) + tanh, batch 64.
// For each depth, the bytes the graph keeps for backward and the time of forward + backward, without
// checkpointing, with 8 checkpointed segments and with ⌈√n⌉; the plot goes to out/checkpointing.svg.
//   npm run example:checkpointing [-- --reps 3 --depths 16,32,64,128,256]
import { mkdirSync, writeFileSync } from 'node:fs';
import { checkpointSequential, manualSeed, nn, randn, savedBytes, type Tensor } from '../src/index.js';
import { escapeXml, niceCeil } from './plot.js';

/**
 * How the chain is run: all activations kept, or a number of checkpointed segments.
 *
 * @example
 * ```ts
 * const mode: Mode = 'sqrt';
 * ```
 */
export type Mode = 'plain' | 8 | 'sqrt';

const MODES: readonly Mode[] = ['plain', 8, 'sqrt'];

/**
 * One depth's measurements; times are the least over the repetitions, in milliseconds.
 *
 * @example
 * ```ts
 * const row: Row = measure(16, 1);
 * ```
 */
export interface Row {
  readonly depth: number;
  readonly bytes: Record<string, number>;
  readonly ms: Record<string, number>;
  /** The largest |difference| between a checkpointed run's gradients and the plain run's. */
  readonly maxGradDiff: number;
}

const WIDTH = 256, BATCH = 64;
/**
 * Bytes of one activation, [64, 256] float32.
 *
 * @example
 * ```ts
 * ACTIVATION_BYTES; // 65536
 * ```
 */
export const ACTIVATION_BYTES = BATCH * WIDTH * 4;

/**
 * `n` layers Linear(256, 256) followed by tanh, as a list `checkpointSequential` can split.
 *
 * @example
 * ```ts
 * const layers = makeChain(64);
 * ```
 */
export function makeChain(n: number): nn.Sequential[] {
  return Array.from({ length: n }, () => new nn.Sequential(new nn.Linear(WIDTH, WIDTH), new nn.Tanh()));
}

const gc = (globalThis as { gc?: () => void }).gc;

/**
 * One forward + backward of `layers` on `x` in `mode`: the graph's saved bytes, the time, the gradients.
 *
 * @example
 * ```ts
 * const { bytes, ms } = step(makeChain(16), randn([64, 256]), 8);
 * ```
 */
export function step(layers: readonly nn.Sequential[], x: Tensor, mode: Mode): { bytes: number; ms: number; grads: Float32Array[] } {
  const params = layers.flatMap((l) => l.parameters());
  for (const p of params) p.grad = null;
  // Start each timed run from a collected heap, so one run does not pay for the previous run's garbage.
  gc?.();
  // Wall-clock time: process CPU time would also count the engine's background threads (garbage
  // collection, WebAssembly tier-up), which run at their own pace.
  const t0 = performance.now();
  const y = mode === 'plain' ? layers.reduce((h: Tensor, l) => l.forward(h), x) : checkpointSequential(layers, mode, x);
  const loss = y.sum();
  const forward = performance.now() - t0;
  const bytes = savedBytes(loss); // outside the timed part: it walks the whole graph
  const t2 = performance.now();
  loss.backward();
  const ms = forward + (performance.now() - t2);
  return { bytes, ms, grads: params.map((p) => p.grad!.data() as Float32Array) };
}

function maxAbsDiff(a: readonly Float32Array[], b: readonly Float32Array[]): number {
  let m = 0;
  a.forEach((g, i) => {
    const h = b[i]!;
    for (let k = 0; k < g.length; k++) m = Math.max(m, Math.abs(g[k]! - h[k]!));
  });
  return m;
}

/**
 * Measure one depth: the modes are interleaved within each repetition so that a slow moment of the machine
 * hits all of them alike, the first run of each mode is a warm-up, and the least time of the others is kept
 * (interference only ever adds time).
 *
 * @example
 * ```ts
 * measure(64, 3).bytes.plain; // 4194304
 * ```
 */
export function measure(depth: number, reps: number): Row {
  manualSeed(depth);
  const layers = makeChain(depth);
  const x = randn([BATCH, WIDTH]);
  const bytes: Record<string, number> = {}, times: Record<string, number[]> = {}, grads: Record<string, Float32Array[]> = {};
  for (let r = 0; r <= reps; r++) {
    for (const mode of MODES) {
      const key = String(mode);
      const res = step(layers, x, mode);
      if (r === 0) {
        bytes[key] = res.bytes;
        grads[key] = res.grads;
        times[key] = [];
      } else times[key]!.push(res.ms);
    }
  }
  const ms: Record<string, number> = {};
  for (const [k, v] of Object.entries(times)) ms[k] = Math.min(...v);
  const maxGradDiff = Math.max(maxAbsDiff(grads.plain!, grads['8']!), maxAbsDiff(grads.plain!, grads.sqrt!));
  return { depth, bytes, ms, maxGradDiff };
}

/** Activations kept with `s` segments of a chain of `n` (see `checkpointSequential`): s − 1 + ⌊n/s⌋, x excluded. */
function activations(n: number, s: number): number {
  s = Math.min(n, s);
  return s === 1 ? n : s - 1 + Math.floor(n / s);
}

const mib = (b: number): string => (b / 1_048_576).toFixed(2);

/**
 * The results as a text table.
 *
 * @example
 * ```ts
 * console.log(formatTable([measure(16, 1)]));
 * ```
 */
export function formatTable(rows: readonly Row[]): string {
  const head = ['depth', 'saved MiB: plain', '8 segments', '√n segments', 'fwd+bwd ms: plain', '8 segments', '√n segments', 'max |Δgrad|'];
  const body = rows.map((r) => {
    const s = Math.ceil(Math.sqrt(r.depth));
    const ratio = (k: string): string => `${(r.bytes[k]! / r.bytes.plain!).toFixed(2)}×`;
    const slow = (k: string): string => `${(r.ms[k]! / r.ms.plain!).toFixed(2)}×`;
    return [
      String(r.depth),
      mib(r.bytes.plain!),
      `${mib(r.bytes['8']!)} (${ratio('8')})`,
      `${mib(r.bytes.sqrt!)} (${ratio('sqrt')}, s=${s})`,
      r.ms.plain!.toFixed(0),
      `${r.ms['8']!.toFixed(0)} (${slow('8')})`,
      `${r.ms.sqrt!.toFixed(0)} (${slow('sqrt')})`,
      r.maxGradDiff.toExponential(1),
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/**
 * Saved bytes against depth as an SVG document: the measured points of each mode on the analytic curves,
 * n activations without checkpointing (a line), 7 + n/8 with 8 segments and about 2√n with √n segments.
 * The right panel enlarges the two checkpointed curves, which the line dwarfs.
 *
 * @example
 * ```ts
 * writeFileSync('out/checkpointing.svg', savedBytesSvg(rows));
 * ```
 */
export function savedBytesSvg(rows: readonly Row[]): string {
  const W = 1010, H = 460, top = 70, bottom = 60, panelW = 400, gap = 110, left = 70;
  const ph = H - top - bottom;
  const nMax = Math.max(...rows.map((r) => r.depth)), nMin = Math.min(...rows.map((r) => r.depth));
  const f = (v: number): string => v.toFixed(1);
  const series: { key: string; label: string; color: string; model: (n: number) => number }[] = [
    { key: 'plain', label: 'no checkpointing: n activations, O(n)', color: '#d62728', model: (n) => n },
    { key: '8', label: '8 segments: 7 + n/8', color: '#1f77b4', model: (n) => 7 + n / 8 },
    { key: 'sqrt', label: '⌈√n⌉ segments: ≈ 2√n − 1, O(√n)', color: '#2ca02c', model: (n) => 2 * Math.sqrt(n) - 1 },
  ];
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="26" text-anchor="middle" font-size="16">Bytes kept for backward (savedBytes): chains of Linear(256, 256) + tanh, batch 64</text>`);
  out.push(`<text x="${W / 2}" y="46" text-anchor="middle" fill="#666">dots: measured; lines: activations kept × 64 KiB</text>`);
  const panel = (x0: number, shown: typeof series, title: string): void => {
    const mib = (key: string): number[] => rows.map((r) => r.bytes[key]! / 1_048_576);
    const yMax = niceCeil(Math.max(...shown.flatMap((s) => mib(s.key))));
    const x = (n: number): number => x0 + (panelW * n) / nMax;
    const y = (v: number): number => top + ph * (1 - v / yMax);
    const decimals = Number.isInteger(yMax / 5) ? 0 : yMax / 5 >= 0.1 ? 1 : 2;
    for (let i = 0; i <= 5; i++) {
      const v = (yMax * i) / 5;
      out.push(`<line x1="${x0}" y1="${f(y(v))}" x2="${x0 + panelW}" y2="${f(y(v))}" stroke="#e5e5e5"/>`);
      out.push(`<text x="${x0 - 8}" y="${f(y(v) + 4)}" text-anchor="end">${v.toFixed(decimals)}</text>`);
    }
    for (const r of rows) {
      out.push(`<line x1="${f(x(r.depth))}" y1="${top + ph}" x2="${f(x(r.depth))}" y2="${top + ph + 5}" stroke="#333"/>`);
      out.push(`<text x="${f(x(r.depth))}" y="${top + ph + 20}" text-anchor="middle">${r.depth}</text>`);
    }
    out.push(`<rect x="${x0}" y="${top}" width="${panelW}" height="${ph}" fill="none" stroke="#333"/>`);
    out.push(`<text x="${x0 + panelW / 2}" y="${top - 8}" text-anchor="middle">${escapeXml(title)}</text>`);
    out.push(`<text x="${x0 + panelW / 2}" y="${H - 15}" text-anchor="middle">depth n (layers)</text>`);
    out.push(`<text transform="translate(${x0 - 50} ${top + ph / 2}) rotate(-90)" text-anchor="middle">saved MiB</text>`);
    for (const s of shown) {
      const pts: string[] = [];
      for (let i = 0; i <= 100; i++) {
        const n = nMin + ((nMax - nMin) * i) / 100;
        pts.push(`${f(x(n))},${f(y((s.model(n) * ACTIVATION_BYTES) / 1_048_576))}`);
      }
      out.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="${s.color}" stroke-width="2" stroke-opacity="0.6"/>`);
      mib(s.key).forEach((v, i) => out.push(`<circle cx="${f(x(rows[i]!.depth))}" cy="${f(y(v))}" r="4" fill="${s.color}"/>`));
    }
    const lx = x0 + 16, ly = top + 18;
    out.push(`<rect x="${lx - 8}" y="${ly - 12}" width="250" height="${shown.length * 20 + 4}" fill="white" stroke="#ccc"/>`);
    shown.forEach((s, i) => {
      const yy = ly + i * 20;
      out.push(`<line x1="${lx}" y1="${yy}" x2="${lx + 22}" y2="${yy}" stroke="${s.color}" stroke-width="2"/>`);
      out.push(`<circle cx="${lx + 11}" cy="${yy}" r="4" fill="${s.color}"/>`);
      out.push(`<text x="${lx + 30}" y="${yy + 4}">${escapeXml(s.label)}</text>`);
    });
  };
  panel(left, series, 'all three');
  panel(left + panelW + gap, series.slice(1), 'checkpointed, enlarged');
  out.push('</svg>');
  return out.join('\n') + '\n';
}



function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const reps = Number(option('reps', '3'));
  const depths = option('depths', '16,32,64,128,256').split(',').map(Number);
  if (!(Number.isInteger(reps) && reps >= 1) || depths.some((d) => !(Number.isInteger(d) && d >= 1))) {
    console.error('usage: checkpointing.ts [--reps N ≥ 1] [--depths 16,32,64,...]');
    process.exit(2);
  }
  if (!gc) console.log('(run with node --expose-gc for steadier timings)');
  console.log(`Linear(${WIDTH}, ${WIDTH}) + tanh chains, batch ${BATCH}; times are the least of ${reps} run${reps === 1 ? '' : 's'} after a warm-up\n`);
  const rows: Row[] = [];
  for (const d of depths) {
    if (process.stdout.isTTY) process.stdout.write(`  measuring depth ${d}…\r`);
    rows.push(measure(d, reps));
  }
  if (process.stdout.isTTY) process.stdout.write(' '.repeat(40) + '\r');
  console.log(formatTable(rows));
  mkdirSync('out', { recursive: true });
  writeFileSync('out/checkpointing.svg', savedBytesSvg(rows));
  console.log('\nwrote out/checkpointing.svg');

  const r64 = rows.find((r) => r.depth === 64);
  if (r64) {
    const bytesRatio = r64.bytes['8']! / r64.bytes.plain!, timeRatio = r64.ms['8']! / r64.ms.plain!;
    const expected = activations(64, 8) * ACTIVATION_BYTES;
    const checks: [string, boolean][] = [
      [`saved bytes with 8 segments = ${bytesRatio.toFixed(3)}× of plain (≤ 0.26; expected ${expected} B, got ${r64.bytes['8']} B)`, bytesRatio <= 0.26 && r64.bytes['8'] === expected],
      [`gradients equal to plain: max |Δ| = ${r64.maxGradDiff} (≤ 1e-6)`, r64.maxGradDiff <= 1e-6],
      [`time with 8 segments = ${timeRatio.toFixed(2)}× of plain (≤ 1.35; one extra forward of 7/8 of the chain)`, timeRatio <= 1.35],
    ];
    console.log('\n64-layer chain:');
    for (const [text, ok] of checks) console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${text}`);
    // Timings depend on the machine's load; only the deterministic checks decide the exit code.
    if (!checks[0]![1] || !checks[1]![1]) process.exitCode = 1;
  }
}
