#!/bin/sh
# spoolboard render --watch after a real inotify queue overflow: the
# watcher is stopped (SIGSTOP) while more events than the queue holds are
# made, and changes made after the queue overflowed (their events are lost)
# must still reach the site once it runs again (a full render, watches
# armed again), and later changes too.
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/e2e/lib-render.sh"

T=$SRCDIR/templates
MAXQ=$(cat /proc/sys/fs/inotify/max_queued_events 2>/dev/null || echo 0)

page_epoch() {
	grep -q "data-f=\"epoch\">$2<" "spool/www/jobs/$1/index.html"
}

# stopped PID: PID is in the stopped state (T in /proc/PID/stat).
stopped() {
	test "$(sed "s/.*) //" "/proc/$1/stat" | cut -d" " -f1)" = T
}

# noise DIR N: N events in the watched folder DIR (an IN_CLOSE_WRITE
# each). Two files take turns, as inotify merges an event that repeats
# the one queued just before it.
noise() {
	python3 -c 'import sys
d, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    with open("%s/noise.%d" % (d, i % 2), "a") as f:
        f.write("x\n")' "$1" "$2"
}

alive() { kill -0 "$WPID"; }

if [ "$MAXQ" -le 0 ] || [ "$MAXQ" -gt 200000 ]; then
	test_skip 'the watch recovers from an inotify queue overflow' \
		"fs.inotify.max_queued_events is $MAXQ: too many events to make"
	test_done
	exit
fi

mkdir -p spool/jobs spool/rejected &&
state a running 4 &&
state b running 5 || exit 1

"$SPOOLBOARD" render --watch --spool spool --templates "$T" \
	2>watch.err &
WPID=$!
trap 'kill -CONT "$WPID" 2>/dev/null; kill "$WPID" 2>/dev/null;
	trash_remove' EXIT

test_expect_success 'the first render writes every page' '
	wait_for test -s spool/www/index.html &&
	wait_for test -s spool/www/jobs/b/data.json &&
	page_epoch a 4 && page_epoch b 5 &&
	alive
'

test_expect_success 'changes lost to a queue overflow still reach the site' '
	kill -STOP "$WPID" &&
	wait_for stopped "$WPID" &&
	noise spool/jobs/b $((MAXQ + 1000)) &&
	state a running 8 &&
	state c queued 6 &&
	noise spool/jobs/b 1000 &&
	kill -CONT "$WPID" &&
	wait_for grep -q "queue overflowed" watch.err &&
	wait_for page_epoch a 8 &&
	wait_for json_check spool/www/jobs/a/data.json "j[\"epoch\"] == 8" &&
	wait_for page_epoch c 6 &&
	wait_for grep -q "jobs/c/" spool/www/index.html &&
	alive
'

test_expect_success 'after the overflow the watch goes on, new job included' '
	state a running 9 &&
	wait_for page_epoch a 9 &&
	state c running 7 &&
	wait_for page_epoch c 7 &&
	wait_for grep -q "\"epoch\": *7" spool/www/jobs.json &&
	alive
'

kill -TERM "$WPID"
wait "$WPID"
WRC=$?
test_expect_success 'SIGTERM still ends the watch with exit 0' '
	test "$WRC" = 0
'

test_done
