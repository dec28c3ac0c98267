#!/bin/sh
# `spoolboard run --executor slurm` on a private one-node cluster: jobs
# submitted with sbatch and completed to the same weights as a local run,
# cancelled while pending and while running, scancel'ed behind the
# runner's back, and a runner killed while its job runs in Slurm and
# started again (re-attached: one Slurm job, completed). Skips, saying
# why, where Slurm cannot run (not root, slurm-wlm or munge missing).
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/e2e/lib-runner.sh"
. "$SRCDIR/tests/e2e/lib-slurm.sh"

# two CPUs whatever the machine has: a job with 2 threads fills the node
export SLURM_LOCAL_CPUS=2
slurm_start_or_skip || { test_done; exit; }
make_data

# slurm_state_is ID STATE: slurm.json says the job is STATE in Slurm
slurm_state_is() {
	json_check "spool/jobs/$1/slurm.json" "j.get(\"state\") == \"$2\""
}

test_expect_success 'jobs run in Slurm and complete' '
	mkdir -p spool/incoming &&
	config a.json "\"threads\": 1" && config b.json "\"threads\": 1" &&
	start_runner --executor slurm --slots 2 &&
	grep -q "jobs run in Slurm" runner.log &&
	cp a.json b.json spool/incoming/ &&
	wait_until "status_is a completed && status_is b completed" 60 &&
	wait_until "json_check spool/jobs/b/slurm.json \"j.get(\\\"ended\\\")\"" 10 &&
	grep -q "a: submitted to Slurm (job [0-9]*, 1 threads)" runner.log &&
	slurm_state_is a COMPLETED && slurm_state_is b COMPLETED &&
	test "$(slurm_job_state "$(sid a)")" = COMPLETED &&
	test "$(njobs a)" = 1 &&
	grep -q "completed in" spool/jobs/a/log.txt &&
	grep -q "\"event\":\"submitted\",\"slurm_job_id\":$(sid a)" \
		spool/jobs/a/events.jsonl &&
	grep -q "^exec \"\$@\"$" spool/jobs/a/slurm.sh
'

test_expect_success 'and their weights are those of a local run' '
	spoolboard train a.json --out local-a --data-root . --threads 1 \
		>/dev/null 2>&1 &&
	weights local-a && weights spool/jobs/a &&
	cmp local-a.safetensors spool/jobs/a.safetensors &&
	cmp local-a/predictions.csv spool/jobs/a/predictions.csv
'

test_expect_success 'a job waiting in Slurm is cancelled there' '
	EPOCHS=1000000 long_config spool/incoming/full.json "\"threads\": 2" &&
	wait_until "slurm_state_is full RUNNING" 30 &&
	config spool/incoming/wait.json "\"threads\": 1" &&
	wait_until "slurm_state_is wait PENDING" 30 &&
	wait_until "json_check spool/jobs/wait/slurm.json \"j[\\\"reason\\\"] == \\\"Resources\\\"\"" 10 &&
	status_is wait queued &&
	spoolboard render --spool spool 2>/dev/null &&
	grep -q "Queued in Slurm: Resources, Slurm job $(sid wait)<" \
		spool/www/jobs/wait/index.html &&
	grep -q "Running on node [^,]*, Slurm job $(sid full)<" \
		spool/www/jobs/full/index.html &&
	spoolboard cancel --spool spool wait &&
	wait_until "status_is wait cancelled" 30 &&
	test "$(slurm_job_state "$(sid wait)")" = CANCELLED &&
	grep -q "wait: cancelling (scancel of Slurm job" runner.log
'

test_expect_success 'a job running in Slurm is cancelled there' '
	wait_until "status_is full running" 30 &&
	spoolboard cancel --spool spool full &&
	wait_until "status_is full cancelled" 30 &&
	slurm_wait_state "$(sid full)" CANCELLED &&
	grep -q "cancelled by SIGTERM" spool/jobs/full/log.txt
'

test_expect_success 'a job scancel'"'"'ed behind the runner'"'"'s back ends with Slurm'"'"'s words' '
	EPOCHS=1000000 long_config spool/incoming/gone.json "\"threads\": 1" &&
	wait_until "status_is gone running" 30 &&
	scancel "$(sid gone)" &&
	wait_until "status_is gone cancelled && json_check spool/jobs/gone/slurm.json \"j.get(\\\"ended\\\")\"" 30 &&
	json_check spool/jobs/gone/state.json "j[\"error\"][\"message\"].startswith(\"Slurm: CANCELLED\")" &&
	json_check spool/jobs/gone/state.json "\"scancel\" in j[\"error\"][\"hint\"]"
'

test_expect_success 'a runner killed while its job runs in Slurm re-attaches to it' '
	EPOCHS=4000 long_config spool/incoming/long.json "\"threads\": 1" &&
	wait_until "status_is long running" 30 &&
	kill -KILL "$(cat runner.pid)" &&
	test "$(slurm_job_state "$(sid long)")" = RUNNING &&
	start_runner --executor slurm --slots 2 &&
	wait_until "grep -q \"long: re-attached to Slurm job $(sid long) (RUNNING)\" runner.log" 10 &&
	wait_until "status_is long completed" 60 &&
	test "$(njobs long)" = 1 &&
	test "$(grep -c "== attempt" spool/jobs/long/log.txt)" = 1
'

test_expect_success 'a runner stopped leaves its Slurm jobs running' '
	EPOCHS=1000000 long_config spool/incoming/left.json "\"threads\": 1" &&
	wait_until "status_is left running" 30 &&
	stop_runner &&
	grep -q "left: left running in Slurm (job $(sid left))" runner.log &&
	test "$(slurm_job_state "$(sid left)")" = RUNNING &&
	start_runner --executor slurm --slots 2 &&
	wait_until "grep -q \"left: re-attached to Slurm job $(sid left)\" runner.log" 10 &&
	spoolboard cancel --spool spool left &&
	wait_until "status_is left cancelled" 30 &&
	test "$(njobs left)" = 1
'

# requeued in Slurm (as after a node failure or preemption): the trainer
# checkpoints on SIGTERM, the same Slurm job starts again about 10 s later
# (cred_expire) and resumes from its checkpoint to the same weights
test_expect_success 'a job requeued in Slurm resumes to the same weights' '
	EPOCHS=3000 long_config rq.json "\"threads\": 1" &&
	cp rq.json spool/incoming/ &&
	wait_until "ls spool/jobs/rq/checkpoints/ckpt-* >/dev/null" 30 &&
	scontrol requeue "$(sid rq)" &&
	wait_until "grep -q \"rq: requeued in Slurm\" runner.log" 30 &&
	wait_until "status_is rq completed" 90 &&
	test "$(njobs rq)" = 1 &&
	test "$(grep -c "== attempt" spool/jobs/rq/log.txt)" = 2 &&
	json_check spool/jobs/rq/state.json "j[\"resumed_from\"]" &&
	grep -q "\"event\":\"requeued\"" spool/jobs/rq/events.jsonl &&
	spoolboard train rq.json --out local-rq --data-root . --threads 1 \
		>/dev/null 2>&1 &&
	weights local-rq && weights spool/jobs/rq &&
	cmp local-rq.safetensors spool/jobs/rq.safetensors
'

# the runner died between sbatch and writing the id: slurm.json says
# "submitting", and the next runner finds the job by its name
test_expect_success 'a submission whose id was not recorded is found by name' '
	stop_runner &&
	config sub.json "\"threads\": 1" && cp sub.json spool/incoming/ &&
	spoolboard run --spool spool --data-root . --no-render --slots 0 \
		--once 2>/dev/null &&
	status_is sub queued &&
	echo "{\"name\": \"spoolboard:sub:x1\", \"submitting\": true}" \
		>spool/jobs/sub/slurm.json &&
	id=$(sbatch --parsable --job-name=spoolboard:sub:x1 \
		-o "$TRASH/spool/jobs/sub/log.txt" --open-mode=append \
		--wrap "exec $SPOOLBOARD train $TRASH/spool/jobs/sub --data-root $TRASH --threads 1") &&
	start_runner --executor slurm --slots 2 &&
	wait_until "grep -q \"sub: re-attached to Slurm job $id\" runner.log" 10 &&
	wait_until "status_is sub completed" 60 &&
	test "$(njobs sub)" = 1 &&
	test "$(sid sub)" = "$id"
'

# Jobs that ended while no runner was up, so long ago that squeue no
# longer lists them. Where the cluster keeps accounts, sacct says how one
# ended: a stand-in sacct answers for job 999999 as one with accounting
# would (this cluster keeps none); for any other it is the real sacct,
# which has no accounts to give, and the job is recovered from its state.
mkdir -p bin
real_sacct=$(command -v sacct)
printf '#!/bin/sh\ncase " $* " in\n*" 999999 "*) echo "999999|TIMEOUT|%s|0:15|spoolboard:acct:a1" ;;\n*) exec %s "$@" ;;\nesac\n' \
	"$(hostname -s)" "$real_sacct" >bin/sacct
chmod +x bin/sacct
test_expect_success 'a job squeue no longer lists: sacct decides, else its state' '
	stop_runner &&
	config acct.json "\"threads\": 1" && cp acct.json spool/incoming/ &&
	config lost.json "\"threads\": 1" && cp lost.json spool/incoming/ &&
	spoolboard run --spool spool --data-root . --no-render --slots 0 \
		--once 2>/dev/null &&
	echo "{\"name\": \"spoolboard:acct:a1\", \"job_id\": 999999}" \
		>spool/jobs/acct/slurm.json &&
	echo "{\"name\": \"spoolboard:lost:l1\", \"job_id\": 999998}" \
		>spool/jobs/lost/slurm.json &&
	PATH=$TRASH/bin:$PATH start_runner --executor slurm --slots 2 &&
	wait_until "status_is acct failed" 30 &&
	json_check spool/jobs/acct/state.json "j[\"error\"][\"message\"] == \"Slurm: TIMEOUT (signal 15) on node $(hostname -s), Slurm job 999999\"" &&
	grep -q "acct: re-attached to Slurm job 999999 (TIMEOUT)" runner.log &&
	grep -q "lost: Slurm job 999998 is no longer known to Slurm" runner.log &&
	wait_until "status_is lost completed" 60 &&
	test "$(njobs acct)" = 0
'

# slurm.json is a file in the spool: one naming a Slurm job of another
# name is not taken (nor cancelled), nor one naming another job's
# submission; a FIFO, a link or a file over 64 KiB in its place is no
# record
test_expect_success 'a forged, FIFO, linked or huge slurm.json is not followed' '
	stop_runner &&
	config linked.json "\"threads\": 1" && cp linked.json spool/incoming/ &&
	config huge.json "\"threads\": 1" && cp huge.json spool/incoming/ &&
	config forged.json "\"threads\": 1" && cp forged.json spool/incoming/ &&
	config fifo.json "\"threads\": 1" && cp fifo.json spool/incoming/ &&
	config stolen.json "\"threads\": 1" && cp stolen.json spool/incoming/ &&
	spoolboard run --spool spool --data-root . --no-render --slots 0 \
		--once 2>/dev/null &&
	other=$(sbatch --parsable --job-name=someone-else -o /dev/null \
		--wrap "sleep 300") &&
	echo "{\"name\": \"spoolboard:forged:f1\", \"job_id\": $other}" \
		>spool/jobs/forged/slurm.json &&
	echo "{\"name\": \"spoolboard:forged:f1\", \"job_id\": $other}" \
		>spool/jobs/stolen/slurm.json &&
	mkfifo spool/jobs/fifo/slurm.json &&
	echo "{\"name\": \"spoolboard:linked:l1\", \"job_id\": $other}" \
		>"$TRASH/elsewhere.json" &&
	ln -s "$TRASH/elsewhere.json" spool/jobs/linked/slurm.json &&
	python3 -c "import json; print(json.dumps({\"name\": \"spoolboard:huge:h1\", \"job_id\": $other, \"pad\": \"x\" * 70000}))" \
		>spool/jobs/huge/slurm.json &&
	start_runner --executor slurm --slots 2 &&
	wait_until "grep -q \"forged: slurm.json names Slurm job $other, which is .someone-else., not .spoolboard:forged:f1.; not re-attached\" runner.log" 20 &&
	wait_until "status_is forged completed" 90 &&
	wait_until "status_is fifo completed" 90 &&
	grep -q "stolen: slurm.json names no submission of this job (name .spoolboard:forged:f1., job_id $other); not followed" runner.log &&
	wait_until "status_is stolen completed" 90 &&
	wait_until "status_is linked completed && status_is huge completed" 90 &&
	! grep -q "linked: slurm.json\|huge: slurm.json\|re-attached to Slurm job $other" runner.log &&
	grep -q "spoolboard:linked:l1" "$TRASH/elsewhere.json" &&
	test "$(slurm_job_state $other)" = RUNNING &&
	scancel $other
'

# slurmctld gone for a while (its state saved first, as a crash after a
# save): the runner says once that it cannot ask, keeps the job, and goes
# on when Slurm answers again. A runner started meanwhile takes the job
# back unverified (never cancelling it) until Slurm says it is this job's.
test_expect_success 'the runner waits out a slurmctld that does not answer' '
	EPOCHS=1000000 long_config spool/incoming/ctl.json "\"threads\": 1" &&
	wait_until "status_is ctl running" 30 &&
	slurm_save_state "$(sid ctl)" &&
	kill -KILL "$(cat "$SLURM_DIR/slurmctld.pid")" &&
	wait_until "grep -q \"ctl: cannot ask Slurm about job $(sid ctl)\" runner.log" 60 &&
	stop_runner &&
	start_runner --executor slurm --slots 2 &&
	wait_until "grep -q \"ctl: re-attached to Slurm job $(sid ctl) (Slurm does not answer yet\" runner.log" 60 &&
	sh "$SLURM_LOCAL" start "$SLURM_DIR" >/dev/null 2>&1 &&
	wait_until "grep -q \"ctl: Slurm job $(sid ctl) is this job.s (RUNNING)\" runner.log" 40 &&
	status_is ctl running &&
	spoolboard cancel --spool spool ctl &&
	wait_until "status_is ctl cancelled" 30 &&
	test "$(grep -c "ctl: cannot ask Slurm" runner.log)" -le 1 &&
	test "$(njobs ctl)" = 1
'

# A cancel asked while slurmctld is down: the scancel fails, and is sent
# again at the next poll once Slurm answers; the cancel is never lost.
test_expect_success 'a cancel that scancel could not send is sent again' '
	EPOCHS=1000000 long_config spool/incoming/cq.json "\"threads\": 1" &&
	wait_until "status_is cq running" 30 &&
	slurm_save_state "$(sid cq)" &&
	kill -KILL "$(cat "$SLURM_DIR/slurmctld.pid")" &&
	spoolboard cancel --spool spool cq &&
	wait_until "grep -q \"scancel $(sid cq): \" runner.log" 90 &&
	sh "$SLURM_LOCAL" start "$SLURM_DIR" >/dev/null 2>&1 &&
	wait_until "grep -q \"cq: scancel of Slurm job $(sid cq) again\" runner.log" 60 &&
	wait_until "status_is cq cancelled" 30 &&
	slurm_wait_state "$(sid cq)" CANCELLED
'

# A scancel that hangs (a slurmctld slow to answer) runs beside the loop:
# the runner takes a config meanwhile. The stand-in scancel waits 20 s,
# then runs the real one.
mkdir -p slowbin
cat >slowbin/scancel <<EOF
#!/bin/sh
touch "$PWD/scancel-began"
sleep 20
test -e "$PWD/scancel-fail" && exit 1
touch "$PWD/scancel-done"
exec $(command -v scancel) "\$@"
EOF
chmod +x slowbin/scancel

# slow_cancel ID: a runner whose scancel is the stand-in, job ID running
# in Slurm, its cancel asked and the stand-in begun
slow_cancel() {
	_path=$PATH
	stop_runner && rm -f scancel-began scancel-done &&
		PATH=$PWD/slowbin:$PATH &&
		start_runner --executor slurm --slots 2
	_rc=$?
	PATH=$_path
	test $_rc = 0 &&
	EPOCHS=1000000 long_config spool/incoming/$1.json "\"threads\": 1" &&
	wait_until "status_is $1 running" 30 &&
	spoolboard cancel --spool spool $1 &&
	wait_until "test -e scancel-began" 10
}

test_expect_success 'a scancel that hangs does not stall the runner' '
	slow_cancel hang &&
	echo "{" >spool/incoming/broken.json &&
	wait_until "test -f spool/rejected/broken.error" 15 &&
	! test -e scancel-done &&
	wait_until "status_is hang cancelled" 60 &&
	slurm_wait_state "$(sid hang)" CANCELLED
'

test_expect_success 'a runner that stops waits for the scancel it sent' '
	slow_cancel hang2 &&
	stop_runner &&
	test -e scancel-done &&
	! grep -q "was not sent" runner.log &&
	slurm_wait_state "$(sid hang2)" CANCELLED &&
	start_runner --executor slurm --slots 2
'

test_expect_success 'a runner that stops logs the cancel it could not send' '
	slow_cancel hang3 &&
	touch scancel-fail &&
	stop_runner &&
	rm scancel-fail &&
	grep -q "hang3: the cancel of its Slurm job $(sid hang3) was not sent" runner.log &&
	test "$(slurm_job_state "$(sid hang3)")" = RUNNING &&
	scancel "$(sid hang3)" &&
	start_runner --executor slurm --slots 2
'

# exec jobs (docs/exec.md) in Slurm: the runner's --allow-exec goes with
# the job to sbatch; without it, one never reaches sbatch
MARK=spoolboard-t6010-$$
mkdir -p proj
cat >proj/fit.sh <<'EOF'
for e in 1 2 3; do echo "epoch=$e epochs=3 loss=0.$((4 - e))"; done
echo "node $SLURM_JOB_ID threads $OMP_NUM_THREADS"
EOF

# xconfig FILE COMMAND-JSON [EXTRA]: an exec config in workdir proj
xconfig() {
	python3 -c 'import json, sys
c = {"command": json.loads(sys.argv[2]), "workdir": "proj", "threads": 1}
c.update(json.loads("{" + sys.argv[3] + "}"))
json.dump(c, open(sys.argv[1], "w"))' "$1" "$2" "${3:-}"
}

test_expect_success 'an exec job runs in Slurm: its output read, its metrics charted' '
	stop_runner &&
	start_runner --executor slurm --slots 2 --allow-exec &&
	xconfig spool/incoming/ex.json "[\"sh\", \"fit.sh\"]" \
		"\"metrics\": [{\"preset\": \"kv\"}]" &&
	wait_until "status_is ex completed" 60 &&
	grep -q "ex: submitted to Slurm (job [0-9]*, 1 threads)" runner.log &&
	grep -q "^node $(sid ex) threads 1$" spool/jobs/ex/log.txt &&
	test "$(head -1 spool/jobs/ex/metrics.csv)" = "epoch,seconds,train_loss,cpu_pct,rss_mb" &&
	json_check spool/jobs/ex/state.json "j[\"epoch\"] == 3 and j[\"progress\"] == 1 and j[\"train_loss\"] == 0.1" &&
	wait_until "slurm_state_is ex COMPLETED" 10
'

test_expect_success 'an exec job cancelled in Slurm: its command and children end' '
	xconfig spool/incoming/exc.json "[\"sh\", \"-c\", \"sleep 1000 & echo up; sleep 1000; : $MARK\"]" &&
	wait_until "grep -q ^up spool/jobs/exc/log.txt" 60 &&
	pgrep -f $MARK >/dev/null &&
	spoolboard cancel --spool spool exc &&
	wait_until "status_is exc cancelled" 30 &&
	wait_until "! pgrep -f $MARK >/dev/null" 15 &&
	slurm_wait_state "$(sid exc)" CANCELLED
'

# The command exits 0 and leaves a child that ignores SIGTERM; scancel
# comes while the trainer ends that child: cancelled, not completed
# (docs/exec.md; the trainer in Slurm was not started by the runner).
late_command proj/late.sh

test_expect_success 'an exec job whose command exited 0 as scancel came: cancelled' '
	xconfig spool/incoming/exl.json "[\"sh\", \"late.sh\", \"$MARK-l\"]" &&
	wait_until "grep -q ^up spool/jobs/exl/log.txt" 60 &&
	sleep 1 &&
	spoolboard cancel --spool spool exl &&
	wait_until "status_is exl cancelled" 30 &&
	grep -q "the command was stopped (.*) as it was ending" spool/jobs/exl/log.txt &&
	slurm_wait_state "$(sid exl)" CANCELLED
'

# The other order: the trainer wrote completed and ended before its own
# SIGTERM came, yet Slurm says CANCELLED (the batch step still ran as the
# scancel came). Staged with stand-ins: a scancel that sends nothing and
# a squeue that reports COMPLETED as CANCELLED. An exec job's completed
# does not stand; a built-in run's does (written after its last epoch).
mkdir -p fakebin
printf '#!/bin/sh\ntouch "%s/scancel-asked"\n' "$PWD" >fakebin/scancel
printf '#!/bin/sh\n%s "$@" | sed "s/|COMPLETED|/|CANCELLED|/"\n' \
	"$(command -v squeue)" >fakebin/squeue
chmod +x fakebin/scancel fakebin/squeue

test_expect_success 'cancel asked, completed written, Slurm says CANCELLED' '
	stop_runner &&
	_path=$PATH && PATH=$PWD/fakebin:$PATH &&
	start_runner --executor slurm --slots 2 --allow-exec; _rc=$?
	PATH=$_path && test $_rc = 0 &&
	xconfig spool/incoming/exu.json "[\"sh\", \"-c\", \"echo up; while ! test -e $TRASH/go-exu; do sleep 0.1; done\"]" &&
	EPOCHS=4000 long_config spool/incoming/bu.json "\"threads\": 1" &&
	wait_until "grep -q ^up spool/jobs/exu/log.txt && status_is bu running" 60 &&
	spoolboard cancel --spool spool exu &&
	spoolboard cancel --spool spool bu &&
	wait_until "test -e scancel-asked" 10 &&
	touch go-exu &&
	wait_until "status_is exu cancelled" 60 &&
	grep -q "exu: its command exited 0 as scancel ended it: cancelled, not completed" runner.log &&
	json_check spool/jobs/exu/state.json "\"exited 0 as scancel\" in j[\"error\"][\"message\"]" &&
	wait_until "grep -q \"bu: Slurm job $(sid bu) ended (Slurm: CANCELLED\" runner.log" 120 &&
	status_is bu completed
'

test_expect_success 'without --allow-exec a queued exec job never reaches sbatch' '
	stop_runner &&
	start_runner --executor slurm --slots 0 --allow-exec &&
	xconfig spool/incoming/exq.json "[\"sh\", \"-c\", \"touch $TRASH/marker-exq\"]" &&
	wait_until "status_is exq queued" 10 &&
	stop_runner &&
	start_runner --executor slurm --slots 2 &&
	wait_until "status_is exq failed" 30 &&
	json_check spool/jobs/exq/state.json "\"--allow-exec\" in j[\"error\"][\"hint\"]" &&
	test "$(njobs exq)" = 0 &&
	! test -e spool/jobs/exq/slurm.json &&
	! test -e marker-exq
'

test_expect_success 'a submission sbatch refuses fails the job with its words' '
	stop_runner &&
	start_runner --executor slurm --sbatch-arg=--partition=nosuch &&
	config spool/incoming/refused.json &&
	wait_until "status_is refused failed" 30 &&
	json_check spool/jobs/refused/state.json "j[\"error\"][\"message\"].startswith(\"sbatch failed: \") and \"partition\" in j[\"error\"][\"message\"]" &&
	json_check spool/jobs/refused/slurm.json "j[\"ended\"] and \"job_id\" not in j" &&
	test "$(njobs refused)" = 0
'

test_expect_success '--partition and --sbatch-arg need --executor slurm' '
	stop_runner &&
	test_expect_code 2 spoolboard run --spool spool --partition p 2>err &&
	grep -q "need --executor slurm" err &&
	test_expect_code 2 spoolboard run --spool spool --executor pbs 2>err &&
	grep -q "not local or slurm" err
'

test_done
