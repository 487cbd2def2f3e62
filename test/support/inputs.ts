// The one input generator of the tests: seeded, so every run draws the same values, and the same for the op
// suites and the kernel suites.

/**
 * A small seeded generator (mulberry32): uniform in [0, 1).
 *
 * @example
 * ```ts
 * const r = rng(1); r();
 * ```
 */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Where a float argument's values come from. */
export type Domain = 'any' | 'positive' | 'unit';

/** One argument of a generated case: its shape, and either its dtype and values or the domain of its floats. */
export interface Arg {
  readonly shape: readonly number[];
  readonly domain?: Domain;
  /** Integer or bool arguments (indices, conditions); given values or drawn from [0, high). */
  readonly dtype?: 'int32' | 'bool';
  readonly values?: readonly number[];
  readonly high?: number;
}

/**
 * Values for `arg`: its own values, or draws from its domain. 'any' keeps away from 0 so that kinks (abs, relu,
 * sign) and ties are never within a finite-difference step.
 *
 * @example
 * ```ts
 * argValues({ shape: [3], domain: 'positive' }, rng(1)); // three values in [0.5, 2.5)
 * ```
 */
export function argValues(arg: Arg, rnd: () => number): number[] {
  const n = arg.shape.reduce((a, b) => a * b, 1);
  if (arg.values) return [...arg.values];
  if (arg.dtype === 'bool') return Array.from({ length: n }, () => (rnd() < 0.5 ? 1 : 0));
  if (arg.dtype === 'int32') return Array.from({ length: n }, () => Math.floor(rnd() * (arg.high ?? 3)));
  return Array.from({ length: n }, () => {
    if (arg.domain === 'positive') return 0.5 + 2 * rnd();
    if (arg.domain === 'unit') return rnd();
    const v = 0.2 + 1.8 * rnd();
    return rnd() < 0.5 ? -v : v;
  });
}
