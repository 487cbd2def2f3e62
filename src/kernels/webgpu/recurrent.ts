// The fused LSTM and GRU cells in WGSL, forward and backward: one invocation per (row, unit) applies the gates'
// nonlinearities and updates the state, as the reference (src/kernels/ts/recurrent.ts) does, in float32, with
// the elementwise kernels' overflow-safe tanh and sigmoid.
import { grid1d, main1d, Params, type GpuContext, type GpuHandle, type Kernel } from './context.js';
import { FLOAT_HELPERS } from './wgsl-math.js';

const f = (buf: string, at: string): string => `bitcast<f32>(${buf}[${at}])`;
const put = (buf: string, at: string, v: string): string => `${buf}[${at}] = bitcast<u32>(${v});`;

/** The first lines of a cell kernel over rows·h invocations: `r`, `j`, `h`, `n`, and the gate row's start `gb`. */
const CELL = (gates: number): string => `${main1d('P[1]')}
  let h = P[2];
  let n = P[1];
  let r = i / h;
  let j = i % h;
  let gb = ${gates}u * h * r;`;

const LSTM: Kernel = {
  key: 'lstmCell',
  access: ['r', 'r', 'w'],
  wgsl: ([G, C, O]) => `${FLOAT_HELPERS}
${CELL(4)}
  let ig = sigmoid_(${f(G!, 'gb + j')});
  let fg = sigmoid_(${f(G!, 'gb + h + j')});
  let gg = tanh_(${f(G!, 'gb + 2u * h + j')});
  let og = sigmoid_(${f(G!, 'gb + 3u * h + j')});
  let c1 = fg * ${f(C!, 'i')} + ig * gg;
  ${put(O!, 'i', 'og * tanh_(c1)')}
  ${put(O!, 'n + i', 'c1')}
}`,
};

const LSTM_BACKWARD: Kernel = {
  key: 'lstmCellBackward',
  access: ['r', 'r', 'r', 'w'],
  wgsl: ([D, G, C, O]) => `${FLOAT_HELPERS}
${CELL(4)}
  let ig = sigmoid_(${f(G!, 'gb + j')});
  let fg = sigmoid_(${f(G!, 'gb + h + j')});
  let gg = tanh_(${f(G!, 'gb + 2u * h + j')});
  let og = sigmoid_(${f(G!, 'gb + 3u * h + j')});
  let cj = ${f(C!, 'i')};
  let tc = tanh_(fg * cj + ig * gg);
  let dh = ${f(D!, 'i')};
  let dc = ${f(D!, 'n + i')} + dh * og * (1.0 - tc * tc);
  ${put(O!, 'gb + j', 'dc * gg * ig * (1.0 - ig)')}
  ${put(O!, 'gb + h + j', 'dc * cj * fg * (1.0 - fg)')}
  ${put(O!, 'gb + 2u * h + j', 'dc * ig * (1.0 - gg * gg)')}
  ${put(O!, 'gb + 3u * h + j', 'dh * tc * og * (1.0 - og)')}
  ${put(O!, '4u * n + i', 'dc * fg')}
}`,
};

const GRU: Kernel = {
  key: 'gruCell',
  access: ['r', 'r', 'r', 'w'],
  wgsl: ([I, H, S, O]) => `${FLOAT_HELPERS}
${CELL(3)}
  let rg = sigmoid_(${f(I!, 'gb + j')} + ${f(H!, 'gb + j')});
  let z = sigmoid_(${f(I!, 'gb + h + j')} + ${f(H!, 'gb + h + j')});
  let nn = tanh_(${f(I!, 'gb + 2u * h + j')} + rg * ${f(H!, 'gb + 2u * h + j')});
  ${put(O!, 'i', `nn + z * (${f(S!, 'i')} - nn)`)}
}`,
};

const GRU_BACKWARD: Kernel = {
  key: 'gruCellBackward',
  access: ['r', 'r', 'r', 'r', 'w'],
  wgsl: ([D, I, H, S, O]) => `${FLOAT_HELPERS}
${CELL(3)}
  let rg = sigmoid_(${f(I!, 'gb + j')} + ${f(H!, 'gb + j')});
  let z = sigmoid_(${f(I!, 'gb + h + j')} + ${f(H!, 'gb + h + j')});
  let ghn = ${f(H!, 'gb + 2u * h + j')};
  let nn = tanh_(${f(I!, 'gb + 2u * h + j')} + rg * ghn);
  let g = ${f(D!, 'i')};
  let hj = ${f(S!, 'i')};
  let dn = g * (1.0 - z) * (1.0 - nn * nn);
  let dr = dn * ghn * rg * (1.0 - rg);
  let dz = g * (hj - nn) * z * (1.0 - z);
  ${put(O!, 'gb + j', 'dr')}
  ${put(O!, 'gb + h + j', 'dz')}
  ${put(O!, 'gb + 2u * h + j', 'dn')}
  ${put(O!, '3u * n + gb + j', 'dr')}
  ${put(O!, '3u * n + gb + h + j', 'dz')}
  ${put(O!, '3u * n + gb + 2u * h + j', 'dn * rg')}
  ${put(O!, '6u * n + i', 'g * z')}
}`,
};

function run(ctx: GpuContext, kernel: Kernel, buffers: GpuHandle[], out: GpuHandle, words: number, rows: number, h: number): void {
  const n = rows * h;
  if (n === 0) return;
  ctx.overwrite(out, words);
  ctx.dispatch(kernel, [...buffers, out], new Params().u(n).u(h), grid1d(n));
}

/**
 * One LSTM cell after its gate pre-activations (see `Backend.lstmCell`): `out` is `[h' | c']`.
 *
 * @example
 * ```ts
 * lstmCell(ctx, gates, c, out, 2, 8);
 * ```
 */
export function lstmCell(ctx: GpuContext, gates: GpuHandle, c: GpuHandle, out: GpuHandle, rows: number, h: number): void {
  run(ctx, LSTM, [gates, c], out, 2 * rows * h, rows, h);
}

/**
 * The LSTM cell's backward (see `Backend.lstmCellBackward`): `out` is `[dgates | dc]`.
 *
 * @example
 * ```ts
 * lstmCellBackward(ctx, grad, gates, c, out, 2, 8);
 * ```
 */
export function lstmCellBackward(ctx: GpuContext, grad: GpuHandle, gates: GpuHandle, c: GpuHandle, out: GpuHandle, rows: number, h: number): void {
  run(ctx, LSTM_BACKWARD, [grad, gates, c], out, 5 * rows * h, rows, h);
}

/**
 * One GRU cell after its projections (see `Backend.gruCell`): `out` is h'.
 *
 * @example
 * ```ts
 * gruCell(ctx, gi, gh, hPrev, out, 2, 8);
 * ```
 */
export function gruCell(ctx: GpuContext, gi: GpuHandle, gh: GpuHandle, hPrev: GpuHandle, out: GpuHandle, rows: number, h: number): void {
  run(ctx, GRU, [gi, gh, hPrev], out, rows * h, rows, h);
}

/**
 * The GRU cell's backward (see `Backend.gruCellBackward`): `out` is `[dgi | dgh | dh]`.
 *
 * @example
 * ```ts
 * gruCellBackward(ctx, grad, gi, gh, hPrev, out, 2, 8);
 * ```
 */
export function gruCellBackward(ctx: GpuContext, grad: GpuHandle, gi: GpuHandle, gh: GpuHandle, hPrev: GpuHandle, out: GpuHandle, rows: number,
  h: number): void {
  run(ctx, GRU_BACKWARD, [grad, gi, gh, hPrev], out, 7 * rows * h, rows, h);
}
