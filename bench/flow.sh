#!/usr/bin/env bash
# NetFlow v9 collector throughput: kansoku flow collect against nfdump's nfcapd.
#
# For each rate in BENCH_RATES (flows/s; "max" = as fast as the sender can),
# ks_flowgen sends BENCH_FLOWS NetFlow v9 flows over loopback, first to
# kansoku, then to nfcapd (one collector at a time, the same load), each
# collector with a BENCH_RCVBUF socket buffer. Per run it prints: flows sent,
# flows the collector stored, flows lost, the kernel's drop count for the
# socket (/proc/net/udp), CPU seconds per million flows received, peak RSS.
# Targets (issue 4): no loss at any rate where nfcapd loses none, at least
# nfcapd's top rate, and less CPU per million flows.
# Traffic goes to 127.0.0.1 only; the sender is bounded by BENCH_FLOWS.
#
# Env: BENCH_FLOWS (default 5000000 per run), BENCH_RATES (default
# "500000 1000000 2000000 max"), BENCH_RCVBUF (bytes, default 67108864; as root
# net.core.rmem_max is raised to it for the run and restored), BENCH_DIR
# (default build/bench), KANSOKU, KS_TOOLS. Quick run: BENCH_FLOWS=200000.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
: "${BENCH_FLOWS:=5000000}" "${BENCH_RATES:=500000 1000000 2000000 max}"
: "${BENCH_RCVBUF:=67108864}" "${BENCH_DIR:=$ROOT/build/bench/flow}"
: "${KANSOKU:=$ROOT/bin/kansoku}" "${KS_TOOLS:=$ROOT/build/tools}"
GEN=$KS_TOOLS/ks_flowgen
die() { echo "bench/flow.sh: $*" >&2; exit 1; }
for t in nfcapd jq ss; do command -v "$t" >/dev/null || die "needs $t (run scripts/deps.sh)"; done
[ -x /usr/bin/time ] || die "needs GNU time at /usr/bin/time (Debian package 'time')"
[ -x "$KANSOKU" ] || die "no kansoku binary at $KANSOKU (run make)"
[ -x "$GEN" ] || die "no ks_flowgen at $GEN (run make)"
rm -rf "$BENCH_DIR"
mkdir -p "$BENCH_DIR"
old_rmem=$(cat /proc/sys/net/core/rmem_max)
if [ "$old_rmem" -lt "$BENCH_RCVBUF" ] && [ "$(id -u)" -eq 0 ]; then
	echo "$BENCH_RCVBUF" >/proc/sys/net/core/rmem_max
fi
PID=
trap '[ -n "$PID" ] && pkill -P "$PID" 2>/dev/null; [ "$old_rmem" -lt "$BENCH_RCVBUF" ] && [ "$(id -u)" -eq 0 ] && echo "$old_rmem" >/proc/sys/net/core/rmem_max' EXIT

wait_for() { for _ in $(seq 400); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done; return 1; }
# Kernel drops of the UDP socket bound to 127.0.0.1:$1 (last column of /proc/net/udp, or of
# /proc/net/udp6 for an IPv6 socket bound to the IPv4-mapped address, as kansoku's is).
udp_drops() {
	local p
	p=$(printf '%04X' "$1")
	awk -v a="0100007F:$p" -v b="0000000000000000FFFF00000100007F:$p" \
		'$2 == a || $2 == b { print $NF; found = 1 } END { if (!found) print "?" }' /proc/net/udp /proc/net/udp6
}
# Sends and prints "sent RATE" (the sender's own figures).
send() { # port rate
	"$GEN" send --to "127.0.0.1:$1" --flows "$BENCH_FLOWS" --rate "$2" --version 9 --seed 1 2>/dev/null |
		sed -n 's/^sent \([0-9]*\) flows in [0-9]* datagrams, \([0-9.]*\) s, \([0-9.]*\) flows\/s.*/\1 \3/p'
}

run() { # collector rate
	local c=$1 rate=$2 d="$BENCH_DIR/$1-$2" port sent srate recv drops
	mkdir -p "$d"
	if [ "$c" = kansoku ]; then
		/usr/bin/time -f "%U %S %M" -o "$d/time" "$KANSOKU" --db "$d/k.db" flow collect \
			--listen 127.0.0.1:0 --rcvbuf "$BENCH_RCVBUF" --flush-interval 10 2>"$d/log" &
		PID=$!
		wait_for "$d/log" "listening on" || die "kansoku did not start: $(cat "$d/log")"
		port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$d/log")
	else
		mkdir -p "$d/nf"
		/usr/bin/time -f "%U %S %M" -o "$d/time" nfcapd -w "$d/nf" -b 127.0.0.1 -p 0 -B "$BENCH_RCVBUF" \
			-t 3600 >"$d/log" 2>&1 &
		PID=$!
		wait_for "$d/log" "Startup" || die "nfcapd did not start: $(cat "$d/log")"
		for _ in $(seq 100); do
			port=$(ss -Hulpn "src 127.0.0.1" | awk '/nfcapd/ { sub(/.*:/, "", $4); print $4 }' | head -1)
			[ -n "$port" ] && break
			sleep 0.05
		done
	fi
	read -r sent srate < <(send "$port" "$rate")
	sleep 1 # let the collector drain its socket buffer before reading drops and stopping it
	drops=$(udp_drops "$port")
	# $PID is GNU time; the collector is its child
	local cpid
	cpid=$(pgrep -P "$PID" | head -1)
	kill -TERM "$cpid"
	wait "$PID" || true
	PID=
	if [ "$c" = kansoku ]; then
		recv=$(sed -n 's/.*collected [0-9]* datagrams, \([0-9]*\) flows.*/\1/p' "$d/log")
	else
		recv=$(grep -o 'Flows: [0-9]*' "$d/log" | tail -1 | tr -dc 0-9)
	fi
	read -r u s rss <"$d/time"
	local cpu_m
	cpu_m=$(awk -v u="$u" -v s="$s" -v r="$recv" 'BEGIN { printf "%.3f", (r > 0 ? (u + s) / (r / 1e6) : 0) }')
	printf '%-8s %10s %10s %12.0f %10s %9s %8s %13s %9s\n' "$c" "$rate" "$sent" "$srate" "$recv" \
		"$((sent - recv))" "$drops" "$cpu_m" "$((rss / 1024))"
	echo "$c $rate $sent $srate $recv $((sent - recv)) $drops $cpu_m $((rss / 1024))" >>"$BENCH_DIR/results"
}

echo "NetFlow v9 over loopback, $BENCH_FLOWS flows per run, receive buffer $BENCH_RCVBUF bytes"
printf '%-8s %10s %10s %12s %10s %9s %8s %13s %9s\n' collector rate sent "sent/s" received lost \
	"k.drops" "cpu_s/Mflow" "rss_MiB"
for rate in $BENCH_RATES; do
	run kansoku "$rate"
	run nfcapd "$rate"
done
# Verdict per target.
awk '
	{ lost[$1, $2] = $6; rate[$1, $2] = $4; cpu[$1, $2] = $8; recv[$1, $2] = $5; rates[$2] = 1 }
	END {
		ok_loss = 1; ok_cpu = 1; ktop = 0; ntop = 0
		for (r in rates) {
			if (lost["nfcapd", r] == 0 && lost["kansoku", r] != 0) ok_loss = 0
			if (cpu["kansoku", r] >= cpu["nfcapd", r]) ok_cpu = 0
			if (lost["kansoku", r] == 0 && rate["kansoku", r] > ktop) ktop = rate["kansoku", r]
			if (lost["nfcapd", r] == 0 && rate["nfcapd", r] > ntop) ntop = rate["nfcapd", r]
		}
		printf "no loss where nfcapd loses none: %s\n", ok_loss ? "yes" : "NO"
		printf "top rate without loss: kansoku %.0f flows/s, nfcapd %.0f flows/s (ratio %.2f)\n", ktop, ntop, ntop ? ktop / ntop : 0
		for (r in rates)
			if (cpu["nfcapd", r] > 0)
				printf "rate %s: kansoku/nfcapd CPU per million flows %.2f, flows received %.2f\n", r,
				       cpu["kansoku", r] / cpu["nfcapd", r], recv["nfcapd", r] ? recv["kansoku", r] / recv["nfcapd", r] : 0
		printf "less CPU per million flows at every rate: %s\n", ok_cpu ? "yes" : "NO"
	}' "$BENCH_DIR/results"
