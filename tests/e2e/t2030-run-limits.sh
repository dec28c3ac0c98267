#!/bin/sh
# Limits, retries and cancellation of running jobs.
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/e2e/lib-runner.sh"

make_data

# training ID: its log shows epoch 3 of its current attempt
training() {
	test "$(grep -c "epoch 3/" spool/jobs/$1/log.txt)" -ge "${2:-1}"
}

test_expect_success 'a memory limit that is hit fails the job and says so' '
	mkdir -p spool/incoming &&
	config spool/incoming/mem.json "\"limits\": {\"max_memory_mb\": 16}" &&
	spoolboard run --spool spool --data-root . --once --no-render 2>log &&
	status_is mem failed &&
	json_check spool/jobs/mem/state.json "j[\"error\"][\"message\"].startswith(\"memory limit of 16 MB was hit\")" &&
	json_check spool/jobs/mem/state.json "\"max_memory_mb\" in j[\"error\"][\"hint\"] and j[\"pid\"] is None and j[\"ended\"]" &&
	tail -1 spool/jobs/mem/events.jsonl | grep -q "\"event\":\"finished\",\"status\":\"failed\""
'

# AddressSanitizer reserves terabytes of address space: no RLIMIT_AS fits
if grep -q __asan_init "$SPOOLBOARD"; then
	test_skip 'a generous memory limit lets the job run' 'built with ASan'
else
	test_expect_success 'a generous memory limit lets the job run' '
		config spool/incoming/memok.json "\"limits\": {\"max_memory_mb\": 4096}" &&
		spoolboard run --spool spool --data-root . --once --no-render 2>log &&
		status_is memok completed
	'
fi

test_expect_success 'the time limit ends a job as failed' '
	EPOCHS=1000000 long_config spool/incoming/slow.json "\"limits\": {\"max_seconds\": 0.5}" &&
	spoolboard run --spool spool --data-root . --once --no-render 2>log &&
	status_is slow failed &&
	json_check spool/jobs/slow/state.json "\"time limit\" in j[\"error\"][\"message\"]"
'

test_expect_success 'a job killed by a signal fails with the signal' '
	EPOCHS=1000000 long_config spool/incoming/killed.json &&
	start_runner --threads 1 &&
	wait_until "training killed" &&
	kill -KILL $(child_pid killed) &&
	wait_until "status_is killed failed" &&
	json_check spool/jobs/killed/state.json "j[\"error\"][\"message\"] == \"killed by signal 9 (Killed)\"" &&
	stop_runner
'

test_expect_success 'a failed run with retries left is queued again with backoff' '
	EPOCHS=300 long_config spool/incoming/again.json "\"retries\": 2" &&
	start_runner --threads 1 &&
	wait_until "training again" &&
	kill -KILL $(child_pid again) &&
	wait_until "grep -q \"\\\"event\\\":\\\"retry\\\"\" spool/jobs/again/events.jsonl" &&
	wait_until "status_is again completed" &&
	json_check spool/jobs/again/state.json "j[\"attempt\"] == 2" &&
	grep "\"event\":\"retry\"" spool/jobs/again/events.jsonl | grep -q "\"attempt\":2,\"delay\":1" &&
	stop_runner
'

test_expect_success 'a retry keeps retry_at, created and its queue order while it runs' '
	EPOCHS=1000000 long_config spool/incoming/later.json "\"retries\": 1" &&
	start_runner --threads 1 &&
	wait_until "training later" &&
	cp spool/jobs/later/state.json first.json &&
	kill -KILL $(child_pid later) &&
	wait_until "json_check spool/jobs/later/state.json \"j[\\\"attempt\\\"] == 2 and j[\\\"status\\\"] == \\\"running\\\" and j[\\\"stage\\\"] == \\\"train\\\"\"" &&
	status_is later running &&
	json_check spool/jobs/later/state.json "j[\"retry_at\"] is not None and j[\"retry_at\"] >= j[\"created\"]" &&
	json_check spool/jobs/later/state.json "j[\"created\"] == json.load(open(\"first.json\"))[\"created\"]" &&
	json_check spool/jobs/later/state.json "j[\"order\"] == json.load(open(\"first.json\"))[\"order\"]" &&
	spoolboard cancel --spool spool later &&
	wait_until "status_is later cancelled" &&
	json_check spool/jobs/later/state.json "j[\"retry_at\"] is None" &&
	stop_runner
'

test_expect_success 'cancel of a running job: SIGTERM, it ends cancelled' '
	EPOCHS=1000000 long_config spool/incoming/stopme.json &&
	start_runner --threads 1 &&
	wait_until "training stopme" &&
	spoolboard cancel --spool spool stopme >out &&
	grep -q "cancel requested" out &&
	wait_until "status_is stopme cancelled" &&
	grep -q "cancelled by SIGTERM" spool/jobs/stopme/log.txt &&
	stop_runner &&
	status_is stopme cancelled
'

test_expect_success 'two slots run two jobs at once' '
	EPOCHS=1000000 long_config spool/incoming/p1.json &&
	EPOCHS=1000000 long_config spool/incoming/p2.json &&
	start_runner --slots 2 --threads 1 &&
	wait_until "training p1 && training p2" &&
	status_is p1 running && status_is p2 running &&
	spoolboard cancel --spool spool p1 p2 &&
	wait_until "status_is p1 cancelled && status_is p2 cancelled" &&
	stop_runner
'

test_done
