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
export SRCDIR
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$SRCDIR/$BUILD ;; esac
SPOOLBOARD=${SPOOLBOARD:-$BUILD/spoolboard}
TRASH=$(mktemp -d "${TMPDIR:-/tmp}/spoolboard-$TEST_NAME.XXXXXX")
# trash_remove: the test's folder removed, unless KEEP_TRASH=1 (to look at
# what a failure left); every EXIT trap ends with it
trash_remove() {
	[ -n "${KEEP_TRASH:-}" ] || { cd / && rm -rf "$TRASH"; }
}
trap trash_remove EXIT
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

# json_get FILE EXPR: print a value of a JSON file, EXPR being a Python
# expression over `j` (e.g. 'j["test"]["metrics"]["rmse"]').
json_get() {
	python3 -c 'import json,sys
j = json.load(open(sys.argv[1]))
v = eval(sys.argv[2])
print(json.dumps(v) if isinstance(v, (dict, list)) or v is None else v)' "$1" "$2"
}

# json_check FILE EXPR: succeed when the Python expression over `j` is true.
json_check() {
	python3 -c 'import json,re,sys
j = json.load(open(sys.argv[1]))
ok = eval(sys.argv[2])
if not ok:
    print("json_check failed:", sys.argv[2], file=sys.stderr)
sys.exit(0 if ok else 1)' "$1" "$2"
}

# copy_example NAME: the example config and its data into the trash dir.
copy_example() {
	mkdir -p data &&
	cp "$SRCDIR/examples/$1.json" . &&
	cp "$SRCDIR"/examples/data/*.csv data/
}

# test_expect_code CODE CMD...: run CMD, succeed when it exits with CODE.
# wait_for CMD...: run CMD until it succeeds, for at most about 30 s.
wait_for() {
	_i=0
	while ! "$@" 2>/dev/null; do
		_i=$((_i + 1))
		[ $_i -lt 300 ] || { echo "timed out: $*"; return 1; }
		sleep 0.1
	done
}

test_expect_code() {
	want=$1; shift
	"$@"; got=$?
	if [ "$got" -ne "$want" ]; then
		echo "exit status $got, want $want: $*" >&2
		return 1
	fi
}
