// Section 5: the cheap-gradient principle, measured. profile() times every op's forward and backward during a
// few training steps; the figure shows (forward + backward) / forward against the bound of about 4.
import { manualSeed, nn, profile, rand, randint, randn, type Profile, type Tensor } from '../../src/index.js';
import { busy, ms, nextFrame, row } from './util.js';

type Workload = 'mlp' | 'tanh' | 'logxy';

/** A function that runs one forward and backward of the workload. */
function makeStep(kind: Workload): () => void {
  manualSeed(1);
  switch (kind) {
    case 'mlp': {
      const model = new nn.Sequential(new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 10));
      const x = randn([64, 784]);
      const labels = randint(0, 10, [64], { dtype: 'int32' });
      return () => {
        model.zeroGrad();
        nn.functional.crossEntropy(model.forward(x), labels).backward();
      };
    }
    case 'tanh': {
      const x = randn([64, 1024], { requiresGrad: true });
      return () => {
        x.grad = null;
        let h: Tensor = x;
        for (let i = 0; i < 20; i++) h = h.tanh();
        h.sum().backward();
      };
    }
    case 'logxy': {
      const x = rand([1 << 20]).add(0.5).requiresGrad_();
      const y = rand([1 << 20]).add(0.5).requiresGrad_();
      return () => {
        x.grad = null;
        y.grad = null;
        x.mul(y).log().sum().backward();
      };
    }
  }
}

/** Profile `reps` steps after two warm-up steps, so the first-call costs of the JIT are not counted. */
export function measureCost(kind: Workload, reps = 5): Profile<void> {
  const step = makeStep(kind);
  step();
  step();
  return profile(() => {
    for (let i = 0; i < reps; i++) step();
  });
}

export function setupCost(): void {
  const form = document.querySelector<HTMLFormElement>('#cost-form')!;
  const select = document.querySelector<HTMLSelectElement>('#cost-workload')!;
  const button = form.querySelector<HTMLButtonElement>('button')!;
  const bar = document.querySelector<HTMLElement>('#cost-ratio')!;
  const result = document.querySelector<HTMLElement>('#cost-result')!;
  const body = document.querySelector<HTMLTableSectionElement>('#cost-table tbody')!;

  const run = async (): Promise<void> => {
    result.textContent = 'Measuring…';
    await nextFrame();
    const p = measureCost(select.value as Workload);
    const { forwardMs, backwardMs, ratio } = p.totals;
    const scale = Math.max(4.6, ratio * 1.08);
    const pct = (v: number): string => `${((v / scale) * 100).toFixed(2)}%`;
    const segment = (cls: string, width: string, text: string): HTMLElement => {
      const el = document.createElement('span');
      el.className = cls;
      el.style.width = width;
      el.textContent = text;
      return el;
    };
    const bound = document.createElement('span');
    bound.className = 'bound';
    bound.style.left = pct(4);
    bound.textContent = '4';
    bar.replaceChildren(
      segment('fwd', pct(1), 'forward'),
      segment('bwd', pct(ratio - 1), `backward ${(ratio - 1).toFixed(2)}×`),
      bound,
    );
    bar.dataset.ratio = ratio.toFixed(3);
    bar.setAttribute('aria-label', `Forward 1, backward ${(ratio - 1).toFixed(2)} times the forward; bound 4.`);
    result.textContent = `forward ${ms(forwardMs)}, backward ${ms(backwardMs)}: ` +
      `(forward + backward) / forward = ${ratio.toFixed(2)}.`;
    const rows = [...p.records].sort((a, b) => b.forwardMs + b.backwardMs - (a.forwardMs + a.backwardMs)).slice(0, 8);
    body.replaceChildren(...rows.map((r) => row([
      r.name, r.calls, r.forwardMs.toFixed(2), r.backwardMs.toFixed(2), (r.savedBytes / 1024).toFixed(0),
    ])));
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void busy(button, result, run);
  });
}
