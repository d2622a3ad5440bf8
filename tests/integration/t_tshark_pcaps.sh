#!/usr/bin/env bash
# Conformance on real DDoS captures (../shared/data/pcap, see its README):
# kansoku's packet and per-class counts must equal tshark's display filters
# on the same files. The darknet is the whole address space, so every IP
# packet counts. tshark runs without IP reassembly, so a fragment is seen as
# it is on the wire, as kansoku sees it.
set -u
. "$(dirname "$0")/lib.sh"
ks_shared
DATA=$SHARED/data/pcap
need tshark
ks_workdir

# tshark shows the headers an ICMP error quotes as ordinary fields; the
# layer operator (#1) and the !icmp guards keep to the outer packet.
LATER='(ip.frag_offset > 0 || ipv6.fraghdr.offset > 0)'
# Tunnels (GRE, IP-in-IP) are "other" for kansoku; tshark also shows the inner packet.
TUN='(gre || ip.proto#1==4 || ip.proto#1==41)'
TCP="(tcp && !icmp && !icmpv6 && !$LATER && !$TUN)"
# any FIELD V... -> "FIELD==V1 || FIELD==V2 ..." (the layer operator does not combine with "in")
any() { local f=$1 out="" v; shift; for v; do out="$out${out:+ || }$f==$v"; done; echo "$out"; }
declare -A FILTER=(
	[tcp_scan]="$TCP && tcp.flags.syn==1 && tcp.flags.ack==0 && tcp.flags.reset==0"
	[backscatter]="($TCP && (tcp.flags.reset==1 || tcp.flags.ack==1)) || (!$LATER && !$TUN && ($(any icmp.type#1 0 3 4 5 11 12) || $(any icmpv6.type#1 1 2 3 4 129 137)))"
	[icmp_scan]="!$LATER && !$TUN && (icmp.type#1==8 || icmpv6.type#1==128)"
	[udp]="udp && !icmp && !icmpv6 && !$LATER && !$TUN"
)
count() { tshark -n -r "$1" -o ip.defragment:FALSE -o ipv6.defragment:FALSE -Y "$2" 2>/dev/null | wc -l; }

for f in "$DATA"/*.pcap "$DATA"/*.pcapng; do
	name=${f##*/}
	db=$W/$name.db
	"$KANSOKU" -q --db "$db" darknet ingest --darknet 0.0.0.0/0,::/0 "$f" || { fail "$name ingest"; continue; }
	"$KANSOKU" --db "$db" darknet report --format json >"$W/r.json"
	frames=$(count "$f" "frame")
	ip=$(count "$f" "ip || ipv6")
	check_eq "$name: packets+malformed = tshark IP packets" "$(jq '.packets + .malformed' "$W/r.json")" "$ip"
	check_eq "$name: non-IP frames" "$(jq '.non_ip' "$W/r.json")" $((frames - ip))
	sum=0
	for c in tcp_scan backscatter icmp_scan udp; do
		want=$(count "$f" "${FILTER[$c]}")
		check_eq "$name: $c" "$(jq ".classes.$c" "$W/r.json")" "$want"
		sum=$((sum + want))
	done
	# distinct destinations (outer header only: -E occurrence=f)
	dsts=$(tshark -n -r "$f" -o ip.defragment:FALSE -o ipv6.defragment:FALSE -Y "ip || ipv6" -T fields \
		-E occurrence=f -e ip.dst -e ipv6.dst 2>/dev/null | tr -d '\t' | sort -u | wc -l)
	if [ "$(jq .malformed "$W/r.json")" = 0 ]; then
		check_eq "$name: darknet addresses hit" "$(jq .darknet_addresses_hit "$W/r.json")" "$dsts"
	fi
	# other = IP packets tshark puts in none of the four classes (minus malformed)
	check_eq "$name: other" "$(jq '.classes.other + .malformed' "$W/r.json")" $((ip - sum))
done
finish
