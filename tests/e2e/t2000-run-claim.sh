#!/bin/sh
# spoolboard run --once: claims valid configs into jobs/ID/, rejects the
# others with a reason, runs the queue and exits.
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/e2e/lib-runner.sh"

make_data

test_expect_success 'run creates the spool layout' '
	spoolboard run --spool fresh --once --no-render 2>err &&
	for d in incoming rejected control jobs www; do test -d fresh/$d || exit 1; done
'

test_expect_success 'configs present before the start are claimed and run' '
	mkdir -p spool/incoming &&
	config spool/incoming/one.json &&
	config spool/incoming/two.json "\"name\": \"second\", \"tags\": [\"t\"]" &&
	spoolboard run --spool spool --data-root . --once --no-render 2>log &&
	status_is one completed && status_is two completed &&
	test ! -e spool/incoming/one.json &&
	json_check spool/jobs/two/state.json "j[\"name\"] == \"second\" and j[\"tags\"] == [\"t\"] and j[\"attempt\"] == 1" &&
	json_check spool/jobs/one/config.json "j[\"train\"][\"epochs\"] == 2 and \"lr\" in j[\"train\"]" &&
	test -f spool/jobs/one/submitted.json &&
	head -1 spool/jobs/one/events.jsonl | grep -q "\"event\":\"queued\"" &&
	tail -1 spool/jobs/one/events.jsonl | grep -q "\"event\":\"finished\"" &&
	grep -q "completed in" spool/jobs/one/log.txt
'

test_expect_success 'a duplicate name gets a new ID' '
	config spool/incoming/one.json &&
	spoolboard run --spool spool --data-root . --once --no-render 2>log &&
	status_is one-2 completed && status_is one completed
'

test_expect_success 'names that do not count are left alone' '
	config spool/incoming/.hidden.json &&
	config spool/incoming/~edit.json &&
	config spool/incoming/notes.txt &&
	spoolboard run --spool spool --data-root . --once --no-render 2>log &&
	test -f spool/incoming/.hidden.json && test -f spool/incoming/~edit.json &&
	test -f spool/incoming/notes.txt &&
	test ! -d spool/jobs/.hidden && test ! -d spool/jobs/notes &&
	rm spool/incoming/.hidden.json spool/incoming/~edit.json spool/incoming/notes.txt
'

test_expect_success 'an odd file name is reduced to a safe ID' '
	config "spool/incoming/my job (v2)!.json" &&
	spoolboard run --spool spool --data-root . --once --no-render 2>log &&
	status_is "my_job__v2__" completed
'

reject_case() { # NAME: run, then NAME.json is in rejected/ with NAME.error
	spoolboard run --spool spool --data-root . --once --no-render 2>log &&
	test -f spool/rejected/$1.json && test -f spool/rejected/$1.error &&
	test ! -e spool/incoming/$1.json && test ! -d spool/jobs/$1
}

test_expect_success 'invalid JSON is rejected with line and column' '
	printf "{\"data\": {\"path\": \"data/lin.csv\",\n  oops}" >spool/incoming/bad.json &&
	touch -d "1 minute ago" spool/incoming/bad.json &&
	reject_case bad &&
	grep -q "^spool/rejected/bad.json:2:" spool/rejected/bad.error &&
	! grep -q "incoming" spool/rejected/bad.error
'

test_expect_success 'an empty file is rejected' '
	: >spool/incoming/empty.json && touch -d "1 minute ago" spool/incoming/empty.json &&
	reject_case empty && grep -q "empty file" spool/rejected/empty.error
'

test_expect_success 'a top-level array is rejected' '
	echo "[1, 2]" >spool/incoming/arr.json && reject_case arr &&
	grep -q "must be a JSON object" spool/rejected/arr.error
'

test_expect_success 'a 10 MB file is rejected as too large' '
	python3 -c "print(\"{\\\"name\\\": \\\"\" + \"x\" * 10000000 + \"\\\"}\")" >spool/incoming/huge.json &&
	reject_case huge && grep -q "too large" spool/rejected/huge.error
'

test_expect_success 'a symlink in incoming is rejected, its target untouched' '
	config target.json &&
	ln -s "$PWD/target.json" spool/incoming/link.json && reject_case link &&
	grep -q "symbolic link" spool/rejected/link.error && test -f target.json
'

test_expect_success 'a field error is rejected in the words of validate' '
	config spool/incoming/lr.json "\"train\": {\"lr\": -1}" &&
	cp spool/incoming/lr.json lr.json &&
	reject_case lr &&
	{ spoolboard validate lr.json 2>want; true; } &&
	sed "s|^lr.json|spool/rejected/lr.json|" want >want.fixed &&
	test_cmp want.fixed spool/rejected/lr.error
'

test_expect_success 'a data path outside the data root is rejected' '
	config spool/incoming/up.json "\"data\": {\"path\": \"../lin.csv\", \"targets\": [\"y\"]}" &&
	reject_case up && grep -q "data.path" spool/rejected/up.error
'

test_expect_success 'a data path that leads out through a symlink is rejected' '
	ln -s /etc data/etc &&
	config spool/incoming/sl.json "\"data\": {\"path\": \"data/etc/passwd\", \"targets\": [\"y\"]}" &&
	reject_case sl && grep -q "leads outside the data root" spool/rejected/sl.error
'

test_expect_success 'a job that fails ends failed, the runner goes on' '
	config spool/incoming/nodata.json "\"data\": {\"path\": \"data/none.csv\", \"targets\": [\"y\"]}" &&
	config spool/incoming/after.json &&
	spoolboard run --spool spool --data-root . --once --no-render 2>log &&
	status_is nodata failed && status_is after completed
'

test_expect_success 'priority first, then first in first out' '
	rm -rf spool && mkdir -p spool/incoming &&
	config spool/incoming/low.json "\"priority\": -1" && touch -d "3 minutes ago" spool/incoming/low.json &&
	config spool/incoming/old.json && touch -d "2 minutes ago" spool/incoming/old.json &&
	config spool/incoming/new.json && touch -d "1 minute ago" spool/incoming/new.json &&
	config spool/incoming/high.json "\"priority\": 5" &&
	spoolboard run --spool spool --data-root . --once --no-render 2>log &&
	grep ": started" log | sed "s/.*Z \\([a-z]*\\): started.*/\\1/" >order &&
	printf "high\nold\nnew\nlow\n" >want && test_cmp want order
'

test_expect_success 'a second runner on the same spool is refused at once' '
	start_runner --slots 0 &&
	test_expect_code 1 spoolboard run --spool spool --once 2>err &&
	grep -q "served by another runner (process $(cat runner.pid)" err &&
	stop_runner
'

test_expect_success 'run usage errors exit 2' '
	test_expect_code 2 spoolboard run --slots x &&
	test_expect_code 2 spoolboard run --bogus &&
	test_expect_code 2 spoolboard run extra &&
	spoolboard run --help | grep -q "usage: spoolboard run"
'

test_done
