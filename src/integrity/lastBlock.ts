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

// b.block_no: the number; a bare block_no would order by the text of the same name (block 99 after 977).
export async function lastSealedBlock(db: Kysely<DB>, tenantId: string): Promise<SealedHead | null> {
  const { rows } = await sql<{ block_no: string; last_seq: string; hash: string; sealed_at: Date }>`
    SELECT b.block_no::text, b.last_seq::text, b.hash, b.sealed_at FROM integrity_blocks b
    WHERE b.tenant_id = ${tenantId} ORDER BY b.block_no DESC LIMIT 1`.execute(db);
  const row = rows[0];
  return row ? { blockNo: Number(row.block_no), lastSeq: row.last_seq, hash: row.hash, sealedAt: new Date(row.sealed_at).toISOString() } : null;
}
