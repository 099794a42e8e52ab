import t from 'tap';
import { engines, fundedAccount, type Harness, isProblem, type Response, setup, transfer, type Tap } from './helpers/harness.js';

// The admin ledger API: accounts, entries, postings paging, reversals, validation (each refusal
// with its own code and nothing written), idempotency and the language of problem details.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function openAccount(h: Harness, body: Record<string, unknown>): Promise<Response> {
  const res = await h.request('POST', '/v1/accounts', { body });
  if (res.status !== 201) throw new Error(`account ${String(body.id)}: ${res.status} ${JSON.stringify(res.body)}`);
  return res;
}

async function balanceOf(h: Harness, id: string): Promise<string> {
  const res = await h.request('GET', `/v1/accounts/${id}`);
  if (res.status !== 200) throw new Error(`balance of ${id}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.balance as string;
}

/** Everything a refused write must leave untouched. */
async function snapshot(h: Harness, accounts: string[]) {
  const balances: Record<string, string> = {};
  for (const a of accounts) balances[a] = await balanceOf(h, a);
  return {
    entries: await h.count('ledger_entries'),
    postings: await h.count('ledger_postings'),
    balances,
  };
}

function posting(accountId: string, direction: 'debit' | 'credit', amount: unknown, unit = 'POINTS') {
  return { accountId, unit, direction, amount };
}

/** An award-shaped entry for member `m`: hours and points, each balanced by its issuance account. */
function awardBody(m: string, hours: string, points: string, reason: string) {
  return {
    reason,
    postings: [
      posting(`issuance:${m}:hours`, 'debit', hours, 'HOURS'),
      posting(`member:${m}:hours`, 'credit', hours, 'HOURS'),
      posting(`issuance:member:${m}:points`, 'debit', points),
      posting(`member:${m}:points`, 'credit', points),
    ],
  };
}

for (const engine of engines) {
  t.test(`ledger API on ${engine}`, async (t) => {
    const h = await setup(t, engine);

    t.test('accounts', async (t) => {
      const created = await h.request('POST', '/v1/accounts', {
        body: { id: 'member:acc1:points', unit: 'POINTS', type: 'member', name: '张三的积分' },
      });
      t.equal(created.status, 201, 'created');
      t.match(created.body, {
        id: 'member:acc1:points',
        unit: 'POINTS',
        type: 'member',
        allowNegative: false,
        slots: 1,
        name: '张三的积分',
        balance: '0.00',
        held: '0.00',
        available: '0.00',
      });
      t.ok(!Number.isNaN(Date.parse(created.body.createdAt)), 'createdAt is a time');

      const got = await h.request('GET', '/v1/accounts/member:acc1:points');
      t.equal(got.status, 200);
      t.same(got.body, created.body, 'GET returns what POST returned');

      const accountsBefore = await h.count('ledger_accounts');
      const dup = await h.request('POST', '/v1/accounts', { body: { id: 'member:acc1:points', unit: 'HOURS', type: 'member' } });
      isProblem(t, dup, 409, 'account_exists', 'duplicate id');
      t.equal(dup.body.accountId, 'member:acc1:points', 'the problem names the account');
      t.equal(await h.count('ledger_accounts'), accountsBefore, 'no second account');
      t.equal((await h.request('GET', '/v1/accounts/member:acc1:points')).body.unit, 'POINTS', 'the first account is unchanged');

      const negMember = await h.request('POST', '/v1/accounts', {
        body: { id: 'member:acc2:points', unit: 'POINTS', type: 'member', allowNegative: true },
      });
      isProblem(t, negMember, 400, 'validation_failed', 'member with allowNegative');
      t.ok(negMember.body.errors?.some((e: any) => e.path === 'allowNegative'), 'errors[] names allowNegative');
      isProblem(t, await h.request('GET', '/v1/accounts/member:acc2:points'), 404, 'account_not_found', 'refused member was not created');

      const slotted = await h.request('POST', '/v1/accounts', {
        body: { id: 'issuance:acc3', unit: 'POINTS', type: 'issuance', slots: 4 },
      });
      isProblem(t, slotted, 400, 'validation_failed', 'slots > 1 without allowNegative');
      t.ok(slotted.body.errors?.some((e: any) => e.path === 'slots'), 'errors[] names slots');
      isProblem(t, await h.request('GET', '/v1/accounts/issuance:acc3'), 404, 'account_not_found', 'refused account was not created');

      const ok = await h.request('POST', '/v1/accounts', {
        body: { id: 'issuance:acc4', unit: 'HOURS', type: 'issuance', allowNegative: true, slots: 4 },
      });
      t.equal(ok.status, 201, 'a slotted account that may go negative is fine');
      t.match(ok.body, { slots: 4, allowNegative: true, unit: 'HOURS', balance: '0.00', name: null });

      const badType = await h.request('POST', '/v1/accounts', { body: { id: 'x:acc5', unit: 'POINTS', type: 'wallet' } });
      isProblem(t, badType, 400, 'validation_failed', 'unknown type');
      t.ok(badType.body.errors?.some((e: any) => e.path === 'type'), 'errors[] names type');
      const badUnit = await h.request('POST', '/v1/accounts', { body: { id: 'x:acc6', unit: 'STARS', type: 'system' } });
      isProblem(t, badUnit, 400, 'validation_failed', 'unknown unit');
      const badId = await h.request('POST', '/v1/accounts', { body: { id: 'has space', unit: 'POINTS', type: 'system' } });
      isProblem(t, badId, 400, 'validation_failed', 'id with a space');
      t.ok(badId.body.errors?.some((e: any) => e.path === 'id'), 'errors[] names id');

      const unknown = await h.request('GET', '/v1/accounts/member:nobody:points');
      isProblem(t, unknown, 404, 'account_not_found', 'unknown account');
      t.equal(unknown.body.accountId, 'member:nobody:points');
      t.equal(await h.count('ledger_accounts'), accountsBefore + 1, 'only the valid slotted account was added');
      await h.assertLedger(t);
    });

    t.test('entries: post, read back, balances', async (t) => {
      await openAccount(h, { id: 'member:e1:points', unit: 'POINTS', type: 'member' });
      await openAccount(h, { id: 'issuance:e1', unit: 'POINTS', type: 'issuance', allowNegative: true });

      const res = await h.request('POST', '/v1/entries', {
        body: {
          reason: '开户积分',
          occurredAt: '2024-05-01T10:00:00+08:00',
          postings: [posting('issuance:e1', 'debit', '12.50'), posting('member:e1:points', 'credit', '12.5')],
        },
      });
      t.equal(res.status, 201, 'posted');
      const entry = res.body;
      t.match(entry.id, UUID, 'id is a uuid');
      t.match(entry.seq, /^\d+$/, 'seq is a decimal string');
      t.match(entry.txId, /^\d+$/, 'txId is a decimal string');
      t.equal(entry.kind, 'adjustment');
      t.equal(entry.reason, '开户积分');
      t.equal(entry.occurredAt, '2024-05-01T02:00:00.000Z', 'occurredAt normalised to UTC');
      t.ok(!Number.isNaN(Date.parse(entry.recordedAt)), 'recordedAt is a time');
      t.equal(entry.reversesEntryId, null);
      t.equal(entry.reversedByEntryId, null);
      t.same(entry.postings, [
        { accountId: 'issuance:e1', unit: 'POINTS', direction: 'debit', amount: '12.50', balanceAfter: '-12.50' },
        { accountId: 'member:e1:points', unit: 'POINTS', direction: 'credit', amount: '12.50', balanceAfter: '12.50' },
      ], 'postings with amounts at scale 2 and running balances');

      const got = await h.request('GET', `/v1/entries/${entry.id}`);
      t.equal(got.status, 200);
      t.same(got.body, entry, 'GET returns the same entry');

      t.equal(await balanceOf(h, 'member:e1:points'), '12.50');
      t.equal(await balanceOf(h, 'issuance:e1'), '-12.50');
      const member = await h.request('GET', '/v1/accounts/member:e1:points');
      t.equal(member.body.available, '12.50', 'available = balance with no holds');

      const second = await h.request('POST', '/v1/entries', { body: transfer('issuance:e1', 'member:e1:points', '7.55') });
      t.equal(second.status, 201);
      t.same(second.body.postings.map((p: any) => p.balanceAfter), ['-20.05', '20.05'], 'balanceAfter accumulates');
      t.ok(BigInt(second.body.seq) > BigInt(entry.seq), 'seq increases');
      t.equal(await balanceOf(h, 'member:e1:points'), '20.05');

      const spend = await h.request('POST', '/v1/entries', { body: transfer('member:e1:points', 'issuance:e1', '20.05') });
      t.equal(spend.status, 201, 'a member may spend down to exactly zero');
      t.equal(spend.body.postings[0].balanceAfter, '0.00');
      t.equal(await balanceOf(h, 'member:e1:points'), '0.00');

      const unknownEntry = await h.request('GET', '/v1/entries/00000000-0000-4000-8000-000000000000');
      isProblem(t, unknownEntry, 404, 'entry_not_found', 'unknown entry');
      const badEntryId = await h.request('GET', '/v1/entries/not-a-uuid');
      isProblem(t, badEntryId, 400, 'validation_failed', 'malformed entry id');
      await h.assertLedger(t);
    });

    t.test('entries: slotted accounts, multi-unit, same account twice', async (t) => {
      await fundedAccount(h, { id: 'member:e2:points', points: '40' }); // issuance:member:e2:points has 4 slots
      await openAccount(h, { id: 'member:e2:hours', unit: 'HOURS', type: 'member' });
      await openAccount(h, { id: 'issuance:e2:hours', unit: 'HOURS', type: 'issuance', allowNegative: true, slots: 3 });
      await openAccount(h, { id: 'market:e2', unit: 'POINTS', type: 'market', allowNegative: true });

      const slotted = await h.request('POST', '/v1/entries', { body: transfer('issuance:member:e2:points', 'member:e2:points', '5') });
      t.equal(slotted.status, 201);
      t.same(slotted.body.postings.map((p: any) => p.balanceAfter), [null, '45.00'], 'slotted account shows balanceAfter null');
      t.equal(await balanceOf(h, 'issuance:member:e2:points'), '-45.00', 'slotted balance is the sum of its slots');

      const multi = await h.request('POST', '/v1/entries', {
        body: awardBody('e2', '2.00', '20.00', 'service record: 2 hours, 20 points'),
      });
      t.equal(multi.status, 201, 'a multi-unit entry balanced per unit posts');
      t.same(multi.body.postings.map((p: any) => [p.unit, p.balanceAfter]), [
        ['HOURS', null],
        ['HOURS', '2.00'],
        ['POINTS', null],
        ['POINTS', '65.00'],
      ]);
      t.equal(await balanceOf(h, 'member:e2:hours'), '2.00');
      t.equal(await balanceOf(h, 'issuance:e2:hours'), '-2.00');
      t.equal(await balanceOf(h, 'member:e2:points'), '65.00');
      t.same((await h.request('GET', `/v1/entries/${multi.body.id}`)).body, multi.body, 'GET returns the same multi-unit entry');

      // Balanced across units but not within each: refused.
      const before = await snapshot(h, ['member:e2:hours', 'member:e2:points', 'issuance:e2:hours']);
      const crossUnit = await h.request('POST', '/v1/entries', {
        body: {
          reason: 'hours for points',
          postings: [posting('member:e2:points', 'debit', '3.00'), posting('member:e2:hours', 'credit', '3.00', 'HOURS')],
        },
      });
      isProblem(t, crossUnit, 400, 'unbalanced_entry', 'debits and credits in different units');
      t.same(await snapshot(h, ['member:e2:hours', 'member:e2:points', 'issuance:e2:hours']), before, 'nothing written');

      // One account twice: credited 10, debited 3 in the same entry; running balance per posting.
      const twice = await h.request('POST', '/v1/entries', {
        body: {
          reason: 'same account twice',
          postings: [
            posting('member:e2:points', 'credit', '10.00'),
            posting('market:e2', 'debit', '10.00'),
            posting('member:e2:points', 'debit', '3.00'),
            posting('market:e2', 'credit', '3.00'),
          ],
        },
      });
      t.equal(twice.status, 201, 'the same account may appear twice');
      t.same(twice.body.postings.map((p: any) => p.balanceAfter), ['75.00', '-10.00', '72.00', '-7.00'], 'running balance per posting');
      t.equal(await balanceOf(h, 'member:e2:points'), '72.00');
      t.equal(await balanceOf(h, 'market:e2'), '-7.00');
      t.same((await h.request('GET', `/v1/entries/${twice.body.id}`)).body, twice.body);

      // Twice on a non-negative account where the net is covered though one leg alone would not be.
      await openAccount(h, { id: 'member:e2b:points', unit: 'POINTS', type: 'member' });
      const net = await h.request('POST', '/v1/entries', {
        body: {
          reason: 'net positive',
          postings: [
            posting('member:e2b:points', 'debit', '4.00'),
            posting('member:e2b:points', 'credit', '6.00'),
            posting('market:e2', 'debit', '2.00'),
          ],
        },
      });
      t.equal(net.status, 201, 'the guard applies to the net change of the account');
      t.equal(await balanceOf(h, 'member:e2b:points'), '2.00');
      await h.assertLedger(t);
    });

    t.test('postings paging', async (t) => {
      await fundedAccount(h, { id: 'member:page:points', points: '0' });
      const ids: string[] = [];
      for (let i = 1; i <= 7; i++) {
        const res = await h.request('POST', '/v1/entries', {
          body: transfer('issuance:member:page:points', 'member:page:points', `${i}.00`, 'POINTS', `entry ${i}`),
        });
        t.equal(res.status, 201);
        ids.push(res.body.id);
      }
      const url = '/v1/accounts/member:page:points/postings';
      const pages: any[] = [];
      let cursor: string | null = null;
      do {
        const res: Response = await h.request('GET', `${url}?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        t.equal(res.status, 200, `page ${pages.length + 1}`);
        pages.push(res.body);
        cursor = res.body.nextCursor;
        if (pages.length > 5) break;
      } while (cursor);
      t.same(pages.map((p) => p.items.length), [3, 3, 1], 'pages of 3, 3 and 1');
      t.equal(pages[2].nextCursor, null, 'nextCursor is null at the end');
      t.type(pages[0].nextCursor, 'string');
      const items = pages.flatMap((p) => p.items);
      t.same(items.map((i: any) => i.entryId), [...ids].reverse(), 'newest first, no duplicates, no gaps');
      t.same(items.map((i: any) => i.amount), ['7.00', '6.00', '5.00', '4.00', '3.00', '2.00', '1.00']);
      t.same(items.map((i: any) => i.balanceAfter), ['28.00', '21.00', '15.00', '10.00', '6.00', '3.00', '1.00']);
      t.match(items[0], {
        accountId: 'member:page:points',
        unit: 'POINTS',
        direction: 'credit',
        kind: 'adjustment',
        reason: 'entry 7',
      });
      const seqs = items.map((i: any) => BigInt(i.seq));
      t.ok(seqs.every((s, i) => i === 0 || s < seqs[i - 1]!), 'seq strictly decreasing');

      const all = await h.request('GET', url);
      t.equal(all.status, 200);
      t.equal(all.body.items.length, 7, 'default limit returns all 7');
      t.equal(all.body.nextCursor, null);
      const exact = await h.request('GET', `${url}?limit=7`);
      t.equal(exact.body.items.length, 7);
      t.equal(exact.body.nextCursor, null, 'no next page when the page is exactly full');

      // The issuance side pages too (slotted: balanceAfter null).
      const issuance = await h.request('GET', '/v1/accounts/issuance:member:page:points/postings?limit=2');
      t.equal(issuance.body.items.length, 2);
      t.same(issuance.body.items.map((i: any) => [i.direction, i.balanceAfter]), [['debit', null], ['debit', null]]);

      // A cursor stays valid while new entries arrive: they are newer, so they do not shift older pages.
      const first = await h.request('GET', `${url}?limit=3`);
      await h.request('POST', '/v1/entries', { body: transfer('issuance:member:page:points', 'member:page:points', '8.00') });
      const next = await h.request('GET', `${url}?limit=3&cursor=${encodeURIComponent(first.body.nextCursor)}`);
      t.same(next.body.items.map((i: any) => i.amount), ['4.00', '3.00', '2.00'], 'keyset paging is stable under inserts');

      for (const bad of ['garbage!!', 'bm90IGpzb24', Buffer.from(JSON.stringify({ seq: 1 })).toString('base64url'), Buffer.from(JSON.stringify(['x', 1])).toString('base64url')]) {
        const res = await h.request('GET', `${url}?cursor=${encodeURIComponent(bad)}`);
        isProblem(t, res, 400, 'invalid_cursor', `cursor ${bad}`);
      }
      for (const limit of ['0', '501', '1e400', 'abc', '-1', '2.5']) {
        const res = await h.request('GET', `${url}?limit=${limit}`);
        isProblem(t, res, 400, 'validation_failed', `limit=${limit}`);
        t.ok(res.body.errors?.some((e: any) => e.path === 'limit' && e.in === 'querystring'), `limit=${limit}: errors[] names the query field limit`);
      }
      const ok500 = await h.request('GET', `${url}?limit=500`);
      t.equal(ok500.status, 200, 'limit=500 is allowed');
      isProblem(t, await h.request('GET', '/v1/accounts/member:ghost:points/postings'), 404, 'account_not_found', 'postings of an unknown account');
      await h.assertLedger(t);
    });

    t.test('reversal', async (t) => {
      await fundedAccount(h, { id: 'member:rev:points', points: '0' });
      await openAccount(h, { id: 'member:rev:hours', unit: 'HOURS', type: 'member' });
      await openAccount(h, { id: 'issuance:rev:hours', unit: 'HOURS', type: 'issuance', allowNegative: true });
      const original = await h.request('POST', '/v1/entries', { body: awardBody('rev', '1.50', '15.00', 'award') });
      t.equal(original.status, 201);
      const entriesBefore = await h.count('ledger_entries');

      const rev = await h.request('POST', `/v1/entries/${original.body.id}/reversal`, { body: { reason: '录入错误' } });
      t.equal(rev.status, 201, 'reversed');
      t.equal(rev.body.kind, 'reversal');
      t.equal(rev.body.reason, '录入错误');
      t.equal(rev.body.reversesEntryId, original.body.id, 'points at the original');
      t.not(rev.body.id, original.body.id);
      t.same(
        rev.body.postings.map((p: any) => [p.accountId, p.unit, p.direction, p.amount]),
        original.body.postings.map((p: any) => [p.accountId, p.unit, p.direction === 'debit' ? 'credit' : 'debit', p.amount]),
        'every posting mirrored',
      );
      t.same(rev.body.postings.map((p: any) => p.balanceAfter), ['0.00', '0.00', null, '0.00']);
      t.equal(await h.count('ledger_entries'), entriesBefore + 1, 'one new entry');
      for (const a of ['member:rev:points', 'member:rev:hours', 'issuance:rev:hours', 'issuance:member:rev:points']) {
        t.equal(await balanceOf(h, a), '0.00', `${a} back to zero`);
      }

      const origAfter = await h.request('GET', `/v1/entries/${original.body.id}`);
      t.equal(origAfter.body.reversedByEntryId, rev.body.id, 'the original shows its reversal');
      t.same({ ...origAfter.body, reversedByEntryId: null }, original.body, 'the original is otherwise unchanged');
      const revGot = await h.request('GET', `/v1/entries/${rev.body.id}`);
      t.same(revGot.body, rev.body, 'GET returns the reversal as posted');

      const accounts = ['member:rev:points', 'member:rev:hours'];
      let before = await snapshot(h, accounts);
      const again = await h.request('POST', `/v1/entries/${original.body.id}/reversal`, { body: { reason: 'again' } });
      isProblem(t, again, 409, 'already_reversed', 'second reversal');
      t.equal(again.body.entryId, original.body.id);
      t.same(await snapshot(h, accounts), before, 'nothing written by the second reversal');

      const revOfRev = await h.request('POST', `/v1/entries/${rev.body.id}/reversal`, { body: { reason: 'undo the undo' } });
      isProblem(t, revOfRev, 422, 'entry_not_reversible', 'reversal of a reversal');
      t.same(await snapshot(h, accounts), before, 'nothing written by the reversal of a reversal');

      const unknown = await h.request('POST', '/v1/entries/00000000-0000-4000-8000-000000000001/reversal', { body: { reason: 'x' } });
      isProblem(t, unknown, 404, 'entry_not_found', 'reversal of an unknown entry');
      const malformed = await h.request('POST', '/v1/entries/12345/reversal', { body: { reason: 'x' } });
      isProblem(t, malformed, 400, 'validation_failed', 'reversal with a malformed id');
      t.ok(malformed.body.errors?.some((e: any) => e.in === 'params' && e.path === 'id'), 'errors[] names the path parameter id');
      const noReason = await h.request('POST', `/v1/entries/${original.body.id}/reversal`, { body: {} });
      isProblem(t, noReason, 400, 'validation_failed', 'reversal without a reason');
      t.ok(noReason.body.errors?.some((e: any) => e.path === 'reason'));
      t.same(await snapshot(h, accounts), before, 'nothing written by the refused reversals');

      // Points since spent: reversing the award would take the member below zero.
      await openAccount(h, { id: 'market:rev', unit: 'POINTS', type: 'market', allowNegative: true });
      const award = await h.request('POST', '/v1/entries', { body: transfer('issuance:member:rev:points', 'member:rev:points', '10.00') });
      t.equal(award.status, 201);
      const spent = await h.request('POST', '/v1/entries', { body: transfer('member:rev:points', 'market:rev', '4.00') });
      t.equal(spent.status, 201);
      before = await snapshot(h, ['member:rev:points', 'market:rev', 'issuance:member:rev:points']);
      const cannot = await h.request('POST', `/v1/entries/${award.body.id}/reversal`, { body: { reason: 'award was wrong' } });
      isProblem(t, cannot, 422, 'insufficient_points', 'reversal of spent points');
      t.equal(cannot.body.accountId, 'member:rev:points');
      t.equal(cannot.body.available, '6.00');
      t.equal(cannot.body.requested, '10.00');
      t.same(await snapshot(h, ['member:rev:points', 'market:rev', 'issuance:member:rev:points']), before, 'nothing written');
      t.equal((await h.request('GET', `/v1/entries/${award.body.id}`)).body.reversedByEntryId, null, 'the award is still unreversed');
      await h.assertLedger(t);
    });

    t.test('10 concurrent reversals of one entry: exactly one succeeds', async (t) => {
      await fundedAccount(h, { id: 'member:revrace:points', points: '50' });
      const target = await h.request('POST', '/v1/entries', {
        body: transfer('issuance:member:revrace:points', 'member:revrace:points', '5.00'),
      });
      t.equal(target.status, 201);
      const before = await h.count('ledger_entries');
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          h.request('POST', `/v1/entries/${target.body.id}/reversal`, { body: { reason: `racer ${i}` } }),
        ),
      );
      const statuses = results.map((r) => r.status).sort();
      t.same(statuses, [201, 409, 409, 409, 409, 409, 409, 409, 409, 409], 'one 201 and nine 409');
      t.ok(results.filter((r) => r.status === 409).every((r) => r.body.code === 'already_reversed'), 'the 409s are already_reversed');
      t.equal(await h.count('ledger_entries'), before + 1, 'one reversal entry');
      t.equal(await balanceOf(h, 'member:revrace:points'), '50.00', 'reversed exactly once');
      const winner = results.find((r) => r.status === 201)!;
      t.equal((await h.request('GET', `/v1/entries/${target.body.id}`)).body.reversedByEntryId, winner.body.id);
      await h.assertLedger(t);
    });

    t.test('validation: each refusal has its own code and writes nothing', async (t) => {
      await fundedAccount(h, { id: 'member:val:points', points: '3' });
      await openAccount(h, { id: 'market:val', unit: 'POINTS', type: 'market', allowNegative: true });
      await openAccount(h, { id: 'member:val:hours', unit: 'HOURS', type: 'member' });
      await openAccount(h, { id: 'issuance:val:hours', unit: 'HOURS', type: 'issuance', allowNegative: true });
      const accounts = ['member:val:points', 'market:val', 'member:val:hours', 'issuance:val:hours', 'issuance:member:val:points'];
      const base = (amount: unknown) => ({
        reason: 'validation',
        postings: [posting('market:val', 'debit', '5.00'), posting('member:val:points', 'credit', amount)],
      });

      const cases: { name: string; body: unknown; status: number; code: string; path?: string; extra?: Record<string, unknown> }[] = [
        {
          name: 'unbalanced entry',
          body: { reason: 'x', postings: [posting('market:val', 'debit', '10.00'), posting('member:val:points', 'credit', '9.99')] },
          status: 400,
          code: 'unbalanced_entry',
        },
        {
          name: 'unbalanced in one unit of two',
          body: {
            reason: 'x',
            postings: [
              posting('market:val', 'debit', '1.00'),
              posting('member:val:points', 'credit', '1.00'),
              posting('issuance:val:hours', 'debit', '1.00', 'HOURS'),
              posting('member:val:hours', 'credit', '2.00', 'HOURS'),
            ],
          },
          status: 400,
          code: 'unbalanced_entry',
        },
        {
          name: 'unknown account',
          body: { reason: 'x', postings: [posting('market:val', 'debit', '1.00'), posting('member:ghost:points', 'credit', '1.00')] },
          status: 404,
          code: 'account_not_found',
          extra: { accountId: 'member:ghost:points' },
        },
        {
          name: 'unit mismatch (HOURS posted to a POINTS account, balanced)',
          body: {
            reason: 'x',
            postings: [posting('issuance:val:hours', 'debit', '1.00', 'HOURS'), posting('member:val:points', 'credit', '1.00', 'HOURS')],
          },
          status: 422,
          code: 'unit_mismatch',
          extra: { accountId: 'member:val:points', unit: 'POINTS' },
        },
        { name: 'negative amount', body: base('-5.00'), status: 400, code: 'amount_not_positive', path: 'postings.1.amount' },
        { name: 'zero amount', body: base('0'), status: 400, code: 'amount_not_positive', path: 'postings.1.amount' },
        { name: 'zero amount 0.00', body: base('0.00'), status: 400, code: 'amount_not_positive', path: 'postings.1.amount' },
        { name: 'non-numeric amount abc', body: base('abc'), status: 400, code: 'invalid_amount', path: 'postings.1.amount' },
        { name: 'exponent amount 1e3', body: base('1e3'), status: 400, code: 'invalid_amount', path: 'postings.1.amount' },
        { name: 'empty amount', body: base(''), status: 400, code: 'invalid_amount', path: 'postings.1.amount' },
        { name: 'amount with spaces', body: base(' 5.00'), status: 400, code: 'invalid_amount', path: 'postings.1.amount' },
        { name: 'amount NaN', body: base('NaN'), status: 400, code: 'invalid_amount', path: 'postings.1.amount' },
        { name: 'amount Infinity', body: base('Infinity'), status: 400, code: 'invalid_amount', path: 'postings.1.amount' },
        { name: 'huge amount', body: base('1234567890123456.00'), status: 400, code: 'invalid_amount', path: 'postings.1.amount' },
        { name: 'more than 2 decimals', body: base('1.005'), status: 400, code: 'too_many_decimals', path: 'postings.1.amount' },
        { name: 'trailing zero third decimal', body: base('5.000'), status: 400, code: 'too_many_decimals', path: 'postings.1.amount' },
        { name: 'amount as a JSON number', body: base(5), status: 400, code: 'validation_failed', path: 'postings.1.amount' },
        { name: 'missing reason', body: { postings: base('5.00').postings }, status: 400, code: 'validation_failed', path: 'reason' },
        { name: 'blank reason', body: { ...base('5.00'), reason: '   ' }, status: 400, code: 'validation_failed', path: 'reason' },
        {
          name: 'single posting',
          body: { reason: 'x', postings: [posting('member:val:points', 'credit', '5.00')] },
          status: 400,
          code: 'validation_failed',
          path: 'postings',
        },
        { name: 'no postings', body: { reason: 'x', postings: [] }, status: 400, code: 'validation_failed', path: 'postings' },
        {
          name: 'bad direction',
          body: { reason: 'x', postings: [posting('market:val', 'debit', '1.00'), { ...posting('member:val:points', 'credit', '1.00'), direction: 'up' }] },
          status: 400,
          code: 'validation_failed',
          path: 'postings.1.direction',
        },
        {
          name: 'bad occurredAt',
          body: { ...base('5.00'), occurredAt: 'yesterday' },
          status: 400,
          code: 'validation_failed',
          path: 'occurredAt',
        },
        {
          name: 'insufficient points',
          body: { reason: 'x', postings: [posting('member:val:points', 'debit', '5.00'), posting('market:val', 'credit', '5.00')] },
          status: 422,
          code: 'insufficient_points',
          extra: { accountId: 'member:val:points', available: '3.00', requested: '5.00' },
        },
        {
          name: 'insufficient hours',
          body: {
            reason: 'x',
            postings: [posting('member:val:hours', 'debit', '1.00', 'HOURS'), posting('issuance:val:hours', 'credit', '1.00', 'HOURS')],
          },
          status: 422,
          code: 'insufficient_hours',
          extra: { accountId: 'member:val:hours', available: '0.00', requested: '1.00' },
        },
      ];

      for (const c of cases) {
        const before = await snapshot(h, accounts);
        const res = await h.request('POST', '/v1/entries', { body: c.body });
        isProblem(t, res, c.status, c.code, c.name);
        if (c.path) {
          t.ok(
            Array.isArray(res.body.errors) && res.body.errors.some((e: any) => e.path === c.path && e.in === 'body'),
            `${c.name}: errors[] names ${c.path} (got ${JSON.stringify(res.body.errors?.map((e: any) => e.path))})`,
          );
          const err = res.body.errors?.find((e: any) => e.path === c.path);
          if (err) t.ok(typeof err.code === 'string' && typeof err.message === 'string' && err.message.length > 0, `${c.name}: field error has code and message`);
        }
        if (c.extra) t.match(res.body, c.extra, `${c.name}: parameters`);
        t.same(await snapshot(h, accounts), before, `${c.name}: nothing written`);
      }

      // Two amounts failing differently: one problem listing both fields.
      const mixed = await h.request('POST', '/v1/entries', {
        body: { reason: 'x', postings: [posting('market:val', 'debit', '1.005'), posting('member:val:points', 'credit', 'abc')] },
      });
      isProblem(t, mixed, 400, 'validation_failed', 'two different amount problems');
      t.same(
        (mixed.body.errors ?? []).map((e: any) => [e.path, e.code]).sort(),
        [['postings.0.amount', 'too_many_decimals'], ['postings.1.amount', 'invalid_amount']],
        'each failing field with its own code',
      );
      t.equal(await balanceOf(h, 'member:val:points'), '3.00', 'the member still holds 3');
      await h.assertLedger(t);
    });

    t.test('idempotency', async (t) => {
      await fundedAccount(h, { id: 'member:idem:points', points: '20' });
      await openAccount(h, { id: 'market:idem', unit: 'POINTS', type: 'market', allowNegative: true });
      const body = transfer('member:idem:points', 'market:idem', '2.50');

      const first = await h.request('POST', '/v1/entries', { body, headers: { 'idempotency-key': 'idem-1' } });
      t.equal(first.status, 201);
      t.equal(first.headers['idempotent-replayed'], undefined, 'the first answer is not a replay');
      const entries = await h.count('ledger_entries');
      const second = await h.request('POST', '/v1/entries', { body, headers: { 'idempotency-key': 'idem-1' } });
      t.equal(second.status, 201, 'replay keeps the status');
      t.equal(second.headers['idempotent-replayed'], 'true', 'marked as a replay');
      t.same(second.body, first.body, 'identical body');
      t.equal(await h.count('ledger_entries'), entries, 'no second entry');
      t.equal(await balanceOf(h, 'member:idem:points'), '17.50', 'debited once');

      // Same key, different body.
      let before = await snapshot(h, ['member:idem:points', 'market:idem']);
      const conflict = await h.request('POST', '/v1/entries', {
        body: transfer('member:idem:points', 'market:idem', '3.00'),
        headers: { 'idempotency-key': 'idem-1' },
      });
      isProblem(t, conflict, 409, 'idempotency_conflict', 'same key, different body');
      t.same(await snapshot(h, ['member:idem:points', 'market:idem']), before, 'nothing written');

      // Same key on another route.
      const otherRoute = await h.request('POST', '/v1/accounts', {
        body: { id: 'market:idem2', unit: 'POINTS', type: 'market' },
        headers: { 'idempotency-key': 'idem-1' },
      });
      isProblem(t, otherRoute, 409, 'idempotency_conflict', 'same key on another route');
      isProblem(t, await h.request('GET', '/v1/accounts/market:idem2'), 404, 'account_not_found', 'the account was not created');

      // Key order and whitespace do not matter.
      const compact = JSON.stringify(transfer('member:idem:points', 'market:idem', '1.25'));
      const a = await h.request('POST', '/v1/entries', {
        body: compact,
        headers: { 'idempotency-key': 'idem-2', 'content-type': 'application/json' },
      });
      t.equal(a.status, 201);
      const reordered =
        '{\n  "postings": [\n    { "amount": "1.25", "direction": "debit", "unit": "POINTS", "accountId": "member:idem:points" },\n' +
        '    { "direction": "credit", "accountId": "market:idem", "amount": "1.25", "unit": "POINTS" }\n  ],\n  "reason" : "test transfer"\n}';
      const b = await h.request('POST', '/v1/entries', {
        body: reordered,
        headers: { 'idempotency-key': 'idem-2', 'content-type': 'application/json' },
      });
      t.equal(b.status, 201, 'reordered body is the same request');
      t.equal(b.headers['idempotent-replayed'], 'true');
      t.same(b.body, a.body);
      t.equal(await balanceOf(h, 'member:idem:points'), '16.25', 'debited once');

      // A refusal is stored and replayed, even once the request would now succeed.
      await fundedAccount(h, { id: 'member:idem2:points', points: '1' });
      const big = transfer('member:idem2:points', 'market:idem', '5.00');
      const refused = await h.request('POST', '/v1/entries', { body: big, headers: { 'idempotency-key': 'idem-3' } });
      isProblem(t, refused, 422, 'insufficient_points', 'first refusal');
      t.equal(refused.headers['idempotent-replayed'], undefined);
      const topUp = await h.request('POST', '/v1/entries', { body: transfer('issuance:member:idem2:points', 'member:idem2:points', '10.00') });
      t.equal(topUp.status, 201);
      before = await snapshot(h, ['member:idem2:points', 'market:idem']);
      const replayed = await h.request('POST', '/v1/entries', { body: big, headers: { 'idempotency-key': 'idem-3' } });
      isProblem(t, replayed, 422, 'insufficient_points', 'replayed refusal');
      t.equal(replayed.headers['idempotent-replayed'], 'true', 'the refusal replay is marked');
      const strip = (b: any) => ({ ...b, requestId: undefined });
      t.same(strip(replayed.body), strip(refused.body), 'the same refusal, with the same parameters');
      t.equal(replayed.body.available, '1.00');
      t.same(await snapshot(h, ['member:idem2:points', 'market:idem']), before, 'the replayed refusal wrote nothing');
      const fresh = await h.request('POST', '/v1/entries', { body: big, headers: { 'idempotency-key': 'idem-4' } });
      t.equal(fresh.status, 201, 'a new key succeeds now');

      // Idempotent reversal.
      const r1 = await h.request('POST', `/v1/entries/${fresh.body.id}/reversal`, { body: { reason: 'oops' }, headers: { 'idempotency-key': 'idem-5' } });
      t.equal(r1.status, 201);
      const r2 = await h.request('POST', `/v1/entries/${fresh.body.id}/reversal`, { body: { reason: 'oops' }, headers: { 'idempotency-key': 'idem-5' } });
      t.equal(r2.status, 201, 'a replayed reversal is not already_reversed');
      t.equal(r2.headers['idempotent-replayed'], 'true');
      t.same(r2.body, r1.body);

      // Invalid keys.
      for (const [name, key] of [
        ['300 characters', 'k'.repeat(300)],
        ['a space', 'has space'],
        ['empty', ''],
      ] as const) {
        before = await snapshot(h, ['member:idem:points', 'market:idem']);
        const res = await h.request('POST', '/v1/entries', { body, headers: { 'idempotency-key': key } });
        isProblem(t, res, 400, 'invalid_idempotency_key', `idempotency key with ${name}`);
        t.same(await snapshot(h, ['member:idem:points', 'market:idem']), before, `key with ${name}: nothing written`);
      }
      const ok200 = await h.request('POST', '/v1/entries', { body, headers: { 'idempotency-key': 'k'.repeat(200) } });
      t.equal(ok200.status, 201, 'a 200-character key is fine');
      await h.assertLedger(t);
    });

    t.test('concurrency of refusals: duplicate accounts, one key with different bodies', async (t) => {
      const accountsBefore = await h.count('ledger_accounts');
      const creates = await Promise.all(
        Array.from({ length: 10 }, () => h.request('POST', '/v1/accounts', { body: { id: 'system:race', unit: 'POINTS', type: 'system', allowNegative: true } })),
      );
      t.same(creates.map((r) => r.status).sort(), [201, 409, 409, 409, 409, 409, 409, 409, 409, 409], 'one account made, nine account_exists');
      t.ok(creates.filter((r) => r.status === 409).every((r) => r.body.code === 'account_exists'));
      t.equal(await h.count('ledger_accounts'), accountsBefore + 1);

      await openAccount(h, { id: 'system:race2', unit: 'POINTS', type: 'system', allowNegative: true });
      const entries = await h.count('ledger_entries');
      const posts = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          h.request('POST', '/v1/entries', {
            body: transfer('system:race', 'system:race2', `${i + 1}.00`),
            headers: { 'idempotency-key': 'race-different-bodies' },
          }),
        ),
      );
      t.same(posts.map((r) => r.status).sort(), [201, 409, 409, 409, 409, 409, 409, 409, 409, 409], 'one write, nine idempotency_conflict');
      t.ok(posts.filter((r) => r.status === 409).every((r) => r.body.code === 'idempotency_conflict'));
      t.equal(await h.count('ledger_entries'), entries + 1, 'one entry');
      const winner = posts.find((r) => r.status === 201)!;
      t.equal(await balanceOf(h, 'system:race2'), winner.body.postings[1].amount, 'the balance is the winner\'s amount');
      await h.assertLedger(t);
    });

    t.test('idempotency keys are per tenant and per target', async (t) => {
      await fundedAccount(h, { id: 'member:ten:points', points: '10' });
      const other = await h.newTenant();
      await fundedAccount(h, { id: 'member:ten:points', points: '10', key: other.adminKey });
      const body = transfer('member:ten:points', 'issuance:member:ten:points', '1.00');
      const mine = await h.request('POST', '/v1/entries', { body, headers: { 'idempotency-key': 'shared-key' } });
      t.equal(mine.status, 201);
      const theirs = await h.request('POST', '/v1/entries', { body, key: other.adminKey, headers: { 'idempotency-key': 'shared-key' } });
      t.equal(theirs.status, 201, 'another tenant may use the same key');
      t.equal(theirs.headers['idempotent-replayed'], undefined, 'and is not given our stored answer');
      t.not(theirs.body.id, mine.body.id);
      t.equal(await balanceOf(h, 'member:ten:points'), '9.00');
      const theirBalance = await h.request('GET', '/v1/accounts/member:ten:points', { key: other.adminKey });
      t.equal(theirBalance.body.balance, '9.00', 'the other tenant was debited in its own ledger');

      const a = await h.request('POST', '/v1/entries', { body: transfer('issuance:member:ten:points', 'member:ten:points', '2.00') });
      const b = await h.request('POST', '/v1/entries', { body: transfer('issuance:member:ten:points', 'member:ten:points', '3.00') });
      const revA = await h.request('POST', `/v1/entries/${a.body.id}/reversal`, { body: { reason: 'x' }, headers: { 'idempotency-key': 'rev-key' } });
      t.equal(revA.status, 201);
      const entries = await h.count('ledger_entries');
      const revB = await h.request('POST', `/v1/entries/${b.body.id}/reversal`, { body: { reason: 'x' }, headers: { 'idempotency-key': 'rev-key' } });
      isProblem(t, revB, 409, 'idempotency_conflict', 'the same key for the reversal of another entry');
      t.equal(await h.count('ledger_entries'), entries, 'nothing written');
      t.equal((await h.request('GET', `/v1/entries/${b.body.id}`)).body.reversedByEntryId, null, 'the other entry is not reversed');
      await h.assertLedger(t);
    });

    t.test('a balance that would overflow NUMERIC(20,2) is 422 amount_out_of_range with nothing written, not a 500', async (t) => {
      await openAccount(h, { id: 'system:ovf:a', unit: 'POINTS', type: 'system', allowNegative: true });
      await openAccount(h, { id: 'system:ovf:b', unit: 'POINTS', type: 'system', allowNegative: true });
      // Each entry moves 50 × 999999999999999.99 (the largest amount the wire accepts); about 20
      // of them reach the 18 integer digits a balance holds.
      const big = '999999999999999.99';
      const postings = Array.from({ length: 50 }, () => [posting('system:ovf:a', 'debit', big), posting('system:ovf:b', 'credit', big)]).flat();
      let refused: Response | null = null;
      let before = await snapshot(h, ['system:ovf:a', 'system:ovf:b']);
      for (let i = 0; i < 25 && !refused; i++) {
        before = await snapshot(h, ['system:ovf:a', 'system:ovf:b']);
        const res = await h.request('POST', '/v1/entries', { body: { reason: `big ${i}`, postings } });
        if (res.status !== 201) refused = res;
      }
      t.ok(refused, 'eventually refused');
      t.equal(refused?.status, 422, `a 422 (got ${refused?.status} ${refused?.body?.code})`);
      t.match(String(refused?.headers['content-type']), /^application\/problem\+json/);
      t.equal(refused?.body?.code, 'amount_out_of_range');
      t.same(await snapshot(h, ['system:ovf:a', 'system:ovf:b']), before, 'nothing written by the refused entry');
      await h.assertLedger(t);
    });

    t.test('language of problem details', async (t) => {
      await fundedAccount(h, { id: 'member:lang:points', points: '3' });
      await openAccount(h, { id: 'market:lang', unit: 'POINTS', type: 'market', allowNegative: true });
      const body = transfer('member:lang:points', 'market:lang', '5.00');

      const zh = await h.request('POST', '/v1/entries', { body });
      isProblem(t, zh, 422, 'insufficient_points', 'default language');
      t.match(zh.body.detail, /积分不足/, 'default detail is Chinese');
      t.match(zh.body.detail, /3\.00/);
      t.match(zh.body.detail, /5\.00/);

      const cases: [string, RegExp][] = [
        ['en', /points available/],
        ['en-US,en;q=0.9', /points available/],
        ['zh-CN;q=0.5, en;q=0.9', /points available/],
        ['en;q=0.2, zh-CN', /积分不足/],
        ['zh-CN', /积分不足/],
        ['fr', /积分不足/],
      ];
      for (const [header, expected] of cases) {
        const res = await h.request('POST', '/v1/entries', { body, headers: { 'accept-language': header } });
        t.equal(res.status, 422);
        t.match(res.body.detail, expected, `Accept-Language: ${header}`);
        t.match(String(res.headers['content-type']), /^application\/problem\+json/);
      }
      const en = await h.request('POST', '/v1/entries', { body, headers: { 'accept-language': 'en' } });
      t.equal(en.body.detail, 'Account member:lang:points has 3.00 points available; 5.00 needed.');
      t.equal(en.headers['content-language'], 'en');
      t.equal(zh.headers['content-language'], 'zh-CN');

      const validationEn = await h.request('POST', '/v1/entries', { body: { postings: [] }, headers: { 'accept-language': 'en' } });
      t.equal(validationEn.status, 400);
      t.match(validationEn.body.detail, /not valid/);
      const validationZh = await h.request('POST', '/v1/entries', { body: { postings: [] } });
      t.match(validationZh.body.detail, /请求内容不符合要求/);
      t.equal(await balanceOf(h, 'member:lang:points'), '3.00');
      await h.assertLedger(t);
    });
  });
}
