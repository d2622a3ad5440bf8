#!/usr/bin/env bash
# TCP discovery (`kansoku survey discover`) between two network namespaces
# that this test creates and joins with a veth pair: "scan" runs kansoku,
# "tgt" holds `local` routes for 198.18.1.0/24, 198.18.2.0/24 and
# 198.18.200.0/24 (RFC 2544 benchmarking space) with ncat listeners on a
# known set of (address, port); every other address of those /24s answers
# RST (closed), the rest of 198.18.0.0/16 is silent (tgt does not forward).
# Checks: the open set equals the known set exactly with --method syn and
# --method connect, and with auto as an unprivileged user (falls back to
# connect); nmap -sS agrees; the audit has one row per probe; an excluded
# address and one outside the scope never receive a packet (tcpdump in tgt
# counts 0, while it does see the in-scope probes).
set -u
. "$(dirname "$0")/lib.sh"
need jq
need ip
need ncat
need nmap
need tcpdump
need setpriv
if [ "$(id -u)" -ne 0 ]; then
	fail "discovery test needs root (network namespaces, raw sockets)"
	finish
fi
ks_workdir
tag=$$
SCAN=ksd-scan-$tag TGT=ksd-tgt-$tag
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	ip netns del "$SCAN" 2>/dev/null
	ip netns del "$TGT" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$W"
}
trap cleanup EXIT
ip netns add "$SCAN" && ip netns add "$TGT" || { fail "create namespaces"; finish; }
ip link add "kds$tag" type veth peer name "kdt$tag"
ip link set "kds$tag" netns "$SCAN"
ip link set "kdt$tag" netns "$TGT"
ip -n "$SCAN" addr add 198.19.254.2/30 dev "kds$tag"
ip -n "$TGT" addr add 198.19.254.1/30 dev "kdt$tag"
for ns in "$SCAN" "$TGT"; do ip -n "$ns" link set lo up; done
ip -n "$SCAN" link set "kds$tag" up
ip -n "$TGT" link set "kdt$tag" up
ip -n "$SCAN" route add 198.18.0.0/16 via 198.19.254.1
for n in 1 2 200; do ip -n "$TGT" route add local "198.18.$n.0/24" dev lo; done

# The known open set (in scope), plus listeners that must stay unseen: one
# on an excluded address, one outside the scope, one on an unlisted port.
OPEN="198.18.1.10:22 198.18.1.10:80 198.18.1.77:8080 198.18.2.5:443 198.18.2.200:21 198.18.3.1:22"
HIDDEN="198.18.1.200:22 198.18.200.1:22 198.18.2.5:9999"
# 198.18.3.1 is not local in tgt: the route below makes it one listener's
# address on lo (a /32 local route), so the open set spans three networks.
ip -n "$TGT" route add local 198.18.3.1/32 dev lo
for ap in $OPEN $HIDDEN; do
	ip netns exec "$TGT" ncat -l -k "${ap%:*}" "${ap#*:}" >/dev/null 2>&1 &
	PIDS+=($!)
done
nl=0
for _ in $(seq 1 100); do
	nl=$(ip netns exec "$TGT" ss -Hltn | wc -l)
	[ "$nl" -ge 9 ] && break
	sleep 0.1
done
check_eq "9 listeners up in tgt" "$nl" 9

cat >"$W/scope.txt" <<EOF
# the lab: 1,024 addresses
198.18.0.0/22   lab   allow-reserved
EOF
printf '198.18.1.128/25\n' >"$W/exclude.txt"
PORTS=21,22,80,443,8080
expected=$(printf '%s\n' $OPEN | sort)

# tcpdump in tgt sees every probe that arrives; started before kansoku.
ip netns exec "$TGT" tcpdump -i "kdt$tag" -n -U -w "$W/tgt.pcap" 'tcp' 2>"$W/tcpdump.log" &
TD=$!
PIDS+=($TD)
for _ in $(seq 1 100); do grep -qs "listening on" "$W/tcpdump.log" && break; sleep 0.1; done
check "tcpdump listening in tgt" grep -q "listening on" "$W/tcpdump.log"

disc() { # method [extra options...]: writes $W/METHOD.json, .err and audit-METHOD.csv
	local m=$1
	shift
	ip netns exec "$SCAN" "$KANSOKU" --format json survey discover --scope "$W/scope.txt" \
		--exclude "$W/exclude.txt" --ports "$PORTS" --rate 20000 --method "$m" --cooldown 2000 \
		--timeout 2000 --concurrency 2048 --audit "$W/audit-$m.csv" "$@" >"$W/$m.json" 2>"$W/$m.err"
}

disc syn
check_eq "syn: exit status" "$?" 0
check_eq "syn: method" "$(jq -r .summary.method "$W/syn.json")" syn
check_eq "syn: open set equals the known set" \
	"$(jq -r '.open[] | "\(.address):\(.port)"' "$W/syn.json" | sort)" "$expected"
# 1,024 addresses minus 128 excluded, times 5 ports.
check_eq "syn: probes" "$(jq .summary.sent "$W/syn.json")" $((896 * 5))
# closed: every other (address, port) of 198.18.1.0/25, 198.18.2.0/24, and
# 198.18.3.1's four other ports.
check_eq "syn: closed" "$(jq .summary.closed "$W/syn.json")" $(((128 + 256) * 5 - 5 + 4))
check_eq "syn: silent" "$(jq .summary.silent "$W/syn.json")" $((896 * 5 - (128 + 256) * 5 - 5))
check_eq "syn: nothing refused by the gate" "$(jq .summary.refused "$W/syn.json")" 0
check_eq "syn: audit has one row per probe" "$(($(wc -l <"$W/audit-syn.csv") - 1))" $((896 * 5))
check_eq "syn: audit header" "$(head -1 "$W/audit-syn.csv")" "time,address,port,proto,module,outcome"
check_eq "syn: audit opens" "$(grep -c ',tcp,tcp-syn,open$' "$W/audit-syn.csv")" 6
check_eq "syn: audit distinct pairs" "$(tail -n +2 "$W/audit-syn.csv" | cut -d, -f2,3 | sort -u | wc -l)" $((896 * 5))

# --interface: link mode (Ethernet frames to the gateway's MAC), same results;
# --user: root privileges dropped once the sockets are open.
disc syn --interface "kds$tag" --user nobody
check_eq "syn --interface: exit status" "$?" 0
check "syn --user nobody: dropped privileges" grep -q "running as nobody" "$W/syn.err"
check_eq "syn --interface: link mode" "$(jq .summary.link_mode "$W/syn.json")" true
check_eq "syn --interface: open set equals the known set" \
	"$(jq -r '.open[] | "\(.address):\(.port)"' "$W/syn.json" | sort)" "$expected"
check_eq "syn --interface: closed" "$(jq .summary.closed "$W/syn.json")" $(((128 + 256) * 5 - 5 + 4))

disc connect
check_eq "connect: exit status" "$?" 0
check_eq "connect: method" "$(jq -r .summary.method "$W/connect.json")" connect
check_eq "connect: open set equals the known set" \
	"$(jq -r '.open[] | "\(.address):\(.port)"' "$W/connect.json" | sort)" "$expected"
check_eq "connect: closed as syn" "$(jq .summary.closed "$W/connect.json")" "$(jq .summary.closed "$W/syn.json")"
check_eq "connect: audit opens" "$(grep -c ',tcp,tcp-connect,open$' "$W/audit-connect.csv")" 6

# auto without CAP_NET_RAW (an unprivileged user): falls back to connect.
chmod 0755 "$W"
ip netns exec "$SCAN" setpriv --reuid nobody --regid nogroup --clear-groups --inh-caps=-all \
	"$KANSOKU" --format json survey discover --scope "$W/scope.txt" --exclude "$W/exclude.txt" \
	--ports "$PORTS" --rate 20000 --timeout 2000 --concurrency 2048 >"$W/auto.json" 2>"$W/auto.err"
check_eq "auto as nobody: exit status" "$?" 0
check_eq "auto as nobody: fell back to connect" "$(jq -r .summary.method "$W/auto.json")" connect
check_eq "auto as nobody: open set equals the known set" \
	"$(jq -r '.open[] | "\(.address):\(.port)"' "$W/auto.json" | sort)" "$expected"
# ... and --method syn says why it cannot run.
ip netns exec "$SCAN" setpriv --reuid nobody --regid nogroup --clear-groups --inh-caps=-all \
	"$KANSOKU" survey discover --scope "$W/scope.txt" --ports 22 --method syn >/dev/null 2>"$W/syn-nobody.err"
check_eq "syn as nobody: exit status 1" "$?" 1
check "syn as nobody: names CAP_NET_RAW" grep -q "CAP_NET_RAW" "$W/syn-nobody.err"

# Nothing reached the excluded /25 or 198.18.200.0/24 (outside the scope).
kill -INT "$TD"
wait "$TD" 2>/dev/null
count() { tcpdump -n -r "$W/tgt.pcap" "$1" 2>/dev/null | wc -l; }
check "tcpdump saw the in-scope probes" test "$(count 'tcp[tcpflags] == tcp-syn and dst net 198.18.2.0/24')" -ge $((256 * 5 * 4))
check_eq "no packet to the excluded 198.18.1.128/25" "$(count 'dst net 198.18.1.128/25')" 0
check_eq "no packet outside the scope (198.18.200.0/24)" "$(count 'dst net 198.18.200.0/24')" 0
check_eq "no packet to an unlisted port" "$(count 'dst port 9999')" 0
# The kernel of scan answered each SYN-ACK of the syn run with a RST.
check "RSTs from the scanner's kernel" test "$(count 'src host 198.19.254.2 and tcp[tcpflags] & tcp-rst != 0')" -ge 6

# nmap agrees on the same targets (the in-scope, non-excluded local ones).
ip netns exec "$SCAN" nmap -sS -Pn -n -p "$PORTS" --max-retries 1 -oG "$W/nmap.gnmap" \
	198.18.1.0/25 198.18.2.0/24 198.18.3.1 >/dev/null 2>&1
check_eq "nmap: exit status" "$?" 0
nm=$(grep 'Ports:' "$W/nmap.gnmap" | sed -E 's/^Host: ([0-9.]+) .*Ports: /\1 /' |
	awk '{ip = $1; for (i = 2; i <= NF; i++) { split($i, f, "/"); if (f[2] == "open") print ip ":" f[1] } }' | sort)
check_eq "nmap -sS finds the same open ports" "$nm" "$expected"

# Usage errors.
"$KANSOKU" survey discover --ports 22 >/dev/null 2>&1
check_eq "no --scope: exit status 2" "$?" 2
"$KANSOKU" survey discover --scope "$W/scope.txt" --method bogus >/dev/null 2>&1
check_eq "bad --method: exit status 2" "$?" 2
"$KANSOKU" survey discover --help | grep -q -- "--method syn|connect|auto"
check_eq "--help shows the usage" "$?" 0
finish
