#!/usr/bin/env bash
# The whole survey against the lab (tests/lab/): real daemons as fake IoT
# devices in a network namespace, surveyed from another. Checks, exactly:
#  - discovery finds the lab's open ports, the same as nmap -sS does;
#  - every finding of tests/lab/expected.tsv and nothing else;
#  - every probe and login attempt is in the audit table, nothing outside the
#    scope (the resolver's upstream, 198.18.2.53) was ever contacted;
#  - after lab_fix of every device, a second complete round resolves exactly
#    the rows marked "resolved", with the date, and keeps the others open;
#  - survey stats, notify --write and org risk over those two rounds;
#  - an interrupted round (SIGINT) continues with --resume and ends with the
#    same findings as an uninterrupted one.
set -u
. "$(dirname "$0")/lib.sh"
need jq
need ip
need nmap
need sqlite3
if [ "$(id -u)" -ne 0 ]; then
	fail "survey lab test needs root (network namespaces, a throwaway user)"
	finish
fi
ks_shared
ks_workdir
. "$(dirname "$0")/../lab/lab.sh"
cleanup() {
	lab_down
	rm -rf "$W"
}
trap cleanup EXIT
lab_up >"$W/lab_up.log" 2>&1 || { cat "$W/lab_up.log"; fail "lab_up"; finish; }
pass "lab up"

DB="$W/survey.db"
KEV="$SHARED/data/kev/known_exploited_vulnerabilities.json"
in_scan() { ip netns exec "$LAB_SCANNER_NS" "$@"; }
# The lab's weak pairs are Mirai pairs 1, 4 and 11 (tests/lab/README.md), so 12 attempts per
# service find them all; failed logins are slow by design (dropbear, vsftpd delay them).
survey() {
	in_scan "$KANSOKU" --db "$DB" survey run --scope "$LAB_DIR/scope.txt" --rate 2000 \
		--recog-dir "$SHARED/data/recog" --kev "$KEV" --check-credentials --gap 0 \
		--attempts 12 --timeout 500 "$@"
}
# The store's findings in lab_expected's form (address port type status).
findings() {
	"$KANSOKU" --db "$DB" --format json survey findings "$@" >"$W/findings.json"
	lab_findings "$W/findings.json"
}

# Traffic to the resolver's upstream (outside the scope) is counted in the
# device namespace for the whole test.
ip netns exec "$LAB_DEVICE_NS" tcpdump -n -i any -w "$W/outside.pcap" \
	"ip and src host $LAB_SCANNER_ADDR and not dst net $LAB_NET" >/dev/null 2>&1 &
DUMP=$!

# ---- round 1 ----
survey --output "$W/r1.jsonl" >"$W/r1.txt" 2>"$W/r1.err"
check_eq "round 1 exits 0" "$?" 0
check "round 1 is complete" grep -q "round 1 complete" "$W/r1.txt"
got=$(findings)
want=$(lab_expected)
if [ "$got" == "$want" ]; then
	pass "round 1 findings equal tests/lab/expected.tsv"
else
	fail "round 1 findings" "$(diff <(echo "$want") <(echo "$got") | head -20)"
fi

# Discovery: the open TCP ports of the default list, as kansoku and nmap see them.
kports=$(jq -r 'select(.kind=="audit" and (.module|startswith("tcp-")) and .outcome=="open")
	| "\(.address) \(.port)/tcp"' "$W/r1.jsonl" | LC_ALL=C sort -u)
wports=$(lab_open_ports -d | grep /tcp)
check_eq "discovery finds the lab's open TCP ports" "$kports" "$wports"
tcp_ports=$("$KANSOKU" survey run --scope "$LAB_DIR/scope.txt" --dry-run --format json |
	jq -r '[.ports[] | select(endswith("/tcp")) | rtrimstr("/tcp")] | join(",")')
in_scan nmap -sS -Pn -n -T5 --max-retries 1 -p "$tcp_ports" -oG "$W/nmap.txt" "$LAB_NET" >/dev/null 2>&1
nports=$(awk '/Ports:/ {h=$2; n=split($0, a, "Ports: "); split(a[2], p, ", ");
	for (i in p) { split(p[i], f, "/"); if (f[2]=="open") print h" "f[1]"/tcp" } }' "$W/nmap.txt" | LC_ALL=C sort -u)
check_eq "discovery agrees with nmap -sS" "$kports" "$nports"

# The inventory: one service per open port of the list, SSH key exchanges listed.
"$KANSOKU" --db "$DB" --format json survey services --round 1 >"$W/services.json"
check_eq "survey services: one per open port" "$(jq length "$W/services.json")" \
	"$(lab_open_ports -d | wc -l)"
check_eq "survey services: every SSH service lists its key exchanges, none post-quantum" \
	"$(jq '[.[] | select(.module == "ssh" and (.facts | test("ssh_kex=[^;]*curve25519-sha256"))
		and .post_quantum_kex == false)] | length' "$W/services.json")" \
	"$(lab_open_ports -d | grep -c ' 22/tcp')"

# Audit: every probe and login attempt.
n_login=$(jq -r 'select(.kind=="audit" and (.outcome|startswith("login-")))' "$W/r1.jsonl" | jq -s length)
n_accept=$(jq -r 'select(.kind=="audit" and (.outcome|startswith("login-accepted")))' "$W/r1.jsonl" | jq -s length)
check_eq "one accepted login per weak service" "$n_accept" \
	"$(lab_expected | grep -c weak_credentials)"
db_login=$(sqlite3 "$DB" "SELECT count(*) FROM survey_audit WHERE round_id=1 AND outcome LIKE 'login-%'")
check_eq "login attempts are in the audit table" "$db_login" "$n_login"
db_probes=$(sqlite3 "$DB" "SELECT count(*) FROM survey_audit WHERE round_id=1 AND module LIKE 'tcp-%'")
check_eq "one discovery audit record per target and port" "$db_probes" \
	"$(( 256 * $(echo "$tcp_ports" | tr ',' '\n' | wc -l) ))"
outside=$(sqlite3 "$DB" "SELECT count(*) FROM survey_audit WHERE hex(address) NOT LIKE '00000000000000000000FFFFC61201%'")
check_eq "no audit record outside 198.18.1.0/24" "$outside" 0

# ---- round 2, after every device is fixed ----
for d in $LAB_DEVICES; do lab_fix "$d" >>"$W/lab_fix.log" 2>&1 || fail "lab_fix $d"; done
survey >"$W/r2.txt" 2>"$W/r2.err"
check_eq "round 2 exits 0" "$?" 0
got=$(findings)
want=$(lab_expected all)
if [ "$got" == "$want" ]; then
	pass "round 2 resolves exactly the fixed findings"
else
	fail "round 2 findings" "$(diff <(echo "$want") <(echo "$got") | head -20)"
fi
today=$(date -u +%F)
bad_dates=$("$KANSOKU" --db "$DB" --format json survey findings --status resolved |
	jq -r --arg d "$today" '[.[] | select((.resolved_at // "") | tostring | startswith($d) | not)] | length')
check_eq "resolved findings carry today's date" "$bad_dates" 0

# ---- reports over the two rounds ----
"$KANSOKU" --db "$DB" --format json survey stats >"$W/stats.json"
check_eq "stats: two rounds" "$(jq 'if type=="array" then length else (.rounds|length) end' "$W/stats.json")" 2
n_resolved=$(lab_expected all | grep -c 'resolved$')
check_eq "stats: resolved since round 1" \
	"$(jq '(if type=="array" then . else .rounds end) | .[1].resolved' "$W/stats.json")" "$n_resolved"
"$KANSOKU" --db "$DB" notify --write "$W/notify" >/dev/null
csv=$(ls "$W"/notify/*lab-org*.csv 2>/dev/null | head -1)
check "notify writes a CSV for lab-org" test -s "$csv"
n_open=$(lab_expected all | grep -c 'open$')
check_eq "notify CSV has one row per open finding" "$(($(wc -l <"$csv") - 1))" "$n_open"
check "notify writes an HTML page for lab-org" test -s "$(ls "$W"/notify/*lab-org*.html | head -1)"
"$KANSOKU" --db "$DB" --format json org risk >"$W/risk.json"
check_eq "org risk rates lab-org" "$(jq -r '.[0].org' "$W/risk.json")" lab-org

# ---- an interrupted round continues with --resume ----
# TCP only and no credential checks: the stages after discovery are the ones above.
RPORTS=21,22,23,80,443,1883
ip netns exec "$LAB_SCANNER_NS" "$KANSOKU" --db "$DB" survey run --scope "$LAB_DIR/scope.txt" \
	--scope-name resume --ports "$RPORTS" --rate 100 --recog-dir "$SHARED/data/recog" --timeout 500 \
	>"$W/r3.txt" 2>"$W/r3.err" &
RUN=$! # ip netns exec execs kansoku (no shell function: that would be a subshell's PID)
for _ in $(seq 600); do # bounded: until a resume point is saved
	k=$(sqlite3 "$DB" "SELECT resume_index FROM survey_round WHERE scope_name='resume'" 2>/dev/null)
	[ -n "$k" ] && [ "$k" -gt 0 ] && break
	sleep 0.1
done
kill -TERM "$RUN"
wait "$RUN"
check_eq "interrupted round exits 130" "$?" 130
check_eq "interrupted round stays unfinished" \
	"$(sqlite3 "$DB" "SELECT count(*) FROM survey_round WHERE scope_name='resume' AND ended IS NULL")" 1
in_scan "$KANSOKU" --db "$DB" survey run --scope "$LAB_DIR/scope.txt" --scope-name resume \
	--ports "$RPORTS" --rate 2000 --recog-dir "$SHARED/data/recog" --timeout 500 --resume \
	>"$W/r4.txt" 2>"$W/r4.err"
check_eq "resumed round exits 0" "$?" 0
check "resumed round is complete" grep -Eq "^round [0-9]+ complete" "$W/r4.txt"
check_eq "one discovery audit record per target and port over both parts" \
	"$(sqlite3 "$DB" "SELECT count(DISTINCT hex(address) || '/' || port) FROM survey_audit a JOIN survey_round r ON r.id = a.round_id WHERE r.scope_name='resume' AND module LIKE 'tcp-%'")" \
	$((256 * 6))
"$KANSOKU" --db "$DB" --format json survey findings --status open |
	jq '[.[] | select(.scope == "resume")]' >"$W/f3.json"
got=$(lab_findings "$W/f3.json")
want=$(lab_expected all | grep 'open$' | awk -F'\t' -v p=",$RPORTS," 'index(p, "," $2 ",")')
check_eq "the resumed round sees every open finding on its ports" "$got" "$want"

kill "$DUMP" 2>/dev/null
wait "$DUMP" 2>/dev/null
out=$(tcpdump -r "$W/outside.pcap" -n 2>/dev/null)
check_eq "no packet from the scanner left the scope" "$out" ""
finish
