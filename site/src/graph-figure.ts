// Sections 2 and 3: the expression box, the forward graph adjoint records for it, and its backward graph walked
// node by node. The gradients shown are the ones adjoint sent along each edge (traceBackward); stepping reveals
// them in the order the engine ran the nodes, using toDot's `trace` option with the trace cut after k nodes to
// learn which edges carry a value after each step.
import { AccumulateGrad, tensor, toDot, toSvg, traceBackward, type BackwardTrace, type Node, type Tensor } from '../../src/index.js';
import { countForwardNodes, evaluate, parse, ParseError } from './expr.js';
import { elements, graphviz, place } from './graphviz.js';

/** The local derivative each backward node applies, as the op table writes it (g: the incoming gradient). */
const RULES: Record<string, string> = {
  AddBackward0: 'passes g to both inputs',
  SubBackward0: 'passes g to a and −g to b',
  MulBackward0: 'sends g·b to a and g·a to b',
  DivBackward0: 'sends g/b to a and −g·a/b² to b',
  PowBackward0: 'sends g·b·a^(b−1) to a and g·a^b·log a to b',
  NegBackward0: 'sends −g',
  ExpBackward0: 'sends g·y (y: its output)',
  LogBackward0: 'sends g/x',
  SqrtBackward0: 'sends g/(2y) (y: its output)',
  SinBackward0: 'sends g·cos x',
  CosBackward0: 'sends −g·sin x',
  TanhBackward0: 'sends g·(1 − y²) (y: its output)',
  SigmoidBackward0: 'sends g·y·(1 − y) (y: its output)',
  ReluBackward0: 'sends g where its output is positive, else 0',
  AbsBackward0: 'sends g·sign(x)',
};

/** A number as the drawings print it (4 significant digits). */
const fmt = (v: number): string => (Number.isFinite(v) ? String(Number(v.toPrecision(4))) : String(v));
/** A gradient as the result list prints it (5 significant digits, so 1/0.75 reads 1.3333). */
const fmt5 = (v: number): string => (Number.isFinite(v) ? String(Number(v.toPrecision(5))) : String(v));
const valueOf = (t: Tensor): number => t.item();

interface DotEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: 'grad' | 'accumulate' | 'saved';
  readonly labelled: boolean;
}

function dotEdges(dot: string): DotEdge[] {
  const out: DotEdge[] = [];
  for (const line of dot.split('\n')) {
    const m = /^\s+(\w+) -> (\w+) \[(.*)\];$/.exec(line);
    if (!m) continue;
    const [, from, to, attrs] = m as unknown as [string, string, string, string];
    const kind = to.startsWith('saved') ? 'saved' : from.startsWith('acc') ? 'accumulate' : 'grad';
    out.push({ from, to, kind, labelled: /(^|, )label=/.test(attrs) });
  }
  return out;
}

/** One step of the walk: the node that ran (null for the seed), the edges that got their value, and the words. */
interface Step {
  readonly node: Node | null;
  readonly dotId: string | null;
  readonly edges: readonly number[];
  readonly text: string;
  /** For AccumulateGrad steps: which leaf and what was added. */
  readonly leaf?: { readonly name: 'x' | 'y'; readonly value: number };
}

/** Everything drawn for one expression. */
interface Drawing {
  readonly steps: readonly Step[];
  readonly edges: readonly DotEdge[];
  readonly edgeEls: readonly (SVGGElement | undefined)[];
  readonly nodeEls: Map<string, SVGGElement[]>;
  /** For each saved-tensor node, the op nodes that saved it; it is freed when they have all run. */
  readonly savedBy: Map<string, string[]>;
  readonly used: { readonly x: boolean; readonly y: boolean };
  readonly f: number;
}

export function setupGraphFigure(): void {
  const form = document.querySelector<HTMLFormElement>('#expr-form')!;
  const exprInput = document.querySelector<HTMLInputElement>('#expr-input')!;
  const xInput = document.querySelector<HTMLInputElement>('#x-input')!;
  const yInput = document.querySelector<HTMLInputElement>('#y-input')!;
  const errorEl = document.querySelector<HTMLElement>('#expr-error')!;
  const forwardHost = document.querySelector<HTMLElement>('#forward-graph')!;
  const forwardSummary = document.querySelector<HTMLElement>('#forward-summary')!;
  const backwardHost = document.querySelector<HTMLElement>('#backward-graph')!;
  const stepButton = document.querySelector<HTMLButtonElement>('#step-button')!;
  const runButton = document.querySelector<HTMLButtonElement>('#run-button')!;
  const resetButton = document.querySelector<HTMLButtonElement>('#reset-button')!;
  const progress = document.querySelector<HTMLElement>('#step-progress')!;
  const log = document.querySelector<HTMLOListElement>('#step-log')!;
  const fOut = document.querySelector<HTMLElement>('#f-value')!;
  const dxOut = document.querySelector<HTMLElement>('#dx-value')!;
  const dyOut = document.querySelector<HTMLElement>('#dy-value')!;

  let drawing: Drawing | null = null;
  let at = 0; // steps shown so far (step 0, the seed, is always shown)
  let generation = 0;

  const showError = (message: string): void => {
    errorEl.textContent = message;
    exprInput.setAttribute('aria-invalid', message ? 'true' : 'false');
  };

  const draw = async (): Promise<void> => {
    const mine = ++generation;
    const xv = Number(xInput.value), yv = Number(yInput.value);
    if (xInput.value.trim() === '' || !Number.isFinite(xv)) return showError('x must be a number.');
    if (yInput.value.trim() === '' || !Number.isFinite(yv)) return showError('y must be a number.');
    let tree;
    try {
      tree = parse(exprInput.value);
    } catch (e) {
      if (e instanceof ParseError) {
        return showError(`${e.message} (at character ${e.at + 1}).`);
      }
      throw e;
    }
    const x = tensor(xv, { requiresGrad: true });
    const y = tensor(yv, { requiresGrad: true });
    const { output, names } = evaluate(tree, { x, y });
    if (typeof output === 'number') return showError('f must depend on x or y: there is nothing to differentiate.');
    showError('');
    const f = output;
    const allNames: Record<string, Tensor> = { f, x, y, ...names };

    const renderer = await graphviz();
    if (mine !== generation) return;

    // The forward graph, as recorded.
    const counts = countForwardNodes(tree);
    const forwardSvg = await toSvg(f, { names: allNames, showValues: true, renderer });
    if (mine !== generation) return;
    const shown = exprInput.value.trim();
    place(forwardHost, forwardSvg, `Forward graph of f = ${shown}`);
    const total = counts.leaves + counts.ops + counts.constants;
    forwardSummary.textContent =
      `${total} node${total === 1 ? '' : 's'}: ${counts.leaves} ${counts.leaves === 1 ? 'leaf' : 'leaves'} (${counts.leafNames.join(', ')}), ` +
      `${counts.ops} operation${counts.ops === 1 ? '' : 's'}` +
      (counts.constants ? `, ${counts.constants} constant${counts.constants === 1 ? '' : 's'}` : '') + `; f = ${fmt(valueOf(f))}.`;
    forwardHost.dataset.nodes = String(total);

    // The backward graph: trace one pass, then learn the order in which edges got their values.
    const trace = traceBackward(f);
    const used = { x: x.grad !== null, y: y.grad !== null };
    // Leaves' .grad would label their AccumulateGrad edges before those nodes ran: hide it while cutting traces.
    x.grad = null;
    y.grad = null;
    const options = { names: allNames, backward: true, showSaved: true, showValues: true } as const;
    const order = [...trace.incoming.keys()];
    const cut = (k: number): BackwardTrace => {
      const ran = new Set(order.slice(0, k));
      return {
        output: trace.output, seed: trace.seed,
        incoming: new Map([...trace.incoming].filter(([n]) => ran.has(n))),
        outgoing: new Map([...trace.outgoing].filter(([n]) => ran.has(n))),
      };
    };
    const full = toDot(f, { ...options, trace });
    const edges = dotEdges(full);
    const labelledAfter = (k: number): Set<number> =>
      new Set(dotEdges(toDot(f, { ...options, trace: cut(k) })).flatMap((e, i) => (e.labelled ? [i] : [])));

    const nameOfNode = new Map<Node, string>();
    for (const [name, t] of Object.entries(allNames)) {
      const n = t.gradFn;
      if (n && !nameOfNode.has(n)) nameOfNode.set(n, name);
    }
    const nameOfTensor = new Map<Tensor, string>();
    for (const [name, t] of Object.entries(allNames)) if (!nameOfTensor.has(t)) nameOfTensor.set(t, name);
    const describeNode = (n: Node): string => {
      if (n instanceof AccumulateGrad) return `AccumulateGrad of ${n.variable === x ? 'x' : 'y'}`;
      const name = nameOfNode.get(n);
      return name ? `${n.name} (${name})` : n.name;
    };

    const steps: Step[] = [];
    let before = labelledAfter(0);
    const root = f.gradFn;
    steps.push({
      node: null, dotId: 'seed', edges: [...before],
      text: `The seed ∂f/∂f = 1 enters ${root ? root.name : 'AccumulateGrad'}.`,
    });
    order.forEach((node, i) => {
      const now = labelledAfter(i + 1);
      const fresh = [...now].filter((e) => !before.has(e));
      before = now;
      const dotId = fresh.length ? edges[fresh[0]!]!.from : null;
      const g = trace.incoming.get(node)!;
      if (node instanceof AccumulateGrad) {
        const leaf = node.variable === x ? 'x' : 'y';
        steps.push({
          node, dotId, edges: fresh, leaf: { name: leaf, value: valueOf(g) },
          text: `AccumulateGrad adds ${fmt(valueOf(g))} into ${leaf}.grad, so ∂f/∂${leaf} = ${fmt5(valueOf(g))}.`,
        });
        return;
      }
      const saved = node.savedTensors.map((t) => {
        const name = nameOfTensor.get(t);
        return `${name ?? 'constant'} = ${fmt(valueOf(t))}`;
      });
      const sent = (trace.outgoing.get(node) ?? []).flatMap((t, j) => {
        const next = node.nextFunctions[j];
        return t && next ? [`${fmt(valueOf(t))} to ${describeNode(next)}`] : [];
      });
      steps.push({
        node, dotId, edges: fresh,
        text: `${describeNode(node)} receives ${fmt(valueOf(g))}` +
          (saved.length ? `, uses what it saved (${saved.join(', ')})` : '') +
          (RULES[node.name] ? ` and ${RULES[node.name]}` : '') +
          `: ${sent.length ? sent.join('; ') : 'nothing to send'}.`,
      });
    });

    const svg = place(backwardHost, await (await graphviz()).renderString(full, { format: 'svg', engine: 'dot' }),
      `Backward graph of f = ${shown}, with saved tensors and the gradient along each edge`);
    if (mine !== generation) return;
    const edgeEls = elements(svg, 'edge');
    const taken = new Map<string, number>();
    const edgeElList = edges.map((e) => {
      const key = `${e.from}->${e.to}`;
      const k = taken.get(key) ?? 0;
      taken.set(key, k + 1);
      return edgeEls.get(key)?.[k];
    });
    const savedBy = new Map<string, string[]>();
    for (const e of edges) if (e.kind === 'saved') savedBy.set(e.to, [...(savedBy.get(e.to) ?? []), e.from]);
    drawing = { steps, edges, edgeEls: edgeElList, nodeEls: elements(svg, 'node'), savedBy, used, f: valueOf(f) };
    svg.classList.add('stepping');
    backwardHost.dataset.steps = String(steps.length);
    // How many drawings are done, for anyone (the browser test) waiting for this one.
    backwardHost.dataset.drawn = String(Number(backwardHost.dataset.drawn ?? 0) + 1);
    reset();
  };

  const render = (): void => {
    const d = drawing;
    if (!d) return;
    const shownEdges = new Set(d.steps.slice(0, at + 1).flatMap((s) => s.edges));
    const current = d.steps[at]!;
    d.edgeEls.forEach((el, i) => {
      if (!el) return;
      const e = d.edges[i]!;
      if (e.kind === 'saved') return;
      el.classList.toggle('pending', !shownEdges.has(i));
      el.classList.toggle('current', current.edges.includes(i));
    });
    const done = new Set<string>(['seed']);
    for (const s of d.steps.slice(0, at + 1)) {
      if (s.dotId) done.add(s.dotId);
      for (const i of s.edges) if (d.edges[i]!.kind === 'accumulate') done.add(d.edges[i]!.to);
    }
    for (const [id, els] of d.nodeEls) {
      const isSaved = id.startsWith('saved');
      const released = isSaved && (d.savedBy.get(id) ?? []).every((op) => done.has(op));
      for (const el of els) {
        el.classList.toggle('pending', !isSaved && !done.has(id));
        el.classList.toggle('released', released);
        el.classList.toggle('current', id === current.dotId);
      }
    }
    log.replaceChildren(...d.steps.slice(0, at + 1).map((s, i) => {
      const li = document.createElement('li');
      li.textContent = s.text;
      if (i === at) li.setAttribute('aria-current', 'step');
      return li;
    }));
    const last = d.steps.length - 1;
    progress.textContent = at === last ? `Done: all ${last} nodes have run.` : `Step ${at} of ${last}.`;
    stepButton.disabled = at === last;
    runButton.disabled = at === last;
    resetButton.disabled = at === 0;
    fOut.textContent = fmt5(d.f);
    const leafValue = (name: 'x' | 'y'): string => {
      if (!d.used[name]) return `0 (f does not use ${name})`;
      const s = d.steps.slice(0, at + 1).find((st) => st.leaf?.name === name);
      return s?.leaf ? fmt5(s.leaf.value) : '…';
    };
    dxOut.textContent = leafValue('x');
    dyOut.textContent = leafValue('y');
  };

  const reset = (): void => {
    at = 0;
    render();
  };

  // A change of x (on leaving its box) and the Draw button often come together: draw once for both.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const requestDraw = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => void draw().catch((e: unknown) => {
      showError(`adjoint could not run this: ${e instanceof Error ? e.message : String(e)}`);
      console.error(e);
    }), 120);
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    requestDraw();
  });
  for (const input of [xInput, yInput]) input.addEventListener('change', requestDraw);
  for (const chip of document.querySelectorAll<HTMLButtonElement>('#expr-form .chip')) {
    chip.addEventListener('click', () => {
      exprInput.value = chip.dataset.expr ?? '';
      requestDraw();
    });
  }
  stepButton.addEventListener('click', () => {
    if (drawing && at < drawing.steps.length - 1) at++;
    render();
  });
  runButton.addEventListener('click', () => {
    if (drawing) at = drawing.steps.length - 1;
    render();
  });
  resetButton.addEventListener('click', reset);
  requestDraw();
}
