// The binary float32 kernels that work one element at a time, one function per kernel of src/kernels/catalog.ts
// marked `lanes: false` (and not `wasm: false`): the generated `scalar1` in codes.generated.ts calls
// `binary<Name>1` for each, so a missing one is a compile error. Each rounds a float64 computation once, as the TS
// backend does (or is exact, as fmod), so the two agree within 1 float32 ulp.

/**
 * C's pow, as PyTorch and the TS backend: 1^y = 1 and (-1)^±Inf = 1, where JS semantics (which AssemblyScript's
 * Math.pow follows) give NaN. Otherwise float64 pow rounded once, like the TS backend's Math.pow.
 *
 * @example `binaryPow1(2, 0.5)`
 */
@inline export function binaryPow1(a: f32, b: f32): f32 {
  if (a == 1 || (a == -1 && Mathf.abs(b) == Infinity)) return 1;
  return <f32>Math.pow(<f64>a, <f64>b);
}

/** atan2(a, b), the angle of the point (b, a). @example `binaryAtan2(1, -1)` */
@inline export function binaryAtan21(a: f32, b: f32): f32 {
  return <f32>Math.atan2(<f64>a, <f64>b);
}

/** C's fmod: a − trunc(a / b)·b, exactly; the result has a's sign. @example `binaryFmod1(-5, 3) // -2` */
@inline export function binaryFmod1(a: f32, b: f32): f32 {
  return <f32>(<f64>a % <f64>b);
}

/** Python's modulo: a − floor(a / b)·b, the result has b's sign (PyTorch's remainder). @example `binaryRemainder1(-5, 3) // 1` */
@inline export function binaryRemainder1(a: f32, b: f32): f32 {
  const m = <f64>a % <f64>b;
  return <f32>(m != 0 && (m < 0) != (b < 0) ? m + <f64>b : m);
}

/** Floor division as PyTorch defines it, in float64 (see the TS backend's floorDivide). @example `binaryFloorDivide1(5, -Infinity) // -1` */
@inline export function binaryFloorDivide1(a: f32, b: f32): f32 {
  const x = <f64>a, y = <f64>b;
  if (y == 0) return <f32>(x / y);
  const mod = x % y;
  let div = (x - mod) / y;
  if (mod != 0 && (y < 0) != (mod < 0)) div -= 1;
  if (div != 0) {
    const f = Math.floor(div);
    return <f32>(div - f > 0.5 ? f + 1 : f);
  }
  return <f32>copysign<f64>(0, x / y);
}

/** √(a² + b²) without overflow; ∞ when either is infinite, even with a NaN. @example `binaryHypot1(3, 4) // 5` */
@inline export function binaryHypot1(a: f32, b: f32): f32 {
  return <f32>Math.hypot(<f64>a, <f64>b);
}

/** a · log(b), 0 where a is 0 (unless b is NaN). @example `binaryXlogy1(0, 0) // 0` */
@inline export function binaryXlogy1(a: f32, b: f32): f32 {
  if (b != b) return b;
  if (a == 0) return 0;
  return <f32>(<f64>a * Math.log(<f64>b));
}
