/**
 * Writes the initial weights of adjoint's B7, B8 and B9 models (bench/adjoint-models.ts), and the first two
 * losses of adjoint's step from them (B9 without dropout), for scripts/oracle/bench_torch.py: PyTorch then starts
 * from the same weights and checks its losses against adjoint's before it times its step.
 *
 *   node --import tsx bench/torch-weights.ts DIR     # writes DIR/weights.json (index, losses) and DIR/weights.bin
 *
 * `npm run bench:torch` runs this, then the PyTorch script.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setBackend } from '../src/index.js';
import { type StepParts, b7Parts, b8Parts, b9Parts } from './adjoint-models.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: node --import tsx bench/torch-weights.ts DIR');
setBackend('wasm');

interface Entry {
  readonly shape: number[];
  /** Offset in float32 elements into weights.bin. */
  readonly offset: number;
}

const chunks: Float32Array[] = [];
let offset = 0;
const index: Record<string, { params: Record<string, Entry>; losses: number[] }> = {};

/** The first two losses of a step built from `parts` (the second after one optimizer update). */
function twoLosses(parts: StepParts): number[] {
  const out: number[] = [];
  for (let i = 0; i < 2; i++) {
    const loss = parts.forward();
    loss.backward();
    parts.update();
    out.push(loss.item());
  }
  return out;
}

const workloads: [string, () => StepParts][] = [['B7', () => b7Parts()], ['B8', () => b8Parts()], ['B9', () => b9Parts(0)]];
for (const [id, make] of workloads) {
  const parts = make();
  const params: Record<string, Entry> = {};
  for (const [name, { data, shape }] of Object.entries(parts.initial())) {
    params[name] = { shape, offset };
    chunks.push(data);
    offset += data.length;
  }
  index[id] = { params, losses: twoLosses(parts) };
}

mkdirSync(dir, { recursive: true });
const bin = new Float32Array(offset);
let at = 0;
for (const c of chunks) {
  bin.set(c, at);
  at += c.length;
}
writeFileSync(path.join(dir, 'weights.bin'), new Uint8Array(bin.buffer));
writeFileSync(path.join(dir, 'weights.json'), JSON.stringify({ dtype: 'float32', littleEndian: true, workloads: index }, null, 1));
process.stderr.write(`wrote ${dir}/weights.{json,bin}: ${(offset / 1e6).toFixed(2)} M floats; adjoint's losses ` +
  Object.entries(index).map(([id, w]) => `${id} ${w.losses.map((l) => l.toFixed(5)).join(' → ')}`).join(', ') + '\n');
