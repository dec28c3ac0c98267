#!/bin/sh
# What `make run` does after building (scripts/run.sh): the runner on
# ./spool with the examples and the data root examples/, or with
# DATA_ROOT=DIR the user's own data, without the examples.
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/e2e/lib-runner.sh"

make_data

test_expect_success 'DATA_ROOT that is not a folder: said, and no runner' '
	test_expect_code 1 env SPOOL=spool DATA_ROOT=nowhere \
		sh "$SRCDIR/scripts/run.sh" "$SPOOLBOARD" >out 2>err &&
	grep -q "the data root .nowhere. is not a folder; give DATA_ROOT=DIR" err &&
	test ! -e spool
'

test_expect_success 'DATA_ROOT=DIR: your own data, trained, no examples added' '
	mkdir -p mine/sub && cp data/lin.csv mine/sub/lin.csv &&
	config own.json "\"data\": {\"path\": \"sub/lin.csv\", \"targets\": [\"y\"]}" &&
	mkdir -p spool/incoming && cp own.json spool/incoming/ &&
	{ SPOOL=spool DATA_ROOT=mine sh "$SRCDIR/scripts/run.sh" \
		"$SPOOLBOARD" >out 2>runner.log & } &&
	pid=$! && echo $pid >>"$TRASH/runner.pids" &&
	wait_until "status_is own completed" 60 &&
	grep -q "with the data root mine" out &&
	grep -q "data root .mine." runner.log &&
	test "$(ls spool/jobs)" = own &&
	kill -TERM $pid && wait_until "grep -q \"runner stopped\" runner.log" 30
'

test_done
