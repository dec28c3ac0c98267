#!/bin/sh
# A sweep from the config to its pages, with nothing made by hand: a 3 x 2
# grid over a preset (with a hostile name) is submitted, the runner
# expands, trains and renders it, and the group page, each member's page
# (with its results section and a link to the group), jobs.csv, compare.js
# and compare.html are checked: valid HTML (tidy), names escaped, and in
# headless Chromium over http and file:// (curves drawn, the selection
# from the address, no console errors). Screenshots in
# $BUILD/test-artifacts/t3230-render-sweep/.
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/e2e/lib-render.sh"

ART=$BUILD/test-artifacts/$TEST_NAME
find_chromium

test_expect_success 'a 3 x 2 grid runs to completion and renders' '
	mkdir -p data spool/presets &&
	cp "$SRCDIR"/examples/data/housing.csv data/ &&
	cat >spool/presets/house.json <<-EOF &&
	{"data": {"path": "data/housing.csv", "targets": ["price"]},
	 "model": {"type": "mlp", "hidden": [8]},
	 "train": {"epochs": 4, "batch_size": 64, "seed": 2}}
	EOF
	cat >grid.json <<-EOF &&
	{"extends": "house.json", "name": "<b>lr</b> & \"width\"",
	 "sweep": {"grid": {"train.lr": [0.03, 0.01, 0.003],
	                    "model.hidden": [[8], [16, 16]]},
	           "metric": "test.rmse"}}
	EOF
	spoolboard sweep --spool spool grid.json >out &&
	grep -q "a sweep of 6 jobs" out &&
	spoolboard run --spool spool --data-root . --once \
		--templates "$SRCDIR/templates" 2>log &&
	for i in 1 2 3 4 5 6; do
		json_check spool/jobs/grid-$i/state.json \
			"j[\"status\"] == \"completed\" and j[\"group\"] == \"grid\"" ||
		return 1
	done
'

W=spool/www
test_expect_success 'the group page lists the six members, ranked by test.rmse' '
	test -s $W/groups/grid/index.html &&
	json_check $W/groups/grid/data.json "j[\"n\"] == 6 and j[\"done\"] == 6 and len(j[\"rows\"]) == 6 and j[\"metric\"] == \"test.rmse\"" &&
	for i in 1 2 3 4 5 6; do
		grep -q "href=\"../../jobs/grid-$i/" $W/groups/grid/index.html ||
		return 1
	done &&
	grep -q "test.rmse" $W/groups/grid/index.html &&
	! grep -q "<b>lr</b>" $W/groups/grid/index.html &&
	grep -q "&lt;b&gt;lr&lt;/b&gt; &amp;" $W/groups/grid/index.html
'

test_expect_success 'a member page has its results and names its group' '
	grep -q "Test results" $W/jobs/grid-4/index.html &&
	grep -q "href=\"../../groups/grid/" $W/jobs/grid-4/index.html &&
	! grep -q "<b>lr</b>" $W/jobs/grid-4/index.html
'

test_expect_success 'jobs.csv has a row per member with its group and values' '
	python3 - <<-EOF
	import csv
	rows = list(csv.DictReader(open("$W/jobs.csv", newline="")))
	m = [r for r in rows if r["group"] == "grid"]
	assert len(m) == 6, rows
	r4 = [r for r in m if r["id"] == "grid-4"][0]
	assert float(r4["train.lr"]) == 0.01, r4
	assert r4["model.hidden"] == "[16,16]" or r4["model.hidden"] == "[16, 16]", r4
	assert r4["status"] == "completed", r4
	EOF
'

test_expect_success 'every member has its compare.js' '
	for i in 1 2 3 4 5 6; do
		grep -q "spoolboardCompare(" $W/jobs/grid-$i/compare.js ||
		return 1
	done
'

test_expect_success 'a group.json made by someone else cannot take a member' '
	mkdir -p spool/groups/aaa &&
	echo "{\"name\": \"forged\", \"members\": [{\"id\": \"grid-1\"}]}" \
		>spool/groups/aaa/group.json &&
	spoolboard render --spool spool --templates "$SRCDIR/templates" &&
	grep -q "href=\"../../groups/grid/" $W/jobs/grid-1/index.html &&
	! grep -q "groups/aaa" $W/jobs/grid-1/index.html &&
	json_check $W/groups/aaa/data.json "j[\"done\"] == 0" &&
	json_check $W/groups/grid/data.json "j[\"done\"] == 6" &&
	rm -r spool/groups/aaa
'

test_expect_success 'a claim under way (folders without their files yet) is rendered without a word' '
	mkdir spool/groups/next spool/jobs/next-1 &&
	spoolboard render --spool spool --templates "$SRCDIR/templates" 2>err &&
	! test -s err && ! test -e $W/jobs/next-1 &&
	! test -e $W/groups/next &&
	rmdir spool/groups/next spool/jobs/next-1
'

test_expect_success 'the pages are valid HTML' '
	python3 "$SRCDIR/tests/e2e/tidycheck.py" $W/groups/grid/index.html \
		$W/jobs/grid-1/index.html $W/compare.html $W/index.html
'

chromium_or_skip

rm -rf "$ART"
IDS=grid-1,grid-4,grid-6
test_expect_success 'in Chromium over http and file://: curves, selection, no errors' '
	timeout 100 python3 "$SRCDIR/tests/e2e/browser_compare.py" \
		"$CHROMIUM" "$TRASH/$W" grid "$IDS" "$ART" res.json; rc=$?
	cat res.json; test $rc -eq 0 &&
	python3 - <<-EOF
	import json
	res = json.load(open("res.json"))
	ids = "$IDS".split(",")
	for via in ("http", "file"):
	    j = res[via]
	    assert j["errors"] == [], (via, j["errors"])
	    c = j["compare"]
	    assert c["jobs"] == ids, (via, c["jobs"])
	    for x in c["charts"]:
	        assert x["lines"] == ids and x["points"] == [4, 4, 4], (via, x)
	assert not any(res["overflow"].values()), res["overflow"]
	EOF
'

test_expect_success 'screenshots of the group and compare pages are kept' '
	for k in group-desktop-light group-phone-dark compare-desktop-dark \
		 compare-phone-light; do
		test -s "$ART/$k.png" || return 1
	done
'

test_done
