import { type Kysely, sql } from 'kysely';

// Not a migration: a helper for migrations that change a function in place. Migrations that use it
// are frozen, so a change here must give each of them the same result.

/**
 * Replaces each `from` by its `to` in the function's definition as it stands
 * (pg_get_functiondef), and runs the result (CREATE OR REPLACE) once. Each `from` must occur
 * exactly once, so that a definition other than the one the migration was written against stops
 * it instead of being changed somewhere else.
 */
export async function editFunction(db: Kysely<any>, migration: string, fn: string, edits: { from: string; to: string }[]): Promise<void> {
  const { rows } = await sql<{ def: string }>`SELECT pg_get_functiondef(${fn}::regproc) AS def`.execute(db);
  let def = rows[0]!.def;
  for (const { from, to } of edits) {
    const found = def.split(from).length - 1;
    if (found !== 1) throw new Error(`${migration}: ${fn} holds the text to replace ${found} times, not once`);
    def = def.replace(from, () => to);
  }
  await sql.raw(def).execute(db);
}
