// A small, safe expression language for the page's graph figure: numbers, the variables x and y, + - * / ^,
// parentheses and a handful of functions. Parsed by recursive descent into a tree, then evaluated with adjoint's
// ops, so the tensors it returns carry the recorded graph. No eval, no Function, nothing but this grammar:
//
//   expr    := term (('+' | '-') term)*
//   term    := unary (('*' | '/') unary)*
//   unary   := ('-' | '+') unary | power
//   power   := atom (('^' | '**') unary)?        right-associative: 2^x^2 = 2^(x^2), -x^2 = -(x^2)
//   atom    := number | name | name '(' expr ')' | '(' expr ')'
import { add, div, mul, pow, sub, type Tensor } from '../../src/index.js';

/** The functions the language knows, each a differentiable adjoint op (or a plain number function on constants). */
export const FUNCTIONS = ['sin', 'cos', 'exp', 'log', 'sqrt', 'tanh', 'sigmoid', 'relu', 'abs'] as const;
export type FunctionName = (typeof FUNCTIONS)[number];
export type BinaryOp = '+' | '-' | '*' | '/' | '^';

export type Expr =
  | { readonly kind: 'num'; readonly value: number }
  | { readonly kind: 'var'; readonly name: 'x' | 'y' }
  | { readonly kind: 'neg'; readonly arg: Expr }
  | { readonly kind: 'call'; readonly fn: FunctionName; readonly arg: Expr }
  | { readonly kind: 'bin'; readonly op: BinaryOp; readonly left: Expr; readonly right: Expr };

/** A syntax error, with the character offset it refers to. */
export class ParseError extends Error {
  constructor(message: string, readonly at: number) {
    super(message);
  }
}

interface Token {
  readonly type: 'num' | 'name' | 'op' | '(' | ')' | 'end';
  readonly text: string;
  readonly at: number;
}

const MAX_LENGTH = 200;
const MAX_DEPTH = 40;

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) { i++; continue; }
    const num = /^(\d+\.?\d*(e[+-]?\d+)?|\.\d+(e[+-]?\d+)?)/i.exec(src.slice(i));
    if (num) { tokens.push({ type: 'num', text: num[0], at: i }); i += num[0].length; continue; }
    const name = /^[a-z_]\w*/i.exec(src.slice(i));
    if (name) { tokens.push({ type: 'name', text: name[0], at: i }); i += name[0].length; continue; }
    if (src.startsWith('**', i)) { tokens.push({ type: 'op', text: '^', at: i }); i += 2; continue; }
    if (c === '·' || c === '×') { tokens.push({ type: 'op', text: '*', at: i }); i++; continue; }
    if (c === '−') { tokens.push({ type: 'op', text: '-', at: i }); i++; continue; }
    if ('+-*/^'.includes(c)) { tokens.push({ type: 'op', text: c, at: i }); i++; continue; }
    if (c === '(' || c === ')') { tokens.push({ type: c, text: c, at: i }); i++; continue; }
    throw new ParseError(`unexpected character “${c}”`, i);
  }
  tokens.push({ type: 'end', text: '', at: src.length });
  return tokens;
}

/**
 * Parse `src` into an expression tree, or throw a ParseError saying what is wrong and where.
 *
 * @example
 * ```ts
 * parse('log(x * y)'); // { kind: 'call', fn: 'log', arg: { kind: 'bin', op: '*', ... } }
 * ```
 */
export function parse(src: string): Expr {
  if (src.length > MAX_LENGTH) throw new ParseError(`the expression is longer than ${MAX_LENGTH} characters`, MAX_LENGTH);
  const tokens = tokenize(src);
  let pos = 0;
  let depth = 0;
  const peek = (): Token => tokens[pos]!;
  const next = (): Token => tokens[pos++]!;
  const deeper = <T>(at: number, f: () => T): T => {
    if (++depth > MAX_DEPTH) throw new ParseError('the expression is nested too deeply', at);
    try { return f(); } finally { depth--; }
  };
  const expect = (type: Token['type'], what: string): Token => {
    const t = next();
    if (t.type !== type) throw new ParseError(`expected ${what} ${t.type === 'end' ? 'at the end' : `before “${t.text}”`}`, t.at);
    return t;
  };

  const expr = (): Expr => deeper(peek().at, () => {
    let left = term();
    while (peek().type === 'op' && (peek().text === '+' || peek().text === '-')) {
      const op = next().text as BinaryOp;
      left = { kind: 'bin', op, left, right: term() };
    }
    return left;
  });
  const term = (): Expr => {
    let left = unary();
    while (peek().type === 'op' && (peek().text === '*' || peek().text === '/')) {
      const op = next().text as BinaryOp;
      left = { kind: 'bin', op, left, right: unary() };
    }
    return left;
  };
  const unary = (): Expr => deeper(peek().at, () => {
    const t = peek();
    if (t.type === 'op' && (t.text === '-' || t.text === '+')) {
      next();
      const arg = unary();
      return t.text === '-' ? { kind: 'neg', arg } : arg;
    }
    return power();
  });
  const power = (): Expr => {
    const base = atom();
    if (peek().type === 'op' && peek().text === '^') {
      next();
      return { kind: 'bin', op: '^', left: base, right: unary() };
    }
    return base;
  };
  const atom = (): Expr => {
    const t = next();
    if (t.type === 'num') {
      const value = Number(t.text);
      if (!Number.isFinite(value)) throw new ParseError(`the number ${t.text} is too large`, t.at);
      return { kind: 'num', value };
    }
    if (t.type === '(') {
      const inner = expr();
      expect(')', '“)”');
      return inner;
    }
    if (t.type === 'name') {
      const name = t.text;
      if (peek().type === '(') {
        if (!(FUNCTIONS as readonly string[]).includes(name)) {
          throw new ParseError(`unknown function “${name}”; try ${FUNCTIONS.join(', ')}`, t.at);
        }
        next();
        const arg = expr();
        expect(')', '“)”');
        return { kind: 'call', fn: name as FunctionName, arg };
      }
      if (name === 'x' || name === 'y') return { kind: 'var', name };
      if (name === 'pi') return { kind: 'num', value: Math.PI };
      if (name === 'e') return { kind: 'num', value: Math.E };
      if ((FUNCTIONS as readonly string[]).includes(name)) throw new ParseError(`${name} needs parentheses: ${name}(…)`, t.at);
      throw new ParseError(`unknown name “${name}”: the variables are x and y`, t.at);
    }
    if (t.type === 'end') throw new ParseError('the expression ends too early', t.at);
    throw new ParseError(`unexpected “${t.text}”`, t.at);
  };

  const tree = expr();
  const rest = peek();
  if (rest.type !== 'end') throw new ParseError(`unexpected “${rest.text}”`, rest.at);
  return tree;
}

const PRECEDENCE: Record<BinaryOp, number> = { '+': 1, '-': 1, '*': 2, '/': 2, '^': 4 };
const SHOWN: Record<BinaryOp, string> = { '+': ' + ', '-': ' − ', '*': '·', '/': '/', '^': '^' };

/**
 * The expression as text with as few parentheses as its meaning allows, multiplication as `·` (the notation of
 * PyTorch's autograd overview): used to name the intermediate tensors in the drawings.
 *
 * @example
 * ```ts
 * show(parse('log((x*y))')); // 'log(x·y)'
 * ```
 */
export function show(e: Expr, parent = 0, rightSide = false): string {
  switch (e.kind) {
    case 'num': return formatNumber(e.value);
    case 'var': return e.name;
    case 'neg': {
      const s = '−' + show(e.arg, 3);
      return parent > 3 ? `(${s})` : s;
    }
    case 'call': return `${e.fn}(${show(e.arg)})`;
    case 'bin': {
      const p = PRECEDENCE[e.op];
      // Left-associative operators need parentheses on the right at equal precedence (x − (y − 1)); ^ on the left.
      const s = show(e.left, e.op === '^' ? p + 1 : p) + SHOWN[e.op] + show(e.right, e.op === '^' ? p : p, e.op !== '^');
      const needs = parent > p || (rightSide && parent === p);
      return needs ? `(${s})` : s;
    }
  }
}

function formatNumber(v: number): string {
  if (v === Math.PI) return 'π';
  if (v === Math.E) return 'e';
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
}

/** A value during evaluation: a tensor on the recorded graph, or a plain number folded from constants. */
type Value = Tensor | number;

/** The tensors of an evaluation: the output and every intermediate, named by the text of its sub-expression. */
export interface Evaluation {
  readonly output: Value;
  /** Intermediate and output tensors by display name (unique), for the drawings' labels. */
  readonly names: Record<string, Tensor>;
}

const numeric: Record<FunctionName, (v: number) => number> = {
  sin: Math.sin, cos: Math.cos, exp: Math.exp, log: Math.log, sqrt: Math.sqrt, tanh: Math.tanh,
  sigmoid: (v) => 1 / (1 + Math.exp(-v)), relu: (v) => Math.max(0, v), abs: Math.abs,
};

/**
 * Evaluate the tree with adjoint's ops on the given leaves. Sub-expressions made only of numbers are folded into
 * one number, so `2*3*x` draws one constant, not a graph of constants.
 *
 * @example
 * ```ts
 * const { output } = evaluate(parse('log(x*y)'), { x, y }); // output.gradFn.name === 'LogBackward0'
 * ```
 */
export function evaluate(e: Expr, vars: { readonly x: Tensor; readonly y: Tensor }): Evaluation {
  const names: Record<string, Tensor> = {};
  const name = (t: Value, e: Expr): Value => {
    if (typeof t === 'number' || e.kind === 'var') return t;
    let label = show(e);
    if (label.length > 28) label = label.slice(0, 27) + '…';
    let unique = label;
    for (let k = 2; unique in names; k++) unique = `${label} (${k})`;
    names[unique] = t;
    return t;
  };
  const go = (e: Expr): Value => {
    switch (e.kind) {
      case 'num': return e.value;
      case 'var': return vars[e.name];
      case 'neg': {
        const a = go(e.arg);
        return name(typeof a === 'number' ? -a : a.neg(), e);
      }
      case 'call': {
        const a = go(e.arg);
        return name(typeof a === 'number' ? numeric[e.fn](a) : a[e.fn](), e);
      }
      case 'bin': {
        const a = go(e.left), b = go(e.right);
        if (typeof a === 'number' && typeof b === 'number') {
          switch (e.op) {
            case '+': return a + b;
            case '-': return a - b;
            case '*': return a * b;
            case '/': return a / b;
            case '^': return a ** b;
          }
        }
        const f = { '+': add, '-': sub, '*': mul, '/': div, '^': pow }[e.op];
        return name(f(a, b), e);
      }
    }
  };
  return { output: go(e), names };
}

/**
 * How many nodes the forward drawing of `e` has: the variables it uses, one node per op on a variable, and one
 * per constant operand of such an op (folded constants count once).
 *
 * @example
 * ```ts
 * countForwardNodes(parse('x*y + sin(x)')); // 5: x, y, mul, sin, add
 * ```
 */
export function countForwardNodes(e: Expr): { leaves: number; leafNames: string[]; ops: number; constants: number } {
  const vars = new Set<string>();
  let ops = 0, constants = 0;
  // Returns whether the sub-expression depends on a variable (is a tensor rather than a folded number).
  const go = (e: Expr): boolean => {
    switch (e.kind) {
      case 'num': return false;
      case 'var': vars.add(e.name); return true;
      case 'neg':
      case 'call': {
        const t = go(e.arg);
        if (t) ops++;
        return t;
      }
      case 'bin': {
        const a = go(e.left), b = go(e.right);
        if (!a && !b) return false;
        ops++;
        if (!a || !b) constants++;
        return true;
      }
    }
  };
  go(e);
  return { leaves: vars.size, leafNames: [...vars].sort(), ops, constants };
}
