#!/usr/bin/env bash
# ks_flowgen against independent decoders (docs/flowgen.md): the scenario is
# deterministic for a seed; tshark's NetFlow/IPFIX dissector (cflow) finds in
# FLOWS.pcap exactly the flows, packets and bytes the truth file counts, for
# v5, v9 and IPFIX, with consecutive sequence numbers; the flows never touch
# the darknet; kansoku's darknet pipeline finds exactly the scanning bots in
# DARK.pcap; send refuses non-loopback destinations and delivers every flow to
# a loopback receiver (ks_flowgen recv, bounded by a datagram count and an
# idle timeout).
#
# Env: KANSOKU (kansoku binary), KS_TOOLS (directory holding ks_flowgen).
# Needs jq, tshark, sha256sum.
# shellcheck disable=SC2016 # the jq and awk programs are single-quoted on purpose
set -u
. "$(dirname "$0")/lib.sh"
: "${KS_TOOLS:?KS_TOOLS must name the directory holding ks_flowgen}"
GEN=$KS_TOOLS/ks_flowgen
need jq
need tshark
need sha256sum
[ -x "$GEN" ] || { fail "flowgen: ks_flowgen" "not found at $GEN"; finish; }
ks_workdir
HOURS=6

# flows packets bytes, as tshark decodes them from an export capture on $2.
cflow_sums() {
	tshark -r "$1" -d "udp.port==${2:-2055},cflow" -T fields -e cflow.srcaddr -e cflow.packets \
		-e cflow.octets 2>/dev/null | awk -F'\t' '
		{ n = split($1, a, ","); split($2, p, ","); split($3, o, ",")
		  for (i = 1; i <= n; i++) { F++; P += p[i]; O += o[i] } }
		END { printf "%d %.0f %.0f\n", F, P, O }'
}

scen() { # version seed prefix
	"$GEN" scenario --seed "$2" --hours "$HOURS" --version "$1" --out "$W/$3.flows.pcap" \
		--darknet-out "$W/$3.dark.pcap" --truth "$W/$3.truth.json" 2>"$W/err"
}

# --- determinism -------------------------------------------------------------
if scen 9 7 a && scen 9 7 b && scen 9 8 c; then
	same=$(cd "$W" && sha256sum a.flows.pcap a.dark.pcap a.truth.json | awk '{print $1}')
	again=$(cd "$W" && sha256sum b.flows.pcap b.dark.pcap b.truth.json | awk '{print $1}')
	other=$(cd "$W" && sha256sum c.flows.pcap | awk '{print $1}')
	check_eq "flowgen: same seed, same bytes" "$again" "$same"
	if [ "$other" != "$(echo "$same" | head -1)" ]; then
		pass "flowgen: another seed, other bytes"
	else
		fail "flowgen: another seed, other bytes"
	fi
else
	fail "flowgen: scenario runs" "$(cat "$W/err")"
	finish
fi

# --- truth against tshark, every version -------------------------------------
for v in 5 9 10; do
	p="flowgen v$v"
	if ! scen "$v" 3 "v$v"; then
		fail "$p: scenario" "$(cat "$W/err")"
		continue
	fi
	T=$W/v$v.truth.json
	check_eq "$p: flows, packets, bytes as tshark decodes them" "$(cflow_sums "$W/v$v.flows.pcap")" \
		"$(jq -r '"\(.flows) \(.packets) \(.bytes)"' "$T")"
	check_eq "$p: datagrams" "$(tshark -r "$W/v$v.flows.pcap" 2>/dev/null | wc -l)" "$(jq .datagrams "$T")"
	# The header count: flows (v5); template + data records (v9). IPFIX has none.
	if [ "$v" != 10 ]; then
		check_eq "$p: header counts" \
			"$(tshark -r "$W/v$v.flows.pcap" -d udp.port==2055,cflow -T fields -e cflow.count 2>/dev/null |
				awk "{ s += \$1 } END { print s }")" \
			"$(jq --argjson t "$(tshark -r "$W/v$v.flows.pcap" -d udp.port==2055,cflow -Y cflow.template_id 2>/dev/null | wc -l)" \
				'.flows + $t' "$T")"
	fi
	# Sequence numbers: v5 counts flows, v9 export packets, IPFIX data records,
	# each the count before the datagram.
	tshark -r "$W/v$v.flows.pcap" -d udp.port==2055,cflow -T fields -e cflow.sequence \
		-e cflow.srcaddr 2>/dev/null | awk -F'\t' -v v="$v" '
		{ n = split($2, a, ","); want = v == 9 ? NR - 1 : sum
		  if ($1 != want) { print "datagram " NR ": sequence " $1 ", want " want; exit }
		  sum += n }' >"$W/seq"
	check_eq "$p: sequence numbers" "$(cat "$W/seq")" ""
done

T=$W/v9.truth.json
F=$W/v9.flows.pcap
# Templates: in the first datagram and every 20th after it.
check_eq "flowgen: v9 templates every 20 datagrams" \
	"$(tshark -r "$F" -d udp.port==2055,cflow -Y 'cflow.template_id' -T fields -e frame.number 2>/dev/null |
		awk '($1 - 1) % 20 != 0 { print "template in datagram " $1; exit } END { if (NR == 0) print "none" }')" ""
check_eq "flowgen: no flow touches the darknet" \
	"$(tshark -r "$F" -d udp.port==2055,cflow -T fields -e cflow.srcaddr -e cflow.dstaddr 2>/dev/null |
		tr '\t,' '\n\n' | grep -c '^198\.18\.')" 0

# Labels are consistent: infected = scanning + silent; C&C #1 gets beacons
# from every bot; the top destination port list agrees with tshark.
check_eq "flowgen: infected = scanning + silent" \
	"$(jq -c '(.infected_scanning + .infected_silent | sort) == (.infected | sort) and
		(.infected | length) == 40 and (.infected_silent | length) > 0' "$T")" true
tshark -r "$F" -d udp.port==2055,cflow -T fields -e cflow.srcaddr -e cflow.dstaddr -e cflow.protocol \
	-e cflow.dstport 2>/dev/null | awk -F'\t' '
	{ n = split($1, s, ","); split($2, d, ","); split($3, pr, ","); split($4, dp, ",")
	  for (i = 1; i <= n; i++) print s[i], d[i], pr[i], dp[i] }' >"$W/flows.txt"
check_eq "flowgen: C&C #1 clients are the infected hosts" \
	"$(awk '$2 == "198.19.66.6" && $4 == 6667 { print $1 }' "$W/flows.txt" | sort -u | tr '\n' ' ')" \
	"$(jq -r '.infected[]' "$T" | sort | tr '\n' ' ')"
check_eq "flowgen: query example 1" \
	"$(awk '$2 == "198.19.66.6" && $4 == 6667' "$W/flows.txt" | wc -l)" \
	"$(jq '.query_examples[0].flows' "$T")"
check_eq "flowgen: top_dport" \
	"$(awk '{ c[($3 == 6 ? "tcp" : "udp") " " $4]++ } END { for (k in c) print c[k], k }' "$W/flows.txt" |
		sort -k1,1nr -k2,2 -k3,3n | head -3 | awk '{ print $2 "/" $3 "=" $1 }' | tr '\n' ' ')" \
	"$(jq -r '.top_dport[:3][] | "\(.proto)/\(.port)=\(.flows)"' "$T" | tr '\n' ' ')"
check_eq "flowgen: top_src" \
	"$(awk '{ c[$1]++ } END { for (k in c) print c[k], k }' "$W/flows.txt" | sort -k1,1nr -k2,2V |
		head -3 | awk '{ print $2 "=" $1 }' | tr '\n' ' ')" \
	"$(jq -r '.top_src[:3][] | "\(.addr)=\(.flows)"' "$T" | tr '\n' ' ')"

# kansoku's darknet pipeline sees exactly the scanning bots, Mirai-tagged
# where they were built so.
db=$W/dark.db
if "$KANSOKU" -q --db "$db" darknet ingest --darknet 198.18.0.0/16 "$W/v9.dark.pcap" >"$W/out" 2>"$W/err"; then
	check_eq "flowgen: darknet scanners are the scanning bots" \
		"$("$KANSOKU" --db "$db" darknet sources --scanners --top 100000 --format json | jq -r '.[].address' | sort | tr '\n' ' ')" \
		"$(jq -r '.infected_scanning[]' "$T" | sort | tr '\n' ' ')"
	check_eq "flowgen: darknet Mirai tags" \
		"$("$KANSOKU" --db "$db" darknet sources --tag mirai --top 100000 --format json | jq -r '.[].address' | sort | tr '\n' ' ')" \
		"$(jq -r '.infected_mirai[]' "$T" | sort | tr '\n' ' ')"
	check_eq "flowgen: darknet packets" "$("$KANSOKU" --db "$db" darknet report --format json | jq .packets)" \
		"$(jq .darknet_packets "$T")"
else
	fail "flowgen: darknet ingest" "$(cat "$W/err")"
fi

# The C&C scorer (cc_detect, default parameters, customer prefixes) on the
# scenario's flows: precision and recall are printed; both C&C servers must be
# found and nothing else ranked, with the darknet's knowledge alone and with
# the silent bots added (as --infected FILE would).
if "$GEN" scenario --seed 3 --hours "$HOURS" --out "$W/e.pcap" --darknet-out "$W/e.dark.pcap" \
	--truth "$W/e.json" --cc-eval >"$W/eval" 2>"$W/err"; then
	sed "s/^/# /" "$W/eval"
	check_eq "flowgen: cc_detect precision and recall" \
		"$(grep -c "precision 1.000, recall 1.000" "$W/eval")" 2
else
	fail "flowgen: cc-eval" "$(cat "$W/err")"
fi

# --- pcap mode ---------------------------------------------------------------
for v in 5 9 10; do
	if "$GEN" pcap --out "$W/p$v.pcap" --flows 1234 --version "$v" --seed 2 2>"$W/err"; then
		check_eq "flowgen: pcap v$v flows" "$(cflow_sums "$W/p$v.pcap" | cut -d' ' -f1)" 1234
	else
		fail "flowgen: pcap v$v" "$(cat "$W/err")"
	fi
done

# --- send: loopback only, every flow delivered ----------------------------------
for to in 192.0.2.1:2055 '[2001:db8::1]:2055' 10.0.0.1:2055; do
	"$GEN" send --to "$to" --flows 10 >"$W/out" 2>"$W/err"
	rc=$?
	if [ "$rc" -eq 2 ] && grep -q 'only loopback' "$W/err" && [ ! -s "$W/out" ]; then
		pass "flowgen: send refuses $to"
	else
		fail "flowgen: send refuses $to" "exit $rc: $(cat "$W/err")"
	fi
done

# version flows datagrams: recv waits for exactly that many datagrams (idle
# timeout 20 s as a bound only), then tshark counts the flows in them.
send_recv() {
	local v=$1 flows=$2 dgs=$3 port=$((20000 + (RANDOM % 20000)))
	rm -f "$W/ready"
	"$GEN" recv --listen "127.0.0.1:$port" --count "$dgs" --out "$W/r$v.pcap" --ready "$W/ready" \
		--idle 20 >"$W/recv.out" 2>"$W/recv.err" &
	local pid=$! i
	for i in $(seq 200); do
		[ -e "$W/ready" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	"$GEN" send --to "127.0.0.1:$port" --flows "$flows" --version "$v" --rate 200000 --exporters 2 \
		>"$W/send.out" 2>"$W/send.err"
	wait "$pid"
	check_eq "flowgen: send v$v report" "$(cut -d, -f1 "$W/send.out")" "sent $flows flows in $dgs datagrams"
	check_eq "flowgen: recv v$v" "$(cat "$W/recv.out")" \
		"received $dgs datagrams, $(tshark -r "$W/r$v.pcap" -T fields -e udp.length 2>/dev/null | awk '{ s += $1 - 8 } END { print s }') bytes"
	check_eq "flowgen: send v$v flows arrive" "$(cflow_sums "$W/r$v.pcap" "$port" | cut -d' ' -f1)" "$flows"
}
send_recv 5 3000 100
send_recv 9 4445 99
send_recv 10 2000 70

finish
