import * as A from './src/index.js';
const { tensor } = A;
const ex: Record<string, string> = {
  abs: "abs(tensor([-2, 0, 3]))", acos: "acos(tensor([-1, 0, 1]))", acosh: "acosh(tensor([1, 2, 10]))",
  asin: "asin(tensor([-1, 0, 1]))", asinh: "asinh(tensor([-1, 0, 1]))", atan: "atan(tensor([-1, 0, 1]))",
  atanh: "atanh(tensor([-0.5, 0, 0.5]))", ceil: "ceil(tensor([-1.5, 0.2, 1.5]))", cos: "cos(tensor([0, 1, 3.1416]))",
  cosh: "cosh(tensor([-1, 0, 1]))", erf: "erf(tensor([-1, 0, 1]))", erfinv: "erfinv(tensor([-0.5, 0, 0.5]))",
  exp: "exp(tensor([0, 1, 2]))", exp2: "exp2(tensor([0, 1, 10]))", expm1: "expm1(tensor([1e-10, 1]))",
  floor: "floor(tensor([-1.5, 0.2, 1.5]))", frac: "frac(tensor([-1.5, 0.25, 2.75]))", log: "log(tensor([1, 2, 10]))",
  log10: "log10(tensor([1, 10, 1000]))", log1p: "log1p(tensor([1e-10, 1]))", log2: "log2(tensor([0.5, 1, 8]))",
  logSigmoid: "logSigmoid(tensor([-100, 0, 1]))", neg: "neg(tensor([1, -2, 0]))", reciprocal: "reciprocal(tensor([2, 4, -0.5]))",
  relu: "relu(tensor([-1, 0, 2]))", rsqrt: "rsqrt(tensor([1, 4, 16]))", sigmoid: "sigmoid(tensor([-1, 0, 1]))",
  sign: "sign(tensor([-3, 0, 2]))", sin: "sin(tensor([0, 1, 3.1416]))", sinh: "sinh(tensor([-1, 0, 1]))",
  sqrt: "sqrt(tensor([0, 2, 4]))", square: "square(tensor([-3, 0, 2]))", tan: "tan(tensor([-1, 0, 1]))",
  tanh: "tanh(tensor([-1, 0, 1]))", trunc: "trunc(tensor([-1.7, 0.2, 1.5]))",
  isnan: "isnan(tensor([1, NaN, Infinity]))", isinf: "isinf(tensor([1, NaN, -Infinity]))", isfinite: "isfinite(tensor([1, NaN, Infinity]))",
  bitwiseNot: "bitwiseNot(tensor([0, 5, -1], { dtype: 'int32' }))", logicalNot: "logicalNot(tensor([true, false]))",
  atan2: "atan2(tensor([1, 1, -1]), tensor([1, -1, -1]))", sub: "sub(tensor([5, 3]), tensor([1, 4]))",
  div: "div(tensor([1, 3]), tensor([2, 4]))", minimum: "minimum(tensor([1, 5, NaN]), tensor([3, 2, 0]))",
  hypot: "hypot(tensor([3, 5]), tensor([4, 12]))", xlogy: "xlogy(tensor([0, 2]), tensor([0, 4]))",
  bitwiseOr: "bitwiseOr(tensor([12, 5], { dtype: 'int32' }), tensor([10, 3], { dtype: 'int32' }))",
  bitwiseXor: "bitwiseXor(tensor([12, 5], { dtype: 'int32' }), tensor([10, 3], { dtype: 'int32' }))",
  logicalXor: "logicalXor(tensor([true, true, false]), tensor([true, false, false]))",
  equal: "equal(tensor([1, 2]), tensor([1, 2]))", dot: "dot(tensor([1, 2, 3]), tensor([4, 5, 6]))",
  outer: "outer(tensor([1, 2]), tensor([3, 4]))", mv: "mv(tensor([[1, 2], [3, 4]]), tensor([1, 1]))",
  bmm: "bmm(A.zeros([10, 3, 4]), A.zeros([10, 4, 5])).shape", diagEmbed: "diagEmbed(tensor([1, 2]))",
  trace: "trace(tensor([[1, 2], [3, 4]]))", binaryCrossEntropy: "binaryCrossEntropy(tensor([0.9, 0.2]), tensor([1, 0]))",
};
for (const [k, e] of Object.entries(ex)) {
  const body = e.replace(/^(\w+)\(/, 'A.$1(').replace(/\btensor\(/g, 'A.tensor(');
  const v = eval(body);
  const out = typeof v === 'object' && v !== null && !Array.isArray(v) ? v.toString() : JSON.stringify(v);
  console.log(JSON.stringify([k, `${e.replace(/A\.zeros/g, 'zeros')} // ${out.replace(/\n\s*/g, ' ')}`]));
}
