import net from 'node:net';
import { sql } from 'kysely';
import t from 'tap';
import { engines, setup } from './helpers/harness.js';
import { newIdNumber } from './helpers/fixtures.js';
import { county, cst, isProblem, recordBody, refused, register, rowCounts, submit } from './helpers/hours.js';

// Issue 16: text Postgres cannot hold is refused at the edge with the field's path; a batch answers
// every item whatever happens to one (a NUL item, an item that fails unexpectedly in the database);
// the daily cap counts a record across midnight by the share of its period on each day; the
// caller's scope is checked before its Idempotency-Key is looked at.

const chinaDate = (d: Date) => new Date(d.getTime() + 8 * 3600 * 1000).toISOString().slice(0, 10);

for (const engine of engines) {
  t.test(`edge rules on ${engine}`, async (t) => {
    const logs: string[] = [];
    const h = await setup(t, engine, { logs });
    const c = await county(h);

    t.test("a request Node's HTTP parser refuses is problem+json too (a real socket)", async (t) => {
      const address = await h.app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = new URL(address);
      const raw = (request: string) =>
        new Promise<string>((resolve, reject) => {
          const socket = net.connect(Number(port), '127.0.0.1', () => socket.end(request));
          let answer = '';
          socket.setEncoding('utf8').on('data', (d: string) => (answer += d));
          socket.on('end', () => resolve(answer)).on('error', reject);
        });
      for (const [name, request] of [
        ['a NUL in a header', 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Note: a\u0000b\r\n\r\n'],
        ['a malformed request line', 'GET\r\n\r\n'],
      ] as const) {
        const answer = await raw(request);
        const [head = '', body = ''] = answer.split('\r\n\r\n');
        t.match(head, /^HTTP\/1\.1 400 /, `${name}: 400`);
        t.match(head, /content-type: application\/problem\+json/i, `${name}: problem+json`);
        t.match(JSON.parse(body), { status: 400, code: 'bad_request' }, `${name}: the problem`);
      }
    });

    t.test('text Postgres cannot hold is 400 validation_failed with the field, on any route', async (t) => {
      const member = { name: '张\u0000三', idNumber: newIdNumber(), phone: '13800001234', homeOrgUnitId: 's1' };
      const res = await refused(t, h, 'NUL in a member name', () => c.req('POST', '/v1/members', member), 400, 'validation_failed');
      t.match(res.body.errors, [{ in: 'body', path: 'name', code: 'validation_failed' }], 'names the field');
      const lone = await c.req('POST', '/v1/org-units', { id: 'x1', kind: 'point', parentId: 's1', name: 'a\ud800b' });
      isProblem(t, lone, 400, 'validation_failed', 'an unpaired surrogate');
      t.match(lone.body.errors, [{ in: 'body', path: 'name' }]);
      const rule = await c.req('POST', '/v1/points-rules', { pointsPerHour: '10', categoryMultipliers: { 'eld\u0000erly': '1.2' }, dailyCapHours: '12', backdatingDays: 30 });
      isProblem(t, rule, 400, 'validation_failed', 'a NUL in a record key');
      t.match(rule.body.errors, [{ path: 'categoryMultipliers.eld\\u0000erly' }], 'the key is named, escaped');
      const query = await c.req('GET', '/v1/service-records?cursor=%00');
      isProblem(t, query, 400, 'validation_failed', 'NUL in a query parameter');
      t.match(query.body.errors, [{ in: 'querystring', path: 'cursor' }]);
      const param = await c.req('GET', '/v1/org-units/a%00b');
      t.match(param.body.errors, [{ in: 'params', path: 'id' }], 'NUL in a path parameter');
      // Other control characters are text Postgres holds: kept as sent.
      const kept = await c.ok('POST', '/v1/members', { ...member, idNumber: newIdNumber(), name: '李\u0001四\t\u001b' }, 201);
      t.equal(kept.name, '李\u0001四\t\u001b', 'other control characters are kept');
      t.equal((await c.ok('GET', `/v1/members/${kept.id}`, undefined, 200)).name, '李\u0001四\t\u001b', 'and read back as sent');
    });

    t.test('a batch with a NUL item: 200, the others written, the retry replays them', async (t) => {
      const m = await register(c);
      const items = [
        recordBody(m.id, { start: cst(3, 8), hours: '1' }),
        { ...recordBody(m.id, { start: cst(3, 10), hours: '1' }), title: '服务\u0000' },
        recordBody(m.id, { start: cst(3, 12), hours: '1' }),
      ];
      const before = await rowCounts(h);
      const res = await c.req('POST', '/v1/service-records:batch', { items });
      t.equal(res.status, 200);
      t.match(res.body, { accepted: 2, refused: 1 });
      t.same(res.body.results.map((r: any) => r.status), [201, 400, 201]);
      t.match(res.body.results[1].problem, { code: 'validation_failed', errors: [{ path: 'items.1.title' }] }, 'the item names its field');
      t.equal((await rowCounts(h)).service_records, before.service_records! + 2, 'exactly the good items written');
      const again = await c.req('POST', '/v1/service-records:batch', { items });
      t.same(again.body.results.map((r: any) => [r.status, r.replayed]), [[201, true], [400, false], [201, true]], 'the retry replays them');
      t.equal((await rowCounts(h)).service_records, before.service_records! + 2, 'and writes nothing more');
    });

    t.test('a batch where one item fails unexpectedly: 200, that item 500 and logged, the others written', async (t) => {
      // A real fault in the database: inserting this one record raises.
      await sql`CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.external_id = 'boom' THEN RAISE EXCEPTION 'boom: a fault of the database'; END IF; RETURN NEW; END $$`.execute(h.database.db);
      await sql`CREATE TRIGGER boom BEFORE INSERT ON service_records FOR EACH ROW EXECUTE FUNCTION boom()`.execute(h.database.db);
      const m = await register(c);
      const items = [
        recordBody(m.id, { start: cst(4, 8), hours: '1' }),
        recordBody(m.id, { start: cst(4, 10), hours: '1', externalId: 'boom' }),
        recordBody(m.id, { start: cst(4, 12), hours: '1' }),
      ];
      const before = await rowCounts(h);
      logs.length = 0;
      const res = await c.req('POST', '/v1/service-records:batch', { items });
      t.equal(res.status, 200, 'the batch is answered');
      t.same(res.body.results.map((r: any) => r.status), [201, 500, 201]);
      t.match(res.body.results[1], { externalId: 'boom', replayed: false, result: null, problem: { code: 'internal_error', status: 500 } });
      t.notMatch(JSON.stringify(res.body.results[1].problem), /fault of the database/, 'the item says nothing of its insides');
      const after = await rowCounts(h);
      t.equal(after.service_records, before.service_records! + 2, 'exactly the good items written');
      t.equal(after.service_record_events, before.service_record_events! + 2, 'with their history, nothing of the failed one');
      const logged = logs.map((l) => JSON.parse(l)).filter((l) => l.level === 50 && l.msg === 'batch item failed');
      t.equal(logged.length, 1, 'the failure is logged once');
      t.match(logged[0], { item: 1, err: { message: /boom/ } }, 'with its index and error');

      const retry = await c.req('POST', '/v1/service-records:batch', { items });
      t.same(retry.body.results.map((r: any) => [r.status, r.replayed]), [[201, true], [500, false], [201, true]], 'the retry replays the written ones');
      t.same(await rowCounts(h), after, 'and writes nothing more');

      await sql`DROP TRIGGER boom ON service_records`.execute(h.database.db);
      const healed = await c.req('POST', '/v1/service-records:batch', { items });
      t.same(healed.body.results.map((r: any) => [r.status, r.replayed]), [[201, true], [201, false], [201, true]], 'once the fault is gone, the item goes in');
      await h.assertLedger(t);
    });

    t.test('daily cap across midnight: each day counts its share of the hours', async (t) => {
      // Issue example 1: 10 h on day D, then 23:00 (D-1) – 03:00 (D) with 4 h puts 3 h on D: 13 h.
      const a = await register(c);
      await submit(c, recordBody(a.id, { start: cst(3, 8), hours: '10' }));
      const over = await refused(t, h, '10 + 3 h on the later day', () => c.req('POST', '/v1/service-records', recordBody(a.id, { start: cst(4, 23), hours: '4' })), 422, 'daily_cap_exceeded');
      t.match(over.body, { total: '13.00', cap: '12.00', day: chinaDate(cst(3, 0)) }, 'the day over the cap is named');
      // At the edge: 2.67 h over 4 h puts 2.0025 h on D (over); 2.66 h puts 1.995 h (within).
      await refused(t, h, '2.67 h over 23:00–03:00', () => c.req('POST', '/v1/service-records', recordBody(a.id, { start: cst(4, 23), span: 4, hours: '2.67' })), 422, 'daily_cap_exceeded');
      t.equal((await submit(c, recordBody(a.id, { start: cst(4, 23), span: 4, hours: '2.66' }))).record.status, 'submitted', '2.66 h fits');

      // Issue example 2: 10 h on day E, then 22:00 (E) – 02:00 (E+1) with 4 h puts only 2 h on E: 12 h, accepted.
      const b = await register(c);
      await submit(c, recordBody(b.id, { start: cst(6, 8), hours: '10' }));
      t.equal((await submit(c, recordBody(b.id, { start: cst(6, 22), hours: '4' }))).record.status, 'submitted', '10 + 2 h is exactly the cap');
      await refused(t, h, 'E is full', () => c.req('POST', '/v1/service-records', recordBody(b.id, { start: cst(6, 19), hours: '0.01', span: 1 })), 422, 'daily_cap_exceeded');
      // E+1 has the other 2 h: 10 h more fit, 10.01 do not.
      await refused(t, h, '2 + 10.01 h on E+1', () => c.req('POST', '/v1/service-records', recordBody(b.id, { start: cst(5, 8), span: 11, hours: '10.01' })), 422, 'daily_cap_exceeded');
      t.equal((await submit(c, recordBody(b.id, { start: cst(5, 8), hours: '10' }))).record.status, 'submitted', '2 + 10 h on E+1 is the cap');

      // A batch counts its own earlier items the same way.
      const d = await register(c);
      const batch = await c.req('POST', '/v1/service-records:batch', {
        items: [recordBody(d.id, { start: cst(8, 8), hours: '10' }), recordBody(d.id, { start: cst(9, 23), hours: '4' }), recordBody(d.id, { start: cst(9, 22), hours: '0.5', span: 0.5 })],
      });
      t.same(batch.body.results.map((r: any) => r.status), [201, 422, 201], 'the crossing item is over on the later day; the earlier day has room');
    });

    t.test('the caller is checked before its Idempotency-Key is looked at', async (t) => {
      const station = (await c.ok('POST', '/v1/api-keys', { name: 's1 app', role: 'station', orgUnitId: 's1' }, 201)).key as string;
      const unscoped = (await c.ok('POST', '/v1/api-keys', { name: 'county app', role: 'station' }, 201)).key as string;
      const idem = (key: string) => ({ 'idempotency-key': key });
      const as = (method: string, url: string, body: unknown, key: string, idemKey: string) =>
        h.request(method, url, { key, body, headers: idem(idemKey) });

      // A record of s2 rejected by the admin with key K; the s1 station reuses K on it.
      const m2 = await register(c, 's2');
      const r2 = await submit(c, recordBody(m2.id, { start: cst(2, 8), hours: '1', orgUnitId: 's2' }));
      const K = `k-${Date.now()}`;
      t.equal((await as('POST', `/v1/service-records/${r2.record.id}/rejection`, { reason: '重复' }, c.key, K)).status, 200);
      const reused = await as('POST', `/v1/service-records/${r2.record.id}/rejection`, { reason: '重复' }, station, K);
      isProblem(t, reused, 403, 'org_unit_out_of_scope', "a station reusing the admin's key on another unit's record");
      for (const action of ['verification', 'rating', 'correction', 'revocation']) {
        const body = action === 'rating' ? { stars: 5 } : action === 'correction' ? { hours: '0.5', reason: 'x' } : action === 'revocation' ? { reason: 'x' } : undefined;
        isProblem(t, await as('POST', `/v1/service-records/${r2.record.id}/${action}`, body, station, K), 403, 'org_unit_out_of_scope', `${action}, the same`);
      }
      // The same key in scope is still the other request's key.
      const r1 = await submit(c, recordBody((await register(c, 's1')).id, { start: cst(2, 8), hours: '1' }));
      isProblem(t, await as('POST', `/v1/service-records/${r1.record.id}/rejection`, { reason: '重复' }, station, K), 409, 'idempotency_conflict', 'in scope, the key is taken');

      // Force is for admins, before the key too.
      const v = await c.ok('POST', `/v1/service-records/${r1.record.id}/verification`, undefined, 200);
      const F = `f-${Date.now()}`;
      t.equal((await as('POST', `/v1/service-records/${v.record.id}/correction`, { hours: '0.5', reason: 'x', force: true }, c.key, F)).status, 200);
      isProblem(t, await as('POST', `/v1/service-records/${v.record.id}/correction`, { hours: '0.5', reason: 'x', force: true }, unscoped, F), 403, 'force_not_allowed', 'an unscoped station replaying a forced correction');

      // Members: registration at, and cards of, a member homed outside the station's scope.
      const M = `m-${Date.now()}`;
      const reg = { name: '王五', idNumber: newIdNumber(), phone: '13800001234', homeOrgUnitId: 's2' };
      t.equal((await as('POST', '/v1/members', reg, c.key, M)).status, 201);
      isProblem(t, await as('POST', '/v1/members', reg, station, M), 403, 'org_unit_out_of_scope', "registration replaying the admin's key");
      const C = `c-${Date.now()}`;
      t.equal((await as('POST', `/v1/members/${m2.id}/cards`, { cardNo: `C-${Date.now()}` }, c.key, C)).status, 201);
      isProblem(t, await as('POST', `/v1/members/${m2.id}/cards`, { cardNo: 'C-0000' }, station, C), 403, 'org_unit_out_of_scope', 'adding a card');
      isProblem(t, await as('POST', `/v1/members/${m2.id}/cards/C-0000/block`, undefined, station, C), 403, 'org_unit_out_of_scope', 'blocking a card');
    });
  });
}
