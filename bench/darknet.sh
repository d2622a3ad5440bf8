#!/usr/bin/env bash
# Darknet ingest throughput against the tools an analyst would otherwise use.
#
# Makes (or reuses) a capture of BENCH_PACKETS small packets (default 20M,
# mostly 54-byte TCP SYNs) from BENCH_SOURCES IPv4 sources (default 1M) to
# 198.18.0.0/16 with ks_gen, then times:
#
#   kansoku darknet ingest     classify + aggregate + store, into a fresh store
#   tcpdump -w /dev/null 'dst net 198.18.0.0/16'   filter only, the yardstick
#   tshark -q -z endpoints,ip  per-address statistics, on a 1M-packet slice
#   cat FILE > /dev/null       the cost of reading the bytes
#
# each free to use every CPU (kansoku reads and decodes, counts, and writes
# the store in three threads; the others use one), and kansoku once more
# pinned to one core (taskset -c BENCH_CPU, row "kansoku-1cpu"). It prints a
# table of packets/s (wall and CPU) and peak RSS, the ratios, the load
# average before and after, and the targets: kansoku's whole ingest at least
# half of tcpdump's filter-only packet rate, and at least 3 million packets/s
# on one core. Every run only reads files; nothing touches the network.
#
# Env: BENCH_PACKETS, BENCH_SOURCES, BENCH_SEED (scale; k/M/G suffixes work),
# BENCH_SLICE (tshark slice, default 1000000), BENCH_CPU (default 0),
# BENCH_DIR (default build/bench), KANSOKU, KS_TOOLS, BENCH_STRICT=1 to exit 1
# when a target is missed. Quick run: BENCH_PACKETS=200000 BENCH_SOURCES=10000.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
: "${BENCH_PACKETS:=20000000}" "${BENCH_SOURCES:=1000000}" "${BENCH_SEED:=1}"
: "${BENCH_SLICE:=1000000}" "${BENCH_CPU:=0}" "${BENCH_DIR:=$ROOT/build/bench}"
: "${KANSOKU:=$ROOT/bin/kansoku}" "${KS_TOOLS:=$ROOT/build/tools}"
: "${BENCH_STRICT:=0}"
GEN=$KS_TOOLS/ks_gen
TARGET_PPS=3000000

die() { echo "bench/darknet.sh: $*" >&2; exit 1; }
for t in tcpdump tshark editcap taskset jq; do
	command -v "$t" >/dev/null || die "needs $t (run scripts/deps.sh)"
done
[ -x /usr/bin/time ] || die "needs GNU time at /usr/bin/time (Debian package 'time')"
[ -x "$KANSOKU" ] || die "no kansoku binary at $KANSOKU (run make)"
[ -x "$GEN" ] || die "no ks_gen at $GEN (run make)"

# Counts as ks_gen takes them (k/M/G = x1000) -> plain integers for arithmetic.
expand() {
	case $1 in
	*[kK]) echo $((${1%?} * 1000)) ;;
	*[mM]) echo $((${1%?} * 1000000)) ;;
	*[gG]) echo $((${1%?} * 1000000000)) ;;
	*) echo $(($1)) ;;
	esac
}
N=$(expand "$BENCH_PACKETS")
M=$(expand "$BENCH_SOURCES")
SLICE=$(expand "$BENCH_SLICE")
[ "$SLICE" -gt "$N" ] && SLICE=$N

mkdir -p "$BENCH_DIR"
F=$BENCH_DIR/darknet-$N-$M-s$BENCH_SEED.pcap
STAMP=$F.done # written after a complete generation; names the generator used
GENID="$(sha256sum "$GEN" | cut -c1-16) $N $M $BENCH_SEED"
if [ -f "$F" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" == "$GENID" ]; then
	echo "capture: reusing $F"
else
	echo "capture: generating $N packets from $M sources into $F"
	rm -f "$STAMP"
	s=$(date +%s%N)
	"$GEN" bench --out "$F" --packets "$N" --sources "$M" --seed "$BENCH_SEED"
	echo "capture: generated in $(( ($(date +%s%N) - s) / 1000000 )) ms"
	echo "$GENID" >"$STAMP"
fi
BYTES=$(stat -c %s "$F")
S=$BENCH_DIR/darknet-$N-$M-s$BENCH_SEED.slice-$SLICE.pcap
if [ ! -f "$S" ] || [ "$S" -ot "$F" ]; then
	editcap -r "$F" "$S" "1-$SLICE"
fi

W=$(mktemp -d "$BENCH_DIR/run.XXXXXX")
trap 'rm -rf "$W"' EXIT

# timed NAME PACKETS BYTES CPU CMD...: runs CMD under GNU time, pinned to
# core CPU unless CPU is "all"; appends "NAME PACKETS BYTES wall_ns user_s
# sys_s maxrss_kb" to $W/results. Wall time is taken here in nanoseconds
# (GNU time's %e has 10 ms steps). Standard output is discarded, standard
# error kept in $W/NAME.err. Each kansoku run gets a fresh store.
timed() {
	local name=$1 packets=$2 bytes=$3 cpu=$4 t0 t1
	local pin=(taskset -c "$cpu")
	[ "$cpu" == all ] && pin=()
	shift 4
	case $name in kansoku*) rm -f "$W"/store.db* ;; esac
	t0=$(date +%s%N)
	if ! "${pin[@]}" /usr/bin/time -f '%U %S %M' -o "$W/$name.time" "$@" \
		>/dev/null 2>"$W/$name.err"; then
		echo "bench/darknet.sh: $name failed:" >&2
		tail -5 "$W/$name.err" >&2
		exit 1
	fi
	t1=$(date +%s%N)
	echo "$name $packets $bytes $((t1 - t0)) $(tail -1 "$W/$name.time")" >>"$W/results"
}

cat "$F" >/dev/null # warm the page cache: every tool then reads from memory
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
timed cat "$N" "$BYTES" all cat "$F"
timed tcpdump "$N" "$BYTES" all tcpdump -r "$F" -w /dev/null 'dst net 198.18.0.0/16'
timed kansoku-1cpu "$N" "$BYTES" "$BENCH_CPU" "$KANSOKU" -q --db "$W/store.db" darknet ingest --darknet 198.18.0.0/16 "$F"
timed kansoku "$N" "$BYTES" all "$KANSOKU" -q --db "$W/store.db" darknet ingest --darknet 198.18.0.0/16 "$F"
timed tshark "$SLICE" "$(stat -c %s "$S")" all tshark -r "$S" -q -z endpoints,ip
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)

# Sanity: kansoku must have seen every packet as a darknet packet.
got=$("$KANSOKU" --db "$W/store.db" darknet report --format json | jq '.packets' 2>/dev/null || echo '?')
[ "$got" == "$N" ] || echo "WARNING: kansoku reports $got darknet packets, expected $N" >&2

echo
echo "darknet ingest benchmark: $N packets ($(awk -v b="$BYTES" 'BEGIN{printf "%.0f MiB", b/1048576}')), $M sources; kansoku-1cpu pinned to cpu $BENCH_CPU"
echo "$(nproc) cpus, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); load average $LOAD0 before, $LOAD1 after"
awk -v target="$TARGET_PPS" -v strict="$BENCH_STRICT" '
{
	name[NR] = $1; pk[NR] = $2; by[NR] = $3; wall[NR] = $4 / 1e9; cpu[NR] = $5 + $6; rss[NR] = $7
	idx[$1] = NR
}
function rate(p, t) { return (t > 0 ? p / t : 0) }
function fmt(r) { return (r >= 1e6 ? sprintf("%.2f M", r / 1e6) : sprintf("%.0f k", r / 1e3)) }
END {
	printf "\n%-12s %11s %9s %8s %13s %13s %10s %11s\n", "tool", "packets", "wall s", "cpu s", "pkt/s (wall)", "pkt/s (cpu)", "MiB/s", "peak RSS"
	printf "%-12s %11s %9s %8s %13s %13s %10s %11s\n", "----", "-------", "------", "-----", "------------", "-----------", "-----", "--------"
	for (i = 1; i <= NR; i++)
		printf "%-12s %11d %9.3f %8.2f %13s %13s %10.0f %7.1f MiB\n", name[i], pk[i], wall[i], cpu[i],
			fmt(rate(pk[i], wall[i])), (cpu[i] > 0 ? fmt(rate(pk[i], cpu[i])) : "-"),
			rate(by[i], wall[i]) / 1048576, rss[i] / 1024
	k = idx["kansoku"]; k1 = idx["kansoku-1cpu"]; t = idx["tcpdump"]; s = idx["tshark"]; c = idx["cat"]
	kr = rate(pk[k], wall[k]); tr = rate(pk[t], wall[t]); sr = rate(pk[s], wall[s]); cr = rate(pk[c], wall[c])
	k1r = rate(pk[k1], wall[k1])
	printf "\nratios of packets/s (wall clock):\n"
	printf "  kansoku ingest / tcpdump filter     %7.3f   (target >= 0.5)\n", (tr > 0 ? kr / tr : 0)
	printf "  kansoku ingest / tshark endpoints   %7.3f\n", (sr > 0 ? kr / sr : 0)
	printf "  kansoku ingest / cat                %7.3f\n", (cr > 0 ? kr / cr : 0)
	printf "  kansoku CPU time / tcpdump CPU time %7.2f\n", (cpu[t] > 0 ? cpu[k] / cpu[t] : 0)
	printf "  peak RSS kansoku / tcpdump          %7.1f\n", (rss[t] > 0 ? rss[k] / rss[t] : 0)
	ok1 = tr > 0 && kr >= 0.5 * tr
	ok2 = k1r >= target
	printf "\ntargets:\n"
	printf "  %-7s kansoku ingest >= 0.5 x tcpdump filter rate: %s vs %s pkt/s\n", (ok1 ? "met" : "MISSED"), fmt(kr), fmt(0.5 * tr)
	printf "  %-7s kansoku ingest >= %s pkt/s on one core (kansoku-1cpu): %s pkt/s\n", (ok2 ? "met" : "MISSED"), fmt(target), fmt(k1r)
	if (strict && !(ok1 && ok2))
		exit 1
}' "$W/results"
