import { z } from 'zod';
import { MarketId } from '../http/schemas.js';

// The wire shapes of sales, receipts, baskets and refunds (src/markets).

export const SkuSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, ., _ and -, at most 64');

const LineRequestSchema = z.object({
  sku: SkuSchema,
  quantity: z.number().int().min(1).max(10_000),
});

/** Whom and where: a card (一卡通) or a member id, and the market unless the key is a terminal's. */
export const CounterRequest = z.object({
  marketId: MarketId.optional().describe("Required unless the key is a market's pos key (then it may only name its own)"),
  cardNo: z.string().min(1).max(64).optional().describe('The member by card; a blocked card is refused (card_blocked)'),
  memberId: z.uuid().optional().describe('The member by id, when no card is given'),
  lines: z.array(LineRequestSchema).min(1).max(50),
});

export function oneMember(body: { cardNo?: string | undefined; memberId?: string | undefined }, ctx: z.RefinementCtx) {
  if ((body.cardNo === undefined) === (body.memberId === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['cardNo'], message: 'give exactly one of cardNo and memberId' });
  }
}

export const SaleBody = CounterRequest.superRefine(oneMember);

const PointsSchema = z.object({ balance: z.string(), held: z.string(), available: z.string() }).meta({ id: 'MemberPoints' });

const ReceiptLineSchema = z.object({
  lineNo: z.number().int(),
  sku: z.string(),
  name: z.string(),
  kind: z.enum(['goods', 'service']),
  quantity: z.number().int(),
  price: z.string().describe('The price per unit when sold'),
  amount: z.string(),
  refunded: z.number().int().describe('How much of the line has been refunded since (sale receipts)'),
});

export const ReceiptSchema = z
  .object({
    kind: z.enum(['sale', 'refund']),
    receiptNo: z.string().describe("The market's receipt number: sales and refunds count in one series, without gaps"),
    marketId: z.string(),
    terminalId: z.string().nullable(),
    memberId: z.uuid(),
    cardNo: z.string().nullable(),
    redemptionId: z.uuid(),
    refundId: z.uuid().nullable(),
    basketId: z.uuid().nullable(),
    lines: z.array(ReceiptLineSchema),
    total: z.string(),
    entryId: z.uuid().describe('The ledger entry that moved the points'),
    reason: z.string().nullable(),
    occurredAt: z.string(),
    recordedAt: z.string(),
    points: PointsSchema.describe("The member's points just after this receipt"),
  })
  .meta({ id: 'Receipt' });

export const RedemptionSchema = ReceiptSchema.extend({
  refunds: z.array(ReceiptSchema).describe('The refund receipts of this sale, in order'),
}).meta({ id: 'Redemption' });

export const RefundBody = z.object({
  lines: z.array(z.object({ line: z.number().int().min(1).max(50), quantity: z.number().int().min(1).max(10_000) })).min(1).max(50),
  reason: z.string().trim().min(1).max(500),
});

export const BasketBody = CounterRequest.extend({
  expiresInSeconds: z.number().int().min(1).max(86_400).default(600).describe('How long the basket holds (default 10 minutes, at most a day)'),
}).superRefine(oneMember);

export const CaptureBody = z.object({
  lines: z
    .array(z.object({ line: z.number().int().min(1).max(50), quantity: z.number().int().min(0).max(10_000) }))
    .max(50)
    .optional()
    .describe('What is taken, by basket line (a line left out is not taken); absent: the whole basket'),
});

export const BasketSchema = z
  .object({
    id: z.uuid(),
    status: z.enum(['open', 'captured', 'voided', 'expired']),
    marketId: z.string(),
    terminalId: z.string().nullable(),
    memberId: z.uuid(),
    cardNo: z.string().nullable(),
    holdId: z.uuid().describe('The ledger hold on the member’s points'),
    lines: z.array(ReceiptLineSchema.omit({ refunded: true })),
    total: z.string(),
    expiresAt: z.string(),
    createdAt: z.string(),
    resolvedAt: z.string().nullable(),
    redemptionId: z.uuid().nullable().describe('The sale its capture made'),
    points: PointsSchema.describe("The member's points just after the basket was placed"),
  })
  .meta({ id: 'Basket' });
