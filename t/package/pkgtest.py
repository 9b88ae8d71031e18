"""Helpers for the package test (t/package).  Imported by test_package.py
outside the test's mount namespace; run as a program inside it by
in_namespace.sh:

  pkgtest.py snapshot OUT.json     the watched state (below) as JSON
  pkgtest.py compare A.json B.json print what differs; exit 1 if anything
  pkgtest.py upper UPPER OUT.json  describe every entry of an overlay's
                                   upper directory (the test's preparation)
  pkgtest.py residue PREP.json UPPER LOWER
                                   what the install/remove cycle left in the
                                   overlay: every entry of UPPER that is not
                                   the preparation's, not back to LOWER's
                                   content, and not dpkg's or httpd's own
                                   bookkeeping (see BOOKKEEPING); exit 1 if any
  pkgtest.py get URL               print the HTTP status, then the body
"""
import hashlib
import json
import os
import re
import stat
import sys
import urllib.error
import urllib.request

PKG = "libapache2-mod-fcgiproc"

# What the package and its maintainer scripts may touch, compared before
# and after (inside the namespace, and outside it around the whole test).
WATCHED_TREES = [
    "/etc/apache2",
    "/var/lib/apache2",
    "/usr/lib/apache2/modules",
    "/usr/share/doc/" + PKG,
    "/usr/share/lintian/overrides",
]
DPKG_STATUS = "/var/lib/dpkg/status"
DPKG_INFO = "/var/lib/dpkg/info"

# Files in the overlay that an install and purge rewrite by design: dpkg's
# database bookkeeping and log, and httpd's logs.  Anything else that the
# cycle leaves changed, added or deleted is residue.
BOOKKEEPING = re.compile(
    r"^var/lib/dpkg/(status-old|lock|lock-frontend|triggers/Lock"
    r"|triggers/Unincorp|updates(/.*)?)$"
    r"|^var/log/dpkg\.log$"
    r"|^var/log/apache2(/.*)?$")


def describe(path):
    """One line for a file system entry: type, mode, owner, and content
    (a file's sha256, a link's target).  None when it does not exist."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    head = "%o %d:%d" % (stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid)
    if stat.S_ISDIR(st.st_mode):
        return "dir " + head
    if stat.S_ISLNK(st.st_mode):
        return "link " + head + " -> " + os.readlink(path)
    if stat.S_ISREG(st.st_mode):
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 16), b""):
                h.update(block)
        return "file " + head + " " + h.hexdigest()
    if stat.S_ISCHR(st.st_mode) and st.st_rdev == 0:
        return "whiteout"          # overlayfs: deleted from the lower dir
    return "other %o %s" % (st.st_mode, head)


def tree(root):
    """{path relative to root: describe()} for root and all below it."""
    out = {}
    top = describe(root)
    if top is None:
        return out
    out["."] = top
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            out[os.path.relpath(p, root)] = describe(p)
    return out


def dpkg_status(path=DPKG_STATUS):
    """{package[:arch]: sha256 of its stanza} from dpkg's status file."""
    out = {}
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except FileNotFoundError:
        return out
    for stanza in text.split("\n\n"):
        m = re.search(r"^Package: (\S+)", stanza, re.M)
        if m:
            a = re.search(r"^Architecture: (\S+)", stanza, re.M)
            key = m.group(1) + (":" + a.group(1) if a else "")
            out[key] = hashlib.sha256(stanza.strip().encode()).hexdigest()
    return out


def snapshot():
    snap = {t: tree(t) for t in WATCHED_TREES}
    snap[DPKG_STATUS] = dpkg_status()
    snap[DPKG_INFO + "/" + PKG + ".*"] = {
        n: describe(os.path.join(DPKG_INFO, n))
        for n in (os.listdir(DPKG_INFO) if os.path.isdir(DPKG_INFO) else [])
        if n.startswith(PKG + ".") or n.startswith(PKG + ":")}
    return snap


def compare(a, b):
    """Lines naming every difference between two snapshots."""
    lines = []
    for key in sorted(set(a) | set(b)):
        x, y = a.get(key, {}), b.get(key, {})
        for p in sorted(set(x) | set(y)):
            if x.get(p) != y.get(p):
                lines.append("%s: %s: %s -> %s" % (key, p, x.get(p), y.get(p)))
    return lines


def upper_entries(upper):
    """{relative path: describe()} of an overlay upper dir; a directory
    made opaque (its lower contents hidden) is marked so."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(upper):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            d = describe(p)
            if d.startswith("dir "):
                try:
                    if os.getxattr(p, "trusted.overlay.opaque",
                                   follow_symlinks=False) == b"y":
                        d += " opaque"
                except OSError:
                    pass
            out[os.path.relpath(p, upper)] = d
    return out


def residue(prep, upper, lower):
    """(residue, bookkeeping): what the cycle left in the overlay, and the
    bookkeeping files it rewrote, as lines."""
    left, kept = [], []
    for p, d in sorted(upper_entries(upper).items()):
        if d.startswith("dir ") and prep.get(p, "").startswith("dir "):
            continue                  # a directory's mtime is not compared
        if prep.get(p) == d:
            continue                  # the test's own preparation
        low = describe(os.path.join(lower, p))
        if d.startswith("dir ") and not d.endswith(" opaque") and low == d:
            continue                  # copied up, entries compared one by one
        if d == low:
            continue                  # rewritten, but back to what it was
        line = "%s: %s (before: %s)" % (p, d, prep.get(p, low))
        (kept if BOOKKEEPING.match(p) else left).append(line)
    return left, kept


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=20) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def main(argv):
    cmd = argv[1]
    if cmd == "snapshot":
        with open(argv[2], "w") as f:
            json.dump(snapshot(), f)
        return 0
    if cmd == "compare":
        with open(argv[2]) as f:
            a = json.load(f)
        with open(argv[3]) as f:
            b = json.load(f)
        lines = compare(a, b)
        for line in lines:
            print("changed: " + line)
        return 1 if lines else 0
    if cmd == "upper":
        with open(argv[3], "w") as f:
            json.dump(upper_entries(argv[2]), f)
        return 0
    if cmd == "residue":
        with open(argv[2]) as f:
            prep = json.load(f)
        left, kept = residue(prep, argv[3], argv[4])
        for line in kept:
            print("bookkeeping: " + line)
        for line in left:
            print("residue: " + line)
        return 1 if left else 0
    if cmd == "get":
        status, body = get(argv[2])
        print(status)
        sys.stdout.write(body)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
