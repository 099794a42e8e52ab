import { type Kysely, sql, type Transaction } from 'kysely';
import { type ApiKey, createApiKey, revokeMarketKeys } from '../auth/apiKeys.js';
import type { Caller } from '../auth/caller.js';
import { recordConfigChange } from '../changes/changes.js';
import type { DB } from '../db/schema.js';
import { DomainError } from '../problems.js';
import { getMarket, lockActiveMarket } from './markets.js';

// Terminals (收银终端): the repository of terminals. A terminal is registered to one market and
// acts with its own pos key, scoped to the market and the terminal; deactivated, never deleted
// (receipts and stock movements keep its id), and its key stops at once.

export interface Terminal {
  id: string;
  marketId: string;
  name: string;
  active: boolean;
  createdAt: string;
  deactivatedAt: string | null;
}

/** A terminal with the key it was just given: the secret is in `key.key`, shown this once. */
export interface KeyedTerminal {
  terminal: Terminal;
  key: ApiKey & { key: string };
}

const COLUMNS = ['terminal_id', 'market_id', 'name', 'active', 'created_at', 'deactivated_at'] as const;
type Row = { terminal_id: string; market_id: string; name: string; active: boolean; created_at: Date; deactivated_at: Date | null };

function toTerminal(r: Row): Terminal {
  return {
    id: r.terminal_id,
    marketId: r.market_id,
    name: r.name,
    active: r.active,
    createdAt: new Date(r.created_at).toISOString(),
    deactivatedAt: r.deactivated_at ? new Date(r.deactivated_at).toISOString() : null,
  };
}

/** The terminal's own pos key: acts for its market, as this terminal (receipts name it). */
function newTerminalKey(trx: Transaction<DB>, tenantId: string, terminal: Terminal) {
  return createApiKey(trx, tenantId, {
    name: `terminal ${terminal.id}`,
    role: 'pos',
    scope: { kind: 'market', marketId: terminal.marketId, terminalId: terminal.id },
  });
}

/**
 * The configuration change of a terminal: the terminal, its market's org unit (so the feed shows
 * it to that unit's keys) and which keys it gained or lost, never a secret.
 */
async function recordTerminalChange(trx: Transaction<DB>, by: Caller, action: string, terminal: Terminal, keys: { keyId?: string; revokedKeyIds: string[] }) {
  const { orgUnitId } = await getMarket(trx, { ...by, scope: null }, terminal.marketId);
  await recordConfigChange(trx, by, `terminal.${action}`, { ...terminal, orgUnitId, ...keys });
}

/** Registers a terminal to an active market, with its pos key. */
export async function registerTerminal(trx: Transaction<DB>, by: Caller, marketId: string, input: { id: string; name: string }): Promise<KeyedTerminal> {
  await lockActiveMarket(trx, by.tenantId, marketId);
  const row = await trx
    .insertInto('terminals')
    .values({ tenant_id: by.tenantId, terminal_id: input.id, market_id: marketId, name: input.name })
    .onConflict((oc) => oc.doNothing())
    .returning(COLUMNS)
    .executeTakeFirst();
  if (!row) throw new DomainError('terminal_exists', { terminalId: input.id });
  const terminal = toTerminal(row);
  const key = await newTerminalKey(trx, by.tenantId, terminal);
  await recordTerminalChange(trx, by, 'created', terminal, { keyId: key.id, revokedKeyIds: [] });
  return { terminal, key };
}

/** The market's terminals (market_not_found for no such market; a market's key: its own only). */
export async function listTerminals(db: Kysely<DB>, caller: Caller, marketId: string): Promise<Terminal[]> {
  await getMarket(db, caller, marketId);
  const rows = await db
    .selectFrom('terminals')
    .select(COLUMNS)
    .where('tenant_id', '=', caller.tenantId)
    .where('market_id', '=', marketId)
    .orderBy('terminal_id')
    .execute();
  return rows.map(toTerminal);
}

/**
 * Deactivates the terminal and revokes its keys in the caller's transaction; the key ids revoked,
 * for the caller to drop from the key cache once this commits. Deactivating it again changes
 * nothing and answers the same.
 */
export async function deactivateTerminal(trx: Transaction<DB>, by: Caller, terminalId: string): Promise<{ terminal: Terminal; revokedKeyIds: string[] }> {
  const row = await trx
    .updateTable('terminals')
    .set({ active: false, deactivated_at: sql`coalesce(deactivated_at, now())` })
    .where('tenant_id', '=', by.tenantId)
    .where('terminal_id', '=', terminalId)
    .returning(COLUMNS)
    .executeTakeFirst();
  if (!row) throw new DomainError('terminal_not_found', { terminalId });
  const terminal = toTerminal(row);
  const revokedKeyIds = await revokeMarketKeys(trx, by.tenantId, { marketId: terminal.marketId, terminalId });
  await recordTerminalChange(trx, by, 'deactivated', terminal, { revokedKeyIds });
  return { terminal, revokedKeyIds };
}

/**
 * A new key for an active terminal; its keys until now are revoked in the same transaction. The
 * terminal row is locked first, so a rotation and a deactivation of the same terminal run one
 * after the other and a deactivated terminal never gets a key (terminal_inactive).
 */
export async function rotateTerminalKey(trx: Transaction<DB>, by: Caller, terminalId: string): Promise<KeyedTerminal & { revokedKeyIds: string[] }> {
  const row = await trx
    .selectFrom('terminals')
    .select(COLUMNS)
    .where('tenant_id', '=', by.tenantId)
    .where('terminal_id', '=', terminalId)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw new DomainError('terminal_not_found', { terminalId });
  if (!row.active) throw new DomainError('terminal_inactive', { terminalId });
  const terminal = toTerminal(row);
  const revokedKeyIds = await revokeMarketKeys(trx, by.tenantId, { marketId: terminal.marketId, terminalId });
  const key = await newTerminalKey(trx, by.tenantId, terminal);
  await recordTerminalChange(trx, by, 'keyRotated', terminal, { keyId: key.id, revokedKeyIds });
  return { terminal, key, revokedKeyIds };
}
