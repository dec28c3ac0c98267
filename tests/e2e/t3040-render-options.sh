#!/bin/sh
# spoolboard render --log-error/--log-warning and --templates, on their
# own and passed on by spoolboard run to its render child.
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/e2e/lib-render.sh"
. "$SRCDIR/tests/e2e/lib-runner.sh"

T=$SRCDIR/templates

# line_class PAGE TEXT: the class of the marked log line that holds
# TEXT ("normal" when the line is there but not marked)
line_class() {
	_c=$(grep -o "<span class=.ln [a-z]*.>$2" "$1" |
		sed "s/.*class=.ln \\([a-z]*\\).>.*/\\1/")
	if [ -z "$_c" ] && grep -q "$2" "$1"; then _c=normal; fi
	echo "$_c"
}

state j running 3 &&
printf "ERR[7] disk full\nan error: here\nwarn: low memory\nfine\n" \
	>spool/jobs/j/log.txt

test_expect_success 'the default patterns mark error and warning lines' '
	spoolboard render --spool spool --templates "$T" &&
	test "$(line_class spool/www/jobs/j/index.html "an error")" = error &&
	test "$(line_class spool/www/jobs/j/index.html "warn: low")" = warning &&
	test "$(line_class spool/www/jobs/j/index.html "ERR.7")" = normal
'

test_expect_success 'a user pattern replaces a default one; empty is none' '
	spoolboard render --spool spool --templates "$T" \
		--log-error "^ERR\\[" --log-warning "" &&
	test "$(line_class spool/www/jobs/j/index.html "ERR.7")" = error &&
	test "$(line_class spool/www/jobs/j/index.html "an error")" = normal &&
	test "$(line_class spool/www/jobs/j/index.html "warn: low")" = normal
'

test_expect_success 'a bad pattern is a usage error that says where' '
	test_expect_code 2 spoolboard render --spool spool --log-error "(x" \
		2>err &&
	grep -q "^spoolboard render: option .--log-error. must be a PCRE2 pattern, got .(x.: at offset 2: missing closing parenthesis" err &&
	test_expect_code 2 spoolboard run --spool spool --log-warning "a{2,1}" \
		2>err &&
	grep -q "^spoolboard run: option .--log-warning. must be a PCRE2 pattern, got .a{2,1}.: " err
'

test_expect_success 'a broken template is one error that says where' '
	cp -r "$T" broken &&
	printf "<tr>{{#status}}\n<td>{{name}</td></tr>\n" >broken/row.mustache &&
	test_expect_code 1 spoolboard render --spool spool --www bw \
		--templates broken 2>err &&
	test "$(grep -c "row:2:" err)" = 1 &&
	rm broken/row.mustache &&
	test_expect_code 1 spoolboard render --spool spool --www bw \
		--templates broken 2>err &&
	test "$(grep -c "row.mustache" err)" = 1
'

test_expect_success 'an index template may make its rows from jobs' '
	cp -r "$T" own &&
	printf "<ul>{{#jobs}}<li class=\"mine\">{{name}} {{status}}</li>{{/jobs}}</ul>\n" \
		>own/index.mustache &&
	spoolboard render --spool spool --www ow --templates own &&
	grep -q "<li class=\"mine\">job j running</li>" ow/index.html
'

# render_child PID: the command line of PID's `render --watch` child
render_child() {
	for d in /proc/[0-9]*; do
		if [ "$(cut -d" " -f4 "$d/stat" 2>/dev/null)" = "$1" ] &&
		   tr "\0" " " <"$d/cmdline" 2>/dev/null | grep -q "render .*--watch"; then
			tr "\0" " " <"$d/cmdline"
			return 0
		fi
	done
	return 1
}

marked() {
	test "$(line_class live/www/jobs/j/index.html "ERR.7")" = error &&
	grep -q "my own templates" live/www/jobs/j/index.html
}

test_expect_success 'spoolboard run passes the options on to its render child' '
	cp -r "$T" mine &&
	sed "s|</body>|<!-- my own templates --></body>|" "$T/layout.mustache" \
		>mine/layout.mustache &&
	mkdir -p live/jobs && cp -r spool/jobs/j live/jobs/ &&
	"$SPOOLBOARD" run --spool live --slots 0 --templates mine \
		--log-error "^ERR\\[" 2>live.err &
	echo $! >run.pid && cat run.pid >>"$TRASH/runner.pids" &&
	wait_until marked 30 &&
	render_child "$(cat run.pid)" >cmd &&
	grep -q -- "--templates mine --log-error ^ERR\\\\\\[ --watch" cmd &&
	kill -TERM "$(cat run.pid)" &&
	wait "$(cat run.pid)"
'

test_done
