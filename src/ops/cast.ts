import { checkDType, isFloating, type DType, type TypedArray } from '../dtype.js';
import { deviceNamed, listDevices, type Device } from '../kernels/index.js';
import { Tensor } from '../tensor.js';
import { backendOf, describe, zerosOn } from './buffers.js';
import { elementwiseFlops, type DifferentiableOp } from './define.js';

/** The target of a cast: a dtype, a device, or both. */
export interface ToAttrs {
  readonly dtype: DType;
  readonly device: Device;
  /** The input's device, where the gradient goes back to. */
  readonly source: Device;
}

const DTYPES: readonly string[] = ['float32', 'float64', 'int32', 'bool'];

// Host copies that `toAsync` read ahead (asynchronously) for the `to` it runs next, by source tensor.
const prefetched = new WeakMap<Tensor, { readonly host: TypedArray; readonly dtype: DType; readonly version: number }>();

/** A copy of `x` with `dtype` on `device` (no graph). */
function copyTo(x: Tensor, { dtype, device }: Pick<ToAttrs, 'dtype' | 'device'>): Tensor {
  if (device !== x.storage.device) {
    // Across devices the elements travel through the host: read from one device's memory, written to the other's.
    const ahead = prefetched.get(x);
    if (ahead !== undefined && ahead.dtype === dtype && ahead.version === x.storage.version) return Tensor.fromHost(ahead.host, x.shape, dtype, device);
    const from = x.storage.device;
    if (from.backend.readsAsyncOnly === true) {
      throw new Error(
        `to: moving a tensor from '${from.name}' to '${device.name}' reads it back, which the '${from.name}' device does only ` +
          `asynchronously: use await x.toAsync('${device.name}'). (In backward, this is the gradient of a tensor moved ` +
          `from '${device.name}' to '${from.name}' with .to(): make such leaves on '${from.name}' directly, e.g. ` +
          `randn(shape, { device: '${from.name}', requiresGrad: true }) or x.to('${from.name}').detach().requiresGrad_().)`,
      );
    }
    const src = x.to(dtype).contiguous();
    const host = from.backend.read(src.storage.buffer, dtype, src.offset, src.size);
    return Tensor.fromHost(host, x.shape, dtype, device);
  }
  const out = zerosOn(device, dtype, x.shape);
  if (out.size > 0) backendOf(x).copy(x, x.dtype, out, dtype, x.shape);
  return out;
}

function toAttrs(x: Tensor, target: string, op: string): ToAttrs {
  if (!(x instanceof Tensor)) throw new Error(`${op}: expected a Tensor, got ${describe(x)}.`);
  if (typeof target !== 'string') throw new Error(`${op}: expected a dtype ('float32', 'float64', 'int32', 'bool') or a device name, got ${describe(target)}.`);
  if (DTYPES.includes(target)) return { dtype: checkDType(target, op), device: x.storage.device, source: x.storage.device };
  let device: Device;
  try {
    device = deviceNamed(target);
  } catch {
    throw new Error(`${op}: unknown dtype or device '${target}'. Use a dtype (${DTYPES.map((d) => `'${d}'`).join(', ')}) or a device (${listDevices().map((d) => `'${d}'`).join(', ')}).`);
  }
  return { dtype: x.dtype, device, source: x.storage.device };
}

const toOp: DifferentiableOp<ToAttrs, readonly [x: Tensor, dtypeOrDevice: string]> = {
  name: 'to',
  doc: 'A copy of `x` in another dtype (float32, float64, int32 by truncation toward zero, bool by `x !== 0`) or on another device. Float-to-float casts and device moves keep the graph; casting to int32 or bool does not require grad.',
  example: "x.to('float64')",
  differentiable: true,
  call: (run, x, target) => {
    const attrs = toAttrs(x, target, 'to');
    if (attrs.dtype === x.dtype && attrs.device === x.storage.device) return x;
    // Casting to a non-float type cuts the graph, as in PyTorch.
    return isFloating(attrs.dtype) ? run([x], attrs) : copyTo(x, attrs);
  },
  forward: (_, [x], attrs) => copyTo(x!, attrs),
  // The gradient is cast (and moved) back.
  backward: ({ inputDTypes: [d], attrs: { source }, call }, g) => [call(toOp, call(toOp, g, d!), source.name)],
  jvp: ({ attrs: { dtype, device }, call }, [t]) => (t ? call(toOp, call(toOp, t, dtype), device.name) : null),
  flops: () => 0,
};

const cloneOp: DifferentiableOp<void, readonly [x: Tensor]> = {
  name: 'clone',
  doc: 'A copy with its own storage (recorded: gradients flow through).',
  example: 'const y = clone(x); y.add_(1); // x is unchanged: y has storage of its own',
  differentiable: true,
  call: (run, x) => {
    if (!(x instanceof Tensor)) throw new Error(`clone: expected a Tensor, got ${describe(x)}.`);
    return run([x], undefined);
  },
  forward: (_, [x]) => copyTo(x!, { dtype: x!.dtype, device: x!.storage.device }),
  backward: (_, g) => [g],
  jvp: (_, [t]) => t ?? null,
  flops: elementwiseFlops,
};

/**
 * `x.to(target)` that reads back without blocking: from a device that reads only asynchronously (WebGPU) to another
 * one, the elements are read with `dataAsync()` first; everywhere else it is `x.to(target)`. The move is recorded
 * as `to` is, so gradients flow back to `x`'s device.
 *
 * @example
 * ```ts
 * const onCpu = await gpuTensor.toAsync('cpu');
 * ```
 */
export async function toAsync(x: Tensor, target: string): Promise<Tensor> {
  const { dtype, device } = toAttrs(x, target, 'toAsync');
  if (device === x.storage.device || x.storage.device.backend.readsAsyncOnly !== true) return x.to(target);
  const src = x.to(dtype).contiguous();
  const version = x.storage.version;
  const host = await src.dataAsync();
  prefetched.set(x, { host, dtype, version });
  try {
    return x.to(target);
  } finally {
    prefetched.delete(x);
  }
}

/** to and clone. */
export const CAST_OPS = { to: toOp, clone: cloneOp };
