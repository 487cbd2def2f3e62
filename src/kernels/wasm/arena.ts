/**
 * What an `Arena` needs of a module instance: its memory and where its static data ends.
 *
 * @example
 * ```ts
 * const base = (ex as ArenaExports).heapBase();
 * ```
 */
export interface ArenaExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
}

/**
 * The exports of the kernel module (assembly/index.ts) that the backend calls; byte addresses and sizes are
 * plain numbers.
 *
 * @example
 * ```ts
 * const ex = new WebAssembly.Instance(module, {}).exports as unknown as KernelExports;
 * ```
 */
export interface KernelExports extends ArenaExports {
  unary(op: number, x: number, out: number, n: number): void;
  binary(op: number, a: number, aRow: number, sa: number, b: number, bRow: number, sb: number,
    out: number, rows: number, cols: number): void;
  clamp(x: number, out: number, n: number, lo: number, hi: number): void;
  copy(src: number, out: number, n0: number, n1: number, n2: number, n3: number, s0: number, s1: number, s2: number,
    s3: number): void;
  unfold(x: number, index: number, out: number, blocks: number, plane: number, len: number): void;
  fold(cols: number, index: number, out: number, blocks: number, plane: number, len: number): void;
  unfoldRuns(x: number, runs: number, count: number, out: number, blocks: number, plane: number, len: number): void;
  conv2d(x: number, w: number, out: number, n: number, c: number, plane: number, o: number, kk: number, len: number,
    index: number, cols: number, keep: number, scratch: number): void;
  maxPool2d(x: number, index: number, out: number, indices: number, planes: number, plane: number, kk: number, len: number): void;
  maxPool2x2(x: number, out: number, indices: number, planes: number, h: number, w: number, oh: number, ow: number): void;
  scatterAddRows(out: number, index: number, src: number, rows: number, size: number, count: number): void;
  avgPool2d(x: number, win: number, out: number, planes: number, plane: number, width: number, len: number): void;
  avgPool2dBackward(grad: number, win: number, out: number, planes: number, plane: number, width: number, len: number): void;
  adaptiveMaxPool2d(x: number, win: number, indices: number, planes: number, h: number, w: number, len: number): void;
  lstmCell(gates: number, c: number, out: number, rows: number, h: number): void;
  lstmCellBackward(grad: number, gates: number, c: number, out: number, rows: number, h: number): void;
  gruCell(gi: number, gh: number, hp: number, out: number, rows: number, h: number): void;
  gruCellBackward(grad: number, gi: number, gh: number, hp: number, out: number, rows: number, h: number): void;
  conv2dDirect(x: number, w: number, out: number, n: number, c: number, h: number, wd: number, o: number, kh: number,
    kw: number, ph: number, pw: number, oh: number, ow: number): void;
  padPlanes(x: number, out: number, planes: number, h: number, w: number, ph: number, pw: number, hp: number, wp: number): void;
  conv2dWide(xp: number, w: number, out: number, c: number, hp: number, wp: number, o: number, kh: number, kw: number,
    oh: number, ow: number, u0: number, u1: number): void;
  where(c: number, cRow: number, sc: number, a: number, aRow: number, sa: number, b: number, bRow: number, sb: number,
    out: number, rows: number, cols: number): void;
  reduce(op: number, x: number, out: number, outer: number, r: number, inner: number, scratch: number): void;
  softmax(x: number, out: number, outer: number, r: number, inner: number, log: number, scratch: number): void;
  variance(x: number, out: number, mean: number, outer: number, r: number, inner: number, correction: number, scratch: number): void;
  cumsumColumns(x: number, out: number, outer: number, r: number, inner: number, scratch: number): void;
  matmul(a: number, ars: number, acs: number, b: number, brs: number, bcs: number, c: number,
    m: number, n: number, k: number, scratch: number): void;
  matmulScratchBytes(n: number): number;
  adam(p: number, g: number, m: number, v: number, vmax: number, n: number, beta1: number, oneMinusBeta1: number,
    beta2: number, oneMinusBeta2: number, stepSize: number, bc2: number, eps: number, decay: number, l2: number,
    sign: number): void;
  sgd(p: number, g: number, buf: number, n: number, lr: number, momentum: number, oneMinusDampening: number,
    nesterov: number, weightDecay: number, sign: number, first: number): void;
  rmsprop(p: number, g: number, sq: number, gavg: number, buf: number, n: number, lr: number, alpha: number, oneMinusAlpha: number,
    eps: number, weightDecay: number, momentum: number, sign: number): void;
  adagrad(p: number, g: number, sum: number, n: number, clr: number, eps: number, weightDecay: number, sign: number): void;
  adamax(p: number, g: number, m: number, u: number, n: number, beta1: number, oneMinusBeta1: number, beta2: number, eps: number, clr: number,
    weightDecay: number, sign: number): void;
  nadam(p: number, g: number, m: number, v: number, n: number, beta1: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number,
    bc2: number, eps: number, gradCoef: number, avgCoef: number, weightDecay: number, sign: number): void;
  radam(p: number, g: number, m: number, v: number, n: number, beta1: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number,
    bc1: number, lr: number, rectify: number, rect: number, bc2Sqrt: number, eps: number, weightDecay: number, sign: number): void;
  layerNorm(x: number, w: number, b: number, out: number, mean: number, rstd: number, rows: number, m: number, eps: number): void;
  layerNormBackward(g: number, x: number, mean: number, rstd: number, w: number, out: number, mask: number, rows: number, m: number,
    scratch: number): void;
  batchNorm(x: number, w: number, b: number, out: number, mean: number, invstd: number, n: number, c: number, s: number, training: number,
    rm: number, rv: number, momentum: number, eps: number): void;
  batchNormBackward(g: number, x: number, mean: number, invstd: number, w: number, out: number, mask: number, n: number, c: number,
    s: number, training: number): void;
}

/**
 * Bytes to allocate for a buffer of `bytes`: rounded up to 64 plus 64 bytes of slack, because the kernels run
 * whole vectors (up to 16 floats) past the end of each buffer, plus 64 more that `Arena.alloc` may skip to keep
 * a buffer off a 4 KiB boundary. Plain arithmetic, not `& ~63`: sizes may pass 2^31.
 *
 * @example
 * ```ts
 * arena.begin(padded(n * 4) + padded(m * 4));
 * ```
 */
export const padded = (bytes: number): number => Math.ceil(bytes / 64) * 64 + 128;

/** Bytes in a wasm page. @example `memory.grow(Math.ceil(bytes / PAGE))` */
export const PAGE = 65536;

/**
 * A module instance and a bump allocator over its memory. Operands are JS-owned typed arrays, so each call
 * copies its inputs in, runs, and copies the result out; nothing outlives the call, and `begin` resets the
 * allocator. Memory grows on demand up to `maxBytes` and is never given back (wasm memories cannot shrink).
 * The first `reserve` bytes after the module's static data are kept out of the allocator (the worker pool's
 * control block lives there).
 *
 * @example
 * ```ts
 * if (arena.begin(padded(n * 4))) {
 *   const p = arena.alloc(n * 4);
 *   arena.f32.set(x, p >>> 2);
 * }
 * ```
 */
export class Arena<E extends ArenaExports = KernelExports> {
  readonly ex: E;
  /** First byte after the static data, 64-aligned: where the reserved bytes start. */
  readonly reserved: number;
  private readonly base: number;
  private readonly maxBytes: number;
  private top = 0;
  f32: Float32Array;
  i32: Int32Array;
  u8: Uint8Array;

  constructor(ex: E, maxBytes: number, reserve = 0) {
    this.ex = ex;
    this.maxBytes = maxBytes;
    this.reserved = (ex.heapBase() + 63) & ~63;
    this.base = this.reserved + Math.ceil(reserve / 64) * 64;
    const buf = ex.memory.buffer;
    this.f32 = new Float32Array(buf);
    this.i32 = new Int32Array(buf);
    this.u8 = new Uint8Array(buf);
    if (buf.byteLength < this.base && !this.begin(0)) throw new Error('wasm memory cannot hold the reserved bytes');
  }

  /** Reset the allocator for a call needing `bytes` (a sum of `padded` sizes); false if memory cannot grow. */
  begin(bytes: number): boolean {
    const need = this.base + bytes;
    const mem = this.ex.memory;
    const have = mem.buffer.byteLength;
    if (need > have) {
      if (need > this.maxBytes) return false;
      // Grow by at least half again, so that a run of slowly growing calls does not grow (and re-make the
      // views) every time; fall back to the exact need when that much is not available.
      const exact = Math.ceil((need - have) / PAGE);
      const generous = Math.min(Math.max(exact, Math.ceil(have / PAGE / 2)), (this.maxBytes - have) / PAGE);
      try {
        mem.grow(generous);
      } catch {
        try {
          mem.grow(exact);
        } catch {
          return false;
        }
      }
      // Growing detaches an unshared ArrayBuffer, and a shared one keeps its old length: either way every
      // view must be made again to see the new memory.
      const buf = mem.buffer;
      this.f32 = new Float32Array(buf);
      this.i32 = new Int32Array(buf);
      this.u8 = new Uint8Array(buf);
    }
    this.top = this.base;
    return true;
  }

  /**
   * Allocate room for `src` and copy it in (4-byte elements into the f32/i32 view, bytes into the u8 view);
   * returns its byte address.
   */
  put(src: Float32Array | Int32Array | Uint8Array): number {
    const p = this.alloc(src.byteLength);
    if (src instanceof Float32Array) this.f32.set(src, p >>> 2);
    else if (src instanceof Int32Array) this.i32.set(src, p >>> 2);
    else this.u8.set(src, p);
    return p;
  }

  /** Copy `n` elements from byte address `p` into `dst` (from its start), reading them as `dst`'s element type. */
  get(p: number, dst: Float32Array | Int32Array | Uint8Array, n: number): void {
    if (dst instanceof Float32Array) dst.set(this.f32.subarray(p >>> 2, (p >>> 2) + n));
    else if (dst instanceof Int32Array) dst.set(this.i32.subarray(p >>> 2, (p >>> 2) + n));
    else dst.set(this.u8.subarray(p, p + n));
  }

  alloc(bytes: number): number {
    // Copying out of a buffer that starts on a 4 KiB boundary into a fresh typed array (whose data starts 16
    // bytes past one) runs into 4K aliasing in memcpy: 15× slower on this Zen 3 host (measured 145 µs instead
    // of 9 µs for 256 KiB). One vector further on, it runs at full speed.
    const p = this.top % 4096 === 0 ? this.top + 64 : this.top;
    this.top = p + padded(bytes) - 64;
    return p;
  }
}
