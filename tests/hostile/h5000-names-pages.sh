#!/bin/sh
# Names and pages: a job name with characters XML 1.0 forbids keeps the
# feed well-formed; a URL hash made up by anyone breaks no script on the
# index; every rejected config is listed whatever its file name.
. "$(dirname "$0")/../e2e/lib.sh"
. "$SRCDIR/tests/e2e/lib-render.sh"

T=$SRCDIR/templates

find_chromium

# check.py WWW [odd]: feed.xml parses, every page is balanced HTML and
# holds no character XML 1.0 forbids; with odd, the job named "odd..." is
# in the feed, those characters shown as U+FFFD
cat >check.py <<'PY'
import os, sys
import xml.etree.ElementTree as ET
sys.path.insert(0, os.path.join(os.environ["SRCDIR"], "tests/e2e"))
from pagecheck import page
www = sys.argv[1]
page(os.path.join(www, "index.html"))
for d in os.listdir(os.path.join(www, "jobs")) if len(sys.argv) > 2 else []:
    page(os.path.join(www, "jobs", d, "index.html"))
feed = ET.parse(os.path.join(www, "feed.xml")).getroot()
A = "{http://www.w3.org/2005/Atom}"
titles = [e.find(A + "title").text for e in feed.findall(A + "entry")]
assert len(sys.argv) < 3 or any(t.startswith("odd") and "\ufffd" in t for t in titles), titles
PY

mkdir -p spool/jobs spool/rejected spool2/jobs spool2/rejected

test_expect_success 'a job name with characters XML forbids: the feed parses' '
	state odd completed 5 \
		"odd\\uffff \\ufffe \\u0001\\u001f \\ufdd0 \\u000b end" &&
	state plain completed 6 "plain" &&
	spoolboard render --spool spool --templates "$T" &&
	python3 check.py spool/www odd
'

# the rejected configs, with names of every kind
reject() {
	printf "{}\n" >"spool2/rejected/$1.json" &&
	printf "%s.json: data: missing\n" "$1" >"spool2/rejected/$1.error"
}
LONG=$(printf "%0249d" 0)
test_expect_success 'every rejected config is listed, its name escaped' '
	reject plain &&
	reject "with space" &&
	reject "quo\"te'"'"'s <b>" &&
	reject "ünï-çødé" &&
	reject "-leading" &&
	reject "$LONG" &&
	reject "$(printf "bad\377\376name")" &&
	spoolboard render --spool spool2 --templates "$T" &&
	python3 check.py spool2/www &&
	python3 - spool2/www/index.html "$LONG" <<-PY
	import html, re, sys
	src = open(sys.argv[1], encoding="utf-8").read()
	names = [html.unescape(n) for n in re.findall(
	    r"<li><strong class=\"mono\">(.*?)</strong>", src, re.S)]
	want = sorted(["plain", "with space", "quo\"te'"'"'s <b>",
	    "ünï-çødé", "-leading", sys.argv[2], "bad\ufffd\ufffdname"])
	want = [w + ".json" for w in want]
	assert sorted(names) == sorted(want), (names, want)
	assert "<b>" not in src
	PY
'

if [ -z "$CHROMIUM" ] || ! [ -x "$CHROMIUM" ]; then
	test_skip 'a made-up sort in the hash' "no chromium found \
(${CHROMIUM:-not on PATH}; scripts/deps.sh installs it)"
	test_done
	exit
fi

test_expect_success 'a made-up sort in the index hash throws nothing' '
	timeout 50 python3 "$SRCDIR/tests/e2e/browser.py" "$CHROMIUM" \
		"$TRASH/spool/www" - true "$TRASH/art" res.json \
		"sort=x%22%5D" "sort=x%22%5D%27)&dir=desc" "sort=name&dir=desc"
	rc=$?; cat res.json; test $rc -eq 0 &&
	json_check res.json "all(h[\"errors\"] == [] for h in
		j[\"hashes\"].values())" &&
	json_check res.json "j[\"hashes\"][\"sort=x%22%5D\"][\"hash\"] == \"\"" &&
	json_check res.json "(j[\"hashes\"][\"sort=name&dir=desc\"][\"hash\"] ==
		\"#sort=name&dir=desc\")"
'

test_done
