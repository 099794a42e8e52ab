import t from 'tap';
import { engines, type Harness, type Response, setup, type Tap } from './helpers/harness.js';

// HTTP-level failures are all 4xx problem+json with a stable code, never a 500; plus the
// operational endpoints (health, readiness, OpenAPI, docs) and request ids.

const PROBLEM_KEYS = ['type', 'title', 'status', 'code', 'detail', 'requestId'] as const;

function isProblem(t: Tap, res: Response, status: number, code: string | null, message: string): void {
  t.equal(res.status, status, `${message}: status ${status}`);
  t.match(String(res.headers['content-type']), /^application\/problem\+json/, `${message}: application/problem+json`);
  t.type(res.body, 'object', `${message}: a JSON body`);
  for (const key of PROBLEM_KEYS) t.ok(res.body?.[key] !== undefined && res.body?.[key] !== '', `${message}: has ${key}`);
  t.equal(res.body?.status, res.status, `${message}: status member equals the HTTP status`);
  if (code) {
    t.equal(res.body?.code, code, `${message}: code ${code}`);
    t.equal(res.body?.type, `urn:problem:${code}`, `${message}: type names the code`);
  }
  t.match(String(res.body?.requestId), /^[A-Za-z0-9._:-]{1,128}$/, `${message}: requestId is a token`);
}

/** Raw inject, for bodies and URLs the JSON helper would not send as is. */
async function raw(
  h: Harness,
  opts: { method: string; url: string; payload?: string | Buffer; headers?: Record<string, string>; auth?: boolean },
): Promise<Response> {
  const res = await h.app.inject({
    method: opts.method as 'POST',
    url: opts.url,
    headers: { ...(opts.auth === false ? {} : { authorization: `Bearer ${h.adminKey}` }), ...(opts.headers ?? {}) },
    ...(opts.payload !== undefined ? { payload: opts.payload } : {}),
  });
  let body: unknown = res.body;
  try {
    body = res.body ? JSON.parse(res.body) : null;
  } catch {
    // not JSON
  }
  return { status: res.statusCode, headers: res.headers, body };
}

for (const engine of engines) {
  t.test(`HTTP errors and operational endpoints on ${engine}`, async (t) => {
    const h = await setup(t, engine);
    const entriesAtStart = await h.count('ledger_entries');
    const accountsAtStart = await h.count('ledger_accounts');

    t.test('unknown routes', async (t) => {
      isProblem(t, await h.request('GET', '/nope'), 404, 'not_found', 'GET /nope');
      isProblem(t, await h.request('GET', '/v1/nope'), 404, 'not_found', 'GET /v1/nope');
      isProblem(t, await h.request('DELETE', '/v1/entries'), 404, 'not_found', 'DELETE /v1/entries (no such method)');
      isProblem(t, await h.request('POST', '/v1/ledger/verification', { body: {} }), 404, 'not_found', 'POST on a GET route');
      const anon = await h.request('GET', '/nope', { key: null });
      isProblem(t, anon, 404, 'not_found', 'unknown route without a key');
      const en = await h.request('GET', '/nope', { headers: { 'accept-language': 'en' } });
      t.equal(en.body.detail, 'There is no such resource.');
      const zh = await h.request('GET', '/nope');
      t.equal(zh.body.detail, '没有这个地址。');
    });

    t.test('malformed and empty JSON', async (t) => {
      const broken = await raw(h, {
        method: 'POST',
        url: '/v1/entries',
        payload: '{"reason": "x", "postings": [',
        headers: { 'content-type': 'application/json' },
      });
      isProblem(t, broken, 400, 'invalid_json', 'malformed JSON');

      const trailing = await raw(h, {
        method: 'POST',
        url: '/v1/accounts',
        payload: '{"id":"a:b","unit":"POINTS","type":"system",}',
        headers: { 'content-type': 'application/json' },
      });
      isProblem(t, trailing, 400, 'invalid_json', 'trailing comma');

      const empty = await raw(h, { method: 'POST', url: '/v1/entries', payload: '', headers: { 'content-type': 'application/json' } });
      isProblem(t, empty, 400, 'invalid_json', 'empty body with content-type json');

      const nullBody = await raw(h, { method: 'POST', url: '/v1/entries', payload: 'null', headers: { 'content-type': 'application/json' } });
      isProblem(t, nullBody, 400, 'validation_failed', 'JSON null');
      const array = await raw(h, { method: 'POST', url: '/v1/entries', payload: '[]', headers: { 'content-type': 'application/json' } });
      isProblem(t, array, 400, 'validation_failed', 'JSON array');
      const emptyObject = await raw(h, { method: 'POST', url: '/v1/entries', payload: '{}', headers: { 'content-type': 'application/json' } });
      isProblem(t, emptyObject, 400, 'validation_failed', 'empty JSON object');
      t.same(
        (emptyObject.body.errors ?? []).map((e: any) => e.path).sort(),
        ['postings', 'reason'],
        'errors[] names every missing field',
      );

      const proto = await raw(h, {
        method: 'POST',
        url: '/v1/accounts',
        payload: '{"id":"a:proto","unit":"POINTS","type":"system","__proto__":{"allowNegative":true}}',
        headers: { 'content-type': 'application/json' },
      });
      t.ok(proto.status >= 400 && proto.status < 500, `__proto__ in the body is a 4xx (got ${proto.status})`);
      t.match(String(proto.headers['content-type']), /^application\/problem\+json/);
    });

    t.test('body too large', async (t) => {
      const limit = h.app.config.bodyLimit;
      const reason = 'x'.repeat(limit + 10);
      const big = await raw(h, {
        method: 'POST',
        url: '/v1/entries',
        payload: JSON.stringify({ reason, postings: [] }),
        headers: { 'content-type': 'application/json' },
      });
      isProblem(t, big, 413, 'payload_too_large', `body over the limit of ${limit} bytes`);
      const justUnder = await raw(h, {
        method: 'POST',
        url: '/v1/entries',
        payload: JSON.stringify({ reason: 'y'.repeat(limit - 1024), postings: [] }),
        headers: { 'content-type': 'application/json' },
      });
      isProblem(t, justUnder, 400, 'validation_failed', 'a body under the limit is parsed and validated');
    });

    t.test('unsupported media types', async (t) => {
      const text = await raw(h, {
        method: 'POST',
        url: '/v1/entries',
        payload: '{"reason":"x","postings":[]}',
        headers: { 'content-type': 'text/plain' },
      });
      isProblem(t, text, 415, 'unsupported_media_type', 'text/plain');
      const form = await raw(h, {
        method: 'POST',
        url: '/v1/accounts',
        payload: 'id=a&unit=POINTS',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      isProblem(t, form, 415, 'unsupported_media_type', 'form-urlencoded');
      const json = await raw(h, {
        method: 'POST',
        url: '/v1/accounts',
        payload: '{"id":"a:charset","unit":"POINTS","type":"system"}',
        headers: { 'content-type': 'application/json; charset=utf-8' },
      });
      t.equal(json.status, 201, 'application/json with a charset is accepted');
    });

    t.test('over-long and badly encoded URLs', async (t) => {
      // A valid account id (the schema allows 128 characters) longer than fastify's maxParamLength.
      const longId = `member:${'9'.repeat(110)}`;
      const long = await h.request('GET', `/v1/accounts/${longId}`);
      isProblem(t, long, 414, 'uri_too_long', 'path parameter over 100 characters');
      const longPostings = await h.request('GET', `/v1/accounts/${longId}/postings`);
      isProblem(t, longPostings, 414, 'uri_too_long', 'path parameter over 100 characters, nested route');
      const longReversal = await h.request('POST', `/v1/entries/${'a'.repeat(120)}/reversal`, { body: { reason: 'x' } });
      isProblem(t, longReversal, 414, 'uri_too_long', 'long entry id on reversal');

      const atLimit = await h.request('GET', `/v1/accounts/member:${'9'.repeat(93)}`); // 100 characters
      isProblem(t, atLimit, 404, 'account_not_found', 'a 100-character id reaches the handler');

      const badEncoding = await h.request('GET', '/v1/accounts/%E0%A4%A');
      t.ok(badEncoding.status >= 400 && badEncoding.status < 500, `bad percent-encoding is a 4xx (got ${badEncoding.status})`);
      isProblem(t, badEncoding, badEncoding.status, null, 'bad percent-encoding');
      const badEncoding2 = await h.request('GET', '/v1/entries/%ZZ');
      t.ok(badEncoding2.status >= 400 && badEncoding2.status < 500, `%ZZ is a 4xx (got ${badEncoding2.status})`);
      isProblem(t, badEncoding2, badEncoding2.status, null, '%ZZ');
      const badQuery = await h.request('GET', '/v1/accounts/x:y/postings?cursor=%E0%A4%A');
      t.ok(badQuery.status >= 400 && badQuery.status < 500, `bad percent-encoding in the query is a 4xx (got ${badQuery.status})`);
    });

    t.test('request ids', async (t) => {
      const given = await h.request('GET', '/nope', { headers: { 'x-request-id': 'client-req.42:abc' } });
      t.equal(given.headers['x-request-id'], 'client-req.42:abc', 'a sane x-request-id is echoed');
      t.equal(given.body.requestId, 'client-req.42:abc', 'and used as the problem requestId');

      const ok = await h.request('GET', '/healthz', { headers: { 'x-request-id': 'health-1' } });
      t.equal(ok.headers['x-request-id'], 'health-1', 'echoed on success too');

      const none = await h.request('GET', '/healthz');
      const other = await h.request('GET', '/healthz');
      t.type(none.headers['x-request-id'], 'string', 'generated when absent');
      t.ok(String(none.headers['x-request-id']).length >= 8);
      t.not(none.headers['x-request-id'], other.headers['x-request-id'], 'a new id per request');

      for (const insane of ['has space', 'x'.repeat(300), '<script>', 'a\tb']) {
        const res = await h.request('GET', '/nope', { headers: { 'x-request-id': insane } });
        t.not(res.headers['x-request-id'], insane, `an insane id is replaced (${insane.slice(0, 20)})`);
        t.match(String(res.headers['x-request-id']), /^[A-Za-z0-9._:-]{1,128}$/);
        t.equal(res.body.requestId, res.headers['x-request-id']);
      }
    });

    t.test('every problem carries the x-request-id header, router-level errors included', async (t) => {
      const urls: [string, string][] = [
        ['GET', '/nope'],
        ['GET', `/v1/accounts/member:${'9'.repeat(110)}`], // 414 from the router
        ['GET', '/v1/accounts/%E0%A4%A'], // bad URL from the router
        ['GET', '/v1/accounts/member:ghost:points'],
        ['GET', '/v1/ledger/verification'],
      ];
      for (const [method, url] of urls) {
        const res = await h.request(method, url, { headers: { 'x-request-id': 'trace-77' }, key: url.endsWith('verification') ? null : undefined });
        t.ok(res.status >= 400 && res.status < 500, `${url.slice(0, 40)}: a 4xx (${res.status})`);
        t.equal(res.body?.requestId, 'trace-77', `${url.slice(0, 40)}: the client's id is the problem's requestId`);
        t.equal(res.headers['x-request-id'], 'trace-77', `${url.slice(0, 40)}: x-request-id header echoed`);
      }
    });

    t.test('health, readiness, OpenAPI, docs', async (t) => {
      const health = await h.request('GET', '/healthz', { key: null });
      t.equal(health.status, 200);
      t.same(health.body, { status: 'ok' });

      const ready = await h.request('GET', '/readyz', { key: null });
      t.equal(ready.status, 200);
      t.same(ready.body, { status: 'ready', engine });

      const openapi = await h.request('GET', '/openapi.json', { key: null });
      t.equal(openapi.status, 200);
      t.match(String(openapi.headers['content-type']), /json/);
      t.match(openapi.body.openapi, /^3\./, 'an OpenAPI 3 document');
      t.ok(openapi.body.paths?.['/v1/entries']?.post, 'lists POST /v1/entries');
      t.ok(openapi.body.paths?.['/v1/entries/{id}']?.get, 'lists GET /v1/entries/{id}');
      t.ok(openapi.body.paths?.['/v1/entries/{id}/reversal']?.post, 'lists the reversal');
      t.ok(openapi.body.paths?.['/v1/accounts/{id}/postings']?.get, 'lists account postings');
      t.ok(openapi.body.paths?.['/v1/accounts']?.post, 'lists POST /v1/accounts');
      const entryResponses = openapi.body.paths?.['/v1/entries']?.post?.responses ?? {};
      t.ok(entryResponses['201'], 'POST /v1/entries documents 201');
      t.ok(entryResponses['422']?.content?.['application/problem+json'], 'and its 422 problem');
      t.match(String(entryResponses['422']?.description), /insufficient_points/, 'naming insufficient_points');

      let docs = await h.request('GET', '/docs', { key: null });
      for (let hops = 0; hops < 3 && docs.status >= 300 && docs.status < 400; hops++) {
        const location = String(docs.headers.location);
        docs = await h.request('GET', new URL(location, 'http://localhost/docs').pathname, { key: null });
      }
      t.equal(docs.status, 200, '/docs serves a page');
      t.match(String(docs.headers['content-type']), /text\/html/);
      t.match(String(docs.body), /<html/i);
    });

    t.test('authentication failures are problems too', async (t) => {
      const none = await h.request('GET', '/v1/ledger/verification', { key: null });
      isProblem(t, none, 401, 'unauthenticated', 'no key');
      t.equal(none.headers['www-authenticate'], 'Bearer');
      const bad = await h.request('POST', '/v1/entries', { key: 'vk_nope.0000000000000000.xxx', body: {} });
      isProblem(t, bad, 401, 'unauthenticated', 'unknown key');
      const badJson = await raw(h, {
        method: 'POST',
        url: '/v1/entries',
        payload: '{oops',
        headers: { 'content-type': 'application/json' },
        auth: false,
      });
      isProblem(t, badJson, 401, 'unauthenticated', 'no key and malformed JSON: the key is checked first');
    });

    t.test('a time the database cannot take (year 0, an offset past ±15:59) is a 400, never a 500', async (t) => {
      for (const time of ['0000-01-01T00:00:00Z', '2026-01-01T00:00:00+16:00', '2026-01-01T00:00:00-18:30']) {
        const q = encodeURIComponent(time);
        for (const url of [`/v1/exports/journal?from=${q}`, `/v1/exports/journal?to=${q}`, `/v1/ledger/trial-balance?asOf=${q}`]) {
          const res = await h.request('GET', url);
          isProblem(t, res, 400, 'validation_failed', url);
        }
        const entry = await h.request('POST', '/v1/entries', {
          body: { occurredAt: time, postings: [{ accountId: 'a', unit: 'POINTS', amount: '1.00' }, { accountId: 'b', unit: 'POINTS', amount: '-1.00' }] },
          headers: { 'idempotency-key': `bad-time-${time}` },
        });
        isProblem(t, entry, 400, 'validation_failed', `an entry occurred at ${time}`);
        t.ok(JSON.stringify(entry.body).includes('occurredAt'), 'the problem names the field');
      }
      t.equal((await h.request('GET', '/v1/exports/journal?from=0001-01-01T00:00:00%2B15:59')).status, 200, 'year 1 and +15:59 are taken');
    });

    t.test('none of the above wrote anything', async (t) => {
      t.equal(await h.count('ledger_entries'), entriesAtStart, 'no entries');
      t.equal(await h.count('ledger_accounts'), accountsAtStart + 1, 'only the charset account');
      await h.assertLedger(t);
    });
  });
}
