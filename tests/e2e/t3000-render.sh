#!/bin/sh
# spoolboard render: the static site of a spool with jobs in every status.
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/e2e/lib-render.sh"

T=$SRCDIR/templates

mkdir -p data spool/jobs spool/rejected &&
cp "$SRCDIR"/examples/data/housing.csv data/ &&
small_config >base.json

test_expect_success 'a fixture spool with every status renders' '
	spoolboard train base.json --out spool/jobs/done --threads 1 &&
	sed "s/\"price\"/\"prize\"/" base.json >bad.json &&
	test_expect_code 1 spoolboard train bad.json --out spool/jobs/bad \
		--threads 1 &&
	state queued queued 0 "waiting job" &&
	state run running 4 "running job" &&
	state stop cancelled 2 "stopped job" &&
	echo "{\"nope\": 1}" >spool/rejected/odd.json &&
	echo "odd.json: data: missing <b>field</b>" >spool/rejected/odd.error &&
	spoolboard render --spool spool --templates "$T" &&
	for j in done bad queued run stop; do
		test -s spool/www/jobs/$j/index.html &&
		test -s spool/www/jobs/$j/data.json || exit 1
	done &&
	test -s spool/www/style.css && test -s spool/www/live.js &&
	test -f spool/www/jobs/done/files/metrics.csv &&
	test -f spool/www/jobs/done/files/model.tar.zst &&
	test -f spool/www/jobs/done/files/checkpoints/ckpt-000003.tar.zst &&
	test "$(stat -c %i spool/jobs/done/log.txt)" = \
		"$(stat -c %i spool/www/jobs/done/files/log.txt)"
'

cat >check.py <<'PY'
import json, os, re, sys
import xml.etree.ElementTree as ET
sys.path.insert(0, os.path.join(os.environ["SRCDIR"], "tests/e2e"))
from pagecheck import page
www = sys.argv[1]
idx, idxtext = page(os.path.join(www, "index.html"))
jobs = json.load(open(os.path.join(www, "jobs.json")))["jobs"]
ids = sorted(j["id"] for j in jobs)
want = sorted(sys.argv[2].split(","))
assert ids == want, (ids, want)
created = [j["created"]["iso"] for j in jobs]
assert created == sorted(created, reverse=True), created
for j in jobs:
    d = json.load(open(os.path.join(www, "jobs", j["id"], "data.json")))
    src, text = page(os.path.join(www, "jobs", j["id"], "index.html"))
    assert d["status"] == j["status"]
    assert ('data-status="%s"' % j["status"]) in idx
    assert d["label"] in text, d["label"]
    assert (">%s</span>%%" % d["progress_pct"]) in src or \
        ('data-f="progress_pct">%s<' % d["progress_pct"]) in src
    assert ('data-f="epoch">%d<' % d["epoch"]) in src
    assert d["best_val_loss"] in text
    if d["status"] == "failed":
        assert d["error"]["message"] in text and "role=\"alert\"" in src
    # data.json is the view without the page's markup: charts and the
    # log are in the page only
    assert "charts" not in d and "log_html" not in d, j["id"]
    for c in (d.get("results") or {}).get("charts", []):
        assert "svg" not in c and "table" not in c, (j["id"], c)
    figs = re.findall(r'<figure class="chart-box[^>]*>(.*?)</figure>', src,
                      re.S)
    assert len(re.findall(r"<svg xmlns=", src)) == len(figs), j["id"]
    if d["status"] == "completed":
        assert figs and d["cards"]
        assert d["checkpoints"] or j["id"] != "done"
        # each training chart: its title, a <desc> (or the values of
        # another: data-from) and a link to its data instead of a table
        train = re.findall(r'<figure class="chart-box" id="chart-[^"]*">'
                           r'(.*?)</figure>', src, re.S)
        assert train
        for f in train:
            assert "<table" not in f, f[-300:]
            assert "<title id=" in f and ("<desc id=" in f or
                                          "data-from=" in f), f[:200]
            assert '<a class="chart-csv" href="files/metrics.csv">' \
                'data as CSV</a>' in f, f[-200:]
    for f in d["downloads"] + d["checkpoints"]:
        assert os.path.isfile(os.path.join(www, "jobs", j["id"], f["href"]))
counts = {}
for j in jobs:
    counts[j["status"]] = counts.get(j["status"], 0) + 1
for k in ["queued", "running", "completed", "failed", "cancelled"]:
    assert ('data-count="%s">%d<' % (k, counts.get(k, 0))) in idx, k
assert ('data-count="total">%d<' % len(jobs)) in idx
feed = ET.parse(os.path.join(www, "feed.xml")).getroot()
A = "{http://www.w3.org/2005/Atom}"
assert feed.tag == A + "feed"
entries = feed.findall(A + "entry")
fin = [j for j in jobs if j["status"] in ("completed", "failed", "cancelled")]
assert len(entries) == len(fin), (len(entries), len(fin))
for e in entries:
    for k in ("title", "id", "updated"):
        assert e.find(A + k) is not None
PY

test_expect_success 'pages are well formed and match their data.json' '
	python3 check.py spool/www done,bad,queued,run,stop
'

test_expect_success 'the index lists rejected configs, escaped' '
	grep -q "odd.json" spool/www/index.html &&
	grep -q "missing &lt;b&gt;field&lt;/b&gt;" spool/www/index.html
'

test_expect_success 'a failed job shows its error and stage; commands to copy' '
	grep -q "Failed in stage load" spool/www/jobs/bad/index.html &&
	grep -q "spoolboard retry -- bad" spool/www/jobs/bad/index.html &&
	grep -q "spoolboard cancel -- run" spool/www/jobs/run/index.html &&
	grep -q "data-live=\"true\"" spool/www/jobs/run/index.html &&
	grep -q "queue: <strong>1</strong> of 1<" spool/www/jobs/queued/index.html &&
	! grep -q "Place in the queue" spool/www/jobs/run/index.html &&
	grep -q "data-live=\"false\"" spool/www/jobs/done/index.html
'

test_expect_success 'rendering twice rewrites nothing' '
	find spool/www -type f -exec stat -c "%n %Y.%y" {} + | sort >before &&
	sleep 1 &&
	spoolboard render --spool spool --templates "$T" &&
	find spool/www -type f -exec stat -c "%n %Y.%y" {} + | sort >after &&
	test_cmp before after
'

test_expect_success 'a state change rewrites that job, the index, its page and shard, the feeds only' '
	sed "s/\"epoch\": 4/\"epoch\": 5/; s/10:04:30/10:05:30/; s/\"status\": \"running\"/\"status\": \"cancelled\"/" \
		spool/jobs/run/state.json >s.tmp &&
	mv s.tmp spool/jobs/run/state.json &&
	spoolboard render --spool spool --templates "$T" &&
	find spool/www -type f -exec stat -c "%n %Y.%y" {} + | sort >after2 &&
	diff before after2 | sed -n "s/^> \([^ ]*\) .*/\1/p" | sort >changed &&
	printf "%s\n" spool/www/.spoolboard-cache \
		spool/www/feed.xml spool/www/index.html \
		spool/www/index/1.html spool/www/index/1.js \
		spool/www/index/manifest.js \
		spool/www/jobs.json spool/www/jobs.csv \
		spool/www/jobs/run/data.json spool/www/jobs/run/compare.js \
		spool/www/jobs/run/index.html | sort >want &&
	test_cmp want changed &&
	grep -q "data-f=\"epoch\">5<" spool/www/jobs/run/index.html
'

test_expect_success 'a deleted checkpoint leaves files/ on the next render' '
	rm spool/jobs/done/checkpoints/ckpt-000001.tar.zst &&
	spoolboard render --spool spool --templates "$T" &&
	! test -e spool/www/jobs/done/files/checkpoints/ckpt-000001.tar.zst &&
	test -f spool/www/jobs/done/files/checkpoints/ckpt-000002.tar.zst &&
	test -f spool/www/jobs/done/files/log.txt
'

test_expect_success 'a malformed state.json is skipped with a warning' '
	printf "{\"id\": \"stop\", \"status\": " >spool/jobs/stop/state.json &&
	spoolboard render --spool spool --templates "$T" 2>err &&
	grep -q "warning: skipping job stop" err &&
	grep -q "last good render" err &&
	grep -q "jobs/stop/index.html" spool/www/index.html &&
	mkdir spool/jobs/new && echo "[" >spool/jobs/new/state.json &&
	spoolboard render --spool spool --templates "$T" 2>err &&
	grep -q "job new: left out" err &&
	! test -e spool/www/jobs/new/index.html
'

test_expect_success 'markup from a job never reaches the pages raw' '
	X="<script>alert(1)</script>" &&
	mkdir -p x/jobs/evil &&
	cat >x/jobs/evil/state.json <<-JSON &&
	{"id": "evil", "name": "$X", "tags": ["$X", "a\"b"], "status": "failed",
	 "stage": "load", "progress": 0, "epoch": 1, "epochs": 2,
	 "stages": [{"name": "$X", "status": "failed", "seconds": 1}],
	 "created": "2026-11-25T10:00:00Z", "started": "2026-11-25T10:00:00Z",
	 "updated": "2026-11-25T10:00:09Z", "ended": "2026-11-25T10:00:09Z",
	 "model": {"type": "$X"}, "data": {"path": "$X"},
	 "checkpoints": [{"file": "../../../etc/passwd", "epoch": 1}],
	 "error": {"message": "$X", "stage": "$X", "hint": "$X"}}
	JSON
	printf "epoch,train_loss,%s\n1,0.5,0.25\n2,0.4,0.2\n" "$X" \
		>x/jobs/evil/metrics.csv &&
	printf "error: %s\nwarning: %s\n%s\n" "$X" "$X" "$X" \
		>x/jobs/evil/log.txt &&
	echo "{\"name\": \"$X\"}" >x/jobs/evil/config.json &&
	spoolboard render --spool x --templates "$T" &&
	python3 check.py x/www evil &&
	python3 -c "
import os, re, sys
bad = []
for d, _, fs in os.walk(\"x/www\"):
    for f in fs:
        if \"/files\" in d or not f.endswith((\".html\", \".json\", \".xml\", \".js\")):
            continue
        s = open(os.path.join(d, f), encoding=\"utf-8\").read()
        tags = re.findall(r\"<script[^>]*>\", s, re.I)
        ok = [t for t in tags if re.fullmatch(r\"<script src=\\\"(\\.\\./\\.\\./)?(live|runs|chart)\\.js\\\">\", t)]
        if len(tags) != len(ok) or len(ok) > 2 or \"alert(1)</\" in s.lower():
            bad.append((f, tags))
assert not bad, bad
" &&
	grep -q "ln error" x/www/jobs/evil/index.html &&
	grep -q "ln warning" x/www/jobs/evil/index.html &&
	! test -e x/www/jobs/evil/files/checkpoints
'

test_expect_success 'a finished 100-epoch job writes under 60 KB' '
	mkdir -p big/jobs/b &&
	sed "s/\"id\": \"queued\"/\"id\": \"b\"/; s/\"epochs\": 10/\"epochs\": 100/
	     s/\"status\": \"queued\"/\"status\": \"completed\"/" \
		spool/jobs/queued/state.json >big/jobs/b/state.json &&
	awk "BEGIN {
		print \"epoch,step,seconds,lr,train_loss,val_loss,val_rmse,\" \
			\"val_mae,val_r2,val_diracc,cpu_pct,rss_mb\"
		for (e = 1; e <= 100; e++)
			printf \"%d,%d,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,,%.9g,%.9g\\n\", \
				e, 44 * e, 0.0337 * e, 0.002 * cos(e / 64), \
				0.49 / e + 0.01 * sin(e), 0.14 / e + 0.011, \
				40.4 / sqrt(e) + 3.3, 31.4 / sqrt(e) + 2.1, \
				1 - 0.14 / e, 45 + 10 * sin(e * 7), 7.1 + e / 77
		for (e = 1; e <= 130; e++)
			printf \"2026-11-25T10:00:%02dZ epoch %d/100 train_loss \" \
				\"%.6f val_loss %.6f lr %.3g 0.03s\\n\", e % 60, e, \
				0.49 / e, 0.14 / e, 0.002 > \"big/jobs/b/log.txt\"
	}" >big/jobs/b/metrics.csv &&
	spoolboard render --spool big --templates "$T" &&
	size=$(cat big/www/jobs/b/index.html big/www/jobs/b/data.json \
		big/www/jobs/b/compare.js | wc -c) &&
	echo "100-epoch job: $size bytes (page, data.json, compare.js)" &&
	find big/www/jobs/b -type f ! -links 2 | sort >written &&
	printf "%s\n" big/www/jobs/b/compare.js big/www/jobs/b/data.json \
		big/www/jobs/b/index.html >want &&
	test_cmp want written &&
	! grep -q "<table class=.chart-data." big/www/jobs/b/index.html &&
	test "$(grep -c "class=\"chart-csv\" href=\"files/metrics.csv\"" \
		big/www/jobs/b/index.html)" = 8 &&
	grep -q "The last 100 lines: the whole log is <a href=\"files/log.txt\">" \
		big/www/jobs/b/index.html &&
	test "$size" -lt 61440 &&
	python3 check.py big/www b
'

# an exec job's $SPOOLBOARD_ARTIFACTS (docs/exec.md): what it wrote there,
# three folders down, is in the downloads; links, hidden names and what
# is below are not
test_expect_success 'the files of artifacts/ are downloads, linked into files/' '
	d=spool/jobs/done/artifacts &&
	mkdir -p $d/plots/deep/er/still out &&
	echo "a report" >$d/report.txt &&
	echo "<svg/>" >$d/plots/loss.svg &&
	echo deep >$d/plots/deep/er/four.txt &&
	echo deeper >$d/plots/deep/er/still/five.txt &&
	echo hidden >$d/.secret &&
	echo "TOP SECRET" >out/secret.txt &&
	ln -s "$PWD/out/secret.txt" $d/leak.txt &&
	ln -s "$PWD/out" $d/outside &&
	mkfifo $d/pipe &&
	timeout 60 "$SPOOLBOARD" render --spool spool --templates "$T" &&
	! grep -q "artifacts/pipe" spool/www/jobs/done/index.html &&
	w=spool/www/jobs/done &&
	grep -q "href=\"files/artifacts/report.txt\"" $w/index.html &&
	grep -q "href=\"files/artifacts/plots/loss.svg\"" $w/index.html &&
	grep -q "artifacts/plots/deep/er/four.txt" $w/index.html &&
	! grep -q "five.txt\|leak.txt\|secret\|outside" $w/index.html &&
	test "$(stat -c %i $w/files/artifacts/plots/loss.svg)" = \
	     "$(stat -c %i $d/plots/loss.svg)" &&
	! test -e $w/files/artifacts/leak.txt &&
	! test -e $w/files/artifacts/outside &&
	! grep -rq "TOP SECRET" spool/www &&
	rm -r $d/plots && spoolboard render --spool spool --templates "$T" &&
	! test -e $w/files/artifacts/plots &&
	test -f $w/files/artifacts/report.txt &&
	! grep -q "plots/loss.svg" $w/index.html &&
	rm -r $d && spoolboard render --spool spool --templates "$T" &&
	! test -e $w/files/artifacts/report.txt
'

test_expect_success 'links in the spool never publish files from elsewhere' '
	mkdir -p out/elsewhere l &&
	echo "TOP SECRET line" >out/secret.txt &&
	(cd l && state linked running 3 && state real running 4) &&
	ln -s "$PWD/out/secret.txt" l/spool/jobs/real/log.txt &&
	ln -s "$PWD/out/secret.txt" l/spool/jobs/real/events.jsonl &&
	printf "epoch,train_loss\n1,0.5\n" >out/m.csv &&
	mkdir -p out/ck && cp out/secret.txt out/ck/x.tar.zst &&
	ln -s "$PWD/out/ck" l/spool/jobs/real/checkpoints &&
	sed "s/\"checkpoints\": \[\]/\"checkpoints\": [{\"file\": \"x.tar.zst\", \"epoch\": 1}]/" \
		l/spool/jobs/real/state.json >out/st.json &&
	mv out/st.json l/spool/jobs/real/state.json &&
	grep -q x.tar.zst l/spool/jobs/real/state.json &&
	ln -s "$PWD/out/m.csv" l/spool/jobs/real/metrics.csv &&
	mv l/spool/jobs/linked/state.json out/elsewhere/ &&
	rmdir l/spool/jobs/linked &&
	ln -s "$PWD/out/elsewhere" l/spool/jobs/linked &&
	ln -s "$PWD/out/secret.txt" l/spool/rejected/x.error 2>/dev/null ||
		{ mkdir -p l/spool/rejected &&
		  ln -s "$PWD/out/secret.txt" l/spool/rejected/x.error; } &&
	echo "{}" >l/spool/rejected/x.json &&
	spoolboard render --spool l/spool --templates "$T" 2>err &&
	! grep -r -q "TOP SECRET" l/spool/www &&
	test -s l/spool/www/jobs/real/index.html &&
	! grep -q "<svg" l/spool/www/jobs/real/index.html &&
	! test -e l/spool/www/jobs/real/files/log.txt &&
	! test -e l/spool/www/jobs/real/files/checkpoints/x.tar.zst &&
	! test -e l/spool/www/jobs/linked &&
	grep -q "skipping job linked: not a folder" err
'

# a www on another filesystem than the spool: /dev/shm when it is one
OTHER=
if [ -d /dev/shm ] && [ -w /dev/shm ] &&
   [ "$(stat -c %d /dev/shm)" != "$(stat -c %d .)" ]; then
	OTHER=$(mktemp -d /dev/shm/spoolboard-t3000.XXXXXX)
fi
if [ -n "$OTHER" ]; then
test_expect_success 'downloads are copied when www is on another filesystem' '
	spoolboard render --spool spool --www "$OTHER/www" --templates "$T" &&
	f=$OTHER/www/jobs/done/files &&
	cmp spool/jobs/done/metrics.csv $f/metrics.csv &&
	cmp spool/jobs/done/checkpoints/ckpt-000003.tar.zst \
		$f/checkpoints/ckpt-000003.tar.zst &&
	test "$(stat -c %h $f/metrics.csv)" = 1 &&
	touch -d "2 minutes ago" $f/metrics.csv $f/model.tar.zst &&
	stat -c %Y $f/metrics.csv >before &&
	spoolboard render --spool spool --www "$OTHER/www" --templates "$T" &&
	stat -c %Y $f/metrics.csv >after &&
	test_cmp before after
'
rm -rf "$OTHER"
else
	test_skip 'downloads are copied when www is on another filesystem' \
		'no writable /dev/shm on another filesystem'
fi

test_expect_success 'queued jobs are placed by priority, then age' '
	mkdir -p q &&
	(cd q && state old queued 1 && state new queued 2 &&
	 state urgent queued 3 &&
	 sed "s/\"status\"/\"priority\": 5, \"status\"/" \
		spool/jobs/urgent/state.json >p.json &&
	 mv p.json spool/jobs/urgent/state.json) &&
	spoolboard render --spool q/spool --templates "$T" &&
	grep -q "<strong>1</strong> of 3" q/spool/www/jobs/urgent/index.html &&
	grep -q "<strong>2</strong> of 3" q/spool/www/jobs/old/index.html &&
	grep -q "<strong>3</strong> of 3" q/spool/www/jobs/new/index.html
'

test_expect_success 'usage errors exit 2, a missing spool exits 1' '
	test_expect_code 2 spoolboard render --bogus &&
	test_expect_code 2 spoolboard render extra &&
	test_expect_code 1 spoolboard render --spool nowhere
'

test_done
