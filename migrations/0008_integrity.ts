import { type Kysely, sql } from 'kysely';

// Frozen: a later change is a new migration, never an edit here.
// One statement per sql`` call: PGlite prepares each call as a single statement.
//
// Sealing, proofs and signatures (issue 22, DESIGN §3): the tables of src/integrity.
//  - integrity_signing_keys: each tenant's Ed25519 keys. The private key is kept only encrypted
//    (AES-256-GCM under a key derived from SIGNING_KEY_SECRET or DATA_DIR/signing-key-secret); the
//    public key is published with its validity. A key is never deleted or changed: it is retired
//    once (valid_until set) when the next one takes over.
//  - integrity_blocks: append-only. A block covers a contiguous range of the tenant's sequence
//    numbers; block n+1 starts where block n ended and names its hash. The insert trigger refuses
//    a block that does not continue the chain, so two sealers can never both seal a range, even if
//    the lock that keeps them apart failed.

export async function up(db: Kysely<any>): Promise<void> {
  const statements = [
    sql`CREATE TABLE integrity_signing_keys (
      tenant_id text NOT NULL REFERENCES tenants (tenant_id),
      key_id text NOT NULL,
      algorithm text NOT NULL DEFAULT 'Ed25519' CHECK (algorithm = 'Ed25519'),
      public_key text NOT NULL,
      private_key_sealed text NOT NULL,
      valid_from timestamptz NOT NULL,
      valid_until timestamptz,
      PRIMARY KEY (tenant_id, key_id),
      CHECK (valid_until IS NULL OR valid_until >= valid_from)
    )`,
    // One current key per tenant.
    sql`CREATE UNIQUE INDEX integrity_signing_keys_current ON integrity_signing_keys (tenant_id) WHERE valid_until IS NULL`,
    sql`CREATE FUNCTION integrity_key_retire_once() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'UPDATE' AND OLD.valid_until IS NULL AND NEW.valid_until IS NOT NULL
           AND (NEW.tenant_id, NEW.key_id, NEW.algorithm, NEW.public_key, NEW.private_key_sealed, NEW.valid_from)
               IS NOT DISTINCT FROM (OLD.tenant_id, OLD.key_id, OLD.algorithm, OLD.public_key, OLD.private_key_sealed, OLD.valid_from) THEN
          RETURN NEW;
        END IF;
        RAISE EXCEPTION '% on % is not allowed: a signing key is kept, and only retired, once', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'LE000';
      END
    $$`,
    sql`CREATE TRIGGER integrity_signing_keys_retire_once BEFORE UPDATE OR DELETE ON integrity_signing_keys
      FOR EACH ROW EXECUTE FUNCTION integrity_key_retire_once()`,
    sql`CREATE TRIGGER integrity_signing_keys_no_truncate BEFORE TRUNCATE ON integrity_signing_keys
      FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change()`,

    // leaves: the block's leaf hashes (32 bytes each, in sequence order), so that verify can name
    // the one entry whose hash changed and a proof or an export need not re-hash the whole block.
    // They are checked against the signed root before they are trusted.
    sql`CREATE TABLE integrity_blocks (
      tenant_id text NOT NULL REFERENCES tenants (tenant_id),
      block_no bigint NOT NULL CHECK (block_no >= 1),
      first_seq bigint NOT NULL,
      last_seq bigint NOT NULL,
      entry_count integer NOT NULL CHECK (entry_count >= 0),
      gaps bigint[] NOT NULL DEFAULT '{}',
      root text NOT NULL,
      prev_hash text NOT NULL,
      hash text NOT NULL,
      key_id text NOT NULL,
      signature text NOT NULL,
      sealed_at timestamptz NOT NULL,
      leaves bytea NOT NULL,
      PRIMARY KEY (tenant_id, block_no),
      UNIQUE (tenant_id, first_seq),
      UNIQUE (tenant_id, last_seq),
      FOREIGN KEY (tenant_id, key_id) REFERENCES integrity_signing_keys (tenant_id, key_id),
      CHECK (first_seq <= last_seq AND entry_count + cardinality(gaps) = last_seq - first_seq + 1
             AND length(leaves) = 32 * entry_count)
    )`,
    sql`CREATE FUNCTION integrity_block_continues_chain() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.block_no = 1 THEN
          IF NEW.first_seq <> 1 OR NEW.prev_hash <> repeat('0', 64) THEN
            RAISE EXCEPTION 'block 1 of % must start at sequence 1 with a zero previous hash', NEW.tenant_id USING ERRCODE = 'LE000';
          END IF;
        ELSIF NOT EXISTS (SELECT 1 FROM integrity_blocks b
                          WHERE b.tenant_id = NEW.tenant_id AND b.block_no = NEW.block_no - 1
                            AND b.last_seq = NEW.first_seq - 1 AND b.hash = NEW.prev_hash) THEN
          RAISE EXCEPTION 'block % of % does not continue the chain', NEW.block_no, NEW.tenant_id USING ERRCODE = 'LE000';
        END IF;
        RETURN NEW;
      END
    $$`,
    sql`CREATE TRIGGER integrity_blocks_chain BEFORE INSERT ON integrity_blocks
      FOR EACH ROW EXECUTE FUNCTION integrity_block_continues_chain()`,
    sql`CREATE TRIGGER integrity_blocks_append_only BEFORE UPDATE OR DELETE ON integrity_blocks
      FOR EACH ROW EXECUTE FUNCTION ledger_reject_change()`,
    sql`CREATE TRIGGER integrity_blocks_no_truncate BEFORE TRUNCATE ON integrity_blocks
      FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change()`,
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS integrity_blocks`.execute(db);
  await sql`DROP TABLE IF EXISTS integrity_signing_keys`.execute(db);
  await sql`DROP FUNCTION IF EXISTS integrity_block_continues_chain`.execute(db);
  await sql`DROP FUNCTION IF EXISTS integrity_key_retire_once`.execute(db);
}
