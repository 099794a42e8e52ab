import { type Kysely, sql } from 'kysely';

// Frozen: a later change is a new migration, never an edit here.
// One statement per sql`` call: PGlite prepares each call as a single statement.
//
// A service record's member, org unit and entries exist, and a record's event names a record
// that exists: the same guards, checked once per statement instead of once per row (issue 17:
// the award's database CPU). The foreign keys from service_records to members, org_units and
// ledger_entries (award and bonus) and from service_record_events to service_records ran one
// query per row: five for each award (its record's member, org unit and award entry, and its two
// events' record). Counted by bench/awardcost.ts (the service's own statements for 2,000 awards,
// replayed under callgrind on the schema as of 0023): 3.70 M instructions an award with those
// foreign keys, 3.56 M with these triggers in their place, 3.47 M with neither.
//
// What the foreign keys guarded, and what guards it now:
//  - a record or an event inserted or updated to name a row that does not exist: these statement
//    triggers, after every INSERT or UPDATE, look up each distinct key the statement's rows name
//    (once per key) and refuse the statement with the foreign key's own SQLSTATE (23503);
//  - a member, an org unit or a service record deleted, re-keyed or truncated under the rows that
//    name it: refused by the BEFORE triggers below (the service never deletes them: a unit is
//    deactivated, a record rejected, and both keep their history); an entry was already
//    append-only (0001).
// The award writer inserts a group's records and their events in one statement; AFTER statement
// triggers see the whole statement's rows, as the foreign keys' checks did.

const lookup = (table: string, key: string) =>
  `LEFT JOIN LATERAL (SELECT true AS found FROM ${table} p WHERE p.tenant_id = x.tenant_id AND p.${key} = x.id LIMIT 1) f ON true WHERE f.found IS NULL`;

// The foreign keys replaced: the table, its column, the table it names and that table's key.
const FOREIGN_KEYS = [
  ['service_records', 'member_id', 'members', 'member_id'],
  ['service_records', 'org_unit_id', 'org_units', 'org_unit_id'],
  ['service_records', 'award_entry_id', 'ledger_entries', 'entry_id'],
  ['service_records', 'bonus_entry_id', 'ledger_entries', 'entry_id'],
  ['service_record_events', 'record_id', 'service_records', 'record_id'],
] as const;

// The rows they named, kept: their key, and who names them (in the refusal's message).
const PARENTS = [
  { table: 'members', key: 'member_id', by: 'service records' },
  { table: 'org_units', key: 'org_unit_id', by: 'service records' },
  { table: 'service_records', key: 'record_id', by: 'service record events' },
];

// An INSERT and an UPDATE each need a trigger of their own: a trigger with transition tables
// fires on one event only.
const EVENTS = ['insert', 'update'] as const;
const afterWrites = (table: string, name: string, rows: string, fn: string) =>
  EVENTS.map((event) => sql.raw(`CREATE TRIGGER ${table}_${name}_${event} AFTER ${event.toUpperCase()} ON ${table}
    REFERENCING NEW TABLE AS ${rows} FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`));
const dropAfterWrites = (table: string, name: string) => EVENTS.map((event) => sql.raw(`DROP TRIGGER ${table}_${name}_${event} ON ${table}`));

export async function up(db: Kysely<any>): Promise<void> {
  const statements = [
    // Each key once, looked up by its key (LIMIT 1 keeps the planner from a hash join of the
    // transition table, of unknown size to it, against the whole parent table).
    sql`CREATE FUNCTION service_records_references_check() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      v_missing record;
    BEGIN
      SELECT m.tbl, m.cols, m.tenant_id, m.id INTO v_missing FROM (
        (SELECT 'members' AS tbl, 'member_id' AS cols, x.tenant_id, x.id::text AS id
          FROM (SELECT DISTINCT r.tenant_id, r.member_id AS id FROM new_records r) x ${sql.raw(lookup('members', 'member_id'))} LIMIT 1)
        UNION ALL
        (SELECT 'org_units', 'org_unit_id', x.tenant_id, x.id
          FROM (SELECT DISTINCT r.tenant_id, r.org_unit_id AS id FROM new_records r) x ${sql.raw(lookup('org_units', 'org_unit_id'))} LIMIT 1)
        UNION ALL
        (SELECT 'ledger_entries', 'entry_id', x.tenant_id, x.id::text
          FROM (SELECT r.tenant_id, r.award_entry_id AS id FROM new_records r WHERE r.award_entry_id IS NOT NULL
                UNION SELECT r.tenant_id, r.bonus_entry_id FROM new_records r WHERE r.bonus_entry_id IS NOT NULL) x
          ${sql.raw(lookup('ledger_entries', 'entry_id'))} LIMIT 1)
      ) m
      LIMIT 1;
      IF FOUND THEN
        RAISE EXCEPTION 'a service record names % %, which does not exist', v_missing.cols, v_missing.id
          USING ERRCODE = '23503', TABLE = 'service_records',
            DETAIL = format('Key (tenant_id, %s)=(%s, %s) is not present in table "%s".', v_missing.cols, v_missing.tenant_id, v_missing.id, v_missing.tbl);
      END IF;
      RETURN NULL;
    END
    $$`,
    ...afterWrites('service_records', 'references', 'new_records', 'service_records_references_check'),
    sql`CREATE FUNCTION service_record_events_record_check() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      v_missing record;
    BEGIN
      SELECT x.tenant_id, x.id INTO v_missing
      FROM (SELECT DISTINCT e.tenant_id, e.record_id AS id FROM new_events e) x ${sql.raw(lookup('service_records', 'record_id'))}
      LIMIT 1;
      IF FOUND THEN
        RAISE EXCEPTION 'a service record event names record %, which does not exist', v_missing.id
          USING ERRCODE = '23503', TABLE = 'service_record_events',
            DETAIL = format('Key (tenant_id, record_id)=(%s, %s) is not present in table "service_records".', v_missing.tenant_id, v_missing.id);
      END IF;
      RETURN NULL;
    END
    $$`,
    ...afterWrites('service_record_events', 'record', 'new_events', 'service_record_events_record_check'),
    sql`CREATE FUNCTION reject_referenced_key_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% on % is not allowed: % refer to it by its key', TG_OP, TG_TABLE_NAME, TG_ARGV[0]
          USING ERRCODE = 'LE000';
      END
    $$`,
    ...PARENTS.flatMap(({ table, key, by }) => [
      sql.raw(`CREATE TRIGGER ${table}_keep_keys BEFORE DELETE OR UPDATE OF tenant_id, ${key} ON ${table}
        FOR EACH ROW EXECUTE FUNCTION reject_referenced_key_change('${by}')`),
      sql.raw(`CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table}
        FOR EACH STATEMENT EXECUTE FUNCTION reject_referenced_key_change('${by}')`),
    ]),
    ...FOREIGN_KEYS.map(([table, column]) => sql.raw(`ALTER TABLE ${table} DROP CONSTRAINT ${table}_tenant_id_${column}_fkey`)),
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  const statements = [
    ...[...FOREIGN_KEYS].reverse().map(([table, column, parent, key]) =>
      sql.raw(`ALTER TABLE ${table} ADD CONSTRAINT ${table}_tenant_id_${column}_fkey
        FOREIGN KEY (tenant_id, ${column}) REFERENCES ${parent} (tenant_id, ${key})`)),
    ...[...PARENTS].reverse().flatMap(({ table }) => [table + '_no_truncate', table + '_keep_keys'].map((t) => sql.raw(`DROP TRIGGER ${t} ON ${table}`))),
    sql`DROP FUNCTION reject_referenced_key_change()`,
    ...dropAfterWrites('service_record_events', 'record'),
    sql`DROP FUNCTION service_record_events_record_check()`,
    ...dropAfterWrites('service_records', 'references'),
    sql`DROP FUNCTION service_records_references_check()`,
  ];
  for (const statement of statements) await statement.execute(db);
}
