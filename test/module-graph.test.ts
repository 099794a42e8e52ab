import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import madge from 'madge';
import t from 'tap';

// The import graph of src, read by madge (type-only imports included): no cycle between files or
// between folders, who-is-calling (src/auth) a leaf, and the ledger free of HTTP. A folder is a
// module (src/ledger, src/members, …); a file directly in src (app.ts, problems.ts, …) is its own.

const SRC = path.resolve(import.meta.dirname, '..', 'src');
const TSCONFIG = path.resolve(import.meta.dirname, '..', 'tsconfig.json');

type Graph = Record<string, string[]>;

async function fileGraph(dir: string, tsConfig?: string): Promise<{ graph: Graph; circular: string[][] }> {
  const result = await madge(dir, {
    fileExtensions: ['ts'],
    ...(tsConfig ? { tsConfig } : {}),
    detectiveOptions: { ts: { skipTypeImports: false, skipAsyncImports: false } },
  });
  return { graph: result.obj(), circular: result.circular() };
}

/** The module of a file: its first folder under src, or the file itself when it sits in src. */
const moduleOf = (file: string) => (file.includes('/') ? file.slice(0, file.indexOf('/')) : file);

/** Cycles between modules: each strongly connected set of two or more modules (Tarjan), sorted. */
export function moduleCycles(graph: Graph): string[][] {
  const edges = new Map<string, Set<string>>();
  for (const [file, deps] of Object.entries(graph)) {
    const from = moduleOf(file);
    if (!edges.has(from)) edges.set(from, new Set());
    for (const dep of deps) if (moduleOf(dep) !== from) edges.get(from)!.add(moduleOf(dep));
  }
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const set: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        set.push(w);
      } while (w !== v);
      if (set.length > 1) cycles.push(set.sort());
    }
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

t.test('the checks see a cycle where there is one', async (t) => {
  // A fixture with a cycle between files of two folders: madge and the module check must both say so.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'module-graph-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.mkdirSync(path.join(dir, 'a'));
  fs.mkdirSync(path.join(dir, 'b'));
  fs.writeFileSync(path.join(dir, 'a', 'one.ts'), "import type { Two } from '../b/two';\nexport type One = Two | 1;\n");
  fs.writeFileSync(path.join(dir, 'b', 'two.ts'), "import { three } from '../a/three';\nexport type Two = 2;\nexport const two = three;\n");
  fs.writeFileSync(path.join(dir, 'a', 'three.ts'), 'export const three = 3;\n');
  const { graph, circular } = await fileGraph(dir);
  t.same(circular, [], 'no cycle between files');
  t.same(moduleCycles(graph), [['a', 'b']], 'a cycle between folders, through a type-only import');
  fs.writeFileSync(path.join(dir, 'a', 'three.ts'), "import type { One } from './one';\nexport const three: One = 1;\n");
  const again = await fileGraph(dir);
  t.equal(again.circular.length, 1, 'a cycle between files');
});

t.test('src has no import cycle, between files or between folders', async (t) => {
  const { graph, circular } = await fileGraph(SRC, TSCONFIG);
  t.ok(Object.keys(graph).length > 50, `madge read the sources (${Object.keys(graph).length} files)`);
  t.ok(graph['app.ts']?.includes('http/problemDetails.ts'), 'imports written with .js resolve to the .ts files');
  t.same(circular, [], 'no cycle between files');
  t.same(moduleCycles(graph), [], 'no cycle between folders');
});

t.test('who is calling (src/auth) is a leaf; the ledger knows nothing of HTTP', async (t) => {
  const { graph } = await fileGraph(SRC, TSCONFIG);
  const importsOf = (folder: string) => [...new Set(Object.entries(graph).filter(([f]) => f.startsWith(`${folder}/`)).flatMap(([, deps]) => deps.map(moduleOf)))].sort();
  // Infrastructure only: the database's types and the list of wire codes.
  t.same(importsOf('auth').filter((m) => !['auth', 'db', 'problems.ts'].includes(m)), [], 'auth imports no other module');
  t.notOk(importsOf('ledger').includes('http'), 'the ledger imports nothing of src/http');
  const usesFastify = fs.readdirSync(path.join(SRC, 'ledger')).filter((f) => /from 'fastify/.test(fs.readFileSync(path.join(SRC, 'ledger', f), 'utf8')));
  t.same(usesFastify, [], 'nor fastify');
});
