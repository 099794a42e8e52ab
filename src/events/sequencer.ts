import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { DB } from '../db/schema.js';
import { customPlans } from '../db/transaction.js';

// The feed's order: commit order, written down (README "Event feed", migration 0010).
//
// PostgreSQL 15 records no commit order. What a transaction can see is which transactions have
// committed (their rows are visible) and, in its snapshot, below which id every transaction has
// ended (xmin). So a sequencer step, for one tenant, in a short transaction of its own:
//   1. takes the tenant's feed lock (one step of a tenant at a time, across processes);
//   2. reads the horizon H stored by the last step and this snapshot's frontier F (every
//      transaction below F has ended, before the next statement's snapshot is taken);
//   3. gives every transaction with rows of the feed at or above H that is visible now (committed)
//      and has no position yet the next positions, in transaction id order among themselves;
//   4. stores F as the horizon: every transaction below it had ended before step 3's snapshot,
//      so every committed one below it now has its position and the next step need not look there.
// A transaction is given a position only once it has committed, by one step at a time, in the
// step's own transaction: positions are handed out in the order commits became visible to the
// sequencer (to within one step), a reader sees them as a prefix (position N + 1 only with N:
// step k + 1 began after step k committed), and a rolled-back transaction is never given one.
// A transaction open for long holds nothing back: the ones that commit meanwhile are positioned.

/** pg_advisory_xact_lock(class, key): the seal lock is 22022 (src/integrity/keys.ts). */
const FEED_LOCK_CLASS = 22023;

/** The transaction ids of the tenant's rows of the feed's sources at or above the horizon. */
const candidates = (tenant: RawBuilder<string>, horizon: RawBuilder<string>, union: 'UNION' | 'UNION ALL') => {
  return sql.join(
    [
      sql`SELECT tx_id FROM ledger_entries WHERE tenant_id = ${tenant} AND tx_id >= ${horizon}::xid8`,
      sql`SELECT tx_id FROM ledger_hold_events WHERE tenant_id = ${tenant} AND tx_id >= ${horizon}::xid8`,
      sql`SELECT tx_id FROM service_record_events WHERE tenant_id = ${tenant} AND tx_id >= ${horizon}::xid8`,
      sql`SELECT tx_id FROM config_changes WHERE tenant_id = ${tenant} AND tx_id >= ${horizon}::xid8`,
      sql`SELECT tx_id FROM stock_movements WHERE tenant_id = ${tenant} AND tx_id >= ${horizon}::xid8`,
    ],
    sql.raw(` ${union} `),
  );
};

export interface SequenceStep {
  /** Another process was sequencing this tenant (only when not waiting for it). */
  busy: boolean;
  /** Transactions given a position by this step. */
  sequenced: number;
}

/**
 * One sequencer step for a tenant. `wait`: wait for a step of another process to end, then take
 * one's own (a feed read does, so that it sees every transaction committed before it began);
 * else a busy tenant is skipped (the timer: the other process is on it).
 */
export async function sequenceTenant(db: Kysely<DB>, tenantId: string, wait: boolean): Promise<SequenceStep> {
  return db.transaction().execute(async (trx): Promise<SequenceStep> => {
    // The step's statements are planned for their values (customPlans, in the lock's statement). The
    // horizon is a bound near the newest transaction ids; generically planned at a third of the
    // table, every step read ledger_hold_events (8,000-9,000 rows) and feed_transactions whole. A
    // plan for the value itself reads the index from the horizon on (test/feed-plans.test.ts).
    if (wait) {
      await sql`SELECT pg_advisory_xact_lock(${FEED_LOCK_CLASS}, hashtext(${tenantId})), ${customPlans}`.execute(trx);
    } else {
      const r = await sql<{ ok: boolean }>`SELECT pg_try_advisory_xact_lock(${FEED_LOCK_CLASS}, hashtext(${tenantId})) AS ok, ${customPlans}`.execute(trx);
      if (!r.rows[0]!.ok) return { busy: true, sequenced: 0 };
    }
    // A statement after the lock's: it sees the positions of the step before. The frontier is
    // this snapshot's xmin, leaving out transactions seen running in another database of the
    // server (a transaction never moves to another database, so they write nothing here, and a
    // long one elsewhere does not make every step read further back); anything not known to be
    // elsewhere counts. This transaction has no id of its own yet, so it is not among them.
    const { rows } = await sql<{ frontier: string; horizon: string; last: string }>`SELECT
        coalesce((SELECT min(x) FROM pg_snapshot_xip(q.s) AS x
          WHERE xid(x) NOT IN (SELECT a.backend_xid FROM pg_stat_activity a
                               WHERE a.datname <> current_database() AND a.backend_xid IS NOT NULL)),
          pg_snapshot_xmax(q.s))::text AS frontier,
        coalesce((SELECT horizon FROM feed_horizons WHERE tenant_id = ${tenantId}), '0')::text AS horizon,
        coalesce((SELECT max(position) FROM feed_transactions WHERE tenant_id = ${tenantId}), 0)::text AS last
      FROM (SELECT pg_current_snapshot() AS s) q`.execute(trx);
    const { frontier, horizon, last } = rows[0]!;
    // A later statement, so a later snapshot: every transaction below the frontier has ended by
    // now and each committed one is seen. Rows written before migration 0009 have transaction id
    // 0 and so come first. The positions looked up are bounded by the horizon too (every
    // candidate is at or above it, so it changes nothing): unbounded, the planner hashed the
    // tenant's whole feed_transactions whenever its statistics expected a few thousand candidates,
    // every step, spilling to disk (a quarter of the database's time under the bench's sales).
    const step = await sql<{ scanned: number; sequenced: number }>`WITH c AS (${candidates(sql.val(tenantId), sql.val(horizon), 'UNION')}),
        fresh AS (SELECT c.tx_id FROM c
          WHERE NOT EXISTS (SELECT 1 FROM feed_transactions f
            WHERE f.tenant_id = ${tenantId} AND f.tx_id = c.tx_id AND f.tx_id >= ${horizon}::xid8)),
        ins AS (INSERT INTO feed_transactions (tenant_id, position, tx_id)
          SELECT ${tenantId}, ${last}::bigint + row_number() OVER (ORDER BY fresh.tx_id), fresh.tx_id FROM fresh
          RETURNING 1)
      SELECT (SELECT count(*) FROM c)::int AS scanned, (SELECT count(*) FROM ins)::int AS sequenced`.execute(trx);
    const { scanned, sequenced } = step.rows[0]!;
    // Move the horizon only when there was something behind it to read again: a quiet tenant's
    // step writes nothing.
    if (Number(scanned) > 0 && BigInt(frontier) > BigInt(horizon)) {
      await sql`INSERT INTO feed_horizons (tenant_id, horizon) VALUES (${tenantId}, ${frontier}::xid8)
        ON CONFLICT (tenant_id) DO UPDATE SET horizon = excluded.horizon WHERE feed_horizons.horizon < excluded.horizon`.execute(trx);
    }
    return { busy: false, sequenced: Number(sequenced) };
  });
}

/**
 * One step for every tenant that has rows of the feed at or above its horizon (a quiet tenant's
 * horizon passes its last row at its next step, and it costs nothing from then on), skipping
 * those another process is sequencing.
 */
export async function sequenceTenants(db: Kysely<DB>): Promise<void> {
  const { rows } = await sql<{ tenant_id: string }>`SELECT t.tenant_id FROM tenants t
    LEFT JOIN feed_horizons h ON h.tenant_id = t.tenant_id
    WHERE EXISTS (${candidates(sql`t.tenant_id`, sql`coalesce(h.horizon, '0')`, 'UNION ALL')})
    ORDER BY t.tenant_id`.execute(db);
  for (const { tenant_id } of rows) await sequenceTenant(db, tenant_id, false);
}
