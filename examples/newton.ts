// Newton's method with exact Hessians: minimise a smooth convex function of a few variables.
// Each step solves H·Δ = ∇f, with ∇f from reverse mode and H from forward mode over reverse mode.
//   npm run example:newton
import { func, hessian, tensor, type Tensor } from '../src/index.js';

/** f(w) = log Σᵢ exp(aᵢ·w) + ½‖w‖²: strictly convex, minimum where the softmax-weighted mean of aᵢ equals −w. */
export function objective(w: Tensor): Tensor {
  const a = tensor([[1, 2, 0], [-1, 0.5, 1], [0.3, -2, 0.7], [2, 1, -1]], { dtype: 'float64' });
  return a.matmul(w).logsumexp(0).add(w.mul(w).sum().mul(0.5));
}

/** Solve H·x = b for a small dense system by Gaussian elimination with partial pivoting. */
function solve(H: number[][], b: number[]): number[] {
  const n = b.length;
  const m = H.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    for (let r = c + 1; r < n; r++) {
      const k = m[r]![c]! / m[c]![c]!;
      for (let j = c; j <= n; j++) m[r]![j]! -= k * m[c]![j]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r]![n]!;
    for (let j = r + 1; j < n; j++) s -= m[r]![j]! * x[j]!;
    x[r] = s / m[r]![r]!;
  }
  return x;
}

/** Run Newton's method from `start`; returns the iterates' gradient norms and the solution. */
export function newton(start: number[], steps = 8): { gradNorms: number[]; w: number[] } {
  let w = tensor(start, { dtype: 'float64' });
  const gradNorms: number[] = [];
  const gradient = func.grad(objective) as (w: Tensor) => Tensor;
  for (let i = 0; i < steps; i++) {
    const g = gradient(w);
    gradNorms.push(Math.sqrt(g.mul(g).sum().item()));
    const H = hessian(objective, w).toArray() as number[][];
    const delta = solve(H, g.toArray() as number[]);
    w = w.sub(tensor(delta, { dtype: 'float64' }));
  }
  return { gradNorms, w: w.toArray() as number[] };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { gradNorms, w } = newton([3, -2, 1]);
  console.log("Newton's method on f(w) = log Σ exp(Aw) + ½‖w‖²");
  gradNorms.forEach((n, i) => console.log(`  step ${i}: ‖∇f‖ = ${n.toExponential(3)}`));
  console.log(`  w* = [${w.map((v) => v.toFixed(6)).join(', ')}]`);
}
