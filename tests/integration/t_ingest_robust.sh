#!/usr/bin/env bash
# Ingest robustness: idempotence (--force, stdin), damaged and foreign
# files, SIGKILL at arbitrary moments, country/AS enrichment.
set -u
. "$(dirname "$0")/lib.sh"
need jq
need text2pcap
need editcap
need perl
ks_workdir
ks_shared
SH=$SHARED/data
SYN=$SH/pcap/pkt.TCP.synflood.spoofed.pcap
DN=0.0.0.0/0,::/0
report() { "$KANSOKU" --db "$1" darknet report --format json | jq -c 'del(.period.first_epoch, .period.last_epoch)'; }

# Reference: one clean run.
"$KANSOKU" -q --db "$W/ref.db" darknet ingest --darknet $DN "$SYN"
REF=$(report "$W/ref.db")
check_eq "reference has the capture's 37841 packets" "$(echo "$REF" | jq .packets)" 37841

# Same file again: skipped with a message; --force keeps totals.
out=$("$KANSOKU" --db "$W/ref.db" darknet ingest --darknet $DN "$SYN" 2>&1)
check_eq "re-ingest exit status" "$?" 0
case $out in *"already ingested"*) pass "re-ingest says already ingested" ;; *) fail "re-ingest message" "$out" ;; esac
check_eq "re-ingest leaves totals" "$(report "$W/ref.db")" "$REF"
check "force re-ingest" "$KANSOKU" -q --db "$W/ref.db" darknet ingest --force --darknet $DN "$SYN"
check_eq "--force leaves totals" "$(report "$W/ref.db")" "$REF"
check_eq "--force replaced the ingest" "$(sqlite3 "$W/ref.db" 'select count(*) from ingest')" 1
# Standard input: same content, recognised by its hash.
"$KANSOKU" -q --db "$W/ref.db" darknet ingest --darknet $DN - <"$SYN" 2>/dev/null
check_eq "stdin copy of an ingested file is skipped" "$(report "$W/ref.db")" "$REF"
"$KANSOKU" -q --db "$W/stdin.db" darknet ingest --darknet $DN - <"$SYN"
check_eq "stdin ingest equals file ingest" "$(report "$W/stdin.db")" "$REF"

# Classic pcap files are read from a mapping: nanosecond timestamps and the
# other byte order must give the same totals as the original file.
editcap -F nsecpcap "$SYN" "$W/nsec.pcap"
"$KANSOKU" -q --db "$W/nsec.db" darknet ingest --darknet $DN "$W/nsec.pcap"
check_eq "nanosecond pcap equals microsecond pcap" "$(report "$W/nsec.db")" "$REF"
perl -e 'local $/; $_ = <STDIN>; print pack("NnnNNNN", unpack("VvvVVVV", substr($_, 0, 24)));
	for (my $o = 24; $o + 16 <= length; $o += 16 + $c) {
		my @r = unpack("V4", substr($_, $o, 16)); $c = $r[2];
		print pack("N4", @r), substr($_, $o + 16, $c); }' <"$SYN" >"$W/be.pcap"
"$KANSOKU" -q --db "$W/be.db" darknet ingest --darknet $DN "$W/be.pcap"
check_eq "big-endian pcap equals little-endian pcap" "$(report "$W/be.db")" "$REF"

# The mapped reader follows libpcap's rules, checked against libpcap itself
# (standard input is read by libpcap): records longer than the snapshot
# length are cut to it; a record length past 262144 is an error that keeps
# the packets before it.
perl -e 'local $/; $_ = <STDIN>; my @h = unpack("VvvVVVV", substr($_, 0, 24)); $h[5] = 40;
	print pack("VvvVVVV", @h), substr($_, 24);' <"$SYN" >"$W/snap40.pcap"
"$KANSOKU" -q --db "$W/snap_map.db" darknet ingest --darknet $DN "$W/snap40.pcap"
"$KANSOKU" -q --db "$W/snap_lib.db" darknet ingest --darknet $DN - <"$W/snap40.pcap"
check_eq "records cut to the snapshot length as libpcap does" "$(report "$W/snap_map.db")" "$(report "$W/snap_lib.db")"
{ head -c 124 "$SYN"; perl -e 'print pack("V4", 1, 2, 300000, 300000), "x" x 100'; } >"$W/big.pcap"
err=$("$KANSOKU" --db "$W/big_map.db" darknet ingest --darknet $DN "$W/big.pcap" 2>&1)
check_eq "record length past 262144: exit status 3" "$?" 3
case $err in *"big.pcap: packet "*"byte offset"*"invalid packet capture length"*) pass "record length past 262144: error names packet and offset" ;;
*) fail "record length past 262144: error names packet and offset" "$err" ;; esac
"$KANSOKU" -q --db "$W/big_lib.db" darknet ingest --darknet $DN - <"$W/big.pcap" 2>/dev/null
check_eq "record length past 262144: the packets before it, as libpcap" "$(report "$W/big_map.db")" "$(report "$W/big_lib.db")"

# A file cut in the middle of a packet: the packets before are kept,
# the error names the file, packet number and byte offset, exit 3.
head -c 1000000 "$SYN" >"$W/cut.pcap"
err=$("$KANSOKU" --db "$W/cut.db" darknet ingest --darknet $DN "$W/cut.pcap" 2>&1)
check_eq "truncated file exit status 3" "$?" 3
case $err in *"cut.pcap: packet "*"byte offset"*) pass "truncated file error names packet and offset" ;;
*) fail "truncated file error names packet and offset" "$err" ;; esac
want=$(tshark -r "$W/cut.pcap" 2>/dev/null | wc -l)
check_eq "truncated file keeps the complete packets" "$(report "$W/cut.db" | jq .packets)" "$want"

# Not a capture, a directory, a missing file.
head -c 5000 /dev/urandom >"$W/junk.pcap"
"$KANSOKU" -q --db "$W/j.db" darknet ingest --darknet $DN "$W/junk.pcap" 2>"$W/e"
check_eq "junk file exit status 3" "$?" 3
grep -q "junk.pcap: not a readable pcap or pcapng file" "$W/e" && pass "junk file error" || fail "junk file error" "$(cat "$W/e")"
"$KANSOKU" -q --db "$W/j.db" darknet ingest --darknet $DN "$W" 2>/dev/null
check_eq "directory exit status 3" "$?" 3
"$KANSOKU" -q --db "$W/j.db" darknet ingest --darknet $DN "$W/nope.pcap" 2>/dev/null
check_eq "missing file exit status 1" "$?" 1
"$KANSOKU" -q --db "$W/j.db" darknet ingest --darknet 198.18.0.0/33 "$SYN" 2>"$W/e"
check_eq "bad --darknet exit status 2" "$?" 2
grep -q "198.18.0.0/33" "$W/e" && pass "bad --darknet names the prefix" || fail "bad --darknet names the prefix" "$(cat "$W/e")"

# A link type kansoku does not decode (802.11 radiotap): named, nothing stored.
printf '0000 00 01 02 03\n' >"$W/h"
text2pcap -q -l 127 "$W/h" "$W/radiotap.pcap" 2>/dev/null
"$KANSOKU" -q --db "$W/lt.db" darknet ingest --darknet $DN "$W/radiotap.pcap" 2>"$W/e"
check_eq "unsupported link type exit status 3" "$?" 3
grep -q "radiotap.pcap: link type 127 (IEEE802_11_RADIO) is not supported" "$W/e" &&
	pass "unsupported link type error names file and type" || fail "unsupported link type error" "$(cat "$W/e")"
check_eq "unsupported link type stores nothing" "$("$KANSOKU" --db "$W/lt.db" darknet report --format json | jq .ingests)" 0
"$KANSOKU" -q --db "$W/lt.db" darknet capture --interface ks-nosuch0 --darknet $DN 2>"$W/e"
check_eq "capture on a missing interface exit status 1" "$?" 1
grep -q "ks-nosuch0: cannot start capture" "$W/e" && pass "missing interface error names it" ||
	fail "missing interface error names it" "$(cat "$W/e")"

# SIGKILL at several moments of an ingest of several files, then the same
# command again: totals equal one clean run of it.
FILES=("$SYN" "$SH/pcap/amp.TCP.reflection.SYNACK.pcap" "$SH/pcap/amp.dns.RRSIG.fragmented.pcap"
	"$SH/pcap/pkt.TCP.DOMINATE.syn.ecn.cwr.pcapng")
"$KANSOKU" -q --db "$W/clean.db" darknet ingest --darknet $DN "${FILES[@]}"
CLEAN=$(report "$W/clean.db")
for delay in 0 0.02 0.05 0.1 0.2 0.3; do
	rm -f "$W/kill.db"*
	"$KANSOKU" -q --db "$W/kill.db" darknet ingest --darknet $DN "${FILES[@]}" &
	pid=$!
	sleep "$delay"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	"$KANSOKU" -q --db "$W/kill.db" darknet ingest --darknet $DN "${FILES[@]}" 2>/dev/null
	check_eq "SIGKILL after ${delay}s, then re-run: totals of one clean run" "$(report "$W/kill.db")" "$CLEAN"
	check_eq "SIGKILL after ${delay}s: store integrity" "$(sqlite3 "$W/kill.db" 'pragma integrity_check')" ok
done

# Country and AS from the MaxMind test databases.
printf '0000 00 01 02 03\n' >"$W/h"
text2pcap -q -4 81.2.69.142,198.18.0.1 -u 1,53 "$W/h" "$W/g1.pcap" 2>/dev/null
text2pcap -q -4 1.128.0.1,198.18.0.2 -u 1,53 "$W/h" "$W/g2.pcap" 2>/dev/null
text2pcap -q -6 2001:218::1,2001:db8::1 -u 1,53 "$W/h" "$W/g3.pcap" 2>/dev/null
mergecap -w "$W/geo.pcap" "$W"/g?.pcap
check "ingest with --geoip-db --asn-db" "$KANSOKU" -q --db "$W/geo.db" darknet ingest --darknet 198.18.0.0/16,2001:db8::/32 \
	--geoip-db "$SH/mmdb/GeoLite2-Country-Test.mmdb" --asn-db "$SH/mmdb/GeoLite2-ASN-Test.mmdb" "$W/geo.pcap"
check_eq "countries and ASNs of sources" \
	"$("$KANSOKU" --db "$W/geo.db" darknet sources --format json | jq -c '[.[] | [.address, .country, .asn, .as_org]] | sort')" \
	'[["1.128.0.1",null,1221,"Telstra Pty Ltd"],["2001:218::1","JP",null,null],["81.2.69.142","GB",null,null]]'
check_eq "report top countries" "$(report "$W/geo.db" | jq -c '[.top_countries[] | [.country, .sources]] | sort')" '[["--",1],["GB",1],["JP",1]]'
check_eq "sources --country" "$("$KANSOKU" --db "$W/geo.db" darknet sources --country jp --format json | jq -c '[.[].address]')" '["2001:218::1"]'
"$KANSOKU" -q --db "$W/geo.db" darknet ingest --darknet 198.18.0.0/16 --geoip-db "$W/junk.pcap" "$W/geo.pcap" 2>"$W/e"
check_eq "bad MaxMind file exit status 3" "$?" 3
grep -q "junk.pcap: cannot open MaxMind database" "$W/e" && pass "bad MaxMind file error" || fail "bad MaxMind file error" "$(cat "$W/e")"
finish
