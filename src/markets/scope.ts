import { type Caller, inMarketScope } from '../auth/caller.js';
import { DomainError } from '../problems.js';

// Which market a request acts for. A terminal's pos key
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

