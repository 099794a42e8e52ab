import { sql, type Kysely, type Transaction } from 'kysely';
import { type Caller, inMarketScope } from '../auth/caller.js';
import type { DB } from '../db/schema.js';
import { DomainError } from '../problems.js';

// Which market a request acts for, and the market row's receipt counter. A terminal's pos key
// acts for its own market only; a tenant-wide key (admin) names the market in the request.

/** Refuses a caller whose key is scoped to another market (403 market_out_of_scope). */
export function requireMarketScope(caller: Caller, marketId: string): void {
  if (!inMarketScope(caller, marketId)) throw new DomainError('market_out_of_scope', { marketId });
}

/**
 * The market a write acts for: a market-scoped key's own (a different marketId in the body is
 * refused), else the marketId the request names (required then).
 */
export function marketOf(caller: Caller, named: string | undefined): string {
  if (caller.scope?.kind === 'market') {
    if (named !== undefined && named !== caller.scope.marketId) throw new DomainError('market_out_of_scope', { marketId: named });
    return caller.scope.marketId;
  }
  if (named === undefined) throw new DomainError('validation_failed', { errors: [{ path: 'marketId', message: 'required for a key not scoped to a market' }] });
  requireMarketScope(caller, named);
  return named;
}

/** The terminal a pos key belongs to (null for other keys): kept on receipts and stock movements. */
export function terminalOf(caller: Caller): string | null {
  return caller.scope?.kind === 'market' ? caller.scope.terminalId : null;
}

/** The market as a write needs it; market_not_found, or market_inactive when it takes no sales. */
export async function requireActiveMarket(db: Kysely<DB> | Transaction<DB>, tenantId: string, marketId: string): Promise<{ orgUnitId: string }> {
  const row = await db.selectFrom('markets').select(['org_unit_id', 'active']).where('tenant_id', '=', tenantId).where('market_id', '=', marketId).executeTakeFirst();
  if (!row) throw new DomainError('market_not_found', { marketId });
  if (!row.active) throw new DomainError('market_inactive', { marketId });
  return { orgUnitId: row.org_unit_id };
}

/**
 * The market's next receipt number, in the caller's transaction (migrations/0011_markets.ts: the
 * counter row stays locked until the commit, and a rollback gives the number back, so committed
 * receipts have no gaps). Call it last in a write, to hold the lock for as short a time as can be.
 */
export async function nextReceiptNo(trx: Transaction<DB>, tenantId: string, marketId: string): Promise<string> {
  const { rows } = await sql<{ receipt_no: string }>`UPDATE markets SET receipt_no = receipt_no + 1
    WHERE tenant_id = ${tenantId} AND market_id = ${marketId} RETURNING receipt_no`.execute(trx);
  if (!rows[0]) throw new DomainError('market_not_found', { marketId });
  return String(rows[0].receipt_no);
}
