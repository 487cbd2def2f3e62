// Fused LayerNorm and BatchNorm over float32, forward and backward: each call sweeps a row (LayerNorm) or a
// channel's blocks (BatchNorm) for its statistics, then writes the normalised, scaled and shifted values, as the
// TS kernels in src/kernels/ts/normalization.ts do. Statistics and the weight and bias gradients accumulate in
// float64 (four f64x2 lanes per vector pair); the variance is a second pass over the centred values. Pointers of
// absent operands (weight, bias, running statistics) are 0. Segments are read with whole vectors and a scalar
// tail, so nothing is read or written past a segment's end.

@inline function promoteHigh(v: v128): v128 {
  return f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 2, 3));
}

@inline function hsum64(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

// Σ p[j] for j < n, in float64.
function segSum(p: usize, n: i32): f64 {
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
  let j = 0;
  for (; j + 4 <= n; j += 4, p += 16) {
    const v = v128.load(p);
    s0 = f64x2.add(s0, f64x2.promote_low_f32x4(v));
    s1 = f64x2.add(s1, promoteHigh(v));
  }
  let s = hsum64(f64x2.add(s0, s1));
  for (; j < n; j++, p += 4) s += <f64>load<f32>(p);
  return s;
}

// Σ (p[j] − mean)² for j < n, in float64.
function segSqDev(p: usize, n: i32, mean: f64): f64 {
  const vm = f64x2.splat(mean);
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
  let j = 0;
  for (; j + 4 <= n; j += 4, p += 16) {
    const v = v128.load(p);
    const d0 = f64x2.sub(f64x2.promote_low_f32x4(v), vm), d1 = f64x2.sub(promoteHigh(v), vm);
    s0 = f64x2.add(s0, f64x2.mul(d0, d0));
    s1 = f64x2.add(s1, f64x2.mul(d1, d1));
  }
  let s = hsum64(f64x2.add(s0, s1));
  for (; j < n; j++, p += 4) {
    const d = <f64>load<f32>(p) - mean;
    s += d * d;
  }
  return s;
}

/**
 * LayerNorm forward of float32 `x` `[rows, m]`: `out = (x − mean) · rstd · w + b` per row, and `mean`, `rstd`
 * ([rows]); `w`, `b` ([m]) may be 0 (absent).
 *
 * @example
 * ```ts
 * exports.layerNorm(x, w, b, out, mean, rstd, 64, 256, 1e-5);
 * ```
 */
export function layerNorm(x: usize, w: usize, b: usize, out: usize, mean: usize, rstd: usize, rows: i32, m: i32, eps: f64): void {
  const rowB = <usize>m << 2;
  for (let r = 0; r < rows; r++) {
    const p = x + <usize>r * rowB, q = out + <usize>r * rowB;
    const mu = segSum(p, m) / <f64>m;
    const rs = 1.0 / Math.sqrt(segSqDev(p, m, mu) / <f64>m + eps);
    store<f32>(mean + (<usize>r << 2), <f32>mu);
    store<f32>(rstd + (<usize>r << 2), <f32>rs);
    const vm = f32x4.splat(<f32>mu), vr = f32x4.splat(<f32>rs);
    let j = 0;
    for (; j + 4 <= m; j += 4) {
      const o = <usize>j << 2;
      let y = f32x4.mul(f32x4.sub(v128.load(p + o), vm), vr);
      if (w) y = f32x4.mul(y, v128.load(w + o));
      if (b) y = f32x4.add(y, v128.load(b + o));
      v128.store(q + o, y);
    }
    for (; j < m; j++) {
      const o = <usize>j << 2;
      let y = (load<f32>(p + o) - <f32>mu) * <f32>rs;
      if (w) y *= load<f32>(w + o);
      if (b) y += load<f32>(b + o);
      store<f32>(q + o, y);
    }
  }
}

/**
 * LayerNorm backward over float32 `[rows, m]`: into `out`, one after the other, the parts `mask` selects (bit 1:
 * dx `[rows, m]`, bit 2: dweight `[m]`, bit 4: dbias `[m]`). `scratch` holds 2·m float64 accumulators.
 *
 * @example
 * ```ts
 * exports.layerNormBackward(g, x, mean, rstd, w, out, 7, 64, 256, scratch);
 * ```
 */
export function layerNormBackward(g: usize, x: usize, mean: usize, rstd: usize, w: usize, out: usize, mask: i32, rows: i32, m: i32, scratch: usize): void {
  const rowB = <usize>m << 2;
  const wantDx = (mask & 1) != 0, wantDw = (mask & 2) != 0, wantDb = (mask & 4) != 0;
  const dw = scratch, db = scratch + (<usize>m << 3);
  memory.fill(scratch, 0, <usize>m << 4);
  for (let r = 0; r < rows; r++) {
    const pg = g + <usize>r * rowB, px = x + <usize>r * rowB, q = out + <usize>r * rowB;
    const mu = load<f32>(mean + (<usize>r << 2)), rs = load<f32>(rstd + (<usize>r << 2));
    const vm = f32x4.splat(mu), vr = f32x4.splat(rs);
    let sa0 = f64x2.splat(0), sa1 = f64x2.splat(0), sx0 = f64x2.splat(0), sx1 = f64x2.splat(0);
    let j = 0;
    for (; j + 4 <= m; j += 4) {
      const o = <usize>j << 2, o8 = <usize>j << 3;
      const gv = v128.load(pg + o), xh = f32x4.mul(f32x4.sub(v128.load(px + o), vm), vr);
      const a = w ? f32x4.mul(gv, v128.load(w + o)) : gv;
      const a0 = f64x2.promote_low_f32x4(a), a1 = promoteHigh(a);
      const x0 = f64x2.promote_low_f32x4(xh), x1 = promoteHigh(xh);
      sa0 = f64x2.add(sa0, a0);
      sa1 = f64x2.add(sa1, a1);
      sx0 = f64x2.add(sx0, f64x2.mul(a0, x0));
      sx1 = f64x2.add(sx1, f64x2.mul(a1, x1));
      if (wantDw) {
        const gx = f32x4.mul(gv, xh);
        v128.store(dw + o8, f64x2.add(v128.load(dw + o8), f64x2.promote_low_f32x4(gx)));
        v128.store(dw + o8, f64x2.add(v128.load(dw + o8, 16), promoteHigh(gx)), 16);
      }
      if (wantDb) {
        v128.store(db + o8, f64x2.add(v128.load(db + o8), f64x2.promote_low_f32x4(gv)));
        v128.store(db + o8, f64x2.add(v128.load(db + o8, 16), promoteHigh(gv)), 16);
      }
    }
    let sa = hsum64(f64x2.add(sa0, sa1)), sax = hsum64(f64x2.add(sx0, sx1));
    for (let t = j; t < m; t++) {
      const o = <usize>t << 2, o8 = <usize>t << 3;
      const gt = load<f32>(pg + o), xh = (load<f32>(px + o) - mu) * rs;
      const a: f64 = w ? <f64>(gt * load<f32>(w + o)) : <f64>gt;
      sa += a;
      sax += a * <f64>xh;
      if (wantDw) store<f64>(dw + o8, load<f64>(dw + o8) + <f64>(gt * xh));
      if (wantDb) store<f64>(db + o8, load<f64>(db + o8) + <f64>gt);
    }
    if (!wantDx) continue;
    const ma = f32x4.splat(<f32>(sa / <f64>m)), max = f32x4.splat(<f32>(sax / <f64>m));
    j = 0;
    for (; j + 4 <= m; j += 4) {
      const o = <usize>j << 2;
      const gv = v128.load(pg + o), xh = f32x4.mul(f32x4.sub(v128.load(px + o), vm), vr);
      const a = w ? f32x4.mul(gv, v128.load(w + o)) : gv;
      v128.store(q + o, f32x4.mul(vr, f32x4.sub(f32x4.sub(a, ma), f32x4.mul(xh, max))));
    }
    const mas = <f32>(sa / <f64>m), maxs = <f32>(sax / <f64>m);
    for (; j < m; j++) {
      const o = <usize>j << 2;
      const gt = load<f32>(pg + o), xh = (load<f32>(px + o) - mu) * rs;
      const a = w ? gt * load<f32>(w + o) : gt;
      store<f32>(q + o, rs * (a - mas - xh * maxs));
    }
  }
  let at: usize = wantDx ? <usize>rows * rowB : 0;
  if (wantDw) {
    for (let t = 0; t < m; t++) store<f32>(out + at + (<usize>t << 2), <f32>load<f64>(dw + (<usize>t << 3)));
    at += rowB;
  }
  if (wantDb) for (let t = 0; t < m; t++) store<f32>(out + at + (<usize>t << 2), <f32>load<f64>(db + (<usize>t << 3)));
}

// out[j] = (p[j] − mean) · scale + shift for j < n.
function segAffine(p: usize, q: usize, n: i32, mean: f32, scale: f32, shift: f32): void {
  const vm = f32x4.splat(mean), vs = f32x4.splat(scale), vb = f32x4.splat(shift);
  let j = 0;
  for (; j + 4 <= n; j += 4, p += 16, q += 16) v128.store(q, f32x4.add(f32x4.mul(f32x4.sub(v128.load(p), vm), vs), vb));
  for (; j < n; j++, p += 4, q += 4) store<f32>(q, (load<f32>(p) - mean) * scale + shift);
}

/**
 * BatchNorm forward of float32 `x` `[n, c, s]` per channel: batch statistics when `training` (updating the
 * running mean `rm` and variance `rv` in place, when not 0, with `momentum` and the unbiased variance), else the
 * running ones; `out = (x − mean) · invstd · w + b`; `mean`, `invstd` ([c]) get the statistics used.
 *
 * @example
 * ```ts
 * exports.batchNorm(x, w, b, out, mean, invstd, 8, 16, 64, 1, rm, rv, 0.1, 1e-5);
 * ```
 */
export function batchNorm(x: usize, w: usize, b: usize, out: usize, mean: usize, invstd: usize, n: i32, c: i32, s: i32, training: i32,
  rm: usize, rv: usize, momentum: f64, eps: f64): void {
  const segB = <usize>s << 2, planeB = <usize>c * segB;
  const count = <f64>n * <f64>s;
  for (let ch = 0; ch < c; ch++) {
    const base = x + <usize>ch * segB;
    const o4 = <usize>ch << 2;
    let mu: f64, is: f64;
    if (training) {
      let sum: f64 = 0;
      for (let i = 0; i < n; i++) sum += segSum(base + <usize>i * planeB, s);
      mu = sum / count;
      let v: f64 = 0;
      for (let i = 0; i < n; i++) v += segSqDev(base + <usize>i * planeB, s, mu);
      is = 1.0 / Math.sqrt(v / count + eps);
      if (rm) store<f32>(rm + o4, <f32>((1 - momentum) * <f64>load<f32>(rm + o4) + momentum * mu));
      if (rv) store<f32>(rv + o4, <f32>((1 - momentum) * <f64>load<f32>(rv + o4) + momentum * (v / (count - 1))));
    } else {
      mu = <f64>load<f32>(rm + o4);
      is = 1.0 / Math.sqrt(<f64>load<f32>(rv + o4) + eps);
    }
    const scale = w ? is * <f64>load<f32>(w + o4) : is, shift: f32 = b ? load<f32>(b + o4) : 0;
    for (let i = 0; i < n; i++) {
      const off = <usize>ch * segB + <usize>i * planeB;
      segAffine(x + off, out + off, s, <f32>mu, <f32>scale, shift);
    }
    store<f32>(mean + o4, <f32>mu);
    store<f32>(invstd + o4, <f32>is);
  }
}

/**
 * BatchNorm backward over float32 `[n, c, s]`: into `out`, one after the other, the parts `mask` selects (bit 1:
 * dx, bit 2: dweight [c], bit 4: dbias [c]); `training` says the statistics were the batch's.
 *
 * @example
 * ```ts
 * exports.batchNormBackward(g, x, mean, invstd, w, out, 7, 8, 16, 64, 1);
 * ```
 */
export function batchNormBackward(g: usize, x: usize, mean: usize, invstd: usize, w: usize, out: usize, mask: i32, n: i32, c: i32, s: i32,
  training: i32): void {
  const segB = <usize>s << 2, planeB = <usize>c * segB;
  const count = <f64>n * <f64>s;
  const wantDx = (mask & 1) != 0, wantDw = (mask & 2) != 0, wantDb = (mask & 4) != 0;
  const dwAt: usize = out + (wantDx ? <usize>n * planeB : 0), dbAt: usize = dwAt + (wantDw ? <usize>c << 2 : 0);
  for (let ch = 0; ch < c; ch++) {
    const o4 = <usize>ch << 2;
    const mu = load<f32>(mean + o4), is = load<f32>(invstd + o4);
    const vm = f32x4.splat(mu);
    let sg: f64 = 0, sgx: f64 = 0;
    for (let i = 0; i < n; i++) {
      const off = <usize>ch * segB + <usize>i * planeB;
      let pg = g + off, px = x + off;
      let g0 = f64x2.splat(0), g1 = f64x2.splat(0), x0 = f64x2.splat(0), x1 = f64x2.splat(0);
      let j = 0;
      for (; j + 4 <= s; j += 4, pg += 16, px += 16) {
        const gv = v128.load(pg), d = f32x4.sub(v128.load(px), vm);
        const ga = f64x2.promote_low_f32x4(gv), gb = promoteHigh(gv);
        g0 = f64x2.add(g0, ga);
        g1 = f64x2.add(g1, gb);
        x0 = f64x2.add(x0, f64x2.mul(ga, f64x2.promote_low_f32x4(d)));
        x1 = f64x2.add(x1, f64x2.mul(gb, promoteHigh(d)));
      }
      sg += hsum64(f64x2.add(g0, g1));
      sgx += hsum64(f64x2.add(x0, x1));
      for (; j < s; j++, pg += 4, px += 4) {
        const gt = <f64>load<f32>(pg);
        sg += gt;
        sgx += gt * <f64>(load<f32>(px) - mu);
      }
    }
    sgx *= <f64>is;
    if (wantDw) store<f32>(dwAt + o4, <f32>sgx);
    if (wantDb) store<f32>(dbAt + o4, <f32>sg);
    if (!wantDx) continue;
    const k: f32 = w ? is * load<f32>(w + o4) : is;
    const mg: f32 = training ? <f32>(sg / count) : 0, mgx: f32 = training ? <f32>(sgx / count) : 0;
    const vk = f32x4.splat(k), vmg = f32x4.splat(mg), vc = f32x4.splat(is * mgx);
    for (let i = 0; i < n; i++) {
      const off = <usize>ch * segB + <usize>i * planeB;
      let pg = g + off, px = x + off, q = out + off;
      let j = 0;
      for (; j + 4 <= s; j += 4, pg += 16, px += 16, q += 16) {
        const t = f32x4.sub(f32x4.sub(v128.load(pg), vmg), f32x4.mul(f32x4.sub(v128.load(px), vm), vc));
        v128.store(q, f32x4.mul(vk, t));
      }
      for (; j < s; j++, pg += 4, px += 4, q += 4) store<f32>(q, k * (load<f32>(pg) - mg - (load<f32>(px) - mu) * is * mgx));
    }
  }
}
