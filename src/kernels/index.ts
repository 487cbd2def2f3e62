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
 * The device new tensors are made on (see `setDefaultDevice`).
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
    const hint = DEVICE_HINTS[name] ?? 'register a backend for another';
    throw new Error(`unknown device '${name}'. Available: ${[...devices.keys()].map((k) => `'${k}'`).join(', ')} (${hint}).`);
  }
  return d;
}

/** How to get a known device that is not there yet. */
const DEVICE_HINTS: Readonly<Record<string, string>> = {
  webgpu: "the 'webgpu' device exists once `await webgpu.init()` has succeeded",
};

/**
 * Make a backend available under its name: a CPU backend to `setBackend`; a backend with a device other than `cpu`
 * gets that device (for `{ device }`, `x.to(device)` and `setDefaultDevice`). With `makeCurrent`, also select it
 * (as the CPU backend, or as the default device).
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
  if (makeCurrent) {
    if (backend.device === 'cpu') setBackend(backend.name);
    else setDefaultDevice(backend.device);
  }
}

/**
 * Choose the CPU backend: `'ts'` (pure TypeScript) or `'wasm'` (WebAssembly SIMD). Both compute on the `'cpu'`
 * device, so tensors made under one work under the other. Devices with memory of their own (`'webgpu'`) are chosen
 * per tensor (`{ device }`, `x.to(device)`) or as the default with `setDefaultDevice`.
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
  if (b.device !== 'cpu') {
    throw new Error(
      `setBackend: '${name}' computes on the '${b.device}' device, and setBackend chooses the CPU backend ` +
        `(${[...backends.values()].filter((x) => x.device === 'cpu').map((x) => `'${x.name}'`).join(', ')}). ` +
        `To make new tensors on '${b.device}', use setDefaultDevice('${b.device}').`,
    );
  }
  cpu.backend = b;
}

/**
 * Make new tensors on `device` by default (`'cpu'` at start), as creation functions without `{ device }` do.
 *
 * @example
 * ```ts
 * await webgpu.init();
 * setDefaultDevice('webgpu');
 * randn([2, 3]).device; // 'webgpu'
 * ```
 */
export function setDefaultDevice(device: string): void {
  if (typeof device !== 'string') throw new Error(`setDefaultDevice: expected a device name such as 'cpu', got ${typeof device}.`);
  current = deviceNamed(device);
}

/**
 * Remove a device and its backend (the device was destroyed); the default device falls back to `'cpu'`.
 * @internal
 *
 * @example
 * ```ts
 * unregisterDevice('webgpu');
 * ```
 */
export function unregisterDevice(name: string): void {
  const d = devices.get(name);
  if (d === undefined || d === cpu) return;
  devices.delete(name);
  for (const [k, b] of backends) if (b.device === name) backends.delete(k);
  if (current === d) current = cpu;
}

/** Names of the devices tensors can live on. @example `listDevices() // ['cpu']` */
export function listDevices(): string[] {
  return [...devices.keys()];
}

/** Names of the registered backends. @example `listBackends() // ['ts', 'wasm']` */
export function listBackends(): string[] {
  return [...backends.keys()];
}
