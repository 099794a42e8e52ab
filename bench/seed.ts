import crypto from 'node:crypto';
import type pg from 'pg';
import { hashIdNumber, maskIdNumber, normalizeIdNumber } from '../src/members/identity.js';
import { memberHoursAccount, memberPointsAccount } from '../src/ledger/index.js';
import { idNumber, phone, RecordMaker } from './records.js';

// The county the load runs against, set up through the API as a real one would be: a center,
// an institute, N stations that verify their records automatically, one scoped key per station,
// and members registered with valid ID numbers. Then, for balance-read, a ledger history loaded
// in bulk.

export interface County {
  tenantId: string;
  adminKey: string;
  stations: string[];
  /** One scoped station key per station, in station order. */
  keys: { key: string; orgUnitId: string }[];
  members: string[];
}

export interface Answer {
  status: number;
  body: any;
}

export async function call(baseUrl: string, key: string, method: string, url: string, body?: unknown): Promise<Answer> {
  const res = await fetch(baseUrl + url, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function must(baseUrl: string, key: string, method: string, url: string, body: unknown, status: number): Promise<any> {
  const answer = await call(baseUrl, key, method, url, body);
  if (answer.status !== status) throw new Error(`${method} ${url}: expected ${status}, got ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** Runs fn over 0..n-1 with at most `concurrency` calls in flight. */
export async function pool(n: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(n, concurrency) }, worker));
}

/**
 * Sets the county up through the API: org units, station keys, and the first `size.viaApi`
 * members. The rest of the members, when `bulk` is given, are written by loadMembers.
 */
export async function setUpCounty(
  baseUrl: string,
  tenant: { tenantId: string; adminKey: string },
  size: { stations: number; members: number; viaApi: number; concurrency: number },
  bulk?: pg.Client,
): Promise<County> {
  const admin = tenant.adminKey;
  await must(baseUrl, admin, 'POST', '/v1/org-units', { id: 'c', kind: 'center', name: '县新时代文明实践中心' }, 201);
  await must(baseUrl, admin, 'POST', '/v1/org-units', { id: 'i', kind: 'institute', parentId: 'c', name: '城关镇实践所' }, 201);
  const stations = Array.from({ length: size.stations }, (_, i) => `s${String(i + 1).padStart(2, '0')}`);
  const keys: County['keys'] = [];
  for (const id of stations) {
    // autoVerify on the station: a posted record is verified (one award entry) in the same request.
    await must(baseUrl, admin, 'POST', '/v1/org-units', { id, kind: 'station', parentId: 'i', name: `实践站 ${id}`, autoVerify: true }, 201);
    const created = await must(baseUrl, admin, 'POST', '/v1/api-keys', { name: `station app ${id}`, role: 'station', orgUnitId: id }, 201);
    keys.push({ key: created.key as string, orgUnitId: id });
  }
  const viaApi = bulk ? Math.min(size.viaApi, size.members) : size.members;
  const members = new Array<string>(viaApi);
  await pool(viaApi, size.concurrency, async (n) => {
    const body = { name: `志愿者${n}`, idNumber: idNumber(n), phone: phone(n), homeOrgUnitId: stations[n % stations.length] };
    members[n] = (await must(baseUrl, admin, 'POST', '/v1/members', body, 201)).id as string;
  });
  if (bulk && size.members > viaApi) {
    const loaded = await loadMembers(bulk, tenant.tenantId, stations, viaApi, size.members - viaApi);
    // The API must see a loaded member exactly as one it registered itself.
    for (const id of [loaded[0]!, loaded[loaded.length - 1]!]) {
      const [viaBulk, reference] = [await must(baseUrl, admin, 'GET', `/v1/members/${id}`, undefined, 200), await must(baseUrl, admin, 'GET', `/v1/members/${members[0]}`, undefined, 200)];
      const shape = (m: Record<string, unknown>) => JSON.stringify({ ...m, id: null, name: null, idNumberMasked: null, phoneMasked: null, homeOrgUnitId: null, createdAt: null });
      if (shape(viaBulk) !== shape(reference)) throw new Error(`a bulk-loaded member reads differently: ${JSON.stringify(viaBulk)} vs ${JSON.stringify(reference)}`);
    }
    members.push(...loaded);
  }
  return { tenantId: tenant.tenantId, adminKey: admin, stations, keys, members };
}

/**
 * Registers `count` members (numbers from..from+count-1) in three set statements, writing what
 * POST /v1/members writes (src/members/members.ts registerMember): the member row with the ID
 * number checked, kept as the tenant-keyed hash and the masked form, and the member's HOURS and
 * POINTS accounts with a zero balance. Registering 10,000 through the API takes a minute or more
 * on a busy two-core machine; this takes a second.
 */
export async function loadMembers(c: pg.Client, tenantId: string, stations: string[], from: number, count: number): Promise<string[]> {
  const { rows } = await c.query<{ key: string }>('SELECT id_number_key AS key FROM tenants WHERE tenant_id = $1', [tenantId]);
  const key = rows[0]!.key;
  const ids: string[] = [];
  const cols = { name: [] as string[], hash: [] as string[], masked: [] as string[], phone: [] as string[], home: [] as string[] };
  for (let n = from; n < from + count; n++) {
    const id = normalizeIdNumber(idNumber(n));
    if (!id) throw new Error(`bench made an invalid ID number: ${idNumber(n)}`);
    ids.push(crypto.randomUUID());
    cols.name.push(`志愿者${n}`);
    cols.hash.push(hashIdNumber(id, key));
    cols.masked.push(maskIdNumber(id));
    cols.phone.push(phone(n));
    cols.home.push(stations[n % stations.length]!);
  }
  const accounts = ids.flatMap((m) => [memberHoursAccount(m), memberPointsAccount(m)]);
  const units = ids.flatMap(() => ['HOURS', 'POINTS']);
  await c.query('BEGIN');
  try {
    await c.query(
      `INSERT INTO members (tenant_id, member_id, name, id_number_hash, id_number_masked, phone, home_org_unit_id)
       SELECT $1, * FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])`,
      [tenantId, ids, cols.name, cols.hash, cols.masked, cols.phone, cols.home],
    );
    await c.query(
      `INSERT INTO ledger_accounts (tenant_id, account_id, unit, type, allow_negative, slots)
       SELECT $1, a, u, 'member', false, 1 FROM unnest($2::text[], $3::text[]) AS x(a, u)`,
      [tenantId, accounts, units],
    );
    await c.query(
      `INSERT INTO ledger_balances (tenant_id, account_id, slot, allow_negative) SELECT $1, a, 0, false FROM unnest($2::text[]) AS a`,
      [tenantId, accounts],
    );
    await c.query('COMMIT');
  } catch (err) {
    await c.query('ROLLBACK');
    throw err;
  }
  return ids;
}

/**
 * One record per station key before any measuring: each must be 201 and verified at once, or
 * the award scenarios would measure something else than one award per request.
 */
export async function smokeCheck(baseUrl: string, county: County, anchor: number, lane: number): Promise<void> {
  const maker = new RecordMaker(county.members, anchor, lane, `smoke-${Date.now()}`);
  for (const { key, orgUnitId } of county.keys) {
    const answer = await call(baseUrl, key, 'POST', '/v1/service-records', maker.next(orgUnitId));
    if (answer.status !== 201) throw new Error(`smoke check at ${orgUnitId}: ${answer.status} ${JSON.stringify(answer.body)}`);
    if (answer.body?.record?.status !== 'verified' || !answer.body?.record?.award?.entryId) {
      throw new Error(`smoke check at ${orgUnitId}: record not verified at once: ${JSON.stringify(answer.body?.record)}`);
    }
  }
}

// The legs of one seeded entry, award-shaped (src/hours/plans.ts awardPostings): 1 hour and
// 10 points from the station's issuance accounts to the member.
const LEGS = `(VALUES (0, false, 'hours', 'HOURS', -1.00::numeric), (1, true, 'hours', 'HOURS', 1.00),
                      (2, false, 'points', 'POINTS', -10.00), (3, true, 'points', 'POINTS', 10.00))
              AS l(idx, member, suffix, unit, amount)`;
const ACCOUNT = `CASE WHEN l.member THEN 'member:' || s.member_id ELSE 'issuance:' || s.station END || ':' || l.suffix`;

/**
 * Loads `postings` postings (a quarter as many award entries) into the ledger tables with set
 * statements in one transaction, the way a migration from an older system would: entries get
 * numbers from the tenant's sequence, every entry balances per unit, member postings carry their
 * running balance, and the stored balances move by exactly the sum of the new postings.
 * Calling ledger_post once per entry would take minutes for a million postings.
 *
 * As a superuser the session skips the per-row foreign-key triggers (session_replication_role =
 * replica, as a restore does); the keys hold by construction, and every account is checked to
 * exist before anything is written; the lots trigger is skipped too, so the members' lots are
 * opened as for a ledger older than lots. verifyLedger afterwards proves balances against postings.
 */
export async function loadHistory(c: pg.Client, county: County, postings: number): Promise<{ entries: number; postings: number; fk_triggers: boolean }> {
  const entries = Math.ceil(postings / 4);
  const t = county.tenantId;
  await c.query('BEGIN');
  try {
    const superuser = (await c.query<{ s: string }>(`SELECT current_setting('is_superuser') AS s`)).rows[0]!.s === 'on';
    if (superuser) await c.query(`SET LOCAL session_replication_role = replica`);
    // Running balances below start from zero: the members must not have postings yet.
    const moved = await c.query(`SELECT 1 FROM ledger_balances WHERE tenant_id = $1 AND account_id LIKE 'member:%' AND balance <> 0 LIMIT 1`, [t]);
    if (moved.rowCount) throw new Error('load the history before any award: member balances are not zero');
    await c.query(
      `CREATE TEMP TABLE bench_history ON COMMIT DROP AS
       SELECT g, gen_random_uuid() AS entry_id, nextval(format('%I', 'ledger_seq_' || $1::text)::regclass) AS seq,
         ($2::text[])[1 + g % cardinality($2::text[])] AS member_id,
         ($3::text[])[1 + (g / cardinality($2::text[])) % cardinality($3::text[])] AS station
       FROM generate_series(0, $4::int - 1) AS g`,
      [t, county.members, county.stations, entries],
    );
    const missing = await c.query(
      `SELECT DISTINCT ${ACCOUNT} AS account_id FROM bench_history s CROSS JOIN ${LEGS}
       EXCEPT SELECT account_id FROM ledger_accounts WHERE tenant_id = $1 LIMIT 5`,
      [t],
    );
    if (missing.rowCount) throw new Error(`accounts missing: ${missing.rows.map((r) => r.account_id).join(', ')}`);
    await c.query(
      `INSERT INTO ledger_entries (tenant_id, entry_id, seq, kind, reason, object_type, object_id, rule_version, occurred_at, metadata)
       SELECT $1, entry_id, seq, 'award', 'bench history: 1.00 h × 10 = 10.00 (rule v1)', 'bench_history', g::text, 1,
         now() - make_interval(days => 31 + g % 330), '{"hours":"1.00","points":"10.00"}'
       FROM bench_history ORDER BY seq`,
      [t],
    );
    const inserted = await c.query(
      `INSERT INTO ledger_postings (tenant_id, entry_id, idx, seq, account_id, unit, amount, balance_after)
       SELECT $1, s.entry_id, l.idx, s.seq, ${ACCOUNT}, l.unit, l.amount,
         CASE WHEN l.member THEN sum(l.amount) OVER (PARTITION BY s.member_id, l.unit ORDER BY s.seq) END
       FROM bench_history s CROSS JOIN ${LEGS}
       ORDER BY s.seq, l.idx`,
      [t],
    );
    // Issuance accounts are slotted: their balance is the sum of the slots, so slot 0 takes it all.
    await c.query(
      `UPDATE ledger_balances b SET balance = b.balance + d.delta
       FROM (SELECT ${ACCOUNT} AS account_id, sum(l.amount) AS delta FROM bench_history s CROSS JOIN ${LEGS} GROUP BY 1) d
       WHERE b.tenant_id = $1 AND b.account_id = d.account_id AND b.slot = 0`,
      [t],
    );
    if (superuser) {
      // The lots trigger did not fire either: the members' points begin as lots the way a ledger
      // older than lots does (migration 0012): one lot each that never expires, and the loaded
      // entries are the ones before lots began.
      await c.query(
        `INSERT INTO ledger_lots (tenant_id, account_id, expires_on, opened_at, amount, remaining)
         SELECT tenant_id, account_id, 'infinity', clock_timestamp(), sum(balance), sum(balance) FROM ledger_balances
         WHERE tenant_id = $1 AND account_id LIKE 'member:%:points' GROUP BY tenant_id, account_id HAVING sum(balance) > 0`,
        [t],
      );
      await c.query(
        `INSERT INTO ledger_lot_moves (tenant_id, lot_id, kind, amount)
         SELECT tenant_id, lot_id, 'opening', amount FROM ledger_lots WHERE tenant_id = $1 AND opened_by IS NULL`,
        [t],
      );
      await c.query(
        `INSERT INTO ledger_lots_began (tenant_id, after_seq) SELECT $1, max(seq) FROM bench_history
         ON CONFLICT (tenant_id) DO UPDATE SET after_seq = EXCLUDED.after_seq`,
        [t],
      );
    }
    await c.query('COMMIT');
    return { entries, postings: inserted.rowCount ?? 0, fk_triggers: !superuser };
  } catch (err) {
    await c.query('ROLLBACK');
    throw err;
  }
}
