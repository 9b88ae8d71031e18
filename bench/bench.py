#!/usr/bin/python3
"""bench/bench.py: `make bench`.

mod_fcgiproc against Debian's mod_fcgid, mod_proxy_fcgi (php-fpm for PHP,
the C test app under spawn-fcgi) and a static file (upper bound), each in
its own private httpd (event MPM, identical MPM settings) on 127.0.0.1,
loaded with wrk.  Writes BENCHMARKS.md, bench/req_by_concurrency.png and
bench/out/ (raw results, configs, error logs).

It builds nothing: it needs .libs/mod_fcgiproc.so and build/apps/fcgp-test-app
(`make all`).  Missing Debian tools are installed when running as root.

Environment:
    BENCH_SECONDS  seconds per wrk run (default 5; 2 with BENCH_QUICK)
    BENCH_ROUNDS   rounds (default 3; 1 with BENCH_QUICK)
    BENCH_QUICK=1  smoke run: one workload (PHP hello), 1 round, 2 s; writes
                   bench/quick/ and leaves BENCHMARKS.md alone
    BENCH_PROCS    N, the process count for every system (default 8)
    BENCH_KEEP=1   keep the temporary server roots
    BENCH_ONLY     focused run, e.g. "c_hello:32,php_hello:32" (workload keys,
                   optionally :concurrency); writes bench/quick/ like QUICK
    BENCH_FCGIPROC_CONF  extra directives for mod_fcgiproc's server, lines
                   separated by "|" (e.g. "FcgiProcInitialEnv
                   PHP_FCGI_MAX_REQUESTS 100000"); writes bench/quick/
    BENCH_MW_PROCS, BENCH_MW_REQUESTS, BENCH_MW_ROUNDS  the real application
                   (MediaWiki on SQLite, installed per run: workloads mw and
                   mw_churn50, mod_fcgiproc and php-fpm only): processes
                   (16), requests per run with ab at c=16 (2000), rounds (4;
                   the systems' order turns each round)
    BENCH_MW_POOL  mod_fcgiproc's MediaWiki: "auto" (the default) nothing
                   but FcgiProcMaxProcessesPerClass BENCH_MW_PROCS, as an
                   admin writes it: php-cgi's pool grows to the requests that
                   come at once; "fixed" one pool of BENCH_MW_PROCS children
                   (FcgiProcInitialEnv PHP_FCGI_CHILDREN); "0" BENCH_MW_PROCS
                   php-cgi parents with a child each (PHP_FCGI_CHILDREN 1:
                   one opcode cache each); other than auto writes bench/quick/
    BENCH_MW_PROXY=php-cgi  proxy_fcgi's MediaWiki served by one php-cgi
                   parent with BENCH_MW_PROCS children on one socket (php-fpm's
                   structure with php-cgi's binary and php.ini: what a shared
                   opcode cache gives php-cgi) instead of php-fpm; writes
                   bench/quick/
    BENCH_CHURN_PAIRS  pairs of back-to-back runs (no churn, churn(100); 3 s
                   each, the order turning each pair) per system for the
                   churn targets, after the rounds (default 6; 0: none)
    BENCH_AUTOGROUP=off  switch the kernel's autogroup scheduler off for the
                   run and back after (needs root: see autogroup_off());
                   unset (or "keep"), no kernel setting is changed

    bench.py --report RESULTS.json   rewrite the report from saved results
    bench.py --check                 start everything, run the sanity checks,
                                     stop (no load)

Every server it starts (httpd, php-fpm, spawn-fcgi) has its own root under a
temp dir, listens on 127.0.0.1 or a unix socket in that dir, and is stopped
by its pid (pid file) in a finally block; every load run is bounded.
"""

import datetime
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import http.client

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH_DIR)
sys.path.insert(0, os.path.join(REPO, "t", "integration"))

import httpd as H  # noqa: E402  (the integration tests' harness)

# ------------------------------------------------------------------ settings

ONLY = [x.strip() for x in os.environ.get("BENCH_ONLY", "").split(",") if x.strip()]
# Extra directives for mod_fcgiproc's server ("|" separates lines); a
# focused run with them writes bench/quick/ like BENCH_ONLY.
FCGIPROC_CONF = "".join(l.strip() + "\n" for l in
                        os.environ.get("BENCH_FCGIPROC_CONF", "").split("|") if l.strip())
MW_PROXY = os.environ.get("BENCH_MW_PROXY") or "php-fpm"
if MW_PROXY not in ("php-fpm", "php-cgi"):
    sys.exit("bench: BENCH_MW_PROXY is php-fpm or php-cgi")
# mod_fcgiproc's MediaWiki: php-cgi as the PM runs it by default (auto: a
# pool grown to the requests at once, up to BENCH_MW_PROCS), one pool of
# BENCH_MW_PROCS children set by the admin (fixed: php-fpm's static pool),
# or that many php-cgi parents with a child each (0)
MW_POOL = os.environ.get("BENCH_MW_POOL") or "auto"
if MW_POOL not in ("auto", "fixed", "0"):
    sys.exit("bench: BENCH_MW_POOL is auto, fixed or 0")
QUICK = (os.environ.get("BENCH_QUICK") == "1" or bool(ONLY) or bool(FCGIPROC_CONF)
         or MW_PROXY != "php-fpm" or MW_POOL != "auto")
SECONDS = float(os.environ.get("BENCH_SECONDS") or (2 if QUICK and not ONLY else 5))
ROUNDS = int(os.environ.get("BENCH_ROUNDS") or (1 if QUICK and not ONLY else 3))
N = int(os.environ.get("BENCH_PROCS") or 8)
KEEP = os.environ.get("BENCH_KEEP") == "1"
WARM_SECONDS = 1.0
CONCS = [1, 32, 256]
WRK_TIMEOUT = "10s"          # wrk --timeout: a slower answer counts as an error
GAP = 0.3                    # pause between two runs
# The churn targets compare a rate with churn to one without.  Runs of the
# rounds are minutes apart, and this machine's speed drifts by more than
# the difference in that time, so they are also measured in pairs of
# back-to-back runs (churn_pairs).
CHURN_PAIRS = max(0, int(os.environ.get("BENCH_CHURN_PAIRS") or 6))
PAIR_SECONDS = 3.0
PAIR_SYSTEMS = ("fcgiproc", "proxy")
SAMPLE_EVERY = 1.0           # RSS sampling period during a run
POST_SIZE = 1 << 20
# The real-application workload (MediaWiki on SQLite): processes per
# system, requests per run (ab -n), and its concurrency.
MW_PROCS = int(os.environ.get("BENCH_MW_PROCS") or 16)
MW_REQUESTS = int(os.environ.get("BENCH_MW_REQUESTS") or 2000)
MW_CONC = 16
MW_ROUNDS = int(os.environ.get("BENCH_MW_ROUNDS") or 4)
MW_WARM = 25 * MW_PROCS     # warm-up requests: every process serves some
MW_WARM_RUN = 10 * MW_PROCS  # and again before each measured run
# The slow-starting application: the C test app sleeping this long before
# it accepts; wrk for SPAWN_SECONDS at c=16, a graceful restart after
# SPAWN_GRACEFUL_AT seconds; processes counted in /proc every 0.1 s, and
# SPAWN_AFTER seconds after the load (FcgiProcIdleTimeout SPAWN_IDLE).
SPAWN_DELAY_MS = 1500
SPAWN_SECONDS = 10
SPAWN_GRACEFUL_AT = 4
SPAWN_IDLE = 3
SPAWN_AFTER = 8
MW_DIR = "/usr/share/mediawiki"
MW_PAGE = "/index.php?title=Main_Page"

OUT_DIR = os.path.join(BENCH_DIR, "quick" if QUICK else "out")
REPORT = os.path.join(OUT_DIR, "BENCHMARKS.md") if QUICK else os.path.join(REPO, "BENCHMARKS.md")
CHART = os.path.join(OUT_DIR if QUICK else BENCH_DIR, "req_by_concurrency.png")
POST_LUA = os.path.join(BENCH_DIR, "post_1m.lua")

PHP_CGI = "/usr/bin/php-cgi"
APACHE = H.APACHE_BIN
WWW = "www-data"

SYSTEMS = [
    ("fcgiproc", "mod_fcgiproc"),
    ("fcgid", "mod_fcgid"),
    ("proxy", "proxy_fcgi"),
    ("static", "static file"),
]
SYS_TITLE = dict(SYSTEMS)

HELLO = b"Hello world\n"                      # 12 bytes, what hello.php prints
C_HELLO_STATIC = b"pid=123456 n=1234\n"       # same size as the C app's answer

# Workloads.  kind: php / c (which app); churn: the app retires itself every
# n requests (None: no limit of ours); static: the static system's URL.
WORKLOADS = [
    dict(key="php_hello", title="PHP hello (12 B)", kind="php", path="/hello.php",
         static="/hello.txt", concs=CONCS, churn=None),
    dict(key="c_hello", title="C hello", kind="c", path="/app.fcgi",
         static="/c_hello.txt", concs=CONCS, churn=None),
    dict(key="c_64k", title="C 64 KiB response", kind="c", path="/app.fcgi?size=65536",
         static="/64k.bin", concs=CONCS, churn=None),
    dict(key="c_post1m", title="C 1 MiB POST (echo)", kind="c", path="/app.fcgi?echo=1",
         static="/echo.txt", concs=CONCS, churn=None, post=True),
    dict(key="php_churn100", title="PHP hello, retire every 100", kind="php",
         path="/hello.php", static=None, concs=[32], churn=100),
    dict(key="php_churn20", title="PHP hello, retire every 20", kind="php",
         path="/hello.php", static=None, concs=[32], churn=20),
    dict(key="c_churn100", title="C hello, retire every 100", kind="c",
         path="/app.fcgi", static=None, concs=[32], churn=100),
    dict(key="c_churn20", title="C hello, retire every 20", kind="c",
         path="/app.fcgi", static=None, concs=[32], churn=20),
    # A real application: MediaWiki's Main_Page (some 400 PHP files per
    # request), MW_REQUESTS requests per run with ab, against php-fpm with
    # the same number of processes.  Each has its own <VirtualHost>.
    dict(key="mw", title="MediaWiki page", kind="mw", path=MW_PAGE, static=None,
         concs=[MW_CONC], churn=None, count=MW_REQUESTS, rounds=MW_ROUNDS,
         systems=("fcgiproc", "proxy")),
    dict(key="mw_churn50", title="MediaWiki page, recycle every 50", kind="mw",
         path=MW_PAGE, static=None, concs=[MW_CONC], churn=50, count=MW_REQUESTS,
         rounds=MW_ROUNDS, systems=("fcgiproc", "proxy")),
    # How many processes an application that takes 1.5 s to start gets
    # for 16 clients, across a graceful restart (not a rate).
    dict(key="slow_start", title="C app starting in 1.5 s, a graceful restart", kind="slow",
         path="/slow.fcgi", static=None, concs=[16], churn=None, spawn=True, last_round=True,
         systems=("fcgiproc", "fcgid")),
]
WL = {w["key"]: w for w in WORKLOADS}
CHURN_KEYS = [w["key"] for w in WORKLOADS if w["churn"] and w["kind"] != "mw"]
MW_KEYS = [w["key"] for w in WORKLOADS if w["kind"] == "mw"]
SPAWN_KEYS = [w["key"] for w in WORKLOADS if w.get("spawn")]
if ONLY:
    ACTIVE = []
    for item in ONLY:
        k, _, c = item.partition(":")
        ACTIVE.append(dict(WL[k], concs=[int(c)] if c else WL[k]["concs"]))
elif QUICK:
    ACTIVE = [WL["php_hello"]]
else:
    ACTIVE = WORKLOADS
# MediaWiki is installed, and its virtual hosts and php-fpm pools made, only
# when one of its workloads runs.
MW_ON = any(w["kind"] == "mw" for w in ACTIVE)
VHOST_KEYS = CHURN_KEYS + SPAWN_KEYS + (MW_KEYS if MW_ON else [])

# Same MPM settings for every httpd: enough threads for c=256 from the
# start, and no reaping of idle processes between runs.  Each child has
# more threads than the highest concurrency: event closes the keep-alive
# connections of a child whose threads are all busy, and with 32 or 64
# threads per child wrk counted read errors even for a static file at c=256.
# ServerLimit above the 2 children MaxRequestWorkers allows: in a graceful
# restart the old generation's children finish their requests while the new
# one's start (at ServerLimit 2 httpd logged "AH03490: scoreboard is full,
# not at MaxRequestWorkers" in the slow-start workload and kept the new
# generation from serving for seconds, both systems).
MPM_CONF = """\
StartServers 2
ServerLimit 6
ThreadLimit 320
ThreadsPerChild 320
MaxRequestWorkers 640
MinSpareThreads 32
MaxSpareThreads 640
MaxConnectionsPerChild 0
"""

# For every httpd.  The harness sets "Mutex file:... default" (fcntl locks):
# mod_fcgid's process-table and pipe mutexes then fail under the threaded MPM
# with EDEADLK ("can't lock process table ... Resource deadlock avoided"),
# as the kernel's deadlock detection sees whole processes, not threads.
# Debian's own apache2.conf leaves the mechanism at APR's default.
COMMON_CONF = """\
Mutex default default
"""

CLK_TCK = os.sysconf("SC_CLK_TCK")


def machine_ticks():
    """The machine's CPU time so far (/proc/stat's "cpu" line): (busy,
    idle, steal) ticks, and its context switches and forks so far.  Over a
    run, idle says whether the load kept both cores busy (a system that
    leaves them idle under load waits for something other than the CPU),
    steal how much the hypervisor took."""
    ctxt = forks = 0
    with open("/proc/stat") as f:
        cpu = [int(x) for x in f.readline().split()[1:9]]
        for line in f:
            if line.startswith("ctxt "):
                ctxt = int(line.split()[1])
            elif line.startswith("processes "):
                forks = int(line.split()[1])
    user, nice, system, idle, iowait, irq, softirq, steal = cpu
    return (user + nice + system + irq + softirq, idle + iowait, steal, ctxt, forks)


def machine_shares(before, after, requests):
    """Percent of the machine's time busy, idle and stolen between two
    machine_ticks(), and context switches and forks per request."""
    d = [a - b for a, b in zip(after, before)]
    total = float(sum(d[:3])) or 1.0
    return dict(busy_pct=100.0 * d[0] / total, idle_pct=100.0 * d[1] / total,
                steal_pct=100.0 * d[2] / total,
                ctxt_per_req=(d[3] / float(requests)) if requests else None,
                forks_per_1k=(1000.0 * d[4] / requests) if requests else None)

T0 = time.monotonic()


def log(msg):
    el = int(time.monotonic() - T0)
    print("[%2d:%02d] %s" % (el // 60, el % 60, msg), flush=True)


fnv1a64 = H.fnv1a64


# ------------------------------------------------------------------ tools

def _have(path_glob):
    import glob
    return bool(glob.glob(path_glob))


TOOLS = [  # (what must exist, Debian package)
    ("/usr/bin/wrk", "wrk"),
    ("/usr/sbin/php-fpm*", "php-fpm"),
    ("/usr/bin/php-cgi", "php-cgi"),
    ("/usr/lib/apache2/modules/mod_fcgid.so", "libapache2-mod-fcgid"),
    ("/usr/lib/apache2/modules/mod_proxy_fcgi.so", "apache2"),
    ("/usr/bin/gnuplot", "gnuplot-nox"),
    ("/usr/bin/spawn-fcgi", "spawn-fcgi"),
    ("/usr/bin/ab", "apache2-utils"),
]


def ensure_tools():
    missing = [pkg for path, pkg in TOOLS if not _have(path)]
    if not missing:
        return
    if os.geteuid() != 0:
        sys.exit("bench: missing Debian packages: %s (apt-get install -y %s)"
                 % (" ".join(missing), " ".join(missing)))
    log("installing: " + " ".join(missing))
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    # Installing php-fpm would start the system php-fpm service: a
    # policy-rc.d that says "no" keeps every service as it is (only when
    # there is none already; removed again right after).
    policy = "/usr/sbin/policy-rc.d"
    made_policy = False
    if not os.path.exists(policy):
        with open(policy, "w") as f:
            f.write("#!/bin/sh\n# bench/bench.py: start no service while installing\nexit 101\n")
        os.chmod(policy, 0o755)
        made_policy = True
    try:
        subprocess.run(["apt-get", "update", "-q"], env=env, timeout=600,
                       stdout=subprocess.DEVNULL, check=False)
        subprocess.run(["apt-get", "install", "-y", "-q"] + missing, env=env,
                       timeout=1200, stdout=subprocess.DEVNULL, check=True)
    finally:
        if made_policy:
            os.unlink(policy)


def ensure_mediawiki():
    """Debian's mediawiki and php-sqlite3, without recommends (no database
    server: it runs on SQLite).  The package enables its own Apache
    configuration in /etc/apache2 (apache2_invoke enconf): that is taken
    back, as nothing here uses the system's httpd.  Every bench run installs
    its own wiki from it (setup_mediawiki)."""
    import glob
    have = (os.path.exists(os.path.join(MW_DIR, "index.php"))
            and glob.glob("/usr/lib/php/*/pdo_sqlite.so"))
    if have:
        return
    if os.geteuid() != 0:
        sys.exit("bench: MediaWiki missing: apt-get install --no-install-recommends "
                 "mediawiki php-sqlite3 (as root), or leave out the mw workloads")
    log("installing: mediawiki php-sqlite3 (no recommends)")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    enabled = "/etc/apache2/conf-enabled/mediawiki.conf"
    was_enabled = os.path.lexists(enabled)
    policy = "/usr/sbin/policy-rc.d"
    made_policy = False
    if not os.path.exists(policy):
        with open(policy, "w") as f:
            f.write("#!/bin/sh\n# bench/bench.py: start no service while installing\nexit 101\n")
        os.chmod(policy, 0o755)
        made_policy = True
    try:
        subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends",
                        "mediawiki", "php-sqlite3"], env=env, timeout=1200,
                       stdout=subprocess.DEVNULL, check=True)
    finally:
        if made_policy:
            os.unlink(policy)
        if not was_enabled and os.path.lexists(enabled):
            subprocess.run(["a2disconf", "-q", "mediawiki"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=False)


def setup_mediawiki(base):
    """A private wiki for this run: maintenance/install.php on SQLite into
    base/mw (database, caches and LocalSettings.php there, owned by
    www-data), nothing written under /etc, /var/lib/mediawiki or
    /usr/share/mediawiki.  Both systems serve /usr/share/mediawiki with
    MW_CONFIG_FILE pointing at this LocalSettings.php.  Returns its path."""
    d = os.path.join(base, "mw")
    for sub in ("", "data", "cache", "conf"):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
        shutil.chown(os.path.join(d, sub), WWW, WWW)
    cmd = ["php", os.path.join(MW_DIR, "maintenance", "install.php"),
           "--dbtype", "sqlite", "--dbpath", os.path.join(d, "data"), "--dbname", "wiki",
           "--confpath", os.path.join(d, "conf"), "--server", "http://127.0.0.1",
           "--scriptpath", "", "--pass", "bench-" + os.urandom(8).hex(),
           "BenchWiki", "admin"]
    p = subprocess.run(cmd, user=WWW, group=WWW, cwd=d, capture_output=True, text=True,
                       timeout=300, env={"PATH": "/usr/bin:/bin", "LANG": "C"})
    conf = os.path.join(d, "conf", "LocalSettings.php")
    if p.returncode != 0 or not os.path.exists(conf):
        raise RuntimeError("MediaWiki's install.php failed:\n" + (p.stdout + p.stderr)[-3000:])
    with open(conf, "a") as f:
        f.write("\n# bench/bench.py: any port of 127.0.0.1; the localisation cache in\n"
                "# files (MediaWiki's advice); no jobs run at the end of page views\n"
                "$wgServer = WebRequest::detectServer();\n"
                "$wgCacheDirectory = \"%s\";\n"
                "$wgJobRunRate = 0;\n" % os.path.join(d, "cache"))
    return conf


def php_fpm_bin():
    import glob
    c = sorted(glob.glob("/usr/sbin/php-fpm[0-9]*"))
    if not c:
        sys.exit("bench: no /usr/sbin/php-fpm*")
    return c[-1]


# ------------------------------------------------------------------ /proc

def proc_table():
    """pid -> dict(ppid, state, ticks (utime+stime+cutime+cstime), start)."""
    t = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                data = f.read()
        except OSError:
            continue
        rest = data[data.rfind(")") + 2:].split()
        try:
            t[int(d)] = {"ppid": int(rest[1]), "state": rest[0],
                         "ticks": sum(int(x) for x in rest[11:15]),
                         "start": int(rest[19])}
        except (IndexError, ValueError):
            continue
    return t


def tree(table, root):
    """root and all its descendants (zombies included) in table."""
    kids = {}
    for pid, p in table.items():
        kids.setdefault(p["ppid"], []).append(pid)
    out, todo = [], [root] if root in table else []
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(kids.get(pid, []))
    return out


def workload_procs(table, roots, want):
    """The live processes of workload want = (kind, churn) in the system's
    trees (roots), with the php-fpm master that runs its pool."""
    out = set()
    for r in roots:
        for pid in tree(table, r):
            if table[pid]["state"] in ("Z", "X"):
                continue
            kind = classify_app(pid, table[pid]["start"])
            if kind == want or (kind == ("fpm-master", None)
                                and master_of(table, pid, want)):
                out.add(pid)
    return out


def master_of(table, master, want):
    """php-fpm's master pid runs a pool of the workload (kind, churn)."""
    return any(p["ppid"] == master and p["state"] not in ("Z", "X")
               and classify_app(pid, p["start"]) == want
               for pid, p in table.items())


def app_ticks(table, roots, wl):
    """CPU ticks of the real application's processes (workload_procs) or
    None for other workloads: the trees of those whose parent is none of
    them.  Other workloads' processes are left out: one that exits within
    the run (retired idle) takes its whole lifetime's CPU with it, to its
    parent's cutime.  One of the workload's that exits within the run and
    is reaped by a parent that is not one of them (the process manager) is
    counted on the httpd side."""
    if wl["kind"] != "mw":
        return None
    ours = workload_procs(table, roots, (wl["kind"], wl["churn"]))
    return sum(sum(table[q]["ticks"] for q in tree(table, pid))
               for pid in ours if table[pid]["ppid"] not in ours)


def tree_ticks(table, roots):
    """CPU ticks of every process in the trees: a live process's own
    utime+stime plus cutime+cstime (children it has reaped)."""
    seen = set()
    total = 0
    for r in roots:
        for pid in tree(table, r):
            if pid not in seen:
                seen.add(pid)
                total += table[pid]["ticks"]
    return total


exe_of = H.exe_of


cmdline_of = H.cmdline_of


rss_kib = H.rss_kib


_env_cache = {}


def environ_of(pid, start):
    key = (pid, start)
    if key not in _env_cache:
        env = {}
        try:
            with open("/proc/%d/environ" % pid, "rb") as f:
                for item in f.read().split(b"\0"):
                    k, _, v = item.partition(b"=")
                    if k:
                        env[k.decode(errors="replace")] = v.decode(errors="replace")
        except OSError:
            pass
        _env_cache[key] = env
    return _env_cache[key]


def classify_app(pid, start):
    """(kind, churn) of an application process, or None.  kind: php / c /
    mw (MediaWiki) / fpm-master (php-fpm's master: it serves every pool);
    churn: its own request limit (None: none set by us)."""
    exe = os.path.basename(exe_of(pid))
    if exe.startswith("php-cgi"):
        env = environ_of(pid, start)
        wl = env.get("BENCH_WL")        # mw, mw50 (FcgiProcInitialEnv)
        if wl and wl.startswith("mw"):
            return ("mw", int(wl[2:]) if wl[2:].isdigit() else None)
        v = env.get("PHP_FCGI_MAX_REQUESTS")
        return ("php", int(v) if v and v.isdigit() and int(v) > 0 else None)
    if exe.startswith("php-fpm"):
        m = re.match(r"php-fpm: pool (\S+)", cmdline_of(pid))
        if not m:
            return ("fpm-master", None)
        pool = m.group(1)
        if pool.startswith("mw"):
            return ("mw", int(pool[2:]) if pool[2:].isdigit() else None)
        return ("php", int(pool[5:]) if pool.startswith("churn") else None)
    if exe in ("app.fcgi", "fcgp-test-app"):
        v = environ_of(pid, start).get("FCGP_EXIT_AFTER")
        return ("c", int(v) if v and v.isdigit() and int(v) > 0 else None)
    return None


PSS_KEYS = ("Pss", "Pss_Anon", "Pss_File", "Pss_Shmem")


def pss_kib(pid):
    """Proportional set size (shared pages split between their users),
    whole and split by kind: {"Pss", "Pss_Anon", "Pss_File", "Pss_Shmem"}
    in KiB (missing keys 0)."""
    out = dict.fromkeys(PSS_KEYS, 0)
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in out:
                    out[key] = int(rest.split()[0])
    except (OSError, ValueError, IndexError):
        pass
    return out


class Sampler(threading.Thread):
    """Samples VmRSS of httpd children and of the workload's app processes
    every SAMPLE_EVERY seconds while a run goes on."""

    def __init__(self, system, wl):
        super().__init__(daemon=True)
        self.system, self.wl = system, wl
        self.stop_ev = threading.Event()
        self.httpd_sum = self.httpd_max = self.app_sum = self.app_max = 0
        self.app_n = 0
        # total PSS of the application's processes (and php-fpm's master),
        # per sample: only for the real-application workload
        self.pss = []
        self.pss_n = 0
        # per sample: PSS by kind (anon/file/shmem) and the largest process
        self.pss_parts = []

    def sample(self):
        table = proc_table()
        hroot = self.system.httpd_root()
        hs, hm = 0, 0
        for pid in tree(table, hroot):
            if pid == hroot or table[pid]["state"] in ("Z", "X"):
                continue
            if os.path.basename(exe_of(pid)).startswith(("apache2", "httpd")):
                r = rss_kib(pid)
                hs += r
                hm = max(hm, r)
        as_, am, an = 0, 0, 0
        want = (self.wl["kind"], self.wl["churn"])
        pss, pn = dict.fromkeys(PSS_KEYS, 0), 0
        pmax = 0
        roots = self.system.app_roots()
        for root in roots:
            for pid in tree(table, root):
                if (table[pid]["state"] not in ("Z", "X")
                        and classify_app(pid, table[pid]["start"]) == want):
                    r = rss_kib(pid)
                    as_ += r
                    am = max(am, r)
                    an += 1
        if self.wl["kind"] == "mw":
            for pid in workload_procs(table, roots, want):
                one = pss_kib(pid)
                for k in PSS_KEYS:
                    pss[k] += one[k]
                pmax = max(pmax, one["Pss"])
                pn += 1
        if self.wl["kind"] == "mw" and pn:
            self.pss.append(pss["Pss"])
            self.pss_parts.append((pss["Pss"], pss["Pss_Anon"], pss["Pss_File"],
                                   pss["Pss_Shmem"], pmax, pn))
            self.pss_n = max(self.pss_n, pn)
        self.httpd_sum = max(self.httpd_sum, hs)
        self.httpd_max = max(self.httpd_max, hm)
        self.app_sum = max(self.app_sum, as_)
        self.app_max = max(self.app_max, am)
        self.app_n = max(self.app_n, an)

    def run(self):
        while True:
            try:
                self.sample()
            except Exception as e:  # never let sampling kill the run
                print("sampler: %r" % e, file=sys.stderr)
            if self.stop_ev.wait(SAMPLE_EVERY):
                break

    def finish(self):
        self.stop_ev.set()
        self.join(10)
        try:
            self.sample()
        except Exception:
            pass
        return {"httpd_rss_sum_mib": self.httpd_sum / 1024.0,
                "httpd_rss_max_mib": self.httpd_max / 1024.0,
                "app_rss_sum_mib": self.app_sum / 1024.0,
                "app_rss_max_mib": self.app_max / 1024.0,
                "app_procs": self.app_n,
                "app_pss_mib": statistics.median(self.pss) / 1024.0 if self.pss else None,
                "app_pss_max_mib": max(self.pss) / 1024.0 if self.pss else None,
                "app_pss_procs": self.pss_n,
                # the sample whose total is the median: where the memory is
                "app_pss_parts": self._median_parts()}

    def _median_parts(self):
        if not self.pss_parts:
            return None
        parts = sorted(self.pss_parts)[(len(self.pss_parts) - 1) // 2]
        return dict(zip(("pss", "anon", "file", "shmem", "largest", "procs"),
                        [x / 1024.0 for x in parts[:5]] + [parts[5]]))


# ------------------------------------------------------------------ app side

def _kill_group(pgid, sig):
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


class PhpFpm:
    """A private php-fpm: its own php-fpm.conf, pid file, error log and
    unix sockets under dir; pools run as www-data."""

    def __init__(self, dir, pools):
        self.dir = dir
        self.pools = pools  # name -> max_requests, or (max_requests, children)
        os.makedirs(dir, exist_ok=True)
        os.chmod(dir, 0o755)
        self.conf = os.path.join(dir, "php-fpm.conf")
        self.pid_file = os.path.join(dir, "php-fpm.pid")
        self.log = os.path.join(dir, "php-fpm.log")
        self.bin = php_fpm_bin()
        ver = re.search(r"(\d+\.\d+)$", self.bin).group(1)
        # the same php.ini and extensions as php-cgi gets
        self.ini = "/etc/php/%s/cgi/php.ini" % ver
        self.scan_dir = "/etc/php/%s/cgi/conf.d" % ver
        self.proc = None

    def sock(self, pool):
        return os.path.join(self.dir, pool + ".sock")

    def conf_text(self):
        s = """\
; generated by bench/bench.py
[global]
pid = {pid}
error_log = {log}
log_level = notice
daemonize = no
""".format(pid=self.pid_file, log=self.log)
        for name, maxreq in self.pools.items():
            n = N
            if isinstance(maxreq, tuple):
                maxreq, n = maxreq
            s += """
[{name}]
user = {u}
group = {u}
listen = {sock}
listen.owner = {u}
listen.group = {u}
listen.mode = 0660
pm = static
pm.max_children = {n}
pm.max_requests = {maxreq}
env[BENCH_MAXREQ] = {maxreq}
""".format(name=name, u=WWW, sock=self.sock(name), n=n, maxreq=maxreq)
        return s

    def command(self):
        cmd = [self.bin, "--nodaemonize", "--fpm-config", self.conf]
        if os.path.exists(self.ini):
            cmd += ["-c", self.ini]
        return cmd

    def start(self, timeout=20):
        with open(self.conf, "w") as f:
            f.write(self.conf_text())
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C"}
        if os.path.isdir(self.scan_dir):
            env["PHP_INI_SCAN_DIR"] = self.scan_dir
        self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL,
                                     stdout=open(os.path.join(self.dir, "stdout"), "ab"),
                                     stderr=subprocess.STDOUT, env=env,
                                     start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            if self.pid() and all(os.path.exists(self.sock(p)) for p in self.pools):
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("php-fpm did not start:\n" + _tail(self.log))

    def pid(self):
        try:
            with open(self.pid_file) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def root_pid(self):
        return self.pid() or (self.proc.pid if self.proc else None)

    def stop(self):
        pid = self.pid()
        if pid is None and self.proc is not None and self.proc.poll() is None:
            pid = self.proc.pid
        if pid is not None and H.pid_alive(pid):
            os.kill(pid, signal.SIGQUIT)          # graceful
            if not H.wait_pid_gone(pid, 10):
                os.kill(pid, signal.SIGTERM)
                if not H.wait_pid_gone(pid, 5):
                    os.kill(pid, signal.SIGKILL)
        if self.proc is not None:
            _kill_group(self.proc.pid, signal.SIGKILL)  # any leftover child
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                pass


class SpawnedApp:
    """The C test app for mod_proxy_fcgi: `spawn-fcgi -n` on a unix socket
    execs a small sh supervisor that keeps N copies of the app accepting on
    that socket, restarting each one when it exits (FCGP_EXIT_AFTER)."""

    def __init__(self, dir, name, app, exit_after=None):
        self.dir, self.name, self.app, self.exit_after = dir, name, app, exit_after
        os.makedirs(dir, exist_ok=True)
        self.sock = os.path.join(dir, name + ".sock")
        self.pid_file = os.path.join(dir, name + ".pid")
        self.proc = None

    def script(self):
        return ('exec 3<&0 0</dev/null; i=0; while [ $i -lt %d ]; do '
                '( exec 0<&3 3<&-; while :; do "%s" || sleep 0.2; done ) & '
                'i=$((i+1)); done; wait' % (N, self.app))

    def command(self):
        return ["spawn-fcgi", "-s", self.sock, "-M", "0660", "-u", WWW, "-g", WWW,
                "-U", WWW, "-G", WWW, "-n", "--", "/bin/sh", "-c", self.script()]

    def app_env(self):
        return {"FCGP_EXIT_AFTER": str(self.exit_after)} if self.exit_after else {}

    def start(self, timeout=10):
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C"}
        env.update(self.app_env())
        self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL,
                                     stdout=open(os.path.join(self.dir, self.name + ".out"), "ab"),
                                     stderr=subprocess.STDOUT, env=env,
                                     start_new_session=True)
        with open(self.pid_file, "w") as f:
            f.write("%d\n" % self.proc.pid)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            if os.path.exists(self.sock):
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("spawn-fcgi %s (%s) did not start" % (self.name, self.app))

    def root_pid(self):
        return self.proc.pid if self.proc else None

    def stop(self):
        if self.proc is None:
            return
        pgid = self.proc.pid   # its own session/process group (start_new_session)
        _kill_group(pgid, signal.SIGTERM)
        try:
            self.proc.wait(3)
        except subprocess.TimeoutExpired:
            pass
        time.sleep(0.2)
        _kill_group(pgid, signal.SIGKILL)
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            pass


class PhpCgiPool(SpawnedApp):
    """php-cgi in php-fpm's structure, for mod_proxy_fcgi (BENCH_MW_PROXY):
    `spawn-fcgi -n -C children` on a unix socket execs one php-cgi parent,
    which forks that many children accepting on the socket, each replaced
    after PHP_FCGI_MAX_REQUESTS; they share the parent's opcode cache."""

    def __init__(self, dir, name, children, max_requests, wl_env):
        super().__init__(dir, name, PHP_CGI)
        self.children, self.max_requests, self.wl_env = children, max_requests, wl_env

    def app_env(self):
        return {"BENCH_WL": self.wl_env, "PHP_FCGI_MAX_REQUESTS": str(self.max_requests or 0)}

    def command(self):
        return ["spawn-fcgi", "-s", self.sock, "-M", "0660", "-u", WWW, "-g", WWW,
                "-U", WWW, "-G", WWW, "-C", str(self.children), "-n", "--", self.app]


def _tail(path, n=30):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return ""


# ------------------------------------------------------------------ systems

def vhost_blocks(ports, body_for):
    """Listen + <VirtualHost> for each churn workload and each MediaWiki
    workload on its own port."""
    out = []
    for key in VHOST_KEYS:
        body = body_for(WL[key])
        if body is None:
            continue            # not run on this system
        if WL[key]["kind"] == "mw":
            body = mw_vhost_common() + body
        out.append("Listen 127.0.0.1:%d\n<VirtualHost 127.0.0.1:%d>\n    ServerName %s\n%s</VirtualHost>\n"
                   % (ports[key], ports[key], key.replace("_", "-"), body))
    return "\n".join(out)


MW_CONFIG = None    # its LocalSettings.php (setup_mediawiki), set in main_run


def mw_vhost_common():
    return ("    DocumentRoot \"%s\"\n"
            "    <Directory \"%s\">\n"
            "        Options +ExecCGI\n"
            "        Require all granted\n"
            "    </Directory>\n"
            "    SetEnv MW_CONFIG_FILE %s\n" % (MW_DIR, MW_DIR, MW_CONFIG))


class System:
    def __init__(self, key, base, module, app):
        self.key = key
        self.base = base
        self.module = module
        self.app = app
        self.root = os.path.join(base, key)
        self.ports = {k: unique_port() for k in VHOST_KEYS}
        self.fpm = None
        # MediaWiki's php-fpm pools, each under a master of its own (pool
        # name -> PhpFpm): one site per master, as the comparison is per
        # site.  Pools of one master share its opcode cache, so with both
        # MediaWiki pools in one master each would carry half of the
        # compiled application's memory (measured: 14 MiB of shared memory
        # per pool against 27 for one site).
        self.mw_fpm = {}
        self.spawned = []
        self.h = None

    def repick_ports(self):
        """After a bind failure: another process took a port meanwhile."""
        self.ports = {k: unique_port() for k in VHOST_KEYS}
        self.h.port = unique_port()
        self.h.extra_conf = self.extra_conf()

    def port_for(self, wl):
        return self.ports.get(wl["key"], self.h.port)

    def url_for(self, wl):
        path = wl["static"] if self.key == "static" else wl["path"]
        return "http://127.0.0.1:%d%s" % (self.port_for(wl), path)

    def runs(self, wl):
        if wl.get("systems"):
            return self.key in wl["systems"]
        return self.key != "static" or wl["static"] is not None

    def extra_conf(self):
        return COMMON_CONF + self._extra_conf()

    def _extra_conf(self):
        k = self.key
        if k == "fcgiproc":
            def body(wl):
                if wl["kind"] == "slow":
                    return ("    FcgiProcMaxProcessesPerClass 100\n"
                            "    FcgiProcIdleTimeout %d\n"
                            "    FcgiProcInitialEnv FCGP_START_DELAY_MS %d\n"
                            % (SPAWN_IDLE, SPAWN_DELAY_MS))
                if wl["kind"] == "mw":
                    # as many processes as php-fpm's pool (one php-cgi
                    # pool, as php-fpm's static one); the limit told to us
                    # the way a mod_fcgid admin tells it
                    return ("    FcgiProcMaxProcessesPerClass %d\n"
                            "    FcgiProcInitialEnv BENCH_WL mw%s\n" % (MW_PROCS, wl["churn"] or "")
                            + ({"auto": "",
                                "fixed": "    FcgiProcInitialEnv PHP_FCGI_CHILDREN %d\n" % MW_PROCS,
                                "0": "    FcgiProcInitialEnv PHP_FCGI_CHILDREN 1\n"}[MW_POOL])
                            + ("    FcgiProcInitialEnv PHP_FCGI_MAX_REQUESTS %d\n" % wl["churn"]
                               if wl["churn"] else ""))
                var = "PHP_FCGI_MAX_REQUESTS" if wl["kind"] == "php" else "FCGP_EXIT_AFTER"
                return "    FcgiProcInitialEnv %s %d\n" % (var, wl["churn"])
            return """\
AddHandler fcgiproc-script .php .fcgi
FcgiProcWrapper %s .php
FcgiProcMaxProcessesPerClass %d
<Directory "@HTDOCS@">
    Options +ExecCGI
</Directory>
<Location /fcgiproc-status>
    SetHandler fcgiproc-status
    Require ip 127.0.0.1
</Location>
""" % (PHP_CGI, N) + FCGIPROC_CONF + vhost_blocks(self.ports, body)
        if k == "fcgid":
            def body(wl):
                if wl["kind"] == "mw":
                    return None     # not measured here
                if wl["kind"] == "slow":
                    return ("    FcgidMaxProcessesPerClass 100\n"
                            "    FcgidIdleTimeout %d\n"
                            "    FcgidInitialEnv FCGP_START_DELAY_MS %d\n"
                            % (SPAWN_IDLE, SPAWN_DELAY_MS))
                var = "PHP_FCGI_MAX_REQUESTS" if wl["kind"] == "php" else "FCGP_EXIT_AFTER"
                return "    FcgidInitialEnv %s %d\n" % (var, wl["churn"])
            classes = 2 + len(CHURN_KEYS)
            return """\
AddHandler fcgid-script .php .fcgi
FcgidWrapper %s .php
FcgidMaxProcessesPerClass %d
FcgidMaxProcesses %d
# the slow-start workload's FcgidIdleTimeout is looked at every second
FcgidIdleScanInterval 1
FcgidIPCDir "@ROOT@/fcgid-ipc"
FcgidProcessTableFile "@ROOT@/fcgid-ipc/shm"
# mod_fcgid's default (131072) would refuse the 1 MiB POST with 500
FcgidMaxRequestLen 2097152
<Directory "@HTDOCS@">
    Options +ExecCGI
</Directory>
""" % (PHP_CGI, N, N * classes + 100) + vhost_blocks(self.ports, body)
        if k == "proxy":
            def handler(sock):
                return '"proxy:unix:%s|fcgi://localhost"' % sock

            def body(wl):
                if wl["kind"] == "slow":
                    return None     # spawn-fcgi starts a fixed number
                if wl["kind"] == "mw":
                    sock = (self.spawn_sock(mw_pool(wl)) if MW_PROXY == "php-cgi"
                            else self.mw_fpm[mw_pool(wl)].sock(mw_pool(wl)))
                    # php-cgi takes SCRIPT_FILENAME as a path (php-fpm
                    # also understands proxy_fcgi's "proxy:fcgi://" form)
                    return ('    <FilesMatch "\\.php$">\n        SetHandler %s\n    </FilesMatch>\n'
                            % handler(sock)
                            + ("    ProxyFCGIBackendType GENERIC\n" if MW_PROXY == "php-cgi" else ""))
                if wl["kind"] == "php":
                    return ('    <FilesMatch "\\.php$">\n        SetHandler %s\n    </FilesMatch>\n'
                            % handler(self.fpm.sock(wl["key"].split("_")[1])))
                return ('    <Files "app.fcgi">\n        SetHandler %s\n    </Files>\n'
                        % handler(self.spawn_sock(wl["key"])))
            return """\
<FilesMatch "\\.php$">
    SetHandler %s
</FilesMatch>
<Files "app.fcgi">
    SetHandler %s
</Files>
""" % (handler(self.fpm.sock("www")), handler(self.spawn_sock("c"))) + vhost_blocks(self.ports, body)
        return "# static files only\n" + vhost_blocks(
            self.ports, lambda wl: None if wl["kind"] in ("mw", "slow") else "")

    def spawn_sock(self, name):
        return os.path.join(self.base, "spawn", name + ".sock")

    def modules(self):
        return {"fcgid": ["fcgid"], "proxy": ["proxy", "proxy_fcgi"]}.get(self.key, [])

    def start(self):
        if self.key == "proxy":
            pools = {"www": 0}
            for key in CHURN_KEYS:
                if WL[key]["kind"] == "php":
                    pools[key.split("_")[1]] = WL[key]["churn"]
            sdir = os.path.join(self.base, "spawn")
            os.makedirs(sdir, exist_ok=True)
            os.chmod(sdir, 0o755)
            for key in VHOST_KEYS:
                if WL[key]["kind"] == "mw":
                    if MW_PROXY == "php-cgi":
                        self.spawned.append(PhpCgiPool(sdir, mw_pool(WL[key]), MW_PROCS,
                                                       WL[key]["churn"], mw_pool(WL[key])))
                    else:
                        name = mw_pool(WL[key])
                        self.mw_fpm[name] = PhpFpm(os.path.join(self.base, "fpm-" + name),
                                                   {name: (WL[key]["churn"] or 0, MW_PROCS)})
            self.fpm = PhpFpm(os.path.join(self.base, "fpm"), pools)
            self.fpm.start()
            for f in self.mw_fpm.values():
                f.start()
            self.spawned.append(SpawnedApp(sdir, "c", self.app))
            for key in CHURN_KEYS:
                if WL[key]["kind"] == "c":
                    self.spawned.append(SpawnedApp(sdir, key, self.app, WL[key]["churn"]))
            for s in self.spawned:
                s.start()
        self.h = H.Httpd(root=self.root, mpm="event", mpm_conf=MPM_CONF,
                         port=unique_port(),
                         extra_conf="", modules=self.modules(),
                         fcgiproc=(self.key == "fcgiproc"), module_path=self.module,
                         log_level=os.environ.get("BENCH_LOGLEVEL", "notice"))
        self.h.extra_conf = self.extra_conf()
        if self.key == "fcgid":
            self.h.make_dir("fcgid-ipc", owner=WWW)
        populate_htdocs(self.h, self.app)
        for attempt in (1, 2, 3):
            try:
                self.h.start()
                return
            except H.HttpdStartError as e:
                if attempt == 3 or "Address already in use" not in str(e.args):
                    raise
                log("  %s: a port was taken meanwhile; new ports" % self.key)
                self.repick_ports()

    def httpd_root(self):
        return self.h.pid() or self.h.last_pid

    def app_roots(self):
        roots = [self.httpd_root()]
        if self.fpm:
            roots.append(self.fpm.root_pid())
        roots += [f.root_pid() for f in self.mw_fpm.values()]
        roots += [s.root_pid() for s in self.spawned]
        return [r for r in roots if r]

    def stop(self):
        errs = []
        if self.h is not None:
            try:
                left = self.h.stop()
                if left:
                    errs.append("%s: leftover processes after stop: %s"
                                % (self.key, [(p["pid"], p["cmdline"]) for p in left]))
            except Exception as e:
                errs.append("%s: stop: %r" % (self.key, e))
        for s in self.spawned:
            try:
                s.stop()
            except Exception as e:
                errs.append("%s: spawn-fcgi stop: %r" % (self.key, e))
        for f in ([self.fpm] if self.fpm is not None else []) + list(self.mw_fpm.values()):
            try:
                f.stop()
            except Exception as e:
                errs.append("%s: php-fpm stop: %r" % (self.key, e))
        return errs

    def ensure_running(self, anomalies):
        if self.h.is_running():
            return True
        anomalies.append("%s: httpd was not running; restarted\n%s"
                         % (self.key, self.h.error_log_tail(20)))
        try:
            self.h.start()
            return True
        except Exception as e:
            anomalies.append("%s: restart failed: %r" % (self.key, e))
            return False


def mw_pool(wl):
    """php-fpm pool of a MediaWiki workload: mw, mw50."""
    return "mw%s" % (wl["churn"] or "")


def populate_htdocs(h, app):
    h.htdocs_file("hello.txt", HELLO)
    h.htdocs_file("c_hello.txt", C_HELLO_STATIC)
    h.htdocs_file("64k.bin", app_pattern(65536))
    h.htdocs_file("echo.txt", ECHO_BODY)
    h.write_php("hello.php", "<?php echo \"Hello world\\n\";")
    h.write_php("which.php", "<?php echo getenv('PHP_FCGI_MAX_REQUESTS') ?: getenv('BENCH_MAXREQ') ?: '-', "
                " ' ', getmypid(), \"\\n\";")
    h.install_app("app.fcgi", src=app)
    h.install_app("slow.fcgi", src=app)


def app_pattern(n):
    pat = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ\n"
    chunk = (pat * (8192 // len(pat) + 1))[:8192]
    return (chunk * (n // 8192 + 1))[:n]


POST_BODY = b"x" * POST_SIZE
ECHO_BODY = None  # set in main() (the FNV of POST_BODY takes a moment)


# ------------------------------------------------------------------ HTTP

def http_req(port, method, path, body=None, timeout=15):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        hdrs = {"Content-Type": "application/octet-stream"} if body is not None else {}
        c.request(method, path, body=body, headers=hdrs)
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def sanity(sys_, wl):
    """One functional check of a workload on a system; returns an error
    string or None."""
    port = sys_.port_for(wl)
    static = sys_.key == "static"
    path = wl["static"] if static else wl["path"]
    try:
        if wl.get("post"):
            st, body = http_req(port, "POST", path, POST_BODY)
            want = ECHO_BODY
        else:
            st, body = http_req(port, "GET", path)
            want = None
        if st != 200:
            return "status %d: %r" % (st, body[:200])
        if wl["key"].startswith("php_hello") and body != HELLO:
            return "body %r" % body[:200]
        if wl["kind"] == "mw" and (b"BenchWiki" not in body or b"Main Page" not in body):
            return "MediaWiki page without its title: %r" % body[:300]
        if wl["key"] == "c_64k" and body != app_pattern(65536):
            return "64k body differs (len %d)" % len(body)
        if want is not None and body != want:
            return "echo body %r, want %r" % (body[:100], want)
        if wl["churn"] and not static and wl["kind"] != "mw":
            # the right class/pool, and nobody serves more than its limit
            if wl["kind"] == "php":
                st, b = http_req(port, "GET", "/which.php")
                got = b.split()[0].decode() if b.split() else ""
                if st != 200 or got != str(wl["churn"]):
                    return "which.php on churn port: %d %r" % (st, b)
            else:
                # sequential requests across a few retirements: a failed one
                # is the exit race the workload is about (noted, not fatal)
                failed, total = [], wl["churn"] * 2 + 5
                for _ in range(total):
                    st, b = http_req(port, "GET", "/app.fcgi")
                    m = re.search(rb"pid=(\d+) n=(\d+)", b)
                    if st != 200 or not m:
                        failed.append(st)
                        continue
                    if int(m.group(2)) > wl["churn"]:
                        return "app served %s > %d requests" % (m.group(2).decode(), wl["churn"])
                if failed:
                    return ("note: %d of %d sequential requests failed (status %s) when the app "
                            "retired itself" % (len(failed), total, sorted(set(failed))))
    except Exception as e:
        return "request failed: %r" % e
    return None


# ------------------------------------------------------------------ wrk

def wrk_cmd(url, conc, seconds, post):
    threads = min(2, conc)   # wrk needs connections >= threads
    cmd = ["wrk", "-t%d" % threads, "-c%d" % conc, "-d%gs" % seconds, "--latency",
           "--timeout", WRK_TIMEOUT]
    if post:
        cmd += ["-s", POST_LUA]
    return cmd + [url]


_UNIT = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def parse_wrk(out):
    r = {"requests": 0, "rps": 0.0, "p50_ms": None, "p99_ms": None,
         "non2xx": 0, "connect": 0, "read": 0, "write": 0, "timeout": 0}
    m = re.search(r"(\d+) requests in ([\d.]+)(\w+)", out)
    if m:
        r["requests"] = int(m.group(1))
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if m:
        r["rps"] = float(m.group(1))
    for pct, val, unit in re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M):
        if pct in ("50", "99"):
            r["p%s_ms" % pct] = float(val) * _UNIT[unit]
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        r["connect"], r["read"], r["write"], r["timeout"] = map(int, m.groups())
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        r["non2xx"] = int(m.group(1))
    r["errors"] = r["non2xx"] + r["connect"] + r["read"] + r["write"] + r["timeout"]
    return r


def run_wrk(cmd, seconds):
    """wrk, bounded: SIGINT then SIGKILL when it overruns."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         start_new_session=True)
    try:
        out, _ = p.communicate(timeout=seconds + 30)
        hung = False
    except subprocess.TimeoutExpired:
        hung = True
        p.send_signal(signal.SIGINT)
        try:
            out, _ = p.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()
            out, _ = p.communicate()
    return out or "", hung, p.returncode


def ab_cmd(url, conc, count):
    # -l: MediaWiki's pages differ in length from one request to the next
    return ["ab", "-l", "-n", str(count), "-c", str(conc), "-s", "60", url]


def parse_ab(out):
    """ab's summary in the fields parse_wrk gives."""
    r = {"requests": 0, "rps": 0.0, "p50_ms": None, "p99_ms": None,
         "non2xx": 0, "connect": 0, "read": 0, "write": 0, "timeout": 0}
    m = re.search(r"^Complete requests:\s+(\d+)", out, re.M)
    if m:
        r["requests"] = int(m.group(1))
    m = re.search(r"^Requests per second:\s+([\d.]+)", out, re.M)
    if m:
        r["rps"] = float(m.group(1))
    for pct, val in re.findall(r"^\s+(50|99)%\s+(\d+)\s*$", out, re.M):
        r["p%s_ms" % pct] = float(val)
    m = re.search(r"^Non-2xx responses:\s+(\d+)", out, re.M)
    if m:
        r["non2xx"] = int(m.group(1))
    m = re.search(r"\(Connect: (\d+), Receive: (\d+), Length: (\d+), Exceptions: (\d+)\)", out)
    if m:
        r["connect"], r["read"], _, r["write"] = map(int, m.groups())
    r["errors"] = r["non2xx"] + r["connect"] + r["read"] + r["write"] + r["timeout"]
    return r


def count_exe(exe):
    """Live processes running exe (zombies not counted)."""
    n = 0
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            if os.readlink("/proc/%s/exe" % d) != exe:
                continue
            with open("/proc/%s/stat" % d) as f:
                if f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X"):
                    n += 1
        except OSError:
            pass
    return n


def measure_spawn(sys_, wl, conc, rnd):
    """The slow-starting application: wrk at c=conc for SPAWN_SECONDS, a
    graceful restart SPAWN_GRACEFUL_AT seconds in, its processes (every
    generation, stopping ones too) counted in /proc every 0.1 s; then the
    count SPAWN_AFTER seconds after the load (idle timeout SPAWN_IDLE)."""
    exe = os.path.join(sys_.h.htdocs, "slow.fcgi")
    url = sys_.url_for(wl)
    cmd = wrk_cmd(url, conc, SPAWN_SECONDS, False)
    load1 = float(open("/proc/loadavg").read().split()[0])
    before = count_exe(exe)
    box = {}
    t = threading.Thread(target=lambda: box.update(zip(("out", "hung", "rc"),
                                                       run_wrk(cmd, SPAWN_SECONDS))))
    t0 = time.monotonic()
    t.start()
    samples, graceful = [], None
    while t.is_alive():
        samples.append(count_exe(exe))
        if graceful is None and time.monotonic() - t0 >= SPAWN_GRACEFUL_AT:
            try:
                sys_.h.graceful()
                graceful = round(time.monotonic() - t0, 1)
            except Exception as e:
                graceful = repr(e)
        time.sleep(0.1)
    t.join()
    wall = time.monotonic() - t0
    time.sleep(SPAWN_AFTER)
    r = parse_wrk(box.get("out", ""))
    r.update({"system": sys_.key, "workload": wl["key"], "conc": conc, "round": rnd,
              "procs_before": before, "procs_peak": max(samples) if samples else 0,
              "procs_after": count_exe(exe), "graceful_at": graceful,
              "wall_s": wall, "hung": box.get("hung"), "rc": box.get("rc"),
              "load1": load1, "cmd": " ".join(cmd), "stalled": r["requests"] == 0,
              "cpu_s": None, "cpu_per_1k": None, "httpd_rss_sum_mib": 0,
              "httpd_rss_max_mib": 0, "app_rss_sum_mib": 0, "app_rss_max_mib": 0,
              "app_procs": max(samples) if samples else 0})
    return r


def measure(sys_, wl, conc, seconds, rnd, count=None):
    """One run: wrk for `seconds`, or ab for `count` requests (the
    workload's own count unless given)."""
    if wl.get("spawn"):
        return measure_spawn(sys_, wl, conc, rnd)
    url = sys_.url_for(wl)
    count = count or wl.get("count")
    if count:
        cmd = ab_cmd(url, conc, count)
        seconds = count / 20.0      # the bound: 20 req/s at the least
    else:
        cmd = wrk_cmd(url, conc, seconds, wl.get("post"))
    roots = sys_.app_roots()
    table = proc_table()
    before, app_before = tree_ticks(table, roots), app_ticks(table, roots, wl)
    sampler = Sampler(sys_, wl)
    sampler.start()
    load1 = float(open("/proc/loadavg").read().split()[0])
    machine_before = machine_ticks()
    t = time.monotonic()
    out, hung, rc = run_wrk(cmd, seconds)
    wall = time.monotonic() - t
    machine_after = machine_ticks()
    mem = sampler.finish()
    table = proc_table()
    after, app_after = tree_ticks(table, roots), app_ticks(table, roots, wl)
    r = parse_ab(out) if count else parse_wrk(out)
    if count and r["requests"] < count:
        r["timeout"] += count - r["requests"]     # never answered
        r["errors"] += count - r["requests"]
    r.update(mem)
    cpu = (after - before) / float(CLK_TCK)
    app_cpu = (None if app_before is None or app_after is None
               else (app_after - app_before) / float(CLK_TCK))
    # no answer at all within the run: wrk reports zero latencies, which
    # are not latencies
    r["stalled"] = r["requests"] == 0
    if r["stalled"]:
        r["p50_ms"] = r["p99_ms"] = None
    r.update({"system": sys_.key, "workload": wl["key"], "conc": conc, "round": rnd,
              "cpu_s": cpu,
              "cpu_per_1k": (cpu / (r["requests"] / 1000.0)) if r["requests"] else None,
              "app_cpu_per_1k": ((app_cpu / (r["requests"] / 1000.0))
                                 if r["requests"] and app_cpu is not None else None),
              "wall_s": wall, "hung": hung, "rc": rc, "load1": load1,
              "mono_start": t, "cmd": " ".join(cmd)})
    r.update(machine_shares(machine_before, machine_after, r["requests"]))
    if hung or rc != 0 or not r["requests"]:
        r["wrk_output"] = out[-2000:]
    return r


def pair_kinds(active):
    """The kinds (c, php) whose hello and churn(100) workloads are both
    active: the ones churn_pairs measures."""
    keys = {w["key"] for w in active}
    return [k for k in ("c", "php") if {k + "_hello", k + "_churn100"} <= keys]


def churn_pairs(systems, results, anomalies, autogroup):
    """For each kind with both its hello and its churn(100) workload
    active: CHURN_PAIRS pairs of runs at c=32, the no-churn run and the
    churn run back to back (their order turning each pair), for mod_fcgiproc
    and proxy_fcgi (its spawn-fcgi loop / php-fpm) in turn.  Each result is
    kept with round 0 (not in the rounds' medians), its pair number and
    the kernel's autogroup setting it ran at.
    A warm-up run of each first: the slow start's graceful restart may have
    come just before."""
    for kind in pair_kinds(ACTIVE):
        base, churn = "%s_hello" % kind, "%s_churn100" % kind
        log("churn pairs, %s: %d pairs of %gs runs (no churn, churn(100) back to back), "
            "autogroup %s" % (kind, CHURN_PAIRS, PAIR_SECONDS, autogroup))
        for s in systems:
            if s.key in PAIR_SYSTEMS and s.ensure_running(anomalies):
                for key in (base, churn):
                    measure(s, WL[key], 32, WARM_SECONDS, 0)
                    time.sleep(GAP)
        for i in range(1, CHURN_PAIRS + 1):
            line = []
            order = [s for s in systems if s.key in PAIR_SYSTEMS]
            for s in (order if i % 2 else order[::-1]):
                if not s.ensure_running(anomalies):
                    continue
                got = {}
                for key in ((base, churn) if i % 2 else (churn, base)):
                    r = measure(s, WL[key], 32, PAIR_SECONDS, 0)
                    r["pair"] = i
                    r["autogroup"] = autogroup
                    results.append(r)
                    if r["hung"] or r["stalled"] or r["errors"]:
                        anomalies.append("churn pair %d (autogroup %s) %s %s c=32: %d errors%s%s"
                                         % (i, autogroup, s.key, key, r["errors"],
                                            " (wrk hung)" if r["hung"] else "",
                                            " (no answer)" if r["stalled"] else ""))
                    got[key] = r
                    time.sleep(GAP)
                if got[base]["rps"]:
                    line.append("%s %.0f%%" % (s.key, 100.0 * got[churn]["rps"]
                                               / got[base]["rps"]))
            log("  pair %d: %s" % (i, " | ".join(line)))


# ------------------------------------------------------------------ run

def plan(active):
    """(workload, conc) pairs in order, and the systems for each."""
    out = []
    for wl in active:
        for c in wl["concs"]:
            out.append((wl, c))
    return out


def fcgiproc_status(sys_):
    try:
        st, b = http_req(sys_.h.port, "GET", "/fcgiproc-status?json")
        if st == 200:
            return json.loads(b.decode(errors="replace"))
        return {"status": st, "body": b[:500].decode(errors="replace")}
    except Exception as e:
        return {"error": repr(e)}


def scan_error_log(text):
    """Counts by level and by FCGP tag; a few sample lines per tag/level."""
    levels, tags, samples = {}, {}, {}
    for line in text.splitlines():
        if not line.strip():
            continue
        m = (re.search(r"\] \[(?:[\w_]+:)?(\w+)\] ", line)           # httpd
             or re.search(r"\] (NOTICE|WARNING|ERROR|ALERT|DEBUG): ", line))  # php-fpm
        lvl = m.group(1).lower() if m else "?"
        levels[lvl] = levels.get(lvl, 0) + 1
        t = re.search(r"(FCGP\d{5}|AH\d{5})", line)
        if t:
            key = t.group(1)
        else:  # the message without timestamp, pids, client, numbers
            msg = re.sub(r"^(\[[^\]]*\]\s*)+", "", line)
            msg = re.sub(r"^(NOTICE|WARNING|ERROR|ALERT|DEBUG):\s*", "", msg)
            msg = re.sub(r"\(\d+\)(?=\w)", "", msg)
            msg = re.sub(r"\[client [^\]]*\]\s*", "", msg)
            key = "%s: %s" % (lvl, re.sub(r"\d+", "N", msg)[:90])
        tags[key] = tags.get(key, 0) + 1
        if len(samples.setdefault(key, [])) < 4:
            samples[key].append(line[:600])
    return {"levels": levels, "tags": tags, "samples": samples}


def machine_info():
    info = {"nproc": os.cpu_count(), "kernel": platform.release()}
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"^model name\s*:\s*(.*)$", f.read(), re.M)
            info["cpu"] = m.group(1) if m else "?"
    except OSError:
        info["cpu"] = "?"
    try:
        with open("/proc/meminfo") as f:
            m = re.search(r"MemTotal:\s+(\d+)", f.read())
            info["mem_gib"] = round(int(m.group(1)) / 1048576.0, 1)
    except OSError:
        pass
    try:
        with open("/etc/debian_version") as f:
            info["debian"] = f.read().strip()
    except OSError:
        pass
    info["loadavg_start"] = open("/proc/loadavg").read().split()[:3]
    pk = {}
    for p in ("apache2", "libapache2-mod-fcgid", "php8.2-cgi", "php8.2-fpm", "spawn-fcgi",
              "wrk", "libfcgi0ldbl", "gnuplot-nox", "gnuplot-qt", "gnuplot-x11"):
        v = subprocess.run(["dpkg-query", "-W", "-f=${Status} ${Version}", p],
                           capture_output=True, text=True).stdout
        if "ok installed" in v:
            pk[p] = v.split()[-1]
    info["packages"] = pk
    try:
        rev = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10).stdout.split("\n")
        info["git"] = rev
        info["git_dirty"] = [l[3:] for l in dirty if l.strip()]
    except Exception:
        pass
    return info


def exec_cost(path, n=300):
    """CPU milliseconds of one start and exit of the program at path, the
    mean of n (posix_spawn, its stdin /dev/null, wait4's rusage): what
    each retirement of a worker costs on this machine before it serves
    anything (the test app finds no socket on stdin and exits)."""
    total = 0.0
    fd = os.open(os.devnull, os.O_RDONLY)
    try:
        for _ in range(n):
            pid = os.posix_spawn(path, [path], {},
                                 file_actions=[(os.POSIX_SPAWN_DUP2, fd, 0)])
            ru = os.wait4(pid, 0)[2]
            total += ru.ru_utime + ru.ru_stime
    finally:
        os.close(fd)
    return 1000.0 * total / n


AUTOGROUP = "/proc/sys/kernel/sched_autogroup_enabled"


def autogroup_mode(env=None, path=AUTOGROUP):
    """BENCH_AUTOGROUP, checked before anything starts: "off" (switch the
    autogroup scheduler off for the run) or "keep" (unset or empty: change
    no kernel setting).  Exits on any other value, and on "off" when the
    setting exists but cannot be written (not root)."""
    env = os.environ if env is None else env
    mode = env.get("BENCH_AUTOGROUP", "").strip() or "keep"
    if mode not in ("keep", "off"):
        sys.exit("bench: BENCH_AUTOGROUP=%s: say off (switch the kernel's "
                 "autogroup scheduler off for the run), or leave it unset"
                 % mode)
    if mode == "off" and os.path.exists(path) and not os.access(path, os.W_OK):
        sys.exit("bench: BENCH_AUTOGROUP=off: cannot write %s (run as root, "
                 "or leave BENCH_AUTOGROUP unset)" % path)
    return mode


def autogroup_off(mode, path=AUTOGROUP):
    """With mode "off", switch the kernel's autogroup scheduler off for the
    run; with "keep", leave it.  Returns (value during the run, value to
    restore after it, or None when nothing was changed).

    wrk runs on the same 2 CPUs as the servers.  With autogroup, the kernel
    first splits the CPU equally between sessions, then between the threads
    of each: a system whose processes span more sessions gets a bigger share
    against wrk (proxy_fcgi: httpd and php-fpm are two sessions; mod_fcgid's
    and mod_fcgiproc's apps are in httpd's).  That measures where the load
    generator sits, not the servers; with it off the threads compete as
    equals.  It is a machine-wide setting, so it is changed only when asked."""
    try:
        with open(path) as f:
            before = f.read().strip()
    except OSError:
        return "absent", None
    if mode != "off" or before == "0":
        return before, None
    try:
        with open(path, "w") as f:
            f.write("0\n")
    except OSError as e:
        log("BENCH_AUTOGROUP=off: cannot write %s (%s); left at %s"
            % (path, e.strerror, before))
        return before, None
    return "0", before


def autogroup_restore(before, path=AUTOGROUP):
    if before is not None:
        with open(path, "w") as f:
            f.write(before + "\n")


_PORTS_GIVEN = set()


def unique_port():
    """A free port no other server of this run was given: free_port()
    releases what it finds, so two calls may return the same one."""
    while True:
        p = H.free_port()
        if p not in _PORTS_GIVEN:
            _PORTS_GIVEN.add(p)
            return p


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main_run(check_only=False):
    global ECHO_BODY
    ag_mode = autogroup_mode()
    module_src = H.MODULE_PATH
    app_src = H.TEST_APP
    for p in (module_src, app_src):
        if not os.path.exists(p):
            sys.exit("bench: %s missing: run `make all` first" % p)
    ensure_tools()
    if MW_ON:
        ensure_mediawiki()
    ECHO_BODY = ("len=%d fnv=%s\n" % (POST_SIZE, fnv1a64(POST_BODY))).encode()
    os.makedirs(OUT_DIR, exist_ok=True)

    meta = {"started": datetime.datetime.now().isoformat(timespec="seconds"),
            "seconds": SECONDS, "rounds": ROUNDS, "quick": QUICK, "n": N,
            "concs": CONCS, "wrk_timeout": WRK_TIMEOUT, "mpm_conf": MPM_CONF,
            "machine": machine_info()}
    base = tempfile.mkdtemp(prefix="fcgp-bench-", dir=os.environ.get("FCGP_TMPDIR", "/tmp"))
    os.chmod(base, 0o755)
    # Private copies: others may rebuild the module while we run.
    module = os.path.join(base, "mod_fcgiproc.so")
    app = os.path.join(base, "fcgp-test-app")
    shutil.copy2(module_src, module)
    shutil.copy2(app_src, app)
    os.chmod(app, 0o755)
    meta["machine"]["exec_ms"] = {"fcgp-test-app": exec_cost(app),
                                  "/bin/true": exec_cost("/bin/true")}
    if MW_ON:
        global MW_CONFIG
        log("installing a private MediaWiki (SQLite) in %s/mw" % base)
        MW_CONFIG = setup_mediawiki(base)
        meta["mediawiki"] = {"version": subprocess.run(
            ["dpkg-query", "-W", "-f=${Version}", "mediawiki"], capture_output=True,
            text=True).stdout, "requests": MW_REQUESTS, "conc": MW_CONC,
            "procs": MW_PROCS, "rounds": MW_ROUNDS, "warm": MW_WARM,
            "warm_run": MW_WARM_RUN}
    meta["mw_proxy"] = MW_PROXY
    meta["mw_pool"] = MW_POOL
    meta["module_sha256"] = sha256(module)
    meta["module_mtime"] = datetime.datetime.fromtimestamp(
        os.path.getmtime(module_src)).isoformat(timespec="seconds")

    systems = [System(k, base, module, app) for k, _ in SYSTEMS]
    results, anomalies = [], []
    interrupted = None

    def on_term(signum, frame):
        raise KeyboardInterrupt("signal %d" % signum)
    old_term = signal.signal(signal.SIGTERM, on_term)
    ag_during, ag_before = autogroup_off(ag_mode)
    meta["machine"]["autogroup"] = {"during": ag_during, "before": ag_before or ag_during,
                                    "asked": ag_mode}
    if ag_before is not None:
        log("kernel.sched_autogroup_enabled: %s -> 0 for the run (BENCH_AUTOGROUP=off)"
            % ag_before)
    elif ag_during not in ("0", "absent"):
        log("kernel.sched_autogroup_enabled: %s, left as it is (BENCH_AUTOGROUP=off "
            "switches it off for the run)" % ag_during)
    try:
        for s in systems:
            log("starting %s" % SYS_TITLE[s.key])
            s.start()
        meta["configs"] = {s.key: s.h.extra_conf for s in systems}
        meta["commands"] = {
            "httpd": " ".join(systems[0].h._cmd("-k", "start")).replace(base, "$TMP"),
        }
        px = systems[2]
        meta["commands"]["php-fpm"] = " ".join(px.fpm.command()).replace(base, "$TMP")
        meta["commands"]["php-fpm.conf"] = px.fpm.conf_text().replace(base, "$TMP")
        for name, f in sorted(px.mw_fpm.items()):
            meta["commands"]["php-fpm (%s)" % name] = " ".join(f.command()).replace(base, "$TMP")
            meta["commands"]["php-fpm.conf (%s)" % name] = f.conf_text().replace(base, "$TMP")
        meta["commands"]["spawn-fcgi"] = [
            "".join("%s=%s " % kv for kv in sorted(sp.app_env().items()))
            + " ".join(sp.command()).replace(base, "$TMP") for sp in px.spawned]
        # copy the generated httpd.conf files for reference
        cdir = os.path.join(OUT_DIR, "conf")
        os.makedirs(cdir, exist_ok=True)
        for s in systems:
            shutil.copy(s.h.conf_file, os.path.join(cdir, "%s-httpd.conf" % s.key))
        shutil.copy(px.fpm.conf, os.path.join(cdir, "php-fpm.conf"))
        for name, f in px.mw_fpm.items():
            shutil.copy(f.conf, os.path.join(cdir, "php-fpm-%s.conf" % name))

        log("sanity checks")
        sanity_fail = []
        for wl in ACTIVE:
            for s in systems:
                if s.runs(wl):
                    err = sanity(s, wl)
                    if err:
                        sanity_fail.append("%s / %s: %s" % (s.key, wl["key"], err))
                        log("  SANITY FAIL %s / %s: %s" % (s.key, wl["key"], err))
        meta["sanity_failures"] = sanity_fail
        if check_only:
            log("check only: %d sanity failures" % len(sanity_fail))
            return 1 if sanity_fail else 0

        pairs = plan(ACTIVE)
        # MediaWiki has rounds of its own (BENCH_MW_ROUNDS), more than the
        # others' when it asks: the last round is then its alone, and the
        # slow start's (last_round) graceful restart comes after it.
        nrounds = max([ROUNDS] + [wl.get("rounds") or ROUNDS for wl, c in pairs])
        nruns = sum(1 if wl.get("last_round") else (wl.get("rounds") or ROUNDS)
                    for wl, c in pairs for s in systems if s.runs(wl))
        nwarm = sum(1 for wl in ACTIVE for s in systems if s.runs(wl))
        est = nruns * (SECONDS + 0.9) + nwarm * (WARM_SECONDS + 0.7)
        est += ((2 if ag_before is not None else 1) * len(pair_kinds(ACTIVE)) * len(PAIR_SYSTEMS) * 2
                * (CHURN_PAIRS * (PAIR_SECONDS + 0.9) + WARM_SECONDS + 0.7))
        log("plan: %d runs of %gs in %d rounds + %d warm-up runs; about %d min"
            % (nruns, SECONDS, nrounds, nwarm, est / 60 + 0.5))

        log("warm-up (%gs each, c=32; MediaWiki: %d requests at c=%d)"
            % (WARM_SECONDS, MW_WARM, MW_CONC))
        for wl in ACTIVE:
            for s in systems:
                if wl.get("spawn"):
                    continue        # it is about starting cold
                if s.runs(wl) and s.ensure_running(anomalies):
                    if wl.get("count"):
                        r = measure(s, wl, MW_CONC, 0, 0, count=MW_WARM)
                    else:
                        r = measure(s, wl, 32, WARM_SECONDS, 0)
                    if r["errors"] or r["hung"]:
                        anomalies.append("warm-up %s %s c=32: %d errors%s"
                                         % (s.key, wl["key"], r["errors"],
                                            " (wrk hung)" if r["hung"] else ""))
                    time.sleep(GAP)

        done = 0
        for rnd in range(1, nrounds + 1):
            log("round %d/%d" % (rnd, nrounds))
            for wl, c in pairs:
                if rnd > (wl.get("rounds") or ROUNDS) and not wl.get("last_round"):
                    continue
                # (its graceful restart would leave the next round cold)
                if wl.get("last_round") and rnd != nrounds:
                    continue
                line = []
                # The order turns every other round (ABBA across two
                # rounds): whatever a run leaves behind (the machine's
                # state, MediaWiki's shared database and caches) falls on
                # each system alike.
                for s in (systems if rnd % 2 else systems[::-1]):
                    if not s.runs(wl):
                        continue
                    if not s.ensure_running(anomalies):
                        continue
                    if wl.get("count"):
                        # The real application, warmed again right before
                        # each run, both systems alike: minutes of other
                        # workloads pass between its runs, and
                        # mod_fcgiproc's pool, idle for FcgiProcIdleTimeout
                        # (300 s), retires whole (as it should) and would
                        # grow again within the measured run, a cold start
                        # php-fpm's static pool never has.
                        measure(s, wl, MW_CONC, 0, 0, count=MW_WARM_RUN)
                        time.sleep(GAP)
                    r = measure(s, wl, c, SECONDS, rnd)
                    results.append(r)
                    done += 1
                    line.append("%s %.0f/s p99 %s%s%s%s" % (
                        s.key, r["rps"],
                        "%.1fms" % r["p99_ms"] if r["p99_ms"] is not None else "-",
                        " PSS %.0fMiB" % r["app_pss_mib"] if r.get("app_pss_mib") else ""
                        + (" procs peak %d, after %d"
                           % (r["procs_peak"], r["procs_after"]) if "procs_peak" in r else ""),
                        (" ERR %d" % r["errors"]) if r["errors"] else "",
                        " STALLED" if r["stalled"] else ""))
                    if r["hung"]:
                        anomalies.append("round %d %s %s c=%d: wrk overran its time bound"
                                         % (rnd, s.key, wl["key"], c))
                    time.sleep(GAP)
                el = time.monotonic() - T0
                log("  %-13s c=%-3d %s  [%d/%d]" % (wl["key"], c, " | ".join(line), done, nruns))
            # keep intermediate results in case of an interruption later
            with open(os.path.join(OUT_DIR, "results.json"), "w") as f:
                json.dump({"meta": meta, "results": results, "anomalies": anomalies}, f, indent=1)
        meta["churn_pairs"] = {"pairs": CHURN_PAIRS, "seconds": PAIR_SECONDS}
        if CHURN_PAIRS:
            churn_pairs(systems, results, anomalies, ag_during)
            if ag_before is not None:
                # Again at the machine's own setting (Debian's default is
                # on): the churn ratio is a system's own, so the reason to
                # switch it off (wrk's share against each system) does not
                # hold, and it is what an admin's machine runs.
                autogroup_restore(ag_before)
                meta["machine"]["autogroup"]["pairs_after"] = ag_before
                log("kernel.sched_autogroup_enabled: back to %s for the churn pairs"
                    % ag_before)
                churn_pairs(systems, results, anomalies, ag_before)
    except KeyboardInterrupt as e:
        interrupted = "interrupted (%s)" % (e or "Ctrl-C")
        log(interrupted)
    finally:
        # the kernel setting first, before anything that may be cut short
        try:
            autogroup_restore(ag_before)
        except OSError as e:
            log("could not restore kernel.sched_autogroup_enabled to %s: %s"
                % (ag_before, e.strerror))
        signal.signal(signal.SIGTERM, old_term)
        # error logs and status before stopping
        logs = {}
        ldir = os.path.join(OUT_DIR, "logs")
        os.makedirs(ldir, exist_ok=True)
        for s in systems:
            if s.h is None:
                continue
            if s.key == "fcgiproc" and s.h.is_running():
                meta["fcgiproc_status"] = fcgiproc_status(s)
            text = s.h.error_log()
            logs[s.key] = scan_error_log(text)
            with open(os.path.join(ldir, "%s-error_log" % s.key), "w") as f:
                f.write(text)
            if s.fpm:
                shutil.copy(s.fpm.log, os.path.join(ldir, "php-fpm.log")) \
                    if os.path.exists(s.fpm.log) else None
                logs["php-fpm"] = scan_error_log(_tail(s.fpm.log, 100000))
            for name, f in sorted(s.mw_fpm.items()):
                if os.path.exists(f.log):
                    shutil.copy(f.log, os.path.join(ldir, "php-fpm-%s.log" % name))
                    logs["php-fpm (%s)" % name] = scan_error_log(_tail(f.log, 100000))
        meta["error_logs"] = logs
        for s in systems:
            log("stopping %s" % SYS_TITLE[s.key])
            anomalies.extend(s.stop())
        if not KEEP:
            shutil.rmtree(base, ignore_errors=True)
        else:
            log("kept %s" % base)
    meta["finished"] = datetime.datetime.now().isoformat(timespec="seconds")
    meta["duration_s"] = round(time.monotonic() - T0)
    meta["machine"]["loadavg_end"] = open("/proc/loadavg").read().split()[:3]
    if interrupted:
        meta["interrupted"] = interrupted
    data = {"meta": meta, "results": results, "anomalies": anomalies}
    path = os.path.join(OUT_DIR, "results.json")
    with open(path, "w") as f:
        json.dump(data, f, indent=1)
    log("raw results: %s" % os.path.relpath(path, REPO))
    if results:
        import report
        report.write(data, REPORT, CHART, OUT_DIR)
        log("wrote %s and %s" % (os.path.relpath(REPORT, REPO), os.path.relpath(CHART, REPO)))
    return 1 if interrupted else 0


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "--report":
        with open(sys.argv[2]) as f:
            data = json.load(f)
        import report
        report.write(data, REPORT if not data["meta"].get("quick") else
                     os.path.join(BENCH_DIR, "quick", "BENCHMARKS.md"),
                     CHART if not data["meta"].get("quick") else
                     os.path.join(BENCH_DIR, "quick", "req_by_concurrency.png"),
                     os.path.dirname(os.path.abspath(sys.argv[2])))
        return 0
    return main_run(check_only="--check" in sys.argv)


if __name__ == "__main__":
    sys.path.insert(0, BENCH_DIR)
    sys.exit(main())
