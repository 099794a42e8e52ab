// Fault test 3: a retry storm. 50 clients send the same 100 writes (60 manual entries with fixed
// Idempotency-Keys, 40 auto-verified service records keyed by their externalId), each client
// every write several times, in its own random order and at random moments. The ledger must end
// with exactly 100 entries, one per key; per key exactly one answer is the first run and every
// other answer replays it: the same status and body, with `Idempotent-Replayed: true`.
//
// FAULTS=quick (default): each client sends each write once and 20 of them a second time (every
// key about 60 times in all); FAULTS=full: each client sends each write four times.
import crypto from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import t from 'tap';
import { setupCounty } from './fixtures/ledger-load.js';
import {
  Client,
  connect,
  createDatabase,
  figures,
  freePort,
  type HttpResult,
  isProblemJson,
  isReplay,
  MODE,
  migratedTenant,
  scale,
  sleep,
  startService,
} from './fixtures/service.js';

const CLIENTS = 50;
const ENTRIES = 60;
const RECORDS = 40;
const HOUR = 3600_000;

interface Write {
  key: string;
  kind: 'entry' | 'record';
  url: string;
  body: unknown;
  headers: Record<string, string>;
  answers: HttpResult[];
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

t.test(`retry storm: ${CLIENTS} clients, the same ${ENTRIES + RECORDS} writes (${MODE})`, async (t) => {
  const url = await createDatabase(t);
  const tenant = await migratedTenant(url, `storm-${crypto.randomBytes(3).toString('hex')}`);
  const service = await startService(t, { databaseUrl: url, port: await freePort() });
  const setup = new Client(service.base, 8);
  t.teardown(() => setup.close());
  const county = await setupCounty(setup, tenant, { members: RECORDS, accounts: 10 });
  const run = crypto.randomBytes(3).toString('hex');

  const writes: Write[] = [];
  for (let i = 0; i < ENTRIES; i++) {
    const key = `storm-${run}-e-${i}`;
    const amount = `${1 + (i % 9)}.${String(i).padStart(2, '0')}`;
    writes.push({
      key,
      kind: 'entry',
      url: '/v1/entries',
      headers: { 'idempotency-key': key },
      body: {
        reason: `fault ${key}`,
        postings: [
          { accountId: county.issuance, unit: 'POINTS', direction: 'debit', amount },
          { accountId: county.accounts[i % county.accounts.length], unit: 'POINTS', direction: 'credit', amount },
        ],
      },
      answers: [],
    });
  }
  const end = Date.now() - 2 * HOUR;
  for (let i = 0; i < RECORDS; i++) {
    const key = `storm-${run}-r-${i}`;
    writes.push({
      key,
      kind: 'record',
      url: '/v1/service-records',
      headers: {},
      body: {
        externalId: key,
        memberId: county.members[i], // one record per member: never overlapping
        orgUnitId: county.autoStations[i % county.autoStations.length],
        category: 'community',
        title: '社区志愿服务',
        source: 'checkin',
        startedAt: new Date(end - 2 * HOUR).toISOString(),
        endedAt: new Date(end).toISOString(),
        hours: '1.5',
      },
      answers: [],
    });
  }

  // Each client sends every write `reps` times, and `extra` writes of its choice once more.
  const reps = scale(1, 4);
  const extra = scale(20, 0);
  const started = Date.now();
  const clients = Array.from({ length: CLIENTS }, () => new Client(service.base, 1));
  t.teardown(() => clients.forEach((c) => c.close()));
  await Promise.all(
    clients.map(async (client) => {
      const mine = shuffle([
        ...Array.from({ length: writes.length * reps }, (_, i) => writes[i % writes.length]!),
        ...shuffle([...writes]).slice(0, extra),
      ]);
      for (const w of mine) {
        if (Math.random() < 0.3) await sleep(Math.random() * 20); // at random moments
        w.answers.push(await client.request('POST', w.url, { key: county.key, body: w.body, headers: w.headers, timeoutMs: 60_000 }));
      }
    }),
  );
  const tookMs = Date.now() - started;

  // Per key: one first answer, every other a replay of it.
  let firsts = 0;
  let replays = 0;
  let noAnswer = 0;
  let notCreated = 0;
  let unmarked = 0;
  let differentBody = 0;
  let slowest = 0;
  const problems: string[] = [];
  const note = (p: string) => problems.length < 30 && problems.push(p);
  for (const w of writes) {
    const answered = w.answers.filter((a): a is Extract<HttpResult, { ok: true }> => a.ok);
    noAnswer += w.answers.length - answered.length;
    for (const a of w.answers) slowest = Math.max(slowest, a.doneAt - a.sentAt);
    for (const a of answered) {
      if (a.status !== 201) {
        notCreated++;
        note(`${w.key}: ${a.status} ${isProblemJson(a) ? a.body?.code : a.text.slice(0, 200)}`);
      }
    }
    const fresh = answered.filter((a) => a.status === 201 && !isReplay(a));
    const replayed = answered.filter((a) => a.status === 201 && isReplay(a));
    firsts += fresh.length;
    replays += replayed.length;
    if (fresh.length !== 1) {
      unmarked += Math.max(0, fresh.length - 1);
      note(`${w.key}: ${fresh.length} answers not marked as replays`);
    }
    const reference = fresh[0]?.body ?? replayed[0]?.body;
    for (const a of replayed) {
      if (!isDeepStrictEqual(a.body, reference)) {
        differentBody++;
        note(`${w.key}: a replay differs from the first answer: ${a.text.slice(0, 300)}`);
      }
    }
  }

  // The database: exactly one entry per key, 100 in all.
  const db = await connect(t, url);
  const entries = await db.query<{ kind: string; reason: string | null; object_id: string | null }>(
    `SELECT kind, reason, object_id FROM ledger_entries WHERE tenant_id = $1`,
    [county.tenantId],
  );
  const records = await db.query<{ external_id: string; record_id: string; status: string; award: string | null }>(
    `SELECT external_id, record_id::text, status, award_entry_id::text AS award FROM service_records WHERE tenant_id = $1`,
    [county.tenantId],
  );
  const stuck = await db.query(`SELECT idempotency_key FROM idempotency_keys WHERE tenant_id = $1 AND status_code = 0`, [county.tenantId]);
  let perKeyWrong = 0;
  for (const w of writes) {
    let n: number;
    if (w.kind === 'entry') n = entries.rows.filter((e) => e.kind === 'adjustment' && e.reason === `fault ${w.key}`).length;
    else {
      const recs = records.rows.filter((r) => r.external_id === w.key);
      const awards = recs.flatMap((r) => entries.rows.filter((e) => e.kind === 'award' && e.object_id === r.record_id));
      n = recs.length === 1 && recs[0]!.status === 'verified' ? awards.length : -recs.length;
    }
    if (n !== 1) {
      perKeyWrong++;
      note(`${w.key}: ${n} entries in the database`);
    }
  }

  // The same key with another body is a conflict, never a second write.
  const conflictClient = new Client(service.base, 8);
  t.teardown(() => conflictClient.close());
  const conflicts = await Promise.all(
    writes.map((w) => {
      const body =
        w.kind === 'entry'
          ? { ...(w.body as object), reason: `changed ${w.key}` }
          : { ...(w.body as object), title: '另一个标题' };
      return conflictClient.request('POST', w.url, { key: county.key, body, headers: w.headers, timeoutMs: 60_000 });
    }),
  );
  const conflictOk = conflicts.filter((c) => c.ok && c.status === 409 && isProblemJson(c) && c.body?.code === 'idempotency_conflict').length;
  const after = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger_entries WHERE tenant_id = $1`, [county.tenantId]);
  const verification = await conflictClient.request('GET', '/v1/ledger/verification', { key: county.key, timeoutMs: 60_000 });

  const requests = writes.reduce((n, w) => n + w.answers.length, 0);
  figures(t, 'retry-storm', {
    mode: MODE,
    clients: CLIENTS,
    keys: writes.length,
    repeats_per_client: reps,
    extra_per_client: extra,
    requests,
    took_ms: tookMs,
    rps: Math.round((requests / tookMs) * 1000),
    slowest_ms: slowest,
    first_answers: firsts,
    replays,
    no_answer: noAnswer,
    not_201: notCreated,
    unmarked_repeats: unmarked,
    replay_body_differs: differentBody,
    entries: entries.rows.length,
    keys_not_exactly_one_entry: perKeyWrong,
    stuck_keys: stuck.rows.length,
    conflicts_409: conflictOk,
    entries_after_conflicts: after.rows[0]!.n,
  });
  for (const p of problems) t.comment(`retry-storm problem: ${p}`);

  t.equal(requests, CLIENTS * (writes.length * reps + extra), 'every request was sent');
  t.equal(noAnswer, 0, 'every request got an answer');
  t.equal(notCreated, 0, 'every answer is 201 (no 409, no 5xx)');
  t.equal(firsts, writes.length, 'exactly one first (not replayed) answer per key');
  t.equal(replays, requests - writes.length, 'every other answer is marked Idempotent-Replayed: true');
  t.equal(differentBody, 0, 'every replay has the body of the first answer');
  t.equal(entries.rows.length, ENTRIES + RECORDS, `exactly ${ENTRIES + RECORDS} entries`);
  t.equal(perKeyWrong, 0, 'exactly one entry per key');
  t.equal(stuck.rows.length, 0, 'no idempotency key is stuck in progress');
  t.equal(conflictOk, writes.length, 'the same key with another body: 409 idempotency_conflict problem+json');
  t.equal(after.rows[0]!.n, ENTRIES + RECORDS, 'and nothing written by the conflicts');
  t.match(verification.ok ? verification.body : null, { ok: true, problems: [] }, 'the ledger verifies');
});
