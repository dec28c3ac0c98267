# tests/e2e/lib-slurm.sh - sourced by the Slurm tests (t6NNN) after lib.sh
# (and after lib-runner.sh when a test uses both): a private one-node
# cluster in the trash directory (scripts/slurm-local.sh), bounded waits on
# job and node states, and a cleanup that always stops the cluster.
#
#	. "$SRCDIR/tests/e2e/lib-slurm.sh"
#	slurm_start_or_skip || { test_done; exit; }
#	id=$(sbatch --parsable --wrap true) && slurm_wait_state "$id" COMPLETED

SLURM_DIR=$TRASH/slurm
SLURM_LOCAL="$SRCDIR/scripts/slurm-local.sh"
SLURM_CONF=$SLURM_DIR/slurm.conf
export SLURM_CONF
PATH=$PATH:/usr/sbin:/sbin

# slurm_start_or_skip: start the cluster in $SLURM_DIR. When Slurm cannot
# run here (not root, packages missing: slurm-local.sh exits 77), say why
# as a skipped test, or as a failure under CI (where these tests must
# run), and fail. A cluster that does not come up is a failed test.
slurm_start_or_skip() {
	sh "$SLURM_LOCAL" start "$SLURM_DIR" >"$TRASH/slurm-start.out" 2>&1
	_rc=$?
	[ $_rc -eq 0 ] && return 0
	_why=$(grep -v '^---' "$TRASH/slurm-start.out" | head -n 1)
	if [ $_rc -eq 77 ] && [ -z "${CI:-}" ]; then
		echo "# SLURM TESTS SKIPPED: $_why" >&2
		test_skip 'a private Slurm cluster' "$_why"
		return 1
	fi
	test_count=$((test_count + 1))
	test_failures=$((test_failures + 1))
	echo "not ok $test_count - a private Slurm cluster starts${CI:+ (CI: Slurm must run)}"
	sed 's/^/#   /' "$TRASH/slurm-start.out"
	return 1
}

# sid ID: the Slurm job id of spoolboard job ID, from its slurm.json
# (json_get is lib.sh's)
sid() {
	json_get "spool/jobs/$1/slurm.json" 'j["job_id"]'
}

# njobs ID: how many Slurm jobs were made for spoolboard job ID
njobs() {
	squeue -h -t all -o %j | grep -c "^spoolboard:$1:"
}

# slurm_job_state ID: its JobState (PENDING, RUNNING, COMPLETED, ...), from
# squeue while slurmctld knows the job (MinJobAge=3600 keeps it an hour)
slurm_job_state() {
	squeue -h -t all -j "$1" -o %T 2>/dev/null
}

# slurm_job_field ID NAME: one field of `scontrol show job` (Restarts,
# ExitCode, Reason, ...)
slurm_job_field() {
	scontrol -o show job "$1" 2>/dev/null | tr ' ' '\n' |
		sed -n "s/^$2=//p" | head -n 1
}

# slurm_wait_state ID STATE [SECONDS]: poll until the job is in STATE; fail
# after SECONDS (default 30) naming the state it was in
slurm_wait_state() {
	_n=$(( ${3:-30} * 10 ))
	while [ "$(slurm_job_state "$1")" != "$2" ]; do
		_n=$((_n - 1))
		if [ $_n -le 0 ]; then
			echo "timed out waiting for job $1 to be $2;" \
				"it is $(slurm_job_state "$1")" >&2
			scontrol show job "$1" >&2
			return 1
		fi
		sleep 0.1
	done
}

# slurm_node_state: the node's state as sinfo has it: idle, mix, alloc,
# down* (a trailing * means not responding)
slurm_node_state() {
	sinfo -h -o %t 2>/dev/null | head -n 1
}

# slurm_wait_node PATTERN [SECONDS]: poll until the node's state matches
# the shell PATTERN (e.g. 'down*', 'idle')
slurm_wait_node() {
	_n=$(( ${2:-30} * 10 ))
	while :; do
		# shellcheck disable=SC2254
		case $(slurm_node_state) in $1) return 0 ;; esac
		_n=$((_n - 1))
		if [ $_n -le 0 ]; then
			echo "timed out waiting for the node to be $1;" \
				"it is $(slurm_node_state)" >&2
			return 1
		fi
		sleep 0.1
	done
}

# slurm_processes: this cluster's processes (daemons, job steps, jobs),
# "PID NAME" a line
slurm_processes() {
	sh "$SLURM_LOCAL" procs "$SLURM_DIR"
}

# slurm_save_state ID: make slurmctld save its job state now, and wait for
# it (a crash of slurmctld loses what it had not saved; it saves about a
# second after a change, here to the job's comment)
slurm_save_state() {
	touch "$TRASH/.slurm-save" &&
	scontrol update JobId="$1" Comment=saved &&
	wait_for slurm_saved
}

# slurm_saved: the job state was saved after $TRASH/.slurm-save was made
slurm_saved() {
	test -n "$(find "$SLURM_DIR/state/job_state" \
		-newer "$TRASH/.slurm-save" 2>/dev/null)"
}

# The cluster is stopped whatever happened, then lib-runner.sh's cleanup
# runs when it was sourced, or the trash directory is removed.
cleanup_slurm() {
	if [ -f "$SLURM_DIR/slurm.conf" ]; then
		sh "$SLURM_LOCAL" stop "$SLURM_DIR" >/dev/null 2>&1
	fi
	if command -v cleanup_runners >/dev/null 2>&1; then
		cleanup_runners
	else
		trash_remove
	fi
}
trap cleanup_slurm EXIT
