#!/bin/sh
# The runner's heartbeat (SPOOL/runner.json): what it says while the
# runner serves, runs a job and stops; the site's runner.json, runner.js
# and the index's runner line; a stale or hostile runner.json; submit
# checking a config's data against the serving runner's data root.
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/e2e/lib-runner.sh"

T=$SRCDIR/templates
make_data
config a.json
EPOCHS=100000 long_config long.json

# render: the site of ./spool
render() { spoolboard render --spool spool --templates "$T"; }

test_expect_success 'a runner writes runner.json when it starts' '
	start_runner &&
	wait_until "test -f spool/runner.json" 10 &&
	R=spool/runner.json &&
	json_check $R "j[\"pid\"] == $(cat runner.pid)" &&
	json_check $R "j[\"host\"] == \"$(hostname)\"" &&
	json_check $R "j[\"data_root\"] == \"$(pwd -P)\"" &&
	json_check $R "j[\"slots\"] == 1 and j[\"threads\"] >= 1" &&
	json_check $R "j[\"running\"] == [] and j[\"queued\"] == 0" &&
	json_check $R "j[\"heartbeat_s\"] == 10 and \"stopped\" not in j" &&
	json_check $R "j[\"version\"] == \"$(spoolboard --version | cut -d\  -f2)\"" &&
	json_check $R "j[\"started\"] <= j[\"last_seen\"]"
'

test_expect_success 'a running job is in it, and the index says so' '
	spoolboard submit --spool spool long.json &&
	wait_until "status_is long running" 20 &&
	wait_until "json_check spool/runner.json \"j[\\\"running\\\"] == [\\\"long\\\"]\"" 10 &&
	render &&
	grep -q "Runner up · 1 running" spool/www/index.html &&
	json_check spool/www/runner.json "j[\"state\"] == \"up\" and j[\"running\"] == [\"long\"]" &&
	grep -q "^spoolboardRunner({.*\"state\":\"up\".*});$" spool/www/runner.js
'

test_expect_success 'it is rewritten every 10 seconds' '
	seen=$(json_get spool/runner.json "j[\"last_seen\"]") &&
	wait_until "json_check spool/runner.json \"j[\\\"last_seen\\\"] != \\\"$seen\\\"\"" 15
'

test_expect_success 'submit checks the data against the runner'"'"'s data root' '
	mkdir -p elsewhere &&
	config elsewhere/job.json "\"data\": {\"path\": \"elsewhere/none.csv\", \"targets\": [\"y\"]}" &&
	test_expect_code 1 spoolboard submit --spool spool elsewhere/job.json 2>err &&
	grep -q "^elsewhere/job.json: data.path: cannot open .elsewhere/none.csv. in the data root .$(pwd -P)." err &&
	grep -q "not submitted: the runner serving .spool. reads data below .$(pwd -P). (its --data-root); put the data there, or restart the runner with --data-root DIR (make run DATA_ROOT=DIR)" err &&
	test ! -e spool/incoming/job.json &&
	config elsewhere/col.json "\"data\": {\"path\": \"data/lin.csv\", \"targets\": [\"nope\"]}" &&
	test_expect_code 1 spoolboard submit --spool spool elsewhere/col.json 2>err &&
	grep -q "nope" err && test ! -e spool/incoming/col.json &&
	spoolboard submit --spool spool a.json 2>err &&
	test ! -s err
'

test_expect_success 'a stopped runner says when it stopped' '
	spoolboard cancel --spool spool long &&
	wait_until "status_is long cancelled" 20 &&
	stop_runner &&
	json_check spool/runner.json "\"stopped\" in j and j[\"running\"] == []" &&
	render &&
	json_check spool/www/runner.json "j[\"state\"] == \"stopped\"" &&
	grep -q "class=\"runner-line st-stopped\"" spool/www/index.html &&
	grep -q "Runner stopped <time datetime=\"[0-9T:Z-]*\">" spool/www/index.html
'

test_expect_success 'with no runner, submit says the config waits unchecked' '
	spoolboard submit --spool spool elsewhere/job.json >out 2>err &&
	grep -q "^spoolboard: no runner serves .spool.: the config waits in incoming/ until one starts (spoolboard run --spool spool)$" err &&
	test -e spool/incoming/job.json && rm spool/incoming/job.json
'

test_expect_success 'a runner not seen for long is down' '
	python3 -c "import json
j = json.load(open(\"spool/runner.json\"))
del j[\"stopped\"]
j[\"last_seen\"] = \"2026-01-01T00:00:00Z\"
json.dump(j, open(\"spool/runner.json\", \"w\"))" &&
	render &&
	json_check spool/www/runner.json "j[\"state\"] == \"gone\"" &&
	grep -q "Runner down · last seen <time datetime=\"2026-01-01T00:00:00Z\">" spool/www/index.html
'

test_expect_success 'a hostile runner.json says nothing a runner could not' '
	cat >spool/runner.json <<-EOF &&
	{"last_seen": "2099-01-01T00:00:00Z", "host": "<script>alert(1)</script>",
	 "pid": "1; rm", "running": ["ok", "../../etc", "<b>", 7],
	 "queued": -5, "data_root": "x", "extra": "<img src=x>",
	 "slots": 1e300, "version": "$(printf "%0100d" 0)"}
	EOF
	render &&
	json_check spool/www/runner.json "j[\"running\"] == [\"ok\"] and \"pid\" not in j and \"queued\" not in j and \"extra\" not in j and \"slots\" not in j and \"version\" not in j" &&
	json_check spool/www/runner.json "j[\"host\"] == \"<script>alert(1)</script>\"" &&
	! grep -q "<script>alert" spool/www/runner.js spool/www/runner.json &&
	! grep -q "<script>alert" spool/www/index.html &&
	grep -q "Runner up · 1 running" spool/www/index.html
'

test_expect_success 'a link, a FIFO or a huge runner.json is no heartbeat' '
	echo "{\"last_seen\": \"2099-01-01T00:00:00Z\"}" >elsewhere/hb.json &&
	rm spool/runner.json && ln -s ../elsewhere/hb.json spool/runner.json &&
	render && json_check spool/www/runner.json "j == {\"state\": \"none\"}" &&
	grep -q "No runner has served this spool" spool/www/index.html &&
	rm spool/runner.json && mkfifo spool/runner.json &&
	timeout 10 "$SPOOLBOARD" render --spool spool --templates "$T" &&
	json_check spool/www/runner.json "j == {\"state\": \"none\"}" &&
	rm spool/runner.json &&
	python3 -c "print(\"{\\\"last_seen\\\": \\\"2099-01-01T00:00:00Z\\\", \\\"x\\\": \\\"\" + \"a\" * 300000 + \"\\\"}\")" >spool/runner.json &&
	render && json_check spool/www/runner.json "j == {\"state\": \"none\"}"
'

test_expect_success 'a runner writes over what was there' '
	rm -f spool/runner.json &&
	start_runner &&
	wait_until "json_check spool/runner.json \"j[\\\"pid\\\"] == $(cat runner.pid)\"" 10 &&
	stop_runner
'

test_done
