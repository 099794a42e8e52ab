import { type Kysely, type MigrationResult, Migrator } from 'kysely';
import { migrations } from '../../migrations/index.js';

export function migrator(db: Kysely<any>): Migrator {
  return new Migrator({ db, provider: { getMigrations: async () => migrations } });
}

/** What migrateToLatest reports a step at a time (the CLI's progress bar). */
export interface MigrationProgress {
  setTotal(total: number): void;
  tick(n?: number, step?: string): void;
}

export async function migrateToLatest(db: Kysely<any>, progress?: MigrationProgress): Promise<string[]> {
  if (progress) return migrateStepwise(db, progress);
  const { error, results } = await migrator(db).migrateToLatest();
  throwIfFailed(error, results);
  return (results ?? []).map((r) => r.migrationName);
}

/** One migration at a time, to report each; a failure keeps the ones applied before it. */
async function migrateStepwise(db: Kysely<any>, progress: MigrationProgress): Promise<string[]> {
  const pending = await pendingMigrations(db);
  progress.setTotal(pending.length);
  const applied: string[] = [];
  for (let i = 0; i < pending.length; i++) {
    const { error, results } = await migrator(db).migrateUp();
    throwIfFailed(error, results);
    const names = (results ?? []).map((r) => r.migrationName);
    if (names.length === 0) break; // another process applied the rest meanwhile
    applied.push(...names);
    progress.tick(names.length, names.join(', '));
  }
  return applied;
}

function throwIfFailed(error: unknown, results: MigrationResult[] | undefined): void {
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`migration ${failed ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}

/** Names of known migrations not yet applied (empty when the schema is current). */
export async function pendingMigrations(db: Kysely<any>): Promise<string[]> {
  const all = await migrator(db).getMigrations();
  return all.filter((m) => !m.executedAt).map((m) => m.name);
}
