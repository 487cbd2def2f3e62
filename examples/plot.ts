// A few hand-written SVG charts for the examples: no plotting dependency, readable output.

/** One line of a line chart. */
export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
  readonly color: string;
  readonly dashed?: boolean;
}

const W = 640, H = 400, M = { left: 70, right: 170, top: 40, bottom: 50 };

/**
 * Text made safe for SVG/XML content and attribute values.
 *
 * @example
 * ```ts
 * escapeXml('a < b'); // 'a &lt; b'
 * ```
 */
export function escapeXml(s: string): string {
  return s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}

const esc = escapeXml;

/**
 * The smallest of 1, 2, 2.5, 5 × 10^k at or above v, so axis labels are round.
 *
 * @example
 * ```ts
 * niceCeil(3.7); // 5
 * ```
 */
export function niceCeil(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function ticks(lo: number, hi: number, n = 5): number[] {
  const step = Math.pow(10, Math.floor(Math.log10((hi - lo) / n || 1)));
  const nice = [1, 2, 5, 10].map((k) => k * step).find((s) => (hi - lo) / s <= n) ?? step * 10;
  const out: number[] = [];
  for (let v = Math.ceil(lo / nice) * nice; v <= hi + 1e-12; v += nice) out.push(Number(v.toPrecision(12)));
  return out;
}

/**
 * A line chart with axes, ticks, a legend and a title.
 *
 * @example
 * ```ts
 * writeFileSync('out/x.svg', lineChart('Title', 'depth', 'MiB', [{ name: 'plain', points: [[1, 2]], color: '#c33' }]));
 * ```
 */
export function lineChart(title: string, xLabel: string, yLabel: string, series: readonly Series[], format = (v: number) => String(v)): string {
  const xs = series.flatMap((s) => s.points.map((p) => p[0])), ys = series.flatMap((s) => s.points.map((p) => p[1]));
  const x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(0, ...ys), y1 = Math.max(...ys) * 1.05 || 1;
  const px = (x: number): number => M.left + ((x - x0) / (x1 - x0 || 1)) * (W - M.left - M.right);
  const py = (y: number): number => H - M.bottom - ((y - y0) / (y1 - y0 || 1)) * (H - M.top - M.bottom);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2 - M.right / 2}" y="22" text-anchor="middle" font-size="15">${esc(title)}</text>`,
  ];
  for (const t of ticks(y0, y1)) {
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${py(t)}" y2="${py(t)}" stroke="#eee"/>`,
      `<text x="${M.left - 6}" y="${py(t) + 4}" text-anchor="end">${esc(format(t))}</text>`);
  }
  for (const t of ticks(x0, x1)) out.push(`<text x="${px(t)}" y="${H - M.bottom + 18}" text-anchor="middle">${t}</text>`);
  out.push(
    `<line x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}" stroke="#333"/>`,
    `<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${H - M.bottom}" stroke="#333"/>`,
    `<text x="${(M.left + W - M.right) / 2}" y="${H - 12}" text-anchor="middle">${esc(xLabel)}</text>`,
    `<text transform="translate(16 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`,
  );
  series.forEach((s, i) => {
    const d = s.points.map((p, k) => `${k ? 'L' : 'M'}${px(p[0]).toFixed(1)},${py(p[1]).toFixed(1)}`).join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    for (const p of s.points) out.push(`<circle cx="${px(p[0]).toFixed(1)}" cy="${py(p[1]).toFixed(1)}" r="3" fill="${s.color}"/>`);
    const ly = M.top + 10 + i * 20;
    out.push(`<line x1="${W - M.right + 12}" x2="${W - M.right + 36}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
      `<text x="${W - M.right + 42}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

/** One bar of a bar chart. */
export interface Bar {
  readonly label: string;
  readonly value: number;
}

/**
 * A horizontal bar chart with an optional reference line (e.g. a theoretical bound).
 *
 * @example
 * ```ts
 * barChart('cost', [{ label: 'mlp', value: 2.1 }], { at: 4, label: 'bound 4' });
 * ```
 */
export function barChart(title: string, bars: readonly Bar[], reference?: { at: number; label: string }): string {
  const left = 210, right = 40, top = 44, rowH = 34, h = top + bars.length * rowH + 40;
  const vmax = Math.max(reference?.at ?? 0, ...bars.map((b) => b.value)) * 1.1;
  const px = (v: number): number => left + (v / vmax) * (W - left - right);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${h}" viewBox="0 0 ${W} ${h}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${h}" fill="white"/>`,
    `<text x="${W / 2}" y="24" text-anchor="middle" font-size="15">${esc(title)}</text>`,
  ];
  bars.forEach((b, i) => {
    const y = top + i * rowH;
    out.push(`<rect x="${left}" y="${y}" width="${(px(b.value) - left).toFixed(1)}" height="${rowH - 10}" fill="#4a7bd0"/>`,
      `<text x="${left - 8}" y="${y + rowH / 2}" text-anchor="end">${esc(b.label)}</text>`,
      `<text x="${px(b.value) + 6}" y="${y + rowH / 2}">${b.value.toFixed(2)}</text>`);
  });
  if (reference) {
    const x = px(reference.at);
    out.push(`<line x1="${x}" x2="${x}" y1="${top - 6}" y2="${top + bars.length * rowH}" stroke="#c33" stroke-width="2" stroke-dasharray="6 4"/>`,
      `<text x="${x}" y="${top + bars.length * rowH + 18}" text-anchor="middle" fill="#c33">${esc(reference.label)}</text>`);
  }
  out.push('</svg>');
  return out.join('\n');
}
