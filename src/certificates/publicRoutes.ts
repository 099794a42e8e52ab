import rateLimit from '@fastify/rate-limit';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { qualityOf } from '../http/accept.js';
import { problemResponses } from '../http/schemas.js';
import { DomainError } from '../problems.js';
import { checkByCode } from './check.js';
import { checkPage, notFoundPage } from './html.js';
import { sendPage } from './routes.js';
import { CertificateCheckSchema } from './schemas.js';

// The public check of a certificate (GET /certificates/{code}): no key, outside /v1 as /healthz
// and /docs are. Rate-limited per client address (@fastify/rate-limit, registered for these
// routes only), answering 429 problem+json with Retry-After beyond PUBLIC_RATE_LIMIT_MAX requests
// per PUBLIC_RATE_LIMIT_WINDOW_MS.

function wantsJson(accept: string | undefined): boolean {
  const json = qualityOf(accept ?? '', 'application/json');
  return json > 0 && json > qualityOf(accept ?? '', 'text/html');
}

/** A browser: it names text/html. (No Accept, or only wildcards: an API client.) */
function namesHtml(accept: string | undefined): boolean {
  return qualityOf(accept ?? '', 'text/html') > 0;
}

export const publicCertificateRoutes: FastifyPluginAsyncZod = async (app) => {
  const { max, windowMs } = app.config.publicRateLimit;
  await app.register(rateLimit, {
    global: false,
    // The limit's own answer is a problem like every other error (the headers are set before).
    errorResponseBuilder: (_request, context) => new DomainError('rate_limited', { retryAfter: Math.max(1, Math.ceil(context.ttl / 1000)) }),
  });

  app.get('/certificates/:code', {
    config: { rateLimit: { max, timeWindow: windowMs } },
    schema: {
      tags: ['certificates'],
      summary: 'Check a certificate by the code on it (no key): authentic, still standing, withdrawn or changed since, with exactly what it shows',
      description:
        'An HTML page by default; JSON with `Accept: application/json` or the code followed by `.json`. A code that finds nothing is ' +
        '404, the same answer for any such code: problem+json, or for a browser (Accept: text/html) a page that says so. ' +
        'Rate-limited per client address: 429 with Retry-After beyond the limit.',
      security: [],
      params: z.object({ code: z.string().describe('The code printed on the certificate (its QR code holds this address)') }),
      response: {
        200: {
          description: "The certificate's check, as a page or JSON",
          content: { 'application/json': { schema: CertificateCheckSchema }, 'text/html': { schema: z.string() } },
        },
        404: {
          description: `For a browser (Accept naming text/html) the page that says so; otherwise a ${problemResponses('certificate_not_found')[404]!.description}`,
          content: { ...problemResponses('certificate_not_found')[404]!.content, 'text/html': { schema: z.string() } },
        },
        429: problemResponses('rate_limited')[429]!,
        500: problemResponses()[500]!,
        503: problemResponses()[503]!,
      },
    },
    handler: async (request, reply) => {
      const raw = request.params.code;
      const json = raw.endsWith('.json') || wantsJson(request.headers.accept);
      const status = await checkByCode(app.db, raw.endsWith('.json') ? raw.slice(0, -5) : raw);
      reply.header('cache-control', 'no-store').header('vary', 'accept');
      if (!status) {
        // The same answer for every code that finds nothing: the page for a browser, else the problem.
        if (!json && namesHtml(request.headers.accept)) return sendPage(reply, notFoundPage(), 404);
        throw new DomainError('certificate_not_found');
      }
      return json ? status : sendPage(reply, checkPage(status));
    },
  });
};
