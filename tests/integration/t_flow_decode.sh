#!/usr/bin/env bash
# kansoku flow decode on the shared NetFlow v5/v9/IPFIX export datagrams
# (../shared/data/netflow, expectations in netflow_spec.rb beside them):
# record counts and values, templates shared across files in command-line
# order, malformed input (exit 3 with an error record), and a pcap of the
# same export packets (made with text2pcap) decoding to the same flows.
set -u
. "$(dirname "$0")/lib.sh"
need jq
need text2pcap
ks_shared
ks_workdir
N=$SHARED/data/netflow
dec() { "$KANSOKU" -q flow decode --format json "$@"; }

O=$(dec "$N/netflow5.dat")
check_eq "v5 records" "$(jq -s '[.[] | select(.kind == "data")] | length' <<<"$O")" 2
check_eq "v5 first record" "$(jq -sc '.[0].fields | [.sourceIPv4Address, .destinationIPv4Address, .sourceTransportPort, .destinationTransportPort, .tcpControlBits, .packetDeltaCount, .octetDeltaCount]' <<<"$O")" \
	'["10.0.2.2","10.0.2.15",54435,22,16,5,230]'
check_eq "v5 header" "$(jq -sc '.[0].header | [.version, .count, .unix_secs, .flow_sequence]' <<<"$O")" '[5,2,1430591888,0]'

# Data before its template is not decoded; the template from an earlier file applies to later ones.
O=$(dec "$N/netflow9_test_cisco_asa_1_data.dat")
check_eq "data before template: no records" "$(jq -s '[.[] | select(.kind == "data")] | length' <<<"$O")" 0
O=$(dec "$N/netflow9_test_cisco_asa_1_tpl.dat" "$N/netflow9_test_cisco_asa_1_data.dat")
check_eq "ASA records (spec: 14)" "$(jq -s '[.[] | select(.kind == "data")] | length' <<<"$O")" 14
check_eq "ASA second record (spec values)" \
	"$(jq -sc '[.[] | select(.kind == "data")][1].fields | [.sourceIPv4Address, .destinationIPv4Address, .icmpTypeIPv4, .flowStartMilliseconds, .octetTotalCount]' <<<"$O")" \
	'["192.168.23.22","164.164.37.11",8,1444384068169,56]'
check_eq "template record" "$(jq -sc '[.[] | select(.kind == "template")][0] | [.set_id, (.template_id >= 256), (.fields[0] | keys)]' <<<"$O")" \
	'[0,true,["id","length","name","pen"]]'

O=$(dec "$N/netflow9_test_macaddr_tpl.dat" "$N/netflow9_test_macaddr_data.dat")
check_eq "mac addresses" "$(jq -sc '[.[] | select(.kind == "data" and .fields.sourceMacAddress != null)][0].fields | [.sourceMacAddress, .destinationMacAddress]' <<<"$O")" \
	'["00:50:56:c0:00:01","00:0c:29:70:86:09"]'

O=$(dec "$N/ipfix_test_netscaler_tpl.dat" "$N/ipfix_test_netscaler_data.dat")
check_eq "IPFIX variable-length records (spec: 3)" "$(jq -s '[.[] | select(.kind == "data")] | length' <<<"$O")" 3
check_eq "IPFIX header keys" "$(jq -sc '[.[] | select(.kind == "data")][0].header | keys' <<<"$O")" \
	'["domain","export_time","length","sequence","version"]'

O=$(dec "$N/netflow9_test_cisco_nbar_opttpl260.dat")
check_eq "v9 options data records (spec: 15)" "$(jq -s '[.[] | select(.kind == "options_data")] | length' <<<"$O")" 15

# Malformed: exit status 3 and an error record naming the offset.
dec "$N/netflow5_test_invalid01.dat" >"$W/bad.json"
check_eq "malformed exit status" "$?" 3
check_eq "malformed error record" "$(jq -c '[.kind, .offset, (.message | length > 0)]' "$W/bad.json")" '["error",2,true]'
dec "$N/netflow5.dat" "$N/netflow5_test_invalid02.dat" >"$W/bad2.json"
check_eq "good records still printed" "$?,$(jq -s '[.[] | select(.kind == "data")] | length' "$W/bad2.json")" "3,2"

# The same export packets in a capture: same flows.
for f in netflow9_test_cisco_asa_1_tpl.dat netflow9_test_cisco_asa_1_data.dat; do
	od -Ax -tx1 -v "$N/$f"
done >"$W/hex.txt"
# text2pcap wants one dump per packet: offsets restart at 0 for the second file.
text2pcap -q -4 192.0.2.1,198.51.100.2 -u 2055,9995 "$W/hex.txt" "$W/asa.pcap" 2>/dev/null
"$KANSOKU" -q flow decode --format json --flows "$N/netflow9_test_cisco_asa_1_tpl.dat" "$N/netflow9_test_cisco_asa_1_data.dat" \
	| jq -c 'del(.file, .datagram)' >"$W/dat.flows"
"$KANSOKU" -q flow decode --format json --flows "$W/asa.pcap" | jq -c 'del(.file, .datagram)' >"$W/pcap.flows"
check_eq "pcap flows" "$(wc -l <"$W/pcap.flows")" 14
if cmp -s "$W/dat.flows" "$W/pcap.flows"; then pass "pcap flows equal the .dat flows"; else
	fail "pcap flows equal the .dat flows" "$(diff "$W/dat.flows" "$W/pcap.flows" | head -5)"; fi
check_eq "normalised ICMP flow" "$(sed -n 2p "$W/pcap.flows" | jq -c '[.src, .dst, .proto, .dport, .bytes, .first_ms, .sampling]')" \
	'["192.168.23.22","164.164.37.11",1,2048,56,1444384068169,1]'
finish
