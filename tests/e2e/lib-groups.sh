# tests/e2e/lib-groups.sh - a group of jobs (a sweep) made by hand, for
# the group and compare tests (sourced after lib.sh and lib-render.sh).
# Until the runner expands sweeps itself, a test trains the members and
# writes SPOOL/groups/GID/group.json as the runner will (docs/formats.md).

# put_group GID: standard input becomes spool/groups/GID/group.json,
# written to a temporary file and moved into place (as the runner does).
put_group() {
	mkdir -p "spool/groups/$1" &&
	cat >"spool/groups/$1/.group.tmp" &&
	mv "spool/groups/$1/.group.tmp" "spool/groups/$1/group.json"
}

# make_sweep: the group lr-sweep of 8 members in ./spool:
#   lr-sweep-01..06  trained (3 epochs of the housing MLP): train.lr
#                    0.001, 0.003, 0.01 x model.hidden [8], [16, 16];
#                    train.batch_size 64 for all (an axis that does not
#                    vary)
#   lr-sweep-07      running at epoch 1 (written by hand), no val_loss yet,
#                    named "=cmd|' /C calc'!A0" (a formula, for jobs.csv)
#   lr-sweep-08      in group.json, not in jobs/ (not claimed yet)
make_sweep() {
	mkdir -p data spool/jobs &&
	cp "$SRCDIR"/examples/data/housing.csv data/ &&
	i=0 members= &&
	for lr in 0.001 0.003 0.01; do
		for h in "[8]" "[16, 16]"; do
			i=$((i + 1))
			id=$(printf "lr-sweep-%02d" $i)
			cat >"$id.json" <<-JSON
			{"name": "lr $lr hidden $h", "tags": ["sweep"],
			 "data": {"path": "data/housing.csv", "targets": ["price"]},
			 "model": {"type": "mlp", "hidden": $h},
			 "train": {"epochs": 3, "lr": $lr, "batch_size": 64,
			  "seed": 1}}
			JSON
			spoolboard train "$id.json" --out "spool/jobs/$id" \
				--threads 1 >/dev/null 2>&1 || return 1
			members="$members{\"id\": \"$id\", \"params\": {\"train.lr\": $lr, \"model.hidden\": $h, \"train.batch_size\": 64}},"
		done
	done &&
	state lr-sweep-07 running 1 "=cmd|' /C calc'!A0" &&
	printf "epoch,step,seconds,lr,train_loss,val_loss\n1,10,0.1,0.03,0.9,\n" \
		>spool/jobs/lr-sweep-07/metrics.csv &&
	put_group lr-sweep <<-JSON
	{"id": "lr-sweep", "name": "LR <sweep> & co", "file": "lr-sweep.json",
	 "created": "2026-12-03T21:00:00Z", "metric": "val_loss", "goal": "min",
	 "axes": [
	  {"path": "train.lr", "kind": "grid", "values": [0.001, 0.003, 0.01, 0.03]},
	  {"path": "model.hidden", "kind": "grid", "values": [[8], [16, 16]]},
	  {"path": "train.batch_size", "kind": "choice", "values": [64]}],
	 "seed": 1, "n": 8,
	 "members": [$members
	  {"id": "lr-sweep-07", "params": {"train.lr": 0.03, "model.hidden": [8], "train.batch_size": 64}},
	  {"id": "lr-sweep-08", "params": {"train.lr": 0.03, "model.hidden": [16, 16], "train.batch_size": 64}}]}
	JSON
}
