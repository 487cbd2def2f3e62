// The worker pool in headless Chromium: on a cross-origin isolated page (COOP/COEP headers) setNumThreads(2)
// starts Web Workers from a Blob URL, the main thread (which may not block in Atomics.wait) spins for them,
// and results equal one thread's bit for bit; on an ordinary page threads stay off and setNumThreads(2)
// says which headers are missing.
//
// Needs Chromium at /usr/bin/chromium or $CHROMIUM_PATH, as test/browser/site.test.ts; skipped without one
// unless CI or ADJOINT_BROWSER_TESTS=1 is set.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']
  .filter((p): p is string => !!p);
const executablePath = candidates.find((p) => existsSync(p));
const required = !!process.env.CI || process.env.ADJOINT_BROWSER_TESTS === '1';

interface PageResult {
  isolated: boolean;
  defaultThreads: number;
  error: string;
  threads: number;
  ready: number;
  workerJobs: number;
  matmulDiff: number;
  tanhDiff: number;
}

// Runs in the page: the sources are served by vite's dev server, which compiles them on request.
async function inPage(wantThreads: number): Promise<PageResult> {
  const m = await import('/src/index.ts' as string) as typeof import('../../src/index.js');
  const t = await import('/src/kernels/wasm/threads.ts' as string) as typeof import('../../src/kernels/wasm/threads.js');
  const defaultThreads = m.getNumThreads();
  let error = '';
  try {
    m.setNumThreads(wantThreads);
  } catch (e) {
    error = (e as Error).message;
  }
  const n = 256;
  const a = m.tensor(Float32Array.from({ length: n * n }, (_, i) => Math.sin(i)), { shape: [n, n] });
  const x = m.tensor(Float32Array.from({ length: 300_000 }, (_, i) => Math.cos(i) * 3), { shape: [300_000] });
  const run = (threads: number): [Float32Array, Float32Array] => {
    m.setNumThreads(threads);
    return [m.matmul(a, a).data() as Float32Array, m.tanh(x).data() as Float32Array];
  };
  const [mm1, th1] = run(1);
  const pool = error ? null : (m.setNumThreads(wantThreads), t.threadPool());
  // Web Workers start asynchronously; until they are up the main thread runs every job itself.
  for (let i = 0; i < 500 && pool && pool.ready < wantThreads - 1; i++) await new Promise((r) => setTimeout(r, 10));
  let mm2 = mm1, th2 = th1;
  for (let i = 0; i < 20 && (i === 0 || (pool && pool.workerJobs === 0)); i++) [mm2, th2] = run(error ? 1 : wantThreads);
  const diff = (p: Float32Array, q: Float32Array): number => p.findIndex((v, i) => !Object.is(v, q[i]));
  return {
    isolated: globalThis.crossOriginIsolated === true,
    defaultThreads,
    error,
    threads: m.getNumThreads(),
    ready: pool?.ready ?? 0,
    workerJobs: pool?.workerJobs ?? 0,
    matmulDiff: diff(mm2, mm1),
    tanhDiff: diff(th2, th1),
  };
}

describe.skipIf(!executablePath && !required)('threads in a browser', () => {
  let server: ViteDevServer | null = null;
  let browser: Browser | null = null;
  let origin = '';

  beforeAll(async () => {
    if (!executablePath) throw new Error(`No Chromium: looked at ${candidates.join(', ')}. Install it or set CHROMIUM_PATH.`);
    server = await createServer({
      root: repo,
      configFile: false,
      logLevel: 'warn',
      server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false },
      plugins: [{
        name: 'isolation',
        configureServer(s) {
          // A blank page, cross-origin isolated or not; the modules it imports are same-origin either way.
          s.middlewares.use((req, res, next) => {
            if (!req.url?.startsWith('/blank.html')) return next();
            if (req.url.includes('isolated=1')) {
              res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
              res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
            }
            res.setHeader('Content-Type', 'text/html');
            res.end('<!doctype html><title>threads</title>');
          });
        },
      }],
    });
    await server.listen();
    origin = server.resolvedUrls?.local[0]?.replace(/\/$/, '') ?? '';
    if (!origin) throw new Error('vite did not report its URL');
    browser = await chromium.launch({
      executablePath,
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function open(isolated: boolean): Promise<Page> {
    const page = await browser!.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${origin}/blank.html?isolated=${isolated ? 1 : 0}`);
    page.on('close', () => expect(errors).toEqual([]));
    return page;
  }

  test('a cross-origin isolated page runs matmul and tanh on 2 threads, bit-identical to 1', async () => {
    const page = await open(true);
    const r = await page.evaluate(inPage, 2);
    await page.close();
    expect(r).toMatchObject({ isolated: true, defaultThreads: 1, error: '', threads: 2, ready: 1, matmulDiff: -1, tanhDiff: -1 });
    expect(r.workerJobs).toBeGreaterThan(0);
  }, 60_000);

  test('an ordinary page keeps 1 thread and says which headers threads need', async () => {
    const page = await open(false);
    const r = await page.evaluate(inPage, 2);
    await page.close();
    expect(r).toMatchObject({ isolated: false, defaultThreads: 1, threads: 1, matmulDiff: -1, tanhDiff: -1 });
    expect(r.error).toMatch(/setNumThreads\(2\): .*Cross-Origin-Opener-Policy: same-origin.*Cross-Origin-Embedder-Policy: require-corp/);
  }, 60_000);
});
