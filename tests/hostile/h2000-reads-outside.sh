#!/bin/sh
# export reads only the job's own regular files: a link, a FIFO or a
# device planted in a job folder (or as the folder, or as checkpoints/) is
# left out with a warning, never followed, never waited on.
. "$(dirname "$0")/../e2e/lib.sh"
. "$SRCDIR/tests/e2e/lib-runner.sh"

make_data
config a.json
echo "the secret of someone else" >secret
mkdir -p elsewhere/ckpt && echo "secret checkpoint" >elsewhere/ckpt/best.tar.zst

# export ID: spoolboard export of ID into ID.tar.zst, bounded in time
export_job() {
	timeout -k 5 30 "$SPOOLBOARD" export --spool spool "$1" -o "$1.tar.zst"
}

test_expect_success 'a queued job to plant things in' '
	spoolboard submit --spool spool a.json &&
	spoolboard run --spool spool --data-root . --slots 0 --once --no-render 2>log &&
	test -f spool/jobs/a/state.json &&
	cp -R spool/jobs/a spool/jobs/b && cp -R spool/jobs/a spool/jobs/c &&
	cp -R spool/jobs/a spool/jobs/d
'

test_expect_success 'a link to a file outside the spool is not packed' '
	ln -sf "$TRASH/secret" spool/jobs/a/log.txt &&
	export_job a >out 2>err &&
	grep -q "warning: export: left out .a/log.txt.: a symbolic link" err &&
	tar --zstd -tf a.tar.zst >list &&
	grep -qx a/state.json list && ! grep -qx a/log.txt list &&
	tar --zstd -xOf a.tar.zst >all && ! grep -q "secret" all
'

test_expect_success 'a FIFO is left out at once, not waited on' '
	mkfifo spool/jobs/b/metrics.csv &&
	export_job b >out 2>err &&
	grep -q "left out .b/metrics.csv.: not a regular file" err &&
	tar --zstd -tf b.tar.zst >list &&
	grep -qx b/state.json list && ! grep -qx b/metrics.csv list
'

test_expect_success 'a link to /dev/zero is left out, no endless read' '
	ln -sf /dev/zero spool/jobs/c/model.tar.zst &&
	ln -sf /dev/zero spool/jobs/c/predictions.csv &&
	export_job c >out 2>err &&
	grep -q "left out .c/model.tar.zst." err &&
	tar --zstd -tf c.tar.zst >list && ! grep -qx c/model.tar.zst list
'

test_expect_success 'checkpoints/ as a link is not entered' '
	rm -rf spool/jobs/d/checkpoints &&
	ln -s "$TRASH/elsewhere/ckpt" spool/jobs/d/checkpoints &&
	export_job d >out 2>err &&
	grep -q "left out d/checkpoints: not a directory (a link or a file)" err &&
	tar --zstd -xOf d.tar.zst >all && ! grep -q "secret" all
'

test_expect_success 'the newest checkpoint is packed, a link in checkpoints/ is not' '
	mkdir -p spool/jobs/d2/checkpoints && cp spool/jobs/a/state.json spool/jobs/d2/ &&
	echo ckpt >spool/jobs/d2/checkpoints/best.tar.zst &&
	echo old >spool/jobs/d2/checkpoints/ckpt-000001.tar.zst &&
	echo new >spool/jobs/d2/checkpoints/ckpt-000003.tar.zst &&
	export_job d2 >out 2>err &&
	tar --zstd -tf d2.tar.zst >list &&
	grep -qx d2/checkpoints/best.tar.zst list &&
	grep -qx d2/checkpoints/ckpt-000003.tar.zst list &&
	! grep -q ckpt-000001 list &&
	ln -sf "$TRASH/elsewhere/ckpt/best.tar.zst" spool/jobs/d2/checkpoints/best.tar.zst &&
	export_job d2 >out 2>err &&
	tar --zstd -xOf d2.tar.zst >all && ! grep -q "secret" all
'

test_expect_success 'a job folder that is a link is not followed' '
	mkdir -p elsewhere/job && cp secret elsewhere/job/log.txt &&
	ln -s "$TRASH/elsewhere/job" spool/jobs/e &&
	test_expect_code 1 export_job e 2>err &&
	grep -q "e: cannot open the job folder" err && test ! -e e.tar.zst
'

test_done
