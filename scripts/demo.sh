#!/usr/bin/env bash
# The darknet demo: ingest the bundled sample capture into a fresh embedded
# store, then show the report and the alerts. Run by `make demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
K=bin/kansoku
DB=demo/kansoku.db
mkdir -p demo
rm -rf "$DB" "$DB-wal" "$DB-shm" demo/alerts
run() { printf '\n$ %s\n' "$*"; "$@"; }
run $K --db "$DB" org import data/sample/orgs.csv
run $K --db "$DB" darknet ingest --darknet 198.18.0.0/16,2001:db8:dead::/48 --sensor demo data/sample/darknet-sample.pcap
run $K --db "$DB" darknet report
run $K --db "$DB" darknet sources --tag mirai --top 5
run $K --db "$DB" alerts --write demo/alerts
run $K --db "$DB" alerts
