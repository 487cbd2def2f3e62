// The register-only SIMD ceiling that bench/simd-peak/run.mjs measures (compiled by it with AssemblyScript).
// Peak 128-bit SIMD mul+add throughput: 8 independent accumulator chains, operands in registers.
export function peak(iters: i32, seed: f32): f32 {
  const b = f32x4.splat(seed), a = f32x4.splat(<f32>0.999);
  let c0 = f32x4.splat(0), c1 = f32x4.splat(1), c2 = f32x4.splat(2), c3 = f32x4.splat(3);
  let c4 = f32x4.splat(4), c5 = f32x4.splat(5), c6 = f32x4.splat(6), c7 = f32x4.splat(7);
  for (let i = 0; i < iters; i++) {
    c0 = f32x4.add(f32x4.mul(c0, a), b); c1 = f32x4.add(f32x4.mul(c1, a), b);
    c2 = f32x4.add(f32x4.mul(c2, a), b); c3 = f32x4.add(f32x4.mul(c3, a), b);
    c4 = f32x4.add(f32x4.mul(c4, a), b); c5 = f32x4.add(f32x4.mul(c5, a), b);
    c6 = f32x4.add(f32x4.mul(c6, a), b); c7 = f32x4.add(f32x4.mul(c7, a), b);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(c0, c1), f32x4.add(c2, c3)), f32x4.add(f32x4.add(c4, c5), f32x4.add(c6, c7)));
  return f32x4.extract_lane(s, 0);
}
// Independent mul and add streams (the matmul pattern: products of fresh operands added to accumulators).
export function peak2(iters: i32, seed: f32): f32 {
  const b = f32x4.splat(seed), a = f32x4.splat(<f32>0.999);
  let c0 = f32x4.splat(0), c1 = f32x4.splat(1), c2 = f32x4.splat(2), c3 = f32x4.splat(3);
  let c4 = f32x4.splat(4), c5 = f32x4.splat(5), c6 = f32x4.splat(6), c7 = f32x4.splat(7);
  let x = a;
  for (let i = 0; i < iters; i++) {
    c0 = f32x4.add(c0, f32x4.mul(x, b)); c1 = f32x4.add(c1, f32x4.mul(x, a));
    c2 = f32x4.add(c2, f32x4.mul(x, b)); c3 = f32x4.add(c3, f32x4.mul(x, a));
    c4 = f32x4.add(c4, f32x4.mul(x, b)); c5 = f32x4.add(c5, f32x4.mul(x, a));
    c6 = f32x4.add(c6, f32x4.mul(x, b)); c7 = f32x4.add(c7, f32x4.mul(x, a));
    x = f32x4.add(x, b);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(c0, c1), f32x4.add(c2, c3)), f32x4.add(f32x4.add(c4, c5), f32x4.add(c6, c7)));
  return f32x4.extract_lane(s, 0);
}
