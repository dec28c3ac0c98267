#!/bin/sh
# The runner keeps the dashboard up to date; --no-render leaves it alone.
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

test_done
