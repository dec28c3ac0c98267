#!/bin/sh
# scripts/run.sh BIN - what `make run` does after building: create ./spool
# with its layout, put the example configs into incoming/ when the spool
# has no jobs yet, and start the runner on it (Ctrl-C stops it; running
# jobs checkpoint and are queued again, and resume at the next start).
#
# The data root is $DATA_ROOT (make run DATA_ROOT=DIR), else examples/:
# data.path of every config is relative to it. The examples (whose data
# paths are relative to examples/) are added only with that default.
set -e
bin=${1:-build/spoolboard}
spool=${SPOOL:-spool}
root=${DATA_ROOT:-examples}
if [ ! -d "$root" ]; then
	echo "run.sh: the data root '$root' is not a folder; give DATA_ROOT=DIR, the folder your configs' data.path is relative to" >&2
	exit 1
fi
mkdir -p "$spool/incoming" "$spool/jobs" "$spool/rejected" "$spool/control" \
	"$spool/www"
if [ "$root" = examples ] && [ -z "$(ls -A "$spool/incoming")" ] &&
   [ -z "$(ls -A "$spool/jobs")" ]; then
	for f in examples/*.json; do
		cp "$f" "$spool/incoming/.$(basename "$f").tmp"
		mv "$spool/incoming/.$(basename "$f").tmp" "$spool/incoming/$(basename "$f")"
	done
	# a sweep extends an example: submit merges it before copying
	"$bin" submit --spool "$spool" examples/sweeps/*.json >/dev/null
	echo "copied the example configs and sweeps into $spool/incoming/"
fi
echo "starting the runner on $spool with the data root $root (Ctrl-C to stop): open $spool/www/index.html, or '$bin ls' in another terminal"
exec "$bin" run --spool "$spool" --data-root "$root"
