import { type Kysely, sql, type Transaction } from 'kysely';
import { revokeMarketKeys } from '../auth/apiKeys.js';
import type { Caller, MarketScope } from '../auth/caller.js';
import type { DB } from '../db/schema.js';
import { createAccount, marketAccount } from '../ledger/index.js';
import { findOrgUnit } from '../orgunits/orgUnits.js';
import { DomainError } from '../problems.js';
import { requireMarketScope } from './scope.js';

// Markets (爱心超市): the repository of markets. A market belongs to an org unit and has its own
// points account, credited by its sales. Deactivated, never deleted: receipts keep pointing at it.

/**
 * Balance slots of a market's points account: every sale credits it and holds the slot's row from
 * its ledger write to its commit, so it is hot; as many as an org unit's issuance accounts have.
 */
const MARKET_SLOTS = 16;

export interface Market {
  id: string;
  orgUnitId: string;
  name: string;
  active: boolean;
  accountId: string;
  /** Receipts given so far (the last receipt number). */
  receiptsIssued: number;
  createdAt: string;
  deactivatedAt: string | null;
}

const COLUMNS = ['market_id', 'org_unit_id', 'name', 'active', 'receipt_no', 'created_at', 'deactivated_at'] as const;
type Row = {
  market_id: string;
  org_unit_id: string;
  name: string;
  active: boolean;
  receipt_no: string;
  created_at: Date;
  deactivated_at: Date | null;
};

function toMarket(r: Row): Market {
  return {
    id: r.market_id,
    orgUnitId: r.org_unit_id,
    name: r.name,
    active: r.active,
    accountId: marketAccount(r.market_id),
    receiptsIssued: Number(r.receipt_no),
    createdAt: new Date(r.created_at).toISOString(),
    deactivatedAt: r.deactivated_at ? new Date(r.deactivated_at).toISOString() : null,
  };
}

export async function createMarket(trx: Transaction<DB>, tenantId: string, input: { id: string; orgUnitId: string; name: string }): Promise<Market> {
  if (!(await findOrgUnit(trx, tenantId, input.orgUnitId))) throw new DomainError('org_unit_not_found', { orgUnitId: input.orgUnitId });
  const row = await trx
    .insertInto('markets')
    .values({ tenant_id: tenantId, market_id: input.id, org_unit_id: input.orgUnitId, name: input.name })
    .onConflict((oc) => oc.doNothing())
    .returning(COLUMNS)
    .executeTakeFirst();
  if (!row) throw new DomainError('market_exists', { marketId: input.id });
  // The market's side of every sale and refund; negative-allowed, as an issuance account is, since
  // a refund may debit it below what it was credited on the same day.
  await createAccount(trx, tenantId, {
    id: marketAccount(input.id),
    unit: 'POINTS',
    type: 'market',
    allowNegative: true,
    slots: MARKET_SLOTS,
    name: `${input.name} points`,
  });
  return toMarket(row);
}

/** The tenant's markets; a market's key sees its own market only. */
export async function listMarkets(db: Kysely<DB>, caller: Caller): Promise<Market[]> {
  let query = db.selectFrom('markets').select(COLUMNS).where('tenant_id', '=', caller.tenantId);
  if (caller.scope?.kind === 'market') query = query.where('market_id', '=', caller.scope.marketId);
  return (await query.orderBy('market_id').execute()).map(toMarket);
}

async function findMarket(db: Kysely<DB>, tenantId: string, marketId: string): Promise<Market | null> {
  const row = await db.selectFrom('markets').select(COLUMNS).where('tenant_id', '=', tenantId).where('market_id', '=', marketId).executeTakeFirst();
  return row ? toMarket(row) : null;
}

/** One market; a market's key is refused any other (before it learns whether it exists). */
export async function getMarket(db: Kysely<DB>, caller: Caller, marketId: string): Promise<Market> {
  requireMarketScope(caller, marketId);
  const market = await findMarket(db, caller.tenantId, marketId);
  if (!market) throw new DomainError('market_not_found', { marketId });
  return market;
}

export async function renameMarket(trx: Transaction<DB>, tenantId: string, marketId: string, changes: { name?: string | undefined }): Promise<Market> {
  const row =
    changes.name === undefined
      ? await findMarket(trx, tenantId, marketId)
      : await trx
          .updateTable('markets')
          .set({ name: changes.name })
          .where('tenant_id', '=', tenantId)
          .where('market_id', '=', marketId)
          .returning(COLUMNS)
          .executeTakeFirst()
          .then((r) => (r ? toMarket(r) : null));
  if (!row) throw new DomainError('market_not_found', { marketId });
  return row;
}

/**
 * Deactivates the market, its terminals and every key acting for it, in the caller's transaction;
 * the keys revoked, for the caller to drop from the key cache once this commits. The market row is
 * locked first, as a terminal's registration locks it (terminals.ts), so no terminal is registered
 * to a market that is being deactivated.
 */
export async function deactivateMarket(trx: Transaction<DB>, tenantId: string, marketId: string): Promise<{ market: Market; revokedKeyIds: string[] }> {
  const row = await trx
    .updateTable('markets')
    .set({ active: false, deactivated_at: sql`coalesce(deactivated_at, now())` })
    .where('tenant_id', '=', tenantId)
    .where('market_id', '=', marketId)
    .returning(COLUMNS)
    .executeTakeFirst();
  if (!row) throw new DomainError('market_not_found', { marketId });
  await trx
    .updateTable('terminals')
    .set({ active: false, deactivated_at: sql`coalesce(deactivated_at, now())` })
    .where('tenant_id', '=', tenantId)
    .where('market_id', '=', marketId)
    .where('active', '=', true)
    .execute();
  return { market: toMarket(row), revokedKeyIds: await revokeMarketKeys(trx, tenantId, { marketId }) };
}

/**
 * The market as a terminal's registration or a market-wide key needs it, its row share-locked to
 * the commit (a deactivation waits, and then deactivates what was registered): market_not_found,
 * market_inactive.
 */
export async function lockActiveMarket(trx: Kysely<DB>, tenantId: string, marketId: string): Promise<Market> {
  const row = await trx
    .selectFrom('markets')
    .select(COLUMNS)
    .where('tenant_id', '=', tenantId)
    .where('market_id', '=', marketId)
    .forShare()
    .executeTakeFirst();
  if (!row) throw new DomainError('market_not_found', { marketId });
  if (!row.active) throw new DomainError('market_inactive', { marketId });
  return toMarket(row);
}

/** The scope of a market-wide pos key (POST /v1/api-keys with a marketId). */
export async function marketScope(trx: Kysely<DB>, tenantId: string, marketId: string): Promise<MarketScope> {
  await lockActiveMarket(trx, tenantId, marketId);
  return { kind: 'market', marketId, terminalId: null };
}
