// The "Seeing it" page: `npm run site` serves it, `npm run site:build` writes the static site to site/dist.
// The library is imported from ../src, so the page always shows the code in this checkout.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { opRulesHtml, readOpRules } from './op-rules.js';

const root = fileURLToPath(new URL('.', import.meta.url));
const src = fileURLToPath(new URL('../src', import.meta.url));
const figures = fileURLToPath(new URL('../docs/figures/', import.meta.url));

/** The still figures shown when JavaScript is off: docs/figures/*.svg (from `npm run figures`), served as /figures/. */
const STILL_FIGURES = ['log-xy-forward.svg', 'log-xy-backward.svg', 'revolve-16-3.svg'];

/**
 * Writes the op table's rules, read from src/ops/, into the HTML, and serves (dev) or emits (build) the still
 * figures from docs/figures, so neither is copied into site/ by hand.
 */
function adjointPage(): Plugin {
  return {
    name: 'adjoint-page',
    transformIndexHtml: (html) => html.replace('<!--op-rules-->', opRulesHtml(readOpRules(src))),
    configureServer(server) {
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
