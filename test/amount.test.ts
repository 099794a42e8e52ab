import { Decimal } from 'decimal.js';
import { sql } from 'kysely';
import t from 'tap';
import { formatAmount } from '../src/ledger/amount.js';
import { engines, setup } from './helpers/harness.js';

// formatAmount (src/ledger/amount.ts) passes a string that is already the wire form through
// untouched: what Postgres answers for a NUMERIC(20,2) column. Here Postgres itself writes the
// amounts (both signs, zero, up to 18 integer digits; as NUMERIC(20,2) and as a quotient with
// twenty decimals), and each must come out exactly as the Decimal path writes it; strings in any
// other form must still go through Decimal.

for (const engine of engines) {
  t.test(`amounts as Postgres writes them, on ${engine}`, async (t) => {
    const h = await setup(t, engine);
    const { rows } = await sql<{ scaled: string; bare: string }>`
      SELECT v::numeric(20, 2)::text AS scaled, (v * 3 / 3)::text AS bare
      FROM (SELECT (g * 7919 % 200001 - 100000) / 100.0 AS v FROM generate_series(0, 4000) AS g
            UNION ALL SELECT unnest(ARRAY[0, -0.0, 0.5, -0.5, 0.01, -0.01, 10, -10, 999999999999999999.99, -999999999999999999.99,
              123456789012345.6, 1.005, -2.675]::numeric[])) AS x`.execute(h.database.db);
    let same = 0;
    for (const r of rows) {
      for (const text of [r.scaled, r.bare]) {
        const expected = new Decimal(text).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2);
        if (formatAmount(text) === expected) same++;
        else t.fail(`${JSON.stringify(text)}: ${formatAmount(text)}, want ${expected}`);
      }
    }
    t.equal(same, rows.length * 2, 'every amount written as the Decimal path writes it');
    t.equal(formatAmount('-0.00'), '0.00', 'negative zero is written 0.00');
    const notWire: [string, string][] = [['00.50', '0.50'], ['0.5', '0.50'], ['12', '12.00'], ['1.005', '1.01'], ['-1.005', '-1.01'], ['1e3', '1000.00']];
    for (const [text, wire] of notWire) {
      t.equal(formatAmount(text), wire, `${text}: not in the wire form, so through Decimal`);
    }
    t.equal(formatAmount(new Decimal('-3')), '-3.00');
  });
}
