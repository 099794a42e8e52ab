import { type RawBuilder, sql } from 'kysely';
import t from 'tap';
import { attempt, engines, setup, sqlstate, type Tap } from './helpers/harness.js';
import { county, cst, recordBody, register, rowCounts, submit, verify } from './helpers/hours.js';

// A service record names a member, an org unit and its award and bonus entries, and a record's
// event names its record. Migration 0024 checks these once per statement (triggers, not foreign
// keys); these tests hold the database to what the foreign keys guaranteed: direct SQL that names
// a row that does not exist is refused with the foreign key's SQLSTATE (23503) and writes nothing,
// and a row that records name cannot be deleted, truncated or re-keyed (LE000).

for (const engine of engines) {
  t.test(`service records' references on ${engine}`, async (t) => {
    const h = await setup(t, engine);
    const c = await county(h);
    const member = await register(c);
    const other = await register(c);
    // A member of another county: its id exists, but not in this tenant.
    const foreign = await register(await county(h));
    const { record } = await submit(c, recordBody(member.id, { start: cst(1, 9), hours: '2' }));
    const verified = await verify(c, record.id);
    const awardEntry: string = verified.record.award.entryId;
    const ct = c.tenantId;
    const db = h.database.db;
    const theRecord = sql`WHERE tenant_id = ${ct} AND record_id = ${record.id}::uuid`;
    const refusedWith = async (t: Tap, what: string, statement: RawBuilder<unknown>, code: string) => {
      const before = await rowCounts(h);
      const err = await attempt(h, statement);
      t.ok(err, `${what}: refused`);
      t.equal(sqlstate(err), code, `${what}: SQLSTATE ${code}`);
      t.same(await rowCounts(h), before, `${what}: nothing written`);
    };
    // A copy of the record under a new id and external id, with the columns given changed.
    const copy = (changes: { member?: RawBuilder<unknown>; orgUnit?: RawBuilder<unknown>; award?: RawBuilder<unknown>; bonus?: RawBuilder<unknown> }) =>
      sql`INSERT INTO service_records (tenant_id, record_id, external_id, member_id, org_unit_id, category, title, source, started_at, ended_at, hours, status, award_entry_id, bonus_entry_id)
        SELECT tenant_id, gen_random_uuid(), external_id || '-' || gen_random_uuid(), ${changes.member ?? sql`member_id`}, ${changes.orgUnit ?? sql`org_unit_id`},
          category, title, source, started_at, ended_at, hours, status, ${changes.award ?? sql`award_entry_id`}, ${changes.bonus ?? sql`bonus_entry_id`}
        FROM service_records ${theRecord}`;

    t.test('a record or an event that names a row that does not exist is refused, even by direct SQL', async (t) => {
      const attempts: [string, RawBuilder<unknown>][] = [
        ['INSERT of a record of a made-up member', copy({ member: sql`gen_random_uuid()` })],
        ["INSERT of a record of another tenant's member id", copy({ member: sql`${foreign.id}::uuid` })],
        ['INSERT of a record at a made-up org unit', copy({ orgUnit: sql`'nowhere'` })],
        ['INSERT of a record with a made-up award entry', copy({ award: sql`gen_random_uuid()` })],
        ['INSERT of a record with a made-up bonus entry', copy({ bonus: sql`gen_random_uuid()` })],
        [
          'INSERT of a good record and one of a made-up member in one statement',
          sql`INSERT INTO service_records (tenant_id, record_id, external_id, member_id, org_unit_id, category, title, source, started_at, ended_at, hours, status)
            SELECT tenant_id, gen_random_uuid(), external_id || '-' || m.n, CASE WHEN m.n = 1 THEN member_id ELSE gen_random_uuid() END, org_unit_id,
              category, title, source, started_at, ended_at, hours, 'submitted'
            FROM service_records CROSS JOIN (VALUES (1), (2)) AS m(n) ${theRecord}`,
        ],
        ['UPDATE of a record to a made-up member', sql`UPDATE service_records SET member_id = gen_random_uuid() ${theRecord}`],
        ['UPDATE of a record to a made-up org unit', sql`UPDATE service_records SET org_unit_id = 'nowhere' ${theRecord}`],
        ['UPDATE of a record to a made-up award entry', sql`UPDATE service_records SET award_entry_id = gen_random_uuid() ${theRecord}`],
        [
          'INSERT of an event of a made-up record',
          sql`INSERT INTO service_record_events (tenant_id, record_id, event_no, type, actor, detail)
            VALUES (${ct}, gen_random_uuid(), 1, 'submitted', 'test', '{}')`,
        ],
        [
          'INSERT of a good event and one of a made-up record in one statement',
          sql`INSERT INTO service_record_events (tenant_id, record_id, event_no, type, actor, detail)
            VALUES (${ct}, ${record.id}::uuid, 100, 'submitted', 'test', '{}'), (${ct}, gen_random_uuid(), 1, 'submitted', 'test', '{}')`,
        ],
        ['UPDATE of an event to a made-up record', sql`UPDATE service_record_events SET record_id = gen_random_uuid() ${theRecord}`],
      ];
      for (const [what, statement] of attempts) await refusedWith(t, what, statement, '23503');
      // What names rows that exist is written: the same copy with another member, and an event.
      await copy({ member: sql`${other.id}::uuid` }).execute(db);
      await sql`INSERT INTO service_record_events (tenant_id, record_id, event_no, type, actor, detail)
        VALUES (${ct}, ${record.id}::uuid, 100, 'submitted', 'test', '{}')`.execute(db);
      await sql`UPDATE service_records SET award_entry_id = ${awardEntry}::uuid ${theRecord}`.execute(db);
      const copied = await sql<{ n: number }>`SELECT count(*)::int AS n FROM service_records WHERE tenant_id = ${ct} AND member_id = ${other.id}::uuid`.execute(db);
      t.equal(copied.rows[0]!.n, 1, 'a record of a member that exists is written');
    });

    t.test('a member, an org unit or a record that records name cannot be deleted, truncated or re-keyed', async (t) => {
      const attempts: [string, RawBuilder<unknown>][] = [
        ['DELETE of a member', sql`DELETE FROM members WHERE tenant_id = ${ct} AND member_id = ${member.id}::uuid`],
        ['UPDATE of a member id', sql`UPDATE members SET member_id = gen_random_uuid() WHERE tenant_id = ${ct} AND member_id = ${member.id}::uuid`],
        ['TRUNCATE of members CASCADE', sql`TRUNCATE members CASCADE`],
        ['DELETE of an org unit', sql`DELETE FROM org_units WHERE tenant_id = ${ct} AND org_unit_id = 'p1'`],
        ['UPDATE of an org unit id', sql`UPDATE org_units SET org_unit_id = 's9' WHERE tenant_id = ${ct} AND org_unit_id = 's1'`],
        ['TRUNCATE of org_units CASCADE', sql`TRUNCATE org_units CASCADE`],
        ['DELETE of a record', sql`DELETE FROM service_records ${theRecord}`],
        ['UPDATE of a record id', sql`UPDATE service_records SET record_id = gen_random_uuid() ${theRecord}`],
        ['TRUNCATE of service_records CASCADE', sql`TRUNCATE service_records CASCADE`],
        ['TRUNCATE of the records and their events', sql`TRUNCATE service_records, service_record_events`],
      ];
      for (const [what, statement] of attempts) await refusedWith(t, what, statement, 'LE000');
      const now = await c.ok('GET', `/v1/service-records/${record.id}`, undefined, 200);
      t.match(now, { id: record.id, memberId: member.id, orgUnitId: 's1', status: 'verified' }, 'the record is as it was');
      t.equal((await c.ok('GET', `/v1/members/${member.id}`, undefined, 200)).id, member.id, 'the member is still there');
      // What is not a key may still change, through the API as before.
      const renamed = await c.ok('PATCH', '/v1/org-units/s1', { name: '东街新实践站' }, 200);
      t.equal(renamed.name, '东街新实践站');
    });

    t.test('the API still writes and verifies records after the refused changes', async (t) => {
      const { record: next } = await submit(c, recordBody(member.id, { start: cst(2, 9), hours: '1' }));
      const done = await verify(c, next.id);
      t.equal(done.record.status, 'verified');
      t.equal(await c.balance(`member:${member.id}:points`), '30.00');
      await h.assertLedger(t);
    });
  });
}
