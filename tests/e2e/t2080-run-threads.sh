#!/bin/sh
# A job never gets more threads than the cores free for it: the cores the
# runner may use (its CPU affinity), less the threads of the jobs it runs,
# less what other processes keep busy.
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/e2e/lib-runner.sh"

make_data
# the first two cores this test may run on
cpus=$(python3 -c 'import os; print(" ".join(map(str, sorted(os.sched_getaffinity(0))[:2])))')
set -- $cpus
cpu0=$1 cpu1=${2:-}

# start_pinned CPUS [OPTIONS...]: start_runner on those cores only
start_pinned() {
	_cpus=$1; shift
	: >runner.log
	taskset -c "$_cpus" "$SPOOLBOARD" run --spool spool --data-root . \
		--no-render "$@" 2>>runner.log &
	echo $! >runner.pid
	echo $! >>"$TRASH/runner.pids"
	wait_until 'grep -q "serving spool" runner.log' 10
}

# threads ID: the threads the job was started with (its state.json)
threads() { json_get spool/jobs/$1/state.json 'j["threads"]'; }

if ! command -v taskset >/dev/null 2>&1; then
	test_skip 'one core allowed: a job asking for 4 threads gets 1' 'no taskset (util-linux)'
else
	test_expect_success 'one core allowed: a job asking for 4 threads gets 1' '
		mkdir -p spool/incoming &&
		config spool/incoming/four.json "\"threads\": 4" &&
		taskset -c $cpu0 "$SPOOLBOARD" run --spool spool --data-root . --once --no-render 2>log &&
		status_is four completed &&
		test "$(threads four)" = 1 &&
		grep -q "four: started (process [0-9]*, 1 thread of the 4 asked for: [0-9.]* cores free)" log
	'
fi

if [ -z "$cpu1" ] || ! command -v taskset >/dev/null 2>&1; then
	test_skip 'two jobs on two cores share them' 'fewer than two cores, or no taskset'
	test_skip 'a core kept busy by another process is not given to a job' 'fewer than two cores, or no taskset'
else
	test_expect_success 'two jobs on two cores share them' '
		EPOCHS=1000000 long_config spool/incoming/a.json "\"threads\": 2" &&
		config spool/incoming/b.json "\"threads\": 2, \"priority\": -1" &&
		start_pinned $cpu0,$cpu1 --slots 2 &&
		wait_until "status_is b completed" &&
		test $(( $(threads a) + $(threads b) )) -le 2 &&
		spoolboard cancel --spool spool a &&
		wait_until "status_is a cancelled" &&
		stop_runner
	'

	test_expect_success 'a core kept busy by another process is not given to a job' '
		taskset -c $cpu1 sh -c "while :; do :; done" &
		hog=$!
		echo $hog >>"$TRASH/runner.pids"
		start_pinned $cpu0,$cpu1 &&
		sleep 2.5 &&
		config spool/incoming/hogged.json "\"threads\": 2" &&
		wait_until "status_is hogged completed"; rc=$?
		kill $hog
		test $rc = 0 &&
		test "$(threads hogged)" = 1 &&
		grep -q "hogged: started (process [0-9]*, 1 thread of the 2 asked for" runner.log &&
		stop_runner
	'
fi

test_done
