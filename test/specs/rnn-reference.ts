// Independent float64 references for the rnn area's primitives (losses, pooling, interpolation): naive loops
// that share no code with the library.
import { map, type Nd } from '../reference.js';

/** Per-element binary cross-entropy with PyTorch's log clamp at −100. */
export function binaryCrossEntropy(x: Nd, t: Nd): Nd {
  return map([x, t], (p, y) => -(y * Math.max(Math.log(p), -100) + (1 - y) * Math.max(Math.log(1 - p), -100)));
}
