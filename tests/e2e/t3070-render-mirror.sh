#!/bin/sh
# spoolboard mirror: the first copy to a destination is a full pass; a
# later one hands rsync only the paths changed or gone since the last
# one that succeeded, and leaves the mirror the same as the site; a
# record that cannot be taken costs a full pass, a failed rsync resends
# its changes, a full pass never deletes in a folder that is not a
# mirror, and links or FIFOs planted in the site are never copied.
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/e2e/lib-render.sh"

if ! command -v rsync >/dev/null 2>&1; then
	test_skip 'spoolboard mirror' 'rsync is not installed (scripts/deps.sh installs it)'
	test_done
	exit
fi
REAL_RSYNC=$(command -v rsync)
export REAL_RSYNC

# A stand-in rsync first on PATH: it logs each call (and the list of
# paths it was handed) into calls/ (a listing of the destination apart),
# runs calls/hook first when there (to act between the walk and rsync),
# fails with 23 when calls/fail exists, else runs the real one. It runs
# in the site's folder (mirror.c), so it names calls/ by its full path.
mkdir -p bin calls
CALLS=$PWD/calls
export CALLS
cat >bin/rsync <<'SH'
#!/bin/sh
case " $* " in *" --list-only "*)
	printf '%s\n' "$@" >"$CALLS/ls$(ls "$CALLS" | grep -c '^ls')"
	exec "$REAL_RSYNC" "$@" ;;
esac
n=$(ls "$CALLS" | grep -c '^call')
n=$((n + 1))
printf '%s\n' "$@" >"$CALLS/call$n"
for a in "$@"; do
	case $a in --files-from=*) tr '\0' '\n' <"${a#--files-from=}" >"$CALLS/list$n" ;; esac
done
[ -x "$CALLS/hook" ] && "$CALLS/hook"
[ -e "$CALLS/fail" ] && { echo "rsync: stand-in failure" >&2; exit 23; }
exec "$REAL_RSYNC" "$@"
SH
chmod +x bin/rsync
PATH=$PWD/bin:$PATH

T=$SRCDIR/templates
# render: a render, then a pause, so the mirror that follows does not
# take its files for ones written while it walked (mirror.c: racy)
render() { spoolboard render --spool spool --templates "$T" && sleep 0.2; }
mirror() { spoolboard mirror --spool spool "$@"; }
# calls: how many times rsync copied; last_list: the paths of the last
calls() { ls calls | grep -c '^call'; }
last_list() { cat "calls/list$(calls)"; }
# same DEST: the mirror holds what the site does, less the records and
# the render cache
same() {
	diff -r -x .spoolboard-mirror -x .spoolboard-cache spool/www "$1" &&
	! test -e "$1/.spoolboard-mirror" && ! test -e "$1/.spoolboard-cache"
}
# record DEST: the record of the local folder DEST (its path, absolute)
record() {
	python3 -c 'import glob, sys
for p in glob.glob("spool/www/.spoolboard-mirror/*"):
    if "." not in p.split("/")[-1] and \
       open(p, "rb").read().split(b"\0")[1] == sys.argv[1].encode():
        print(p)' "$PWD/$1"
}

test_expect_success 'setup: a trained job and two hand-written ones' '
	mkdir -p data && cp "$SRCDIR/examples/data/housing.csv" data/ &&
	small_config >small.json &&
	spoolboard train small.json --out spool/jobs/t --threads 1 \
		>/dev/null 2>&1 &&
	state a running 3 && state b running 3 &&
	render && test -f spool/www/jobs/t/files/log.txt
'

test_expect_success 'the first mirror is a full pass; the copy is the site' '
	mirror dst >out &&
	grep -q "^mirror: a full pass, [0-9]* paths$" out &&
	grep -qx -- --delete calls/call1 &&
	same dst
'

test_expect_success 'nothing changed: rsync is not run' '
	mirror dst >out &&
	grep -q "^mirror: 0 of [0-9]* paths changed, 0 gone$" out &&
	test $(calls) = 1
'

test_expect_success 'hard links made to the site (cp -al) change nothing' '
	cp -al spool/www snapshot && sleep 0.2 &&
	mirror dst >out &&
	grep -q "^mirror: 0 of [0-9]* paths changed, 0 gone$" out &&
	rm -rf snapshot
'

test_expect_success 'one job changed: only its files and the lists are sent' '
	state b running 5 && render &&
	mirror dst >out &&
	test $(calls) = 2 &&
	last_list >list &&
	grep -qx jobs/b/index.html list && grep -qx jobs/b/data.json list &&
	grep -qx index.html list &&
	! grep -q "^jobs/[at]/" list &&
	grep -qx -- --ignore-times calls/call2 &&
	same dst
'

test_expect_success 'dst, ./dst and dst/ are one destination; from elsewhere, another' '
	mirror ./dst/ >out && grep -q "^mirror: 0 of" out &&
	mkdir -p elsewhere && (cd elsewhere &&
		"$SPOOLBOARD" mirror --www ../spool/www dst >../out) &&
	grep -q "a full pass" out && same elsewhere/dst &&
	rm -rf elsewhere
'

test_expect_success 'a page rewritten within the second at the same size is sent' '
	state a running 4 && render && mirror dst >/dev/null &&
	state a running 6 && render && mirror dst >/dev/null &&
	grep -q "data-epoch=\"6\"" dst/index.html &&
	same dst
'

test_expect_success 'a job log grown in place (a hard link in the site) is sent' '
	echo "one more line" >>spool/jobs/t/log.txt && sleep 0.2 &&
	mirror dst >out &&
	test "$(last_list)" = jobs/t/files/log.txt &&
	grep -q "one more line" dst/jobs/t/files/log.txt &&
	same dst
'

test_expect_success 'a job removed: its folder goes as one deletion' '
	rm -rf spool/jobs/t && render &&
	mirror dst >out &&
	grep -q "[1-9][0-9]* gone$" out &&
	last_list >list &&
	grep -qx jobs/t list && ! grep -q "^jobs/t/" list &&
	! test -e dst/jobs/t && same dst
'

test_expect_success 'a file only in the mirror stays, until --full' '
	echo mine >dst/extra.txt &&
	state b running 7 && render && mirror dst >/dev/null &&
	test -f dst/extra.txt &&
	mirror --full dst >out &&
	grep -q "a full pass" out && ! test -e dst/extra.txt && same dst
'

test_expect_success 'a failed rsync: an error, and its paths sent again next time' '
	state a running 8 && state n running 1 && render &&
	touch calls/fail &&
	test_expect_code 1 mirror dst >out 2>err &&
	grep -q "rsync exited with status 23" err &&
	grep -q "sends these changes again" err &&
	rm calls/fail &&
	rm -rf spool/jobs/n && render &&
	mirror dst >out &&
	grep -qx jobs/a/index.html "calls/list$(calls)" &&
	same dst
'

test_expect_success 'a failed full pass: the next mirror is a full pass too' '
	touch calls/fail &&
	test_expect_code 1 mirror --full dst >out 2>err &&
	rm calls/fail &&
	mirror dst >out && grep -q "a full pass" out && same dst
'

test_expect_success 'a mirror wiped or replaced: a full pass, not a few files' '
	rm -rf dst &&
	state b running 2 && render &&
	mirror dst >out &&
	grep -q "has no .spoolboard-site (wiped or replaced?): a full pass" out &&
	same dst
'

test_expect_success 'a broken record, or one others may write, costs a full pass' '
	rec=$(record dst) && test -f "$rec" &&
	python3 -c "import sys; open(sys.argv[1], \"wb\").write(
		b\"spoolboard mirror record 3\\0\" + sys.argv[2].encode() +
		b\"\\0f 1 2 3 ../../etc/passwd\\0\")" "$rec" "$PWD/dst" &&
	mirror dst >out 2>err &&
	grep -q "is not taken (a broken entry): a full pass" err &&
	grep -q "a full pass" out && same dst &&
	chmod 666 "$rec" &&
	mirror dst >out 2>err &&
	grep -q "another user owns it or may write it" err &&
	grep -q "a full pass" out &&
	mirror dst >out 2>err && test ! -s err &&
	grep -q "^mirror: 0 of" out
'

test_expect_success 'a record that is a link or a FIFO, a FIFO at its listing: no hang, a full pass' '
	rec=$(record dst) && test -f "$rec" &&
	rm "$rec" && ln -s /etc/passwd "$rec" &&
	timeout 60 "$SPOOLBOARD" mirror --spool spool dst >out 2>err &&
	grep -q "cannot open .*: a full pass" err && grep -q "a full pass" out &&
	test -f "$rec" && ! test -L "$rec" && same dst &&
	rm "$rec" && mkfifo "$rec" && mkfifo "$rec.out" &&
	timeout 60 "$SPOOLBOARD" mirror --spool spool dst >out 2>err &&
	grep -q "is not taken (not a regular file): a full pass" err &&
	test -f "$rec" && ! test -e "$rec.out" && same dst
'

test_expect_success 'each destination has its own record' '
	mirror dst2 >out && grep -q "a full pass" out && same dst2 &&
	state b running 9 && render &&
	mirror dst >/dev/null && mirror dst2 >out &&
	grep -q "^mirror: [1-9][0-9]* of" out && same dst && same dst2
'

test_expect_success 'a full pass into a folder that is not a mirror is refused' '
	mkdir precious && echo keep >precious/thesis.tex &&
	echo keep >"precious/old .spoolboard-site" &&
	for o in "" -q -v "--exclude=*"; do
		test_expect_code 1 mirror precious -- $o 2>err || return 1
	done &&
	mirror precious 2>err; grep -q "refusing to mirror into .precious.: it is not empty and not a mirror" err &&
	test "$(cat precious/thesis.tex)" = keep &&
	mkdir empty && mirror empty >/dev/null && same empty
'

test_expect_success 'links and FIFOs planted in the site are not copied' '
	ln -s /etc spool/www/jobs/evil &&
	ln -s /etc/passwd spool/www/leak.txt &&
	mkfifo spool/www/jobs/a/pipe &&
	mirror dst >out 2>err &&
	! test -e dst/jobs/evil && ! test -L dst/jobs/evil &&
	! test -e dst/leak.txt && ! test -e dst/jobs/a/pipe &&
	mirror --full dst >out 2>err &&
	! test -e dst/jobs/evil && ! test -e dst/leak.txt &&
	! test -e dst/jobs/a/pipe &&
	rm spool/www/jobs/evil spool/www/leak.txt spool/www/jobs/a/pipe
'

test_expect_success 'a file that became a link: a full pass deletes the copy' '
	mv spool/www/jobs/a/data.json a.json &&
	ln -s /etc/passwd spool/www/jobs/a/data.json && sleep 0.2 &&
	mirror dst >out &&
	grep -q "is now a link or FIFO, which is never copied: a full pass" out &&
	! test -e dst/jobs/a/data.json &&
	rm spool/www/jobs/a/data.json && mv a.json spool/www/jobs/a/data.json &&
	mirror dst >/dev/null && same dst
'

test_expect_success 'the site swapped for a link after the walk: rsync copies the site' '
	mkdir secret && echo TOP SECRET >secret/id_rsa &&
	state b running 4 && render &&
	cat >calls/hook <<-EOF &&
	#!/bin/sh
	mv "$PWD/spool/www" "$PWD/spool/www.real" &&
	ln -s "$PWD/secret" "$PWD/spool/www"
	EOF
	chmod +x calls/hook &&
	mirror dst >out; rc=$? &&
	rm calls/hook spool/www && mv spool/www.real spool/www &&
	test $rc = 0 && ! test -e dst/id_rsa && same dst
'

test_expect_success 'a folder of the site others may write: refused' '
	chmod 777 spool/www/jobs/a &&
	test_expect_code 1 mirror dst 2>err &&
	grep -q "spool/www/jobs/a. is a folder another user owns or may write" err &&
	chmod 755 spool/www/jobs/a
'

test_expect_success 'options that skip files, follow links or copy nothing are refused' '
	for o in -n --dry-run -avn -n4 --list-only -L --copy-links -u \
		--existing --exclude=x --max-size=1k 2222; do
		test_expect_code 1 mirror dst -- $o 2>err &&
		grep -q "is not taken\|is not an rsync option" err || return 1
	done &&
	test_expect_code 1 mirror dst -- -e 2>err && grep -q "needs a command" err
'

test_expect_success 'options after -- go to rsync' '
	state b running 2 && render &&
	mirror dst -- -z --stats -e "sh -c" >out && grep -q "^Total bytes sent" out &&
	same dst
'

test_expect_success 'a second mirror to the same place while one runs is refused' '
	python3 -c "
import fcntl, glob, subprocess, sys
locks = [open(p, \"a\") for p in glob.glob(sys.argv[1] + \"/*.lock\")]
for f in locks:
    fcntl.flock(f, fcntl.LOCK_EX)
sys.exit(subprocess.call(sys.argv[2:]))" spool/www/.spoolboard-mirror \
		sh -c "! \"$SPOOLBOARD\" mirror --spool spool dst 2>err" &&
	grep -q "another mirror to .dst. is running" err
'

test_expect_success 'not a site, no destination, no rsync' '
	mkdir notsite && echo x >notsite/a &&
	test_expect_code 1 spoolboard mirror --www notsite dst3 2>err &&
	grep -q "not a site spoolboard render made" err && ! test -e dst3 &&
	test_expect_code 2 mirror 2>err && grep -q "no destination" err &&
	test_expect_code 1 mirror "" 2>err && grep -q "is no destination" err &&
	test_expect_code 1 env PATH=/nonexistent "$SPOOLBOARD" mirror \
		--spool spool --full dst 2>err &&
	grep -q "cannot run rsync: it is not installed" err
'

test_done
