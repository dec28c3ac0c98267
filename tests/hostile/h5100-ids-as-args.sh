#!/bin/sh
# Job IDs are safe as command arguments: a config named "-rf.json" gets
# the ID "_rf", the commands the dashboard prints work when pasted, every
# command takes IDs after "--", and a folder jobs/-rf planted by hand is
# no job (left out with a warning by ls and the runner, not rendered).
. "$(dirname "$0")/../e2e/lib.sh"
. "$SRCDIR/tests/e2e/lib-runner.sh"

make_data
config ./-rf.json

# cmd_of ID KEY: the command data.json of ID gives under KEY (cancel_cmd,
# retry_cmd.plain, retry_cmd.fresh)
cmd_of() {
	json_get "spool/www/jobs/$1/data.json" \
		"j[\"${2%%.*}\"]$(case $2 in *.*) echo "[\"${2#*.}\"]" ;; esac)"
}

test_expect_success 'a config named -rf.json is claimed as _rf' '
	spoolboard submit --spool spool -- -rf.json >out &&
	grep -qx "spool/incoming/-rf.json" out &&
	timeout -k 5 60 "$SPOOLBOARD" run --spool spool --data-root . --once --no-render 2>log &&
	test -d spool/jobs/_rf && test ! -e spool/jobs/-rf &&
	status_is _rf completed
'

test_expect_success 'the retry commands of the page work as given' '
	spoolboard render --spool spool 2>err &&
	for k in retry_cmd.plain retry_cmd.fresh; do
		c=$(cmd_of _rf $k) && echo "$c" &&
		case $c in "spoolboard "*) ;; *) exit 1 ;; esac &&
		eval "$c" >out 2>err || { cat err; exit 1; }
		status_is _rf queued || exit 1
		spoolboard cancel --spool spool -- _rf >out || exit 1
	done
'

test_expect_success 'the cancel command of the page works as given' '
	spoolboard retry --spool spool -- _rf >out && status_is _rf queued &&
	spoolboard render --spool spool 2>err &&
	c=$(cmd_of _rf cancel_cmd) && echo "$c" &&
	eval "$c" >out && status_is _rf cancelled
'

test_expect_success 'every command takes IDs after --' '
	spoolboard retry --spool spool --fresh -- _rf && status_is _rf queued &&
	spoolboard cancel --spool spool -- _rf && status_is _rf cancelled &&
	spoolboard export --spool spool -o x.tar.zst -- _rf >out &&
	tar --zstd -tf x.tar.zst | grep -qx _rf/state.json &&
	test_expect_code 1 spoolboard retry --spool spool -- -rf 2>err &&
	grep -q "not a job ID" err
'

test_expect_success 'a planted jobs/-rf is no job: ls, the runner, the site' '
	cp -R spool/jobs/_rf spool/jobs/-rf &&
	spoolboard retry --spool spool -- _rf && spoolboard cancel --spool spool -- _rf &&
	python3 -c "import json; p=\"spool/jobs/-rf/state.json\"; s=json.load(open(p)); s[\"status\"]=\"queued\"; json.dump(s, open(p, \"w\"))" &&
	spoolboard ls --spool spool >ls 2>err &&
	grep -q "warning: spool/jobs/-rf: not a job ID, left out" err &&
	! grep -q "^-rf " ls && grep -q "^_rf " ls &&
	spoolboard ls --spool spool --json >ls.json 2>err &&
	json_check ls.json "[s[\"id\"] for s in j] == [\"_rf\"]" &&
	timeout -k 5 60 "$SPOOLBOARD" run --spool spool --data-root . --once --no-render 2>log &&
	grep -q "warning: spool/jobs/-rf: not a job ID, left alone" log &&
	status_is -rf queued &&
	spoolboard render --spool spool 2>err &&
	test ! -e spool/www/jobs/-rf &&
	json_check spool/www/jobs.json "[s[\"id\"] for s in j[\"jobs\"]] == [\"_rf\"]"
'

test_done
