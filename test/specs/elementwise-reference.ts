// Independent float64 references for the elementwise ops of issue 15: naive formulas and loops that share no
// code with the library (erfinv by bisection on the quadrature erf of test/reference.ts, round-half-even from
// floor, fmod and remainder from the quotient, softplus and logsigmoid from their definitions).
import { erf } from '../reference.js';

/** erfinv by bisection on erf (60 halvings of [-6, 6]): slow and obviously right. */
export function erfinv(y: number): number {
  if (y !== y || y < -1 || y > 1) return NaN;
  if (y === 1) return Infinity;
  if (y === -1) return -Infinity;
  let lo = -6, hi = 6;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    if (erf(mid) < y) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Round half to even, from floor: the nearer integer, and the even one on a tie. */
export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const f = Math.floor(x), d = x - f;
  if (d < 0.5) return f === 0 && x < 0 ? -0 : f;
  if (d > 0.5) return f + 1 === 0 && x < 0 ? -0 : f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/** C's fmod from the truncated quotient (exact enough for the moderate operands of the specs). */
export const fmod = (a: number, b: number): number => a - Math.trunc(a / b) * b;

/** Python's modulo from the floored quotient. */
export const remainder = (a: number, b: number): number => a - Math.floor(a / b) * b;

/** Floor division from the floored quotient (the specs' operands are never near a tie). */
export const floorDivide = (a: number, b: number): number => Math.floor(a / b);

/** softplus by its definition: log(1 + e^(βx)) / β, and x above the threshold. */
export const softplus = (x: number, beta = 1, threshold = 20): number => (x * beta > threshold ? x : Math.log(1 + Math.exp(beta * x)) / beta);

/** log(1 / (1 + e^(−x))), naively (fine for the moderate x of the specs). */
export const logSigmoid = (x: number): number => Math.log(1 / (1 + Math.exp(-x)));

/** x · log(y), 0 where x is 0. */
export const xlogy = (x: number, y: number): number => (y !== y ? NaN : x === 0 ? 0 : x * Math.log(y));

/** √(a² + b²). */
export const hypot = (a: number, b: number): number => Math.sqrt(a * a + b * b);

/** a + w · (b − a). */
export const lerp = (a: number, b: number, w: number): number => a + w * (b - a);

/** min(max(x, lo), hi), NaN for a NaN bound. */
export const clamp = (x: number, lo: number, hi: number): number => (lo !== lo || hi !== hi ? NaN : Math.min(Math.max(x, lo), hi));

/** 2ˣ as eˣ·ˡⁿ², 10-based and 2-based logs from the natural one. */
export const exp2 = (x: number): number => Math.exp(x * Math.LN2);
export const log2 = (x: number): number => Math.log(x) / Math.LN2;
export const log10 = (x: number): number => Math.log(x) / Math.LN10;

/** Hyperbolic functions from exp and log. */
export const sinh = (x: number): number => (Math.exp(x) - Math.exp(-x)) / 2;
export const cosh = (x: number): number => (Math.exp(x) + Math.exp(-x)) / 2;
export const asinh = (x: number): number => Math.log(x + Math.sqrt(x * x + 1));
export const acosh = (x: number): number => Math.log(x + Math.sqrt(x * x - 1));
export const atanh = (x: number): number => 0.5 * Math.log((1 + x) / (1 - x));

/** The standard normal CDF from the integration-based erf of test/reference.ts. */
const normalCdf = (x: number): number => 0.5 * (1 + erf(x / Math.SQRT2));

/** GELU by its definition, x·Φ(x). */
export const gelu = (x: number): number => x * normalCdf(x);

/** GELU's derivative times g: g·(Φ(x) + x·e^(−x²/2)/√(2π)). */
export const geluBackward = (g: number, x: number): number => g * (normalCdf(x) + (x * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI));

/** The tanh approximation of GELU, 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
export const geluTanh = (x: number): number => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));

