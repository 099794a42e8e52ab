import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { scopeKey } from '../auth/caller.js';
import { DAY_MS } from '../chinaTime.js';
import { batchRoute } from '../http/batch.js';
import { TimestampSchema } from '../http/schemas.js';
import { idempotentWrite, requestHash, type Settled } from '../idempotency/keys.js';
import { DomainError } from '../problems.js';
import { getSettings } from '../tenants/tenants.js';
import { counterRoles } from './counter.js';
import { redeem } from './sales.js';
import { CounterRequest, oneMember, ReceiptSchema } from './schemas.js';

// Offline upload: a terminal that lost its network keeps selling and sends its sales later, up
// to 500 at once. Each sale carries its own idempotency key and the terminal's clock
// (occurredAt, kept as the sale's business time beside the server's recordedAt) and is written
// on its own, in its own transaction, in the order sent: one refused or failed sale never
// writes or hides another, and a retry of the batch (or of part of it) replays the written ones.

/** A terminal's clock may run this far ahead of the server's before its sale counts as "in the future". */
export const CLOCK_SKEW_MS = 120_000;

const OfflineSale = CounterRequest.extend({
  idempotencyKey: z.string().refine((v) => /^[\x21-\x7e]{1,200}$/.test(v), 'visible ASCII, 1 to 200 characters'),
  occurredAt: TimestampSchema.describe("When the terminal made the sale, by its own clock"),
}).superRefine(oneMember);

export const offlineRoutes: FastifyPluginAsyncZod = async (app) => {
  batchRoute(app, {
    url: '/redemptions::batch',
    roles: counterRoles,
    tags: ['markets'],
    summary: 'Upload up to 500 sales a terminal made offline; each gets its own result',
    description:
      'Each sale is written on its own, idempotent by its idempotencyKey, dated by its occurredAt (refused when in the future or older ' +
      "than the tenant's offlineSaleDays). The answer is 200 with a result per sale; retrying the batch repeats nothing.",
    max: 500,
    chunk: 500,
    item: OfflineSale,
    result: ReceiptSchema,
    resultId: 'RedemptionBatchResult',
    key: { name: 'idempotencyKey', of: (raw) => (typeof (raw as { idempotencyKey?: unknown })?.idempotencyKey === 'string' ? (raw as { idempotencyKey: string }).idempotencyKey : null) },
    write: async (caller, inputs) => {
      const { offlineSaleDays } = await getSettings(app.db, caller.tenantId);
      const settled: Settled[] = [];
      for (const { idempotencyKey, occurredAt, ...sale } of inputs) {
        const hash = requestHash({ route: 'POST /v1/redemptions:batch', scope: scopeKey(caller.scope), body: { ...sale, occurredAt } });
        try {
          const result = await idempotentWrite(app.db, { tenantId: caller.tenantId, key: idempotencyKey, hash }, async (trx) => {
            const at = new Date(occurredAt);
            if (at.getTime() > Date.now() + CLOCK_SKEW_MS) throw new DomainError('occurred_at_in_future');
            if (at.getTime() < Date.now() - offlineSaleDays * DAY_MS) throw new DomainError('occurred_at_too_old', { days: offlineSaleDays });
            return { statusCode: 201, body: await redeem(trx, caller, sale, at) };
          });
          settled.push({ ok: true, result });
        } catch (error) {
          settled.push({ ok: false, error });
        }
      }
      return settled.map((s) => Promise.resolve(s));
    },
  });
};
