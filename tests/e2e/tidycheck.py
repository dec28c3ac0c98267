"""tidycheck.py FILE...: run `tidy -errors -q` on each page, for the e2e
tests. Fails on any error (tidy's exit status 2), and on any warning but
the ones below: tidy 5.6 (Debian 12) predates parts of today's HTML and
warns about markup that is valid there. Each is allowed only on the kind
of source line that makes it, so the same message elsewhere still fails.
Empty elements (the progress bars' <span>) are valid, so they are kept
with --drop-empty-elements no rather than warned about.
"""
import re
import subprocess
import sys

ALLOWED = [
    # <div> grouping a <dt> and its <dd> in a <dl> (in HTML since 2017)
    (r"missing </div> before <dt>|inserting implicit <dl>|"
     r"missing </dl> before </div>|missing <dd>", r"^<div><dt>"),
    # a heading in <summary> ("phrasing content, optionally intermixed
    # with heading content")
    (r"missing </summary> before <h2>|discarding unexpected </summary>|"
     r"trimming empty <summary>", r"^<summary><h2>"),
    # SVG attributes on inline SVG, which tidy takes for HTML ones (the
    # SVG itself is checked with an XML parser)
    (r"<(svg|title|g|text|line|polyline|path|rect|circle)> proprietary "
     r"attribute", r"<svg[ >]"),
]
LINE = re.compile(r"line (\d+) column (\d+) - (Warning|Error): (.*)")


def main(files):
    bad = 0
    for f in files:
        lines = open(f, encoding="utf-8").read().split("\n")
        p = subprocess.run(["tidy", "-errors", "-q", "--drop-empty-elements",
                            "no", f], capture_output=True, text=True)
        out = [l for l in (p.stdout + p.stderr).split("\n") if l.strip()]
        if p.returncode not in (0, 1):
            print("%s: tidy exited %d (errors)" % (f, p.returncode))
            bad += 1
        for l in out:
            m = LINE.match(l)
            ok = False
            if m and m.group(3) == "Warning":
                src = lines[int(m.group(1)) - 1]
                ok = any(re.search(msg, m.group(4)) and re.search(where, src)
                         for msg, where in ALLOWED)
            if not ok:
                print("%s: %s" % (f, l))
                if m:
                    print("    " + lines[int(m.group(1)) - 1][:200])
                bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
