// The "Seeing it" page: `npm run site` serves it, `npm run site:build` writes the static site to site/dist.
// The library is imported from ../src, so the page always shows the code in this checkout.
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { opRulesHtml, readOpRules } from './op-rules.js';

const root = fileURLToPath(new URL('.', import.meta.url));
const src = fileURLToPath(new URL('../src', import.meta.url));
const figures = fileURLToPath(new URL('../docs/figures/', import.meta.url));
/** The API reference that `npm run docs` writes; the page links to it as ./api/. */
const api = fileURLToPath(new URL('../docs/api/', import.meta.url));
const API_TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.json': 'application/json' };

/** The still figures shown when JavaScript is off: docs/figures/*.svg (from `npm run figures`), served as /figures/. */
const STILL_FIGURES = ['log-xy-forward.svg', 'log-xy-backward.svg', 'revolve-16-3.svg'];

/**
 * Writes the op table's rules, read from src/ops/, into the HTML, and serves (dev) or emits (build) the still
 * figures from docs/figures and the API reference from docs/api (as ./api/), so none is copied into site/ by hand.
 */
function adjointPage(): Plugin {
  return {
    name: 'adjoint-page',
    transformIndexHtml: (html) => html.replace('<!--op-rules-->', opRulesHtml(readOpRules(src))),
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const path = /^\/api\/([^?#]*)/.exec(req.url ?? '')?.[1];
        if (path === undefined) return next();
        const file = normalize(join(api, decodeURIComponent(path) || 'index.html'));
        if (!file.startsWith(api) || !existsSync(file)) {
          res.statusCode = 404;
          res.end('The API reference is not built: run npm run docs.');
          return;
        }
        res.setHeader('Content-Type', API_TYPES[extname(file)] ?? 'application/octet-stream');
        res.end(readFileSync(file));
      });
      server.middlewares.use((req, res, next) => {
        const name = /\/figures\/([\w-]+\.svg)$/.exec(req.url ?? '')?.[1];
        if (!name || !STILL_FIGURES.includes(name)) return next();
        res.setHeader('Content-Type', 'image/svg+xml');
        res.end(readFileSync(figures + name));
      });
    },
    generateBundle() {
      for (const name of STILL_FIGURES) {
        this.emitFile({ type: 'asset', fileName: `figures/${name}`, source: readFileSync(figures + name) });
      }
      if (!existsSync(join(api, 'index.html'))) {
        this.warn('the API reference is not built, so the page\'s link to ./api/ is broken: run npm run docs first (npm run site:build does)');
      }
    },
    writeBundle(options) {
      if (options.dir && existsSync(join(api, 'index.html'))) cpSync(api, join(options.dir, 'api'), { recursive: true });
    },
  };
}

export default defineConfig({
  root,
  // Relative asset URLs, so site/dist can be served from any path (a project page, a file server's folder).
  base: './',
  publicDir: 'public',
  plugins: [adjointPage()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Graphviz compiled to WebAssembly is one ~1.2 MB chunk, loaded only when the first graph is drawn.
    chunkSizeWarningLimit: 1600,
  },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
