import { describe, expect, it, vi } from 'vitest';
import {
  lastTrace, tensor, toDot, toMermaid, toSvg, traceBackward, type GraphOptions, type Tensor,
} from '../src/index.js';

// A small DOT reader for the subset toDot writes (and a little more): statements, attribute lists, quoted
// strings with escapes, `->` edges and `{ rank=same; ... }` groups. Parsing rather than matching substrings
// checks that the text is well-formed DOT and lets the tests talk about nodes and edges.
interface DotGraph {
  nodes: Map<string, Record<string, string>>;
  edges: { from: string; to: string; attrs: Record<string, string> }[];
  graphAttrs: Record<string, string>;
  sameRank: string[][];
}

function tokenize(src: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if (c === '"') {
      let s = '"';
      i++;
      while (i < src.length && src[i] !== '"') {
        if (src[i] === '\\') { s += src[i]! + src[i + 1]!; i += 2; } else s += src[i++]!;
      }
      if (i >= src.length) throw new Error('unterminated string');
      tokens.push(s + '"');
      i++;
      continue;
    }
    if (src.startsWith('->', i)) { tokens.push('->'); i += 2; continue; }
    if ('[]{};,='.includes(c)) { tokens.push(c); i++; continue; }
    const m = /^[A-Za-z0-9_.#]+/.exec(src.slice(i));
    if (!m) throw new Error(`unexpected character ${c} at ${i}`);
    tokens.push(m[0]);
    i += m[0].length;
  }
  return tokens;
}

function unquote(tok: string): string {
  if (!tok.startsWith('"')) return tok;
  return tok.slice(1, -1).replace(/\\(.)/g, (_, ch: string) => (ch === 'n' ? '\n' : ch === 'l' ? '\n' : ch));
}

function parseDot(src: string): DotGraph {
  const t = tokenize(src);
  let p = 0;
  const expect_ = (tok: string): void => {
    if (t[p] !== tok) throw new Error(`expected ${tok} at token ${p}, got ${t[p]}`);
    p++;
  };
  const attrList = (): Record<string, string> => {
    const out: Record<string, string> = {};
    if (t[p] !== '[') return out;
    p++;
    while (t[p] !== ']') {
      const k = t[p++]!;
      expect_('=');
      out[k] = unquote(t[p++]!);
      if (t[p] === ',' || t[p] === ';') p++;
    }
    p++;
    return out;
  };
  const g: DotGraph = { nodes: new Map(), edges: [], graphAttrs: {}, sameRank: [] };
  expect_('digraph');
  if (t[p] !== '{') p++;
  expect_('{');
  while (t[p] !== '}') {
    const tok = t[p++]!;
    if (tok === '{') {
      const group: string[] = [];
      while (t[p] !== '}') {
        if (t[p + 1] === '=') { p += 3; } else group.push(t[p++]!);
        if (t[p] === ';') p++;
      }
      p++;
      g.sameRank.push(group);
    } else if (tok === 'graph' || tok === 'node' || tok === 'edge') {
      const a = attrList();
      if (tok === 'graph') Object.assign(g.graphAttrs, a);
    } else if (t[p] === '->') {
      p++;
      const to = t[p++]!;
      g.edges.push({ from: tok, to, attrs: attrList() });
    } else {
      if (g.nodes.has(tok)) throw new Error(`node ${tok} declared twice`);
      g.nodes.set(tok, attrList());
    }
    if (t[p] === ';') p++;
  }
  return g;
}

const dot = (y: Tensor, o: GraphOptions = {}): DotGraph => parseDot(toDot(y, o));
const label = (g: DotGraph, id: string): string => g.nodes.get(id)?.['label'] ?? '';
const ids = (g: DotGraph, prefix: string): string[] => [...g.nodes.keys()].filter((k) => new RegExp(`^${prefix}\\d+$`).test(k));
const edgesOf = (g: DotGraph, from: string, to: string) => g.edges.filter((e) => e.from === from && e.to === to);
const nodeWith = (g: DotGraph, text: string): string => {
  const found = [...g.nodes.entries()].filter(([, a]) => (a['label'] ?? '').includes(text)).map(([id]) => id);
  if (found.length !== 1) throw new Error(`expected one node labelled '${text}', found ${found.length}`);
  return found[0]!;
};

function logXY() {
  const x = tensor(0.5, { requiresGrad: true });
  const y = tensor(0.75, { requiresGrad: true });
  const a = x.mul(y);
  const b = a.log();
  return { x, y, a, b, names: { x, y, a, b } };
}

describe('toDot: forward graph', () => {
  it('draws log(x·y) as leaves feeding mul feeding log, with shapes, dtypes and leaf styling', () => {
    const { b, names } = logXY();
    const g = dot(b, { names });
    expect(g.nodes.size).toBe(4);
    expect(g.edges).toHaveLength(3);
    const [x, y, mul, log] = ['x\n', 'y\n', 'mul', 'log'].map((s) => nodeWith(g, s)) as [string, string, string, string];
    expect(label(g, mul)).toBe('mul\na: scalar float32');
    expect(label(g, log)).toBe('log\nb: scalar float32');
    // Data flows from the inputs to the output.
    expect(edgesOf(g, x, mul)).toHaveLength(1);
    expect(edgesOf(g, y, mul)).toHaveLength(1);
    expect(edgesOf(g, mul, log)).toHaveLength(1);
    for (const leaf of [x, y]) {
      expect(label(g, leaf)).toContain('requires grad');
      expect(g.nodes.get(leaf)!['fillcolor']).toBe(g.nodes.get(x)!['fillcolor']);
    }
    // Leaves, intermediates and the output are told apart by style.
    const fill = (id: string): string | undefined => g.nodes.get(id)!['fillcolor'];
    expect(new Set([fill(x), fill(mul), fill(log)]).size).toBe(3);
    expect(g.nodes.get(log)!['penwidth']).toBeDefined();
  });

  it('labels unnamed tensors by shape and the output as output, and prints values on request', () => {
    const { b, x } = logXY();
    const g = dot(b, { showValues: true, names: { x } });
    expect(label(g, nodeWith(g, 'log'))).toBe('log\noutput: scalar float32\n= -0.9808');
    expect(label(g, nodeWith(g, 'mul'))).toBe('mul\nscalar float32');
    expect(label(g, nodeWith(g, 'x\n'))).toBe('x\nscalar float32\nrequires grad\n= 0.5');
    expect(label(g, nodeWith(g, '= 0.75'))).toBe('leaf\nscalar float32\nrequires grad\n= 0.75');
  });

  it('draws a tensor used twice (x·x) once, with two edges into the op', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(x).sum();
    const g = dot(y);
    expect(ids(g, 'leaf')).toEqual(['leaf0']);
    expect(ids(g, 'op')).toHaveLength(2);
    const mul = nodeWith(g, 'mul');
    expect(edgesOf(g, 'leaf0', mul)).toHaveLength(2);
    expect(label(g, mul)).toBe('mul\n[3] float32');
    expect(label(g, nodeWith(g, 'sum'))).toContain('scalar float32');
    expect(label(g, 'leaf0')).toContain('[3] float32');
  });

  it('shows broadcasting: the [3] bias and the [2, 3] input feed an add producing [2, 3]; constants are dashed', () => {
    const a = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
    const bias = tensor([10, 20, 30], { requiresGrad: true });
    const y = a.add(bias).mul(2).sum();
    const g = dot(y, { names: { a, bias } });
    const add = nodeWith(g, 'add');
    expect(label(g, add)).toBe('add\n[2, 3] float32');
    expect(edgesOf(g, nodeWith(g, 'a\n'), add)).toHaveLength(1);
    expect(edgesOf(g, nodeWith(g, 'bias\n'), add)).toHaveLength(1);
    expect(label(g, nodeWith(g, 'bias\n'))).toContain('[3] float32');
    const [c] = ids(g, 'const');
    expect(label(g, c!)).toBe('constant\nscalar float32');
    expect(g.nodes.get(c!)!['style']).toContain('dashed');
    expect(label(g, c!)).not.toContain('requires grad');
    expect(edgesOf(g, c!, nodeWith(g, 'mul'))).toHaveLength(1);
  });

  it('prints op attributes', () => {
    const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const g = dot(x.sum(1, true).mean());
    expect(label(g, nodeWith(g, 'sum('))).toMatch(/^sum\(dims=\[1\], keepdim=true\)\n\[2, 1\] float32$/);
  });

  it('draws a tensor without a graph as a single node', () => {
    const g = dot(tensor([1, 2]), { showValues: true });
    expect(g.nodes.size).toBe(1);
    expect(g.edges).toHaveLength(0);
    expect(label(g, 'leaf0')).toBe('tensor\n[2] float32\n= [1, 2]');
  });

  it('is deterministic and escapes quotes, backslashes and newlines in labels', () => {
    const make = () => {
      const x = tensor([1, 2], { requiresGrad: true });
      const y = x.exp().mul(x).sum();
      return { x, y };
    };
    const first = make(), second = make();
    expect(toDot(first.y)).toBe(toDot(second.y));
    expect(toDot(first.y, { backward: true, showSaved: true })).toBe(toDot(second.y, { backward: true, showSaved: true }));
    const name = 'say "hi" \\ to\nme';
    const g = dot(first.y, { names: { [name]: first.x }, title: 'a "title"' });
    expect(label(g, 'leaf0').startsWith(name + '\n')).toBe(true);
    expect(g.graphAttrs['label']).toBe('a "title"\n');
  });

  it('walks deep graphs without recursion', () => {
    const x = tensor([1], { requiresGrad: true });
    let y = x;
    for (let i = 0; i < 12000; i++) y = y.mul(1);
    const g = dot(y.sum(), { backward: true });
    expect(ids(g, 'op')).toHaveLength(12001);
    expect(dot(y.sum()).edges).toHaveLength(12000 * 2 + 1); // forward: each mul also reads its constant
    expect(g.edges).toHaveLength(12001 + 1 + 1); // op chain, seed, AccumulateGrad into x
  });
});

describe('toDot: backward graph', () => {
  it('draws log(x·y) as PyTorch does: seed, LogBackward0, MulBackward0, AccumulateGrad into each leaf', () => {
    const { b, names } = logXY();
    const g = dot(b, { backward: true, names });
    expect(g.nodes.size).toBe(1 + 2 + 2 + 2);
    const log = nodeWith(g, 'LogBackward0'), mul = nodeWith(g, 'MulBackward0');
    expect(label(g, log)).toBe('LogBackward0\nb: scalar float32');
    expect(label(g, 'seed')).toContain('seed');
    // Gradients flow from the output to the leaves: the reverse of the forward edges.
    expect(edgesOf(g, 'seed', log)).toHaveLength(1);
    expect(edgesOf(g, log, mul)).toHaveLength(1);
    expect(edgesOf(g, mul, 'acc0')).toHaveLength(1);
    expect(edgesOf(g, mul, 'acc1')).toHaveLength(1);
    expect(edgesOf(g, 'acc0', 'leaf0')).toHaveLength(1);
    expect(edgesOf(g, 'acc1', 'leaf1')).toHaveLength(1);
    expect(label(g, 'acc0')).toBe('AccumulateGrad');
    expect(label(g, 'leaf0')).toContain('x\n');
    expect(label(g, 'leaf1')).toContain('y\n');
    expect(g.edges).toHaveLength(6);
    expect(g.edges.some((e) => e.from.startsWith('leaf'))).toBe(false);
  });

  it('shows saved tensors with shape, dtype and bytes, and their total', () => {
    const { b, names } = logXY();
    const g = dot(b, { backward: true, showSaved: true, names });
    const saved = ids(g, 'saved');
    expect(saved).toHaveLength(3); // log saves a; mul saves x and y
    expect(label(g, nodeWith(g, 'saved a'))).toBe('saved a\nscalar float32\n4 B');
    const mul = nodeWith(g, 'MulBackward0');
    expect(edgesOf(g, mul, nodeWith(g, 'saved x'))).toHaveLength(1);
    expect(edgesOf(g, mul, nodeWith(g, 'saved y'))).toHaveLength(1);
    expect(edgesOf(g, nodeWith(g, 'LogBackward0'), nodeWith(g, 'saved a'))[0]!.attrs['style']).toBe('dashed');
    expect(g.graphAttrs['label']).toContain('saved for backward: 3 tensors, 12 B');
    expect(g.sameRank).toContainEqual([mul, nodeWith(g, 'saved x'), nodeWith(g, 'saved y')]);
  });

  it('prints the gradient along every edge after traceBackward', () => {
    const { b, x, y, names } = logXY();
    const trace = traceBackward(b);
    expect(lastTrace(b)).toBe(trace);
    expect(x.grad!.item()).toBeCloseTo(2);
    expect(y.grad!.item()).toBeCloseTo(4 / 3);
    const g = dot(b, { backward: true, showValues: true, names });
    const log = nodeWith(g, 'LogBackward0'), mul = nodeWith(g, 'MulBackward0');
    const edgeLabel = (from: string, to: string): string | undefined => edgesOf(g, from, to)[0]?.attrs['label']?.trim();
    expect(edgeLabel('seed', log)).toBe('1');
    expect(edgeLabel(log, mul)).toBe('2.667'); // 1/(x·y)
    expect(edgeLabel(mul, 'acc0')).toBe('2'); // y/(x·y) = 1/x
    expect(edgeLabel(mul, 'acc1')).toBe('1.333');
    expect(edgeLabel('acc0', 'leaf0')).toBe('.grad += 2');
    expect(label(g, 'seed')).toBe('seed\ngrad of b\n= 1');
  });

  it('shows what is known without a trace: leaves .grad and retained gradients', () => {
    const { a, b, names } = logXY();
    a.retainGrad();
    b.backward();
    const g = dot(b, { backward: true, showValues: true, names });
    const log = nodeWith(g, 'LogBackward0'), mul = nodeWith(g, 'MulBackward0');
    expect(edgesOf(g, log, mul)[0]!.attrs['label']?.trim()).toBe('2.667');
    expect(edgesOf(g, mul, 'acc0')[0]!.attrs['label']).toBeUndefined();
    expect(edgesOf(g, 'acc0', 'leaf0')[0]!.attrs['label']?.trim()).toBe('.grad += 2');
    // Without showValues nothing is printed.
    expect(dot(b, { backward: true }).edges.every((e) => e.attrs['label'] === undefined)).toBe(true);
  });

  it('x·x: one AccumulateGrad reached by two edges, one saved node held twice', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(x).sum();
    traceBackward(y);
    const g = dot(y, { backward: true, showSaved: true, showValues: true });
    const mul = nodeWith(g, 'MulBackward0');
    expect(ids(g, 'acc')).toEqual(['acc0']);
    const into = edgesOf(g, mul, 'acc0');
    expect(into).toHaveLength(2);
    expect(into.map((e) => e.attrs['label']?.trim())).toEqual(['[1, 2, 3]', '[1, 2, 3]']);
    expect(edgesOf(g, 'acc0', 'leaf0')[0]!.attrs['label']?.trim()).toBe('.grad += [2, 4, 6]');
    expect(ids(g, 'saved')).toEqual(['saved0']);
    expect(edgesOf(g, mul, 'saved0')).toHaveLength(2);
    expect(label(g, 'saved0')).toContain('[3] float32\n12 B');
    expect(x.grad!.toArray()).toEqual([2, 4, 6]);
  });

  it('broadcasting: the gradient on the bias edge is already summed to its shape; large ones show their shape', () => {
    const a = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
    const bias = tensor([10, 20, 30], { requiresGrad: true });
    const y = a.add(bias).sum();
    traceBackward(y);
    const g = dot(y, { backward: true, showValues: true, showSaved: true, maxValues: 4, names: { a, bias } });
    const add = nodeWith(g, 'AddBackward0');
    const accA = nodeWith(g, 'a\n').replace('leaf', 'acc'), accB = nodeWith(g, 'bias\n').replace('leaf', 'acc');
    expect(edgesOf(g, add, accB)[0]!.attrs['label']?.trim()).toBe('[2, 2, 2]');
    expect(edgesOf(g, add, accA)[0]!.attrs['label']?.trim()).toBe('[2, 3] float32');
    expect(ids(g, 'saved')).toHaveLength(0); // add keeps nothing for backward
    expect(g.graphAttrs['label']).toContain('0 tensors, 0 B');
    expect(bias.grad!.toArray()).toEqual([2, 2, 2]);
  });
});

describe('traceBackward', () => {
  it('records per-node gradients and leaves the graph as it was', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const h = x.exp();
    const y = h.mul(h).sum();
    const nodes = [y.gradFn!, h.gradFn!, y.gradFn!.nextFunctions[0]!];
    const trace = traceBackward(y);
    expect(trace.seed.item()).toBe(1);
    expect(trace.incoming.get(y.gradFn!)!.item()).toBe(1);
    for (const n of nodes) expect(Object.prototype.hasOwnProperty.call(n, 'apply')).toBe(false);
    const acc = h.gradFn!.nextFunctions[0]!;
    expect(acc.preHooks ?? []).toHaveLength(0);
    const e = Math.E, e2 = Math.exp(2);
    expect(trace.incoming.get(acc)!.toArray()).toEqual(x.grad!.toArray());
    expect((x.grad!.toArray() as number[])[0]).toBeCloseTo(2 * e * e, 4);
    expect((trace.incoming.get(h.gradFn!)!.toArray() as number[])[1]).toBeCloseTo(2 * e2, 4);
    // The graph was retained, so a plain backward still works, and it is not traced.
    y.backward();
    expect(lastTrace(y)).toBe(trace);
    expect((x.grad!.toArray() as number[])[0]).toBeCloseTo(4 * e * e, 4);
  });

  it('sees gradients after tensor hooks, and restores hooks it added', () => {
    const x = tensor(2, { requiresGrad: true });
    const h = x.mul(3);
    h.registerHook((g) => g.mul(10));
    const y = h.mul(h);
    const trace = traceBackward(y, { retainGraph: false });
    expect(trace.incoming.get(h.gradFn!)!.item()).toBe(120); // 2·h = 12, times 10
    expect(x.grad!.item()).toBe(360);
    expect(h.gradFn!.preHooks).toHaveLength(1);
  });

  it('takes the gradient of a non-scalar output', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.mul(2);
    const trace = traceBackward(y, { gradient: tensor([1, -1]) });
    expect(trace.seed.toArray()).toEqual([1, -1]);
    expect(x.grad!.toArray()).toEqual([2, -2]);
    const g = dot(y, { backward: true, showValues: true });
    expect(g.edges.find((e) => e.from === 'seed')!.attrs['label']?.trim()).toBe('[1, -1]');
  });
});

// Mermaid lines as toMermaid writes them: `id<shape>"label"<shape>` and `from <arrow>|"label"| to`.
function parseMermaid(src: string) {
  const nodes = new Map<string, { shape: string; label: string }>();
  const edges: { from: string; arrow: string; to: string; label?: string }[] = [];
  for (const line of src.split('\n')) {
    const node = /^ {2}(\w+)(\(\[|\[\[|\(\(|\[\(|\[)"([^"]*)"(\]\)|\]\]|\)\)|\)\]|\])$/.exec(line);
    if (node) {
      nodes.set(node[1]!, { shape: node[2]!, label: node[3]! });
      continue;
    }
    const edge = /^ {2}(\w+) (-->|==>|-\.-)(?:\|"([^"]*)"\|)? (\w+)$/.exec(line);
    if (edge) edges.push({ from: edge[1]!, arrow: edge[2]!, to: edge[4]!, ...(edge[3] === undefined ? {} : { label: edge[3] }) });
  }
  return { nodes, edges };
}

describe('toMermaid', () => {
  it('draws the same forward graph as toDot', () => {
    const { b, names } = logXY();
    const text = toMermaid(b, { names });
    expect(text.startsWith('flowchart TB\n')).toBe(true);
    const m = parseMermaid(text);
    const d = dot(b, { names });
    expect([...m.nodes.keys()].sort()).toEqual([...d.nodes.keys()].sort());
    expect(m.edges.map((e) => `${e.from}->${e.to}`)).toEqual(d.edges.map((e) => `${e.from}->${e.to}`));
    expect(m.nodes.get('op1')!.label).toBe('mul<br>a: scalar float32');
    expect(m.nodes.get('leaf0')!.shape).toBe('([');
    expect(text).toMatch(/class leaf0,leaf1 leaf/);
  });

  it('draws the backward graph with gradient values, saved tensors and escaped labels', () => {
    const { b, x, y, a } = logXY();
    traceBackward(b);
    const text = toMermaid(b, { backward: true, showSaved: true, showValues: true, names: { x, y, a, 'b "out"': b }, title: 'log(x·y)' });
    const m = parseMermaid(text);
    expect(m.nodes.size).toBe(10);
    expect(m.nodes.get('op0')!.label).toBe('LogBackward0<br>b #quot;out#quot;: scalar float32');
    expect(m.nodes.get('acc0')!.shape).toBe('[[');
    expect(m.nodes.get('seed')!.shape).toBe('((');
    const grad = m.edges.filter((e) => e.arrow === '-->');
    expect(grad.map((e) => `${e.from}->${e.to}:${e.label}`)).toEqual([
      'seed->op0:1', 'op0->op1:2.667', 'op1->acc0:2', 'op1->acc1:1.333',
    ]);
    expect(m.edges.filter((e) => e.arrow === '==>').map((e) => e.label)).toEqual(['.grad += 2', '.grad += 1.333']);
    expect(m.edges.filter((e) => e.arrow === '-.-')).toHaveLength(3);
    expect(m.nodes.get('saved0')!.label).toContain('4 B');
    expect(text).toContain('title: "log(x·y) — saved for backward: 3 tensors, 12 B"');
    expect(text).toMatch(/linkStyle 0,1,3,4 stroke:#c53030/);
  });
});

describe('toSvg', () => {
  it('lays the graph out with Graphviz (@viz-js/viz) and returns SVG', async () => {
    const { b, names } = logXY();
    traceBackward(b);
    const svg = await toSvg(b, { backward: true, showSaved: true, showValues: true, names });
    expect(svg).toMatch(/<svg[\s>]/);
    expect(svg).toContain('MulBackward0');
    expect(svg).toContain('AccumulateGrad');
    expect((svg.match(/class="node"/g) ?? []).length).toBe(10);
    expect((svg.match(/class="edge"/g) ?? []).length).toBe(9);
  });

  it('uses a renderer it is given', async () => {
    const { b } = logXY();
    const seen: string[] = [];
    const svg = await toSvg(b, {
      engine: 'neato',
      renderer: { renderString: (src, o) => { seen.push(src, o.engine, o.format); return '<svg/>'; } },
    });
    expect(svg).toBe('<svg/>');
    expect(seen).toEqual([toDot(b), 'neato', 'svg']);
  });

  it('says how to install @viz-js/viz when it is missing', async () => {
    vi.resetModules();
    vi.doMock('@viz-js/viz', () => {
      throw new Error("Cannot find package '@viz-js/viz'");
    });
    try {
      const { toSvg: fresh } = await import('../src/viz/svg.js');
      await expect(fresh(tensor(1))).rejects.toThrow(/npm install @viz-js\/viz/);
    } finally {
      vi.doUnmock('@viz-js/viz');
      vi.resetModules();
    }
  });
});
