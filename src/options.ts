import { DTYPES } from './dtype.js';
import { describe } from './ops/buffers.js';
import { Generator } from './random.js';
import { Tensor } from './tensor.js';

/**
 * What one option may hold: a kind (`'number'`, `'integer'`, `'boolean'`, `'string'`, `'tensor'`, `'function'`,
 * `'generator'`, `'dtype'`, `'numbers'` for an array of numbers, `'object'`, `'any'`), several joined by `|`
 * (`'number|null'`, `'integer|numbers'`), or a list of the allowed literal values (`['mean', 'sum', 'none']`).
 */
export type OptionKind = string | readonly (string | number | boolean | null)[];

/** The options an API takes, name → kind. @example `const SGD_OPTIONS = { lr: 'number', nesterov: 'boolean' } as const;` */
export type OptionSpec = Readonly<Record<string, OptionKind>>;

function isKind(v: unknown, kind: string): boolean {
  switch (kind) {
    case 'number': return typeof v === 'number';
    case 'integer': return typeof v === 'number' && Number.isInteger(v);
    case 'boolean': return typeof v === 'boolean';
    case 'string': return typeof v === 'string';
    case 'tensor': return v instanceof Tensor;
    case 'function': return typeof v === 'function';
    case 'generator': return v instanceof Generator;
    case 'dtype': return typeof v === 'string' && (DTYPES as readonly string[]).includes(v);
    case 'numbers': return Array.isArray(v) && v.every((x) => typeof x === 'number');
    case 'object': return v !== null && typeof v === 'object' && !(v instanceof Tensor);
    case 'null': return v === null;
    case 'any': return true;
    default: throw new Error(`checkOptions: unknown option kind '${kind}' (a bug in adjoint).`);
  }
}

function kindName(kind: OptionKind): string {
  if (typeof kind !== 'string') return `one of ${kind.map((k) => (typeof k === 'string' ? `'${k}'` : String(k))).join(', ')}`;
  const names: Record<string, string> = {
    number: 'a number', integer: 'an integer', boolean: 'true or false', string: 'a string', tensor: 'a Tensor',
    function: 'a function', generator: 'a Generator', dtype: `a dtype (${DTYPES.join(', ')})`, numbers: 'an array of numbers',
    object: 'an object', null: 'null', any: 'anything',
  };
  return kind.split('|').map((k) => names[k] ?? k).join(' or ');
}

/** The camelCase spelling of a snake_case key: `weight_decay` → `weightDecay`. @example `camelCase('ignore_index') // 'ignoreIndex'` */
export function camelCase(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Check an options object against what `op` takes, and return it typed: an unknown key (a snake_case one names
 * its camelCase spelling) or a value of the wrong kind is an error naming the op, the key and what it must be.
 * `undefined` values count as absent (they are left out of the copy returned, so that spreading it over defaults
 * keeps the defaults). Not an object at all (a number, an array, a Tensor) is an error too.
 *
 * @example
 * ```ts
 * const o = checkOptions('SGD', opts, { lr: 'number', momentum: 'number', nesterov: 'boolean' });
 * checkOptions('SGD', { weight_decay: 0.1 }, { weightDecay: 'number' });
 * // Error: SGD: unknown option 'weight_decay'; did you mean 'weightDecay'? The options are weightDecay.
 * ```
 */
export function checkOptions<T extends object>(op: string, opts: T | undefined, spec: OptionSpec): T {
  if (opts === undefined) return {} as T;
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts) || opts instanceof Tensor) {
    const first = Object.keys(spec)[0];
    throw new Error(`${op}: expected an options object${first === undefined ? '' : ` like { ${first}: … }`}, got ${describe(opts)}.`);
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(opts)) {
    const kind = spec[key];
    if (kind === undefined) {
      const camel = camelCase(key);
      const keys = Object.keys(spec);
      const list = keys.length ? `the options are ${keys.join(', ')}.` : `${op} takes no options.`;
      const rest = camel !== key && camel in spec ? `did you mean '${camel}'? ${list[0]!.toUpperCase()}${list.slice(1)}` : list;
      throw new Error(`${op}: unknown option '${key}'; ${rest}`);
    }
    if (value === undefined) continue;
    const ok = typeof kind === 'string' ? kind.split('|').some((k) => isKind(value, k)) : kind.includes(value as never);
    if (!ok) throw new Error(`${op}: option '${key}' must be ${kindName(kind)}, got ${describe(value)}.`);
    out[key] = value;
  }
  return out as T;
}
