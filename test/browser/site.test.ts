// The "Seeing it" page (site/) in headless Chromium: it builds, loads without console errors, draws the graph of
// an expression with the right number of nodes, steps the backward pass to the right gradients, trains the MNIST
// network (the loss falls), trains the GPT of `npm run example:gpt` and samples names from it, measures its other
// figures, and fits a 375-pixel-wide phone screen. Then, in a second Chromium started with --enable-unsafe-webgpu
// (which gives headless Chromium SwiftShader's software adapter, with no GPU), the device switch moves the MNIST
// network to WebGPU, and two training steps there give the losses of the same steps on the CPU.
// Screenshots go to test-artifacts/ (gitignored).
//
// Needs Chromium at /usr/bin/chromium (Debian/Ubuntu: `apt-get install -y chromium`) or at $CHROMIUM_PATH; it is
// never downloaded. Without one the suite is skipped, unless CI or ADJOINT_BROWSER_TESTS=1 is set, when it fails.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { build, preview, type PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const configFile = join(repo, 'site', 'vite.config.ts');
const artifacts = join(repo, 'test-artifacts');

const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']
  .filter((p): p is string => !!p);
const executablePath = candidates.find((p) => existsSync(p));
const required = !!process.env.CI || process.env.ADJOINT_BROWSER_TESTS === '1';
if (!executablePath && !required) {
  console.warn(`site.test.ts: skipped, no Chromium found (looked at ${candidates.join(', ')}); apt-get install -y chromium`);
}

/** Flags of every Chromium the tests start: headless, no sandbox (CI runs as root), nothing fetched in the background. */
const CHROMIUM_ARGS = ['--no-sandbox', '--headless', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
/**
 * What makes WebGPU work in headless Chromium without a GPU: Debian's chromium (156) then offers SwiftShader, the
 * software Vulkan driver it ships, as a fallback adapter. Nothing else was needed here: --use-vulkan=swiftshader,
 * --use-webgpu-adapter=swiftshader, --enable-features=Vulkan, --use-angle=swiftshader, --disable-vulkan-surface
 * and VK_ICD_FILENAMES change nothing, and without this flag requestAdapter() gives null ("No available adapters").
 */
const WEBGPU_ARGS = ['--enable-unsafe-webgpu'];

describe.skipIf(!executablePath && !required)('the Seeing it page', () => {
  let outDir = '';
  let server: PreviewServer | null = null;
  let url = '';

  beforeAll(async () => {
    if (!executablePath) {
      throw new Error(`No Chromium: looked at ${candidates.join(', ')}. Install it (apt-get install -y chromium) or set CHROMIUM_PATH.`);
    }
    mkdirSync(artifacts, { recursive: true });
    // Build into a temporary directory, so a site/dist someone is looking at is left alone.
    outDir = mkdtempSync(join(tmpdir(), 'adjoint-site-'));
    await build({ configFile, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
    server = await preview({ configFile, logLevel: 'warn', build: { outDir }, preview: { port: 0, host: '127.0.0.1', strictPort: false, open: false } });
    url = server.resolvedUrls?.local[0] ?? '';
    if (!url) throw new Error('vite preview did not report its URL');
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  describe('in Chromium without WebGPU', () => {
    let browser: Browser | null = null;
    const contexts: BrowserContext[] = [];
    /** Console errors and uncaught exceptions of every page opened, checked by the last test. */
    const errors: string[] = [];

    async function open(width: number, height = 900): Promise<Page> {
      const context = await browser!.newContext({ viewport: { width, height }, deviceScaleFactor: 1 });
      contexts.push(context);
      const page = await context.newPage();
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(`[${width}px] console: ${m.text()} ${m.location().url}`);
      });
      page.on('pageerror', (e) => errors.push(`[${width}px] uncaught: ${e.message}`));
      page.on('requestfailed', (r) => errors.push(`[${width}px] request failed: ${r.url()}`));
      await page.goto(url);
      await page.waitForSelector('#forward-graph svg', { timeout: 30_000 });
      await page.waitForSelector('#backward-graph svg.stepping', { timeout: 30_000 });
      await page.waitForFunction(() => !!document.querySelector<HTMLElement>('#backward-graph')?.dataset.drawn);
      return page;
    }

    let shared: Page | null = null;
    /** One desktop-sized page, shared by the tests that drive it one after another (a page load costs seconds). */
    async function desktop(): Promise<Page> {
      shared ??= await open(1280);
      return shared;
    }

    /** Type an expression and x, y values, draw, and wait until the drawings are of that expression. */
    async function drawExpression(page: Page, expr: string, x: string, y: string): Promise<void> {
      const drawn = (): Promise<number> => page.locator('#backward-graph').evaluate((el) => Number((el as HTMLElement).dataset.drawn ?? 0));
      const before = await drawn();
      await page.fill('#expr-input', expr);
      await page.fill('#x-input', x);
      await page.fill('#y-input', y);
      await page.click('#expr-draw');
      await expect.poll(drawn, { timeout: 15_000 }).toBeGreaterThan(before);
      // x and y also redraw on change, so wait until the last drawing is of this expression.
      await expect.poll(() => page.locator('#backward-graph svg').getAttribute('aria-label')).toContain(expr);
      // …and that no other drawing is on its way.
      let last = await drawn();
      await expect.poll(async () => {
        const now = await drawn();
        const stable = now === last;
        last = now;
        return stable;
      }, { interval: 400 }).toBe(true);
    }

    beforeAll(async () => {
      // No GPU and no --enable-unsafe-webgpu: the page finds navigator.gpu but no adapter, and says so.
      browser = await chromium.launch({ executablePath: executablePath!, args: [...CHROMIUM_ARGS, '--disable-gpu'], timeout: 60_000 });
    }, 120_000);

    afterAll(async () => {
      for (const c of contexts) await c.close().catch(() => {});
      await browser?.close();
    });

    test('the expression box draws a forward graph with one node per leaf, op and constant', async () => {
      const page = await desktop();
      // The default is PyTorch's example: x, y, mul, log.
      expect(await page.locator('#expr-input').inputValue()).toBe('log(x * y)');
      // The API reference (npm run docs, copied in by site:build) is one click away.
      expect(await page.locator('#api-link').getAttribute('href')).toBe('./api/index.html');
      expect(await page.locator('#forward-graph svg g.node').count()).toBe(4);
      for (const [expr, nodes] of [['x * y + sin(x)', 5], ['x * x', 2], ['(sigmoid(2 * x + y) - 1)^2 / 2', 12]] as const) {
        await drawExpression(page, expr, '0.5', '0.75');
        expect(await page.locator('#forward-graph svg g.node').count(), expr).toBe(nodes);
        expect(await page.locator('#forward-graph').getAttribute('data-nodes'), expr).toBe(String(nodes));
      }
      // A syntax error is reported next to the box and the drawings stay as they were.
      await page.fill('#expr-input', 'log(x *');
      await page.click('#expr-draw');
      await expect.poll(() => page.locator('#expr-error').textContent()).toMatch(/ends too early/);
      expect(await page.locator('#expr-input').getAttribute('aria-invalid')).toBe('true');
      expect(await page.locator('#forward-graph svg g.node').count()).toBe(12);
      await page.screenshot({ path: join(artifacts, 'site-graph-1280.png'), fullPage: true, clip: await clipOf(page, '#graph') });
    });

    test('stepping the backward pass of log(x·y) at (0.5, 0.75) reveals the gradients node by node: dx = 2, dy = 1.3333', async () => {
      const page = await desktop();
      await drawExpression(page, 'log(x * y)', '0.5', '0.75');
      const pendingLabels = (): Promise<number> => page.locator('#backward-graph g.edge.pending').count();
      // Before any step only the seed edge carries a value.
      expect(await page.locator('#step-progress').textContent()).toBe('Step 0 of 4.');
      expect(await page.locator('#dx-value').textContent()).toBe('…');
      expect(await page.locator('#dy-value').textContent()).toBe('…');
      const gradEdges = await page.locator('#backward-graph g.edge').evaluateAll((els) =>
        els.filter((e) => !e.querySelector('path')?.getAttribute('stroke-dasharray')).length);
      expect(gradEdges).toBe(6); // seed→Log, Log→Mul, Mul→AccumulateGrad ×2, AccumulateGrad→leaf ×2
      expect(await pendingLabels()).toBe(5);

      const visibleEdgeLabels = (): Promise<string[]> => page.locator('#backward-graph g.edge:not(.pending) text')
        .evaluateAll((els) => els.map((e) => (e.textContent ?? '').trim()));
      await page.click('#step-button'); // LogBackward0: 1 / 0.375
      expect(await visibleEdgeLabels()).toEqual(expect.arrayContaining(['1', '2.667']));
      expect(await page.locator('#backward-graph g.node.current title').textContent()).toBe('op0');
      await page.click('#step-button'); // MulBackward0: 2.667·y, 2.667·x
      expect(await visibleEdgeLabels()).toEqual(expect.arrayContaining(['1', '2.667', '2', '1.333']));
      expect(await page.locator('#dx-value').textContent()).toBe('…');
      await page.screenshot({ path: join(artifacts, 'site-backward-step2-1280.png'), fullPage: true, clip: await clipOf(page, '#backward-figure') });
      await page.click('#step-button');
      await page.click('#step-button');
      expect(await page.locator('#step-button').isDisabled()).toBe(true);
      expect(await page.locator('#step-progress').textContent()).toBe('Done: all 4 nodes have run.');
      expect(await pendingLabels()).toBe(0);
      expect(await visibleEdgeLabels()).toEqual(expect.arrayContaining(['.grad += 2', '.grad += 1.333']));
      expect(await page.locator('#dx-value').textContent()).toBe('2');
      expect(await page.locator('#dy-value').textContent()).toBe('1.3333');
      expect(await page.locator('#f-value').textContent()).toBe('-0.98083');
      const log = await page.locator('#step-log li').allTextContents();
      expect(log).toHaveLength(5);
      expect(log[1]).toMatch(/LogBackward0 .*receives 1.*x·y = 0\.375.*2\.667 to MulBackward0/);
      expect(log[2]).toMatch(/MulBackward0 .*receives 2\.667.*: 2 to AccumulateGrad of x; 1\.333 to AccumulateGrad of y/);
      await page.screenshot({ path: join(artifacts, 'site-backward-done-1280.png'), fullPage: true, clip: await clipOf(page, '#backward-figure') });

      // Fan-in: x·x sends two gradients into one AccumulateGrad, which adds them: d(x²)/dx = 2x = 3 at 1.5.
      await drawExpression(page, 'x * x', '1.5', '2');
      await page.click('#run-button');
      expect(await page.locator('#dx-value').textContent()).toBe('3');
      expect(await page.locator('#dy-value').textContent()).toMatch(/does not use y/);
      await page.click('#reset-button');
      expect(await page.locator('#dx-value').textContent()).toBe('…');
    });

    test('the other figures measure live: rules check out, cost ratio, pruning, checkpointing', async () => {
      const page = await desktop();
      for (const id of ['#reverse-mode', '#primitives', '#cost', '#pruning', '#checkpoint-figure']) {
        await page.locator(id).scrollIntoViewIfNeeded();
      }
      await page.waitForFunction(() => document.querySelector('#checkpoint-plot')?.getAttribute('data-done') === 'true', null, { timeout: 40_000 });
      await page.waitForFunction(() => document.querySelectorAll('#rules-table td.check.ok, #rules-table td.check.bad').length > 0, null, { timeout: 10_000 });
      const checks = await page.locator('#rules-table td.check').evaluateAll((els) => els.map((e) => `${(e as HTMLElement).dataset.check}: ${e.className}`));
      expect(checks.length).toBeGreaterThanOrEqual(15);
      expect(checks.filter((c) => !c.endsWith(' ok'))).toEqual([]);
      await page.waitForFunction(() => !!document.querySelector('#cost-ratio')?.getAttribute('data-ratio'), null, { timeout: 20_000 });
      const ratio = Number(await page.locator('#cost-ratio').getAttribute('data-ratio'));
      expect(ratio).toBeGreaterThan(1);
      expect(ratio).toBeLessThan(20);
      await expect.poll(() => page.locator('#pruning-table tbody tr').count(), { timeout: 10_000 }).toBe(5);
      const pruning = await page.locator('#pruning-table tbody tr').evaluateAll((rows) =>
        rows.map((r) => Array.from(r.children).map((c) => c.textContent ?? '')));
      const [all, only, , , none] = pruning as string[][];
      expect(Number(only![3])).toBeLessThan(Number(all![3])); // grad() runs fewer nodes than backward()
      expect(none![1]).toBe('0'); // noGrad records nothing
      // depth, saved (plain, √n, binomial), time and evaluations (plain, √n, binomial), gradients
      const deepest = await page.locator('#checkpoint-table tbody tr').last().evaluate((r) => Array.from(r.children).map((c) => c.textContent ?? ''));
      expect(deepest[0]).toBe('256');
      const kib = (s: string): number => Number.parseFloat(s) * (s.includes('MiB') ? 1024 : s.includes('KiB') ? 1 : 1 / 1024);
      const [plain, sqrt, binomial] = [kib(deepest[1]!), kib(deepest[2]!), kib(deepest[3]!)];
      expect(sqrt).toBeLessThan(plain / 4);
      expect(binomial).toBeLessThan(sqrt);
      expect(deepest[7]).toBe('identical');
      // The schedule checkpointSchedule(16, 3): 16 tapes and minAdvances(16, 3) = 27 advances.
      expect(Number(await page.locator('#schedule-plot').getAttribute('data-actions'))).toBeGreaterThan(32);
      expect(await page.locator('#schedule-summary').textContent()).toMatch(/^checkpointSchedule\(16, 3\): 16 tapes \+ 27 advances = 43 layer evaluations/);
      expect(await page.locator('#modes-table tbody tr').count()).toBe(2);
      await page.screenshot({ path: join(artifacts, 'site-1280.png'), fullPage: true });
    });

    test('training the MNIST network in the page lowers the loss; a test digit gets probabilities', async () => {
      const page = await desktop();
      await page.locator('#mnist').scrollIntoViewIfNeeded();
      await page.waitForFunction(() => !(document.querySelector('#train-button') as HTMLButtonElement).disabled, null, { timeout: 20_000 });
      await page.click('#train-button');
      await page.waitForFunction(() => Number((document.querySelector('#loss-plot') as HTMLElement).dataset.steps) >= 40, null, { timeout: 40_000 });
      await page.click('#train-button'); // pause
      await page.waitForFunction(() => /Paused/.test(document.querySelector('#train-status')?.textContent ?? ''), null, { timeout: 10_000 });
      const { lossFirst, lossRecent } = await page.locator('#loss-plot').evaluate((el) => ({ ...(el as HTMLElement).dataset }));
      expect(Number(lossFirst)).toBeGreaterThan(1.8); // ≈ log 10 = 2.3 for random weights
      expect(Number(lossRecent)).toBeLessThan(Number(lossFirst) * 0.6);
      await page.click('#draw-sample');
      const probs = await page.locator('#probs .pct').allTextContents();
      expect(probs).toHaveLength(10);
      const total = probs.reduce((s, p) => s + Number(p.replace('%', '')), 0);
      expect(total).toBeGreaterThan(95);
      expect(total).toBeLessThan(105);
      expect(await page.locator('#prediction').textContent()).toMatch(/A test digit labelled \d\. The network says \d/);
      await page.screenshot({ path: join(artifacts, 'site-mnist-1280.png'), fullPage: true, clip: await clipOf(page, '#mnist') });
    });

    test('training the GPT of npm run example:gpt in the page lowers the loss; sampling gives names', async () => {
      const page = await desktop();
      await page.locator('#gpt').scrollIntoViewIfNeeded();
      // The section starts when it first scrolls into view: it loads the names, then enables its buttons.
      await page.waitForFunction(() => !!document.querySelector<HTMLElement>('#gpt-plot')?.dataset.bigram
        && !(document.querySelector('#gpt-train') as HTMLButtonElement).disabled, null, { timeout: 30_000 });
      const bigram = Number(await page.locator('#gpt-plot').getAttribute('data-bigram'));
      expect(bigram).toBeGreaterThan(2.3); // add-one bigram counts on this split: 2.43 nats per character
      expect(bigram).toBeLessThan(2.6);
      // The untrained model is no better than a uniform guess over 28 tokens (log 28 = 3.33).
      const val0 = Number(await page.locator('#gpt-plot').getAttribute('data-val'));
      expect(val0).toBeGreaterThan(3);
      await page.click('#gpt-train');
      // 60 steps: a few seconds on a quiet machine; the learning rate is still warming up (LinearLR over 100 steps).
      await page.waitForFunction(() => Number((document.querySelector('#gpt-plot') as HTMLElement).dataset.steps) >= 60, null, { timeout: 200_000 });
      await page.click('#gpt-train'); // pause
      await page.waitForFunction(() => /Paused/.test(document.querySelector('#gpt-status')?.textContent ?? ''), null, { timeout: 30_000 });
      const { lossFirst, lossRecent, val } = await page.locator('#gpt-plot').evaluate((el) => ({ ...(el as HTMLElement).dataset }));
      expect(Number(lossFirst)).toBeGreaterThan(3); // ≈ log 28 for random weights
      expect(Number(lossRecent)).toBeLessThan(Number(lossFirst) - 0.3);
      // The validation loss measured at step 50 has fallen too.
      expect(Number(val)).toBeLessThan(val0 - 0.3);
      // Pausing samples names: 12 of them, made of the vocabulary's letters.
      await expect.poll(() => page.locator('#gpt-samples li').count(), { timeout: 10_000 }).toBe(12);
      const names = await page.locator('#gpt-samples li').allTextContents();
      for (const n of names) expect(n).toMatch(/^([a-z-]{1,15}|\(empty\))$/);
      expect(names.filter((n) => n.length >= 3).length).toBeGreaterThanOrEqual(6);
      await page.click('#gpt-sample');
      await expect.poll(() => page.locator('#gpt-samples li').allTextContents()).not.toEqual(names);
      await page.screenshot({ path: join(artifacts, 'site-gpt-1280.png'), fullPage: true, clip: await clipOf(page, '#gpt') });
    }, 300_000);

    test('at 375 pixels wide (a phone) nothing overflows the page', async () => {
      const page = await open(375, 812);
      // Bring every figure into view so the lazy ones draw, then check the page's width.
      for (const id of ['#reverse-mode', '#graph', '#backward', '#primitives', '#cost', '#pruning', '#mnist', '#gpt', '#checkpoint-figure', '#schedule-figure']) {
        await page.locator(id).scrollIntoViewIfNeeded();
      }
      await page.waitForFunction(() => document.querySelector('#checkpoint-plot')?.getAttribute('data-done') === 'true', null, { timeout: 40_000 });
      await page.click('#draw-sample');
      const widths = await page.evaluate(() => ({
        scroll: document.documentElement.scrollWidth,
        client: document.documentElement.clientWidth,
        // Elements sticking out of the viewport (children of a scrolling container are allowed to).
        wide: Array.from(document.querySelectorAll('body *')).filter((el) => {
          const r = el.getBoundingClientRect();
          if (r.width === 0 || r.right <= window.innerWidth + 0.5) return false;
          for (let p = el.parentElement; p; p = p.parentElement) {
            const o = getComputedStyle(p).overflowX;
            if (o === 'auto' || o === 'scroll' || o === 'hidden') return false;
          }
          return true;
        }).map((el) => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${Array.from(el.classList).join('.')}`),
      }));
      expect(widths.wide).toEqual([]);
      expect(widths.scroll).toBeLessThanOrEqual(widths.client);
      expect(widths.client).toBe(375);
      await page.screenshot({ path: join(artifacts, 'site-375.png'), fullPage: true });
    }, 120_000); // every figure draws on a narrow page: about a minute when the machine is busy

    test('without WebGPU (no adapter, or no navigator.gpu) the device switch stays on the CPU and says why', async () => {
      const page = await desktop();
      await page.waitForFunction(() => !!document.querySelector<HTMLElement>('#mnist-figure')?.dataset.webgpu, null, { timeout: 20_000 });
      expect(await page.locator('#mnist-figure').getAttribute('data-webgpu')).toBe('unavailable');
      expect(await page.locator('#device-webgpu').isDisabled()).toBe(true);
      expect(await page.locator('#device-cpu').isChecked()).toBe(true);
      expect(await page.locator('#mnist-figure').getAttribute('data-device')).toBe('cpu');
      // This Chromium has navigator.gpu (127.0.0.1 is a secure context) but, without --enable-unsafe-webgpu, no adapter.
      expect(await page.locator('#device-note').textContent()).toMatch(/^WebGPU is off: the browser has WebGPU but offers no adapter .*--enable-unsafe-webgpu\.$/);

      // A browser with no WebGPU at all (no navigator.gpu) is told so.
      const context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
      contexts.push(context);
      const bare = await context.newPage();
      bare.on('pageerror', (e) => errors.push(`[no navigator.gpu] uncaught: ${e.message}`));
      await bare.addInitScript(() => {
        delete (Navigator.prototype as { gpu?: unknown }).gpu;
      });
      await bare.goto(`${url}#mnist`);
      await bare.waitForFunction(() => !!document.querySelector<HTMLElement>('#mnist-figure')?.dataset.webgpu, null, { timeout: 30_000 });
      expect(await bare.evaluate(() => 'gpu' in navigator)).toBe(false);
      expect(await bare.locator('#mnist-figure').getAttribute('data-webgpu')).toBe('unavailable');
      expect(await bare.locator('#device-webgpu').isDisabled()).toBe(true);
      expect(await bare.locator('#device-note').textContent()).toMatch(/^WebGPU is off: this browser has no WebGPU \(navigator\.gpu is missing\)\. /);
    });

    test('no console errors or uncaught exceptions on any page opened', () => {
      expect(errors).toEqual([]);
    });
  });

  describe('on WebGPU, in headless Chromium with --enable-unsafe-webgpu', () => {
    let browser: Browser | null = null;
    const contexts: BrowserContext[] = [];
    const errors: string[] = [];

    beforeAll(async () => {
      browser = await chromium.launch({ executablePath: executablePath!, args: [...CHROMIUM_ARGS, ...WEBGPU_ARGS], timeout: 60_000 });
    }, 120_000);

    afterAll(async () => {
      // Closing a page's context destroys its GPU device; then the browser, GPU process and all.
      for (const c of contexts) await c.close().catch(() => {});
      await browser?.close();
    });

    /** A fresh page scrolled to section 7, once its digits are loaded and its WebGPU probe has answered. */
    async function openMnist(name: string): Promise<Page> {
      const context = await browser!.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
      contexts.push(context);
      const page = await context.newPage();
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(`[${name}] console: ${m.text()} ${m.location().url}`);
      });
      page.on('pageerror', (e) => errors.push(`[${name}] uncaught: ${e.message}`));
      await page.goto(`${url}#mnist`);
      await page.waitForFunction(() => !!document.querySelector<HTMLElement>('#mnist-figure')?.dataset.webgpu
        && !document.querySelector<HTMLButtonElement>('#train-step')!.disabled, null, { timeout: 30_000 });
      return page;
    }

    /** Click "One step" `n` times; the loss of each step as the page read it back, and the device of its tensor. */
    async function steps(page: Page, n: number): Promise<{ losses: number[]; devices: string[] }> {
      const losses: number[] = [], devices: string[] = [];
      const before = Number(await page.locator('#loss-plot').getAttribute('data-steps'));
      for (let i = before + 1; i <= before + n; i++) {
        await page.waitForFunction(() => !document.querySelector<HTMLButtonElement>('#train-step')!.disabled, null, { timeout: 60_000 });
        await page.click('#train-step');
        await page.waitForFunction((k) => Number(document.querySelector<HTMLElement>('#loss-plot')!.dataset.steps) === k
          || /failed/.test(document.querySelector('#train-status')?.textContent ?? ''), i, { timeout: 60_000 });
        const plot = await page.locator('#loss-plot').evaluate((el) => ({ ...(el as HTMLElement).dataset }));
        expect(plot.steps, await page.locator('#train-status').textContent() ?? '').toBe(String(i));
        losses.push(Number(plot.lastLoss));
        devices.push(plot.lossDevice ?? '');
      }
      return { losses, devices };
    }

    test('the switch moves the network to WebGPU, and two steps there give the CPU\'s losses (float32)', async (ctx) => {
      const started = performance.now();
      // Two fresh pages (loaded side by side): the same seeded weights and the same batches. The first takes three
      // steps on the CPU; the second two on WebGPU and a third back on the CPU.
      const [onCpu, page] = await Promise.all([openMnist('cpu'), openMnist('webgpu')]);
      const cpu = await steps(onCpu, 3);
      expect(cpu.devices).toEqual(['cpu', 'cpu', 'cpu']);

      const note = page.locator('#device-note');
      if (await page.locator('#mnist-figure').getAttribute('data-webgpu') !== 'available') {
        const reason = `no WebGPU adapter in headless Chromium (${WEBGPU_ARGS.join(' ')}): ${await note.textContent()}`;
        if (!required) {
          console.warn(`site.test.ts: WebGPU test skipped, ${reason}`);
          ctx.skip();
        }
        throw new Error(reason);
      }
      expect(await note.textContent()).toMatch(/^WebGPU is available: /);
      await page.check('#device-webgpu');
      await page.waitForFunction(() => !/^Moving/.test(document.querySelector('#device-note')?.textContent ?? ''), null, { timeout: 60_000 });
      // The page reports where its parameters are (not what the switch says), and each loss tensor's device.
      expect(await note.textContent()).toMatch(/^Training on WebGPU: /);
      expect(await page.locator('#mnist-figure').getAttribute('data-device')).toBe('webgpu');
      const gpu = await steps(page, 2);
      expect(gpu.devices).toEqual(['webgpu', 'webgpu']);
      // The first loss checks the forward pass on the GPU; the second, the backward pass and Adam's update too.
      // Summation orders differ between the WGSL and WebAssembly kernels: float32 rounding, no more.
      expect(gpu.losses[0]).toBeGreaterThan(1.8); // ≈ log 10 for random weights
      for (let i = 0; i < 2; i++) {
        expect(Math.abs(gpu.losses[i]! - cpu.losses[i]!), `step ${i + 1}: webgpu ${gpu.losses[i]} vs cpu ${cpu.losses[i]}`)
          .toBeLessThan(1e-5 * Math.abs(cpu.losses[i]!));
      }
      // The figure on WebGPU, for a person to look at.
      await page.screenshot({ path: join(artifacts, 'site-mnist-webgpu-1280.png'), fullPage: true, clip: await clipOf(page, '#mnist-figure') });
      // Back to the CPU: the weights and Adam's state come back (read asynchronously), and the third step continues
      // from them as the CPU page's third step did.
      await page.check('#device-cpu');
      await page.waitForFunction(() => document.querySelector<HTMLElement>('#mnist-figure')?.dataset.device === 'cpu', null, { timeout: 30_000 });
      expect(await note.textContent()).toBe('Training on the CPU (WebAssembly).');
      const [third] = (await steps(page, 1)).losses;
      expect(Math.abs(third! - cpu.losses[2]!), `step 3: after webgpu ${third} vs cpu ${cpu.losses[2]}`).toBeLessThan(1e-5 * cpu.losses[2]!);
      console.log(`site.test.ts: WebGPU step check ${((performance.now() - started) / 1000).toFixed(1)} s; losses cpu ${cpu.losses.join(', ')}; webgpu ${gpu.losses.join(', ')}, then cpu ${third}`);
    }, 240_000);

    test('no console errors or uncaught exceptions on the WebGPU pages', () => {
      expect(errors).toEqual([]);
    });
  });
});

/** The page-coordinates rectangle of an element, widened to the viewport so figures' wide margins are included. */
async function clipOf(page: Page, selector: string): Promise<{ x: number; y: number; width: number; height: number }> {
  const box = await page.locator(selector).evaluate((el) => {
    const r = el.getBoundingClientRect();
    return { y: r.top + window.scrollY, height: r.height, width: document.documentElement.clientWidth };
  });
  return { x: 0, y: box.y, width: box.width, height: box.height };
}
