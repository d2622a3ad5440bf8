#!/usr/bin/env bash
# The collector killed with SIGKILL loses at most the flows since its last
# flush and never leaves a damaged store or segment: flows are sent over
# loopback by ks_flowgen at a bounded rate, the collector is killed right
# after it reports a flush (waiting on its log line, not on time), and then
# everything flushed is readable, the store passes its integrity check, and
# a new collector on the same store works.
set -u
. "$(dirname "$0")/lib.sh"
need jq
need sqlite3
ks_workdir
GEN="${KS_BUILD:-build}/tools/ks_flowgen"
[ -x "$GEN" ] || GEN="$(cd "$(dirname "$0")/../.." && pwd)/${KS_BUILD:-build}/tools/ks_flowgen"
[ -x "$GEN" ] || { fail "ks_flowgen not built ($GEN)"; finish; }
DB=$W/k.db
wait_for() { for _ in $(seq 1200); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done; return 1; }

"$KANSOKU" -v --db "$DB" flow collect --listen 127.0.0.1:0 --flush-interval 1 2>"$W/c1.log" &
CP=$!
wait_for "$W/c1.log" "listening on" || { fail "collector did not start" "$(cat "$W/c1.log")"; kill $CP; finish; }
port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$W/c1.log")
# 400k flows at 40k flows/s: about 10 s of sending, so the kill lands mid-stream.
"$GEN" send --to "127.0.0.1:$port" --flows 400000 --rate 40000 --version 9 --seed 3 >"$W/send.log" 2>&1 &
SP=$!
wait_for "$W/c1.log" "flushed [1-9][0-9]* flows" || fail "no flush reported" "$(tail -3 "$W/c1.log")"
# Two non-empty flushes, so the kill is not right at the start.
for _ in $(seq 1200); do
	[ "$(grep -c 'flushed [1-9][0-9]* flows' "$W/c1.log")" -ge 2 ] && break
	sleep 0.05
done
kill -KILL $CP
wait $CP 2>/dev/null
kill $SP 2>/dev/null
wait $SP 2>/dev/null
flushed=$(sed -n 's/.*flushed \([0-9]*\) flows.*/\1/p' "$W/c1.log" | awk '{ s += $1 } END { print s + 0 }')
stored=$("$KANSOKU" --db "$DB" flow query --limit 0 --format csv | tail -n +2 | wc -l)
counted=$("$KANSOKU" --db "$DB" flow stats --format json | jq '[.[].flows] | add // 0')
echo "flushed before the kill: $flushed flows; readable after: $stored; in the store's counters: $counted"
check_eq "flows flushed before the kill are readable" "$((stored >= flushed && flushed > 0))" 1
check_eq "store counters never exceed the segments" "$((counted <= stored))" 1
check_eq "store integrity" "$(sqlite3 "$DB" 'PRAGMA integrity_check')" ok
check_eq "segment files were written" "$(find "$DB.flows" -name '*.kfs' | wc -l | tr -d ' ' | awk '{ print ($1 > 0) }')" 1

# A new collector on the same store: runs, receives, stops cleanly.
"$KANSOKU" --db "$DB" flow collect --listen 127.0.0.1:0 --flush-interval 1 2>"$W/c2.log" &
CP=$!
wait_for "$W/c2.log" "listening on" || { fail "second collector did not start" "$(cat "$W/c2.log")"; kill $CP; finish; }
port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$W/c2.log")
check "send 3000 flows" "$GEN" send --to "127.0.0.1:$port" --flows 3000 --rate 30000 --version 9 --seed 4
kill -TERM $CP
wait $CP
check_eq "second collector exits 0" "$?" 0
after=$("$KANSOKU" --db "$DB" flow query --limit 0 --format csv | tail -n +2 | wc -l)
check_eq "second run's flows added" "$((after - stored))" 3000
check_eq "store integrity after the second run" "$(sqlite3 "$DB" 'PRAGMA integrity_check')" ok
finish
