#!/usr/bin/env bash
# NetFlow v5/v9/IPFIX conformance against logstash-codec-netflow's netflow_spec.rb.
#
# data/netflow_conformance.txt (generated from the spec by tools/netflow_conformance_gen.py;
# its header documents the format and the operators) lists, per rspec context, the datagrams
# of ../shared/data/netflow/ in the order the spec feeds them and what logstash decoded from
# them. Each case is one `kansoku flow decode --format json` run over its files (one decoder
# state, command-line order); every expectation is compared with the JSON the decoder prints.
# Prints "PASS <case> (n expectations)" or "FAIL <case>: <first mismatch>" (all mismatches on
# the lines after it), then "N cases, M expectations, all match". Afterwards every .dat file
# is decoded alone: no crash, JSON only, malformed input as kind "error" with an offset and
# exit status 3, well-formed input with status 0.
set -u
. "$(dirname "$0")/lib.sh"
ks_shared
DATA=$SHARED/data/netflow
EXP="$(cd "$(dirname "$0")/../.." && pwd)/data/netflow_conformance.txt"
need jq
ks_workdir

# The comparison, in jq. Input: the case's expectation lines (raw); $out: decoder objects.
cat >"$W/check.jq" <<'EOF'
def recs: [$out[] | select(.kind == "data" or .kind == "options_data")];
def unknownkey: test("^(ie[0-9]+|e[0-9]+\\.[0-9]+)$");
def hexdigits: ascii_downcase | explode | map(if . >= 97 then . - 87 else . - 48 end);
def hexnum: reduce (hexdigits[]) as $d (0; . * 16 + $d);
def hexbytes: [range(0; length; 2) as $i | .[$i:$i + 2] | hexnum];
def rtrimnul: sub("\u0000+$"; "");
def pow2($n): pow(2; $n);
def float32: . as $v | (($v / pow2(31)) | floor) as $s | ((($v / pow2(23)) | floor) % 256) as $e
	| ($v % pow2(23)) as $m
	| (if $s == 1 then -1 else 1 end) * (if $e == 0 then $m / pow2(23) * pow2(-126)
		else (1 + $m / pow2(23)) * pow2($e - 127) end);
def float64: . as $v | (($v / pow2(63)) | floor) as $s | ((($v / pow2(52)) | floor) % 2048) as $e
	| ($v - (($v / pow2(52)) | floor) * pow2(52)) as $m
	| (if $s == 1 then -1 else 1 end) * (1 + $m / pow2(52)) * pow2($e - 1023);
# A value printed as hex (no type known to the decoder), read as the type of the expectation.
def fromhex($exp):
	if ($exp | type) == "number" then
		(if ($exp | floor) == $exp then hexnum
		 elif length == 8 then hexnum | float32 else hexnum | float64 end)
	elif ($exp | type) == "string" and ($exp | test("^[0-9]+(\\.[0-9]+){3}$")) and length == 8 then
		hexbytes | map(tostring) | join(".")
	elif ($exp | type) == "string" and ($exp | test("^([0-9a-f]{2}:){5}[0-9a-f]{2}$")) and length == 12 then
		[range(0; 12; 2) as $i | .[$i:$i + 2]] | join(":")
	else hexbytes | implode | rtrimnul end;
def num: if type == "string" and test("^[0-9a-fA-F]+$") then hexnum else . end;
def pad($n): tostring | (("000000000" + .)[-$n:]);
# ISO 8601 text -> [unix seconds, nanoseconds]
def isotime: (capture("^(?<d>[0-9-]+T[0-9:]+)(\\.(?<f>[0-9]+))?Z$") // error("not an ISO time: \(.)"))
	| [(.d + "Z" | fromdateiso8601), ((.f // "0") + "000000000")[:9] | tonumber];
def iso: .[0] as $s | .[1] as $ns | ($s | todate | sub("Z$"; ""))
	+ "." + (if $ns % 1000000 == 0 then ($ns / 1000000 | pad(3)) elif $ns % 1000 == 0
		then ($ns / 1000 | pad(6)) else ($ns | pad(9)) end) + "Z";
def fdiv($a; $b): ($a / $b) | floor;
def rmod($a; $b): $a - $b * fdiv($a; $b);
# logstash v5: millis = uptime - v; seconds = secs - millis/1000; micros = nsecs/1000 - (millis % 1000)
# * 1000; if micros < 0, micros += 1000000 -- and "seconds--", which in Ruby is no decrement, so
# the time is one second late then (reproduced, not corrected)
def v5time($h): ($h.sys_uptime - .) as $m | ($h.unix_secs - fdiv($m; 1000)) as $s
	| (fdiv($h.unix_nsecs; 1000) - rmod($m; 1000) * 1000) as $us
	| if $us < 0 then [$s, ($us + 1000000) * 1000] else [$s, $us * 1000] end;
# logstash v9: micros = 1000000 - (millis % 1000) * 1000 (one second late, reproduced)
def v9time($h): ($h.sys_uptime - .) as $m | ($h.unix_secs - fdiv($m; 1000)) as $s
	| (1000000 - rmod($m; 1000) * 1000) as $us | [$s + fdiv($us; 1000000), rmod($us; 1000000) * 1000];
# "S.FFFFFFFFF" (the decoder's NTP time as text, Unix or NTP epoch) -> [unix s, ns]
def ntptime: tostring | capture("^(?<s>[0-9]+)(\\.(?<f>[0-9]*))?$")
	| (.s | tonumber) as $s | [(if $s > 3000000000 then $s - 2208988800 else $s end),
		((.f // "") + "000000000")[:9] | tonumber];
def appid: hexbytes as $b | if $b[0] == 20 and ($b | length) >= 6
	then "20..\($b[1:5] | reduce .[] as $x (0; . * 256 + $x))..\($b[5:] | reduce .[] as $x (0; . * 256 + $x))"
	else "\($b[0])..\($b[1:] | reduce .[] as $x (0; . * 256 + $x))" end;
def lookup($r; $key): ($key | index(".")) as $dot
	| if $dot == null then {name: $key, v: $r[$key]}
	  else ($key[:$dot]) as $p | [($key[$dot + 1:] | split("|"))[] as $n
		| select($r[$p] | type == "object" and has($n)) | {name: $n, v: $r[$p][$n]}] | first // {name: $key, v: null}
	  end;
def check($r; $key; $op; $exp):
	lookup($r; $key) as $g | $g.v as $v | ($g.name | unknownkey) as $unk
	| if $v == null then {ok: false, got: "absent"}
	elif $op == "eq" then
		(if $v == $exp then {ok: true}
		 elif $unk and ($v | type) == "string" then ($v | fromhex($exp)) as $c
			| {ok: ($c == $exp or (($c | type) == "number" and ($exp | type) == "number"
				and ($c - $exp | fabs) <= 1e-9 * ($exp | fabs))), got: "\($v) (hex: \($c))"}
		 else {ok: false, got: $v} end)
	elif $op == "str" then
		(if ($v | type) == "string" and ($v | rtrimnul) == $exp then {ok: true}
		 elif $unk and ($v | type) == "string" then ($v | fromhex($exp)) as $c
			| {ok: ($c == $exp), got: "\($v) (hex: \($c | tojson))"}
		 else {ok: false, got: $v} end)
	elif $op == "v5uptime" then ($v | num | v5time($r.header)) as $t
		| {ok: ($t == ($exp | isotime)), got: "\($v) = \($t | iso)"}
	elif $op == "v9uptime" then ($v | num | v9time($r.header)) as $t
		| {ok: ($t == ($exp | isotime)), got: "\($v) = \($t | iso)"}
	elif $op == "secs" then ($v | num) as $n | {ok: ([$n, 0] == ($exp | isotime)), got: "\($v) = \([$n, 0] | iso)"}
	elif $op == "millis" then ($v | num) as $n | [fdiv($n; 1000), rmod($n; 1000) * 1000000] as $t
		| {ok: ($t == ($exp | isotime)), got: "\($v) = \($t | iso)"}
	elif $op == "ntp" then ($v | ntptime) as $t | ($exp | isotime) as $e
		| {ok: ($t[0] == $e[0] and ($t[1] - $e[1] | fabs) <= 1), got: "\($v) = \($t | iso)"}
	elif $op == "fwdstatus" then ($v | num) as $n | (if $n > 255 then fdiv($n; 16777216) else $n end) as $b
		| {status: fdiv($b; 64), reason: rmod($b; 64)} as $c | {ok: ($c == $exp), got: "\($v) = \($c | tojson)"}
	elif $op == "mplsoctets" then ($v | num) as $n
		| {label: fdiv($n; 4096), experimental: rmod(fdiv($n; 512); 8), bottom_of_stack: rmod(fdiv($n; 256); 2),
		   ttl: rmod($n; 256)} as $c | {ok: ($c == $exp), got: "\($v) = \($c | tojson)"}
	elif $op == "appid" then ($v | appid) as $c | {ok: ($c == $exp), got: "\($v) = \($c)"}
	elif $op == "aclid" then "\($v[0:8])-\($v[8:16])-\($v[16:24])" as $c | {ok: ($c == $exp), got: $v}
	elif $op == "ts" then [($v.unix_secs // $v.export_time), 0] as $t
		| {ok: ($t == ($exp | isotime)), got: ($t | iso)}
	elif $op == "ts5" then [$v.unix_secs, fdiv($v.unix_nsecs; 1000) * 1000] as $t
		| {ok: ($t == ($exp | isotime)), got: ($t | iso)}
	elif $op == "v5interval" then {ok: (rmod($v; 16384) == $exp), got: $v}
	elif $op == "v5algorithm" then {ok: (fdiv($v; 16384) == $exp), got: $v}
	else {ok: false, got: "unknown operator \($op)"} end;
def tpl($d; $t): [$out[] | select((.kind == "template" or .kind == "options_template")
	and .domain == $d and .template_id == $t)] | last;
recs as $recs
| ($out | map(select(.kind == "data" or .kind == "options_data")) | length) as $n
| inputs | select(length > 0) | . as $line | split(" ") as $w
| if $w[0] == "records" then
	(if $n == ($w[1] | tonumber) then empty else "records: expected \($w[1]), got \($n)" end)
  elif $w[0] == "filerecords" then
	($out | map(select(.file == $w[1] and (.kind == "data" or .kind == "options_data"))) | length) as $m
	| if $m == ($w[2] | tonumber) then empty else "records from \($w[1]): expected \($w[2]), got \($m)" end
  elif $w[0] == "expect" then
	($w[1] | tonumber) as $i | ($w[4:] | join(" ") | sub("  # .*$"; "") | fromjson) as $exp
	| if $i >= ($recs | length) then "record \($i) \($w[2]): expected \($exp | tojson), got no record \($i)"
	  else ([check($recs[$i]; $w[2]; $w[3]; $exp)] | first // {ok: false, got: "(not comparable)"}) as $c
		| if $c.ok == true then empty
		  else "record \($i) \($w[2]) \($w[3]): expected \($exp | tojson), got \($c.got | tojson)" end end
  elif $w[0] == "templates" then
	tpl($w[1] | tonumber; $w[2] | tonumber) as $t
	| if $t == null then "template \($w[1])/\($w[2]): absent"
	  elif ($t.fields | length) == ($w[3] | tonumber) then empty
	  else "template \($w[1])/\($w[2]): expected \($w[3]) fields, got \($t.fields | length)" end
  elif $w[0] == "template" then
	tpl($w[1] | tonumber; $w[2] | tonumber) as $t | ($w[3] | tonumber) as $i
	| ($t.fields[$i] // {}) as $f
	| if $f.length == ($w[4] | tonumber) and ($w[5] == "-" or $f.name == $w[5]) then empty
	  else "template \($w[1])/\($w[2]) field \($i): expected length \($w[4]) name \($w[5]), got \($f | tojson)" end
  else empty end
EOF

# Runs the decoder over files $@ (relative to $DATA) into $W/out.jsonl; sets RC.
decode() {
	(cd "$DATA" && "$KANSOKU" flow decode --format json "$@") >"$W/out.jsonl" 2>"$W/err.txt"
	RC=$?
}

# Checks common to every run: no crash, JSON lines only, error objects well formed,
# exit status 3 exactly when an error object was printed. Prints the problem, if any.
sane() {
	if [ "$RC" -ne 0 ] && [ "$RC" -ne 3 ]; then
		echo "exit status $RC: $(head -c 300 "$W/err.txt")"
		return
	fi
	if ! jq -e . "$W/out.jsonl" >/dev/null 2>&1; then
		echo "output is not JSON lines: $(head -c 200 "$W/out.jsonl")"
		return
	fi
	local errs bad
	errs=$(jq -s '[.[] | select(.kind == "error")] | length' "$W/out.jsonl")
	bad=$(jq -c 'select(.kind == "error" and ((.offset | type) != "number" or (.message | type) != "string"))' "$W/out.jsonl" | head -1)
	if [ -n "$bad" ]; then
		echo "error object without numeric offset and message: $bad"
	elif [ "$errs" -gt 0 ] && [ "$RC" -ne 3 ]; then
		echo "$errs error objects but exit status $RC (expected 3)"
	elif [ "$errs" -eq 0 ] && [ "$RC" -ne 0 ]; then
		echo "exit status $RC without an error object"
	fi
}

cases=0 expects=0 failed=0
run_case() {
	local name=$1 problem n
	shift
	cases=$((cases + 1))
	n=$(grep -c '^\(expect \|template\|records \|filerecords \|malformed \|wellformed \|nocrash\)' "$W/case.txt")
	expects=$((expects + n))
	decode "${files[@]}"
	problem=$(sane)
	# NTP times: keep the decoder's digits (jq reads numbers as doubles)
	local k
	for k in $(awk '$1 == "expect" && $4 == "ntp" { sub(/^fields\./, "", $3); print $3 }' "$W/case.txt" | sort -u); do
		sed -i -E "s/(\"$k\":)[[:space:]]*(-?[0-9][0-9.eE+-]*)/\1\"\2\"/g" "$W/out.jsonl"
	done
	if [ -z "$problem" ]; then
		problem=$(jq -n -r -R --slurpfile out "$W/out.jsonl" -f "$W/check.jq" <"$W/case.txt" 2>&1)
	fi
	if [ -z "$problem" ] && [ "$want_errors" = none ] && grep -q '"kind":[[:space:]]*"error"' "$W/out.jsonl"; then
		problem="unexpected error object: $(grep -m1 '"error"' "$W/out.jsonl")"
	fi
	if [ -z "$problem" ] && [ "$want_errors" = some ] && [ "$RC" -ne 3 ]; then
		problem="malformed input ($why) but exit status $RC and no error object"
	fi
	if [ -z "$problem" ]; then
		pass "$name ($n expectations${skips:+, $skips logstash values skipped with a reason in the file})"
	else
		failed=$((failed + 1))
		fail "$name" "$(echo "$problem" | head -1) (files: ${files[*]})"
		echo "$problem" | sed 1d | sed 's/^/    /'
	fi
}

files=() name="" want_errors=none why="" skips="" malformed=" "
: >"$W/case.txt"
while IFS= read -r line; do
	case $line in
	"case "*)
		name=${line#case } files=() want_errors=none why="" skips=""
		: >"$W/case.txt"
		;;
	"file "*) files+=("${line#file }") ;;
	nocrash)
		[ "$want_errors" = none ] && want_errors=any
		echo "$line" >>"$W/case.txt"
		;;
	"malformed "*)
		want_errors=some why=${line#malformed }
		malformed+=" ${files[*]} "
		echo "$line" >>"$W/case.txt"
		;;
	"wellformed "*)
		want_errors=none
		echo "$line" >>"$W/case.txt"
		;;
	"note "*) echo "  note ($name): ${line#note }" ;;
	end) run_case "$name" ;;
	"skip "*) skips=$((skips + 1)) ;;
	"records "* | "filerecords "* | "expect "* | "template "* | "templates "*) echo "$line" >>"$W/case.txt" ;;
	esac
done <"$EXP"
if [ "$failed" -eq 0 ]; then
	echo "$cases cases, $expects expectations, all match"
else
	echo "$cases cases, $expects expectations, $failed cases with mismatches"
fi

# Every datagram alone, including those the spec does not name: the malformed ones above
# must give an error object and exit 3, all others none and exit 0 (a data set whose template
# is in another file is no error: it is counted, not printed).
unnamed=$(awk '$1 == "#" && $2 == "unnamed" { printf "%s ", $3 }' "$EXP")
for f in "$DATA"/*.dat; do
	b=${f##*/}
	decode "$b"
	problem=$(sane)
	tag=""
	case " $unnamed " in *" $b "*) tag=", not named by the spec" ;; esac
	case $malformed in
	*" $b "*) [ -z "$problem" ] && [ "$RC" -ne 3 ] && problem="malformed, but exit status $RC" ;;
	*) [ -z "$problem" ] && [ "$RC" -ne 0 ] && problem="exit status $RC: $(grep -m1 '"error"' "$W/out.jsonl")" ;;
	esac
	if [ -n "$problem" ]; then
		fail "alone: $b$tag" "$problem"
	else
		pass "alone: $b (exit $RC, $(grep -c . "$W/out.jsonl") objects$tag)"
	fi
done
finish
