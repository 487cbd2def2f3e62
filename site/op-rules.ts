// Build-time (Node) helper of the page: the vector-Jacobian rules of a few primitives, read from the op table's
// source files in src/ops/, so the page quotes the code that actually runs and never goes stale. The Vite
// plugin in vite.config.ts writes them into the HTML as a table, so they can be read without JavaScript.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One row of the table: the op, what its forward keeps for backward, and its rule as written in src/ops/. */
export interface OpRule {
  readonly op: string;
  readonly file: string;
  readonly line: number;
  readonly saves: string;
  readonly rule: string;
}

/** The ops the page shows, in order, with the file that defines each. */
const SHOWN: readonly (readonly [string, string])[] = [
  ['neg', 'unary.ts'], ['exp', 'unary.ts'], ['log', 'unary.ts'], ['sqrt', 'unary.ts'], ['sin', 'unary.ts'],
  ['cos', 'unary.ts'], ['tanh', 'unary.ts'], ['sigmoid', 'unary.ts'], ['relu', 'unary.ts'], ['abs', 'unary.ts'],
  ['add', 'binary.ts'], ['sub', 'binary.ts'], ['mul', 'binary.ts'], ['div', 'binary.ts'], ['pow', 'binary.ts'],
  ['matmul', 'matmul.ts'], ['sum', 'reduce.ts'], ['mean', 'reduce.ts'], ['softmax', 'softmax.ts'],
  ['logSoftmax', 'softmax.ts'], ['where', 'where.ts'],
];

const UNARY_SAVES: Record<string, string> = { input: 'its input x', output: 'its output y', none: 'nothing' };

/**
 * Read the rules from `srcDir` (the library's src/). Ops that cannot be found are left out, so a refactor of the
 * op table shrinks the table instead of breaking the build; the page's own test checks the table is not empty.
 *
 * @example
 * ```ts
 * readOpRules('src').find((r) => r.op === 'log')!.rule; // '(g, x) => g.div(x)'
 * ```
 */
export function readOpRules(srcDir: string): OpRule[] {
  const files = new Map<string, string[]>();
  const linesOf = (file: string): string[] => {
    let lines = files.get(file);
    if (!lines) {
      try {
        lines = readFileSync(join(srcDir, 'ops', file), 'utf8').split('\n');
      } catch {
        lines = [];
      }
      files.set(file, lines);
    }
    return lines;
  };
  const rows: OpRule[] = [];
  for (const [op, file] of SHOWN) {
    const lines = linesOf(file);
    const row = unaryRule(op, file, lines) ?? blockRule(op, file, lines);
    if (row) rows.push(row);
  }
  return rows;
}

// export const logOp = unaryOp('log', 'input', (g, x) => g.div(x));
function unaryRule(op: string, file: string, lines: readonly string[]): OpRule | null {
  const re = new RegExp(`unaryOp\\('${op}', '(\\w+)', (.*)\\);\\s*$`);
  for (let i = 0; i < lines.length; i++) {
    const m = re.exec(lines[i]!);
    if (m) return { op, file, line: i + 1, saves: UNARY_SAVES[m[1]!] ?? m[1]!, rule: m[2]! };
  }
  return null;
}

// A defineOp({ name: 'matmul', ... backward: ..., jvp: ... }) or binaryOp('mul', { backward: ... }, saves?) block:
// the `backward:` property up to the next property at the same indentation.
function blockRule(op: string, file: string, lines: readonly string[]): OpRule | null {
  const start = lines.findIndex((l) =>
    new RegExp(`^export const ${op}Op\\b`).test(l) || new RegExp(`name: '${op}',`).test(l));
  if (start < 0) return null;
  let end = lines.findIndex((l, i) => i > start && /^(export |\}\);|function )/.test(l));
  if (end < 0) end = lines.length;
  const block = lines.slice(start, end + 1);
  const b = block.findIndex((l) => /^\s*backward: /.test(l));
  if (b < 0) return null;
  const indent = /^(\s*)/.exec(block[b]!)![1]!.length;
  const rule: string[] = [block[b]!.trim().replace(/^backward: /, '')];
  for (let i = b + 1; i < block.length; i++) {
    const l = block[i]!;
    const own = /^(\s*)/.exec(l)![1]!.length;
    if (l.trim() !== '' && own <= indent && !/^\s*[\])}]+[,;)]*\s*$/.test(l)) break;
    rule.push(l.slice(Math.min(own, indent + 2)).replace(/^\s{0,2}/, '  ').replace(/^\s*([\])}])/, '$1'));
  }
  const text = rule.join('\n').trimEnd().replace(/,$/, '');
  const whole = block.join('\n');
  // What the forward keeps: its ctx.save(...) call, or for binaryOp('add', {...}, false) nothing (the shared
  // binaryOp forward saves both operands unless its last argument is false).
  const save = /ctx\.save\(([^)]*)\)/.exec(whole);
  const saves = save ? save[1]!.replace(/!/g, '') : /binaryOp\(/.test(whole) && !/\}, false\);/.test(whole) ? 'a, b' : 'nothing';
  return { op, file, line: start + b + 1, saves, rule: text };
}

/** The rules as the HTML table body the page shows (escaped). */
export function opRulesHtml(rules: readonly OpRule[]): string {
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return rules.map((r) =>
    `<tr data-op="${esc(r.op)}"><th scope="row"><code>${esc(r.op)}</code></th><td>${esc(r.saves)}</td>` +
    `<td><pre><code>${esc(r.rule)}</code></pre><span class="where">src/ops/${esc(r.file)}:${r.line}</span></td>` +
    `<td class="check" data-check="${esc(r.op)}">—</td></tr>`).join('\n');
}
