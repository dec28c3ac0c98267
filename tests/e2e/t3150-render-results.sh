#!/bin/sh
# The results of a finished job on its page: the examples trained (a
# classifier, a regression, a quantile regression, a forecast, a quantile
# forecast) each show their kind of results section (test metric cards,
# the confusion matrix, predicted against true, the forecast with its
# band, the baseline in words), valid and escaped; a job retried by the
# runner shows its attempt, the stages of the current attempt only, and
# where each attempt began in its log. Screenshots (desktop and phone,
# light and dark) go to $BUILD/test-artifacts/t3150-render-results/ when
# chromium is installed.
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/e2e/lib-render.sh"
. "$SRCDIR/tests/e2e/lib-runner.sh"

T=$SRCDIR/templates
ART=$BUILD/test-artifacts/$TEST_NAME

copy_example blobs-mlp && copy_example housing-mlp &&
copy_example housing-quantile && copy_example sine-lstm &&
python3 - <<'PY'
import csv, json
# the forecast with a 10-90% band
c = json.load(open("sine-lstm.json"))
c["name"] = "Sine forecast <band> & co"
c["loss"] = {"type": "quantile", "quantiles": [0.1, 0.5, 0.9]}
json.dump(c, open("sine-quantile.json", "w"))
# the classifier, its classes named as an attacker would
names = {"alpha": "<script>alert(1)</script>", "beta": 'b"&<i>',
         "gamma": "g'\u00e9"}
rows = list(csv.reader(open("data/blobs.csv")))
col = rows[0].index("species")
with open("data/evil.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(rows[0])
    for r in rows[1:]:
        r[col] = names[r[col]]
        w.writerow(r)
c = json.load(open("blobs-mlp.json"))
c["data"]["path"] = "data/evil.csv"
json.dump(c, open("evil.json", "w"))
PY

test_expect_success 'the examples train' '
	for e in blobs-mlp housing-mlp housing-quantile sine-lstm \
		 sine-quantile evil; do
		spoolboard train $e.json --out spool/jobs/$e --threads 1 \
			>/dev/null 2>&1 || { echo "$e failed"; exit 1; }
	done &&
	spoolboard render --spool spool --templates "$T"
'

cat >check.py <<'PY'
# check.py WWW JOB KIND: the results section of JOB's page is there, holds
# what its kind shows, and agrees with the job's state.json.
import html, json, os, re, sys
sys.path.insert(0, os.path.join(os.environ["SRCDIR"], "tests/e2e"))
from pagecheck import page
www, job, kind = sys.argv[1:4]
src, text = page(os.path.join(www, "jobs", job, "index.html"))
st = json.load(open(os.path.join("spool/jobs", job, "state.json")))
d = json.load(open(os.path.join(www, "jobs", job, "data.json")))
test = st["test"]
a = src.index('<section class="panel results"')
sec = src[a:src.index("</section>", a)]
# at the top: before the progress, the stages and the charts of training
assert a < src.index('class="progress-block"') < src.index("<h2>Stages</h2>")
stext = " ".join(html.unescape(re.sub(r"<[^>]*>", " ", sec)).split())
assert ("on %d test samples" % test["samples"]) in stext, stext[:200]

def card(label):
    m = re.search(r'<div class="card-label">%s</div><div class="card-value">'
                  r'([^<]*)</div>' % re.escape(label), sec)
    assert m, ("no card", label)
    return html.unescape(m.group(1))

def near(shown, want, share=False):
    v = float(shown.rstrip("%")) / (100 if share else 1)
    assert abs(v - want) <= abs(want) * 1e-3 + (1e-3 if share else 0), \
        (shown, want)

near(card("Test loss"), test["loss"])
m = test["metrics"]
if kind == "classes":
    near(card("Accuracy"), m["accuracy"], True)
    near(card("F1 (macro)"), m["f1"])
    # the matrix: class names as headers, rows true, columns predicted
    t = sec[sec.index('<table class="confusion">'):]
    t = t[:t.index("</table>") + 8]
    assert "<caption>Confusion matrix of the %d test samples" % \
        test["samples"] in t
    cols = [html.unescape(x) for x in re.findall(r'<th scope="col">(.*?)</th>', t)]
    rows = [html.unescape(x) for x in re.findall(r'<th scope="row">(.*?)</th>', t)]
    assert cols == test["classes"] and rows == test["classes"], (cols, rows)
    cells = [[int(n) for n in re.findall(r'<td class="q[0-5](?: hit)?">(\d+)</td>', r)]
             for r in re.findall(r'<tr><th scope="row">.*?</tr>', t)]
    assert cells == test["confusion"], (cells, test["confusion"])
    assert not re.search(r"<svg", sec), "a classifier has no result chart"
elif kind in ("regression", "quantile"):
    near(card("RMSE"), m["rmse"])
    near(card("MAE"), m["mae"])
    near(card("R\u00b2"), m["r2"])
    assert "persistence" not in stext
    f = re.search(r'<figure class="chart-box result-chart" '
                  r'id="chart-result-scatter">(.*?)</figure>', sec, re.S)
    assert f, "no scatter"
    svg = f.group(1)
    assert "class='diag'" in svg and "class='dots'" in svg
    assert "role='img'" in svg and "<title id='result-scatter-t'>" in svg
    assert "<details><summary>Data: Predicted against true: price" in svg
    assert "<table class='chart-data'>" in svg
    if kind == "quantile":
        near(card("Coverage"), m["coverage"], True)
        near(card("Pinball loss"), m["pinball"])
        assert "in the 0.1\u20130.9 band (80% expected)" in stext
else:
    near(card("RMSE"), m["rmse"])
    near(card("Directional accuracy"), m["diracc"], True)
    near(card("Persistence RMSE"), test["baseline"]["rmse"])
    pct = round(abs(m["rmse"] - test["baseline"]["rmse"]) /
                test["baseline"]["rmse"] * 100)
    word = "below" if m["rmse"] < test["baseline"]["rmse"] else "above"
    assert ("RMSE %d%% %s persistence" % (pct, word)) in stext, stext
    f = re.search(r'<figure class="chart-box result-chart wide" '
                  r'id="chart-result-forecast">(.*?)</figure>', sec, re.S)
    assert f, "no forecast chart"
    svg = f.group(1)
    assert ">truth</text>" in svg and ">prediction</text>" in svg
    assert "<table class='chart-data'>" in svg
    if kind == "band":
        near(card("Coverage"), m["coverage"], True)
        assert "<path class='band'" in svg, "no band"
        assert ">0.1\u20130.9 quantiles</text>" in svg
    else:
        assert "class='band'" not in svg
# the section costs a page little
assert len(sec) < 16000, ("results section", len(sec))
assert d["results"]["cards"], "data.json has the results"
print(job, kind, "results section", len(sec), "bytes, page", len(src))
PY

test_expect_success 'a classifier: cards and the confusion matrix' '
	python3 check.py spool/www blobs-mlp classes
'

test_expect_success 'a regression: cards and predicted against true' '
	python3 check.py spool/www housing-mlp regression
'

test_expect_success 'a quantile regression: coverage and pinball loss' '
	python3 check.py spool/www housing-quantile quantile
'

test_expect_success 'a forecast: the baseline in words, truth and prediction' '
	python3 check.py spool/www sine-lstm forecast
'

test_expect_success 'a quantile forecast: the band of its quantiles' '
	python3 check.py spool/www sine-quantile band
'

test_expect_success 'class names from the data are escaped everywhere' '
	python3 check.py spool/www evil classes &&
	p=spool/www/jobs/evil/index.html &&
	! grep -q "<script>alert" $p && ! grep -q "<i>" $p &&
	grep -q "&lt;script&gt;alert(1)&lt;/script&gt;" $p &&
	grep -q "b&quot;&amp;&lt;i&gt;" $p
'

test_expect_success 'a job page without results has no results section' '
	state q queued 0 &&
	spoolboard render --spool spool --templates "$T" &&
	! grep -q "class=\"panel results\"" spool/www/jobs/q/index.html
'

# a job whose data comes late: the runner retries it
test_expect_success 'a job the runner retries: queued again, attempt 2' '
	mkdir -p r/spool/incoming &&
	cat >r/spool/incoming/late.json <<-\EOF &&
	{"name": "late data", "data": {"path": "data/late.csv",
	 "targets": ["price"]}, "model": {"type": "mlp", "hidden": [8]},
	 "train": {"epochs": 3, "seed": 1}, "retries": 3}
	EOF
	cd r && mkdir data &&
	start_runner --threads 1 &&
	wait_until "grep -q \"\\\"event\\\":\\\"retry\\\"\" spool/jobs/late/events.jsonl" &&
	stop_runner &&
	status_is late queued &&
	json_check spool/jobs/late/state.json "j[\"attempt\"] >= 2" &&
	json_check spool/jobs/late/state.json \
		"all(s[\"status\"] == \"pending\" and s[\"seconds\"] is None for s in j[\"stages\"])" &&
	spoolboard render --spool spool --templates "$T"
'

cat >retry.py <<'PY'
# retry.py PAGE STATUS: a retried job's page shows its attempt and the
# stages of the current attempt only.
import html, json, os, re, sys
sys.path.insert(0, os.path.join(os.environ["SRCDIR"], "tests/e2e"))
from pagecheck import page
path, status = sys.argv[1:3]
src, text = page(path)
st = json.load(open(os.path.join(os.path.dirname(path), "data.json")))
n = st["attempt"]
assert n >= 2, n
assert re.search(r'<a class="badge attempt" id="attempt" href="#log">'
                 r'Attempt <span data-f="attempt">%d</span></a>' % n, src)
stages = re.findall(r'<li class="stage st-(\w+)">', src)
assert len(stages) == 5, stages
if status == "queued":
    assert stages == ["pending"] * 5, stages
    assert "Attempt %d failed in stage load; attempt %d is queued" % \
        (n - 1, n) in text, text[:600]
    assert 'role="alert"' not in src
else:
    assert stages == ["completed"] * 5, stages
log = src[src.index('<pre id="log">'):src.index("</pre>", src.index('<pre id="log">'))]
marks = re.findall(r"<span class='ln attempt'>[0-9TZ:-]+ == attempt (\d+) started", log)
assert [int(m) for m in marks] == list(range(1, len(marks) + 1)) and \
    len(marks) >= (n if status == "completed" else n - 1), marks
print(path, "attempt", n, "marks", marks)
PY

test_expect_success 'its queued page: attempt 2, every stage pending, the last failure' '
	python3 retry.py r/spool/www/jobs/late/index.html queued &&
	! grep -q "stage st-failed" r/spool/www/jobs/late/index.html
'

test_expect_success 'its data comes: attempt 2 completes, the log marks each attempt' '
	cd r && cp ../data/housing.csv data/late.csv &&
	start_runner --threads 1 &&
	wait_until "status_is late completed" &&
	stop_runner &&
	spoolboard render --spool spool --templates "$T" &&
	python3 ../retry.py spool/www/jobs/late/index.html completed &&
	grep -q "class=\"panel results\"" spool/www/jobs/late/index.html
'

test_expect_success 'retry by hand: the stages of the new attempt only' '
	mkdir -p h/data &&
	small_config | sed "s/\"price\"/\"prize\"/" >h/bad.json &&
	cp data/housing.csv h/data/ &&
	cd h &&
	test_expect_code 1 spoolboard train bad.json --out spool/jobs/m \
		--threads 1 2>/dev/null &&
	json_check spool/jobs/m/state.json \
		"[s[\"status\"] for s in j[\"stages\"]][0] == \"failed\"" &&
	spoolboard retry --spool spool m >/dev/null &&
	json_check spool/jobs/m/state.json \
		"j[\"attempt\"] == 2 and j[\"started\"] is None and j[\"stage\"] is None" &&
	spoolboard render --spool spool --templates "$T" &&
	test "$(grep -c "<li class=\"stage st-pending\">" spool/www/jobs/m/index.html)" = 5 &&
	grep -q "Attempt <span data-f=\"attempt\">2</span>" spool/www/jobs/m/index.html
'

if command -v tidy >/dev/null 2>&1; then
	test_expect_success 'every page is valid HTML (tidy)' '
		python3 "$SRCDIR/tests/e2e/tidycheck.py" \
			spool/www/jobs/*/index.html r/spool/www/jobs/*/index.html
	'
else
	test_skip 'every page is valid HTML (tidy)' \
		'tidy is not installed (scripts/deps.sh installs it)'
fi

find_chromium
if [ -z "$CHROMIUM" ] || ! [ -x "$CHROMIUM" ]; then
	test_skip 'the results in a browser' "no chromium found"
else
	rm -rf "$ART"
	test_expect_success 'the results in a browser: phone and desktop, light and dark' '
		cp -R r/spool/jobs/late spool/jobs/late &&
		spoolboard render --spool spool --templates "$T" &&
		timeout 100 python3 "$SRCDIR/tests/e2e/browser.py" "$CHROMIUM" \
			"$TRASH/spool/www" --looks \
			blobs-mlp,housing-quantile,sine-quantile,evil,late \
			"$ART" looks.json; rc=$?
		test $rc -eq 0 || { cat looks.json; exit 1; }
		json_check looks.json "all(not any(v[\"overflow\"].values()) for v in j[\"looks\"].values())" &&
		json_check looks.json "all(v[\"errors\"] == [] for v in j[\"looks\"].values())" &&
		test -s "$ART/sine-quantile-phone-dark.png"
	'
fi

test_done
