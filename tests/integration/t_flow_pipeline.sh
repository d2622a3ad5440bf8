#!/usr/bin/env bash
# Flow analysis end to end on a labelled world from ks_flowgen (docs/flowgen.md):
# darknet ingest (infected hosts scan the darknet) -> flow ingest (NetFlow v9
# export packets) -> totals, top, query -> detect-cc with precision and recall
# against the generator's truth -> sharing the result with a second store.
set -u
. "$(dirname "$0")/lib.sh"
need jq
ks_workdir
GEN="${KS_BUILD:-build}/tools/ks_flowgen"
[ -x "$GEN" ] || GEN="$(cd "$(dirname "$0")/../.." && pwd)/${KS_BUILD:-build}/tools/ks_flowgen"
[ -x "$GEN" ] || { fail "ks_flowgen not built ($GEN)"; finish; }
DB=$W/k.db
k() { "$KANSOKU" --db "$DB" "$@"; }

check "generate the scenario" "$GEN" scenario --seed 7 --out "$W/f.pcap" --darknet-out "$W/d.pcap" --truth "$W/t.json"
T=$W/t.json
check "darknet ingest" k -q darknet ingest --darknet "$(jq -r .darknet "$T")" "$W/d.pcap"
check "flow ingest" k -q flow ingest "$W/f.pcap"

# Totals: every exported flow, packet and byte is stored.
st=$(k flow stats --format json)
check_eq "flows = truth" "$(jq '[.[].flows] | add' <<<"$st")" "$(jq .flows "$T")"
check_eq "no loss or malformed" "$(jq '[.[] | .lost_packets + .lost_flows + .malformed + .no_template] | add' <<<"$st")" 0
read -r pk by < <(k flow query --limit 0 --format csv | awk -F, 'NR > 1 { p += $8; b += $9 } END { printf "%.0f %.0f\n", p, b }')
check_eq "packets = truth" "$pk" "$(jq .packets "$T")"
check_eq "bytes = truth" "$by" "$(jq .bytes "$T")"

hs=$(k flow stats --hourly --format json)
check_eq "hourly sums in the store: flows, packets, bytes" \
	"$(jq -c '[([.[].flows] | add), ([.[].packets] | add), ([.[].bytes] | add)]' <<<"$hs")" \
	"$(jq -c '[.flows, .packets, .bytes]' "$T")"
check_eq "hourly sums cover the scenario's hours" "$(jq length <<<"$hs")" "$(jq .hours "$T")"

# Rankings and filters against the truth.
check_eq "top sources" "$(k flow top --by src --top 10 --format json | jq -c '[.[] | [.src, .flows]]')" \
	"$(jq -c '[.top_src[] | [.addr, .flows]]' "$T")"
check_eq "top destinations" "$(k flow top --by dst --top 10 --format json | jq -c '[.[] | [.dst, .flows]]')" \
	"$(jq -c '[.top_dst[] | [.addr, .flows]]' "$T")"
pname='def pn: if type == "number" then ({"6":"tcp","17":"udp","1":"icmp"}[tostring] // tostring) else . end;'
check_eq "top destination ports" "$(k flow top --by dport --top 10 --format json | jq -c '[.[] | [.proto, .port, .flows]]')" \
	"$(jq -c "$pname"' [.top_dport[] | [(.proto | pn), .port, .flows]]' "$T")"
n=$(jq '.query_examples | length' "$T")
for i in $(seq 0 $((n - 1))); do
	f=$(jq -r ".query_examples[$i].filter" "$T")
	check_eq "query '$f'" "$(k flow query --limit 0 --format csv "$f" | tail -n +2 | wc -l)" \
		"$(jq ".query_examples[$i].flows" "$T")"
done
err=$(k flow query 'dst 198.51.100.0/33' 2>&1)
check_eq "bad filter exit status 2" "$?" 2
case $err in *column*) pass "bad filter error names the column" ;; *) fail "bad filter error names the column" "$err" ;; esac

# Idempotent ingest: a second run is skipped, --force replaces, totals stay.
out=$(k flow ingest "$W/f.pcap" 2>&1)
case $out in *"already ingested"*) pass "re-ingest skipped" ;; *) fail "re-ingest skipped" "$out" ;; esac
check "ingest --force" k -q flow ingest --force "$W/f.pcap"
check_eq "totals after --force" "$(k flow stats --format json | jq '[.[].flows] | add')" "$(jq .flows "$T")"

# C&C detection: infected = darknet scanners + the silent bots given by file.
jq -r '.infected_silent[]' "$T" >"$W/silent.txt"
internal=$(jq -r '.internal | join(",")' "$T")
R=$(k flow detect-cc --internal "$internal" --infected "$W/silent.txt" --top 0 --format json)
cands=$(jq -c '[.candidates[] | [.address, .port, .proto]]' <<<"$R")
truth=$(jq -c "$pname"' [.cc[] | [.addr, .port, (.proto | pn)]]' "$T")
tp=$(jq -n --argjson c "$cands" --argjson t "$truth" '[$c[] | select(. as $x | $t | index([$x]))] | length')
np=$(jq length <<<"$cands")
nt=$(jq length <<<"$truth")
echo "detect-cc on the labelled scenario: $np candidates, $tp of $nt C&C servers found;" \
	"precision $(jq -n "if $np > 0 then $tp / $np else 0 end"), recall $(jq -n "$tp / $nt")"
check_eq "recall 1: every C&C server found" "$tp" "$nt"
check_eq "precision 1: no other endpoint above the minimum score" "$np" "$nt"
check_eq "C&C servers ranked first" "$(jq -c "[.[0:$nt][] ] | sort" <<<"$cands")" "$(jq -c 'sort' <<<"$truth")"
check_eq "evidence: infected hosts listed" \
	"$(jq '[.candidates[0].hosts[] | select(.infected)] | length > 0' <<<"$R")" true
check_eq "periodic clean services are not candidates" \
	"$(jq -n --argjson c "$cands" --argjson p "$(jq -c "$pname"' [.clean_periodic_servers[] | [.addr, .port, (.proto | pn)]]' "$T")" \
	'[$c[] | select(. as $x | $p | index([$x]))] | length')" 0
# Without knowing who is infected there is no evidence, hence no candidate.
check_eq "no infected hosts, no candidates" \
	"$("$KANSOKU" --db "$W/flows-only.db" -q flow ingest "$W/f.pcap" && "$KANSOKU" --db "$W/flows-only.db" flow detect-cc --internal "$internal" --format json | jq '.candidates | length')" 0

# Bad side files are named with their line.
printf '198.51.100.7\nnot-an-address\n' >"$W/bad-infected.txt"
err=$(k flow detect-cc --infected "$W/bad-infected.txt" 2>&1)
check_eq "bad --infected file exit status 3" "$?" 3
case $err in *bad-infected.txt:2:*) pass "bad --infected file names line 2" ;; *) fail "bad --infected file names line 2" "$err" ;; esac
printf '192.0.2.0/24\n192.0.2.0/33\n' >"$W/bad-allow.txt"
err=$(k flow detect-cc --allowlist "@$W/bad-allow.txt" 2>&1)
case $err in *bad-allow.txt:2:*) pass "bad allowlist file names line 2" ;; *) fail "bad allowlist file names line 2" "$err" ;; esac
# The allowlist removes a C&C server from the candidates.
cc1=$(jq -r '.cc[0].addr' "$T")
check_eq "allowlisted server is not a candidate" \
	"$(k flow detect-cc --internal "$internal" --infected "$W/silent.txt" --allowlist "$cc1/32" --format json |
		jq --arg a "$cc1" '[.candidates[] | select(.address == $a)] | length')" 0

# Sharing: save as operator isp-a, export STIX, import into another operator's store.
check "detect-cc --save" k -q flow detect-cc --internal "$internal" --infected "$W/silent.txt" --save --operator isp-a --format csv >/dev/null
check "cc export stix" k -q cc export --format stix --out "$W/cc.stix"
check "cc import stix" "$KANSOKU" --db "$W/b.db" -q cc import "$W/cc.stix" --from isp-a
check_eq "shared list: the C&C servers reported by isp-a" \
	"$("$KANSOKU" --db "$W/b.db" cc list --format json | jq -c '[.[] | [.address, .port, .proto, (.reports | map(.operator))]] | sort')" \
	"$(jq -c '[.[] | . + [["isp-a"]]] | sort' <<<"$truth")"
finish
