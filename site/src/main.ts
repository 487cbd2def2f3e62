// The page's entry: each figure enhances its section of the static HTML. A figure that fails says so in place
// and leaves the others working. Measurements start when their figure first scrolls into view.
import { setupCheckpointing } from './checkpointing.js';
import { setupCost } from './cost.js';
import { setupGpt } from './gpt.js';
import { setupGraphFigure } from './graph-figure.js';
import { setupMnist } from './mnist.js';
import { setupModes } from './modes.js';
import { setupPruning } from './pruning.js';
import { setupRulesCheck } from './rules-check.js';

function safely(name: string, setup: () => void): void {
  try {
    setup();
  } catch (e) {
    console.error(`${name}:`, e);
    const figure = document.querySelector(`#${name}`);
    const p = document.createElement('p');
    p.className = 'note';
    p.textContent = `This figure could not start: ${e instanceof Error ? e.message : String(e)}`;
    figure?.append(p);
  }
}

/** Run `start` once, when `selector` first comes near the viewport. */
function whenVisible(selector: string, start: () => void): void {
  const el = document.querySelector(selector);
  if (!el) return;
  if (!('IntersectionObserver' in window)) {
    start();
    return;
  }
  const io = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) {
      io.disconnect();
      start();
    }
  }, { rootMargin: '200px' });
  io.observe(el);
}

const click = (selector: string) => (): void => {
  const el = document.querySelector<HTMLButtonElement | HTMLFormElement>(selector);
  if (el instanceof HTMLFormElement) el.requestSubmit();
  else el?.click();
};

safely('expr-figure', setupGraphFigure);
safely('modes-figure', setupModes);
safely('cost-figure', setupCost);
safely('pruning-figure', setupPruning);
safely('mnist-figure', setupMnist);
whenVisible('#gpt-figure', () => safely('gpt-figure', setupGpt));
safely('checkpoint-figure', setupCheckpointing);
whenVisible('#modes-figure', click('#modes-form'));
whenVisible('#rules-table', () => safely('primitives', setupRulesCheck));
whenVisible('#cost-figure', click('#cost-form'));
whenVisible('#pruning-figure', click('#pruning-run'));
whenVisible('#checkpoint-figure', click('#checkpoint-run'));
