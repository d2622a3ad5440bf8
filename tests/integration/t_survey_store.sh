#!/usr/bin/env bash
# Survey store through `survey import`, without scanning: two rounds of one
# scope (JSON lines as a remote site ships them). Between them a weak
# password and an open resolver are fixed (resolved with the round's end
# time) and a new telnet service appears. Checks the findings (JSON and CSV
# exactly), the per-round figures, notification packages (CSV columns, HTML
# escaping), risk ranks, infected marking from a darknet ingest of a ks_gen
# capture, and that a bad import file applies nothing.
#
# Env: KANSOKU (kansoku binary), KS_TOOLS (directory holding ks_gen). Needs jq.
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
set -u
. "$(dirname "$0")/lib.sh"
: "${KS_TOOLS:?KS_TOOLS must name the directory holding ks_gen}"
need jq
ks_workdir
DB=$W/k.db
k() { "$KANSOKU" --db "$DB" "$@"; }

# Darknet first: ks_gen's capture has 198.51.100.6 as a Mirai-tagged scanner
# and 198.51.100.155 as a Mirai-tagged source below the scan threshold.
check "ks_gen capture" "$KS_TOOLS/ks_gen" darknet --out "$W/dn.pcap" --truth "$W/truth.json" --orgs "$W/orgs.csv"
check "org import" k -q org import "$W/orgs.csv"
check "darknet ingest" k -q darknet ingest --darknet 198.18.0.0/16,2001:db8:dead::/48 "$W/dn.pcap"
check_eq "capture has the sources the test relies on" \
	"$(jq -c '[.alerts[] | select(.address | IN("198.51.100.6", "198.51.100.155", "198.51.100.200",
		"203.0.113.10", "203.0.113.11", "203.0.113.120", "203.0.113.99", "192.0.2.20")) | [.address, .scanner, .tags]]' "$W/truth.json")" \
	'[["198.51.100.6",true,["mirai"]],["198.51.100.155",false,["mirai"]]]'

svc() { # address port proto module device_type vendor product version banner
	printf '{"kind":"service","address":"%s","port":%s,"proto":"%s","module":"%s","device_type":"%s","vendor":"%s","product":"%s","version":"%s","banner":%s}\n' "$@"
}
fnd() { # address port proto type severity product detail
	printf '{"kind":"finding","address":"%s","port":%s,"proto":"%s","type":"%s","severity":"%s","product":"%s","detail":"%s"}\n' "$@"
}
aud() { # t_ns address port proto module outcome
	printf '{"kind":"audit","t_ns":%s,"address":"%s","port":%s,"proto":"%s","module":"%s","outcome":"%s"}\n' "$@"
}

{
	echo '{"kind":"round","scope_name":"lab","in_scope":256,"started":"2026-12-01T00:00:00Z","ended":"2026-12-01T02:00:00Z"}'
	aud 1796083201000000000 203.0.113.10 23 tcp tcp-syn open
	aud 1796083202000000000 203.0.113.10 23 tcp telnet-login "login-accepted user=root"
	svc 203.0.113.10 23 tcp telnet Router Acme R100 1.0 '"<b>R100</b> & \"x\" login:"'
	fnd 203.0.113.10 23 tcp weak_credentials critical "Acme R100 1.0" "login root/xc3511 accepted over telnet"
	fnd 203.0.113.10 23 tcp telnet_exposed medium "Acme R100 1.0" "telnet answers"
	svc 203.0.113.11 80 tcp http "IP Camera" Hikam C2 "5.4" '"App-webs/"'
	fnd 203.0.113.11 80 tcp cleartext_admin medium "Hikam C2 5.4" "login page over http"
	fnd 203.0.113.11 80 tcp known_vulnerability high "Hikam C2 5.4" "CVE-2017-7921 (known exploited, CVSS 10.0)"
	svc 192.0.2.20 53 udp dns "" "" "" "" '""'
	fnd 192.0.2.20 53 udp open_resolver medium "" "recursion for anyone"
	svc 198.51.100.6 23 tcp telnet Router "" "" "" '"login:"'
	fnd 198.51.100.6 23 tcp telnet_exposed medium "" "telnet answers"
	aud 1796083203000000000 198.51.100.200 1883 tcp tcp-syn open
	echo '{"kind":"finding","address":"198.51.100.200","port":1883,"proto":"tcp","type":"mqtt_no_auth","severity":"high","detail":"CONNECT accepted","org":"infra-c"}'
	aud 1796083204000000000 203.0.113.99 22 tcp tcp-syn closed
} >"$W/r1.jsonl"
check "import round 1 (--complete)" k -q survey import --complete "$W/r1.jsonl"

{
	aud 1796688001000000000 203.0.113.10 23 tcp tcp-syn open
	aud 1796688002000000000 203.0.113.10 23 tcp telnet-login "login-rejected user=root"
	svc 203.0.113.10 23 tcp telnet Router Acme R100 1.1 '"login:"'
	fnd 203.0.113.10 23 tcp telnet_exposed medium "Acme R100 1.1" "telnet answers"
	svc 203.0.113.11 80 tcp http "IP Camera" Hikam C2 "5.4" '"App-webs/"'
	fnd 203.0.113.11 80 tcp cleartext_admin medium "Hikam C2 5.4" "login page over http"
	fnd 203.0.113.11 80 tcp known_vulnerability high "Hikam C2 5.4" "CVE-2017-7921 (known exploited, CVSS 10.0)"
	svc 203.0.113.120 2323 tcp telnet "" "" "" "" '"BusyBox"'
	fnd 203.0.113.120 2323 tcp telnet_exposed medium "" "telnet answers"
	aud 1796688003000000000 192.0.2.20 53 udp udp-dns no-reply
	svc 198.51.100.6 23 tcp telnet Router "" "" "" '"login:"'
	fnd 198.51.100.6 23 tcp telnet_exposed medium "" "telnet answers"
	echo '{"kind":"finding","address":"198.51.100.200","port":1883,"proto":"tcp","type":"mqtt_no_auth","severity":"high","detail":"CONNECT accepted","org":"infra-c"}'
	aud 1796688004000000000 198.51.100.155 23 tcp tcp-syn closed
	echo '{"kind":"round","scope_name":"lab","in_scope":256,"started":"2026-12-08T00:00:00Z","ended":"2026-12-08T02:00:00Z","complete":true}'
} >"$W/r2.jsonl"

# A bad file applies nothing: its round record is fine, line 3 is not.
{
	echo '{"kind":"round","scope_name":"lab","complete":true}'
	fnd 203.0.113.50 23 tcp telnet_exposed medium "" "x"
	echo '{"kind":"service","address":"203.0.113.50","port":65536,"proto":"tcp","module":"telnet"}'
} >"$W/bad.jsonl"
err=$(k survey import "$W/bad.jsonl" 2>&1)
check_eq "bad import exit status 3" "$?" 3
case $err in *"bad.jsonl:3: field 'port'"*"nothing was imported"*) pass "bad import names line and field" ;;
*) fail "bad import names line and field" "$err" ;; esac
check_eq "bad import applied nothing" "$(k survey stats --format json | jq -c '[length, ([.[].resolved] | add)]')" '[1,0]'
check_eq "bad import: still 8 findings, all open" "$(k survey findings --format json | jq -c '[length, ([.[] | select(.status == "open")] | length)]')" '[8,8]'

check "import round 2" k -q survey import "$W/r2.jsonl"
check_eq "the same file again is skipped" "$(k survey import "$W/r2.jsonl" 2>&1)" \
	"kansoku: $W/r2.jsonl: already imported as round 2; skipped (--force imports it again)"

# Findings, exactly: 2 resolved at round 2's end, 1 new, infected marked.
F='[.[] | [.address, .port, .proto, .type, .severity, .status, .org, .first_seen, .last_seen, .resolved_at]]'
check_eq "findings json" "$(k survey findings --format json | jq -c "$F")" \
'[["198.51.100.6",0,"ip","infected","high","open","city-b","2026-12-01T02:00:00Z","2026-12-08T02:00:00Z",null],'\
'["198.51.100.6",23,"tcp","telnet_exposed","medium","open","city-b","2026-12-01T00:00:00Z","2026-12-08T00:00:00Z",null],'\
'["198.51.100.155",0,"ip","infected","high","open","city-b","2026-12-08T02:00:00Z","2026-12-08T02:00:00Z",null],'\
'["192.0.2.20",53,"udp","open_resolver","medium","resolved","infra-c","2026-12-01T00:00:00Z","2026-12-01T00:00:00Z","2026-12-08T02:00:00Z"],'\
'["198.51.100.200",1883,"tcp","mqtt_no_auth","high","open","infra-c","2026-12-01T00:00:00Z","2026-12-08T00:00:00Z",null],'\
'["203.0.113.10",23,"tcp","telnet_exposed","medium","open","isp-a","2026-12-01T00:00:00Z","2026-12-08T00:00:00Z",null],'\
'["203.0.113.10",23,"tcp","weak_credentials","critical","resolved","isp-a","2026-12-01T00:00:00Z","2026-12-01T00:00:00Z","2026-12-08T02:00:00Z"],'\
'["203.0.113.11",80,"tcp","cleartext_admin","medium","open","isp-a","2026-12-01T00:00:00Z","2026-12-08T00:00:00Z",null],'\
'["203.0.113.11",80,"tcp","known_vulnerability","high","open","isp-a","2026-12-01T00:00:00Z","2026-12-08T00:00:00Z",null],'\
'["203.0.113.120",2323,"tcp","telnet_exposed","medium","open","isp-a","2026-12-08T00:00:00Z","2026-12-08T00:00:00Z",null]]'
check_eq "findings json has the documented keys" \
	"$(k survey findings --format json | jq -c '.[0] | [has("address"), has("port"), has("type"), has("severity"), has("status"), has("org"), has("first_seen"), has("last_seen"), has("product"), has("detail")]')" \
	'[true,true,true,true,true,true,true,true,true,true]'
check_eq "product follows the latest sighting" \
	"$(k survey findings --type telnet_exposed --org isp-a --format json | jq -c '[.[].product]')" '["Acme R100 1.1",""]'
check_eq "infected detail" \
	"$(k survey findings --type infected --format json | jq -r '.[].detail | sub(": .*"; "")')" \
	"$(printf 'seen by the darknet sensor as a scanner and bot-tagged\nseen by the darknet sensor bot-tagged')"
check_eq "findings csv (resolved)" "$(k survey findings --status resolved --format csv)" \
"address,port,proto,type,severity,status,org,first_seen,last_seen,resolved_at,product,detail,scope
192.0.2.20,53,udp,open_resolver,medium,resolved,infra-c,2026-12-01T00:00:00Z,2026-12-01T00:00:00Z,2026-12-08T02:00:00Z,,recursion for anyone,lab
203.0.113.10,23,tcp,weak_credentials,critical,resolved,isp-a,2026-12-01T00:00:00Z,2026-12-01T00:00:00Z,2026-12-08T02:00:00Z,Acme R100 1.0,login root/xc3511 accepted over telnet,lab"
check_eq "findings --org --status" "$(k survey findings --org isp-a --status open --format json | jq -c '[.[] | .type]')" \
	'["telnet_exposed","cleartext_admin","known_vulnerability","telnet_exposed"]'
check_eq "bad --status is a usage error" "$(k survey findings --status fixed >/dev/null 2>&1; echo $?)" 2

# Figures per round and the trend.
S='[.[] | [.round, .scope, .complete, .in_scope, .responding, .identified, .device_types, .weak_credentials, .high_risk_vulnerabilities, .infected, .findings, .resolved]]'
check_eq "stats json" "$(k survey stats --format json | jq -c "$S")" \
'[[1,"lab",true,256,4,3,{"Router":2,"IP Camera":1},1,1,1,8,0],[2,"lab",true,256,4,3,{"Router":2,"IP Camera":1},0,1,2,8,2]]'
check_eq "stats csv header" "$(k survey stats --format csv | head -1)" \
	"round,scope,started,ended,complete,in_scope,responding,services,identified,device_types,weak_credentials,high_risk_vulnerabilities,infected,findings,resolved,audit_records"
check_eq "stats text shows the change" "$(k survey stats | grep -c 'devices with weak credentials *0  (-1)')" 1

# Notification packages.
check "notify --write" k -q notify --write "$W/out"
check_eq "one package per organisation with open findings" "$(cd "$W/out" && ls | tr '\n' ' ')" \
	"city-b.csv city-b.html infra-c.csv infra-c.html isp-a.csv isp-a.html "
check_eq "notify csv header (Shadowserver columns first)" "$(head -1 "$W/out/isp-a.csv")" \
	"timestamp,severity,ip,protocol,port,hostname,tag,asn,geo,region,city,sector,banner,device_vendor,device_type,device_model,device_version,cpe,title,first_seen,detail"
check_eq "notify csv rows: open findings only" "$(tail -n +2 "$W/out/isp-a.csv" | cut -d, -f1-7,12-17)" \
"2026-12-08T00:00:00Z,medium,203.0.113.10,tcp,23,,telnet_exposed,isp,login:,Acme,Router,R100,1.1
2026-12-08T00:00:00Z,medium,203.0.113.11,tcp,80,,cleartext_admin,isp,App-webs/,Hikam,IP Camera,C2,5.4
2026-12-08T00:00:00Z,high,203.0.113.11,tcp,80,,known_vulnerability,isp,App-webs/,Hikam,IP Camera,C2,5.4
2026-12-08T00:00:00Z,medium,203.0.113.120,tcp,2323,,telnet_exposed,isp,BusyBox,,,,"
check_eq "notify html: name and remediation" \
	"$(grep -c -e 'Open findings for Example ISP A (isp-a)' -e 'How to fix:' "$W/out/isp-a.html")" 4
# Round 1's banner with markup is in the store; a package written after
# round 1 must escape it. Re-import round 1 into a fresh store to see it.
DB=$W/k1.db
check "org import (fresh store)" k -q org import "$W/orgs.csv"
check "round 1 alone" k -q survey import --no-infected "$W/r1.jsonl"
check "notify after round 1" k -q notify --write "$W/out1" --org isp-a
check_eq "html escapes device text" "$(grep -c '&lt;b&gt;R100&lt;/b&gt; &amp; &quot;x&quot; login:' "$W/out1/isp-a.html")" 2
check_eq "html has no raw markup from devices" "$(grep -c '<b>R100' "$W/out1/isp-a.html")" 0

# asn and geo columns from the MaxMind test databases (data only: nothing is sent).
ks_shared
DB=$W/geo.db
printf 'id,name,kind,contact,prefixes\nnet-g,G,isp,g@g.example,81.2.69.0/24 1.128.0.0/16\n' >"$W/g.csv"
check "org import (geo)" k -q org import "$W/g.csv"
{ fnd 81.2.69.142 23 tcp telnet_exposed medium "" x; fnd 1.128.0.1 23 tcp telnet_exposed medium "" y; } >"$W/g.jsonl"
check "import (geo)" k -q survey import --no-infected "$W/g.jsonl"
check "notify with --geoip-db --asn-db" k -q notify --write "$W/outg" \
	--geoip-db "$SHARED/data/mmdb/GeoLite2-Country-Test.mmdb" --asn-db "$SHARED/data/mmdb/GeoLite2-ASN-Test.mmdb"
check_eq "asn and geo columns" "$(tail -n +2 "$W/outg/net-g.csv" | cut -d, -f3,8,9)" "$(printf '1.128.0.1,1221,\n81.2.69.142,,GB')"
k -q notify --write "$W/outx" --asn-db "$W/g.csv" 2>/dev/null
check_eq "bad MaxMind file exit status 3" "$?" 3
DB=$W/k.db

# Risk: worst first, rated at round 2's end (docs/survey.md, "Risk rating";
# raw = sum of weight x (1 + age/180 days) + 0.5 per host; 100 e^(-raw/25)):
#  isp-a:   medium, medium, high 7.08 days old, medium 0.08 d; 3 hosts: raw 16.97 -> 51
#  city-b:  high 7.0 d, medium 7.08 d, high 0 d; 2 hosts:          raw 16.35 -> 52
#  infra-c: high 7.08 d; 1 host:                                    raw  6.74 -> 76
# Trend: findings sighted in each round, aged at its start (round 1 isp-a:
# critical + high + 2 medium on 2 hosts, raw 23 -> 40).
check_eq "org risk json" "$(k org risk --at 2026-12-08T02:00:00Z --format json | jq -c '[.[] | [.rank, .org, .score, .grade, .open_findings, .hosts, [.trend[].score]]]')" \
	'[[1,"isp-a",51,"F",4,3,[40,51]],[2,"city-b",52,"F",3,2,[68,52]],[3,"infra-c",76,"C",1,1,[67,76]]]'
check_eq "org risk csv" "$(k org risk --at 2026-12-08T02:00:00Z --format csv | sed -n '1p;4p')" \
"rank,org,name,score,grade,open_findings,hosts,critical,high,medium,low,info,trend
3,infra-c,C Power and Water,76,C,1,1,0,1,0,0,0,67 76"
finish
