#!/bin/sh
# spoolboard render, golden tests: one fixture spool per case (empty, one
# queued, running, completed, failed, cancelled job, a rejected config, and
# all of them together), each rendered and its site checked:
#
# - every HTML page with `tidy -errors -q` (see tidycheck.py for what
#   counts as a failure), skipped when tidy is not installed
#   (scripts/deps.sh installs it);
# - feed.xml and every inline <svg> with an XML parser, jobs.json and every
#   data.json with a JSON parser;
# - the facts a reader relies on: the index's counts, the jobs listed, the
#   failed job's error and hint at the top of its page, a queued job's place
#   in the queue, the feed's entries.
#
# Pages are not compared byte for byte with stored copies: their exact bytes
# may change with the renderer, their meaning must not.
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/e2e/lib-render.sh"

T=$SRCDIR/templates

if ! command -v python3 >/dev/null 2>&1; then
	test_skip 'golden renders' 'python3 is not installed'
	test_done
	exit
fi

ERR='train_loss is NaN at epoch 3 (lr 0.5 > 0.1 & no clip_grad)'
HINT='lower train.lr or set train.clip_grad, e.g. 1.0'

# The fixture jobs. Each writes into ./spool of the current directory.
fx_queued() { state waiting queued 0 "waiting job"; }
fx_running() {
	state run running 4 "running job" &&
	{
		echo "epoch,step,seconds,lr,train_loss,val_loss,val_rmse,cpu_pct,rss_mb"
		echo "1,10,0.5,0.001,0.9,0.8,1.2,95,7.5"
		echo "2,20,1.0,0.001,0.7,0.65,1.0,97,7.6"
		echo "3,30,1.5,0.001,0.6,0.61,0.9,96,7.6"
		echo "4,40,2.0,0.001,0.5,0.58,0.85,98,7.7"
	} >spool/jobs/run/metrics.csv &&
	printf "%s\n" "epoch 4/10 train_loss 0.5" \
		"warning: val_loss rose <a little>" "error: none & all" \
		>spool/jobs/run/log.txt
}
fx_completed() { cp -R "$TRASH/trained/spool/jobs/done" spool/jobs/done; }
fx_failed() {
	state bad failed 3 "diverging job" &&
	esc=$(printf "%s" "$ERR" | sed "s/&/\\\\&/g") &&
	sed "s/\"error\": null/\"error\": {\"message\": \"$esc\", \"stage\": \"train\", \"hint\": \"$HINT\"}/
	     s/\"ended\": null/\"ended\": \"2026-11-25T10:03:40Z\"/
	     s/\"status\": \"running\"/\"status\": \"failed\"/" \
		spool/jobs/bad/state.json >s.tmp &&
	mv s.tmp spool/jobs/bad/state.json
}
fx_cancelled() { state stop cancelled 2 "stopped <job> & co"; }
fx_rejected() {
	mkdir -p spool/rejected &&
	echo "{\"nope\": 1}" >spool/rejected/odd.json &&
	echo "odd.json: data: missing <b>field</b> & more" \
		>spool/rejected/odd.error
}

# The jobs each case should list, as ID:STATUS, and its rejected configs.
cases="empty queued running completed failed cancelled rejected all"
jobs_empty=
jobs_queued=waiting:queued
jobs_running=run:running
jobs_completed=done:completed
jobs_failed=bad:failed
jobs_cancelled=stop:cancelled
jobs_rejected=
jobs_all="waiting:queued next:queued run:running done:completed bad:failed stop:cancelled"
rej_rejected=odd.json
rej_all=odd.json

cat >check.py <<'PY'
# check.py WWW "ID:STATUS ..." "REJECTED ...": the site in WWW parses (JSON,
# XML, SVG) and lists exactly these jobs and rejected configs.
import html, json, os, re, sys
import xml.etree.ElementTree as ET
www, want, rejected = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
want = dict(w.split(":") for w in want)
SVG = "{http://www.w3.org/2000/svg}"
A = "{http://www.w3.org/2005/Atom}"
STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")

def text(src):
    src = re.sub(r"<(script|style)\b.*?</\1>", " ", src, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]*>", " ", src)).split())

def svgs(path):
    src = open(path, encoding="utf-8").read()
    # the outermost ones (a line chart's lines are an <svg> inside it)
    found, depth, start = [], 0, 0
    for m in re.finditer(r"<svg\b|</svg>", src):
        if m.group(0) == "</svg>":
            depth -= 1
            if depth == 0:
                found.append(src[start:m.end()])
        else:
            if depth == 0:
                start = m.start()
            depth += 1
    for s in found:
        try:
            root = ET.fromstring(s)
        except ET.ParseError as e:
            sys.exit("%s: inline svg is not well-formed XML: %s\n%s"
                     % (path, e, s[:300]))
        assert root.tag == SVG + "svg", (path, root.tag)
        t = root.find(SVG + "title")
        assert t is not None and t.text.strip(), (path, "svg without title")
    return src, found

# jobs.json and the index
jobs = json.load(open(os.path.join(www, "jobs.json")))["jobs"]
got = {j["id"]: j["status"] for j in jobs}
assert got == want, ("jobs.json", got, want)
idx, _ = svgs(os.path.join(www, "index.html"))
counts = dict(re.findall(r'data-count="(\w+)">(\d+)<', idx))
for k in ("queued", "running", "completed", "failed", "cancelled"):
    n = sum(1 for s in want.values() if s == k)
    assert counts.get(k) == str(n), ("count", k, counts.get(k), n)
assert counts.get("total") == str(len(want)), ("total", counts, len(want))
for i, s in want.items():
    assert ('href="jobs/%s/index.html"' % i) in idx, ("index lacks", i)
    assert ('data-status="%s"' % s) in idx, ("index lacks status", s)
if not want:
    assert "No jobs yet" in text(idx), "empty index says nothing"
have = sorted(os.listdir(os.path.join(www, "jobs"))) \
    if os.path.isdir(os.path.join(www, "jobs")) else []
assert have == sorted(want), ("job pages", have)
itext = text(idx)
for r in rejected:
    err = open(os.path.join(os.path.dirname(www), "rejected",
                            r[:-5] + ".error")).read().strip()
    assert r in itext and err in itext, ("rejected", r, err)
if not rejected:
    assert "Rejected configs" not in itext

# each job's page and data.json
for i, s in want.items():
    d = json.load(open(os.path.join(www, "jobs", i, "data.json")))
    assert d["id"] == i and d["status"] == s, (i, d["id"], d["status"])
    src, found = svgs(os.path.join(www, "jobs", i, "index.html"))
    # data.json is the view without the page's markup; every chart is
    # on the page, each training chart with its data as a CSV link
    assert "charts" not in d and "log_html" not in d, i
    n = len(re.findall(r'<figure class="chart-box', src))
    assert len(found) == n, (i, len(found), n)
    csv = src.count('<a class="chart-csv" href="files/metrics.csv">'
                    'data as CSV</a>')
    assert csv == len(re.findall(r'<figure class="chart-box" id=', src)), \
        (i, "a CSV link per training chart", csv)
    if csv:
        assert os.path.isfile(os.path.join(www, "jobs", i, "files",
                                           "metrics.csv")), (i, "csv")
    t = text(src)
    assert d["name"] in t and d["label"] in t, (i, d["name"], d["label"])
    assert ('data-live="%s"' % ("true" if s in ("queued", "running")
                               else "false")) in src, (i, "data-live")
    if s == "failed":
        # the error comes first, before the job's own heading
        a, h = src.find('role="alert"'), src.find("<h1")
        assert 0 <= a < h, (i, "alert not above the heading", a, h)
        alert = text(src[a:src.find("</section>", a)])
        e = d["error"]
        assert e["message"] in alert and e["hint"] in alert, (i, alert)
    else:
        assert 'role="alert"' not in src, (i, "alert on a job not failed")
    if s == "queued":
        assert ("Place in the queue: %d of %d" % (d["queue_pos"],
                d["queue_len"])) in t, (i, "queue place")
    else:
        assert "Place in the queue" not in t, (i, "queue place")

# the Atom feed: finished jobs only, each with what Atom requires
feed = ET.parse(os.path.join(www, "feed.xml")).getroot()
assert feed.tag == A + "feed", feed.tag
for k in ("title", "id", "updated"):
    assert feed.find(A + k) is not None, ("feed lacks", k)
assert STAMP.match(feed.find(A + "updated").text)
ids = []
for e in feed.findall(A + "entry"):
    for k in ("title", "id", "updated"):
        assert (e.find(A + k) is not None and
                (e.find(A + k).text or "").strip()), ("entry lacks", k)
    assert STAMP.match(e.find(A + "updated").text), e.find(A + "updated").text
    ids.append(e.find(A + "id").text)
fin = ["urn:spoolboard:job:" + i for i, s in want.items()
       if s in ("completed", "failed", "cancelled")]
assert sorted(ids) == sorted(fin), ("feed entries", ids, fin)
PY

cat >text.py <<'PY'
# text.py FILE: the page's text, tags removed, entities decoded, on one line.
import html, re, sys
src = open(sys.argv[1], encoding="utf-8").read()
src = re.sub(r"<(script|style)\b.*?</\1>", " ", src, flags=re.S)
print(" ".join(html.unescape(re.sub(r"<[^>]*>", " ", src)).split()))
PY
page_text() { python3 "$TRASH/text.py" "$1"; }


small_config >base.json

test_expect_success 'a spool for each case renders' '
	mkdir -p data trained/spool/jobs &&
	cp "$SRCDIR"/examples/data/housing.csv data/ &&
	spoolboard train base.json --out trained/spool/jobs/done \
		--threads 1 >/dev/null &&
	for c in $cases; do
		mkdir -p $c/spool/jobs &&
		(
			cd $c &&
			case $c in
			empty) ;;
			all)
				fx_queued && state next queued 1 "next job" &&
				fx_running && fx_completed && fx_failed &&
				fx_cancelled && fx_rejected ;;
			*) fx_$c ;;
			esac &&
			spoolboard render --spool spool --templates "$T"
		) || exit 1
	done
'

test_expect_success 'the sites parse and list what their spools hold' '
	for c in $cases; do
		eval "j=\$jobs_$c r=\${rej_$c:-}" &&
		python3 check.py $c/spool/www "$j" "$r" || {
			echo "in case $c"; exit 1
		}
	done
'

if command -v tidy >/dev/null 2>&1; then
	test_expect_success 'every page is valid HTML (tidy)' '
		python3 "$SRCDIR/tests/e2e/tidycheck.py" */spool/www/index.html \
			*/spool/www/jobs/*/index.html
	'
else
	test_skip 'every page is valid HTML (tidy)' \
		'tidy is not installed (scripts/deps.sh installs it)'
fi

test_expect_success 'an empty spool says so, with every count 0' '
	page_text empty/spool/www/index.html >t &&
	grep -q "No jobs yet" t &&
	test "$(grep -o "data-count=\"[a-z]*\">0<" \
		empty/spool/www/index.html | wc -l)" = 6 &&
	! test -e empty/spool/www/jobs
'

test_expect_success 'a queued job shows its place in the queue' '
	page_text queued/spool/www/jobs/waiting/index.html >t &&
	grep -q "Place in the queue: 1 of 1" t &&
	grep -q "spoolboard cancel -- waiting" t &&
	page_text all/spool/www/jobs/waiting/index.html >t &&
	grep -q "Place in the queue: 1 of 2" t &&
	page_text all/spool/www/jobs/next/index.html >t &&
	grep -q "Place in the queue: 2 of 2" t
'

test_expect_success 'a failed job shows its error, stage and hint at the top' '
	for c in failed all; do
		page_text $c/spool/www/jobs/bad/index.html >t &&
		sed -n "s/ diverging job .*//p" t >top &&
		grep -qF "Failed in stage train" top &&
		grep -qF "$ERR" top &&
		grep -qF "Hint: $HINT" top &&
		grep -q "spoolboard retry -- bad" t || exit 1
	done
'

test_expect_success 'running and completed jobs have charts' '
	for p in running/spool/www/jobs/run completed/spool/www/jobs/done; do
		test "$(grep -c "<svg" $p/index.html)" -gt 0 || exit 1
	done &&
	page_text running/spool/www/jobs/run/index.html >t &&
	grep -qF "warning: val_loss rose <a little>" t &&
	grep -q "spoolboard cancel -- run" t &&
	page_text completed/spool/www/jobs/done/index.html >t &&
	grep -q "Completed" t &&
	grep -q "ckpt-000003.tar.zst" t
'

test_expect_success 'a cancelled job is labelled so, its name escaped' '
	page_text cancelled/spool/www/jobs/stop/index.html >t &&
	grep -qF "stopped <job> & co" t &&
	grep -q "Cancelled" t &&
	grep -qF "stopped &lt;job&gt; &amp; co" \
		cancelled/spool/www/jobs/stop/index.html
'

test_expect_success 'a rejected config is listed with its error' '
	page_text rejected/spool/www/index.html >t &&
	grep -qF "odd.json: data: missing <b>field</b> & more" t &&
	grep -q "No jobs yet" t &&
	! grep -q "<b>field" rejected/spool/www/index.html
'

test_done
