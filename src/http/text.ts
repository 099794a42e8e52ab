import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DomainError } from '../problems.js';
import type { FieldError } from './problemDetails.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * A batch route (src/http/batch.ts): the body member that holds its items. The edge rule below
     * leaves the items to the batch, which applies the same rule to each item and answers it alone.
     */
    batchItems?: string;
  }
}

// Text that Postgres cannot hold, refused at the edge by one rule for every route: NUL (a `text`
// or `jsonb` value cannot contain it: "invalid byte sequence for encoding UTF8: 0x00") and UTF-16
// surrogates without their pair (they have no UTF-8 form: the driver would store U+FFFD in their
// place, and jsonb refuses their escapes). Other control characters (tab, newline, U+0001 …) are
// valid UTF-8 that Postgres stores and JSON escapes on the way out: they are kept as sent.
// With the u flag a well-formed pair is one code point: only a surrogate on its own matches.
const unstorable = /[\u0000\ud800-\udfff]/u;

/** True when `text` holds a NUL or an unpaired surrogate. */
export function isUnstorable(text: string): boolean {
  return unstorable.test(text);
}

/** A key as a path segment, its unstorable characters written as \uXXXX so the path itself is clean. */
function segment(key: string): string {
  return key.replace(/[\u0000\ud800-\udfff]/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** At most this many fields are named: the answer to a hostile body stays small. */
const MAX_ERRORS = 20;

/** A path as a chain to its parent: walking a body nested n deep costs O(n), not O(n²) copies. */
interface Path {
  parent: Path | null;
  key: string;
}

function pathOf(p: Path | null): string[] {
  const out: string[] = [];
  for (let at = p; at; at = at.parent) out.push(at.key);
  return out.reverse();
}

/**
 * Every string (and object key) of `value` that Postgres cannot hold, as field errors. The walk
 * keeps its own stack, so a body nested thousands deep cannot overflow the call stack.
 * `skip` says which values are left out (a batch's items).
 */
export function unstorableFields(value: unknown, where: string, base: string[] = [], skip?: (path: string[]) => boolean): FieldError[] {
  const errors: FieldError[] = [];
  const root = base.reduce<Path | null>((parent, key) => ({ parent, key }), null);
  const stack: { value: unknown; path: Path | null; depth: number }[] = [{ value, path: root, depth: 0 }];
  const report = (path: Path | null, message: string) =>
    errors.push({ in: where, path: pathOf(path).join('.'), code: 'validation_failed', message });
  while (stack.length > 0 && errors.length < MAX_ERRORS) {
    const { value: v, path, depth } = stack.pop()!;
    // Only a batch's items are skipped, and they sit two levels down.
    if (skip && depth === 2 && skip(pathOf(path))) continue;
    if (typeof v === 'string') {
      if (isUnstorable(v)) report(path, 'text holds a NUL character or an unpaired UTF-16 surrogate, which cannot be stored');
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], path: { parent: path, key: String(i) }, depth: depth + 1 });
    } else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v as Record<string, unknown>)) {
        const at = { parent: path, key: segment(k) };
        if (isUnstorable(k)) report(at, 'a key holds a NUL character or an unpaired UTF-16 surrogate, which cannot be stored');
        stack.push({ value: child, path: at, depth: depth + 1 });
      }
    }
  }
  return errors.slice(0, MAX_ERRORS);
}

/**
 * Whether any string or key in `value` is unstorable: the same walk as unstorableFields without
 * building paths. Almost no request holds such text, and naming the fields (a path object per
 * value) cost 1.5 % of the service's CPU per award; that walk now runs only when this finds some.
 */
function anyUnstorable(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (isUnstorable(v)) return true;
    } else if (Array.isArray(v)) {
      for (const child of v) stack.push(child);
    } else if (v !== null && typeof v === 'object') {
      for (const k of Object.keys(v)) {
        if (isUnstorable(k)) return true;
        stack.push((v as Record<string, unknown>)[k]);
      }
    }
  }
  return false;
}

/** The unstorable text anywhere in a request: path parameters, query, headers and body. */
function requestFields(request: FastifyRequest): FieldError[] {
  const items = request.routeOptions.config?.batchItems;
  const skip = items ? (path: string[]) => path.length === 2 && path[0] === items : undefined;
  return [
    ...unstorableFields(request.params, 'params'),
    ...unstorableFields(request.query, 'querystring'),
    ...unstorableFields(request.headers, 'headers'),
    ...unstorableFields(request.body, 'body', [], skip),
  ].slice(0, MAX_ERRORS);
}

/** Thrown for a request whose text cannot be stored: the error handler answers 400 validation_failed. */
export class UnstorableTextError extends DomainError {
  constructor(readonly errors: FieldError[]) {
    super('validation_failed');
  }
}

/**
 * The one rule, for every route (those added later too): before any schema or handler sees the
 * request, text that cannot be stored is `400 validation_failed` with the field's path.
 */
export function refuseUnstorableText(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    if (!anyUnstorable(request.params) && !anyUnstorable(request.query) && !anyUnstorable(request.headers) && !anyUnstorable(request.body)) return;
    const errors = requestFields(request);
    if (errors.length > 0) throw new UnstorableTextError(errors);
  });
}
