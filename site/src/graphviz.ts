// Graphviz (WebAssembly, from @viz-js/viz) for the page's graph drawings, and putting its SVG into the page.
import type { GraphvizRenderer } from '../../src/index.js';

let renderer: Promise<GraphvizRenderer> | null = null;

/** The one Graphviz instance of the page, loaded (about 1.2 MB) the first time a graph is drawn. */
export function graphviz(): Promise<GraphvizRenderer> {
  renderer ??= import('@viz-js/viz').then((viz) => viz.instance());
  return renderer;
}

let drawings = 0;

/**
 * Parse Graphviz's SVG text and put it into `host` in place of what was there: ids made unique to this drawing
 * (two drawings of one page would otherwise both have `node1`), scaled to the host's width but never above its
 * natural size, and labelled for assistive technology.
 *
 * @example
 * ```ts
 * const svg = place(host, await toSvg(f, { renderer }), 'Forward graph of log(x·y)');
 * ```
 */
export function place(host: HTMLElement, svgText: string, label: string): SVGSVGElement {
  const doc = new DOMParser().parseFromString(svgText, 'image/svg+xml');
  const svg = doc.documentElement as unknown as SVGSVGElement;
  if (svg.nodeName !== 'svg') throw new Error('Graphviz did not return an SVG drawing.');
  const prefix = `g${++drawings}-`;
  for (const el of svg.querySelectorAll('[id]')) el.id = prefix + el.id;
  svg.dataset.prefix = prefix;
  const pt = (v: string | null): number => parseFloat(v ?? '0') * (4 / 3);
  const width = pt(svg.getAttribute('width'));
  svg.removeAttribute('height');
  svg.setAttribute('width', '100%');
  svg.style.maxWidth = `${Math.ceil(width)}px`;
  // On a phone a wide graph would shrink until its labels cannot be read: below this it scrolls sideways instead.
  svg.style.minWidth = `${Math.min(Math.ceil(width), 440)}px`;
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  // Graphviz gives the whole drawing a <title> naming the graph ("adjoint"); a tooltip saying so is noise.
  svg.querySelector(':scope > g > title')?.remove();
  host.replaceChildren(document.importNode(svg, true));
  return host.querySelector('svg')!;
}

/**
 * The `<g>` elements of a placed drawing's nodes or edges, by their DOT name (`op0`, `seed->op0`); edges between
 * the same two nodes are listed in order.
 *
 * @example
 * ```ts
 * elements(svg, 'node').get('op0')![0]!.classList.add('current');
 * ```
 */
export function elements(svg: SVGSVGElement, kind: 'node' | 'edge'): Map<string, SVGGElement[]> {
  const out = new Map<string, SVGGElement[]>();
  for (const g of svg.querySelectorAll<SVGGElement>(`g.${kind}`)) {
    const title = g.querySelector('title')?.textContent ?? '';
    const list = out.get(title) ?? [];
    list.push(g);
    out.set(title, list);
  }
  // Graphviz numbers nodes and edges in the order of the DOT text (node1, edge1, …) but may write them out of it.
  const index = (g: SVGGElement): number => Number(/(\d+)$/.exec(g.id)?.[1] ?? 0);
  for (const list of out.values()) list.sort((a, b) => index(a) - index(b));
  return out;
}
