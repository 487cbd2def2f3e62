// CommonJS: `require('adjoint')`. The package is ESM-only; Node's require(esm) (Node ≥ 20.19 and ≥ 22.12)
// loads it through the exports map's "default" condition, and older Node says ERR_REQUIRE_ESM.
let out;
try {
  const { tensor } = require('adjoint');
  const x = tensor([1, 2, 3], { requiresGrad: true });
  x.mul(x).sum().backward();
  out = { loaded: true, grad: x.grad.toArray() };
} catch (e) {
  out = { loaded: false, code: e.code, message: String(e.message).split('\n')[0] };
}
console.log(JSON.stringify({ ...out, requireModule: process.features.require_module === true }));
