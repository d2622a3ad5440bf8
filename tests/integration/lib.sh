# Helpers for integration tests (sourced). Each check prints one line,
# "PASS name" or "FAIL name: detail"; finish() exits non-zero on failures.
: "${KANSOKU:?KANSOKU must name the kansoku binary}"
KS_FAILED=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1${2:+: $2}"; KS_FAILED=$((KS_FAILED + 1)); }
check() { local name=$1; shift; if "$@"; then pass "$name"; else fail "$name" "command failed: $*"; fi; }
check_eq() { if [ "$2" == "$3" ]; then pass "$1"; else fail "$1" "got '$2', expected '$3'"; fi; }
finish() { [ "$KS_FAILED" -eq 0 ]; exit $?; }
need() { command -v "$1" >/dev/null || { fail "needs $1 (run scripts/deps.sh)"; finish; }; }
# Sets SHARED to ../shared (test fixtures; CI places it beside the clone),
# or fails the script when it is missing.
ks_shared() {
	SHARED="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)/shared"
	[ -d "$SHARED/data" ] && return 0
	fail "test fixtures not found at $SHARED/data (../shared beside the repository)"
	finish
}
# Sets W to a fresh work directory, removed when the script exits.
ks_workdir() {
	W=$(mktemp -d "${TMPDIR:-/tmp}/kansoku-test.XXXXXX")
	trap 'rm -rf "$W"' EXIT
}
