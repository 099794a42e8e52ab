import crypto from 'node:crypto';
import type { Caller } from './caller.js';

/**
 * Callers resolved from API keys, kept for a short time so that a request does not pay a database
 * round trip to look its key up again. Only keys that were found valid are kept: an unknown key
 * is looked up every time, so a key created a moment ago works at once.
 *
 * A key revoked through this process is forgotten at once. Another process serving the same
 * database may accept the revoked key for at most `ttlMs` (API_KEY_CACHE_MS) more; 0 turns the
 * cache off for deployments that want revocation to be instant everywhere.
 */
export class KeyCache {
  private readonly entries = new Map<string, { caller: Caller; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  // The map is keyed by a hash of the whole token, so the secret is not held in memory as given.
  private static id(token: string): string {
    return crypto.createHash('sha256').update(token).digest('base64url');
  }

  get(token: string): Caller | null {
    if (this.ttlMs === 0) return null;
    const id = KeyCache.id(token);
    const entry = this.entries.get(id);
    if (!entry) return null;
    if (entry.expiresAt <= Date.now()) {
      this.entries.delete(id);
      return null;
    }
    return entry.caller;
  }

  set(token: string, caller: Caller): void {
    if (this.ttlMs === 0) return;
    // Maps iterate in insertion order: drop the oldest entry when full.
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(KeyCache.id(token), { caller, expiresAt: Date.now() + this.ttlMs });
  }

  /** A key was revoked: it must stop working here now. */
  forget(tenantId: string, keyId: string): void {
    for (const [id, entry] of this.entries) {
      if (entry.caller.tenantId === tenantId && entry.caller.keyId === keyId) this.entries.delete(id);
    }
  }
}
