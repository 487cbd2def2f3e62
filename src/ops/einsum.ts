// einsum, made of other ops as PyTorch's is: repeated subscripts within an operand become diagonals (views),
// subscripts that only one operand has and the output lacks are summed first, and the operands are then
// contracted left to right, each pair by permuting and reshaping into one batched matrix product (so every
// contraction runs the backend's matmul) or, where nothing is contracted, by a broadcasting multiply.
import { fmtShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { describe } from './buffers.js';

/** An operand's subscripts: letters as char codes, ellipsis dims as negative ids (−1 is the last ellipsis dim). */
type Labels = number[];

interface Term {
  readonly labels: readonly number[];
  /** Index in `labels` where the ellipsis stands, or −1. */
  readonly ellipsisAt: number;
}

const isLetter = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/** Parse one comma-separated term of the equation; `start` is its position in the equation (for messages). */
function parseTerm(text: string, start: number, what: string): Term {
  const labels: number[] = [];
  let ellipsisAt = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 32) continue;
    if (c === 46) {
      if (ellipsisAt >= 0) throw new Error(`einsum(): found '.' for ${what} for which an ellipsis was already found; give at most one '...' per term.`);
      if (text.slice(i, i + 3) !== '...') throw new Error(`einsum(): found '.' for ${what} that is not part of any ellipsis; write the ellipsis as '...'.`);
      ellipsisAt = labels.length;
      i += 2;
      continue;
    }
    if (!isLetter(c)) {
      throw new Error(`einsum(): invalid subscript given at index ${start + i} in the equation string, subscripts must be in [a-zA-Z].`);
    }
    labels.push(c);
  }
  return { labels, ellipsisAt };
}

/** An operand (or the running result) with one label per dim, no label repeated. */
interface Labelled {
  readonly t: Tensor;
  readonly labels: readonly number[];
}

const name = (l: number): string => (l < 0 ? '...' : String.fromCharCode(l));

/** The labels of each dim of operand `i`, ellipsis dims numbered −e … −1 from the left (right-aligned across operands). */
function dimLabels(term: Term, t: Tensor, i: number): Labels {
  const given = term.labels.length;
  if (term.ellipsisAt < 0) {
    if (given !== t.ndim) {
      throw new Error(`einsum(): the number of subscripts in the equation (${given}) does not match the number of dimensions (${t.ndim}) for operand ${i} and no ellipsis was given.`);
    }
    return [...term.labels];
  }
  if (given > t.ndim) {
    throw new Error(`einsum(): the number of subscripts in the equation (${given}) is more than the number of dimensions (${t.ndim}) for operand ${i}.`);
  }
  const e = t.ndim - given;
  const ell = Array.from({ length: e }, (_, j) => j - e);
  return [...term.labels.slice(0, term.ellipsisAt), ...ell, ...term.labels.slice(term.ellipsisAt)];
}

/** Take the diagonal of every label repeated within one operand (a view), so that each label names one dim. */
function diagonals(t: Tensor, labels: Labels, i: number): Labelled {
  let x = t;
  const ls = [...labels];
  for (;;) {
    const d1 = ls.findIndex((l, j) => ls.indexOf(l) !== j);
    if (d1 < 0) return { t: x, labels: ls };
    const d0 = ls.indexOf(ls[d1]!);
    if (x.shape[d0] !== x.shape[d1]) {
      throw new Error(`einsum(): subscript ${name(ls[d0]!)} is repeated for operand ${i} but the sizes don't match, ${x.shape[d1]} != ${x.shape[d0]}.`);
    }
    x = x.diagonal(0, d0, d1);
    const l = ls[d0]!;
    ls.splice(d1, 1);
    ls.splice(d0, 1);
    ls.push(l);
  }
}

/** Sum out the dims whose labels are not `kept`. */
function sumOut(op: Labelled, kept: (l: number) => boolean): Labelled {
  const dims = op.labels.map((l, d) => (kept(l) ? -1 : d)).filter((d) => d >= 0);
  if (dims.length === 0) return op;
  return { t: op.t.sum(dims), labels: op.labels.filter((l) => kept(l)) };
}

const sizeOfLabel = (op: Labelled, l: number): number => op.t.shape[op.labels.indexOf(l)]!;
const product = (xs: readonly number[]): number => xs.reduce((a, b) => a * b, 1);

/**
 * Contract two operands over the labels they share that nothing later needs: a broadcasting multiply when there
 * are none, else one batched matmul of [batch…, freeA, shared] by [batch…, shared, freeB].
 */
function contract(a0: Labelled, b0: Labelled, needed: (l: number) => boolean): Labelled {
  let a = a0, b = b0;
  // A shared label of size 1 on one side only is broadcast: sum it out of the other side first.
  for (const l of a0.labels) {
    if (!b.labels.includes(l) || needed(l) || sizeOfLabel(a, l) === sizeOfLabel(b, l)) continue;
    a = sumOut(a, (x) => x !== l);
    b = sumOut(b, (x) => x !== l);
  }
  const batch = a.labels.filter((l) => b.labels.includes(l) && needed(l));
  const shared = a.labels.filter((l) => b.labels.includes(l) && !needed(l));
  const freeA = a.labels.filter((l) => !b.labels.includes(l)), freeB = b.labels.filter((l) => !a.labels.includes(l));
  const labels = [...batch, ...freeA, ...freeB];
  const perm = (op: Labelled, order: readonly number[]): Tensor => op.t.permute(order.map((l) => op.labels.indexOf(l)));
  if (shared.length === 0) {
    const ones = (n: number): number[] => new Array<number>(n).fill(1);
    const A = perm(a, [...batch, ...freeA]), B = perm(b, [...batch, ...freeB]);
    const As = A.reshape([...A.shape, ...ones(freeB.length)]);
    const Bs = B.reshape([...B.shape.slice(0, batch.length), ...ones(freeA.length), ...B.shape.slice(batch.length)]);
    return { t: As.mul(Bs), labels };
  }
  const sizesA = freeA.map((l) => sizeOfLabel(a, l)), sizesB = freeB.map((l) => sizeOfLabel(b, l));
  const k = product(shared.map((l) => sizeOfLabel(a, l)));
  const A = perm(a, [...batch, ...freeA, ...shared]), B = perm(b, [...batch, ...shared, ...freeB]);
  const Am = A.reshape([...A.shape.slice(0, batch.length), product(sizesA), k]);
  const Bm = B.reshape([...B.shape.slice(0, batch.length), k, product(sizesB)]);
  const C = Am.matmul(Bm);
  return { t: C.reshape([...C.shape.slice(0, batch.length), ...sizesA, ...sizesB]), labels };
}

/** Check that every label (and ellipsis dim) has one size across the operands, or size 1 where it broadcasts. */
function checkSizes(ops: readonly Labelled[]): void {
  const seen = new Map<number, number>();
  ops.forEach((op, i) => op.labels.forEach((l, d) => {
    const s = op.t.shape[d]!, prev = seen.get(l);
    if (prev === undefined || prev === 1) seen.set(l, s);
    else if (s !== prev && s !== 1) {
      throw new Error(
        l < 0
          ? `einsum(): operands do not broadcast with remapped shapes: the ellipsis dims of operand ${i} (shape ${fmtShape(op.t.shape)}) do not broadcast with the others'.`
          : `einsum(): subscript ${name(l)} has size ${s} for operand ${i} which does not broadcast with previously seen size ${prev}.`,
      );
    }
  }));
}

/**
 * Einstein summation over `operands` as `equation` says (PyTorch's rules): subscripts are letters, `...` stands for
 * broadcast dims, a subscript repeated within an operand takes its diagonal, and without `->` the output has the
 * ellipsis dims and then the subscripts that appear once, in alphabetical order.
 *
 * @example
 * ```ts
 * einsumOf('bij,bjk->bik', [a, b]); // batched matmul
 * ```
 */
export function einsumOf(equation: string, operands: readonly Tensor[]): Tensor {
  if (typeof equation !== 'string') throw new Error(`einsum(): the equation must be a string such as 'ij,jk->ik', got ${describe(equation)}.`);
  if (operands.length === 0) throw new Error('einsum(): must provide at least one operand.');
  operands.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new Error(`einsum(): operand ${i} must be a Tensor, got ${describe(t)}.`);
  });
  const first = operands[0]!;
  operands.forEach((t, i) => {
    if (t.dtype !== first.dtype) {
      throw new Error(`einsum(): expected all operands to have the same dtype, but operand 0 is ${first.dtype} and operand ${i} is ${t.dtype}. Convert them first, e.g. with .to('${first.dtype}').`);
    }
  });
  const arrow = equation.indexOf('->');
  if (arrow >= 0 && equation.indexOf('->', arrow + 1) >= 0) throw new Error(`einsum(): the equation '${equation}' has more than one '->'.`);
  const lhs = arrow >= 0 ? equation.slice(0, arrow) : equation;
  const texts = lhs.split(',');
  if (texts.length < operands.length) throw new Error('einsum(): more operands were provided than specified in the equation.');
  if (texts.length > operands.length) throw new Error('einsum(): fewer operands were provided than specified in the equation.');
  let pos = 0;
  const terms = texts.map((text, i) => {
    const t = parseTerm(text, pos, `operand ${i}`);
    pos += text.length + 1;
    return t;
  });
  const labelled = operands.map((t, i) => diagonals(t, dimLabels(terms[i]!, t, i), i));
  checkSizes(labelled);
  const ellipsisRank = Math.max(0, ...operands.map((t, i) => (terms[i]!.ellipsisAt >= 0 ? t.ndim - terms[i]!.labels.length : 0)));
  const ellipsis = Array.from({ length: ellipsisRank }, (_, j) => j - ellipsisRank);
  // The output's labels, in order.
  let output: number[];
  if (arrow >= 0) {
    const out = parseTerm(equation.slice(arrow + 2), arrow + 2, 'the output');
    const inputs = new Set(terms.flatMap((t) => t.labels));
    out.labels.forEach((l, j) => {
      if (!inputs.has(l)) throw new Error(`einsum(): output subscript ${name(l)} does not appear in the equation for any input operand.`);
      if (out.labels.indexOf(l) !== j) throw new Error(`einsum(): output subscript ${name(l)} appears more than once in the output.`);
    });
    output = out.ellipsisAt < 0 ? [...out.labels] : [...out.labels.slice(0, out.ellipsisAt), ...ellipsis, ...out.labels.slice(out.ellipsisAt)];
  } else {
    const counts = new Map<number, number>();
    for (const t of terms) for (const l of t.labels) counts.set(l, (counts.get(l) ?? 0) + 1);
    output = [...ellipsis, ...[...counts].filter(([, c]) => c === 1).map(([l]) => l).sort((x, y) => x - y)];
  }
  const inOutput = new Set(output);
  // Sum out what only one operand has and the output lacks, then contract left to right.
  const users = (l: number, from: number): boolean => labelled.some((op, j) => j >= from && op.labels.includes(l));
  let acc = sumOut(labelled[0]!, (l) => inOutput.has(l) || users(l, 1));
  for (let i = 1; i < labelled.length; i++) {
    const needed = (l: number): boolean => inOutput.has(l) || users(l, i + 1);
    const next = sumOut(labelled[i]!, (l) => needed(l) || acc.labels.includes(l));
    acc = contract(sumOut(acc, (l) => needed(l) || next.labels.includes(l)), next, needed);
  }
  acc = sumOut(acc, (l) => inOutput.has(l));
  return acc.t.permute(output.map((l) => acc.labels.indexOf(l)));
}
