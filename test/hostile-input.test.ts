import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import t from 'tap';
import { engines, setup } from './helpers/harness.js';
import { newIdNumber } from './helpers/fixtures.js';

// Hostile input on every operation of the committed OpenAPI document (openapi/openapi.json): for
// each, a body built from its request schema (path parameters, query and headers likewise) with
// one field at a time replaced by something hostile (NUL, unpaired surrogates, 100,000
// characters, right-to-left marks, control characters, numbers where strings belong and the
// reverse, deep nesting), and whole bodies that are hostile. Every answer must be below 500, and
// every 4xx must be problem+json with its code and status. A new route is covered the day it is
// in the document: nothing here names a route. Sampled (deterministically) to stay quick.

type Schema = Record<string, any>;
interface Operation {
  method: string;
  path: string;
  parameters: { name: string; in: string; required?: boolean; schema: Schema }[];
  body: Schema | null;
}

const doc = JSON.parse(readFileSync(new URL('../openapi/openapi.json', import.meta.url), 'utf8')) as Schema;

function resolve(schema: Schema | undefined): Schema {
  let s = schema ?? {};
  for (let i = 0; i < 20; i++) {
    if (s.$ref) s = doc.components.schemas[String(s.$ref).split('/').pop()!];
    else if (s.allOf?.length === 1 && !s.type) s = { ...s.allOf[0], ...Object.fromEntries(Object.entries(s).filter(([k]) => k !== 'allOf')) };
    else return s;
  }
  return s;
}

const operations: Operation[] = [];
for (const [path, item] of Object.entries(doc.paths as Record<string, Schema>)) {
  for (const [method, op] of Object.entries(item)) {
    if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
    operations.push({
      method: method.toUpperCase(),
      path,
      parameters: op.parameters ?? [],
      body: op.requestBody?.content?.['application/json']?.schema ?? null,
    });
  }
}

// ------------------------------------------------------------------------------------------------
// Hostile values

const nest = (depth: number): unknown => {
  let v: unknown = 'deep';
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
};

const HOSTILE_STRINGS: { name: string; value: string }[] = [
  { name: 'NUL inside', value: 'a\u0000b' },
  { name: 'NUL alone', value: '\u0000' },
  { name: 'lone high surrogate', value: 'x\ud800y' },
  { name: 'lone low surrogate', value: '\udfff' },
  { name: '100,000 characters', value: '字'.repeat(100_000) },
  { name: 'right-to-left marks', value: '\u202e\u200fabc\u202c\u2067' },
  { name: 'control characters', value: '\u0001\u0008\u001b[31m\u007f\u0085' },
  { name: 'not a number', value: 'NaN' },
  { name: 'huge exponent', value: '1e400' },
  { name: 'many digits', value: '99999999999999999999999999999999.99' },
  { name: 'whitespace', value: ' \t\n ' },
  { name: 'SQL-ish', value: "'; DROP TABLE ledger_entries; --" },
];
const HOSTILE_OTHERS: { name: string; value: unknown }[] = [
  { name: 'a number where a string belongs', value: 12345 },
  { name: 'a negative float', value: -1.5e300 },
  { name: 'true', value: true },
  { name: 'null', value: null },
  { name: 'an object', value: { '\u0000': 'x' } },
  { name: 'an array', value: ['\ud800'] },
  { name: 'nested 2000 deep', value: nest(2000) },
];

/** A deterministic sampler, so a failure repeats. */
function sampler(seed: string) {
  let x = crypto.createHash('sha256').update(seed).digest().readUInt32LE(0) || 1;
  return <T>(list: T[], n: number): T[] => {
    const copy = [...list];
    const out: T[] = [];
    while (out.length < n && copy.length > 0) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      out.push(copy.splice((x >>> 0) % copy.length, 1)[0]!);
    }
    return out;
  };
}

/** Percent-encodes a string for a URL as its UTF-16 code units would go: a lone surrogate as the bytes a careless client sends. */
function enc(value: string): string {
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (code >= 0xd800 && code <= 0xdfff) {
      out += [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    } else out += encodeURIComponent(ch);
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// Valid values, from the schema and a pool of real objects

interface Pool {
  values: { hints: string[]; value: string }[];
}

function pick(pool: Pool, schema: Schema, hint: string, hinted: boolean): string | undefined {
  const s = resolve(schema);
  const pattern = s.pattern ? new RegExp(s.pattern, 'u') : null;
  const fits = (v: string) => (!pattern || pattern.test(v)) && (!s.maxLength || v.length <= s.maxLength) && (!s.enum || s.enum.includes(v));
  const h = hint.toLowerCase();
  if (hinted) return pool.values.find((p) => p.hints.some((k) => h.includes(k)) && fits(p.value))?.value;
  return pool.values.find((p) => fits(p.value))?.value;
}

function sample(pool: Pool, schema: Schema | undefined, hint: string, depth = 0): unknown {
  const s = resolve(schema);
  if (s.anyOf || s.oneOf) return sample(pool, (s.anyOf ?? s.oneOf)[0], hint, depth);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  if (type === 'string') {
    if (s.format === 'date-time') return new Date(Date.now() - (/end|to$/i.test(hint) ? 1 : 3) * 3600 * 1000).toISOString();
    const value = pick(pool, s, hint, true) ?? s.example ?? s.enum?.[0] ?? pick(pool, s, hint, false);
    return value ?? 'x'.repeat(Math.max(1, s.minLength ?? 1));
  }
  if (s.enum) return s.enum[0];
  if (s.example !== undefined) return s.example;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries((s.properties ?? {}) as Record<string, Schema>)) out[k] = sample(pool, v, k, depth + 1);
      if (Object.keys(out).length === 0 && s.additionalProperties) out.key = sample(pool, s.additionalProperties, 'key', depth + 1);
      return out;
    }
    case 'array':
      return Array.from({ length: Math.max(1, s.minItems ?? 1) }, (_, i) => {
        const item = sample(pool, s.items, hint, depth + 1);
        return typeof item === 'string' && s.uniqueItems !== false && i > 0 ? `${item}-${i}` : item;
      });
    case 'integer':
    case 'number':
      return s.minimum ?? 1;
    case 'boolean':
      return false;
    default:
      return depth === 0 ? {} : 'x';
  }
}

/** Every leaf of a value, as paths. */
function leaves(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, [...path, i]));
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    return entries.length === 0 ? [path] : entries.flatMap(([k, v]) => leaves(v, [...path, k]));
  }
  return [path];
}

function replaced(value: unknown, path: (string | number)[], by: unknown): unknown {
  if (path.length === 0) return by;
  const copy: any = Array.isArray(value) ? [...value] : { ...(value as object) };
  copy[path[0]!] = replaced(copy[path[0]!], path.slice(1), by);
  return copy;
}

/** A batch route (`…:batch`) takes items of the single-item route beside it. */
function bodySchema(op: Operation): Schema | null {
  const body = resolve(op.body ?? undefined);
  if (!op.path.endsWith(':batch') || !body.properties?.items) return op.body;
  const single = operations.find((o) => o.method === op.method && o.path === op.path.slice(0, -':batch'.length));
  if (!single?.body) return op.body;
  return { ...body, properties: { ...body.properties, items: { ...resolve(body.properties.items), items: single.body } } };
}

// ------------------------------------------------------------------------------------------------

for (const engine of engines) {
  t.test(`hostile input on every operation of the OpenAPI document, on ${engine}`, async (t) => {
    const h = await setup(t, engine);
    const started = Date.now();
    const ok = async (method: string, url: string, body: unknown, status: number) => {
      const res = await h.request(method, url, { body });
      if (res.status !== status) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    };

    // Real objects, so that hostile fields reach the domain behind valid ones.
    for (const u of [
      { id: 'c', kind: 'center', name: '中心' },
      { id: 'i', kind: 'institute', parentId: 'c', name: '所' },
      { id: 's1', kind: 'station', parentId: 'i', name: '站' },
    ]) {
      await ok('POST', '/v1/org-units', u, 201);
    }
    const card = `C-${crypto.randomBytes(4).toString('hex')}`;
    const member = await ok('POST', '/v1/members', { name: '志愿者', idNumber: newIdNumber(), phone: '13800001234', homeOrgUnitId: 's1', cards: [card] }, 201);
    const start = Date.now() - 30 * 3600 * 1000;
    const record = await ok('POST', '/v1/service-records', {
      externalId: 'hostile-fixture',
      memberId: member.id,
      orgUnitId: 's1',
      category: 'community',
      title: '服务',
      startedAt: new Date(start).toISOString(),
      endedAt: new Date(start + 2 * 3600 * 1000).toISOString(),
      hours: '2',
    }, 201);
    await ok('POST', `/v1/service-records/${record.record.id}/verification`, undefined, 200);
    await ok('POST', '/v1/accounts', { id: 'hostile:a', unit: 'POINTS', type: 'issuance', allowNegative: true }, 201);
    const entry = await ok('POST', '/v1/entries', {
      reason: 'fixture',
      postings: [
        { accountId: 'hostile:a', unit: 'POINTS', direction: 'debit', amount: '1.00' },
        { accountId: `member:${member.id}:points`, unit: 'POINTS', direction: 'credit', amount: '1.00' },
      ],
    }, 201);
    // A key that may be revoked by the run (never the admin key the run uses).
    const victim = await ok('POST', '/v1/api-keys', { name: 'victim', role: 'auditor' }, 201);
    const pool: Pool = {
      values: [
        { hints: ['member'], value: member.id },
        { hints: ['record', 'service-records'], value: record.record.id },
        { hints: ['entr'], value: entry.id },
        { hints: ['api-keys', 'key'], value: victim.id },
        { hints: ['account'], value: `member:${member.id}:points` },
        { hints: ['card'], value: card },
        { hints: ['org', 'unit', 'home', 'parent'], value: 's1' },
        { hints: ['unit'], value: 'POINTS' },
        { hints: ['hours', 'amount', 'points', 'multiplier'], value: '1.00' },
        { hints: ['idnumber'], value: newIdNumber() },
        { hints: ['phone'], value: '13800001234' },
      ],
    };
    const keys = {
      admin: h.adminKey,
      station: (await ok('POST', '/v1/api-keys', { name: 'station', role: 'station', orgUnitId: 's1' }, 201)).key as string,
      pos: await h.keyFor('pos'),
      auditor: await h.keyFor('auditor'),
    };

    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let sent = 0;
    const covered = new Set<string>();

    async function send(op: Operation, what: string, o: { url: string; body?: unknown; headers?: Record<string, string>; key?: string; raw?: string }) {
      let res;
      if (process.env.HOSTILE_DEBUG === '2') process.stderr.write(`  ${what.slice(0, 80)}\n`);
      try {
        res = await h.app.inject({
          method: op.method as 'GET',
          url: o.url,
          headers: { authorization: `Bearer ${o.key ?? keys.admin}`, ...(o.raw !== undefined ? { 'content-type': 'application/json' } : {}), ...o.headers },
          ...(o.raw !== undefined ? { payload: o.raw } : o.body !== undefined ? { payload: o.body as object } : {}),
        });
      } catch (err) {
        // The client library refuses to send it (an invalid header value): no server sees it either.
        if (o.headers) return;
        throw err;
      }
      sent++;
      covered.add(`${op.method} ${op.path}`);
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      const where = `${op.method} ${op.path} with ${what}`;
      if (res.statusCode >= 500) {
        failures.push(`${where}: ${res.statusCode} ${res.body.slice(0, 300)}`);
        return;
      }
      if (res.statusCode >= 400) {
        let body: any = null;
        try {
          body = JSON.parse(res.body);
        } catch {
          // not JSON
        }
        if (!/^application\/problem\+json/.test(String(res.headers['content-type'])) || typeof body?.code !== 'string' || body?.status !== res.statusCode) {
          failures.push(`${where}: ${res.statusCode} not problem+json: ${String(res.headers['content-type'])} ${res.body.slice(0, 300)}`);
        }
      }
    }

    for (const op of operations) {
      if (process.env.HOSTILE_DEBUG) process.stderr.write(`${Date.now() - started} ms: ${op.method} ${op.path} (${sent} sent)\n`);
      const take = sampler(`${op.method} ${op.path}`);
      const params = op.parameters;
      const pathValues: Record<string, string> = {};
      const prev = (name: string) => {
        const segs = op.path.split('/');
        const i = segs.indexOf(`{${name}}`);
        return `${i > 0 ? segs[i - 1] : ''} ${name}`;
      };
      for (const p of params.filter((p) => p.in === 'path')) pathValues[p.name] = String(sample(pool, p.schema, prev(p.name)));
      const url = (values: Record<string, string>, query = '') =>
        op.path.replace(/\{([^}]+)\}/g, (_, name: string) => values[name] ?? 'x') + (query ? `?${query}` : '');
      const base = bodySchema(op) ? sample(pool, bodySchema(op)!, op.path) : undefined;

      // 1. Each body leaf replaced: NUL and an unpaired surrogate always, a sample of the rest.
      if (base !== undefined) {
        for (const leaf of leaves(base)) {
          const always = [HOSTILE_STRINGS[0]!, HOSTILE_STRINGS[2]!];
          const some = take([HOSTILE_STRINGS[1]!, ...HOSTILE_STRINGS.slice(3), ...HOSTILE_OTHERS], 3);
          for (const h of [...always, ...some]) {
            await send(op, `body ${leaf.join('.') || '(root)'} = ${h.name}`, { url: url(pathValues), body: replaced(base, leaf, h.value) });
          }
        }
        // An object key that cannot be stored, beside valid fields.
        if (base && typeof base === 'object' && !Array.isArray(base)) {
          await send(op, 'a body key with NUL', { url: url(pathValues), body: { ...base, 'k\u0000': 'v' } });
        }
      }
      // 2. Whole bodies (on every operation: a body where none belongs must be harmless too).
      const wholeBodies: { name: string; raw: string }[] = [
        { name: 'nested 100,000 deep', raw: `${'[{"a":'.repeat(50_000)}0${'}]'.repeat(50_000)}` },
        { name: 'a bare number', raw: '1e400' },
        { name: 'a bare string with NUL', raw: '"\\u0000"' },
        { name: 'an array of 100,000 NULs', raw: JSON.stringify(Array.from({ length: 100_000 }, () => '\u0000')) },
        { name: 'a lone surrogate key', raw: '{"\\ud800":1}' },
      ];
      for (const w of take(wholeBodies, op.method === 'GET' ? 1 : 3)) {
        await send(op, `whole body ${w.name}`, { url: url(pathValues), raw: w.raw });
      }
      // 3. Path parameters.
      for (const p of params.filter((p) => p.in === 'path')) {
        const values = [
          '%00',
          `a${enc('\u0000')}b`,
          enc('\ud800'),
          enc('x\udc00'),
          enc('\u202e\u200f'),
          '%',
          '%E4%B8',
          'x'.repeat(5000),
          '12345',
        ];
        for (const v of values) await send(op, `path ${p.name} = ${v.slice(0, 20)}`, { url: url({ ...pathValues, [p.name]: v }) });
      }
      // 4. Query parameters: each alone with hostile strings, repeated, and unknown ones.
      for (const p of params.filter((p) => p.in === 'query')) {
        for (const hs of [...HOSTILE_STRINGS.slice(0, 4), ...take(HOSTILE_STRINGS.slice(4), 2)]) {
          await send(op, `query ${p.name} = ${hs.name}`, { url: url(pathValues, `${p.name}=${enc(hs.value)}`) });
        }
        await send(op, `query ${p.name} twice`, { url: url(pathValues, `${p.name}=1&${p.name}=2`) });
        await send(op, `query ${p.name} = 1e400`, { url: url(pathValues, `${p.name}=1e400`) });
      }
      await send(op, 'an unknown query parameter with NUL', { url: url(pathValues, `x${enc('\u0000')}=${enc('\ud800')}`) });
      // 5. Headers: the Idempotency-Key and Accept-Language, hostile.
      for (const [name, value] of [
        ['idempotency-key', 'k\u0000'],
        ['idempotency-key', 'x'.repeat(100_000)],
        ['idempotency-key', '\u202ekey'],
        ['accept-language', 'en;q=1e400, zh;q=NaN, *;q=-1'],
        ['x-request-id', 'a'.repeat(10_000)],
      ] as const) {
        await send(op, `header ${name}`, { url: url(pathValues), headers: { [name]: value }, ...(base !== undefined ? { body: base } : {}) });
      }
      // 6. The other roles, where cheap: NUL in the body's first leaf and in a path parameter.
      for (const role of ['station', 'pos', 'auditor'] as const) {
        const key = keys[role];
        if (base !== undefined) {
          const leaf = leaves(base)[0]!;
          await send(op, `${role}: body ${leaf.join('.')} = NUL`, { key, url: url(pathValues), body: replaced(base, leaf, 'a\u0000b') });
        }
        const p = params.find((x) => x.in === 'path');
        if (p) await send(op, `${role}: path ${p.name} = NUL`, { key, url: url({ ...pathValues, [p.name]: '%00' }) });
        await send(op, `${role}: as documented`, { key, url: url(pathValues), ...(base !== undefined ? { body: base } : {}) });
      }
    }

    t.same(failures, [], 'no answer is a 5xx, and every 4xx is problem+json');
    t.same(
      [...covered].sort(),
      operations.map((o) => `${o.method} ${o.path}`).sort(),
      'every operation of the document was called',
    );
    t.ok(operations.length >= 30, `${operations.length} operations in the document`);
    t.comment(`${sent} requests in ${Date.now() - started} ms; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
    await h.assertLedger(t, 'after the hostile run');
  });
}
