# tests/e2e/lib.sh - sourced by every tNNNN-*.sh: a throwaway directory,
# test_expect_success, and TAP output.
#
#	. "$(dirname "$0")/lib.sh"
#	test_expect_success 'trains to completion' '
#		spoolboard train job.json --out job &&
#		grep -q completed job/state.json
#	'
#	test_done
set -u
TEST_NAME=$(basename "$0" .sh)
SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$SRCDIR/$BUILD ;; esac
SPOOLBOARD=${SPOOLBOARD:-$BUILD/spoolboard}
TRASH=$(mktemp -d "${TMPDIR:-/tmp}/spoolboard-$TEST_NAME.XXXXXX")
trap 'rm -rf "$TRASH"' EXIT
cd "$TRASH" || exit 1
test_count=0
test_failures=0
test_skips=0

spoolboard() { "$SPOOLBOARD" "$@"; }

# test_expect_success NAME SCRIPT: run SCRIPT in a subshell, report TAP.
test_expect_success() {
	test_count=$((test_count + 1))
	if (eval "$2") >"$TRASH/.out" 2>&1; then
		echo "ok $test_count - $1"
	else
		echo "not ok $test_count - $1"
		sed 's/^/#   /' "$TRASH/.out"
		test_failures=$((test_failures + 1))
	fi
}

# test_skip NAME WHY
test_skip() {
	test_count=$((test_count + 1))
	test_skips=$((test_skips + 1))
	echo "ok $test_count - $1 # SKIP $2"
}

# test_cmp EXPECTED ACTUAL: diff with the difference shown on failure.
test_cmp() { diff -u "$1" "$2"; }

test_done() {
	echo "1..$test_count"
	[ "$test_failures" -eq 0 ]
}
