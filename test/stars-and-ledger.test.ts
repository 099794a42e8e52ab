import t from 'tap';
import { newMember, orgTree, verifiedRecord } from './helpers/fixtures.js';
import { engines, setup } from './helpers/harness.js';

// The record flow and the admin's ledger API must not disagree: a record's entries are reversed
// only through the record, and a manual entry on a member's hours moves their stars like an award.

for (const engine of engines) {
  t.test(`stars and manual ledger writes on ${engine}`, async (t) => {
    const h = await setup(t, engine);
    const tree = await orgTree(h, ['s1']);
    const station = tree.stations[0]!;
    const issuanceHours = `issuance:${station}:hours`;

    t.test("a record's award cannot be reversed behind the record's back", async (t) => {
      const member = await newMember(h, station);
      const verified = await verifiedRecord(h, member.id, station, { hours: '2' });
      const entries = await h.count('ledger_entries');
      const res = await h.request('POST', `/v1/entries/${verified.record.award.entryId}/reversal`, { body: { reason: 'sneaky' } });
      t.equal(res.status, 409);
      t.equal(res.body.code, 'entry_belongs_to_record');
      t.equal(res.body.recordId, verified.record.id, 'names the record to correct instead');
      t.equal(await h.count('ledger_entries'), entries, 'nothing written');
      t.equal((await h.request('GET', `/v1/members/${member.id}`)).body.hours, '2.00', 'the hours stay');
    });

    t.test("a manual entry on a member's hours moves their stars, and its reversal moves them back", async (t) => {
      const member = await newMember(h, station);
      const entry = await h.request('POST', '/v1/entries', {
        body: {
          reason: 'hours carried over from the paper register',
          postings: [
            { accountId: issuanceHours, unit: 'HOURS', direction: 'debit', amount: '120' },
            { accountId: `member:${member.id}:hours`, unit: 'HOURS', direction: 'credit', amount: '120' },
          ],
        },
      });
      t.equal(entry.status, 201);
      const after = (await h.request('GET', `/v1/members/${member.id}`)).body;
      t.equal(after.stars, 1, 'one star at 120 hours');
      t.match(after.lastStarChange, { from: 0, to: 1, cause: 'adjustment', entryId: entry.body.id });
      t.equal(after.hoursToNextStar, '180.00');

      const reversal = await h.request('POST', `/v1/entries/${entry.body.id}/reversal`, { body: { reason: 'entered twice' } });
      t.equal(reversal.status, 201);
      const back = (await h.request('GET', `/v1/members/${member.id}`)).body;
      t.equal(back.stars, 0, 'the star goes with the hours');
      t.match(back.lastStarChange, { from: 1, to: 0, cause: 'adjustment', entryId: reversal.body.id });
      const history = (await h.request('GET', `/v1/members/${member.id}/star-changes`)).body.items;
      t.same(history.map((c: { from: number; to: number }) => [c.from, c.to]), [[1, 0], [0, 1]], 'both changes kept, newest first');
      await h.assertLedger(t);
    });
  });
}
