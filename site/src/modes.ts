// Section 1: reverse mode against forward mode on f(x) = Σ x·tanh(x), x ∈ ℝⁿ. One backward pass gives all n
// partial derivatives; forward mode needs one JVP per input (a basis vector as the tangent).
import { grad, jvp, randn, tensor, type Tensor } from '../../src/index.js';
import { busy, ms, nextFrame, row } from './util.js';

const f = (x: Tensor): Tensor => x.mul(x.tanh()).sum();

export function setupModes(): void {
  const form = document.querySelector<HTMLFormElement>('#modes-form')!;
  const select = document.querySelector<HTMLSelectElement>('#modes-n')!;
  const body = document.querySelector<HTMLTableSectionElement>('#modes-table tbody')!;
  const result = document.querySelector<HTMLElement>('#modes-result')!;
  const button = form.querySelector<HTMLButtonElement>('button')!;

  const run = async (): Promise<void> => {
    const n = Number(select.value);
    result.textContent = 'Running…';
    await nextFrame();
    const x = randn([n], { dtype: 'float64', requiresGrad: true });

    const t0 = performance.now();
    const [g] = grad(f(x), [x]);
    const reverseMs = performance.now() - t0;
    const reverse = g!.data() as Float64Array;

    const t1 = performance.now();
    const forward = new Float64Array(n);
    const primal = x.detach();
    for (let i = 0; i < n; i++) {
      const basis = new Float64Array(n);
      basis[i] = 1;
      const e = tensor(basis, { dtype: 'float64' });
      const [, tangent] = jvp((v: Tensor) => f(v), [primal], [e]);
      forward[i] = (tangent as Tensor).item();
    }
    const forwardMs = performance.now() - t1;

    let diff = 0;
    for (let i = 0; i < n; i++) diff = Math.max(diff, Math.abs(forward[i]! - reverse[i]!));
    body.replaceChildren(
      row(['reverse (grad)', 1, ms(reverseMs), reverse[0]!.toPrecision(8)]),
      row(['forward (jvp)', n, ms(forwardMs), forward[0]!.toPrecision(8)]),
    );
    result.textContent = `${n} partial derivatives: forward mode took ${n} passes and ${(forwardMs / Math.max(reverseMs, 1e-3)).toFixed(0)}× ` +
      `the time of one reverse pass; the largest difference between the two gradients is ${diff.toExponential(1)}.`;
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void busy(button, result, run);
  });
}
