#!/bin/sh
# The index of a large spool: index.html holds the newest 100 rows and
# links pages of 100 jobs each (index/K.html, numbered from the oldest),
# from which every job is reachable without JavaScript; each page has its
# shard (index/K.js) and index/manifest.js names them with a version. A
# change to one job rewrites its page, its shard and the manifest, not
# the other shards (one-shot and in watch mode); pages of jobs gone are
# removed; at 2,000 jobs index.html stays small.
. "$(dirname "$0")/lib.sh"

T=$SRCDIR/templates

# mkjobs N [FIRST]: N jobs job00000.. in ./spool, created a minute apart
# (job0 the oldest), every fifth running, the others completed
cat >mkjobs.py <<'PY'
import json, os, sys
n, first = int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 0
for i in range(first, first + n):
    d = "spool/jobs/job%05d" % i
    os.makedirs(d, exist_ok=True)
    t = "2026-11-%02dT%02d:%02d:00Z" % (1 + i // 1440, i // 60 % 24, i % 60)
    st = {"id": "job%05d" % i, "name": "job number %d" % i,
          "tags": ["t%d" % (i % 3)],
          "status": "running" if i % 5 == 0 else "completed",
          "stage": "train", "progress": 0.5, "epoch": 5, "epochs": 10,
          "train_loss": 0.5, "val_loss": 0.6,
          "best": {"epoch": 5, "val_loss": 0.6}, "metrics": {},
          "stages": [], "created": t, "started": t, "updated": t,
          "ended": None, "checkpoints": [], "error": None}
    with open(d + "/.s.tmp", "w") as f:
        json.dump(st, f)
    os.rename(d + "/.s.tmp", d + "/state.json")
PY

# pages.py WWW: crawl index.html and the pages it links, as a browser
# without JavaScript would (each page's <base>), and print the job IDs
# their rows link, one a line
cat >pages.py <<'PY'
import html.parser, os, sys, urllib.parse
www = sys.argv[1]
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.base = None; self.links = []
    def handle_starttag(self, tag, a):
        a = dict(a)
        if tag == "base": self.base = a["href"]
        if tag == "a" and "href" in a: self.links.append(a["href"])
root = "http://site/"
seen, todo, jobs = set(), [root + "index.html"], set()
while todo:
    page = todo.pop()
    if page in seen: continue
    seen.add(page)
    p = P(); p.feed(open(os.path.join(www, page[len(root):])).read())
    base = urllib.parse.urljoin(page, p.base) if p.base else page
    for h in p.links:
        u = urllib.parse.urljoin(base, h)
        assert u.startswith(root), u
        u = u[len(root):]
        if u.startswith("index/") and u.endswith(".html"):
            todo.append(root + u)
        parts = u.split("/")
        if len(parts) == 3 and parts[0] == "jobs" and parts[2] == "index.html":
            jobs.add(parts[1])
for j in sorted(jobs): print(j)
print("pages:", len(seen), file=sys.stderr)
PY

# shards.py WWW: the jobs of every shard the manifest names, checked
# against it, one ID a line
cat >shards.py <<'PY'
import json, os, re, sys
www = sys.argv[1]
m = open(os.path.join(www, "index/manifest.js")).read()
man = json.loads(re.fullmatch(r"spoolboardIndex\((.*)\);\n", m, re.S).group(1))
ids = []
for k, sh in enumerate(man["shards"], 1):
    t = open(os.path.join(www, "index/%d.js" % k)).read()
    g = re.fullmatch(r"spoolboardShard\((\d+), (.*)\);\n", t, re.S)
    assert int(g.group(1)) == k, (k, g.group(1))
    jobs = json.loads(g.group(2))
    assert len(jobs) == sh["n"], (k, len(jobs), sh["n"])
    assert len(jobs) == 100 or k == len(man["shards"]), (k, len(jobs))
    ids += [j["id"] for j in jobs]
assert man["total"] == len(ids), (man["total"], len(ids))
for i in sorted(ids): print(i)
PY

test_expect_success '250 jobs: the newest 100 rows, three pages' '
	python3 mkjobs.py 250 &&
	spoolboard render --spool spool --templates "$T" &&
	test $(grep -c "<tr data-status" spool/www/index.html) = 100 &&
	grep -q "job number 249<" spool/www/index.html &&
	! grep -q "job number 149<" spool/www/index.html &&
	grep -q "href=\"index/3.html\">201–250<" spool/www/index.html &&
	grep -q "href=\"index/1.html\">1–100<" spool/www/index.html &&
	test $(grep -c "<tr data-status" spool/www/index/1.html) = 100 &&
	test $(grep -c "<tr data-status" spool/www/index/3.html) = 50 &&
	grep -q "job number 0<" spool/www/index/1.html &&
	grep -q "job number 249<" spool/www/index/3.html &&
	test $(grep -o "aria-current=\"page\">[^<]*<" spool/www/index/2.html) = "aria-current=\"page\">101–200<" &&
	! grep -q "aria-current" spool/www/index.html &&
	python3 -c "t = open(\"spool/www/index/2.html\").read()
assert 0 < t.index(\"<base href=\\\"../\\\">\") < t.index(\"stylesheet\"), \"no base before the links\""
'

test_expect_success 'feed.xml: the newest 100 finished jobs' '
	python3 -c "import xml.etree.ElementTree as ET
A = \"{http://www.w3.org/2005/Atom}\"
f = ET.parse(\"spool/www/feed.xml\").getroot()
ids = [e.find(A + \"id\").text.rsplit(\":\", 1)[1] for e in f.findall(A + \"entry\")]
want = [\"job%05d\" % i for i in range(249, -1, -1) if i % 5][:100]
assert ids == want, (ids[:3], want[:3], len(ids))
assert f.find(A + \"updated\").text == \"2026-11-01T04:09:00Z\", f.find(A + \"updated\").text"
'

test_expect_success 'every job is reachable by links, without a script' '
	python3 pages.py spool/www >linked 2>pages &&
	ls spool/jobs >all &&
	test_cmp all linked &&
	grep -q "pages: 4" pages
'

test_expect_success 'the shards hold every job once, as jobs.json does' '
	python3 shards.py spool/www >sharded &&
	test_cmp all sharded &&
	python3 -c "import json; print(\"\\n\".join(sorted(j[\"id\"] for j in
		json.load(open(\"spool/www/jobs.json\"))[\"jobs\"])))" >listed &&
	test_cmp all listed
'

# stamps: each shard, page and the manifest with its inode and mtime
stamps() {
	for f in spool/www/index/*; do
		echo "$f $(stat -c "%i %Y" "$f")"
	done
}

test_expect_success 'a change to one job rewrites its page and shard only' '
	stamps >before && cp spool/www/index/manifest.js man1 &&
	sleep 1 &&
	sed "s/\"epoch\": 5/\"epoch\": 7/" spool/jobs/job00042/state.json \
		>s.tmp && mv s.tmp spool/jobs/job00042/state.json &&
	spoolboard render --spool spool --templates "$T" &&
	stamps >after &&
	diff before after | sed -n "s/^> \([^ ]*\) .*/\1/p" >changed &&
	printf "%s\n" spool/www/index/1.html spool/www/index/1.js \
		spool/www/index/manifest.js >want &&
	test_cmp want changed &&
	grep -q "\"id\":\"job00042\".*\"epoch\":7" spool/www/index/1.js &&
	python3 -c "import json, re
v = [[s[\"v\"] for s in json.loads(re.search(r\"\\((.*)\\)\",
	open(f).read(), re.S).group(1))[\"shards\"]]
     for f in (\"man1\", \"spool/www/index/manifest.js\")]
assert v[0][0] != v[1][0] and v[0][1:] == v[1][1:], v"
'

test_expect_success 'in watch mode too, only that shard follows a change' '
	stamps >before &&
	{ "$SPOOLBOARD" render --spool spool --templates "$T" --watch \
		2>watch.err & echo $! >watch.pid; } &&
	i=0 && while ! grep -q "epoch\":7" spool/www/index/1.js &&
		[ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done &&
	sleep 1 &&
	sed "s/\"epoch\": 5/\"epoch\": 8/" spool/jobs/job00142/state.json \
		>s.tmp && mv s.tmp spool/jobs/job00142/state.json &&
	i=0 && while ! grep -q "\"id\":\"job00142\".*\"epoch\":8" \
		spool/www/index/2.js && [ $i -lt 100 ]; do
		sleep 0.1; i=$((i + 1)); done &&
	sed "s/\"epoch\": 5/\"epoch\": 9/" spool/jobs/job00143/state.json \
		>s.tmp && mv s.tmp spool/jobs/job00143/state.json &&
	i=0 && while ! grep -q "\"id\":\"job00143\".*\"epoch\":9" \
		spool/www/index/2.js && [ $i -lt 100 ]; do
		sleep 0.1; i=$((i + 1)); done &&
	kill $(cat watch.pid) && wait $(cat watch.pid);
	stamps >after &&
	diff before after | sed -n "s/^> \([^ ]*\) .*/\1/p" >changed &&
	printf "%s\n" spool/www/index/2.html spool/www/index/2.js \
		spool/www/index/manifest.js >want &&
	test_cmp want changed &&
	grep -q "job00143.*job number 143.*epoch\":9" spool/www/index/2.js &&
	grep -q ">9/10<" spool/www/index/2.html
'

test_expect_success 'the pages of jobs gone are removed' '
	rm -r spool/jobs/job002* spool/jobs/job001[5-9]* &&
	spoolboard render --spool spool --templates "$T" &&
	test -f spool/www/index/2.html && test -f spool/www/index/2.js &&
	! test -e spool/www/index/3.html && ! test -e spool/www/index/3.js &&
	test $(grep -c "<tr data-status" spool/www/index/2.html) = 50
'

test_expect_success 'a spool of 100 jobs or fewer: no page list' '
	mkdir small && (cd small && python3 ../mkjobs.py 7 &&
	spoolboard render --spool spool --templates "$T") &&
	test $(grep -c "<tr data-status" small/spool/www/index.html) = 7 &&
	! grep -q "pagenote" small/spool/www/index.html &&
	test -f small/spool/www/index/1.js
'

test_expect_success 'at 2,000 jobs index.html stays under 300 KB' '
	mkdir big && (cd big && python3 ../mkjobs.py 2000 &&
	spoolboard render --spool spool --templates "$T") &&
	size=$(stat -c %s big/spool/www/index.html) &&
	echo "index.html: $size bytes" &&
	test "$size" -le 300000 &&
	test $(grep -c "<tr data-status" big/spool/www/index.html) = 100 &&
	test $(ls big/spool/www/index/*.js | wc -l) = 21
'

test_done
