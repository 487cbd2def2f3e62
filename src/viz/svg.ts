import type { Tensor } from '../tensor.js';
import { toDot } from './dot.js';
import type { GraphOptions } from './graph.js';

/**
 * Anything that lays out DOT and returns SVG text: an instance of `@viz-js/viz` (`await instance()`) fits.
 *
 * @example
 * ```ts
 * import { instance } from '@viz-js/viz';
 * const renderer: GraphvizRenderer = await instance();
 * ```
 */
export interface GraphvizRenderer {
  /** Render DOT source to a string in `options.format` (`'svg'`) with the layout engine `options.engine` (`'dot'`). */
  renderString(dot: string, options: { format: string; engine: string }): string;
}

/**
 * Options of `toSvg`: the drawing's, plus how to lay it out.
 *
 * @example
 * ```ts
 * await toSvg(loss, { backward: true, engine: 'dot', renderer: await instance() });
 * ```
 */
export interface SvgOptions extends GraphOptions {
  /** The renderer to use instead of loading `@viz-js/viz` (in a browser from a CDN, say, or to share one). */
  readonly renderer?: GraphvizRenderer;
  /** The Graphviz layout engine (default 'dot', the layered layout that suits computation graphs). */
  readonly engine?: string;
}

let loaded: Promise<GraphvizRenderer> | null = null;

// Kept out of the core: the WASM build of Graphviz is about 1.5 MB and only drawing needs it, so it is an
// optional peer dependency loaded on first use.
async function loadRenderer(): Promise<GraphvizRenderer> {
  loaded ??= import('@viz-js/viz').then(
    (viz) => viz.instance(),
    (cause: unknown) => {
      loaded = null;
      throw new Error(
        `toSvg: rendering SVG needs the optional peer dependency @viz-js/viz (Graphviz compiled to WebAssembly), which ` +
          `could not be loaded. Install it with \`npm install @viz-js/viz\`, or pass { renderer } (an @viz-js/viz ` +
          `instance), or render toDot() output yourself with Graphviz (\`dot -Tsvg graph.dot > graph.svg\`).`,
        { cause },
      );
    },
  );
  return loaded;
}

/**
 * The graph of `output` (as `toDot` draws it) laid out by Graphviz and rendered to SVG text. Uses
 * `@viz-js/viz`, an optional peer dependency loaded only when this is called: install it yourself
 * (`npm install @viz-js/viz`) or pass `{ renderer }`.
 *
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs';
 * import { tensor, toSvg, traceBackward } from 'adjoint';
 * const x = tensor([1, 2, 3], { requiresGrad: true });
 * const loss = x.mul(x).sum();
 * traceBackward(loss);
 * writeFileSync('graph.svg', await toSvg(loss, { backward: true, showValues: true }));
 * ```
 */
export async function toSvg(output: Tensor, options: SvgOptions = {}): Promise<string> {
  const { renderer, engine, ...graph } = options;
  const dot = toDot(output, graph);
  const r = renderer ?? (await loadRenderer());
  return r.renderString(dot, { format: 'svg', engine: engine ?? 'dot' });
}
