// A small API client as a county's developer would write one: plain fetch, typed by what
// openapi-typescript generates from openapi/openapi.json. test/openapi-client.test.ts generates
// ./api.ts beside a copy of this file, type-checks both with tsc (so the document must describe
// these calls exactly), then runs the calls against a started service.
import type { components, operations, paths } from './api.js';

type Method = 'get' | 'post' | 'patch';

/** The methods a path has (openapi-typescript writes the others as `?: never`). */
type MethodOf<P extends keyof paths> = { [M in Method]: paths[P][M] extends undefined ? never : M }[Method];

type PathParams<O> = O extends { parameters: { path: infer A } } ? A : never;
type JsonBody<O> = O extends { requestBody?: never }
  ? never
  : O extends { requestBody: { content: { 'application/json': infer B } } }
    ? B
    : O extends { requestBody?: { content: { 'application/json': infer B } } }
      ? B | undefined
      : never;
type Success<O> = O extends { responses: infer R }
  ? { [S in keyof R]: S extends 200 | 201 ? (R[S] extends { content: { 'application/json': infer B } } ? B : never) : never }[keyof R]
  : never;

type Options<O> = ([PathParams<O>] extends [never] ? { params?: never } : { params: PathParams<O> }) &
  ([JsonBody<O>] extends [never] ? { body?: never } : { body: JsonBody<O> }) & { idempotencyKey?: string };

export type Problem = components['schemas']['Problem'];
export type NewAccount = JsonBody<operations['createAccount']>;
export type Account = Success<operations['getAccount']>;
export type NewEntry = JsonBody<operations['createEntry']>;
export type Entry = Success<operations['createEntry']>;
export type NewOrgUnit = JsonBody<operations['createOrgUnit']>;
export type NewMember = JsonBody<operations['createMember']>;
export type Member = Success<operations['getMember']>;

/** A problem+json answer (4xx/5xx), with its stable code. */
export class ProblemError extends Error {
  constructor(readonly status: number, readonly problem: Problem) {
    super(`${status} ${problem.code}: ${problem.detail}`);
  }
}

export class LedgerClient {
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string,
  ) {}

  /** Any operation, by its path as the document writes it; `{name}` is filled from params. */
  async call<P extends keyof paths, M extends MethodOf<P>>(method: M, path: P, options: Options<paths[P][M]>): Promise<Success<paths[P][M]>> {
    const params = (options.params ?? {}) as Record<string, string>;
    const url = new URL(path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? '')), this.baseUrl);
    const headers: Record<string, string> = { authorization: `Bearer ${this.apiKey}` };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
    const res = await fetch(url, {
      method: method.toUpperCase(),
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
    const payload: unknown = await res.json();
    if (!res.ok) throw new ProblemError(res.status, payload as Problem);
    return payload as Success<paths[P][M]>;
  }

  createAccount(body: NewAccount, idempotencyKey?: string): Promise<Account> {
    return this.call('post', '/v1/accounts', { body, idempotencyKey });
  }

  getAccount(id: string): Promise<Account> {
    return this.call('get', '/v1/accounts/{id}', { params: { id } });
  }

  createEntry(body: NewEntry, idempotencyKey?: string): Promise<Entry> {
    return this.call('post', '/v1/entries', { body, idempotencyKey });
  }

  createOrgUnit(body: NewOrgUnit) {
    return this.call('post', '/v1/org-units', { body });
  }

  createMember(body: NewMember): Promise<Member> {
    return this.call('post', '/v1/members', { body });
  }

  getMember(id: Member['id']): Promise<Member> {
    return this.call('get', '/v1/members/{id}', { params: { id } });
  }
}
