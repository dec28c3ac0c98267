#!/bin/sh
# Checkpoints and exact resume: a run killed with SIGKILL after a
# checkpoint, or stopped with SIGTERM mid-epoch, and then trained again
# gives the same model bytes and predictions as a run never stopped. A
# damaged newest checkpoint is skipped for the one before; keep, and the
# best weights in every checkpoint; --fresh; a job being trained is
# locked.
. "$(dirname "$0")/lib.sh"

mkdir -p data && cp "$SRCDIR"/examples/data/*.csv data/

weights() { # JOBDIR -> JOBDIR.safetensors
	rm -rf "$1.x" && mkdir -p "$1.x" &&
	tar --zstd -xf "$1/model.tar.zst" -C "$1.x" &&
	cp "$1.x/model.safetensors" "$1.safetensors"
}

# same JOBDIR1 JOBDIR2: identical model.safetensors and predictions.csv
same() {
	weights "$1" && weights "$2" &&
	cmp "$1.safetensors" "$2.safetensors" &&
	cmp "$1/predictions.csv" "$2/predictions.csv"
}

# wait_file FILE: poll for FILE, at most 120 s.
wait_file() {
	n=0
	while [ ! -e "$1" ]; do
		n=$((n + 1))
		if [ $n -gt 6000 ]; then
			echo "timed out waiting for $1" >&2
			return 1
		fi
		sleep 0.02
	done
}

# The first checkpoint is written after epoch 2 of 24, so a run is still
# training when it appears.
for model in mlp lstm; do
	case $model in
	mlp) m='{"type": "mlp", "hidden": [256, 128], "dropout": 0.2}'
	     d='"path": "data/housing.csv", "targets": ["price"], "split": {"train": 0.7, "val": 0.15, "test": 0.15, "shuffle": true}'
	     t='"epochs": 24, "batch_size": 8, "early_stopping": {"patience": 6}' ;;
	lstm) m='{"type": "lstm", "hidden": 20, "layers": 2, "dropout": 0.1, "head": [8]}'
	      d='"path": "data/sine.csv", "targets": ["value"], "window": {"lookback": 12}'
	      t='"epochs": 24, "batch_size": 16, "schedule": {"type": "cosine", "warmup": 1}, "early_stopping": false' ;;
	esac
	cat >$model.json <<JSON
{"data": {$d}, "model": $m,
 "train": {$t, "seed": 123, "clip_grad": 0.5},
 "checkpoint": {"every": 2, "keep": 3}}
JSON
	test_expect_success "$model: a straight run" "
		spoolboard train $model.json --out $model-straight --threads 2 \
			2>/dev/null &&
		weights $model-straight
	"

	test_expect_success "$model: SIGKILL after a checkpoint, then resume" "
		\"\$SPOOLBOARD\" train $model.json --out $model-kill --threads 2 \
			2>/dev/null &
		pid=\$! &&
		wait_file $model-kill/checkpoints/ckpt-000002.tar.zst &&
		kill -KILL \$pid; wait \$pid
		test ! -e $model-kill/model.tar.zst &&
		spoolboard train $model-kill --data-root . --threads 1 \
			2>/dev/null &&
		grep -q 'resumed from ckpt-' $model-kill/log.txt &&
		same $model-straight $model-kill
	"

	test_expect_success "$model: SIGTERM mid-epoch, then resume" "
		\"\$SPOOLBOARD\" train $model.json --out $model-term --threads 2 \
			2>/dev/null &
		pid=\$! &&
		wait_file $model-term/checkpoints/ckpt-000002.tar.zst &&
		kill -TERM \$pid &&
		test_expect_code 3 wait \$pid &&
		json_check $model-term/state.json 'j[\"status\"] == \"cancelled\"' &&
		grep -q 'checkpoint ckpt-0000[0-9][0-9].tar.zst (epoch [0-9]*, batch [1-9]' \
			$model-term/log.txt &&
		grep -q '\"event\":\"checkpoint\"' $model-term/events.jsonl &&
		spoolboard train $model-term --data-root . --threads 3 \
			2>/dev/null &&
		json_check $model-term/state.json \
			'j[\"resumed_from\"].startswith(\"ckpt-\")' &&
		grep -q '\"event\":\"resumed\"' $model-term/events.jsonl &&
		same $model-straight $model-term &&
		cut -d, -f1 $model-term/metrics.csv >term.epochs &&
		cut -d, -f1 $model-straight/metrics.csv >straight.epochs &&
		test_cmp straight.epochs term.epochs
	"
done

test_expect_success 'keep 3: the newest three checkpoints, no second copy' '
	ls lstm-straight/checkpoints >ls.out &&
	printf "%s\n" ckpt-000020.tar.zst ckpt-000022.tar.zst \
		ckpt-000024.tar.zst >ls.want &&
	test_cmp ls.want ls.out &&
	json_check lstm-straight/state.json "([c[\"file\"] for c in
		j[\"checkpoints\"]] == [\"ckpt-000020.tar.zst\",
		\"ckpt-000022.tar.zst\", \"ckpt-000024.tar.zst\"] and
		all(c[\"bytes\"] > 0 and c[\"epoch\"] > 0 for c in
		j[\"checkpoints\"]))" &&
	mkdir newest && tar --zstd -xf \
		lstm-straight/checkpoints/ckpt-000024.tar.zst -C newest &&
	test -s newest/best.safetensors &&
	best=$(json_get lstm-straight/state.json "j[\"best\"][\"epoch\"]") &&
	json_check newest/state.json "j[\"early_stopping\"][\"best_epoch\"] == $best"
'

test_expect_success 'a checkpoint loads with json + struct; checksums match' '
	mkdir ck && tar --zstd -xf lstm-straight/checkpoints/ckpt-000024.tar.zst \
		-C ck &&
	python3 -c "
import json, struct
def load(p):
    b = open(p, \"rb\").read()
    n = struct.unpack(\"<Q\", b[:8])[0]
    h = json.loads(b[8:8 + n])
    data = b[8 + n:]
    out = {}
    for k, v in h.items():
        if k == \"__metadata__\":
            continue
        b0, e0 = v[\"data_offsets\"]
        count = 1
        for s in v[\"shape\"]:
            count *= s
        assert v[\"dtype\"] == \"F32\" and e0 - b0 == 4 * count, k
        out[k] = struct.unpack(\"<%df\" % count, data[b0:e0])
    return b, h, out
def fnv(b):
    h = 0xcbf29ce484222325
    for c in b:
        h = ((h ^ c) * 0x100000001b3) & 0xffffffffffffffff
    return h
st = json.load(open(\"ck/state.json\"))
assert st[\"format\"] == \"spoolboard-checkpoint\"
assert st[\"format_version\"] == 1 and st[\"epoch\"] == 24
assert st[\"cursor\"] == 0 and len(st[\"rng\"]) == 4
mb, mh, model = load(\"ck/model.safetensors\")
ob, oh, opt = load(\"ck/optimizer.safetensors\")
bb, bh, best = load(\"ck/best.safetensors\")
n = sum(len(v) for v in model.values())
assert \"lstm.0.weight_ih\" in model and sorted(best) == sorted(model)
assert len(opt[\"m\"]) == n and len(opt[\"v\"]) == n
assert oh[\"__metadata__\"][\"optimizer\"] == st[\"optimizer\"][\"type\"]
for name, b in ((\"model\", mb), (\"optimizer\", ob), (\"best\", bb)):
    assert int(st[\"checksum\"][name + \".safetensors\"], 16) == fnv(b), name
assert float.fromhex(st[\"early_stopping\"][\"best_val\"]) > 0
"
'

test_expect_success 'a damaged newest checkpoint is skipped for the one before' '
	cp -R lstm-straight lstm-dmg &&
	rm lstm-dmg/model.tar.zst lstm-dmg/predictions.csv &&
	mkdir x && tar --zstd -xf lstm-dmg/checkpoints/ckpt-000024.tar.zst -C x &&
	python3 -c "
b = bytearray(open(\"x/model.safetensors\", \"rb\").read())
b[-3] ^= 0x40
open(\"x/model.safetensors\", \"wb\").write(b)
" &&
	tar --zstd -cf lstm-dmg/checkpoints/ckpt-000024.tar.zst -C x \
		model.safetensors optimizer.safetensors best.safetensors \
		state.json &&
	spoolboard train lstm-dmg --data-root . 2>err &&
	grep "skipping damaged checkpoint ckpt-000024.tar.zst: checksum mismatch in model.safetensors" \
		lstm-dmg/log.txt &&
	grep -q "resumed from ckpt-000022.tar.zst" lstm-dmg/log.txt &&
	same lstm-straight lstm-dmg
'

test_expect_success 'a checkpoint that does not unpack is skipped too' '
	cp -R mlp-straight mlp-dmg &&
	rm mlp-dmg/model.tar.zst &&
	newest=$(ls mlp-dmg/checkpoints | grep ckpt- | tail -n 1) &&
	printf "garbage" >mlp-dmg/checkpoints/$newest &&
	spoolboard train mlp-dmg --data-root . 2>err &&
	grep -q "skipping damaged checkpoint $newest: " mlp-dmg/log.txt &&
	same mlp-straight mlp-dmg
'

test_expect_success 'a checkpoint of another config is ignored' '
	cp -R lstm-straight lstm-other &&
	sed "s/\"seed\": 123/\"seed\": 124/" lstm.json >lstm-124.json &&
	spoolboard train lstm-124.json --out lstm-other 2>err &&
	grep -q "ignoring checkpoint ckpt-000024.tar.zst of another config" \
		lstm-other/log.txt &&
	json_check lstm-other/state.json "j[\"resumed_from\"] is None" &&
	weights lstm-other && ! cmp -s lstm-straight.safetensors \
		lstm-other.safetensors
'

test_expect_success '--fresh deletes the checkpoints and starts over' '
	cp -R lstm-straight lstm-fresh &&
	spoolboard train lstm-fresh --data-root . --fresh 2>err &&
	grep -q -- "--fresh: removed 3 checkpoints" lstm-fresh/log.txt &&
	! grep -q "resumed from" lstm-fresh/log.txt &&
	json_check lstm-fresh/state.json "j[\"resumed_from\"] is None" &&
	test $(grep -c "\"event\":\"checkpoint\"" lstm-fresh/events.jsonl) \
		-eq $((2 * 12)) &&
	same lstm-straight lstm-fresh
'

test_expect_success 'a checkpoint that cannot be written is a warning' '
	mkdir lstm-nockpt && : >lstm-nockpt/checkpoints &&
	spoolboard train lstm.json --out lstm-nockpt 2>err &&
	grep -q "warning: checkpoint not written: " lstm-nockpt/log.txt &&
	json_check lstm-nockpt/state.json "(j[\"status\"] == \"completed\"
		and j[\"checkpoints\"] == [])" &&
	same lstm-straight lstm-nockpt
'

test_expect_success 'a job being trained is locked' '
	"$SPOOLBOARD" train mlp.json --out mlp-lock --threads 1 2>/dev/null &
	pid=$! &&
	wait_file mlp-lock/checkpoints/ckpt-000002.tar.zst &&
	test_expect_code 1 spoolboard train mlp-lock --data-root . 2>err;
	rc=$?
	kill -TERM $pid; wait $pid
	test $rc -eq 0 &&
	grep "job mlp-lock is already being trained (pid $pid)" err &&
	test "$(cat mlp-lock/.lock)" = "$pid" &&
	test $(grep -c "\"event\":\"started\"" mlp-lock/events.jsonl) -eq 1
'

# --wait-lock (what a copy requeued by Slurm is started with): wait for the
# holder to let go, then resume; or give up after the seconds given
test_expect_success '--wait-lock waits for the holder, then goes on' '
	flock mlp-lock/.lock sleep 3 &
	holder=$! &&
	sleep 0.5 &&
	test_expect_code 1 spoolboard train mlp-lock --data-root . \
		--threads 1 --wait-lock 1 2>err &&
	grep "waiting up to 1 s for it to stop" err &&
	grep "already being trained (pid [0-9]*); gave up waiting for it" err &&
	spoolboard train mlp-lock --data-root . --threads 1 \
		--wait-lock 30 2>err &&
	wait $holder &&
	grep "the earlier copy stopped after [0-9]* s; going on" err &&
	json_check mlp-lock/state.json "j[\"status\"] == \"completed\"" &&
	test_expect_code 2 spoolboard train mlp-lock --wait-lock -1 2>err &&
	grep -- "--wait-lock" err
'

test_expect_success 'SIGTERM while it waits for the lock: cancelled, nothing touched' '
	cp mlp-lock/state.json state.before &&
	flock mlp-lock/.lock sleep 5 &
	holder=$! &&
	sleep 0.5 &&
	{ "$SPOOLBOARD" train mlp-lock --data-root . --threads 1 \
		--wait-lock 30 2>err & } &&
	waiter=$! &&
	wait_file err &&
	sleep 1 &&
	kill -TERM $waiter &&
	{ wait $waiter; rc=$?; } &&
	test $rc -eq 3 &&
	grep "stopped by signal 15 while waiting for pid" err &&
	cmp state.before mlp-lock/state.json &&
	wait $holder
'

test_done
