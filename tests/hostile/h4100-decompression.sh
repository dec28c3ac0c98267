#!/bin/sh
# Every decompression driven by input has a cap named in its error: a
# small .gz of tiny cells fails the load stage quickly (bytes once
# decompressed, or cells in the table), and a checkpoint holding a huge
# member, or numbers no run of this config could have written (an epoch
# past the config's), is skipped as damaged: the run resumes from the
# one before and completes with the config's epochs.
#
# Every run is bounded in time (timeout) and in memory (ulimit -v, 4 GiB)
# so that the code before the fix fails these cases instead of taking
# the machine's memory. Needs python3 and tar with --zstd (zstd(1); see
# scripts/deps.sh).
. "$(dirname "$0")/../e2e/lib.sh"

# sb ARGS: spoolboard, at most 60 s and 4 GiB of address space.
# (AddressSanitizer reserves terabytes of address space: under it the
# caps alone bound the memory, no RLIMIT_AS fits)
if grep -q __asan_init "$SPOOLBOARD"; then
	sb() { timeout -k 5 120 "$SPOOLBOARD" "$@"; }
else
	sb() {
		(ulimit -v 4194304 && timeout -k 5 60 "$SPOOLBOARD" "$@")
	}
fi

# bomb FILE ROWS: a gzip file of a header and ROWS rows "0,0", written
# without ever holding them in memory.
bomb() {
	python3 -c 'import sys, zlib
rows = int(sys.argv[2])
z = zlib.compressobj(9, zlib.DEFLATED, 31)
chunk = b"0,0\n" * (1 << 18)
with open(sys.argv[1], "wb") as f:
    f.write(z.compress(b"a,b\n"))
    while rows > 0:
        n = min(rows, 1 << 18)
        f.write(z.compress(chunk[:4 * n]))
        rows -= n
    f.write(z.flush())' "$1" "$2"
}

# job NAME DATA: a config NAME.json for the data file DATA.
job() {
	cat >"$1.json" <<JSON
{"data": {"path": "$2", "targets": ["b"]},
 "model": {"type": "linear"}, "train": {"epochs": 2, "seed": 7}}
JSON
}

mkdir -p data

test_expect_success 'a gz bomb past the byte cap fails the load stage, cap named' '
	bomb data/bytes.csv.gz 240000000 &&
	test $(wc -c <data/bytes.csv.gz) -lt 2000000 &&
	job bytes data/bytes.csv.gz &&
	test_expect_code 1 sb train bytes.json --out bytes --threads 1 2>err &&
	grep "bytes.csv.gz.*more than 268435456 bytes once decompressed" err &&
	json_check bytes/state.json "j[\"status\"] == \"failed\"" &&
	json_check bytes/state.json "[s[\"status\"] for s in j[\"stages\"]
		if s[\"name\"] == \"load\"] == [\"failed\"]"
'

test_expect_success 'a gz bomb under the byte cap but past the cell cap fails too' '
	bomb data/cells.csv.gz 20000000 &&
	job cells data/cells.csv.gz &&
	test_expect_code 1 sb train cells.json --out cells --threads 1 2>err &&
	grep "cells.csv.gz:.*more than 33554432 cells in the table (the cap)" err &&
	json_check cells/state.json "j[\"status\"] == \"failed\""
'

# A small job with a checkpoint after each of its 4 epochs.
python3 -c 'import random
random.seed(1)
with open("data/lin.csv", "w") as f:
    f.write("x1,x2,x3,y\n")
    for i in range(300):
        x = [random.uniform(-1, 1) for _ in range(3)]
        f.write("%f,%f,%f,%f\n" % (*x, 2 * x[0] - x[1] + 0.5 * x[2]))'
cat >ck.json <<JSON
{"data": {"path": "data/lin.csv", "targets": ["y"]},
 "model": {"type": "mlp", "hidden": [16]},
 "train": {"epochs": 4, "batch_size": 16, "seed": 7},
 "checkpoint": {"every": 1, "keep": 3}}
JSON

# repack DIR: the newest checkpoint of DIR, unpacked in DIR.x, edited by
# the Python code on stdin (run in DIR.x), packed back; the job is made
# unfinished again so that train resumes it.
repack() {
	rm -rf "$1.x" && mkdir "$1.x" &&
	tar --zstd -xf "$1/checkpoints/ckpt-000004.tar.zst" -C "$1.x" &&
	(cd "$1.x" && python3) &&
	tar --zstd -cf "$1/checkpoints/ckpt-000004.tar.zst" -C "$1.x" \
		model.safetensors optimizer.safetensors best.safetensors \
		state.json &&
	rm -f "$1/model.tar.zst" "$1/predictions.csv"
}

# resumed_before DIR: the run skipped ckpt-000004 with a warning naming
# why ($2), resumed from ckpt-000003 and completed its 4 epochs.
resumed_before() {
	grep "skipping damaged checkpoint ckpt-000004.tar.zst: $2" \
		"$1/log.txt" &&
	grep -q "resumed from ckpt-000003.tar.zst" "$1/log.txt" &&
	json_check "$1/state.json" "j[\"status\"] == \"completed\"" &&
	json_check "$1/state.json" "j[\"epoch\"] == 4" &&
	test -s "$1/model.tar.zst"
}

test_expect_success 'a straight run with a checkpoint per epoch' '
	sb train ck.json --out ck --threads 1 2>/dev/null &&
	test -e ck/checkpoints/ckpt-000004.tar.zst
'

test_expect_success 'a checkpoint with a 6 GB member is skipped, the run completes' '
	cp -R ck huge &&
	repack huge <<-EOF &&
	import os
	with open("model.safetensors", "r+b") as f:
	    f.truncate(6 << 30)
	EOF
	test $(wc -c <huge/checkpoints/ckpt-000004.tar.zst) -lt 2000000 &&
	sb train huge --data-root . --threads 1 2>err &&
	resumed_before huge "cannot read archive .* more than [0-9]* bytes once decompressed"
'

test_expect_success 'epoch 1000000000 of 4 is skipped, the run completes' '
	cp -R ck epoch &&
	repack epoch <<-EOF &&
	import json
	s = json.load(open("state.json"))
	s["epoch"] = 1000000000
	json.dump(s, open("state.json", "w"))
	EOF
	sb train epoch --data-root . --threads 1 2>err &&
	resumed_before epoch "state.json: epoch 1000000000 is not within 0..4"
'

test_expect_success 'a cursor past the batches of an epoch is skipped' '
	cp -R ck cursor &&
	repack cursor <<-EOF &&
	import json
	s = json.load(open("state.json"))
	s["cursor"] = 1 << 40
	json.dump(s, open("state.json", "w"))
	EOF
	sb train cursor --data-root . --threads 1 2>err &&
	resumed_before cursor "state.json: cursor 1099511627776 is not within"
'

test_done
