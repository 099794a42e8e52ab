import t from 'tap';
import { engines, type Harness, isProblem, refused as refusedWritingNothing, type Response, rowCounts, setup, type Tap } from './helpers/harness.js';

// Org units through the HTTP API: the center → institute → station → point hierarchy, the
// issuance accounts each unit gets, deactivation (never a delete), roles, station keys scoped to
// a subtree, and tenant isolation. Every refusal is problem+json with its code and writes nothing.

const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

// ---------------------------------------------------------------------------------------------
// Helpers

const TABLES = ['org_units', 'members', 'member_cards', 'ledger_accounts', 'ledger_balances', 'idempotency_keys', 'api_keys'];

const counts = (h: Harness) => rowCounts(h, TABLES);

/** Runs a call that must be refused: asserts the problem and that no table gained or lost a row. */
const refused = (t: Tap, h: Harness, call: () => Promise<Response>, status: number, code: string, message = code) =>
  refusedWritingNothing(t, h, TABLES, call, status, code, message);

async function createUnit(h: Harness, body: Record<string, unknown>, key?: string): Promise<any> {
  const res = await h.request('POST', '/v1/org-units', { body, key });
  if (res.status !== 201) throw new Error(`org unit ${String(body.id)}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** `<p>-c` → `<p>-i` → `<p>-s` → `<p>-p`, one of each kind. */
async function chain(h: Harness, p: string, key?: string) {
  const ids = { center: `${p}-c`, institute: `${p}-i`, station: `${p}-s`, point: `${p}-p` };
  await createUnit(h, { id: ids.center, kind: 'center', name: `${p} 中心` }, key);
  await createUnit(h, { id: ids.institute, kind: 'institute', parentId: ids.center, name: `${p} 所` }, key);
  await createUnit(h, { id: ids.station, kind: 'station', parentId: ids.institute, name: `${p} 站` }, key);
  await createUnit(h, { id: ids.point, kind: 'point', parentId: ids.station, name: `${p} 点` }, key);
  return ids;
}

const post = (h: Harness, body: unknown, key?: string) => () => h.request('POST', '/v1/org-units', { body, key });

async function deactivate(h: Harness, id: string): Promise<any> {
  const res = await h.request('POST', `/v1/org-units/${id}/deactivation`);
  if (res.status !== 200) throw new Error(`deactivate ${id}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

const ids = (res: Response): string[] => (res.body.items as { id: string }[]).map((u) => u.id);

// ---------------------------------------------------------------------------------------------

for (const engine of engines) {
  t.test(`org units on ${engine}`, async (t) => {
    const h = await setup(t, engine);

    t.test('center → institute → station → point, each with its issuance accounts', async (t) => {
      const before = await counts(h);
      const center = await createUnit(h, { id: 'h-c', kind: 'center', name: '  县新时代文明实践中心 ' });
      t.match(center, { id: 'h-c', kind: 'center', parentId: null, name: '县新时代文明实践中心', active: true, autoVerify: false, deactivatedAt: null });
      t.match(center.createdAt, TIME, 'createdAt is an RFC 3339 time');
      t.notOk('path' in center, 'the internal path is not on the wire');

      const institute = await createUnit(h, { id: 'h-i', kind: 'institute', parentId: 'h-c', name: '实践所', autoVerify: true });
      t.match(institute, { kind: 'institute', parentId: 'h-c', autoVerify: true });
      const station = await createUnit(h, { id: 'h-s', kind: 'station', parentId: 'h-i', name: '实践站' });
      t.match(station, { kind: 'station', parentId: 'h-i', autoVerify: false });
      const point = await createUnit(h, { id: 'h-p', kind: 'point', parentId: 'h-s', name: '实践点' });
      t.match(point, { kind: 'point', parentId: 'h-s' });

      const after = await counts(h);
      t.equal(after.org_units, before.org_units! + 4, 'four org units');
      t.equal(after.ledger_accounts, before.ledger_accounts! + 8, 'two issuance accounts per unit');
      t.equal(after.ledger_balances, before.ledger_balances! + 8 * 16, 'sixteen balance slots per issuance account');

      for (const id of ['h-c', 'h-i', 'h-s', 'h-p']) {
        for (const [suffix, unit] of [['hours', 'HOURS'], ['points', 'POINTS']] as const) {
          const res = await h.request('GET', `/v1/accounts/issuance:${id}:${suffix}`);
          t.equal(res.status, 200, `issuance:${id}:${suffix} exists`);
          t.match(res.body, { unit, type: 'issuance', allowNegative: true, slots: 16, balance: '0.00' }, `issuance:${id}:${suffix}`);
        }
      }
      await h.assertLedger(t);
    });

    t.test('a parent that does not exist: 404 org_unit_not_found', async (t) => {
      const res = await refused(t, h, post(h, { id: 'nf-i', kind: 'institute', parentId: 'nf-nobody', name: '所' }), 404, 'org_unit_not_found');
      t.equal(res.body.orgUnitId, 'nf-nobody', 'the problem names the missing parent');
      isProblem(t, await h.request('GET', '/v1/org-units/nf-i'), 404, 'org_unit_not_found', 'the unit was not created');
      isProblem(t, await h.request('GET', '/v1/accounts/issuance:nf-i:points'), 404, 'account_not_found', 'nor its accounts');
    });

    t.test('a wrong place in the hierarchy: 422 invalid_parent', async (t) => {
      const u = await chain(h, 'wh');
      const cases: [string, Record<string, unknown>][] = [
        ['a center with a parent', { id: 'wh-x1', kind: 'center', parentId: u.center, name: 'x' }],
        ['an institute without a parent', { id: 'wh-x2', kind: 'institute', name: 'x' }],
        ['a point without a parent', { id: 'wh-x3', kind: 'point', name: 'x' }],
        ['a station under a point', { id: 'wh-x4', kind: 'station', parentId: u.point, name: 'x' }],
        ['a station under a station', { id: 'wh-x5', kind: 'station', parentId: u.station, name: 'x' }],
        ['an institute under a station', { id: 'wh-x6', kind: 'institute', parentId: u.station, name: 'x' }],
        ['a point under a point', { id: 'wh-x7', kind: 'point', parentId: u.point, name: 'x' }],
        ['an institute under an institute', { id: 'wh-x8', kind: 'institute', parentId: u.institute, name: 'x' }],
      ];
      for (const [what, body] of cases) await refused(t, h, post(h, body), 422, 'invalid_parent', what);
    });

    t.test('a deactivated parent: 422 invalid_parent', async (t) => {
      const u = await chain(h, 'dp');
      await deactivate(h, u.station);
      await refused(t, h, post(h, { id: 'dp-p2', kind: 'point', parentId: u.station, name: '点' }), 422, 'invalid_parent', 'point under a deactivated station');
    });

    t.test('a parent under a deactivated unit: 422 invalid_parent', async (t) => {
      // The station itself is active, but its institute is not: the station takes no new records
      // (members there are refused with org_unit_inactive), so it takes no new units either.
      const u = await chain(h, 'da');
      await deactivate(h, u.institute);
      await refused(t, h, post(h, { id: 'da-p2', kind: 'point', parentId: u.station, name: '点' }), 422, 'invalid_parent', 'point under an active station of a deactivated institute');
    });

    t.test('a duplicate id: 409 org_unit_exists', async (t) => {
      const u = await chain(h, 'dup');
      const res = await refused(t, h, post(h, { id: u.station, kind: 'station', parentId: u.institute, name: '重复' }), 409, 'org_unit_exists');
      t.equal(res.body.orgUnitId, u.station, 'the problem names the id');
      await refused(t, h, post(h, { id: u.center, kind: 'center', name: '重复中心' }), 409, 'org_unit_exists', 'a second center with a taken id');
      t.equal((await h.request('GET', `/v1/org-units/${u.station}`)).body.name, 'dup 站', 'the first unit is unchanged');
    });

    t.test('an issuance account id already taken: the unit is refused whole', async (t) => {
      const taken = await h.request('POST', '/v1/accounts', { body: { id: 'issuance:tk-c:points', unit: 'POINTS', type: 'system' } });
      t.equal(taken.status, 201, 'an account with the id the unit would need');
      await refused(t, h, post(h, { id: 'tk-c', kind: 'center', name: '中心' }), 409, 'account_exists');
      isProblem(t, await h.request('GET', '/v1/org-units/tk-c'), 404, 'org_unit_not_found', 'no unit');
      isProblem(t, await h.request('GET', '/v1/accounts/issuance:tk-c:hours'), 404, 'account_not_found', 'no hours account either');
    });

    t.test('a malformed body: 400 validation_failed naming the field', async (t) => {
      const cases: [string, Record<string, unknown>, string][] = [
        ['upper-case id', { id: 'Bad-Id', kind: 'center', name: 'x' }, 'id'],
        ['id with a space', { id: 'has space', kind: 'center', name: 'x' }, 'id'],
        ['id starting with -', { id: '-lead', kind: 'center', name: 'x' }, 'id'],
        ['id with an underscore', { id: 'a_b', kind: 'center', name: 'x' }, 'id'],
        ['id of 41 characters', { id: 'a'.repeat(41), kind: 'center', name: 'x' }, 'id'],
        ['empty id', { id: '', kind: 'center', name: 'x' }, 'id'],
        ['unknown kind', { id: 'vf-x', kind: 'village', name: 'x' }, 'kind'],
        ['blank name', { id: 'vf-x', kind: 'center', name: '   ' }, 'name'],
        ['malformed parentId', { id: 'vf-x', kind: 'institute', parentId: 'No/Such', name: 'x' }, 'parentId'],
        ['autoVerify not a boolean', { id: 'vf-x', kind: 'center', name: 'x', autoVerify: 'yes' }, 'autoVerify'],
      ];
      for (const [what, body, field] of cases) {
        const res = await refused(t, h, post(h, body), 400, 'validation_failed', what);
        t.ok(res.body.errors?.some((e: any) => e.path === field), `${what}: errors[] names ${field}`);
      }
    });

    t.test('list and read', async (t) => {
      const u = await chain(h, 'ls');
      const list = await h.request('GET', '/v1/org-units');
      t.equal(list.status, 200);
      const listed = ids(list);
      for (const id of Object.values(u)) t.ok(listed.includes(id), `${id} is listed`);
      t.same(
        listed.filter((id) => id.startsWith('ls-')),
        [u.center, u.institute, u.station, u.point],
        'a parent comes before the units under it',
      );
      t.ok((list.body.items as object[]).every((x) => !('path' in x)), 'no internal path on the wire');

      const one = await h.request('GET', `/v1/org-units/${u.station}`);
      t.equal(one.status, 200);
      t.same(one.body, (list.body.items as { id: string }[]).find((x) => x.id === u.station), 'GET one = its list item');

      isProblem(t, await h.request('GET', '/v1/org-units/ls-nobody'), 404, 'org_unit_not_found', 'unknown unit');
      isProblem(t, await h.request('GET', '/v1/org-units/Not_An_Id'), 400, 'validation_failed', 'malformed id in the path');
    });

    t.test('PATCH renames and changes automatic verification', async (t) => {
      const u = await chain(h, 'pa');
      const renamed = await h.request('PATCH', `/v1/org-units/${u.station}`, { body: { name: ' 新华实践站 ' } });
      t.equal(renamed.status, 200);
      t.match(renamed.body, { id: u.station, name: '新华实践站', autoVerify: false, active: true, parentId: u.institute, kind: 'station' });
      const verified = await h.request('PATCH', `/v1/org-units/${u.station}`, { body: { autoVerify: true } });
      t.match(verified.body, { name: '新华实践站', autoVerify: true }, 'autoVerify changed, name kept');
      t.same((await h.request('GET', `/v1/org-units/${u.station}`)).body, verified.body, 'GET shows the change');

      await refused(t, h, () => h.request('PATCH', '/v1/org-units/pa-nobody', { body: { name: 'x' } }), 404, 'org_unit_not_found', 'unknown unit');
      await refused(t, h, () => h.request('PATCH', `/v1/org-units/${u.station}`, { body: { name: '' } }), 400, 'validation_failed', 'empty name');
      t.equal((await h.request('GET', `/v1/org-units/${u.station}`)).body.name, '新华实践站', 'refusals changed nothing');
    });

    t.test('PATCH with nothing it can change is not a server error', async (t) => {
      // Bad input is a 4xx (or a harmless no-op), never a 5xx: DESIGN §5.
      const u = await chain(h, 'pe');
      const unit = (await h.request('GET', `/v1/org-units/${u.station}`)).body;
      for (const [what, body] of [['an empty body', {}], ['only kind and parentId, which cannot change', { kind: 'point', parentId: u.center }]] as const) {
        const before = await counts(h);
        const res = await h.request('PATCH', `/v1/org-units/${u.station}`, { body });
        t.ok(res.status < 500, `${what}: answered 2xx or 4xx, not ${res.status}`);
        t.not(res.body?.code, 'internal_error', `${what}: not internal_error`);
        t.same(await counts(h), before, `${what}: nothing written`);
        t.same((await h.request('GET', `/v1/org-units/${u.station}`)).body, unit, `${what}: the unit is unchanged`);
      }
    });

    t.test('deactivation sets active false and deactivatedAt, and is never a delete', async (t) => {
      const u = await chain(h, 'de');
      const before = await counts(h);
      const res = await h.request('POST', `/v1/org-units/${u.station}/deactivation`);
      t.equal(res.status, 200);
      t.match(res.body, { id: u.station, active: false });
      t.match(res.body.deactivatedAt, TIME, 'deactivatedAt is set');
      t.same(await counts(h), before, 'no row added or removed');
      t.same((await h.request('GET', `/v1/org-units/${u.station}`)).body, res.body, 'still readable');
      t.ok(ids(await h.request('GET', '/v1/org-units')).includes(u.station), 'still listed');
      t.equal((await h.request('GET', `/v1/accounts/issuance:${u.station}:points`)).status, 200, 'its accounts stay');
      t.equal((await h.request('GET', `/v1/org-units/${u.point}`)).body.active, true, 'a unit under it keeps its own flag');

      const again = await h.request('POST', `/v1/org-units/${u.station}/deactivation`);
      t.equal(again.status, 200, 'deactivating again is harmless');
      t.equal(again.body.deactivatedAt, res.body.deactivatedAt, 'and keeps the first deactivatedAt');
      await refused(t, h, () => h.request('POST', '/v1/org-units/de-nobody/deactivation'), 404, 'org_unit_not_found', 'unknown unit');
    });

    t.test('roles: station and auditor read, only admin writes', async (t) => {
      const u = await chain(h, 'ro');
      for (const role of ['station', 'auditor'] as const) {
        const key = await h.keyFor(role);
        t.equal((await h.request('GET', '/v1/org-units', { key })).status, 200, `${role} lists`);
        t.equal((await h.request('GET', `/v1/org-units/${u.station}`, { key })).status, 200, `${role} reads one`);
      }
      const pos = await h.keyFor('pos');
      isProblem(t, await h.request('GET', '/v1/org-units', { key: pos }), 403, 'forbidden', 'pos may not list');
      isProblem(t, await h.request('GET', `/v1/org-units/${u.station}`, { key: pos }), 403, 'forbidden', 'pos may not read');

      for (const role of ['station', 'auditor', 'pos'] as const) {
        const key = await h.keyFor(role);
        await refused(t, h, post(h, { id: `ro-${role}`, kind: 'point', parentId: u.station, name: 'x' }, key), 403, 'forbidden', `${role} may not create`);
        await refused(t, h, () => h.request('PATCH', `/v1/org-units/${u.station}`, { key, body: { name: 'x' } }), 403, 'forbidden', `${role} may not rename`);
        await refused(t, h, () => h.request('POST', `/v1/org-units/${u.station}/deactivation`, { key }), 403, 'forbidden', `${role} may not deactivate`);
      }
      t.match((await h.request('GET', `/v1/org-units/${u.station}`)).body, { name: 'ro 站', active: true }, 'the unit is unchanged');
    });

    t.test('a station key scoped to an org unit sees only its subtree', async (t) => {
      const u = await chain(h, 'sc');
      // A sibling whose id starts with the scoped unit's id: a prefix match on ids would leak it.
      await createUnit(h, { id: `${u.station}-b`, kind: 'station', parentId: u.institute, name: '隔壁站' });
      const created = await h.request('POST', '/v1/api-keys', { body: { name: '新华站终端', role: 'station', orgUnitId: u.station } });
      t.equal(created.status, 201);
      t.match(created.body, { role: 'station', orgUnitId: u.station });
      const key = created.body.key as string;

      const list = await h.request('GET', '/v1/org-units', { key });
      t.equal(list.status, 200);
      t.same(ids(list), [u.station, u.point], 'the station and the point under it, nothing else');

      t.equal((await h.request('GET', `/v1/org-units/${u.station}`, { key })).status, 200, 'its own unit');
      t.equal((await h.request('GET', `/v1/org-units/${u.point}`, { key })).status, 200, 'a unit under it');
      for (const outside of [`${u.station}-b`, u.institute, u.center]) {
        const res = await h.request('GET', `/v1/org-units/${outside}`, { key });
        isProblem(t, res, 403, 'org_unit_out_of_scope', `${outside} is outside the scope`);
        t.equal(res.body.orgUnitId, outside, 'the problem names the unit');
      }
    });

    t.test('api key scopes: station keys only, on a unit that exists', async (t) => {
      const u = await chain(h, 'ks');
      for (const role of ['admin', 'auditor', 'pos'] as const) {
        const res = await refused(t, h, () => h.request('POST', '/v1/api-keys', { body: { name: 'k', role, orgUnitId: u.station } }), 400, 'scope_not_allowed', `a scoped ${role} key`);
        t.equal(res.body.role, role, 'the problem names the role');
      }
      await refused(t, h, () => h.request('POST', '/v1/api-keys', { body: { name: 'k', role: 'station', orgUnitId: 'ks-nobody' } }), 404, 'org_unit_not_found', 'scoped to an unknown unit');
      await refused(t, h, () => h.request('POST', '/v1/api-keys', { body: { name: 'k', role: 'station', orgUnitId: 'Not An Id' } }), 400, 'validation_failed', 'a malformed orgUnitId');
      const unscoped = await h.request('POST', '/v1/api-keys', { body: { name: 'k', role: 'station' } });
      t.equal(unscoped.status, 201, 'a station key without a scope');
      t.equal(unscoped.body.orgUnitId, null, 'acts for the whole tenant');
      t.ok(ids(await h.request('GET', '/v1/org-units', { key: unscoped.body.key })).includes(u.center), 'and sees every unit');
    });

    t.test('another tenant neither sees nor uses these org units', async (t) => {
      const u = await chain(h, 'ti');
      const other = await h.newTenant();
      const key = other.adminKey;
      t.same((await h.request('GET', '/v1/org-units', { key })).body, { items: [] }, 'its list is empty');
      await refused(t, h, () => h.request('GET', `/v1/org-units/${u.station}`, { key }), 404, 'org_unit_not_found', 'GET');
      await refused(t, h, () => h.request('PATCH', `/v1/org-units/${u.station}`, { key, body: { name: '偷改' } }), 404, 'org_unit_not_found', 'PATCH');
      await refused(t, h, () => h.request('POST', `/v1/org-units/${u.station}/deactivation`, { key }), 404, 'org_unit_not_found', 'deactivation');
      await refused(t, h, post(h, { id: 'ti-x', kind: 'point', parentId: u.station, name: 'x' }, key), 404, 'org_unit_not_found', 'a child under it');
      await refused(t, h, () => h.request('POST', '/v1/api-keys', { key, body: { name: 'k', role: 'station', orgUnitId: u.station } }), 404, 'org_unit_not_found', 'a key scoped to it');
      isProblem(t, await h.request('GET', `/v1/accounts/issuance:${u.station}:points`, { key }), 404, 'account_not_found', 'its issuance account');
      t.match((await h.request('GET', `/v1/org-units/${u.station}`)).body, { name: 'ti 站', active: true }, 'the unit is unchanged');

      // Ids are per tenant: the other tenant may use the same ones, with accounts of its own.
      const mine = await chain(h, 'ti', key);
      t.same(mine, u, 'the same ids in the other tenant');
      t.same(ids(await h.request('GET', '/v1/org-units', { key })), Object.values(u), 'it sees only its own');
      t.equal((await h.request('GET', `/v1/accounts/issuance:${u.station}:points`, { key })).status, 200, 'with its own issuance account');
      await h.assertLedger(t);
    });
  });
}
