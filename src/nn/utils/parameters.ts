import { noGrad } from '../../autograd/grad-mode.js';
import { cat } from '../../ops/api.generated.js';
import { describe } from '../../ops/buffers.js';
import { Tensor } from '../../tensor.js';
// Tensor methods are installed with the op table: loading it here lets this module work when imported alone.
import '../../autograd/record.js';

/**
 * `parameters` (one tensor or an iterable of them) as an array, every item checked to be a Tensor.
 *
 * @example
 * ```ts
 * parameterList('clipGradNorm_', model.parameters());
 * ```
 */
export function parameterList(op: string, parameters: Tensor | Iterable<Tensor>): Tensor[] {
  if (parameters instanceof Tensor) return [parameters];
  if (parameters === null || typeof parameters !== 'object' || !(Symbol.iterator in parameters)) {
    throw new Error(`${op}: expected a tensor or an iterable of tensors (e.g. model.parameters()), got ${describe(parameters)}.`);
  }
  const list = [...parameters];
  list.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new Error(`${op}: item ${i} of the parameters is ${describe(t)}, not a Tensor.`);
  });
  return list;
}

function sameDevice(op: string, list: readonly Tensor[]): void {
  const first = list[0];
  for (const t of list) {
    if (first !== undefined && t.storage.device !== first.storage.device) {
      throw new Error(`${op}: found two parameters on different devices (${first.device} and ${t.device}), this is currently not supported.`);
    }
  }
}

/**
 * All the parameters flattened and joined into one vector, as `torch.nn.utils.parameters_to_vector` (recorded:
 * gradients flow back to the parameters).
 *
 * @example
 * ```ts
 * const v = nn.utils.parametersToVector(model.parameters()); // shape [total number of weights]
 * ```
 */
export function parametersToVector(parameters: Iterable<Tensor>): Tensor {
  const list = parameterList('parametersToVector', parameters);
  if (list.length === 0) throw new Error('parametersToVector: got no parameters.');
  sameDevice('parametersToVector', list);
  return cat(list.map((p) => p.reshape(-1)), 0);
}

/**
 * Copy consecutive slices of the 1-d `vec` into the parameters, in place and without recording (the inverse of
 * `parametersToVector`). The parameters stay the same tensors, so an optimizer holding them keeps working;
 * PyTorch instead makes each parameter's `.data` a view of `vec`. `vec` must have exactly as many elements as
 * the parameters together.
 *
 * @example
 * ```ts
 * nn.utils.vectorToParameters(v, model.parameters());
 * ```
 */
export function vectorToParameters(vec: Tensor, parameters: Iterable<Tensor>): void {
  if (!(vec instanceof Tensor)) throw new Error(`vectorToParameters: expected a Tensor, but got ${describe(vec)}.`);
  const list = parameterList('vectorToParameters', parameters);
  sameDevice('vectorToParameters', [vec, ...list]);
  const total = list.reduce((n, p) => n + p.size, 0);
  if (vec.ndim !== 1 || vec.size !== total) {
    throw new Error(`vectorToParameters: vec must be a 1-d tensor of ${total} elements (the parameters' total), got shape [${vec.shape.join(', ')}].`);
  }
  noGrad(() => {
    let offset = 0;
    for (const p of list) {
      p.copy_(vec.narrow(0, offset, p.size).reshape(p.shape));
      offset += p.size;
    }
  });
}
