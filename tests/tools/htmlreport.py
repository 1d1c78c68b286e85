"""htmlreport.py - what an inspect report (or Chromium's dump of its DOM)
holds, as JSON, for tests to check.

  htmlreport.py FILE

Prints {"views": {VIEW: {STATE: count}}, "tiles": [...], "failures": [...],
"links": [...], "external": [...], "images": n, "ids": {ID: text},
"attrs": {ID: {attr: value}}}: every tile group of each SVG view with its
state, link and on-screen box, every row of the failures table, every
href, every reference to something outside the file (any URL with a
scheme other than data:, or protocol-relative), the number of embedded
images, and the text and attributes of each element with an id.
"""
import json
import re
import sys
from html.parser import HTMLParser

SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
URL_ATTRS = ("src", "href", "xlink:href", "poster", "data", "action", "srcset")
VOID = {"img", "meta", "br", "hr", "input", "link", "rect", "source", "wbr", "col", "area"}


class Report(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.views, self.tiles, self.failures = {}, [], []
        self.links, self.external, self.images = [], [], 0
        self.ids, self.attrs = {}, {}
        self.view = None
        self.tile = None
        self.failure = None
        self.in_reason = False
        self.open_ids = []     # (tag, id) of elements with an id still open
        self.in_style = False

    def check_url(self, v):
        v = v.strip()
        if v.startswith("//") or (SCHEME.match(v) and not v.lower().startswith("data:")):
            self.external.append(v)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for k in URL_ATTRS:
            if k in a and a[k] is not None:
                self.check_url(a[k])
        if "style" in a and a["style"] and "url(" in a["style"]:
            self.external.append(a["style"])
        if tag == "style":
            self.in_style = True
        if tag == "img" and (a.get("src") or "").startswith("data:image/png;base64,"):
            self.images += 1
        if tag == "svg" and "data-view" in a:
            self.view = a["data-view"]
            self.views.setdefault(self.view, {})
        if tag == "g" and "tile" in (a.get("class") or "").split() and self.view:
            self.tile = {"view": self.view, "tile": a.get("data-tile"),
                         "state": a.get("data-state"), "ms": a.get("data-ms"),
                         "box": a.get("data-box"), "href": None}
            self.tiles.append(self.tile)
            v = self.views[self.view]
            v[self.tile["state"]] = v.get(self.tile["state"], 0) + 1
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
            if self.tile is not None:
                self.tile["href"] = a["href"]
        if tag == "tr" and "failure" in (a.get("class") or "").split():
            self.failure = {"tile": a.get("data-tile"), "reason": ""}
            self.failures.append(self.failure)
        if tag == "td" and a.get("class") == "reason" and self.failure is not None:
            self.in_reason = True
        if "id" in a:
            self.ids[a["id"]] = ""
            self.attrs[a["id"]] = a
            if tag not in VOID:
                self.open_ids.append((tag, a["id"]))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if self.open_ids and self.open_ids[-1][0] == tag:
            self.open_ids.pop()

    def handle_endtag(self, tag):
        if tag == "svg":
            self.view = None
        if tag == "g":
            self.tile = None
        if tag == "td":
            self.in_reason = False
        if tag == "tr":
            self.failure = None
        if tag == "style":
            self.in_style = False
        if self.open_ids and self.open_ids[-1][0] == tag:
            self.open_ids.pop()

    def handle_data(self, data):
        if self.in_style and ("@import" in data or re.search(r"url\(\s*['\"]?(?!data:)", data)):
            self.external.append("style: " + data[:80])
        if self.in_reason:
            self.failure["reason"] += data
        for _, i in self.open_ids:
            self.ids[i] += data


def main(argv):
    r = Report()
    r.feed(open(argv[0], encoding="utf-8").read())
    r.close()
    json.dump({"views": r.views, "tiles": r.tiles, "failures": r.failures, "links": r.links,
               "external": r.external, "images": r.images, "ids": r.ids, "attrs": r.attrs},
              sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
