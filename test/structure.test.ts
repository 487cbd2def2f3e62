// The structure the redesign promises, checked: no import cycle (type-only imports included), no loop over
// tensor elements outside src/kernels/, the embedded WebAssembly named *.generated.ts, no comment that points to a
// file outside the repository, and every module importable on its own with every Tensor method in place.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

const files = filesUnder(src);
const rel = (p: string): string => relative(src, p);

/** Every relative import or re-export of a file (type-only ones included), resolved to a path under src/. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"`;]*?from\s*['"](\.[^'"]+)['"]|(?:^|\n)\s*import\s*['"](\.[^'"]+)['"]/g)) {
    const spec = (m[1] ?? m[2])!;
    out.push(resolve(dirname(file), spec).replace(/\.js$/, '.ts'));
  }
  return out.filter((p) => p.startsWith(src));
}

describe('structure of src/', () => {
  it('has no import cycle, type-only imports included', () => {
    const edges = new Map(files.map((f) => [f, importsOf(f)]));
    // Depth-first search with colours: a grey node reached again closes a cycle.
    const colour = new Map<string, 'grey' | 'black'>();
    const cycles: string[] = [];
    const visit = (f: string, path: string[]): void => {
      colour.set(f, 'grey');
      for (const g of edges.get(f) ?? []) {
        if (colour.get(g) === 'grey') cycles.push([...path.slice(path.indexOf(g)), f, g].map(rel).join(' → '));
        else if (!colour.has(g)) visit(g, [...path, f]);
      }
      colour.set(f, 'black');
    };
    for (const f of files) if (!colour.has(f)) visit(f, []);
    expect(cycles).toEqual([]);
  });

  it('runs no loop over tensor elements outside src/kernels/: ops, layers and optimizers only call the backend', () => {
    // Reading or writing storage elements, or making typed arrays to fill, in the op layer and above.
    // Reading a whole tensor back to loop over it on the host (`.data()`) counts too.
    const leak = /\.storage\.(?:buffer|data)\s*\[|arrayOf\(|new (?:Float32|Float64|Int32|Uint8)Array\s*\(\s*[^)\s]|\.data\(\)/;
    const found: string[] = [];
    for (const f of files) {
      const r = rel(f);
      // Host-side arrays that are not tensor elements: creation parses and draws values before they become a tensor;
      // dtype.ts is the host allocator; gradcheck keeps its Jacobians on the host; safetensors decodes file bytes;
      // the data loader reads its sampler's permutation (indices, not tensor elements) to pick rows; multinomial
      // (sampling.ts) draws categories from the weights on the host, as creation draws; onnx/bytes.ts encodes an ONNX
      // file's tensors as bytes, as safetensors does.
      if (r.startsWith('kernels/') || /^(creation|random|sampling|format|tensor|dtype)\.ts$|^nn\/(serialize|file|init)\.ts$|^onnx\/bytes\.ts$|^data\/index\.ts$|^autograd\/gradcheck\.ts$/.test(r)) continue;
      readFileSync(f, 'utf8').split('\n').forEach((line, i) => {
        const code = line.replace(/\/\/.*$/, '');
        if (!/^\s*\*/.test(line) && leak.test(code)) found.push(`${r}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(found).toEqual([]);
  });

  it('only the kernels see through a buffer handle', () => {
    const users = files.filter((f) => /\barrayOf\(/.test(readFileSync(f, 'utf8'))).map(rel).filter((r) => !r.startsWith('kernels/'));
    expect(users).toEqual([]);
  });

  it('names the embedded WebAssembly *.generated.ts, and nothing else embeds large blobs', () => {
    const blobs = files.filter((f) => (readFileSync(f, 'utf8').match(/^\s*['"`][A-Za-z0-9+/=]{60,}['"`]/gm) ?? []).length > 50).map(rel);
    expect(blobs.sort()).toEqual(['kernels/wasm/module-shared.generated.ts', 'kernels/wasm/module.generated.ts']);
  });

  it('has no comment that points to a file outside the repository', () => {
    const outside = /anchors\/|kernels\.md|perf\.md|features\.md|bench-workloads\.md|\.\.\/shared\//;
    const sources = [...files, ...filesUnder(join(root, 'assembly')), join(root, 'scripts', 'build-wasm.mjs')];
    const found = sources.filter((f) => outside.test(readFileSync(f, 'utf8'))).map((f) => relative(root, f));
    expect(found).toEqual([]);
  });
});

describe('every module works when imported alone', () => {
  // The Tensor methods are installed by autograd/record.ts as it loads (it is how ops run). The modules it loads
  // itself (the op layer: kernels, the op table, the engine) cannot import it back; every other module that deals
  // in tensors must load it, so that no code depends on src/index.ts having been loaded first.
  const closure = (start: string): Set<string> => {
    const seen = new Set<string>();
    const stack = [start];
    while (stack.length) {
      const f = stack.pop()!;
      for (const g of importsOf(f)) if (!seen.has(g)) { seen.add(g); stack.push(g); }
    }
    return seen;
  };
  const record = join(src, 'autograd/record.ts'), tensorModule = join(src, 'tensor.ts');
  const internals = closure(record);
  const users = files.filter((f) => f !== record && !internals.has(f) && closure(f).has(tensorModule));

  it('every module outside the op layer that deals in tensors loads the op table (statically)', () => {
    expect(users.filter((f) => !closure(f).has(record)).map(rel)).toEqual([]);
  });

  it.each(users.map(rel))('%s, imported first and alone, leaves every Tensor method in place', async (r) => {
    vi.resetModules();
    await import(join(src, r));
    const { Tensor } = await import(tensorModule);
    const proto = Tensor.prototype as unknown as Record<string, unknown>;
    const missing = ['add', 'mul', 'exp', 'sum', 'matmul', 'reshape', 'backward', 'add_', 'square', 'T'].filter((m) =>
      m === 'T' ? Object.getOwnPropertyDescriptor(proto, 'T') === undefined : typeof proto[m] !== 'function');
    expect(missing).toEqual([]);
  });

  it('a rule that calls a method runs even when only an op family was imported', async () => {
    vi.resetModules();
    const { UNARY_OPS } = await import(join(src, 'ops/unary.ts'));
    const { runOp } = await import(join(src, 'autograd/record.ts'));
    const { Tensor } = await import(tensorModule);
    const x = Tensor.fromHost(new Float64Array([0, 1]), [2], 'float64');
    x.requiresGrad = true;
    // exp's rule is g.mul(y): running the op at all went through record.ts, which installed the methods.
    const y = runOp(UNARY_OPS.exp, [x], undefined);
    y.backward(Tensor.fromHost(new Float64Array([1, 1]), [2], 'float64'));
    expect([...x.grad!.data()]).toEqual([1, Math.E]);
  });
});
