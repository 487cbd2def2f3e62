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

//   log: unaryOp('log', 'input', (g, x) => g.div(x), 'Natural logarithm elementwise.', 'log(x)'),
function unaryRule(op: string, file: string, lines: readonly string[]): OpRule | null {
  const re = new RegExp(`^\\s+${op}: unaryOp\\('${op}', '(\\w+)', (.*), '[^']*', '[^']*'\\),\\s*$`);
  for (let i = 0; i < lines.length; i++) {
    const m = re.exec(lines[i]!);
    if (m) return { op, file, line: i + 1, saves: UNARY_SAVES[m[1]!] ?? m[1]!, rule: m[2]!.replace(/, call\)/, ')').replace(/call\(BINARY_OPS\.(\w+), /, '$1(') };
  }
  return null;
}

// What a binary op's forward keeps, from the `saves` argument of binaryOp (see src/ops/binary.ts).
const BINARY_SAVES: Record<string, string> = {
  NONE: 'nothing',
  BOTH: 'a, b',
  '(n) => [n[1]!, n[0]!]': 'b if a needs a gradient, a if b does',
  '(n) => [n[1]!, n[0]! || n[1]!]': 'b; a if b needs a gradient',
};

// An entry's block, `name: 'matmul', … backward: …` or `mul: binaryOp('mul', saves, { backward: … }, …)`:
// the `backward:` property up to the next property at the same indentation.
function blockRule(op: string, file: string, lines: readonly string[]): OpRule | null {
  const binaryStart = new RegExp(`^\\s+${op}: binaryOp\\('${op}', ([^{]*), \\{\\s*$`);
  const start = lines.findIndex((l) => binaryStart.test(l) || new RegExp(`name: '${op}',`).test(l));
  if (start < 0) return null;
  let end = lines.findIndex((l, i) => i > start && (/^(export |\};|\}\);|function |const )/.test(l) || /^\s{2}\w+: (binaryOp|compareOp)\(/.test(l)));
  if (end < 0) end = lines.length;
  const block = lines.slice(start, end);
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
  const text = rule.join('\n').trimEnd().replace(/,$/, '').replace(/call\((WHERE_OPS\.where|whereOp), /g, 'where(').replace(/\(call, /g, '(').replace(/, call \}/g, ' }');
  const whole = block.join('\n');
  // What the forward keeps: binaryOp's `saves` argument, or the forward's ctx.save(...) call.
  const binary = binaryStart.exec(lines[start]!);
  const save = /ctx\.save\(([^)]*)\)/.exec(whole);
  const saves = binary ? BINARY_SAVES[binary[1]!] ?? 'what its gradients need'
    : save ? save[1]!.replace(/!/g, '').replace(/ctx\.needsInputGrad\[(\d)\] \? (\w+) : null/g, '$2 if input $1 needs a gradient') : 'nothing';
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
