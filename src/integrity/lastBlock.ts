import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.js';

/** A tenant's last sealed block: what a report read "as of" names, so its figures can be checked. */
export interface SealedHead {
  blockNo: number;
  /** Every entry with a sequence number up to this one is sealed (in this block or before). */
  lastSeq: string;
  hash: string;
  sealedAt: string;
}

export async function lastSealedBlock(db: Kysely<DB>, tenantId: string): Promise<SealedHead | null> {
  const { rows } = await sql<{ block_no: string; last_seq: string; hash: string; sealed_at: Date }>`
    SELECT block_no::text, last_seq::text, hash, sealed_at FROM integrity_blocks
    WHERE tenant_id = ${tenantId} ORDER BY block_no DESC LIMIT 1`.execute(db);
  const row = rows[0];
  return row ? { blockNo: Number(row.block_no), lastSeq: row.last_seq, hash: row.hash, sealedAt: new Date(row.sealed_at).toISOString() } : null;
}
