// Dev-only cross-check of adjoint against PyTorch: runs the cases that gen_cases.py recorded from torch and
// lists every disagreement (forward values, dtype, shape, gradients, errors, printed form). Never part of the
// test suite or CI; the tests in test/ hold the literal regression cases.
//
//   /usr/bin/python3 scripts/oracle/gen_cases.py        # needs Debian's python3-torch
//   npx tsx scripts/oracle/run.ts [--op name] [--id add/3] [--verbose] [--lenient] [--names] [--backend ts]
//
// Exit status 1 when a mismatch is found. "Lenient" cases (torch raises, adjoint returns a value) are counted
// and listed only with --lenient: adjoint accepts some inputs torch rejects (mixed-dtype matmul, negative
// indices, bool negation, ...), which is a deliberate convenience, not a wrong answer.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as adj from '../../src/index.js';
import {
  arange, cat, eye, full, grad, linspace, logicalAnd, nn, ones, registerBackend, setBackend, stack, tensor, where, zeros,
  type DType, type Tensor,
} from '../../src/index.js';

type Enc = number | string;
interface Spec {
  readonly shape: number[];
  readonly dtype: DType;
  readonly data: Enc[];
  readonly view: (string | number | number[])[][];
  readonly grad: boolean;
  readonly index: boolean;
}
type Arg = { t: Spec } | { n: Enc } | { list: Arg[] };
interface Expect {
  readonly ok: boolean;
  readonly error?: string;
  readonly repr?: string;
  readonly dtype?: DType;
  readonly shape?: number[];
  readonly data?: Enc[];
  readonly gradOut?: Enc[];
  readonly grads?: (Enc[] | null)[];
  readonly gradShapes?: (number[] | null)[];
  readonly gradFn?: string | null;
  readonly gradWeights?: (Enc[] | null)[];
  readonly grads2?: (Enc[] | null)[];
}
interface Case {
  readonly id: string;
  readonly op: string;
  readonly args: Arg[];
  readonly kw: Record<string, unknown>;
  readonly expect: Expect;
}

const argv = process.argv.slice(2);
const flag = (name: string): boolean => argv.includes(name);
const option = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};

const here = dirname(fileURLToPath(import.meta.url));
const file = option('--cases') ?? join(here, 'cases.json');
const { cases, torch: torchVersion } = JSON.parse(readFileSync(file, 'utf8')) as { cases: Case[]; torch: string };
if (option('--backend') === 'wasm') {
  const { wasmBackend, wasmSupported, wasmTuning } = await import('../../src/kernels/wasm/index.js');
  if (!wasmSupported()) throw new Error('WebAssembly SIMD is not available here.');
  registerBackend(wasmBackend);
  // The cases are small: send every call through the wasm kernels rather than the TS fallback.
  for (const k of Object.keys(wasmTuning) as (keyof typeof wasmTuning)[]) wasmTuning[k] = 0;
}
if (option('--backend')) setBackend(option('--backend')!);

const dec = (v: Enc): number =>
  v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v === '-0' ? -0 : (v as number);

function decTree(v: unknown): unknown {
  if (typeof v === 'string' && (v === 'nan' || v === 'inf' || v === '-inf' || v === '-0')) return dec(v);
  if (Array.isArray(v)) return v.map(decTree);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decTree(x)]));
  return v;
}

function build(s: Spec): Tensor {
  let t = tensor(s.data.map(dec), { shape: s.shape, dtype: s.dtype });
  for (const st of s.view) {
    if (st[0] === 'transpose') t = t.transpose(st[1] as number, st[2] as number);
    else if (st[0] === 'narrow') t = t.narrow(st[1] as number, st[2] as number, st[3] as number);
    else if (st[0] === 'expand') t = t.expand(st[1] as number[]);
  }
  if (s.grad) t = t.detach().requiresGrad_(true);
  return t;
}

type Value = Tensor | number | Tensor[];
function convert(a: Arg, leaves: Tensor[]): Value {
  if ('t' in a) {
    const t = build(a.t);
    if (a.t.grad) leaves.push(t);
    return t;
  }
  if ('n' in a) return dec(a.n);
  return a.list.map((x) => convert(x, leaves) as Tensor);
}

type Kw = Record<string, unknown>;
type OpFn = (a: Value[], kw: Kw) => Tensor;
const T = (v: Value | undefined): Tensor => v as Tensor;
const FUNCS = adj as unknown as Record<string, unknown>;
const method = (name: string) => (a: Value[]): Tensor => {
  const [x, y] = a;
  if (x instanceof Array || y instanceof Array) throw new Error('bad args');
  // number op tensor: the exported functions take operands in either order.
  if (typeof x === 'number') return (FUNCS[name] as (p: number, q: Tensor) => Tensor)(x, y as Tensor);
  const m = (x as unknown as Record<string, (o?: unknown) => Tensor>)[name]!;
  return y === undefined ? m.call(x) : m.call(x, y);
};


const dimOf = (kw: Kw): number | number[] | undefined => kw.dim as number | number[] | undefined;
const F = nn.functional;
const classOpts = (a: Value[], kw: Kw): nn.functional.ClassLossOptions => ({
  ...(kw.reduction ? { reduction: kw.reduction as 'mean' } : {}),
  ...(kw.ignoreIndex !== undefined ? { ignoreIndex: kw.ignoreIndex as number } : {}),
  ...(kw.labelSmoothing !== undefined ? { labelSmoothing: kw.labelSmoothing as number } : {}),
  ...(a[2] ? { weight: T(a[2]) } : {}),
});
const dtypeOpt = (kw: Kw): { dtype?: DType } => (kw.dtype ? { dtype: kw.dtype as DType } : {});

const OPS: Record<string, OpFn> = {
  ...Object.fromEntries(['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le', 'gt', 'ge',
    'neg', 'exp', 'log', 'sqrt', 'abs', 'sin', 'cos', 'tanh', 'sigmoid', 'relu', 'sign', 'square', 'rsqrt', 'reciprocal',
    'contiguous', 'clone', 'float', 'double', 'int'].map((n) => [n, method(n)])),
  logicalAnd: (a) => logicalAnd(T(a[0]), T(a[1])),
  where: (a) => where(T(a[0]), a[1] as Tensor | number, a[2] as Tensor | number),
  clamp: (a, kw) => T(a[0]).clamp({ ...(kw.min !== undefined ? { min: kw.min as number } : {}), ...(kw.max !== undefined ? { max: kw.max as number } : {}) }),
  ...Object.fromEntries(['sum', 'mean', 'logsumexp'].map((n) => [n, (a: Value[], kw: Kw) =>
    (T(a[0]) as unknown as Record<string, (d?: unknown, k?: boolean) => Tensor>)[n]!.call(a[0], dimOf(kw), kw.keepdim as boolean)])),
  // gen_cases.py records max/min with dims (or keepdim) as torch.amax/amin, and without as torch.max(x).
  ...Object.fromEntries((['max', 'min'] as const).map((n) => [n, (a: Value[], kw: Kw) =>
    (dimOf(kw) === undefined && !kw.keepdim ? T(a[0])[n]() : T(a[0])[n === 'max' ? 'amax' : 'amin'](dimOf(kw), kw.keepdim as boolean))])),
  argmax: (a, kw) => T(a[0]).argmax(kw.dim as number | undefined, kw.keepdim as boolean),
  argmin: (a, kw) => T(a[0]).argmin(kw.dim as number | undefined, kw.keepdim as boolean),
  matmul: (a) => T(a[0]).matmul(T(a[1])),
  reshape: (a, kw) => T(a[0]).reshape(kw.shape as number[]),
  view: (a, kw) => T(a[0]).view(kw.shape as number[]),
  permute: (a, kw) => T(a[0]).permute(kw.dims as number[]),
  transpose: (a, kw) => T(a[0]).transpose(kw.dim0 as number, kw.dim1 as number),
  T: (a) => T(a[0]).T,
  expand: (a, kw) => T(a[0]).expand(kw.shape as number[]),
  expandAs: (a) => T(a[0]).expandAs(T(a[1])),
  squeeze: (a, kw) => T(a[0]).squeeze(kw.dim as number | number[] | undefined),
  unsqueeze: (a, kw) => T(a[0]).unsqueeze(kw.dim as number),
  flatten: (a, kw) => T(a[0]).flatten(kw.startDim as number | undefined, kw.endDim as number | undefined),
  narrow: (a, kw) => T(a[0]).narrow(kw.dim as number, kw.start as number, kw.length as number),
  cat: (a, kw) => cat(a[0] as Tensor[], kw.dim as number | undefined),
  stack: (a, kw) => stack(a[0] as Tensor[], kw.dim as number | undefined),
  indexSelect: (a, kw) => T(a[0]).indexSelect(kw.dim as number, T(a[1])),
  indexAdd: (a, kw) => T(a[0]).indexAdd(kw.dim as number, T(a[1]), T(a[2])),
  gather: (a, kw) => T(a[0]).gather(kw.dim as number, T(a[1])),
  scatterAdd: (a, kw) => T(a[0]).scatterAdd(kw.dim as number, T(a[1]), T(a[2])),
  softmax: (a, kw) => T(a[0]).softmax(kw.dim as number | undefined),
  logSoftmax: (a, kw) => T(a[0]).logSoftmax(kw.dim as number | undefined),
  to: (a, kw) => T(a[0]).to(kw.dtype as DType),
  crossEntropy: (a, kw) => F.crossEntropy(T(a[0]), T(a[1]), classOpts(a, kw)),
  nllLoss: (a, kw) => F.nllLoss(T(a[0]), T(a[1]), classOpts(a, kw)),
  mseLoss: (a, kw) => F.mseLoss(T(a[0]), T(a[1]), { reduction: kw.reduction as 'mean' }),
  binaryCrossEntropyWithLogits: (a, kw) => F.binaryCrossEntropyWithLogits(T(a[0]), T(a[1]), { reduction: kw.reduction as 'mean' }),
  arange: (_, kw) => {
    const v = kw.values as number[];
    return arange(v[0]!, v[1], v[2] ?? 1, dtypeOpt(kw));
  },
  linspace: (_, kw) => linspace(kw.start as number, kw.end as number, kw.steps as number, dtypeOpt(kw)),
  eye: (_, kw) => eye(kw.n as number, (kw.m ?? kw.n) as number, dtypeOpt(kw)),
  full: (_, kw) => full(kw.shape as number[], kw.value as number, dtypeOpt(kw)),
  zeros: (_, kw) => zeros(kw.shape as number[], dtypeOpt(kw)),
  ones: (_, kw) => ones(kw.shape as number[], dtypeOpt(kw)),
};

// In-place ops and composite programs, run on the same inputs as gen_cases.py's.
const INPLACE: Record<string, OpFn> = {
  ...Object.fromEntries(['add_', 'sub_', 'mul_', 'div_', 'copy_'].map((n) => [n, (a: Value[]) =>
    (T(a[0]).clone() as unknown as Record<string, (o: unknown) => Tensor>)[n]!(a[1])])),
  clamp_: (a, kw) => T(a[0]).clone().clamp_({ ...(kw.min !== undefined ? { min: kw.min as number } : {}), ...(kw.max !== undefined ? { max: kw.max as number } : {}) }),
  fill_: (a, kw) => T(a[0]).clone().fill_(kw.value as number),
  zero_: (a) => T(a[0]).clone().zero_(),
  mlp: (a) => {
    const [x, w1, b1, w2, b2, t] = a.map(T);
    return F.crossEntropy(x!.matmul(w1!.T).add(b1!).relu().matmul(w2!.T).add(b2!), t!);
  },
  attention: (a) => {
    const [q, k, v] = a.map(T);
    return q!.matmul(k!.transpose(-1, -2)).mul(1 / Math.sqrt(q!.shape[q!.ndim - 1]!)).softmax(-1).matmul(v!);
  },
  layernorm: (a) => {
    const x = T(a[0]);
    const mu = x.mean(-1, true);
    const v = x.sub(mu).pow(2).mean(-1, true);
    return x.sub(mu).div(v.add(1e-5).pow(0.5));
  },
  reuse: (a) => {
    const [x, y] = a.map(T);
    return x!.mul(x!).add(x!.exp().mul(y!)).sub(x!.sum()).add(x!.maximum(y!).tanh().mul(x!.sigmoid()));
  },
};
Object.assign(OPS, INPLACE);

const REPR_POST: Record<string, (t: Tensor) => Tensor> = {
  mul2: (t) => t.mul(2), exp: (t) => t.exp(), sum: (t) => t.sum(), neg: (t) => t.neg(),
};

// ---- comparison ----

function tolerances(dtype: DType | undefined, isGrad: boolean): [number, number] {
  if (dtype === 'float64') return [1e-9, 1e-11];
  if (dtype === 'float32') return isGrad ? [1e-4, 1e-5] : [2e-5, 2e-6];
  return [0, 0];
}

// Sums cancel: their float32 rounding error is relative to the inputs' magnitude, not the result's, and
// PyTorch's summation order differs from adjoint's (which accumulates in float64).
const ACCUMULATING = new Set(['sum', 'mean', 'logsumexp', 'matmul', 'mseLoss', 'crossEntropy', 'nllLoss', 'binaryCrossEntropyWithLogits']);

function inputScale(args: Arg[]): number {
  let m = 0;
  const visit = (a: Arg): void => {
    if ('t' in a) for (const v of a.t.data) { const x = Math.abs(dec(v)); if (Number.isFinite(x) && x > m) m = x; }
    else if ('list' in a) a.list.forEach(visit);
  };
  args.forEach(visit);
  return m;
}

function closeArrays(got: ArrayLike<number>, want: Enc[], dtype: DType | undefined, isGrad: boolean, minScale = 0): string | null {
  if (got.length !== want.length) return `length ${got.length} ≠ ${want.length}`;
  const [rtol, atol] = tolerances(dtype, isGrad);
  let scale = minScale;
  for (const w of want) { const v = Math.abs(dec(w)); if (Number.isFinite(v) && v > scale) scale = v; }
  const bad: string[] = [];
  for (let i = 0; i < want.length; i++) {
    const a = got[i]!, b = dec(want[i]!);
    const ok = Number.isNaN(b) ? Number.isNaN(a)
      : !Number.isFinite(b) ? a === b
      : Number.isFinite(a) && Math.abs(a - b) <= atol * Math.max(1, scale) + rtol * Math.abs(b);
    if (!ok) bad.push(`[${i}] got ${a} want ${b}`);
  }
  return bad.length ? `${bad.length}/${want.length} differ: ${bad.slice(0, 4).join('; ')}` : null;
}

const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

interface Result { kind: 'ok' | 'mismatch' | 'lenient'; detail?: string }

// gradFn names that differ from PyTorch's (informational, listed with --names): op → "adjoint vs torch" → count.
const nameDiffs = new Map<string, Map<string, number>>();
function noteName(op: string, got: string | undefined, want: string | null | undefined): void {
  if (want === undefined || (got ?? null) === want) return;
  const key = `${got ?? 'none'} vs ${want ?? 'none'}`;
  const m = nameDiffs.get(op) ?? new Map<string, number>();
  m.set(key, (m.get(key) ?? 0) + 1);
  nameDiffs.set(op, m);
}

function check(c: Case): Result {
  const leaves: Tensor[] = [];
  const kw = decTree(c.kw) as Kw;
  let out: Tensor;
  try {
    const args = c.args.map((a) => convert(a, leaves));
    if (c.op === 'repr') {
      const t = kw.post ? REPR_POST[kw.post as string]!(T(args[0])) : T(args[0]);
      const s = String(t);
      return s === c.expect.repr ? { kind: 'ok' } : { kind: 'mismatch', detail: `repr:\n  got  ${JSON.stringify(s)}\n  want ${JSON.stringify(c.expect.repr)}` };
    }
    const fn = OPS[c.op];
    if (!fn) return { kind: 'mismatch', detail: `runner has no op '${c.op}'` };
    out = fn(args, kw);
  } catch (e) {
    if (!c.expect.ok) return { kind: 'ok' };
    return { kind: 'mismatch', detail: `adjoint threw: ${(e as Error).message.split('\n')[0]}` };
  }
  const ex = c.expect;
  if (ex.ok) noteName(c.op, out.gradFn?.name, ex.gradFn);
  if (!ex.ok) return { kind: 'lenient', detail: `torch raised "${ex.error}" but adjoint gave ${out.dtype} ${JSON.stringify(out.shape)}` };
  const problems: string[] = [];
  if (out.dtype !== ex.dtype) problems.push(`dtype ${out.dtype} ≠ ${ex.dtype}`);
  if (!sameShape(out.shape, ex.shape!)) problems.push(`shape ${JSON.stringify(out.shape)} ≠ ${JSON.stringify(ex.shape)}`);
  else {
    const err = closeArrays(out.data(), ex.data!, ex.dtype, false, ACCUMULATING.has(c.op) ? inputScale(c.args) : 0);
    if (err) problems.push(`values: ${err}`);
  }
  if (ex.grads && problems.length === 0) {
    if (!out.requiresGrad) problems.push('result does not require grad, torch computes gradients');
    else {
      try {
        const gOut = tensor(ex.gradOut!.map(dec), { shape: ex.shape!, dtype: out.dtype });
        const second = ex.grads2 !== undefined;
        const gs = grad(out, leaves, { gradOutputs: gOut, allowUnused: true, createGraph: second });
        ex.grads.forEach((want, i) => {
          const got = gs[i] ?? null;
          const leaf = leaves[i]!;
          if (want === null) {
            if (got !== null && got.data().some((v) => v !== 0)) problems.push(`grad ${i}: torch has none, adjoint nonzero`);
            return;
          }
          if (got === null) {
            if (want.some((v) => dec(v) !== 0)) problems.push(`grad ${i}: adjoint has none`);
            return;
          }
          if (got.dtype !== leaf.dtype) problems.push(`grad ${i}: dtype ${got.dtype} ≠ leaf ${leaf.dtype}`);
          if (!sameShape(got.shape, ex.gradShapes![i]!)) problems.push(`grad ${i}: shape ${JSON.stringify(got.shape)} ≠ ${JSON.stringify(ex.gradShapes![i])}`);
          // A float64 leaf's gradient is only as precise as a float32 result it came through.
          const err = closeArrays(got.data(), want, out.dtype === 'float32' ? 'float32' : leaf.dtype, true);
          if (err) problems.push(`grad ${i}: ${err}`);
        });
        if (second && problems.length === 0) checkSecondOrder(ex, gs, leaves, problems, out.dtype);
      } catch (e) {
        problems.push(`backward threw: ${(e as Error).message.split('\n')[0]}`);
      }
    }
  }
  return problems.length ? { kind: 'mismatch', detail: problems.join('\n  ') } : { kind: 'ok' };
}

/** Compare the gradient of Σ_i <grad_i, w_i> with PyTorch's (gradients of gradients, createGraph). */
function checkSecondOrder(ex: Expect, gs: (Tensor | null)[], leaves: Tensor[], problems: string[], outType: DType): void {
  let s: Tensor | null = null;
  gs.forEach((g, i) => {
    const w = ex.gradWeights![i];
    if (!g || !w || !g.requiresGrad) return;
    const term = g.mul(tensor(w.map(dec), { shape: [...g.shape], dtype: g.dtype })).sum();
    s = s === null ? term : s.add(term);
  });
  const total = s as Tensor | null;
  const g2 = total === null ? leaves.map(() => null) : grad(total, leaves, { allowUnused: true });
  ex.grads2!.forEach((want, i) => {
    const got = g2[i] ?? null;
    if (want === null || got === null) {
      const nonzero = want === null ? got !== null && got.data().some((v) => v !== 0) : want.some((v) => dec(v) !== 0);
      if (nonzero) problems.push(`second-order grad ${i}: ${want === null ? 'torch has none, adjoint nonzero' : 'adjoint has none'}`);
      return;
    }
    const err = closeArrays(got.data(), want, outType === 'float32' ? 'float32' : leaves[i]!.dtype, true);
    if (err) problems.push(`second-order grad ${i}: ${err}`);
  });
}

function describeArgs(c: Case): string {
  const one = (a: Arg): string => {
    if ('n' in a) return `number ${a.n}`;
    if ('list' in a) return `[${a.list.map(one).join(', ')}]`;
    const s = a.t;
    const vals = s.data.length <= 12 ? JSON.stringify(s.data) : `${s.data.length} values`;
    return `${s.dtype}${JSON.stringify(s.shape)}${s.view.length ? ` view ${JSON.stringify(s.view)}` : ''}${s.grad ? ' grad' : ''} ${vals}`;
  };
  return `${c.args.map(one).join(' | ')}${Object.keys(c.kw).length ? ` kw ${JSON.stringify(c.kw)}` : ''}`;
}

const onlyOp = option('--op'), onlyId = option('--id');
const selected = cases.filter((c) => (!onlyOp || c.op === onlyOp) && (!onlyId || c.id === onlyId));
const tally = { ok: 0, mismatch: 0, lenient: 0 };
const perOp = new Map<string, number>();
for (const c of selected) {
  const r = check(c);
  tally[r.kind]++;
  if (r.kind === 'mismatch') perOp.set(c.op, (perOp.get(c.op) ?? 0) + 1);
  if (r.kind === 'mismatch' || (r.kind === 'lenient' && flag('--lenient'))) {
    console.log(`${r.kind.toUpperCase()} ${c.id}: ${r.detail}`);
    if (flag('--verbose') || onlyId) console.log(`  args: ${describeArgs(c)}`);
  }
}
console.log(
  `\n${selected.length} cases from torch ${torchVersion}: ${tally.ok} agree, ${tally.mismatch} mismatch, ` +
    `${tally.lenient} lenient (torch raises, adjoint does not)`,
);
if (flag('--names')) {
  console.log('\ngradFn names that differ from PyTorch (op: adjoint vs torch ×count):');
  for (const [op, m] of nameDiffs) console.log(`  ${op}: ${[...m].map(([k, n]) => `${k} ×${n}`).join(', ')}`);
}
if (perOp.size) console.log('mismatches per op:', Object.fromEntries([...perOp].sort((a, b) => b[1] - a[1])));
process.exitCode = tally.mismatch ? 1 : 0;
