// Certificates of service records (志愿服务记录证明, issue 23): issued through the API on both
// engines (content, numbering per issuing unit and year, 谁记录谁证明 for station keys, retries),
// the public check by code (authentic, changed after a revocation or correction, withdrawn, a
// guessed code answered as any unknown one, the rate limit), the append-only tables, and the
// offline verifier as a process with no database.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import t from 'tap';
import { checkByCode } from '../src/certificates/check.js';
import type { DB } from '../src/db/schema.js';
import { checkProof } from '../src/integrity/check.js';
import { engines, isProblem, setup, type Harness } from './helpers/harness.js';
import { type County, county, cst, verified } from './helpers/hours.js';
import { cli, tempDir } from './helpers/process.js';

const secret = () => crypto.randomBytes(32).toString('base64url');
const chinaDay = (d: Date) => new Date(d.getTime() + 8 * 3600 * 1000).toISOString().slice(0, 10);
const ENV = { SEAL_MS: '0', HOLD_SWEEP_MS: '0', EXPIRY_MS: '0', FEED_SEQUENCE_MS: '0' };

interface Scene {
  c: County;
  memberId: string;
  idNumberMasked: string;
  records: Record<'s1' | 'p1' | 's2' | 'old', string>;
  from: string;
  to: string;
}

/** A member with records at s1, p1 (under s1) and s2 in the period, and one at s1 before it (25 days ago; the period starts 20 days ago). */
async function scene(h: Harness): Promise<Scene> {
  const c = await county(h);
  const member = await c.ok('POST', '/v1/members', { name: '王志愿', idNumber: idNumber(), phone: '13812345678', homeOrgUnitId: 's1' }, 201);
  const rec = async (orgUnitId: string, daysAgo: number, hours: string) =>
    (await verified(c, member.id, { start: cst(daysAgo, 9), hours, orgUnitId, place: '东街社区' })).record.id as string;
  const records = { s1: await rec('s1', 10, '3.00'), p1: await rec('p1', 9, '2.50'), s2: await rec('s2', 8, '4.00'), old: await rec('s1', 25, '1.00') };
  return { c, memberId: member.id, idNumberMasked: member.idNumberMasked, records, from: chinaDay(cst(20, 12)), to: chinaDay(cst(0, 12)) };
}

function idNumber(): string {
  const body = `110105${1970 + Math.floor(Math.random() * 30)}0${1 + Math.floor(Math.random() * 9)}1${Math.floor(Math.random() * 10)}${String(Math.floor(Math.random() * 1000)).padStart(3, '0')}`;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((s, ch, i) => s + Number(ch) * w[i]!, 0);
  return body + '10X98765432'[sum % 11]!;
}

const issue = (s: Scene, body: Record<string, unknown>, opts: { key?: string; idem?: string } = {}) =>
  s.c.req('POST', `/v1/members/${s.memberId}/certificates`, { from: s.from, to: s.to, ...body }, opts.key).then((r) => r);

async function issueWithKey(h: Harness, s: Scene, body: Record<string, unknown>, idem: string, key = s.c.key) {
  return h.request('POST', `/v1/members/${s.memberId}/certificates`, { key, body: { from: s.from, to: s.to, ...body }, headers: { 'idempotency-key': idem } });
}

for (const engine of engines) {
  t.test(`certificates on ${engine}`, async (t) => {
    const h = await setup(t, engine, { env: { ...ENV, SIGNING_KEY_SECRET: secret() } });
    const s = await scene(h);
    const year = Number(chinaDay(new Date()).slice(0, 4));
    const keys = (await s.c.ok('GET', '/v1/integrity/keys', undefined, 200)).items;

    const first = await issue(s, { orgUnitId: 's1', purpose: '入党参考' });
    t.equal(first.status, 201, `issued: ${JSON.stringify(first.body).slice(0, 300)}`);
    const cert = first.body;
    t.test('its content', async (t) => {
      t.match(cert, {
        v: 1,
        type: 'volunteer-service-certificate',
        tenantId: s.c.tenantId,
        number: { orgUnitId: 's1', year, no: 1, text: `s1-${year}-000001` },
        issuer: { orgUnitId: 's1', name: '东街社区实践站' },
        member: { name: '王志愿', idNumberMasked: s.idNumberMasked },
        period: { from: s.from, to: s.to },
        purpose: '入党参考',
        totals: { records: 2, hours: '5.50' },
        stars: 0,
        signature: { algorithm: 'Ed25519' },
      });
      t.match(s.idNumberMasked, /\*/, 'the ID number is masked');
      t.same(cert.records.map((r: any) => r.recordId), [s.records.s1, s.records.p1], 'only the records s1 and the units under it recorded, in the period, oldest first');
      t.same(cert.records.map((r: any) => [r.orgUnitId, r.orgUnitName, r.hours, r.title]), [['s1', '东街社区实践站', '3.00', '社区志愿服务'], ['p1', '东街一号服务点', '2.50', '社区志愿服务']]);
      const keys2 = (await s.c.ok('GET', '/v1/integrity/keys', undefined, 200)).items;
      for (const r of cert.records) {
        const checked = checkProof(r.proof, keys2);
        t.ok(checked.ok, `record ${r.recordId}: its proof holds ${JSON.stringify(checked.problems)}`);
        t.equal(r.proof.entry.entryId, r.awardEntryId, 'the proof is of its award entry');
        const record = await s.c.ok('GET', `/v1/service-records/${r.recordId}`, undefined, 200);
        t.equal(record.award.entryId, r.awardEntryId, "the record's current award entry");
      }
      t.match(cert.code, /^[a-z][a-z0-9-]+\.[A-Za-z0-9_-]{22}$/, 'the code: tenant and 128 random bits');
      const again = await s.c.ok('GET', `/v1/certificates/${cert.certificateId}`, undefined, 200);
      t.same(again, cert, 'GET answers the certificate as issued');
    });

    t.test('numbers per issuing unit and year, without gaps', async (t) => {
      const inst = await issue(s, { orgUnitId: 'i' });
      t.equal(inst.status, 201);
      t.same(inst.body.number, { orgUnitId: 'i', year, no: 1, text: `i-${year}-000001` }, "the institute's own first number");
      t.same(inst.body.records.map((r: any) => r.recordId), [s.records.s1, s.records.p1, s.records.s2], 'the institute certifies what its subtree recorded');
      t.equal(inst.body.totals.hours, '9.50');
      // A refused issuance in between takes no number.
      isProblem(t, await issue(s, { orgUnitId: 's1', from: '2000-01-01', to: '2000-01-31' }), 422, 'certificate_no_records', 'no records in that period');
      isProblem(t, await issue(s, { orgUnitId: 's1', from: s.to, to: s.from }), 400, 'certificate_period_invalid', 'from after to');
      isProblem(t, await issue(s, { orgUnitId: 'nope' }), 404, 'org_unit_not_found');
      // A failure after the number was taken (the certificate's own insert fails, injected in the
      // database): the transaction rolls back and gives the number back.
      const db = h.database.db;
      await sql`CREATE FUNCTION certificate_fault() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.document LIKE '%"purpose":"FAULT"%' THEN RAISE EXCEPTION 'injected fault'; END IF; RETURN NEW; END $$`.execute(db);
      await sql`CREATE TRIGGER certificate_fault BEFORE INSERT ON certificates FOR EACH ROW EXECUTE FUNCTION certificate_fault()`.execute(db);
      const failed = await issue(s, { orgUnitId: 's1', purpose: 'FAULT' });
      t.equal(failed.status, 500, 'the injected fault fails the issuance');
      await sql`DROP TRIGGER certificate_fault ON certificates`.execute(db);
      await sql`DROP FUNCTION certificate_fault()`.execute(db);
      const second = await issue(s, { orgUnitId: 's1' });
      t.equal(second.body.number.no, 2, "s1's second number follows its first: the failed one left no gap");
    });

    t.test('a station key certifies what its own subtree recorded, in its own name only', async (t) => {
      const s2key = (await s.c.ok('POST', '/v1/api-keys', { name: '西街站', role: 'station', orgUnitId: 's2' }, 201)).key;
      const s1key = (await s.c.ok('POST', '/v1/api-keys', { name: '东街站', role: 'station', orgUnitId: 's1' }, 201)).key;
      const before = await h.count('certificates');
      isProblem(t, await issue(s, { orgUnitId: 's1' }, { key: s2key }), 403, 'org_unit_out_of_scope', "s2's key in s1's name");
      isProblem(t, await issue(s, { orgUnitId: 'i' }, { key: s2key }), 403, 'org_unit_out_of_scope', "s2's key in its parent's name");
      t.equal(await h.count('certificates'), before, 'nothing written');
      const own = await issue(s, { orgUnitId: 's2' }, { key: s2key });
      t.equal(own.status, 201);
      t.same(own.body.records.map((r: any) => r.recordId), [s.records.s2], "only the record s2 recorded, not s1's or p1's");
      // A member whose records s1 recorded only: s2 has nothing of its own to certify.
      const other = await s.c.ok('POST', '/v1/members', { name: '赵志愿', idNumber: idNumber(), phone: '13812345679', homeOrgUnitId: 's2' }, 201);
      await verified(s.c, other.id, { start: cst(5, 9), hours: '2.00', orgUnitId: 's1' });
      const refused = await s.c.req('POST', `/v1/members/${other.id}/certificates`, { from: s.from, to: s.to, orgUnitId: 's2' }, s2key);
      isProblem(t, refused, 422, 'certificate_no_records', "s2 cannot certify records s1 recorded");
      const byS1 = await s.c.req('POST', `/v1/members/${other.id}/certificates`, { from: s.from, to: s.to, orgUnitId: 's1' }, s1key);
      t.equal(byS1.status, 201, 's1 certifies its own record');
      t.equal(byS1.body.totals.hours, '2.00');
      isProblem(t, await s.c.req('GET', `/v1/certificates/${byS1.body.certificateId}`, undefined, s2key), 403, 'org_unit_out_of_scope', "s2 cannot read s1's certificate");
      isProblem(t, await s.c.req('POST', `/v1/certificates/${byS1.body.certificateId}/withdrawal`, { reason: 'x' }, s2key), 403, 'org_unit_out_of_scope', "nor withdraw it");
    });

    t.test('a retry with the same Idempotency-Key gives the same certificate', async (t) => {
      const a = await issueWithKey(h, s, { orgUnitId: 'p1' }, 'cert-retry-1');
      const b = await issueWithKey(h, s, { orgUnitId: 'p1' }, 'cert-retry-1');
      t.equal(a.status, 201);
      t.equal(b.status, 201);
      t.equal(b.headers['idempotent-replayed'], 'true');
      t.same(b.body, a.body, 'the same certificate, number and signature');
      const next = await issue(s, { orgUnitId: 'p1' });
      t.equal(next.body.number.no, a.body.number.no + 1, 'the retry took no number');
      isProblem(t, await issueWithKey(h, s, { orgUnitId: 's1' }, 'cert-retry-1'), 409, 'idempotency_conflict', 'the key with another body');
    });

    t.test('the public check: authentic, then changed, then withdrawn', async (t) => {
      const fresh = (await issue(s, { orgUnitId: 'i' })).body;
      const json = async (code: string) => h.request('GET', `/certificates/${code}`, { key: null, headers: { accept: 'application/json' } });
      const ok = await json(fresh.code);
      t.equal(ok.status, 200);
      t.match(ok.body, { status: 'valid', authentic: true, stands: true, withdrawal: null, changes: [] });
      t.same(ok.body.certificate, {
        number: fresh.number.text, issuer: '城关镇实践所', issuedAt: fresh.issuedAt, issueDate: fresh.issueDate,
        member: { name: '王志愿', idNumberMasked: s.idNumberMasked }, period: fresh.period, purpose: null,
        records: fresh.records.map((r: any, i: number) => ({ no: i + 1, orgUnit: r.orgUnitName, startedAt: r.startedAt, endedAt: r.endedAt, title: r.title, content: r.content, hours: r.hours })),
        totals: fresh.totals, stars: fresh.stars,
      }, 'exactly what the certificate shows');
      const text = JSON.stringify(ok.body);
      for (const secretId of [s.memberId, ...Object.values(s.records), ...fresh.records.map((r: any) => r.awardEntryId)]) t.notOk(text.includes(secretId), 'no member, record or entry id');
      t.same((await h.request('GET', `/certificates/${fresh.code}.json`, { key: null })).body, ok.body, 'the .json form answers the same');
      const page = await h.request('GET', `/certificates/${fresh.code}`, { key: null });
      t.match(page.headers['content-type'], /^text\/html/, 'a page by default');
      t.match(page.body, fresh.number.text);

      await s.c.ok('POST', `/v1/service-records/${s.records.s2}/revocation`, { reason: '重复登记' }, 200);
      await s.c.ok('POST', `/v1/service-records/${s.records.p1}/correction`, { hours: '2.00', reason: '时长有误' }, 200);
      const changed = await json(fresh.code);
      t.match(changed.body, { status: 'changed', authentic: true, stands: false });
      t.match(changed.body.changes, [
        { recordNo: 3, kind: 'revoked', hoursAfter: null, title: '社区志愿服务' },
        { recordNo: 2, kind: 'corrected', hoursAfter: '2.00' },
      ], 'which record changed, how, and when');
      for (const ch of changed.body.changes) t.ok(Date.parse(ch.at) > Date.parse(fresh.issuedAt), 'after it was issued');
      t.same(changed.body.certificate, ok.body.certificate, 'the certificate itself is as issued');
      const changedPage = await h.request('GET', `/certificates/${fresh.code}`, { key: null });
      t.match(changedPage.body, /data-status="changed"/);
      t.match(changedPage.body, /第 3 条「社区志愿服务」于 [0-9: -]+ 已被撤销/);

      isProblem(t, await s.c.req('POST', `/v1/certificates/${fresh.certificateId}/withdrawal`, {}), 400, 'validation_failed', 'a withdrawal needs a reason');
      const w = await s.c.req('POST', `/v1/certificates/${fresh.certificateId}/withdrawal`, { reason: '记录已撤销，重新出具' });
      t.equal(w.status, 200);
      t.match(w.body, { certificateId: fresh.certificateId, number: fresh.number.text, reason: '记录已撤销，重新出具' });
      isProblem(t, await s.c.req('POST', `/v1/certificates/${fresh.certificateId}/withdrawal`, { reason: 'again' }), 409, 'certificate_withdrawn');
      const gone = await json(fresh.code);
      t.equal(gone.status, 200, 'a withdrawn certificate is found');
      t.match(gone.body, { status: 'withdrawn', authentic: true, stands: false, withdrawal: { reason: '记录已撤销，重新出具' } });
      t.match((await h.request('GET', `/certificates/${fresh.code}`, { key: null })).body, /已被出具单位撤回[\s\S]*记录已撤销，重新出具/);
    });

    t.test('a guessed code finds nothing, answered as any unknown code', async (t) => {
      const guesses = [
        `${s.c.tenantId}.${crypto.randomBytes(16).toString('base64url')}`,
        `${h.tenantId}.${crypto.randomBytes(16).toString('base64url')}`,
        `no-such-tenant.${crypto.randomBytes(16).toString('base64url')}`,
        'not-a-code',
        cert.code.slice(0, -1) + (cert.code.endsWith('A') ? 'B' : 'A'),
      ];
      const headers = { accept: 'application/json', 'x-request-id': 'same-request-id' };
      const answers = await Promise.all(guesses.map((g) => h.request('GET', `/certificates/${encodeURIComponent(g)}`, { key: null, headers })));
      for (const a of answers) isProblem(t, a, 404, 'certificate_not_found');
      for (const a of answers.slice(1)) t.same(a.body, answers[0]!.body, 'the same body, whatever the code');
      const bare = await Promise.all(guesses.map((g) => h.request('GET', `/certificates/${encodeURIComponent(g)}`, { key: null, headers: { 'x-request-id': 'same-request-id' } })));
      for (const a of bare) t.same(a.body, answers[0]!.body, 'with no Accept: the same problem');
      const browser = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
      const pages = await Promise.all(guesses.map((g) => h.request('GET', `/certificates/${encodeURIComponent(g)}`, { key: null, headers: browser })));
      for (const p of pages) t.match(p, { status: 404, headers: { 'content-type': /^text\/html/ } }, 'a browser gets the page');
      for (const p of pages.slice(1)) t.equal(p.body, pages[0]!.body, 'the same page, whatever the code');
      t.notOk(String(pages[0]!.body).includes(guesses[0]!), 'the page does not echo the code');
    });

    t.test('found, withdrawn or unknown: the lookup runs the same statements', { skip: engine !== 'postgres' && 'the statements are read from a pg pool' }, async (t) => {
      // The same database through a Kysely of its own that logs every statement it runs.
      const statements: string[] = [];
      const pool = new pg.Pool({ connectionString: h.databaseUrl!, max: 2 });
      const logged = new Kysely<DB>({ dialect: new PostgresDialect({ pool }), log: (e) => void statements.push(e.query.sql) });
      t.teardown(() => logged.destroy());
      const withdrawn = (await issue(s, { orgUnitId: 's1' })).body;
      await s.c.ok('POST', `/v1/certificates/${withdrawn.certificateId}/withdrawal`, { reason: '测试' }, 200);
      const run = async (code: string) => {
        statements.length = 0;
        const found = await checkByCode(logged, code);
        return { found: found?.status ?? null, statements: [...statements].sort() };
      };
      const unknown = await run(`${s.c.tenantId}.${crypto.randomBytes(16).toString('base64url')}`);
      const malformed = await run('not-a-code');
      const gone = await run(withdrawn.code);
      const valid = await run(cert.code);
      t.same([unknown.found, malformed.found, gone.found], [null, null, 'withdrawn']);
      t.ok(valid.found !== null, 'the first certificate is found');
      t.equal(unknown.statements.length, 3, 'one probe of the code index, then the keys and the record changes');
      t.same(malformed.statements, unknown.statements, 'a malformed code: the same statements as an unknown one');
      t.same(gone.statements, unknown.statements, 'a withdrawn certificate: the same statements as an unknown code');
      t.same(valid.statements, unknown.statements, 'a valid one too');
    });

    t.test('certificates and withdrawals are never changed', async (t) => {
      await t.rejects(sql`UPDATE certificates SET document = '{}' WHERE certificate_id = ${cert.certificateId}::uuid`.execute(h.database.db), /append-only|not allowed|reject/i);
      await t.rejects(sql`DELETE FROM certificate_withdrawals`.execute(h.database.db), /append-only|not allowed|reject/i);
    });

    if (engine !== engines[0]) return;
    t.test('offline: the verifier passes the genuine certificate and fails a forged one, with no database', async (t) => {
      const dir = tempDir(t);
      const write = (name: string, value: unknown) => {
        const file = path.join(dir, name);
        fs.writeFileSync(file, JSON.stringify(value, null, 2));
        return file;
      };
      const keysFile = write('keys.json', { items: keys.length ? keys : (await s.c.ok('GET', '/v1/integrity/keys', undefined, 200)).items });
      const freshKeys = write('keys-now.json', await s.c.ok('GET', '/v1/integrity/keys', undefined, 200));
      const hours = structuredClone(cert);
      hours.records[0].hours = '30.00';
      hours.totals.hours = '32.50';
      const name = structuredClone(cert);
      name.member.name = '张冒名';
      const resigned = structuredClone(cert);
      resigned.records[0].hours = '30.00';
      const run = (file: string) => cli(t, ['verify-certificate', file, '--keys', freshKeys], {});
      const [good, badHours, badName, badTotals] = await Promise.all([run(write('cert.json', cert)), run(write('hours.json', hours)), run(write('name.json', name)), run(write('totals.json', resigned))]);
      t.equal(good.code, 0, `the genuine certificate passes ${good.stderr}`);
      t.match(JSON.parse(good.stdout), { ok: true, certificateId: cert.certificateId, number: cert.number.text, records: 2, hours: '5.50', problems: [] });
      t.equal(badHours.code, 1, 'hours changed: refused');
      const hp = JSON.parse(badHours.stdout).problems;
      t.ok(hp.some((p: any) => p.check === 'signature'), 'the signature fails');
      t.ok(hp.some((p: any) => p.check === 'hours' && p.recordId === cert.records[0].recordId), "and the record's hours disagree with its entry");
      t.equal(badName.code, 1, 'name changed: refused');
      t.match(JSON.parse(badName.stdout).problems, [{ check: 'signature' }]);
      t.equal(badTotals.code, 1);
      t.ok(JSON.parse(badTotals.stdout).problems.some((p: any) => p.check === 'totals'), 'totals that do not add up are named');
      t.ok(fs.existsSync(keysFile));
    });
  });
}

t.test('concurrent issuance on postgres: numbers without gaps', { skip: !engines.includes('postgres') && 'postgres not in TEST_ENGINES' }, async (t) => {
  const h = await setup(t, 'postgres', { env: { ...ENV, SIGNING_KEY_SECRET: secret() } });
  const s = await scene(h);
  const N = 24;
  // As a client does: a 409 certificate_not_sealed is retried with the same key after Retry-After.
  const issueRetrying = async (i: number) => {
    for (let attempt = 0; ; attempt++) {
      const res = await issueWithKey(h, s, { orgUnitId: i % 3 === 0 ? 'i' : 's1' }, `conc-${i}`);
      if (res.status !== 409 || res.body.code !== 'certificate_not_sealed' || attempt >= 5) return res;
      t.ok(Number(res.headers['retry-after']) >= 1, 'a 409 certificate_not_sealed says when to retry');
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const answers = await Promise.all(Array.from({ length: N }, (_, i) => issueRetrying(i)));
  for (const a of answers) t.equal(a.status, 201, `issued ${a.status} ${a.status !== 201 ? JSON.stringify(a.body) : ''}`);
  const per = (unit: string) => answers.filter((a) => a.body.number.orgUnitId === unit).map((a) => a.body.number.no as number).sort((x, y) => x - y);
  t.same(per('s1'), Array.from({ length: (N * 2) / 3 }, (_, i) => i + 1), 's1: 1…n, each once');
  t.same(per('i'), Array.from({ length: N / 3 }, (_, i) => i + 1), 'i: 1…n, each once');
  const rows = await sql<{ org_unit_id: string; n: string; max: number }>`SELECT org_unit_id, count(*)::text AS n, max(no) AS max FROM certificates GROUP BY org_unit_id ORDER BY 1`.execute(h.database.db);
  t.same(rows.rows.map((r) => [r.org_unit_id, Number(r.n), Number(r.max)]), [['i', N / 3, N / 3], ['s1', (N * 2) / 3, (N * 2) / 3]], 'as stored');
});

t.test('the public check is rate-limited per client address', async (t) => {
  const h = await setup(t, engines[0]!, { env: { ...ENV, PUBLIC_RATE_LIMIT_MAX: '3', PUBLIC_RATE_LIMIT_WINDOW_MS: '60000' } });
  const code = `${h.tenantId}.${crypto.randomBytes(16).toString('base64url')}`;
  for (let i = 0; i < 3; i++) t.equal((await h.request('GET', `/certificates/${code}.json`, { key: null })).status, 404, `request ${i + 1} answered`);
  const limited = await h.request('GET', `/certificates/${code}.json`, { key: null });
  isProblem(t, limited, 429, 'rate_limited', 'the fourth within the window');
  t.ok(Number(limited.headers['retry-after']) >= 1, `Retry-After: ${String(limited.headers['retry-after'])}`);
  const page = await h.request('GET', `/certificates/${code}`, { key: null });
  t.equal(page.status, 429, 'the page too');
  for (let i = 0; i < 5; i++) t.equal((await h.request('GET', '/v1/tenant')).status, 200, 'the /v1 API is not limited by it');
});
