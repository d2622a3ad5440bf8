#!/usr/bin/env bash
# Organisation import (all-or-nothing, updates, line-numbered errors),
# listing, and alerts --write, on a capture made with text2pcap.
set -u
. "$(dirname "$0")/lib.sh"
need text2pcap
need jq
ks_workdir
DB=$W/k.db
k() { "$KANSOKU" --db "$DB" "$@"; }

cat >"$W/orgs.csv" <<'CSV'
id,name,kind,contact,prefixes
isp-a,Example ISP,isp,abuse@isp.example,203.0.113.0/25 2001:db8:a::/48
city-b,"Example City, IT section",local_gov,csirt@city.example,198.51.100.0/24
CSV
check "org import" k -q org import "$W/orgs.csv"
check_eq "org list json" "$(k org list --format json | jq -c '[.[] | [.id, .kind, (.prefixes|length)]]')" \
	'[["city-b","local_gov",1],["isp-a","isp",2]]'

# Re-import updates; a bad line applies nothing and names its line.
cat >"$W/orgs2.csv" <<'CSV'
id,name,kind,contact,prefixes
isp-a,Example ISP renamed,isp,abuse@isp.example,203.0.113.0/24
infra-c,Example Power,critical_infra,soc@power.example,192.0.2.0/26
CSV
check "org re-import" k -q org import "$W/orgs2.csv"
check_eq "re-import updated name and prefixes" \
	"$(k org list --format json | jq -c '.[] | select(.id=="isp-a") | [.name, .prefixes]')" \
	'["Example ISP renamed",["203.0.113.0/24"]]'
printf 'id,name,kind,contact,prefixes\nnew-d,New,isp,a@b.example,192.0.2.128/25\nbad-e,Bad,isp,a@b.example,10.0.0.1/33\n' >"$W/bad.csv"
err=$(k org import "$W/bad.csv" 2>&1)
check_eq "bad org file exit status 3" "$?" 3
case $err in *bad.csv:3:*) pass "bad org file error names line 3" ;; *) fail "bad org file error names line 3" "$err" ;; esac
check_eq "bad org file applied nothing" "$(k org list --format json | jq 'length')" 3

# Traffic: a scanner in isp-a (12 darknet addresses), a sub-threshold
# source in city-b (2 addresses), a source in no organisation.
mk() { text2pcap -q -4 "$1,$2" -u "40000,$3" "$W/h1" "$W/p-$4.pcap" 2>/dev/null; }
printf '0000 00 01 02 03\n' >"$W/h1"
n=0
for d in $(seq 1 12); do mk 203.0.113.7 198.18.0.$d 53 $((n += 1)); done
for d in 1 2; do mk 198.51.100.9 198.18.1.$d 123 $((n += 1)); done
for d in $(seq 1 12); do mk 192.0.2.200 198.18.2.$d 1900 $((n += 1)); done
mergecap -w "$W/all.pcap" "$W"/p-*.pcap
check "ingest" k -q darknet ingest --darknet 198.18.0.0/16 --scan-threshold 10 "$W/all.pcap"
check_eq "darknet addresses hit" "$(k darknet report --format json | jq .darknet_addresses_hit)" 26
check_eq "busiest darknet addresses (ties by address)" \
	"$(k darknet report --format json | jq -c '[.top_darknet_addresses[] | .address] | .[0,1,9]')" \
	"$(printf '"198.18.0.1"\n"198.18.0.2"\n"198.18.0.10"')"
check_eq "alerts json" "$(k alerts --format json | jq -c '[.[] | [.org, .address, .packets, .ports]]')" \
	'[["isp-a","203.0.113.7",12,["53/udp"]]]'
check_eq "alerts json has the documented keys" \
	"$(k alerts --format json | jq -c '.[0] | [has("org"), has("address"), has("first_seen"), has("last_seen"), has("packets"), has("ports"), has("tags")]')" \
	'[true,true,true,true,true,true,true]'
check_eq "lower threshold alerts city-b too" \
	"$(k alerts --scan-threshold 2 --format json | jq -c '[.[].org]')" '["city-b","isp-a"]'
check_eq "alerts --org" "$(k alerts --scan-threshold 2 --org city-b --format json | jq -c '[.[].address]')" '["198.51.100.9"]'
check "alerts --write" k -q alerts --write "$W/out"
check_eq "one CSV per organisation with alerts" "$(ls "$W/out")" "isp-a.csv"
check_eq "CSV header" "$(head -1 "$W/out/isp-a.csv")" \
	"org,org_name,address,first_seen,last_seen,packets,tcp_scan,backscatter,icmp_scan,udp,other,dests,distinct_ports,top_ports,tags,scanner,victim,country,asn,as_org"
check_eq "CSV row" "$(tail -n +2 "$W/out/isp-a.csv" | cut -d, -f1,3,6,10,12,14,16)" "isp-a,203.0.113.7,12,12,12,53/udp,yes"
finish
