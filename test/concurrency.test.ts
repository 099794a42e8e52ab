import t from 'tap';
import { engines, fundedAccount, setup, transfer } from './helpers/harness.js';
import { inParallel } from './helpers/parallel.js';

for (const engine of engines) {
  t.test(`concurrency on ${engine}`, async (t) => {
    const h = await setup(t, engine, { poolSize: 20 });

    t.test('50 concurrent debits of 1 against 20 points: exactly 20 succeed', async (t) => {
      await fundedAccount(h, { id: 'member:race:points', points: '20' });
      await h.request('POST', '/v1/accounts', { body: { id: 'market:race', unit: 'POINTS', type: 'market', allowNegative: true } });
      const entriesBefore = await h.count('ledger_entries');
      const results = await Promise.all(
        Array.from({ length: 50 }, () => h.request('POST', '/v1/entries', { body: transfer('member:race:points', 'market:race', '1') })),
      );
      const ok = results.filter((r) => r.status === 201);
      const refused = results.filter((r) => r.status === 422);
      t.equal(ok.length, 20, '20 debits succeed');
      t.equal(refused.length, 30, '30 are refused');
      t.ok(refused.every((r) => r.body.code === 'insufficient_points'), 'every refusal is insufficient_points');
      t.equal(results.length, ok.length + refused.length, 'no other status (no 5xx)');
      t.equal(await h.count('ledger_entries'), entriesBefore + 20, 'only the successful debits wrote entries');
      const account = await h.request('GET', '/v1/accounts/member:race:points');
      t.equal(account.body.balance, '0.00', 'the balance ends at 0');
      t.equal(account.body.available, '0.00');
      const market = await h.request('GET', '/v1/accounts/market:race');
      t.equal(market.body.balance, '20.00', 'the market received exactly 20');
      // Each successful debit saw a distinct running balance 19..0: no two read the same balance.
      const after = ok.map((r) => r.body.postings.find((p: any) => p.accountId === 'member:race:points').balanceAfter).sort();
      t.same(new Set(after).size, 20, 'each debit left a distinct running balance');
      await h.assertLedger(t);
    });

    t.test('20 concurrent identical requests with one idempotency key make one entry', async (t) => {
      await fundedAccount(h, { id: 'member:idem:points', points: '100' });
      await h.request('POST', '/v1/accounts', { body: { id: 'market:idem', unit: 'POINTS', type: 'market', allowNegative: true } });
      const before = await h.count('ledger_entries');
      const body = transfer('member:idem:points', 'market:idem', '7.50');
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          h.request('POST', '/v1/entries', { body, headers: { 'idempotency-key': 'same-moment-1' } }),
        ),
      );
      t.ok(results.every((r) => r.status === 201), 'every duplicate answers 201');
      t.equal(new Set(results.map((r) => r.body.id)).size, 1, 'all answers carry the same entry');
      t.equal(results.filter((r) => r.headers['idempotent-replayed'] === 'true').length, 19, '19 are marked as replays');
      t.equal(await h.count('ledger_entries'), before + 1, 'exactly one entry was written');
      const account = await h.request('GET', '/v1/accounts/member:idem:points');
      t.equal(account.body.balance, '92.50', 'debited once');
      await h.assertLedger(t);
    });

    t.test('transfers both ways between the same accounts at once never deadlock into a 5xx', async (t) => {
      await fundedAccount(h, { id: 'member:a:points', points: '1000' });
      await fundedAccount(h, { id: 'member:b:points', points: '1000' });
      // 200 transfers with at most 40 in flight: the database sees the pool's 20 transactions at
      // once either way, and no request queues for a connection long enough (5 s) for a slow
      // machine to answer it 503 (the service's "database unavailable") instead of writing it.
      const send = (i: number) =>
        h.request('POST', '/v1/entries', {
          body: {
            reason: 'swap',
            // Postings listed in opposite orders, touching the same four accounts.
            postings:
              i % 2 === 0
                ? [
                    { accountId: 'member:a:points', unit: 'POINTS', direction: 'debit', amount: '1.00' },
                    { accountId: 'member:b:points', unit: 'POINTS', direction: 'credit', amount: '1.00' },
                    { accountId: 'issuance:member:b:points', unit: 'POINTS', direction: 'debit', amount: '0.50' },
                    { accountId: 'issuance:member:a:points', unit: 'POINTS', direction: 'credit', amount: '0.50' },
                  ]
                : [
                    { accountId: 'issuance:member:a:points', unit: 'POINTS', direction: 'debit', amount: '0.50' },
                    { accountId: 'issuance:member:b:points', unit: 'POINTS', direction: 'credit', amount: '0.50' },
                    { accountId: 'member:b:points', unit: 'POINTS', direction: 'debit', amount: '1.00' },
                    { accountId: 'member:a:points', unit: 'POINTS', direction: 'credit', amount: '1.00' },
                  ],
          },
        });
      const results: Awaited<ReturnType<typeof send>>[] = [];
      await inParallel(Array.from({ length: 200 }, (_, i) => i), 40, async (i) => {
        results[i] = await send(i);
      });
      t.equal(results.length, 200);
      t.same([...new Set(results.map((r) => r.status))], [201], 'every transfer succeeded');
      const a = await h.request('GET', '/v1/accounts/member:a:points');
      const b = await h.request('GET', '/v1/accounts/member:b:points');
      t.equal(a.body.balance, '1000.00', 'a is back where it started');
      t.equal(b.body.balance, '1000.00', 'b is back where it started');
      await h.assertLedger(t);
    });
  });
}
