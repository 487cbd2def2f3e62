// Containers keyed by name or position: ModuleDict, ParameterList and ParameterDict. Their entries are registered
// as the container's own children or parameters, so they appear in parameters(), namedParameters() and
// stateDict() under `<container>.<key>` as in PyTorch.
import { isFloating } from '../dtype.js';
import { Tensor } from '../tensor.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';
// Tensor methods are installed with the op table: loading it here lets this module work when imported alone.
import '../autograd/record.js';

/**
 * What a keyed container is built from or updated with: `[name, value]` pairs (kept in their order) or an object.
 *
 * @example
 * ```ts
 * new nn.ModuleDict({ encoder: new nn.Linear(8, 4) });
 * new nn.ModuleDict([['a', new nn.ReLU()], ['b', new nn.Tanh()]]);
 * ```
 */
export type ContainerEntries<T> = Iterable<readonly [string, T]> | Readonly<Record<string, T>>;

function entriesOf<T>(source: ContainerEntries<T>, layer: string): [string, T][] {
  if (source === null || typeof source !== 'object') throw new Error(`${layer}: expected a Map, an array of [key, value] pairs or a plain object.`);
  if (Symbol.iterator in source) return [...(source as Iterable<readonly [string, T]>)].map(([k, v]) => [k, v]);
  return Object.entries(source as Record<string, T>);
}

function keyOf(key: unknown, layer: string): string {
  if (typeof key !== 'string') throw new Error(`${layer}: keys must be strings, got ${typeof key}.`);
  return key;
}

/** The parameters registered on `m` itself, by key, in order (a parameter held twice is listed twice). */
function ownParameters(m: Module): [string, Parameter][] {
  const props = m as unknown as Record<string, unknown>;
  return Object.keys(m).filter((k) => props[k] instanceof Parameter).map((k) => [k, props[k] as Parameter]);
}

/** Remove the entry `key` of `m` (a registered child or parameter). */
function remove(m: Module, key: string): void {
  delete (m as unknown as Record<string, unknown>)[key];
}

/**
 * Child modules by name, like a `Map` (PyTorch's `nn.ModuleDict`): insertion order is kept, and each module is
 * registered under its key (`dict.<key>.weight` in the state dict). Keys may not contain '.' nor be the name of a
 * Module method.
 *
 * @example
 * ```ts
 * const heads = new nn.ModuleDict({ cls: new nn.Linear(8, 2), box: new nn.Linear(8, 4) });
 * heads.get('cls')!.forward(h);
 * heads.keys(); // ['cls', 'box']
 * ```
 */
export class ModuleDict extends Module {
  constructor(modules: ContainerEntries<Module> = []) {
    super();
    this.update(modules);
  }

  /** The module under `key`. @example `heads.get('cls')` */
  get(key: string): Module | undefined {
    return this.namedChildren().find(([k]) => k === key)?.[1];
  }

  /** Register `module` under `key` (replacing one there). @example `heads.set('aux', new nn.Linear(8, 1))` */
  set(key: string, module: Module): this {
    if (!(module instanceof Module)) throw new Error(`ModuleDict.set: '${String(key)}' must be a Module.`);
    return this.registerModule(keyOf(key, 'ModuleDict.set'), module);
  }

  /** Whether `key` is present. @example `heads.has('cls')` */
  has(key: string): boolean {
    return this.namedChildren().some(([k]) => k === key);
  }

  /** Remove `key` and return its module. @example `heads.pop('aux')` */
  pop(key: string): Module {
    const m = this.get(key);
    if (m === undefined) throw new Error(`ModuleDict.pop: no key '${key}'; the keys are ${this.keys().join(', ') || '(none)'}.`);
    remove(this, key);
    return m;
  }

  /** Remove every entry. */
  clear(): void {
    for (const k of this.keys()) remove(this, k);
  }

  /** Add or replace entries. @example `heads.update({ aux: new nn.Linear(8, 1) })` */
  update(modules: ContainerEntries<Module>): this {
    for (const [k, m] of entriesOf(modules, 'ModuleDict')) this.set(k, m);
    return this;
  }

  /** The keys, in insertion order. @example `new nn.ModuleDict({ cls: a, box: b }).keys() // ['cls', 'box']` */
  keys(): string[] {
    return this.namedChildren().map(([k]) => k);
  }

  /** The modules, in insertion order. */
  values(): Module[] {
    return this.children();
  }

  /** The (key, module) pairs, in insertion order. @example `for (const [name, head] of heads.items()) outputs[name] = head.forward(h);` */
  items(): [string, Module][] {
    return this.namedChildren();
  }

  /** Number of entries. @example `heads.length` */
  get length(): number {
    return this.children().length;
  }

  /** Iterates over the keys, in insertion order (as iterating a PyTorch dict container). @example `for (const k of dict) dict.get(k)` */
  [Symbol.iterator](): Iterator<string> {
    return this.keys()[Symbol.iterator]();
  }
}

/** A tensor as a parameter: itself when it is one, else wrapped (a floating tensor trains, as in PyTorch). */
function asParameter(t: Tensor, layer: string): Parameter {
  if (t instanceof Parameter) return t;
  if (!(t instanceof Tensor)) throw new Error(`${layer}: expected a Parameter or a Tensor.`);
  return new Parameter(t, isFloating(t.dtype));
}

/**
 * A list of parameters registered as '0', '1', … (PyTorch's `nn.ParameterList`); tensors are wrapped as
 * parameters.
 *
 * @example
 * ```ts
 * const scales = new nn.ParameterList([ones([4]), ones([4])]);
 * scales.at(1)!.shape; // [4]
 * ```
 */
export class ParameterList extends Module {
  constructor(parameters: Iterable<Tensor> = []) {
    super();
    this.extend(parameters);
  }

  /** Number of parameters. @example `list.length` */
  get length(): number {
    return ownParameters(this).length;
  }

  /** The parameter at `index` (negative counts from the end). @example `list.at(-1)` */
  at(index: number): Parameter | undefined {
    return ownParameters(this).map(([, p]) => p).at(index);
  }

  /** Replace the parameter at `index`. @example `list.set(0, new nn.Parameter(zeros([4])))` */
  set(index: number, value: Tensor): this {
    const n = this.length;
    const i = index < 0 ? index + n : index;
    if (!Number.isInteger(i) || i < 0 || i >= n) throw new Error(`ParameterList.set: index ${index} is out of range for ${n} parameters.`);
    return this.registerParameter(String(i), asParameter(value, 'ParameterList'));
  }

  /** Add a parameter at the end. @example `list.append(new nn.Parameter(zeros([2])))` */
  append(value: Tensor): this {
    return this.registerParameter(String(this.length), asParameter(value, 'ParameterList'));
  }

  /** Add parameters at the end. @example `list.extend([a, b])` */
  extend(values: Iterable<Tensor>): this {
    for (const v of values) this.append(v);
    return this;
  }

  /** Iterates over the parameters in order. @example `for (const p of list) p.grad` */
  [Symbol.iterator](): Iterator<Parameter> {
    return ownParameters(this).map(([, p]) => p)[Symbol.iterator]();
  }

  override extraRepr(): string {
    return ownParameters(this).map(([k, p]) => `(${k}): Parameter containing: [${p.dtype} of size ${p.shape.join('x') || '()'}]`).join('\n');
  }
}

/**
 * Parameters by name, like a `Map` (PyTorch's `nn.ParameterDict`); tensors are wrapped as parameters.
 *
 * @example
 * ```ts
 * const pd = new nn.ParameterDict({ scale: ones([4]), shift: zeros([4]) });
 * pd.get('scale')!.requiresGrad; // true
 * ```
 */
export class ParameterDict extends Module {
  constructor(parameters: ContainerEntries<Tensor> = []) {
    super();
    this.update(parameters);
  }

  /** The parameter under `key`. @example `pd.get('scale')` */
  get(key: string): Parameter | undefined {
    return ownParameters(this).find(([k]) => k === key)?.[1];
  }

  /** Register `value` under `key` (replacing one there). @example `pd.set('bias', zeros([4]))` */
  set(key: string, value: Tensor): this {
    return this.registerParameter(keyOf(key, 'ParameterDict.set'), asParameter(value, 'ParameterDict'));
  }

  /** Whether `key` is present. @example `pd.has('scale')` */
  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** Remove `key` and return its parameter. @example `pd.pop('shift')` */
  pop(key: string): Parameter {
    const p = this.get(key);
    if (p === undefined) throw new Error(`ParameterDict.pop: no key '${key}'; the keys are ${this.keys().join(', ') || '(none)'}.`);
    remove(this, key);
    return p;
  }

  /** Remove every entry. */
  clear(): void {
    for (const k of this.keys()) remove(this, k);
  }

  /** Add or replace entries. @example `pd.update({ gain: ones([1]) })` */
  update(parameters: ContainerEntries<Tensor>): this {
    for (const [k, v] of entriesOf(parameters, 'ParameterDict')) this.set(k, v);
    return this;
  }

  /** The keys, in insertion order. */
  keys(): string[] {
    return ownParameters(this).map(([k]) => k);
  }

  /** The parameters, in insertion order. */
  values(): Parameter[] {
    return ownParameters(this).map(([, p]) => p);
  }

  /** The (key, parameter) pairs, in insertion order. @example `for (const [name, p] of pd.items()) console.log(name, p.shape);` */
  items(): [string, Parameter][] {
    return ownParameters(this);
  }

  /** Number of entries. @example `pd.length` */
  get length(): number {
    return ownParameters(this).length;
  }

  /** Iterates over the keys, in insertion order (as iterating a PyTorch dict container). @example `for (const k of dict) dict.get(k)` */
  [Symbol.iterator](): Iterator<string> {
    return this.keys()[Symbol.iterator]();
  }

  override extraRepr(): string {
    return this.items().map(([k, p]) => `(${k}): Parameter containing: [${p.dtype} of size ${p.shape.join('x') || '()'}]`).join('\n');
  }
}
