#!/bin/sh
# scripts/fuzz.sh - run each libFuzzer harness for a while (`make fuzz`).
# Usage: sh scripts/fuzz.sh BUILD SECONDS NAME...
# With FUZZ_RUNS=N in the environment a harness stops after N executions
# (SECONDS still bounds it).
# Each BUILD/fuzz/fuzz-NAME starts from fuzz/corpus/NAME and
# fuzz/regressions/NAME (read only: new inputs go to BUILD/corpus/NAME)
# and runs for SECONDS. Prints the executions run per harness; a crash,
# leak or timeout is written to fuzz/crashes/NAME-* and makes the run fail
# (minimize it with the harness's -minimize_crash=1 and keep it in
# fuzz/regressions/NAME/ once fixed).
build=$1 seconds=$2
shift 2
failed=0
mkdir -p fuzz/crashes
# the harnesses write their inputs to files: in memory when /dev/shm is
[ -z "$FUZZ_TMPDIR" ] && [ -d /dev/shm ] && [ -w /dev/shm ] &&
	FUZZ_TMPDIR=/dev/shm
[ -n "$FUZZ_TMPDIR" ] && export TMPDIR="$FUZZ_TMPDIR"
# a quarantine of 16 MiB (not 256) still catches a use after free within
# an input, without touching fresh memory at every allocation (2-3 times
# the executions)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:quarantine_size_mb=16}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
for name in "$@"; do
	bin=$build/fuzz/fuzz-$name
	work=$build/corpus/$name
	log=$build/fuzz-$name.log
	mkdir -p "$work" "fuzz/corpus/$name"
	seeds="fuzz/corpus/$name"
	[ -d "fuzz/regressions/$name" ] && seeds="$seeds fuzz/regressions/$name"
	# shellcheck disable=SC2086
	# -close_fd_mask=2: the harness's own stderr (the warnings of bad
	# input) is dropped; libFuzzer's and the sanitizers' reports are not
	"$bin" -max_total_time="$seconds" -runs="${FUZZ_RUNS:--1}" \
		-timeout=10 -rss_limit_mb=2048 -close_fd_mask=2 \
		-print_final_stats=1 -artifact_prefix="fuzz/crashes/$name-" \
		"$work" $seeds >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	secs=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	if [ "$rc" -ne 0 ]; then
		failed=$((failed + 1))
		echo "FAIL $name: exit status $rc, see $log"
		grep -m1 -A12 '^==[0-9]*==ERROR\|runtime error\|^SUMMARY' \
			"$log" | sed 's/^/    /'
		grep '^artifact_prefix\|Test unit written' "$log" |
			sed 's/^/    /'
	else
		echo "pass $name: ${execs:-?} executions" \
			"(${secs:-?}/s, at most ${seconds}s)"
	fi
done
[ "$failed" -eq 0 ]
