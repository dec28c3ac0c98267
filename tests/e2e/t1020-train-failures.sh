#!/bin/sh
# Failures end a run as failed with a reason and a hint, never a crash.
. "$(dirname "$0")/lib.sh"

mkdir -p data && cp "$SRCDIR"/examples/data/housing.csv data/ &&
cat >base.json <<'JSON'
{"data": {"path": "data/housing.csv", "targets": ["price"]},
 "model": {"type": "mlp", "hidden": [16]},
 "train": {"epochs": 3, "seed": 1}}
JSON

test_expect_success 'an invalid config is refused like validate does' '
	echo "{\"data\": {\"path\": \"x.csv\", \"targets\": [\"y\"]}, \"train\": {\"lr\": -1}}" >bad.json &&
	test_expect_code 1 spoolboard train bad.json --out bad 2>err &&
	grep -q "^bad.json: train.lr: must be > 0, got -1$" err
'

test_expect_success 'a huge learning rate fails with NaN, the epoch and a hint' '
	sed "s/\"seed\": 1/\"seed\": 1, \"lr\": 10, \"optimizer\": \"sgd\"/" base.json >nan.json &&
	test_expect_code 1 spoolboard train nan.json --out nan &&
	json_check nan/state.json "j[\"status\"] == \"failed\"" &&
	json_check nan/state.json "j[\"error\"][\"stage\"] == \"train\"" &&
	json_check nan/state.json "\"at epoch 1\" in j[\"error\"][\"message\"]" &&
	json_check nan/state.json "\"lower train.lr\" in j[\"error\"][\"hint\"] and \"clip_grad\" in j[\"error\"][\"hint\"]" &&
	grep -q "error: train loss became" nan/log.txt
'

test_expect_success 'an unknown column fails in load, listing the header' '
	sed "s/\"price\"/\"prize\"/" base.json >col.json &&
	test_expect_code 1 spoolboard train col.json --out col &&
	json_check col/state.json "j[\"status\"] == \"failed\" and j[\"error\"][\"stage\"] == \"load\"" &&
	json_check col/state.json "\"prize\" in j[\"error\"][\"message\"] and \"price\" in j[\"error\"][\"message\"]" &&
	json_check col/state.json "j[\"stages\"][0][\"status\"] == \"failed\" and j[\"stages\"][1][\"status\"] == \"pending\""
'

test_expect_success 'a missing data file names the file' '
	sed "s/housing.csv/nothere.csv/" base.json >missing.json &&
	test_expect_code 1 spoolboard train missing.json --out missing &&
	json_check missing/state.json "\"nothere.csv\" in j[\"error\"][\"message\"]"
'

test_expect_success 'SIGTERM cancels at the next batch, exit 3' '
	sed "s/\"epochs\": 3/\"epochs\": 100000/" base.json >long.json &&
	{ "$SPOOLBOARD" train long.json --out long --threads 1 & pid=$!; } &&
	i=0 && while ! grep -q "epoch 2/" long/log.txt 2>/dev/null; do
		i=$((i + 1))
		test $i -lt 600 || { kill -KILL $pid; exit 1; }
		sleep 0.1
	done &&
	kill -TERM $pid && { wait $pid; rc=$?; } ; test "$rc" -eq 3 &&
	json_check long/state.json "j[\"status\"] == \"cancelled\"" &&
	json_check long/state.json "j[\"stages\"][2][\"status\"] == \"cancelled\"" &&
	json_check long/state.json "j[\"pid\"] is None and j[\"ended\"]" &&
	tail -1 long/events.jsonl | grep -q "\"status\": *\"cancelled\"" &&
	grep -q "cancelled by SIGTERM" long/log.txt &&
	python3 -c "import csv; rows = list(csv.reader(open(\"long/metrics.csv\"))); assert len(rows) >= 3 and all(len(r) == len(rows[0]) for r in rows)"
'

test_expect_success 'usage errors exit 2' '
	test_expect_code 2 spoolboard train &&
	test_expect_code 2 spoolboard train a b &&
	test_expect_code 2 spoolboard train base.json --threads zero
'

test_done
