// Sealing, proofs, the journal export and verification (issue 22 items 1–4), through the HTTP API,
// the CLI as a process (seal, keys rotate, verify, and the offline verify-export / verify-proof,
// which need no database) and the database as it is.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import canonicalize from 'canonicalize';
import { Decimal } from 'decimal.js';
import { type Kysely, sql } from 'kysely';
import t from 'tap';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import type { DB } from '../src/db/schema.js';
import { post } from '../src/ledger/index.js';
import { engines, fundedAccount, type Harness, isProblem, setup, type Tap, transfer } from './helpers/harness.js';
import { cli, tempDir } from './helpers/process.js';

const SECRET = crypto.randomBytes(32).toString('base64url');
/** The service seals on its own, every second: ten writes sent at once land in at most two blocks. */
const SEALING = { SIGNING_KEY_SECRET: SECRET, SEAL_MS: '1000' };
const MEMBER = 'member:a:points';
const ISSUANCE = `issuance:${MEMBER}`;

async function one<T>(db: Kysely<DB>, query: ReturnType<typeof sql<T>>): Promise<T> {
  return (await query.execute(db)).rows[0]!;
}

/** Waits until every number the tenant has handed out is in a block (the service's sealer). */
async function sealedAll(db: Kysely<DB>, tenantId: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = await one(db, sql<{ taken: string | null; sealed: string }>`SELECT
        (SELECT max(seq)::text FROM ledger_entries WHERE tenant_id = ${tenantId}) AS taken,
        (SELECT coalesce(max(last_seq), 0)::text FROM integrity_blocks WHERE tenant_id = ${tenantId}) AS sealed`);
    if (r.taken !== null && BigInt(r.sealed) >= BigInt(r.taken)) return;
    if (Date.now() > deadline) throw new Error(`not sealed within 30 s: ${JSON.stringify(r)}`);
    await new Promise((res) => setTimeout(res, 25));
  }
}

/**
 * How the tenant's entries and blocks cover its sequence numbers: each entry's number must lie in
 * exactly one block and not among its gaps; `gaps` are the numbers sealed as gaps.
 */
async function coverage(t: Tap, db: Kysely<DB>, tenantId: string): Promise<{ gaps: string[]; keys: string[] }> {
  const blocks = (
    await sql<{ first_seq: string; last_seq: string; gaps: string[]; key_id: string }>`SELECT first_seq::text, last_seq::text, gaps::text[] AS gaps, key_id
      FROM integrity_blocks WHERE tenant_id = ${tenantId} ORDER BY block_no`.execute(db)
  ).rows;
  const seqs = (await sql<{ seq: string }>`SELECT seq::text FROM ledger_entries WHERE tenant_id = ${tenantId} ORDER BY seq`.execute(db)).rows.map((r) => BigInt(r.seq));
  let next = 1n;
  for (const b of blocks) {
    if (BigInt(b.first_seq) !== next) t.fail(`block starting at ${b.first_seq} follows one ending at ${next - 1n}`);
    next = BigInt(b.last_seq) + 1n;
  }
  const wrong = seqs.filter((s) => blocks.filter((b) => BigInt(b.first_seq) <= s && s <= BigInt(b.last_seq) && !b.gaps.includes(String(s))).length !== 1);
  t.same(wrong, [], `each of the ${seqs.length} entries is in exactly one block`);
  return { gaps: blocks.flatMap((b) => b.gaps.map(String)), keys: [...new Set(blocks.map((b) => b.key_id))] };
}

/** An entry that takes a sequence number and rolls back; resolves to nothing. */
async function rolledBack(h: Harness): Promise<void> {
  await h.database.db
    .transaction()
    .execute(async (trx) => {
      await post(trx, {
        tenantId: h.tenantId,
        kind: 'adjustment',
        reason: 'rolled back',
        postings: [
          { accountId: ISSUANCE, unit: 'POINTS', amount: new Decimal(-1) },
          { accountId: MEMBER, unit: 'POINTS', amount: new Decimal(1) },
        ],
      });
      throw new Error('roll back');
    })
    .catch(() => {});
}

/** Changes one posting's amount behind the ledger's back, as a superuser can (triggers off). */
async function tamper(db: Kysely<DB>, tenantId: string, entryId: string): Promise<void> {
  await sql`ALTER TABLE ledger_postings DISABLE TRIGGER ledger_postings_append_only`.execute(db);
  await sql`UPDATE ledger_postings SET amount = amount + 1 WHERE tenant_id = ${tenantId} AND entry_id = ${entryId} AND idx = 1`.execute(db);
  await sql`ALTER TABLE ledger_postings ENABLE TRIGGER ledger_postings_append_only`.execute(db);
}

function write(dir: string, name: string, content: unknown): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

for (const [i, engine] of engines.entries()) {
  t.test(`sealing, proofs, export and tampering on ${engine}`, async (t) => {
    const h = await setup(t, engine, { env: SEALING });
    const db = h.database.db;
    await fundedAccount(h, { id: MEMBER, points: '100' });
    await rolledBack(h);
    // The number after the last entry's: the one the rolled-back transaction took.
    const rolledBackSeq = String(BigInt((await one(db, sql<{ n: string }>`SELECT max(seq)::text AS n FROM ledger_entries WHERE tenant_id = ${h.tenantId}`)).n) + 1n);
    const posted = await Promise.all(
      Array.from({ length: 10 }, (_, n) => h.request('POST', '/v1/entries', { body: transfer(MEMBER, ISSUANCE, `${n + 1}.00`, 'POINTS', `第 ${n + 1} 次兑换，"引号"，逗号`) })),
    );
    t.same([...new Set(posted.map((r) => r.status))], [201], 'ten entries written at once');
    await sealedAll(db, h.tenantId);
    const { gaps } = await coverage(t, db, h.tenantId);
    t.same(gaps, [rolledBackSeq], 'the rolled-back number is a gap of a block, sealed without waiting');
    // The entry proved, edited and tampered with below: the second of the largest block.
    const chosen = await one(db, sql<{ entry_id: string; block_no: string; recorded_at: string; amount: string }>`
      SELECT e.entry_id::text, b.block_no::text, to_char(e.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS recorded_at,
        (SELECT max(p.amount)::text FROM ledger_postings p WHERE p.tenant_id = e.tenant_id AND p.entry_id = e.entry_id) AS amount
      FROM integrity_blocks b JOIN ledger_entries e ON e.tenant_id = b.tenant_id AND e.seq BETWEEN b.first_seq AND b.last_seq
      WHERE b.tenant_id = ${h.tenantId} ORDER BY b.entry_count DESC, b.block_no, e.seq OFFSET 1 LIMIT 1`);
    const target = chosen.entry_id;

    const integrity = await h.request('GET', '/v1/integrity');
    t.equal(integrity.status, 200);
    t.match(integrity.body, { ok: true, problems: [], seals: { sealedEntries: '11', unsealedEntries: '0' } }, 'GET /v1/integrity: ledger and seals verify');

    const keys = await h.request('GET', '/v1/integrity/keys', { key: await h.keyFor('pos') });
    t.equal(keys.status, 200, 'any key may read the public keys');
    t.equal(keys.body.items.length, 1, 'one signing key, made at the first seal');
    t.match(keys.body.items[0], { algorithm: 'Ed25519', validUntil: null });
    t.match(keys.body.items[0].publicKeyPem, /^-----BEGIN PUBLIC KEY-----/);

    const proof = await h.request('GET', `/v1/entries/${target}/proof?chainTo=latest`, { key: await h.keyFor('auditor') });
    t.equal(proof.status, 200, 'an auditor gets the proof');
    t.equal(proof.body.entry.entryId, target);
    t.ok(proof.body.path.length >= 1, 'a path of at least one hash');
    t.equal(proof.body.block.head.keyId, keys.body.items[0].keyId, 'signed with the published key');
    t.equal(proof.body.block.head.blockNo, chosen.block_no);
    isProblem(t, await h.request('GET', `/v1/entries/${crypto.randomUUID()}/proof`), 404, 'entry_not_found');
    isProblem(t, await h.request('GET', `/v1/entries/${target}/proof?chainTo=999999`), 422, 'proof_chain_invalid');
    isProblem(t, await h.request('GET', `/v1/entries/${target}/proof?chainTo=0`), 400, 'validation_failed');

    const csv = await h.app.inject({ method: 'GET', url: '/v1/exports/journal?format=csv&bom=true', headers: { authorization: `Bearer ${h.adminKey}` } });
    t.equal(csv.statusCode, 200);
    t.match(csv.headers['content-type'], /^text\/csv; charset=utf-8/);
    t.match(csv.headers['content-disposition'], /attachment; filename="journal-.*\.csv"/);
    t.same([...csv.rawPayload.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'the CSV starts with a UTF-8 BOM');
    t.ok(csv.payload.includes('第 5 次兑换，""引号""，逗号'), 'Chinese text, quotes and commas intact');
    const jsonl = await h.app.inject({ method: 'GET', url: '/v1/exports/journal?format=jsonl', headers: { authorization: `Bearer ${h.adminKey}` } });
    t.equal(jsonl.statusCode, 200);
    t.match(jsonl.headers['content-type'], /^application\/x-ndjson/);
    const lines = jsonl.payload.trim().split('\n').map((l) => JSON.parse(l));
    t.same(lines.at(-1), { type: 'end', entries: '11', postings: '22' }, 'the end record counts every entry and posting');
    // A period that starts inside the block: the entries before it go as leaf hashes only.
    const from = chosen.recorded_at;
    const period = await h.app.inject({ method: 'GET', url: `/v1/exports/journal?format=jsonl&from=${encodeURIComponent(from)}`, headers: { authorization: `Bearer ${h.adminKey}` } });
    const periodLines = period.payload.trim().split('\n').map((l) => JSON.parse(l));
    t.ok(periodLines.some((l) => l.type === 'block' && l.omitted.length > 0), 'the period export names the leaves it leaves out');
    t.ok(periodLines.every((l) => l.type !== 'posting' || l.recordedAt >= from), 'and not the entries themselves');
    isProblem(t, await h.request('GET', '/v1/exports/journal?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z'), 400, 'validation_failed', 'from after to');
    isProblem(t, await h.request('GET', '/v1/exports/journal?format=xlsx'), 400, 'validation_failed', 'unknown format');

    const accounts = Object.fromEntries(
      await Promise.all([MEMBER, ISSUANCE].map(async (a) => [a, (await h.request('GET', `/v1/accounts/${a}`)).body.balance as string])),
    );

    // Tampering: one posting's amount changed in the database.
    await tamper(db, h.tenantId, target);
    const broken = await h.request('GET', '/v1/integrity');
    t.equal(broken.body.ok, false, 'GET /v1/integrity fails');
    const blockNo = proof.body.block.head.blockNo as string;
    t.ok(
      broken.body.problems.some((p: any) => p.check === 'block_entry' && p.detail.entryId === target && p.detail.blockNo === blockNo && /hash changed/.test(p.detail.why)),
      `names the entry and its block: ${JSON.stringify(broken.body.problems)}`,
    );
    const tampered = await h.app.inject({ method: 'GET', url: '/v1/exports/journal?format=csv', headers: { authorization: `Bearer ${h.adminKey}` } });

    // The offline checks: once (they need no database, so the engine does not matter).
    if (i !== 0) return;
    const dir = tempDir(t);
    const keysFile = write(dir, 'keys.json', keys.body);
    const forgedPath = structuredClone(proof.body);
    forgedPath.path[0] = forgedPath.path[0].replace(/^./, (c: string) => (c === '0' ? '1' : '0'));
    // The same head, signed by a key of our own under the published key's id.
    const otherKey = crypto.generateKeyPairSync('ed25519').privateKey;
    const otherSigned = structuredClone(proof.body);
    otherSigned.block.signature = crypto.sign(null, Buffer.from(canonicalize(otherSigned.block.head)!, 'utf8'), otherKey).toString('base64');
    const editedCsv = csv.payload.replace(`"${chosen.amount}"`, '"99.00"');
    t.not(editedCsv, csv.payload, 'the CSV was edited');
    const run = (args: string[]) => cli(t, args, {});
    const [goodProof, badPath, badKey, goodCsv, goodJsonl, goodPeriod, badCsv, badDb] = await Promise.all([
      run(['verify-proof', write(dir, 'proof.json', proof.body), '--keys', keysFile]),
      run(['verify-proof', write(dir, 'forged-path.json', forgedPath), '--keys', keysFile]),
      run(['verify-proof', write(dir, 'other-key.json', otherSigned), '--keys', keysFile]),
      run(['verify-export', write(dir, 'journal.csv', csv.rawPayload.toString('utf8')), '--keys', keysFile, '--accounts']),
      run(['verify-export', write(dir, 'journal.jsonl', jsonl.payload), '--keys', keysFile]),
      run(['verify-export', write(dir, 'period.jsonl', period.payload), '--keys', keysFile]),
      run(['verify-export', write(dir, 'edited.csv', editedCsv), '--keys', keysFile]),
      run(['verify-export', write(dir, 'tampered.csv', tampered.payload), '--keys', keysFile]),
    ]);
    t.equal(goodProof.code, 0, `verify-proof accepts the proof ${goodProof.stderr}`);
    t.match(JSON.parse(goodProof.stdout), { ok: true, entryId: target, blockNo });
    t.equal(badPath.code, 1, 'a proof with one hash changed is refused');
    t.match(JSON.parse(badPath.stdout).problems, [{ check: 'inclusion' }]);
    t.equal(badKey.code, 1, 'a head signed by another key is refused');
    t.match(JSON.parse(badKey.stdout).problems, [{ check: 'block_signature', why: /signature does not verify/ }]);
    t.equal(goodCsv.code, 0, `verify-export accepts the CSV ${goodCsv.stderr}`);
    const checked = JSON.parse(goodCsv.stdout);
    t.match(checked, { ok: true, format: 'csv', entries: 11, postings: 22, unsealedEntries: 0, unitTotals: [{ unit: 'POINTS', total: '0.00' }] });
    t.same(
      Object.fromEntries(checked.accountTotals.map((a: any) => [a.accountId, a.total])),
      accounts,
      're-read from the export, every account totals its balance',
    );
    t.equal(goodJsonl.code, 0, `verify-export accepts the JSON Lines ${goodJsonl.stderr}`);
    t.equal(goodPeriod.code, 0, `and the export of a period that starts inside a block ${goodPeriod.stderr}`);
    t.equal(badCsv.code, 1, 'an edited export is refused');
    t.ok(
      JSON.parse(badCsv.stdout).problems.some((p: any) => p.check === 'block_root' && p.blockNo === blockNo),
      'naming the block of the edited posting',
    );
    t.equal(badDb.code, 1, 'the export of the tampered ledger is refused offline');
    t.ok(
      JSON.parse(badDb.stdout).problems.some((p: any) => p.check === 'block_root' && p.blockNo === blockNo),
      'naming the block of the changed entry',
    );
  });
}

if (engines.includes('postgres')) {
  t.test('a transaction that commits after ten later ones is sealed once; seal, keys rotate and verify from the CLI', async (t) => {
    const h = await setup(t, 'postgres', { env: { SEAL_MS: '0' } });
    const db = h.database.db;
    const dataDir = tempDir(t);
    const env = { DATABASE_URL: h.databaseUrl!, DATA_DIR: dataDir, SIGNING_KEY_SECRET: '' };
    await fundedAccount(h, { id: MEMBER, points: '100' });
    // The late entry moves points between accounts of its own: the ten after it must not wait on its locks.
    const lateAccounts = ['member:late:points', 'system:late'];
    for (const body of [
      { id: lateAccounts[0], unit: 'POINTS', type: 'member' },
      { id: lateAccounts[1], unit: 'POINTS', type: 'system', allowNegative: true },
    ]) {
      t.equal((await h.request('POST', '/v1/accounts', { body })).status, 201);
    }

    // A: takes its number, then waits (another connection of the pool) while ten later entries commit.
    let release = () => {};
    const released = new Promise<void>((r) => (release = r));
    t.teardown(() => release());
    let lateId = '';
    let taken = () => {};
    const tookNumber = new Promise<void>((r) => (taken = r));
    const late = db.transaction().execute(async (trx) => {
      const e = await post(trx, {
        tenantId: h.tenantId,
        kind: 'adjustment',
        reason: 'late',
        postings: [
          { accountId: lateAccounts[1]!, unit: 'POINTS', amount: new Decimal(-7) },
          { accountId: lateAccounts[0]!, unit: 'POINTS', amount: new Decimal(7) },
        ],
      });
      lateId = e.id;
      taken();
      await released;
      return e;
    });
    await tookNumber;
    const later: string[] = [];
    for (let n = 0; n < 10; n++) later.push((await h.request('POST', '/v1/entries', { body: transfer(MEMBER, ISSUANCE, '1.00') })).body.id);

    const first = await cli(t, ['seal', '--tenant', h.tenantId, '--wait', '0'], env);
    t.equal(first.code, 0, `seal ${first.stderr}`);
    t.match(JSON.parse(first.stdout).tenants, [{ tenantId: h.tenantId, pending: true, sealedThrough: '1' }], 'sealed up to the open transaction, not past it');
    isProblem(t, await h.request('GET', `/v1/entries/${later[0]}/proof`), 409, 'entry_not_sealed', 'a later entry waits for the open one');
    t.equal((fs.statSync(path.join(dataDir, 'signing-key-secret')).mode & 0o777).toString(8), '600', 'the signing secret was made, readable by its owner only');

    const rotated = await cli(t, ['keys', 'rotate', '--tenant', h.tenantId], env);
    t.equal(rotated.code, 0, `keys rotate ${rotated.stderr}`);
    const { retired, current } = JSON.parse(rotated.stdout);
    t.ok(retired && current && retired !== current, 'a new key replaces the first');

    release();
    await late;
    const second = await cli(t, ['seal', '--tenant', h.tenantId], env);
    t.equal(second.code, 0, `seal ${second.stderr}`);
    t.match(JSON.parse(second.stdout).tenants, [{ pending: false, entries: 11, gaps: 0, sealedThrough: '12' }], 'the late entry and the ten after it');
    const { gaps, keys } = await coverage(t, db, h.tenantId);
    t.same(gaps, [], 'no gaps: the late entry is in a block, once');
    t.same(keys.sort(), [retired, current].sort(), 'blocks signed before and after the rotation');
    const lateProof = await h.request('GET', `/v1/entries/${lateId}/proof`);
    t.equal(lateProof.body.block.head.keyId, current);
    const published = (await h.request('GET', '/v1/integrity/keys')).body.items;
    t.match(published, [{ keyId: retired, validUntil: String }, { keyId: current, validUntil: null }], 'both keys published, the retired one with its end');
    t.equal(published[0].validUntil, published[1].validFrom, 'the new key takes over where the old one ends');
    t.match((await h.request('GET', '/v1/integrity')).body, { ok: true, seals: { blocks: '2', sealedEntries: '12' } });

    await tamper(db, h.tenantId, later[3]!);
    const verify = await cli(t, ['verify', '--tenant', h.tenantId], env);
    t.equal(verify.code, 1, 'verify exits 1');
    const problem = JSON.parse(verify.stdout).problems.find((p: any) => p.check === 'block_entry');
    t.match(problem, { detail: { entryId: later[3], blockNo: '2' } }, 'and names the entry and its block');
    t.match(verify.stderr, /problem\(s\) found; the first/);
  });

  t.test('two service processes sealing at once: each entry in exactly one block', async (t) => {
    const h = await setup(t, 'postgres', { env: { SIGNING_KEY_SECRET: SECRET, SEAL_MS: '10' }, poolSize: 4 });
    // A second service on the same database: its own pool, its own sealer.
    const database = await openDatabase({ engine: 'postgres', url: h.databaseUrl!, poolSize: 4 });
    const other = await buildApp({ config: loadConfig({ LOG_LEVEL: 'silent', SIGNING_KEY_SECRET: SECRET, SEAL_MS: '10' }), database, logger: false });
    await other.ready();
    t.teardown(async () => {
      await other.close();
      await database.close();
    });
    await fundedAccount(h, { id: MEMBER, points: '1000' });
    const send = (app: typeof other, n: number) =>
      app.inject({
        method: 'POST',
        url: '/v1/entries',
        headers: { authorization: `Bearer ${h.adminKey}` },
        payload: transfer(MEMBER, ISSUANCE, `${(n % 9) + 1}.00`),
      });
    // Ten waves of twenty writes, half through each service; each wave sealed before the next,
    // so the chain runs past block 9 (block numbers order as numbers, not as text).
    const statuses = new Set<number>();
    for (let wave = 0; wave < 10; wave++) {
      const results = await Promise.all(Array.from({ length: 20 }, (_, n) => send(n % 2 ? other : h.app, n)));
      for (const r of results) statuses.add(r.statusCode);
      await sealedAll(h.database.db, h.tenantId);
    }
    t.same([...statuses], [201], 'every write through either service answered 201');
    await sealedAll(h.database.db, h.tenantId);
    const { gaps } = await coverage(t, h.database.db, h.tenantId);
    t.same(gaps, [], 'no gaps');
    const blocks = await one(h.database.db, sql<{ n: string; entries: string }>`SELECT count(*)::text AS n, sum(entry_count)::text AS entries FROM integrity_blocks WHERE tenant_id = ${h.tenantId}`);
    t.equal(blocks.entries, '201', 'the blocks hold 201 entries between them');
    t.ok(Number(blocks.n) >= 11, `sealed as the writes went (${blocks.n} blocks)`);
    t.match((await h.request('GET', '/v1/integrity')).body, { ok: true, problems: [] });
    const first = (await h.request('GET', '/v1/accounts/member:a:points/postings?limit=500')).body.items.at(-1).entryId as string;
    const proof = await h.request('GET', `/v1/entries/${first}/proof?chainTo=latest`);
    t.equal(proof.status, 200);
    t.equal(proof.body.chain.length, Number(blocks.n) - Number(proof.body.block.head.blockNo), 'the chain runs from its block to the latest');
    t.same(
      proof.body.chain.map((c: any) => c.head.blockNo),
      Array.from({ length: proof.body.chain.length }, (_, k) => String(Number(proof.body.block.head.blockNo) + k + 1)),
      'in order',
    );
  });
}
