import type { RecordCause } from '../hours/causes.js';
import type { PeriodPosting } from '../ledger/index.js';
import type { ReceiptCause } from '../markets/causes.js';

// The cause of one movement, from its entry and what the owning modules say of its object:
//  - serviceRecord: the award of a record's hours (or its correction: a reversal of the award,
//    the new award, a forced correction's cover), with the record's title;
//  - rating: a resident's rating bonus (评单) on a record, or its reversal;
//  - redemption / refund: a sale at a love supermarket (a direct one or a basket's capture) or a
//    refund of one, with its receipt number;
//  - expiry: lapsed points (积分清零), with the last day they could be spent;
//  - hold: a hold captured that was not a basket of a market.
// Null for a manual entry: its reason says why.

export const CauseTypes = ['serviceRecord', 'rating', 'redemption', 'refund', 'expiry', 'hold'] as const;

export interface Cause {
  type: (typeof CauseTypes)[number];
  recordId?: string;
  title?: string;
  orgUnitId?: string;
  category?: string;
  hours?: string;
  recordStatus?: RecordCause['status'];
  rating?: number | null;
  redemptionId?: string;
  refundId?: string | null;
  marketId?: string;
  marketName?: string;
  receiptNo?: string;
  basketId?: string | null;
  expiresOn?: string;
  holdId?: string;
}

function recordCause(p: PeriodPosting, record: RecordCause | undefined): Cause {
  const bonus = p.kind === 'bonus' || p.reversesKind === 'bonus';
  return {
    type: bonus ? 'rating' : 'serviceRecord',
    recordId: p.objectId!,
    ...(record
      ? { title: record.title, orgUnitId: record.orgUnitId, category: record.category, hours: record.hours, recordStatus: record.status, rating: record.rating }
      : {}),
  };
}

export function causeOf(p: PeriodPosting, records: Map<string, RecordCause>, receipts: Map<string, ReceiptCause>): Cause | null {
  if (p.objectType === 'service_record' && p.objectId) return recordCause(p, records.get(p.objectId));
  const receipt = receipts.get(p.entryId);
  if (receipt) {
    return {
      type: receipt.type,
      redemptionId: receipt.redemptionId,
      refundId: receipt.refundId,
      marketId: receipt.marketId,
      marketName: receipt.marketName,
      receiptNo: receipt.receiptNo,
      basketId: receipt.basketId,
    };
  }
  if (p.kind === 'expiry') return { type: 'expiry', expiresOn: String(p.metadata.expiresOn ?? p.objectId ?? '') };
  if (p.objectType === 'hold' && p.objectId) return { type: 'hold', holdId: p.objectId };
  return null;
}
