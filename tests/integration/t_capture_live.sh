#!/usr/bin/env bash
# Live capture on a veth pair between two network namespaces that this
# test creates: the "sensor" namespace holds the darknet route's next hop
# and runs `kansoku darknet capture`, the "source" namespace sends a bounded
# number of probes to darknet addresses (198.18.0.0/16, RFC 2544). Checks
# privilege dropping, the periodic flush and the flush on SIGINT.
set -u
. "$(dirname "$0")/lib.sh"
need jq
need ip
need ping
if [ "$(id -u)" -ne 0 ]; then
	fail "live capture test needs root (network namespaces)"
	finish
fi
ks_workdir
tag=$$
SENSOR=ks-sensor-$tag SOURCE=ks-source-$tag
cleanup() {
	[ -n "${CAP:-}" ] && kill "$CAP" 2>/dev/null
	ip netns del "$SENSOR" 2>/dev/null
	ip netns del "$SOURCE" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$W"
}
trap cleanup EXIT
ip netns add "$SENSOR" && ip netns add "$SOURCE" || { fail "create namespaces"; finish; }
ip link add "kss$tag" type veth peer name "ksr$tag"
ip link set "kss$tag" netns "$SENSOR"
ip link set "ksr$tag" netns "$SOURCE"
ip -n "$SENSOR" addr add 198.19.254.1/30 dev "kss$tag"
ip -n "$SOURCE" addr add 198.19.254.2/30 dev "ksr$tag"
ip -n "$SENSOR" link set "kss$tag" up
ip -n "$SOURCE" link set "ksr$tag" up
ip -n "$SOURCE" route add 198.18.0.0/16 via 198.19.254.1

# The store must be writable by the unprivileged user too.
mkdir -m 0777 "$W/live"
DB=$W/live/k.db
ip netns exec "$SENSOR" "$KANSOKU" --db "$DB" darknet capture --interface "kss$tag" \
	--darknet 198.18.0.0/16 --user nobody --flush-interval 1 2>"$W/cap.log" &
CAP=$!
for _ in $(seq 1 100); do grep -q "listening on" "$W/cap.log" && break; sleep 0.1; done
check "capture started" grep -q "listening on kss$tag" "$W/cap.log"
check_eq "capture runs as nobody" "$(awk '/^Uid:/ {print $2}' /proc/$CAP/status)" "$(id -u nobody)"

ip netns exec "$SOURCE" ping -n -q -c 5 -i 0.2 -W 1 198.18.0.5 >/dev/null 2>&1
ip netns exec "$SOURCE" timeout 1 bash -c 'exec 3<>/dev/tcp/198.18.7.9/23' 2>/dev/null

# The periodic flush commits while the capture runs: wait (bounded) for it.
icmp=0
for _ in $(seq 1 100); do
	icmp=$("$KANSOKU" --db "$DB" darknet report --format json 2>/dev/null | jq '.classes.icmp_scan')
	[ "$icmp" = 5 ] && break
	sleep 0.1
done
check_eq "periodic flush stored the 5 echo requests while running" "$icmp" 5
kill -INT "$CAP"
wait "$CAP"
check_eq "capture exits 0 on SIGINT" "$?" 0
CAP=
R=$("$KANSOKU" --db "$DB" darknet report --format json)
check_eq "icmp_scan after stop" "$(echo "$R" | jq .classes.icmp_scan)" 5
check_eq "one source" "$(echo "$R" | jq .sources)" 1
check "tcp_scan seen (SYN to 198.18.7.9:23)" test "$(echo "$R" | jq .classes.tcp_scan)" -ge 1
check_eq "top port 23/tcp" "$(echo "$R" | jq -c '.top_ports[0] | [.proto, .port]')" '["tcp",23]'
check_eq "the source's dests" "$("$KANSOKU" --db "$DB" darknet sources --format json | jq -c '.[0] | [.address, .dests]')" '["198.19.254.2",2]'
finish
