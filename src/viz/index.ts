/**
 * Figures from the library: the forward and backward graphs of a computation as Graphviz DOT, Mermaid or SVG,
 * with saved tensors and the gradients that flowed along each edge.
 *
 * @example
 * ```ts
 * import { tensor, toSvg, traceBackward } from 'adjoint';
 * const x = tensor(0.5, { requiresGrad: true }), y = tensor(0.75, { requiresGrad: true });
 * const b = x.mul(y).log();
 * traceBackward(b);
 * const svg = await toSvg(b, { backward: true, showValues: true, names: { x, y, b } });
 * ```
 */
export { toDot } from './dot.js';
export { toMermaid } from './mermaid.js';
export { toSvg, type SvgOptions, type GraphvizRenderer } from './svg.js';
export { traceBackward, lastTrace, type BackwardTrace, type TraceOptions } from './trace.js';
export type { GraphOptions } from './graph.js';
