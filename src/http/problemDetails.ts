import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { type Language, type ProblemCode, problemDetail, problems } from '../problems.js';

export interface FieldError {
  in: string;
  path: string;
  code: string;
  message: string;
}

export const ProblemSchema = z
  .looseObject({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.enum(Object.keys(problems) as [ProblemCode, ...ProblemCode[]]),
    detail: z.string(),
    requestId: z.string(),
    errors: z
      .array(z.object({ in: z.string(), path: z.string(), code: z.string(), message: z.string() }))
      .optional()
      .describe('For validation problems: each failing field'),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details, with a stable machine code' });

/** zh-CN unless the caller prefers English (Accept-Language, honouring q-values). */
export function languageOf(request: FastifyRequest): Language {
  const header = request.headers['accept-language'];
  if (!header) return 'zh-CN';
  let best: { lang: Language; q: number } = { lang: 'zh-CN', q: -1 };
  for (const part of header.split(',')) {
    const [tag = '', ...attrs] = part.trim().toLowerCase().split(';');
    const qAttr = attrs.find((a) => a.trim().startsWith('q='));
    const q = qAttr ? Number.parseFloat(qAttr.trim().slice(2)) : 1;
    if (!Number.isFinite(q) || q <= 0) continue;
    const lang: Language | null = tag.startsWith('en') ? 'en' : tag.startsWith('zh') || tag === '*' ? 'zh-CN' : null;
    if (lang && q > best.q) best = { lang, q };
  }
  return best.lang;
}

export function problemBody(
  request: FastifyRequest,
  code: ProblemCode,
  params: Record<string, unknown> = {},
  errors?: FieldError[],
): Record<string, unknown> {
  const spec = problems[code];
  const lang = languageOf(request);
  return {
    // Domain parameters (accountId, available, …) first, so the standard members below win.
    ...params,
    type: `urn:problem:${code}`,
    title: spec.title,
    status: spec.status,
    code,
    detail: problemDetail(code, lang, params),
    requestId: request.id,
    ...(errors ? { errors } : {}),
  };
}

export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  code: ProblemCode,
  params: Record<string, unknown> = {},
  errors?: FieldError[],
): FastifyReply {
  const body = problemBody(request, code, params, errors);
  // A serializer of our own: route response schemas must never reshape or reject a problem.
  return reply
    .code(problems[code].status)
    .header('content-type', 'application/problem+json; charset=utf-8')
    .header('content-language', languageOf(request))
    .serializer((payload: unknown) => JSON.stringify(payload))
    .send(body);
}
