// The worker pool in headless Chromium: on a cross-origin isolated page (COOP/COEP headers) setNumThreads(2)
// starts Web Workers from a Blob URL, the main thread (which may not block in Atomics.wait) spins for them,
// and results equal one thread's bit for bit; on an ordinary page threads stay off and setNumThreads(2)
// says which headers are missing.
//
// Needs Chromium at /usr/bin/chromium or $CHROMIUM_PATH, as test/browser/site.test.ts; skipped without one
// unless CI or ADJOINT_BROWSER_TESTS=1 is set.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { PageResult } from './threads-page.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']
  .filter((p): p is string => !!p);
const executablePath = candidates.find((p) => existsSync(p));
const required = !!process.env.CI || process.env.ADJOINT_BROWSER_TESTS === '1';

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
          // A page that runs test/browser/threads-page.ts, cross-origin isolated or not; the modules it
          // imports are same-origin either way, so COEP lets them load.
          s.middlewares.use((req, res, next) => {
            if (!req.url?.startsWith('/blank.html')) return next();
            if (req.url.includes('isolated=1')) {
              res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
              res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
            }
            res.setHeader('Content-Type', 'text/html');
            res.end('<!doctype html><title>threads</title><link rel="icon" href="data:,"><script type="module">' +
              "import { run } from '/test/browser/threads-page.ts'; globalThis.threadsResult = run(2);</script>");
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

  async function result(isolated: boolean): Promise<PageResult> {
    const page = await browser!.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text()); });
    await page.goto(`${origin}/blank.html?isolated=${isolated ? 1 : 0}`);
    await page.waitForFunction('globalThis.threadsResult !== undefined', undefined, { timeout: 30_000 });
    const r = await page.evaluate('globalThis.threadsResult') as PageResult;
    await page.close();
    expect(errors).toEqual([]);
    return r;
  }

  test('a cross-origin isolated page runs matmul and tanh on 2 threads, bit-identical to 1', async () => {
    const r = await result(true);
    expect(r).toMatchObject({ isolated: true, defaultThreads: 1, error: '', threads: 2, ready: 1, matmulDiff: -1, tanhDiff: -1 });
    expect(r.workerJobs).toBeGreaterThan(0);
  }, 60_000);

  test('an ordinary page keeps 1 thread and says which headers threads need', async () => {
    const r = await result(false);
    expect(r).toMatchObject({ isolated: false, defaultThreads: 1, threads: 1, matmulDiff: -1, tanhDiff: -1 });
    expect(r.error).toMatch(/setNumThreads\(2\): .*Cross-Origin-Opener-Policy: same-origin.*Cross-Origin-Embedder-Policy: require-corp/);
  }, 60_000);
});
