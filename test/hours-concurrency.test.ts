import { Decimal } from 'decimal.js';
import pg from 'pg';
import t from 'tap';
import { newMember, orgTree, recordBody } from './helpers/fixtures.js';
import { databaseUrl, engines, type Harness, setup } from './helpers/harness.js';

// Service records under concurrency, against the real databases: duplicate posts of one record,
// many stations awarding at once, and the issuance account that every award of a unit debits.

async function balance(h: Harness, account: string): Promise<string> {
  const res = await h.request('GET', `/v1/accounts/${account}`);
  if (res.status !== 200) throw new Error(`${account}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.balance as string;
}

/** Station keys scoped to each station, as the station apps would hold them. */
async function stationKeys(h: Harness, stations: string[]): Promise<Record<string, string>> {
  const keys: Record<string, string> = {};
  for (const s of stations) {
    const res = await h.request('POST', '/v1/api-keys', { body: { name: `app of ${s}`, role: 'station', orgUnitId: s } });
    if (res.status !== 201) throw new Error(`key for ${s}: ${res.status}`);
    keys[s] = res.body.key as string;
  }
  return keys;
}

for (const engine of engines) {
  t.test(`service records under concurrency on ${engine}`, async (t) => {
    const h = await setup(t, engine, { poolSize: 20 });
    const stations = Array.from({ length: 20 }, (_, i) => `s${i + 1}`);
    const tree = await orgTree(h, stations);
    const keys = await stationKeys(h, tree.stations);

    t.test('the same externalId posted 20 times at once makes one record', async (t) => {
      const member = await newMember(h, tree.stations[0]!);
      const body = recordBody(member.id, tree.stations[0]!, { externalId: 'dup-1', hours: '1.5' });
      const results = await Promise.all(
        Array.from({ length: 20 }, () => h.request('POST', '/v1/service-records', { key: keys[tree.stations[0]!], body })),
      );
      t.same([...new Set(results.map((r) => r.status))], [201], 'every answer is 201');
      const firsts = results.filter((r) => r.headers['idempotent-replayed'] !== 'true');
      t.equal(firsts.length, 1, 'one request ran');
      t.equal(results.length - firsts.length, 19, '19 were replays');
      t.ok(results.every((r) => r.body.record.id === firsts[0]!.body.record.id), 'all answers name the same record');
      const rows = await h.database.db
        .selectFrom('service_records')
        .select('record_id')
        .where('tenant_id', '=', h.tenantId)
        .where('external_id', '=', 'dup-1')
        .execute();
      t.equal(rows.length, 1, 'one row in the database');
      const events = await h.database.db.selectFrom('service_record_events').select('event_no').where('record_id', '=', rows[0]!.record_id).execute();
      t.equal(events.length, 1, 'one submitted event');
    });

    t.test('200 awards for 200 members from 20 stations at once all land', async (t) => {
      const set = await h.request('PATCH', '/v1/settings', { body: { autoVerify: true } });
      t.equal(set.status, 200, 'automatic verification on: each post is an award');
      const members: { id: string; station: string; hours: string }[] = [];
      for (let i = 0; i < 200; i++) {
        const station = tree.stations[i % 20]!;
        members.push({ id: (await newMember(h, station)).id, station, hours: new Decimal(1).plus(new Decimal(i % 7).div(4)).toFixed(2) });
      }
      const entriesBefore = await h.count('ledger_entries');
      const results = await Promise.all(
        members.map((m) => h.request('POST', '/v1/service-records', { key: keys[m.station], body: recordBody(m.id, m.station, { hours: m.hours }) })),
      );
      const statuses = results.map((r) => r.status);
      t.equal(statuses.filter((s) => s === 201).length, 200, `all 200 answered 201 (${[...new Set(statuses)].join(', ')})`);
      t.ok(results.every((r) => r.body.record?.status === 'verified'), 'every record is verified');
      t.equal(await h.count('ledger_entries'), entriesBefore + 200, 'one award entry each');
      for (const [i, m] of members.entries()) {
        t.equal(results[i]!.body.member.hours, m.hours, `member ${i}: hours credited`);
        t.equal(results[i]!.body.member.points, new Decimal(m.hours).times(10).toFixed(2), `member ${i}: points at 10 an hour`);
      }
      for (const s of tree.stations) {
        const issued = members.filter((m) => m.station === s).reduce((acc, m) => acc.plus(m.hours), new Decimal(0));
        t.equal(await balance(h, `issuance:${s}:hours`), issued.neg().toFixed(2), `${s} issued exactly its members' hours`);
        t.equal(await balance(h, `issuance:${s}:points`), issued.times(-10).toFixed(2), `${s} issued exactly their points`);
      }
      await h.assertLedger(t);
      await h.request('PATCH', '/v1/settings', { body: { autoVerify: false } });
    });

    if (engine !== 'postgres') return;

    t.test('an award held open at one station does not stop the others', async (t) => {
      await h.request('PATCH', '/v1/settings', { body: { autoVerify: true } });
      t.teardown(() => h.request('PATCH', '/v1/settings', { body: { autoVerify: false } }).then(() => undefined));
      const hot = tree.stations[0]!;
      const members: { id: string; station: string }[] = [];
      for (let i = 0; i < 40; i++) members.push({ id: (await newMember(h, tree.stations[i % 4]!)).id, station: tree.stations[i % 4]! });

      // Another connection holds the row locks an award at the hot station takes on slot 0 of its
      // issuance accounts, as a slow award in flight would.
      const { db } = await h.database.db.selectNoFrom((eb) => eb.fn<string>('current_database', []).as('db')).executeTakeFirstOrThrow();
      const lock = new pg.Client({ connectionString: databaseUrl(db) });
      await lock.connect();
      t.teardown(() => lock.end());

      const run = async (lockedSlots: number[]) => {
        await lock.query('BEGIN');
        await lock.query(
          `SELECT 1 FROM ledger_balances WHERE account_id IN ($1, $2) AND slot = ANY($3::int[]) FOR UPDATE`,
          [`issuance:${hot}:hours`, `issuance:${hot}:points`, lockedSlots],
        );
        const batch = members.splice(0, 20);
        const done = new Set<number>();
        const pending = batch.map((m, i) =>
          h
            .request('POST', '/v1/service-records', { key: keys[m.station], body: recordBody(m.id, m.station, { hours: '1' }) })
            .then((r) => {
              done.add(i);
              return r;
            }),
        );
        await new Promise((r) => setTimeout(r, 1500));
        const whileHeld = batch.map((m, i) => ({ hot: m.station === hot, done: done.has(i) }));
        await lock.query('COMMIT');
        const results = await Promise.all(pending);
        return { whileHeld, results };
      };

      // One slot held: awards elsewhere all finish, and most at the hot station too (those whose
      // connection maps to another slot).
      const one = await run([0]);
      const others = one.whileHeld.filter((r) => !r.hot);
      const hotOnes = one.whileHeld.filter((r) => r.hot);
      t.ok(others.every((r) => r.done), `awards at other stations finished while the lock was held (${others.filter((r) => r.done).length}/${others.length})`);
      t.ok(
        hotOnes.filter((r) => r.done).length >= hotOnes.length / 2,
        `most awards at the hot station finished too (${hotOnes.filter((r) => r.done).length}/${hotOnes.length})`,
      );
      t.ok(one.results.every((r) => r.status === 201), 'and every award landed once the lock was gone');

      // Every slot held: the test can tell, the hot station's awards wait (the others still run).
      const all = await run(Array.from({ length: 16 }, (_, i) => i));
      const hotAll = all.whileHeld.filter((r) => r.hot);
      t.ok(hotAll.length > 0 && hotAll.every((r) => !r.done), `with every slot held, the hot station's awards wait (${hotAll.length})`);
      t.ok(all.whileHeld.filter((r) => !r.hot).every((r) => r.done), 'while the other stations go on');
      t.ok(all.results.every((r) => r.status === 201), 'and all land once it is released');
      await h.assertLedger(t);
    });
  });
}
