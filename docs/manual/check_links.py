"""check_links.py DIR: every link and image between the manual's pages in
DIR (written by `make docs`) must resolve: the file exists and the #anchor
is an id in it.  A link still pointing at a .md file is an error too.
Prints each broken link; exit status 1 when there is one."""
import os
import sys
import urllib.parse
from html.parser import HTMLParser


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids = set()
        self.refs = []   # (line, attribute value)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "a" and a.get("name"):
            self.ids.add(a["name"])
        for key in ("href", "src"):
            if a.get(key) is not None:
                self.refs.append((self.getpos()[0], a[key]))


def main(outdir):
    pages = {}
    for name in sorted(os.listdir(outdir)):
        if name.endswith(".html"):
            p = Page()
            with open(os.path.join(outdir, name), encoding="utf-8") as f:
                p.feed(f.read())
            pages[name] = p
    broken = []
    for name, page in pages.items():
        for line, ref in page.refs:
            url = urllib.parse.urlsplit(ref)
            if url.scheme or url.netloc:
                continue                     # http:, mailto:, data:
            path = urllib.parse.unquote(url.path)
            frag = urllib.parse.unquote(url.fragment)
            target = name if path == "" else os.path.normpath(path)
            why = None
            if path.endswith(".md"):
                why = "links to a .md file"
            elif not os.path.exists(os.path.join(outdir, target)):
                why = "no such file"
            elif frag and target in pages and frag not in pages[target].ids:
                why = "no such anchor in " + target
            if why:
                broken.append("%s:%d: %s: %s" % (name, line, ref, why))
    for b in broken:
        print("broken link: " + b)
    print("check_links: %d pages, %d links, %d broken"
          % (len(pages), sum(len(p.refs) for p in pages.values()), len(broken)))
    return 1 if broken or not pages else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
