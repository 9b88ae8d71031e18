"""mod_fcgid compatibility: every configuration in cases.py, run under
Debian's real mod_fcgid 2.3.9 and under ours with only the LoadModule path
changed, must give the user the same answers.

For each case (cases.py) and identity:

  mod_fcgid        the configuration as written, Debian's
                   /usr/lib/apache2/modules/mod_fcgid.so (the reference;
                   $FCGP_FCGID_MODULE overrides the path).  Skipped when
                   it is not installed (apt-get install libapache2-mod-fcgid).
  fcgid_module     the same text with only the LoadModule path changed to
                   our .so:  LoadModule fcgid_module <repo>/.libs/mod_fcgiproc.so
  fcgiproc_module  our own identity: LoadModule fcgiproc_module <our .so>,
                   the handler fcgiproc-script for fcgid-script and
                   <IfModule mod_fcgiproc.c> for <IfModule mod_fcgid.c>; the
                   Fcgid* (and old) directive names stay.  Cases whose point
                   is the name mod_fcgid.c (php_in_ifmodule,
                   omd_guarded_load, omd_after_system) run only as
                   fcgid_module.

Each run is a private httpd (t/integration/httpd.py: own ServerRoot under
/tmp, 127.0.0.1:<free port>).  Every request's status, Content-Type,
Location, WWW-Authenticate and body are recorded; bodies are normalised
(the ServerRoot and port of the run, pids, request counts, REMOTE_PORT).
Every run checks the case's own expectations (so a case that is broken,
or that mod_fcgid does not pass, cannot pass vacuously); ours is then
compared with mod_fcgid's answers.  A case with a probe checks live
behaviour too (process limits, /server-status).

Features not on main yet: PENDING below.  A case needing one is
xfail(strict=False) with the feature's name; delete the line from PENDING
when the feature lands.

test_exit_race_*: php-cgi via FcgidWrapper with FcgidInitialEnv
PHP_FCGI_MAX_REQUESTS 20, 20,000 requests at concurrency 32: ours must
fail none; mod_fcgid's failures (time-boxed) are measured and recorded
(build/compat-exit-race.txt), never asserted.
"""
import os
import re
import shutil
import subprocess
import sys
import time

import pytest

import cases as C
import httpd as H

# ---------------------------------------------------------------- features
# Features of the module that cases need and that are not on main yet.
# When one lands, delete its line: every case needing only landed features
# then counts (xfail is strict=False, so one passing early shows as XPASS).
PENDING = {
}

# case -> features it needs (besides its identity's, IDENTITY_NEEDS)
NEEDS = {
    "debian_stock": ["Fcgid* directives"],
    "rhel_style": ["Fcgid* directives"],
    "php_in_ifmodule": ["Fcgid* directives"],
    "omd_guarded_load": ["Fcgid* directives"],
    "omd_after_system": ["Fcgid* directives"],
    "deprecated_names": ["Fcgid* directives", "deprecated names", "FcgidPassHeader",
                         "FcgidFixPathinfo"],
    "hosting_panel": ["Fcgid* directives", "deprecated names"],
    "cmd_options": ["Fcgid* directives", "FcgidCmdOptions"],
    "virtual_wrapper": ["Fcgid* directives", "FcgidWrapper virtual"],
    "pass_header": ["Fcgid* directives", "FcgidPassHeader"],
    "fix_pathinfo": ["Fcgid* directives", "FcgidFixPathinfo"],
    "action_wrapper": ["Fcgid* directives"],
    "initial_env": ["Fcgid* directives"],
    "server_status": ["Fcgid* directives", "server-status section"],
    "auth_roles": ["Fcgid* directives", "FastCGI roles"],
    "auth_fallthrough": ["Fcgid* directives", "FastCGI roles", "deprecated names"],
    "auth_debian_defaults": ["Fcgid* directives", "FastCGI roles"],
    "manual_examples": ["Fcgid* directives"],
}
IDENTITY_NEEDS = {
    "mod_fcgid": [],
    "fcgid_module": ["fcgid_module identity", "fcgid-script handler"],
    "fcgiproc_module": [],
}
EXIT_RACE_NEEDS = ["fcgid_module identity", "fcgid-script handler", "Fcgid* directives"]

assert set(NEEDS) == set(C.BY_NAME), set(NEEDS) ^ set(C.BY_NAME)


def pending_reason(features):
    missing = [f for f in features if f in PENDING]
    if not missing:
        return None
    return "needs " + ", ".join(missing) + " (not on main yet: see PENDING)"


# ---------------------------------------------------------------- setup
FCGID_SO = os.environ.get("FCGP_FCGID_MODULE", C.DEBIAN_SO)
AUTH_APP = os.path.join(H.REPO_ROOT, "build", "apps", "fcgp-compat-app")
IDENTITIES = ("mod_fcgid", "fcgid_module", "fcgiproc_module")

_apps_checked = []


def ensure_apps():
    if _apps_checked:
        return
    stale = False
    for binary, src in ((H.TEST_APP, "fcgp-test-app.c"), (AUTH_APP, "fcgp-compat-app.c")):
        src = os.path.join(H.REPO_ROOT, "t", "apps", src)
        if not os.path.exists(binary) or os.path.getmtime(binary) < os.path.getmtime(src):
            stale = True
    if stale:
        p = subprocess.run(["make", "-C", H.REPO_ROOT, "-f", "t/apps/apps.mk", "apps"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=120)
        if p.returncode != 0:
            pytest.fail("building the test apps failed:\n" + p.stdout)
    _apps_checked.append(True)


def need_identity(identity):
    if identity == "mod_fcgid":
        if not os.path.exists(FCGID_SO):
            pytest.skip("mod_fcgid not installed (%s): apt-get install "
                        "libapache2-mod-fcgid" % FCGID_SO)
    elif not os.path.exists(H.MODULE_PATH):
        msg = "mod_fcgiproc not built: %s" % H.MODULE_PATH
        if os.environ.get("FCGP_REQUIRE_MODULE") == "1":
            pytest.fail(msg)
        pytest.skip(msg)


LOAD_RX = re.compile(r'^([ \t]*LoadModule[ \t]+)fcgid_module([ \t]+)"?([^"\s]+)"?[ \t]*$',
                     re.M)


def render(conf, identity):
    """The case's configuration as the identity's user would have it."""
    def load(m):
        path = m.group(3)
        if identity == "mod_fcgid":
            if path == C.DEBIAN_SO:
                path = FCGID_SO
            return "%sfcgid_module%s%s" % (m.group(1), m.group(2), path)
        if identity == "fcgid_module":
            return "%sfcgid_module%s%s" % (m.group(1), m.group(2), H.MODULE_PATH)
        return "%sfcgiproc_module%s%s" % (m.group(1), m.group(2), H.MODULE_PATH)

    out, n = LOAD_RX.subn(load, conf)
    assert n >= 1, "no 'LoadModule fcgid_module' line:\n" + conf
    if identity == "fcgiproc_module":
        out = out.replace("fcgid-script", "fcgiproc-script")
        out = out.replace("mod_fcgid.c", "mod_fcgiproc.c")
    # Never let mod_fcgid fall back to its compiled-in /var/lib/apache2/fcgid.
    extra = []
    if not re.search(r"^\s*(FcgidIPCDir|SocketPath)\s", out, re.M):
        extra.append("FcgidIPCDir @ROOT@/fcgid-sock")
    if not re.search(r"^\s*(FcgidProcessTableFile|SharememPath)\s", out, re.M):
        extra.append("FcgidProcessTableFile @ROOT@/fcgid-shm")
    if extra:
        out += "\n# compat harness: private IPC paths\n" + "\n".join(extra) + "\n"
    return out


class Run:
    """What one identity's httpd answered for one case."""

    def __init__(self, identity):
        self.identity = identity
        self.records = []
        self.probe = {}
        self.error_log = ""
        self.startup = ""
        self.root = None
        self.leftovers = []

    def tail(self, n=40):
        return "\n".join(self.error_log.splitlines()[-n:])


def normalise(text, h):
    text = text.replace(h.root, "@ROOT@").replace(":%d" % h.port, ":@PORT@")
    text = text.replace("Port %d" % h.port, "Port @PORT@")
    text = text.replace('"%d"' % h.port, '"@PORT@"')
    text = re.sub(r"pid=\d+", "pid=N", text)
    text = re.sub(r"\bn=\d+", "n=N", text)
    text = re.sub(r'REMOTE_PORT="\d+"', 'REMOTE_PORT="N"', text)
    # the module's own component of SERVER_SOFTWARE ("... mod_fcgid/2.3.9")
    text = re.sub(r' mod_fcgi(?:d|proc)/[^\s"<]+', "", text)
    return text


def do_request(h, req):
    headers = dict(req.headers)
    if req.host:
        headers["Host"] = req.host
    r = h.request(req.method, req.path, body=req.body, headers=headers)
    return {
        "label": req.label,
        "status": r.status,
        "content_type": (r.header("Content-Type") or "").replace(" ", "").lower(),
        "location": normalise(r.header("Location") or "", h),
        "www_authenticate": r.header("WWW-Authenticate") or "",
        "body": normalise(r.text, h),
    }


def setup_files(h, case):
    for rel, owner, mode in case.dirs:
        h.make_dir(rel, owner=owner, mode=mode)
    for rel, content in case.files.items():
        mode = 0o644
        if content is C.TEST_APP or content is C.AUTH_APP:
            path = os.path.join(h.root, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            shutil.copyfile(H.TEST_APP if content is C.TEST_APP else AUTH_APP, path)
            os.chmod(path, 0o755)
            continue
        if isinstance(content, tuple):
            content, mode = content
        h.write_file(rel, h.subst(content), mode=mode)
    # Directories written above are root's 0755; make every level
    # traversable (mkdir honours the umask).
    for dirpath, dirnames, _ in os.walk(h.root):
        for d in dirnames:
            p = os.path.join(dirpath, d)
            st = os.stat(p)
            if st.st_mode & 0o005 != 0o005 and st.st_uid == 0:
                os.chmod(p, st.st_mode | 0o055)


def run_case(case, identity):
    ensure_apps()
    conf = render(case.conf, identity)
    h = H.Httpd(fcgiproc=False, modules=case.modules, extra_conf=conf)
    run = Run(identity)
    run.root = h.root
    ok = False
    try:
        # RHEL's ServerRoot-relative modules/mod_fcgid.so
        for m in LOAD_RX.finditer(conf):
            if not os.path.isabs(m.group(3)):
                os.makedirs(os.path.join(h.root, os.path.dirname(m.group(3))), exist_ok=True)
                os.symlink(FCGID_SO, os.path.join(h.root, m.group(3)))
        setup_files(h, case)
        h.start()
        for req in case.requests:
            run.records.append(do_request(h, req))
        if case.probe:
            run.probe = case.probe(h, identity) or {}
        ok = True
    finally:
        try:
            left = h.stop()
        except Exception as e:  # keep the run's facts
            left = ["stop failed: %r" % e]
        run.error_log = h.error_log()
        run.startup = h.startup_output()
        if left:
            ok = False
            run.leftovers = [p if isinstance(p, str) else (p["pid"], p["cmdline"])
                             for p in left]
        if ok and os.environ.get("FCGP_KEEP_TMP") != "1":
            h.cleanup()
        else:
            sys.stdout.write("==== %s / %s: server root kept: %s\n%s\n%s\n"
                             % (case.name, identity, h.root, h.startup_output(),
                                h.error_log_tail(60)))
    return run


# ---------------------------------------------------------------- checks
def check_own(case, run):
    """The case's own expectations, under any identity."""
    assert len(run.records) == len(case.requests)
    problems = []
    for req, rec in zip(case.requests, run.records):
        want = {req.status}
        if run.identity != "mod_fcgid" and req.ours_status:
            want.add(req.ours_status[0])
        if rec["status"] not in want:
            problems.append("%s: status %d, want %s\n%s"
                            % (req.label, rec["status"], sorted(want), rec["body"][:600]))
            continue
        has = req.has
        if run.identity != "mod_fcgid" and req.ours_has:
            has = req.ours_has[0]
        for s in has:
            if s not in rec["body"]:
                problems.append("%s: body lacks %r\n%s" % (req.label, s, rec["body"][:1500]))
        for s in req.lacks:
            if s in rec["body"]:
                problems.append("%s: body has %r" % (req.label, s))
        if req.equals is not None and rec["body"] != req.equals:
            problems.append("%s: body %r, want %r" % (req.label, rec["body"], req.equals))
    text = run.startup + run.error_log
    for rx in case.no_warning:
        for line in text.splitlines():
            if re.search(rx, line):
                problems.append("unwanted startup/error log line: %s" % line)
    for line in run.error_log.splitlines():
        if re.search(r"exit signal|Segmentation fault|AH00052", line):
            problems.append("an httpd child crashed: %s" % line)
    if run.leftovers:
        problems.append("processes left after httpd stopped: %r" % (run.leftovers,))
    assert not problems, "\n".join(problems) + "\n---- error_log tail\n" + run.tail()


def compare(case, ref, ours):
    """Ours must answer what mod_fcgid answered."""
    problems = []
    for req, a, b in zip(case.requests, ref.records, ours.records):
        if a["status"] != b["status"]:
            if not (req.ours_status and b["status"] == req.ours_status[0]):
                problems.append("%s: status mod_fcgid %d, ours %d"
                                % (req.label, a["status"], b["status"]))
            continue
        for k in ("content_type", "location", "www_authenticate"):
            if a[k] != b[k]:
                problems.append("%s: %s mod_fcgid %r, ours %r" % (req.label, k, a[k], b[k]))
        if req.compare and not req.ours_has and a["body"] != b["body"]:
            problems.append("%s: body differs\n--- mod_fcgid\n%s\n--- ours\n%s"
                            % (req.label, a["body"][:2000], b["body"][:2000]))
    assert not problems, "\n".join(problems)


_reference = {}


def reference(case):
    """mod_fcgid's run of the case (run once, kept for the other identities);
    None when mod_fcgid is not installed."""
    if not os.path.exists(FCGID_SO):
        return None
    if case.name not in _reference:
        try:
            _reference[case.name] = run_case(case, "mod_fcgid")
        except Exception as e:
            _reference[case.name] = e
    ref = _reference[case.name]
    if isinstance(ref, Exception):
        pytest.fail("the mod_fcgid reference run failed: %r" % (ref,))
    return ref


def params():
    out = []
    for c in C.CASES:
        for ident in IDENTITIES:
            if ident != "mod_fcgid" and ident not in c.identities:
                continue
            marks = []
            if ident != "mod_fcgid":
                why = pending_reason(NEEDS[c.name] + IDENTITY_NEEDS[ident])
                if why:
                    marks.append(pytest.mark.xfail(reason=why, strict=False))
            out.append(pytest.param(c, ident, marks=marks, id="%s-%s" % (c.name, ident)))
    return out


@pytest.mark.parametrize("case,identity", params())
def test_case(case, identity):
    need_identity(identity)
    if identity == "mod_fcgid":
        run = reference(case)
        check_own(case, run)
        print("%s under mod_fcgid: %s" % (case.name, run.probe or "ok"))
        return
    ref = reference(case)
    # Under our own identity the case text is not mod_fcgid's, but what the
    # user sees must still be the same.
    run = run_case(case, identity)
    print("%s under ours (%s): %s" % (case.name, identity, run.probe or "ok"))
    check_own(case, run)
    if ref is not None:
        check_own(case, ref)
        compare(case, ref, run)


# ---------------------------------------------------------------- exit race
EXIT_RACE_CONF = """\
LoadModule fcgid_module /usr/lib/apache2/modules/mod_fcgid.so
FcgidIPCDir @ROOT@/fcgid-sock
FcgidProcessTableFile @ROOT@/fcgid-shm
FcgidInitialEnv PHP_FCGI_MAX_REQUESTS 20
FcgidMaxProcessesPerClass 8
# mod_fcgid's scans every second and no spawn throttle, so that it gets
# through a fair number of requests in its time box (stock timings cap it
# near 8 requests/s with php-cgi exiting every 20 requests)
FcgidZombieScanInterval 1
FcgidErrorScanInterval 1
FcgidSpawnScoreUpLimit 100000
<Directory "@HTDOCS@">
    Options +ExecCGI
    AddHandler fcgid-script .php
    FcgidWrapper /usr/bin/php-cgi .php
</Directory>
"""
RACE_N = 20000
RACE_C = 32
RACE_FCGID_SECONDS = 30          # mod_fcgid's time box
RACE_BODY = "fixed-length-body-0123456789\n"
RACE_FILE = os.path.join(H.REPO_ROOT, "build", "compat-exit-race.txt")
_race = {}


def race_server(identity):
    h = H.Httpd(fcgiproc=False, extra_conf=render(EXIT_RACE_CONF, identity))
    h.write_php("t.php", '<?php echo "%s";\n' % RACE_BODY.replace("\n", "\\n"))
    return h


def race_failures(res):
    """Requests that did not get the page: non-2xx, resets, exceptions,
    connections closed without a response (length errors beyond the
    non-2xx ones: the 2xx body has a fixed length)."""
    return (res.non2xx + res.connect_errors + res.receive_errors
            + res.exception_errors + res.unanswered)


def record_race(line):
    os.makedirs(os.path.dirname(RACE_FILE), exist_ok=True)
    mode = "w" if line.startswith("mod_fcgid") or not os.path.exists(RACE_FILE) else "a"
    with open(RACE_FILE, mode) as f:
        f.write(line + "\n")
    print(line)


def test_exit_race_mod_fcgid():
    """Measure only: mod_fcgid's failures under the exit race in a time box."""
    need_identity("mod_fcgid")
    h = race_server("mod_fcgid")
    try:
        h.start()
        r = h.get("/t.php")
        assert r.status == 200 and r.text == RACE_BODY, (r, h.error_log_tail(20))
        cmd = ["ab", "-t", str(RACE_FCGID_SECONDS), "-n", str(RACE_N), "-c", str(RACE_C),
               "-r", "-s", "30", "-q", h.url("/t.php")]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=RACE_FCGID_SECONDS + 60)
        res = H.parse_ab(p.stdout, RACE_N)
        assert res.complete > 0, p.stdout[-2000:]
        resets = h.error_log_count(r"Connection reset by peer")
    finally:
        h.stop()
    failed = race_failures(res)
    _race["mod_fcgid"] = (failed, res.complete)
    record_race("mod_fcgid 2.3.9: %d failed of %d completed in a %d s box "
                "(asked %d at c=%d; non2xx=%d connect=%d receive=%d exceptions=%d "
                "closed-without-response=%d; error_log 'Connection reset by peer': %d)"
                % (failed, res.complete, RACE_FCGID_SECONDS, RACE_N, RACE_C, res.non2xx,
                   res.connect_errors, res.receive_errors, res.exception_errors,
                   res.unanswered, resets))
    h.cleanup()


@pytest.mark.xfail(bool(pending_reason(EXIT_RACE_NEEDS)),
                   reason=pending_reason(EXIT_RACE_NEEDS) or "", strict=False)
def test_exit_race_ours():
    """The same Fcgid-named configuration, our .so as fcgid_module: not one
    of 20,000 requests may fail."""
    need_identity("fcgid_module")
    h = race_server("fcgid_module")
    try:
        h.start()
        r = h.get("/t.php")
        assert r.status == 200 and r.text == RACE_BODY, (r, h.error_log_tail(20))
        t0 = time.monotonic()
        res = H.load(h.url("/t.php"), RACE_N, RACE_C, timeout=80)
        took = time.monotonic() - t0
    finally:
        h.stop()
    statuses = {}
    for e in h.access_log_entries()[1:]:
        statuses[e["status"]] = statuses.get(e["status"], 0) + 1
    failed = race_failures(res) + max(0, RACE_N - res.complete)
    ref = _race.get("mod_fcgid")
    record_race("mod_fcgiproc as fcgid_module: %d failed of %d (c=%d, %.1f s, %.0f req/s; "
                "access_log statuses %s)%s"
                % (failed, RACE_N, RACE_C, took, res.rps, statuses,
                   "; mod_fcgid beside it: %d failed of %d" % ref if ref else ""))
    assert not res.aborted, res.output[-2000:]
    assert res.complete == RACE_N, res
    assert failed == 0, res
    assert set(statuses) == {200}, statuses
    h.cleanup()
