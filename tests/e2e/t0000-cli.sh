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

# Every command, as --help lists them.
cmds=$(spoolboard --help | sed -n 's/^  \([a-z][a-z]*\) .*/\1/p')

test_expect_success '--help lists the thirteen commands' '
	test $(echo $cmds | wc -w) -eq 13
'

for cmd in $cmds; do
	test_expect_success "$cmd --help prints its usage on stdout, exit 0" "
		spoolboard $cmd --help >out 2>err &&
		grep -q '^usage: spoolboard $cmd' out && ! test -s err
	"
done

# test_usage_error WANT ARGS...: spoolboard ARGS exits 2 and prints nothing
# on stdout; on stderr the line WANT, then the usage lines of the command's
# --help (those before its first empty line), or for an error that names no
# command the whole of spoolboard --help.
test_usage_error() {
	first=$1; shift	# not "want": test_expect_code sets that one
	test_expect_code 2 spoolboard "$@" >out 2>err </dev/null &&
	! test -s out &&
	echo "$first" >expect && head -n 1 err >actual &&
	test_cmp expect actual &&
	case $first in
	"spoolboard: "*) spoolboard --help ;;
	*) spoolboard "$1" --help | sed '/^$/,$d' ;;
	esac >expect &&
	tail -n +2 err >actual &&
	test_cmp expect actual
}

for cmd in $cmds; do
	test_expect_success "$cmd: an unknown option is a usage error" "
		test_usage_error \"spoolboard $cmd: unknown option '--bogus'\" \
			$cmd --bogus &&
		test_usage_error \"spoolboard $cmd: unknown option '-Z'\" \
			$cmd -Z &&
		test_usage_error \"spoolboard $cmd: unknown option '--bogus'\" \
			$cmd x --bogus=1
	"
done

# Every other kind of usage error, one a line: the arguments (as shell
# words), then after '|' the first line on stderr.
while IFS='|' read -r args want <&3; do
	test_expect_success "$args: $want" "test_usage_error \"$want\" $args"
done 3<<'EOF'
render --www|spoolboard render: option '--www' needs a value
run --spool|spoolboard run: option '--spool' needs a value
export a -o|spoolboard export: option '-o' needs a value
run --slots abc|spoolboard run: option '--slots' must be an integer from 0 to 256, got 'abc'
run --threads=0|spoolboard run: option '--threads' must be an integer from 1 to 1024, got '0'
train x.json --threads 2x|spoolboard train: option '--threads' must be an integer from 1 to 1024, got '2x'
render --log-error '(x'|spoolboard render: option '--log-error' must be a PCRE2 pattern, got '(x': at offset 2: missing closing parenthesis
run --once=yes|spoolboard run: option '--once' takes no value
run --s x|spoolboard run: option '--s' is ambiguous: --spool, --slots, --sbatch-arg
submit --json x.json|spoolboard submit: unknown option '--json'
train|spoolboard train: no config file or job directory given
train a.json b.json|spoolboard train: unexpected argument 'b.json'
train . --out x|spoolboard train: option '--out' is for a config file; '.' is a job directory
submit --spool s|spoolboard submit: no config file given
validate|spoolboard validate: no config file given
sweep --dry-run|spoolboard sweep: no config file given
sweep --dry-run=1 x.json|spoolboard sweep: option '--dry-run' takes no value
cancel|spoolboard cancel: no job ID given
retry --fresh|spoolboard retry: no job ID given
rm|spoolboard rm: no job ID given
export|spoolboard export: no job ID given
export a b|spoolboard export: unexpected argument 'b'
run extra|spoolboard run: unexpected argument 'extra'
ls extra|spoolboard ls: unexpected argument 'extra'
render extra|spoolboard render: unexpected argument 'extra'
version extra|spoolboard version: unexpected argument 'extra'
bogus|spoolboard: unknown command 'bogus'
--bogus|spoolboard: unknown option '--bogus'
|spoolboard: no command given
EOF

test_expect_success 'make install puts the binary and man page under DESTDIR' '
	make -C "$SRCDIR" --no-print-directory -s install BUILD="$BUILD" \
		DESTDIR="$TRASH/dest" PREFIX=/usr >/dev/null &&
	test -x dest/usr/bin/spoolboard &&
	test -f dest/usr/share/man/man1/spoolboard.1 &&
	test -d dest/usr/share/spoolboard/templates &&
	dest/usr/bin/spoolboard version
'

test_done
