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

test_done
