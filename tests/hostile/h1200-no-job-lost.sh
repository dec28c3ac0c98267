#!/bin/sh
# No job is lost and no rejection destroyed by what the runner writes
# when it claims or rejects: a claim that cannot be written on a full
# disk leaves the config in incoming/ (claimed once space returns), and a
# new rejection never replaces nor removes an earlier one's files.
. "$(dirname "$0")/../e2e/lib.sh"
. "$SRCDIR/tests/e2e/lib-runner.sh"

make_data

test_expect_success 'a directory named like an earlier rejection keeps its .error' '
	echo "[]" >spool-old.json &&
	mkdir -p spool/incoming &&
	cp spool-old.json spool/incoming/bad.json &&
	timeout -k 5 60 "$SPOOLBOARD" run --spool spool --data-root . \
		--slots 0 --once --no-render 2>log &&
	test -f spool/rejected/bad.error &&
	cp spool/rejected/bad.error first.error &&
	mkdir spool/incoming/bad.json &&
	echo inside >spool/incoming/bad.json/x &&
	timeout -k 5 60 "$SPOOLBOARD" run --spool spool --data-root . \
		--slots 0 --once --no-render 2>log;
	test_cmp first.error spool/rejected/bad.error &&
	test_cmp spool-old.json spool/rejected/bad.json &&
	test -f spool/rejected/bad-2.json/x &&
	grep -q "^spool/rejected/bad-2.json: " spool/rejected/bad-2.error &&
	test ! -e spool/incoming/bad.json
'

test_expect_success 'a lone old .error is not replaced either' '
	echo "kept" >spool/rejected/lone.error &&
	echo "{" >spool/incoming/lone.json &&
	touch -d "1 hour ago" spool/incoming/lone.json &&
	timeout -k 5 60 "$SPOOLBOARD" run --spool spool --data-root . \
		--slots 0 --once --no-render 2>log &&
	test "$(cat spool/rejected/lone.error)" = kept &&
	test -f spool/rejected/lone-2.json &&
	test -f spool/rejected/lone-2.error
'

if [ "$(id -u)" = 0 ] && mkdir -p tfs && mount -t tmpfs -o size=1m tmpfs tfs 2>/dev/null; then
	test_expect_success 'a claim on a full disk loses no job: claimed when space returns' '
		mkdir -p tfs/spool/incoming &&
		timeout -k 5 60 "$SPOOLBOARD" run --spool tfs/spool --data-root . \
			--slots 0 --once --no-render 2>log &&
		config tfs/full.json &&
		SPOOL=tfs/spool start_runner --slots 1 --threads 1 &&
		{ dd if=/dev/zero of=tfs/fill bs=4k 2>/dev/null; true; } &&
		mv tfs/full.json tfs/spool/incoming/full.json &&
		wait_until "grep -q \"No space left on device\" runner.log" 20 &&
		kill -0 $(cat runner.pid) &&
		test -f tfs/spool/incoming/full.json &&
		test ! -e tfs/spool/jobs/full &&
		grep "incoming/full.json" runner.log | grep -q "left in incoming/" &&
		timeout -k 5 60 "$SPOOLBOARD" ls --spool tfs/spool >ls &&
		grep -q "^incoming/full.json  *waiting  " ls &&
		rm tfs/fill &&
		wait_until "status_is full completed tfs/spool" 30 &&
		json_check tfs/spool/jobs/full/config.json "j[\"train\"][\"epochs\"] == 2" &&
		stop_runner
	'
	[ -f runner.pid ] && kill -KILL "$(cat runner.pid)" 2>/dev/null
	umount -l tfs
else
	test_skip 'a claim on a full disk loses no job' 'needs root to mount a tmpfs'
fi

test_done
