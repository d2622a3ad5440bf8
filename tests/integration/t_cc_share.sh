#!/usr/bin/env bash
# C&C list sharing between operators: import from several operators, merged
# ranking, export in CSV/JSON/STIX and re-import elsewhere (round trip),
# replacement on re-import, all-or-nothing on a bad file.
set -u
. "$(dirname "$0")/lib.sh"
need jq
ks_workdir
k() { "$KANSOKU" --db "$W/a.db" "$@"; }
kb() { "$KANSOKU" --db "$W/b.db" "$@"; }
H=address,port,proto,score,first_seen,last_seen,reported_by,reported_at,infected_hosts,note
cat >"$W/isp1.csv" <<EOF2
$H
198.19.66.6,6667,tcp,0.8,2026-11-02T00:00:00Z,2026-11-03T00:00:00Z,,2026-11-03T01:00:00Z,12,irc bots
192.0.2.80,443,tcp,0.5,2026-11-02T00:00:00Z,2026-11-03T00:00:00Z,,2026-11-03T01:00:00Z,5,
198.19.7.7,8080,tcp,0.9,2026-11-02T10:00:00Z,2026-11-02T12:00:00Z,,2026-11-03T01:00:00Z,3,single
EOF2
cat >"$W/isp2.csv" <<EOF2
$H
192.0.2.80,443,tcp,0.7,2026-11-01T00:00:00Z,2026-11-02T06:00:00Z,,2026-11-03T02:00:00Z,9,
198.19.66.6,6667,tcp,0.6,2026-11-02T00:00:00Z,2026-11-04T00:00:00Z,,2026-11-04T01:00:00Z,20,
EOF2
check "import isp1" k -q cc import "$W/isp1.csv" --from isp1
check "import isp2" k -q cc import "$W/isp2.csv" --from isp2
L=$(k cc list --format json)
check_eq "merged endpoints" "$(jq length <<<"$L")" 3
# 1-(1-.8)(1-.6)=.92, 1-(1-.5)(1-.7)=.85, .9 alone: reported twice ranks first.
check_eq "merged order and scores" "$(jq -c '[.[] | [.address, (.score*100|round)]]' <<<"$L")" \
	'[["198.19.66.6",92],["198.19.7.7",90],["192.0.2.80",85]]'
check_eq "reporters kept with their times" \
	"$(jq -c '.[0].reports | map([.operator, .reported_at, .infected_hosts])' <<<"$L")" \
	'[["isp1","2026-11-03T01:00:00Z",12],["isp2","2026-11-04T01:00:00Z",20]]'
check_eq "merged span and infected" "$(jq -c '.[0] | [.first_seen, .last_seen, .infected_hosts]' <<<"$L")" \
	'["2026-11-02T00:00:00Z","2026-11-04T00:00:00Z",20]'
check_eq "min-score" "$(k cc list --min-score 0.86 --format json | jq length)" 2

# Round trips: each format, imported into a second store, gives the same list.
for f in csv json stix; do
	check "export $f" k -q cc export --format "$f" --out "$W/out.$f"
	rm -f "$W/b.db"
	check "import $f" kb -q cc import "$W/out.$f" --from relay
	check_eq "round trip $f" "$(kb cc list --format json)" "$L"
done
check_eq "stix bundle has indicators" \
	"$(jq '[.objects[] | select(.type=="indicator")] | length' "$W/out.stix")" 5
check_eq "stix export is deterministic" "$(k -q cc export --format stix | sha256sum)" "$(sha256sum <"$W/out.stix")"

# Re-import replaces what isp2 said before; the other operator stays.
printf '%s\n198.19.9.9,53,udp,0.4,2026-11-05T00:00:00Z,2026-11-05T01:00:00Z,,2026-11-05T02:00:00Z,2,\n' "$H" >"$W/isp2b.csv"
check "re-import isp2" k -q cc import "$W/isp2b.csv" --from isp2
check_eq "isp2 replaced" "$(k cc list --format json | jq -c '[.[] | [.address, ([.reports[].operator]|join(" "))]]')" \
	'[["198.19.7.7","isp1"],["198.19.66.6","isp1"],["192.0.2.80","isp1"],["198.19.9.9","isp2"]]'

# A bad file applies nothing and names the bad record.
before=$(k cc list --format json)
printf '%s\n198.19.1.1,80,tcp,0.3,2026-11-05T00:00:00Z,2026-11-05T01:00:00Z,,,1,\n198.19.1.2,http,tcp,0.3,2026-11-05T00:00:00Z,2026-11-05T01:00:00Z,,,1,\n' "$H" >"$W/bad.csv"
err=$(k cc import "$W/bad.csv" --from isp3 2>&1)
check_eq "bad file exit status 3" "$?" 3
case $err in *bad.csv:3:*port*) pass "bad file error names line 3 and the port" ;; *) fail "bad file error names line 3" "$err" ;; esac
check_eq "bad file applied nothing" "$(k cc list --format json)" "$before"
echo '{"type":"bundle","id":"bundle--1","objects":[{"type":"indicator"}]}' >"$W/bad.stix"
err=$(k cc import "$W/bad.stix" --from isp3 2>&1)
check_eq "bad stix exit status 3" "$?" 3
case $err in *objects\[0\]*) pass "bad stix error names the object" ;; *) fail "bad stix error names the object" "$err" ;; esac
k cc import "$W/isp1.csv" 2>/dev/null
check_eq "--from is required" "$?" 2
k cc list --format stix 2>/dev/null
check_eq "stix only for export" "$?" 2
finish
