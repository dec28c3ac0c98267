#!/bin/sh
# Links planted where spoolboard writes: at the names of its temporaries
# (which were NAME.tmp.PID, so guessable), at the locks and at the files
# it appends to. Each link points to a file outside the spool, which must
# come out unchanged (or, for a dangling link, not be created), and
# spoolboard must say which file it refused.
. "$(dirname "$0")/../e2e/lib.sh"
. "$SRCDIR/tests/e2e/lib-runner.sh"

# plant FORMAT TARGET: a link to TARGET at FORMAT with {p} replaced by
# each of the next 3000 process ids, as an attacker guessing pids would.
plant() {
	python3 -c 'import os, sys
last = int(open("/proc/sys/kernel/ns_last_pid").read())
for p in range(last + 1, last + 3001):
    try:
        os.symlink(sys.argv[2], sys.argv[1].replace("{p}", str(p)))
    except FileExistsError:
        pass' "$1" "$2"
}

# unplant DIR: remove the links plant made in DIR.
unplant() { find "$1" -maxdepth 1 -type l -exec rm -f {} +; }

# fresh: outside.txt holds one line again (each test starts with it).
# survives: outside.txt still holds it.
fresh() { echo keep >outside.txt && rm -f created.txt; }
survives() { echo keep >want.keep && test_cmp want.keep outside.txt; }

make_data
config a.json
config b.json
spoolboard run --spool spool --data-root . --slots 0 --once --no-render \
	2>/dev/null

test_expect_success 'submit never writes through a link at its temporary' '
	fresh &&
	plant "spool/incoming/.submit.{p}" "$TRASH/outside.txt" &&
	plant "spool/incoming/.submit.{p}.tmp.{p}" "$TRASH/outside.txt" &&
	spoolboard submit --spool spool a.json >out &&
	echo spool/incoming/a.json >want && test_cmp want out &&
	cmp a.json spool/incoming/a.json && survives &&
	test -z "$(find spool/incoming -name "*.tmp.*" -type f)" &&
	unplant spool/incoming
'

test_expect_success 'cancel never writes through a link at its temporary' '
	fresh &&
	config spool/incoming/e.json &&
	spoolboard run --spool spool --data-root . --slots 0 --once \
		--no-render 2>/dev/null &&
	status_is e queued &&
	plant "spool/control/e.cancel.tmp.{p}" "$TRASH/outside.txt" &&
	spoolboard cancel --spool spool e >out &&
	grep -q "e: cancelled" out && status_is e cancelled && survives &&
	unplant spool/control && test -z "$(ls spool/control)"
'

test_expect_success 'a runner.lock that is a link stops the runner, not a pid write' '
	fresh &&
	ln -sf "$TRASH/outside.txt" spool/runner.lock &&
	test_expect_code 1 spoolboard run --spool spool --data-root . \
		--once --no-render 2>err &&
	grep -q "cannot open .spool/runner.lock.: a symbolic link, not a file" err &&
	survives && rm spool/runner.lock
'

test_expect_success 'a command never creates a file through runner.lock' '
	fresh &&
	config spool/incoming/b.json &&
	spoolboard run --spool spool --data-root . --slots 0 --once \
		--no-render 2>/dev/null &&
	ln -sf "$TRASH/created.txt" spool/runner.lock &&
	spoolboard cancel --spool spool b >out 2>err &&
	grep -q "runner.lock.: a symbolic link, not a file" err &&
	test ! -e created.txt && rm spool/runner.lock
'

test_expect_success 'train refuses a JOBDIR/.lock that is a link' '
	fresh &&
	mkdir job1 && ln -s "$TRASH/outside.txt" job1/.lock &&
	test_expect_code 1 spoolboard train a.json --out job1 --data-root . \
		--no-progress 2>err &&
	grep -q "cannot open .job1/.lock.: a symbolic link, not a file" err &&
	survives
'

test_expect_success 'train appends to no link at log.txt or events.jsonl' '
	fresh &&
	mkdir job2 && ln -s "$TRASH/outside.txt" job2/log.txt &&
	ln -s "$TRASH/outside.txt" job2/events.jsonl &&
	spoolboard train a.json --out job2 --data-root . --no-progress \
		2>err &&
	grep -q "cannot open .job2/log.txt.: a symbolic link" err &&
	grep -q "cannot open .job2/events.jsonl.: a symbolic link" err &&
	survives
'

test_expect_success 'train never writes through metrics.csv temporaries' '
	fresh &&
	mkdir job3 &&
	plant "job3/metrics.csv.tmp.{p}" "$TRASH/outside.txt" &&
	spoolboard train a.json --out job3 --data-root . --no-progress \
		2>err &&
	survives && test -f job3/metrics.csv && test ! -h job3/metrics.csv
'

test_expect_success 'the runner fails a job whose log.txt is a link' '
	fresh &&
	config spool/incoming/c.json &&
	spoolboard run --spool spool --data-root . --slots 0 --once \
		--no-render 2>/dev/null &&
	status_is c queued &&
	ln -sf "$TRASH/outside.txt" spool/jobs/c/log.txt &&
	spoolboard run --spool spool --data-root . --once --no-render \
		2>err &&
	status_is c failed && survives &&
	json_check spool/jobs/c/state.json \
		"\"log.txt\" in j[\"error\"][\"message\"] and \"symbolic link\" in j[\"error\"][\"message\"]" &&
	grep -q "c: failed: cannot open .spool/jobs/c/log.txt." err
'

test_expect_success 'the runner appends to no link at events.jsonl' '
	fresh &&
	config spool/incoming/d.json &&
	spoolboard run --spool spool --data-root . --slots 0 --once \
		--no-render 2>/dev/null &&
	ln -sf "$TRASH/outside.txt" spool/jobs/d/events.jsonl &&
	spoolboard run --spool spool --data-root . --once --no-render \
		2>err &&
	status_is d completed && survives &&
	grep -q "events.jsonl.: a symbolic link" spool/jobs/d/log.txt
'

test_expect_success 'a job folder planted as a link is never trained, read or written' '
	fresh &&
	config spool/incoming/planted.json &&
	spoolboard run --spool spool --data-root . --slots 0 --once \
		--no-render 2>/dev/null &&
	status_is planted queued &&
	mv spool/jobs/planted elsewhere5 &&
	ln -s "$TRASH/elsewhere5" spool/jobs/planted &&
	ls -lR elsewhere5 >before &&
	spoolboard run --spool spool --data-root . --once --no-render \
		2>err &&
	cat err && grep -q "spool/jobs/planted: a symbolic link, not a job folder" err &&
	ls -lR elsewhere5 >after && test_cmp before after &&
	spoolboard ls --spool spool >ls 2>err &&
	! grep -q "^planted " ls && grep -q "jobs/planted: a symbolic link" err &&
	test_expect_code 1 spoolboard cancel --spool spool planted 2>err &&
	ls -lR elsewhere5 >after && test_cmp before after
'

test_done
