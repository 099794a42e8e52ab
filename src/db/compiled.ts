import { type Compilable, CompiledQuery, type Kysely } from 'kysely';

/**
 * A query whose SQL text does not depend on its arguments, built and compiled by kysely once and
 * then run with each call's values. For a one-row read, building and compiling kysely's query tree
 * cost the service more CPU than pg's whole round trip (README "Performance": 12 % of the service's
 * CPU per member read), and the text comes out the same every time.
 *
 * `build` runs once (per dialect adapter), with a marker string in place of each argument. It must
 * use its arguments only as values: a bound parameter, or part of one (`member:${id}:points`),
 * never to choose the query's shape. Each parameter of the compiled query is then rebuilt per call
 * with the arguments in place of their markers. An argument whose marker reaches the SQL text, or
 * no parameter at all, throws at the first call: it shaped the query or was dropped.
 */
export function compiledOnce<D, A extends string[], O>(build: (db: Kysely<D>, ...args: A) => Compilable<O>) {
  const cache = new Map<unknown, { sql: string; params: ((args: A) => unknown)[] }>();
  return async (db: Kysely<D>, ...args: A): Promise<O[]> => {
    const adapter = db.getExecutor().adapter.constructor;
    let compiled = cache.get(adapter);
    if (!compiled) {
      compiled = compile(db, build, args.length);
      cache.set(adapter, compiled);
    }
    const result = await db.executeQuery<O>(CompiledQuery.raw(compiled.sql, compiled.params.map((p) => p(args))));
    return result.rows;
  };
}

// Characters no argument of a query carries (ids, account ids, tenant ids are printable text).
const marker = (i: number) => `\u0001${i}\u0002`;
const MARKER = /\u0001(\d+)\u0002/;

function compile<D, A extends string[], O>(db: Kysely<D>, build: (db: Kysely<D>, ...args: A) => Compilable<O>, arity: number) {
  const markers = Array.from({ length: arity }, (_, i) => marker(i)) as A;
  const { sql, parameters } = build(db, ...markers).compile();
  if (MARKER.test(sql)) throw new Error(`compiledOnce: an argument became part of the SQL text: ${sql.slice(0, 200)}`);
  const used = new Set<number>();
  const params = parameters.map((value): ((args: A) => unknown) => {
    if (typeof value !== 'string' || !value.includes('\u0001')) return () => value;
    // The value split around its markers: even places are fixed text, odd places argument numbers.
    const parts = value.split(MARKER);
    for (let i = 1; i < parts.length; i += 2) used.add(Number(parts[i]));
    if (parts.length === 3 && parts[0] === '' && parts[2] === '') {
      const at = Number(parts[1]);
      return (args) => args[at];
    }
    return (args) => parts.map((p, i) => (i % 2 === 1 ? args[Number(p)] : p)).join('');
  });
  for (let i = 0; i < arity; i++) if (!used.has(i)) throw new Error(`compiledOnce: argument ${i} is in no parameter`);
  return { sql, params };
}
