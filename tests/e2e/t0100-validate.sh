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
	grep "^usage: spoolboard validate \[--spool DIR\] FILE" err
'

test_expect_success '--help prints the usage on stdout, exit 0' '
	spoolboard validate --help >out 2>err &&
	grep "^usage: spoolboard validate \[--spool DIR\] FILE" out &&
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

test_done
