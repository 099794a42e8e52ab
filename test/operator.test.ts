// /v1/operator through the API (app.inject), on both engines: only the operator token opens it
// (no tenant key, however privileged), tenants and keys it creates work at once, bad input is a
// problem with nothing written, and neither the token nor a created key reaches a log line.
import t from 'tap';
import { engines, setup } from './helpers/harness.js';

const TOKEN = `op_test-${'0123456789abcdef'.repeat(3)}`;

for (const engine of engines) {
  t.test(`${engine}: operator routes`, async (t) => {
    const logs: string[] = [];
    const h = await setup(t, engine, { env: { OPERATOR_TOKEN: TOKEN }, logs });
    const op = (method: string, url: string, body?: unknown, key: string | null = TOKEN) =>
      h.request(method, `/v1/operator${url}`, { key, ...(body === undefined ? {} : { body }) });

    // Who may call.
    for (const [label, key] of [
      ['no token', null],
      ['a wrong token', `${TOKEN}x`],
      ["a tenant's admin key", h.adminKey],
    ] as const) {
      const res = await op('POST', '/tenants', { id: 'nope', name: 'x' }, key);
      t.match(res, { status: 401, body: { code: 'operator_unauthenticated' } }, `${label}: 401 operator_unauthenticated`);
    }
    t.equal(await h.count('tenants'), 1, 'nothing was created by a refused call');

    const created = await op('POST', '/tenants', { id: 'county-b', name: '乙县' });
    t.match(created, { status: 201, body: { id: 'county-b', name: '乙县', adminKey: { role: 'admin', key: /^vk_county-b\./ } } }, 'a tenant and its admin key');
    const keyB = created.body.adminKey.key as string;
    t.match(await h.request('GET', '/v1/tenant', { key: keyB }), { status: 200, body: { id: 'county-b', role: 'admin' } }, 'the key works at once');
    t.match(await h.request('POST', '/v1/accounts', { key: keyB, body: { id: 'member:1:points', unit: 'POINTS', type: 'member' } }), { status: 201 }, 'and can write');

    t.match(await op('POST', '/tenants', { id: 'county-b', name: '重复' }), { status: 409, body: { code: 'tenant_exists' } }, 'an existing id: 409 tenant_exists');
    t.match(await op('POST', '/tenants', { id: 'Bad_Id', name: 'x' }), { status: 400, body: { code: 'validation_failed' } }, 'a bad id: 400');
    t.match(await op('POST', '/tenants', { id: 'county-c' }), { status: 400, body: { code: 'validation_failed' } }, 'no name: 400');
    t.equal(await h.count('tenants'), 2, 'the refused creations wrote nothing');

    const list = await op('GET', '/tenants');
    t.same(list.body.items.map((i: { id: string }) => i.id).sort(), [h.tenantId, 'county-b'].sort(), 'GET /tenants lists both');

    const pos = await op('POST', `/tenants/${h.tenantId}/api-keys`, { name: 'POS 1', role: 'pos' });
    t.match(pos, { status: 201, body: { role: 'pos', orgUnitId: null, key: new RegExp(`^vk_${h.tenantId}\\.`) } }, "a key of another tenant");
    t.match(await h.request('GET', '/v1/tenant', { key: pos.body.key }), { status: 200, body: { role: 'pos' } }, 'that works');
    const keysBefore = await h.count('api_keys');
    t.match(await op('POST', '/tenants/nowhere/api-keys', { name: 'x', role: 'pos' }), { status: 404, body: { code: 'tenant_not_found' } }, 'unknown tenant: 404');
    t.match(
      await op('POST', `/tenants/${h.tenantId}/api-keys`, { name: 'x', role: 'station', orgUnitId: 'no-such-unit' }),
      { status: 404, body: { code: 'org_unit_not_found' } },
      'unknown org unit: 404',
    );
    t.match(
      await op('POST', `/tenants/${h.tenantId}/api-keys`, { name: 'x', role: 'admin', orgUnitId: 'no-such-unit' }),
      { status: 400, body: { code: 'scope_not_allowed' } },
      'a scoped admin key: 400',
    );
    t.match(await op('POST', `/tenants/${h.tenantId}/api-keys`, { name: 'x', role: 'king' }), { status: 400, body: { code: 'validation_failed' } }, 'bad role: 400');
    t.equal(await h.count('api_keys'), keysBefore, 'the refused key creations wrote nothing');

    const text = logs.join('\n');
    t.ok(text.includes('/v1/operator/tenants'), 'the calls were logged');
    for (const secret of [TOKEN, keyB, pos.body.key as string]) {
      t.notOk(text.includes(secret) || text.includes(secret.split('.').at(-1)!), 'no token or created key in the logs');
    }
  });

  t.test(`${engine}: without an operator token the operator routes are closed`, async (t) => {
    const h = await setup(t, engine);
    const res = await h.request('GET', '/v1/operator/tenants', { key: 'anything-at-all-that-is-long-enough' });
    t.match(res, { status: 401, body: { code: 'operator_unauthenticated' } }, '401 for any token');
  });
}
