import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { callerOf } from '../http/auth.js';
import { IdempotencyHeaders, problemResponses } from '../http/schemas.js';
import { writeOnce } from '../http/write.js';
import { DomainError } from '../problems.js';
import { publicView } from './document.js';
import { certificatePage, PAGE_CSP } from './html.js';
import { authorizeIssue, authorizeWithdrawal, issueCertificate, readCertificate, sealBeforeIssue, withdrawCertificate } from './issue.js';
import { CertificateSchema, IssueSchema, WithdrawalSchema } from './schemas.js';

// The /v1 routes of certificates (志愿服务记录证明): issue, read (JSON, or the printable page),
// withdraw. The public check without a key is publicRoutes.ts.

const Params = z.object({ id: z.uuid() });
const issuers = ['admin', 'station'] as const;

/** The public check address of a code: PUBLIC_BASE_URL, or the address this request came to. */
export function checkUrl(request: FastifyRequest, code: string): string {
  const base = request.server.config.publicBaseUrl ?? `${request.protocol}://${request.host}`;
  return `${base}/certificates/${code}`;
}

/** Sends an HTML page as it is (a Buffer: the route's response schema only documents it). */
export function sendPage(reply: FastifyReply, html: string, status = 200): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', PAGE_CSP)
    .header('cache-control', 'no-store')
    .send(Buffer.from(html, 'utf8') as unknown as string);
}

export const certificateRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post('/members/:id/certificates', {
    config: { roles: issuers },
    schema: {
      tags: ['certificates'],
      summary: "Issue a certificate of a member's service records (志愿服务记录证明), signed, numbered per issuing unit and year",
      description:
        'Lists the verified records that started in the period and were recorded by the issuing unit or a unit under it (谁记录谁证明), ' +
        "each with the inclusion proof of its award entry against a signed block head; the tenant's entries are sealed first. " +
        '409 certificate_not_sealed (with Retry-After) when an entry could not be sealed yet: retry with the same Idempotency-Key.',
      headers: IdempotencyHeaders,
      params: Params,
      body: IssueSchema,
      response: {
        201: CertificateSchema,
        ...problemResponses(
          'validation_failed', 'member_not_found', 'org_unit_not_found', 'org_unit_out_of_scope', 'certificate_period_invalid',
          'certificate_no_records', 'certificate_too_many_records', 'certificate_not_sealed', 'signing_unavailable', 'idempotency_conflict',
        ),
      },
    },
    handler: async (request, reply) => {
      const caller = callerOf(request);
      await authorizeIssue(app.db, caller, request.body);
      const signer = await sealBeforeIssue(app.db, app.signer, caller.tenantId);
      try {
        return await writeOnce(request, reply, async (trx) => ({ statusCode: 201, body: await issueCertificate(trx, signer, caller, request.params.id, request.body) }), {
          authorize: (trx) => authorizeIssue(trx, caller, request.body),
        });
      } catch (err) {
        if (err instanceof DomainError && err.code === 'certificate_not_sealed') reply.header('retry-after', '2');
        throw err;
      }
    },
  });

  app.get('/certificates/:id', {
    config: { roles: ['admin', 'auditor', 'station'] },
    schema: {
      tags: ['certificates'],
      summary: 'A certificate as signed (JSON: the file of verify-certificate), or its printable page (A4, with the QR code of its check address)',
      params: Params,
      querystring: z.object({ format: z.enum(['json', 'html']).default('json').describe('html: the printable page') }),
      response: {
        200: {
          description: 'The signed certificate, or its printable page',
          content: { 'application/json': { schema: CertificateSchema }, 'text/html': { schema: z.string() } },
        },
        ...problemResponses('validation_failed', 'certificate_not_found', 'org_unit_out_of_scope'),
      },
    },
    handler: async (request, reply) => {
      const cert = await readCertificate(app.db, callerOf(request), request.params.id);
      if (request.query.format === 'json') return cert;
      return sendPage(reply, await certificatePage(publicView(cert), checkUrl(request, cert.code), cert.signature.keyId));
    },
  });

  app.post('/certificates/:id/withdrawal', {
    config: { roles: issuers },
    schema: {
      tags: ['certificates'],
      summary: 'Withdraw a certificate, with a reason: the check page says so from now on (the certificate itself never changes)',
      headers: IdempotencyHeaders,
      params: Params,
      body: z.object({ reason: z.string().trim().min(1).max(500) }),
      response: { 200: WithdrawalSchema, ...problemResponses('validation_failed', 'certificate_not_found', 'org_unit_out_of_scope', 'certificate_withdrawn', 'idempotency_conflict') },
    },
    handler: async (request, reply) =>
      writeOnce(request, reply, async (trx) => ({ statusCode: 200, body: await withdrawCertificate(trx, callerOf(request), request.params.id, request.body.reason) }), {
        authorize: (trx) => authorizeWithdrawal(trx, callerOf(request), request.params.id),
      }),
  });
};
