// The command line of the MNIST example, apart from main so that tests can parse without training.
import { parseArgs } from 'node:util';
import { getBackend, listBackends } from '../src/index.js';
import type { OptimizerName, TrainConfig } from './mnist-train.js';

/** The help text. @example `console.log(USAGE)` */
export const USAGE = `usage: npm start -- [options]

  --hidden N          hidden units; 0 trains softmax regression (default 128)
  --epochs N          passes over the training set (default 10)
  --lr X              learning rate (default 0.001; 0.01 for sgd)
  --optimizer NAME    sgd (momentum 0.9) | adam | adamw (default adam)
  --batch N           batch size (default 64)
  --seed N            seed for the split, the initial weights and the shuffling (default 0)
  --backend NAME      CPU kernel backend: ${listBackends().filter((b) => b !== 'webgpu').join(' | ')} (default ${getBackend().name})
  --device NAME       cpu | webgpu (default cpu); webgpu needs a WebGPU adapter: in Node the webgpu package
                      (Dawn) and a Vulkan driver, on a software one (SwiftShader) slowly
  --out DIR           where the plot and the model go (default out)
  -h, --help          show this help`;

/** Everything the command line sets. @example `const { seed, out }: Options = parseOptions(argv) as Options;` */
export interface Options extends TrainConfig {
  readonly seed: number;
  readonly backend: string;
  readonly device: 'cpu' | 'webgpu';
  readonly out: string;
}

/** A bad command line: main prints it with the usage and exits with code 2. @example `throw new UsageError('--batch must be ...')` */
export class UsageError extends Error {}

const OPTIONS = {
  hidden: { type: 'string' },
  epochs: { type: 'string' },
  lr: { type: 'string' },
  optimizer: { type: 'string' },
  batch: { type: 'string' },
  seed: { type: 'string' },
  backend: { type: 'string' },
  device: { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * Parse and check the options, with defaults; 'help' for -h/--help. Throws `UsageError` on bad input.
 *
 * @example
 * ```ts
 * parseOptions(['--hidden', '0', '--epochs', '3']); // softmax regression for 3 epochs
 * ```
 */
export function parseOptions(argv: string[]): Options | 'help' {
  const values = (() => {
    try {
      return parseArgs({ args: argv, strict: true, allowPositionals: false, options: OPTIONS }).values;
    } catch (e) {
      throw new UsageError(e instanceof Error ? e.message : String(e));
    }
  })();
  if (values.help) return 'help';
  const int = (name: string, raw: string | undefined, fallback: number, min: number): number => {
    if (raw === undefined) return fallback;
    const v = Number(raw);
    if (raw.trim() === '' || !Number.isInteger(v) || v < min) throw new UsageError(`--${name} must be an integer >= ${min}, got '${raw}'.`);
    return v;
  };
  const optimizer = values.optimizer ?? 'adam';
  if (optimizer !== 'sgd' && optimizer !== 'adam' && optimizer !== 'adamw') {
    throw new UsageError(`--optimizer must be sgd, adam or adamw, got '${optimizer}'.`);
  }
  let lr = optimizer === 'sgd' ? 0.01 : 1e-3;
  if (values.lr !== undefined) {
    lr = Number(values.lr);
    if (values.lr.trim() === '' || !Number.isFinite(lr) || lr <= 0) throw new UsageError(`--lr must be a positive number, got '${values.lr}'.`);
  }
  const backend = values.backend ?? getBackend().name;
  if (!listBackends().includes(backend)) throw new UsageError(`--backend must be one of ${listBackends().join(', ')}, got '${backend}'.`);
  const device = values.device ?? 'cpu';
  if (device !== 'cpu' && device !== 'webgpu') throw new UsageError(`--device must be cpu or webgpu, got '${device}'.`);
  return {
    hidden: int('hidden', values.hidden, 128, 0),
    epochs: int('epochs', values.epochs, 10, 1),
    lr,
    optimizer: optimizer satisfies OptimizerName,
    batch: int('batch', values.batch, 64, 1),
    seed: int('seed', values.seed, 0, 0),
    backend,
    device,
    out: values.out ?? 'out',
  };
}
