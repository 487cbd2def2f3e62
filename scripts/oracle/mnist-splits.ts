// Dev-only: dump adjoint's seeded MNIST splits (as index lists into loadMnist order) plus the raw
// images/labels, so scripts/oracle/mnist_torch.py can train PyTorch on exactly the same data.
// Run: cd /work/main && node --import tsx scripts/oracle/mnist-splits.ts [outDir=/tmp]
import { writeFileSync } from 'node:fs';
import { Generator, randperm } from '../../src/index.js';
import { loadMnist, PIXELS, splitMnist } from '../../examples/mnist-data.js';

const outDir = process.argv[2] ?? '/tmp';
const TRAIN = 8000, TEST = 2000;
const seeds = Array.from({ length: 10 }, (_, i) => i);

const { images, labels } = loadMnist();
const img = images.data() as Float32Array;
const lab = labels.data() as Int32Array;
const n = lab.length;
writeFileSync(`${outDir}/mnist-images.f32`, Buffer.from(img.buffer, img.byteOffset, img.byteLength));
writeFileSync(`${outDir}/mnist-labels.i32`, Buffer.from(lab.buffer, lab.byteOffset, lab.byteLength));

// Replica of splitMnist's index logic: randomSplit draws randperm(N) from the fresh Generator(seed)
// (the first thing it is used for in examples/mnist.ts) and takes consecutive slices [8000, 2000, rest].
function replicaIndices(seed: number): { train: number[]; test: number[] } {
  const perm = Array.from(randperm(n, { generator: new Generator(seed) }).data() as Int32Array);
  return { train: perm.slice(0, TRAIN), test: perm.slice(TRAIN, TRAIN + TEST) };
}

function checkEqual(seed: number, what: string, idx: number[], x: Float32Array, y: Int32Array): void {
  if (y.length !== idx.length || x.length !== idx.length * PIXELS) throw new Error(`seed ${seed} ${what}: size mismatch`);
  for (let r = 0; r < idx.length; r++) {
    const src = idx[r]! * PIXELS;
    if (y[r] !== lab[idx[r]!]) throw new Error(`seed ${seed} ${what}: label mismatch at row ${r}`);
    for (let p = 0; p < PIXELS; p++) {
      if (x[r * PIXELS + p] !== img[src + p]) throw new Error(`seed ${seed} ${what}: pixel mismatch at row ${r}, pixel ${p}`);
    }
  }
}

const splits: Record<string, { train: number[]; test: number[] }> = {};
for (const seed of seeds) {
  const ix = replicaIndices(seed);
  // Verify against adjoint's own splitMnist (every seed, not just 0 and 3).
  const { train, test } = splitMnist(TRAIN, TEST, new Generator(seed));
  checkEqual(seed, 'train', ix.train, train.tensors[0].data() as Float32Array, train.tensors[1].data() as Int32Array);
  checkEqual(seed, 'test', ix.test, test.tensors[0].data() as Float32Array, test.tensors[1].data() as Int32Array);
  if (new Set([...ix.train, ...ix.test]).size !== TRAIN + TEST) throw new Error(`seed ${seed}: overlapping indices`);
  splits[String(seed)] = ix;
  const testCounts = Array(10).fill(0);
  for (const i of ix.test) testCounts[lab[i]!]++;
  console.log(`seed ${seed}: replica matches splitMnist exactly (train ${ix.train.length}, test ${ix.test.length}); test class counts ${testCounts.join(',')}; first test idx ${ix.test.slice(0, 5).join(',')}`);
}
writeFileSync(`${outDir}/mnist-splits.json`, JSON.stringify({ n, pixels: PIXELS, splits }));
console.log(`wrote ${outDir}/mnist-images.f32 (${n}x${PIXELS} float32), ${outDir}/mnist-labels.i32, ${outDir}/mnist-splits.json`);
