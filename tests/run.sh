#!/bin/sh
# tests/run.sh - run every unit test program and e2e script, count TAP
# results, and end with one line "N passed, N failed, N skipped".
# Exit status 1 when any test failed or a test program died.
# Usage: BUILD=build sh tests/run.sh [PATTERN]
BUILD=${BUILD:-build}
export BUILD
pattern=${1:-}
passed=0 failed=0 skipped=0
logdir=$BUILD/test-logs
mkdir -p "$logdir"

run_one() {
	name=$1; shift
	case $name in *"$pattern"*) ;; *) return ;; esac
	log=$logdir/$name.log
	"$@" >"$log" 2>&1
	rc=$?
	p=$(grep -c '^ok ' "$log" | tr -d ' ')
	s=$(grep -c '^ok .*# SKIP' "$log" | tr -d ' ')
	f=$(grep -c '^not ok ' "$log" | tr -d ' ')
	p=$((p - s))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		# died without reporting a failure: count it as one
		f=1
		echo "not ok - $name exited with status $rc" >>"$log"
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	if [ "$f" -gt 0 ]; then
		echo "FAIL $name ($p passed, $f failed)"
		grep -A8 '^not ok' "$log" | head -60 | sed 's/^/    /'
	else
		echo "pass $name ($p passed, $s skipped)"
	fi
}

for t in "$BUILD"/tests/test-*; do
	[ -x "$t" ] || continue
	run_one "$(basename "$t")" "$t"
done
# e2e: the program as users drive it; hostile: as an attacker who can
# write the spool would (docs/security.md)
for t in tests/e2e/t[0-9]*.sh tests/hostile/h[0-9]*.sh; do
	[ -f "$t" ] || continue
	run_one "$(basename "$t" .sh)" sh "$t"
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
