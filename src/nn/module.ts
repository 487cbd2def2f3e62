import { noGrad } from '../autograd/grad-mode.js';
import { DTYPES, isFloating, type DType } from '../dtype.js';
import { listDevices } from '../kernels/index.js';
import { fmtShape, sameShape, type Shape } from '../shape.js';
import type { Storage } from '../storage.js';
import { Tensor } from '../tensor.js';
import { Parameter } from './parameter.js';
// Tensor methods are installed with the op table: loading it here lets this module work when imported alone.
import '../autograd/record.js';

/** Names to tensors, in registration order: what `stateDict()` returns and `serializeStateDict` writes. @example `const sd: nn.StateDict = model.stateDict();` */
export type StateDict = Map<string, Tensor>;

/** What `loadStateDict` and `serializeStateDict` accept: a `Map` or a plain object of name → tensor. @example `linear.loadStateDict({ weight: w, bias: b })` */
export type StateDictLike = ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>;

/** Options of `Module.loadStateDict`. @example `model.loadStateDict(sd, { strict: false })` */
export interface LoadStateDictOptions {
  /** Require the keys to match the module's exactly (default true). Shapes must always match. */
  readonly strict?: boolean;
}

/** The keys that did not line up in a non-strict `loadStateDict`. @example `const { missingKeys } = model.loadStateDict(sd, { strict: false });` */
export interface LoadStateDictResult {
  /** Keys the module has that the state dict lacks (left untouched). */
  readonly missingKeys: string[];
  /** Keys of the state dict the module does not have (ignored). */
  readonly unexpectedKeys: string[];
}

/** Options of `Module.registerBuffer`. @example `this.registerBuffer('cache', zeros([8]), { persistent: false })` */
export interface BufferOptions {
  /** Include the buffer in `stateDict()` (default true). */
  readonly persistent?: boolean;
}

/**
 * Where `Module.to` moves a module: a floating dtype, a device name, or both.
 *
 * @example
 * ```ts
 * model.to('float64');
 * model.to({ dtype: 'float32', device: 'cpu' });
 * ```
 */
export type ModuleTarget = DType | string | { readonly dtype?: DType; readonly device?: string };

type EntryKind = 'parameter' | 'buffer' | 'module';
interface Entry {
  readonly name: string;
  readonly kind: EntryKind;
  readonly value: Parameter | Tensor | Module;
}

/**
 * The base class of layers and models, like `torch.nn.Module`. A module's parameters, buffers and child
 * modules are its properties: assign a `Parameter` or a `Module` to a property (a class field, or `this.x =`
 * in the constructor) and it is registered, in declaration order. `registerModule`, `registerParameter` and
 * `registerBuffer` do the same for names chosen at run time (and buffers, which plain assignment cannot tell
 * apart from other tensors). Subclasses implement `forward`.
 *
 * @example
 * ```ts
 * import { nn, type Tensor } from 'adjoint';
 * class Mlp extends nn.Module {
 *   fc1 = new nn.Linear(784, 128);
 *   fc2 = new nn.Linear(128, 10);
 *   override forward(x: Tensor): Tensor {
 *     return this.fc2.forward(this.fc1.forward(x).relu());
 *   }
 * }
 * const model = new Mlp();
 * model.namedParameters().map(([name]) => name); // ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
 * ```
 */
export class Module {
  /** True in training mode (the default); `eval()` clears it, on this module and every descendant. */
  training = true;
  // Buffers are plain tensors, so their names are recorded; true-private fields stay out of Object.keys.
  readonly #buffers = new Set<string>();
  readonly #nonPersistent = new Set<string>();

  /**
   * The computation of the module. The base class has none; subclasses define it with their own signature.
   *
   * @example
   * ```ts
   * const y = linear.forward(x);
   * ```
   */
  forward(..._inputs: never[]): unknown {
    throw new Error(
      `${this.constructor.name}: forward() is not implemented. Subclasses of Module define forward(...inputs), ` +
        `e.g. forward(x: Tensor): Tensor { return this.fc.forward(x).relu(); }.`,
    );
  }

  /**
   * Run `forward` with the same arguments; the one place where call-time behaviour (such as hooks) belongs,
   * like calling a module in PyTorch.
   *
   * @example
   * ```ts
   * const logits = model.call(x); // same as model.forward(x)
   * ```
   */
  call<M extends Module>(this: M, ...inputs: Parameters<M['forward']>): ReturnType<M['forward']> {
    return (this.forward as (...args: Parameters<M['forward']>) => ReturnType<M['forward']>).apply(this, inputs);
  }

  /**
   * Register `module` as the child `name` (the same as assigning it to the property `name`). `null`
   * leaves the name defined but without a child.
   *
   * @example
   * ```ts
   * for (let i = 0; i < 3; i++) model.registerModule(`block${i}`, new nn.Linear(8, 8));
   * ```
   */
  registerModule(name: string, module: Module | null): this {
    if (module !== null && !(module instanceof Module)) {
      throw new Error(`registerModule: '${name}' must be a Module or null, got ${describe(module)}.`);
    }
    this.#define(name, module, 'registerModule');
    return this;
  }

  /**
   * Register `param` as the parameter `name` (the same as assigning it to the property `name`). `null`
   * declares an absent parameter, as a Linear layer without bias does.
   *
   * @example
   * ```ts
   * model.registerParameter('scale', new nn.Parameter(ones([1])));
   * ```
   */
  registerParameter(name: string, param: Parameter | null): this {
    if (param !== null && !(param instanceof Parameter)) {
      throw new Error(
        `registerParameter: '${name}' must be a Parameter or null, got ${describe(param)}. ` +
          `Wrap the tensor: new nn.Parameter(t).`,
      );
    }
    this.#define(name, param, 'registerParameter');
    return this;
  }

  /**
   * Register `tensor` as the buffer `name`: state that is not trained but is saved in `stateDict()` (unless
   * `persistent: false`), such as running statistics. Reassigning the property later keeps it a buffer.
   *
   * @example
   * ```ts
   * model.registerBuffer('runningMean', zeros([16]));
   * ```
   */
  registerBuffer(name: string, tensor: Tensor | null, opts: BufferOptions = {}): this {
    if (tensor !== null && !(tensor instanceof Tensor)) {
      throw new Error(`registerBuffer: '${name}' must be a Tensor or null, got ${describe(tensor)}.`);
    }
    if (tensor instanceof Parameter) {
      throw new Error(`registerBuffer: '${name}' is a Parameter; register it with registerParameter, or pass t.detach() to keep it as a buffer.`);
    }
    this.#define(name, tensor, 'registerBuffer');
    this.#buffers.add(name);
    if (opts.persistent === false) this.#nonPersistent.add(name);
    else this.#nonPersistent.delete(name);
    return this;
  }

  #define(name: string, value: unknown, op: string): void {
    if (typeof name !== 'string' || name === '' || name.includes('.')) {
      throw new Error(`${op}: the name must be a non-empty string without '.', got ${JSON.stringify(name)}.`);
    }
    if (name in this && !Object.hasOwn(this, name)) {
      throw new Error(`${op}: '${name}' is already a method or accessor of ${this.constructor.name}; choose another name.`);
    }
    if (Object.hasOwn(this, name)) {
      // Only an entry (a parameter, buffer or child, or a name registered as null) may be replaced: a field such as
      // `training` would be clobbered, and the module would break in ways no error names.
      const current = (this as unknown as Record<string, unknown>)[name];
      const entry = current === null || current instanceof Parameter || current instanceof Module || this.#buffers.has(name);
      if (!entry) throw new Error(`${op}: attribute '${name}' already exists on ${this.constructor.name} (as PyTorch says); choose another name.`);
    }
    Object.defineProperty(this, name, { value, writable: true, enumerable: true, configurable: true });
  }

  /** This module's own parameters, buffers and children, in property order. */
  #entries(): Entry[] {
    const out: Entry[] = [];
    const props = this as unknown as Record<string, unknown>;
    for (const name of Object.keys(this)) {
      const v = props[name];
      if (this.#buffers.has(name)) {
        if (v === null || v === undefined) continue;
        if (!(v instanceof Tensor)) {
          throw new Error(`${this.constructor.name}: buffer '${name}' must hold a Tensor or null, but holds ${describe(v)}.`);
        }
        out.push({ name, kind: 'buffer', value: v });
      } else if (v instanceof Parameter) {
        out.push({ name, kind: 'parameter', value: v });
      } else if (v instanceof Module) {
        out.push({ name, kind: 'module', value: v });
      } else if (Array.isArray(v) && v.some((e) => e instanceof Module || e instanceof Parameter)) {
        // A plain array would silently hide its parameters from the optimizer; make that loud.
        throw new Error(
          `${this.constructor.name}: property '${name}' is an array holding modules or parameters, which are not ` +
            `registered that way. Use new nn.ModuleList([...]) or new nn.Sequential(...) instead.`,
        );
      }
    }
    return out;
  }

  /**
   * Every (path, module) pair below and including this one, with repeats for shared submodules; throws on
   * a cycle, which would otherwise recurse forever.
   */
  #walk(prefix: string, ancestors: Set<Module>, visit: (prefix: string, m: Module) => void): void {
    visit(prefix, this);
    ancestors.add(this);
    for (const e of this.#entries()) {
      if (e.kind !== 'module') continue;
      const child = e.value as Module;
      const path = prefix ? `${prefix}.${e.name}` : e.name;
      if (ancestors.has(child)) {
        throw new Error(
          `${this.constructor.name}: '${path}' refers back to an enclosing module, making a cycle. Keep references ` +
            `to other modules that are not children in a #private field, or define them as non-enumerable.`,
        );
      }
      child.#walk(path, ancestors, visit);
    }
    ancestors.delete(this);
  }

  /**
   * The direct children with their names.
   *
   * @example
   * ```ts
   * new nn.Sequential(new nn.Linear(2, 2), new nn.ReLU()).namedChildren().map(([n]) => n); // ['0', '1']
   * ```
   */
  namedChildren(): [string, Module][] {
    return this.#entries().filter((e) => e.kind === 'module').map((e) => [e.name, e.value as Module]);
  }

  /** The direct child modules. @example `model.children().length` */
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /**
   * This module and all its descendants, each once, with dotted paths ('' for this one).
   *
   * @example
   * ```ts
   * model.namedModules().map(([name]) => name); // ['', 'fc1', 'fc2']
   * ```
   */
  namedModules(prefix = ''): [string, Module][] {
    const seen = new Set<Module>();
    const out: [string, Module][] = [];
    this.#walk(prefix, new Set(), (p, m) => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([p, m]);
    });
    return out;
  }

  /** This module and all its descendants, each once. @example `model.modules().filter((m) => m instanceof nn.Linear)` */
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  #named<T>(kind: EntryKind, recurse: boolean, prefix: string): [string, T][] {
    const seen = new Set<unknown>();
    const out: [string, T][] = [];
    const collect = (p: string, m: Module): void => {
      for (const e of m.#entries()) {
        if (e.kind !== kind || seen.has(e.value)) continue;
        seen.add(e.value);
        out.push([p ? `${p}.${e.name}` : e.name, e.value as T]);
      }
    };
    if (recurse) for (const [p, m] of this.namedModules(prefix)) collect(p, m);
    else collect(prefix, this);
    return out;
  }

  /**
   * The parameters with dotted names such as `layers.0.weight`, each once even when shared.
   *
   * @example
   * ```ts
   * for (const [name, p] of model.namedParameters()) console.log(name, p.shape);
   * ```
   */
  namedParameters(opts: { readonly prefix?: string; readonly recurse?: boolean } = {}): [string, Parameter][] {
    return this.#named<Parameter>('parameter', opts.recurse ?? true, opts.prefix ?? '');
  }

  /**
   * The parameters, each once: what an optimizer takes.
   *
   * @example
   * ```ts
   * const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
   * ```
   */
  parameters(recurse = true): Parameter[] {
    return this.namedParameters({ recurse }).map(([, p]) => p);
  }

  /** The buffers with dotted names. @example `new nn.BatchNorm1d(4).namedBuffers().map(([name]) => name) // ['running_mean', 'running_var', 'num_batches_tracked']` */
  namedBuffers(opts: { readonly prefix?: string; readonly recurse?: boolean } = {}): [string, Tensor][] {
    return this.#named<Tensor>('buffer', opts.recurse ?? true, opts.prefix ?? '');
  }

  /** The buffers. @example `model.buffers().length` */
  buffers(recurse = true): Tensor[] {
    return this.namedBuffers({ recurse }).map(([, b]) => b);
  }

  /**
   * Clear the gradients of every parameter: set to null by default (PyTorch's `set_to_none`), which saves
   * memory and lets optimizers skip parameters that got no gradient; or zero them in place.
   *
   * @example
   * ```ts
   * model.zeroGrad();
   * loss.backward();
   * ```
   */
  zeroGrad(setToNone = true): void {
    for (const p of this.parameters()) {
      if (setToNone) p.grad = null;
      else if (p.grad !== null) noGrad(() => p.grad!.zero_());
    }
  }

  /**
   * Set training mode on this module and all descendants (layers such as Dropout behave differently).
   *
   * @example
   * ```ts
   * model.train();
   * ```
   */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /**
   * Set evaluation mode: `train(false)`.
   *
   * @example
   * ```ts
   * model.eval();
   * const predictions = noGrad(() => model.forward(x).argmax(1));
   * ```
   */
  eval(): this {
    return this.train(false);
  }

  /**
   * Turn gradient recording on or off for every parameter, e.g. to freeze a pretrained part.
   *
   * @example
   * ```ts
   * backbone.requiresGrad_(false);
   * ```
   */
  requiresGrad_(requiresGrad = true): this {
    for (const p of this.parameters()) p.requiresGrad = requiresGrad;
    return this;
  }

  /**
   * Call `fn` on every descendant and then on this module (children first, as PyTorch does), e.g. for
   * custom initialisation.
   *
   * @example
   * ```ts
   * model.apply((m) => { if (m instanceof nn.Linear) nn.init.zeros_(m.weight); });
   * ```
   */
  apply(fn: (module: Module) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  /**
   * Convert the parameters and buffers in place, as PyTorch's `module.to(...)`: to a floating dtype (only floating
   * tensors change; an int32 counter such as `num_batches_tracked` keeps its dtype), to a device (every tensor
   * moves), or both. The parameter objects stay the same (their data is replaced, as PyTorch replaces
   * `param.data`), so an optimizer made before still holds them; gradients are converted with them.
   *
   * @example
   * ```ts
   * const model = new nn.Linear(4, 2).to('float64');
   * model.weight.dtype; // 'float64'
   * ```
   */
  to(target: ModuleTarget): this {
    const { dtype, device } = moduleTarget(target, `${this.constructor.name}.to`);
    const convert = (t: Tensor): Tensor => {
      let out = t;
      if (dtype !== undefined && isFloating(t.dtype)) out = out.to(dtype);
      if (device !== undefined) out = out.to(device);
      return out;
    };
    const done = new Set<Tensor>();
    noGrad(() => {
      for (const m of this.modules()) {
        for (const e of m.#entries()) {
          if (e.kind === 'module') continue;
          const t = e.value as Tensor;
          if (done.has(t)) continue;
          done.add(t);
          const grad = t.grad;
          const data = convert(t.detach());
          if (data.storage !== t.storage || data.dtype !== t.dtype) replaceData(t, data);
          if (grad !== null) t.grad = convert(grad);
        }
      }
    });
    return this;
  }

  /** Convert the floating parameters and buffers to float64, in place: `to('float64')`. @example `new nn.Linear(2, 1).double().weight.dtype // 'float64'` */
  double(): this {
    return this.to('float64');
  }

  /** Convert the floating parameters and buffers to float32, in place: `to('float32')`. @example `model.float().weight.dtype // 'float32'` */
  float(): this {
    return this.to('float32');
  }

  /**
   * The number of parameter elements (each shared parameter counted once), or of trainable ones only.
   *
   * @example
   * ```ts
   * new nn.Linear(784, 128).numParameters(); // 100480
   * ```
   */
  numParameters(onlyTrainable = false): number {
    if (typeof onlyTrainable !== 'boolean') throw new Error(`numParameters: onlyTrainable must be true or false, got ${describe(onlyTrainable)}.`);
    return this.parameters().filter((p) => !onlyTrainable || p.requiresGrad).reduce((n, p) => n + p.size, 0);
  }

  /** Every name in the state dict, paired with the tensor it reads from and writes to. */
  #stateTargets(): Map<string, { readonly tensor: Tensor; readonly kind: EntryKind }> {
    const out = new Map<string, { tensor: Tensor; kind: EntryKind }>();
    this.#walk('', new Set(), (prefix, m) => {
      for (const e of m.#entries()) {
        if (e.kind === 'module' || (e.kind === 'buffer' && m.#nonPersistent.has(e.name))) continue;
        out.set(prefix ? `${prefix}.${e.name}` : e.name, { tensor: e.value as Tensor, kind: e.kind });
      }
    });
    return out;
  }

  /**
   * The parameters and persistent buffers by dotted name, as detached tensors sharing the module's storage
   * (like PyTorch: an in-place change to a value changes the model; clone to snapshot). Shared parameters
   * appear under each name.
   *
   * @example
   * ```ts
   * const sd = model.stateDict();
   * sd.get('fc1.weight')?.shape; // [128, 784]
   * ```
   */
  stateDict(): StateDict {
    const out: StateDict = new Map();
    for (const [name, { tensor }] of this.#stateTargets()) out.set(name, tensor.detach());
    return out;
  }

  /**
   * Copy values from a state dict into the parameters and buffers, in place and without recording (the
   * parameter tensors stay the same objects, so optimizers holding them keep working). Everything is
   * checked before anything is written: unknown or missing keys (unless `strict: false`) and shape
   * mismatches throw an error naming the keys and shapes. Values are converted to each parameter's dtype.
   *
   * @example
   * ```ts
   * model.loadStateDict(deserializeStateDict(bytes));
   * ```
   */
  loadStateDict(stateDict: StateDictLike, opts: LoadStateDictOptions = {}): LoadStateDictResult {
    const given = toStateMap(stateDict, 'loadStateDict');
    const targets = this.#stateTargets();
    const missingKeys = [...targets.keys()].filter((k) => !given.has(k));
    // PyTorch's rule and order: each module, in pre-order, reports the keys under its prefix whose next name is
    // neither one of its parameters or persistent buffers nor a child. (So 'fc.weight.extra' is not reported,
    // as in PyTorch: 'weight' is fc's.)
    const unexpectedKeys: string[] = [];
    this.#walk('', new Set(), (prefix, m) => {
      const pre = prefix ? `${prefix}.` : '';
      const names = new Set(m.#entries().filter((e) => !(e.kind === 'buffer' && m.#nonPersistent.has(e.name))).map((e) => e.name));
      for (const k of given.keys()) {
        if (k.startsWith(pre) && !names.has(k.slice(pre.length).split('.', 1)[0]!)) unexpectedKeys.push(k);
      }
    });
    const problems: string[] = [];
    if (opts.strict ?? true) {
      if (unexpectedKeys.length) problems.push(`unexpected key(s) in state dict: ${quoteList(unexpectedKeys)}`);
      if (missingKeys.length) problems.push(`missing key(s) in state dict: ${quoteList(missingKeys)}`);
    }
    for (const [name, { tensor, kind }] of targets) {
      const src = given.get(name);
      if (src !== undefined && !sameShape(src.shape, tensor.shape)) {
        problems.push(
          `size mismatch for '${name}': copying a tensor of shape ${fmtShape(src.shape)} from the state dict, ` +
            `but the ${kind} in the current model has shape ${fmtShape(tensor.shape)}`,
        );
      }
    }
    if (problems.length) {
      throw new Error(`loadStateDict: error(s) loading the state dict into ${this.constructor.name}:\n  ${problems.join('\n  ')}`);
    }
    noGrad(() => {
      for (const [name, { tensor }] of targets) {
        const src = given.get(name);
        if (src !== undefined) tensor.copy_(src);
      }
    });
    return { missingKeys, unexpectedKeys };
  }

  /**
   * Extra text shown in `toString()` between the parentheses, such as a layer's sizes. Override it.
   *
   * @example
   * ```ts
   * new nn.Linear(2, 3).extraRepr(); // 'inFeatures=2, outFeatures=3, bias=true'
   * ```
   */
  extraRepr(): string {
    return '';
  }

  /**
   * A tree of the module and its children, as PyTorch prints modules.
   *
   * @example
   * ```ts
   * String(new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU()));
   * // Sequential(
   * //   (0): Linear(inFeatures=2, outFeatures=3, bias=true)
   * //   (1): ReLU()
   * // )
   * ```
   */
  toString(): string {
    const children = this.namedChildren();
    const extra = this.extraRepr();
    if (children.length === 0) return `${this.constructor.name}(${extra})`;
    const lines = extra ? [extra] : [];
    for (const [name, child] of children) lines.push(`(${name}): ${String(child).split('\n').join('\n  ')}`);
    return `${this.constructor.name}(\n  ${lines.join('\n  ')}\n)`;
  }
}

/**
 * A state dict as a Map, with every value checked to be a tensor.
 *
 * @example
 * ```ts
 * toStateMap({ w: zeros([2]) }, 'save'); // Map { 'w' => ... }
 * ```
 */
export function toStateMap(stateDict: StateDictLike, op: string): Map<string, Tensor> {
  if (stateDict === null || typeof stateDict !== 'object') {
    throw new Error(`${op}: expected a state dict (a Map or plain object of name → Tensor), got ${describe(stateDict)}.`);
  }
  if (stateDict instanceof Map) {
    // `sd['bias'] = t` on the Map that stateDict() returns sets a property the Map ignores: refused, not dropped.
    const stray = Object.keys(stateDict);
    if (stray.length) {
      throw new Error(
        `${op}: the state dict is a Map with properties ${quoteList(stray)} set on it, which are not entries; ` +
          `use sd.set(${JSON.stringify(stray[0])}, tensor) instead of sd[${JSON.stringify(stray[0])}] = tensor.`,
      );
    }
  }
  const entries: [string, unknown][] = stateDict instanceof Map ? [...stateDict.entries()] : Object.entries(stateDict);
  const out = new Map<string, Tensor>();
  for (const [name, value] of entries) {
    if (!(value instanceof Tensor)) throw new Error(`${op}: the state dict entry '${name}' is ${describe(value)}, not a Tensor.`);
    out.set(name, value);
  }
  return out;
}

function moduleTarget(target: ModuleTarget, op: string): { dtype?: DType; device?: string } {
  const devices = listDevices();
  const dtypeOf = (d: string): DType => {
    if (!isFloating(d as DType)) {
      throw new Error(`${op}: only accepts floating point dtypes (float32, float64), but got dtype '${d}'. Convert integer tensors one by one with t.to(...).`);
    }
    return d as DType;
  };
  if (typeof target === 'string') {
    if ((DTYPES as readonly string[]).includes(target)) return { dtype: dtypeOf(target) };
    if (devices.includes(target)) return { device: target };
    throw new Error(`${op}: unknown dtype or device '${target}'. Use float32 or float64, or a device (${devices.map((d) => `'${d}'`).join(', ')}).`);
  }
  if (target === null || typeof target !== 'object' || target instanceof Tensor || Array.isArray(target)) {
    throw new Error(`${op}: expected a dtype, a device name or { dtype, device }, got ${describe(target)}.`);
  }
  const out: { dtype?: DType; device?: string } = {};
  for (const [k, v] of Object.entries(target)) {
    if (v === undefined) continue;
    if (k === 'dtype') {
      if (typeof v !== 'string' || !(DTYPES as readonly string[]).includes(v)) throw new Error(`${op}: option 'dtype' must be a dtype (${DTYPES.join(', ')}), got ${describe(v)}.`);
      out.dtype = dtypeOf(v);
    } else if (k === 'device') {
      if (typeof v !== 'string' || !devices.includes(v)) throw new Error(`${op}: option 'device' must be a device (${devices.map((d) => `'${d}'`).join(', ')}), got ${describe(v)}.`);
      out.device = v;
    } else {
      throw new Error(`${op}: unknown option '${k}'; the options are dtype, device.`);
    }
  }
  return out;
}

/** Point `t` at `data`'s elements, as PyTorch's `t.data = data`: the tensor object (a Parameter held elsewhere) stays. */
function replaceData(t: Tensor, data: Tensor): void {
  const w = t as unknown as { storage: Storage; shape: Shape; dtype: DType; strides: readonly number[]; offset: number; _grad: Tensor | null; _base: Tensor | null };
  w._grad = null;
  w.storage = data.storage;
  w.shape = data.shape;
  w.dtype = data.dtype;
  w.strides = data.strides;
  w.offset = data.offset;
  w._base = null;
}

function quoteList(keys: readonly string[]): string {
  return keys.map((k) => `'${k}'`).join(', ');
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v instanceof Tensor) return `a Tensor of shape ${fmtShape(v.shape)}`;
  if (typeof v === 'object') return `an instance of ${v.constructor?.name ?? 'Object'}`;
  return `a ${typeof v}`;
}
