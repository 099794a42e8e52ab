import crypto from 'node:crypto';
import { z } from 'zod';

// Environment is validated once at start; a bad value stops the process with a clear message.
const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(500).default(10),
  DATA_DIR: z.string().min(1).default('./data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // 8 MiB: a batch of 1000 service records with long descriptions must fit.
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(50 * 1024 * 1024).default(8 * 1024 * 1024),
  // How long a valid API key is trusted without looking it up again (0: look up every request).
  API_KEY_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(5000),
  // Service records of one tenant written at once; posts arriving meanwhile share the next transaction.
  RECORD_GROUPS: z.coerce.number().int().min(1).max(500).default(1),
  SALE_GROUPS: z.coerce.number().int().min(1).max(500).default(2),
  // How long a shared transaction of posts or sales waits for a row lock before each of its writes
  // goes alone (milliseconds): raise it where commits are slow, so groups do not give up behind them.
  GROUP_LOCK_WAIT_MS: z.coerce.number().int().min(1).max(60_000).default(200),
  // How often the service releases expired holds (milliseconds; 0: never, e.g. when only the CLI sweeps).
  HOLD_SWEEP_MS: z.coerce.number().int().min(0).max(3_600_000).default(5000),
  // How often the service looks for lapsed points to expire (积分清零; milliseconds; 0: never, e.g.
  // when only `npm run cli -- expire` does); each look works at most a fifth of it. Points lapse at
  // 00:00 China time; a run expires them as of then.
  EXPIRY_MS: z.coerce.number().int().min(0).max(3_600_000).default(2000),
  // How often the service seals committed entries into signed blocks (milliseconds; 0: never,
  // e.g. when only `npm run cli -- seal` seals).
  SEAL_MS: z.coerce.number().int().min(0).max(3_600_000).default(2000),
  // How often the service gives committed transactions their place in the event feed
  // (milliseconds; 0: never on a timer, each read of the feed still does it).
  FEED_SEQUENCE_MS: z.coerce.number().int().min(0).max(3_600_000).default(200),
  // The secret the tenants' private signing keys are encrypted under. Unset: the first start
  // generates one into DATA_DIR/signing-key-secret. The same on every process of a deployment.
  SIGNING_KEY_SECRET: z.string().regex(/^[\x21-\x7e]{32,200}$/, 'must be 32 to 200 visible ASCII characters').optional(),
  // The address printed on certificates (QR code) for their public check page; unset: the
  // address the request that renders the certificate came to.
  PUBLIC_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  // The public certificate check (GET /certificates/{code}, no key): requests per client address
  // and window before 429.
  PUBLIC_RATE_LIMIT_MAX: z.coerce.number().int().min(1).max(1_000_000).default(30),
  PUBLIC_RATE_LIMIT_WINDOW_MS: z.coerce.number().int().min(1000).max(86_400_000).default(60_000),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  // GET /metrics (Prometheus): off, or on behind a bearer token and/or on a listener of its own.
  METRICS: z.enum(['off', 'on']).default('off'),
  METRICS_TOKEN: z
    .string()
    .regex(/^[\x21-\x7e]{16,256}$/, 'must be 16–256 printable characters without spaces')
    .optional(),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  METRICS_HOST: z.string().min(1).optional(),
  // The operator's credential for /v1/operator (creating tenants and keys). Unset: the service
  // generates one at its first start into DATA_DIR/operator-token and keeps using that file.
  OPERATOR_TOKEN: z.string().regex(/^[\x21-\x7e]{32,200}$/, 'must be 32 to 200 visible ASCII characters').optional(),
  // On a database with no tenant, the first start creates this one and writes its admin key to DATA_DIR.
  BOOTSTRAP: z.enum(['on', 'off']).default('on'),
  BOOTSTRAP_TENANT_ID: z.string().regex(/^[a-z][a-z0-9-]{1,39}$/, 'a lower-case letter, then 1-39 lower-case letters, digits or "-"').default('county'),
  BOOTSTRAP_TENANT_NAME: z.string().trim().min(1).max(200).default('县级新时代文明实践中心'),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  port: number;
  host: string;
  database: DatabaseConfig;
  logLevel: Env['LOG_LEVEL'];
  bodyLimit: number;
  shutdownTimeoutMs: number;
  apiKeyCacheMs: number;
  recordGroups: number;
  saleGroups: number;
  groupLockWaitMs: number;
  holdSweepMs: number;
  expiryMs: number;
  sealMs: number;
  feedSequenceMs: number;
  /** The signing secret (SIGNING_KEY_SECRET, or DATA_DIR/signing-key-secret once the server has
   *  read it); null: none at hand, so this process does not seal. */
  signingKeySecret: string | null;
  /** Where the service keeps its files: the embedded database, and with either engine the
   *  first admin key, the generated operator token and the running service's address. */
  dataDir: string;
  /** SHA-256 (hex) of OPERATOR_TOKEN; null: none set (the service generates one). The token
   *  itself is never kept in the configuration. */
  operatorTokenHash: string | null;
  /** The tenant a first start on an empty database creates; null: BOOTSTRAP=off. */
  bootstrapTenant: { id: string; name: string } | null;
  metrics: MetricsConfig | null; // null: off
  /** PUBLIC_BASE_URL without a trailing slash; null: the request's own address. */
  publicBaseUrl: string | null;
  /** The rate limit of the public certificate check, per client address. */
  publicRateLimit: { max: number; windowMs: number };
}

export interface MetricsConfig {
  /** Scrapers must send Authorization: Bearer <token> (null: no token asked). */
  token: string | null;
  /** A listener of its own for /metrics (the service's port then does not serve it); null: the service's port. */
  listen: { port: number; host: string } | null;
}

export type DatabaseConfig =
  | { engine: 'postgres'; url: string; poolSize: number }
  | { engine: 'pglite'; dataDir: string | null }; // null: in memory (tests)

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings count as unset, as shells and compose files often export them.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  // Metrics on the service's port without a token would show anyone who reaches the API what it
  // does; that must be a choice (a separate port, kept inside), never a default.
  if (e.METRICS === 'on' && e.METRICS_TOKEN === undefined && e.METRICS_PORT === undefined) {
    throw new ConfigError('invalid configuration:\n  METRICS: on needs METRICS_TOKEN (a bearer token) or METRICS_PORT (a listener of its own)');
  }
  return {
    port: e.PORT,
    host: e.HOST,
    database: e.DATABASE_URL
      ? { engine: 'postgres', url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE }
      : { engine: 'pglite', dataDir: e.DATA_DIR },
    logLevel: e.LOG_LEVEL,
    bodyLimit: e.BODY_LIMIT_BYTES,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    apiKeyCacheMs: e.API_KEY_CACHE_MS,
    recordGroups: e.RECORD_GROUPS,
    saleGroups: e.SALE_GROUPS,
    groupLockWaitMs: e.GROUP_LOCK_WAIT_MS,
    holdSweepMs: e.HOLD_SWEEP_MS,
    expiryMs: e.EXPIRY_MS,
    sealMs: e.SEAL_MS,
    feedSequenceMs: e.FEED_SEQUENCE_MS,
    signingKeySecret: e.SIGNING_KEY_SECRET ?? null,
    metrics:
      e.METRICS === 'on'
        ? {
            token: e.METRICS_TOKEN ?? null,
            listen: e.METRICS_PORT === undefined ? null : { port: e.METRICS_PORT, host: e.METRICS_HOST ?? e.HOST },
          }
        : null,
    dataDir: e.DATA_DIR,
    publicBaseUrl: e.PUBLIC_BASE_URL ? e.PUBLIC_BASE_URL.replace(/\/+$/, '') : null,
    publicRateLimit: { max: e.PUBLIC_RATE_LIMIT_MAX, windowMs: e.PUBLIC_RATE_LIMIT_WINDOW_MS },
    operatorTokenHash: e.OPERATOR_TOKEN ? sha256Hex(e.OPERATOR_TOKEN) : null,
    bootstrapTenant: e.BOOTSTRAP === 'on' ? { id: e.BOOTSTRAP_TENANT_ID, name: e.BOOTSTRAP_TENANT_NAME } : null,
  };
}

export function sha256Hex(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex');
}
