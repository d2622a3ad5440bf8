#!/usr/bin/env bash
# Flow segments survive SIGKILL: a writer (ks_segtool write) appends
# deterministic flows and prints "flushed M" after each ks_seg_flush()
# returns. The test kills it with SIGKILL right after the Nth such line
# appears (waiting on the line, not on time), then checks what is on disk:
#   - at least the M flows reported flushed, at most M + one flush interval;
#   - every flow is one the writer made, none twice, and flows 0..M-1 are
#     all there (ks_segtool verify);
#   - if exactly M are there, their content hash is that of flows 0..M-1;
#   - a new writer on the same directory works and removes *.tmp leftovers.
set -u
. "$(dirname "$0")/lib.sh"
ks_workdir
T=$KS_TOOLS/ks_segtool
[ -x "$T" ] || { fail "no ks_segtool at $T (run make)"; finish; }
K=20000     # flows per flush
N=100000000 # far more than gets written before the kill

# Waits until FILE holds at least WANT "flushed" lines while PID lives:
# a bounded loop on the condition (at most about 120 s on a loaded machine).
wait_flushed() {
	local file=$1 want=$2 pid=$3 i n
	for ((i = 0; i < 12000; i++)); do
		n=$(grep -c '^flushed ' "$file" 2>/dev/null) # the file may not exist yet
		[ "${n:-0}" -ge "$want" ] && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.01
	done
	return 1
}

for nth in 1 2 5; do
	D=$W/seg$nth
	"$T" write "$D" "$N" --flush-every "$K" >"$W/out$nth" 2>"$W/err$nth" &
	pid=$!
	if ! wait_flushed "$W/out$nth" "$nth" "$pid"; then
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		fail "kill after flush $nth: writer never printed it ($(cat "$W/err$nth"))"
		continue
	fi
	kill -9 "$pid"
	wait "$pid" 2>/dev/null
	F=$(grep '^flushed ' "$W/out$nth" | tail -n 1 | cut -d' ' -f2)
	read -r C H < <("$T" count "$D")
	if [ "${C:-0}" -ge "$F" ] && [ "$C" -le $((F + K)) ]; then
		pass "kill after flush $nth: $C flows on disk, $F reported flushed"
	else
		fail "kill after flush $nth" "$C flows on disk, $F reported flushed, at most $((F + K)) appended"
	fi
	V=$("$T" verify "$D")
	G=${V##* }
	if [[ $V == ok* ]] && [ "$G" -ge "$F" ]; then
		pass "kill after flush $nth: verify ($V)"
	else
		fail "kill after flush $nth: verify" "$V"
	fi
	if [ "$C" -eq "$F" ]; then
		check_eq "kill after flush $nth: content of the flushed flows" "$C $H" "$("$T" expect 0 "$F")"
	fi
done

# A crash mid-flush leaves a *.tmp; readers ignore it, the next writer
# removes it and carries on with the next sequence numbers.
D=$W/seg5
part=$(ls "$D" | head -n 1)
printf 'half a segment' >"$D/$part/00009999.kfs.tmp"
read -r C0 _ < <("$T" count "$D")
check_eq "tmp file ignored by readers" "$("$T" count "$D" | cut -d' ' -f1)" "$C0"
out=$("$T" write "$D" 1000 --start 50000000 --flush-every 400)
check_eq "new writer on the same directory" "$out" "$(printf 'flushed 400\nflushed 800\nflushed 1000')"
check_eq "leftover tmp removed" "$(find "$D" -name '*.tmp' | wc -l)" 0
read -r C1 _ < <("$T" count "$D")
check_eq "old and new flows read back" "$C1" $((C0 + 1000))
V=$("$T" verify "$D")
check "verify after the new writer ($V)" test "${V%% *}" == ok
finish
