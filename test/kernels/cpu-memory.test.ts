// The CPU backends' buffers (src/kernels/cpu/memory.ts): small ones are views into shared slabs, so each must be
// zero-filled, aligned for its dtype, the size asked for, and apart from every other buffer of its slab.
import { describe, expect, it } from 'vitest';
import { allocCpu, arrayOf } from '../../src/kernels/cpu/memory.js';
import type { DType } from '../../src/dtype.js';
import { tensor } from '../../src/index.js';

describe('CPU buffers', () => {
  it('hands out zeroed, aligned, disjoint buffers of every small and large size', () => {
    const dtypes: DType[] = ['float64', 'float32', 'int32', 'bool'];
    const got = [];
    for (let round = 0; round < 3; round++) {
      for (const dtype of dtypes) {
        for (const n of [0, 1, 2, 3, 5, 8, 15, 16, 17, 31, 33, 200]) {
          const a = arrayOf(allocCpu(dtype, n));
          expect(a.length).toBe(n);
          expect(a.byteOffset % 8).toBe(0);
          expect(Array.from(a).every((v) => v === 0)).toBe(true);
          got.push(a);
        }
      }
    }
    // Fill each with its own mark, then check that no write reached another buffer.
    got.forEach((a, i) => a.fill((i % 100) + 1));
    got.forEach((a, i) => expect(Array.from(a).every((v) => v === (i % 100) + 1)).toBe(true));
  });

  it('keeps small tensors apart through ops and in-place writes', () => {
    const xs = Array.from({ length: 300 }, (_, i) => tensor([i, i + 0.5]).mul(2));
    xs[7]!.add_(1);
    xs.forEach((x, i) => expect(Array.from(x.data())).toEqual(i === 7 ? [2 * i + 1, 2 * i + 2] : [2 * i, 2 * i + 1]));
  });
});
