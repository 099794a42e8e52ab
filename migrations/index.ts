import type { Migration } from 'kysely';
import * as m0001 from './0001_ledger_core.js';
import * as m0002 from './0002_hours.js';
import * as m0003 from './0003_ledger_post_lookups.js';
import * as m0004 from './0004_ledger_post_many.js';
import * as m0005 from './0005_holds.js';
import * as m0006 from './0006_lean_write_path.js';
import * as m0007 from './0007_single_entry_checks.js';
import * as m0008 from './0008_integrity.js';
import * as m0009 from './0009_event_feed.js';
import * as m0010 from './0010_feed_positions.js';
import * as m0011 from './0011_markets.js';
import * as m0012 from './0012_lots.js';
import * as m0013 from './0013_certificates.js';
import * as m0014 from './0014_reports.js';
import * as m0015 from './0015_statements.js';
import * as m0016 from './0016_counted_records.js';
import * as m0017 from './0017_domain_checks.js';
import * as m0018 from './0018_hold_resolve_answer.js';
import * as m0019 from './0019_hold_writes_by_key.js';
import * as m0020 from './0020_lots_step_cost.js';
import * as m0021 from './0021_award_domain_checks.js';
import * as m0022 from './0022_lots_opened_together.js';
import * as m0023 from './0023_posting_entry_check.js';
import * as m0024 from './0024_record_references.js';
import * as m0025 from './0025_balances_changed_together.js';
import * as m0026 from './0026_keys_collate_c.js';
import * as m0027 from './0027_balances_by_address.js';
import * as m0028 from './0028_sale_lines_dated.js';
import * as m0029 from './0029_member_records_by_end.js';

// The list of migrations, in order. Listed here (not read from the folder) so that the same
// code runs from TypeScript sources and from a compiled build.
export const migrations: Record<string, Migration> = {
  '0001_ledger_core': m0001,
  '0002_hours': m0002,
  '0003_ledger_post_lookups': m0003,
  '0004_ledger_post_many': m0004,
  '0005_holds': m0005,
  '0006_lean_write_path': m0006,
  '0007_single_entry_checks': m0007,
  '0008_integrity': m0008,
  '0009_event_feed': m0009,
  '0010_feed_positions': m0010,
  '0011_markets': m0011,
  '0012_lots': m0012,
  '0013_certificates': m0013,
  '0014_reports': m0014,
  '0015_statements': m0015,
  '0016_counted_records': m0016,
  '0017_domain_checks': m0017,
  '0018_hold_resolve_answer': m0018,
  '0019_hold_writes_by_key': m0019,
  '0020_lots_step_cost': m0020,
  '0021_award_domain_checks': m0021,
  '0022_lots_opened_together': m0022,
  '0023_posting_entry_check': m0023,
  '0024_record_references': m0024,
  '0025_balances_changed_together': m0025,
  '0026_keys_collate_c': m0026,
  '0027_balances_by_address': m0027,
  '0028_sale_lines_dated': m0028,
  '0029_member_records_by_end': m0029,
};
