import { expireLots } from '../ledger/index.js';
import { expireBaskets } from '../markets/baskets.js';
import { type Command, EXIT, out, tenantIdOption, timeOption, withDatabase } from './runtime.js';

// The service's own background work, run on demand: each is safe beside running services.
export const JOB_COMMANDS: Command[] = [
  {
    name: 'holds expire',
    args: '[--tenant <id>]',
    summary: 'release every hold past its expiry, and the stock of its basket (safe beside running services: each expires once)',
    details: 'The service does this on its own every HOLD_SWEEP_MS. Prints {"expired": holds, "baskets": baskets released}.',
    options: { tenant: { type: 'string' } },
    async run(v) {
      const tenantId = v.tenant === undefined ? null : tenantIdOption(v.tenant);
      const { holds, baskets } = await withDatabase({ migrate: true }, (db) => expireBaskets(db, { tenantId, actor: 'cli' }));
      out({ expired: holds, baskets });
      return EXIT.ok;
    },
  },
  {
    name: 'expire',
    args: '[--tenant <id>] [--until <time>]',
    summary: 'expire lapsed points (积分清零): one expiry entry per member and expiry date (safe beside running services: each lot expires once)',
    details:
      'The service does this on its own every EXPIRY_MS. --until: expire what had lapsed by then (RFC 3339 with an offset,\n' +
      'e.g. 2028-01-01T00:00:00+08:00; default now, never later than now). Prints {"accounts", "entries", "points"}.',
    options: { tenant: { type: 'string' }, until: { type: 'string' } },
    async run(v) {
      const tenantId = v.tenant === undefined ? null : tenantIdOption(v.tenant);
      const text = timeOption('until', v.until, '2028-01-01T00:00:00+08:00');
      const until = text === null ? null : new Date(text);
      const run = await withDatabase({ migrate: true }, (db) => expireLots(db, { tenantId, until, actor: 'cli' }));
      out(run);
      return EXIT.ok;
    },
  },
];
