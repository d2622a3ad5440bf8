#!/usr/bin/env bash
# kansoku survey vulns: the starter vulnerability data with the CISA KEV
# snapshot; matches per product/version in text, JSON and CSV; a CPE query;
# bad data files named by line and column (exit status 3); usage errors
# (exit status 2).
set -u
. "$(dirname "$0")/lib.sh"
need jq
ks_shared
ks_workdir
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DB="$ROOT/data/vulns/iot-starter.vulns"
KEV="$SHARED/data/kev/known_exploited_vulnerabilities.json"
v() { "$KANSOKU" survey vulns --vulns "$DB" --kev "$KEV" "$@"; }

# Listing: every entry, KEV marks from the catalogue.
L=$(v --format json)
check_eq "list: entries" "$(jq length <<<"$L")" 15
check_eq "list: known exploited" "$(jq '[.[] | select(.known_exploited)] | length' <<<"$L")" 13
check_eq "list: not in KEV" "$(jq -c '[.[] | select(.known_exploited | not) | .cve]' <<<"$L")" \
	'["CVE-2017-7921","CVE-2017-9833"]'
check_eq "list: without --kev nothing is marked" \
	"$("$KANSOKU" survey vulns --vulns "$DB" --format json | jq '[.[] | select(.known_exploited)] | length')" 0

# Matching, JSON fields.
J=$(v --product Fortinet:FortiOS --version 6.0.4 --format json)
check_eq "fortios 6.0.4" "$(jq -c '[.[] | .cve]' <<<"$J")" '["CVE-2018-13379","CVE-2022-42475"]'
check_eq "fortios fields" "$(jq -c '.[1] | [.type, .severity, .cvss, .known_exploited, .kev_date_added, .ransomware]' <<<"$J")" \
	'["known_vulnerability","critical",9.8,true,"2022-12-13",true]'
check_eq "fortios remediation" "$(jq -r '.[0].remediation' <<<"$J")" \
	"Update FortiOS to 5.4.13, 5.6.8, 6.0.5, 6.2.0 or later, and reset the SSL VPN users' passwords."
check_eq "fortios 6.0.5" "$(v --product fortinet:fortios --version 6.0.5 --format json | jq -c '[.[].cve]')" '["CVE-2022-42475"]'
check_eq "fortios 7.2.3 (fixed)" "$(v --product fortinet:fortios --version 7.2.3 --format json)" '[]'
check_eq "fortios, version unknown" "$(v --product fortinet:fortios --format json)" '[]'
check_eq "hikvision: KEV first" \
	"$(v --product Hikvision:DS-2CD2032-I --version 'V5.3.0 build 150513' --format json | jq -c '[.[] | [.cve, .known_exploited]]')" \
	'[["CVE-2021-36260",true],["CVE-2017-7921",false]]'
check_eq "drayTek beta firmware" "$(v --product DrayTek:Vigor2960 --version 1.4.4_Beta --format json | jq -c '[.[].cve]')" '["CVE-2020-8515"]'
check_eq "boa rc21" "$(v --product boa:boa --version 0.94.14rc21 --format json | jq -c '[.[] | [.cve, .severity]]')" \
	'[["CVE-2017-9833","high"]]'
check_eq "cpe query" \
	"$(v --cpe 'cpe:2.3:a:pulsesecure:pulse_connect_secure:9.0R3.3:*:*:*:*:*:*:*' --format json | jq -c '[.[] | [.cve, .cvss]]')" \
	'[["CVE-2019-11510",10]]'

check_eq "cpe URI query (Recog style)" \
	"$(v --cpe 'cpe:/o:fortinet:fortios:6.2.11' --format json | jq -c '[.[].cve]')" '["CVE-2022-42475"]'

# From a banner to CVEs: the fingerprint stage's cpe23 (URI binding) as the query.
CPE=$("$KANSOKU" --format json survey fingerprint --recog-dir "$SHARED/data/recog" --matches http_header.server \
	'Boa/0.94.14rc21' | jq -r '.params["service.cpe23"]')
check_eq "fingerprint cpe23" "$CPE" "cpe:/a:boa:boa:0.94.14rc21"
check_eq "banner to CVE" "$(v --cpe "$CPE" --format json | jq -c '[.[].cve]')" '["CVE-2017-9833"]'

# CSV and text.
C=$(v --product zyxel:usg_flex_100w_firmware --version 'V5.21(ABUJ.1)' --format csv)
check_eq "csv header" "$(head -1 <<<"$C")" \
	"cve,severity,cvss,known_exploited,kev_date_added,ransomware,title,remediation,affects,line,source"
check_eq "csv rows" "$(tail -n +2 <<<"$C" | cut -d, -f1-5)" \
	"CVE-2022-30525,critical,9.8,yes,2022-05-16
CVE-2023-28771,critical,9.8,yes,2023-05-31"
T=$(v --product qnap:photo_station --version 6.0.21)
case $T in *CVE-2022-27593*critical*9.1*KEV*2022-09-08*) pass "text output" ;; *) fail "text output" "$T" ;; esac

# Bad data: exit status 3, the file, line and column named.
printf 'cve CVE-2024-0001\naffects acme:cam <1.0\ncvss 9.8 CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:L\ntitle t\nfix f\n' >"$W/bad.vulns"
err=$("$KANSOKU" survey vulns --vulns "$W/bad.vulns" 2>&1 >/dev/null)
check_eq "bad data exit status" "$?" 3
check_eq "bad data message" "$err" \
	"kansoku: error: $W/bad.vulns:3:10: CVSS vector scores 9.4; expected it to give the stated score 9.8"
printf '{"vulnerabilities":[{"cveID":"CVE-2021-36260","dateAdded":"2022-1-10","vendorProject":"x","product":"y"}]}' >"$W/kev.json"
err=$("$KANSOKU" survey vulns --vulns "$DB" --kev "$W/kev.json" 2>&1 >/dev/null)
check_eq "bad kev exit status" "$?" 3
case $err in *"kev.json: vulnerabilities[0]: key 'dateAdded': '2022-1-10'; expected a date YYYY-MM-DD"*) pass "bad kev names the entry" ;;
*) fail "bad kev names the entry" "$err" ;; esac
"$KANSOKU" survey vulns --vulns "$W/missing.vulns" 2>/dev/null
check_eq "missing file exit status" "$?" 1

# Usage errors: exit status 2.
"$KANSOKU" survey vulns --product a:b 2>/dev/null
check_eq "no --vulns" "$?" 2
"$KANSOKU" survey vulns --vulns "$DB" --product fortios 2>/dev/null
check_eq "product without vendor" "$?" 2
"$KANSOKU" survey vulns --vulns "$DB" --product a:b --version '1.0/2' 2>/dev/null
check_eq "bad version" "$?" 2
"$KANSOKU" survey vulns --vulns "$DB" --cpe 'cpe:2.3:a:b' 2>/dev/null
check_eq "bad cpe" "$?" 2
"$KANSOKU" survey vulns --vulns "$DB" --cpe 'cpe:2.3:a:b:c:*:*:*:*:*:*:*:*' --product a:b 2>/dev/null
check_eq "cpe and product" "$?" 2
case $("$KANSOKU" --version) in "kansoku "[0-9]*) pass "kansoku --version still works" ;; *) fail "kansoku --version still works" ;; esac
finish
