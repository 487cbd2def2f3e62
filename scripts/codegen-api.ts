// The named exports of every op, generated from the op table, the composites and the in-place ops (see
// scripts/codegen.ts): one `export const` per op, carrying the entry's doc and example as its TSDoc.
import { COMPOSITES } from '../src/ops/composite.js';
import { INPLACE_OPS } from '../src/ops/inplace.js';
import { METHOD_ONLY, OP_TABLE } from '../src/ops/table.js';

// JavaScript's reserved words that an op may be named after (PyTorch's torch.var).
const RESERVED = new Set(['var', 'in', 'new', 'delete', 'do', 'if', 'for', 'with', 'case', 'void']);

interface Documented {
  readonly doc: string;
  readonly example: string;
}

/**
 * The text of src/ops/api.generated.ts.
 *
 * @example
 * ```ts
 * writeFileSync('src/ops/api.generated.ts', apiEntries(HEADER));
 * ```
 */
export function apiEntries(header: string): string {
  const methodOnly: readonly string[] = METHOD_ONLY;
  const groups: [string, Record<string, Documented>][] = [
    ['The primitives of the op table.', OP_TABLE],
    ['Ops made of other ops.', COMPOSITES],
    ['In-place ops (also Tensor methods).', INPLACE_OPS],
  ];
  const lines = [header.trimEnd(), '// The functions of the op table (src/ops/table.ts), the composites and the in-place ops, one export each.', '',
    "import { FUNCTIONS } from '../autograd/record.js';", ''];
  for (const [title, entries] of groups) {
    lines.push(`// ---- ${title} ----`, '');
    for (const [name, e] of Object.entries(entries)) {
      if (methodOnly.includes(name)) continue;
      lines.push('/**', ...e.doc.split('\n').map((l) => ` * ${l}`), ' *', ' * @example', ' * ```ts', ` * ${e.example}`, ' * ```', ' */');
      if (RESERVED.has(name)) {
        // A reserved word cannot name a const, but may name an export: `import * as a` gives `a.var`.
        lines.push(`const ${name}_ = FUNCTIONS.${name};`, `export { ${name}_ as ${name} };`, '');
      } else {
        lines.push(`export const ${name} = FUNCTIONS.${name};`, '');
      }
    }
  }
  return lines.join('\n');
}
