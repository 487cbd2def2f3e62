// `npm run docs`: the API reference, built by TypeDoc from the TSDoc in src/ (options in typedoc.json) into
// docs/api/ (git-ignored), or into the folder given as `--out DIR`. Fails on any warning: a broken {@link}, an
// undocumented export or member, a public type that is not exported, or an export with no place in the
// README's API overview.
//
// What TypeDoc cannot see on its own, this script adds while it converts:
// - every export's category, the README's overview rows, from the file it is declared in (FILE_CATEGORIES
//   below, else the folder and file-name rules of PATH_RULES, so that a new file in a known folder needs no line)
//   or, for the op functions generated into src/ops/api.generated.ts, from the family file of its op table entry
//   (the same rules) or its composite's name (COMPOSITE_CATEGORIES); inside `nn`, the layer rows (NN_RULES); an
//   explicit `@category` tag in the TSDoc wins;
// - the TSDoc of the Tensor methods that `installOps` derives from the op table (a mapped type, so they carry no
//   comment of their own): the op's doc and example, and a link to its function;
// - the members of anonymous object types (the variants of a union) are exempt from needing their own TSDoc;
// - OP_TABLE's type, shown as `Record<Primitive, OpDef>` instead of every entry's inferred type, and the kernel
//   name types (`keyof typeof UNARY_KERNELS`, …) as the unions of names they are.
//
// `npm run docs -- --list-filler` also lists the @example blocks that only call a function on placeholders
// (`exp(x)`): they teach nothing and should show a result or a use.
import { readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type ts from 'typescript';
import {
  Application, Comment, CommentTag, Context, Converter, DeclarationReflection, i18n, LiteralType, NamedTupleMember, OptionalType,
  ParameterReflection, ReferenceType, ReflectionFlag, ReflectionKind, ReflectionType, RestType, TupleType, UnionType,
  TSConfigReader, TypeDocReader, type CommentDisplayPart, type Reflection,
} from 'typedoc';
import { BINARY_KERNELS, REDUCE_KERNELS, UNARY_KERNELS } from '../src/kernels/catalog.js';
import { COMPOSITES } from '../src/ops/composite.js';
import { INPLACE_OPS } from '../src/ops/inplace.js';
import { OP_TABLE } from '../src/ops/table.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const out = outIndex >= 0 ? resolve(args[outIndex + 1] ?? '') : undefined;
const listFiller = args.includes('--list-filler');

/**
 * The README's API overview rows, by the file an export is declared in (paths relative to the repository). Files
 * not listed here fall to PATH_RULES below, so a new file in a known folder needs no line.
 */
const FILE_CATEGORIES: Record<string, string> = {
  'src/tensor.ts': 'Tensors',
  'src/creation.ts': 'Tensors',
  'src/random.ts': 'Randomness',
  'src/sampling.ts': 'Randomness',
  'src/dtype.ts': 'Tensors',
  'src/shape.ts': 'Tensors',
  'src/format.ts': 'Tensors',
  'src/ops/buffers.ts': 'Tensors',
  'src/storage.ts': 'Tensors',
  'src/ops/cast.ts': 'Tensors',
  'src/ops/where.ts': 'Elementwise',
  'src/ops/inplace.ts': 'In place',
  'src/ops/table.ts': 'The op table',
  'src/ops/define.ts': 'The op table',
  'src/autograd/record.ts': 'The op table',
  'src/autograd/transforms.ts': 'Transforms',
  'src/autograd/func.ts': 'Transforms',
  'src/autograd/custom.ts': 'Transforms',
  'src/autograd/gradcheck.ts': 'Transforms',
  'src/autograd/checkpoint.ts': 'Memory',
  'src/autograd/revolve.ts': 'Memory',
  'src/autograd/memory.ts': 'Memory',
  'src/autograd/profiler.ts': 'Measuring and drawing',
  'src/linalg.ts': 'Linear algebra',
  'src/ops/signatures.ts': 'Reductions',
  'src/options.ts': 'nn, optim, data',
};

/**
 * Files that FILE_CATEGORIES does not list, by folder and name, first match wins: the op families by the names
 * their files take (reduce…, scan, sort…; index…, slicing; linalg…), then whole folders (everything under src/nn/,
 * src/optim/, src/data/ is "nn, optim, data" at the top level, src/kernels/ "Backends", src/autograd/ "Autograd").
 * An export that matches nothing fails the build with the line to add (see docs/ARCHITECTURE.md).
 */
const PATH_RULES: readonly (readonly [RegExp, string])[] = [
  [/^src\/ops\/(unary|binary|ternary|elementwise|bitwise|compare)/, 'Elementwise'],
  [/^src\/ops\/(reduce|reduction|norms|scan|selection|sort|statistics|moments)/, 'Reductions'],
  [/^src\/ops\/(matmul|linalg|einsum|diagonal)/, 'Linear algebra'],
  [/^src\/ops\/(conv|pool|sampling|upsampl)/, 'Convolution'],
  [/^src\/ops\/(movement|index|slicing|gather|scatter|pad)/, 'Movement and indexing'],
  [/^src\/ops\/(softmax|loss)/, 'Softmax and losses'],
  [/^src\/ops\/(normalization|attention|embedding)/, 'Layers'],
  [/^src\/ops\/(recurrent|rnn|lstm|gru)/, 'Recurrent layers'],
  [/^src\/(nn|optim|data)\//, 'nn, optim, data'],
  [/^src\/onnx\//, 'nn, optim, data'],
  [/^src\/(kernels\/|webgpu|devices?\b)/, 'Backends'],
  [/^src\/autograd\//, 'Autograd'],
  [/^src\/viz\//, 'Measuring and drawing'],
];

/** The category of a file: FILE_CATEGORIES, else the first of PATH_RULES that matches. */
function categoryOfFile(file: string): string | undefined {
  return FILE_CATEGORIES[file] ?? PATH_RULES.find(([re]) => re.test(file))?.[1];
}

/**
 * Inside the `nn` namespace, the README's rows for layers: its classes and types by file (first match wins);
 * everything else in src/nn/ (Module, Linear, Sequential, the containers, functional, init) is "Modules".
 */
const NN_RULES: readonly (readonly [RegExp, string])[] = [
  [/^src\/nn\/recurrent/, 'Recurrent layers'],
  [/^src\/nn\/(conv|pool|upsampl|sampling)/, 'Convolution'],
  [/^src\/nn\/(loss|distance)/, 'Softmax and losses'],
  [/^src\/nn\/(normalization|norm-|embedding|attention|transformer|activation)/, 'Layers'],
];

/** Exports that a file shares with exports of another row, by name (they win over FILE_CATEGORIES). */
const NAME_CATEGORIES: Record<string, string> = {
  rand: 'Randomness', randn: 'Randomness', randint: 'Randomness', randperm: 'Randomness', randLike: 'Randomness',
  randnLike: 'Randomness', randintLike: 'Randomness', RandomOptions: 'Randomness',
  WebgpuInitOptions: 'Backends', WebgpuInfo: 'Backends',
};

/** The composites of src/ops/composite.ts, which span several rows, by name. */
const COMPOSITE_CATEGORIES: Record<string, string> = {
  square: 'Elementwise', rsqrt: 'Elementwise', reciprocal: 'Elementwise',
  logicalNot: 'Elementwise', logicalAnd: 'Elementwise', logicalOr: 'Elementwise', logicalXor: 'Elementwise',
  transpose: 'Movement and indexing', view: 'Movement and indexing', expandAs: 'Movement and indexing',
  squeeze: 'Movement and indexing', unsqueeze: 'Movement and indexing', flatten: 'Movement and indexing',
  contiguous: 'Movement and indexing', stack: 'Movement and indexing',
  float: 'Tensors', double: 'Tensors', int: 'Tensors',
};

/** The namespaces of the main entry. */
const NAMESPACE_CATEGORIES: Record<string, string> = {
  nn: 'nn, optim, data', optim: 'nn, optim, data', data: 'nn, optim, data', func: 'Transforms', linalg: 'Linear algebra', webgpu: 'Backends',
};

interface OpDoc {
  readonly doc: string;
  readonly example: string;
  /** The file of the family that holds it (src/ops/…), where it is a primitive or an in-place op. */
  readonly file: string;
}

/**
 * Every op's doc and example, and the file of its family: found by importing each module of src/ops/. An entry
 * that a family file defines and composite.ts collects belongs to the family file.
 */
async function opDocs(): Promise<Map<string, OpDoc>> {
  const fileOf = new Map<unknown, string>();
  const opsDir = join(root, 'src', 'ops');
  for (const name of readdirSync(opsDir).filter((n) => n.endsWith('.ts') && !n.endsWith('.generated.ts') && n !== 'table.ts')) {
    const mod = (await import(pathToFileURL(join(opsDir, name)).href)) as Record<string, unknown>;
    for (const value of Object.values(mod)) {
      if (typeof value !== 'object' || value === null) continue;
      for (const entry of Object.values(value)) {
        if (typeof entry !== 'object' || entry === null) continue;
        if (!fileOf.has(entry) || fileOf.get(entry) === 'src/ops/composite.ts') fileOf.set(entry, `src/ops/${name}`);
      }
    }
  }
  const docs = new Map<string, OpDoc>();
  const all: Record<string, { doc: string; example: string }>[] = [OP_TABLE, COMPOSITES, INPLACE_OPS];
  for (const table of all) {
    for (const [name, e] of Object.entries(table)) docs.set(name, { doc: e.doc, example: e.example, file: fileOf.get(e) ?? '' });
  }
  return docs;
}

const ops = await opDocs();
const problems: string[] = [];

function fileOfReflection(r: Reflection): string | undefined {
  const d = r as DeclarationReflection;
  const source = d.sources?.[0] ?? d.signatures?.[0]?.sources?.[0];
  return source ? relative(root, source.fullFileName) : undefined;
}

function categoryOf(r: DeclarationReflection): string | undefined {
  if (r.kindOf(ReflectionKind.Namespace)) return NAMESPACE_CATEGORIES[r.name];
  const file = fileOfReflection(r);
  if (file === 'src/ops/api.generated.ts') {
    const op = ops.get(r.name);
    if (!op) return undefined;
    return op.file === 'src/ops/composite.ts' ? COMPOSITE_CATEGORIES[r.name] : categoryOfFile(op.file);
  }
  return NAME_CATEGORIES[r.name] ?? (file ? categoryOfFile(file) : undefined);
}

const text = (t: string): CommentDisplayPart[] => [{ kind: 'text', text: t }];
const code = (t: string): CommentDisplayPart[] => [{ kind: 'code', text: `\`\`\`ts\n${t}\n\`\`\`` }];

/**
 * The op functions and methods are typed as `(...args: Args) => R` with `Args` inferred from the entry's `call`
 * (a mapped type), which TypeDoc shows as `exp(...args: [Tensor])`. TypeScript keeps the parameter names as the
 * tuple's labels: turn the tuple back into named parameters, `exp(x: Tensor)`.
 */
function nameParameters(context: Context, holder: DeclarationReflection): void {
  const symbol = context.getSymbolFromReflection(holder);
  const signatures = holder.signatures ?? (holder.type instanceof ReflectionType ? holder.type.declaration.signatures : undefined);
  if (!symbol || !signatures || signatures.length !== 1) return;
  const signature = signatures[0]!;
  const [rest, ...others] = signature.parameters ?? [];
  if (!rest || others.length || !rest.flags.isRest || !(rest.type instanceof TupleType)) return;
  const checker = context.programs[0]!.getTypeChecker();
  const tsSignatures = checker.getTypeOfSymbol(symbol).getCallSignatures();
  const tsRest = tsSignatures.length === 1 ? tsSignatures[0]!.parameters[0] : undefined;
  const tuple = tsRest ? checker.getTypeOfSymbol(tsRest) : undefined;
  const target = (tuple as ts.TypeReference | undefined)?.target as ts.TupleType | undefined;
  const labels = target?.labeledElementDeclarations;
  if (!labels || labels.length !== rest.type.elements.length) return;
  const params = rest.type.elements.map((element, i) => {
    const label = labels[i];
    const p = new ParameterReflection(label?.name.getText() ?? `arg${i}`, ReflectionKind.Parameter, signature);
    let type = element instanceof NamedTupleMember ? element.element : element;
    if (type instanceof OptionalType || type instanceof RestType) type = type.elementType;
    // ts.ElementFlags: Optional = 2, Rest = 4.
    const flags = target?.elementFlags[i] ?? 1;
    if (flags & 2) p.setFlag(ReflectionFlag.Optional, true);
    if (flags & 4) p.setFlag(ReflectionFlag.Rest, true);
    p.type = type;
    context.project.registerReflection(p, undefined, undefined);
    return p;
  });
  context.project.removeReflection(rest);
  signature.parameters = params;
}

/**
 * Whether an export has TSDoc of its own (a function on its signatures). Checked before a category is added:
 * TypeDoc counts a comment holding only the added `@category` tag as documentation.
 */
function documented(r: DeclarationReflection): boolean {
  const signatures = [...r.getNonIndexSignatures(), ...(r.type instanceof ReflectionType ? r.type.declaration.getNonIndexSignatures() : [])];
  return r.hasComment() || signatures.some((s) => s.hasComment());
}

/** Adds an export's category, or records why it cannot (no TSDoc: the tag alone would pass for it). */
function addCategory(r: DeclarationReflection, category: string): void {
  if (!documented(r)) {
    problems.push(`the export '${r.getFriendlyFullName()}' (${fileOfReflection(r) ?? '?'}) has no TSDoc summary`);
    return;
  }
  r.comment ??= new Comment();
  r.comment.blockTags.push(new CommentTag('@category', text(category)));
}

/** Categories, op method docs and OP_TABLE's shown type, added before TypeDoc resolves links and groups. */
function complete(context: Context): void {
  const project = context.project;
  const main = project.children?.find((m) => m.name === 'adjoint');
  if (!main) throw new Error("docs: no module named adjoint (src/index.ts, `@module adjoint`) among the entry points");
  // Inside `nn`: the layer rows of the README, else "Modules".
  const nn = main.children?.find((r) => r.name === 'nn' && r.kindOf(ReflectionKind.Namespace));
  for (const r of nn?.children ?? []) {
    if (r.comment?.getTag('@category')) continue;
    const file = fileOfReflection(r) ?? '';
    addCategory(r, NN_RULES.find(([re]) => re.test(file))?.[1] ?? 'Modules');
  }
  for (const module of project.children ?? []) {
    for (const r of module.children ?? []) {
      if (r.comment?.getTag('@category')) continue;
      if (module !== main) continue; // adjoint/node: two functions, no categories needed
      const category = categoryOf(r);
      if (!category) {
        const file = fileOfReflection(r) ?? '?';
        const op = ops.get(r.name);
        problems.push(op
          ? `the op '${r.name}' (${op.file === 'src/ops/composite.ts' ? 'a composite' : `family file ${op.file || '?'}`}) has no category: add ${op.file === 'src/ops/composite.ts' ? `'${r.name}' to COMPOSITE_CATEGORIES` : `'${op.file}' to FILE_CATEGORIES or PATH_RULES`} in scripts/docs.ts`
          : `the export '${r.name}' (${file}) has no category: add '${file}' to FILE_CATEGORIES or a rule to PATH_RULES in scripts/docs.ts, or give it an @category tag`);
        continue;
      }
      addCategory(r, category);
      if (fileOfReflection(r) === 'src/ops/api.generated.ts') nameParameters(context, r);
    }
  }

  // The Tensor methods derived from the op table: the op's doc and example, and a link to the function.
  const functions = new Map((main.children ?? []).map((r) => [r.name, r]));
  const tensorLike = (c: DeclarationReflection): boolean => c.name === 'Tensor' || (c.extendedTypes ?? []).some((t) => t.toString() === 'Tensor');
  for (const r of project.getReflectionsByKind(ReflectionKind.Class) as DeclarationReflection[]) {
    if (!tensorLike(r)) continue;
    for (const m of r.children ?? []) {
      const op = ops.get(m.name);
      if (!op || m.comment || m.sources?.length) continue;
      const fn = functions.get(m.name);
      const summary: CommentDisplayPart[] = [...text(op.doc)];
      if (fn) summary.push(...text(' The method form of '), { kind: 'inline-tag', tag: '@link', text: m.name, target: fn }, ...text('.'));
      m.comment = new Comment(summary, [new CommentTag('@example', code(op.example))]);
      m.comment.blockTags.push(new CommentTag('@group', text('Ops')));
      nameParameters(context, m);
    }
  }

  // OP_TABLE: its inferred type lists every entry with its private attribute types; show what it is instead.
  const table = main.children?.find((r) => r.name === 'OP_TABLE');
  const primitive = main.children?.find((r) => r.name === 'Primitive');
  const opDef = main.children?.find((r) => r.name === 'OpDef');
  if (table && primitive && opDef) {
    if (table.type instanceof ReflectionType) project.removeReflection(table.type.declaration);
    const record = ReferenceType.createBrokenReference('Record', project, 'typescript');
    record.typeArguments = [
      ReferenceType.createResolvedReference('Primitive', primitive, project),
      ReferenceType.createResolvedReference('OpDef', opDef, project),
    ];
    table.type = record;
  }

  // The kernel names: `keyof typeof UNARY_KERNELS` and so on, shown as the names themselves.
  for (const [alias, catalog] of [['UnaryKernel', UNARY_KERNELS], ['BinaryKernel', BINARY_KERNELS], ['ReduceKernel', REDUCE_KERNELS]] as const) {
    const r = main.children?.find((c) => c.name === alias);
    if (r) r.type = new UnionType(Object.keys(catalog).map((k) => new LiteralType(k)));
  }
}

const app = await Application.bootstrapWithPlugins(out ? { out } : {}, [new TypeDocReader(), new TSConfigReader()]);
app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => complete(context));
// TypeDoc links each "Defined in" to the file at the host of the git remote; a checkout with none (a worktree or a
// copy with no `origin`) gets the same paths and lines without links. That is the checkout's state, not a fault of
// the docs: say so, and do not count it as a warning.
const noRemote = String(i18n.git_remote_0_not_valid(app.options.getValue('gitRemote')));
const warn = app.logger.warn.bind(app.logger) as (text: string, ...args: unknown[]) => void;
app.logger.warn = ((text: string, ...args: unknown[]): void => {
  if (text === noRemote) console.log(`note: no git remote '${app.options.getValue('gitRemote')}': "Defined in" shows paths without links`);
  else warn(text, ...args);
}) as typeof app.logger.warn;

const project = await app.convert();
let failed = !project || app.logger.hasErrors() || app.logger.hasWarnings();
if (project) {
  // Members of anonymous object types (`{ kind: 'advance'; from: number }` in a union) are described by the
  // TSDoc of the type they belong to; every other member needs its own.
  const anonymous = new Set<string>();
  for (const r of Object.values(project.reflections)) {
    // Properties and signatures are what TypeDoc checks (a method through its signatures).
    if (!r.kindOf(ReflectionKind.Property | ReflectionKind.CallSignature) || r.hasComment() || r.parent?.hasComment()) continue;
    // A function type's own signature is checked through what holds it, and parameters' types not at all.
    if (r.kindOf(ReflectionKind.CallSignature) && r.parent?.kindOf(ReflectionKind.TypeLiteral)) continue;
    let inParameter = false;
    for (let p = r.parent; p; p = p.parent) if (p.kindOf(ReflectionKind.Parameter)) inParameter = true;
    if (inParameter) continue;
    for (let p = r.parent; p; p = p.parent) {
      if (p.kindOf(ReflectionKind.TypeLiteral)) {
        anonymous.add(r.getFriendlyFullName());
        break;
      }
    }
  }
  app.options.setValue('intentionallyNotDocumented', [...anonymous]);
  app.validate(project);
  if (app.logger.hasErrors() || app.logger.hasWarnings()) failed = true;
}
for (const p of problems) console.error(`[error] ${p}`);
if (problems.length) failed = true;

if (listFiller) {
  // An example that is one call on plain names and shows no result: `exp(x)`, `zerosLike(x)`, `model.train()`.
  const filler = /^[\w.]+\((?:\s*[A-Za-z_]\w*\s*(?:,(?!\s*\))|(?=\))))*\);?$/;
  const list = new Set<string>();
  for (const r of project ? Object.values(project.reflections) : []) {
    const file = fileOfReflection(r);
    if (!file) continue; // the op methods repeat their function's example
    for (const t of (r.comment?.blockTags ?? []).filter((t) => t.tag === '@example')) {
      const body = Comment.combineDisplayParts(t.content).replace(/^```\w*\n?|```$/g, '').trim().replace(/^`(.*)`$/, '$1');
      if (!body.includes('\n') && filler.test(body)) list.add(`${file}: ${body}`);
    }
  }
  console.log(`${list.size} filler examples (one call on plain names that shows no result):\n${[...list].sort().join('\n')}`);
}

if (failed || !project) {
  console.error('\nnpm run docs: failed. Every export and every public member needs a TSDoc summary, every {@link} a target, ' +
    'every type in a public signature an export, and every export a category (scripts/docs.ts). Fix the lines above.');
  process.exit(1);
}
await app.generateOutputs(project);
console.log(`API reference written to ${relative(process.cwd(), app.options.getValue('out')) || '.'}`);
