#!/bin/sh
# The words a page says of a job: counts in the singular when there is
# one ("1 feature", "1 row"), the plural otherwise.
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/e2e/lib-render.sh"

T=$SRCDIR/templates

test_expect_success 'one feature and one row are said in the singular' '
	mkdir -p data spool/jobs &&
	cp "$SRCDIR/examples/data/housing.csv" data/ &&
	cat >one.json <<-EOF &&
	{"data": {"path": "data/housing.csv", "features": ["area"],
	          "targets": ["price"]},
	 "model": {"type": "linear"}, "train": {"epochs": 1}}
	EOF
	spoolboard train one.json --out spool/jobs/one >/dev/null 2>&1 &&
	spoolboard render --spool spool --templates "$T" &&
	grep -q "data/housing.csv: 4000 rows, 1 feature<" \
		spool/www/jobs/one/index.html &&
	! grep -q "1 features" spool/www/jobs/one/index.html &&
	json_check spool/www/jobs/one/data.json \
		"j[\"data\"][\"features\"] == 1 and j[\"data\"][\"features_text\"] == \"1 feature\" and j[\"data\"][\"rows_text\"] == \"4000 rows\""
'

test_expect_success 'a run of under a second lasts its stages, not 0.0s' '
	python3 - <<-EOF &&
	import json, os
	p = "spool/jobs/one/state.json"
	st = json.load(open(p))
	st["started"] = st["ended"] = "2026-12-03T10:00:00Z"
	for s, x in zip(st["stages"], (0.2, 0.1, 0.3, 0.05, 0.05)):
	    s["seconds"] = x
	json.dump(st, open(p + ".tmp", "w"))
	os.rename(p + ".tmp", p)
	EOF
	spoolboard render --spool spool --templates "$T" &&
	json_check spool/www/jobs/one/data.json "j[\"duration\"] == \"0.7s\"" &&
	grep -q "data-f=\"duration\">0.7s<" spool/www/jobs/one/index.html
'

test_done
