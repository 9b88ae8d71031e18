#!/usr/bin/python3
"""What a missed deadline costs a real PHP application afterwards.

MediaWiki (SQLite, a private install as `make bench` makes it) on php-cgi
through mod_fcgiproc, one worker (FcgiProcMaxProcessesPerClass 1), and a
script that sleeps past FcgiProcIOTimeout.  After a warm-up, ROUNDS times:
the sleeper (504 after the timeout), then the wiki's Main_Page twice,
sequentially; the page's latency right after the timeout is the figure.
When the timeout costs the worker its php-cgi (a new one compiles the whole
application again) the first page is slow; when only php-cgi's child is
killed (the parent keeps the opcode cache) it is as fast as before.

    /usr/bin/python3 bench/timeout_warm.py [path/to/mod_fcgiproc.so]

Needs root (the wiki is installed for www-data), php-cgi, mediawiki and
php-sqlite3 (bench/bench.py installs them).  A few seconds per round;
nothing but 127.0.0.1.  Prints one line per figure and a summary.
"""
import os
import shutil
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "t", "integration"))
sys.path.insert(0, HERE)

import httpd as H   # noqa: E402
import bench as B   # noqa: E402

ROUNDS = int(os.environ.get("ROUNDS", "5"))
TIMEOUT_S = 2

CONF = """\
AddHandler fcgiproc-script .php
FcgiProcWrapper /usr/bin/php-cgi .php
FcgiProcIOTimeout {timeout}
FcgiProcMaxProcessesPerClass 1
<Directory "@HTDOCS@">
    Options +ExecCGI
</Directory>
Alias /w "{mw}"
<Directory "{mw}">
    Options +ExecCGI
    Require all granted
</Directory>
SetEnv MW_CONFIG_FILE {conf}
"""


def page(h):
    t0 = time.monotonic()
    r = h.get("/w/index.php?title=Main_Page", timeout=60)
    ms = (time.monotonic() - t0) * 1000
    if r.status != 200 or b"BenchWiki" not in r.body:
        raise SystemExit("the wiki did not answer: %s %r" % (r.status, r.body[:200]))
    return ms


def main():
    module = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else H.MODULE_PATH
    B.ensure_mediawiki()
    base = tempfile.mkdtemp(prefix="fcgp-tw-")
    os.chmod(base, 0o755)
    h = None
    try:
        conf = B.setup_mediawiki(base)
        h = H.Httpd(extra_conf=CONF.format(timeout=TIMEOUT_S, mw=B.MW_DIR, conf=conf),
                    module_path=module)
        h.write_php("sleep.php", "<?php sleep(%d); echo 'late';" % (TIMEOUT_S + 3))
        h.start()
        warm = [page(h) for _ in range(30)][-10:]
        after, second = [], []
        for _ in range(ROUNDS):
            r = h.get("/sleep.php", timeout=60)
            if r.status != 504:
                raise SystemExit("the sleeper got %s, not 504" % r.status)
            after.append(page(h))
            second.append(page(h))
        exits = len([l for l in h.error_log().splitlines() if "FCGP03010:" in l])
        kills = len([l for l in h.error_log().splitlines() if "FCGP03014:" in l])
        print("module %s" % module)
        print("warm page, median of 10: %.0f ms" % statistics.median(warm))
        print("page right after each timeout (%d): %s ms, median %.0f"
              % (ROUNDS, " ".join("%.0f" % x for x in after), statistics.median(after)))
        print("the page after that: median %.0f ms" % statistics.median(second))
        print("workers that exited: %d; php-cgi children killed (FCGP03014): %d"
              % (exits, kills))
    finally:
        if h is not None:
            h.stop()
            shutil.rmtree(h.root, ignore_errors=True)
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
