/**
 * The catalog of elementwise and reduction kernels: their names, in op-code order, and what each backend needs to
 * know about them. This is the one numbering shared by TypeScript and AssemblyScript: `npm run codegen` writes
 * `assembly/codes.generated.ts` from it (the code of a kernel is its position here), and the TS side reads the
 * codes from the same lists. Adding a kernel here without a TS implementation is a compile error (the TS tables
 * are `Record`s over these names), and without an AssemblyScript one an AssemblyScript compile error (the generated
 * dispatch calls a function named after it).
 *
 * @example
 * ```ts
 * UNARY_KERNELS.exp.cost; // 'costly'
 * kernelCode('unary', 'exp'); // 1
 * ```
 * @module
 */

/** How a kernel's cost per element compares with the copy in and out of WebAssembly memory. */
export type KernelCost = 'arith' | 'simple' | 'costly';

/** What a unary kernel does with integer and bool inputs. */
export interface UnaryKernelSpec {
  /** 'simple' for one or two instructions, 'costly' for a libm-like function. */
  readonly cost: KernelCost;
  /** True when the kernel keeps int32 (and bool counted as int32) inputs as integers; otherwise they compute in float32. */
  readonly integer: boolean;
  /** True when a WebAssembly SIMD kernel exists (`assembly/unary.ts`); otherwise the WASM backend runs the TS kernel. */
  readonly wasm: boolean;
  /**
   * How far the float32 WebAssembly kernel may be from the TS reference rounded to float32, in float32 ulps (0 for
   * exact ones: a float32 op rounded once equals the float64 op rounded to float32). The kernel tests hold it to this.
   */
  readonly ulps: number;
}

/** Elementwise functions of one argument, in op-code order. */
export const UNARY_KERNELS = {
  neg: { cost: 'simple', integer: true, wasm: true, ulps: 0 },
  exp: { cost: 'costly', integer: false, wasm: true, ulps: 3 },
  log: { cost: 'costly', integer: false, wasm: true, ulps: 3 },
  sqrt: { cost: 'simple', integer: false, wasm: true, ulps: 0 },
  abs: { cost: 'simple', integer: true, wasm: true, ulps: 0 },
  sin: { cost: 'costly', integer: false, wasm: true, ulps: 1 },
  cos: { cost: 'costly', integer: false, wasm: true, ulps: 1 },
  tanh: { cost: 'costly', integer: false, wasm: true, ulps: 3 },
  sigmoid: { cost: 'costly', integer: false, wasm: true, ulps: 4 },
  relu: { cost: 'simple', integer: true, wasm: true, ulps: 0 },
  sign: { cost: 'simple', integer: true, wasm: true, ulps: 0 },
  erf: { cost: 'costly', integer: false, wasm: true, ulps: 1 },
  erfinv: { cost: 'costly', integer: false, wasm: true, ulps: 1 },
  log1p: { cost: 'costly', integer: false, wasm: true, ulps: 1 },
  expm1: { cost: 'costly', integer: false, wasm: true, ulps: 1 },
  log2: { cost: 'costly', integer: false, wasm: true, ulps: 1 },
  log10: { cost: 'costly', integer: false, wasm: true, ulps: 1 },
  exp2: { cost: 'costly', integer: false, wasm: true, ulps: 1 },
  tan: { cost: 'costly', integer: false, wasm: true, ulps: 1 },
  asin: { cost: 'costly', integer: false, wasm: true, ulps: 1 },
  acos: { cost: 'costly', integer: false, wasm: true, ulps: 1 },
  atan: { cost: 'costly', integer: false, wasm: true, ulps: 1 },
  sinh: { cost: 'costly', integer: false, wasm: true, ulps: 1 },
  cosh: { cost: 'costly', integer: false, wasm: true, ulps: 1 },
  asinh: { cost: 'costly', integer: false, wasm: true, ulps: 1 },
  acosh: { cost: 'costly', integer: false, wasm: true, ulps: 1 },
  atanh: { cost: 'costly', integer: false, wasm: true, ulps: 1 },
  floor: { cost: 'simple', integer: true, wasm: true, ulps: 0 },
  ceil: { cost: 'simple', integer: true, wasm: true, ulps: 0 },
  round: { cost: 'simple', integer: true, wasm: true, ulps: 0 },
  trunc: { cost: 'simple', integer: true, wasm: true, ulps: 0 },
  frac: { cost: 'simple', integer: false, wasm: true, ulps: 0 },
  softplus: { cost: 'costly', integer: false, wasm: true, ulps: 1 },
  logSigmoid: { cost: 'costly', integer: false, wasm: true, ulps: 1 },
  gelu: { cost: 'costly', integer: false, wasm: true, ulps: 8 },
} as const satisfies Record<string, UnaryKernelSpec>;

/** A unary kernel's name. @example `const k: UnaryKernel = 'exp';` */
export type UnaryKernel = keyof typeof UNARY_KERNELS;

/** What a binary kernel computes and costs. */
export interface BinaryKernelSpec {
  readonly cost: KernelCost;
  /** True for the comparisons, which write 0/1 into a bool output. */
  readonly compare: boolean;
  /**
   * True when the WebAssembly kernel works lane by lane (a `binary<Name>` function of 4 lanes in
   * assembly/binary-lanes.ts); false for one computed an element at a time (a `binary<Name>1` function of two
   * float32 numbers in assembly/binary-scalar.ts, for kernels with no vector form: libm functions, exact fmod).
   */
  readonly lanes: boolean;
  /** False when no WebAssembly kernel exists (integer-only kernels): the WASM backend runs the TS kernel. */
  readonly wasm?: false;
}

/**
 * Elementwise functions of two arguments, in op-code order; every comparison comes after every arithmetic
 * kernel (the WASM kernels write one byte per element from the first comparison's code on).
 * `tanhBackward`, `sigmoidBackward` and `reluBackward` take (gradient, output of the activation); `geluBackward`
 * takes (gradient, input).
 */
export const BINARY_KERNELS = {
  add: { cost: 'arith', compare: false, lanes: true },
  sub: { cost: 'arith', compare: false, lanes: true },
  mul: { cost: 'arith', compare: false, lanes: true },
  div: { cost: 'arith', compare: false, lanes: true },
  pow: { cost: 'costly', compare: false, lanes: false },
  maximum: { cost: 'simple', compare: false, lanes: true },
  minimum: { cost: 'simple', compare: false, lanes: true },
  tanhBackward: { cost: 'arith', compare: false, lanes: true },
  sigmoidBackward: { cost: 'arith', compare: false, lanes: true },
  reluBackward: { cost: 'arith', compare: false, lanes: true },
  atan2: { cost: 'costly', compare: false, lanes: false },
  fmod: { cost: 'simple', compare: false, lanes: false },
  remainder: { cost: 'simple', compare: false, lanes: false },
  floorDivide: { cost: 'simple', compare: false, lanes: false },
  hypot: { cost: 'costly', compare: false, lanes: false },
  xlogy: { cost: 'costly', compare: false, lanes: false },
  geluBackward: { cost: 'costly', compare: false, lanes: true },
  bitwiseAnd: { cost: 'arith', compare: false, lanes: false, wasm: false },
  bitwiseOr: { cost: 'arith', compare: false, lanes: false, wasm: false },
  bitwiseXor: { cost: 'arith', compare: false, lanes: false, wasm: false },
  bitwiseLeftShift: { cost: 'arith', compare: false, lanes: false, wasm: false },
  bitwiseRightShift: { cost: 'arith', compare: false, lanes: false, wasm: false },
  eq: { cost: 'arith', compare: true, lanes: true },
  ne: { cost: 'arith', compare: true, lanes: true },
  lt: { cost: 'arith', compare: true, lanes: true },
  le: { cost: 'arith', compare: true, lanes: true },
  gt: { cost: 'arith', compare: true, lanes: true },
  ge: { cost: 'arith', compare: true, lanes: true },
} as const satisfies Record<string, BinaryKernelSpec>;

/** A binary kernel's name. @example `const k: BinaryKernel = 'add';` */
export type BinaryKernel = keyof typeof BINARY_KERNELS;

/**
 * Elementwise functions of three arguments and one number `s` (TS kernels only: every backend implements
 * `ternary`): `lerp` a + c·(b − a) (PyTorch's two-sided formula), `addcmul` a + s·b·c, `addcdiv` a + s·b / c, and
 * `clamp` min(max(a, b), c), NaN where a bound is NaN.
 */
export const TERNARY_KERNELS = {
  lerp: { cost: 'arith' },
  addcmul: { cost: 'arith' },
  addcdiv: { cost: 'arith' },
  clamp: { cost: 'arith' },
} as const satisfies Record<string, { readonly cost: KernelCost }>;

/** A ternary kernel's name. @example `const k: TernaryKernel = 'lerp';` */
export type TernaryKernel = keyof typeof TERNARY_KERNELS;

/**
 * Reductions along one axis, in op-code order. `argmax`/`argmin` write int32 indices, `all`/`any` write bool;
 * `wasm` says whether the WebAssembly backend has a float32 kernel (otherwise it runs the TS one).
 */
export const REDUCE_KERNELS = {
  sum: { cost: 'arith', wasm: true },
  max: { cost: 'arith', wasm: true },
  min: { cost: 'arith', wasm: true },
  logsumexp: { cost: 'costly', wasm: true },
  argmax: { cost: 'arith', wasm: true },
  argmin: { cost: 'arith', wasm: true },
  prod: { cost: 'arith', wasm: false },
  all: { cost: 'arith', wasm: false },
  any: { cost: 'arith', wasm: false },
} as const satisfies Record<string, { readonly cost: KernelCost; readonly wasm: boolean }>;

/** A reduction kernel's name. @example `const k: ReduceKernel = 'sum';` */
export type ReduceKernel = keyof typeof REDUCE_KERNELS;

/**
 * Inclusive scans along one axis, in op-code order. `cumsum`/`cumprod`/`logcumsumexp` write the running value in
 * the input's dtype; `cummax`/`cummin` write the int32 index of the running extreme. `wasm` as for reductions.
 */
export const SCAN_KERNELS = {
  cumsum: { cost: 'arith', wasm: true },
  cumprod: { cost: 'arith', wasm: false },
  logcumsumexp: { cost: 'costly', wasm: false },
  cummax: { cost: 'arith', wasm: false },
  cummin: { cost: 'arith', wasm: false },
} as const satisfies Record<string, { readonly cost: KernelCost; readonly wasm: boolean }>;

/** A scan kernel's name. @example `const k: ScanKernel = 'cumsum';` */
export type ScanKernel = keyof typeof SCAN_KERNELS;

/** The operations the worker pool runs, in code order (the job loop of assembly/jobs.ts switches on them). */
export const JOB_KINDS = ['matmul', 'unary', 'clamp', 'binary', 'conv2d', 'conv2dDirect', 'conv2dWide'] as const;

/** A worker-pool operation. @example `const k: JobKind = 'matmul';` */
export type JobKind = (typeof JOB_KINDS)[number];

const codes = {
  unary: codesOf(Object.keys(UNARY_KERNELS)),
  binary: codesOf(Object.keys(BINARY_KERNELS)),
  reduce: codesOf(Object.keys(REDUCE_KERNELS)),
  scan: codesOf(Object.keys(SCAN_KERNELS)),
  // Job kinds start at 1, so that a zeroed control block names no operation.
  job: codesOf(['', ...JOB_KINDS]),
};

function codesOf(names: readonly string[]): ReadonlyMap<string, number> {
  return new Map(names.map((n, i) => [n, i]));
}

/** The families of coded kernels. */
export interface KernelFamilies {
  unary: UnaryKernel;
  binary: BinaryKernel;
  reduce: ReduceKernel;
  scan: ScanKernel;
  job: JobKind;
}

/**
 * The op code of a kernel: its position in the catalog (job kinds count from 1).
 *
 * @example
 * ```ts
 * kernelCode('binary', 'eq'); // 20
 * ```
 */
export function kernelCode<F extends keyof KernelFamilies>(family: F, name: KernelFamilies[F]): number {
  return codes[family].get(name)!;
}

/**
 * The op code of the first comparison: every binary code from here on writes one byte per element.
 *
 * @example
 * ```ts
 * FIRST_COMPARE_CODE; // 20
 * ```
 */
export const FIRST_COMPARE_CODE = Object.values(BINARY_KERNELS).findIndex((k) => k.compare);
