import type { Tensor } from '../tensor.js';
import { buildGraph, type GraphOptions, type VizEdgeKind, type VizGraph, type VizNode } from './graph.js';

/** Colours shared by the DOT and Mermaid renderers, so both drawings read the same way. @example `palette.leaf.fill` @internal */
export const palette = {
  leaf: { fill: '#d6e8fb', stroke: '#2b6cb0' },
  leafNoGrad: { fill: '#f0f0f0', stroke: '#777777' },
  const: { fill: '#f7f7f7', stroke: '#9a9a9a', font: '#555555' },
  op: { fill: '#fff3d1', stroke: '#a67c00' },
  output: { fill: '#d8f3dc', stroke: '#2f855a' },
  grad: { fill: '#ececec', stroke: '#555555' },
  accumulate: { fill: '#e9e3f7', stroke: '#6b46c1' },
  seed: { fill: '#d8f3dc', stroke: '#2f855a' },
  saved: { fill: '#fde3c8', stroke: '#c05621', font: '#7b341e' },
  edge: { data: '#4a5568', grad: '#c53030', accumulate: '#6b46c1', saved: '#c05621' },
} as const;

/**
 * The graph that produced `output`, in Graphviz DOT. By default the forward graph: leaves (blue, "requires
 * grad"), constants (dashed), one box per op with its output's shape and dtype, the output in green, edges in
 * the direction data flows. With `backward: true`, the backward graph as the engine runs it: the seed, one node
 * per op (`MulBackward0`, …), `AccumulateGrad` into each leaf, edges in the direction gradients flow; with
 * `showSaved`, the tensors each node keeps (shape, dtype, bytes); with `showValues`, gradient values along the
 * edges after `traceBackward` (or `.grad` of leaves after a plain backward). Render it with `toSvg`, Graphviz's
 * `dot -Tsvg`, or any DOT viewer.
 *
 * @example
 * ```ts
 * import { tensor, toDot, traceBackward } from 'adjoint';
 * const x = tensor(0.5, { requiresGrad: true }), y = tensor(0.75, { requiresGrad: true });
 * const b = x.mul(y).log();
 * toDot(b, { names: { x, y, b } });                    // forward: x, y -> mul -> log
 * traceBackward(b);
 * toDot(b, { backward: true, showSaved: true, showValues: true, names: { x, y, b } });
 * ```
 */
export function toDot(output: Tensor, options: GraphOptions = {}): string {
  return renderDot(buildGraph(output, options));
}

/**
 * A `VizGraph` as DOT text.
 *
 * @example
 * ```ts
 * renderDot(buildGraph(y)); // 'digraph adjoint {\n ...'
 * ```
 * @internal
 */
export function renderDot(g: VizGraph): string {
  const out: string[] = [];
  out.push('digraph adjoint {');
  const heading = [g.title, g.caption].filter((s): s is string => s !== undefined);
  out.push(
    `  graph [rankdir=TB, nodesep=0.35, ranksep=0.4, fontname="Helvetica", fontsize=12, bgcolor="white", pad=0.25` +
      (heading.length ? `, labelloc=t, labeljust=l, label=${leftJustified(heading)}` : '') + '];',
  );
  out.push(
    '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11, margin="0.2,0.06", ' +
      'penwidth=1.2, color="#555555", fillcolor="#ffffff"];',
  );
  out.push('  edge [fontname="Helvetica", fontsize=10, arrowsize=0.7, penwidth=1.1];');
  for (const n of g.nodes) out.push(`  ${n.id} [${attrs({ label: quote(n.lines.join('\n')), ...nodeStyle(n) })}];`);
  for (const e of g.edges) {
    const style = edgeStyle(e.kind);
    // A leading space keeps the label text off the edge line.
    if (e.label !== undefined) style.label = quote(`  ${e.label}`);
    out.push(`  ${e.from} -> ${e.to} [${attrs(style)}];`);
  }
  for (const group of g.sameRank) out.push(`  { rank=same; ${group.join('; ')}; }`);
  out.push('}');
  return out.join('\n') + '\n';
}

/**
 * A DOT double-quoted string. Only `"` and `\` are special inside one; line breaks become Graphviz's `\n`.
 *
 * @example
 * ```ts
 * quote('say "hi"'); // '"say \\"hi\\""'
 * ```
 * @internal
 */
export function quote(s: string): string {
  return '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n') + '"';
}

// Graphviz's \l ends a left-justified line; quote() would escape the backslash, so lines are quoted one by one.
function leftJustified(lines: readonly string[]): string {
  return '"' + lines.map((l) => quote(l).slice(1, -1) + '\\l').join('') + '"';
}

function attrs(a: Record<string, string>): string {
  return Object.entries(a).map(([k, v]) => `${k}=${v}`).join(', ');
}

function nodeStyle(n: VizNode): Record<string, string> {
  const c = (fill: string, stroke: string): Record<string, string> => ({ fillcolor: quote(fill), color: quote(stroke) });
  switch (n.kind) {
    case 'leaf':
      return n.requiresGrad
        ? { ...c(palette.leaf.fill, palette.leaf.stroke), penwidth: '1.8' }
        : c(palette.leafNoGrad.fill, palette.leafNoGrad.stroke);
    case 'const':
      return { ...c(palette.const.fill, palette.const.stroke), style: quote('rounded,filled,dashed'), fontcolor: quote(palette.const.font) };
    case 'op':
    case 'grad': {
      const base = n.output ? palette.output : n.kind === 'op' ? palette.op : palette.grad;
      return { ...c(base.fill, base.stroke), ...(n.output ? { penwidth: '1.8' } : {}) };
    }
    case 'accumulate':
      return c(palette.accumulate.fill, palette.accumulate.stroke);
    case 'seed':
      return { ...c(palette.seed.fill, palette.seed.stroke), shape: 'ellipse', style: 'filled' };
    case 'saved':
      return {
        ...c(palette.saved.fill, palette.saved.stroke), shape: 'note', style: 'filled', fontsize: '9', fontcolor: quote(palette.saved.font),
      };
  }
}

function edgeStyle(kind: VizEdgeKind): Record<string, string> {
  const color = palette.edge[kind];
  switch (kind) {
    case 'data':
      return { color: quote(color) };
    case 'grad':
      return { color: quote(color), fontcolor: quote(color) };
    case 'accumulate':
      return { color: quote(color), fontcolor: quote(color), style: 'bold' };
    case 'saved':
      // Holding a tensor is not a flow: no arrowhead, and it must not push the backward chain apart.
      return { color: quote(color), style: 'dashed', arrowhead: 'none', weight: '0' };
  }
}
