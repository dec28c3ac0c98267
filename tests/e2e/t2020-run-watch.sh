#!/bin/sh
# The runner watches incoming/ and control/: cp, mv, an rsync-style push,
# a config written slowly in pieces, 1,000 configs at once.
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/e2e/lib-runner.sh"

make_data
config job.json

test_expect_success 'cp into incoming is picked up and run' '
	start_runner &&
	cp job.json spool/incoming/copied.json &&
	wait_until "status_is copied completed" &&
	stop_runner
'

test_expect_success 'mv into incoming is picked up' '
	start_runner --slots 0 &&
	cp job.json moved.json && mv moved.json spool/incoming/ &&
	wait_until "status_is moved queued" &&
	stop_runner
'

test_expect_success 'an rsync-style push: dot temporary, then rename' '
	start_runner --slots 0 &&
	cp job.json spool/incoming/.pushed.json.Xy12Zq &&
	mv spool/incoming/.pushed.json.Xy12Zq spool/incoming/pushed.json &&
	wait_until "status_is pushed queued" &&
	test ! -e spool/jobs/.pushed.json && stop_runner
'

if command -v rsync >/dev/null 2>&1; then
	test_expect_success 'rsync into incoming (a real rsync push)' '
		start_runner --slots 0 &&
		mkdir -p src && cp job.json src/synced.json &&
		rsync -a src/ spool/incoming/ &&
		wait_until "status_is synced queued" && stop_runner
	'
else
	test_skip 'rsync into incoming (a real rsync push)' 'rsync is not installed'
fi

test_expect_success 'a config written slowly in pieces waits, then is claimed' '
	start_runner --slots 0 &&
	python3 -c "
import json, sys, time
text = open(\"job.json\").read()
with open(\"spool/incoming/slow.json\", \"w\") as f:
    for i in range(0, len(text), 20):
        f.write(text[i:i + 20]); f.flush(); time.sleep(0.05)
" &&
	wait_until "status_is slow queued" &&
	test ! -e spool/rejected/slow.json && stop_runner
'

test_expect_success 'a file that stays broken is rejected once quiet' '
	start_runner --slots 0 &&
	echo "{\"data\": " >spool/incoming/broken.json &&
	wait_until "test -f spool/rejected/broken.error" 10 &&
	stop_runner
'

test_expect_success '1,000 configs dropped at once are each claimed once' '
	rm -rf spool && mkdir -p stage spool &&
	python3 -c "
import shutil
for i in range(1000):
    shutil.copy(\"job.json\", \"stage/m%04d.json\" % i)" &&
	start_runner --slots 0 &&
	python3 -c "
import os
for n in sorted(os.listdir(\"stage\")):
    os.rename(\"stage/\" + n, \"spool/incoming/\" + n)" &&
	wait_until "test \$(ls spool/jobs | wc -l) -ge 1000 && test -z \"\$(ls spool/incoming)\"" &&
	stop_runner &&
	test $(ls spool/jobs | wc -l) -eq 1000 &&
	test -z "$(ls spool/rejected)" &&
	test $(ls spool/jobs | grep -c -- "-2$") -eq 0 &&
	test $(cat spool/jobs/*/state.json | grep -c "\"status\": \"queued\"") -eq 1000
'

test_expect_success 'the runner stops on SIGINT too' '
	start_runner --slots 0 &&
	kill -INT $(cat runner.pid) &&
	wait_until "grep -q \"runner stopped\" runner.log"
'

test_done
