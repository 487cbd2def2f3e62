// Section 4's last column: each rule of the op table checked live. For L = Σ w ⊙ op(inputs) with random w, the
// directional derivative of L along random directions d, once by a reverse pass (Σ ⟨∂L/∂input, d⟩) and once by
// central finite differences (L(x + εd) − L(x − εd)) / 2ε, in float64.
import {
  add, div, grad, logSoftmax, matmul, mean, mul, pow, rand, randn, softmax, sub, sum, where, type Tensor,
} from '../../src/index.js';

type Maker = () => { inputs: Tensor[]; fn: (...xs: Tensor[]) => Tensor };

const f64 = { dtype: 'float64' } as const;
/** Uniform in [lo, hi), shape [3, 4], float64. */
const between = (lo: number, hi: number, shape: number[] = [3, 4]): Tensor => rand(shape, f64).mul(hi - lo).add(lo);
/** Away from zero, either sign: where a rule has a kink at 0 (abs, relu), finite differences must not straddle it. */
const awayFromZero = (): Tensor => {
  const m = between(0.3, 1.3);
  return where(rand([3, 4], f64).gt(0.5), m, m.neg());
};

const unary = (op: (x: Tensor) => Tensor, x: () => Tensor = () => randn([3, 4], f64)): Maker => () => ({ inputs: [x()], fn: op });
const binary = (op: (a: Tensor, b: Tensor) => Tensor): Maker => () => ({ inputs: [between(0.5, 1.5), between(0.5, 1.5)], fn: op });

const MAKERS: Record<string, Maker> = {
  neg: unary((x) => x.neg()),
  exp: unary((x) => x.exp()),
  log: unary((x) => x.log(), () => between(0.5, 2)),
  sqrt: unary((x) => x.sqrt(), () => between(0.5, 2)),
  sin: unary((x) => x.sin()),
  cos: unary((x) => x.cos()),
  tanh: unary((x) => x.tanh()),
  sigmoid: unary((x) => x.sigmoid()),
  relu: unary((x) => x.relu(), awayFromZero),
  abs: unary((x) => x.abs(), awayFromZero),
  add: binary(add),
  sub: binary(sub),
  mul: binary(mul),
  div: binary(div),
  pow: binary(pow),
  matmul: () => ({ inputs: [randn([3, 4], f64), randn([4, 2], f64)], fn: matmul }),
  sum: unary((x) => sum(x, 1)),
  mean: unary((x) => mean(x, 1)),
  softmax: unary((x) => softmax(x, 1)),
  logSoftmax: unary((x) => logSoftmax(x, 1)),
  where: () => {
    const c = randn([3, 4], f64).gt(0);
    return { inputs: [randn([3, 4], f64), randn([3, 4], f64)], fn: (a, b) => where(c, a, b) };
  },
};

/** The two directional derivatives for op `name`, or null if the page does not know how to check it. */
export function checkRule(name: string): { reverse: number; numeric: number } | null {
  const make = MAKERS[name];
  if (!make) return null;
  const { inputs, fn } = make();
  const leaves = inputs.map((t) => t.detach().requiresGrad_());
  const w = randn(fn(...inputs).shape, f64);
  const L = (...xs: Tensor[]): Tensor => fn(...xs).mul(w).sum();
  const dirs = inputs.map((t) => randn(t.shape, f64));
  const grads = grad(L(...leaves), leaves);
  let reverse = 0;
  grads.forEach((g, i) => {
    reverse += g!.mul(dirs[i]!).sum().item();
  });
  const eps = 1e-6;
  const shifted = (s: number): number => L(...inputs.map((t, i) => t.add(dirs[i]!.mul(s * eps)))).item();
  const numeric = (shifted(1) - shifted(-1)) / (2 * eps);
  return { reverse, numeric };
}

export function setupRulesCheck(): void {
  for (const cell of document.querySelectorAll<HTMLTableCellElement>('#rules-table td.check')) {
    const name = cell.dataset.check ?? '';
    try {
      const r = checkRule(name);
      if (!r) {
        cell.textContent = 'not checked here';
        continue;
      }
      const err = Math.abs(r.reverse - r.numeric) / Math.max(1, Math.abs(r.numeric));
      const ok = err < 1e-6;
      cell.classList.add(ok ? 'ok' : 'bad');
      cell.replaceChildren(
        Object.assign(document.createElement('span'), { className: 'mark', textContent: ok ? '✓ ' : '✗ ' }),
        `reverse ${r.reverse.toFixed(6)}`, document.createElement('br'), `finite diff. ${r.numeric.toFixed(6)}`,
      );
      cell.title = `relative difference ${err.toExponential(1)}`;
    } catch (e) {
      cell.textContent = `error: ${e instanceof Error ? e.message : String(e)}`;
      cell.classList.add('bad');
      console.error(e);
    }
  }
}
