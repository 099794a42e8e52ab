// Fault test: the service is SIGKILLed between holds and their captures. Half the pairs have
// their hold acknowledged before the kill and are captured after it; the other half place the
// hold and capture it while the kill lands. Every request is retried with its idempotency key
// until it is answered. Afterwards each pair has exactly one hold, captured once by exactly one
// entry, nothing is still held, every balance is what one capture per pair leaves, a retry of an
// acknowledged capture replays it, and the ledger verifies (held equals open holds included).
//
// FAULTS=quick (default): 40 pairs, one kill; FAULTS=full: 200 pairs, one kill.
import crypto from 'node:crypto';
import t from 'tap';
import {
  Client,
  connect,
  createDatabase,
  figures,
  freePort,
  type HttpResult,
  isReplay,
  killService,
  MODE,
  migratedTenant,
  randomBetween,
  scale,
  type Service,
  sleep,
  startService,
  within,
} from './fixtures/service.js';

const PAIRS = scale(40, 200);
const WORKERS = 16;
const MARKET = 'market:hk';

t.test(`service SIGKILLed between holds and captures (${MODE})`, async (t) => {
  const url = await createDatabase(t);
  const tenant = await migratedTenant(url, `hold-kill-${crypto.randomBytes(3).toString('hex')}`);
  const port = await freePort();
  // The sweeper stays off: every hold here lives an hour, and nothing but the captures may resolve them.
  const env = { HOLD_SWEEP_MS: '0' };
  let service: Service = await startService(t, { databaseUrl: url, port, env });
  const client = new Client(service.base, WORKERS);
  t.teardown(() => client.close());
  const key = tenant.adminKey;

  await client.expect('POST', '/v1/accounts', 201, { key, body: { id: MARKET, unit: 'POINTS', type: 'market', allowNegative: true, slots: 4 } });
  await client.expect('POST', '/v1/accounts', 201, { key, body: { id: 'issuance:hk', unit: 'POINTS', type: 'issuance', allowNegative: true, slots: 4 } });
  const member = (i: number) => `member:hk${i}:points`;
  for (let i = 0; i < PAIRS; i++) {
    await client.expect('POST', '/v1/accounts', 201, { key, body: { id: member(i), unit: 'POINTS', type: 'member' } });
    await client.expect('POST', '/v1/entries', 201, {
      key,
      body: { reason: 'opening', postings: [
        { accountId: 'issuance:hk', unit: 'POINTS', direction: 'debit', amount: '10' },
        { accountId: member(i), unit: 'POINTS', direction: 'credit', amount: '10' },
      ] },
    });
  }

  let unanswered = 0;
  let retries = 0;
  const unexpected: string[] = [];
  /** Sends with its key until an answer other than "no answer" or 503 comes back. */
  async function untilAnswered(method: string, path: string, idempotencyKey: string, body: unknown): Promise<HttpResult & { ok: true }> {
    for (let attempt = 0; ; attempt++) {
      const r = await client.request(method, path, { key, body, headers: { 'idempotency-key': idempotencyKey }, timeoutMs: 20_000 });
      if (r.ok && r.status !== 503) return r;
      if (attempt === 0) unanswered++;
      retries++;
      await sleep(100);
    }
  }
  const holdIds: string[] = new Array(PAIRS);
  const captures: (HttpResult & { ok: true })[] = new Array(PAIRS);
  const placeHold = async (i: number) => {
    const r = await untilAnswered('POST', '/v1/holds', `hold-${i}`, { accountId: member(i), unit: 'POINTS', amount: '6', ttlSeconds: 3600, reference: `pair-${i}` });
    if (r.status !== 201) unexpected.push(`hold ${i}: ${r.status} ${r.text.slice(0, 200)}`);
    holdIds[i] = r.body.id;
  };
  const capture = async (i: number) => {
    const r = await untilAnswered('POST', `/v1/holds/${holdIds[i]}/capture`, `capture-${i}`, { amount: '4', credits: [{ accountId: MARKET }] });
    if (r.status !== 200) unexpected.push(`capture ${i}: ${r.status} ${r.text.slice(0, 200)}`);
    captures[i] = r;
  };
  const half = Math.floor(PAIRS / 2);
  // Phase A: the first half's holds, acknowledged before the kill.
  for (let i = 0; i < half; i++) await placeHold(i);

  // Phase B: the first half captured, the second half held then captured, while the service dies.
  const queue = [...Array.from({ length: half }, (_, i) => () => capture(i)), ...Array.from({ length: PAIRS - half }, (_, k) => async () => {
    await placeHold(half + k);
    await capture(half + k);
  })];
  const workers = Array.from({ length: WORKERS }, async () => {
    for (let job = queue.shift(); job; job = queue.shift()) await job();
  });
  await sleep(randomBetween(50, scale(400, 1500)));
  const killedAt = await killService(service, 'SIGKILL');
  t.comment(`hold-kill: killed with ${queue.length} of ${PAIRS} jobs not yet started`);
  service = await startService(t, { databaseUrl: url, port, env });
  await within(Promise.all(workers), 120_000, 'the workers to finish');
  figures(t, 'hold-kill', { mode: MODE, pairs: PAIRS, unanswered, retries, unexpected: unexpected.length, recovery_ready_ms: service.readyAt - killedAt });
  for (const u of unexpected.slice(0, 20)) t.comment(`hold-kill unexpected: ${u}`);
  t.equal(unexpected.length, 0, 'every hold and capture succeeded once answered (no refusal, no 5xx)');

  const db = await connect(t, url);
  const q = async (text: string, values: unknown[] = []) => (await db.query(text, values)).rows;
  const holds = await q(`SELECT reference, count(*)::int AS n, min(status) AS status FROM ledger_holds WHERE tenant_id = $1 GROUP BY reference`, [tenant.tenantId]);
  t.equal(holds.length, PAIRS, 'a hold for every pair');
  t.ok(holds.every((h) => h.n === 1), 'exactly one hold per pair: none doubled');
  t.ok(holds.every((h) => h.status === 'captured'), 'every hold captured');
  const entries = await q(`SELECT object_id, count(*)::int AS n FROM ledger_entries WHERE tenant_id = $1 AND kind = 'capture' GROUP BY object_id`, [tenant.tenantId]);
  t.equal(entries.length, PAIRS, 'a capture entry for every hold');
  t.ok(entries.every((e) => e.n === 1), 'exactly one capture entry per hold');
  t.same(new Set(entries.map((e) => e.object_id)), new Set(holdIds), 'the entries are the holds the clients were answered');
  t.ok(captures.every((c, i) => c.body.hold.id === holdIds[i] && c.body.entry.objectId === holdIds[i]), 'each capture answer names its hold');
  const events = await q(`SELECT kind, count(*)::int AS n FROM ledger_hold_events WHERE tenant_id = $1 GROUP BY kind ORDER BY kind`, [tenant.tenantId]);
  t.same(events, [{ kind: 'captured', n: PAIRS }, { kind: 'created', n: PAIRS }], 'one created and one captured event per hold');
  const balances = await q(
    `SELECT account_id, sum(balance)::text AS balance, sum(held)::text AS held FROM ledger_balances WHERE tenant_id = $1 GROUP BY account_id`,
    [tenant.tenantId],
  );
  const byId = new Map(balances.map((b) => [b.account_id, b]));
  t.ok(Array.from({ length: PAIRS }, (_, i) => byId.get(member(i))).every((b) => b.balance === '6.00' && b.held === '0.00'), 'every member: 10 − 4 = 6, nothing held');
  t.equal(byId.get(MARKET)?.balance, (4 * PAIRS).toFixed(2), 'the market got exactly one capture per pair');

  // A retry of an acknowledged capture replays it and writes nothing.
  const again = await client.request('POST', `/v1/holds/${holdIds[0]}/capture`, { key, body: { amount: '4', credits: [{ accountId: MARKET }] }, headers: { 'idempotency-key': 'capture-0' } });
  t.ok(again.ok && again.status === 200 && isReplay(again) && again.body.entry.id === captures[0]!.body.entry.id, 'a retried capture replays the first answer');
  const verification = await client.expect('GET', '/v1/ledger/verification', 200, { key, timeoutMs: 60_000 });
  t.match(verification, { ok: true, problems: [] }, 'the ledger verifies, held included');
});
