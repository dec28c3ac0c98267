#!/bin/sh
# Exec jobs (docs/exec.md): a command instead of the built-in trainer,
# run only by a runner started with --allow-exec, with the spool's
# slots, limits, retries, cancel, log, state and metrics.
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/e2e/lib-runner.sh"

# A marker no other process on the machine has in its command line.
MARK=spoolboard-t2090-$$
mkdir -p proj spool/incoming

# xconfig FILE COMMAND-JSON [EXTRA]: an exec config in workdir proj
xconfig() {
	python3 -c 'import json, sys
c = {"command": json.loads(sys.argv[2]), "workdir": "proj"}
c.update(json.loads("{" + sys.argv[3] + "}"))
json.dump(c, open(sys.argv[1], "w"))' "$1" "$2" "${3:-}"
}

# left NAME: no process has NAME in its command line (pgrep sees itself
# never; the shell of this test is not one of them)
left() {
	pgrep -f "$1" >/dev/null
}

# gone NAME: wait (bounded) until no process has NAME in its command line
gone() {
	wait_until "! left $1" 15
}

cat >proj/train.py <<'EOF'
import os, sys, time
n = 5
print("threads", os.environ["OMP_NUM_THREADS"], os.environ["MKL_NUM_THREADS"],
      "id", os.environ["SPOOLBOARD_JOB_ID"], "cwd", os.path.basename(os.getcwd()),
      "lr", sys.argv[2], "seed", os.environ.get("SEED"))
with open(os.path.join(os.environ["SPOOLBOARD_ARTIFACTS"], "model.txt"), "w") as f:
    f.write("weights\n")
for e in range(1, n + 1):
    print(f"Epoch {e}/{n} - loss: {1.0 / e:.4f} - val_loss: {1.5 / e:.4f}")
    print(f"  acc {0.5 + e / 20:.3f}")
print("Testing")
print("test_acc 0.93")
EOF

# the metrics of train.py's output
PYMETRICS='"metrics": [
	{"pattern": "^Epoch (?<epoch>\\d+)/(?<epochs>\\d+) - loss: (?<train_loss>\\S+) - val_loss: (?<val_loss>\\S+)"},
	{"pattern": "^  acc (?<val_acc>\\S+)"},
	{"pattern": "^Testing", "stage": "test"},
	{"pattern": "^test_acc (?<test_acc>\\S+)"}]'

test_expect_success 'validate says an exec config is valid and needs --allow-exec' '
	xconfig v.json "[\"sh\", \"-c\", \"touch $TRASH/marker-v\"]" &&
	spoolboard validate --data-root . v.json >out &&
	echo "v.json: ok: an exec job, run only by a runner started with --allow-exec" >want &&
	test_cmp want out &&
	! test -e marker-v
'

test_expect_success 'without --allow-exec an exec config is rejected, never run' '
	xconfig spool/incoming/no.json "[\"sh\", \"-c\", \"touch $TRASH/marker-no\"]" &&
	spoolboard run --spool spool --data-root . --once --no-render 2>log &&
	test -f spool/rejected/no.json &&
	grep -q -- "--allow-exec" spool/rejected/no.error &&
	grep -q "command: exec jobs are off" spool/rejected/no.error &&
	! test -e spool/jobs/no &&
	! test -e marker-no
'

test_expect_success 'a sweep of exec configs obeys the same gate' '
	xconfig spool/incoming/sw.json "[\"sh\", \"-c\", \"touch $TRASH/marker-sw-\$LR\"]" \
		"\"env\": {\"LR\": \"1\"}, \"sweep\": {\"grid\": {\"env.LR\": [\"a\", \"b\"]}}" &&
	spoolboard run --spool spool --data-root . --once --no-render 2>log &&
	test -f spool/rejected/sw.json &&
	grep -q -- "--allow-exec" spool/rejected/sw.error &&
	! ls marker-sw-* 2>/dev/null
'

test_expect_success 'submit refuses an exec config when the runner would' '
	xconfig sub.json "[\"sh\", \"-c\", \"touch $TRASH/marker-sub\"]" &&
	start_runner &&
	json_check spool/runner.json "j[\"allow_exec\"] is False" &&
	test_expect_code 1 spoolboard submit --spool spool sub.json 2>err &&
	grep -q "not submitted: the runner serving .spool. does not run exec jobs" err &&
	! test -e spool/incoming/sub.json &&
	stop_runner &&
	start_runner --allow-exec &&
	json_check spool/runner.json "j[\"allow_exec\"] is True" &&
	spoolboard submit --spool spool sub.json >out &&
	wait_until "status_is sub completed" &&
	test -e marker-sub &&
	stop_runner
'

test_expect_success 'spoolboard train without --allow-exec refuses, says how' '
	xconfig hand.json "[\"sh\", \"-c\", \"touch $TRASH/marker-hand\"]" &&
	test_expect_code 1 spoolboard train hand.json --data-root . --out hand 2>err &&
	grep -q -- "--allow-exec" err &&
	! test -e marker-hand &&
	json_check hand/state.json "j[\"status\"] == \"failed\" and \"--allow-exec\" in j[\"error\"][\"hint\"]"
'

test_expect_success 'queued by a runner that allowed it, failed by one that does not' '
	xconfig spool/incoming/later.json "[\"sh\", \"-c\", \"touch $TRASH/marker-later\"]" &&
	spoolboard run --spool spool --data-root . --once --no-render --slots 0 --allow-exec 2>log &&
	status_is later queued &&
	spoolboard run --spool spool --data-root . --once --no-render 2>log &&
	status_is later failed &&
	json_check spool/jobs/later/state.json "\"--allow-exec\" in j[\"error\"][\"message\"] and \"--allow-exec\" in j[\"error\"][\"hint\"]" &&
	! test -e marker-later
'

test_expect_success 'a python script: metrics, progress, stages, environment, artifacts' '
	xconfig spool/incoming/py.json "[\"python3\", \"train.py\", \"--lr\", \"0.01\"]" \
		"\"threads\": 1, \"env\": {\"SEED\": \"7\"}, $PYMETRICS" &&
	spoolboard run --spool spool --data-root . --once --no-render --allow-exec 2>log &&
	status_is py completed &&
	head -1 spool/jobs/py/metrics.csv >header &&
	echo "epoch,seconds,train_loss,val_loss,val_acc,test_acc,cpu_pct,rss_mb" >want &&
	test_cmp want header &&
	test "$(wc -l <spool/jobs/py/metrics.csv)" -eq 6 &&
	python3 -c "
import csv
rows = list(csv.DictReader(open(\"spool/jobs/py/metrics.csv\")))
assert [r[\"epoch\"] for r in rows] == [\"1\", \"2\", \"3\", \"4\", \"5\"], rows
assert rows[1][\"train_loss\"] == \"0.5\" and rows[1][\"val_acc\"] == \"0.6\", rows
assert rows[4][\"test_acc\"] == \"0.93\", rows
" &&
	json_check spool/jobs/py/state.json "j[\"progress\"] == 1 and j[\"epoch\"] == 5 and j[\"epochs\"] == 5" &&
	json_check spool/jobs/py/state.json "j[\"train_loss\"] == 0.2 and j[\"val_loss\"] == 0.3 and j[\"metrics\"][\"test_acc\"] == 0.93" &&
	json_check spool/jobs/py/state.json "[s[\"status\"] for s in j[\"stages\"]] == [\"skipped\", \"skipped\", \"completed\", \"completed\", \"skipped\"]" &&
	grep -q "threads 1 1 id py cwd proj lr 0.01 seed 7" spool/jobs/py/log.txt &&
	test "$(cat spool/jobs/py/artifacts/model.txt)" = weights &&
	tail -1 spool/jobs/py/events.jsonl | grep -q "\"status\":\"completed\",\"exit\":0"
'

test_expect_success 'the job page of an exec job shows its metrics charts' '
	spoolboard render --spool spool 2>err &&
	page=spool/www/jobs/py/index.html &&
	test -s $page &&
	grep -q "val_acc" $page &&
	grep -q "id=\"chart-loss\"" $page &&
	grep -c "<svg" $page >n && test "$(cat n)" -ge 3
'

test_expect_success 'export packs an exec job with its artifacts; rm removes it' '
	mkdir -p spool/jobs/py/artifacts/a/b/c/d spool/jobs/py/artifacts/.hid &&
	echo deep >spool/jobs/py/artifacts/a/b/c/in.txt &&
	echo deeper >spool/jobs/py/artifacts/a/b/c/d/out.txt &&
	echo secret >secret.txt &&
	ln -s "$TRASH/secret.txt" spool/jobs/py/artifacts/a/link.txt &&
	echo hidden >spool/jobs/py/artifacts/.hid/h.txt &&
	spoolboard export --spool spool py -o py.tar.zst >out 2>err &&
	tar --zstd -tf py.tar.zst >list &&
	grep -qx "py/artifacts/model.txt" list &&
	grep -qx "py/artifacts/a/b/c/in.txt" list &&
	! grep -q "out.txt\|link.txt\|h.txt" list &&
	grep -q "export: left out files of .py/artifacts.: at most 256 files, 3 folders down" err &&
	grep -qx "py/metrics.csv" list &&
	grep -qx "py/log.txt" list &&
	spoolboard rm --spool spool py >out &&
	! test -e spool/jobs/py
'

test_expect_success 'a shell loop without epochs: one row per value' '
	xconfig spool/incoming/loop.json "[\"sh\", \"-c\", \"for i in 1 2 3; do echo step \$i loss 0.\$i; done\"]" \
		"\"metrics\": [{\"pattern\": \"loss (?<train_loss>[0-9.]+)\"}]" &&
	spoolboard run --spool spool --data-root . --once --no-render --allow-exec 2>log &&
	status_is loop completed &&
	python3 -c "
import csv
rows = list(csv.DictReader(open(\"spool/jobs/loop/metrics.csv\")))
assert [(r[\"epoch\"], r[\"train_loss\"]) for r in rows] == [(\"1\", \"0.1\"), (\"2\", \"0.2\"), (\"3\", \"0.3\")], rows
"
'

cat >proj/keras.py <<'EOF'
for e in range(1, 4):
    print(f"Epoch {e}/3")
    print(f"100/100 - 1s - loss: {0.5 / e:.4f} - accuracy: {0.7 + e / 10:.4f}"
          f" - val_loss: {0.6 / e:.4f} - val_accuracy: 0.7500")
EOF

test_expect_success 'the keras preset reads Keras fit() lines, no pattern written' '
	xconfig spool/incoming/keras.json "[\"python3\", \"keras.py\"]" \
		"\"metrics\": [{\"preset\": \"keras\"}]" &&
	spoolboard run --spool spool --data-root . --once --no-render --allow-exec 2>log &&
	status_is keras completed &&
	grep -q "(?<train_loss>" spool/jobs/keras/config.json &&
	head -1 spool/jobs/keras/metrics.csv >header &&
	echo "epoch,seconds,train_loss,val_loss,train_accuracy,val_accuracy,train_mae,val_mae,cpu_pct,rss_mb" >want &&
	test_cmp want header &&
	python3 -c "
import csv
rows = list(csv.DictReader(open(\"spool/jobs/keras/metrics.csv\")))
assert [r[\"epoch\"] for r in rows] == [\"1\", \"2\", \"3\"], rows
assert [r[\"train_loss\"] for r in rows] == [\"0.5\", \"0.25\", \"0.1667\"], rows
assert [r[\"val_loss\"] for r in rows] == [\"0.6\", \"0.3\", \"0.2\"], rows
assert rows[2][\"train_accuracy\"] == \"1\" and rows[2][\"val_accuracy\"] == \"0.75\", rows
assert rows[0][\"train_mae\"] == \"\", rows
" &&
	json_check spool/jobs/keras/state.json "j[\"epoch\"] == 3 and j[\"epochs\"] == 3 and j[\"progress\"] == 1" &&
	json_check spool/jobs/keras/state.json "j[\"train_loss\"] == 0.1667 and j[\"val_loss\"] == 0.2"
'

cat >proj/lhf.py <<'EOF'
import sys
w = sys.stdout.write
w("Epoch 0: 50%|#| 1/2 [00:01, train_loss=0.9]\r"
  "Epoch 0: 100%|#| 2/2 [00:02, v_num=0, train_loss=0.8, val_loss=0.7, val_acc=0.950]\n")
w("{'loss': 0.1234, 'learning_rate': 5e-05, 'epoch': 1.0}\n")
w("{'eval_loss': 0.2, 'epoch': 1.0}\n")
EOF

test_expect_success 'the lightning and hf presets: tqdm redraws, Trainer log dicts' '
	xconfig spool/incoming/lhf.json "[\"python3\", \"lhf.py\"]" \
		"\"metrics\": [{\"preset\": \"lightning\"}, {\"preset\": \"hf\"}]" &&
	spoolboard run --spool spool --data-root . --once --no-render --allow-exec 2>log &&
	status_is lhf completed &&
	python3 -c "
import csv
rows = list(csv.DictReader(open(\"spool/jobs/lhf/metrics.csv\")))
r = rows[0]
assert (r[\"epoch\"], r[\"train_loss\"], r[\"val_loss\"], r[\"val_acc\"]) == (\"0\", \"0.8\", \"0.7\", \"0.95\"), rows
r = rows[1]
assert (r[\"epoch\"], r[\"train_loss\"], r[\"lr\"], r[\"val_loss\"]) == (\"1\", \"0.1234\", \"5e-05\", \"0.2\"), rows
"
'

cat >proj/tree.sh <<'EOF'
# a child that holds 200 MB and spins while its parent only prints
python3 -c "
import time
b = bytearray(200 << 20)
for i in range(0, len(b), 4096):
    b[i] = 1
t = time.time()
while time.time() - t < 4.5:
    pass
" &
for e in 1 2 3 4 5; do sleep 1; echo "epoch $e loss 0.5"; done
wait
EOF

test_expect_success 'cpu_pct and rss_mb count every process of the command' '
	xconfig spool/incoming/tree.json "[\"sh\", \"tree.sh\"]" \
		"\"metrics\": [{\"pattern\": \"epoch (?<epoch>\\\\d+) loss (?<train_loss>\\\\S+)\"}]" &&
	spoolboard run --spool spool --data-root . --once --no-render --allow-exec 2>log &&
	status_is tree completed &&
	python3 -c "
import csv
rows = list(csv.DictReader(open(\"spool/jobs/tree/metrics.csv\")))
assert len(rows) == 5, rows
rss = max(float(r[\"rss_mb\"] or 0) for r in rows)
cpu = max(float(r[\"cpu_pct\"] or 0) for r in rows)
assert rss > 200 and cpu > 20, (rss, cpu, rows)
"
'

cat >proj/kv.sh <<'EOF'
echo "starting --lr=0.5 size=3x3 name=run1"
echo "epoch=1 loss=0.9 lr=1e-3"
echo "epoch=2 loss = 0.5, val_loss=0.6 train/acc=0.8 epochs=3"
echo "step 3: loss=0.4 epoch=3 x.y-z=7 $(printf 'k%.0s' $(seq 70))=1 seconds=9"
echo "lap: 12.5 laps: 3"
EOF

test_expect_success 'the kv preset: a column per name printed, added as names appear' '
	xconfig spool/incoming/kv.json "[\"sh\", \"kv.sh\"]" \
		"\"metrics\": [{\"preset\": \"kv\"}, {\"pairs\": \"(?<key>laps?): (?<value>[\\\\d.]+)\"}]" &&
	spoolboard run --spool spool --data-root . --once --no-render --allow-exec 2>log &&
	status_is kv completed &&
	head -1 spool/jobs/kv/metrics.csv >header &&
	echo "epoch,seconds,train_loss,lr,val_loss,train/acc,x.y-z,lap,laps,cpu_pct,rss_mb" >want &&
	test_cmp want header &&
	python3 -c "
import csv
rows = list(csv.DictReader(open(\"spool/jobs/kv/metrics.csv\")))
got = [(r[\"epoch\"], r[\"train_loss\"], r[\"lr\"], r[\"val_loss\"], r[\"train/acc\"], r[\"x.y-z\"], r[\"lap\"], r[\"laps\"]) for r in rows]
assert got == [(\"1\", \"0.9\", \"0.001\", \"\", \"\", \"\", \"\", \"\"),
	(\"2\", \"0.5\", \"\", \"0.6\", \"0.8\", \"\", \"\", \"\"),
	(\"3\", \"0.4\", \"\", \"\", \"\", \"7\", \"12.5\", \"3\")], got
assert all(len(r) == 11 and None not in r for r in rows), rows
assert float(rows[2][\"seconds\"]) < 9, rows
" &&
	json_check spool/jobs/kv/state.json "j[\"epoch\"] == 3 and j[\"epochs\"] == 3 and j[\"val_loss\"] == 0.6" &&
	grep -q "\"kkkkkkk.*\" is not made a column of metrics.csv (a name is a letter" spool/jobs/kv/log.txt
'

test_expect_success 'a metric printed every second epoch draws as one line' '
	xconfig spool/incoming/sparse.json "[\"sh\", \"-c\", \"for e in 1 2 3 4 5 6; do echo epoch=\$e loss=0.\$e; [ \$((e % 2)) = 0 ] && echo val_loss=0.\$e; done; echo epoch=7 loss=nan\"]" \
		"\"metrics\": [{\"preset\": \"kv\"}]" &&
	spoolboard run --spool spool --data-root . --once --no-render --allow-exec 2>log &&
	status_is sparse completed &&
	spoolboard render --spool spool 2>err &&
	grep -o "<g class=.s2. data-name=.val.[^>]*>" spool/www/jobs/sparse/index.html >val &&
	grep -q "data-y=.\.2 \.4 \.6. data-x=.2 4 6." val &&
	grep -o "<g class=.s1. data-name=.train.[^>]*>" spool/www/jobs/sparse/index.html >train &&
	grep -q "data-y=.\.1 \.2 \.3 \.4 \.5 \.6." train
'

cat >proj/wide.py <<'EOF'
import sys
n = int(sys.argv[1])
for i in range(0, n, 100):
    print(" ".join("k%d=1" % k for k in range(i, min(n, i + 100))))
for e in range(int(sys.argv[2])):
    print("epoch=%d k0=2" % (e + 1))
for i in range(int(sys.argv[3]) if len(sys.argv) > 3 else 0):
    print("z%d=1" % i)
print("late=1")
EOF

test_expect_success 'kv: at most 256 columns; none added once metrics.csv is past 4 MiB' '
	xconfig spool/incoming/kvmany.json "[\"python3\", \"wide.py\", \"300\", \"2\"]" \
		"\"metrics\": [{\"preset\": \"kv\"}]" &&
	xconfig spool/incoming/kvlong.json "[\"python3\", \"wide.py\", \"250\", \"17000\"]" \
		"\"metrics\": [{\"preset\": \"kv\"}]" &&
	spoolboard run --spool spool --data-root . --once --no-render --allow-exec 2>log &&
	status_is kvmany completed && status_is kvlong completed &&
	test "$(head -1 spool/jobs/kvmany/metrics.csv | tr , "\n" | wc -l)" -eq 260 &&
	grep -q "\"k256\" is not made a column of metrics.csv (metrics.csv has its most columns)" spool/jobs/kvmany/log.txt &&
	test "$(wc -l <spool/jobs/kvmany/metrics.csv)" -eq 4 &&
	test "$(wc -c <spool/jobs/kvlong/metrics.csv)" -gt 4194304 &&
	test "$(wc -l <spool/jobs/kvlong/metrics.csv)" -eq 17002 &&
	! head -1 spool/jobs/kvlong/metrics.csv | grep -q late &&
	grep -q "\"late\" is not made a column of metrics.csv (metrics.csv is past 4 MiB" spool/jobs/kvlong/log.txt
'

test_expect_success 'kv: new columns stop once their rewrites made 64 MiB' '
	xconfig spool/incoming/kvmove.json "[\"python3\", \"wide.py\", \"100\", \"25000\", \"30\"]" \
		"\"metrics\": [{\"preset\": \"kv\"}]" &&
	spoolboard run --spool spool --data-root . --once --no-render --allow-exec 2>log &&
	status_is kvmove completed &&
	head -1 spool/jobs/kvmove/metrics.csv >header &&
	grep -q ",z0," header && ! grep -q ",z29," header &&
	grep -q "is not made a column of metrics.csv (metrics.csv was written again for new columns 64 MiB in all)" spool/jobs/kvmove/log.txt
'

cat >proj/bad.py <<'EOF'
import sys
print("Epoch 1/3 - loss: 0.9 - val_loss: 1.0")
def f(lr):
    raise ValueError("lr must be positive, got %s" % lr)
f(-1)
EOF

test_expect_success 'a command that fails: failed, the error from its last lines' '
	xconfig spool/incoming/bad.json "[\"python3\", \"bad.py\"]" "$PYMETRICS" &&
	spoolboard run --spool spool --data-root . --once --no-render --allow-exec 2>log &&
	status_is bad failed &&
	json_check spool/jobs/bad/state.json "j[\"error\"][\"message\"] == \"the command exited with status 1: ValueError: lr must be positive, got -1\"" &&
	json_check spool/jobs/bad/state.json "j[\"epoch\"] == 1 and j[\"attempt\"] == 1" &&
	grep -q "Traceback" spool/jobs/bad/log.txt
'

test_expect_success 'spoolboard retry runs a failed exec job again' '
	spoolboard retry --spool spool bad >out &&
	spoolboard run --spool spool --data-root . --once --no-render --allow-exec 2>log &&
	status_is bad failed &&
	json_check spool/jobs/bad/state.json "j[\"attempt\"] == 2" &&
	test "$(grep -c "== attempt" spool/jobs/bad/log.txt)" -eq 2
'

test_expect_success 'retries: a failed attempt is run again by itself' '
	xconfig spool/incoming/again.json "[\"sh\", \"-c\", \"test \$SPOOLBOARD_ATTEMPT -ge 2 || { echo Error: first try >&2; exit 3; }; echo fine\"]" \
		"\"retries\": 1" &&
	start_runner --allow-exec &&
	wait_until "status_is again completed" 30 &&
	stop_runner &&
	json_check spool/jobs/again/state.json "j[\"attempt\"] == 2" &&
	grep -q "\"event\":\"retry\"" spool/jobs/again/events.jsonl &&
	grep -q "Error: first try" spool/jobs/again/log.txt
'

cat >proj/resume.sh <<'EOF'
#!/bin/sh
# a checkpoint each epoch; from the newest when run again
e=1
if [ -n "${SPOOLBOARD_RESUME_FROM:-}" ]; then
	e=$(( $(cat "$SPOOLBOARD_RESUME_FROM") + 1 ))
	echo "resumed from $(basename "$SPOOLBOARD_RESUME_FROM")"
fi
while [ $e -le 5 ]; do
	echo "epoch $e/5 loss 0.$e"
	echo $e >"$SPOOLBOARD_CHECKPOINT_DIR/ckpt-$e.txt"
	if [ $e -eq 3 ] && [ "$SPOOLBOARD_ATTEMPT" = 1 ]; then
		echo "error: crashed at epoch 3"
		exit 1
	fi
	e=$((e + 1))
done
EOF

test_expect_success 'run again, the command gets its newest checkpoint' '
	xconfig spool/incoming/res.json "[\"sh\", \"resume.sh\"]" \
		"\"metrics\": [{\"pattern\": \"^epoch (?<epoch>\\\\d+)/(?<epochs>\\\\d+) loss (?<train_loss>\\\\S+)\"}]" &&
	SPOOLBOARD_RESUME_FROM=/etc/passwd spoolboard run --spool spool \
		--data-root . --once --no-render --allow-exec 2>log &&
	status_is res failed &&
	! grep -q "resumed from" spool/jobs/res/log.txt &&
	ln -s /etc/passwd spool/jobs/res/checkpoints/ckpt-9.txt &&
	mkfifo spool/jobs/res/checkpoints/ckpt-8.txt &&
	spoolboard retry --spool spool res >out &&
	timeout 60 "$SPOOLBOARD" run --spool spool --data-root . --once --no-render --allow-exec 2>log &&
	status_is res completed &&
	grep -q "resumed from ckpt-3.txt" spool/jobs/res/log.txt &&
	json_check spool/jobs/res/state.json "j[\"epoch\"] == 5 and j[\"attempt\"] == 2" &&
	test "$(grep -c "^epoch 4/5" spool/jobs/res/log.txt)" -eq 1
'

test_expect_success 'cancel of a command that ignores SIGTERM: SIGKILL, cancelled' '
	xconfig spool/incoming/stub.json "[\"sh\", \"-c\", \"trap \\\"\\\" TERM; echo ready; while :; do sleep 0.2; done\", \"$MARK-stub\"]" &&
	start_runner --allow-exec &&
	wait_until "grep -q ready spool/jobs/stub/log.txt" &&
	left $MARK-stub &&
	spoolboard cancel --spool spool stub >out &&
	wait_until "status_is stub cancelled" 30 &&
	gone $MARK-stub &&
	grep -q "SIGKILL after SIGTERM" spool/jobs/stub/log.txt &&
	stop_runner
'

# In Slurm, scancel signals every process of the job at once: the command
# can end first, with status 0, before the trainer sees its SIGTERM. Here
# the command exits 0 and leaves a child that ignores SIGTERM (it says so
# in proj/late-ready before the command exits); the SIGTERM comes while
# the trainer ends that child (its grace is 3 s).
late_command proj/late.sh

test_expect_success 'a trainer not started by a runner (Slurm) stopped as the command ends: cancelled' '
	xconfig late.json "[\"sh\", \"late.sh\", \"$MARK-late\"]" &&
	mkdir -p byhand/jobs &&
	{ "$SPOOLBOARD" train late.json --data-root . --out byhand/jobs/late \
		--allow-exec >/dev/null 2>&1 & echo $! >late.pid; } &&
	wait_until "grep -q ^up byhand/jobs/late/log.txt" &&
	left $MARK-late &&
	sleep 1 &&	# the trainer sees the end within 0.1 s
	kill -TERM "$(cat late.pid)" &&
	wait_until "status_is late cancelled byhand" 30 &&
	grep -q "the command was stopped (.*) as it was ending" byhand/jobs/late/log.txt &&
	gone $MARK-late
'

# A runner's cancel reaches the trainer alone: a command that had exited
# 0 before it ended by itself.
test_expect_success 'a cancel by the runner after the command exited 0: completed' '
	xconfig spool/incoming/late2.json "[\"sh\", \"late.sh\", \"$MARK-late2\"]" &&
	start_runner --allow-exec &&
	wait_until "grep -q ^up spool/jobs/late2/log.txt" &&
	left $MARK-late2 &&
	sleep 1 &&
	spoolboard cancel --spool spool late2 >out &&
	wait_until "status_is late2 completed" 30 &&
	grep -q "the command completed" spool/jobs/late2/log.txt &&
	gone $MARK-late2 &&
	stop_runner
'

cat >proj/orphans.sh <<EOF
#!/bin/sh
sh -c 'while :; do sleep 1; done; : $MARK-kid' &
setsid sh -c 'while :; do sleep 1; done; : $MARK-away' &
echo children started
exit 0
EOF

test_expect_success 'a command that forks children and exits leaves no orphans' '
	xconfig spool/incoming/orph.json "[\"sh\", \"orphans.sh\"]" &&
	spoolboard run --spool spool --data-root . --once --no-render --allow-exec 2>log &&
	status_is orph completed &&
	! left $MARK-kid &&
	! left $MARK-away
'

test_expect_success 'a time limit ends the command (and its children) as failed' '
	xconfig spool/incoming/slow.json "[\"sh\", \"-c\", \"echo start; sleep 1000; : $MARK-slow\"]" \
		"\"limits\": {\"max_seconds\": 1}" &&
	spoolboard run --spool spool --data-root . --once --no-render --allow-exec 2>log &&
	status_is slow failed &&
	json_check spool/jobs/slow/state.json "j[\"error\"][\"message\"].startswith(\"time limit: ran longer than 1 seconds\")" &&
	! left $MARK-slow
'

test_expect_success 'a command printing 100 MB: the log is capped, the job ends' '
	xconfig spool/incoming/loud.json "[\"python3\", \"-c\", \"import sys\nw = sys.stdout.write\nfor i in range(1000000): w(\\\"x\\\" * 99 + \\\"\\\\n\\\")\nprint(\\\"epoch 1 done\\\")\"]" \
		"\"metrics\": [{\"pattern\": \"^epoch (?<epoch>\\\\d+) (?<ok>done)?\"}]" &&
	spoolboard run --spool spool --data-root . --once --no-render --allow-exec 2>log &&
	status_is loud completed &&
	size=$(wc -c <spool/jobs/loud/log.txt) &&
	test "$size" -lt 20000000 && test "$size" -gt 16000000 &&
	grep -q "lines (.* bytes) of output were left out" spool/jobs/loud/log.txt &&
	tail -2 spool/jobs/loud/log.txt | grep -q "^epoch 1 done$" &&
	json_check spool/jobs/loud/state.json "j[\"epoch\"] == 1"
'

test_expect_success 'past the cap, the last lines are logged to 1 KiB each' '
	xconfig spool/incoming/wide.json "[\"python3\", \"-c\", \"import sys\nw = sys.stdout.write\nfor i in range(300): w(\\\"w\\\" * 60000 + \\\"\\\\n\\\")\nprint(\\\"the end\\\")\"]" &&
	spoolboard run --spool spool --data-root . --once --no-render --allow-exec 2>log &&
	status_is wide completed &&
	size=$(wc -c <spool/jobs/wide/log.txt) &&
	test "$size" -lt $((16 * 1048576 + 100000)) &&
	tail -2 spool/jobs/wide/log.txt | head -1 | grep -qx "the end" &&
	tail -3 spool/jobs/wide/log.txt | head -1 >last &&
	test "$(wc -c <last)" -eq 1031 &&
	grep -q "^w*w \[\.\.\.\]$" last
'

test_expect_success 'runs appending to one log.txt stop at 64 MiB in all' '
	xconfig many.json "[\"python3\", \"-c\", \"import sys\nw = sys.stdout.write\nfor i in range(200000): w(\\\"z\\\" * 99 + \\\"\\\\n\\\")\"]" &&
	for i in 1 2 3 4 5; do
		spoolboard train many.json --data-root . --out many --allow-exec --no-progress 2>/dev/null || return 1
	done &&
	size=$(wc -c <many/log.txt) &&
	test "$size" -gt 60000000 && test "$size" -lt 68000000 &&
	test "$(grep -c "== attempt" many/log.txt)" -eq 5 &&
	grep -q "output past 0.0 MiB is not kept" many/log.txt
'

test_expect_success 'a command changing stages without end: 1000 changes at most' '
	xconfig spool/incoming/flip.json "[\"sh\", \"-c\", \"i=0; while [ \$i -lt 1500 ]; do echo A; echo B; i=\$((i + 1)); done\"]" \
		"\"metrics\": [{\"pattern\": \"^A\", \"stage\": \"test\"}, {\"pattern\": \"^B\", \"stage\": \"train\"}]" &&
	spoolboard run --spool spool --data-root . --once --no-render --allow-exec 2>log &&
	status_is flip completed &&
	n=$(grep -c "\"event\":\"stage\"" spool/jobs/flip/events.jsonl) &&
	test "$n" -le 2010 && test "$n" -ge 2000 &&
	grep -q "1000 stage changes: the stage stays" spool/jobs/flip/log.txt
'

test_expect_success 'a pattern that backtracks on every line: limits still hold' '
	xconfig spool/incoming/redos.json "[\"python3\", \"-c\", \"import sys\nwhile True: sys.stdout.write(\\\"a\\\" * 40 + \\\"!\\\\n\\\")\"]" \
		"\"metrics\": [{\"pattern\": \"^(?<w>(\\\\w+\\\\s?)*)$\"}], \"limits\": {\"max_seconds\": 2}" &&
	start=$(date +%s) &&
	timeout 60 "$SPOOLBOARD" run --spool spool --data-root . --once --no-render --allow-exec 2>log &&
	test $(($(date +%s) - start)) -lt 30 &&
	status_is redos failed &&
	json_check spool/jobs/redos/state.json "j[\"error\"][\"message\"].startswith(\"time limit\")"
'

test_expect_success 'a NUL in the output is logged as ?, the rest kept' '
	xconfig spool/incoming/nul.json "[\"printf\", \"before\\\\0after\\\\nnext\\\\n\"]" &&
	spoolboard run --spool spool --data-root . --once --no-render --allow-exec 2>log &&
	status_is nul completed &&
	grep -q "before?after" spool/jobs/nul/log.txt &&
	grep -q "^next" spool/jobs/nul/log.txt
'

test_expect_success 'a line longer than 64 KiB is cut, the rest still read' '
	xconfig spool/incoming/long.json "[\"python3\", \"-c\", \"print(\\\"y\\\" * 200000); print(\\\"z\\\" * 70000); print(\\\"after\\\")\"]" &&
	spoolboard run --spool spool --data-root . --once --no-render --allow-exec 2>log &&
	status_is long completed &&
	awk "length > 65536 { bad = 1 } END { exit bad }" spool/jobs/long/log.txt &&
	grep -q "^after$" spool/jobs/long/log.txt &&
	grep -A1 "^yyyyy" spool/jobs/long/log.txt | tail -1 >note &&
	grep -q "spoolboard: the line before is cut at 64 KiB" note &&
	test "$(grep -c "is cut at" spool/jobs/long/log.txt)" -eq 1
'

test_expect_success 'a runner stopped ends the command; the job is queued again' '
	xconfig spool/incoming/stopped.json "[\"sh\", \"-c\", \"echo up; sleep 1000; : $MARK-stopped\"]" &&
	start_runner --allow-exec &&
	wait_until "grep -q ^up spool/jobs/stopped/log.txt" &&
	left $MARK-stopped &&
	stop_runner &&
	! left $MARK-stopped &&
	status_is stopped queued &&
	spoolboard cancel --spool spool stopped >out &&
	status_is stopped cancelled
'

# in a spool of its own: a job left behind by a failure here must not
# keep a later --once runner waiting
test_expect_success 'a runner killed: what the command left is ended, the job runs again' '
	SPOOL=ks && export SPOOL && mkdir -p ks/incoming &&
	xconfig ks/incoming/dead.json "[\"sh\", \"-c\", \"setsid sh -c \\\"sleep 1000; : $MARK-deep\\\" & echo up; while :; do sleep 0.2; done\", \"$MARK-top\"]" &&
	start_runner --allow-exec &&
	wait_until "grep -q ^up ks/jobs/dead/log.txt" &&
	wait_until "left $MARK-deep" &&
	left $MARK-top &&
	kill -KILL $(cat runner.pid) &&
	gone $MARK-top &&
	gone $MARK-deep &&
	wait_until "grep -q \"the runner is gone; the command was stopped\" ks/jobs/dead/log.txt" &&
	wait_until "! test -s ks/jobs/dead/.lock || flock -n ks/jobs/dead/.lock true" &&
	status_is dead running ks &&
	start_runner --allow-exec &&
	wait_until "test \$(grep -c \"== attempt\" ks/jobs/dead/log.txt) -eq 2" &&
	wait_until "left $MARK-deep" &&
	spoolboard cancel --spool ks dead >out &&
	wait_until "status_is dead cancelled ks" &&
	gone $MARK-deep &&
	stop_runner
'

# AddressSanitizer reserves terabytes of address space: no RLIMIT_AS fits
# the supervisor
if grep -q __asan_init "$SPOOLBOARD"; then
	test_skip 'a memory limit holds for the command' 'built with ASan'
else
	test_expect_success 'a memory limit holds for the command: failed, with the hint' '
		xconfig spool/incoming/big.json "[\"python3\", \"-c\", \"x = bytearray(1 << 30)\"]" \
			"\"limits\": {\"max_memory_mb\": 200}" &&
		spoolboard run --spool spool --data-root . --once --no-render --allow-exec 2>log &&
		status_is big failed &&
		json_check spool/jobs/big/state.json "j[\"error\"][\"message\"].endswith(\"MemoryError\") and \"max_memory_mb\" in j[\"error\"][\"hint\"]"
	'
fi

test_expect_success 'a sweep of exec configs runs with --allow-exec, env per member' '
	xconfig spool/incoming/lr.json "[\"sh\", \"-c\", \"echo loss \$LR\"]" \
		"\"env\": {\"LR\": \"1\"}, \"metrics\": [{\"pattern\": \"loss (?<train_loss>\\\\S+)\"}], \"sweep\": {\"grid\": {\"env.LR\": [\"0.5\", \"0.25\"]}, \"metric\": \"train_loss\"}" &&
	spoolboard run --spool spool --data-root . --once --no-render --allow-exec 2>log &&
	status_is lr-1 completed && status_is lr-2 completed &&
	json_check spool/jobs/lr-1/state.json "j[\"train_loss\"] == 0.5" &&
	json_check spool/jobs/lr-2/state.json "j[\"train_loss\"] == 0.25"
'

test_expect_success 'a sweep over command words: by index and by {NAME}' '
	xconfig spool/incoming/arg.json "[\"sh\", \"-c\", \"echo loss \$0 \$1\", \"1\", \"w={w}\"]" \
		"\"metrics\": [{\"pattern\": \"loss (?<train_loss>\\\\S+) w=(?<w>\\\\S+)\"}], \"sweep\": {\"grid\": {\"command.3\": [0.5, 0.25], \"w\": [7]}, \"metric\": \"train_loss\"}" &&
	spoolboard run --spool spool --data-root . --once --no-render --allow-exec 2>log &&
	status_is arg-1 completed && status_is arg-2 completed &&
	json_check spool/jobs/arg-1/state.json "j[\"train_loss\"] == 0.5 and j[\"metrics\"][\"w\"] == 7" &&
	json_check spool/jobs/arg-2/state.json "j[\"train_loss\"] == 0.25" &&
	json_check spool/jobs/arg-2/config.json "j[\"command\"][3:] == [\"0.25\", \"w=7\"]" &&
	grep -q "command.3=0.25, w=7" spool/jobs/arg-2/config.json
'

test_expect_success 'the examples in examples/exec run as they are' '
	mkdir -p ex/incoming &&
	cp "$SRCDIR"/examples/exec/*.json ex/incoming/ &&
	spoolboard run --spool ex --data-root "$SRCDIR/examples" --once --no-render --allow-exec 2>log &&
	status_is fit completed ex && status_is pipeline completed ex &&
	json_check ex/jobs/fit/state.json "j[\"epoch\"] == 20 and j[\"val_loss\"] < 0.05 and \"test_mse\" in j[\"metrics\"]" &&
	json_check ex/jobs/fit/artifacts/weights.json "abs(j[\"w\"] - 3) < 0.1" &&
	test "$(wc -l <ex/jobs/pipeline/metrics.csv)" -eq 31 &&
	spoolboard render --spool ex &&
	grep -q "<td class=\"num\">20/20</td>" ex/www/index.html &&
	grep -q "<td class=\"num\">–</td>" ex/www/index.html &&
	grep -q "<code>python3 fit.py --epochs 20 --lr 0.05</code> in <code>exec</code>" ex/www/jobs/fit/index.html &&
	! grep -q "epoch <span data-f=\"epoch\">" ex/www/jobs/pipeline/index.html &&
	grep -q "href=\"files/artifacts/weights.json\"" ex/www/jobs/fit/index.html
'

test_expect_success 'a workdir that leads out of the data root is rejected' '
	ln -s / proj/out &&
	xconfig spool/incoming/esc.json "[\"true\"]" "\"workdir\": \"proj/out\"" &&
	spoolboard run --spool spool --data-root . --once --no-render --allow-exec 2>log &&
	test -f spool/rejected/esc.json &&
	grep -q "workdir: .proj/out. leads outside the data root" spool/rejected/esc.error
'

cat >proj/latin1.py <<'EOF'
import sys
sys.stdout.buffer.write(b"caf\xe9 \x1b[31mError: bad \xc3\xa9 thing\n")
sys.exit(2)
EOF

test_expect_success 'output that is not UTF-8: the error is still recorded' '
	xconfig spool/incoming/latin.json "[\"python3\", \"latin1.py\"]" &&
	spoolboard run --spool spool --data-root . --once --no-render --allow-exec 2>log &&
	status_is latin failed &&
	json_check spool/jobs/latin/state.json "j[\"error\"][\"message\"] == \"the command exited with status 2: caf? ?[31mError: bad \u00e9 thing\""
'

test_expect_success 'a program that does not exist: failed, saying so' '
	xconfig spool/incoming/nop.json "[\"no-such-program-$MARK\"]" &&
	spoolboard run --spool spool --data-root . --once --no-render --allow-exec 2>log &&
	status_is nop failed &&
	json_check spool/jobs/nop/state.json "j[\"error\"][\"message\"].startswith(\"the command exited with status 127: spoolboard: cannot run\")"
'

test_done
