import { type Kysely, sql } from 'kysely';

// Frozen: a later change is a new migration, never an edit here.
// Org units, members and cards, points rules, service records, star ratings.

export async function up(db: Kysely<any>): Promise<void> {
  const statements = [
    // Tenant-wide settings. Star thresholds are cumulative verified hours for 1..5 stars.
    sql`ALTER TABLE tenants ADD COLUMN auto_verify boolean NOT NULL DEFAULT false`,
    sql`ALTER TABLE tenants ADD COLUMN star_thresholds numeric(10, 2)[] NOT NULL DEFAULT '{100,300,600,1000,1500}'`,
    // The key of the keyed hash of national ID numbers: random per tenant, made by the database
    // (gen_random_uuid is a strong random source; two of them give 244 random bits).
    sql`ALTER TABLE tenants ADD COLUMN id_number_key text NOT NULL
      DEFAULT encode(sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text, 'UTF8')), 'hex')`,

    // center → institute → station → point. path is the chain of ids from the root ('/c/i/s/'),
    // so "this unit and everything under it" is one prefix match.
    sql`CREATE TABLE org_units (
      tenant_id text NOT NULL REFERENCES tenants (tenant_id),
      org_unit_id text NOT NULL CHECK (org_unit_id ~ '^[a-z0-9][a-z0-9-]{0,39}$'),
      kind text NOT NULL CHECK (kind IN ('center', 'institute', 'station', 'point')),
      parent_id text,
      path text NOT NULL,
      name text NOT NULL,
      active boolean NOT NULL DEFAULT true,
      auto_verify boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL DEFAULT now(),
      deactivated_at timestamptz,
      PRIMARY KEY (tenant_id, org_unit_id),
      FOREIGN KEY (tenant_id, parent_id) REFERENCES org_units (tenant_id, org_unit_id),
      CHECK ((kind = 'center') = (parent_id IS NULL))
    )`,
    sql`CREATE INDEX org_units_path ON org_units (tenant_id, path text_pattern_ops)`,

    // A station key acts for one org unit and everything under it; NULL means the whole tenant.
    sql`ALTER TABLE api_keys ADD COLUMN org_unit_id text`,
    sql`ALTER TABLE api_keys ADD FOREIGN KEY (tenant_id, org_unit_id) REFERENCES org_units (tenant_id, org_unit_id)`,

    sql`CREATE TABLE members (
      tenant_id text NOT NULL REFERENCES tenants (tenant_id),
      member_id uuid NOT NULL,
      name text NOT NULL,
      id_number_hash text NOT NULL,
      id_number_masked text NOT NULL,
      phone text NOT NULL,
      home_org_unit_id text NOT NULL,
      active boolean NOT NULL DEFAULT true,
      stars smallint NOT NULL DEFAULT 0 CHECK (stars BETWEEN 0 AND 5),
      created_at timestamptz NOT NULL DEFAULT now(),
      deactivated_at timestamptz,
      PRIMARY KEY (tenant_id, member_id),
      UNIQUE (tenant_id, id_number_hash),
      FOREIGN KEY (tenant_id, home_org_unit_id) REFERENCES org_units (tenant_id, org_unit_id)
    )`,

    sql`CREATE TABLE member_cards (
      tenant_id text NOT NULL,
      card_no text NOT NULL,
      member_id uuid NOT NULL,
      blocked_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, card_no),
      FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, member_id)
    )`,
    sql`CREATE INDEX member_cards_member ON member_cards (tenant_id, member_id)`,

    // Every change of a member's stars, with its cause.
    sql`CREATE TABLE star_changes (
      tenant_id text NOT NULL,
      member_id uuid NOT NULL,
      change_id uuid NOT NULL DEFAULT gen_random_uuid(),
      from_stars smallint NOT NULL,
      to_stars smallint NOT NULL,
      hours numeric(20, 2) NOT NULL,
      cause text NOT NULL,
      record_id uuid,
      entry_id uuid,
      changed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      PRIMARY KEY (tenant_id, change_id),
      FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, member_id)
    )`,
    sql`CREATE INDEX star_changes_member ON star_changes (tenant_id, member_id, changed_at DESC)`,

    // Versioned points rules. An award records the version it used; a new version applies only
    // from its effective time on, so it never changes a past award.
    sql`CREATE TABLE points_rules (
      tenant_id text NOT NULL REFERENCES tenants (tenant_id),
      version integer NOT NULL CHECK (version > 0),
      effective_from timestamptz NOT NULL,
      points_per_hour numeric(10, 2) NOT NULL CHECK (points_per_hour >= 0),
      category_multipliers jsonb NOT NULL DEFAULT '{}',
      rating_bonus jsonb NOT NULL DEFAULT '{}',
      daily_cap_hours numeric(5, 2) NOT NULL CHECK (daily_cap_hours > 0 AND daily_cap_hours <= 24),
      backdating_days integer NOT NULL CHECK (backdating_days >= 0),
      point_sources text[] NOT NULL DEFAULT '{checkin,manual}',
      created_at timestamptz NOT NULL DEFAULT now(),
      created_by text,
      PRIMARY KEY (tenant_id, version)
    )`,
    sql`CREATE INDEX points_rules_effective ON points_rules (tenant_id, effective_from DESC, version DESC)`,
    // Every existing tenant starts with the default rule.
    sql`INSERT INTO points_rules (tenant_id, version, effective_from, points_per_hour, daily_cap_hours, backdating_days)
      SELECT tenant_id, 1, created_at, 10, 12, 30 FROM tenants`,

    sql`CREATE TABLE service_records (
      tenant_id text NOT NULL,
      record_id uuid NOT NULL,
      external_id text NOT NULL,
      member_id uuid NOT NULL,
      org_unit_id text NOT NULL,
      category text NOT NULL,
      title text NOT NULL,
      source text NOT NULL CHECK (source IN ('checkin', 'manual')),
      place text,
      beneficiary text,
      content text,
      lead_name text,
      recorder text,
      reference text,
      started_at timestamptz NOT NULL,
      ended_at timestamptz NOT NULL,
      hours numeric(10, 2) NOT NULL CHECK (hours > 0),
      status text NOT NULL CHECK (status IN ('submitted', 'verified', 'rejected', 'revoked')),
      reject_reason text,
      award_entry_id uuid,
      rule_version integer,
      points numeric(20, 2),
      explanation text,
      rating smallint CHECK (rating BETWEEN 1 AND 5),
      rating_comment text,
      rated_at timestamptz,
      bonus_entry_id uuid,
      bonus_points numeric(20, 2),
      submitted_by text,
      submitted_at timestamptz NOT NULL DEFAULT now(),
      verified_by text,
      verified_at timestamptz,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, record_id),
      UNIQUE (tenant_id, external_id),
      FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, member_id),
      FOREIGN KEY (tenant_id, org_unit_id) REFERENCES org_units (tenant_id, org_unit_id),
      FOREIGN KEY (tenant_id, award_entry_id) REFERENCES ledger_entries (tenant_id, entry_id),
      FOREIGN KEY (tenant_id, bonus_entry_id) REFERENCES ledger_entries (tenant_id, entry_id),
      CHECK (ended_at > started_at)
    )`,
    sql`CREATE INDEX service_records_member ON service_records (tenant_id, member_id, started_at)`,
    sql`CREATE INDEX service_records_org_unit ON service_records (tenant_id, org_unit_id, started_at)`,
    sql`CREATE INDEX service_records_started ON service_records (tenant_id, started_at DESC, record_id DESC)`,

    // The full history of a record: what happened, when, by whom, and the entries it posted.
    sql`CREATE TABLE service_record_events (
      tenant_id text NOT NULL,
      record_id uuid NOT NULL,
      event_no integer NOT NULL,
      type text NOT NULL,
      at timestamptz NOT NULL DEFAULT clock_timestamp(),
      actor text,
      reason text,
      detail jsonb NOT NULL DEFAULT '{}',
      PRIMARY KEY (tenant_id, record_id, event_no),
      FOREIGN KEY (tenant_id, record_id) REFERENCES service_records (tenant_id, record_id)
    )`,
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['service_record_events', 'service_records', 'points_rules', 'star_changes', 'member_cards', 'members']) {
    await sql`DROP TABLE IF EXISTS ${sql.table(table)} CASCADE`.execute(db);
  }
  await sql`ALTER TABLE api_keys DROP COLUMN IF EXISTS org_unit_id`.execute(db);
  await sql`DROP TABLE IF EXISTS org_units CASCADE`.execute(db);
  for (const column of ['auto_verify', 'star_thresholds', 'id_number_key']) {
    await sql`ALTER TABLE tenants DROP COLUMN IF EXISTS ${sql.ref(column)}`.execute(db);
  }
}
