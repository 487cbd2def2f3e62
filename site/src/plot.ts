// A small SVG line chart: axes with a few round ticks, lines, point markers and labels. The SVG scales with its
// container (viewBox), so it fits a phone screen; text stays readable because the chart is drawn at a modest size.

const NS = 'http://www.w3.org/2000/svg';

export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
  /** CSS class of the line (colours live in the stylesheet). */
  readonly className: string;
  readonly markers?: boolean;
  /** Write the series name just above its last point. */
  readonly label?: boolean;
}

export interface ChartOptions {
  readonly width?: number;
  readonly height?: number;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly xMax: number;
  readonly yMax: number;
  /** Logarithmic axes (then xMin / yMin are the lower ends, and the ticks should be given). */
  readonly logX?: boolean;
  readonly logY?: boolean;
  readonly xMin?: number;
  readonly yMin?: number;
  readonly xTicks?: readonly number[];
  readonly yTicks?: readonly number[];
  readonly formatX?: (v: number) => string;
  readonly formatY?: (v: number) => string;
  readonly title: string;
  /** Extra text marks: [x, y, text, className]. */
  readonly notes?: readonly (readonly [number, number, string, string])[];
}

function el<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** About five round tick values from 0 to max. @example `ticks(2.3) // [0, 0.5, 1, 1.5, 2]` */
export function ticks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0];
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = 0; v <= max + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** Draw the chart into `host`, replacing what was there. */
export function lineChart(host: HTMLElement, series: readonly Series[], o: ChartOptions): SVGSVGElement {
  // Drawn at the host's width in pixels, so that text is the same size on a phone as on a desktop.
  const W = o.width ?? Math.round(Math.min(720, Math.max(300, host.clientWidth || 640)));
  const H = o.height ?? Math.round(Math.max(230, Math.min(320, W * 0.5)));
  const fy = o.formatY ?? ((v: number) => String(v));
  const yTicks = (o.yTicks ?? ticks(o.yMax)).filter((t) => t <= o.yMax && t >= (o.yMin ?? 0));
  // Room on the left for the longest tick label; the axis name sits above the axis, not beside it.
  const m = { left: 14 + 7 * Math.max(...yTicks.map((t) => fy(t).length)), right: 18, top: 34, bottom: 46 };
  const unit = (v: number, lo: number, hi: number, log: boolean): number =>
    log ? (Math.log(v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo)) : (v - lo) / (hi - lo);
  const x = (v: number): number => m.left + unit(v, o.xMin ?? 0, o.xMax, !!o.logX) * (W - m.left - m.right);
  const y = (v: number): number => H - m.bottom - unit(v, o.yMin ?? 0, o.yMax, !!o.logY) * (H - m.top - m.bottom);
  const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': o.title });

  const grid = el('g', { class: 'grid' });
  for (const t of yTicks) {
    grid.append(el('line', { x1: m.left, x2: W - m.right, y1: y(t), y2: y(t) }));
    grid.append(el('text', { x: m.left - 6, y: y(t) + 4, 'text-anchor': 'end' }, fy(t)));
  }
  for (const t of o.xTicks ?? ticks(o.xMax)) {
    grid.append(el('line', { x1: x(t), x2: x(t), y1: H - m.bottom, y2: H - m.bottom + 5 }));
    grid.append(el('text', { x: x(t), y: H - m.bottom + 19, 'text-anchor': 'middle' }, (o.formatX ?? String)(t)));
  }
  grid.append(el('line', { class: 'axis', x1: m.left, x2: W - m.right, y1: H - m.bottom, y2: H - m.bottom }));
  grid.append(el('line', { class: 'axis', x1: m.left, x2: m.left, y1: m.top, y2: H - m.bottom }));
  grid.append(el('text', { class: 'axis-label', x: (m.left + W - m.right) / 2, y: H - 6, 'text-anchor': 'middle' }, o.xLabel));
  grid.append(el('text', { class: 'axis-label', x: 4, y: 14, 'text-anchor': 'start' }, `↑ ${o.yLabel}`));
  svg.append(grid);

  for (const s of series) {
    if (s.points.length === 0) continue;
    const g = el('g', { class: `series ${s.className}` });
    g.append(el('polyline', { points: s.points.map(([a, b]) => `${x(a).toFixed(1)},${y(b).toFixed(1)}`).join(' ') }));
    if (s.markers) for (const [a, b] of s.points) g.append(el('circle', { cx: x(a), cy: y(b), r: 3.5 }));
    if (s.label) {
      const [a, b] = s.points[s.points.length - 1]!;
      g.append(el('text', { x: x(a) - 4, y: y(b) - 10, 'text-anchor': 'end' }, s.name));
    }
    svg.append(g);
  }
  for (const [a, b, text, cls] of o.notes ?? []) {
    svg.append(el('text', { class: cls, x: x(a), y: y(b), 'text-anchor': 'middle' }, text));
  }
  host.replaceChildren(svg);
  return svg;
}

/** Call `redraw` when `host` changes width (a phone turned sideways), at most once a frame. */
export function onWidthChange(host: HTMLElement, redraw: () => void): void {
  if (typeof ResizeObserver === 'undefined') return;
  let width = host.clientWidth, queued = false;
  new ResizeObserver(() => {
    if (host.clientWidth === width || queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      width = host.clientWidth;
      redraw();
    });
  }).observe(host);
}
