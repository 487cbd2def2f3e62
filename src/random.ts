/**
 * A seedable stream of random numbers: xoshiro128** (fast, 128-bit state, good statistical quality), seeded
 * through splitmix32. Every random draw (`rand`, `randn`, `randint`, `randperm`, their `*Like` forms, `normal`,
 * `bernoulli`, `multinomial`, dropout, parameter init, DataLoader shuffles) takes a `generator` option to draw
 * from a generator of its own instead of the default one.
 *
 * @example
 * ```ts
 * manualSeed(0);
 * ```
 */
export class Generator {
  private s0 = 0; private s1 = 0; private s2 = 0; private s3 = 0;
  private spare: number | null = null;
  private initial = 0;

  constructor(seed = Date.now()) {
    this.seed(seed);
  }

  /**
   * Reset the stream from a seed and return the generator, as PyTorch's `Generator().manual_seed(42)`.
   *
   * @example
   * ```ts
   * const g = new Generator().manualSeed(42);
   * ```
   */
  manualSeed(seed: number): this {
    this.seed(seed);
    return this;
  }

  /**
   * The seed the stream was last reset from (PyTorch's `initial_seed()`).
   *
   * @example
   * ```ts
   * new Generator().manualSeed(42).initialSeed(); // 42
   * ```
   */
  initialSeed(): number {
    return this.initial;
  }

  /** Reset the stream from a seed (any number; fractional parts are ignored). */
  seed(seed: number): void {
    if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new Error(`Generator: the seed must be a finite number, got ${String(seed)}.`);
    this.initial = Math.trunc(seed);
    let x = (Math.trunc(seed) ^ Math.trunc(seed / 0x100000000)) >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next(); this.s1 = next(); this.s2 = next(); this.s3 = next();
    this.spare = null;
  }

  /** The whole state, to restore the stream later (checkpointing replays random ops this way). */
  getState(): readonly number[] {
    return [this.s0, this.s1, this.s2, this.s3, this.spare ?? NaN];
  }

  /** Restore a state taken with `getState`. */
  setState(state: readonly number[]): void {
    [this.s0, this.s1, this.s2, this.s3] = state.map((v) => v >>> 0) as [number, number, number, number];
    const spare = state[4];
    this.spare = spare === undefined || Number.isNaN(spare) ? null : spare;
  }

  /** Next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    if (drawObserver !== null) drawObserver(this);
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0; this.s3 ^= this.s1; this.s1 ^= this.s2; this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  random(): number {
    const hi = this.nextUint32() >>> 5, lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Standard normal (Box–Muller, both values used). */
  normal(): number {
    if (drawObserver !== null) drawObserver(this);
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.random();
    const v = this.random();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Uniform integer in [lo, hi). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.random() * (hi - lo));
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/**
 * The default generator, used when no `generator` option is given; `manualSeed` seeds it.
 *
 * @example
 * ```ts
 * manualSeed(7);
 * const u = defaultGenerator.random(); // the same number on every run after manualSeed(7)
 * ```
 */
export const defaultGenerator = new Generator(0x5eed);

/**
 * Seed the default generator so that random tensors, initialisation and shuffles repeat.
 *
 * @example
 * ```ts
 * manualSeed(42);
 * const a = randn([3]);
 * manualSeed(42);
 * randn([3]); // same values as a
 * ```
 */
export function manualSeed(seed: number): void {
  defaultGenerator.seed(seed);
}

// Told of every generator about to draw, while `recordGeneratorStates` runs.
let drawObserver: ((g: Generator) => void) | null = null;

/** The state of each generator, as `Generator.getState` gives it. */
export type GeneratorStates = Map<Generator, readonly number[]>;

/**
 * Run `fn` and record, for every generator that draws during it, the state it had before its first draw (what
 * `checkpoint` needs to replay the same random numbers, whoever owns the generator). Nested calls each record.
 *
 * @example
 * ```ts
 * const { result, states } = recordGeneratorStates(() => dropout(x, 0.5, { generator: g }));
 * ```
 */
export function recordGeneratorStates<T>(fn: () => T): { result: T; states: GeneratorStates } {
  const states: GeneratorStates = new Map();
  const outer = drawObserver;
  drawObserver = (g) => {
    if (!states.has(g)) states.set(g, g.getState());
    outer?.(g);
  };
  try {
    return { result: fn(), states };
  } finally {
    drawObserver = outer;
  }
}

/**
 * Set every generator in `states` to its recorded state; returns their states before, to put back afterwards.
 *
 * @example
 * ```ts
 * const now = setGeneratorStates(states);
 * try { recompute(); } finally { setGeneratorStates(now); }
 * ```
 */
export function setGeneratorStates(states: GeneratorStates): GeneratorStates {
  const before: GeneratorStates = new Map();
  for (const [g, state] of states) {
    before.set(g, g.getState());
    g.setState(state);
  }
  return before;
}
