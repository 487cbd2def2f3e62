// The options checker (src/ops/check-options.ts), for the modules above the op layer.
export { camelCase, checkOptions, type OptionKind, type OptionSpec } from './ops/check-options.js';
// Tensor methods are installed with the op table: loading it here lets this module work when imported alone.
import './autograd/record.js';
