import { sql } from 'kysely';
import t from 'tap';
import { newMember, orgTree } from './helpers/fixtures.js';
import { engines, expectStatus, type Harness, isProblem, refused as refusedWritingNothing, type Response, setup, type Tap } from './helpers/harness.js';

// Markets (爱心超市) and their terminals through the HTTP API: a market and its points account,
// terminals with their own pos keys scoped to the market and the terminal, deactivation (never a
// delete) and key rotation stopping a key at once, roles and tenant isolation. Every refusal is
// problem+json with its code and writes nothing.

const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const KEY = /^vk_[a-z][a-z0-9-]{1,39}\.[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$/;
const TABLES = ['markets', 'terminals', 'api_keys', 'ledger_accounts', 'ledger_balances', 'config_changes', 'idempotency_keys'];

/** The rows a refusal must leave as they were, beyond their counts: who is active, which keys are live. */
async function state(h: Harness): Promise<string> {
  const r = await sql<{ s: string }>`SELECT concat_ws('|',
      (SELECT string_agg(tenant_id || '/' || market_id || '/' || name || '/' || active, ',' ORDER BY tenant_id, market_id) FROM markets),
      (SELECT string_agg(tenant_id || '/' || terminal_id || '/' || active, ',' ORDER BY tenant_id, terminal_id) FROM terminals),
      (SELECT string_agg(key_id, ',' ORDER BY key_id) FROM api_keys WHERE revoked_at IS NULL)) AS s`.execute(h.database.db);
  return r.rows[0]!.s;
}

async function refused(t: Tap, h: Harness, call: () => Promise<Response>, status: number, code: string, message = code): Promise<Response> {
  const before = await state(h);
  const res = await refusedWritingNothing(t, h, TABLES, call, status, code, message);
  t.equal(await state(h), before, `${message}: no row changed`);
  return res;
}

const createMarket = (h: Harness, body: Record<string, unknown>, key?: string) => h.request('POST', '/v1/markets', { body, key });

async function newMarket(h: Harness, id: string, orgUnitId: string, key?: string): Promise<any> {
  return expectStatus(createMarket(h, { id, orgUnitId, name: `爱心超市 ${id}` }, key), 201, `market ${id}`);
}

/** Registers a terminal; its body ({terminal, key}). */
async function newTerminal(h: Harness, marketId: string, id: string, key?: string): Promise<any> {
  return expectStatus(h.request('POST', `/v1/markets/${marketId}/terminals`, { body: { id, name: `收银台 ${id}` }, key }), 201, `terminal ${id}`);
}

async function configActions(h: Harness, subjectId: string): Promise<string[]> {
  const r = await sql<{ action: string }>`SELECT action FROM config_changes WHERE tenant_id = ${h.tenantId} AND subject_id = ${subjectId} ORDER BY change_no`.execute(
    h.database.db,
  );
  return r.rows.map((row) => row.action);
}

for (const engine of engines) {
  t.test(`markets and terminals on ${engine}`, async (t) => {
    const h = await setup(t, engine);
    const tree = await orgTree(h, ['s1', 's2']);
    const [s1, s2] = tree.stations as [string, string];

    t.test('a market is created with its points account', async (t) => {
      const res = await createMarket(h, { id: 'm1', orgUnitId: s1, name: ' 新华爱心超市 ' });
      t.equal(res.status, 201);
      t.match(res.body, {
        id: 'm1', orgUnitId: s1, name: '新华爱心超市', active: true, accountId: 'market:m1:points', receiptsIssued: 0, createdAt: TIME, deactivatedAt: null,
      });
      const account = await h.request('GET', '/v1/accounts/market:m1:points');
      t.equal(account.status, 200, 'the account exists');
      t.match(account.body, { id: 'market:m1:points', unit: 'POINTS', type: 'market', balance: '0.00' }, 'with balance 0');
      const slots = await sql<{ n: string }>`SELECT count(*)::text AS n FROM ledger_balances WHERE tenant_id = ${h.tenantId} AND account_id = 'market:m1:points'`.execute(h.database.db);
      t.equal(slots.rows[0]!.n, '16', 'a hot account: sixteen balance slots');
      t.same(await configActions(h, 'm1'), ['market.created'], 'the change is recorded');
      t.same((await h.request('GET', '/v1/markets/m1')).body, res.body, 'GET answers the same');
      await h.assertLedger(t);
    });

    t.test('refusals write nothing', async (t) => {
      await refused(t, h, () => createMarket(h, { id: 'm1', orgUnitId: s2, name: 'again' }), 409, 'market_exists', 'a duplicate id');
      await refused(t, h, () => createMarket(h, { id: 'm-x', orgUnitId: 'nowhere', name: 'x' }), 404, 'org_unit_not_found', 'an unknown org unit');
      await refused(t, h, () => createMarket(h, { id: 'Bad_Id', orgUnitId: s1, name: 'x' }), 400, 'validation_failed', 'a malformed id');
      await refused(t, h, () => createMarket(h, { id: 'm-y', orgUnitId: s1, name: '  ' }), 400, 'validation_failed', 'a blank name');
      await refused(t, h, () => h.request('GET', '/v1/markets/nope'), 404, 'market_not_found', 'an unknown market');
      await refused(t, h, () => h.request('PATCH', '/v1/markets/nope', { body: { name: 'x' } }), 404, 'market_not_found', 'renaming an unknown market');
      await refused(t, h, () => h.request('POST', '/v1/markets/nope/deactivation', { body: {} }), 404, 'market_not_found', 'deactivating an unknown market');
      const terminal = { id: 't-x', name: 'x' };
      await refused(t, h, () => h.request('POST', '/v1/markets/nope/terminals', { body: terminal }), 404, 'market_not_found', 'a terminal of an unknown market');
      await refused(t, h, () => h.request('GET', '/v1/markets/nope/terminals'), 404, 'market_not_found', 'terminals of an unknown market');
      await refused(t, h, () => h.request('POST', '/v1/terminals/nope/deactivation', { body: {} }), 404, 'terminal_not_found', 'an unknown terminal');
      await refused(t, h, () => h.request('POST', '/v1/terminals/nope/key', { body: {} }), 404, 'terminal_not_found', 'a key for an unknown terminal');
      // An account of the market's id opened by hand first: the market is refused as a whole.
      t.equal((await h.request('POST', '/v1/accounts', { body: { id: 'market:m-taken:points', unit: 'POINTS', type: 'system' } })).status, 201);
      await refused(t, h, () => createMarket(h, { id: 'm-taken', orgUnitId: s1, name: 'x' }), 409, 'account_exists', 'its account exists');
    });

    t.test('reads, renames and roles', async (t) => {
      await newMarket(h, 'm2', s2);
      const auditor = await h.keyFor('auditor');
      const list = await h.request('GET', '/v1/markets', { key: auditor });
      t.equal(list.status, 200);
      t.same(list.body.items.map((m: { id: string }) => m.id), ['m1', 'm2'], 'the auditor reads every market');
      const renamed = await h.request('PATCH', '/v1/markets/m2', { body: { name: '二号超市' } });
      t.match(renamed, { status: 200, body: { id: 'm2', name: '二号超市' } });
      t.same((await h.request('PATCH', '/v1/markets/m2', { body: {} })).body, renamed.body, 'an empty change answers the market as it is');
      t.same(await configActions(h, 'm2'), ['market.created', 'market.updated'], 'one change recorded per rename');
      for (const role of ['auditor', 'station'] as const) {
        const key = role === 'auditor' ? auditor : await h.keyFor('station');
        await refused(t, h, () => createMarket(h, { id: `m-${role}`, orgUnitId: s1, name: 'x' }, key), 403, 'forbidden', `${role} creates a market`);
        await refused(t, h, () => h.request('POST', '/v1/markets/m1/terminals', { key, body: { id: `t-${role}`, name: 'x' } }), 403, 'forbidden', `${role} registers a terminal`);
      }
      const station = await h.keyFor('station');
      await refused(t, h, () => h.request('GET', '/v1/markets', { key: station }), 403, 'forbidden', 'a station key lists markets');
    });

    t.test("a terminal's key acts for its own market only", async (t) => {
      const before = await h.count('api_keys');
      const res = await h.request('POST', '/v1/markets/m1/terminals', { body: { id: 't1', name: '一号收银台' } });
      t.equal(res.status, 201);
      t.match(res.body.terminal, { id: 't1', marketId: 'm1', name: '一号收银台', active: true, createdAt: TIME, deactivatedAt: null });
      t.match(res.body.key, { role: 'pos', marketId: 'm1', terminalId: 't1', orgUnitId: null, revokedAt: null, key: KEY });
      t.equal(await h.count('api_keys'), before + 1, 'one key');
      const pos = res.body.key.key as string;
      t.same(await configActions(h, 't1'), ['terminal.created'], 'the change is recorded');
      const recorded = await sql<{ data: string }>`SELECT data::text AS data FROM config_changes WHERE subject_id = 't1'`.execute(h.database.db);
      t.notOk(recorded.rows[0]!.data.includes(pos.split('.')[2]!), 'never the secret');

      t.match(await h.request('GET', '/v1/tenant', { key: pos }), { status: 200, body: { role: 'pos', keyId: res.body.key.id } }, 'the key works');
      t.match(await h.request('GET', '/v1/markets/m1', { key: pos }), { status: 200, body: { id: 'm1' } }, 'reads its market');
      t.same((await h.request('GET', '/v1/markets', { key: pos })).body.items.map((m: { id: string }) => m.id), ['m1'], 'lists its market only');
      t.same((await h.request('GET', '/v1/markets/m1/terminals', { key: pos })).body.items.map((x: { id: string }) => x.id), ['t1'], "reads its market's terminals");
      await refused(t, h, () => h.request('GET', '/v1/markets/m2', { key: pos }), 403, 'market_out_of_scope', 'another market');
      await refused(t, h, () => h.request('GET', '/v1/markets/m2/terminals', { key: pos }), 403, 'market_out_of_scope', "another market's terminals");
      await refused(t, h, () => h.request('GET', '/v1/markets/nope', { key: pos }), 403, 'market_out_of_scope', 'a market that does not exist: it learns nothing');
      const cardNo = 'C-market-1';
      await newMember(h, s1, { cards: [cardNo] });
      t.equal((await h.request('GET', `/v1/cards/${cardNo}/counter-view`, { key: pos })).status, 200, 'looks a card up at the counter');
      const admin: [string, string, unknown][] = [
        ['POST', '/v1/markets', { id: 'm-pos', orgUnitId: s1, name: 'x' }],
        ['PATCH', '/v1/markets/m1', { name: 'mine now' }],
        ['POST', '/v1/markets/m1/deactivation', {}],
        ['POST', '/v1/markets/m1/terminals', { id: 't-pos', name: 'x' }],
        ['POST', '/v1/terminals/t1/key', {}],
        ['POST', '/v1/terminals/t1/deactivation', {}],
        ['GET', '/v1/api-keys', undefined],
        ['POST', '/v1/api-keys', { name: 'escalate', role: 'admin' }],
        ['GET', '/v1/accounts/market:m1:points', undefined],
        ['GET', '/v1/org-units', undefined],
      ];
      for (const [method, url, body] of admin) await refused(t, h, () => h.request(method, url, { key: pos, body }), 403, 'forbidden', `pos: ${method} ${url}`);

      await refused(t, h, () => h.request('POST', '/v1/markets/m1/terminals', { body: { id: 't1', name: 'again' } }), 409, 'terminal_exists', 'a duplicate terminal');
      await refused(t, h, () => h.request('POST', '/v1/markets/m2/terminals', { body: { id: 't1', name: 'again' } }), 409, 'terminal_exists', 'its id in another market');
      const listed = (await h.request('GET', '/v1/api-keys')).body.items.find((k: { id: string }) => k.id === res.body.key.id);
      t.match(listed, { role: 'pos', marketId: 'm1', terminalId: 't1', revokedAt: null }, 'the key is listed with its market and terminal');
      t.notOk('key' in listed, 'without its secret');
    });

    t.test('registration is safe to retry with an Idempotency-Key', async (t) => {
      const headers = { 'idempotency-key': 'register-t2' };
      const first = await h.request('POST', '/v1/markets/m1/terminals', { body: { id: 't2', name: '二号' }, headers });
      t.equal(first.status, 201);
      const keys = await h.count('api_keys');
      const again = await h.request('POST', '/v1/markets/m1/terminals', { body: { id: 't2', name: '二号' }, headers });
      t.equal(again.status, 201);
      t.equal(again.headers['idempotent-replayed'], 'true', 'a replay');
      t.same(again.body, first.body, 'the same answer');
      t.equal(await h.count('api_keys'), keys, 'no second key');
      isProblem(t, await h.request('POST', '/v1/markets/m1/terminals', { body: { id: 't3', name: '三号' }, headers }), 409, 'idempotency_conflict');
    });

    t.test('a deactivated terminal stops at once and gets no new key', async (t) => {
      const { key } = await newTerminal(h, 'm1', 't-off');
      t.equal((await h.request('GET', '/v1/tenant', { key: key.key })).status, 200, 'the key works (and is cached)');
      const res = await h.request('POST', '/v1/terminals/t-off/deactivation', { body: {} });
      t.match(res, { status: 200, body: { id: 't-off', marketId: 'm1', active: false, deactivatedAt: TIME } });
      isProblem(t, await h.request('GET', '/v1/tenant', { key: key.key }), 401, 'unauthenticated', 'the very next request');
      isProblem(t, await h.request('GET', '/v1/markets/m1', { key: key.key }), 401, 'unauthenticated', 'on every route');
      const listed = (await h.request('GET', '/v1/api-keys')).body.items.find((k: { id: string }) => k.id === key.id);
      t.match(listed, { revokedAt: TIME }, 'the key is revoked');
      t.same((await h.request('POST', '/v1/terminals/t-off/deactivation', { body: {} })).body, res.body, 'deactivating again changes nothing');
      await refused(t, h, () => h.request('POST', '/v1/terminals/t-off/key', { body: {} }), 422, 'terminal_inactive', 'no new key');
      t.same(await configActions(h, 't-off'), ['terminal.created', 'terminal.deactivated', 'terminal.deactivated']);
      const listedTerminals = (await h.request('GET', '/v1/markets/m1/terminals')).body.items;
      t.match(listedTerminals.find((x: { id: string }) => x.id === 't-off'), { active: false }, 'still listed, never deleted');
    });

    t.test("rotating a terminal's key", async (t) => {
      const { key: old } = await newTerminal(h, 'm1', 't-rot');
      t.equal((await h.request('GET', '/v1/markets/m1', { key: old.key })).status, 200, 'the old key works (and is cached)');
      const res = await h.request('POST', '/v1/terminals/t-rot/key', { body: {} });
      t.equal(res.status, 201);
      t.match(res.body, { terminal: { id: 't-rot', active: true }, key: { role: 'pos', marketId: 'm1', terminalId: 't-rot', key: KEY } });
      t.not(res.body.key.id, old.id, 'a new key');
      isProblem(t, await h.request('GET', '/v1/markets/m1', { key: old.key }), 401, 'unauthenticated', 'the old key stops at once');
      t.match(await h.request('GET', '/v1/markets/m1', { key: res.body.key.key }), { status: 200, body: { id: 'm1' } }, 'the new key works');
      const live = await sql<{ key_id: string }>`SELECT key_id FROM api_keys WHERE terminal_id = 't-rot' AND revoked_at IS NULL`.execute(h.database.db);
      t.same(live.rows.map((r) => r.key_id), [res.body.key.id], 'one live key per terminal');
      t.same(await configActions(h, 't-rot'), ['terminal.created', 'terminal.keyRotated']);
    });

    t.test('a market-wide pos key (POST /v1/api-keys with a marketId)', async (t) => {
      const res = await h.request('POST', '/v1/api-keys', { body: { name: 'm2 back office', role: 'pos', marketId: 'm2' } });
      t.match(res, { status: 201, body: { role: 'pos', marketId: 'm2', terminalId: null, orgUnitId: null, key: KEY } });
      t.equal((await h.request('GET', '/v1/markets/m2', { key: res.body.key })).status, 200, 'reads its market');
      await refused(t, h, () => h.request('GET', '/v1/markets/m1', { key: res.body.key }), 403, 'market_out_of_scope', 'not another');
      const post = (body: unknown) => () => h.request('POST', '/v1/api-keys', { body });
      await refused(t, h, post({ name: 'x', role: 'station', marketId: 'm2' }), 400, 'scope_not_allowed', 'a station key with a market');
      await refused(t, h, post({ name: 'x', role: 'pos', orgUnitId: s1, marketId: 'm2' }), 400, 'scope_not_allowed', 'a pos key with an org unit');
      await refused(t, h, post({ name: 'x', role: 'pos', marketId: 'nope' }), 404, 'market_not_found', 'an unknown market');
    });

    t.test('a deactivated market: terminals off, keys stopped, no new terminal', async (t) => {
      const { key } = await newTerminal(h, 'm2', 't-m2');
      const wide = (await h.request('POST', '/v1/api-keys', { body: { name: 'm2 wide', role: 'pos', marketId: 'm2' } })).body.key as string;
      for (const k of [key.key, wide]) t.equal((await h.request('GET', '/v1/markets/m2', { key: k })).status, 200, 'the key works (and is cached)');
      const res = await h.request('POST', '/v1/markets/m2/deactivation', { body: {} });
      t.match(res, { status: 200, body: { id: 'm2', active: false, deactivatedAt: TIME } });
      for (const k of [key.key, wide]) isProblem(t, await h.request('GET', '/v1/markets/m2', { key: k }), 401, 'unauthenticated', "the market's keys stop at once");
      t.match((await h.request('GET', '/v1/markets/m2/terminals')).body.items, [{ id: 't-m2', active: false }], 'its terminals are deactivated');
      t.equal((await h.request('GET', '/v1/markets/m2')).body.active, false, 'still there, never deleted');
      await refused(t, h, () => h.request('POST', '/v1/markets/m2/terminals', { body: { id: 't-late', name: 'x' } }), 422, 'market_inactive', 'no new terminal');
      await refused(t, h, () => h.request('POST', '/v1/terminals/t-m2/key', { body: {} }), 422, 'terminal_inactive', 'no new key for its terminals');
      await refused(t, h, () => h.request('POST', '/v1/api-keys', { body: { name: 'x', role: 'pos', marketId: 'm2' } }), 422, 'market_inactive', 'no market-wide key');
      t.equal((await h.request('GET', '/v1/markets/m1', { key: (await newTerminal(h, 'm1', 't-m1-after')).key.key })).status, 200, 'another market is untouched');
    });

    t.test('concurrent rotations and deactivations leave no live key behind', async (t) => {
      await newTerminal(h, 'm1', 't-race');
      const rotations = await Promise.all(Array.from({ length: 6 }, () => h.request('POST', '/v1/terminals/t-race/key', { body: {} })));
      t.same(rotations.map((r) => r.status), [201, 201, 201, 201, 201, 201], 'every rotation runs, one after the other');
      const live = async (where: 'terminal' | 'market', id: string) =>
        (
          await sql<{ key_id: string }>`SELECT key_id FROM api_keys WHERE tenant_id = ${h.tenantId} AND revoked_at IS NULL
            AND ${sql.ref(where === 'terminal' ? 'terminal_id' : 'market_id')} = ${id}`.execute(h.database.db)
        ).rows.map((r) => r.key_id);
      t.equal((await live('terminal', 't-race')).length, 1, 'one live key');
      const working = [];
      for (const r of rotations) if ((await h.request('GET', '/v1/tenant', { key: r.body.key.key })).status === 200) working.push(r.body.key.id);
      t.same(working, await live('terminal', 't-race'), 'and it is the only one that works');

      // A market deactivated while terminals are registered and rotated: whatever wins, nothing of
      // the market is left active or with a live key.
      await newMarket(h, 'm-race', s1);
      await newTerminal(h, 'm-race', 't-race-0');
      const calls = await Promise.all([
        ...Array.from({ length: 4 }, (_, i) => h.request('POST', '/v1/markets/m-race/terminals', { body: { id: `t-race-${i + 1}`, name: 'x' } })),
        h.request('POST', '/v1/terminals/t-race-0/key', { body: {} }),
        h.request('POST', '/v1/markets/m-race/deactivation', { body: {} }),
      ]);
      t.equal(calls.at(-1)!.status, 200, 'the market is deactivated');
      for (const r of calls.slice(0, -1)) t.ok([201, 422].includes(r.status), `a registration or rotation either ran first or is refused (${r.status})`);
      t.same(await live('market', 'm-race'), [], 'no live key of the market');
      const active = await sql<{ n: string }>`SELECT count(*)::text AS n FROM terminals WHERE market_id = 'm-race' AND active`.execute(h.database.db);
      t.equal(active.rows[0]!.n, '0', 'no active terminal');
    });

    t.test('tenant isolation', async (t) => {
      const B = await h.newTenant();
      const bTree = await orgTree(h, ['s1'], { key: B.adminKey });
      const b = { key: B.adminKey };
      await refused(t, h, () => h.request('GET', '/v1/markets/m1', b), 404, 'market_not_found', "B reads A's market");
      await refused(t, h, () => h.request('GET', '/v1/markets/m1/terminals', b), 404, 'market_not_found', "B reads A's terminals");
      await refused(t, h, () => h.request('PATCH', '/v1/markets/m1', { ...b, body: { name: 'B' } }), 404, 'market_not_found', "B renames A's market");
      await refused(t, h, () => h.request('POST', '/v1/markets/m1/deactivation', { ...b, body: {} }), 404, 'market_not_found', "B deactivates A's market");
      await refused(t, h, () => h.request('POST', '/v1/markets/m1/terminals', { ...b, body: { id: 't-b', name: 'x' } }), 404, 'market_not_found', "B registers at A's market");
      await refused(t, h, () => h.request('POST', '/v1/terminals/t1/deactivation', { ...b, body: {} }), 404, 'terminal_not_found', "B deactivates A's terminal");
      await refused(t, h, () => h.request('POST', '/v1/terminals/t1/key', { ...b, body: {} }), 404, 'terminal_not_found', "B takes a key of A's terminal");
      await refused(t, h, () => createMarket(h, { id: 'm-b', orgUnitId: s2, name: 'x' }, B.adminKey), 404, 'org_unit_not_found', "B opens a market in A's unit");
      t.same((await h.request('GET', '/v1/markets', b)).body.items, [], 'B lists none of A');
      // The same ids in B are B's own.
      await newMarket(h, 'm1', bTree.stations[0]!, B.adminKey);
      const bTerminal = await newTerminal(h, 'm1', 't1-b', B.adminKey);
      t.equal((await h.request('GET', '/v1/markets/m1', { key: bTerminal.key.key })).body.name, '爱心超市 m1', "B's terminal reads B's m1");
      t.equal((await h.request('GET', '/v1/markets/m1')).body.name, '新华爱心超市', "A's m1 is unchanged");
      t.match(await h.request('GET', '/v1/accounts/market:m1:points', b), { status: 200, body: { balance: '0.00' } }, "B's account of its own");
      await h.assertLedger(t);
    });
  });
}
