// The published package, checked as a user gets it (`npm run test:package`; .ci/run runs it after the build):
// `npm pack` holds exactly dist/ (JS, .d.ts, source maps), README, LICENSE, CHANGELOG and package.json; the
// tarball installs into a temporary project, where (a) Node ESM imports both entries and CommonJS `require`
// does what README says, (b) a TypeScript consumer type-checks under moduleResolution "bundler" and "node16"
// with the package's own .d.ts files checked, (c) Vite bundles a browser page without a warning and headless
// Chromium runs it: the WebAssembly kernels load in the bundle, synchronously and through `await ready()` on a
// page that refuses synchronous compilation. It reports the bundle sizes, checks that a page doing only
// `tensor`, `mul` and `backward` tree-shakes the rest away, and that README states that page's size.
//
// Needs `npm run build` first (it fails, saying so, when dist/ is older than src/), Chromium at /usr/bin/chromium
// or $CHROMIUM_PATH (never downloaded), and no network: the tarball is installed offline, and TypeScript, Vite and
// playwright-core are the repository's own dev dependencies.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser } from 'playwright-core';
import { build, createLogger } from 'vite';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const template = join(repo, 'test', 'package', 'consumer');
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { name: string; version: string };
const work = mkdtempSync(join(tmpdir(), 'adjoint-package-'));
const consumer = join(work, 'consumer');

const results: { name: string; error?: string }[] = [];
async function check(name: string, fn: () => unknown): Promise<void> {
  const start = performance.now();
  try {
    await fn();
    results.push({ name });
    console.log(`  ✓ ${name} (${((performance.now() - start) / 1000).toFixed(1)}s)`);
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    results.push({ name, error });
    console.log(`  ✗ ${name}\n      ${error.split('\n').join('\n      ')}`);
  }
}

function assert(ok: unknown, message: string): asserts ok {
  if (!ok) throw new Error(message);
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

/** Run a command; its stdout, or an error holding its exit status and output. */
function run(cmd: string, args: string[], cwd: string): { stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}:\n${r.stdout}${r.stderr}`.trim());
  }
  return { stdout: r.stdout, stderr: r.stderr };
}

const kb = (bytes: number): string => (bytes / 1024).toFixed(1);

console.log(`package test: ${pkg.name}@${pkg.version}, working in ${work}`);

// ---- dist/ is the build of this src/ ----
const dist = join(repo, 'dist');
assert(existsSync(join(dist, 'index.js')), 'dist/ is missing: run `npm run build` first (the package test packs what the build wrote).');
const newestSource = Math.max(...filesUnder(join(repo, 'src')).map((f) => statSync(f).mtimeMs));
assert(statSync(join(dist, 'index.js')).mtimeMs >= newestSource - 1000,
  'dist/ is older than src/: run `npm run build` first (the package test packs what the build wrote).');

let tarball = '';
let packed: string[] = [];

await check('npm pack holds exactly dist/ (JS, .d.ts, source maps), README.md, LICENSE, CHANGELOG.md and package.json', () => {
  const out = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: repo, encoding: 'utf8' });
  const info = (JSON.parse(out) as { filename: string; size: number; unpackedSize: number; files: { path: string }[] }[])[0]!;
  tarball = join(work, info.filename);
  packed = info.files.map((f) => f.path).sort();
  console.log(`      ${info.filename}: ${packed.length} files, ${kb(info.size)} KiB packed, ${kb(info.unpackedSize)} KiB unpacked`);
  const top = packed.filter((p) => !p.startsWith('dist/'));
  assert(JSON.stringify(top) === JSON.stringify(['CHANGELOG.md', 'LICENSE', 'README.md', 'package.json']),
    `files outside dist/: expected CHANGELOG.md, LICENSE, README.md, package.json; got ${top.join(', ')} (see "files" in package.json)`);
  const inDist = packed.filter((p) => p.startsWith('dist/'));
  const odd = inDist.filter((p) => !/\.(js|d\.ts|js\.map)$/.test(p));
  assert(odd.length === 0, `dist/ files that are neither JS, .d.ts nor source maps: ${odd.join(', ')}`);
  const js = inDist.filter((p) => p.endsWith('.js'));
  const missing = js.flatMap((p) => [p.replace(/\.js$/, '.d.ts'), `${p}.map`]).filter((p) => !inDist.includes(p));
  assert(missing.length === 0, `modules without their declarations or source map: ${missing.join(', ')}`);
  const built = filesUnder(dist).map((p) => `dist/${relative(dist, p)}`).sort();
  assert(JSON.stringify(built) === JSON.stringify(inDist), 'the tarball\'s dist/ differs from the built dist/');
  // Source maps carry their sources (src/ is not published), and no declaration needs Node's types.
  const noSources = js.filter((p) => !(JSON.parse(readFileSync(join(repo, `${p}.map`), 'utf8')) as { sourcesContent?: unknown[] }).sourcesContent?.length);
  assert(noSources.length === 0, `source maps without sourcesContent (set inlineSources): ${noSources.slice(0, 5).join(', ')}`);
  const nodeTypes = inDist.filter((p) => p.endsWith('.d.ts') && readFileSync(join(repo, p), 'utf8').includes('reference types="node"'));
  assert(nodeTypes.length === 0, `declarations that need @types/node: ${nodeTypes.join(', ')}`);
});

await check('the tarball installs into a new project, offline', () => {
  assert(tarball, 'no tarball (npm pack failed)');
  cpSync(template, consumer, { recursive: true });
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'adjoint-consumer', private: true, type: 'module' }, null, 2));
  run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball], consumer);
  const installed = JSON.parse(readFileSync(join(consumer, 'node_modules', 'adjoint', 'package.json'), 'utf8')) as { version: string };
  assert(installed.version === pkg.version, `installed version ${installed.version}, packed ${pkg.version}`);
});

await check('(a) Node ESM imports adjoint and adjoint/node: ready() gives the wasm backend, gradients, training, save and load', () => {
  const { stdout, stderr } = run(process.execPath, ['esm.mjs'], consumer);
  const r = JSON.parse(stdout) as { backend: string; current: string; grad: number[]; firstLoss: number; lastLoss: number; reloaded: boolean };
  assert(r.backend === 'wasm' && r.current === 'wasm', `backend: ready() gave '${r.backend}', getBackend() '${r.current}'; expected 'wasm'`);
  assert(JSON.stringify(r.grad) === '[2,4,6]', `grad of sum(x·x) at [1, 2, 3]: ${JSON.stringify(r.grad)}`);
  assert(r.lastLoss < r.firstLoss / 100, `SGD on a line: loss ${r.firstLoss} → ${r.lastLoss}`);
  assert(r.reloaded, 'the model saved and loaded through adjoint/node predicts differently');
  assert(stderr.trim() === '', `stderr: ${stderr}`);
});

await check('(a) CommonJS require(\'adjoint\'): works where Node has require(esm), else ERR_REQUIRE_ESM (README: ESM-only)', () => {
  const { stdout } = run(process.execPath, ['cjs.cjs'], consumer);
  const r = JSON.parse(stdout) as { loaded: boolean; grad?: number[]; code?: string; message?: string; requireModule: boolean };
  if (r.requireModule) {
    assert(r.loaded && JSON.stringify(r.grad) === '[2,4,6]', `require('adjoint') under require(esm): ${JSON.stringify(r)}`);
  } else {
    assert(!r.loaded && r.code === 'ERR_REQUIRE_ESM', `require('adjoint') without require(esm): ${JSON.stringify(r)}`);
  }
  const readme = readFileSync(join(repo, 'README.md'), 'utf8');
  assert(/ESM-only/.test(readme) && /require\(esm\)/.test(readme), 'README must say that the package is ESM-only and what require(esm) does');
  console.log(`      Node ${process.version}: require('adjoint') ${r.loaded ? 'loads through require(esm)' : `fails with ${r.code}`}`);
});

const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
for (const resolution of ['bundler', 'node16']) {
  await check(`(b) a TypeScript consumer type-checks under moduleResolution "${resolution}" (skipLibCheck off)`, () => {
    run(process.execPath, [tsc, '-p', `tsconfig.${resolution}.json`], consumer);
  });
}

interface Bundle {
  dir: string;
  bytes: number;
  gzip: number;
  text: string;
}
const bundles = new Map<string, Bundle>();

/** Bundle one page of consumer/browser with Vite (production build, minified); fails on any warning. */
async function bundle(page: string): Promise<Bundle> {
  const outDir = join(work, `dist-${page}`);
  const warnings: string[] = [];
  const logger = createLogger('warn');
  const warn = logger.warn.bind(logger);
  logger.warn = (msg, opts) => {
    warnings.push(msg);
    warn(msg, opts);
  };
  await build({
    root: join(consumer, 'browser'),
    configFile: false,
    logLevel: 'warn',
    customLogger: logger,
    build: { outDir, emptyOutDir: true, rollupOptions: { input: join(consumer, 'browser', `${page}.html`) } },
  });
  assert(warnings.length === 0, `Vite warned:\n${warnings.join('\n')}`);
  const js = filesUnder(outDir).filter((p) => p.endsWith('.js'));
  const text = js.map((p) => readFileSync(p, 'utf8')).join('\n');
  const b = { dir: outDir, bytes: Buffer.byteLength(text), gzip: js.reduce((n, p) => n + gzipSync(readFileSync(p)).length, 0), text };
  bundles.set(page, b);
  console.log(`      ${page}.html: ${js.length} JS file(s), ${kb(b.bytes)} KiB minified, ${kb(b.gzip)} KiB gzipped`);
  return b;
}

await check('(c) Vite bundles a page using nn, optim and ready() without a warning', async () => {
  // A module Vite had to externalise (node:fs, …) or could not analyse would be a warning.
  await bundle('index');
});

await check('(c) the page doing only tensor, mul and backward tree-shakes nn, optim, data, drawing and files away', async () => {
  const b = await bundle('minimal');
  const full = bundles.get('index');
  // Strings that only the modules this page does not use contain.
  for (const s of ['TensorDataset', 'serializeStateDict', 'digraph adjoint', 'checkpointSequential', 'clipGradNorm', 'Sequential(']) {
    assert(!b.text.includes(s), `the minimal bundle contains '${s}': something it does not use was not tree-shaken (see "sideEffects" in package.json)`);
  }
  if (full) assert(b.bytes < full.bytes, `the minimal bundle (${b.bytes} B) is not smaller than the full page's (${full.bytes} B)`);
});

await check('README states the minimal page\'s bundle size as measured (within 25%)', () => {
  const b = bundles.get('minimal');
  assert(b, 'the minimal page was not bundled');
  const readme = readFileSync(join(repo, 'README.md'), 'utf8');
  const m = /only does `tensor`, `mul`\s+and\s+`backward`[^.]*?\b(\d+)\s+KiB\s+of\s+JavaScript\s+\((\d+)\s+KiB\s+gzipped\)/.exec(readme);
  assert(m, `README must state the minimal page's size as "… only does \`tensor\`, \`mul\` and \`backward\` … N KiB of JavaScript (M KiB gzipped)"; measured ${Math.round(b.bytes / 1024)} KiB (${Math.round(b.gzip / 1024)} KiB gzipped)`);
  const [stated, statedGzip] = [Number(m[1]) * 1024, Number(m[2]) * 1024];
  const off = (x: number, y: number): boolean => Math.abs(x - y) > 0.25 * y;
  assert(!off(stated, b.bytes) && !off(statedGzip, b.gzip),
    `README states ${m[1]} KiB (${m[2]} KiB gzipped); measured ${Math.round(b.bytes / 1024)} KiB (${Math.round(b.gzip / 1024)} KiB gzipped): update README's figure`);
});

// ---- headless Chromium ----
const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']
  .filter((p): p is string => !!p);
const executablePath = candidates.find((p) => existsSync(p));
let browser: Browser | null = null;
const servers: Server[] = [];

/** Serve a directory on 127.0.0.1; resolves to its origin. */
async function serve(dir: string): Promise<string> {
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm' };
  const server = createServer((req, res) => {
    const path = join(dir, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    if (!path.startsWith(dir) || !existsSync(path) || statSync(path).isDirectory()) {
      res.statusCode = 404;
      res.end();
      return;
    }
    res.setHeader('Content-Type', types[extname(path)] ?? 'application/octet-stream');
    res.end(readFileSync(path));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

// What a browser that refuses synchronous compilation on the main thread answers (Chrome does so above its size
// limit, which adjoint's 43 KB module is under, so the refusal is put in place before the page loads).
const REFUSE_SYNC_COMPILE = `globalThis.syncCompileRefusals = 0;
WebAssembly.Module = function Module() {
  globalThis.syncCompileRefusals++;
  throw new RangeError('WebAssembly.Module(): Compile is disallowed on the main thread, if the buffer size is larger than 8MB. Use WebAssembly.compile, or compile on a worker thread.');
};`;

interface PageResult {
  error?: string;
  backendBefore?: string;
  early?: number[];
  ready?: string;
  late?: number[];
  grad?: number[];
  losses?: [number, number];
  refusals?: number;
}

async function openPage(page: string, init?: string): Promise<PageResult> {
  const b = bundles.get(page);
  assert(b, `the page ${page}.html was not bundled`);
  assert(browser, 'no browser');
  const origin = await serve(b.dir);
  const context = await browser.newContext();
  try {
    const tab = await context.newPage();
    const errors: string[] = [];
    tab.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(`console ${m.type()}: ${m.text()}`); });
    tab.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
    tab.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
    if (init) await tab.addInitScript(init);
    await tab.goto(`${origin}/${page}.html`);
    await tab.waitForFunction('globalThis.adjointResult !== undefined', undefined, { timeout: 30_000 });
    const r = await tab.evaluate('globalThis.adjointResult') as PageResult;
    assert(errors.length === 0, `the page logged:\n${errors.join('\n')}`);
    assert(!r.error, `the page failed: ${r.error}`);
    return r;
  } finally {
    await context.close();
  }
}

const close = (x: number[] | undefined, y: number[] | undefined): boolean =>
  !!x && !!y && x.length === y.length && x.every((v, i) => Math.abs(v - y[i]!) <= 1e-5 * Math.max(1, Math.abs(v)));

await check('(c) Chromium runs the bundle: the WASM kernels load, gradients are right, Adam fits XOR', async () => {
  assert(executablePath, `no Chromium: looked at ${candidates.join(', ')}; apt-get install -y chromium, or set CHROMIUM_PATH`);
  browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--headless', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  const r = await openPage('index');
  assert(r.ready === 'wasm' && r.backendBefore === 'wasm', `backend: before ready() '${r.backendBefore}', ready() gave '${r.ready}'; expected 'wasm'`);
  assert(r.refusals === 0, 'unexpected refusals');
  assert(close(r.early, r.late), `exp before and after ready() differ: ${r.early} vs ${r.late}`);
  assert(JSON.stringify(r.grad) === '[2,4,6]', `grad of sum(x·x) at [1, 2, 3]: ${JSON.stringify(r.grad)}`);
  assert(r.losses && r.losses[1] < r.losses[0] / 10, `XOR loss ${r.losses?.join(' → ')}`);
});

await check('(c) on a page that refuses synchronous WebAssembly compilation, ops run on the TS kernels until await ready() loads WASM', async () => {
  const r = await openPage('index', REFUSE_SYNC_COMPILE);
  assert((r.refusals ?? 0) > 0, 'the page never tried to compile synchronously: the refusal was not exercised');
  assert(r.ready === 'wasm', `ready() gave '${r.ready}'; expected 'wasm'`);
  assert(close(r.early, r.late), `exp on the TS kernels and on WASM differ: ${r.early} vs ${r.late}`);
  assert(r.losses && r.losses[1] < r.losses[0] / 10, `XOR loss ${r.losses?.join(' → ')}`);
});

await check('(c) Chromium runs the minimal page: d(x·y)/dx = y', async () => {
  const r = await openPage('minimal') as unknown as { grad?: number };
  assert(r.grad === 4, `grad: ${r.grad}`);
});

await (browser as Browser | null)?.close();
for (const s of servers) s.close();
const failed = results.filter((r) => r.error);
if (failed.length === 0) rmSync(work, { recursive: true, force: true });
else console.log(`kept ${work} for a look`);
const min = bundles.get('minimal'), full = bundles.get('index');
if (min && full) {
  console.log(`bundle sizes (Vite, minified): tensor+mul+backward page ${kb(min.bytes)} KiB (${kb(min.gzip)} KiB gzipped); ` +
    `page with nn, optim and ready() ${kb(full.bytes)} KiB (${kb(full.gzip)} KiB gzipped)`);
}
console.log(`package: ${results.length - failed.length} passed, ${failed.length} failed`);
process.exitCode = failed.length ? 1 : 0;
