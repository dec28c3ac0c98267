#!/bin/sh
# `spoolboard run --executor slurm` when things go wrong on the cluster: a
# node that stops answering (its job requeued by Slurm and resumed, after
# the old copy lets go, to the same weights as an undisturbed run), the
# job's own time limit (checkpointed, retried to the same weights),
# Slurm's time limit (its early SIGUSR1: checkpointed, failed saying so)
# and the memory limit (--mem, and the trainer failing inside it with the
# figure). Skips, saying why, where Slurm cannot run.
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/e2e/lib-runner.sh"
. "$SRCDIR/tests/e2e/lib-slurm.sh"

export SLURM_LOCAL_CPUS=2
slurm_start_or_skip || { test_done; exit; }
make_data
mkdir -p spool/incoming

# same_weights ID CONFIG: the job's model is the one an undisturbed local
# run of CONFIG trains
same_weights() {
	spoolboard train "$2" --out "local-$1" --data-root . --threads 1 \
		>/dev/null 2>&1 &&
	weights "local-$1" && weights "spool/jobs/$1" &&
	cmp "local-$1.safetensors" "spool/jobs/$1.safetensors"
}

test_expect_success 'start the runner on the cluster' '
	start_runner --executor slurm --slots 2
'

# The node hangs (its trainer frozen, its slurmd stopped): Slurm marks it
# down and requeues the job. When the node comes back, Slurm stops the old
# copy; a requeued copy that starts while an old one still holds the job
# (on a real cluster: still running on a node cut off from slurmctld;
# here flock(1) stands in for it) waits for it, then resumes from the
# newest checkpoint.
test_expect_success 'a node that stops answering: requeued, resumed to the same weights' '
	EPOCHS=3000 long_config nf.json "\"threads\": 1" &&
	cp nf.json spool/incoming/ &&
	wait_until "ls spool/jobs/nf/checkpoints/ckpt-* >/dev/null" 30 &&
	old=$(cat spool/jobs/nf/.lock) &&
	kill -STOP "$old" &&
	kill -TERM "$(cat "$SLURM_DIR/slurmd.pid")" &&
	wait_until "grep -q \"nf: requeued in Slurm (job $(sid nf))\" runner.log" 60 &&
	slurm_wait_node "down*" 10 &&
	{ flock spool/jobs/nf/.lock sleep 12 & } &&
	sh "$SLURM_LOCAL" start "$SLURM_DIR" >/dev/null 2>&1 &&
	wait_until "status_is nf completed" 120 &&
	! kill -0 "$old" 2>/dev/null &&
	test "$(njobs nf)" = 1 &&
	test "$(slurm_job_field "$(sid nf)" Restarts)" = 1 &&
	grep -q "is being trained by pid $old (an earlier copy of it); waiting up to 600 s" spool/jobs/nf/log.txt &&
	grep -q "the earlier copy stopped after" spool/jobs/nf/log.txt &&
	test "$(grep -c "== attempt" spool/jobs/nf/log.txt)" = 2 &&
	json_check spool/jobs/nf/state.json "j[\"resumed_from\"]" &&
	grep -q "\"event\":\"requeued\"" spool/jobs/nf/events.jsonl &&
	same_weights nf nf.json
'

# limits.max_seconds: the trainer stops itself, checkpointed, and each
# retry goes on from there (as many as it takes on this machine: under
# a sanitizer an attempt does a fifth of the epochs); Slurm's --time is
# past it (a backstop)
test_expect_success 'the time limit: checkpointed, retried, the same weights' '
	EPOCHS=2500 long_config free.json "\"threads\": 1" &&
	EPOCHS=2500 long_config tl.json "\"threads\": 1,
		\"limits\": {\"max_seconds\": 1.5}" &&
	cp tl.json spool/incoming/ &&
	n=0 &&
	while wait_until "status_is tl completed || status_is tl failed" 60 &&
	      status_is tl failed && test $n -lt 40; do
		n=$((n + 1)) &&
		spoolboard retry --spool spool tl >/dev/null &&
		wait_until "! status_is tl failed" 10 || break
	done &&
	status_is tl completed && test $n -ge 1 &&
	grep -q "time limit of 1.5 s reached at epoch" spool/jobs/tl/log.txt &&
	test "$(grep -c "== attempt" spool/jobs/tl/log.txt)" -ge 2 &&
	test "$(slurm_job_field "$(sid tl)" TimeLimit)" = "00:04:00" &&
	same_weights tl free.json
'

# Slurm's own time limit (here the partition's, as --sbatch-arg=--time=1):
# its --signal sends SIGUSR1 up to 90 s before the end, the trainer
# checkpoints and fails saying so, and the Slurm job ends there
test_expect_success 'Slurm'"'"'s time limit: signalled first, checkpointed, failed saying so' '
	stop_runner &&
	start_runner --executor slurm --slots 2 --sbatch-arg=--time=1 &&
	EPOCHS=1000000 long_config spool/incoming/sl.json "\"threads\": 1" &&
	wait_until "status_is sl failed" 90 &&
	json_check spool/jobs/sl/state.json "j[\"error\"][\"message\"].startswith(\"stopped before a time limit (SIGUSR1: Slurm\")" &&
	json_check spool/jobs/sl/state.json "\"time limit\" in j[\"error\"][\"hint\"]" &&
	ls spool/jobs/sl/checkpoints/ckpt-* >/dev/null &&
	slurm_wait_state "$(sid sl)" FAILED &&
	test "$(slurm_job_field "$(sid sl)" TimeLimit)" = "00:01:00"
'

# limits.max_memory_mb: Slurm is asked for that much (--mem), and the
# trainer keeps inside it, failing with the figure, not killed
if ldd "$SPOOLBOARD" 2>/dev/null | grep -q libasan; then
	test_skip 'the memory limit: --mem, and a failure with the figure' \
		'AddressSanitizer needs more address space than any limit'
else
test_expect_success 'the memory limit: --mem, and a failure with the figure' '
	config spool/incoming/mem.json "\"threads\": 1,
		\"model\": {\"type\": \"mlp\", \"hidden\": [1024, 1024]},
		\"limits\": {\"max_memory_mb\": 64}" &&
	wait_until "status_is mem failed" 60 &&
	json_check spool/jobs/mem/state.json "j[\"error\"][\"message\"].startswith(\"memory limit of 64 MB was hit (limits.max_memory_mb): out of memory\")" &&
	test "$(slurm_job_field "$(sid mem)" MinMemoryNode)" = 64M &&
	slurm_wait_state "$(sid mem)" FAILED
'
fi

test_done
