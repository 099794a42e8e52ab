import crypto from 'node:crypto';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { isDatabaseUnavailable } from '../db/transaction.js';
import { DomainError, type ProblemCode, problemDetail, problems } from '../problems.js';
import { type FieldError, sendProblem } from './problemDetails.js';
import { UnstorableTextError } from './text.js';

// Fastify's own errors, by code, as wire codes.
const FRAMEWORK: Record<string, ProblemCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_MAX_PARAM_LENGTH: 'uri_too_long',
  FST_ERR_BAD_URL: 'bad_request',
};

function validationProblem(request: FastifyRequest, reply: FastifyReply, err: FastifyError): FastifyReply {
  const where = err.validationContext ?? 'body';
  const errors: FieldError[] = (err.validation ?? []).map((v) => {
    const params = v.params as { params?: { code?: string } } | undefined;
    const custom = params?.params?.code;
    return {
      in: where,
      path: v.instancePath.replace(/^\//, '').replaceAll('/', '.'),
      code: custom && custom in problems ? custom : 'validation_failed',
      message: v.message ?? 'invalid',
    };
  });
  // One specific code (say, too_many_decimals) becomes the problem's code; a mix stays generic.
  const codes = new Set(errors.map((e) => e.code));
  const code = codes.size === 1 ? ([...codes][0] as ProblemCode) : 'validation_failed';
  return sendProblem(request, reply, problems[code].status === 400 ? code : 'validation_failed', {}, errors);
}

export function handleError(err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (err instanceof DomainError) {
    if (err.replayed) reply.header('idempotent-replayed', 'true');
    if (err.code === 'unauthenticated') reply.header('www-authenticate', 'Bearer');
    return sendProblem(request, reply, err.code, err.params, err instanceof UnstorableTextError ? err.errors : undefined);
  }
  if (hasZodFastifySchemaValidationErrors(err)) return validationProblem(request, reply, err as unknown as FastifyError);
  const framework = FRAMEWORK[err.code];
  if (framework) return sendProblem(request, reply, framework);
  if (isDatabaseUnavailable(err)) {
    request.log.warn({ err }, 'database unavailable');
    reply.header('retry-after', '1');
    return sendProblem(request, reply, 'service_unavailable');
  }
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    return sendProblem(request, reply, 'bad_request');
  }
  // A 5xx is a bug: log it whole, tell the client nothing about its insides.
  request.log.error({ err }, 'unhandled error');
  return sendProblem(request, reply, 'internal_error');
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => sendProblem(request, reply, 'not_found'));
}

/**
 * Node's own HTTP parser refuses some requests before Fastify sees them (a NUL or other bad byte
 * in a header, headers over the size limit, a malformed request line). Fastify would answer those
 * with a JSON body of its own; this answers with the same problem+json as every other error, in
 * the default language (the request's headers could not be read), and closes the connection.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const code: ProblemCode = 'bad_request';
  const body = JSON.stringify({
    type: `urn:problem:${code}`,
    title: problems[code].title,
    status: problems[code].status,
    code,
    detail: problemDetail(code, 'zh-CN'),
    requestId: crypto.randomUUID(),
  });
  socket.end(
    `HTTP/1.1 400 Bad Request\r\nContent-Type: application/problem+json; charset=utf-8\r\nContent-Language: zh-CN\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
