"""pagecheck.py - what every rendered page must be, for the e2e tests.

page(path) reads a page and asserts that its HTML is balanced (every tag
closed in order, void elements excepted), each inline <svg> parses as XML
and no character XML 1.0 forbids appears; it returns (source, text).
Imported by the check scripts of t3000 and h5000:
    sys.path.insert(0, os.path.join(os.environ["SRCDIR"], "tests/e2e"))
"""
import html.parser
import re
import xml.etree.ElementTree as ET

VOID = {"meta", "link", "br", "hr", "img", "input", "col", "wbr", "source"}
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


class Balanced(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []
        self.text = []

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        assert self.stack and self.stack[-1] == tag, \
            "bad close </%s> in %s" % (tag, self.stack[-3:])
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def page(path):
    src = open(path, encoding="utf-8").read()
    p = Balanced()
    p.feed(src)
    p.close()
    assert not p.stack, "unclosed %s in %s" % (p.stack, path)
    assert not FORBIDDEN.search(src), "a character XML forbids in " + path
    for svg in outer_svgs(src):
        ET.fromstring(svg)
    return src, " ".join(p.text)


def outer_svgs(src):
    """The outermost <svg> elements of src, each with the ones inside
    it (a line chart draws its lines in an <svg> of their own)."""
    out, depth, start = [], 0, 0
    for m in re.finditer(r"<svg\b|</svg>", src):
        if m.group(0) == "</svg>":
            depth -= 1
            if depth == 0:
                out.append(src[start:m.end()])
        else:
            if depth == 0:
                start = m.start()
            depth += 1
    return out
