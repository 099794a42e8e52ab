import crypto from 'node:crypto';
import { Decimal } from 'decimal.js';
import { openDatabase } from '../src/db/database.js';
import { inTransaction } from '../src/db/transaction.js';
import { post, type PostingInput } from '../src/ledger/post.js';
import { memberHoursAccount, memberPointsAccount } from '../src/ledger/index.js';
import { issuanceAccount } from '../src/ledger/index.js';
import type { PhaseResult } from './client.js';
import type { County } from './seed.js';
import { latency, round, Samples } from './stats.js';

// post-direct: the ledger's write path alone, in this process, no HTTP and no service-record
// rules: N loops, each one `post` of an award-shaped entry (0.10 h and 1 point from a station's
// issuance accounts to a member, as src/hours/plans.ts plans them) in its own transaction, over
// a pool of N connections. Set against `award`, it tells the ledger's cost from the rest.

const HOURS = new Decimal('0.10');
const POINTS = new Decimal('1.00');

function awardPostings(station: string, member: string): PostingInput[] {
  return [
    { accountId: issuanceAccount(station, 'hours'), unit: 'HOURS', amount: HOURS.neg() },
    { accountId: memberHoursAccount(member), unit: 'HOURS', amount: HOURS },
    { accountId: issuanceAccount(station, 'points'), unit: 'POINTS', amount: POINTS.neg() },
    { accountId: memberPointsAccount(member), unit: 'POINTS', amount: POINTS },
  ];
}

export async function postDirect(
  url: string,
  county: County,
  opts: { connections: number; duration: number; warmup: number },
): Promise<{ warmup: PhaseResult | null; measured: PhaseResult }> {
  const database = await openDatabase({ engine: 'postgres', url, poolSize: opts.connections });
  try {
    const phase = async (seconds: number): Promise<PhaseResult> => {
      const lat = new Samples();
      const failures: string[] = [];
      let errors = 0;
      const start = Date.now();
      const end = start + seconds * 1000;
      const loop = async () => {
        while (Date.now() < end) {
          const station = county.stations[crypto.randomInt(county.stations.length)]!;
          const member = county.members[crypto.randomInt(county.members.length)]!;
          const t0 = performance.now();
          try {
            await inTransaction(database.db, (trx) =>
              post(trx, {
                tenantId: county.tenantId,
                kind: 'award',
                reason: 'bench post-direct: 0.10 h × 10 = 1.00 (rule v1)',
                objectType: 'bench_direct',
                ruleVersion: 1,
                metadata: { hours: '0.10', points: '1.00' },
                postings: awardPostings(station, member),
              }),
            );
            lat.push(performance.now() - t0);
          } catch (err) {
            errors++;
            if (failures.length < 5) failures.push(err instanceof Error ? err.message : String(err));
          }
        }
      };
      await Promise.all(Array.from({ length: opts.connections }, loop));
      const finished = Date.now();
      const duration = (finished - start) / 1000;
      return {
        started_at: new Date(start).toISOString(),
        finished_at: new Date(finished).toISOString(),
        duration_s: round(duration),
        responses: lat.length + errors,
        ok: lat.length,
        non2xx: 0,
        errors,
        timeouts: 0,
        status_codes: {},
        requests_per_s: round(lat.length / duration, 1),
        records: lat.length,
        records_per_s: round(lat.length / duration, 1),
        refused_items: 0,
        not_verified: 0,
        failures,
        ...latency(lat.values()),
      };
    };
    const warmup = opts.warmup > 0 ? await phase(opts.warmup) : null;
    return { warmup, measured: await phase(opts.duration) };
  } finally {
    await database.close();
  }
}
