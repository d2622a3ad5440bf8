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
# Runs one test program; a program that exits non-zero without saying FAIL
# (a crash, a sanitizer abort) is a failure too.
run() {
	local out=$KS_BUILD/run.out rc
	"$@" >"$out" 2>&1
	rc=$?
	cat "$out" >>"$log"
	grep -E '^(PASS|FAIL)' "$out"
	if [ "$rc" -ne 0 ] && ! grep -q '^FAIL' "$out"; then
		echo "FAIL $* (exit status $rc, no FAIL line: crashed?)" | tee -a "$log"
	fi
}

echo "== unit tests ($KS_BUILD)"
run "$KS_BUILD/tests/unit/unit"
for t in tests/integration/t_*.sh; do
	echo "== $t"
	run bash "$t"
done
echo "== fuzz corpus replay"
for r in "$KS_BUILD"/tests/fuzz/replay_fuzz_*; do
	case $r in *.o | *.d) continue ;; esac
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
