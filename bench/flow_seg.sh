#!/usr/bin/env bash
# Flow segment write and read speed, and size on disk (src/flow/flow_seg.h).
#
# ks_segtool bench writes BENCH_FLOWS deterministic flows (default 10M; about
# 7 ms apart, so 10M span some 19 hours = 20 partitions; one in seven IPv6;
# random ports, sizes and durations) through ks_seg_append + ks_seg_flush,
# flushing every million flows (each flush fsyncs its files and
# directories; making the flows is not timed), then scans them all back
# with a callback that reads two fields of every flow. Then
# ks_segtool read scans the same directory BENCH_READS more times (page
# cache warm) and reports the best. Pinned to one core (taskset -c
# BENCH_CPU). Prints flows/s for writing and reading (wall clock and CPU
# time) and bytes per flow on disk, against the targets: writing >= 5 M
# flows/s, reading >= 20 M flows/s on one core.
#
# Env: BENCH_FLOWS, BENCH_READS (default 5), BENCH_CPU (default 0),
# BENCH_DIR (default build/bench), BENCH_BLOCK, BENCH_LEVEL (segment options,
# default 65536 flows per block, zstd level 1), KS_TOOLS, BENCH_STRICT=1 to
# exit 1 when a target is missed. Quick run: BENCH_FLOWS=1000000.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
: "${BENCH_FLOWS:=10000000}" "${BENCH_READS:=5}" "${BENCH_CPU:=0}"
: "${BENCH_DIR:=$ROOT/build/bench}" "${KS_TOOLS:=$ROOT/build/tools}"
: "${BENCH_BLOCK:=65536}" "${BENCH_LEVEL:=1}" "${BENCH_STRICT:=0}"
T=$KS_TOOLS/ks_segtool
die() { echo "bench/flow_seg.sh: $*" >&2; exit 1; }
command -v taskset >/dev/null || die "needs taskset (util-linux)"
[ -x "$T" ] || die "no ks_segtool at $T (run make)"

D=$BENCH_DIR/flow_seg
mkdir -p "$BENCH_DIR"
echo "== write $BENCH_FLOWS flows, then read them: taskset -c $BENCH_CPU $T bench $D $BENCH_FLOWS --block $BENCH_BLOCK --level $BENCH_LEVEL"
out=$(taskset -c "$BENCH_CPU" "$T" bench "$D" "$BENCH_FLOWS" --block "$BENCH_BLOCK" --level "$BENCH_LEVEL")
echo "$out"
echo "== warm reads: taskset -c $BENCH_CPU $T read $D $BENCH_READS"
rd=$(taskset -c "$BENCH_CPU" "$T" read "$D" "$BENCH_READS")
echo "$rd"
echo "files: $(find "$D" -name '*.kfs' | wc -l) segments in $(find "$D" -mindepth 1 -maxdepth 1 -type d | wc -l) partitions"

wps=$(awk '/^write /{print $2}' <<<"$out")
rps=$(awk '/ flows\/s CPU/{for (i = 1; i <= NF; i++) if ($i == "flows/s" && $(i+1) == "CPU") print $(i-1)}' <<<"$rd")
missed=0
verdict() { if awk "BEGIN{exit !($2 >= $3)}"; then echo "$1: met"; else echo "$1: MISSED"; missed=1; fi; }
echo "== targets"
verdict "write $(awk "BEGIN{printf \"%.2f\", $wps/1e6}") M flows/s (wall) >= 5 M" "$wps" 5000000
verdict "read $(awk "BEGIN{printf \"%.2f\", $rps/1e6}") M flows/s (CPU, warm) >= 20 M" "$rps" 20000000
rm -rf "$D"
if [ "$BENCH_STRICT" = 1 ] && [ "$missed" = 1 ]; then exit 1; fi
exit 0
