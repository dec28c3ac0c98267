# tests/e2e/lib-render.sh - fixtures for the renderer's tests (sourced
# after lib.sh).

# state JOB STATUS EPOCH [NAME]: a hand-written spool/jobs/JOB/state.json,
# written to a temporary file and moved into place (as the runner does).
state() {
	mkdir -p "spool/jobs/$1" &&
	cat >"spool/jobs/$1/.state.tmp" <<JSON &&
{"id": "$1", "name": "${4:-job $1}", "tags": ["hand", "t-$2"],
 "status": "$2", "stage": "train", "progress": 0.$3, "epoch": $3,
 "epochs": 10, "train_loss": 0.5, "val_loss": null, "best": null,
 "metrics": {},
 "stages": [{"name": "load", "status": "completed", "seconds": 0.1},
  {"name": "train", "status": "running", "seconds": null}],
 "created": "2026-11-25T10:0$3:00Z", "started": "2026-11-25T10:0$3:01Z",
 "updated": "2026-11-25T10:0$3:30Z", "ended": null, "eta_seconds": 42,
 "checkpoints": [], "error": null}
JSON
	mv "spool/jobs/$1/.state.tmp" "spool/jobs/$1/state.json"
}

# small_config: a 3-epoch MLP on data/housing.csv, a checkpoint each epoch
small_config() {
	cat <<'JSON'
{"name": "housing small", "tags": ["demo"],
 "data": {"path": "data/housing.csv", "targets": ["price"]},
 "model": {"type": "mlp", "hidden": [8]},
 "train": {"epochs": 3, "seed": 1}, "checkpoint": {"every": 1}}
JSON
}

# find_chromium: CHROMIUM, else the first of chromium, chromium-browser,
# google-chrome on PATH; empty when none (the browser tests skip then).
find_chromium() {
	CHROMIUM=${CHROMIUM:-}
	[ -n "$CHROMIUM" ] && return 0
	for c in chromium chromium-browser google-chrome; do
		if command -v "$c" >/dev/null 2>&1; then
			CHROMIUM=$(command -v "$c")
			return 0
		fi
	done
}

# chromium_or_skip: what follows needs Chromium; without it (none found by
# find_chromium) the browser session is skipped, saying why, and the test
# ends here.
chromium_or_skip() {
	if [ -z "$CHROMIUM" ] || ! [ -x "$CHROMIUM" ]; then
		test_skip 'the browser session' "no chromium found \
(${CHROMIUM:-not on PATH}; scripts/deps.sh installs it)"
		test_done
		exit
	fi
}

# png_ok FILE...: each FILE is a PNG screenshot of some substance (the
# signature, more than 5000 bytes).
png_ok() {
	python3 -c 'import sys
for f in sys.argv[1:]:
    b = open(f, "rb").read()
    if not (b[:8] == b"\x89PNG\r\n\x1a\n" and len(b) > 5000):
        sys.exit("not a screenshot: " + f)' "$@"
}
