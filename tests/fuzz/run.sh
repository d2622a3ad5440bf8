#!/usr/bin/env bash
# Runs libFuzzer targets. KS_FUZZ_MODE=smoke: KS_FUZZ_RUNS inputs each,
# starting from the committed corpus, new inputs going to a scratch copy. KS_FUZZ_MODE=long:
# KS_FUZZ_SECONDS each, new inputs saved under build/fuzz/corpus/<target>.
# Crashes are written to build/fuzz/crash-*; copy them into
# tests/fuzz/corpus/<target>/ once fixed so they stay fixed.
set -u
cd "$(dirname "$0")/../.."
mkdir -p build/fuzz
passed=0 failed=0
for bin in "$@"; do
	name=${bin##*/}
	seeds=tests/fuzz/corpus/$name
	if [ "${KS_FUZZ_MODE:-smoke}" = long ]; then
		work=build/fuzz/corpus/$name
		mkdir -p "$work"
		args=(-max_total_time="${KS_FUZZ_SECONDS:-60}" "$work" "$seeds")
	else
		# libFuzzer writes new inputs into the first directory it is given:
		# a scratch copy, so the committed seeds stay as they are.
		work=build/fuzz/smoke/$name
		rm -rf "$work"
		mkdir -p "$work"
		args=(-runs="${KS_FUZZ_RUNS:-3000}" "$work" "$seeds")
	fi
	if "$bin" -artifact_prefix=build/fuzz/crash-"$name"- -rss_limit_mb=2048 "${args[@]}" \
		>build/fuzz/"$name".log 2>&1; then
		echo "PASS fuzz $name"
		passed=$((passed + 1))
	else
		echo "FAIL fuzz $name (see build/fuzz/$name.log)"
		failed=$((failed + 1))
	fi
done
echo "$passed $failed" >build/fuzz/results
echo "$passed passed, $failed failed (fuzz)"
[ "$failed" -eq 0 ]
