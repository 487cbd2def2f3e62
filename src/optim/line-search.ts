import type { Tensor } from '../tensor.js';
// Tensor methods are installed with the op table: loading it here lets this module work when imported alone.
import '../autograd/record.js';

/** The loss and flat gradient at x + t·d (the parameters are restored to x afterwards). */
export type DirectionalEvaluate = (x: Tensor[], t: number, d: Tensor) => [loss: number, flatGrad: Tensor];

/** What the line search found: the step `t`, the loss and flat gradient there, and the evaluations it took. */
export interface LineSearchResult {
  loss: number;
  flatGrad: Tensor;
  t: number;
  evals: number;
}

/** Python's max(a, b) and min(a, b): the first argument unless the second compares greater (smaller). */
const pmax = (a: number, b: number): number => (b > a ? b : a);
const pmin = (a: number, b: number): number => (b < a ? b : a);

/**
 * The minimiser of the cubic through (x1, f1) and (x2, f2) with slopes g1 and g2, clamped to `bounds` (default
 * the interval between the points); the midpoint when the cubic has no real minimiser. PyTorch's
 * `_cubic_interpolate` (after minFunc's polyinterp), operation for operation.
 *
 * @example
 * ```ts
 * cubicInterpolate(0, 1, -1, 1, 0.5, 0.2); // a point in [0, 1]
 * ```
 */
export function cubicInterpolate(x1: number, f1: number, g1: number, x2: number, f2: number, g2: number, bounds?: [number, number]): number {
  const [lo, hi] = bounds ?? (x1 <= x2 ? [x1, x2] : [x2, x1]);
  const d1 = g1 + g2 - (3 * (f1 - f2)) / (x1 - x2);
  const d2Square = d1 * d1 - g1 * g2;
  if (d2Square >= 0) {
    const d2 = Math.sqrt(d2Square);
    const minPos = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2)) : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
    return pmin(pmax(minPos, lo), hi);
  }
  return (lo + hi) / 2;
}

/**
 * A step length along `d` satisfying the strong Wolfe conditions (sufficient decrease c1, curvature c2), found by
 * bracketing and zooming with cubic interpolation: PyTorch's `_strong_wolfe` (after minFunc's WolfeLineSearch),
 * branch for branch, so that the steps and the number of evaluations match it.
 *
 * @example
 * ```ts
 * const { t, evals } = strongWolfe(evaluate, x, 1, d, loss, flatGrad, gtd);
 * ```
 */
export function strongWolfe(objFunc: DirectionalEvaluate, x: Tensor[], t0: number, d: Tensor, f: number, g: Tensor, gtd: number,
  c1 = 1e-4, c2 = 0.9, toleranceChange = 1e-9, maxLs = 25): LineSearchResult {
  let t = t0;
  const dNorm = d.abs().max().item();
  let [fNew, gNew] = objFunc(x, t, d);
  let evals = 1;
  let gtdNew = dot(gNew, d);

  let tPrev = 0, fPrev = f, gPrev = g, gtdPrev = gtd;
  let done = false;
  let lsIter = 0;
  let bracket: number[] = [], bracketF: number[] = [], bracketG: Tensor[] = [], bracketGtd: number[] = [];
  while (lsIter < maxLs) {
    if (fNew > f + c1 * t * gtd || (lsIter > 1 && fNew >= fPrev)) {
      [bracket, bracketF, bracketG, bracketGtd] = [[tPrev, t], [fPrev, fNew], [gPrev, gNew], [gtdPrev, gtdNew]];
      break;
    }
    if (Math.abs(gtdNew) <= -c2 * gtd) {
      [bracket, bracketF, bracketG] = [[t], [fNew], [gNew]];
      done = true;
      break;
    }
    if (gtdNew >= 0) {
      [bracket, bracketF, bracketG, bracketGtd] = [[tPrev, t], [fPrev, fNew], [gPrev, gNew], [gtdPrev, gtdNew]];
      break;
    }
    // Interpolate a longer step, between 1.01·t and 10·t.
    const minStep = t + 0.01 * (t - tPrev);
    const maxStep = t * 10;
    const tmp = t;
    t = cubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, [minStep, maxStep]);
    tPrev = tmp;
    fPrev = fNew;
    gPrev = gNew;
    gtdPrev = gtdNew;
    [fNew, gNew] = objFunc(x, t, d);
    evals++;
    gtdNew = dot(gNew, d);
    lsIter++;
  }
  if (lsIter === maxLs) {
    [bracket, bracketF, bracketG] = [[0, t], [f, fNew], [g, gNew]];
  }

  // Zoom: shrink the bracket until a point satisfies the conditions (or the bracket is too small).
  let insufficientProgress = false;
  let [lowPos, highPos] = bracketF[0]! <= bracketF[bracketF.length - 1]! ? [0, 1] : [1, 0];
  while (!done && lsIter < maxLs) {
    if (Math.abs(bracket[1]! - bracket[0]!) * dNorm < toleranceChange) break;
    t = cubicInterpolate(bracket[0]!, bracketF[0]!, bracketGtd[0]!, bracket[1]!, bracketF[1]!, bracketGtd[1]!);
    // Too close to an end of the bracket (twice running, or at/after it): move 10% of its length inside.
    const hi = pmax(bracket[0]!, bracket[1]!), lo = pmin(bracket[0]!, bracket[1]!);
    const eps = 0.1 * (hi - lo);
    if (pmin(hi - t, t - lo) < eps) {
      if (insufficientProgress || t >= hi || t <= lo) {
        t = Math.abs(t - hi) < Math.abs(t - lo) ? hi - eps : lo + eps;
        insufficientProgress = false;
      } else {
        insufficientProgress = true;
      }
    } else {
      insufficientProgress = false;
    }
    [fNew, gNew] = objFunc(x, t, d);
    evals++;
    gtdNew = dot(gNew, d);
    lsIter++;
    if (fNew > f + c1 * t * gtd || fNew >= bracketF[lowPos]!) {
      // Not a sufficient decrease, or not below the lowest point: the new point is the high end.
      bracket[highPos] = t;
      bracketF[highPos] = fNew;
      bracketG[highPos] = gNew;
      bracketGtd[highPos] = gtdNew;
      [lowPos, highPos] = bracketF[0]! <= bracketF[1]! ? [0, 1] : [1, 0];
    } else {
      if (Math.abs(gtdNew) <= -c2 * gtd) {
        done = true;
      } else if (gtdNew * (bracket[highPos]! - bracket[lowPos]!) >= 0) {
        // The old high end becomes the new low end.
        bracket[highPos] = bracket[lowPos]!;
        bracketF[highPos] = bracketF[lowPos]!;
        bracketG[highPos] = bracketG[lowPos]!;
        bracketGtd[highPos] = bracketGtd[lowPos]!;
      }
      bracket[lowPos] = t;
      bracketF[lowPos] = fNew;
      bracketG[lowPos] = gNew;
      bracketGtd[lowPos] = gtdNew;
    }
  }
  return { t: bracket[lowPos]!, loss: bracketF[lowPos]!, flatGrad: bracketG[lowPos]!, evals };
}

function dot(a: Tensor, b: Tensor): number {
  return a.mul(b).sum().item();
}
