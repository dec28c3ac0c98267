#!/bin/sh
# scripts/run.sh BIN - what `make run` does after building: create ./spool
# with its layout, put the example configs in, and train them.
#
# Until the runner (`spoolboard run`) lands, each example is trained in
# turn with `spoolboard train` into spool/jobs/ID/, the layout the runner
# will use.
set -e
bin=${1:-build/spoolboard}
spool=${SPOOL:-spool}
mkdir -p "$spool/incoming" "$spool/jobs" "$spool/rejected" "$spool/control" \
	"$spool/www"
for f in examples/*.json; do
	id=$(basename "$f" .json)
	if [ -f "$spool/jobs/$id/state.json" ] &&
	   grep -q '"status": "completed"' "$spool/jobs/$id/state.json"; then
		echo "$id: already completed (rm -r $spool/jobs/$id to run it again)"
		continue
	fi
	echo "== $id"
	"$bin" train "$f" --out "$spool/jobs/$id" --data-root examples
done
echo "done: the jobs are in $spool/jobs/ (state.json, metrics.csv, log.txt, model.tar.zst)"
