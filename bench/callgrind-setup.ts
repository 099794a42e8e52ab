import fs from 'node:fs';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openDatabase } from '../src/db/database.js';
import { migrator } from '../src/db/migrate.js';
import { createTenant } from '../src/tenants/tenants.js';
import { setUpXferAccounts, XFER_ACCOUNTS } from './baselines.js';

// Sets up one database for bench/callgrind.sh (instructions per call of the write path): the
// schema migrated up to --to (default the latest), the benchmark's 10,000 funded transfer
// accounts, the sqlcost issuance and member accounts (members' own ones too), 3,000 transfers and
// 3,000 awards posted, the bare transfer's own schema (bench/sql/transfer.sql, the `xfer` shape)
// with 3,000 of its transfers, VACUUM ANALYZE.
// The database must exist and be empty; --url names it.
const { values } = parseArgs({ options: { url: { type: 'string' }, to: { type: 'string' } } });
const url = values.url!;

const database = await openDatabase({ engine: 'postgres', url, poolSize: 2 });
const m = migrator(database.db);
const { error } = values.to ? await m.migrateTo(values.to) : await m.migrateToLatest();
if (error) throw error;
await createTenant(database.db, { id: 'cost', name: 'cost' });
await database.close();
await setUpXferAccounts(url, 'cost');
const c = new pg.Client({ connectionString: url });
await c.connect();
await c.query(`INSERT INTO ledger_accounts (tenant_id, account_id, unit, type, allow_negative, slots) VALUES
  ('cost', 'iss.h', 'HOURS', 'issuance', true, 1), ('cost', 'iss.p', 'POINTS', 'issuance', true, 1)`);
await c.query(`INSERT INTO ledger_accounts (tenant_id, account_id, unit, type, allow_negative, slots)
  SELECT 'cost', 'mh.' || g, 'HOURS', 'member', false, 1 FROM generate_series(1, ${XFER_ACCOUNTS}) g`);
// Members' own accounts (the `award16` shape): a credit of member:<id>:points opens a lot.
await c.query(`INSERT INTO ledger_accounts (tenant_id, account_id, unit, type, allow_negative, slots)
  SELECT 'cost', 'member:c' || g || ':' || lower(u), u, 'member', false, 1
  FROM generate_series(1, ${XFER_ACCOUNTS}) g CROSS JOIN (VALUES ('HOURS'), ('POINTS')) AS units(u)`);
await c.query(`INSERT INTO ledger_balances (tenant_id, account_id, slot, allow_negative)
  SELECT tenant_id, account_id, 0, allow_negative FROM ledger_accounts
  WHERE account_id LIKE 'iss.%' OR account_id LIKE 'mh.%' OR account_id LIKE 'member:%'`);
for (let i = 0; i < 3000; i++) {
  const a = 1 + ((i * 7919) % XFER_ACCOUNTS);
  const b = 1 + ((i * 104729 + 17) % XFER_ACCOUNTS);
  await c.query(`SELECT entry_id FROM ledger_post('cost', 'transfer', now(), NULL, NULL, NULL, NULL, NULL, NULL, NULL, $1::text[], ARRAY['POINTS','POINTS'], ARRAY[-1.00, 1.00]::numeric[])`,
    [[`xfer.${a}`, `xfer.${b === a ? (a % XFER_ACCOUNTS) + 1 : b}`]]);
}
// And 3,000 awards on members' own accounts: lots in their tables, as a county's are, so that
// the lots step and the foreign key of a lot's moves are planned as index lookups.
for (let i = 0; i < 3000; i++) {
  const m = 1 + ((i * 104729 + 17) % XFER_ACCOUNTS);
  await c.query(`SELECT entry_id FROM ledger_post('cost', 'award', now(), NULL, NULL, NULL, NULL, NULL, NULL, NULL, $1::text[],
    ARRAY['HOURS','HOURS','POINTS','POINTS'], ARRAY[-0.10, 0.10, -1.00, 1.00]::numeric[])`,
    [['iss.h', `member:c${m}:hours`, 'iss.p', `member:c${m}:points`]]);
}
await c.query(fs.readFileSync(new URL('./sql/transfer.sql', import.meta.url), 'utf8'));
// As many bare transfers as ledger entries above, so that its foreign keys are planned as index
// lookups (on an empty table a generic plan scans it, and the scan grows with every call).
await c.query('SELECT count(xfer.transfer(1 + (g * 7919) % 10000, 1 + (g * 104729 + 17) % 10000, 1.00)) FROM generate_series(0, 2999) AS g');
await c.query('VACUUM ANALYZE');
await c.end();
