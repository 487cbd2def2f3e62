import { fmtShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { castRaw, deviceOf, packed, zerosOn } from './buffers.js';
import { geometryOf, windowAttrs, type Size2, type Window2dOptions, type WindowAttrs } from './conv.js';
import type { DifferentiableOp } from './define.js';
import { INDEXING_OPS } from './indexing.js';

/** The pooled values and, per output, the position of its maximum in the input plane (int32). */
function pool(x: Tensor, attrs: WindowAttrs): { values: Tensor; indices: Tensor } {
  const [n, c] = x.shape as [number, number];
  const g = geometryOf(attrs);
  const src = packed(castRaw(x));
  const device = deviceOf('maxPool2d', x);
  const values = zerosOn(device, x.dtype, [n, c, g.oh, g.ow]);
  const indices = zerosOn(device, 'int32', [n, c, g.oh * g.ow]);
  if (values.size > 0) device.backend.maxPool2d(x.dtype, src.buffer, values.buffer, indices.buffer, n * c, g);
  return { values, indices };
}

const maxPool2dOp: DifferentiableOp<WindowAttrs, readonly [x: Tensor, kernel: Size2, options?: Window2dOptions]> = {
  name: 'maxPool2d',
  doc: '2-d max pooling over `[N, C, H, W]` (stride defaults to the kernel size; padding counts as -∞; the first maximum wins ties and NaN wins over everything).',
  example: 'maxPool2d(features, 2)',
  differentiable: true,
  call: (run, x, kernel, options = {}) => {
    const win = windowAttrs(x, kernel, options, kernel, 'maxPool2d');
    const [ph, pw] = win.padding;
    if (ph * 2 > win.kernel[0] || pw * 2 > win.kernel[1]) {
      throw new Error(`maxPool2d: padding ${fmtShape(win.padding)} should be at most half of the kernel size ${fmtShape(win.kernel)}.`);
    }
    return run([x], win);
  },
  forward: (ctx, [x], attrs) => {
    const { values, indices } = pool(x!, attrs);
    if (ctx.recording) ctx.save(indices);
    return values;
  },
  // The gradient goes to the element that was the maximum; scatterAdd keeps it differentiable.
  backward: ({ saved: [idx], inputShapes: [s], call }, g) => {
    const [n, c, h, w] = s! as [number, number, number, number];
    return [call(INDEXING_OPS.scatterAdd, zerosOn(g.storage.device, g.dtype, [n, c, h * w]), 2, idx!, g.reshape([n, c, -1])).reshape([n, c, h, w])];
  },
  jvp: ({ attrs, inputs: [x] }, [t]) => {
    if (!t) return null;
    const { values, indices } = pool(x!, attrs);
    const [n, c] = x!.shape as [number, number];
    return t.reshape([n, c, -1]).gather(2, indices).reshape(values.shape);
  },
  flops: (inputs) => inputs[0]!.size,
};

/** maxPool2d. */
export const POOL_OPS = { maxPool2d: maxPool2dOp };
