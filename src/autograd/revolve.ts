// Binomial checkpointing (Griewank 1992; Griewank & Walther, "Algorithm 799: revolve", 2000): reversing a
// chain of n steps while holding only c intermediate states at a time, with the fewest forward recomputations.
//
// Conventions used throughout. The chain's input (state 0) is always available, as it is for
// `checkpointSequential`, whose caller keeps it; `c` counts the snapshots *besides* it. Griewank counts the
// input as one of his s checkpoints, so his formulas hold here with s = c + 1:
//   β(s, r) = C(s + r, s) steps can be reversed with s checkpoints if no step is advanced more than r times;
//   the least number of advances is T(m, c) = r·m − β(s + 1, r − 1), r the least integer with β(s, r) ≥ m.
// Both are evaluated in closed form; the recursion T(m, c) = min_k [k + T(m − k, c − 1) + T(k, c)] is only
// used to choose *where* to split, by checking which k attains the closed-form minimum.

/** C(a, b) for small b; exact while the result stays below 2^53. */
function binom(a: number, b: number): number {
  if (b < 0 || a < b) return 0;
  b = Math.min(b, a - b);
  let r = 1;
  // Each partial product r·(a − i)/(i + 1) is itself a binomial coefficient, so the division is exact.
  for (let i = 0; i < b; i++) r = (r * (a - i)) / (i + 1);
  return r;
}

/** Griewank's β(s, r) = C(s + r, s), with s counting the chain's input. */
function beta(s: number, r: number): number {
  return r < 0 || s < 0 ? 0 : binom(s + r, s);
}

/** The least r with β(c + 1, r) ≥ m: how many times the most-advanced step is advanced. */
function sweepsFor(m: number, c: number): number {
  let r = 0;
  while (beta(c + 1, r) < m) r++;
  return r;
}

function checkCount(fn: string, name: string, v: number, min: number): void {
  if (!(Number.isInteger(v) && v >= min)) {
    throw new Error(`${fn}: ${name} must be an integer ≥ ${min}, got ${String(v)}.`);
  }
}

/**
 * The longest chain that `snapshots` snapshots (besides the chain's input) can reverse when no step is
 * recomputed more than `sweeps` times: Griewank's β(s, r) = C(s + r, s) with s = snapshots + 1, because he
 * counts the input as a checkpoint. It is a binomial coefficient, so it grows like r^s / s!: for a chain of
 * n steps, about log₂ n snapshots and as many sweeps are enough, which is where the logarithm comes from.
 *
 * @example
 * ```ts
 * reversibleSteps(0, 3);  // 4: with only the input, step 0 is re-advanced 3 times, step 1 twice…
 * reversibleSteps(3, 2);  // 15 = C(6, 2)
 * reversibleSteps(10, 4); // 1365 ≥ 1024
 * ```
 */
export function reversibleSteps(snapshots: number, sweeps: number): number {
  checkCount('reversibleSteps', 'snapshots', snapshots, 0);
  checkCount('reversibleSteps', 'sweeps', sweeps, 0);
  return beta(snapshots + 1, sweeps);
}

/**
 * The least number of advances (forward steps run without recording, on top of the one recorded "tape"
 * evaluation every step gets) needed to reverse a chain of `steps` steps with `snapshots` snapshots besides
 * the input. Griewank's closed form T(m, c) = r·m − β(c + 2, r − 1), r the least integer with
 * β(c + 1, r) ≥ m (β(s, r) = C(s + r, s)); it solves T(1, c) = 0, T(m, 0) = m(m − 1)/2 and
 * T(m, c) = min over 1 ≤ k < m of k + T(m − k, c − 1) + T(k, c). A forward + backward through
 * `checkpointSequential(layers, { snapshots }, x)` evaluates the layers `steps + minAdvances(steps, snapshots)`
 * times in all.
 *
 * @example
 * ```ts
 * minAdvances(16, 3); // 27
 * minAdvances(5, 0);  // 10 = 5·4/2
 * minAdvances(5, 4);  // 4: every step but the last is advanced once
 * ```
 */
export function minAdvances(steps: number, snapshots: number): number {
  checkCount('minAdvances', 'steps', steps, 1);
  checkCount('minAdvances', 'snapshots', snapshots, 0);
  return advances(steps, snapshots);
}

function advances(m: number, c: number): number {
  if (c < 0) return m === 1 ? 0 : Infinity;
  const r = sweepsFor(m, c);
  return r * m - beta(c + 2, r - 1);
}

/**
 * How many steps to advance before storing the next snapshot, when reversing `m` ≥ 2 steps with `c` snapshots:
 * a k attaining the closed-form minimum, taken in revolve's range so that no step is advanced more than the
 * least possible number of sweeps r (the head's k steps, advanced once here, must be reversible in r − 1
 * sweeps with c snapshots; the tail with c − 1 in r). Among those the largest, which keeps the tail short.
 * @internal
 *
 * @example
 * ```ts
 * splitPoint(16, 3); // 6: advance 6 steps, store a snapshot, reverse the last 10 with 2, then the first 6 with 3
 * ```
 */
export function splitPoint(m: number, c: number): number {
  if (c === 0) return m - 1;
  const total = advances(m, c), r = sweepsFor(m, c);
  const lo = Math.max(1, m - beta(c, r)), hi = Math.min(m - 1, beta(c + 1, r - 1));
  for (let k = hi; k >= lo; k--) if (k + advances(m - k, c - 1) + advances(k, c) === total) return k;
  // Not reached (the tests check every m ≤ 40, c ≤ 5, and the examples' chains), but a correct if slower
  // schedule beats an exception if the range argument ever failed.
  for (let k = m - 1; k >= 1; k--) if (k + advances(m - k, c - 1) + advances(k, c) === total) return k;
  return m - 1;
}

/**
 * One action of a `checkpointSchedule`. States are numbered 0…n (state 0 is the chain's input, state n its
 * output) and step i takes state i to state i + 1 (it is `layers[i]`).
 * - `advance`: run steps `from`…`to − 1` without recording anything, starting from state `from` (the input,
 *   a held snapshot, or the state the previous action reached).
 * - `snapshot`: keep state `at`, the one just reached, until the matching `free`.
 * - `tape`: run step `step` with recording, from the state just reached, so that it can be differentiated.
 * - `reverse`: backpropagate through step `step` (always right after its `tape`), which frees its record.
 * - `free`: drop the snapshot of state `at`; its part of the chain has been reversed.
 *
 * @example
 * ```ts
 * const a: ScheduleAction = { kind: 'advance', from: 0, to: 6 };
 * ```
 */
export type ScheduleAction =
  | { readonly kind: 'advance'; readonly from: number; readonly to: number }
  | { readonly kind: 'snapshot'; readonly at: number }
  | { readonly kind: 'tape'; readonly step: number }
  | { readonly kind: 'reverse'; readonly step: number }
  | { readonly kind: 'free'; readonly at: number };

/**
 * A binomial checkpointing schedule and its costs; see `checkpointSchedule`.
 *
 * @example
 * ```ts
 * const { actions, advances, peakSnapshots } = checkpointSchedule(16, 3);
 * ```
 */
export interface CheckpointSchedule {
  /** Number of steps (layers) in the chain. */
  readonly steps: number;
  /** Snapshots allowed besides the chain's input. */
  readonly snapshots: number;
  /** The actions in execution order. */
  readonly actions: readonly ScheduleAction[];
  /**
   * How many of `actions` form the forward pass: `checkpointSequential` performs these when called (they end
   * with the last step's `tape`), and the rest during backward.
   */
  readonly forwardActions: number;
  /** Steps advanced without recording, in all: `minAdvances(steps, snapshots)`. */
  readonly advances: number;
  /** Layer evaluations in forward + backward: one tape per step plus the advances. */
  readonly evaluations: number;
  /** The most snapshots held at once (the input not counted); at most `snapshots`. */
  readonly peakSnapshots: number;
  /** The most times any one step is advanced: the least r with `reversibleSteps(snapshots, r) ≥ steps`. */
  readonly sweeps: number;
}

/**
 * The optimal binomial ("revolve") schedule for reversing a chain of `steps` steps while holding at most
 * `snapshots` intermediate states besides the input: the schedule `checkpointSequential(layers, { snapshots },
 * x)` runs. It is built by the recursion reverse(i, j, c) = advance from state i to k, snapshot k, reverse(k,
 * j, c − 1), free k, reverse(i, k, c) (a one-step chain is taped and reversed), with the split k attaining
 * the closed-form minimum `minAdvances`. Read the actions in order (see `ScheduleAction`): the first
 * `forwardActions` walk the chain once, dropping snapshots along the way and taping only the last step; every
 * later advance restarts from the nearest held snapshot (or the input) and walks towards the part about to be
 * reversed, storing snapshots so that each sweep back can double back over the segments in between. With c
 * snapshots and r sweeps that covers C(c + 1 + r, c + 1) steps, so c ≈ r ≈ log₂ n suffice: memory O(log n)
 * for O(n log n) recomputation.
 *
 * @example
 * ```ts
 * const s = checkpointSchedule(4, 1);
 * s.actions.slice(0, 4);
 * // [{ kind: 'advance', from: 0, to: 2 }, { kind: 'snapshot', at: 2 }, { kind: 'advance', from: 2, to: 3 },
 * //  { kind: 'tape', step: 3 }]
 * s.advances;    // 4 = minAdvances(4, 1)
 * s.evaluations; // 8
 * ```
 */
export function checkpointSchedule(steps: number, snapshots: number): CheckpointSchedule {
  checkCount('checkpointSchedule', 'steps', steps, 1);
  checkCount('checkpointSchedule', 'snapshots', snapshots, 0);
  const actions: ScheduleAction[] = [];
  const perStep = new Array<number>(steps).fill(0);
  let held = 0, peak = 0, total = 0, forwardActions = -1;
  const reverse = (i: number, j: number, c: number): void => {
    if (j - i === 1) {
      actions.push({ kind: 'tape', step: i });
      if (forwardActions < 0) forwardActions = actions.length;
      actions.push({ kind: 'reverse', step: i });
      return;
    }
    const k = i + splitPoint(j - i, c);
    actions.push({ kind: 'advance', from: i, to: k });
    for (let s = i; s < k; s++) perStep[s]!++;
    total += k - i;
    // A one-step tail is taped straight from the state just reached, so that state needs no snapshot.
    const keep = j - k > 1;
    if (keep) {
      actions.push({ kind: 'snapshot', at: k });
      peak = Math.max(peak, ++held);
    }
    reverse(k, j, c - 1);
    if (keep) {
      actions.push({ kind: 'free', at: k });
      held--;
    }
    reverse(i, k, c);
  };
  reverse(0, steps, snapshots);
  return {
    steps, snapshots, actions, forwardActions, advances: total, evaluations: total + steps, peakSnapshots: peak,
    sweeps: Math.max(...perStep),
  };
}

/**
 * How many snapshots the forward pass of the schedule for (`m`, `c`) leaves held: the states it keeps on its
 * way to the last step, which are what the graph holds once `checkpointSequential` returns. @internal
 *
 * @example
 * ```ts
 * forwardSnapshots(16, 3); // 3
 * ```
 */
export function forwardSnapshots(m: number, c: number): number {
  let i = 0, held = 0;
  while (m - i > 1) {
    const k = i + splitPoint(m - i, c);
    if (m - k > 1) held++;
    i = k;
    c--;
  }
  return held;
}
