#!/bin/sh
# The runner keeps the dashboard up to date, with a render --watch child
# that it starts again when it dies; --no-render leaves it alone.
. "$(dirname "$0")/lib.sh"

mkdir -p data spool/incoming &&
python3 -c '
import random
r = random.Random(1)
print("a,b,y")
for i in range(300):
    a, b = r.random(), r.random()
    print("%.4f,%.4f,%.4f" % (a, b, 2 * a - b + 0.01 * r.random()))
' >data/d.csv &&
cat >job.json <<'JSON'
{"name": "render <me>", "data": {"path": "data/d.csv", "targets": ["y"]},
 "model": {"type": "linear"}, "train": {"epochs": 2}}
JSON

test_expect_success 'run --once renders the site with the finished job' '
	cp job.json spool/incoming/r1.json &&
	spoolboard run --spool spool --data-root . --once 2>err &&
	test -s spool/www/index.html && test -s spool/www/jobs.json &&
	test -s spool/www/jobs/r1/index.html &&
	json_check spool/www/jobs.json "[j0[\"status\"] for j0 in (j[\"jobs\"] if isinstance(j, dict) else j)] == [\"completed\"]" &&
	grep -q "render &lt;me&gt;" spool/www/index.html &&
	! grep -q "render <me>" spool/www/index.html
'

test_expect_success '--no-render writes no site' '
	mkdir -p quiet/incoming && cp job.json quiet/incoming/r2.json &&
	spoolboard run --spool quiet --data-root . --once --no-render &&
	json_check quiet/jobs/r2/state.json "j[\"status\"] == \"completed\"" &&
	! test -e quiet/www/index.html
'

# watch_child PID: the pids of PID's `render --watch` children; fails
# when there is none.
watch_child() {
	_found=1
	for d in /proc/[0-9]*; do
		c=${d#/proc/}
		if [ "$(cut -d" " -f4 "$d/stat" 2>/dev/null)" = "$1" ] &&
		   tr "\0" " " <"/proc/$c/cmdline" 2>/dev/null |
		   grep -q "render .*--watch"; then
			echo "$c"
			_found=0
		fi
	done
	return $_found
}

has_watch_child() { watch_child "$RPID" >/dev/null; }

completed_in_site() {
	json_check live/www/jobs/r3/data.json "j[\"status\"] == \"completed\""
}

mkdir -p live/incoming
"$SPOOLBOARD" run --spool live --data-root . 2>live.err &
RPID=$!
trap 'kill -KILL "$RPID" 2>/dev/null; trash_remove' EXIT

test_expect_success 'a serving runner keeps one render --watch child' '
	wait_for has_watch_child &&
	cp job.json live/incoming/r3.json &&
	wait_for completed_in_site &&
	watch_child "$RPID" >watch.pid &&
	test "$(wc -l <watch.pid)" = 1
'

# new_watch_child OLD: the runner has one render --watch child again, not
# OLD; its pid goes to watch.pid.
new_watch_child() {
	watch_child "$RPID" >now.pid &&
	test "$(wc -l <now.pid)" = 1 &&
	! grep -qx "$1" now.pid &&
	mv now.pid watch.pid
}

r4_in_site() {
	json_check live/www/jobs/r4/data.json "j[\"status\"] == \"completed\""
}

test_expect_success 'a killed render --watch child is started again' '
	old=$(cat watch.pid) && test -n "$old" &&
	kill -KILL "$old" &&
	wait_for new_watch_child "$old" &&
	wait_for grep -q "render child failed (killed by signal 9, .*restarting it" live.err &&
	kill -0 "$RPID" &&
	cp job.json live/incoming/r4.json &&
	wait_for r4_in_site &&
	wait_for grep -q "jobs/r4/" live/www/index.html &&
	watch_child "$RPID" >now.pid && test_cmp watch.pid now.pid &&
	test "$(grep -c "render child failed" live.err)" = 1 &&
	kill -0 "$RPID"
'

WATCH=$(cat watch.pid 2>/dev/null)
FAILS=$(grep -c "render child failed" live.err)
kill -TERM "$RPID"
wait "$RPID"
RRC=$?

test_expect_success 'at exit the watch child is stopped, the site final' '
	test "$RRC" = 0 &&
	test -n "$WATCH" && ! kill -0 "$WATCH" &&
	completed_in_site && test -s live/www/index.html &&
	test "$(grep -c "render child failed" live.err)" = "$FAILS"
'

test_done
