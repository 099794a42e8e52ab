import { z } from 'zod';

// Environment is validated once at start; a bad value stops the process with a clear message.
const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(500).default(20),
  DATA_DIR: z.string().min(1).default('./data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // 8 MiB: a batch of 1000 service records with long descriptions must fit.
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(50 * 1024 * 1024).default(8 * 1024 * 1024),
  // How long a valid API key is trusted without looking it up again (0: look up every request).
  API_KEY_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(5000),
  // Service records of one tenant written at once; posts arriving meanwhile share the next transaction.
  RECORD_GROUPS: z.coerce.number().int().min(1).max(500).default(4),
  // How often the service releases expired holds (milliseconds; 0: never, e.g. when only the CLI sweeps).
  HOLD_SWEEP_MS: z.coerce.number().int().min(0).max(3_600_000).default(5000),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
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
  holdSweepMs: number;
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
    holdSweepMs: e.HOLD_SWEEP_MS,
  };
}
