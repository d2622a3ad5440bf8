#!/usr/bin/env bash
# Darknet ingest memory with many sources: ks_gen makes (or reuses) a capture
# of BENCH_MEM_SOURCES distinct IPv4 sources (default 10M), one packet each,
# to 198.18.0.0/16; kansoku darknet ingest reads it into a fresh store on one
# core, and its peak RSS (GNU time's maximum resident set size) is compared
# with the 2 GiB target. Only files are read; nothing touches the network.
#
# Env: BENCH_MEM_SOURCES (k/M/G suffixes work), BENCH_SEED, BENCH_CPU
# (default 0), BENCH_DIR (default build/bench), KANSOKU, KS_TOOLS,
# BENCH_STRICT=1 to exit 1 when the target is missed.
# Quick run: BENCH_MEM_SOURCES=200000.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
: "${BENCH_MEM_SOURCES:=10000000}" "${BENCH_SEED:=1}" "${BENCH_CPU:=0}"
: "${BENCH_DIR:=$ROOT/build/bench}" "${KANSOKU:=$ROOT/bin/kansoku}" "${KS_TOOLS:=$ROOT/build/tools}"
: "${BENCH_STRICT:=0}"
GEN=$KS_TOOLS/ks_gen
TARGET_KB=$((2 * 1024 * 1024)) # 2 GiB

die() { echo "bench/darknet_memory.sh: $*" >&2; exit 1; }
command -v taskset >/dev/null || die "needs taskset (util-linux)"
command -v jq >/dev/null || die "needs jq"
[ -x /usr/bin/time ] || die "needs GNU time at /usr/bin/time (Debian package 'time')"
[ -x "$KANSOKU" ] || die "no kansoku binary at $KANSOKU (run make)"
[ -x "$GEN" ] || die "no ks_gen at $GEN (run make)"

case $BENCH_MEM_SOURCES in
*[kK]) M=$((${BENCH_MEM_SOURCES%?} * 1000)) ;;
*[mM]) M=$((${BENCH_MEM_SOURCES%?} * 1000000)) ;;
*[gG]) M=$((${BENCH_MEM_SOURCES%?} * 1000000000)) ;;
*) M=$((BENCH_MEM_SOURCES)) ;;
esac

mkdir -p "$BENCH_DIR"
F=$BENCH_DIR/darknet-mem-$M-s$BENCH_SEED.pcap
STAMP=$F.done
GENID="$(sha256sum "$GEN" | cut -c1-16) $M $M $BENCH_SEED"
if [ -f "$F" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" == "$GENID" ]; then
	echo "capture: reusing $F"
else
	echo "capture: generating $M packets from $M distinct sources into $F"
	rm -f "$STAMP"
	"$GEN" bench --out "$F" --packets "$M" --sources "$M" --seed "$BENCH_SEED"
	echo "$GENID" >"$STAMP"
fi

W=$(mktemp -d "$BENCH_DIR/run.XXXXXX")
trap 'rm -rf "$W"' EXIT
cat "$F" >/dev/null # page cache
status=0
# Two runs: the default, where the source table flushes to the store every
# 2 million source-hours, and one that holds every source in memory at once.
for max in 2000000 "$M"; do
rm -f "$W"/store.db*
t0=$(date +%s%N)
if ! taskset -c "$BENCH_CPU" /usr/bin/time -f '%U %S %M' -o "$W/time" \
	"$KANSOKU" -q --db "$W/store.db" darknet ingest --max-sources "$max" --darknet 198.18.0.0/16 "$F" 2>"$W/err"; then
	echo "bench/darknet_memory.sh: kansoku ingest failed:" >&2
	tail -5 "$W/err" >&2
	exit 1
fi
t1=$(date +%s%N)
read -r user sys rss <"$W/time"
store=$(stat -c %s "$W/store.db")
"$KANSOKU" --db "$W/store.db" darknet report --format json >"$W/report.json"
got_sources=$(jq '.sources' "$W/report.json")
got_packets=$(jq '.packets' "$W/report.json")

echo
echo "darknet ingest memory: $M packets from $M distinct sources, one core (cpu $BENCH_CPU), --max-sources $max"
echo "command: taskset -c $BENCH_CPU kansoku -q --db STORE darknet ingest --max-sources $max --darknet 198.18.0.0/16 ${F#$ROOT/}"
awk -v m="$M" -v ns="$((t1 - t0))" -v u="$user" -v s="$sys" -v rss="$rss" -v target="$TARGET_KB" \
	-v store="$store" -v gs="$got_sources" -v gp="$got_packets" -v strict="$BENCH_STRICT" '
BEGIN {
	wall = ns / 1e9
	printf "\n%-28s %s\n", "wall time", sprintf("%.2f s", wall)
	printf "%-28s %s\n", "cpu time (user+sys)", sprintf("%.2f s", u + s)
	printf "%-28s %s\n", "packets/s (wall)", sprintf("%.0f", wall > 0 ? m / wall : 0)
	printf "%-28s %s\n", "peak RSS", sprintf("%.1f MiB", rss / 1024)
	printf "%-28s %s\n", "peak RSS per source", sprintf("%.0f bytes", rss * 1024 / m)
	printf "%-28s %s\n", "store size", sprintf("%.1f MiB", store / 1048576)
	printf "%-28s %s\n", "report: sources / packets", gs " / " gp
	ok = rss <= target
	printf "\ntarget:\n  %-7s peak RSS <= 2 GiB with %d sources: %.1f MiB\n", (ok ? "met" : "MISSED"), m, rss / 1024
	if (gs != m || gp != m)
		printf "WARNING: the report should show %d sources and %d packets\n", m, m
	if (strict && !ok)
		exit 1
}' || status=1
done
exit $status
