import crypto from 'node:crypto';
import { sql } from 'kysely';
import t from 'tap';
import { newIdNumber, orgTree as tree, withCheckDigit } from './helpers/fixtures.js';
import { engines, expectStatus as ok, type Harness, isProblem, refused as refusedWritingNothing, type Response, rowCounts, setup, type Tap } from './helpers/harness.js';

// Members, cards and tenant settings through the HTTP API: registration with a checked national
// ID number (kept only as a keyed hash and a masked form, never logged), member accounts, cards
// (一卡通) and their blocking, deactivation, scoped station keys, tenant isolation, and the star
// thresholds. Every refusal is problem+json with its code and writes nothing.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const KNOWN_ID = '11010519491231002X';
const PHONE = '13812345678';

// ---------------------------------------------------------------------------------------------
// National ID numbers (GB 11643)

const idNumber = withCheckDigit;
const freshIdNumber = newIdNumber;

/** A valid ID number with the given 14 leading digits that ends in X. */
function endingInX(first14: string): string {
  for (let n = 0; n < 1000; n++) {
    const id = idNumber(first14 + String(n).padStart(3, '0'));
    if (id.endsWith('X')) return id;
  }
  throw new Error(`no order number gives ${first14} a check digit X`);
}

/** The birth date inside an ID number: digits 7 to 14. */
const birthDigits = (id: string) => id.slice(6, 14);

// ---------------------------------------------------------------------------------------------
// Helpers

const TABLES = ['org_units', 'members', 'member_cards', 'ledger_accounts', 'ledger_balances', 'idempotency_keys', 'star_changes'];

const counts = (h: Harness) => rowCounts(h, TABLES);

/** Runs a call that must be refused: asserts the problem and that no table gained or lost a row. */
const refused = (t: Tap, h: Harness, call: () => Promise<Response>, status: number, code: string, message = code) =>
  refusedWritingNothing(t, h, TABLES, call, status, code, message);

/** center → institute → the given stations, ids prefixed with `p-`. */
const orgTree = (h: Harness, p: string, stations = ['s1'], key?: string) => tree(h, stations, { prefix: `${p}-`, ...(key ? { key } : {}) });

function memberBody(homeOrgUnitId: string, o: { idNumber?: string; phone?: string; cards?: string[]; name?: string } = {}) {
  return { name: o.name ?? '张三', idNumber: o.idNumber ?? freshIdNumber(), phone: o.phone ?? PHONE, homeOrgUnitId, ...(o.cards ? { cards: o.cards } : {}) };
}

const registration = (h: Harness, body: unknown, key?: string) => () => h.request('POST', '/v1/members', { body, key });
const register = (h: Harness, body: unknown, key?: string) => ok(registration(h, body, key)(), 201, 'member');
const addCard = (h: Harness, memberId: string, cardNo: string, key?: string) => () =>
  h.request('POST', `/v1/members/${memberId}/cards`, { body: { cardNo }, key });
const blockCard = (h: Harness, memberId: string, cardNo: string, key?: string) => () =>
  h.request('POST', `/v1/members/${memberId}/cards/${cardNo}/block`, { key });

let cardSerial = 0;
const freshCard = () => `6214830100${String(cardSerial++).padStart(6, '0')}`;

async function stationKey(h: Harness, orgUnitId: string): Promise<string> {
  const res = await ok(h.request('POST', '/v1/api-keys', { body: { name: `station ${orgUnitId}`, role: 'station', orgUnitId } }), 201, 'station key');
  return res.key as string;
}

/** The tables (of all in the schema) holding a row whose text contains `needle`. */
async function tablesContaining(h: Harness, needle: string): Promise<string[]> {
  const tables = await sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables
    WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`.execute(h.database.db);
  const found: string[] = [];
  for (const { name } of tables.rows) {
    const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(name)} AS r WHERE r::text LIKE ${`%${needle}%`}`.execute(h.database.db);
    if (r.rows[0]!.n > 0) found.push(name);
  }
  return found;
}

// ---------------------------------------------------------------------------------------------

for (const engine of engines) {
  t.test(`members on ${engine}`, async (t) => {
    const h = await setup(t, engine);
    const u = await orgTree(h, 'm', ['s1', 's2']);
    const home = u.stations[0]!;

    t.test('the test helper computes GB 11643 check digits', async (t) => {
      t.equal(idNumber(KNOWN_ID.slice(0, 17)), KNOWN_ID, 'the known number');
      t.not(freshIdNumber(), freshIdNumber(), 'fresh numbers differ');
    });

    t.test('registration answers masked identity and opens zeroed accounts', async (t) => {
      const before = await counts(h);
      const res = await h.request('POST', '/v1/members', { body: memberBody(home, { idNumber: KNOWN_ID, name: '王五' }) });
      t.equal(res.status, 201);
      const m = res.body;
      t.match(m.id, UUID);
      t.match(m, { name: '王五', homeOrgUnitId: home, active: true, cards: [], deactivatedAt: null });
      t.equal(m.idNumberMasked, '1101**********002X', 'region prefix and last four only');
      t.equal(m.phoneMasked, '138****5678');
      const text = JSON.stringify(m);
      for (const secret of [KNOWN_ID, birthDigits(KNOWN_ID), PHONE]) t.notOk(text.includes(secret), `the answer never holds ${secret}`);

      const after = await counts(h);
      t.equal(after.members, before.members! + 1, 'one member row');
      t.equal(after.ledger_accounts, before.ledger_accounts! + 2, 'two accounts');
      for (const [suffix, unit] of [['hours', 'HOURS'], ['points', 'POINTS']] as const) {
        const account = await h.request('GET', `/v1/accounts/member:${m.id}:${suffix}`);
        t.equal(account.status, 200, `member:<id>:${suffix} exists`);
        t.match(account.body, { unit, type: 'member', allowNegative: false, slots: 1, balance: '0.00', held: '0.00' }, `member:<id>:${suffix}`);
      }
      await h.assertLedger(t);
    });

    t.test('GET /v1/members/{id}: hours, points, stars and the next star', async (t) => {
      const created = await register(h, memberBody(home));
      const res = await h.request('GET', `/v1/members/${created.id}`);
      t.equal(res.status, 200);
      t.same(res.body, {
        id: created.id,
        name: '张三',
        idNumberMasked: created.idNumberMasked,
        phoneMasked: '138****5678',
        homeOrgUnitId: home,
        active: true,
        cards: [],
        hours: '0.00',
        points: { balance: '0.00', held: '0.00', available: '0.00' },
        pointsExpiring: [],
        stars: 0,
        hoursToNextStar: '100.00',
        lastStarChange: null,
        createdAt: created.createdAt,
        deactivatedAt: null,
      });
      t.match(res.body.createdAt, TIME);
      isProblem(t, await h.request('GET', `/v1/members/${crypto.randomUUID()}`), 404, 'member_not_found', 'unknown member');
      isProblem(t, await h.request('GET', '/v1/members/not-a-uuid'), 400, 'validation_failed', 'malformed id');
    });

    t.test('the database keeps a keyed hash and a masked form, never the number', async (t) => {
      const id = freshIdNumber();
      const m = await register(h, memberBody(home, { idNumber: id }));
      const row = await h.database.db.selectFrom('members').selectAll().where('member_id', '=', m.id).executeTakeFirstOrThrow();
      t.match(row.id_number_hash, /^[0-9a-f]{64}$/, 'a 64-hex hash');
      t.not(row.id_number_hash, crypto.createHash('sha256').update(id).digest('hex'), 'not a plain SHA-256 of the number');
      const { id_number_key } = await h.database.db.selectFrom('tenants').select('id_number_key').where('tenant_id', '=', h.tenantId).executeTakeFirstOrThrow();
      t.equal(row.id_number_hash, crypto.createHmac('sha256', Buffer.from(id_number_key, 'hex')).update(id).digest('hex'), "an HMAC under the tenant's key");
      t.equal(row.id_number_masked, `${id.slice(0, 4)}**********${id.slice(14)}`);
      t.same(await tablesContaining(h, id), [], 'no table holds the full number');
      t.same(await tablesContaining(h, birthDigits(id)), [], 'no table holds the birth date');
    });

    t.test('lower-case x is accepted; the same person again is 409 member_exists', async (t) => {
      const id = endingInX('43010219800214');
      const m = await register(h, memberBody(home, { idNumber: id.toLowerCase() }));
      t.equal(m.idNumberMasked, `4301**********${id.slice(14)}`, 'masked in canonical form, upper-case X');
      await refused(t, h, registration(h, memberBody(home, { idNumber: id, phone: '13900000000' })), 409, 'member_exists', 'upper-case X');
      await refused(t, h, registration(h, memberBody(home, { idNumber: id.toLowerCase() })), 409, 'member_exists', 'lower-case x again');
      await refused(t, h, registration(h, memberBody(u.stations[1]!, { idNumber: id })), 409, 'member_exists', 'another home unit');
    });

    t.test('the same ID number in another tenant is another member', async (t) => {
      const id = freshIdNumber();
      const mine = await register(h, memberBody(home, { idNumber: id }));
      const other = await h.newTenant();
      const theirs = await orgTree(h, 'm', ['s1'], other.adminKey);
      const m = await register(h, memberBody(theirs.stations[0]!, { idNumber: id }), other.adminKey);
      t.not(m.id, mine.id, 'a member of its own');
      t.equal(m.idNumberMasked, mine.idNumberMasked);
      const hashes = await h.database.db.selectFrom('members').select('id_number_hash').where('member_id', 'in', [m.id, mine.id]).execute();
      t.equal(new Set(hashes.map((r) => r.id_number_hash)).size, 2, 'each tenant hashes under its own key');
    });

    t.test('invalid ID numbers: 400 invalid_id_number, the number not echoed', async (t) => {
      const valid = freshIdNumber();
      const wrongCheck = valid.slice(0, 17) + (valid[17] === '0' ? '1' : '0');
      const cases: [string, string][] = [
        ['17 characters', valid.slice(0, 17)],
        ['19 characters', `${valid}0`],
        ['15-digit old form', '110105491231002'],
        ['a letter inside', `${valid.slice(0, 10)}A${valid.slice(11)}`],
        ['a wrong check digit', wrongCheck],
        ['birth date 19490230', idNumber('11010519490230002')],
        ['birth month 13', idNumber('11010519491331002')],
        ['born before 1900', idNumber('11010518991231002')],
        ['born in the future', idNumber(`110105${new Date().getFullYear() + 1}0101002`)],
        ['empty', ''],
      ];
      for (const [what, id] of cases) {
        const res = await refused(t, h, registration(h, memberBody(home, { idNumber: id })), 400, 'invalid_id_number', what);
        t.ok(res.body.errors?.some((e: any) => e.path === 'idNumber'), `${what}: errors[] names idNumber`);
        if (id) t.notOk(JSON.stringify(res.body).includes(id), `${what}: the problem does not repeat the number`);
      }
    });

    t.test('invalid phone numbers: 400 invalid_phone', async (t) => {
      for (const phone of ['23812345678', '1381234567', '138123456789', '138-1234-567', '']) {
        const res = await refused(t, h, registration(h, memberBody(home, { phone })), 400, 'invalid_phone', `phone '${phone}'`);
        t.ok(res.body.errors?.some((e: any) => e.path === 'phone'), `'${phone}': errors[] names phone`);
      }
    });

    t.test('the home org unit: unknown, deactivated, under a deactivated unit', async (t) => {
      const d = await orgTree(h, 'mh', ['s1', 's2']);
      await refused(t, h, registration(h, memberBody('mh-nobody')), 404, 'org_unit_not_found', 'unknown unit');
      await ok(h.request('POST', `/v1/org-units/${d.stations[0]}/deactivation`), 200, 'deactivate station');
      await refused(t, h, registration(h, memberBody(d.stations[0]!)), 422, 'org_unit_inactive', 'deactivated station');
      await ok(h.request('POST', `/v1/org-units/${d.institute}/deactivation`), 200, 'deactivate institute');
      t.equal((await h.request('GET', `/v1/org-units/${d.stations[1]}`)).body.active, true, 'the second station is itself active');
      await refused(t, h, registration(h, memberBody(d.stations[1]!)), 422, 'org_unit_inactive', 'station under a deactivated institute');
    });

    t.test('a scoped station key registers and changes members only within its subtree', async (t) => {
      const key = await stationKey(h, home);
      const inside = await register(h, memberBody(home), key);
      t.equal(inside.homeOrgUnitId, home, 'registered at its own station');
      const res = await refused(t, h, registration(h, memberBody(u.stations[1]!), key), 403, 'org_unit_out_of_scope', 'another station');
      t.equal(res.body.orgUnitId, u.stations[1]);
      await refused(t, h, registration(h, memberBody(u.institute), key), 403, 'org_unit_out_of_scope', 'the institute above it');

      const outside = await register(h, memberBody(u.stations[1]!, { cards: [freshCard()] }));
      await refused(t, h, addCard(h, outside.id, freshCard(), key), 403, 'org_unit_out_of_scope', 'a card for a member of another station');
      await refused(t, h, blockCard(h, outside.id, outside.cards[0].cardNo, key), 403, 'org_unit_out_of_scope', 'blocking that member’s card');
      t.equal((await addCard(h, inside.id, freshCard(), key)()).status, 201, 'a card for its own member');
    });

    t.test('cards at registration; a taken card rolls the whole registration back', async (t) => {
      const [a, b] = [freshCard(), freshCard()];
      const m = await register(h, memberBody(home, { cards: [a, b] }));
      t.same(m.cards.map((c: any) => c.cardNo).sort(), [a, b].sort(), 'both cards');
      t.ok(m.cards.every((c: any) => c.blocked === false && c.blockedAt === null), 'neither blocked');

      const id = freshIdNumber();
      const res = await refused(t, h, registration(h, memberBody(home, { idNumber: id, cards: [freshCard(), b] })), 409, 'card_exists', 'a card of another member');
      t.equal(res.body.cardNo, b, 'the problem names the card');
      t.equal((await ok(h.request('GET', `/v1/cards/${b}`), 200, 'card')).id, m.id, 'the card still finds its first member');
      t.equal((await register(h, memberBody(home, { idNumber: id }))).active, true, 'the same person registers once the card is left out');

      const dup = freshCard();
      await refused(t, h, registration(h, memberBody(home, { cards: [dup, dup] })), 400, 'validation_failed', 'one card twice in a request');
      await refused(t, h, registration(h, memberBody(home, { cards: ['12'] })), 400, 'validation_failed', 'a card number too short');
    });

    t.test('add, look up and block a card; a blocked number is never reused', async (t) => {
      const m = await register(h, memberBody(home));
      const other = await register(h, memberBody(home));
      const card = freshCard();
      const added = await h.request('POST', `/v1/members/${m.id}/cards`, { body: { cardNo: card } });
      t.equal(added.status, 201);
      t.match(added.body.cards, [{ cardNo: card, blocked: false, blockedAt: null }]);

      const pos = await h.keyFor('pos');
      const found = await h.request('GET', `/v1/cards/${card}/counter-view`, { key: pos });
      t.equal(found.status, 200, 'a pos key looks the card up');
      t.same(
        found.body,
        { memberId: m.id, name: m.name, active: true, pointsAvailable: '0.00', stars: 0, card: { cardNo: card, status: 'active' } },
        'and sees the counter view: no ID number, no phone, no history',
      );
      isProblem(t, await h.request('GET', `/v1/cards/${card}`, { key: pos }), 403, 'forbidden', 'pos may not read the whole member by card');
      isProblem(t, await h.request('GET', `/v1/members/${m.id}`, { key: pos }), 403, 'forbidden', 'nor by id');
      const whole = await h.request('GET', `/v1/cards/${card}`);
      t.equal(whole.body.id, m.id, 'the admin reads the whole member by card');
      t.equal(whole.body.idNumberMasked, m.idNumberMasked);
      isProblem(t, await h.request('GET', '/v1/cards/0000000000/counter-view', { key: pos }), 404, 'card_not_found', 'unknown card');

      await refused(t, h, addCard(h, other.id, card), 409, 'card_exists', 'the card for another member');
      await refused(t, h, blockCard(h, other.id, card), 404, 'card_not_found', 'blocking it through another member');

      const blocked = await h.request('POST', `/v1/members/${m.id}/cards/${card}/block`);
      t.equal(blocked.status, 200);
      t.match(blocked.body.cards, [{ cardNo: card, blocked: true }]);
      t.match(blocked.body.cards[0].blockedAt, TIME);
      isProblem(t, await h.request('GET', `/v1/cards/${card}`), 404, 'card_not_found', 'a blocked card finds nobody');
      const atCounter = await h.request('GET', `/v1/cards/${card}/counter-view`, { key: pos });
      t.same(atCounter.body.card, { cardNo: card, status: 'blocked' }, 'at the counter a blocked card shows as blocked');
      await refused(t, h, addCard(h, m.id, card), 409, 'card_exists', 'the blocked number again');
      await refused(t, h, addCard(h, other.id, card), 409, 'card_exists', 'the blocked number for someone else');
      await refused(t, h, addCard(h, crypto.randomUUID(), freshCard()), 404, 'member_not_found', 'a card for nobody');
    });

    t.test('deactivation: admin only; an inactive member takes no new card', async (t) => {
      const m = await register(h, memberBody(home));
      for (const role of ['station', 'pos', 'auditor'] as const) {
        const key = await h.keyFor(role);
        await refused(t, h, () => h.request('POST', `/v1/members/${m.id}/deactivation`, { key }), 403, 'forbidden', `${role} may not deactivate`);
      }
      const res = await h.request('POST', `/v1/members/${m.id}/deactivation`);
      t.equal(res.status, 200);
      t.match(res.body, { id: m.id, active: false });
      t.match(res.body.deactivatedAt, TIME);
      t.same((await h.request('GET', `/v1/members/${m.id}`)).body, res.body, 'still readable');
      t.equal((await h.request('GET', `/v1/accounts/member:${m.id}:points`)).status, 200, 'accounts stay');
      await refused(t, h, addCard(h, m.id, freshCard()), 422, 'member_inactive', 'a card for an inactive member');
      await refused(t, h, () => h.request('POST', `/v1/members/${crypto.randomUUID()}/deactivation`), 404, 'member_not_found', 'unknown member');
    });

    t.test('roles: pos and auditor look members up but do not register', async (t) => {
      const card = freshCard();
      const m = await register(h, memberBody(home, { cards: [card] }));
      for (const role of ['pos', 'auditor'] as const) {
        const key = await h.keyFor(role);
        if (role === 'auditor') t.equal((await h.request('GET', `/v1/members/${m.id}`, { key })).status, 200, `${role} reads a member`);
        else t.equal((await h.request('GET', `/v1/cards/${card}/counter-view`, { key })).status, 200, `${role} reads a member by card`);
        await refused(t, h, registration(h, memberBody(home), key), 403, 'forbidden', `${role} may not register`);
        await refused(t, h, addCard(h, m.id, freshCard(), key), 403, 'forbidden', `${role} may not add a card`);
      }
      const station = await h.keyFor('station');
      t.equal((await registration(h, memberBody(home), station)()).status, 201, 'an unscoped station key registers');
    });

    t.test('another tenant can neither see nor touch a member', async (t) => {
      const card = freshCard();
      const m = await register(h, memberBody(home, { cards: [card] }));
      const { adminKey: key } = await h.newTenant();
      await refused(t, h, () => h.request('GET', `/v1/members/${m.id}`, { key }), 404, 'member_not_found', 'GET');
      await refused(t, h, () => h.request('GET', `/v1/cards/${card}`, { key }), 404, 'card_not_found', 'card lookup');
      await refused(t, h, () => h.request('GET', `/v1/cards/${card}/counter-view`, { key }), 404, 'card_not_found', 'counter view');
      await refused(t, h, addCard(h, m.id, freshCard(), key), 404, 'member_not_found', 'add a card');
      await refused(t, h, blockCard(h, m.id, card, key), 404, 'member_not_found', 'block a card');
      await refused(t, h, () => h.request('POST', `/v1/members/${m.id}/deactivation`, { key }), 404, 'member_not_found', 'deactivate');
      await refused(t, h, registration(h, memberBody(home), key), 404, 'org_unit_not_found', "register at the first tenant's unit");
      isProblem(t, await h.request('GET', `/v1/accounts/member:${m.id}:points`, { key }), 404, 'account_not_found', 'its account');
      t.match((await h.request('GET', `/v1/members/${m.id}`)).body, { active: true, cards: [{ cardNo: card, blocked: false }] }, 'unchanged');

      // Card numbers, like ID numbers, are per tenant.
      const theirs = await orgTree(h, 'mt', ['s1'], key);
      const their = await register(h, memberBody(theirs.stations[0]!, { cards: [card] }), key);
      t.equal((await h.request('GET', `/v1/cards/${card}`, { key })).body.id, their.id, 'the same card number is theirs in their tenant');
      t.equal((await h.request('GET', `/v1/cards/${card}`)).body.id, m.id, 'and still ours in ours');
    });

    t.test('a retried registration with the same Idempotency-Key returns the first member', async (t) => {
      const body = memberBody(home);
      const headers = { 'idempotency-key': `reg-${crypto.randomUUID()}` };
      const first = await h.request('POST', '/v1/members', { body, headers });
      t.equal(first.status, 201);
      const before = await counts(h);
      const again = await h.request('POST', '/v1/members', { body, headers });
      t.equal(again.status, 201);
      t.equal(again.headers['idempotent-replayed'], 'true', 'marked as a replay');
      t.same(again.body, first.body, 'the first answer again');
      t.same(await counts(h), before, 'no second member');
      await refused(t, h, () => h.request('POST', '/v1/members', { body: memberBody(home), headers }), 409, 'idempotency_conflict', 'the key with another body');
    });
  });

  t.test(`ID numbers and phone numbers never reach the logs on ${engine}`, async (t) => {
    const logs: string[] = [];
    const h = await setup(t, engine, { logs });
    const u = await orgTree(h, 'lg');
    const id = idNumber('11010519760304123');
    const badId = idNumber('11010519830517456').slice(0, 17) + 'Z';
    const phone = '13987654321';

    await register(h, memberBody(u.stations[0]!, { idNumber: id, phone }));
    isProblem(t, await registration(h, memberBody(u.stations[0]!, { idNumber: badId, phone }))(), 400, 'invalid_id_number', 'an invalid number');
    isProblem(t, await registration(h, memberBody(u.stations[0]!, { idNumber: id.toLowerCase(), phone }))(), 409, 'member_exists', 'the same number again');

    t.ok(logs.length > 0, 'the app logged');
    t.ok(logs.some((line) => line.includes('"url":"/v1/members"')), 'the request log lines are among them');
    for (const secret of [id, id.toLowerCase(), badId, birthDigits(id), birthDigits(badId), phone]) {
      const leaks = logs.filter((line) => line.includes(secret));
      t.same(leaks, [], `no log line holds ${secret}`);
    }
  });

  t.test(`tenant settings on ${engine}`, async (t) => {
    const h = await setup(t, engine);
    const defaults = {
      autoVerify: false,
      starThresholds: ['100.00', '300.00', '600.00', '1000.00', '1500.00'],
      offlineSaleDays: 7,
      pointsExpiry: { version: 0, policy: 'none', months: 0, effectiveFrom: null, createdAt: null, createdBy: null },
      yearlyGoalHours: '20.00',
    };
    const patch = (body: unknown, key?: string) => () => h.request('PATCH', '/v1/settings', { body, key });

    t.test('defaults', async (t) => {
      const res = await h.request('GET', '/v1/settings');
      t.equal(res.status, 200);
      t.same(res.body, defaults);
    });

    t.test('star thresholds are five increasing positive numbers of hours', async (t) => {
      const cases: [string, unknown][] = [
        ['four thresholds', ['100', '300', '600', '1000']],
        ['six thresholds', ['100', '300', '600', '1000', '1500', '2000']],
        ['not increasing', ['100', '300', '300', '1000', '1500']],
        ['decreasing', ['1500', '1000', '600', '300', '100']],
        ['a zero', ['0', '300', '600', '1000', '1500']],
        ['not a decimal string', ['100', '300', '600', '1000', 'lots']],
        ['three decimals', ['100.125', '300', '600', '1000', '1500']],
      ];
      for (const [what, starThresholds] of cases) await refused(t, h, patch({ starThresholds }), 400, 'validation_failed', what);
      await refused(t, h, patch({ autoVerify: 'yes' }), 400, 'validation_failed', 'autoVerify not a boolean');
      t.same((await h.request('GET', '/v1/settings')).body, defaults, 'unchanged');
    });

    t.test('only admin changes settings; auditor reads them', async (t) => {
      const auditor = await h.keyFor('auditor');
      t.same((await h.request('GET', '/v1/settings', { key: auditor })).body, defaults, 'auditor reads');
      for (const role of ['station', 'pos'] as const) {
        isProblem(t, await h.request('GET', '/v1/settings', { key: await h.keyFor(role) }), 403, 'forbidden', `${role} may not read`);
      }
      for (const role of ['station', 'pos', 'auditor'] as const) {
        await refused(t, h, patch({ autoVerify: true }, await h.keyFor(role)), 403, 'forbidden', `${role} may not change`);
      }
      t.same((await h.request('GET', '/v1/settings')).body, defaults, 'unchanged');
    });

    t.test('admin sets thresholds; a member’s next star follows', async (t) => {
      const u = await orgTree(h, 'st');
      const m = await register(h, memberBody(u.stations[0]!));
      const res = await h.request('PATCH', '/v1/settings', { body: { autoVerify: true, starThresholds: ['10', '20.5', '30', '40', '50'] } });
      t.equal(res.status, 200);
      const changed = { ...defaults, autoVerify: true, starThresholds: ['10.00', '20.50', '30.00', '40.00', '50.00'] };
      t.same(res.body, { ...changed, starsChanged: 0 });
      t.same((await h.request('GET', '/v1/settings')).body, changed);
      t.match((await h.request('GET', `/v1/members/${m.id}`)).body, { stars: 0, hoursToNextStar: '10.00' });
      const other = await h.newTenant();
      t.same((await h.request('GET', '/v1/settings', { key: other.adminKey })).body, defaults, 'another tenant keeps its own settings');
    });
  });
}
