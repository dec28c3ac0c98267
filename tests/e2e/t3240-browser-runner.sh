#!/bin/sh
# The runner's line on every page in headless Chromium: a running job's
# page says "Runner up" and Live, stops saying Live when the runner's
# heartbeat goes stale (no reload), and is live again when the runner is
# back; the index and the page over file:// show the line too.
# Screenshots in $BUILD/test-artifacts/t3240-browser-runner/.
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/e2e/lib-render.sh"

T=$SRCDIR/templates
ART=$BUILD/test-artifacts/$TEST_NAME
find_chromium

# beat.sh SECONDS_AGO: a runner.json last seen that long ago, and a render
cat >beat.sh <<SH
python3 -c 'import json, sys, time
t = time.strftime("%Y-%m-%dT%H:%M:%SZ",
                  time.gmtime(time.time() - int(sys.argv[1])))
json.dump({"version": "0.1.0", "pid": 4242, "host": "box", "started": t,
           "last_seen": t, "heartbeat_s": 10, "slots": 2, "threads": 1,
           "running": ["run"], "queued": 1, "data_root": "/data"},
          open("spool/runner.json", "w"))' "\$1" &&
"$SPOOLBOARD" render --spool spool --templates "$T"
SH

test_expect_success 'a running job and its runner up render' '
	mkdir -p spool/rejected &&
	state run running 4 && state wait queued 0 &&
	sh beat.sh 0 &&
	grep -q "Runner up · 1 running · 1 queued" spool/www/index.html &&
	grep -q "id=\"runner-line\" data-root=\"../../\"" \
		spool/www/jobs/run/index.html
'

chromium_or_skip

rm -rf "$ART"
test_expect_success 'a browser session runs against the served site' '
	timeout 80 python3 "$SRCDIR/tests/e2e/browser_runner.py" "$CHROMIUM" \
		"$TRASH/spool/www" run "sh $TRASH/beat.sh 3600" \
		"sh $TRASH/beat.sh 0" "$ART" res.json; rc=$?
	cat res.json; test $rc -eq 0
'
R=$TRASH/res.json

test_expect_success 'the job page says the runner is up, and Live' '
	json_check "$R" "j[\"up\"][\"line\"].strip() == \"Runner up · 1 running · 1 queued\"" &&
	json_check "$R" "j[\"up\"][\"cls\"] == \"runner-line st-up\"" &&
	json_check "$R" "j[\"up\"][\"note\"].startswith(\"Live ·\") and j[\"up\"][\"toggle\"]"
'

test_expect_success 'a stale heartbeat: runner down, not Live, no reload' '
	json_check "$R" "j[\"down_rc\"] == 0" &&
	json_check "$R" "j[\"down\"][\"line\"].strip() == \"Runner down · last seen 1 h ago\"" &&
	json_check "$R" "j[\"down\"][\"cls\"] == \"runner-line st-gone\"" &&
	json_check "$R" "j[\"down\"][\"note\"] == \"Not live: the runner is down; this is the job as it left it\"" &&
	json_check "$R" "j[\"down\"][\"toggle\"] is False"
'

test_expect_success 'the runner back: Live again' '
	json_check "$R" "j[\"up_rc\"] == 0" &&
	json_check "$R" "j[\"again\"][\"note\"].startswith(\"Live ·\")" &&
	json_check "$R" "j[\"again\"][\"line\"].strip().startswith(\"Runner up\")" &&
	json_check "$R" "j[\"errors\"] == []"
'

test_expect_success 'the index stops saying Live while the runner is down' '
	json_check "$R" "j[\"index_down\"][\"note\"] == \"Not live: the runner is down; jobs move again when it is back\"" &&
	json_check "$R" "j[\"index\"][\"note\"].startswith(\"Live ·\")"
'

test_expect_success 'the index and the page over file:// show the line' '
	json_check "$R" "j[\"index\"][\"line\"].strip() == \"Runner up · 1 running · 1 queued\"" &&
	json_check "$R" "j[\"file\"][\"line\"].strip() == \"Runner up · 1 running · 1 queued\""
'

test_done
