// Text and SVG output of the MNIST example: progress lines, confusion matrix, digits as characters, and a
// dependency-free line plot.
import type { BatchProgress, EpochStats } from './mnist-train.js';
import { escapeXml, niceCeil } from './plot.js';

const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
const rate = (x: number): string => `${Math.round(x).toLocaleString('en-US')} samples/s`;

/**
 * A progress-bar line for a batch (redrawn in place with \r on a terminal).
 *
 * @example
 * ```ts
 * progressLine(p, 10); // 'epoch  3/10 [██████░░░░░░░░░░░░░░]  31% loss 0.2134 acc 93.40% 2,345 samples/s'
 * ```
 */
export function progressLine(p: BatchProgress, epochs: number, width = 20): string {
  const done = Math.round((width * p.batch) / p.batches);
  const bar = '█'.repeat(done) + '░'.repeat(width - done);
  const percent = String(Math.round((100 * p.batch) / p.batches)).padStart(3);
  return `epoch ${String(p.epoch).padStart(String(epochs).length)}/${epochs} [${bar}] ${percent}% loss ${p.loss.toFixed(4)} acc ${pct(p.accuracy)} ${rate(p.samplesPerSecond)}`;
}

/**
 * The summary line of a finished epoch.
 *
 * @example
 * ```ts
 * epochLine(stats, 10); // 'epoch  3/10 loss 0.2134 acc 93.40% test 94.10% 2,345 samples/s 3.4s'
 * ```
 */
export function epochLine(s: EpochStats, epochs: number): string {
  return `epoch ${String(s.epoch).padStart(String(epochs).length)}/${epochs} loss ${s.trainLoss.toFixed(4)} acc ${pct(s.trainAccuracy)} ` +
    `test ${pct(s.testAccuracy)} ${rate(s.samplesPerSecond)} ${s.seconds.toFixed(1)}s`;
}

/**
 * counts[true][predicted] over 10 classes.
 *
 * @example
 * ```ts
 * confusionMatrix(labels, predictions)[3]![5]; // how many 3s were read as 5s
 * ```
 */
export function confusionMatrix(labels: ArrayLike<number>, predictions: ArrayLike<number>, classes = 10): number[][] {
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < labels.length; i++) m[labels[i]!]![predictions[i]!]!++;
  return m;
}

/**
 * The confusion matrix as a table: rows are true digits, columns predicted ones, with per-row recall.
 *
 * @example
 * ```ts
 * console.log(formatConfusion(confusionMatrix(labels, predictions)));
 * ```
 */
export function formatConfusion(m: readonly (readonly number[])[]): string {
  const w = Math.max(4, ...m.flat().map((v) => String(v).length + 1));
  const cell = (s: string | number): string => String(s).padStart(w);
  const lines = [`true\\pred${m.map((_, j) => cell(j)).join('')}  recall`];
  m.forEach((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    lines.push(`${String(i).padStart(9)}${row.map((v) => cell(v === 0 ? '.' : v)).join('')}  ${total ? pct(row[i]! / total) : '-'}`);
  });
  return lines.join('\n');
}

/**
 * 28×28 images drawn side by side with shade characters, two pixel rows per text line (terminal cells are
 * about twice as tall as wide), each with a caption above; rows blank in all images are left out.
 *
 * @example
 * ```ts
 * console.log(drawDigits([{ pixels, caption: 'true 4, predicted 9' }]));
 * ```
 */
export function drawDigits(items: readonly { readonly pixels: ArrayLike<number>; readonly caption: string }[], size = 28): string {
  const shades = ' .:-=+*#%@';
  const gap = '  ';
  const width = Math.max(size, ...items.map((it) => it.caption.length));
  const lines = [items.map((it) => it.caption.padEnd(width)).join(gap).trimEnd()];
  const art: string[] = [];
  for (let r = 0; r < size; r += 2) {
    const parts = items.map((it) => {
      let s = '';
      for (let c = 0; c < size; c++) {
        const v = (it.pixels[r * size + c]! + (r + 1 < size ? it.pixels[(r + 1) * size + c]! : 0)) / 2;
        s += shades[Math.min(shades.length - 1, Math.floor(v * shades.length))];
      }
      return s.padEnd(width);
    });
    art.push(parts.join(gap).trimEnd());
  }
  // MNIST digits sit in the middle of a blank frame; rows blank in every image only cost screen space.
  while (art.length > 1 && art[0] === '') art.shift();
  while (art.length > 1 && art[art.length - 1] === '') art.pop();
  return [...lines, ...art].join('\n');
}

/**
 * A line plot of training loss (left axis) and test accuracy (right axis) per epoch, as an SVG document.
 *
 * @example
 * ```ts
 * writeFileSync('out/mnist-loss.svg', lossPlotSvg(history));
 * ```
 */
export function lossPlotSvg(history: readonly EpochStats[], title = 'MNIST: training loss and test accuracy'): string {
  const W = 720, H = 420, left = 70, right = 70, top = 50, bottom = 60;
  const pw = W - left - right, ph = H - top - bottom;
  const n = history.length;
  const x = (epoch: number): number => left + (n <= 1 ? pw / 2 : ((epoch - 1) / (n - 1)) * pw);
  const lossMax = niceCeil(Math.max(...history.map((h) => h.trainLoss), 1e-3));
  const accs = history.map((h) => 100 * h.testAccuracy);
  // 10-point steps keep the five gridlines on round percentages (2% or 4% apart).
  const accLo = Math.min(90, Math.floor(Math.min(...accs) / 10) * 10), accHi = 100;
  const yLoss = (v: number): number => top + ph * (1 - v / lossMax);
  const yAcc = (v: number): number => top + ph * (1 - (v - accLo) / (accHi - accLo));
  const fmt = (v: number): string => v.toFixed(1);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="24" text-anchor="middle" font-size="16">${escapeXml(title)}</text>`);
  for (let i = 0; i <= 5; i++) {
    const y = top + (ph * i) / 5;
    out.push(`<line x1="${left}" y1="${fmt(y)}" x2="${left + pw}" y2="${fmt(y)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${left - 8}" y="${fmt(y + 4)}" text-anchor="end" fill="#1f77b4">${((lossMax * (5 - i)) / 5).toFixed(3)}</text>`);
    out.push(`<text x="${left + pw + 8}" y="${fmt(y + 4)}" fill="#d62728">${(accHi - ((accHi - accLo) * i) / 5).toFixed(0)}%</text>`);
  }
  const step = Math.max(1, Math.ceil(n / 10));
  for (let e = 1; e <= n; e += step) {
    out.push(`<line x1="${fmt(x(e))}" y1="${top + ph}" x2="${fmt(x(e))}" y2="${top + ph + 5}" stroke="#333"/>`);
    out.push(`<text x="${fmt(x(e))}" y="${top + ph + 20}" text-anchor="middle">${e}</text>`);
  }
  out.push(`<rect x="${left}" y="${top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${left + pw / 2}" y="${H - 15}" text-anchor="middle">epoch</text>`);
  out.push(`<text transform="translate(18 ${top + ph / 2}) rotate(-90)" text-anchor="middle" fill="#1f77b4">training loss (cross-entropy)</text>`);
  out.push(`<text transform="translate(${W - 14} ${top + ph / 2}) rotate(90)" text-anchor="middle" fill="#d62728">test accuracy</text>`);
  const series = (ys: number[], color: string, dash: string): void => {
    const pts = ys.map((v, i) => `${fmt(x(i + 1))},${fmt(v)}`).join(' ');
    out.push(`<polyline points="${pts}" fill="none" stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`);
    for (const [i, v] of ys.entries()) out.push(`<circle cx="${fmt(x(i + 1))}" cy="${fmt(v)}" r="3" fill="${color}"/>`);
  };
  series(history.map((h) => yLoss(h.trainLoss)), '#1f77b4', '');
  series(accs.map(yAcc), '#d62728', '6 3');
  const lx = left + pw - 200, ly = top + 12;
  out.push(`<rect x="${lx - 10}" y="${ly - 8}" width="200" height="48" fill="white" stroke="#ccc"/>`);
  out.push(`<line x1="${lx}" y1="${ly + 5}" x2="${lx + 24}" y2="${ly + 5}" stroke="#1f77b4" stroke-width="2"/>`);
  out.push(`<text x="${lx + 32}" y="${ly + 9}">training loss</text>`);
  out.push(`<line x1="${lx}" y1="${ly + 27}" x2="${lx + 24}" y2="${ly + 27}" stroke="#d62728" stroke-width="2" stroke-dasharray="6 3"/>`);
  out.push(`<text x="${lx + 32}" y="${ly + 31}">test accuracy (${accs.length ? accs[accs.length - 1]!.toFixed(2) : '-'}%)</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}


