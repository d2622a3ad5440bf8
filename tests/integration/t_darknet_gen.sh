#!/usr/bin/env bash
# Darknet pipeline against ground truth made by construction: ks_gen writes a
# capture of known composition (scanners, Mirai/ZMap/masscan-like sources,
# backscatter, IPv6, options, fragments, other protocols, traffic outside the
# darknet, malformed packets, ARP), the report figures it must give and the
# alerts it must raise (docs/formats.md). For every link type: org import,
# darknet ingest, darknet report and alerts, each figure compared with the
# truth. Then, on one capture: a second ingest of the same file is skipped,
# --force leaves the totals alone, standard input and a pcapng copy give the
# same report.
#
# Env: KANSOKU (kansoku binary), KS_TOOLS (directory holding ks_gen).
# Needs jq; editcap (Wireshark) for the pcapng case.
# shellcheck disable=SC2016 # the jq programs are single-quoted on purpose
set -u
. "$(dirname "$0")/lib.sh"
: "${KS_TOOLS:?KS_TOOLS must name the directory holding ks_gen}"
GEN=$KS_TOOLS/ks_gen
DARKNET=198.18.0.0/16,2001:db8:dead::/48
THRESHOLD=10
SEED=${KS_GEN_SEED:-1}
LINKS="ether vlan qinq sll sll2 raw null"
need jq
[ -x "$GEN" ] || { fail "darknet_gen: ks_gen" "not found at $GEN"; finish; }
ks_workdir

# The documented report keys (docs/formats.md); "same report" compares these.
REPORT_KEYS='{period, darknet_addresses, packets, malformed, outside, non_ip, classes,
	packets_per_address_per_year, sources, scanners, victims, tags, top_ports,
	top_ports_by_sources, top_countries, top_asns, scan_threshold}'

# jq programs: input is the report (or the alerts array), $t[0] the truth.
# Each prints one line per mismatch and nothing when all is well.
JQ_COUNTS='$t[0] as $t |
	(["packets", "malformed", "outside", "non_ip", "sources", "scanners", "victims",
	  "darknet_addresses", "scan_threshold"][] as $k
	 | select(.[$k] != $t[$k]) | "\($k)=\(.[$k] | tojson) want \($t[$k])"),
	(["tcp_scan", "backscatter", "icmp_scan", "udp", "other"][] as $k
	 | select(.classes[$k] != $t.classes[$k])
	 | "classes.\($k)=\(.classes[$k] | tojson) want \($t.classes[$k])"),
	(["mirai", "zmap", "masscan"][] as $k
	 | select(.tags[$k] != $t.tags[$k]) | "tags.\($k)=\(.tags[$k] | tojson) want \($t.tags[$k])"),
	(select((.classes // {} | [.[]] | add) != .packets)
	 | "classes sum to \(.classes // {} | [.[]] | add), packets=\(.packets)")'
# Relative tolerance 1e-6 for the rate and the period length; epochs to 10 us.
JQ_NUMS='$t[0] as $t |
	def abs: if . < 0 then -. else . end;
	def near($a; $b; $tol): ($a | type) == "number" and (($a - $b) | abs) <= $tol;
	(select(near(.period.seconds; $t.period.seconds; 1e-6 * $t.period.seconds) | not)
	 | "period.seconds=\(.period.seconds | tojson) want \($t.period.seconds)"),
	(["first_epoch", "last_epoch"][] as $k
	 | select(near(.period[$k]; $t.period[$k]; 1e-5) | not)
	 | "period.\($k)=\(.period[$k] | tojson) want \($t.period[$k])"),
	(select(near(.packets_per_address_per_year; $t.packets_per_address_per_year;
		     1e-6 * $t.packets_per_address_per_year) | not)
	 | "packets_per_address_per_year=\(.packets_per_address_per_year | tojson) want \($t.packets_per_address_per_year)")'
# Element by element, in the documented order (packets desc, sources desc, proto, port).
JQ_PORTS='$t[0] as $t |
	def norm: [.[]? | {proto, port, packets, sources}];
	(.top_ports | norm) as $r | ($t.top_ports | norm) as $w |
	(select(($r | length) != ($w | length)) | "\($r | length) entries, want \($w | length)"),
	(range(0; [($r | length), ($w | length)] | max) as $i | select($r[$i] != $w[$i])
	 | "[\($i)] \($r[$i] | tojson) want \($w[$i] | tojson)")'
# The other rankings and the per-address figures, element by element.
JQ_RANKS='$t[0] as $t |
	def ports: [.[]? | {proto, port, packets, sources}];
	def addrs: [.[]? | {address, packets}];
	(select((.top_ports_by_sources | ports) != ($t.top_ports_by_sources | ports))
	 | "top_ports_by_sources=\(.top_ports_by_sources | ports | tojson) want \($t.top_ports_by_sources | ports | tojson)"),
	(select(.darknet_addresses_hit != $t.darknet_addresses_hit)
	 | "darknet_addresses_hit=\(.darknet_addresses_hit) want \($t.darknet_addresses_hit)"),
	(select((.top_darknet_addresses | addrs) != ($t.top_darknet_addresses | addrs))
	 | "top_darknet_addresses=\(.top_darknet_addresses | addrs | tojson) want \($t.top_darknet_addresses | addrs | tojson)"),
	# the generator uses documentation ranges, absent from every MaxMind database
	(select(.top_countries != [{country: "--", sources: $t.sources, packets: $t.packets}])
	 | "top_countries=\(.top_countries | tojson) want all sources unknown"),
	(select(.top_asns != [{asn: 0, org: "", sources: $t.sources, packets: $t.packets}])
	 | "top_asns=\(.top_asns | tojson) want all sources unknown")'
# The alert set: (org, address, packets, sorted tags); order does not matter.
JQ_ALERTS='$t[0] as $t |
	def norm: [.[] | {org, address, packets, tags: ((.tags // []) | sort)}] | sort_by(.org, .address);
	if type != "array" then "alerts JSON is a \(type), want an array" else
	norm as $r | ($t.alerts | norm) as $w |
	if $r == $w then empty else
		(($w - $r)[:8][] | "missing \(tojson)"),
		(($r - $w)[:8][] | "unexpected \(tojson)"),
		"\($r | length) alerts, want \($w | length)"
	end end'
# Where the alerts carry dests and scanner (kansoku's do), they must match too.
JQ_ALERT_DESTS='$t[0] as $t |
	def norm: [.[] | {org, address, dests, scanner}] | sort_by(.org, .address);
	if type != "array" or all(.[]; has("dests") | not) then empty else
	norm as $r | ($t.alerts | norm) as $w |
	if $r == $w then empty else
		(($w - $r)[:8][] | "missing \(tojson)"), (($r - $w)[:8][] | "unexpected \(tojson)")
	end end'

# jqcheck NAME PROGRAM JSON TRUTH: PASS, or FAIL with the mismatches on one line.
jqcheck() {
	local out
	if ! out=$(jq -r --slurpfile t "$4" "$2" "$3" 2>&1); then
		fail "$1" "jq failed on $3: $(echo "$out" | head -3 | tr '\n' ' ')"
		return
	fi
	if [ -z "$out" ]; then pass "$1"; else fail "$1" "$(echo "$out" | head -12 | tr '\n' ';')"; fi
}

# report_vs_truth PREFIX REPORT TRUTH: the figure checks.
report_vs_truth() {
	jqcheck "$1 counts" "$JQ_COUNTS" "$2" "$3"
	jqcheck "$1 period and rate" "$JQ_NUMS" "$2" "$3"
	jqcheck "$1 top_ports" "$JQ_PORTS" "$2" "$3"
	jqcheck "$1 other rankings and addresses" "$JQ_RANKS" "$2" "$3"
}

# same_report NAME A B: the documented keys of two reports are equal.
same_report() {
	local a b
	a=$(jq -S "$REPORT_KEYS" "$2" 2>&1) && b=$(jq -S "$REPORT_KEYS" "$3" 2>&1)
	if [ "$a" == "$b" ]; then
		pass "$1"
	else
		fail "$1" "$(diff <(echo "$a") <(echo "$b") | head -10 | tr '\n' ';')"
	fi
}

# run NAME OUT ERR CMD...: runs a kansoku command; FAIL (and status 1) unless it exits 0.
run() {
	local name=$1 out=$2 err=$3 rc
	shift 3
	"$@" >"$out" 2>"$err"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		fail "$name" "exit $rc: $(tail -3 "$err" | tr '\n' ' ')"
		return 1
	fi
	return 0
}

ingest() { # DB ARGS... (threshold $THRESHOLD)
	local db=$1
	shift
	"$KANSOKU" --db "$db" darknet ingest --darknet "$DARKNET" --scan-threshold "$THRESHOLD" "$@"
}

# gen_case NAME LINKTYPE SEED: generate, import, ingest, report and alerts
# into a fresh store $W/NAME.db; compare everything with the truth.
gen_case() {
	local name=$1 lt=$2 seed=$3 p="darknet_gen $1:"
	local F=$W/$name.pcap T=$W/$name.truth.json O=$W/$name.orgs.csv db=$W/$name.db
	if ! "$GEN" darknet --out "$F" --truth "$T" --orgs "$O" --seed "$seed" --linktype "$lt" \
		--scan-threshold "$THRESHOLD" 2>"$W/gen.err"; then
		fail "$p generate" "$(tail -3 "$W/gen.err" | tr '\n' ' ')"
		return
	fi
	run "$p org import" "$W/out" "$W/err" "$KANSOKU" --db "$db" org import "$O" || return
	run "$p ingest" "$W/out" "$W/err" ingest "$db" "$F" || return
	pass "$p ingest"
	run "$p report" "$W/$name.report.json" "$W/err" "$KANSOKU" --db "$db" darknet report --format json ||
		return
	report_vs_truth "$p" "$W/$name.report.json" "$T"
	check_eq "$p ingests" "$(jq '.ingests' "$W/$name.report.json")" 1
	if run "$p alerts" "$W/$name.alerts.json" "$W/err" "$KANSOKU" --db "$db" alerts --format json; then
		jqcheck "$p alerts" "$JQ_ALERTS" "$W/$name.alerts.json" "$T"
		jqcheck "$p alerts dests and scanner" "$JQ_ALERT_DESTS" "$W/$name.alerts.json" "$T"
	fi
}

for lt in $LINKS; do
	gen_case "$lt" "$lt" "$SEED"
done

# darknet sources: each filter against the truth (the ether case's store).
src_count() { "$KANSOKU" --db "$W/ether.db" darknet sources --top 1000000 --format json "$@" | jq length; }
T=$W/ether.truth.json
check_eq "darknet_gen sources: all" "$(src_count)" "$(jq .sources "$T")"
for tag in mirai zmap masscan; do
	check_eq "darknet_gen sources --tag $tag" "$(src_count --tag $tag)" "$(jq ".tags.$tag" "$T")"
done
check_eq "darknet_gen sources --scanners" "$(src_count --scanners)" "$(jq .scanners "$T")"
check_eq "darknet_gen sources --victims" "$(src_count --victims)" "$(jq .victims "$T")"
check_eq "darknet_gen sources --class backscatter (= victims)" "$(src_count --class backscatter)" "$(jq .victims "$T")"
check_eq "darknet_gen sources --country -- (all unknown)" "$(src_count --country=--)" "$(jq .sources "$T")"
top=$("$KANSOKU" --db "$W/ether.db" darknet sources --top 5 --format json)
check_eq "darknet_gen sources --top 5: five, most packets first" \
	"$(echo "$top" | jq -c '[length, ([.[].packets] == ([.[].packets] | sort | reverse))]')" '[5,true]'
check_eq "darknet_gen sources --top 1 is the busiest source" "$(echo "$top" | jq '.[0].packets')" \
	"$("$KANSOKU" --db "$W/ether.db" darknet sources --top 1000000 --format json | jq '[.[].packets] | max')"
check_eq "darknet_gen sources csv: header and one row per source" \
	"$("$KANSOKU" --db "$W/ether.db" darknet sources --top 1000000 --format csv | wc -l)" "$(($(jq .sources "$T") + 1))"
"$KANSOKU" --db "$W/ether.db" darknet sources --tag nope >/dev/null 2>"$W/err"
check_eq "darknet_gen sources --tag nope: exit status 2" "$?" 2
# The generator itself: the same arguments give the same bytes.
if "$GEN" darknet --out "$W/again.pcap" --truth "$W/again.json" --orgs "$W/again.csv" --seed "$SEED" \
	--linktype ether --scan-threshold "$THRESHOLD" 2>/dev/null &&
	cmp -s "$W/again.pcap" "$W/ether.pcap" && cmp -s "$W/again.json" "$W/ether.truth.json"; then
	pass "darknet_gen: ks_gen is deterministic"
else
	fail "darknet_gen: ks_gen is deterministic" "a second run with the same arguments differs"
fi
# Another seed and threshold: the report and alerts follow the ingest's threshold.
THRESHOLD=3 gen_case "ether-t3" ether $((SEED + 1))

# Re-ingest, --force, standard input and pcapng, on the Ethernet capture.
lt=ether
F=$W/$lt.pcap T=$W/$lt.truth.json db=$W/$lt.db R=$W/$lt.report.json THRESHOLD=10
if [ -s "$R" ]; then
	p="darknet_gen reingest:"
	ingest "$db" "$F" >"$W/out" 2>"$W/err"
	rc=$?
	check_eq "$p same file exits 0" "$rc" 0
	if grep -q "already ingested" "$W/err"; then
		pass "$p says already ingested"
	else
		fail "$p says already ingested" "stderr: $(head -3 "$W/err" | tr '\n' ' ')"
	fi
	if run "$p report" "$W/r2.json" "$W/err" "$KANSOKU" --db "$db" darknet report --format json; then
		same_report "$p report unchanged" "$R" "$W/r2.json"
		check_eq "$p ingests still 1" "$(jq '.ingests' "$W/r2.json")" 1
	fi

	p="darknet_gen force:"
	if run "$p ingest --force" "$W/out" "$W/err" ingest "$db" --force "$F" &&
		run "$p report" "$W/r3.json" "$W/err" "$KANSOKU" --db "$db" darknet report --format json; then
		pass "$p ingest --force"
		report_vs_truth "$p" "$W/r3.json" "$T"
		if run "$p alerts" "$W/a3.json" "$W/err" "$KANSOKU" --db "$db" alerts --format json; then
			jqcheck "$p alerts" "$JQ_ALERTS" "$W/a3.json" "$T"
		fi
	fi

	p="darknet_gen stdin:"
	if run "$p ingest -" "$W/out" "$W/err" ingest "$W/stdin.db" - <"$F" &&
		run "$p report" "$W/r4.json" "$W/err" "$KANSOKU" --db "$W/stdin.db" darknet report --format json; then
		pass "$p ingest -"
		same_report "$p same report" "$R" "$W/r4.json"
	fi

	p="darknet_gen pcapng:"
	if ! command -v editcap >/dev/null; then
		fail "$p editcap" "editcap not found (run scripts/deps.sh)"
	elif ! editcap -F pcapng "$F" "$W/$lt.pcapng" 2>"$W/err"; then
		fail "$p editcap" "$(head -3 "$W/err" | tr '\n' ' ')"
	elif run "$p ingest" "$W/out" "$W/err" ingest "$W/ng.db" "$W/$lt.pcapng" &&
		run "$p report" "$W/r5.json" "$W/err" "$KANSOKU" --db "$W/ng.db" darknet report --format json; then
		pass "$p ingest"
		same_report "$p same report" "$R" "$W/r5.json"
	fi
else
	fail "darknet_gen reingest" "no report from the $lt ingest to compare with"
fi
finish
