#!/usr/bin/env python3
# tests/e2e/browser_index.py - the index as a live page, on a phone, and
# its empty states, in headless Chromium (browser.py's Chrome: the
# DevTools protocol over a pipe), for t3110.
#
#	browser_index.py CHROMIUM ROOT CHANGE_CMD ADD_CMD ARTIFACTS RESULTS
#
# ROOT holds three rendered spools, served over http on 127.0.0.1:
# live/spool/www (a few hand-written jobs, one running since a minute
# ago), sweep/spool/www (a sweep of trained jobs, a failed and a running
# one) and empty/spool/www (no job). The session:
#  - live: loads the index filtered and sorted by its hash, ticks a box,
#    waits for the first poll of jobs.json, compares every row with the
#    renderer's (the times and a running job's duration as the renderer
#    wrote them), runs CHANGE_CMD (shell code that adds two jobs, removes
#    one, starts a queued one and renders), waits (bounded) for the rows
#    to follow without a reload, and records the rows, counts, hash, the
#    ticked box and the new row against the renderer's;
#  - the duration of the running job, sampled on the index and its page
#    over a few seconds (a poll among them);
#  - filters: the count cards clicked (and one by the keyboard), a
#    search that matches nothing and its "Clear filters" button;
#  - empty: the empty index, then ADD_CMD (a job comes) followed live;
#  - over file://: the note that live updates need http;
#  - at 390 px wide, light and dark: every page kind, whether it scrolls
#    sideways, and the index's rows as cards, the counts as one strip;
#  - many (many/spool/www, more than 100 jobs), over http and file://:
#    the index once its shards are loaded, searched for a job that is
#    not among the newest 100, sorted by each column it offers (both
#    ways, by click; and from a bookmarked hash) and filtered by each
#    status; then, with scripts disabled, every job reached by links from
#    index.html through the pages; the sort chips at 390 px on the index
#    (they sort) and on a page of jobs (none, nor without a script).
# Screenshots in ARTIFACTS; what was seen in RESULTS (JSON). Exit status 0
# when the session ran to its end, 1 when it broke off (RESULTS then
# holds "error").
import base64
import json
import os
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser import attach, browse, console_errors  # noqa: E402
from browser_compare import wait_for  # noqa: E402

VISIBLE = ("Array.from(document.querySelectorAll('#jobs tbody tr'))"
	   ".filter(function (r) { return !r.hidden &&"
	   " r.getClientRects().length > 0; })"
	   ".map(function (r) { return r.querySelector('.pick').value; })")
ALL = ("Array.from(document.querySelectorAll('#jobs tbody tr'))"
       ".map(function (r) { return [r.querySelector('.pick').value,"
       " r.getAttribute('data-status')]; })")
COUNTS = ("(function () { var o = {}; document.querySelectorAll("
	  "'[data-count]').forEach(function (e) { o[e.getAttribute("
	  "'data-count')] = e.textContent; }); return o; })()")
SHOWN = "(function (id) { var e = document.getElementById(id);" \
	" return !!e && !e.hidden && e.getClientRects().length > 0; })"
# The rows of the page against those of index.html as the renderer wrote
# it (parsed by the browser, so both sides are serialised alike). The
# page's times are relative and a running job's duration ticks: both are
# put back as the renderer wrote them first, from the attributes and
# jobs.json. {id: [page's row, renderer's row]} for each row that differs.
ROWS_VS_RENDERER = """
Promise.all([fetch('index.html', {cache: 'no-store'}).then(function (r) {
	return r.text(); }), fetch('jobs.json', {cache: 'no-store'})
	.then(function (r) { return r.json(); })]).then(function (x) {
	var doc = new DOMParser().parseFromString(x[0], 'text/html');
	var dur = {}, mine = {}, theirs = {}, out = {};
	x[1].jobs.forEach(function (j) { dur[j.id] = j.duration; });
	document.querySelectorAll('#jobs tbody tr').forEach(function (r) {
		var c = r.cloneNode(true), id = r.querySelector('.pick').value;
		c.removeAttribute('hidden');
		c.querySelectorAll('time').forEach(function (t) {
			t.textContent = t.getAttribute('datetime'); });
		if (c.getAttribute('data-status') === 'running')
			c.cells[7].textContent = dur[id];
		mine[id] = c.outerHTML;
	});
	doc.querySelectorAll('#jobs tbody tr').forEach(function (r) {
		theirs[r.querySelector('.pick').value] = r.outerHTML; });
	Object.keys(mine).concat(Object.keys(theirs)).forEach(function (id) {
		if (mine[id] !== theirs[id]) out[id] = [mine[id] || null,
							theirs[id] || null];
	});
	return {n: Object.keys(theirs).length, differ: out};
})"""


def seconds_of(text):
	"""The seconds of a duration as time_duration() writes it."""
	units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
	total = 0.0
	for part in (text or "").split():
		total += float(part[:-1]) * units[part[-1]]
	return total


def sample_duration(c, expr, started, seconds):
	"""EXPR (a duration's text) every 0.25 s for SECONDS, as seconds,
	with the seconds from STARTED (an expression: the start, ISO) to
	the browser's clock after the last."""
	out = []
	t0 = time.monotonic()
	while time.monotonic() - t0 < seconds:
		out.append(seconds_of(c.js(expr)))
		c.pump(0.25)
	return {"samples": out, "since_start": c.js(
		"(Date.now() - Date.parse(%s)) / 1000" % started)}


def later_second(path):
	# a change within the second of the last one may go unseen by a
	# server that compares mtimes to the second
	while time.time() < int(os.stat(path).st_mtime) + 1.05:
		time.sleep(0.05)


def run(cmd):
	r = subprocess.run(["sh", "-c", cmd], capture_output=True, text=True,
			   timeout=30)
	return {"rc": r.returncode, "out": r.stdout + r.stderr}


def media(c, width, dark):
	c.call("Emulation.setEmulatedMedia", features=[
		{"name": "prefers-color-scheme",
		 "value": "dark" if dark else "light"}])
	c.call("Emulation.setDeviceMetricsOverride", width=width,
	       height=844 if width < 600 else 800, deviceScaleFactor=1,
	       mobile=width < 600)


def key_enter(c):
	for t in ("keyDown", "keyUp"):
		c.call("Input.dispatchKeyEvent", type=t, key="Enter",
		       code="Enter", windowsVirtualKeyCode=13,
		       text="\r" if t == "keyDown" else "")


def live(c, base, root, change, art, res):
	idx = base + "/live/spool/www/index.html"
	c.goto(idx + "#tag=hand&sort=name&dir=asc")
	c.js("window.__marker = 42")
	c.js("document.querySelector('.pick[value=done]').click()")
	res["first_poll"] = bool(wait_for(c, "/updated/.test(document."
					  "getElementById('livenote').textContent)"))
	res["rows_before"] = c.js(VISIBLE)
	res["counts_before"] = c.js(COUNTS)
	res["cards_are_buttons"] = c.js(
		"Array.from(document.querySelectorAll('.counts .count'))"
		".map(function (b) { return b.tagName + ':' +"
		" b.getAttribute('aria-pressed'); })")
	# every row, made again from jobs.json, against the renderer's
	c.js("document.getElementById('livetoggle').click()")
	res["rows_vs_renderer"] = c.js(ROWS_VS_RENDERER)
	c.js("document.getElementById('livetoggle').click()")

	later_second(os.path.join(root, "live/spool/www/jobs.json"))
	res["change"] = run(change)
	res["followed"] = bool(wait_for(c, "(function () { var v = "
		"document.querySelector('.pick[value=new1]'); return v &&"
		" !document.querySelector('.pick[value=stop]'); })()", 12))
	res["rows_after"] = c.js(VISIBLE)
	res["all_after"] = c.js(ALL)
	res["counts_after"] = c.js(COUNTS)
	res["hash_after"] = c.js("location.hash")
	res["tag_after"] = c.js("document.getElementById('ftag').value")
	res["ticked_after"] = c.js(
		"Array.from(document.querySelectorAll('.pick')).filter("
		"function (p) { return p.checked; }).map(function (p) {"
		" return p.value; })")
	res["marker_after"] = c.js("window.__marker || null")
	c.js("document.getElementById('livetoggle').click()")
	res["rows_vs_renderer_after"] = c.js(ROWS_VS_RENDERER)
	c.js("document.getElementById('livetoggle').click()")

	# a running job's duration counts up each second, a poll among them
	expr = ("document.querySelector('tr[data-status=running] .pick"
		"[value=run]').closest('tr').cells[7].textContent")
	res["index_ticks"] = sample_duration(
		c, expr, "document.querySelector('.pick[value=run]')"
		".closest('tr').getAttribute('data-started')", 4.5)

	# the count cards filter; the search that hides every row
	c.js("document.getElementById('clearfilters').click()")
	res["cleared_hash"] = c.js("location.hash")
	c.js("document.querySelector('.count[data-key=failed]').click()")
	res["card_failed"] = {"rows": c.js(VISIBLE),
			      "hash": c.js("location.hash"),
			      "select": c.js("document.getElementById("
					     "'fstatus').value"),
			      "pressed": c.js(
		"document.querySelector('.count[data-key=failed]')"
		".getAttribute('aria-pressed')")}
	c.js("document.querySelector('.count[data-key=failed]').click()")
	res["card_again"] = {"rows": len(c.js(VISIBLE)),
			     "hash": c.js("location.hash")}
	c.js("document.querySelector('.count[data-key=running]').focus()")
	key_enter(c)
	res["card_key"] = {"rows": c.js(VISIBLE),
			   "hash": c.js("location.hash")}
	c.js("document.querySelector('.count[data-key=total]').click()")
	res["card_total"] = {"rows": len(c.js(VISIBLE)),
			     "hash": c.js("location.hash"),
			     "pressed": c.js(
		"document.querySelector('.count[data-key=total]')"
		".getAttribute('aria-pressed')")}
	c.js("(function () { var q = document.getElementById('q');"
	     " q.value = 'no such job'; q.dispatchEvent(new Event('input',"
	     " {bubbles: true})); })()")
	res["nomatch"] = {"rows": c.js(VISIBLE),
			  "shown": c.js(SHOWN + "('nomatch')"),
			  "text": c.js("document.getElementById('nomatch')"
				       ".textContent")}
	c.shot(os.path.join(art, "index-nomatch.png"))
	c.js("document.getElementById('clearfilters').click()")
	res["after_clear"] = {"rows": len(c.js(VISIBLE)),
			      "hash": c.js("location.hash"),
			      "shown": c.js(SHOWN + "('nomatch')")}

	# the running job's own page
	c.goto(base + "/live/spool/www/jobs/run/index.html")
	res["job_ticks"] = sample_duration(
		c, "document.querySelector('[data-f=duration]').textContent",
		"document.querySelector('[data-f=duration]')"
		".getAttribute('data-started')", 4.5)


def empty(c, base, root, add, art, res):
	c.goto(base + "/empty/spool/www/index.html")
	res["empty"] = {"nojobs": c.js(SHOWN + "('nojobs')"),
			"table": c.js(SHOWN + "('jobs')"),
			"text": c.js("document.getElementById('nojobs')"
				     ".textContent")}
	c.shot(os.path.join(art, "index-empty.png"))
	later_second(os.path.join(root, "empty/spool/www/jobs.json"))
	res["add"] = run(add)
	res["empty_followed"] = bool(wait_for(c, "!!document.querySelector("
					      "'.pick[value=first]')", 12))
	res["empty_after"] = {"nojobs": c.js(SHOWN + "('nojobs')"),
			      "rows": c.js(VISIBLE),
			      "counts": c.js(COUNTS)}


def looks(c, base, res, art):
	pages = [("index", "live/spool/www/index.html"),
		 ("job-running", "live/spool/www/jobs/run/index.html"),
		 ("job-failed", "sweep/spool/www/jobs/bad/index.html"),
		 ("job-completed", "sweep/spool/www/jobs/lr-sweep-01/"
		  "index.html"),
		 ("sweep-index", "sweep/spool/www/index.html"),
		 ("group", "sweep/spool/www/groups/lr-sweep/index.html"),
		 ("compare", "sweep/spool/www/compare.html?ids=lr-sweep-01,"
		  "lr-sweep-02,lr-sweep-07"),
		 ("compare-none", "sweep/spool/www/compare.html"),
		 ("empty", "empty/spool/www/index.html")]
	res["overflow"] = {}
	res["wide"] = {}
	for dark in (False, True):
		for width in (1280, 390):
			media(c, width, dark)
			for name, path in pages:
				key = "%s-%s-%s" % (name, "phone" if width < 600
						    else "desktop",
						    "dark" if dark else "light")
				c.goto(base + "/" + path)
				c.pump(0.3)
				res["overflow"][key] = c.js(
					"document.documentElement.scrollWidth"
					" > window.innerWidth")
				# what sticks out, to say where to look
				res["wide"][key] = c.js(
					"Array.from(document.querySelectorAll("
					"'main *')).filter(function (e) {"
					" var r = e.getBoundingClientRect();"
					" return r.right > innerWidth + 1; })"
					".slice(0, 3).map(function (e) { return"
					" e.tagName + '.' + e.className; })")
				if name in ("index", "empty", "job-running",
					    "group", "compare"):
					c.shot(os.path.join(art, key + ".png"))
				if name == "index" and width < 600:
					res.setdefault("phone_index", {})[
						key] = c.js(PHONE_INDEX)
	c.call("Emulation.clearDeviceMetricsOverride")


# The index on a phone: each row a card (a flex box, no wider than the
# screen), the headings chips, the count cards one strip of few lines.
PHONE_INDEX = """(function () {
	var rows = Array.from(document.querySelectorAll('#jobs tbody tr'));
	var cards = Array.from(document.querySelectorAll('.counts .count'));
	var strip = document.querySelector('.counts').getBoundingClientRect();
	return {
		display: rows.map(function (r) {
			return getComputedStyle(r).display; }),
		fit: rows.every(function (r) {
			return r.getBoundingClientRect().right <= innerWidth; }),
		name_lines: rows.map(function (r) {
			var a = r.cells[0].querySelector('a');
			return Math.round(a.getBoundingClientRect().height /
				parseFloat(getComputedStyle(a).lineHeight)); }),
		strip_height: strip.height,
		cards: cards.length
	};
})()"""


# Every row of the index, shown or not; the sortable columns' keys
KEYS = ("Array.from(document.querySelectorAll('#jobs th[data-sort]'))"
	".map(function (th) { return th.getAttribute('data-sort'); })")
# The sort chips at phone width: whether the headings show, what is
# before them ("Sort by"), and whether they are sortable
CHIPS = """(function () {
	var h = document.querySelector('#jobs thead');
	var tr = h && h.rows[0];
	return {shown: !!h && h.getClientRects().length > 0,
		before: tr ? getComputedStyle(tr, '::before').content : null,
		sortable: document.querySelectorAll('#jobs th[data-sort]')
			.length};
})()"""


def set_value(c, id, value):
	c.js("(function () { var e = document.getElementById(%s);"
	     " e.value = %s; e.dispatchEvent(new Event('input',"
	     " {bubbles: true})); })()" % (json.dumps(id), json.dumps(value)))


def many_loaded(c, n):
	"""Wait (bounded) until the index shows N rows and says that
	search and sort cover them all."""
	return bool(wait_for(c, "document.querySelectorAll('#jobs tbody tr')"
			     ".length === %d && /cover all %d jobs/.test("
			     "document.getElementById('pagenote').textContent)"
			     % (n, n), 15))


def many_index(c, url, n, res):
	"""The index of N jobs at URL: search, sort, filter over all."""
	c.goto(url)
	res["loaded"] = many_loaded(c, n)
	res["pagenote"] = c.js("document.getElementById('pagenote')"
			       ".textContent")
	set_value(c, "q", "needle")
	res["search"] = {"rows": c.js(VISIBLE), "hash": c.js("location.hash"),
			 "href": c.js("(function () { var r = document."
				      "querySelector('.pick[value=m007]');"
				      " return r && r.closest('tr')."
				      "querySelector('a').href; })()")}
	c.js("document.getElementById('clearfilters').click()")
	res["keys"] = c.js(KEYS)
	res["sort"] = {}
	for k in res["keys"]:
		th = "document.querySelector('#jobs th[data-sort=%s]')" % k
		got = {}
		for d in ("asc", "desc"):
			c.js(th + ".click()")
			got[d] = c.js(VISIBLE)
			got[d + "_aria"] = c.js(th + ".getAttribute('aria-sort')")
			got[d + "_hash"] = c.js("location.hash")
		res["sort"][k] = got
	res["filter"] = {}
	for st in ("queued", "running", "completed", "failed", "cancelled"):
		set_value(c, "fstatus", st)
		res["filter"][st] = len(c.js(VISIBLE))
	set_value(c, "fstatus", "")
	c.js("document.querySelector('.count[data-key=failed]').click()")
	res["card_failed"] = len(c.js(VISIBLE))
	res["counts"] = c.js(COUNTS)
	# a bookmarked view: sorted and filtered from the hash, over all
	c.goto(url + "#status=completed&sort=best&dir=desc")
	many_loaded(c, n)
	res["from_hash"] = c.js(VISIBLE)


# Every job's page reached by links from index.html through the pages of
# jobs, with scripts disabled: {pages: [...], jobs: [...]} (the paths
# from the site's folder)
CRAWL_LINKS = ("Array.from(document.querySelectorAll('a[href]'))"
	       ".map(function (a) { return a.href; })")


def crawl(c, site):
	pages, jobs, todo = set(), set(), [site + "index.html"]
	while todo:
		u = todo.pop()
		if u in pages:
			continue
		pages.add(u)
		c.goto(u)
		for h in c.js(CRAWL_LINKS):
			h = h.split("#")[0]
			if not h.startswith(site):
				continue
			rel = h[len(site):]
			if rel.startswith("index/") and rel.endswith(".html"):
				todo.append(h)
			parts = rel.split("/")
			if len(parts) == 3 and parts[0] == "jobs" and \
			   parts[2] == "index.html":
				jobs.add(parts[1])
	return {"pages": sorted(p[len(site):] for p in pages),
		"jobs": sorted(jobs)}


def viewport_shot(c, path):
	"""What the screen shows, the job table's top a quarter down (a
	page of hundreds of rows is too tall to keep whole)."""
	c.js("window.scrollTo(0, document.getElementById('jobs')"
	     ".getBoundingClientRect().top + scrollY - innerHeight / 4)")
	r = c.call("Page.captureScreenshot", format="png")
	with open(path, "wb") as f:
		f.write(base64.b64decode(r["data"]))


def many(c, base, root, n, art, res):
	"""The spool of N jobs over http and file://, then its looks."""
	out = res["many"] = {}
	sites = (("http", base + "/many/spool/www/"),
		 ("file", "file://" + urllib.parse.quote(root) +
		  "/many/spool/www/"))
	media(c, 1280, False)
	for label, site in sites:
		out[label] = {}
		many_index(c, site + "index.html", n, out[label])
		c.call("Emulation.setScriptExecutionDisabled", value=True)
		try:
			out[label]["nojs"] = crawl(c, site)
			media(c, 390, False)
			c.goto(site + "index.html")
			out[label]["nojs_chips"] = c.js(CHIPS)
			c.goto(site + "index/1.html")
			out[label]["nojs_page_chips"] = c.js(CHIPS)
		finally:
			c.call("Emulation.setScriptExecutionDisabled",
			       value=False)
			media(c, 1280, False)
	# how the index and a page of jobs look, and whether the chips sort
	site = sites[0][1]
	out["chips"] = {}
	for dark in (False, True):
		for width in (1280, 390):
			key = "%s-%s" % ("phone" if width < 600 else "desktop",
					 "dark" if dark else "light")
			media(c, width, dark)
			c.goto(site + "index.html")
			many_loaded(c, n)
			viewport_shot(c, os.path.join(art,
						      "many-index-%s.png" % key))
			seen = {"index": c.js(CHIPS)}
			if width < 600 and not dark:
				c.js("document.querySelector("
				     "'#jobs th[data-sort=best]').click()")
				seen["index_sorted"] = c.js(VISIBLE)
			c.goto(site + "index/1.html")
			c.pump(0.2)
			viewport_shot(c, os.path.join(art,
						      "many-page-%s.png" % key))
			seen["page"] = c.js(CHIPS)
			seen["page_overflow"] = c.js(
				"document.documentElement.scrollWidth"
				" > window.innerWidth")
			out["chips"][key] = seen
	c.call("Emulation.clearDeviceMetricsOverride")


def session(c, base, root, change, add, art, res):
	attach(c)
	live(c, base, root, change, art, res)
	empty(c, base, root, add, art, res)
	c.goto("file://" + urllib.parse.quote(root) +
	       "/live/spool/www/index.html")
	res["file_note"] = c.js("document.getElementById('livenote')"
				".textContent")
	res["errors"] = console_errors(c.events, [])
	c.events = []
	looks(c, base, res, art)
	res["looks_errors"] = console_errors(c.events, [])
	c.events = []
	many(c, base, root, 230, art, res)
	res["many_errors"] = console_errors(c.events, [])


def main():
	exe, root, change, add, art, results = sys.argv[1:7]
	root = os.path.abspath(root)
	return browse(exe, root, art, results,
		      lambda c, bases, res: session(c, bases[0][1], root,
						    change, add, art, res))


if __name__ == "__main__":
	sys.exit(main())
