import { type Kysely, sql } from 'kysely';
import t from 'tap';
import { compiledOnce } from '../src/db/compiled.js';
import type { DB } from '../src/db/schema.js';
import { engines, setup } from './helpers/harness.js';

// compiledOnce (src/db/compiled.ts): a query built and compiled once, run with each call's values,
// on the database as it is. The member read (GET /v1/members/{id}) is one; the API tests read
// members through it.

const tagged = compiledOnce((db: Kysely<DB>, tenantId: string, label: string) =>
  db
    .selectFrom('tenants')
    .select([sql<string>`${`pre:${label}:post`}::text`.as('wrapped'), sql<string>`${label}::text`.as('bare'), 'tenant_id'])
    .where('tenant_id', '=', tenantId),
);

for (const engine of engines) {
  t.test(`compiledOnce on ${engine}`, async (t) => {
    const h = await setup(t, engine);
    const db = h.database.db;

    t.test("each call runs with its own values, whole or inside a parameter's text", async (t) => {
      t.same(await tagged(db, h.tenantId, 'one'), [{ wrapped: 'pre:one:post', bare: 'one', tenant_id: h.tenantId }]);
      t.same(await tagged(db, h.tenantId, 'two'), [{ wrapped: 'pre:two:post', bare: 'two', tenant_id: h.tenantId }]);
      t.same(await tagged(db, 'no-such-tenant', 'one'), [], 'the filter takes the value of this call');
      // Text that looks like SQL or like a marker's neighbours stays a value.
      t.same((await tagged(db, h.tenantId, "x'); DROP TABLE tenants; --"))[0]?.bare, "x'); DROP TABLE tenants; --");
    });

    t.test('in a transaction, as on the pool', async (t) => {
      const rows = await db.transaction().execute((trx) => tagged(trx, h.tenantId, 'trx'));
      t.same(rows, [{ wrapped: 'pre:trx:post', bare: 'trx', tenant_id: h.tenantId }]);
    });

    t.test('an argument that shapes the query is refused, not run with the first call’s shape', async (t) => {
      const shaped = compiledOnce((db: Kysely<DB>, tenantId: string, mode: string) =>
        mode === 'all' ? db.selectFrom('tenants').select('tenant_id') : db.selectFrom('tenants').select('tenant_id').where('tenant_id', '=', tenantId),
      );
      await t.rejects(shaped(db, h.tenantId, 'all'), /argument 1 is in no parameter/);
      const inText = compiledOnce((db: Kysely<DB>, column: string) => db.selectFrom('tenants').select(sql.ref(column).as('x')));
      await t.rejects(inText(db, 'tenant_id'), /became part of the SQL text/);
    });
  });
}
