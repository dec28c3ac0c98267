#!/bin/sh
# scripts/check-includes.sh and scripts/check-names.sh, which `make` runs
# before it links: the real tree passes them, and each kind of bad include
# or clashing function name is reported with its file and line, with exit
# status 1. Each case breaks its own copy of the sources.
. "$(dirname "$0")/lib.sh"

mkdir src &&
cp -R "$SRCDIR/lib" "$SRCDIR/job" "$SRCDIR/runner" "$SRCDIR/render" \
	"$SRCDIR/main.c" "$SRCDIR/scripts" src/ &&
mkdir -p src/tests/unit && cp "$SRCDIR/tests/unit/tap.h" src/tests/unit/ ||
	exit 1

# add_include FILE INCLUDE: a fresh copy of src/ in bad/, with
# `#include "INCLUDE"` appended to bad/FILE; sets $line to its line.
add_include() {
	rm -rf bad && cp -R src bad &&
	printf '#include "%s"\n' "$2" >>"bad/$1" &&
	line=$(wc -l <"bad/$1" | tr -d ' ')
}

# check_bad: run the check on bad/, which must fail with status 1; its
# report is in err.
check_bad() {
	test_expect_code 1 sh bad/scripts/check-includes.sh 2>err ||
		{ cat err; return 1; }
}

# expect_line LINE: err holds exactly this line.
expect_line() {
	grep -Fx "$1" err >/dev/null ||
		{ echo "not reported: $1"; cat err; return 1; }
}

# expect_reported FILE INCLUDE WHY: the include added at $line of FILE is
# reported, and why.
expect_reported() {
	expect_line "$1:$line: includes '$2' ($3)"
}

# expect_arrow CYCLE FILE:N INCLUDE: under the line CYCLE in err, among
# the includes that make its arrows, is this one.
expect_arrow() {
	awk -v c="$1" '$0 == c { on = 1; next }
		on && /^\t/ { print; next } { on = 0 }' err |
		grep -Fx "	$2: includes '$3'" >/dev/null ||
		{ echo "not under '$1': $2: $3"; cat err; return 1; }
}

test_expect_success 'the sources pass the check, silently' '
	sh src/scripts/check-includes.sh >out 2>err ||
		{ cat err; false; } &&
	! test -s out && ! test -s err
'

test_expect_success 'render/ including runner/queue.h is reported' '
	add_include render/view.c runner/queue.h && check_bad &&
	expect_reported render/view.c runner/queue.h \
		"render/ may not include runner/"
'

test_expect_success 'runner/ including render/site.h is reported' '
	add_include runner/daemon.c render/site.h && check_bad &&
	expect_reported runner/daemon.c render/site.h \
		"runner/ may not include render/"
'

test_expect_success 'lib/ including job/config.h is reported' '
	add_include lib/csvfile.c job/config.h && check_bad &&
	expect_reported lib/csvfile.c job/config.h "lib/ may not include job/"
'

test_expect_success 'runner/train/ including runner/ or render/ is reported' '
	add_include runner/train/loss.c runner/spool.h && check_bad &&
	expect_reported runner/train/loss.c runner/spool.h \
		"runner/train/ may not include runner/" &&
	add_include runner/train/loss.c render/view.h && check_bad &&
	expect_reported runner/train/loss.c render/view.h \
		"runner/train/ may not include render/"
'

test_expect_success 'a cycle between two lib files is reported, and where' '
	back=$(grep -n "^#include \"lib/error.h\"" src/lib/strbuf.c |
		cut -d: -f1) &&
	test -n "$back" &&
	add_include lib/error.c lib/strbuf.h && check_bad &&
	cycle="cycle: lib/error -> lib/strbuf -> lib/error" &&
	expect_line "$cycle" &&
	expect_arrow "$cycle" "lib/error.c:$line" lib/strbuf.h &&
	expect_arrow "$cycle" "lib/strbuf.c:$back" lib/error.h
'

test_expect_success 'an include by bare name is reported, with its path' '
	add_include lib/csvfile.c json.h && check_bad &&
	expect_reported lib/csvfile.c json.h \
		"not a path from the repository root: '"'"'lib/json.h'"'"'"
'

test_expect_success 'a header of ours included with <> is reported' '
	rm -rf bad && cp -R src bad &&
	printf "#include <runner/daemon.h>\n" >>bad/render/chart.c &&
	line=$(wc -l <bad/render/chart.c | tr -d " ") &&
	check_bad &&
	expect_line "render/chart.c:$line: includes <runner/daemon.h> (a header of the project: #include \"runner/daemon.h\", checked like the others)"
'

test_expect_success 'an include of a missing file is reported' '
	add_include render/site.c render/nope.h && check_bad &&
	expect_reported render/site.c render/nope.h \
		"no such file from the repository root"
'

test_expect_success 'what the floors allow is not reported' '
	add_include runner/daemon.c runner/train/train.h &&
	printf "#include \"job/config.h\"\n" >>bad/render/chart.c &&
	printf "#include \"tests/unit/tap.h\"\n" >>bad/main.c &&
	sh bad/scripts/check-includes.sh 2>err;
	! grep -e "runner/daemon.c:" -e "render/chart.c:" -e "main.c:" err
'

# add_function FILE NAME [static]: a fresh copy of src/ in bad/, with a
# function NAME defined at the end of bad/FILE; sets $line to its line.
add_function() {
	rm -rf bad && cp -R src bad &&
	printf '\n%sint\n%s(void)\n{\n\treturn 0;\n}\n' "${3:+static }" \
		"$2" >>"bad/$1" &&
	line=$(($(wc -l <"bad/$1" | tr -d " ") - 3))
}

test_expect_success 'the sources have no clashing function names' '
	sh src/scripts/check-names.sh 2>err || { cat err; false; } &&
	! test -s err
'

test_expect_success 'a static named like another file'"'"'s static is reported' '
	n=$(grep -n "^find_index(" src/runner/queue.c | cut -d: -f1) &&
	add_function render/chart.c find_index static &&
	test_expect_code 1 sh bad/scripts/check-names.sh 2>err &&
	expect_line "find_index: defined in render/chart.c:$line and runner/queue.c:$n"
'

test_expect_success 'a static returning a type in capitals is seen too' '
	n=$(grep -n "^find_index(" src/runner/queue.c | cut -d: -f1) &&
	rm -rf bad && cp -R src bad &&
	printf "\nstatic FILE *\nfind_index(void)\n{\n\treturn 0;\n}\n" \
		>>bad/render/chart.c &&
	line=$(($(wc -l <bad/render/chart.c | tr -d " ") - 3)) &&
	test_expect_code 1 sh bad/scripts/check-names.sh 2>err &&
	expect_line "find_index: defined in render/chart.c:$line and runner/queue.c:$n"
'

test_expect_success 'a static named like an exported function is reported' '
	n=$(grep -n "^json_str(" src/lib/json.c | cut -d: -f1) &&
	add_function runner/daemon.c json_str static &&
	test_expect_code 1 sh bad/scripts/check-names.sh 2>err &&
	expect_line "json_str: defined in lib/json.c:$n and runner/daemon.c:$line"
'

test_done
