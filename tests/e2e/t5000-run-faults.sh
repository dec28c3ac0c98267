#!/bin/sh
# Faults the runner survives: a training child or the runner itself killed,
# a shutdown and restart, a full disk. Every interrupted job ends completed
# with the same model bytes as an undisturbed run.
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/e2e/lib-runner.sh"

make_data

# training ID N: the job's log shows epoch 20 N times (N attempts in)
training() {
	test "$(grep -c "epoch 20/" spool/jobs/$1/log.txt)" -ge "${2:-1}"
}

# resumed ID: the last run went on from a checkpoint, not from scratch
resumed() {
	grep -q "\"event\":\"resumed\"" spool/jobs/$1/events.jsonl &&
	json_check spool/jobs/$1/state.json "j[\"resumed_from\"]"
}

# the undisturbed run every interrupted one is compared with
EPOCHS=300 long_config job.json "\"name\": \"same\", \"retries\": 1"
test_expect_success 'an undisturbed run for reference' '
	spoolboard train job.json --out ref --data-root . --threads 1 \
		--no-progress 2>log &&
	weights ref
'

test_expect_success 'SIGKILL of a training child mid-epoch: retried, same model' '
	start_runner --threads 1 &&
	cp job.json spool/incoming/kchild.json &&
	wait_until "training kchild" &&
	kill -KILL $(child_pid kchild) &&
	wait_until "status_is kchild completed" 60 &&
	stop_runner &&
	json_check spool/jobs/kchild/state.json "j[\"attempt\"] == 2" &&
	resumed kchild &&
	weights spool/jobs/kchild && cmp ref.safetensors spool/jobs/kchild.safetensors
'

test_expect_success 'SIGKILL of the runner with a job running, then restart' '
	start_runner --threads 1 &&
	cp job.json spool/incoming/krunner.json &&
	wait_until "training krunner" &&
	pid=$(child_pid krunner) &&
	kill -KILL $(cat runner.pid) &&
	wait_until "! kill -0 $pid" &&
	status_is krunner running &&
	start_runner --threads 1 &&
	wait_until "status_is krunner completed" 60 &&
	stop_runner &&
	grep -q "\"reason\":\"interrupted\"" spool/jobs/krunner/events.jsonl &&
	resumed krunner &&
	weights spool/jobs/krunner && cmp ref.safetensors spool/jobs/krunner.safetensors
'

test_expect_success 'SIGTERM shutdown puts the running job back, restart finishes it' '
	start_runner --threads 1 &&
	cp job.json spool/incoming/shut.json &&
	wait_until "training shut" &&
	stop_runner &&
	status_is shut queued &&
	grep -q "\"reason\":\"runner stopped\"" spool/jobs/shut/events.jsonl &&
	spoolboard run --spool spool --data-root . --threads 1 --once --no-render 2>log &&
	status_is shut completed && resumed shut &&
	weights spool/jobs/shut && cmp ref.safetensors spool/jobs/shut.safetensors
'

test_expect_success 'a job found running whose process is alive is left alone' '
	mkdir -p other && cp job.json other/ &&
	EPOCHS=1000000 long_config other/busy.json &&
	{ "$SPOOLBOARD" train other/busy.json --out spool/jobs/busy \
		--data-root . --threads 1 --no-progress 2>/dev/null & pid=$!; } &&
	wait_until "training busy" &&
	{ "$SPOOLBOARD" run --spool spool --data-root . --slots 0 --no-render \
		2>runner.log & rpid=$!; } &&
	echo $pid $rpid >>"$TRASH/runner.pids" &&
	wait_until "grep -q \"busy: running in another process\" runner.log" &&
	status_is busy running &&
	kill -KILL $pid; wait $pid; wait_until "grep -q \"busy: queued again\" runner.log" &&
	kill -TERM $rpid && wait $rpid &&
	grep -q "busy: queued again (interrupted)" runner.log
'

if [ "$(id -u)" = 0 ] && mkdir -p tfs && mount -t tmpfs -o size=1m tmpfs tfs 2>/dev/null; then
	test_expect_success 'a full disk fails the job with ENOSPC, the runner goes on' '
		mkdir -p tfs/spool/incoming &&
		EPOCHS=5000 long_config tfs/spool/incoming/full.json &&
		spoolboard run --spool tfs/spool --data-root . --slots 0 --once --no-render 2>log &&
		status_is full queued tfs/spool &&
		free=$(df -k --output=avail tfs | tail -1) &&
		dd if=/dev/zero of=tfs/fill bs=1k count=$((free - 48)) 2>/dev/null;
		SPOOL=tfs/spool start_runner --threads 1 &&
		wait_until "grep -q \"full: process .* ended\" runner.log" 60 &&
		kill -0 $(cat runner.pid) &&
		json_check tfs/spool/jobs/full/state.json "j[\"id\"] == \"full\"" &&
		json_check tfs/spool/jobs/full/config.json "j[\"train\"][\"epochs\"] == 5000" &&
		rm tfs/fill &&
		wait_until "status_is full failed tfs/spool" &&
		json_check tfs/spool/jobs/full/state.json "\"No space left on device\" in j[\"error\"][\"message\"]" &&
		config tfs/spool/incoming/after.json &&
		wait_until "status_is after completed tfs/spool" &&
		stop_runner
	'
	[ -f runner.pid ] && kill -KILL "$(cat runner.pid)" 2>/dev/null
	umount -l tfs
else
	test_skip 'a full disk fails the job with ENOSPC' 'needs root to mount a tmpfs'
fi

test_expect_success 'a FIFO in place of a queued job'"'"'s config.json fails it, no hang' '
	mkdir -p fifo/incoming &&
	config fifo/incoming/pipe.json &&
	config fifo/incoming/after.json &&
	touch -d "@$(($(date +%s) - 10))" fifo/incoming/pipe.json &&
	spoolboard run --spool fifo --slots 0 --once --no-render \
		--data-root . 2>claim.log &&
	rm fifo/jobs/pipe/config.json && mkfifo fifo/jobs/pipe/config.json &&
	timeout -k 5 60 "$SPOOLBOARD" run --spool fifo --once --no-render \
		--data-root . 2>run.log &&
	status_is pipe failed fifo &&
	json_check fifo/jobs/pipe/state.json "\"not a regular file\" in j[\"error\"][\"message\"] and \"config.json\" in j[\"error\"][\"message\"] and \"submit\" in j[\"error\"][\"hint\"]" &&
	status_is after completed fifo
'

test_done
