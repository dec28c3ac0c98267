#!/bin/sh
# submit, ls, cancel, retry, rm and export, with and without a runner up.
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/e2e/lib-runner.sh"

make_data
config a.json
config b.json "\"priority\": 2"

test_expect_success 'submit validates and copies into incoming' '
	spoolboard submit --spool spool a.json b.json >out &&
	printf "spool/incoming/a.json\nspool/incoming/b.json\n" >want &&
	test_cmp want out && cmp a.json spool/incoming/a.json
'

test_expect_success 'submit of a name already waiting picks a new one' '
	spoolboard submit --spool spool a.json >out &&
	echo spool/incoming/a-2.json >want && test_cmp want out
'

test_expect_success 'submit refuses an invalid config like validate' '
	config bad.json "\"train\": {\"lr\": -1}" &&
	test_expect_code 1 spoolboard submit --spool spool bad.json 2>err &&
	grep -q "^bad.json: train.lr: must be > 0" err &&
	test ! -e spool/incoming/bad.json
'

test_expect_success 'ls lists configs waiting in incoming/ with no runner' '
	mkfifo spool/incoming/fifo.json && ln -s a.json spool/incoming/l.json &&
	: >spool/incoming/.hidden.json &&
	spoolboard ls --spool spool >ls 2>err &&
	echo "spoolboard: no runner serves '"'"'spool'"'"': 3 configs wait in incoming/; start one: spoolboard run --spool spool" >want &&
	test_cmp want err &&
	grep -q "^incoming/a.json  *waiting  *-  *-  *-  " ls &&
	grep -q "^incoming/b.json  *waiting  " ls &&
	grep -q "^incoming/a-2.json  *waiting  " ls &&
	test $(wc -l <ls) -eq 4 &&
	spoolboard ls --spool spool --json >ls.json &&
	json_check ls.json "sorted(s[\"file\"] for s in j) == [\"incoming/a-2.json\", \"incoming/a.json\", \"incoming/b.json\"] and all(s[\"id\"] is None and s[\"status\"] == \"waiting\" for s in j)" &&
	rm spool/incoming/fifo.json spool/incoming/l.json spool/incoming/.hidden.json
'

test_expect_success 'ls lists queued jobs with a progress bar' '
	spoolboard run --spool spool --data-root . --slots 0 --once --no-render 2>log &&
	spoolboard ls --spool spool >ls &&
	head -1 ls | grep -q "^ID  *STATUS  *PROGRESS  *EPOCH  *BEST_VAL_LOSS  *AGE" &&
	grep -q "^a  *queued  *\[\.\.\.\.\.\.\.\.\.\.\]   0%  *0/2  *-" ls &&
	test $(wc -l <ls) -eq 4
'

test_expect_success 'ls --json prints every state' '
	spoolboard ls --spool spool --json >ls.json &&
	json_check ls.json "sorted(s[\"id\"] for s in j) == [\"a\", \"a-2\", \"b\"] and all(s[\"status\"] == \"queued\" for s in j)"
'

test_expect_success 'cancel of a queued job without a runner is at once' '
	spoolboard cancel --spool spool a-2 >out &&
	grep -q "a-2: cancelled" out && status_is a-2 cancelled &&
	tail -1 spool/jobs/a-2/events.jsonl | grep -q "\"status\":\"cancelled\"" &&
	test -z "$(ls spool/control)"
'

test_expect_success 'cancel refuses bad and unknown IDs, and finished jobs' '
	test_expect_code 1 spoolboard cancel --spool spool ../a 2>err &&
	grep -q "not a job ID" err &&
	test_expect_code 1 spoolboard cancel --spool spool nosuch 2>err &&
	grep -q "nosuch: no such job" err &&
	test_expect_code 1 spoolboard cancel --spool spool a-2 2>err &&
	grep -q "already finished" err &&
	test_expect_code 2 spoolboard cancel --spool spool
'

test_expect_success 'rm refuses a queued job, removes a finished one' '
	test_expect_code 1 spoolboard rm --spool spool a 2>err &&
	grep -q "cancel it first" err && test -d spool/jobs/a &&
	spoolboard rm --spool spool a-2 && test ! -e spool/jobs/a-2
'

test_expect_success 'the runner runs the queue; cancel through a runner' '
	spoolboard run --spool spool --data-root . --once --no-render 2>log &&
	status_is a completed && status_is b completed &&
	start_runner --slots 0 &&
	spoolboard ls --spool spool >ls 2>err && ! test -s err &&
	config spool/incoming/c.json &&
	wait_until "test -f spool/jobs/c/state.json" &&
	spoolboard cancel --spool spool c >out &&
	grep -q "c: cancel requested" out &&
	wait_until "status_is c cancelled" &&
	wait_until "test -z \"\$(ls spool/control)\"" &&
	stop_runner
'

test_expect_success 'ls shows the best val_loss, as the dashboard does' '
	cp spool/jobs/a/state.json a-state.json &&
	python3 - <<-EOF &&
	import json, os
	p = "spool/jobs/a/state.json"
	st = json.load(open(p))
	st["best"] = {"epoch": 1, "val_loss": 0.125}
	st["val_loss"] = 0.5
	json.dump(st, open(p + ".tmp", "w"))
	os.rename(p + ".tmp", p)
	EOF
	spoolboard ls --spool spool >ls &&
	grep -q "^a  *completed  .*  0.125  " ls &&
	cp a-state.json spool/jobs/a/state.json
'

test_expect_success 'touch in control/ works like the command' '
	start_runner --slots 0 &&
	config spool/incoming/d.json &&
	wait_until "test -f spool/jobs/d/state.json" &&
	touch spool/control/d.cancel &&
	wait_until "status_is d cancelled" &&
	stop_runner
'

test_expect_success 'retry queues a finished job again, counting attempts' '
	spoolboard retry --spool spool a >out && grep -q "a: queued again" out &&
	status_is a queued &&
	json_check spool/jobs/a/state.json "j[\"attempt\"] == 2" &&
	spoolboard run --spool spool --data-root . --once --no-render 2>log &&
	status_is a completed &&
	json_check spool/jobs/a/state.json "j[\"attempt\"] == 2" &&
	test_expect_code 1 spoolboard retry --spool spool c d nosuch 2>err &&
	status_is c queued && status_is d queued
'

test_expect_success 'retry --fresh removes the checkpoints' '
	spoolboard run --spool spool --data-root . --once --no-render 2>log &&
	mkdir -p spool/jobs/a/checkpoints && : >spool/jobs/a/checkpoints/ckpt-000001.tar.zst &&
	spoolboard retry --spool spool --fresh a >out &&
	grep -q "from the start" out && test ! -e spool/jobs/a/checkpoints &&
	status_is a queued
'

test_expect_success 'export writes one archive of the job' '
	spoolboard run --spool spool --data-root . --once --no-render 2>log &&
	spoolboard export --spool spool a -o a.tar.zst >out &&
	tar --zstd -tf a.tar.zst >list &&
	for f in config.json state.json events.jsonl metrics.csv log.txt model.tar.zst predictions.csv; do
		grep -qx "a/$f" list || { echo "missing $f"; exit 1; }
	done &&
	(cd /tmp && test_expect_code 1 "$SPOOLBOARD" export --spool "$TRASH/spool" "a/../b") &&
	test_expect_code 1 spoolboard export --spool spool nosuch
'

test_expect_success 'commands on a directory that is no spool fail clearly' '
	test_expect_code 1 spoolboard ls --spool nothere 2>err &&
	grep -q "not a spool" err && test ! -e nothere
'

test_done
