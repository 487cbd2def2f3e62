// Convolution, pooling and resampling against PyTorch (test/fixtures/conv.json, written by scripts/oracle/conv.py):
// results and the gradients of every tensor argument, float64 and float32; second derivatives of the grouped and
// 'same' convolutions and of the composites; the layers (parameter names, shapes, initialisation bounds); misuse.
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { fold, getBackend, gradcheck, gradgradcheck, manualSeed, nn, ones, randn, tensor, unfold, zeros, type Tensor } from '../src/index.js';
import { FIXTURE_TOL, lcgTensor, mismatch } from './support/lcg.js';

const F = nn.functional;

interface Result { out: number[]; shape: number[]; grads: number[][]; indices?: number[] }
interface Case {
  fn: string;
  label: string;
  shapes: number[][];
  positional: unknown[];
  options: Record<string, unknown>;
  float64: Result;
  float32: Result;
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/conv.json', import.meta.url), 'utf8')) as { torch: string; cases: Case[] };

type Call = (args: Tensor[], positional: unknown[], opts: Record<string, unknown>) => Tensor | [Tensor, Tensor];
const FUNCS: Record<string, Call> = {
  conv2d: ([x, w, b], _, o) => F.conv2d(x!, w!, b ?? null, o),
  conv1d: ([x, w, b], _, o) => F.conv1d(x!, w!, b ?? null, o),
  convTranspose2d: ([x, w, b], _, o) => F.convTranspose2d(x!, w!, b ?? null, o),
  avgPool2d: ([x], [k], o) => F.avgPool2d(x!, k as number, o),
  maxPool2d: ([x], [k], o) => F.maxPool2d(x!, k as number, o),
  adaptiveAvgPool2d: ([x], [size]) => F.adaptiveAvgPool2d(x!, size as number),
  adaptiveMaxPool2d: ([x], [size], o) => F.adaptiveMaxPool2d(x!, size as number, o),
  interpolate: ([x], _, o) => F.interpolate(x!, o),
  pixelShuffle: ([x], [r]) => F.pixelShuffle(x!, r as number),
  pixelUnshuffle: ([x], [r]) => F.pixelUnshuffle(x!, r as number),
};

describe(`convolution, pooling and resampling against PyTorch ${fixture.torch} (test/fixtures/conv.json)`, () => {
  for (const c of fixture.cases) {
    for (const dtype of ['float64', 'float32'] as const) {
      it(`${c.fn} ${c.label ? `(${c.label}) ` : ''}${JSON.stringify(c.options)} (${dtype})`, () => {
        const want = c[dtype];
        const tol = FIXTURE_TOL[dtype];
        const args = c.shapes.map((s, k) => lcgTensor(s, 1 + k, dtype, 1, true));
        const result = FUNCS[c.fn]!(args, c.positional, c.options);
        const [out, indices] = Array.isArray(result) ? result : [result, null];
        expect(out.shape).toEqual(want.shape);
        expect(mismatch(out.data(), want.out, tol), 'result').toBeNull();
        if (want.indices) expect([...indices!.data()]).toEqual(want.indices);
        out.mul(lcgTensor(out.shape, 500, dtype)).sum().backward();
        want.grads.forEach((g, i) => expect(mismatch(args[i]!.grad!.data(), g, tol), `gradient of argument ${i}`).toBeNull());
      });
    }
  }
});

describe('temporaries of conv2d', () => {
  const steps = (x: Tensor, w: Tensor, n: number): number[][][] => Array.from({ length: n }, () => {
    x.grad = null;
    w.grad = null;
    F.conv2d(x, w).square().sum().backward();
    return [Array.from(x.grad!.data()), Array.from(w.grad!.data())];
  });

  it('the columns of dX and the per-image products of dW go back to the backend; later steps reuse them unharmed', () => {
    manualSeed(3);
    // 6·5·5 = 150 taps: dX's columns (8 × 150 × 100 floats) are a temporary, and so is the packed copy of the
    // permuted weight (16 × 6 × 5 × 5 floats, too small for the CPU pool, which keeps 64 KiB and more).
    const x = randn([8, 6, 14, 14], { requiresGrad: true });
    const w = randn([16, 5, 5, 6]).permute(0, 3, 1, 2).requiresGrad_();
    const backend = getBackend();
    const release = backend.release ? vi.spyOn(backend, 'release') : null;
    let first: number[][][];
    try {
      first = steps(x, w, 1);
      if (release) {
        const lengths = release.mock.calls.map(([b]) => (b as unknown as Float32Array).length);
        // dX's columns, and dW's per-image products (8 × 16 × 150) before their sum.
        expect(lengths).toContain(8 * 150 * 100);
        expect(lengths).toContain(8 * 16 * 150);
      }
    } finally {
      release?.mockRestore();
    }
    // The released buffers are handed out again by these steps; the gradients must not change.
    for (const s of steps(x, w, 3)) expect(s).toEqual(first[0]);
  });

  it('the kept columns go back after the backward that releases them; not with retainGraph, nor once savedTensors was read', () => {
    manualSeed(5);
    const x = randn([8, 6, 14, 14]);
    const w = randn([16, 6, 5, 5], { requiresGrad: true });
    const colsLength = 8 * 150 * 100;
    const backend = getBackend();
    if (!backend.release) return;
    const releasedCols = (fn: () => void): number => {
      const spy = vi.spyOn(backend, 'release');
      try {
        fn();
        return spy.mock.calls.filter(([b]) => (b as unknown as Float32Array).length === colsLength).length;
      } finally {
        spy.mockRestore();
      }
    };
    // dX is not wanted (x needs no grad), so the only buffer of that length is the columns.
    let y = F.conv2d(x, w).sum();
    expect(releasedCols(() => y.backward(null, { retainGraph: true }))).toBe(0);
    expect(releasedCols(() => y.backward())).toBe(1);
    y = F.conv2d(x, w).sum();
    const node = y.gradFn!.nextFunctions[0]!;
    expect(node.savedTensors.some((t) => t.size === colsLength)).toBe(true);
    expect(releasedCols(() => y.backward())).toBe(0);
  });

  it('never gives back the storage of an operand that needed no copy', () => {
    manualSeed(4);
    // Contiguous float32 operands of 64 KiB and more: packing returns them as they are.
    const x = randn([4, 64, 12, 12], { requiresGrad: true }), w = randn([32, 64, 3, 3], { requiresGrad: true });
    const xs = Array.from(x.data()), ws = Array.from(w.data());
    const [first, ...rest] = steps(x, w, 4);
    for (const s of rest) expect(s).toEqual(first);
    expect(Array.from(x.data())).toEqual(xs);
    expect(Array.from(w.data())).toEqual(ws);
  });
});

describe('second derivatives', () => {
  const f64 = (shape: number[], seed: number): Tensor => lcgTensor(shape, seed, 'float64', 1, true);
  it('grouped, dilated and \'same\' convolutions', () => {
    const x = f64([1, 4, 5, 4], 1), w = f64([2, 2, 2, 3], 2);
    const fn = (a: Tensor, b: Tensor): Tensor => F.conv2d(a, b, null, { padding: 'same', groups: 2, dilation: [2, 1] });
    expect(gradcheck(fn, [x, w])).toBe(true);
    expect(gradgradcheck(fn, [x, w])).toBe(true);
    const y = f64([2, 3, 6], 3), k = f64([3, 1, 2], 4);
    const g1 = (a: Tensor, b: Tensor): Tensor => F.conv1d(a, b, null, { groups: 3, stride: 2 });
    expect(gradgradcheck(g1, [y, k])).toBe(true);
  });
  it('transposed convolution, adaptive pooling and interpolation', () => {
    const x = f64([1, 4, 3, 2], 5), w = f64([4, 1, 3, 2], 6);
    expect(gradgradcheck((a, b) => F.convTranspose2d(a, b!, null, { stride: 2, groups: 2, outputPadding: 1 }), [x, w])).toBe(true);
    expect(gradgradcheck((a) => F.adaptiveAvgPool2d(a, [2, 3]), [f64([1, 2, 5, 4], 7)])).toBe(true);
    expect(gradcheck((a) => F.adaptiveMaxPool2d(a, [2, 3]), [f64([1, 2, 5, 4], 8)])).toBe(true);
    expect(gradgradcheck((a) => F.interpolate(a, { size: [4, 5], mode: 'bilinear' }), [f64([1, 1, 3, 3], 9)])).toBe(true);
  });
});

describe('convolution layers', () => {
  it('Conv2d, Conv1d and ConvTranspose2d have PyTorch\'s parameter shapes and initialisation bounds', () => {
    manualSeed(0);
    const c2 = new nn.Conv2d(4, 6, 3, { groups: 2 });
    expect(c2.weight.shape).toEqual([6, 2, 3, 3]);
    const bound2 = 1 / Math.sqrt(2 * 9);
    expect(c2.weight.abs().max().item()).toBeLessThanOrEqual(bound2);
    expect(c2.weight.abs().max().item()).toBeGreaterThan(bound2 * 0.8);
    expect(c2.bias!.abs().max().item()).toBeLessThanOrEqual(bound2);
    const c1 = new nn.Conv1d(3, 4, 5);
    expect(c1.namedParameters().map(([n, p]) => [n, p.shape])).toEqual([['weight', [4, 3, 5]], ['bias', [4]]]);
    const t = new nn.ConvTranspose2d(4, 6, [2, 3], { groups: 2 });
    expect(t.weight.shape).toEqual([4, 3, 2, 3]);
    expect(t.weight.abs().max().item()).toBeLessThanOrEqual(1 / Math.sqrt(3 * 6));
    expect(String(t)).toBe('ConvTranspose2d(4, 6, kernelSize=[2, 3], groups=2, bias=true)');
    expect(String(new nn.Conv1d(2, 2, 3, { padding: 'same' }))).toBe('Conv1d(2, 2, kernelSize=3, padding="same", bias=true)');
  });

  it('the layers compute their functions', () => {
    manualSeed(1);
    const x = randn([2, 4, 6, 5]);
    const c = new nn.Conv2d(4, 6, 3, { padding: 'same', groups: 2, bias: false });
    expect(c.forward(x).sub(F.conv2d(x, c.weight, null, { padding: 'same', groups: 2 })).abs().max().item()).toBe(0);
    const t = new nn.ConvTranspose2d(4, 2, 3, { stride: 2, padding: 1 });
    expect(t.forward(x).shape).toEqual([2, 2, 11, 9]);
    expect(t.forward(x, [12, 10]).sub(F.convTranspose2d(x, t.weight, t.bias, { stride: 2, padding: 1, outputPadding: 1 })).abs().max().item()).toBe(0);
    expect(() => t.forward(x, [13, 10])).toThrow('ConvTranspose2d: requested an output size of [13, 10], but valid sizes range from [11, 9] to [12, 10]');
  });

  it('refuses what PyTorch refuses, naming the shapes', () => {
    expect(() => new nn.Conv2d(4, 6, 3, { groups: 3 })).toThrow('Conv2d: in_channels must be divisible by groups');
    expect(() => new nn.Conv2d(4, 6, 3, { padding: 'same', stride: 2 })).toThrow("Conv2d: padding='same' is not supported for strided convolutions");
    expect(() => new nn.Conv2d(4, 6, 3, { padding: 'full' as never })).toThrow("Conv2d: Invalid padding string 'full', should be one of 'valid', 'same'.");
    expect(() => new nn.Conv2d(4, 6, 3, { paddingMode: 'reflect' as never })).toThrow("Conv2d: paddingMode 'reflect' is not supported");
    expect(() => new nn.Conv1d(4, 6, 3, { padding_mode: 'zeros' } as never)).toThrow("Conv1d: unknown option 'padding_mode'; did you mean 'paddingMode'?");
    expect(() => F.conv2d(zeros([1, 3, 5, 5]), zeros([4, 2, 3, 3]), null, { groups: 2 }))
      .toThrow('conv2d: Given groups=2, weight of size [4, 2, 3, 3], expected input[1, 3, 5, 5] to have 4 channels, but got 3 channels instead.');
    expect(() => F.conv2d(zeros([1, 2, 5, 5]), zeros([2, 2, 3, 3]), null, { padding: 'same', stride: 2 })).toThrow("conv2d: padding='same' is not supported for strided convolutions");
    expect(() => F.conv1d(zeros([1, 2, 5]), zeros([2, 3, 3]))).toThrow('conv1d: Given groups=1, weight of size [2, 3, 3], expected input[1, 2, 5] to have 3 channels');
    expect(() => F.convTranspose2d(zeros([1, 2, 3, 3]), zeros([2, 2, 3, 3]), null, { stride: 2, outputPadding: 2 }))
      .toThrow('convTranspose2d: output padding must be smaller than either stride or dilation');
  });
});

describe('pooling and resampling layers', () => {
  it('AvgPool2d, AdaptiveAvgPool2d, AdaptiveMaxPool2d, Upsample, PixelShuffle compute their functions', () => {
    manualSeed(2);
    const x = randn([2, 3, 7, 6]);
    const same = (a: Tensor, b: Tensor): number => a.sub(b).abs().max().item();
    expect(same(new nn.AvgPool2d(3, { stride: 2, ceilMode: true }).forward(x), F.avgPool2d(x, 3, { stride: 2, ceilMode: true }))).toBe(0);
    expect(same(new nn.AdaptiveAvgPool2d([2, null]).forward(x), F.adaptiveAvgPool2d(x, [2, null]))).toBe(0);
    const [v, i] = new nn.AdaptiveMaxPool2d(3, { returnIndices: true }).forward(x);
    expect(i.dtype).toBe('int32');
    expect(same(v, F.adaptiveMaxPool2d(x, 3))).toBe(0);
    expect(same(new nn.Upsample({ scaleFactor: 2, mode: 'bilinear' }).forward(x), F.interpolate(x, { scaleFactor: 2, mode: 'bilinear' }))).toBe(0);
    expect(same(new nn.UpsamplingBilinear2d({ size: [9, 9] }).forward(x), F.interpolate(x, { size: [9, 9], mode: 'bilinear', alignCorners: true }))).toBe(0);
    expect(same(new nn.UpsamplingNearest2d({ scaleFactor: 3 }).forward(x), F.interpolate(x, { scaleFactor: 3 }))).toBe(0);
    const y = randn([1, 8, 3, 3]);
    expect(same(new nn.PixelUnshuffle(2).forward(new nn.PixelShuffle(2).forward(y)), y)).toBe(0);
    expect(String(new nn.AvgPool2d(2, { ceilMode: true }))).toBe('AvgPool2d(kernelSize=2, ceilMode=true)');
    expect(same(new nn.MaxPool2d(3, { stride: 2, ceilMode: true }).forward(x), F.maxPool2d(x, 3, { stride: 2, ceilMode: true }))).toBe(0);
    expect(new nn.MaxPool2d(3, { stride: 2, ceilMode: true }).forward(x).shape).toEqual([2, 3, 3, 3]);
  });

  it('global average pooling is the mean over the plane', () => {
    const x = randn([2, 3, 5, 7], { dtype: 'float64' });
    expect(F.adaptiveAvgPool2d(x, 1).reshape([2, 3]).sub(x.mean([2, 3])).abs().max().item()).toBeLessThan(1e-15);
  });

  it('checks its arguments as PyTorch does', () => {
    expect(() => F.avgPool2d(zeros([1, 1, 5, 5]), 3, { padding: 2 })).toThrow('avgPool2d: pad should be smaller than or equal to half of kernel size');
    expect(() => F.avgPool2d(zeros([1, 1, 5, 5]), 2, { divisorOverride: 0 })).toThrow('avgPool2d: divisorOverride must be a non-zero integer or null');
    expect(() => F.avgPool2d(zeros([1, 1, 5, 5]), 2, { ceil_mode: true } as never)).toThrow("avgPool2d: unknown option 'ceil_mode'");
    expect(() => F.interpolate(zeros([1, 1, 4, 4]), { size: 8, scaleFactor: 2 })).toThrow('interpolate: only one of size or scaleFactor should be defined.');
    expect(() => F.interpolate(zeros([1, 1, 4, 4]), { size: 8, alignCorners: true })).toThrow('interpolate: alignCorners option can only be set with the interpolating modes');
    expect(() => F.interpolate(zeros([1, 1, 4]), { size: 8, mode: 'bilinear' })).toThrow("interpolate: mode 'bilinear' needs a 4-D input");
    expect(() => F.interpolate(zeros([1, 1, 4, 4]), { size: 8, mode: 'bicubic' as never })).toThrow("interpolate: option 'mode' must be one of 'nearest', 'nearest-exact', 'linear', 'bilinear'");
    expect(() => F.pixelShuffle(zeros([1, 6, 2, 2]), 2)).toThrow("pixelShuffle: pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of upscale_factor");
    expect(() => F.adaptiveAvgPool2d(zeros([1, 1, 4, 4]), [0, 2])).toThrow('adaptiveAvgPool2d: outputSize must be positive integers');
    expect(() => F.adaptiveMaxPool2d(zeros([4, 4]), 2)).toThrow('adaptiveMaxPool2d: expected a 3-d (unbatched) or 4-d input');
    expect(tensor([1]).shape).toEqual([1]);
  });
});

describe('fold, as F.fold(input, output_size, kernel_size, ...)', () => {
  it('undoes a non-overlapping unfold, batched and unbatched', () => {
    const x = randn([2, 3, 4, 6]);
    const cols = unfold(x, 2, { stride: 2 });
    expect(cols.shape).toEqual([2, 12, 6]);
    expect(fold(cols, [4, 6], 2, { stride: 2 }).toArray()).toEqual(x.toArray());
    const one = fold(cols.select(0, 1), [4, 6], [2, 2], { stride: [2, 2] });
    expect(one.shape).toEqual([3, 4, 6]);
    expect(one.toArray()).toEqual(x.select(0, 1).toArray());
  });

  it('sums overlapping windows: each pixel counted once per window that covers it', () => {
    const counts = fold(unfold(ones([1, 1, 3, 3]), 2), [3, 3], 2);
    expect(counts.flatten().toArray()).toEqual([1, 2, 1, 2, 4, 2, 1, 2, 1]);
  });

  it('names what is wrong', () => {
    const cols = zeros([1, 12, 6]);
    expect(() => fold(cols, [4, 6], 5, { stride: 2 })).toThrow(
      "fold: expected size of input's dimension 1 to be divisible by the product of kernel_size, but got input.size(1)=12 and kernel_size=[5, 5].");
    expect(() => fold(cols, [4, 6], 2)).toThrow(
      "fold: given output size [4, 6], kernel [2, 2], dilation [1, 1], padding [0, 0] and stride [1, 1], expected size of input's dimension 2 to match the calculated number of sliding blocks 3 * 5 = 15, but got input.size(2)=6.");
    expect(() => fold(cols, [4, 6], 2, { kernel_size: 2 } as never)).toThrow("fold: unknown option 'kernel_size'; the options are stride, padding, dilation.");
    expect(() => fold(zeros([12]), [4, 6], 2)).toThrow('fold: expected a 2-d (unbatched) or 3-d (batched) input [N, C·kh·kw, L], got shape [12].');
  });
});
