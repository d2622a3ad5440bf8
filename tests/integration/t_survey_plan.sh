#!/usr/bin/env bash
# survey run --dry-run: the plan (targets after exclusions, refused lines,
# ports, modules, packets, duration), special-purpose refusal named with its
# line, exclusions winning, syntax errors named with file:line:column, and
# the refusal to send without --dry-run. Nothing here opens a socket.
set -u
. "$(dirname "$0")/lib.sh"
need jq
ks_workdir
k() { "$KANSOKU" --db "$W/k.db" "$@"; }

cat >"$W/scope.txt" <<'EOF2'
# test lab (benchmarking range, allowed explicitly)
198.18.0.0/24 lab-a allow-reserved
198.18.1.0/28 lab-b allow-reserved   # a second lab segment
# not allowed: private-use, without the flag
10.0.0.0/8 office
# partial overlap: public space mixed with 198.51.100.0/24
198.51.0.0/16 allow-reserved
203.0.113.0/26 allow-reserved
2001:db8::/64 allow-reserved
EOF2
cat >"$W/exclude.txt" <<'EOF2'
# owners who opted out
198.18.0.128/25 opt-out-1
203.0.113.7
EOF2

plan() { k --format json survey run --scope "$W/scope.txt" --exclude "$W/exclude.txt" --dry-run "$@"; }
j=$(plan 2>"$W/err")
check_eq "dry-run exit status 0" "$?" 0
check_eq "dry-run prints nothing on stderr for a plan" "$(cat "$W/err")" ""
check_eq "targets after exclusions" \
	"$(jq -c '[.addresses_in_scope, .addresses_excluded, .targets, .scope_lines]' <<<"$j")" \
	"[336,129,207,3]"
check_eq "refused lines named with line and range" \
	"$(jq -c '[.refused[] | [.line, .prefix, (.reason | test("10.0.0.0/8|198.51.100.0/24|/112"))]]' <<<"$j")" \
	'[[5,"10.0.0.0/8",true],[7,"198.51.0.0/16",true],[9,"2001:db8::/64",true]]'
check_eq "default ports: 16 tcp and 4 udp" \
	"$(jq -c '[(.ports | length), (.ports | map(select(endswith("/udp"))) | length), .ports[0], .ports[15]]' <<<"$j")" \
	'[20,4,"21/tcp","37777/tcp"]'
check_eq "packets and duration at the default rate" \
	"$(jq -c '[.packets, .rate_pps, .estimated_seconds, .sends]' <<<"$j")" "[4140,1000,5,false]"
check_eq "modules without credentials" "$(jq -c '.modules' <<<"$j")" \
	'["tcp-syn","udp-dns","udp-ntp","udp-ssdp","udp-coap"]'

j=$(plan --ports 22,23,8000-8009,U:53 --rate 10 --max-targets 100 --check-credentials --resume)
check_eq "ports, rate, max-targets, credentials" \
	"$(jq -c '[(.ports|length), .targets, .packets, .estimated_seconds, .check_credentials, .resume, (.modules|length)]' <<<"$j")" \
	"[13,100,1300,130,true,true,6]"

# Text plan names the refused lines with file and line.
t=$(k survey run --scope "$W/scope.txt" --exclude "$W/exclude.txt" --dry-run)
case $t in *"scope.txt:5 10.0.0.0/8: overlaps special-purpose 10.0.0.0/8"*) pass "text plan names refused line 5" ;;
*) fail "text plan names refused line 5" "$t" ;; esac
case $t in *"207 targets"*"duration:    0h 00m 05s"*) pass "text plan targets and duration" ;;
*) fail "text plan targets and duration" "$t" ;; esac

# Exclusion wins even over an allow-reserved line naming the same range.
printf '198.18.5.0/24 allow-reserved\n' >"$W/s2.txt"
printf '198.18.5.0/24\n' >"$W/x2.txt"
check_eq "exclusion wins over the scope" \
	"$(k --format json survey run --scope "$W/s2.txt" --exclude "$W/x2.txt" --dry-run | jq .targets)" 0

# Without the flag the lab range is refused too.
printf '198.18.5.0/24\n' >"$W/s3.txt"
check_eq "lab range refused without allow-reserved" \
	"$(k --format json survey run --scope "$W/s3.txt" --dry-run | jq -c '[.targets, .refused[0].line]')" "[0,1]"

# Garbage lines: the error names file:line:column; exit status 3.
printf '8.8.8.0/24\n\n  not-a-prefix org\n' >"$W/bad.txt"
err=$(k survey run --scope "$W/bad.txt" --dry-run 2>&1)
check_eq "garbage scope exit status 3" "$?" 3
case $err in *"bad.txt:3:3: bad prefix 'not-a-prefix'; expected CIDR"*) pass "garbage line named" ;;
*) fail "garbage line named" "$err" ;; esac
printf '8.8.8.0/24 org extra\n' >"$W/bad2.txt"
err=$(k survey run --scope "$W/bad2.txt" --dry-run 2>&1)
case $err in *"bad2.txt:1:16: unexpected 'extra'"*) pass "extra token named" ;;
*) fail "extra token named" "$err" ;; esac
printf '198.18.0.0/24 allow-reserved\n1.2.3.4/8\n' >"$W/badx.txt"
err=$(k survey run --scope "$W/s2.txt" --exclude "$W/badx.txt" --dry-run 2>&1)
check_eq "garbage exclusion exit status 3" "$?" 3
case $err in *"badx.txt:2:1: bad prefix '1.2.3.4/8'"*) pass "garbage exclusion line named" ;;
*) fail "garbage exclusion line named" "$err" ;; esac

# Bad command lines: exit status 2.
k survey run --dry-run >/dev/null 2>&1
check_eq "--scope required" "$?" 2
err=$(k survey run --scope "$W/s2.txt" --ports 22,U:99 --dry-run 2>&1)
check_eq "unknown UDP probe refused" "$?" 2
case $err in *"no UDP probe for port 99"*) pass "unknown UDP probe named" ;; *) fail "unknown UDP probe named" "$err" ;; esac
k survey run --scope "$W/s2.txt" --rate 0 --dry-run >/dev/null 2>&1
check_eq "--rate 0 refused" "$?" 2

# Without --dry-run the round runs (loopback only here: tests/integration/t_survey_lab.sh
# surveys the lab's namespaces), and a syntax error in the scope sends nothing at all.
printf '127.0.0.1/32 allow-reserved\n' >"$W/lo.txt"
out=$(k survey run --scope "$W/lo.txt" --ports 1 --method connect 2>&1)
check_eq "a round without --dry-run (exit 0)" "$?" 0
case $out in *"round 1 complete (connect discovery)"*) pass "the round is complete" ;; *) fail "the round is complete" "$out" ;; esac
printf '127.0.0.1/33 allow-reserved\n' >"$W/bad.txt"
k survey run --scope "$W/bad.txt" --ports 1 --method connect >/dev/null 2>&1
check_eq "a bad scope file sends nothing (exit 3)" "$?" 3
# The dry run opens no socket at all (checked where strace is available).
if command -v strace >/dev/null && strace -o /dev/null true 2>/dev/null; then
	strace -f -e trace=socket,connect,sendto,sendmsg,sendmmsg -o "$W/trace" \
		"$KANSOKU" --db "$W/k.db" survey run --scope "$W/scope.txt" --dry-run >/dev/null 2>&1
	check_eq "dry run makes no socket calls" "$(grep -cE 'socket\(|connect\(|send' "$W/trace")" 0
fi
k survey run --help | grep -q "allow-reserved"
check_eq "help describes the scope file" "$?" 0
finish
