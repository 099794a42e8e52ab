#!/usr/bin/env bash
# Instructions per call of one write-path statement, counted by callgrind on one single-user
# backend of a private cluster (no other load changes the count). Usage:
#   bench/callgrind.sh <datadir> <dbname> <shape: post2|many2|post4|many2x10|award16|xfer|hold|capture|replay> [calls...]
# (many2: post2's entry through ledger_post_many itself, without the ledger_post wrapper; hold: a
# hold placed, one transaction a call; capture: a hold placed then captured, two transactions a
# call, so capture − hold is what a capture costs; both prepared only; CG_SALT: another set of
# hold ids, to count a shape again on the same database; replay: the service's own statements for
# awards, captured by bench/awardcost.ts, each "call" a cut of its files in $CG_REPLAY, default
# /tmp/awardcost, replayed on a fresh copy of <dbname>; it prints the records written too)
# Prints the instruction total for each number of calls; per call = (I(300) - I(100)) / 200.
# How (README "Performance"): initdb a private cluster (as the postgres user: postgres refuses
# root), start it on a free port, CREATE DATABASE x, fill it with
#   node --import tsx bench/callgrind-setup.ts --url postgres://postgres@127.0.0.1:<port>/x [--to <migration>]
# (CREATE DATABASE y TEMPLATE x makes copies to try a change on), stop the cluster (single-user
# mode takes it), then run this script as the postgres user. The backend runs with the
# service's session settings (jit=off, plan_cache_mode=force_generic_plan).
# CG_PREPARED=1: the statement is prepared once and executed n times, as pgbench -M prepared
# runs the benchmarks (no parsing or planning of the outer statement in the count); `xfer`, the
# bare transfer of bench/sql/transfer.sql, is counted that way only. bench/ablation.sh uses it.
set -euo pipefail
DATA=$1; DB=$2; SHAPE=$3; shift 3
CALLS=${*:-100 300}
OUT=${CG_OUT:-/tmp/perf2cg/out}
PREPARED=${CG_PREPARED:-0}
case $SHAPE in xfer | hold | capture) PREPARED=1 ;; esac
mkdir -p "$OUT"
# The service's session settings, and no flush: what is counted is the CPU's work, not the disk's.
SETTINGS=(-c jit=off -c plan_cache_mode=force_generic_plan -c fsync=off -c synchronous_commit=off)
post2='ledger_post('"'cost'"', '"'transfer'"', now(), NULL, NULL, NULL, NULL, NULL, NULL, NULL, ARRAY[%s, %s], ARRAY['"'POINTS','POINTS'"'], ARRAY[-1.00, 1.00]::numeric[])'
many2='ledger_post_many('"'cost'"', ARRAY['"'transfer'"'], ARRAY[now()], ARRAY[NULL::text], ARRAY[NULL::uuid], ARRAY[NULL::text], ARRAY[NULL::text], ARRAY[NULL::int], ARRAY[NULL::text], ARRAY[NULL::jsonb], ARRAY[1, 1], ARRAY[%s, %s], ARRAY['"'POINTS','POINTS'"'], ARRAY[-1.00, 1.00]::numeric[])'
post4='ledger_post('"'cost'"', '"'award'"', now(), '"'award 0.10 h'"', NULL, '"'bench'"', NULL, 1, NULL, '"'{\"hours\":\"0.10\"}'"', ARRAY['"'iss.h'"', %s, '"'iss.p'"', %s]::text[], ARRAY['"'HOURS','HOURS','POINTS','POINTS'"'], ARRAY[-0.10, 0.10, -1.00, 1.00]::numeric[])'
prepare() { # the PREPARE of the shape, its accounts drawn by EXECUTE's two numbers
  case $SHAPE in
    post2) printf "PREPARE s(int, int) AS SELECT entry_id FROM $post2\n" "'xfer.' || \$1" "'xfer.' || \$2" ;;
    many2) printf "PREPARE s(int, int) AS SELECT entry_id FROM $many2\n" "'xfer.' || \$1" "'xfer.' || \$2" ;;
    post4) printf "PREPARE s(int, int) AS SELECT entry_id FROM $post4\n" "'mh.' || \$1" "'xfer.' || \$1" ;;
    xfer) echo 'PREPARE s(int, int) AS SELECT xfer.transfer($1, $2, 1.00)' ;;
    hold | capture) # as bench/baselines.ts holdCaptureSql sends them; the hold's id made of the run's and the call's numbers
      echo "PREPARE s(int, int, int) AS SELECT created_at FROM ledger_hold_create('cost', md5('${CG_SALT:-}$SHAPE.$n.' || \$3)::uuid, 'xfer.' || \$1, 'POINTS', 1.00, NULL, 300, NULL, NULL, 'bench')"
      echo "PREPARE c(int, int, int) AS SELECT entry_id FROM ledger_hold_resolve('cost', md5('${CG_SALT:-}$SHAPE.$n.' || \$3)::uuid, 'capture', 1.00, ARRAY['xfer.' || \$2], ARRAY[NULL::numeric], NULL, 'bench', NULL)" ;;
    *) echo "no prepared form of $SHAPE" >&2; exit 2 ;;
  esac
}
gen() { # n [first]: n statements of the shape, the same pseudo-random accounts on every run
  local n=$1 first=${2:-0}
  for ((i = first; i < first + n; i++)); do
    a=$(( 1 + (i * 7919 + 11) % 10000 )); b=$(( 1 + (i * 104729 + 5) % 10000 )); [ "$a" = "$b" ] && b=$(( a % 10000 + 1 ))
    case $SHAPE in
      hold) echo "EXECUTE s($a, $b, $i)"; continue ;;
      capture) echo "EXECUTE s($a, $b, $i)"; echo "EXECUTE c($a, $b, $i)"; continue ;;
    esac
    if [ "$PREPARED" = 1 ]; then echo "EXECUTE s($a, $b)"; continue; fi
    case $SHAPE in
      post2) printf "SELECT entry_id FROM $post2\n" "'xfer.$a'" "'xfer.$b'" ;;
      post4) printf "SELECT entry_id FROM $post4\n" "'mh.$a'" "'xfer.$a'" ;;
      award16) # sixteen award-shaped entries in one call, each on a member's own accounts, as the award writer posts a group
        acc=""; for ((k = 0; k < 16; k++)); do x=$(( 1 + (i * 16 + k) * 7919 % 10000 )); acc="$acc,'iss.h','member:c$x:hours','iss.p','member:c$x:points'"; done
        echo "SELECT count(*) FROM ledger_post_many('cost', array_fill('award'::text, ARRAY[16]), array_fill(now(), ARRAY[16]), array_fill('award 0.10 h'::text, ARRAY[16]), array_fill(NULL::uuid, ARRAY[16]), array_fill('bench'::text, ARRAY[16]), array_fill(NULL::text, ARRAY[16]), array_fill(1, ARRAY[16]), array_fill(NULL::text, ARRAY[16]), array_fill('{\"hours\":\"0.10\"}'::jsonb, ARRAY[16]), ARRAY(SELECT 1 + g / 4 FROM generate_series(0, 63) g), ARRAY[${acc#,}], ARRAY(SELECT (ARRAY['HOURS','HOURS','POINTS','POINTS'])[1 + g % 4] FROM generate_series(0, 63) g), ARRAY(SELECT (ARRAY[-0.10, 0.10, -1.00, 1.00]::numeric[])[1 + g % 4] FROM generate_series(0, 63) g), NULL, NULL)" ;;
      many2x10) # ten two-posting transfers in one call (a batch)
        acc=""; for ((k = 0; k < 10; k++)); do x=$(( 1 + (i * 10 + k) * 7919 % 10000 )); y=$(( 1 + ((i * 10 + k) * 104729 + 5) % 10000 )); [ "$x" = "$y" ] && y=$(( x % 10000 + 1 )); acc="$acc,'xfer.$x','xfer.$y'"; done
        echo "SELECT count(*) FROM ledger_post_many('cost', array_fill('transfer'::text, ARRAY[10]), array_fill(now(), ARRAY[10]), array_fill(NULL::text, ARRAY[10]), array_fill(NULL::uuid, ARRAY[10]), array_fill(NULL::text, ARRAY[10]), array_fill(NULL::text, ARRAY[10]), array_fill(NULL::int, ARRAY[10]), array_fill(NULL::text, ARRAY[10]), array_fill(NULL::jsonb, ARRAY[10]), ARRAY[1,1,2,2,3,3,4,4,5,5,6,6,7,7,8,8,9,9,10,10], ARRAY[${acc#,}], array_fill('POINTS'::text, ARRAY[20]), ARRAY[-1.00,1.00,-1.00,1.00,-1.00,1.00,-1.00,1.00,-1.00,1.00,-1.00,1.00,-1.00,1.00,-1.00,1.00,-1.00,1.00,-1.00,1.00]::numeric[])" ;;
    esac
  done
}
if [ "$SHAPE" = replay ]; then
  single() { postgres --single -D "$DATA" "${SETTINGS[@]}" "$@"; }
  for k in $CALLS; do
    copy="${DB}_r$k"
    printf 'DROP DATABASE IF EXISTS %s;\nCREATE DATABASE %s TEMPLATE %s;\n' "$copy" "$copy" "$DB" | single postgres > "$OUT/$copy.setup.log" 2>&1
    valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.$copy" postgres --single -j -D "$DATA" "${SETTINGS[@]}" "$copy" \
      < "${CG_REPLAY:-/tmp/awardcost}/replay.$k.sql" > "$OUT/$copy.log" 2>&1
    printf 'DROP DATABASE %s;\n' "$copy" | single postgres > /dev/null 2>&1
    errors=$(grep -c ERROR "$OUT/$copy.log" || true)
    records=$(grep -o 'awards = "[0-9]*"' "$OUT/$copy.log" | grep -o '[0-9][0-9]*')
    total=$(grep -m1 '^summary:\|^totals:' "$OUT/cg.$copy" | awk '{print $2}')
    echo "$DB replay cut=$k records=$records instructions=$total errors=$errors"
  done
  exit 0
fi
for n in $CALLS; do
  # First calls outside the count (other accounts) warm the caches and the plan the same way
  # for every n.
  if [ "$PREPARED" = 1 ]; then { prepare; gen 10 50000; gen "$n"; } else { gen 1; gen "$n"; } fi > "$OUT/$SHAPE.$n.sql"
  valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.$DB.$SHAPE.$n" \
    postgres --single -D "$DATA" "${SETTINGS[@]}" "$DB" \
    < "$OUT/$SHAPE.$n.sql" > "$OUT/$DB.$SHAPE.$n.log" 2>&1
  if grep -q ERROR "$OUT/$DB.$SHAPE.$n.log"; then grep -m3 ERROR "$OUT/$DB.$SHAPE.$n.log" >&2; exit 1; fi
  total=$(grep -m1 '^summary:\|^totals:' "$OUT/cg.$DB.$SHAPE.$n" | awk '{print $2}')
  echo "$DB $SHAPE calls=$n instructions=$total"
done
