#!/bin/sh
# A runner that one file in the spool can neither stop nor spin: FIFOs,
# links and directories planted (or swapped in under a name the runner
# is looking at) in incoming/ and control/. Every wait is bounded, so a
# runner that hangs fails the case instead of the test.
. "$(dirname "$0")/../e2e/lib.sh"
. "$SRCDIR/tests/e2e/lib-runner.sh"

make_data

# swap SECONDS NAME=KIND...: for SECONDS, put under each spool-relative
# NAME, again and again, a regular file (KIND file:TEXT), a FIFO (fifo)
# or a symbolic link (link:TARGET), in turn, each renamed over the last;
# the temporaries are made in spool/ itself, where nobody looks. Each
# NAME ends as the last KIND given for it.
swap() {
	timeout -k 2 $(($1 + 10)) python3 -c '
import os, sys, time
end = time.time() + float(sys.argv[1])
pairs = [a.split("=", 1) for a in sys.argv[2:]]
names = sorted(set(n for n, _ in pairs))
i = 0
def put(name, kind):
    global i
    i += 1
    tmp = "spool/.swap.%d" % i
    if kind == "fifo":
        os.mkfifo(tmp)
    elif kind.startswith("link:"):
        os.symlink(kind[5:], tmp)
    else:
        with open(tmp, "w") as f:
            f.write(kind[5:])
    os.rename(tmp, "spool/" + name)
while time.time() < end:
    for name, kind in pairs:
        put(name, kind)
' "$@"
}

# stop_alive: SIGTERM, and the runner must be gone within 10 s (else it
# is killed and the case fails).
stop_alive() {
	_pid=$(cat runner.pid) &&
	kill -TERM "$_pid" &&
	if wait_until 'grep -q "runner stopped" runner.log' 10; then
		wait "$_pid" 2>/dev/null; true
	else
		kill -KILL "$_pid" 2>/dev/null
		echo "the runner did not stop on SIGTERM" >&2
		false
	fi
}

# rescans N: wait (bounded) until the runner has rescanned its folders N
# times. A hard link made in incoming/ raises no inotify event the runner
# watches (it is neither written nor moved in), so only a rescan finds
# it, and rejects it ("[]" is no config).
rescans() {
	_k=0
	while [ $_k -lt "$1" ]; do
		_p=$(($(cat probes) + 1)) && echo $_p >probes &&
		_k=$((_k + 1)) &&
		ln probe.src "spool/incoming/probe$_p.json" &&
		wait_until "test -f spool/rejected/probe$_p.error" 10 ||
			return 1
	done
}
echo "[]" >probe.src && echo 0 >probes

# start_alive OPTIONS...: start_runner, after killing the runner a failed
# case may have left behind.
start_alive() {
	if [ -f runner.pid ]; then
		kill -KILL "$(cat runner.pid)" 2>/dev/null
	fi
	start_runner "$@"
}

test_expect_success 'FIFOs, and names swapped between a file and a FIFO, never block the runner' '
	start_alive --slots 1 &&
	mkfifo spool/incoming/fifo.json spool/control/nosuch.cancel &&
	swap 3 "incoming/sw.json=file:{" "incoming/sw.json=fifo" \
	       "control/nosuch.retry=file:" "control/nosuch.retry=fifo" &&
	config spool/incoming/good.json &&
	wait_until "grep -q completed spool/jobs/good/state.json" 30 &&
	status_is good completed &&
	stop_alive
'

test_expect_success 'a FIFO planted at a job'"'"'s lock never blocks the runner' '
	start_alive --slots 1 &&
	config spool/incoming/locked.json &&
	wait_until "grep -q completed spool/jobs/locked/state.json" 30 &&
	stop_alive &&
	sed "s/\"status\": *\"completed\"/\"status\": \"running\"/" \
		spool/jobs/locked/state.json >st && mv st spool/jobs/locked/state.json &&
	rm -f spool/jobs/locked/.lock && mkfifo spool/jobs/locked/.lock &&
	start_alive --slots 1 &&
	config spool/incoming/after.json &&
	wait_until "grep -q completed spool/jobs/after/state.json" 30 &&
	stop_alive
'

test_expect_success 'a symbolic link swapped into incoming/ is never read through' '
	secret=secret-h3000-$$ &&
	config secret.json "\"tags\": [\"$secret\"]" &&
	start_alive --slots 0 &&
	swap 3 "incoming/sw.json=file:{" "incoming/sw.json=link:$TRASH/secret.json" &&
	rescans 1 &&
	stop_alive &&
	if grep -rlq "$secret" spool; then
		echo "the secret was read through a link" >&2; false
	fi &&
	test -z "$(find spool/jobs -type l)"
'

test_expect_success 'a directory at control/ID.retry never retries the job, and is reported once' '
	start_alive --slots 1 &&
	config spool/incoming/done.json &&
	wait_until "grep -q completed spool/jobs/done/state.json" 30 &&
	mkdir spool/control/done.retry &&
	rescans 4 &&
	stop_alive &&
	status_is done completed &&
	json_check spool/jobs/done/state.json "j[\"attempt\"] == 1" &&
	! grep -q "\"by\":\"retry\"" spool/jobs/done/events.jsonl &&
	test $(grep -c "done\.retry" runner.log) -eq 1
'

test_expect_success 'a directory in control/ for an unknown job is reported once' '
	start_alive --slots 0 &&
	mkdir spool/control/unknown.cancel &&
	rescans 4 &&
	stop_alive &&
	test $(grep -c "unknown" runner.log) -eq 1
'

# A rejection takes a free name in rejected/ (h1200), so what cannot be
# moved is a mount point (EBUSY); that needs root.
if [ "$(id -u)" = 0 ] && mkdir -p spool/incoming/dir.json &&
   mount -t tmpfs -o size=64k tmpfs spool/incoming/dir.json 2>/dev/null; then
	test_expect_success 'a directory in incoming/ that cannot be moved is reported once' '
		start_alive --slots 0 &&
		rescans 4 &&
		stop_alive &&
		test -d spool/incoming/dir.json &&
		test $(grep -c "incoming/dir.json" runner.log) -le 2 &&
		test $(grep -c "cannot move .*dir.json" runner.log) -eq 1
	'
	umount -l spool/incoming/dir.json
else
	test_skip 'a directory in incoming/ that cannot be moved is reported once' 'needs root to mount a tmpfs'
fi

test_done
