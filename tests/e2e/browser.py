#!/usr/bin/env python3
# tests/e2e/browser.py - drive headless Chromium over the DevTools protocol
# (--remote-debugging-pipe, Python's standard library only) against a
# rendered spool's www/ served on 127.0.0.1, for t3100-browser.sh.
#
#	browser.py CHROMIUM WWW JOB ADVANCE_CMD ARTIFACTS RESULTS [HASH...]
#	browser.py CHROMIUM WWW --looks JOB[,JOB...] ARTIFACTS RESULTS
#
# With --looks, it only loads each job's page at desktop and phone width,
# light and dark, and keeps a screenshot of each (JOB-phone-dark.png...),
# recording in RESULTS' "looks" whether the page is wider than the screen
# and the console errors of each job.
# With HASHes (and JOB "-"), it only loads index.html#HASH for each one
# and records the console errors, the rows and location.hash of each in
# RESULTS' "hashes" (a URL made up by anyone must not break the page).
# Serves WWW from a thread, loads jobs/JOB/index.html, runs ADVANCE_CMD
# (shell code that changes the job's state and re-renders), waits (bounded)
# for the page to show the new epoch without a reload, then loads the index
# and filters it by status. Everything seen is written to RESULTS (JSON)
# for the test to check; screenshots go to ARTIFACTS, also of the index
# and the job at desktop and phone width, light and dark. Exit status 0 when
# the browser session ran to its end, 1 when it broke off (RESULTS then
# holds "error"). Every process started is in one process group, killed
# at the end.
import base64
import fcntl
import functools
import http.server
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse


class Quiet(http.server.SimpleHTTPRequestHandler):
	def log_message(self, fmt, *args):
		pass


class Chrome:
	def __init__(self, exe, profile):
		to_r, to_w = os.pipe()		# we write, chromium reads (fd 3)
		from_r, from_w = os.pipe()	# chromium writes (fd 4), we read

		def child():
			# via fds >= 10, so that neither dup2 clobbers the
			# other; close_fds runs after this and keeps 3 and 4
			a = fcntl.fcntl(to_r, fcntl.F_DUPFD, 10)
			b = fcntl.fcntl(from_w, fcntl.F_DUPFD, 10)
			os.dup2(a, 3)
			os.dup2(b, 4)
		args = [exe, "--headless", "--no-sandbox", "--disable-gpu",
			"--disable-quic", "--no-first-run",
			"--disable-background-networking",
			"--disable-component-update", "--disable-sync",
			"--disable-extensions", "--mute-audio",
			"--no-default-browser-check", "--hide-scrollbars",
			"--window-size=1280,900",
			"--user-data-dir=" + profile,
			"--remote-debugging-pipe", "about:blank"]
		self.log = open(os.path.join(profile, "..", "chromium.log"),
				"wb")
		self.proc = subprocess.Popen(args, preexec_fn=child,
					     pass_fds=(3, 4),
					     stdin=subprocess.DEVNULL,
					     stdout=self.log, stderr=self.log,
					     start_new_session=True)
		os.close(to_r)
		os.close(from_w)
		self.wfd, self.rfd = to_w, from_r
		self.buf = b""
		self.next_id = 0
		self.events = []
		self.session = None

	def _read(self, deadline):
		while b"\0" not in self.buf:
			left = deadline - time.monotonic()
			if left <= 0:
				raise RuntimeError("chromium: no answer in time")
			r, _, _ = select.select([self.rfd], [], [], left)
			if not r:
				continue
			chunk = os.read(self.rfd, 1 << 20)
			if not chunk:
				raise RuntimeError("chromium: pipe closed")
			self.buf += chunk
		msg, self.buf = self.buf.split(b"\0", 1)
		return json.loads(msg)

	def call(self, method, timeout=15, session=True, **params):
		self.next_id += 1
		m = {"id": self.next_id, "method": method, "params": params}
		if session and self.session:
			m["sessionId"] = self.session
		os.write(self.wfd, json.dumps(m).encode() + b"\0")
		deadline = time.monotonic() + timeout
		while True:
			r = self._read(deadline)
			if r.get("id") == self.next_id:
				if "error" in r:
					raise RuntimeError("%s: %s" %
							   (method, r["error"]))
				return r.get("result", {})
			if "method" in r:
				self.events.append(r)

	def pump(self, seconds):
		"""Collect events for up to SECONDS."""
		deadline = time.monotonic() + seconds
		try:
			while True:
				r = self._read(deadline)
				if "method" in r:
					self.events.append(r)
		except RuntimeError as e:
			if "in time" not in str(e):
				raise

	def wait_event(self, method, timeout=15):
		deadline = time.monotonic() + timeout
		while True:
			for i, e in enumerate(self.events):
				if e["method"] == method:
					del self.events[i]
					return e
			r = self._read(deadline)
			if "method" in r:
				self.events.append(r)

	def js(self, expr):
		r = self.call("Runtime.evaluate", expression=expr,
			      returnByValue=True, awaitPromise=True)
		if "exceptionDetails" in r:
			raise RuntimeError("js: %s: %s" %
					   (expr, r["exceptionDetails"]))
		return r["result"].get("value")

	def goto(self, url):
		"""Load URL afresh (a change of fragment alone fires no load
		event, so leave the page first)."""
		if url != "about:blank":
			self.goto("about:blank")
		self.events = [e for e in self.events
			       if e["method"] != "Page.loadEventFired"]
		r = self.call("Page.navigate", url=url)
		if r.get("errorText"):
			raise RuntimeError("navigate %s: %s" %
					   (url, r["errorText"]))
		self.wait_event("Page.loadEventFired")

	def shot(self, path):
		r = self.call("Page.captureScreenshot", format="png",
			      captureBeyondViewport=True)
		with open(path, "wb") as f:
			f.write(base64.b64decode(r["data"]))

	def close(self):
		try:
			self.call("Browser.close", timeout=3, session=False)
			self.proc.wait(timeout=3)
		except Exception:
			pass
		for sig in (signal.SIGTERM, signal.SIGKILL):
			try:
				os.killpg(self.proc.pid, sig)
			except ProcessLookupError:
				break
			time.sleep(0.2)
		try:
			self.proc.wait(timeout=3)
		except subprocess.TimeoutExpired:
			pass
		os.close(self.wfd)
		os.close(self.rfd)
		self.log.close()


def console_errors(events, ignored):
	"""Console errors, uncaught exceptions and failed loads seen so far
	(the pages name an empty favicon, so a /favicon.ico 404 is an error
	too). IGNORED is kept for errors a test chooses to accept."""
	out = []
	for e in events:
		m, p = e["method"], e.get("params", {})
		if m == "Runtime.consoleAPICalled" and \
		   p.get("type") in ("error", "assert"):
			out.append("console.%s: %s" % (p["type"], " ".join(
				str(a.get("value", a.get("description", "")))
				for a in p.get("args", []))))
		elif m == "Runtime.exceptionThrown":
			d = p.get("exceptionDetails", {})
			out.append("exception: %s" % d.get("exception", {})
				   .get("description", d.get("text")))
		elif m == "Log.entryAdded" and \
		     p.get("entry", {}).get("level") == "error":
			en = p["entry"]
			out.append("log: %s %s" % (en.get("text"),
						   en.get("url", "")))
	return out


ROWS = ("Array.from(document.querySelectorAll('#jobs tbody tr'))"
	".filter(function (r) { return !r.hidden &&"
	" r.getClientRects().length > 0; })"
	".map(function (r) { return r.getAttribute('data-status'); })")


def filter_by(c, status):
	c.js("(function () { var s = document.getElementById('fstatus');"
	     " s.value = %s; s.dispatchEvent(new Event('input',"
	     " {bubbles: true})); })()" % json.dumps(status))
	return {"rows": c.js(ROWS), "hash": c.js("location.hash")}


def attach(c):
	t = c.call("Target.createTarget", session=False, url="about:blank")
	a = c.call("Target.attachToTarget", session=False,
		   targetId=t["targetId"], flatten=True)
	c.session = a["sessionId"]
	for d in ("Page", "Runtime", "Log"):
		c.call(d + ".enable")


def index_hashes(c, base, hashes, res):
	"""Load the index at each of HASHES, each one's errors apart."""
	attach(c)
	res["hashes"] = {}
	for h in hashes:
		c.events = []
		c.goto(base + "/index.html#" + h)
		c.pump(0.3)
		res["hashes"][h] = {"errors": console_errors(c.events, []),
				    "rows": c.js(ROWS),
				    "hash": c.js("location.hash")}


def session(c, base, www, job, advance, artifacts, res):
	attach(c)

	# a running job's page, then a later epoch without a reload
	c.goto("%s/jobs/%s/index.html" % (base, job))
	c.js("window.__spoolboard_marker = 42")
	res["epoch_before"] = c.js(
		"document.querySelector('[data-f=epoch]').textContent")
	res["live_bar_shown"] = c.js("!document.getElementById('livebar')"
				     ".hidden")
	# Python's server answers 304 when the file's mtime is in the same
	# second as the one the browser has: change it in a later second.
	data = os.path.join(www, "jobs", job, "data.json")
	while time.time() < int(os.stat(data).st_mtime) + 1.05:
		time.sleep(0.05)
	r = subprocess.run(["sh", "-c", advance], capture_output=True,
			   text=True, timeout=20)
	res["advance_rc"] = r.returncode
	res["advance_out"] = r.stdout + r.stderr
	want = json.load(open(data))["epoch"]
	res["epoch_want"] = want
	seen, waited = None, 0.0
	t0 = time.monotonic()
	while time.monotonic() - t0 < 12:
		seen = c.js("document.querySelector('[data-f=epoch]')"
			    ".textContent")
		if seen == str(want):
			break
		c.pump(0.25)
	res["wait_seconds"] = round(time.monotonic() - t0, 2)
	res["epoch_after"] = seen
	res["marker_after"] = c.js("window.__spoolboard_marker || null")
	res["progress_after"] = c.js(
		"document.querySelector('[data-f=progress_pct]').textContent")
	res["progress_want"] = json.load(open(data))["progress_pct"]
	res["livenote"] = c.js("document.getElementById('livenote')"
			       ".textContent")
	# the rest of what a poll brings: charts (new ones added), the log
	res["charts_after"] = c.js("Array.from(document.querySelectorAll("
				   "'#charts-train figure')).map(function (f)"
				   " { return f.id; })")
	res["chart_wait_hidden"] = c.js("(function () { var w = document."
					"getElementById('chart-wait'); return"
					" !w || w.hidden; })()")
	res["log_after"] = c.js("document.getElementById('log').textContent"
				".trim().split('\\n').pop()")
	c.shot(os.path.join(artifacts, "job.png"))
	res["ignored"] = []
	res["job_errors"] = console_errors(c.events, res["ignored"])

	# the index, filtered by status
	c.goto(base + "/index.html")
	res["controls_shown"] = c.js("!document.getElementById('controls')"
				     ".hidden")
	res["all_rows"] = c.js(ROWS)
	# times come as ISO; live.js shows them relative, the ISO on hover
	res["times"] = c.js("Array.from(document.querySelectorAll("
			    "'#jobs time')).map(function (t) { return "
			    "[t.textContent, t.getAttribute('title'), "
			    "t.getAttribute('datetime')]; })")
	c.shot(os.path.join(artifacts, "index.png"))
	res["filter"] = {}
	for st in ("running", "completed", "failed", "queued", "cancelled",
		   ""):
		res["filter"][st] = filter_by(c, st)
	# the filter is kept in the hash: a reload restores it
	filter_by(c, "cancelled")
	c.goto(base + "/index.html#status=completed")
	res["from_hash"] = {"rows": c.js(ROWS), "select": c.js(
		"document.getElementById('fstatus').value")}
	c.pump(0.3)
	res["errors"] = console_errors(c.events, [])
	looks(c, base, job, artifacts, res)


# The pages as people see them: desktop and phone width, light and dark;
# screenshots NAME-{desktop,phone}-{light,dark}.png, and per view whether
# the page is wider than the screen (it must not scroll sideways).
def looks(c, base, job, artifacts, res):
	res["overflow"] = {}
	for dark in (False, True):
		c.call("Emulation.setEmulatedMedia", features=[
			{"name": "prefers-color-scheme",
			 "value": "dark" if dark else "light"}])
		for phone in (False, True):
			c.call("Emulation.setDeviceMetricsOverride",
			       width=390 if phone else 1280,
			       height=844 if phone else 800,
			       deviceScaleFactor=1, mobile=phone)
			for name, url in (("index", "/index.html"),
					  ("job", "/jobs/%s/index.html" % job)):
				key = "%s-%s-%s" % (name, "phone" if phone
						    else "desktop",
						    "dark" if dark else "light")
				c.goto(base + url)
				c.pump(0.2)
				res["overflow"][key] = c.js(
					"document.documentElement.scrollWidth"
					" > window.innerWidth")
				c.shot(os.path.join(artifacts, key + ".png"))
	c.call("Emulation.clearDeviceMetricsOverride")


def job_looks(c, base, jobs, artifacts, res):
	"""Each of JOBS' pages as people see them, for --looks."""
	attach(c)
	res["looks"] = {}
	for job in jobs:
		seen = {"overflow": {}, "errors": []}
		c.events = []
		for dark in (False, True):
			c.call("Emulation.setEmulatedMedia", features=[
				{"name": "prefers-color-scheme",
				 "value": "dark" if dark else "light"}])
			for phone in (False, True):
				c.call("Emulation.setDeviceMetricsOverride",
				       width=390 if phone else 1280,
				       height=844 if phone else 800,
				       deviceScaleFactor=1, mobile=phone)
				key = "%s-%s" % ("phone" if phone else "desktop",
						 "dark" if dark else "light")
				c.goto("%s/jobs/%s/index.html" % (base, job))
				c.pump(0.2)
				seen["overflow"][key] = c.js(
					"document.documentElement.scrollWidth"
					" > window.innerWidth")
				c.shot(os.path.join(artifacts, "%s-%s.png" %
						    (job, key)))
		seen["errors"] = console_errors(c.events, [])
		res["looks"][job] = seen
	c.call("Emulation.clearDeviceMetricsOverride")


def on_term(sig, frame):
	# `timeout` sends SIGTERM: unwind, so that chromium is killed too
	raise SystemExit(1)


def browse(exe, www, artifacts, results, fn):
	"""Serve WWW on 127.0.0.1, start Chromium and call FN(c, bases, res)
	with bases [("http", URL), ("file", URL)] of the site's folder; RES
	(a dict, with "error" when the session broke off) is written to
	RESULTS as JSON, Chromium's log to ARTIFACTS. Returns the exit
	status: 0 when FN ran to its end, else 1. Every process started is
	killed at the end."""
	signal.signal(signal.SIGTERM, on_term)
	www = os.path.abspath(www)
	os.makedirs(artifacts, exist_ok=True)
	handler = functools.partial(Quiet, directory=www)
	srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
	th = threading.Thread(target=srv.serve_forever, daemon=True)
	th.start()
	bases = [("http", "http://127.0.0.1:%d" % srv.server_address[1]),
		 ("file", "file://" + urllib.parse.quote(www))]
	tmp = tempfile.mkdtemp(prefix="spoolboard-chromium.")
	profile = os.path.join(tmp, "profile")
	os.mkdir(profile)
	res = {"base": bases[0][1]}
	rc = 0
	c = None
	try:
		c = Chrome(exe, profile)
		fn(c, bases, res)
	except (Exception, SystemExit) as e:
		res["error"] = "%s: %s" % (type(e).__name__, e)
		rc = 1
	finally:
		if c:
			c.close()
		srv.shutdown()
		srv.server_close()
		log = os.path.join(tmp, "chromium.log")
		if os.path.exists(log):
			shutil.copy(log, os.path.join(artifacts,
						      "chromium.log"))
		shutil.rmtree(tmp, ignore_errors=True)
	with open(results, "w") as f:
		json.dump(res, f, indent=1)
	if rc:
		print(res["error"], file=sys.stderr)
	return rc


def main():
	exe, www, job, advance, artifacts, results = sys.argv[1:7]
	hashes = sys.argv[7:]

	def run(c, bases, res):
		base = bases[0][1]
		if job == "--looks":
			job_looks(c, base, advance.split(","), artifacts, res)
		elif hashes:
			index_hashes(c, base, hashes, res)
		else:
			session(c, base, www, job, advance, artifacts, res)
	return browse(exe, www, artifacts, results, run)


if __name__ == "__main__":
	sys.exit(main())
