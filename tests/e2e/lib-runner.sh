# tests/e2e/lib-runner.sh - sourced by the runner's tests (t2NNN, t5NNN)
# after lib.sh: small data, configs, and bounded waits.

# make_data: data/lin.csv (200 rows) and data/big.csv (2000 rows).
make_data() {
	mkdir -p data && python3 -c '
import random
random.seed(1)
for name, n in (("lin", 200), ("big", 2000)):
    with open("data/%s.csv" % name, "w") as f:
        f.write("x1,x2,x3,y\n")
        for i in range(n):
            a, b, c = random.random(), random.random(), random.random()
            y = 2 * a - b + 0.5 * c + 0.1 + random.gauss(0, 0.05)
            f.write("%.4f,%.4f,%.4f,%.4f\n" % (a, b, c, y))'
}

# config FILE [EXTRA]: a tiny linear job (2 epochs); EXTRA is JSON members
# merged at the top level (a later key replaces an earlier one).
config() {
	python3 -c 'import json, sys
c = {"data": {"path": "data/lin.csv", "targets": ["y"]},
     "model": {"type": "linear"}, "train": {"epochs": 2, "seed": 7}}
c.update(json.loads("{" + sys.argv[2] + "}"))
json.dump(c, open(sys.argv[1], "w"))' "$1" "${2:-}"
}

# long_config FILE [EXTRA]: an MLP on 2000 rows for EPOCHS epochs (default
# 1000, about a second), no early stopping, a checkpoint every 5 epochs.
long_config() {
	config "$1" "\"data\": {\"path\": \"data/big.csv\", \"targets\": [\"y\"]},
		\"model\": {\"type\": \"mlp\", \"hidden\": [16]},
		\"train\": {\"epochs\": ${EPOCHS:-1000}, \"batch_size\": 64,
			    \"seed\": 3, \"early_stopping\": false},
		\"checkpoint\": {\"every\": 5}${2:+, $2}"
}

# wait_until CONDITION [SECONDS]: poll CONDITION (shell code) every 0.05 s
# until it holds; fail after SECONDS (default 30).
wait_until() {
	_n=$(( ${2:-30} * 20 ))
	while ! eval "$1" 2>/dev/null; do
		_n=$((_n - 1))
		if [ $_n -le 0 ]; then
			echo "timed out waiting for: $1" >&2
			# what the runner said last: all CI shows of a failure
			if [ -f runner.log ]; then
				echo "runner.log, last lines:" >&2
				tail -n 20 runner.log >&2
			fi
			return 1
		fi
		sleep 0.05
	done
}

# status_is ID STATUS [SPOOL]
status_is() {
	json_check "${3:-spool}/jobs/$1/state.json" "j[\"status\"] == \"$2\""
}

# start_runner [OPTIONS...]: the runner on ./spool (or $SPOOL) in the
# background, its pid in runner.pid and its stderr in runner.log; waits
# until it serves.
start_runner() {
	: >runner.log
	"$SPOOLBOARD" run --spool "${SPOOL:-spool}" --data-root . --no-render "$@" \
		2>>runner.log &
	echo $! >runner.pid
	echo $! >>"$TRASH/runner.pids"
	wait_until 'grep -q "serving spool" runner.log' 10
}

# stop_runner: SIGTERM, and wait (bounded) until it has stopped.
stop_runner() {
	_pid=$(cat runner.pid) &&
	kill -TERM "$_pid" &&
	wait_until 'grep -q "runner stopped" runner.log' 30 &&
	{ wait "$_pid" 2>/dev/null; true; }
}

# Runners left behind by a failed test are killed (their jobs die with
# them), and a tmpfs a test mounted is unmounted.
cleanup_runners() {
	if [ -f "$TRASH/runner.pids" ]; then
		for _p in $(cat "$TRASH/runner.pids"); do
			kill -KILL "$_p" 2>/dev/null
		done
	fi
	if [ -d "$TRASH/tfs" ]; then umount -l "$TRASH/tfs" 2>/dev/null; fi
	trash_remove
}
trap cleanup_runners EXIT

# weights JOBDIR: JOBDIR.safetensors from its model.tar.zst
weights() {
	mkdir -p "$1.x" && tar --zstd -xf "$1/model.tar.zst" -C "$1.x" &&
	cp "$1.x/model.safetensors" "$1.safetensors"
}

# child_pid ID: the pid of the job's training process (from runner.log)
child_pid() {
	grep "$1: started (process" runner.log | tail -1 |
		sed "s/.*(process \\([0-9]*\\),.*/\\1/"
}

# late_command FILE: a command (run as "sh FILE MARK", so that the marker
# is in the command lines of both) that exits 0 leaving a child that
# ignores SIGTERM; it prints "up" once that child's trap is set
late_command() {
	cat >"$1" <<'EOF'
rm -f late-ready
(trap "" TERM; : >late-ready; sleep 20; :) &
while ! [ -e late-ready ]; do sleep 0.05; done
echo up
exit 0
EOF
}
