import crypto from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.js';
import { type BlockHead, canonicalBytes, headHash, leafHash, ZERO_HASH } from './canonical.js';
import { currentSigningKey, lockTenant, Signer } from './keys.js';
import { merkleRoot } from './merkle.js';
import { readEntries, unsealedAge } from './rows.js';

// Sealing: committed entries go into blocks, per tenant, in sequence order, beside the writes and
// never in their transactions.
//
// Which sequence numbers are final? An entry is final once it is visible: entries are never
// changed. A number that is not visible belongs to a transaction still running, or to one that
// rolled back (a gap for ever), and only time tells which. The write path takes an entry's number
// after its first UPDATE (ledger_post_many updates the balances first), so the transaction has an
// id (xid) by then. So a sealing round:
//   1. reads each tenant's sequence (`taken`: every number up to it has been handed out), then
//      takes a transaction id of its own (`mark`, pg_current_xact_id() in a statement of its own,
//      committed at once): ids are handed out in order, so every transaction that holds one of
//      those numbers has an id below it. (Not the snapshot's xmax: that is one past the newest
//      *completed* id, and a running transaction may have an id above it.)
//   2. seals the run of visible entries that follows the last block without a hole, and, once the
//      snapshot's xmin has passed the mark (pg_snapshot_xmin(pg_current_snapshot()) > mark: every
//      such transaction has ended, so what is sealed comes only from transactions older than
//      xmin), seals the holes up to `taken` as gaps too. A transaction that commits late holds
//      back only the entries after its own number and is sealed, once, when it commits; a
//      rollback is a gap as soon as the round after it begins.
// One sealer per tenant at a time, across processes: a transaction-level advisory lock taken
// without waiting (a busy tenant is skipped, the other sealer is on it); and the block table's
// keys and chain trigger refuse a second block for a range in any case.

/** At most this many sequence numbers in a block: a seal transaction stays short, a proof small. */
export const MAX_BLOCK_ENTRIES = 1024;

export interface TenantSeal {
  tenantId: string;
  /** Blocks sealed by this call. */
  blocks: number;
  entries: number;
  gaps: number;
  /** The last sequence number in a block (0: none yet). */
  sealedThrough: string;
  /** Numbers handed out but not sealed yet: a transaction holding one was still open. */
  pending: boolean;
  /** Another process was sealing this tenant. */
  busy: boolean;
}

export interface SealOptions {
  /** Only this tenant (all when null or left out). */
  tenantId?: string | null;
  /** How long to wait for open transactions to end, so their numbers are sealed or become gaps (ms). */
  waitMs?: number;
  /** Called after each block. */
  onBlock?: (tenantId: string, entries: number) => void;
}

interface Horizon {
  tenantId: string;
  taken: bigint;
  sealed: bigint;
}

async function horizons(db: Kysely<DB>, tenantId: string | null): Promise<Horizon[]> {
  // pg_sequences.last_value: the last number handed out (NULL before the first); the sequence of
  // a tenant is ledger_seq_<tenant id> (src/ledger/accounts.ts).
  const r = await sql<{ tenant_id: string; taken: string | null; sealed: string }>`
    SELECT t.tenant_id, s.last_value::text AS taken, coalesce(b.last_seq, 0)::text AS sealed
    FROM tenants t
    LEFT JOIN pg_sequences s ON s.schemaname = current_schema() AND s.sequencename = 'ledger_seq_' || t.tenant_id
    LEFT JOIN LATERAL (SELECT last_seq FROM integrity_blocks b WHERE b.tenant_id = t.tenant_id ORDER BY block_no DESC LIMIT 1) b ON true
    WHERE (${tenantId}::text IS NULL OR t.tenant_id = ${tenantId})
    ORDER BY t.tenant_id`.execute(db);
  return r.rows.map((x) => ({ tenantId: x.tenant_id, taken: BigInt(x.taken ?? '0'), sealed: BigInt(x.sealed) }));
}

/** Per tenant, how long its first committed entry not in a block has waited (seconds; 0: none). */
export async function sealLags(db: Kysely<DB>): Promise<{ tenantId: string; seconds: number }[]> {
  const lags = [];
  for (const h of await horizons(db, null)) lags.push({ tenantId: h.tenantId, seconds: h.taken > h.sealed ? await unsealedAge(db, h.tenantId, h.sealed) : 0 });
  return lags;
}

/** Seals what can be sealed now; with waitMs, waits that long at most for open transactions. */
export async function sealTenants(db: Kysely<DB>, signer: Signer, opts: SealOptions = {}): Promise<TenantSeal[]> {
  const all = await horizons(db, opts.tenantId ?? null);
  // After the sequences' read, in a transaction of its own: an id above that of every
  // transaction that took one of those numbers.
  const mark = (await sql<{ xid: string }>`SELECT pg_current_xact_id()::text AS xid`.execute(db)).rows[0]!.xid;
  const deadline = Date.now() + (opts.waitMs ?? 0);
  const results: TenantSeal[] = [];
  for (const h of all) {
    const result: TenantSeal = { tenantId: h.tenantId, blocks: 0, entries: 0, gaps: 0, sealedThrough: String(h.sealed), pending: false, busy: false };
    results.push(result);
    if (h.taken <= h.sealed) continue;
    for (;;) {
      const step = await sealBlock(db, signer, h.tenantId, h.taken, mark);
      if (step.busy) {
        result.busy = true;
        break;
      }
      result.sealedThrough = String(step.sealedThrough);
      if (step.block) {
        result.blocks++;
        result.entries += step.block.entries;
        result.gaps += step.block.gaps;
        opts.onBlock?.(h.tenantId, step.block.entries);
        if (step.sealedThrough < h.taken) continue;
      }
      if (step.sealedThrough >= h.taken) break;
      // Held back by a transaction still open: wait for it, if the caller would.
      if (Date.now() >= deadline) {
        result.pending = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  return results;
}

interface Step {
  busy: boolean;
  sealedThrough: bigint;
  block: { entries: number; gaps: number } | null;
}

/** One block of one tenant, in its own transaction; none when nothing can be sealed yet. */
async function sealBlock(db: Kysely<DB>, signer: Signer, tenantId: string, taken: bigint, mark: string): Promise<Step> {
  return db.transaction().execute(async (trx): Promise<Step> => {
    if (!(await lockTenant(trx, tenantId, false))) return { busy: true, sealedThrough: 0n, block: null };
    // Before this transaction writes (and so has an id of its own): have all transactions that
    // may hold a number up to `taken` ended?
    const final = (await sql<{ final: boolean }>`SELECT pg_snapshot_xmin(pg_current_snapshot()) > ${mark}::xid8 AS final`.execute(trx)).rows[0]!.final;
    const last = (
      // b.block_no: the number (a bare block_no would order by the text of the same name).
      await sql<{ block_no: string; last_seq: string; hash: string }>`SELECT block_no::text, last_seq::text, hash FROM integrity_blocks b
        WHERE tenant_id = ${tenantId} ORDER BY b.block_no DESC LIMIT 1`.execute(trx)
    ).rows[0];
    const sealed = BigInt(last?.last_seq ?? '0');
    const first = sealed + 1n;
    if (first > taken) return { busy: false, sealedThrough: sealed, block: null };
    // The next entries: a block covers at most MAX_BLOCK_ENTRIES numbers (a statement after
    // `final`: it sees every entry of the transactions that had ended by then).
    const cap = first + BigInt(MAX_BLOCK_ENTRIES) - 1n;
    const upTo = cap < taken ? cap : taken;
    let entries = await readEntries(trx, tenantId, first, upTo);
    let end: bigint;
    if (final) {
      // Every number up to `taken` is visible or a gap for good.
      end = upTo;
    } else {
      // Only the run without a hole: a missing number may yet commit.
      let n = 0;
      while (n < entries.length && BigInt(entries[n]!.seq) === first + BigInt(n)) n++;
      entries = entries.slice(0, n);
      end = first + BigInt(n) - 1n;
    }
    if (end < first) return { busy: false, sealedThrough: sealed, block: null };
    const present = new Set(entries.map((e) => e.seq));
    const gaps: string[] = [];
    for (let s = first; s <= end; s++) if (!present.has(String(s))) gaps.push(String(s));

    const key = await currentSigningKey(trx, signer, tenantId);
    const leaves = entries.map(leafHash);
    const sealedAt = (await sql<{ at: string }>`SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at`.execute(trx))
      .rows[0]!.at;
    const head: BlockHead = {
      v: 1,
      tenantId,
      blockNo: String(BigInt(last?.block_no ?? '0') + 1n),
      firstSeq: String(first),
      lastSeq: String(end),
      entryCount: entries.length,
      root: merkleRoot(leaves).toString('hex'),
      prevHash: last?.hash ?? ZERO_HASH,
      keyId: key.keyId,
      sealedAt,
    };
    const signature = crypto.sign(null, canonicalBytes(head), key.privateKey).toString('base64');
    await sql`INSERT INTO integrity_blocks (tenant_id, block_no, first_seq, last_seq, entry_count, gaps, root, prev_hash, hash, key_id, signature, sealed_at, leaves)
      VALUES (${tenantId}, ${head.blockNo}::bigint, ${head.firstSeq}::bigint, ${head.lastSeq}::bigint, ${head.entryCount}, ${gaps}::bigint[],
              ${head.root}, ${head.prevHash}, ${headHash(head)}, ${head.keyId}, ${signature}, ${sealedAt}::timestamptz, ${Buffer.concat(leaves)})`.execute(trx);
    return { busy: false, sealedThrough: end, block: { entries: entries.length, gaps: gaps.length } };
  });
}
