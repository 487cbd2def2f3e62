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

// The updates below follow their optimizer's tensor-op path (src/optim/) operation for operation in float32, so
// the fused and unfused updates of a float32 parameter agree; `c = 1 − β` and the like arrive computed in float64.

/**
 * One RMSprop step: `v ← α·v + (1−α)·g·g`; `a = √(v − ḡ²) + ε` with `gavg` (ḡ ← α·ḡ + (1−α)·g), else `√v + ε`;
 * with `buf`, `b ← μ·b + g/a` and `p ← p − lr·b`, else `p ← p + (−lr·g)/a`. `g = sign·grad (+ wd·p)`.
 *
 * @example
 * ```ts
 * exports.rmsprop(p, g, sq, 0, 0, n, 0.01, 0.99, 0.01, 1e-8, 0, 0, 1);
 * ```
 */
export function rmsprop(p: usize, g: usize, sq: usize, gavg: usize, buf: usize, n: i32, lr: f32, alpha: f32, oneMinusAlpha: f32, eps: f32,
  weightDecay: f32, momentum: f32, sign: f32): void {
  const a = f32x4.splat(alpha), c = f32x4.splat(oneMinusAlpha), e = f32x4.splat(eps), rate = f32x4.splat(lr), nrate = f32x4.splat(-lr);
  const wd = f32x4.splat(weightDecay), mu = f32x4.splat(momentum), sg = f32x4.splat(sign);
  const decay = weightDecay != 0;
  const bytes = <usize>n << 2;
  for (let i: usize = 0; i < bytes; i += 16) {
    const pi = v128.load(p + i);
    let gi = f32x4.mul(sg, v128.load(g + i));
    if (decay) gi = f32x4.add(gi, f32x4.mul(pi, wd));
    const s = f32x4.add(f32x4.mul(v128.load(sq + i), a), f32x4.mul(f32x4.mul(gi, c), gi));
    v128.store(sq + i, s);
    let avg: v128;
    if (gavg != 0) {
      const ga = f32x4.add(f32x4.mul(v128.load(gavg + i), a), f32x4.mul(gi, c));
      v128.store(gavg + i, ga);
      avg = f32x4.add(f32x4.sqrt(f32x4.sub(s, f32x4.mul(ga, ga))), e);
    } else {
      avg = f32x4.add(f32x4.sqrt(s), e);
    }
    if (buf != 0) {
      const b = f32x4.add(f32x4.mul(v128.load(buf + i), mu), f32x4.div(gi, avg));
      v128.store(buf + i, b);
      v128.store(p + i, f32x4.sub(pi, f32x4.mul(b, rate)));
    } else {
      v128.store(p + i, f32x4.add(pi, f32x4.div(f32x4.mul(gi, nrate), avg)));
    }
  }
}

/**
 * One Adagrad step: `s ← s + g·g`, `p ← p + (−clr·g)/(√s + ε)`, `g = sign·grad (+ wd·p)`.
 *
 * @example
 * ```ts
 * exports.adagrad(p, g, sum, n, 0.01, 1e-10, 0, 1);
 * ```
 */
export function adagrad(p: usize, g: usize, sum: usize, n: i32, clr: f32, eps: f32, weightDecay: f32, sign: f32): void {
  const nclr = f32x4.splat(-clr), e = f32x4.splat(eps), wd = f32x4.splat(weightDecay), sg = f32x4.splat(sign);
  const decay = weightDecay != 0;
  const bytes = <usize>n << 2;
  for (let i: usize = 0; i < bytes; i += 16) {
    const pi = v128.load(p + i);
    let gi = f32x4.mul(sg, v128.load(g + i));
    if (decay) gi = f32x4.add(gi, f32x4.mul(pi, wd));
    const s = f32x4.add(v128.load(sum + i), f32x4.mul(gi, gi));
    v128.store(sum + i, s);
    v128.store(p + i, f32x4.add(pi, f32x4.div(f32x4.mul(gi, nclr), f32x4.add(f32x4.sqrt(s), e))));
  }
}

/**
 * One Adamax step: `m ← β₁·m + (1−β₁)·g`, `u ← max(β₂·u, |g| + ε)` (NaN propagating), `p ← p + (−clr·m)/u`.
 *
 * @example
 * ```ts
 * exports.adamax(p, g, m, u, n, 0.9, 0.1, 0.999, 1e-8, 0.02, 0, 1);
 * ```
 */
export function adamax(p: usize, g: usize, m: usize, u: usize, n: i32, beta1: f32, oneMinusBeta1: f32, beta2: f32, eps: f32, clr: f32,
  weightDecay: f32, sign: f32): void {
  const b1 = f32x4.splat(beta1), c1 = f32x4.splat(oneMinusBeta1), b2 = f32x4.splat(beta2), e = f32x4.splat(eps), nclr = f32x4.splat(-clr);
  const wd = f32x4.splat(weightDecay), sg = f32x4.splat(sign);
  const decay = weightDecay != 0;
  const bytes = <usize>n << 2;
  for (let i: usize = 0; i < bytes; i += 16) {
    const pi = v128.load(p + i);
    let gi = f32x4.mul(sg, v128.load(g + i));
    if (decay) gi = f32x4.add(gi, f32x4.mul(pi, wd));
    const mi = f32x4.add(f32x4.mul(v128.load(m + i), b1), f32x4.mul(gi, c1));
    v128.store(m + i, mi);
    // f32x4.max propagates NaN, as the tensor op `maximum` does.
    const ui = f32x4.max(f32x4.mul(v128.load(u + i), b2), f32x4.add(f32x4.abs(gi), e));
    v128.store(u + i, ui);
    v128.store(p + i, f32x4.add(pi, f32x4.div(f32x4.mul(mi, nclr), ui)));
  }
}

/**
 * One NAdam step: the moments as Adam's, `d = √(v/bc₂) + ε`, `p ← p + (gc·g)/d`, then `p ← p + (ac·m)/d`.
 *
 * @example
 * ```ts
 * exports.nadam(p, g, m, v, n, 0.9, 0.1, 0.999, 0.001, 0.001, 1e-8, -1e-3, -9e-3, 0, 1);
 * ```
 */
export function nadam(p: usize, g: usize, m: usize, v: usize, n: i32, beta1: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32,
  bc2: f32, eps: f32, gradCoef: f32, avgCoef: f32, weightDecay: f32, sign: f32): void {
  const b1 = f32x4.splat(beta1), c1 = f32x4.splat(oneMinusBeta1), b2 = f32x4.splat(beta2), c2 = f32x4.splat(oneMinusBeta2);
  const bc = f32x4.splat(bc2), e = f32x4.splat(eps), gc = f32x4.splat(gradCoef), ac = f32x4.splat(avgCoef);
  const wd = f32x4.splat(weightDecay), sg = f32x4.splat(sign);
  const decay = weightDecay != 0;
  const bytes = <usize>n << 2;
  for (let i: usize = 0; i < bytes; i += 16) {
    const pi = v128.load(p + i);
    let gi = f32x4.mul(sg, v128.load(g + i));
    if (decay) gi = f32x4.add(gi, f32x4.mul(pi, wd));
    const mi = f32x4.add(f32x4.mul(v128.load(m + i), b1), f32x4.mul(gi, c1));
    const vi = f32x4.add(f32x4.mul(v128.load(v + i), b2), f32x4.mul(f32x4.mul(gi, c2), gi));
    v128.store(m + i, mi);
    v128.store(v + i, vi);
    const d = f32x4.add(f32x4.sqrt(f32x4.div(vi, bc)), e);
    const p1 = f32x4.add(pi, f32x4.div(f32x4.mul(gi, gc), d));
    v128.store(p + i, f32x4.add(p1, f32x4.div(f32x4.mul(mi, ac), d)));
  }
}

/**
 * One RAdam step: the moments as Adam's, `m̂ = m/bc₁`; with `rectify`, `p ← p − m̂·lr·(1/(√v + ε))·bc₂√·r`,
 * else `p ← p − m̂·lr`.
 *
 * @example
 * ```ts
 * exports.radam(p, g, m, v, n, 0.9, 0.1, 0.999, 0.001, 0.1, 1e-3, 0, 0, 0.03, 1e-8, 0, 1);
 * ```
 */
export function radam(p: usize, g: usize, m: usize, v: usize, n: i32, beta1: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32,
  bc1: f32, lr: f32, rectify: i32, rect: f32, bc2Sqrt: f32, eps: f32, weightDecay: f32, sign: f32): void {
  const b1 = f32x4.splat(beta1), c1 = f32x4.splat(oneMinusBeta1), b2 = f32x4.splat(beta2), c2 = f32x4.splat(oneMinusBeta2);
  const bc = f32x4.splat(bc1), rate = f32x4.splat(lr), r = f32x4.splat(rect), sb = f32x4.splat(bc2Sqrt), e = f32x4.splat(eps);
  const one = f32x4.splat(1), wd = f32x4.splat(weightDecay), sg = f32x4.splat(sign);
  const decay = weightDecay != 0;
  const bytes = <usize>n << 2;
  for (let i: usize = 0; i < bytes; i += 16) {
    const pi = v128.load(p + i);
    let gi = f32x4.mul(sg, v128.load(g + i));
    if (decay) gi = f32x4.add(gi, f32x4.mul(pi, wd));
    const mi = f32x4.add(f32x4.mul(v128.load(m + i), b1), f32x4.mul(gi, c1));
    const vi = f32x4.add(f32x4.mul(v128.load(v + i), b2), f32x4.mul(f32x4.mul(gi, c2), gi));
    v128.store(m + i, mi);
    v128.store(v + i, vi);
    let step = f32x4.mul(f32x4.div(mi, bc), rate);
    if (rectify) {
      const adaptive = f32x4.mul(f32x4.div(one, f32x4.add(f32x4.sqrt(vi), e)), sb);
      step = f32x4.mul(f32x4.mul(step, adaptive), r);
    }
    v128.store(p + i, f32x4.sub(pi, step));
  }
}
