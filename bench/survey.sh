#!/usr/bin/env bash
# Survey discovery: kansoku's SYN discovery against zmap and masscan.
#
# Two network namespaces joined by a veth pair (link 192.0.2.0/30): "scan"
# runs the scanners, "tgt" receives 198.18.0.0/15 (131,072 addresses,
# RFC 2544). In tgt most addresses are silent (not local, not forwarded);
# `local` routes for BENCH_OPEN_NETS plus single addresses make a known set
# answer on port 80, where one ncat listens on 0.0.0.0 (SYN-ACK); their
# other ports answer RST.
#
# zmap 2.1.1 scans one port per run, so every tool sends the same number of
# packets, BENCH_PROBES per address: zmap sends that many probes to port
# 80 (-P), kansoku and masscan probe ports 80 .. 80+BENCH_PROBES-1 once
# each. Each tool runs with the rate capped at BENCH_CAP packets/s, then
# uncapped. Per run: open (address, port 80) pairs found (must equal the
# known set: "missed" and "extra" must be 0), packets that reached tgt's
# interface, and packets/s over the sending window, measured the same way
# for every tool: tgt's rx_packets counter sampled every 20 ms, from its
# first increase to its last. Ratios are kansoku / zmap and kansoku /
# masscan.
#
# Env: BENCH_PROBES (default 8), BENCH_CAP (default 100000), BENCH_TOOLS
# (default "kansoku zmap masscan"), BENCH_DIR (default build/bench/survey),
# KANSOKU. Needs root. Only the namespaces it creates see a packet.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
: "${BENCH_PROBES:=8}" "${BENCH_CAP:=100000}" "${BENCH_TOOLS:=kansoku zmap masscan}"
: "${BENCH_DIR:=$ROOT/build/bench/survey}" "${KANSOKU:=$ROOT/bin/kansoku}"
die() { echo "bench/survey.sh: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, raw sockets)"
for t in zmap masscan ncat ip jq; do command -v "$t" >/dev/null || die "needs $t (run scripts/deps.sh)"; done
[ -x "$KANSOKU" ] || die "no kansoku binary at $KANSOKU (run make)"
rm -rf "$BENCH_DIR"
mkdir -p "$BENCH_DIR"

tag=$$
SCAN=ksb-scan-$tag TGT=ksb-tgt-$tag IFS_=ksbs$tag IFT=ksbt$tag
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	ip netns del "$SCAN" 2>/dev/null || true
	ip netns del "$TGT" 2>/dev/null || true
}
trap cleanup EXIT
ip netns add "$SCAN"
ip netns add "$TGT"
ip link add "$IFS_" type veth peer name "$IFT"
ip link set "$IFS_" netns "$SCAN"
ip link set "$IFT" netns "$TGT"
ip -n "$SCAN" addr add 192.0.2.2/30 dev "$IFS_"
ip -n "$TGT" addr add 192.0.2.1/30 dev "$IFT"
for ns in "$SCAN" "$TGT"; do ip -n "$ns" link set lo up; done
ip -n "$SCAN" link set "$IFS_" up
ip -n "$TGT" link set "$IFT" up
ip -n "$SCAN" route add 198.18.0.0/15 via 192.0.2.1
# The known set: two /24s and a few single addresses across the /15.
OPEN_NETS="198.18.7.0/24 198.19.130.0/24"
OPEN_ADDRS="198.18.0.1 198.18.255.254 198.19.0.0 198.19.64.255 198.19.255.254"
for n in $OPEN_NETS; do ip -n "$TGT" route add local "$n" dev lo; done
for a in $OPEN_ADDRS; do ip -n "$TGT" route add local "$a/32" dev lo; done
ip netns exec "$TGT" sysctl -qw net.ipv4.tcp_max_syn_backlog=65536 net.core.somaxconn=65535
ip netns exec "$TGT" ncat -l -k 0.0.0.0 80 >/dev/null 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do ip netns exec "$TGT" ss -Hltn | grep -q ':80 ' && break; sleep 0.05; done
{
	for n in $OPEN_NETS; do
		b=${n%.0/24}
		for i in $(seq 0 255); do echo "$b.$i"; done
	done
	printf '%s\n' $OPEN_ADDRS
} | sort >"$BENCH_DIR/known.txt"
NKNOWN=$(wc -l <"$BENCH_DIR/known.txt")
MAC=$(ip -n "$TGT" link show "$IFT" | awk '/link\/ether/ {print $2}')
printf '198.18.0.0/15 bench allow-reserved\n' >"$BENCH_DIR/scope.txt"
LAST=$((80 + BENCH_PROBES - 1))
PACKETS=$((131072 * BENCH_PROBES))

rx() { ip -n "$TGT" -s -j link show "$IFT" | jq '.[0].stats64.rx.packets'; }
# Samples tgt's rx counter every 20 ms into $1 until killed.
sampler() {
	while :; do
		echo "$EPOCHREALTIME $(rx)"
		sleep 0.02
	done >"$1"
}

run() { # tool cap(0 = none) -> prints one result line
	local tool=$1 cap=$2 d="$BENCH_DIR/$1-$2" base sp
	mkdir -p "$d"
	base=$(rx)
	sampler "$d/rx" &
	sp=$!
	case $tool in
	kansoku)
		ip netns exec "$SCAN" "$KANSOKU" --format csv survey discover --scope "$BENCH_DIR/scope.txt" \
			--ports "80-$LAST" --rate "$([ "$cap" = 0 ] && echo 10000000 || echo "$cap")" --method syn \
			--interface "$IFS_" --cooldown 1000 >"$d/out.csv" 2>"$d/log"
		awk -F, 'NR > 1 && $2 == 80 {print $1}' "$d/out.csv" | sort >"$d/open.txt"
		;;
	zmap)
		# zmap's -r counts targets per second and sends -P probes to each, so
		# the packet cap is -r cap/probes. -B 100G: no practical cap.
		ip netns exec "$SCAN" zmap -q -p 80 -P "$BENCH_PROBES" -i "$IFS_" -S 192.0.2.2 -G "$MAC" \
			$([ "$cap" = 0 ] && echo "-B 100G" || echo "-r $((cap / BENCH_PROBES))") -c 1 -b /dev/null --disable-syslog \
			-o "$d/out.txt" 198.18.0.0/15 >"$d/log" 2>&1
		sort -u "$d/out.txt" >"$d/open.txt"
		;;
	masscan)
		ip netns exec "$SCAN" masscan 198.18.0.0/15 -p "80-$LAST" --adapter "$IFS_" \
			--adapter-ip 192.0.2.2 --router-mac "$MAC" --wait 1 \
			--rate "$([ "$cap" = 0 ] && echo 100000000 || echo "$cap")" -oL "$d/out.txt" >"$d/log" 2>&1
		awk '$1 == "open" && $3 == 80 {print $4}' "$d/out.txt" | sort -u >"$d/open.txt"
		;;
	esac
	sleep 0.1
	kill "$sp"
	wait "$sp" 2>/dev/null || true
	# The sending window: first sample above base to first sample at the final count.
	awk -v base="$base" -v tool="$tool" -v cap="$cap" -v want="$PACKETS" '
		{ t[NR] = $1; v[NR] = $2 }
		END {
			last = v[NR]
			for (i = 1; i <= NR; i++) if (v[i] > base) { t0 = t[i - 1 > 0 ? i - 1 : 1]; break }
			for (i = 1; i <= NR; i++) if (v[i] == last) { t1 = t[i]; break }
			n = last - base
			printf "%s %s %d %.3f %.0f\n", tool, cap, n, t1 - t0, (t1 > t0) ? n / (t1 - t0) : 0
		}' "$d/rx" >"$d/rate"
	local found missed extra
	found=$(wc -l <"$d/open.txt")
	missed=$(comm -23 "$BENCH_DIR/known.txt" "$d/open.txt" | wc -l)
	extra=$(comm -13 "$BENCH_DIR/known.txt" "$d/open.txt" | wc -l)
	read -r _ _ n secs pps <"$d/rate"
	printf '%-8s %-9s %9s %7s %6s %5s %10s %7s %10s\n' "$tool" "$([ "$cap" = 0 ] && echo none || echo "$cap")" \
		"$n" "$found" "$missed" "$extra" "$pps" "$secs" "$PACKETS"
	echo "$tool $cap $pps $missed $extra" >>"$BENCH_DIR/summary"
}

echo "survey discovery: 198.18.0.0/15 (131072 addresses) x $BENCH_PROBES probes = $PACKETS packets;"
echo "known open set: $NKNOWN addresses on port 80; rate cap $BENCH_CAP packets/s, then none"
printf '%-8s %-9s %9s %7s %6s %5s %10s %7s %10s\n' tool cap packets open missed extra "packets/s" seconds expected
for cap in "$BENCH_CAP" 0; do
	for tool in $BENCH_TOOLS; do
		run "$tool" "$cap"
	done
done
# Ratios of packets/s, kansoku over each other tool, per cap.
awk '{ pps[$1 " " $2] = $3; caps[$2] = 1; bad += $4 + $5 }
	END {
		for (c in caps) for (o in pps) {
			split(o, f, " ")
			if (f[2] == c && f[1] != "kansoku" && pps[o] > 0 && ("kansoku " c) in pps)
				printf "ratio kansoku/%s at cap %s: %.2f\n", f[1], c == 0 ? "none" : c, pps["kansoku " c] / pps[o]
		}
		if (bad) { print "MISSED OR EXTRA OPEN PORTS: " bad; exit 1 }
	}' "$BENCH_DIR/summary"
