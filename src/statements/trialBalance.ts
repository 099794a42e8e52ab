import { Decimal } from 'decimal.js';
import type { Kysely } from 'kysely';
import type { Caller } from '../auth/caller.js';
import type { DB } from '../db/schema.js';
import { formatAmount, recordingClock, settledThrough, trialBalanceRows, type TrialBalanceRow, type Unit, Units } from '../ledger/index.js';
import { DomainError } from '../problems.js';
import { readSnapshot } from './snapshot.js';

// The trial balance (试算平衡表) as of a time: every account's balance from the entries recorded
// at or before it, and per unit the credit and debit balances summed, which must be equal (the
// total zero) since every entry balances per unit. Read from one snapshot once every writer that
// could still record an entry at or before that time has finished, so the same asOf always
// gives the same answer.

export interface UnitTotal {
  unit: Unit;
  accounts: number;
  /** The positive balances summed. */
  credits: string;
  /** The negative balances summed, as a positive figure. */
  debits: string;
  /** credits − debits: zero when the ledger balances. */
  total: string;
}

export interface TrialBalance {
  asOf: string;
  /** False when a writer that began before asOf had not finished within the wait: a later read may add its entry. */
  settled: boolean;
  accounts: TrialBalanceRow[];
  totals: UnitTotal[];
}

export async function trialBalance(db: Kysely<DB>, caller: Caller, asOf?: string): Promise<TrialBalance> {
  const now = await recordingClock(db);
  if (asOf !== undefined && Date.parse(asOf) > now.getTime()) throw new DomainError('as_of_in_future', { asOf });
  const at = asOf ?? now.toISOString();
  const settled = await settledThrough(db, at);
  const accounts = await readSnapshot(db, (trx) => trialBalanceRows(trx, caller.tenantId, at));
  // One pass: credit balances and debit balances summed per unit.
  const sums = new Map<Unit, { accounts: number; credits: Decimal; debits: Decimal }>(Units.map((u) => [u, { accounts: 0, credits: new Decimal(0), debits: new Decimal(0) }]));
  for (const a of accounts) {
    const s = sums.get(a.unit)!;
    s.accounts++;
    if (a.balance.startsWith('-')) s.debits = s.debits.plus(a.balance.slice(1));
    else s.credits = s.credits.plus(a.balance);
  }
  const totals = [...sums].map(([unit, s]) => ({
    unit,
    accounts: s.accounts,
    credits: formatAmount(s.credits),
    debits: formatAmount(s.debits),
    total: formatAmount(s.credits.minus(s.debits)),
  }));
  return { asOf: at, settled, accounts, totals };
}
