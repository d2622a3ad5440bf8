#!/usr/bin/env bash
# Runs one pass of the test suite against $KANSOKU (built in $KS_BUILD):
# unit tests, integration scripts (tests/integration/t_*.sh), and a replay of
# every fuzz corpus. Every check prints one "PASS name" or "FAIL name" line;
# the pass ends with "N passed, N failed" and the counts go to
# $KS_BUILD/results for tests/summary.sh.
set -u
cd "$(dirname "$0")/.."
: "${KS_BUILD:=build}" "${KANSOKU:=$PWD/bin/kansoku}"
export KS_BUILD KANSOKU KS_TOOLS="$PWD/$KS_BUILD/tools"
log=$KS_BUILD/test.log
: >"$log"
run() { "$@" 2>&1 | tee -a "$log" | grep -E '^(PASS|FAIL)'; }

echo "== unit tests ($KS_BUILD)"
run "$KS_BUILD/tests/unit/unit"
for t in tests/integration/t_*.sh; do
	echo "== $t"
	run bash "$t"
done
echo "== fuzz corpus replay"
for r in "$KS_BUILD"/tests/fuzz/replay_*; do
	name=${r##*/replay_}
	run "$r" "tests/fuzz/corpus/$name"
done
passed=$(grep -c '^PASS' "$log")
failed=$(grep -c '^FAIL' "$log")
echo "$passed $failed" >"$KS_BUILD/results"
echo "$passed passed, $failed failed ($KS_BUILD)"
if [ "$failed" -ne 0 ]; then
	echo "failures (details in $log):"
	grep '^FAIL' "$log"
	exit 1
fi
