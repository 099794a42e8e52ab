import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { scopeKey } from '../auth/caller.js';
import { DAY_MS } from '../chinaTime.js';
import { batchRoute } from '../http/batch.js';
import { TimestampSchema } from '../http/schemas.js';
import { isDatabaseUnavailable } from '../db/transaction.js';
import { requestHash, type Settled } from '../idempotency/keys.js';
import { DomainError } from '../problems.js';
import { getSettings } from '../tenants/tenants.js';
import { counterRoles } from './counter.js';
import { MAX_GROUP, type SaleSubmission, sellTogether } from './saleGroups.js';
import { marketOf } from './scope.js';
import { CounterRequest, oneMember, ReceiptSchema } from './schemas.js';

// Offline upload: a terminal that lost its network keeps selling and sends its sales later, up
// to 500 at once. Each sale carries its own idempotency key and the terminal's clock
// (occurredAt, kept as the sale's business time beside the server's recordedAt) and is answered
// on its own, in the order sent: one refused or failed sale never writes or hides another, and a
// retry of the batch (or of part of it) replays the written ones. The sales are written as sales
// arriving together at the counter are (saleGroups.ts): up to MAX_GROUP of them in a shared
// transaction, each sale answered as it would be alone (a sale under a limit or capacity, and the
// ones after it, alone and in order; one that will not fit, alone after the group); a batch of
// 500 is some 16 transactions, not 500.

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
      'Each sale is answered on its own, idempotent by its idempotencyKey, dated by its occurredAt (refused when in the future or older ' +
      "than the tenant's offlineSaleDays), numbered in the order sent. The answer is 200 with a result per sale; retrying the batch repeats nothing.",
    max: 500,
    chunk: 500,
    item: OfflineSale,
    result: ReceiptSchema,
    resultId: 'RedemptionBatchResult',
    key: { name: 'idempotencyKey', of: (raw) => (typeof (raw as { idempotencyKey?: unknown })?.idempotencyKey === 'string' ? (raw as { idempotencyKey: string }).idempotencyKey : null) },
    write: async (caller, inputs) => {
      const { offlineSaleDays } = await getSettings(app.db, caller.tenantId);
      const sales: SaleSubmission[] = inputs.map(({ idempotencyKey, occurredAt, ...sale }) => {
        const at = new Date(occurredAt);
        return {
          caller,
          request: sale,
          key: idempotencyKey,
          hash: requestHash({ route: 'POST /v1/redemptions:batch', scope: scopeKey(caller.scope), body: { ...sale, occurredAt } }),
          occurredAt: at,
          // Checked when the sale is written, against the server's clock then.
          check: () => {
            if (at.getTime() > Date.now() + CLOCK_SKEW_MS) throw new DomainError('occurred_at_in_future');
            if (at.getTime() < Date.now() - offlineSaleDays * DAY_MS) throw new DomainError('occurred_at_too_old', { days: offlineSaleDays });
          },
        };
      });
      const settled: Settled[] = [];
      // A group at a time, in the order sent, each of sales in a row for one market (an admin's
      // upload names the market in each sale; one that names none, or one out of its scope, goes
      // alone to its refusal); the sales a group sends alone are written before the next group.
      const markets = sales.map((sale) => {
        try {
          return marketOf(caller, sale.request.marketId);
        } catch {
          return null;
        }
      });
      for (let from = 0, to = 1; from < sales.length; from = to, to = from + 1) {
        const first = markets[from];
        while (first !== null && to < sales.length && to - from < MAX_GROUP && markets[to] === first) to++;
        const group = sales.slice(from, to);
        try {
          settled.push(...(await Promise.all(await sellTogether(app.db, group, 'upload', app.config.groupLockWaitMs))));
        } catch (error) {
          // Only the database being unavailable ends a group early: each of its sales says so.
          if (!isDatabaseUnavailable(error)) throw error;
          settled.push(...group.map((): Settled => ({ ok: false, error })));
        }
      }
      return settled.map((s) => Promise.resolve(s));
    },
  });
};
