import pg from 'pg';
import { pino } from 'pino';
import t from 'tap';
import { lazyRequestLogger } from '../src/http/requestLog.js';
import { engines, setup } from './helpers/harness.js';

// A request's logger is made when the request first writes a line (src/http/requestLog.ts): the
// lines that are written carry the same fields as before, and nothing is made for the others.

type Line = Record<string, unknown>;
const parse = (lines: string[]): Line[] => lines.map((l) => JSON.parse(l) as Line);

t.test('the factory makes a pino child only for a line that is written', async (t) => {
  const out: string[] = [];
  const root = pino({ level: 'warn' }, { write: (l: string) => void out.push(l) });
  // Counts the children pino makes: a child's child is made through the same (inherited) method.
  let made = 0;
  const child = root.child;
  root.child = function (this: typeof root, ...args: Parameters<typeof child>) {
    made++;
    return child.apply(this, args);
  } as typeof root.child;
  const factory = lazyRequestLogger(root);

  const request = factory(root, { requestId: 'r-1' }, {}).child({ tenantId: 't-1', keyId: 'k-1' });
  request.info('not at warn');
  request.debug('nor this');
  t.equal(made, 0, 'no child was made for lines below the level');
  t.equal(out.length, 0, 'and nothing was written');

  request.warn({ item: 3 }, 'written');
  t.equal(made, 2, 'the first written line made the request child, then the caller one from it');
  t.match(parse(out), [{ level: 40, requestId: 'r-1', tenantId: 't-1', keyId: 'k-1', item: 3, msg: 'written' }], 'with every binding');
  request.error('again');
  t.equal(made, 2, 'once');
  t.equal(out.length, 2);

  const quiet = factory(root, { requestId: 'r-2' }, {});
  quiet.level = 'debug';
  quiet.debug('a level set on the request counts');
  t.match(parse(out).at(-1), { level: 20, requestId: 'r-2', msg: 'a level set on the request counts' });
  t.equal(root.level, 'warn', "the root's level is unchanged");

  factory(root, { requestId: 'r-3' }, { level: 'info' });
  t.equal(made, 4, "a route's own level gets pino's child at once");
});

t.test('request lines carry the request id, and the caller after authentication', async (t) => {
  const logs: string[] = [];
  const h = await setup(t, engines[0]!, { logs });
  const res = await h.request('GET', '/v1/tenant');
  t.equal(res.status, 200);
  const requestId = res.headers['x-request-id'];
  const mine = parse(logs).filter((l) => l.requestId === requestId);
  t.match(mine.find((l) => l.msg === 'incoming request'), { level: 30, requestId }, 'the incoming request, before the key is known');
  t.notOk(mine.find((l) => l.msg === 'incoming request')?.tenantId, 'carries no tenant yet');
  const caller = res.body as { id: string; keyId: string };
  t.match(mine.find((l) => l.msg === 'request completed'), { level: 30, requestId, tenantId: caller.id, keyId: caller.keyId }, 'its completion names the caller');
});

if (engines.includes('postgres')) {
  t.test('at warn, a request that succeeds writes nothing; one that fails writes its line with every field', async (t) => {
    const logs: string[] = [];
    const h = await setup(t, 'postgres', { logs, logLevel: 'warn', poolSize: 1 });
    const me = await h.request('GET', '/v1/tenant');
    t.equal(me.status, 200, 'the key is known (and cached)');
    t.same(logs, [], 'nothing logged for a request that succeeds');

    // The pool's one connection waits on a lock; the next request waits for the connection until
    // the pool gives up (5 s): 503, logged at warn.
    const blocker = new pg.Client({ connectionString: h.databaseUrl! });
    await blocker.connect();
    t.teardown(() => blocker.end());
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE tenants IN ACCESS EXCLUSIVE MODE');
    const waiting = h.request('GET', '/v1/tenant');
    await new Promise((r) => setTimeout(r, 200));
    const refused = await h.request('GET', '/v1/tenant');
    await blocker.query('COMMIT');
    t.equal(refused.status, 503, 'refused: no connection');
    t.equal((await waiting).status, 200, 'the waiting request answered once the lock went');
    const lines = parse(logs).filter((l) => l.requestId !== undefined);
    t.equal(lines.length, 1, 'one request line (the background jobs may log theirs)');
    t.match(lines, [{ level: 40, msg: 'database unavailable', requestId: refused.headers['x-request-id'], tenantId: h.tenantId, keyId: me.body.keyId }], 'one line, with the request id and the caller');
  });
}
