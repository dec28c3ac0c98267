#!/bin/sh
# t0100-validate.sh - `spoolboard validate FILE...`: "FILE: ok" on stdout,
# every problem on stderr exactly as docs/config.md shows, exit codes.
. "$(dirname "$0")/lib.sh"

# test_expect_code CODE COMMAND...: COMMAND must exit with CODE.
test_expect_code() {
	want=$1
	shift
	"$@"
	got=$?
	[ "$got" -eq "$want" ] && return 0
	echo "exit status $got, expected $want" >&3
	return 1
}
exec 3>&2

cat >good.json <<'EOF'
{"data": {"path": "data/x.csv", "targets": "y"}}
EOF
cat >bad.json <<'EOF'
{"data": {"path": "../x.csv", "targets": "y"},
 "train": {"epoch": 10, "lr": -1, "epochs": "ten"},
 "model": {"type": "cnn"}}
EOF
printf '{"data": {"path": "x.csv",\n  "targets": y}}\n' >syntax.json
printf '[1, 2]\n' >array.json

test_expect_success 'a valid config prints ok and exits 0' '
	spoolboard validate good.json >out 2>err &&
	echo "good.json: ok" >expect &&
	test_cmp expect out &&
	test_cmp /dev/null err
'

test_expect_success 'every problem is reported, exit 1' '
	cat >expect <<-\EOF &&
	bad.json: data.path: must be a relative path inside the data root, got "../x.csv"
	bad.json: model.type: must be one of linear, mlp, lstm, gru, got "cnn"
	bad.json: train.epoch: unknown field, did you mean "epochs"?
	bad.json: train.epochs: must be an integer, got "ten"
	bad.json: train.lr: must be > 0, got -1
	EOF
	test_expect_code 1 spoolboard validate bad.json >out 2>err &&
	test_cmp expect err &&
	test_cmp /dev/null out
'

test_expect_success 'a syntax error names line and column' '
	echo "syntax.json:2:14: invalid token near '"'"'y'"'"'" >expect &&
	test_expect_code 1 spoolboard validate syntax.json 2>err &&
	test_cmp expect err
'

test_expect_success 'a config that is not an object' '
	echo "array.json: the config must be a JSON object, got an array" \
		>expect &&
	test_expect_code 1 spoolboard validate array.json 2>err &&
	test_cmp expect err
'

test_expect_success 'a missing file' '
	echo "nope.json: cannot open: No such file or directory" >expect &&
	test_expect_code 1 spoolboard validate nope.json 2>err &&
	test_cmp expect err
'

test_expect_success 'several files: each one reported, exit 1 if any bad' '
	test_expect_code 1 spoolboard validate good.json array.json good.json \
		>out 2>err &&
	printf "good.json: ok\ngood.json: ok\n" >expect &&
	test_cmp expect out &&
	test "$(wc -l <err)" -eq 1
'

test_expect_success 'no file is a usage error (exit 2)' '
	test_expect_code 2 spoolboard validate >out 2>err &&
	test_cmp /dev/null out &&
	grep "^usage: spoolboard validate \[--spool DIR\] \[--data-root DIR\] FILE" err
'

test_expect_success '--help prints the usage on stdout, exit 0' '
	spoolboard validate --help >out 2>err &&
	grep "^usage: spoolboard validate \[--spool DIR\] \[--data-root DIR\] FILE" out &&
	test_cmp /dev/null err
'

test_expect_success 'an unknown option is a usage error (exit 2)' '
	test_expect_code 2 spoolboard validate --frob good.json 2>err &&
	grep "unknown option .--frob." err &&
	test_expect_code 2 spoolboard validate -x good.json 2>err &&
	grep "unknown option .-x." err
'

test_expect_success 'validate is listed in the command overview' '
	spoolboard --help >out &&
	grep "^  validate " out
'

test_expect_success 'every example config is valid' '
	spoolboard validate "$SRCDIR"/examples/*.json >out &&
	test "$(grep -c ": ok" out)" = "$(ls "$SRCDIR"/examples/*.json | wc -l)"
'

test_expect_success '--data-root opens each example'"'"'s data: all fine' '
	spoolboard validate --data-root "$SRCDIR/examples" \
		"$SRCDIR"/examples/*.json >out &&
	test "$(grep -c ": ok" out)" = "$(ls "$SRCDIR"/examples/*.json | wc -l)"
'

test_expect_success '--data-root: a data file that is not there, in the trainer'"'"'s words' '
	cp "$SRCDIR/examples/blobs-mlp.json" blobs.json &&
	mkdir -p empty &&
	test_expect_code 1 spoolboard validate --data-root empty blobs.json \
		>out 2>err &&
	test_cmp /dev/null out &&
	echo "blobs.json: data.path: cannot open '"'"'data/blobs.csv'"'"' in the data root '"'"'empty'"'"': No such file or directory" >want &&
	test_cmp want err
'

test_expect_success '--data-root: a target that is not a column, too few rows for the window' '
	python3 -c "
import json
c = json.load(open(\"$SRCDIR/examples/housing-mlp.json\"))
c[\"data\"][\"targets\"] = [\"nope\"]
json.dump(c, open(\"target.json\", \"w\"))
c = json.load(open(\"$SRCDIR/examples/sine-lstm.json\"))
c[\"data\"][\"window\"] = {\"lookback\": 5000, \"horizon\": 1}
json.dump(c, open(\"window.json\", \"w\"))" &&
	test_expect_code 1 spoolboard validate --data-root "$SRCDIR/examples" \
		target.json window.json 2>err &&
	grep -q "^target.json: data/housing.csv: data.targets: unknown column .nope.; the header has: .area., " err &&
	grep -q "^window.json: data/sine.csv: too few rows: 3000 rows (0 dropped) give no train sample (lookback 5000, horizon 1, train fraction 0.7); at least 7143 rows are needed$" err
'

test_expect_success '--data-root checks a sweep'"'"'s members, each data setup once' '
	cat >sw.json <<-EOF &&
	{"data": {"path": "data/housing.csv", "targets": ["price"]},
	 "sweep": {"grid": {"train.lr": [0.1, 0.01],
	                    "data.targets": [["price"], ["rent"]]}}}
	EOF
	test_expect_code 1 spoolboard validate --data-root "$SRCDIR/examples" \
		sw.json 2>err &&
	test $(wc -l <err) -eq 1 &&
	grep -q "^sw.json: member 2 of 4 (train.lr=0.1 data.targets=\[\"rent\"\]): data/housing.csv: data.targets: unknown column .rent." err
'

test_done
