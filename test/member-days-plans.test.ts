import { sql } from 'kysely';
import t from 'tap';
import { orgTree, newMember, recordBody } from './helpers/fixtures.js';
import { engines, setup } from './helpers/harness.js';
import { cst, HOUR } from './helpers/hours.js';
import { readBy } from './helpers/plans.js';

// Before a record is stored, the service reads what its member already has on the days the
// record touches (the daily cap) and any record overlapping it (src/hours/repository.ts,
// memberDays). Those reads must find the records near the new one, not walk the member's whole
// history (a volunteer who served every week for five years has 260 records, and every new one
// would read them all, twice) nor the county's. Read by what the service's connections read
// (pg_stat_user_tables), for a member with a long history and for a member with none, among 40
// other members with records of their own, before and after the table is analysed.

const HISTORY = 300;
const OTHERS = 40;
const OTHERS_HISTORY = 50;

if (engines.includes('postgres')) {
  t.test("a new record reads its member's records near it, not the member's history", async (t) => {
    const h = await setup(t, 'postgres');
    const { stations } = await orgTree(h);
    const station = stations[0]!;
    t.equal((await h.request('POST', '/v1/points-rules', { body: { pointsPerHour: '10', dailyCapHours: '12', backdatingDays: 800 } })).status, 201, 'records may start 800 days back');
    const veteran = (await newMember(h, station)).id as string;
    const newcomer = (await newMember(h, station)).id as string;
    // The county's other volunteers: with their records the table is large enough that the
    // planner reads a member's records by an index, as it does in a county, and not by a scan
    // of the whole table.
    const others = await Promise.all(Array.from({ length: OTHERS }, async () => (await newMember(h, station)).id as string));
    // Two hours on each of their earlier days (two days apart), 09:00–11:00 China time, uploaded in batches.
    const history = (memberId: string, count: number) =>
      Array.from({ length: count }, (_, i) => {
        const startedAt = cst(3 + 2 * i, 9).getTime();
        return { ...recordBody(memberId, station, { hours: '2' }), startedAt: new Date(startedAt).toISOString(), endedAt: new Date(startedAt + 2 * HOUR).toISOString() };
      });
    const items = history(veteran, HISTORY);
    const all = [...items, ...others.flatMap((m) => history(m, OTHERS_HISTORY))];
    for (let from = 0; from < all.length; from += 100) {
      const res = await h.request('POST', '/v1/service-records:batch', { body: { items: all.slice(from, from + 100) } });
      t.equal(res.body.accepted, Math.min(100, all.length - from), `records ${from}–${from + 99} uploaded`);
    }

    const post = (memberId: string, hoursAgo: number) =>
      h.request('POST', '/v1/service-records', { body: recordBody(memberId, station, { hours: '1', endedHoursAgo: hoursAgo }) });
    // Three records of each member (an hour each, hours apart), read by the service's connections.
    const threeOf = (memberId: string, hoursAgo: number[]) =>
      readBy(h, ['service_records'], async () => {
        for (const ago of hoursAgo) t.equal((await post(memberId, ago)).status, 201, 'a record stored');
      });
    const compare = async (when: string, hoursAgo: number[]) => {
      const veteranRead = (await threeOf(veteran, hoursAgo)).service_records!;
      const newcomerRead = (await threeOf(newcomer, hoursAgo)).service_records!;
      // At most ten rows a record, whatever the member's history or the county's size.
      t.ok(veteranRead <= 30 && newcomerRead <= 30, `${when}: three records of a member with ${HISTORY} earlier ones read ${veteranRead} service records; of a member with none, ${newcomerRead}`);
    };
    // A county restored from a dump has no statistics until it is analysed (its row counts are
    // known, from the index builds): its planner must not walk the history either. VACUUM without
    // ANALYZE gives that state, and makes the service's connections plan again: a plan one made
    // while the table was nearly empty would otherwise stay (no autovacuum here), a scan of it all.
    await sql`VACUUM service_records`.execute(h.database.db);
    await compare('without statistics', [60, 50, 40]);
    await sql`ANALYZE`.execute(h.database.db);
    await compare('with statistics', [30, 20, 10]);

    // The checks still see the records they must: one overlapping the last, and one whose day is full.
    const overlapping = await h.request('POST', '/v1/service-records', { body: recordBody(veteran, station, { hours: '1', endedHoursAgo: 9.5 }) });
    t.match(overlapping, { status: 409, body: { code: 'overlapping_record' } }, 'a record overlapping the last one is refused');
    // 12:00–23:00 China time on the day of the veteran's oldest record: 2 + 11 hours, over the cap of 12.
    const oldest = Date.parse(items[HISTORY - 1]!.startedAt);
    const sameDay = { ...recordBody(veteran, station, { hours: '11' }), startedAt: new Date(oldest + 3 * HOUR).toISOString(), endedAt: new Date(oldest + 14 * HOUR).toISOString() };
    t.match(await h.request('POST', '/v1/service-records', { body: sameDay }), { status: 422, body: { code: 'daily_cap_exceeded' } }, 'a day of the history, full with the new record, is refused');
    await h.assertLedger(t);
  });
}
