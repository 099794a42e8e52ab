import { stringify } from 'csv-stringify/sync';
import type { Statement } from './statement.js';
import type { TrialBalance } from './trialBalance.js';

// The CSV forms: the same figures as the JSON, one row per line of it, UTF-8 (with a byte order
// mark when asked, so that Excel shows Chinese right, as the journal export does).

export const STATEMENT_COLUMNS = [
  'line', 'seq', 'recordedAt', 'occurredAt', 'entryId', 'kind', 'amount', 'balance', 'cause', 'recordId', 'title',
  'marketId', 'receiptNo', 'redemptionId', 'refundId', 'expiresOn', 'holdId', 'reversesEntryId', 'reason',
] as const;

type Row = Partial<Record<(typeof STATEMENT_COLUMNS)[number], string | null | undefined>>;

const text = (rows: Row[], columns: readonly string[], bom: boolean) =>
  `${bom ? '\uFEFF' : ''}${stringify([[...columns], ...rows.map((r) => columns.map((c) => r[c as keyof Row] ?? ''))])}`;

/**
 * A statement page: an `opening` row (the page's opening balance), a `movement` row per movement,
 * a `closing` row (the page's closing). The period's figures and the next page's cursor travel in
 * response headers (see routes.ts).
 */
export function statementCsv(s: Statement, bom: boolean): string {
  const rows: Row[] = [
    { line: 'opening', recordedAt: s.from, balance: s.page.opening },
    ...s.items.map((m) => ({
      line: 'movement',
      seq: m.seq,
      recordedAt: m.recordedAt,
      occurredAt: m.occurredAt,
      entryId: m.entryId,
      kind: m.kind,
      amount: m.amount,
      balance: m.balance,
      cause: m.cause?.type,
      recordId: m.cause?.recordId,
      title: m.cause?.title,
      marketId: m.cause?.marketId,
      receiptNo: m.cause?.receiptNo,
      redemptionId: m.cause?.redemptionId,
      refundId: m.cause?.refundId,
      expiresOn: m.cause?.expiresOn,
      holdId: m.cause?.holdId,
      reversesEntryId: m.reversesEntryId,
      reason: m.reason,
    })),
    { line: 'closing', recordedAt: s.to, balance: s.page.closing },
  ];
  return text(rows, STATEMENT_COLUMNS, bom);
}

export const TRIAL_BALANCE_COLUMNS = ['line', 'accountId', 'unit', 'type', 'name', 'debit', 'credit', 'balance'] as const;

/** One `account` row per account (its balance as debit or credit), then a `total` row per unit. */
export function trialBalanceCsv(tb: TrialBalance, bom: boolean): string {
  const rows = [
    ...tb.accounts.map((a) => {
      const debit = a.balance.startsWith('-');
      return { line: 'account', accountId: a.accountId, unit: a.unit, type: a.type, name: a.name, debit: debit ? a.balance.slice(1) : '0.00', credit: debit ? '0.00' : a.balance, balance: a.balance };
    }),
    ...tb.totals.map((u) => ({ line: 'total', unit: u.unit, debit: u.debits, credit: u.credits, balance: u.total })),
  ];
  return `${bom ? '\uFEFF' : ''}${stringify([[...TRIAL_BALANCE_COLUMNS], ...rows.map((r) => TRIAL_BALANCE_COLUMNS.map((c) => (r as Record<string, string | null | undefined>)[c] ?? ''))])}`;
}
