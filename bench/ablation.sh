#!/usr/bin/env bash
# What each guard of the write path costs, in instructions per call (README "Performance",
# "What each guard costs"): copies of one database, each with one kind of guard removed, and
# one with all of them removed, each counted by bench/callgrind.sh in its prepared form (as
# pgbench -M prepared runs the benchmarks), beside the bare transfer of bench/sql/transfer.sql.
# The copies exist only to be measured: no guard is ever removed from a real database.
# Usage, as the postgres user with PostgreSQL's bin directory on PATH (pg_ctl, postgres), on a
# private cluster set up as bench/callgrind.sh's header says (database x filled by
# bench/callgrind-setup.ts), the cluster stopped:
#   bench/ablation.sh <datadir> <port>
set -euo pipefail
DATA=$1; PORT=$2
HERE=$(cd "$(dirname "$0")" && pwd)
PSQL="env PGOPTIONS=-cclient_min_messages=warning psql -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p $PORT -U postgres"
# The guards as of migrations/0017_domain_checks.ts: the single-column rules are domains, the
# two rules that span two columns are CHECKs.
declare -A DDL=(
  [lots]="DROP TRIGGER ledger_postings_lots ON ledger_postings"
  [checks_entries]="ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_check; ALTER DOMAIN ledger_entry_kind DROP CONSTRAINT ledger_entry_kind_check"
  [checks_postings]="ALTER DOMAIN ledger_unit DROP CONSTRAINT ledger_unit_check; ALTER DOMAIN ledger_amount DROP CONSTRAINT ledger_amount_check"
  [checks_balances]="ALTER TABLE ledger_balances DROP CONSTRAINT ledger_balances_check; ALTER DOMAIN ledger_held DROP CONSTRAINT ledger_held_check"
  [fks]="ALTER TABLE ledger_postings DROP CONSTRAINT ledger_postings_tenant_id_entry_id_fkey; ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_tenant_id_reverses_entry_id_fkey"
  [indexes]="DROP INDEX ledger_entries_tx, ledger_entries_recorded, ledger_postings_account; ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_tenant_id_seq_key"
)
ORDER=(lots checks_entries checks_postings checks_balances fks indexes)
pg_ctl -D "$DATA" -o "-p $PORT -k /tmp" -l "$DATA/ablation.log" -w start >/dev/null
trap 'pg_ctl -D "$DATA" -m fast stop >/dev/null 2>&1 || true' EXIT
all=""
for k in "${ORDER[@]}"; do
  $PSQL -c "DROP DATABASE IF EXISTS ab_$k" -c "CREATE DATABASE ab_$k TEMPLATE x"
  $PSQL "ab_$k" -c "${DDL[$k]}"
  all="$all${DDL[$k]}; "
done
$PSQL -c "DROP DATABASE IF EXISTS ab_all" -c "CREATE DATABASE ab_all TEMPLATE x"
$PSQL ab_all -c "$all"
pg_ctl -D "$DATA" -m fast -w stop >/dev/null
per_call() { # db shape: instructions per call
  "$HERE/callgrind.sh" "$DATA" "$1" "$2" 100 300 | awk -F'instructions=' '{print $2}' | tr '\n' ' ' | awk '{printf "%.0f", ($2 - $1) / 200}'
}
export CG_PREPARED=1
xfer=$(per_call x xfer)
printf '%-26s %12s %12s %12s %12s\n' "removed (copies only)" "post2" "Δ post2" "post4" "Δ post4"
b2=$(per_call x post2); b4=$(per_call x post4)
printf '%-26s %12s %12s %12s %12s\n' "nothing (as migrated)" "$b2" "" "$b4" ""
for k in "${ORDER[@]}" all; do
  p2=$(per_call "ab_$k" post2); p4=$(per_call "ab_$k" post4)
  printf '%-26s %12s %12s %12s %12s\n' "$k" "$p2" "$((p2 - b2))" "$p4" "$((p4 - b4))"
done
printf '%-26s %12s\n' "bare transfer (xfer)" "$xfer"
