import type { Backend } from './backend.js';
import { tsBackend } from './ts/index.js';
import { wasmBackend, wasmSupported } from './wasm/index.js';

/**
 * Where a storage's buffer lives, and the backend that computes on it. The TypeScript and WebAssembly
 * backends share the `cpu` device (their buffers are the same JS typed arrays), whose backend `setBackend`
 * switches between them; a backend with buffers of its own (a GPU) has a device of its own. Every op runs on the
 * device of its inputs, which must agree.
 *
 * @example
 * ```ts
 * x.device; // 'cpu'
 * ```
 */
export class Device {
  constructor(
    /** The device's name, as `tensor(..., { device })` takes it. */
    readonly name: string,
    /** The backend that runs kernels on this device's buffers now. */
    public backend: Backend,
  ) {}
}

const backends = new Map<string, Backend>([['ts', tsBackend]]);
const devices = new Map<string, Device>();
const cpu = new Device('cpu', tsBackend);
devices.set('cpu', cpu);
let current: Device = cpu;
// WebAssembly SIMD is the default wherever it exists; the TS kernels remain the fallback and the oracle.
if (wasmSupported()) {
  backends.set('wasm', wasmBackend);
  cpu.backend = wasmBackend;
}

/**
 * The backend that runs kernels for new tensors: that of the default device.
 *
 * @example
 * ```ts
 * getBackend().name; // 'wasm' where WebAssembly SIMD exists, else 'ts'
 * ```
 */
export function getBackend(): Backend {
  return current.backend;
}

/**
 * The device new tensors are made on (see `setBackend`).
 *
 * @example
 * ```ts
 * defaultDevice().name; // 'cpu'
 * ```
 */
export function defaultDevice(): Device {
  return current;
}

/**
 * The device of this name, for `{ device }` options and `x.to(device)`.
 *
 * @example
 * ```ts
 * deviceNamed('cpu');
 * ```
 */
export function deviceNamed(name: string): Device {
  const d = devices.get(name);
  if (d === undefined) {
    throw new Error(`unknown device '${name}'. Available: ${[...devices.keys()].map((k) => `'${k}'`).join(', ')} (register a backend for another).`);
  }
  return d;
}

/**
 * Make a backend available to `setBackend` under its name; a backend with a device other than `cpu` gets that
 * device. With `makeCurrent`, also select it.
 *
 * @example
 * ```ts
 * const gpu: Backend = { ...myGpuKernels, name: 'webgpu', device: 'gpu' };
 * registerBackend(gpu);
 * tensor([1, 2]).to('gpu'); // now a device of its own
 * ```
 */
export function registerBackend(backend: Backend, makeCurrent = false): void {
  backends.set(backend.name, backend);
  if (backend.device !== 'cpu') {
    const d = devices.get(backend.device);
    if (d) d.backend = backend;
    else devices.set(backend.device, new Device(backend.device, backend));
  }
  if (makeCurrent) setBackend(backend.name);
}

/**
 * Choose the backend for all following operations: `'ts'` (pure TypeScript) or `'wasm'` (WebAssembly SIMD),
 * which both compute on the cpu device, or a registered backend of another device, which also becomes the
 * device new tensors are made on. Tensors on the cpu device work under either CPU backend.
 *
 * @example
 * ```ts
 * setBackend('ts');   // e.g. to compare against the reference kernels
 * const ref = x.exp();
 * setBackend('wasm');
 * ```
 */
export function setBackend(name: string): void {
  const b = backends.get(name);
  if (!b) {
    throw new Error(`setBackend: unknown backend '${name}'. Available: ${[...backends.keys()].map((k) => `'${k}'`).join(', ')}.`);
  }
  const d = deviceNamed(b.device);
  d.backend = b;
  current = d;
}

/** Names of the devices tensors can live on. @example `listDevices() // ['cpu']` */
export function listDevices(): string[] {
  return [...devices.keys()];
}

/** Names of the registered backends. @example `listBackends() // ['ts', 'wasm']` */
export function listBackends(): string[] {
  return [...backends.keys()];
}
