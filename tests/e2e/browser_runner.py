#!/usr/bin/env python3
# tests/e2e/browser_runner.py - the runner's line on every page, and a job
# page that stops saying Live when its runner is gone, in headless
# Chromium (browser.py), for t3240.
#
#	browser_runner.py CHROMIUM WWW JOB DOWN_CMD UP_CMD ARTIFACTS RESULTS
#
# Over http: loads jobs/JOB/index.html (a running job, its runner up),
# records the runner line and the live note; runs DOWN_CMD (shell code
# that makes the runner's heartbeat stale and re-renders), waits (bounded:
# live.js reads runner.js every 10 s) until the page says so, records the
# same again and takes a screenshot (job-runner-down.png); runs UP_CMD
# (the runner back) and waits for Live again. Then the index with the
# runner down and up, and the job page over file://. Exit status 0 when the session ran to its end.
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser import attach, browse, console_errors  # noqa: E402

SEEN = """(function () {
  var l = document.getElementById('runner-line');
  var n = document.getElementById('livenote');
  var b = document.getElementById('livetoggle');
  return { line: l && !l.hidden ? l.textContent : null,
           cls: l ? l.className : null,
           note: n ? n.textContent : null,
           toggle: b ? !b.hidden : null };
})()"""


def wait_seen(c, pred, seconds=15):
	"""SEEN, polled until PRED(seen) holds or SECONDS pass."""
	t0 = time.monotonic()
	seen = c.js(SEEN)
	while not pred(seen) and time.monotonic() - t0 < seconds:
		c.pump(0.25)
		seen = c.js(SEEN)
	return seen


def session(c, bases, job, down, up, artifacts, res):
	attach(c)
	base = bases[0][1]
	c.goto("%s/jobs/%s/index.html" % (base, job))
	res["up"] = wait_seen(c, lambda s: s["line"] and
			      s["note"].startswith("Live ·"))
	r = subprocess.run(["sh", "-c", down], capture_output=True,
			   text=True, timeout=20)
	res["down_rc"] = r.returncode
	res["down"] = wait_seen(c, lambda s: s["note"].startswith("Not live"))
	c.shot(os.path.join(artifacts, "job-runner-down.png"))
	r = subprocess.run(["sh", "-c", up], capture_output=True, text=True,
			   timeout=20)
	res["up_rc"] = r.returncode
	res["again"] = wait_seen(c, lambda s: s["note"].startswith("Live ·"))
	res["errors"] = console_errors(c.events, [])
	# the index with the runner down, then up
	subprocess.run(["sh", "-c", down], capture_output=True, timeout=20)
	c.goto(base + "/index.html")
	res["index_down"] = wait_seen(c, lambda s: s["note"] and
				      s["note"].startswith("Not live"))
	subprocess.run(["sh", "-c", up], capture_output=True, timeout=20)
	c.goto(base + "/index.html")
	res["index"] = wait_seen(c, lambda s: s["line"] and s["note"] and
				 s["note"].startswith("Live ·"))
	c.goto("%s/jobs/%s/index.html" % (bases[1][1], job))
	res["file"] = wait_seen(c, lambda s: s["line"])
	c.shot(os.path.join(artifacts, "job-file.png"))


def main():
	exe, www, job, down, up, artifacts, results = sys.argv[1:8]
	return browse(exe, www, artifacts, results,
		      lambda c, bases, res: session(c, bases, job, down, up,
						    artifacts, res))


if __name__ == "__main__":
	sys.exit(main())
