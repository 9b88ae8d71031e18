#!/usr/bin/python3
"""Baseline: how often does Debian's mod_fcgid fail requests when the
FastCGI app exits by itself after N requests (PHP_FCGI_MAX_REQUESTS)?

Not a pytest test.  Starts private httpd instances (t/integration/httpd.py:
own ServerRoot under /tmp, 127.0.0.1:<free port>) with mod_fcgid and runs ab
against them:

  php   .php through FcgidWrapper php-wrapper.sh (PHP_FCGI_MAX_REQUESTS=20,
        exec /usr/bin/php-cgi), tiny page with a fixed-length body
  app   build/apps/fcgp-test-app as .fcgi with FcgidInitialEnv
        FCGP_EXIT_AFTER 20, fixed-length body (?size=64)

Both: FcgidMaxProcessesPerClass 8, FcgidMaxRequestsPerProcess 0, and (unless
--stock) faster zombie/error scans and no spawn throttle, see FCGID_FAST.

"failed" = non-2xx + ab connect/receive/exception errors + requests ab never
completed + connections closed without a response (ab reports those as
length errors; the 2xx bodies are fixed-length, so length errors beyond the
non-2xx count are exactly those).  Runtime: ~4-7 min per scenario with the
defaults; every ab run is bounded by the --timeout budget and ab -s.

Usage: /usr/bin/python3 t/compare/fcgid_race.py [-n 20000] [-c 32]
           [--mpm event] [--exit-after 20] [--only php|app] [--timeout 900]
           [--stock] [--keep] [-v]
"""
import argparse
import collections
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))

import httpd as H  # noqa: E402

FCGID_COMMON = """\
FcgidIPCDir @ROOT@/fcgid
FcgidProcessTableFile @ROOT@/fcgid/shm
FcgidMaxProcessesPerClass 8
FcgidMaxRequestsPerProcess 0
"""

# With stock settings mod_fcgid reaps exited apps only every 3 s (zombie
# scan) and throttles respawns (spawn score), and a request that cannot get
# a process slot sleeps 1 s: with apps exiting every 20 requests that caps
# throughput at ~8 req/s, so 20,000 requests would take ~40 min.  --fast
# (default) shortens the scans and lifts the spawn throttle; it does not
# touch the request path where the exit race happens.
FCGID_FAST = """\
FcgidZombieScanInterval 1
FcgidErrorScanInterval 1
FcgidSpawnScoreUpLimit 100000
"""

PHP_CONF = FCGID_COMMON + """\
<Directory "@HTDOCS@">
    Options +ExecCGI
    AddHandler fcgid-script .php
    FcgidWrapper @ROOT@/php-wrapper.sh .php
</Directory>
"""

APP_CONF = FCGID_COMMON + """\
FcgidInitialEnv FCGP_EXIT_AFTER {exit_after}
<Directory "@HTDOCS@">
    Options +ExecCGI
    AddHandler fcgid-script .fcgi
</Directory>
"""

# Error log lines worth counting.
PATTERNS = collections.OrderedDict([
    ("Connection reset by peer", r"Connection reset by peer"),
    ("Broken pipe", r"Broken pipe"),
    ("read data error", r"error reading data|read data (timeout|from fastcgi server error)"),
    ("can't apply process slot", r"can't apply process slot"),
    ("end of script output before headers", r"End of script output before headers"),
    ("httpd child crashed", r"exit signal|seg(mentation)? ?fault"),
    ("MaxRequestWorkers reached", r"AH00484|AH00485|AH00486"),
    ("fcgid emerg (httpd child exits)", r"fcgid:emerg"),
    ("spawned processes", r"mod_fcgid: server .* started"),
])


def ensure_app():
    src = os.path.join(H.REPO_ROOT, "t", "apps", "fcgp-test-app.c")
    if not os.path.exists(H.TEST_APP) or os.path.getmtime(H.TEST_APP) < os.path.getmtime(src):
        subprocess.run(["make", "-C", H.REPO_ROOT, "-f", "t/apps/apps.mk", "apps"],
                       check=True, timeout=120)


def run_scenario(name, args, deadline):
    tuning = FCGID_FAST if args.fast else ""
    if name == "php":
        h = H.Httpd(mpm=args.mpm, fcgiproc=False, modules=["fcgid"],
                    extra_conf=tuning + PHP_CONF, keep=args.keep)
        h.write_file("php-wrapper.sh",
                     "#!/bin/sh\nPHP_FCGI_MAX_REQUESTS=%d\nexport PHP_FCGI_MAX_REQUESTS\n"
                     "exec /usr/bin/php-cgi\n" % args.exit_after, mode=0o755)
        h.write_php("t.php", '<?php echo "fixed-length-body-0123456789\\n";\n')
        path = "/t.php"
        label = "mod_fcgid + php-cgi (PHP_FCGI_MAX_REQUESTS=%d)" % args.exit_after
    else:
        h = H.Httpd(mpm=args.mpm, fcgiproc=False, modules=["fcgid"],
                    extra_conf=tuning + APP_CONF.format(exit_after=args.exit_after),
                    keep=args.keep)
        h.install_app("app.fcgi")
        path = "/app.fcgi?size=64"
        label = "mod_fcgid + fcgp-test-app (FCGP_EXIT_AFTER=%d)" % args.exit_after
    h.make_dir("fcgid")
    print("== %s  [mpm=%s, %s, root=%s]"
          % (label, args.mpm, "fast scans" if args.fast else "stock fcgid timings", h.root),
          flush=True)
    try:
        h.start()
        r = h.get(path)
        if r.status != 200:
            print("   warm-up request failed: %r\n%s" % (r, h.error_log_tail(20)))
        mark = h.log_mark()
        budget = max(10.0, deadline - time.monotonic())
        t0 = time.monotonic()
        res = H.load(h.url(path), args.n, args.c, timeout=budget,
                     socket_timeout=args.socket_timeout)
        took = time.monotonic() - t0
        time.sleep(0.5)  # let the last log lines land
        log = h.error_log(since=mark)
        counts = collections.OrderedDict(
            (k, sum(1 for line in log.splitlines() if re.search(rx, line)))
            for k, rx in PATTERNS.items())
        h.stop()  # flushes the access log; finally: below is then a no-op
        entries = h.access_log_entries()[1:]  # [0] is the warm-up request
        statuses = collections.Counter(e["status"] for e in entries)
        unlogged = max(0, res.complete - len(entries))
        print("mod_fcgid: %d failed of %d   (%s: non2xx=%d connect=%d receive=%d "
              "exceptions=%d not-completed=%d closed-without-response=%d)"
              % (res.errors_fixed_length, args.n, name, res.non2xx, res.connect_errors,
                 res.receive_errors, res.exception_errors,
                 max(0, args.n - res.complete), res.unanswered))
        print("   error_log 'Connection reset by peer' lines: %d"
              % counts["Connection reset by peer"])
        print("   other error_log counts: %s" % ", ".join(
            "%s=%d" % (k, v) for k, v in counts.items() if k != "Connection reset by peer"))
        print("   access_log statuses: %s; completed by ab but not in access_log: %d"
              % (dict(sorted(statuses.items())), unlogged))
        lat = sorted(e["usec"] for e in entries)
        if lat:
            print("   latency (access_log %%D): p50=%.3fs p99=%.3fs max=%.3fs"
                  % (lat[len(lat) // 2] / 1e6, lat[int(len(lat) * 0.99)] / 1e6, lat[-1] / 1e6))
        print("   %.1f req/s, %.1fs%s" % (res.rps, took, "  (ab ABORTED / timed out)"
                                           if res.aborted else ""), flush=True)
        if args.verbose or res.aborted:
            print("   ab output:\n" + "\n".join("     " + l for l in res.output.splitlines()
                                                  if l.strip())[-3000:])
        return res
    finally:
        h.stop()
        if h.leftovers:
            print("   leftover processes killed: %s"
                  % [(p["pid"], p["cmdline"]) for p in h.leftovers])
        h.cleanup()


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=20000)
    ap.add_argument("-c", type=int, default=32)
    ap.add_argument("--mpm", default="event", choices=H.MPMS)
    ap.add_argument("--exit-after", type=int, default=20)
    ap.add_argument("--only", choices=("php", "app"))
    ap.add_argument("--timeout", type=float, default=900,
                    help="overall time budget in seconds")
    ap.add_argument("--socket-timeout", type=int, default=120,
                    help="ab -s (ab gives up entirely when one request exceeds it)")
    ap.add_argument("--stock", dest="fast", action="store_false",
                    help="keep mod_fcgid's stock scan/spawn-throttle settings (slow)")
    ap.add_argument("--keep", action="store_true", help="keep server roots")
    ap.add_argument("-v", "--verbose", action="store_true", help="print ab output")
    args = ap.parse_args()

    if not os.path.exists(os.path.join(H.MODULES_DIR, "mod_fcgid.so")):
        sys.exit("mod_fcgid.so not found (apt-get install libapache2-mod-fcgid)")
    ensure_app()
    deadline = time.monotonic() + args.timeout
    scenarios = [args.only] if args.only else ["php", "app"]
    for i, name in enumerate(scenarios):
        # split the remaining budget between the remaining scenarios
        left = deadline - time.monotonic()
        sub_deadline = time.monotonic() + left / (len(scenarios) - i)
        if left <= 5:
            print("== %s skipped: time budget exhausted" % name)
            continue
        run_scenario(name, args, sub_deadline)


if __name__ == "__main__":
    main()
