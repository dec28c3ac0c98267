#!/bin/sh
# The dashboard in headless Chromium: a running job's page follows its
# own page (fetched again: status, progress, charts, log) without a
# reload, the index filters by status, no console errors. Screenshots are kept in $BUILD/test-artifacts/t3100-browser/
# (the index and a job at desktop and phone width, light and dark).
# Skipped when no chromium is installed (scripts/deps.sh installs it).
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/e2e/lib-render.sh"

T=$SRCDIR/templates
ART=$BUILD/test-artifacts/$TEST_NAME

find_chromium

test_expect_success 'a fixture spool renders' '
	mkdir -p spool/rejected &&
	state run running 4 &&
	state run2 running 3 &&
	state wait queued 0 &&
	state done completed 9 &&
	state stop cancelled 2 &&
	state bad failed 1 &&
	spoolboard render --spool spool --templates "$T" &&
	grep -q "data-live=\"true\"" spool/www/jobs/run/index.html &&
	grep -q "data-f=\"epoch\">4<" spool/www/jobs/run/index.html
'

chromium_or_skip

# advance.sh: the running job moves to epoch 7, and the site is rendered.
cat >advance.sh <<EOF
sed 's/"epoch": 4/"epoch": 7/; s/"progress": 0.4/"progress": 0.7/' \
	spool/jobs/run/state.json >s.tmp &&
printf "epoch,train_loss,val_loss\n1,0.9,0.8\n2,0.7,0.65\n" \
	>spool/jobs/run/metrics.csv &&
echo "epoch 7 done <ok>" >>spool/jobs/run/log.txt &&
mv s.tmp spool/jobs/run/state.json &&
"$SPOOLBOARD" render --spool spool --templates "$T"
EOF

rm -rf "$ART"
test_expect_success 'a browser session runs against the served site' '
	timeout 50 python3 "$SRCDIR/tests/e2e/browser.py" "$CHROMIUM" \
		"$TRASH/spool/www" run "sh $TRASH/advance.sh" "$ART" \
		res.json; rc=$?
	cat res.json; test $rc -eq 0
'
R=$TRASH/res.json

test_expect_success 'the job page shows the new epoch without a reload' '
	json_check "$R" "j[\"epoch_before\"] == \"4\"" &&
	json_check "$R" "j[\"advance_rc\"] == 0 and j[\"epoch_want\"] == 7" &&
	json_check "$R" "j[\"epoch_after\"] == \"7\"" &&
	json_check "$R" "j[\"progress_after\"] == str(j[\"progress_want\"])" &&
	json_check "$R" "j[\"marker_after\"] == 42" &&
	json_check "$R" "j[\"live_bar_shown\"] is True" &&
	json_check "$R" "j[\"livenote\"].startswith(\"Live\")"
'

test_expect_success 'the job page fetched again brings its charts and log' '
	json_check "$R" "j[\"charts_after\"] == [\"chart-loss\",
		\"chart-loss-log\"]" &&
	json_check "$R" "j[\"chart_wait_hidden\"] is True" &&
	json_check "$R" "j[\"log_after\"] == \"epoch 7 done <ok>\""
'

test_expect_success 'the console has no errors' '
	json_check "$R" "j[\"job_errors\"] == []" &&
	json_check "$R" "j[\"errors\"] == []"
'

test_expect_success 'the index shows times relative, the ISO time on hover' '
	json_check "$R" "len(j[\"times\"]) == 6" &&
	json_check "$R" "all(re.fullmatch(r\"just now|[0-9]+ (min|h|d) ago\",
		t[0]) and t[1] == t[2] for t in j[\"times\"])"
'

test_expect_success 'the index filters by status and keeps it in the hash' '
	json_check "$R" "j[\"controls_shown\"] is True" &&
	json_check "$R" "(sorted(j[\"all_rows\"]) == sorted([\"running\",
		\"running\", \"queued\", \"completed\", \"cancelled\",
		\"failed\"]))" &&
	json_check "$R" "(j[\"filter\"][\"running\"][\"rows\"] ==
		[\"running\", \"running\"])" &&
	json_check "$R" "(j[\"filter\"][\"running\"][\"hash\"] ==
		\"#status=running\")" &&
	for s in completed failed queued cancelled; do
		json_check "$R" "j[\"filter\"][\"$s\"][\"rows\"] == [\"$s\"]" ||
		exit 1
	done &&
	json_check "$R" "j[\"filter\"][\"\"][\"rows\"] == j[\"all_rows\"]" &&
	json_check "$R" "(j[\"from_hash\"] == {\"rows\": [\"completed\"],
		\"select\": \"completed\"})"
'

test_expect_success 'screenshots of a job page and the index are kept' '
	for f in job index; do
		png_ok "$ART/$f.png" || exit 1
	done
'

test_done
