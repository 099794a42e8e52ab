import t from 'tap';
import { engines, setup } from './helpers/harness.js';
import {
  type County,
  county,
  cst,
  HOUR,
  isProblem,
  orgUnit,
  recordBody,
  refused,
  register,
  rowCounts,
  sleep,
  submit,
  verified,
  verify,
} from './helpers/hours.js';

// Service records through the HTTP API: the flow from submission to revocation with exact
// balances, every refusal with its code and nothing written, automatic verification, stars,
// corrections of spent points, rule versions, and batches.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Member and issuance balances of one member and one org unit. */
async function balances(c: County, memberId: string, orgUnitId = 's1') {
  return {
    hours: await c.balance(`member:${memberId}:hours`),
    points: await c.balance(`member:${memberId}:points`),
    issuedHours: await c.balance(`issuance:${orgUnitId}:hours`),
    issuedPoints: await c.balance(`issuance:${orgUnitId}:points`),
  };
}

/** Postings of an entry as [account, unit, direction, amount]. */
async function postingsOf(c: County, entryId: string): Promise<string[][]> {
  const entry = await c.ok('GET', `/v1/entries/${entryId}`, undefined, 200);
  return entry.postings.map((p: any) => [p.accountId, p.unit, p.direction, p.amount]);
}

/** The admin's manual adjustment that spends a member's points at a market. */
async function spend(c: County, memberId: string, amount: string, market = 'market:m1'): Promise<void> {
  const exists = await c.req('GET', `/v1/accounts/${market}`);
  if (exists.status === 404) await c.ok('POST', '/v1/accounts', { id: market, unit: 'POINTS', type: 'market' }, 201);
  await c.ok(
    'POST',
    '/v1/entries',
    {
      reason: '爱心超市兑换',
      postings: [
        { accountId: `member:${memberId}:points`, unit: 'POINTS', direction: 'debit', amount },
        { accountId: market, unit: 'POINTS', direction: 'credit', amount },
      ],
    },
    201,
  );
}

const ELDERLY_RULE = {
  pointsPerHour: '10',
  categoryMultipliers: { elderly: '1.2' },
  ratingBonus: { '5': '5.00' },
  dailyCapHours: '12',
  backdatingDays: 30,
};

for (const engine of engines) {
  t.test(`service records on ${engine}`, async (t) => {
    const h = await setup(t, engine);

    t.test("a record's texts come back exactly as posted, whatever characters they hold", async (t) => {
      // The award writer sends a group's records as one array per column: a text that reads as an
      // array literal's NULL, quote, brace, comma or backslash, or as JSON, is still only text.
      const c = await county(h);
      const m = await register(c);
      const texts = {
        title: 'NULL',
        place: '{"a,b"}\\,{}',
        beneficiary: '"quoted" \\ back\\slash',
        content: '[{"no":1}] null',
        lead: 'a, b',
        recorder: "it's",
        reference: '{NULL,"x"}',
      };
      const body = { ...recordBody(m.id, { start: cst(3, 9), hours: '1' }), ...texts };
      const { record } = await submit(c, body);
      const verified = await verify(c, record.id);
      const read = await c.ok('GET', `/v1/service-records/${record.id}`, undefined, 200);
      const pick = (r: any) => Object.fromEntries(Object.keys(texts).map((k) => [k, r[k]]));
      for (const outcome of [record, verified.record, read.record ?? read]) t.same(pick(outcome), texts, 'the texts as posted');
      t.equal(verified.record.status, 'verified', 'verified');
    });

    t.test('the whole flow: post, verify, rate, correct, revoke, exact to the cent', async (t) => {
      const c = await county(h);
      const rule = await c.ok('POST', '/v1/points-rules', ELDERLY_RULE, 201);
      t.match(rule, { version: 2, pointsPerHour: '10.00', categoryMultipliers: { elderly: '1.2' }, dailyCapHours: '12.00' });
      const m = await register(c);
      t.match(m, { hours: '0.00', points: { balance: '0.00', held: '0.00', available: '0.00' }, stars: 0, hoursToNextStar: '100.00' });

      // Submitted: the answer has the outcome's shape, nothing moves.
      const entriesBefore = await h.count('ledger_entries');
      const body = recordBody(m.id, { start: cst(2, 9), span: 3, hours: '2.5', category: 'elderly', place: '幸福院' });
      const posted = await c.req('POST', '/v1/service-records', body);
      t.equal(posted.status, 201, 'posted');
      t.equal(posted.headers['idempotent-replayed'], undefined, 'not a replay');
      t.match(posted.body, {
        record: {
          externalId: body.externalId,
          memberId: m.id,
          orgUnitId: 's1',
          category: 'elderly',
          source: 'manual',
          place: '幸福院',
          startedAt: body.startedAt,
          endedAt: body.endedAt,
          hours: '2.50',
          status: 'submitted',
          award: null,
          rating: null,
          submittedBy: c.keyId,
          verifiedAt: null,
        },
        member: { id: m.id, hours: '0.00', points: '0.00', pointsAvailable: '0.00', stars: 0 },
        starChange: null,
        correction: null,
      });
      const id = posted.body.record.id;
      t.match(id, UUID);
      t.equal(await h.count('ledger_entries'), entriesBefore, 'a submitted record posts nothing');

      // Verified: one award entry under rule v2, with its arithmetic.
      const v = await verify(c, id);
      t.match(v.record, { status: 'verified', verifiedBy: c.keyId, award: { ruleVersion: 2, points: '30.00' } });
      t.ok(v.record.award.explanation.startsWith('2.5 h × 10 × 1.2 = 30.00'), `explanation: ${v.record.award.explanation}`);
      t.same(v.member, { id: m.id, hours: '2.50', points: '30.00', pointsAvailable: '30.00', stars: 0 });
      t.equal(v.starChange, null);
      const award = await c.ok('GET', `/v1/entries/${v.record.award.entryId}`, undefined, 200);
      t.match(award, { kind: 'award', ruleVersion: 2, objectType: 'service_record', objectId: id, occurredAt: body.endedAt });
      t.same(await postingsOf(c, award.id), [
        ['issuance:s1:hours', 'HOURS', 'debit', '2.50'],
        [`member:${m.id}:hours`, 'HOURS', 'credit', '2.50'],
        ['issuance:s1:points', 'POINTS', 'debit', '30.00'],
        [`member:${m.id}:points`, 'POINTS', 'credit', '30.00'],
      ]);
      t.same(await balances(c, m.id), { hours: '2.50', points: '30.00', issuedHours: '-2.50', issuedPoints: '-30.00' }, 'after verification');
      await h.assertLedger(t);

      // Rated 5★: the rule's bonus is its own entry.
      const r = await c.ok('POST', `/v1/service-records/${id}/rating`, { stars: 5, comment: '很耐心' }, 200);
      t.match(r.record.rating, { stars: 5, comment: '很耐心', bonusPoints: '5.00', bonusEntryId: UUID });
      t.same(r.member, { id: m.id, hours: '2.50', points: '35.00', pointsAvailable: '35.00', stars: 0 });
      const bonus = await c.ok('GET', `/v1/entries/${r.record.rating.bonusEntryId}`, undefined, 200);
      t.match(bonus, { kind: 'bonus', ruleVersion: 2, objectId: id });
      t.same(await postingsOf(c, bonus.id), [
        ['issuance:s1:points', 'POINTS', 'debit', '5.00'],
        [`member:${m.id}:points`, 'POINTS', 'credit', '5.00'],
      ]);
      t.same(await balances(c, m.id), { hours: '2.50', points: '35.00', issuedHours: '-2.50', issuedPoints: '-35.00' }, 'after rating');
      await h.assertLedger(t);

      // Corrected to 2 h: the old award reversed, a new one under the same rule version.
      const k = await c.ok('POST', `/v1/service-records/${id}/correction`, { hours: '2', reason: '签退时间录错' }, 200);
      t.match(k.correction, { reversalEntryIds: [UUID], awardEntryId: UUID, adjustmentEntryId: null, forced: false, shortfall: '0.00' });
      t.match(k.record, { hours: '2.00', status: 'verified', award: { entryId: k.correction.awardEntryId, ruleVersion: 2, points: '24.00' } });
      t.ok(k.record.award.explanation.startsWith('2 h × 10 × 1.2 = 24.00'), `explanation: ${k.record.award.explanation}`);
      t.same(k.member, { id: m.id, hours: '2.00', points: '29.00', pointsAvailable: '29.00', stars: 0 });
      const old = await c.ok('GET', `/v1/entries/${award.id}`, undefined, 200);
      t.equal(old.reversedByEntryId, k.correction.reversalEntryIds[0], 'the old award shows its reversal');
      t.match(await c.ok('GET', `/v1/entries/${k.correction.reversalEntryIds[0]}`, undefined, 200), { kind: 'reversal', reversesEntryId: award.id });
      t.match(await c.ok('GET', `/v1/entries/${k.correction.awardEntryId}`, undefined, 200), { kind: 'award', ruleVersion: 2, reversedByEntryId: null });
      t.same(await balances(c, m.id), { hours: '2.00', points: '29.00', issuedHours: '-2.00', issuedPoints: '-29.00' }, 'after correction');
      await h.assertLedger(t);

      // Revoked: the current award and the bonus reversed; everything back to zero.
      const x = await c.ok('POST', `/v1/service-records/${id}/revocation`, { reason: '重复登记' }, 200);
      t.equal(x.record.status, 'revoked');
      t.equal(x.correction.reversalEntryIds.length, 2, 'award and bonus reversed');
      const reversed = [];
      for (const e of x.correction.reversalEntryIds) reversed.push((await c.ok('GET', `/v1/entries/${e}`, undefined, 200)).reversesEntryId);
      t.same(reversed.sort(), [k.correction.awardEntryId, bonus.id].sort(), 'the reversals point at the current award and the bonus');
      t.same(x.member, { id: m.id, hours: '0.00', points: '0.00', pointsAvailable: '0.00', stars: 0 });
      t.same(await balances(c, m.id), { hours: '0.00', points: '0.00', issuedHours: '0.00', issuedPoints: '0.00' }, 'after revocation');
      await h.assertLedger(t);

      // The member's points statement, newest first, with running balances.
      const statement = await c.ok('GET', `/v1/accounts/member:${m.id}:points/postings`, undefined, 200);
      t.same(
        statement.items.map((p: any) => [p.kind, p.direction, p.amount, p.balanceAfter]),
        [
          ['reversal', 'debit', '5.00', '0.00'],
          ['reversal', 'debit', '24.00', '5.00'],
          ['reversal', 'debit', '30.00', '29.00'],
          ['award', 'credit', '24.00', '59.00'],
          ['bonus', 'credit', '5.00', '35.00'],
          ['award', 'credit', '30.00', '30.00'],
        ],
        'points statement',
      );

      // The record's history, oldest first.
      const got = await c.ok('GET', `/v1/service-records/${id}`, undefined, 200);
      t.same(got.history.map((e: any) => [e.no, e.type]), [[1, 'submitted'], [2, 'verified'], [3, 'rated'], [4, 'corrected'], [5, 'revoked']]);
      t.ok(got.history.every((e: any) => e.actor === c.keyId && !Number.isNaN(Date.parse(e.at))), 'every event has its actor and time');
      t.match(got.history[1].detail, { automatic: false, ruleVersion: 2, points: '30.00', entryId: award.id });
      t.match(got.history[3], { reason: '签退时间录错', detail: { hoursBefore: '2.50', hoursAfter: '2.00', pointsBefore: '30.00', pointsAfter: '24.00' } });
      t.equal(got.history[4].reason, '重复登记');
    });

    t.test('the same externalId: same body replays, another body is a conflict', async (t) => {
      const c = await county(h);
      const m = await register(c);
      const body = recordBody(m.id, { start: cst(2, 9), hours: '2' });
      const first = await c.req('POST', '/v1/service-records', body);
      t.equal(first.status, 201);
      const before = await rowCounts(h);
      const again = await c.req('POST', '/v1/service-records', body);
      t.equal(again.status, 201, 'replayed with the first status');
      t.equal(again.headers['idempotent-replayed'], 'true');
      t.same(again.body, first.body, 'the first answer again');
      t.same(await rowCounts(h), before, 'a replay writes nothing');
      await refused(t, h, 'same externalId, other hours', () => c.req('POST', '/v1/service-records', { ...body, hours: '1.5' }), 409, 'idempotency_conflict');
    });

    t.test('a refused record may be corrected and posted again under its externalId (README)', async (t) => {
      const c = await county(h);
      const m = await register(c);
      const s2key = (await c.ok('POST', '/v1/api-keys', { name: '西街站', role: 'station', orgUnitId: 's2' }, 201)).key;
      await submit(c, recordBody(m.id, { start: cst(2, 8), hours: '10' }));
      const cases: { what: string; status: number; code: string; wrong: Record<string, unknown>; key?: string }[] = [
        { what: 'end before start', status: 400, code: 'record_period_invalid', wrong: { endedAt: cst(3, 8).toISOString() } },
        { what: 'overlapping', status: 409, code: 'overlapping_record', wrong: { startedAt: cst(2, 9).toISOString(), endedAt: cst(2, 11).toISOString() } },
        { what: 'above the daily cap', status: 422, code: 'daily_cap_exceeded', wrong: { startedAt: cst(2, 19).toISOString(), endedAt: cst(2, 23).toISOString(), hours: '4' } },
        { what: 'in the future', status: 422, code: 'record_in_future', wrong: { startedAt: new Date(Date.now() + HOUR).toISOString(), endedAt: new Date(Date.now() + 3 * HOUR).toISOString() } },
        { what: 'unknown member', status: 404, code: 'member_not_found', wrong: { memberId: '00000000-0000-4000-8000-000000000000' } },
        { what: 'outside the key', status: 403, code: 'org_unit_out_of_scope', wrong: { orgUnitId: 's1' }, key: s2key },
      ];
      let day = 3;
      for (const k of cases) {
        const right = recordBody(m.id, { start: cst(day++, 9), hours: '2', orgUnitId: k.key ? 's2' : 's1' });
        await refused(t, h, k.what, () => c.req('POST', '/v1/service-records', { ...right, ...k.wrong }, k.key), k.status, k.code);
        const again = await c.req('POST', '/v1/service-records', right, k.key);
        t.equal(again.status, 201, `${k.what}: the corrected record is accepted under the same externalId (got ${again.status} ${again.body?.code ?? ''})`);
      }
    });

    t.test("a station key's refusal for a unit outside it is not the admin's answer to the same record", async (t) => {
      const c = await county(h);
      const m = await register(c);
      const s2key = (await c.ok('POST', '/v1/api-keys', { name: '西街站', role: 'station', orgUnitId: 's2' }, 201)).key;
      const body = recordBody(m.id, { start: cst(2, 9), hours: '2', orgUnitId: 's1' });
      isProblem(t, await c.req('POST', '/v1/service-records', body, s2key), 403, 'org_unit_out_of_scope', 's2 key posts at s1');
      const admin = await c.req('POST', '/v1/service-records', body);
      t.equal(admin.status, 201, `the admin may post it (got ${admin.status} ${admin.body?.code ?? ''})`);
    });

    t.test('a replay does not hand a record to a key it is out of scope for', async (t) => {
      const c = await county(h);
      const m = await register(c);
      const s2key = (await c.ok('POST', '/v1/api-keys', { name: '西街站', role: 'station', orgUnitId: 's2' }, 201)).key;
      const s1 = recordBody(m.id, { start: cst(3, 9), hours: '2', orgUnitId: 's1' });
      await submit(c, s1);
      const replay = await c.req('POST', '/v1/service-records', s1, s2key);
      isProblem(t, replay, 403, 'org_unit_out_of_scope', 's2 key repeats the body of an s1 record');
      t.equal(replay.body?.record, undefined, 'the s2 key does not get the s1 record');
    });

    t.test('refusals: each with its code, nothing written', async (t) => {
      const c = await county(h);
      const m = await register(c);
      const post = (b: unknown, key?: string) => () => c.req('POST', '/v1/service-records', b, key);

      t.test('end not after start', async (t) => {
        const b = recordBody(m.id, { start: cst(2, 9), hours: '1' });
        await refused(t, h, 'end = start', post({ ...b, endedAt: b.startedAt }), 400, 'record_period_invalid');
        await refused(t, h, 'end before start', post({ ...b, endedAt: cst(2, 8).toISOString() }), 400, 'record_period_invalid');
      });

      t.test('hours above the elapsed time', async (t) => {
        const res = await refused(t, h, '2.01 h in 2 h', post(recordBody(m.id, { start: cst(2, 9), span: 2, hours: '2.01' })), 400, 'hours_exceed_period');
        t.match(res.body, { hours: '2.01', elapsed: '2.00' });
      });

      t.test('overlap with a submitted or verified record; a rejected one does not block', async (t) => {
        const m2 = await register(c);
        const a = await submit(c, recordBody(m2.id, { start: cst(3, 9), hours: '3' }));
        const overlapping = recordBody(m2.id, { start: cst(3, 11), hours: '3' });
        const res = await refused(t, h, 'overlaps a submitted record', post(overlapping), 409, 'overlapping_record');
        t.equal(res.body.recordId, a.record.id, 'names the record it overlaps');
        await verify(c, a.record.id);
        await refused(t, h, 'overlaps a verified record', post({ ...overlapping, externalId: `${overlapping.externalId}-2` }), 409, 'overlapping_record');
        await submit(c, recordBody(m2.id, { start: cst(3, 12), hours: '1' }));
        t.pass('a record starting when another ends does not overlap');
        await submit(c, recordBody(m.id, { start: cst(3, 10), hours: '1' }));
        t.pass('another member at the same time does not overlap');

        const d = await submit(c, recordBody(m2.id, { start: cst(4, 9), hours: '3' }));
        const rejected = await c.ok('POST', `/v1/service-records/${d.record.id}/rejection`, { reason: '无签到记录' }, 200);
        t.match(rejected.record, { status: 'rejected', rejectReason: '无签到记录', award: null });
        const e = await submit(c, recordBody(m2.id, { start: cst(4, 10), hours: '1' }));
        t.equal(e.record.status, 'submitted', 'a rejected record does not block');

        const g = await verified(c, m2.id, { start: cst(5, 9), hours: '3' });
        await c.ok('POST', `/v1/service-records/${g.record.id}/revocation`, { reason: '重复' }, 200);
        t.equal((await submit(c, recordBody(m2.id, { start: cst(5, 10), hours: '1' }))).record.status, 'submitted', 'nor does a revoked one');
      });

      t.test('in the future', async (t) => {
        const now = Date.now();
        await refused(t, h, 'starts in an hour', post(recordBody(m.id, { start: new Date(now + HOUR), hours: '1' })), 422, 'record_in_future');
        await refused(t, h, 'ends in ten minutes', post(recordBody(m.id, { start: new Date(now - HOUR), span: 70 / 60, hours: '1' })), 422, 'record_in_future');
      });

      t.test('older than the back-dating window', async (t) => {
        const res = await refused(t, h, '31 days ago', post(recordBody(m.id, { start: cst(31, 9), hours: '1' })), 422, 'record_too_old');
        t.equal(res.body.days, 30);
        await submit(c, recordBody(m.id, { start: cst(28, 9), hours: '1' }));
        t.pass('28 days ago is within the window');
      });

      t.test('daily cap, counted by China-time day', async (t) => {
        const m3 = await register(c);
        // Day D (China time) 00:30–08:30 starts on the UTC day before: both count for day D.
        await submit(c, recordBody(m3.id, { start: cst(5, 0, 30), hours: '8' }));
        const res = await refused(t, h, '8 + 4.5 h on one day', post(recordBody(m3.id, { start: cst(5, 19), hours: '4.5' })), 422, 'daily_cap_exceeded');
        t.match(res.body, { total: '12.50', cap: '12.00' });
        const exact = await submit(c, recordBody(m3.id, { start: cst(5, 19), hours: '4', span: 4.5 }));
        t.equal(exact.record.status, 'submitted', '8 + 4 h is exactly the cap');
        // 18:00–01:00 and 01:00–07:00 China time start on one UTC day but on two China-time days:
        // 7 + 6 h is fine, and the second day then has 1 h (the share of 18:00–01:00 after
        // midnight) + 6 h of its 12.
        await submit(c, recordBody(m3.id, { start: cst(8, 18), hours: '7' }));
        await submit(c, recordBody(m3.id, { start: cst(7, 1), hours: '6' }));
        t.pass('two China-time days on one UTC day are capped separately');
        await refused(t, h, '1 + 6 + 6.5 h on the later day', post(recordBody(m3.id, { start: cst(7, 8), hours: '6.5' })), 422, 'daily_cap_exceeded');
        // A rejected record no longer counts.
        const big = await submit(c, recordBody(m3.id, { start: cst(9, 8), hours: '10' }));
        await refused(t, h, '10 + 3 h', post(recordBody(m3.id, { start: cst(9, 19), hours: '3' })), 422, 'daily_cap_exceeded');
        await c.ok('POST', `/v1/service-records/${big.record.id}/rejection`, { reason: '时长有误' }, 200);
        await submit(c, recordBody(m3.id, { start: cst(9, 19), hours: '3' }));
        t.pass('a rejected record does not count towards the cap');
      });

      t.test('inactive member', async (t) => {
        const m4 = await register(c);
        t.equal((await c.ok('POST', `/v1/members/${m4.id}/deactivation`, undefined, 200)).active, false);
        await refused(t, h, 'deactivated member', post(recordBody(m4.id, { start: cst(2, 9), hours: '1' })), 422, 'member_inactive');
      });

      t.test('inactive org unit, or under an inactive one', async (t) => {
        await orgUnit(c, { id: 'i-closed', kind: 'institute', parentId: 'c' });
        await orgUnit(c, { id: 's-under-closed', kind: 'station', parentId: 'i-closed' });
        await orgUnit(c, { id: 's-closed', kind: 'station', parentId: 'i' });
        await c.ok('POST', '/v1/org-units/i-closed/deactivation', undefined, 200);
        await c.ok('POST', '/v1/org-units/s-closed/deactivation', undefined, 200);
        const r1 = await refused(t, h, 'deactivated station', post(recordBody(m.id, { start: cst(2, 9), hours: '1', orgUnitId: 's-closed' })), 422, 'org_unit_inactive');
        t.equal(r1.body.orgUnitId, 's-closed');
        await refused(t, h, 'station under a deactivated institute', post(recordBody(m.id, { start: cst(2, 9), hours: '1', orgUnitId: 's-under-closed' })), 422, 'org_unit_inactive');
      });

      t.test('org unit outside a scoped station key', async (t) => {
        const s2key = (await c.ok('POST', '/v1/api-keys', { name: '西街站', role: 'station', orgUnitId: 's2' }, 201)).key;
        const inS1 = await submit(c, recordBody(m.id, { start: cst(6, 9), hours: '1' }));
        const r = await refused(t, h, 's2 key posts at s1', post(recordBody(m.id, { start: cst(6, 11), hours: '1', orgUnitId: 's1' }), s2key), 403, 'org_unit_out_of_scope');
        t.equal(r.body.orgUnitId, 's1');
        await refused(t, h, 's2 key verifies an s1 record', () => c.req('POST', `/v1/service-records/${inS1.record.id}/verification`, undefined, s2key), 403, 'org_unit_out_of_scope');
        isProblem(t, await c.req('GET', `/v1/service-records/${inS1.record.id}`, undefined, s2key), 403, 'org_unit_out_of_scope', 's2 key reads an s1 record');
        const own = await submit(c, recordBody(m.id, { start: cst(6, 13), hours: '1', orgUnitId: 's2' }), s2key);
        t.match((await verify(c, own.record.id, s2key)).record, { status: 'verified', orgUnitId: 's2' }, 'its own unit is fine');
      });

      t.test('unknown member or org unit', async (t) => {
        const b = recordBody('00000000-0000-4000-8000-000000000000', { start: cst(2, 9), hours: '1' });
        await refused(t, h, 'unknown member', post(b), 404, 'member_not_found');
        await refused(t, h, 'unknown org unit', post(recordBody(m.id, { start: cst(2, 9), hours: '1', orgUnitId: 'nowhere' })), 404, 'org_unit_not_found');
        await refused(t, h, 'unknown record', () => c.req('POST', '/v1/service-records/00000000-0000-4000-8000-000000000000/verification'), 404, 'record_not_found');
      });

      t.test('actions the record status does not allow', async (t) => {
        const m5 = await register(c);
        const s = await submit(c, recordBody(m5.id, { start: cst(10, 9), hours: '2' }));
        const id = s.record.id;
        await refused(t, h, 'rating a submitted record', () => c.req('POST', `/v1/service-records/${id}/rating`, { stars: 4 }), 409, 'record_status_conflict');
        await refused(t, h, 'correcting a submitted record', () => c.req('POST', `/v1/service-records/${id}/correction`, { hours: '1', reason: 'x' }), 409, 'record_status_conflict');
        await verify(c, id);
        await refused(t, h, 'verifying twice', () => c.req('POST', `/v1/service-records/${id}/verification`), 409, 'record_status_conflict');
        await refused(t, h, 'rejecting a verified record', () => c.req('POST', `/v1/service-records/${id}/rejection`, { reason: 'x' }), 409, 'record_status_conflict');
        await refused(t, h, 'correcting to the same hours', () => c.req('POST', `/v1/service-records/${id}/correction`, { hours: '2.00', reason: 'x' }), 409, 'record_status_conflict');
        await c.ok('POST', `/v1/service-records/${id}/rating`, { stars: 4 }, 200);
        await refused(t, h, 'rating twice', () => c.req('POST', `/v1/service-records/${id}/rating`, { stars: 5 }), 409, 'already_rated');
        await c.ok('POST', `/v1/service-records/${id}/revocation`, { reason: '撤销' }, 200);
        await refused(t, h, 'revoking twice', () => c.req('POST', `/v1/service-records/${id}/revocation`, { reason: '撤销' }), 409, 'record_status_conflict');
        await refused(t, h, 'correcting a revoked record', () => c.req('POST', `/v1/service-records/${id}/correction`, { hours: '1', reason: 'x' }), 409, 'record_status_conflict');
      });

      t.test('corrections above the elapsed time or the daily cap', async (t) => {
        const m6 = await register(c);
        const ten = await verified(c, m6.id, { start: cst(13, 8), span: 10.5, hours: '10' });
        await verified(c, m6.id, { start: cst(13, 19), hours: '2' });
        const correct = (hours: string) => () => c.req('POST', `/v1/service-records/${ten.record.id}/correction`, { hours, reason: 'x' });
        await refused(t, h, '11 h in 10.5 h', correct('11'), 400, 'hours_exceed_period');
        const cap = await refused(t, h, '10.5 + 2 h on one day', correct('10.5'), 422, 'daily_cap_exceeded');
        t.match(cap.body, { total: '12.50', cap: '12.00' });
        const k = await c.ok('POST', `/v1/service-records/${ten.record.id}/correction`, { hours: '9.5', reason: 'x' }, 200);
        t.equal(k.member.hours, '11.50', 'the record itself is not counted twice');
      });

      t.test("a record's entries are reversed only through the record", async (t) => {
        const m8 = await register(c);
        const v = await verified(c, m8.id, { start: cst(16, 9), hours: '1' });
        const res = await refused(t, h, 'manual reversal of an award', () => c.req('POST', `/v1/entries/${v.record.award.entryId}/reversal`, { reason: '手工冲正' }), 409, 'entry_belongs_to_record');
        t.equal(res.body.recordId, v.record.id);
      });

      t.test('verifying for a member deactivated since the submission', async (t) => {
        const m7 = await register(c);
        const s = await submit(c, recordBody(m7.id, { start: cst(14, 9), hours: '1' }));
        await c.ok('POST', `/v1/members/${m7.id}/deactivation`, undefined, 200);
        await refused(t, h, 'verification', () => c.req('POST', `/v1/service-records/${s.record.id}/verification`), 422, 'member_inactive');
      });

      t.test('another tenant sees and touches none of it', async (t) => {
        const other = await county(h);
        const s = await submit(c, recordBody(m.id, { start: cst(15, 9), hours: '1' }));
        isProblem(t, await other.req('GET', `/v1/service-records/${s.record.id}`), 404, 'record_not_found', 'read');
        await refused(t, h, 'verify', () => other.req('POST', `/v1/service-records/${s.record.id}/verification`), 404, 'record_not_found');
        await refused(t, h, "post for this tenant's member", () => other.req('POST', '/v1/service-records', recordBody(m.id, { start: cst(15, 11), hours: '1' })), 404, 'member_not_found');
        t.same((await other.ok('GET', '/v1/service-records', undefined, 200)).items, [], 'lists nothing');
      });

      t.test('bad amount formats', async (t) => {
        const b = recordBody(m.id, { start: cst(11, 9), hours: '1' });
        for (const [hours, code] of [
          ['1.234', 'too_many_decimals'],
          ['1.500', 'too_many_decimals'],
          ['abc', 'invalid_amount'],
          ['1e2', 'invalid_amount'],
          ['0', 'amount_not_positive'],
          ['-1', 'amount_not_positive'],
          [1.5, 'validation_failed'],
        ] as const) {
          const res = await refused(t, h, `hours ${JSON.stringify(hours)}`, post({ ...b, hours }), 400, code);
          t.ok(res.body.errors?.some((e: any) => e.path === 'hours'), `hours ${JSON.stringify(hours)}: errors[] names hours`);
        }
        const ok = await submit(c, { ...b, hours: '0.75' });
        await verify(c, ok.record.id);
        await refused(t, h, 'correction to 0.125 h', () => c.req('POST', `/v1/service-records/${ok.record.id}/correction`, { hours: '0.125', reason: 'x' }), 400, 'too_many_decimals');
      });

      t.test('schema: missing and malformed fields', async (t) => {
        const b = recordBody(m.id, { start: cst(12, 9), hours: '1' });
        const { title: _title, ...untitled } = b;
        const r1 = await refused(t, h, 'no title', post(untitled), 400, 'validation_failed');
        t.ok(r1.body.errors?.some((e: any) => e.path === 'title'), 'errors[] names title');
        await refused(t, h, 'memberId not a uuid', post({ ...b, memberId: 'zhang-san' }), 400, 'validation_failed');
        await refused(t, h, 'start without an offset', post({ ...b, startedAt: '2024-05-01T09:00:00' }), 400, 'validation_failed');
        await refused(t, h, 'unknown source', post({ ...b, source: 'phone' }), 400, 'validation_failed');
      });

      t.test('the ledger still verifies', async (t) => h.assertLedger(t));
    });

    t.test('automatic verification, tenant-wide', async (t) => {
      const c = await county(h);
      const m = await register(c);
      t.match(await c.ok('PATCH', '/v1/settings', { autoVerify: true }, 200), { autoVerify: true });
      const res = await submit(c, recordBody(m.id, { start: cst(2, 9), hours: '2' }));
      t.match(res.record, { status: 'verified', verifiedBy: c.keyId, award: { ruleVersion: 1, points: '20.00', entryId: UUID } });
      t.same(res.member, { id: m.id, hours: '2.00', points: '20.00', pointsAvailable: '20.00', stars: 0 });
      const got = await c.ok('GET', `/v1/service-records/${res.record.id}`, undefined, 200);
      t.same(got.history.map((e: any) => e.type), ['submitted', 'verified']);
      t.equal(got.history[1].detail.automatic, true, 'the history says it was automatic');
      await h.assertLedger(t);

      await c.ok('PATCH', '/v1/settings', { autoVerify: false }, 200);
      t.equal((await submit(c, recordBody(m.id, { start: cst(3, 9), hours: '2' }))).record.status, 'submitted', 'switched off again');
    });

    t.test('automatic verification per org unit applies to the units under it', async (t) => {
      const c = await county(h);
      await orgUnit(c, { id: 'i2', kind: 'institute', parentId: 'c', autoVerify: true });
      await orgUnit(c, { id: 's3', kind: 'station', parentId: 'i2' });
      await orgUnit(c, { id: 'p3', kind: 'point', parentId: 's3' });
      const m = await register(c);
      const underI2 = await submit(c, recordBody(m.id, { start: cst(2, 9), hours: '1.5', orgUnitId: 'p3' }));
      t.match(underI2.record, { status: 'verified', orgUnitId: 'p3', award: { points: '15.00' } }, 'a point two levels under i2');
      t.equal(underI2.member.hours, '1.50');
      t.equal(await c.balance('issuance:p3:points'), '-15.00', "the point's own issuance account");
      const s3key = (await c.ok('POST', '/v1/api-keys', { name: 's3', role: 'station', orgUnitId: 's3' }, 201)).key;
      t.equal((await submit(c, recordBody(m.id, { start: cst(3, 9), hours: '1', orgUnitId: 's3' }), s3key)).record.status, 'verified', "a station key of s3");
      t.equal((await submit(c, recordBody(m.id, { start: cst(4, 9), hours: '1', orgUnitId: 's1' }))).record.status, 'submitted', 's1 is not under i2');

      t.match(await c.ok('PATCH', '/v1/org-units/i', { autoVerify: true }, 200), { autoVerify: true });
      t.equal((await submit(c, recordBody(m.id, { start: cst(5, 9), hours: '1', orgUnitId: 'p1' }))).record.status, 'verified', 'switched on for i: p1 under s1 under i');
      await h.assertLedger(t);
    });

    t.test('stars: reaching 100 hours, a correction and a revocation taking it away', async (t) => {
      const c = await county(h);
      const m = await register(c);
      const twelves = [];
      for (let day = 2; day <= 9; day++) {
        const v = await verified(c, m.id, { start: cst(day, 8), hours: '12' });
        t.equal(v.starChange, null, `${(day - 1) * 12} h: no star yet`);
        twelves.push(v.record.id);
      }
      const four = await submit(c, recordBody(m.id, { start: cst(10, 8), hours: '4', span: 5 }));
      const up = await verify(c, four.record.id);
      t.match(up.starChange, { id: UUID, from: 0, to: 1, hours: '100.00', cause: 'award', recordId: four.record.id, entryId: up.record.award.entryId });
      t.match(up.member, { hours: '100.00', points: '1000.00', stars: 1 }, 'exactly 100 h is one star');
      const member = await c.ok('GET', `/v1/members/${m.id}`, undefined, 200);
      t.match(member, { stars: 1, hours: '100.00', hoursToNextStar: '200.00' });
      t.same(member.lastStarChange, up.starChange, 'lastStarChange is the change the verification answered');

      const down = await c.ok('POST', `/v1/service-records/${four.record.id}/correction`, { hours: '3', reason: '实际 3 小时' }, 200);
      t.match(down.starChange, { from: 1, to: 0, hours: '99.00', cause: 'correction', recordId: four.record.id, entryId: down.correction.awardEntryId });
      t.match(await c.ok('GET', `/v1/members/${m.id}`, undefined, 200), { stars: 0, hours: '99.00', hoursToNextStar: '1.00' });

      const again = await verified(c, m.id, { start: cst(11, 8), hours: '4' });
      t.match(again.starChange, { from: 0, to: 1, hours: '103.00', cause: 'award' });
      const revoked = await c.ok('POST', `/v1/service-records/${twelves[0]}/revocation`, { reason: '活动取消' }, 200);
      t.match(revoked.starChange, { from: 1, to: 0, hours: '91.00', cause: 'revocation', recordId: twelves[0], entryId: revoked.correction.reversalEntryIds[0] });
      t.match(revoked.member, { hours: '91.00', stars: 0 });

      const changes = (await c.ok('GET', `/v1/members/${m.id}/star-changes`, undefined, 200)).items;
      t.same(
        changes.map((s: any) => [s.from, s.to, s.cause, s.hours]),
        [
          [1, 0, 'revocation', '91.00'],
          [0, 1, 'award', '103.00'],
          [1, 0, 'correction', '99.00'],
          [0, 1, 'award', '100.00'],
        ],
        'every change, newest first, with its cause',
      );
      const times = changes.map((s: any) => Date.parse(s.changedAt));
      t.ok(times.every((x: number, i: number) => !Number.isNaN(x) && (i === 0 || x <= times[i - 1])), 'with their times, newest first');
      t.same(changes[3], up.starChange, 'the history holds the change the verification answered');
      await h.assertLedger(t);
    });

    t.test('corrections of points already spent: refused, not for a station, forced by an admin', async (t) => {
      const c = await county(h);
      const m = await register(c);
      const station = await h.keyFor('station', c.key);
      const v = await verified(c, m.id, { start: cst(2, 8), hours: '10' });
      const id = v.record.id;
      t.equal(v.member.points, '100.00');
      await spend(c, m.id, '90.00');
      t.equal((await c.ok('GET', `/v1/members/${m.id}`, undefined, 200)).points.available, '10.00');

      const correct = (body: unknown, key?: string) => () => c.req('POST', `/v1/service-records/${id}/correction`, body, key);
      const spent = await refused(t, h, 'takes back 50 of 10 available', correct({ hours: '5', reason: '多报' }), 422, 'points_already_spent');
      t.match(spent.body, { required: '50.00', available: '10.00' });
      await refused(t, h, 'a station without force', correct({ hours: '5', reason: '多报' }, station), 422, 'points_already_spent');
      await refused(t, h, 'a station with force', correct({ hours: '5', reason: '多报', force: true }, station), 403, 'force_not_allowed');
      t.match(await c.ok('GET', `/v1/service-records/${id}`, undefined, 200), { hours: '10.00', award: { entryId: v.record.award.entryId, points: '100.00' } }, 'the record is unchanged');
      t.equal(await c.balance(`member:${m.id}:points`), '10.00', 'the points are unchanged');

      const forced = await c.ok('POST', `/v1/service-records/${id}/correction`, { hours: '5', reason: '多报', force: true }, 200);
      t.match(forced.correction, { forced: true, shortfall: '40.00', adjustmentEntryId: UUID, awardEntryId: UUID, reversalEntryIds: [UUID] });
      t.same(forced.member, { id: m.id, hours: '5.00', points: '0.00', pointsAvailable: '0.00', stars: 0 });
      t.match(forced.record, { hours: '5.00', award: { points: '50.00' } });
      t.match(await c.ok('GET', `/v1/members/${m.id}`, undefined, 200), { points: { balance: '0.00', held: '0.00', available: '0.00' } });
      t.equal(await c.balance('adjustment:points'), '-40.00', 'the shortfall came from the adjustment account');
      t.match(await c.ok('GET', `/v1/entries/${forced.correction.adjustmentEntryId}`, undefined, 200), { kind: 'adjustment', objectId: id });
      t.same(await postingsOf(c, forced.correction.adjustmentEntryId), [
        ['adjustment:points', 'POINTS', 'debit', '40.00'],
        [`member:${m.id}:points`, 'POINTS', 'credit', '40.00'],
      ]);
      t.same(await balances(c, m.id), { hours: '5.00', points: '0.00', issuedHours: '-5.00', issuedPoints: '-50.00' });
      t.equal(await c.balance('market:m1'), '90.00', 'what was spent stays spent');
      const history = (await c.ok('GET', `/v1/service-records/${id}`, undefined, 200)).history;
      t.match(history.at(-1), { type: 'corrected', detail: { forced: true, shortfall: '40.00' } });
      await h.assertLedger(t);
    });

    t.test('revocation of points already spent: refused, not for a station, forced by an admin', async (t) => {
      const c = await county(h);
      const m = await register(c);
      const station = await h.keyFor('station', c.key);
      await c.ok('POST', '/v1/points-rules', ELDERLY_RULE, 201);
      const v = await verified(c, m.id, { start: cst(2, 8), hours: '3' });
      await c.ok('POST', `/v1/service-records/${v.record.id}/rating`, { stars: 5 }, 200);
      await spend(c, m.id, '30.00');
      const revoke = (body: unknown, key?: string) => () => c.req('POST', `/v1/service-records/${v.record.id}/revocation`, body, key);
      const spent = await refused(t, h, 'takes back 35 of 5 available', revoke({ reason: '冒领' }), 422, 'points_already_spent');
      t.match(spent.body, { required: '35.00', available: '5.00' });
      await refused(t, h, 'a station with force', revoke({ reason: '冒领', force: true }, station), 403, 'force_not_allowed');
      const forced = await c.ok('POST', `/v1/service-records/${v.record.id}/revocation`, { reason: '冒领', force: true }, 200);
      t.match(forced.correction, { forced: true, shortfall: '30.00', adjustmentEntryId: UUID });
      t.same(forced.member, { id: m.id, hours: '0.00', points: '0.00', pointsAvailable: '0.00', stars: 0 });
      t.equal(await c.balance('adjustment:points'), '-30.00');
      await h.assertLedger(t);
    });

    t.test('rule versions: an award uses the rule in force when verified; past awards never change', async (t) => {
      const c = await county(h);
      const m = await register(c);
      const rules = async () => (await c.ok('GET', '/v1/points-rules', undefined, 200)).items.length;
      const pastFrom = new Date(Date.now() - 60_000).toISOString();
      const past = await c.req('POST', '/v1/points-rules', { effectiveFrom: pastFrom, pointsPerHour: '20', dailyCapHours: '12', backdatingDays: 30 });
      isProblem(t, past, 422, 'rule_effective_in_past', 'a rule effective a minute ago');
      t.equal(await rules(), 1, 'no rule added');

      const effectiveAt = Date.now() + 2000;
      const v2 = await c.ok('POST', '/v1/points-rules', { effectiveFrom: new Date(effectiveAt).toISOString(), pointsPerHour: '20', dailyCapHours: '12', backdatingDays: 30 }, 201);
      t.match(v2, { version: 2, effectiveFrom: new Date(effectiveAt).toISOString(), pointsPerHour: '20.00' });

      const a = await verified(c, m.id, { start: cst(2, 9), hours: '2' });
      const b = await submit(c, recordBody(m.id, { start: cst(3, 9), hours: '2' }));
      t.ok(Date.now() < effectiveAt, 'the first record was verified before the new rule took effect');
      t.match(a.record.award, { ruleVersion: 1, points: '20.00' });
      t.ok(a.record.award.explanation.startsWith('2 h × 10 = 20.00'), a.record.award.explanation);

      await sleep(Math.max(0, effectiveAt - Date.now() + 50));
      const bv = await verify(c, b.record.id);
      t.match(bv.record.award, { ruleVersion: 2, points: '40.00' });
      t.ok(bv.record.award.explanation.startsWith('2 h × 20 = 40.00'), bv.record.award.explanation);
      t.equal((await c.ok('GET', `/v1/entries/${bv.record.award.entryId}`, undefined, 200)).ruleVersion, 2);
      t.equal((await c.ok('GET', `/v1/entries/${a.record.award.entryId}`, undefined, 200)).ruleVersion, 1);
      t.match(await c.ok('GET', `/v1/service-records/${a.record.id}`, undefined, 200), { award: { ruleVersion: 1, points: '20.00' } }, 'the first award is unchanged');
      t.equal(bv.member.points, '60.00');

      // A later correction of the first record keeps its rule version.
      const k = await c.ok('POST', `/v1/service-records/${a.record.id}/correction`, { hours: '1.5', reason: '早退' }, 200);
      t.match(k.record.award, { ruleVersion: 1, points: '15.00' });
      t.equal((await c.ok('GET', `/v1/entries/${k.correction.awardEntryId}`, undefined, 200)).ruleVersion, 1);
      await h.assertLedger(t);
    });

    t.test('points are rounded half-up once, on the whole product', async (t) => {
      const c = await county(h);
      await c.ok('POST', '/v1/points-rules', { pointsPerHour: '7.5', categoryMultipliers: { elderly: '1.15' }, dailyCapHours: '12', backdatingDays: 30 }, 201);
      const m = await register(c);
      const cases = [
        ['1.33', 'community', '9.98', '1.33 h × 7.5 = 9.98'],
        ['0.2', 'elderly', '1.73', '0.2 h × 7.5 × 1.15 = 1.73'],
        ['1.33', 'elderly', '11.47', '1.33 h × 7.5 × 1.15 = 11.47'],
      ];
      let day = 2;
      for (const [hours, category, points, explanation] of cases) {
        const v = await verified(c, m.id, { start: cst(day++, 9), hours: hours!, category: category! });
        t.equal(v.record.award.points, points, `${hours} h ${category}`);
        t.ok(v.record.award.explanation.startsWith(explanation!), v.record.award.explanation);
      }
      t.match(await c.ok('GET', `/v1/members/${m.id}`, undefined, 200), { hours: '2.86', points: { balance: '23.18' } });
      await h.assertLedger(t);
    });

    t.test("the tenant's own star thresholds re-rate members", async (t) => {
      const c = await county(h);
      const m = await register(c);
      await verified(c, m.id, { start: cst(2, 8), hours: '12' });
      await verified(c, m.id, { start: cst(3, 8), hours: '12' });
      const res = await c.ok('PATCH', '/v1/settings', { starThresholds: ['10', '20', '30', '40', '50'] }, 200);
      t.match(res, { starThresholds: ['10.00', '20.00', '30.00', '40.00', '50.00'], starsChanged: 1 });
      t.match(await c.ok('GET', `/v1/members/${m.id}`, undefined, 200), { stars: 2, hoursToNextStar: '6.00', lastStarChange: { from: 0, to: 2, cause: 'thresholds', hours: '24.00', recordId: null } });
      const up = await verified(c, m.id, { start: cst(4, 8), hours: '7' });
      t.match(up.starChange, { from: 2, to: 3, hours: '31.00', cause: 'award' });
      t.match(await c.ok('PATCH', '/v1/settings', { starThresholds: ['1', '2', '3', '4', '5'] }, 200), { starsChanged: 1 });
      t.match(await c.ok('GET', `/v1/members/${m.id}`, undefined, 200), { stars: 5, hoursToNextStar: null }, 'five stars: no next star');
      isProblem(t, await c.req('PATCH', '/v1/settings', { starThresholds: ['10', '5', '20', '30', '40'] }), 400, 'validation_failed', 'thresholds not increasing');
    });

    t.test('a rating the rule gives no bonus for posts no entry', async (t) => {
      const c = await county(h);
      await c.ok('POST', '/v1/points-rules', ELDERLY_RULE, 201);
      const m = await register(c);
      const v = await verified(c, m.id, { start: cst(2, 9), hours: '1' });
      const before = await h.count('ledger_entries');
      const r = await c.ok('POST', `/v1/service-records/${v.record.id}/rating`, { stars: 3 }, 200);
      t.match(r.record.rating, { stars: 3, comment: null, bonusPoints: null, bonusEntryId: null });
      t.equal(r.member.points, '10.00');
      t.equal(await h.count('ledger_entries'), before, 'no entry');
      const x = await c.ok('POST', `/v1/service-records/${v.record.id}/revocation`, { reason: '撤销' }, 200);
      t.equal(x.correction.reversalEntryIds.length, 1, 'revocation reverses only the award');
      t.equal(x.member.points, '0.00');
      await h.assertLedger(t);
    });

    t.test('a rule converting only checkin hours: manual hours credited, no points', async (t) => {
      const c = await county(h);
      await c.ok('POST', '/v1/points-rules', { pointsPerHour: '10', dailyCapHours: '12', backdatingDays: 30, pointSources: ['checkin'] }, 201);
      const m = await register(c);
      const manual = await verified(c, m.id, { start: cst(2, 9), hours: '3', source: 'manual' });
      t.match(manual.record.award, { ruleVersion: 2, points: '0.00' });
      t.match(manual.record.award.explanation, /manual hours earn no points/);
      t.same(manual.member, { id: m.id, hours: '3.00', points: '0.00', pointsAvailable: '0.00', stars: 0 });
      t.same(await postingsOf(c, manual.record.award.entryId), [
        ['issuance:s1:hours', 'HOURS', 'debit', '3.00'],
        [`member:${m.id}:hours`, 'HOURS', 'credit', '3.00'],
      ], 'the award has only HOURS postings');
      const checkin = await verified(c, m.id, { start: cst(3, 9), hours: '2', source: 'checkin' });
      t.match(checkin.record.award, { points: '20.00' });
      t.same(checkin.member, { id: m.id, hours: '5.00', points: '20.00', pointsAvailable: '20.00', stars: 0 });
      const k = await c.ok('POST', `/v1/service-records/${manual.record.id}/correction`, { hours: '2', reason: '核减' }, 200);
      t.same(k.member, { id: m.id, hours: '4.00', points: '20.00', pointsAvailable: '20.00', stars: 0 }, 'a correction of manual hours moves hours only');
      await h.assertLedger(t);
    });

    t.test('batch: each item its own result; a retry writes nothing new', async (t) => {
      const c = await county(h);
      const m = await register(c);
      const existing = await submit(c, recordBody(m.id, { start: cst(2, 9), hours: '3' }));
      const items = [
        recordBody(m.id, { start: cst(3, 9), hours: '2' }),
        recordBody(m.id, { start: cst(4, 9), hours: '2' }),
        { ...recordBody(m.id, { start: cst(5, 9), hours: '2' }), hours: 2 },
        recordBody(m.id, { start: cst(2, 10), hours: '2' }),
        recordBody(m.id, { start: cst(6, 9), hours: '2.25', span: 3 }),
      ];
      const before = await rowCounts(h);
      const first = await c.ok('POST', '/v1/service-records:batch', { items }, 200);
      t.match(first, { accepted: 3, refused: 2 });
      t.same(
        first.results.map((r: any) => [r.index, r.externalId, r.status, r.replayed, r.problem?.code ?? null]),
        [
          [0, items[0]!.externalId, 201, false, null],
          [1, items[1]!.externalId, 201, false, null],
          [2, items[2]!.externalId, 400, false, 'validation_failed'],
          [3, items[3]!.externalId, 409, false, 'overlapping_record'],
          [4, items[4]!.externalId, 201, false, null],
        ],
      );
      for (const i of [0, 1, 4]) t.match(first.results[i].result, { record: { externalId: items[i]!.externalId, status: 'submitted' }, member: { id: m.id } });
      t.equal(first.results[4].result.record.hours, '2.25');
      t.ok(first.results[2].problem.errors.some((e: any) => e.path === 'items.2.hours'), 'the invalid field is named');
      t.equal(first.results[3].problem.recordId, existing.record.id, 'the overlapped record is named');
      t.equal(first.results[2].result, null);
      t.equal((await rowCounts(h)).service_records, before.service_records! + 3, 'three records written');

      const written = await rowCounts(h);
      const retry = await c.ok('POST', '/v1/service-records:batch', { items }, 200);
      t.same(await rowCounts(h), written, 'the retry writes nothing');
      t.match(retry, { accepted: 3, refused: 2 });
      t.same(retry.results.map((r: any) => r.status), [201, 201, 400, 409, 201]);
      for (const i of [0, 1, 4]) {
        t.equal(retry.results[i].replayed, true, `item ${i} replayed`);
        t.same(retry.results[i].result, first.results[i].result, `item ${i}: the first result`);
      }
      t.equal(retry.results[3].problem.code, 'overlapping_record');

      const twice = recordBody(m.id, { start: cst(7, 9), hours: '1' });
      const dup = await c.ok('POST', '/v1/service-records:batch', { items: [twice, twice, { ...twice, hours: '0.5' }] }, 200);
      t.same(dup.results.map((r: any) => [r.status, r.replayed, r.problem?.code ?? null]), [
        [201, false, null],
        [201, true, null],
        [409, false, 'idempotency_conflict'],
      ], 'one externalId three times in a batch: written, replayed, conflict');
      t.same(dup.results[1].result, dup.results[0].result);

      const single = await c.req('POST', '/v1/service-records', items[0]);
      t.equal(single.headers['idempotent-replayed'], 'true', 'a single post of a batch item replays it');
      t.same(single.body, first.results[0].result);

      const tooMany = Array.from({ length: 1001 }, (_, i) => recordBody(m.id, { start: new Date(cst(20, 0).getTime() + i * 60_000), hours: '0.01', span: 0.01 }));
      const big = await refused(t, h, '1001 items', () => c.req('POST', '/v1/service-records:batch', { items: tooMany }), 400, 'validation_failed');
      t.ok(big.body.errors?.some((e: any) => e.path === 'items'), 'errors[] names items');
      await refused(t, h, 'no items', () => c.req('POST', '/v1/service-records:batch', { items: [] }), 400, 'validation_failed');
      await h.assertLedger(t);
    });

    t.test('batch: each record is checked against the ones before it, as if posted one at a time', async (t) => {
      const c = await county(h);
      await c.ok('PATCH', '/v1/settings', { autoVerify: true, starThresholds: ['4', '8', '12', '16', '20'] }, 200);
      const a = await register(c);
      const b = await register(c);
      const items = [
        recordBody(a.id, { start: cst(3, 8), hours: '5' }),
        recordBody(a.id, { start: cst(3, 12), hours: '2', span: 3 }), // overlaps the first (8:00–13:00)
        recordBody(b.id, { start: cst(3, 8), hours: '3' }),
        recordBody(a.id, { start: cst(3, 14), hours: '5' }),
        recordBody(a.id, { start: cst(3, 20), hours: '3' }), // 13 h on that day: over the 12 h cap
        recordBody(a.id, { start: cst(2, 8), hours: '1.5' }),
      ];
      const before = await rowCounts(h);
      const res = await c.ok('POST', '/v1/service-records:batch', { items }, 200);
      t.same(
        res.results.map((r: any) => [r.status, r.problem?.code ?? null]),
        [[201, null], [409, 'overlapping_record'], [201, null], [201, null], [422, 'daily_cap_exceeded'], [201, null]],
      );
      t.equal(res.results[1].problem.recordId, res.results[0].result.record.id, 'the overlapped record of the same batch is named');
      t.match(res.results[4].problem, { total: '13.00', cap: '12.00' });
      t.same(
        [0, 3, 5].map((i) => [res.results[i].result.record.status, res.results[i].result.member.hours, res.results[i].result.member.points, res.results[i].result.member.stars]),
        [['verified', '5.00', '50.00', 1], ['verified', '10.00', '100.00', 2], ['verified', '11.50', '115.00', 2]],
        'each answer has the member as that record left them',
      );
      t.match(res.results[0].result.starChange, { from: 0, to: 1, hours: '5.00', cause: 'award', recordId: res.results[0].result.record.id });
      t.match(res.results[3].result.starChange, { from: 1, to: 2, hours: '10.00' });
      t.equal(res.results[5].result.starChange, null);
      t.same(res.results[2].result.member, { id: b.id, hours: '3.00', points: '30.00', pointsAvailable: '30.00', stars: 0 });
      const after = await rowCounts(h);
      t.equal(after.service_records! - before.service_records!, 4, 'four records');
      t.equal(after.ledger_entries! - before.ledger_entries!, 4, 'four awards');
      t.equal(after.star_changes! - before.star_changes!, 2, 'two star changes');
      const member = await c.ok('GET', `/v1/members/${a.id}`, undefined, 200);
      t.match(member, { hours: '11.50', stars: 2 });
      const retry = await c.ok('POST', '/v1/service-records:batch', { items }, 200);
      t.same(await rowCounts(h), after, 'the retry writes nothing');
      t.same(retry.results.map((r: any) => [r.status, r.replayed]), [[201, true], [409, true], [201, true], [201, true], [422, true], [201, true]]);
      await h.assertLedger(t);
    });

    t.test('listing: filters, newest first, cursor paging, scope', async (t) => {
      const c = await county(h);
      const m1 = await register(c);
      const m2 = await register(c, 's2');
      const a = await verified(c, m1.id, { start: cst(2, 9), hours: '1' });
      const b = await submit(c, recordBody(m1.id, { start: cst(3, 9), hours: '1' }));
      const d = await submit(c, recordBody(m1.id, { start: cst(4, 9), hours: '1', orgUnitId: 'p1' }));
      const e = await submit(c, recordBody(m1.id, { start: cst(5, 9), hours: '1' }));
      const f = await submit(c, recordBody(m2.id, { start: cst(2, 9), hours: '1', orgUnitId: 's2' }));
      const ids = (res: any) => res.items.map((r: any) => r.id);
      const list = (q: string, key?: string) => c.ok('GET', `/v1/service-records?${q}`, undefined, 200, key);

      t.same(ids(await list(`memberId=${m1.id}`)), [a, b, d, e].map((x) => x.record.id), 'one member, newest start first');
      t.same(ids(await list(`memberId=${m1.id}&status=verified`)), [a.record.id], 'by status');
      t.same(ids(await list('orgUnitId=s1')), [a, b, d, e].map((x) => x.record.id), 'an org unit takes in the units under it');
      t.same(ids(await list('orgUnitId=s2')), [f.record.id]);
      const from = encodeURIComponent(cst(4, 0).toISOString());
      const to = encodeURIComponent(cst(2, 0).toISOString());
      t.same(ids(await list(`from=${from}&to=${to}`)), [b, d].map((x) => x.record.id), 'by period of start');

      const page1 = await list(`memberId=${m1.id}&limit=3`);
      t.equal(page1.items.length, 3);
      t.type(page1.nextCursor, 'string');
      const page2 = await list(`memberId=${m1.id}&limit=3&cursor=${page1.nextCursor}`);
      t.same([...ids(page1), ...ids(page2)], [a, b, d, e].map((x) => x.record.id), 'two pages, nothing twice or lost');
      t.equal(page2.nextCursor, null);
      isProblem(t, await c.req('GET', '/v1/service-records?cursor=bm9wZQ'), 400, 'invalid_cursor', 'a made-up cursor');

      const s2key = (await c.ok('POST', '/v1/api-keys', { name: 's2', role: 'station', orgUnitId: 's2' }, 201)).key;
      t.same(ids(await list('', s2key)), [f.record.id], 'a station key sees its own unit only');
      isProblem(t, await c.req('GET', '/v1/service-records?orgUnitId=s1', undefined, s2key), 403, 'org_unit_out_of_scope', 'filtering on a unit outside the key');
    });

    t.test('a batch item keeps the specific code of its bad amount', async (t) => {
      const c = await county(h);
      const m = await register(c);
      const res = await c.ok('POST', '/v1/service-records:batch', { items: [{ ...recordBody(m.id, { start: cst(2, 9), hours: '1' }), hours: '1.234' }] }, 200);
      t.match(res.results[0], { status: 400, problem: { code: 'too_many_decimals', errors: [{ path: 'items.0.hours', code: 'too_many_decimals' }] } });
    });

    t.test('a rule needs a back-dating window of at least a day', async (t) => {
      const c = await county(h);
      const rules = await h.count('points_rules');
      const res = await c.req('POST', '/v1/points-rules', { pointsPerHour: '10', dailyCapHours: '12', backdatingDays: 0 });
      isProblem(t, res, 400, 'validation_failed', 'backdatingDays 0');
      t.equal(await h.count('points_rules'), rules, 'no rule written');
    });
  });
}

