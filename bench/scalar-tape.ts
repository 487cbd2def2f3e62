/**
 * The B4 yardstick: the smallest reasonable reverse-mode tape in plain JS (micrograd's design), so that B4's
 * per-op cost can be reported as a ratio to it, measured in the same process.
 *
 * One object per value, holding its number, its gradient, its parents and a backward closure; backward runs an
 * iterative topological sort (an explicit stack, so 30,000-deep chains work) and calls the closures in reverse.
 * It does what B4 needs and nothing more: no broadcasting, no dtypes, no graph release, no checks.
 */
import { B4 } from './data.js';

const NO_PARENTS: readonly Value[] = [];
const noop = (): void => {};

/** A scalar of the closure tape. */
export class Value {
  grad = 0;
  /** The last sort that visited this value. */
  mark = 0;
  backwardFn: () => void = noop;
  constructor(
    public data: number,
    readonly parents: readonly Value[] = NO_PARENTS,
  ) {}

  mul(o: Value): Value {
    const out = new Value(this.data * o.data, [this, o]);
    out.backwardFn = () => {
      this.grad += o.data * out.grad;
      o.grad += this.data * out.grad;
    };
    return out;
  }

  add(o: Value): Value {
    const out = new Value(this.data + o.data, [this, o]);
    out.backwardFn = () => {
      this.grad += out.grad;
      o.grad += out.grad;
    };
    return out;
  }

  tanh(): Value {
    const t = Math.tanh(this.data);
    const out = new Value(t, [this]);
    out.backwardFn = () => {
      this.grad += (1 - t * t) * out.grad;
    };
    return out;
  }

  /** Seed 1 and run every backward closure in reverse topological order (iterative depth-first sort). */
  backward(): void {
    const mark = ++sorts;
    const order: Value[] = [];
    const stack: Value[] = [this];
    const next: number[] = [0];
    this.mark = mark;
    while (stack.length) {
      const top = stack.length - 1;
      const v = stack[top]!;
      const k = next[top]!;
      if (k < v.parents.length) {
        next[top] = k + 1;
        const p = v.parents[k]!;
        if (p.mark !== mark) {
          p.mark = mark;
          stack.push(p);
          next.push(0);
        }
      } else {
        order.push(v);
        stack.pop();
        next.pop();
      }
    }
    this.grad = 1;
    for (let i = order.length - 1; i >= 0; i--) order[i]!.backwardFn();
  }
}

let sorts = 0;

/** B4 on the closure tape: the chain's output, with `w` and `b` ready for their gradients. */
export function tapeChain(w: Value, b: Value): Value {
  let x = new Value(B4.x0);
  for (let i = 0; i < B4.steps; i++) x = x.mul(w).add(b).tanh();
  return x;
}
