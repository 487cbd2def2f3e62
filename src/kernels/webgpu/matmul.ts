// Batched matrix products in WGSL: each workgroup of 16×16 invocations computes a 64×64 block of one output matrix,
// staging 64×16 panels of A and 16×64 panels of B in workgroup memory, and each invocation keeps a 4×4 block of
// results in registers (four vec4 rows). Operands are strided (a transposed or broadcast operand needs no copy):
// element (i, j) of matrix b of A is at `aOffsets[b] + i·rowStride + j·colStride`.
//
// The tile sizes are the textbook ones, not tuned: they have never run on a real GPU here (see BENCHMARKS.md, G1).
import type { MatrixOperand } from '../backend.js';
import { Params, type GpuContext, type GpuHandle, type Kernel } from './context.js';

const TILE = 64;
const MAX_BATCH = 16384;

function rows(expr: (r: number) => string): string {
  return [0, 1, 2, 3].map(expr).join('\n');
}

const MATMUL: Kernel = {
  key: 'matmul',
  access: ['r', 'r', 'w'],
  wgsl: ([A, B, O]) => `
var<workgroup> As: array<f32, 1024>;
var<workgroup> Bs: array<f32, 1024>;
@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) li: u32) {
  let M = P[1];
  let N = P[2];
  let K = P[3];
  let ars = P[4];
  let acs = P[5];
  let brs = P[6];
  let bcs = P[7];
  let batch = P[8];
  let b = wg.z;
  let aoff = P[10u + b];
  let boff = P[10u + batch + b];
  let row0 = wg.y * ${TILE}u;
  let col0 = wg.x * ${TILE}u;
  var acc: array<vec4<f32>, 4>;
  for (var k0 = 0u; k0 < K; k0 += 16u) {
    for (var l = 0u; l < 4u; l++) {
      let e = li + l * 256u;
      let ar = e / 16u;
      let ak = e % 16u;
      let gi = row0 + ar;
      let gk = k0 + ak;
      var av = 0.0;
      if (gi < M && gk < K) { av = bitcast<f32>(${A}[aoff + gi * ars + gk * acs]); }
      As[ak * 64u + ar] = av;
      let bk = e / 64u;
      let bc = e % 64u;
      let gj = col0 + bc;
      let gkb = k0 + bk;
      var bv = 0.0;
      if (gkb < K && gj < N) { bv = bitcast<f32>(${B}[boff + gkb * brs + gj * bcs]); }
      Bs[bk * 64u + bc] = bv;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < 16u; kk++) {
      let a = vec4<f32>(As[kk * 64u + lid.y * 4u], As[kk * 64u + lid.y * 4u + 1u], As[kk * 64u + lid.y * 4u + 2u], As[kk * 64u + lid.y * 4u + 3u]);
      let bv = vec4<f32>(Bs[kk * 64u + lid.x * 4u], Bs[kk * 64u + lid.x * 4u + 1u], Bs[kk * 64u + lid.x * 4u + 2u], Bs[kk * 64u + lid.x * 4u + 3u]);
${rows((r) => `      acc[${r}] += a[${r}] * bv;`)}
    }
    workgroupBarrier();
  }
  let obase = P[9] + b * M * N;
  for (var r = 0u; r < 4u; r++) {
    let gi = row0 + lid.y * 4u + r;
    if (gi >= M) { break; }
    for (var c = 0u; c < 4u; c++) {
      let gj = col0 + lid.x * 4u + c;
      if (gj < N) { ${O}[obase + gi * N + gj] = bitcast<u32>(acc[r][c]); }
    }
  }
}`,
};

/**
 * `out[b] = A[b] · B[b]` for `b < batch` (float32), `out` contiguous [batch, m, n].
 *
 * @example
 * ```ts
 * matmul(ctx, a, b, out, 1, 2, 2, 3);
 * ```
 */
export function matmul(ctx: GpuContext, a: MatrixOperand, b: MatrixOperand, out: GpuHandle, batch: number, m: number, n: number, k: number): void {
  if (m === 0 || n === 0 || batch === 0) return;
  const A = a.buffer as unknown as GpuHandle, B = b.buffer as unknown as GpuHandle;
  ctx.overwrite(out, batch * m * n);
  for (let start = 0; start < batch; start += MAX_BATCH) {
    const count = Math.min(MAX_BATCH, batch - start);
    const p = new Params().u(m).u(n).u(k).u(a.rowStride).u(a.colStride).u(b.rowStride).u(b.colStride).u(count).u(start * m * n);
    for (let i = 0; i < count; i++) p.u(a.offsets[start + i]!);
    for (let i = 0; i < count; i++) p.u(b.offsets[start + i]!);
    ctx.dispatch(MATMUL, [A, B, out], p, [Math.ceil(n / TILE), Math.ceil(m / TILE), count]);
  }
}
