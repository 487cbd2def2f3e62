// `await ready()`: the asynchronous way to load the WebAssembly kernels, for a browser main thread that refuses
// to compile WebAssembly synchronously. Each test imports a fresh copy of the library (vi.resetModules), so
// that its kernel module starts unloaded, with `WebAssembly` replaced by one that refuses what the test says.
// test/package/ runs the same checks in headless Chromium on the packed package.
import { afterEach, describe, expect, test, vi } from 'vitest';

type Lib = typeof import('../src/index.js');
type Load = typeof import('../src/kernels/wasm/load.js');
type Threads = typeof import('../src/kernels/wasm/threads.js');

/** A fresh copy of the library and of the modules that hold its kernel state. */
async function fresh(): Promise<{ lib: Lib; load: Load; threads: Threads }> {
  vi.resetModules();
  const lib = await import('../src/index.js');
  const load = await import('../src/kernels/wasm/load.js');
  const threads = await import('../src/kernels/wasm/threads.js');
  return { lib, load, threads };
}

/** A `WebAssembly` namespace whose members are the real ones except those given. */
function webAssemblyWith(overrides: Record<string, unknown>): typeof WebAssembly {
  const fake = Object.create(WebAssembly) as Record<string, unknown>;
  Object.assign(fake, overrides);
  return fake as unknown as typeof WebAssembly;
}

/** `new WebAssembly.Module(bytes)` as Chrome's main thread answers it for a module over its size limit. */
function refusingModule(refusals: { count: number }): unknown {
  return function Module() {
    refusals.count++;
    throw new RangeError('WebAssembly.Module(): Compile is disallowed on the main thread, if the buffer size is larger than 4KB. Use WebAssembly.compile, or compile on a worker thread.');
  };
}

/** exp of 20,000 float32 values: large enough for the WASM kernel, and for threads. */
function expOf(lib: Lib): Float32Array {
  const x = lib.tensor(Float32Array.from({ length: 20_000 }, (_, i) => Math.sin(i) * 4));
  return lib.exp(x).data() as Float32Array;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('ready()', () => {
  test("resolves to 'wasm' in Node, with the kernels loaded, and returns the same promise when called again", async () => {
    const { lib, load } = await fresh();
    const p = lib.ready();
    expect(lib.ready()).toBe(p);
    expect(await p).toBe('wasm');
    expect(load.getArena()).not.toBeNull();
    const x = lib.tensor([1, 2, 3], { requiresGrad: true });
    x.mul(x).sum().backward();
    expect(x.grad?.toArray()).toEqual([2, 4, 6]);
  });

  test('where synchronous compilation is refused, ops run on the TS kernels until ready() compiles asynchronously', async () => {
    const refusals = { count: 0 };
    vi.stubGlobal('WebAssembly', webAssemblyWith({ Module: refusingModule(refusals) }));
    const { lib, load, threads } = await fresh();
    const before = expOf(lib); // the TS kernels: the synchronous compile was refused
    expect(refusals.count).toBeGreaterThan(0);
    expect(load.getArena()).toBeNull();
    expect(lib.getBackend().name).toBe('wasm');

    expect(await lib.ready()).toBe('wasm');
    expect(load.getArena()).not.toBeNull();
    const after = expOf(lib);
    // The WASM exp is accurate to a few ulps of the TS one.
    for (let i = 0; i < before.length; i += 997) expect(after[i]).toBeCloseTo(before[i]!, 4);
    // The threaded module was compiled asynchronously too, so the pool starts without a synchronous compile.
    const count = refusals.count;
    threads.setNumThreads(2);
    expect(threads.threadPool()).not.toBeNull();
    expect(refusals.count).toBe(count);
  });

  test('rejects, saying why and what still works, when WebAssembly is refused altogether; a later call tries again', async () => {
    const refuse = (): Promise<never> => Promise.reject(new WebAssembly.CompileError("WebAssembly.instantiate(): Refused to compile or instantiate WebAssembly module because 'wasm-eval' is not an allowed source of script"));
    vi.stubGlobal('WebAssembly', webAssemblyWith({ Module: refusingModule({ count: 0 }), instantiate: refuse, compile: refuse }));
    const { lib, load } = await fresh();
    expect(expOf(lib)[0]).toBe(1); // exp(sin(0) · 4) on the TS kernels: the synchronous compile was refused
    await expect(lib.ready()).rejects.toThrow(/^ready: this JavaScript engine refused to compile adjoint's WebAssembly kernels: .*not an allowed source.*\(the synchronous compile had failed too: .*disallowed on the main thread.*setBackend\('ts'\).*'wasm-unsafe-eval'/);
    expect(expOf(lib)[0]).toBe(1); // still running, on the TS kernels
    expect(load.getArena()).toBeNull();
    vi.unstubAllGlobals();
    expect(await lib.ready()).toBe('wasm');
    expect(load.getArena()).not.toBeNull();
  });

  test("resolves to 'ts' when the TS backend was chosen, and where WebAssembly SIMD is missing", async () => {
    {
      const { lib } = await fresh();
      lib.setBackend('ts');
      expect(await lib.ready()).toBe('ts');
    }
    vi.stubGlobal('WebAssembly', webAssemblyWith({ validate: () => false }));
    const { lib, load } = await fresh();
    expect(await lib.ready()).toBe('ts');
    expect(lib.listBackends()).toEqual(['ts']);
    expect(load.getArena()).toBeNull();
    expect(expOf(lib)[0]).toBe(1);
  });
});
