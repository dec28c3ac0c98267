#!/bin/sh
# The command line: version, help for every command, usage errors.
. "$(dirname "$0")/lib.sh"

test_expect_success 'version prints the version' '
	spoolboard version >out &&
	grep -q "^spoolboard [0-9][0-9.]*$" out &&
	spoolboard --version >out2 && test_cmp out out2
'

test_expect_success '--help lists every command, exit 0' '
	spoolboard --help >out &&
	grep -q "^  train " out && grep -q "^  validate " out &&
	grep -q "^  version " out
'

for cmd in train validate version; do
	test_expect_success "$cmd --help prints its usage on stdout, exit 0" "
		spoolboard $cmd --help >out 2>err &&
		grep -q '^usage: spoolboard $cmd' out && ! test -s err
	"
done

test_expect_success 'no command: usage on stderr, exit 2' '
	test_expect_code 2 spoolboard 2>err >out &&
	grep -q "^usage:" err && ! test -s out
'

test_expect_success 'an unknown command is named, exit 2' '
	test_expect_code 2 spoolboard frobnicate 2>err &&
	grep -q "^spoolboard: unknown command '"'"'frobnicate'"'"'" err
'

test_expect_success 'an unknown option is a usage error' '
	test_expect_code 2 spoolboard train --bogus x.json 2>err &&
	grep -q "^usage: spoolboard train" err
'

test_expect_success 'make install puts the binary and man page under DESTDIR' '
	make -C "$SRCDIR" --no-print-directory -s install BUILD="$BUILD" \
		DESTDIR="$TRASH/dest" PREFIX=/usr >/dev/null &&
	test -x dest/usr/bin/spoolboard &&
	test -f dest/usr/share/man/man1/spoolboard.1 &&
	test -d dest/usr/share/spoolboard/templates &&
	dest/usr/bin/spoolboard version
'

test_done
