// Hand-written tests of the elementwise ops of issue 15: dtype rules, the options and positional forms, and every
// misuse refused with a message that names the op and what to do. (Values against references are in the generated
// suites, values against PyTorch in elementwise-fixtures.test.ts.)
import { describe, expect, it } from 'vitest';
import {
  addcdiv, addcmul, allclose, atan2, bitwiseAnd, bitwiseLeftShift, bitwiseNot, clamp, equal, floorDivide, fmod, hypot, isclose,
  isfinite, isinf, isnan, lerp, logSigmoid, nanToNum, nn, noGrad, remainder, round, softplus, tensor, xlogy, type Tensor,
} from '../src/index.js';

const f64 = (v: number[]): Tensor => tensor(v, { dtype: 'float64' });
const i32 = (v: number[]): Tensor => tensor(v, { dtype: 'int32' });

describe('dtypes, as PyTorch', () => {
  it('floor, ceil, round and trunc keep int32; the transcendental ops compute int32 in float32', () => {
    for (const op of ['floor', 'ceil', 'round', 'trunc'] as const) expect(i32([3, -2])[op]().dtype, op).toBe('int32');
    for (const op of ['log1p', 'expm1', 'exp2', 'log2', 'tan', 'asinh', 'erfinv', 'atan'] as const) expect(i32([1, 2])[op]().dtype, op).toBe('float32');
    expect(atan2(i32([1]), i32([1])).dtype).toBe('float32');
    expect(xlogy(i32([2]), i32([3])).dtype).toBe('float32');
    expect(fmod(i32([-7]), 3).toArray()).toEqual([-1]);
    expect(remainder(i32([-7]), 3).toArray()).toEqual([2]);
    expect(floorDivide(i32([-7]), 2).toArray()).toEqual([-4]);
    expect(fmod(i32([7]), 3).dtype).toBe('int32');
  });

  it('bitwise ops: int32 stays int32, two bools stay bool, int32 with bool promotes', () => {
    expect(bitwiseAnd(i32([6]), i32([3])).toArray()).toEqual([2]);
    expect(bitwiseAnd(tensor([true, true]), tensor([true, false])).dtype).toBe('bool');
    expect(bitwiseAnd(i32([3]), tensor([true])).toArray()).toEqual([1]);
    expect(bitwiseNot(i32([0, 5, -1, -2147483648])).toArray()).toEqual([-1, -6, 0, 2147483647]);
    expect(bitwiseNot(tensor([true, false])).toArray()).toEqual([false, true]);
    expect(i32([1]).bitwiseLeftShift(4).toArray()).toEqual([16]);
  });

  it('isnan, isinf and isfinite give bool, all false / true for integers', () => {
    expect(isnan(i32([1, 2])).toArray()).toEqual([false, false]);
    expect(isinf(i32([1])).toArray()).toEqual([false]);
    expect(isfinite(i32([1])).toArray()).toEqual([true]);
    expect(isfinite(tensor([1, Infinity, NaN, -Infinity])).toArray()).toEqual([true, false, false, false]);
    expect(nanToNum(i32([4])).toArray()).toEqual([4]);
  });

  it('addcmul promotes its three operands; clamp with tensor bounds promotes too', () => {
    expect(addcmul(i32([1]), i32([2]), tensor([0.5])).dtype).toBe('float32');
    expect(addcmul(f64([1]), tensor([2]), tensor([3])).dtype).toBe('float64');
    expect(clamp(i32([1, 2, 3]), tensor([2.5])).toArray()).toEqual([2.5, 2.5, 3]);
    expect(clamp(i32([1, 5]), i32([2]), i32([4])).dtype).toBe('int32');
  });
});

describe('forms of the calls', () => {
  it('clamp takes { min, max } or positional bounds, numbers or tensors, and clamp_ the same', () => {
    const x = tensor([-2, 0.5, 3]);
    expect(x.clamp(-1, 1).toArray()).toEqual([-1, 0.5, 1]);
    expect(x.clamp(null, 1).toArray()).toEqual([-2, 0.5, 1]);
    expect(x.clamp({ min: tensor([0, 0, 2.5]) }).toArray()).toEqual([0, 0.5, 3]);
    expect(x.clamp(tensor(-1), tensor([1, 0, 2])).toArray()).toEqual([-1, 0, 2]);
    const y = tensor([5, -5]);
    noGrad(() => y.clamp_(tensor([0, 0]), 1));
    expect(y.toArray()).toEqual([1, 0]);
  });

  it('clamp with tensor bounds sends each gradient to the operand the output took', () => {
    const x = f64([-2, 0, 2, 1]), lo = f64([-1, -1, -1, 2]), hi = f64([1, 1, 1, 1]);
    for (const t of [x, lo, hi]) t.requiresGrad = true;
    x.clamp(lo, hi).sum().backward();
    // The last element has min > max: the output is max, and so is the gradient's owner.
    expect(x.grad!.toArray()).toEqual([0, 1, 0, 0]);
    expect(lo.grad!.toArray()).toEqual([1, 0, 0, 0]);
    expect(hi.grad!.toArray()).toEqual([0, 0, 1, 1]);
  });

  it('round with decimals is recorded with a zero gradient; softplus and logSigmoid are functions (and in nn.functional), not methods', () => {
    const x = f64([1.2345, -2.5]);
    x.requiresGrad = true;
    const y = round(x, { decimals: 2 });
    expect(y.toArray()).toEqual([1.23, -2.5]);
    y.sum().backward();
    expect(x.grad!.toArray()).toEqual([0, 0]);
    expect((x as unknown as Record<string, unknown>).softplus).toBeUndefined();
    expect((x as unknown as Record<string, unknown>).logSigmoid).toBeUndefined();
    expect(nn.functional.softplus(f64([0])).item()).toBeCloseTo(Math.LN2, 15);
    expect(nn.functional.logSigmoid(f64([0])).item()).toBeCloseTo(-Math.LN2, 15);
  });

  it('softplus with beta and threshold is PyTorch\'s, and its gradient switches to 1 past the threshold', () => {
    const x = f64([-1, 0.5, 3]);
    x.requiresGrad = true;
    const y = softplus(x, { beta: 2, threshold: 4 });
    expect((y.toArray() as number[])[0]).toBeCloseTo(Math.log1p(Math.exp(-2)) / 2, 15);
    expect((y.toArray() as number[])[2]).toBe(3);
    y.sum().backward();
    const s = (v: number): number => 1 / (1 + Math.exp(-v));
    expect(x.grad!.toArray()).toEqual([s(-2), s(1), 1]);
  });

  it('lerp, addcmul and addcdiv are methods too, with their options', () => {
    expect(tensor([0, 10]).lerp(tensor([10, 20]), 0.5).toArray()).toEqual([5, 15]);
    expect(tensor([1]).addcmul(tensor([2]), tensor([3]), { value: 2 }).toArray()).toEqual([13]);
    expect(tensor([1]).addcdiv(tensor([2]), tensor([4]), { value: -2 }).toArray()).toEqual([0]);
  });

  it('isclose, allclose and equal', () => {
    expect(isclose(tensor([1, NaN]), tensor([1 + 1e-6, NaN]), { equalNan: true }).toArray()).toEqual([true, true]);
    expect(allclose(tensor([1, 2]), tensor([1, 2.1]))).toBe(false);
    expect(allclose(tensor([1, 2]), tensor([1, 2.1]), { rtol: 0.1 })).toBe(true);
    expect(tensor([1, 2]).allclose(tensor([1, 2]))).toBe(true);
    expect(equal(tensor([1, 2]), tensor([1, 2]))).toBe(true);
    expect(tensor([1, 2]).equal(tensor([[1, 2]]))).toBe(false);
    expect(equal(tensor([]), tensor([]))).toBe(true);
  });

  it('nanToNum\'s gradient passes where x is finite', () => {
    const x = f64([1, NaN, Infinity, -Infinity]);
    x.requiresGrad = true;
    nanToNum(x, { posinf: 9 }).sum().backward();
    expect(x.grad!.toArray()).toEqual([1, 0, 0, 0]);
  });
});

describe('misuse is refused with a message', () => {
  it.each([
    ['floor of bool', () => tensor([true]).floor(), /floor: "floor" is not implemented for bool tensors/],
    ['round of bool', () => tensor([true]).round(), /round: "round" is not implemented for bool/],
    ['frac of int32', () => i32([1]).frac(), /frac: "frac" is not implemented for int32 tensors.*to\('float32'\)/],
    ['round decimals of int32', () => round(i32([1]), { decimals: 1 }), /round: "round" is not implemented for int32/],
    ['round with a fractional decimals', () => round(tensor([1]), { decimals: 1.5 }), /round: option 'decimals' must be an integer/],
    ['round with a misspelt option', () => round(tensor([1]), { decimal: 1 } as never), /round: unknown option 'decimal'; the options are decimals/],
    ['softplus of int32', () => softplus(i32([1])), /softplus: "softplus" is not implemented for int32/],
    ['softplus with a snake_case option', () => softplus(tensor([1]), { Beta: 1 } as never), /softplus: unknown option 'Beta'/],
    ['logSigmoid of int32', () => logSigmoid(i32([1])), /logSigmoid: "logSigmoid" is not implemented for int32/],
    ['hypot of int32', () => hypot(i32([3]), i32([4])), /hypot: "hypot" is not implemented for int32 tensors/],
    ['fmod of bools', () => fmod(tensor([true]), tensor([true])), /fmod: "fmod" is not implemented for bool/],
    ['integer fmod by zero', () => fmod(i32([1, 2]), i32([1, 0])).toArray(), /fmod: integer division by zero.*ZeroDivisionError/],
    ['integer remainder by zero', () => remainder(i32([1]), 0).toArray(), /remainder: integer division by zero/],
    ['integer floorDivide by zero', () => floorDivide(i32([1]), 0).toArray(), /floorDivide: integer division by zero/],
    ['bitwise of floats', () => bitwiseAnd(tensor([1]), tensor([1])), /bitwiseAnd: bitwise ops take int32 or bool tensors.*got a float32 tensor/],
    ['bitwise with a fractional number', () => bitwiseAnd(i32([1]), 1.5), /bitwiseAnd: .*got the number 1.5/],
    ['shift of bools', () => bitwiseLeftShift(tensor([true]), tensor([true])), /bitwiseLeftShift: shifts are not implemented for bool/],
    ['bitwiseNot of floats', () => bitwiseNot(tensor([1])), /bitwiseNot: "bitwise_not" is not implemented for float32/],
    ['lerp of mixed dtypes', () => lerp(tensor([0]), f64([1]), 0.5), /lerp: expected dtype float32 for `end` but got dtype float64/],
    ['lerp with a weight of another dtype', () => lerp(tensor([0]), tensor([1]), f64([0.5])), /lerp: expected dtype float32 for `weight`/],
    ['lerp of int32', () => lerp(i32([0]), i32([1]), 0.5), /lerp: "lerp" is not implemented for int32/],
    ['addcdiv of integers', () => addcdiv(tensor([0]), i32([1]), i32([2])), /addcdiv: integer division with addcdiv is not supported/],
    ['addcmul of integers with a fractional value', () => addcmul(i32([0]), i32([1]), i32([2]), { value: 0.5 }), /addcmul: value 0.5 is not an integer/],
    ['clamp with an object and a max', () => clamp(tensor([1]), { min: 0 }, 2), /clamp: give the bounds either as an object/],
    ['clamp with no bound', () => clamp(tensor([1]), null, undefined), /clamp: at least one of min or max must be given/],
    ['clamp with a string bound', () => clamp(tensor([1]), '0' as never), /clamp: min must be a number, a Tensor or null, got the string '0'/],
    ['clamp with an unknown key', () => clamp(tensor([1]), { low: 0 } as never), /clamp: unknown option 'low'/],
    ['isclose of two dtypes', () => isclose(tensor([1]), f64([1])), /isclose: float32 did not match float64/],
    ['isclose with a negative rtol', () => isclose(tensor([1]), tensor([1]), { rtol: -1 }), /isclose: rtol and atol must be non-negative/],
    ['nanToNum with a misspelt option', () => nanToNum(tensor([1]), { posInf: 1 } as never), /nanToNum: unknown option 'posInf'/],
    ['atan2 of a string', () => atan2(tensor([1]), '1' as never), /atan2: expected a Tensor or a number, got the string '1'/],
  ])('%s', (_, f, message) => {
    expect(f).toThrow(message);
  });
});
