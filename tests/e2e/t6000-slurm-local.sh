#!/bin/sh
# The private one-node Slurm cluster (scripts/slurm-local.sh) that the
# runner's Slurm tests stand on, and the Slurm behaviour the runner's
# executor relies on: job states after the end, scancel, requeue with the
# same id, a node going down when its slurmd stops, a restart after a
# crash, and a stop that leaves no process behind. Skips, saying why, where
# Slurm cannot run (not root, slurm-wlm or munge missing).
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/e2e/lib-slurm.sh"

if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1; then
	test_expect_success 'start refuses to run as another user than root' '
		mkdir -m 777 nobody &&
		test_expect_code 77 setpriv --reuid=65534 --regid=65534 \
			--clear-groups sh "$SLURM_LOCAL" start "$TRASH/nobody/c" \
			2>err &&
		grep -q "^slurm-local: cannot start Slurm: slurmd must run as root" err &&
		test ! -e nobody/c
	'
fi

slurm_start_or_skip || { test_done; exit; }

test_expect_success 'start brings up the node idle; status says so' '
	test "$(slurm_node_state)" = idle &&
	sh "$SLURM_LOCAL" status "$SLURM_DIR" >status &&
	grep -q "^munged: up (pid [0-9]*)$" status &&
	grep -q "^slurmctld: up (pid [0-9]*)$" status &&
	grep -q "^slurmd: up (pid [0-9]*)$" status &&
	grep -q "^node: idle$" status &&
	test -S "$SLURM_DIR/munge.sock" && test -s "$SLURM_DIR/munge.key" &&
	test -d "$SLURM_DIR/state" && test -s "$SLURM_DIR/slurmctld.log"
'

test_expect_success 'start again leaves the running cluster as it is' '
	cp "$SLURM_DIR/slurm.conf" conf.before &&
	sh "$SLURM_LOCAL" status "$SLURM_DIR" >before &&
	sh "$SLURM_LOCAL" start "$SLURM_DIR" &&
	sh "$SLURM_LOCAL" status "$SLURM_DIR" >after &&
	test_cmp before after && test_cmp conf.before "$SLURM_DIR/slurm.conf"
'

test_expect_success 'env prints SLURM_CONF for the cluster' '
	(unset SLURM_CONF && eval "$(sh "$SLURM_LOCAL" env "$SLURM_DIR")" &&
	 test "$SLURM_CONF" = "$SLURM_DIR/slurm.conf" && sinfo -h -o %P) >out &&
	echo "debug*" >want && test_cmp want out
'

test_expect_success 'a job that writes a file ends COMPLETED with 0:0' '
	id=$(sbatch --parsable -o done.out --wrap "echo hello >done.txt") &&
	slurm_wait_state "$id" COMPLETED &&
	echo hello >want && test_cmp want done.txt &&
	test "$(slurm_job_field "$id" JobState)" = COMPLETED &&
	test "$(slurm_job_field "$id" ExitCode)" = 0:0
'

test_expect_success 'a job that exits 3 ends FAILED, NonZeroExitCode, 3:0' '
	id=$(sbatch --parsable -o /dev/null --wrap "exit 3") &&
	slurm_wait_state "$id" FAILED &&
	test "$(slurm_job_field "$id" Reason)" = NonZeroExitCode &&
	test "$(slurm_job_field "$id" ExitCode)" = 3:0
'

test_expect_success 'scancel of a running job makes it CANCELLED' '
	id=$(sbatch --parsable -o /dev/null --wrap "sleep 300") &&
	slurm_wait_state "$id" RUNNING &&
	scancel "$id" &&
	slurm_wait_state "$id" CANCELLED
'

test_expect_success 'a job asking for more memory than the node has is refused' '
	test_expect_code 1 sbatch --mem=100000000 --wrap true 2>err &&
	grep -q "Requested node configuration is not available" err
'

# requeue: the running job is cancelled, waits cred_expire (10 s) pending
# with Reason=BeginTime, then runs again under the same id
test_expect_success 'scontrol requeue restarts a running job with the same id' '
	id=$(sbatch --parsable -o requeue.out --open-mode=append \
		--wrap "echo run \${SLURM_RESTART_COUNT:-0}; sleep 300") &&
	slurm_wait_state "$id" RUNNING &&
	wait_for grep -q "^run 0$" requeue.out &&
	scontrol requeue "$id" &&
	slurm_wait_state "$id" PENDING &&
	test "$(slurm_job_field "$id" Restarts)" = 1 &&
	slurm_wait_state "$id" RUNNING 30 &&
	wait_for grep -q "^run 1$" requeue.out &&
	grep -q "CANCELLED AT .* DUE TO JOB REQUEUE" requeue.out &&
	echo "$id" >requeued.id
'

# a crash: every daemon killed at once (the job's slurmstepd lives on),
# pid files left behind, one of them naming a process that is not the
# cluster's. slurmctld comes back with the jobs as last saved in state/
# (so the test has it save them first), and slurmd finds the step again:
# the job runs on, it is not started again.
test_expect_success 'after a crash start brings the cluster back, jobs running' '
	id=$(cat requeued.id) &&
	slurm_save_state "$id" &&
	for d in slurmd slurmctld munged; do
		kill -KILL "$(cat "$SLURM_DIR/$d.pid")" || return 1
	done &&
	echo $$ >"$SLURM_DIR/slurmd.pid" &&
	sh "$SLURM_LOCAL" start "$SLURM_DIR" &&
	sh "$SLURM_LOCAL" status "$SLURM_DIR" &&
	test "$(slurm_job_state "$id")" = RUNNING &&
	test "$(slurm_job_field "$id" Restarts)" = 1 &&
	test "$(grep -c "^run" requeue.out)" = 2
'

# slurmd gone: NOT_RESPONDING after about SlurmdTimeout (5 s), DOWN and
# its jobs requeued a few seconds later; the job's processes go on until
# slurmd comes back and is told to end them (and if slurmctld starts the
# job again before that, slurmd refuses the second copy and the node is
# drained: "Duplicate jobid")
test_expect_success 'a stopped slurmd makes the node DOWN within 30 s' '
	id=$(cat requeued.id) &&
	kill -TERM "$(cat "$SLURM_DIR/slurmd.pid")" &&
	slurm_wait_node "down\\*" 30 &&
	scontrol show node | grep -q "State=DOWN+NOT_RESPONDING" &&
	slurm_wait_state "$id" PENDING &&
	test "$(slurm_job_field "$id" Restarts)" = 2
'

test_expect_success 'status says which daemon is down' '
	test_expect_code 1 sh "$SLURM_LOCAL" status "$SLURM_DIR" >status &&
	grep -q "^slurmd: down$" status && grep -q "^node: down\\*$" status
'

test_expect_success 'stop leaves no process behind, not even a step slurmd left' '
	test -n "$(slurm_processes)" &&
	sh "$SLURM_LOCAL" stop "$SLURM_DIR" &&
	slurm_processes >left &&
	test_cmp /dev/null left &&
	test_expect_code 1 sh "$SLURM_LOCAL" status "$SLURM_DIR" >status &&
	grep -q "^slurmctld: down$" status &&
	sh "$SLURM_LOCAL" stop "$SLURM_DIR"
'

test_done
