import type { Tensor } from '../tensor.js';
import { palette } from './dot.js';
import { buildGraph, type GraphOptions, type VizEdgeKind, type VizGraph, type VizNode } from './graph.js';

/**
 * The same drawing as `toDot`, as a Mermaid flowchart, to paste into Markdown (GitHub and most doc sites render
 * ```` ```mermaid ```` blocks). Leaves are stadiums, ops boxes, `AccumulateGrad` subroutine boxes, saved tensors
 * cylinders (dotted links), the seed a circle; gradient edges are red.
 *
 * @example
 * ```ts
 * import { tensor, toMermaid } from 'adjoint';
 * const x = tensor([1, 2], { requiresGrad: true });
 * const md = '```mermaid\n' + toMermaid(x.mul(x).sum(), { backward: true }) + '```';
 * ```
 */
export function toMermaid(output: Tensor, options: GraphOptions = {}): string {
  return renderMermaid(buildGraph(output, options));
}

/**
 * A `VizGraph` as Mermaid flowchart text.
 *
 * @example
 * ```ts
 * renderMermaid(buildGraph(y)); // 'flowchart TB\n ...'
 * ```
 * @internal
 */
export function renderMermaid(g: VizGraph): string {
  const out: string[] = [];
  const heading = [g.title, g.caption].filter((s): s is string => s !== undefined).join(' — ');
  // Mermaid's front matter is YAML; a double-quoted YAML string needs only " and \ escaped.
  if (heading) out.push('---', `title: "${heading.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`, '---');
  out.push('flowchart TB');
  for (const n of g.nodes) out.push(`  ${n.id}${shape(n)}`);
  const byKind = new Map<VizEdgeKind, number[]>();
  g.edges.forEach((e, i) => {
    const label = e.label === undefined ? '' : `|${mquote(e.label)}|`;
    const arrow = e.kind === 'saved' ? '-.-' : e.kind === 'accumulate' ? '==>' : '-->';
    out.push(`  ${e.from} ${arrow}${label} ${e.to}`);
    const list = byKind.get(e.kind) ?? [];
    list.push(i);
    byKind.set(e.kind, list);
  });
  const classes = new Map<string, string[]>();
  for (const n of g.nodes) {
    const cls = className(n);
    const list = classes.get(cls) ?? [];
    list.push(n.id);
    classes.set(cls, list);
  }
  for (const [cls, ids] of classes) {
    out.push(`  classDef ${cls} ${classStyle(cls)}`);
    out.push(`  class ${ids.join(',')} ${cls}`);
  }
  for (const [kind, indices] of byKind) {
    const color = palette.edge[kind];
    out.push(`  linkStyle ${indices.join(',')} stroke:${color},color:${color}${kind === 'accumulate' ? ',stroke-width:2px' : ''}`);
  }
  return out.join('\n') + '\n';
}

/**
 * A Mermaid double-quoted label: Mermaid has no backslash escapes, so `"`, `#`, `<` and `>` become its entity
 * codes and line breaks `<br>`.
 *
 * @example
 * ```ts
 * mquote('a "b"'); // '"a #quot;b#quot;"'
 * ```
 * @internal
 */
export function mquote(s: string): string {
  const escaped = s
    .replace(/#/g, '#35;')
    .replace(/"/g, '#quot;')
    .replace(/</g, '#lt;')
    .replace(/>/g, '#gt;')
    .replace(/\r?\n/g, '<br>');
  return `"${escaped}"`;
}

function shape(n: VizNode): string {
  const label = mquote(n.lines.join('\n'));
  switch (n.kind) {
    case 'leaf':
    case 'const':
      return `([${label}])`;
    case 'accumulate':
      return `[[${label}]]`;
    case 'seed':
      return `((${label}))`;
    case 'saved':
      return `[(${label})]`;
    case 'op':
    case 'grad':
      return `[${label}]`;
  }
}

function className(n: VizNode): string {
  if (n.kind === 'leaf') return n.requiresGrad ? 'leaf' : 'tensor';
  if ((n.kind === 'op' || n.kind === 'grad') && n.output) return 'output';
  return n.kind;
}

function classStyle(cls: string): string {
  const s = (fill: string, stroke: string, extra = ''): string => `fill:${fill},stroke:${stroke}${extra}`;
  switch (cls) {
    case 'leaf': return s(palette.leaf.fill, palette.leaf.stroke, ',stroke-width:2px');
    case 'tensor': return s(palette.leafNoGrad.fill, palette.leafNoGrad.stroke);
    case 'const': return s(palette.const.fill, palette.const.stroke, `,stroke-dasharray:4 3,color:${palette.const.font}`);
    case 'output': return s(palette.output.fill, palette.output.stroke, ',stroke-width:2px');
    case 'op': return s(palette.op.fill, palette.op.stroke);
    case 'grad': return s(palette.grad.fill, palette.grad.stroke);
    case 'accumulate': return s(palette.accumulate.fill, palette.accumulate.stroke);
    case 'seed': return s(palette.seed.fill, palette.seed.stroke);
    default: return s(palette.saved.fill, palette.saved.stroke, `,color:${palette.saved.font}`);
  }
}
