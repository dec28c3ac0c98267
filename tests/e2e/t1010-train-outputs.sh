#!/bin/sh
# `spoolboard train` writes every file of the job directory, as documented.
. "$(dirname "$0")/lib.sh"

mkdir -p data && cp "$SRCDIR"/examples/data/sine.csv data/ &&
cat >job.json <<'JSON'
{
  "name": "outputs check",
  "tags": ["t1010", "<b>tag</b>"],
  "data": {"path": "data/sine.csv", "features": ["value", "hour_sin"],
           "targets": ["value"], "window": {"lookback": 8, "horizon": 2}},
  "model": {"type": "lstm", "hidden": 8, "head": [4]},
  "train": {"epochs": 4, "batch_size": 32, "seed": 1,
            "early_stopping": false}
}
JSON

test_expect_success 'train CONFIG --out JOBDIR completes, exit 0' '
	spoolboard train job.json --out job --threads 1 2>err &&
	test -s job/config.json && test -s job/state.json &&
	test -s job/events.jsonl && test -s job/metrics.csv &&
	test -s job/log.txt && test -s job/predictions.csv &&
	test -s job/model.tar.zst
'

test_expect_success 'no progress bar on a pipe' '
	! grep -q "$(printf "\\r")" err
'

test_expect_success 'config.json holds the completed config' '
	json_check job/config.json "j[\"train\"][\"optimizer\"] == \"adam\"" &&
	json_check job/config.json "j[\"train\"][\"lr\"] == 0.001" &&
	json_check job/config.json "j[\"model\"][\"layers\"] == 1"
'

test_expect_success 'state.json: completed, every stage completed' '
	json_check job/state.json "j[\"status\"] == \"completed\"" &&
	json_check job/state.json "j[\"id\"] == \"job\"" &&
	json_check job/state.json "j[\"progress\"] == 1 and j[\"epoch\"] == 4" &&
	json_check job/state.json "[s[\"name\"] for s in j[\"stages\"]] == [\"load\", \"prepare\", \"train\", \"test\", \"save\"]" &&
	json_check job/state.json "all(s[\"status\"] == \"completed\" and s[\"seconds\"] >= 0 for s in j[\"stages\"])" &&
	json_check job/state.json "j[\"error\"] is None and j[\"ended\"].endswith(\"Z\")" &&
	json_check job/state.json "j[\"model\"][\"params\"] > 0 and j[\"data\"][\"window\"][\"horizon\"] == 2" &&
	json_check job/state.json "j[\"best\"][\"epoch\"] >= 1 and j[\"tags\"][1] == \"<b>tag</b>\"" &&
	json_check job/state.json "j[\"priority\"] == 0 and j[\"attempt\"] == 1"
'

test_expect_success 'events.jsonl: started, stages, finished' '
	python3 -c "
import json
ev = [json.loads(l) for l in open(\"job/events.jsonl\")]
names = [e[\"event\"] for e in ev]
assert names[0] == \"started\", names
assert names[-1] == \"finished\" and ev[-1][\"status\"] == \"completed\" and ev[-1][\"exit\"] == 0
assert sum(1 for e in ev if e[\"event\"] == \"stage\") == 10
assert all(\"time\" in e for e in ev)
"
'

test_expect_success 'metrics.csv: header and one row per epoch' '
	head -1 job/metrics.csv >header &&
	echo "epoch,step,seconds,lr,train_loss,val_loss,val_rmse,val_mae,val_r2,val_diracc,cpu_pct,rss_mb" >expect &&
	test_cmp expect header &&
	test "$(wc -l <job/metrics.csv)" -eq 5 &&
	cut -d, -f1 job/metrics.csv | tail -n +2 | tr "\n" " " >epochs &&
	test "$(cat epochs)" = "1 2 3 4 "
'

test_expect_success 'log.txt: timestamps, data and model summary, epochs' '
	head -1 job/log.txt | grep -q "^20[0-9-]*T[0-9:]*Z == attempt 1 started (pid [0-9]*)$" &&
	grep -q "^20[0-9-]*T[0-9:]*Z data: " job/log.txt &&
	grep -q "model: .*parameters" job/log.txt &&
	test "$(grep -c "epoch [0-9]/4" job/log.txt)" -eq 4
'

test_expect_success 'predictions.csv: one row per test sample' '
	head -1 job/predictions.csv >header &&
	echo "row,value,value_pred,value_last" >expect &&
	test_cmp expect header &&
	n=$(json_get job/state.json "j[\"test\"][\"samples\"]") &&
	test "$(wc -l <job/predictions.csv)" -eq $((n + 1))
'

test_expect_success 'model.tar.zst holds weights, normalization, config' '
	mkdir m && tar --zstd -xf job/model.tar.zst -C m &&
	test -s m/model.safetensors && test -s m/normalization.json &&
	test -s m/config.json &&
	json_check m/normalization.json "[f[\"name\"] for f in j[\"features\"]] == [\"value\", \"hour_sin\"]"
'

test_expect_success 'model.safetensors loads with json + struct' '
	python3 -c "
import json, struct
b = open(\"m/model.safetensors\", \"rb\").read()
n = struct.unpack(\"<Q\", b[:8])[0]
h = json.loads(b[8:8 + n])
data = b[8 + n:]
total = 0
for name, t in h.items():
    if name == \"__metadata__\":
        continue
    assert t[\"dtype\"] == \"F32\"
    count = 1
    for d in t[\"shape\"]:
        count *= d
    b0, e0 = t[\"data_offsets\"]
    assert e0 - b0 == 4 * count, name
    vals = struct.unpack(\"<%df\" % count, data[b0:e0])
    assert all(v == v for v in vals), name
    total += count
st = json.load(open(\"job/state.json\"))
assert total == st[\"model\"][\"params\"], (total, st[\"model\"][\"params\"])
assert h[\"__metadata__\"][\"format\"] == \"spoolboard-model\"
"
'

if command -v script >/dev/null 2>&1; then
	test_expect_success 'a progress bar with epoch, loss and ETA on a TTY' '
		script -qec "$SPOOLBOARD train job.json --out tty --threads 1" \
			/dev/null >tty.out </dev/null &&
		grep -q "$(printf "\r")" tty.out &&
		grep -q "epoch [0-9]/4  loss [0-9.e-]*  val [0-9.e-]*  ETA" tty.out
	'
else
	test_skip 'a progress bar on a TTY' 'script(1) is not installed'
fi

test_expect_success 'train JOBDIR reruns from the job directory' '
	spoolboard train job --threads 1 --data-root . &&
	json_check job/state.json "j[\"status\"] == \"completed\""
'

test_done
