// Optimizer updates over flat float32 buffers, in place. Buffers are padded to 64 bytes by the JS allocator,
// so the loops run whole vectors and may touch up to 3 elements past `n` (the backend copies back only n).
// Each step rounds to float32 as the tensor-op path of src/optim does, one operation at a time. Constants
// such as 1 − β arrive computed in float64 by the caller, as PyTorch computes them in Python: 1 − β₂ rounded
// from float32 β₂ = 0.999 would be off by 1.3e-5 relative.

/**
 * One Adam/AdamW step: `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`, `v̂ ← max(v̂, v)` when `vmax` is non-zero,
 * `p ← p₀ − stepSize·m / (√v̂ / bc2 + eps)`, where `p₀ = decay·p` and `g = sign·grad + l2·p₀`.
 *
 * @example
 * ```ts
 * exports.adam(p, g, m, v, 0, n, 0.9, 0.1, 0.999, 0.001, 1e-3, 0.0316, 1e-8, 1, 0, 1);
 * ```
 */
export function adam(p: usize, g: usize, m: usize, v: usize, vmax: usize, n: i32, beta1: f32, oneMinusBeta1: f32,
  beta2: f32, oneMinusBeta2: f32, stepSize: f32, bc2: f32, eps: f32, decay: f32, l2: f32, sign: f32): void {
  const b1 = f32x4.splat(beta1), c1 = f32x4.splat(oneMinusBeta1);
  const b2 = f32x4.splat(beta2), c2 = f32x4.splat(oneMinusBeta2);
  const ss = f32x4.splat(stepSize), bc = f32x4.splat(bc2), e = f32x4.splat(eps);
  const dec = f32x4.splat(decay), wd = f32x4.splat(l2), sg = f32x4.splat(sign);
  const bytes = <usize>n << 2;
  for (let i: usize = 0; i < bytes; i += 16) {
    const p0 = f32x4.mul(v128.load(p + i), dec);
    const gi = f32x4.add(f32x4.mul(sg, v128.load(g + i)), f32x4.mul(wd, p0));
    const mi = f32x4.add(f32x4.mul(b1, v128.load(m + i)), f32x4.mul(c1, gi));
    let vi = f32x4.add(f32x4.mul(b2, v128.load(v + i)), f32x4.mul(f32x4.mul(c2, gi), gi));
    v128.store(m + i, mi);
    v128.store(v + i, vi);
    if (vmax != 0) {
      // pmax(a, b) is a < b ? b : a, as the JS loop's `if (vmax < v) vmax = v`.
      vi = f32x4.pmax(v128.load(vmax + i), vi);
      v128.store(vmax + i, vi);
    }
    const denom = f32x4.add(f32x4.div(f32x4.sqrt(vi), bc), e);
    v128.store(p + i, f32x4.sub(p0, f32x4.div(f32x4.mul(ss, mi), denom)));
  }
}

/**
 * One SGD step: `g = sign·grad + wd·p`; with momentum (`buf` non-zero) `buf ← first ? g : μ·buf + (1−τ)·g`
 * and `g ← nesterov ? g + μ·buf : buf`; then `p ← p − lr·g`.
 *
 * @example
 * ```ts
 * exports.sgd(p, g, 0, n, 0.1, 0, 1, 0, 0, 1, 0);
 * ```
 */
export function sgd(p: usize, g: usize, buf: usize, n: i32, lr: f32, momentum: f32, oneMinusDampening: f32,
  nesterov: i32, weightDecay: f32, sign: f32, first: i32): void {
  const rate = f32x4.splat(lr), mu = f32x4.splat(momentum), damp = f32x4.splat(oneMinusDampening);
  const wd = f32x4.splat(weightDecay), sg = f32x4.splat(sign);
  const bytes = <usize>n << 2;
  for (let i: usize = 0; i < bytes; i += 16) {
    const pi = v128.load(p + i);
    let gi = f32x4.add(f32x4.mul(sg, v128.load(g + i)), f32x4.mul(wd, pi));
    if (buf != 0) {
      const b = first ? gi : f32x4.add(f32x4.mul(mu, v128.load(buf + i)), f32x4.mul(damp, gi));
      v128.store(buf + i, b);
      gi = nesterov ? f32x4.add(gi, f32x4.mul(mu, b)) : b;
    }
    v128.store(p + i, f32x4.sub(pi, f32x4.mul(rate, gi)));
  }
}
