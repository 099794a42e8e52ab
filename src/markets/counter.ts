import type { FastifyRequest } from 'fastify';
import { DomainError } from '../problems.js';

// What the counter's routes share (sales, refunds, baskets, offline uploads).

/** The roles that sell: a market's terminals, and admins (who name the market). */
export const counterRoles = ['admin', 'pos'] as const;
export const counterReaders = ['admin', 'auditor', 'pos'] as const;

/** Every counter write needs an Idempotency-Key: a retry must never charge twice. */
export function requireIdempotencyKey(request: FastifyRequest): void {
  if (typeof request.headers['idempotency-key'] !== 'string') throw new DomainError('idempotency_key_required');
}
