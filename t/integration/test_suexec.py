"""Shared hosting: every tenant's applications run through httpd's own
suexec (Debian's apache2-suexec-pristine) as the tenant's user, tenants
cannot reach each other, and the process manager stays unprivileged.

Two tenants A and B (real users and groups, made and removed by the test;
sites under /var/www/fcgp-test-XXXX), each a name-based virtual host on the
test server's port with SuexecUserGroup and the starter script a hosting
panel writes (PHPRC and PHP_FCGI_MAX_REQUESTS exported, exec php-cgi).
Needs root and the suexec binary; skipped otherwise (t/deps.sh installs
apache2-suexec-pristine)."""
import json
import os
import re
import shutil
import signal
import statistics
import threading
import time
import urllib.parse

import pytest

import httpd as H
import tenants as T
from fcgp import tagged

pytestmark = pytest.mark.skipif(T.suexec_missing() is not None,
                                reason=str(T.suexec_missing()))

ID_PHP = ("<?php echo json_encode(['uid' => posix_getuid(), "
          "'gid' => posix_getgid(), 'euid' => posix_geteuid(), "
          "'egid' => posix_getegid(), 'pid' => getmypid(), "
          "'phprc' => getenv('PHPRC'), "
          "'max' => getenv('PHP_FCGI_MAX_REQUESTS')]);\n")

# What a hostile tenant's PHP tries: connect to unix sockets, signal
# pids, read and write files, and show its own memory map and fds.
PROBE_PHP = r"""<?php
$out = ['uid' => posix_getuid(), 'pid' => getmypid()];
function arg($k) { return isset($_GET[$k]) && $_GET[$k] !== ''
                          ? explode(',', $_GET[$k]) : []; }
foreach (arg('sock') as $p) {
    $s = @stream_socket_client('unix://' . $p, $errno, $errstr, 1);
    $out['sock'][$p] = $s ? 'connected' : "refused: $errno $errstr";
    if ($s) fclose($s);
}
foreach (arg('kill') as $k) {
    $ok = posix_kill((int)$k, 15);
    $out['kill'][$k] = $ok ? 'sent' : posix_get_last_error();
}
foreach (arg('read') as $f) {
    $c = @file_get_contents($f, false, null, 0, 64);
    $out['read'][$f] = $c === false ? 'denied' : 'read';
}
foreach (arg('list') as $d) {
    $c = @scandir($d);
    $out['list'][$d] = $c === false ? 'denied' : $c;
}
foreach (arg('write') as $f) {
    $h = @fopen($f, 'a');
    $out['write'][$f] = $h === false ? 'denied' : 'opened';
    if ($h) fclose($h);
}
$out['maps'] = file_get_contents('/proc/self/maps');
$fds = [];
foreach (scandir('/proc/self/fd') as $fd) {
    if ($fd[0] !== '.') $fds[$fd] = @readlink("/proc/self/fd/$fd");
}
$out['fds'] = $fds;
header('Content-Type: application/json');
echo json_encode($out);
"""


def get(h, t, path, timeout=30):
    return T.Tenants.get(h, t.host, path, timeout=timeout)


def ident(h, t):
    r = get(h, t, "/id.php")
    assert r.status == 200, (r.status, r.text, h.error_log_tail(20))
    return json.loads(r.text)


def probe(h, t, **kw):
    q = urllib.parse.urlencode({k: ",".join(str(x) for x in v)
                                for k, v in kw.items()})
    r = get(h, t, "/probe.php?" + q)
    assert r.status == 200, (r.status, r.text, h.error_log_tail(20))
    return json.loads(r.text)


def proc_uids(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("Uid:"):
                return [int(x) for x in line.split()[1:4]]
    return None


def pm_pid(h):
    """The process manager: the httpd parent's child in a process group
    of its own."""
    parent = h.pid()
    for p in H.descendants(parent):
        if p["ppid"] == parent and os.getpgid(p["pid"]) == p["pid"]:
            return p["pid"]
    raise AssertionError("no process manager under %d" % parent)


@pytest.fixture
def tenants():
    with T.Tenants(["a", "b"]) as t:
        for n in ("a", "b"):
            t[n].write("id.php", ID_PHP)
            t[n].write("probe.php", PROBE_PHP)
        yield t


def start(make_httpd, t, extra="", vhost_extra=None, **kw):
    conf = extra + "\n".join(t.vhost(n, extra=(vhost_extra or {}).get(n, ""))
                             for n in ("a", "b"))
    h = make_httpd(extra_conf=conf, modules=["suexec"], **kw)
    h.start()
    return h


# ---------------------------------------------------------------- who

def test_each_tenant_runs_as_its_own_user(tenants, make_httpd):
    """A's PHP sees A's uid and gid (real and effective), B's sees B's; the
    starter's exports reach php-cgi; one class per user."""
    h = start(make_httpd, tenants)
    a, b = tenants["a"], tenants["b"]
    ia, ib = ident(h, a), ident(h, b)
    assert (ia["uid"], ia["euid"], ia["gid"], ia["egid"]) == (a.uid,) * 2 + (a.gid,) * 2
    assert (ib["uid"], ib["euid"], ib["gid"], ib["egid"]) == (b.uid,) * 2 + (b.gid,) * 2
    assert ia["phprc"] == os.path.join(a.site, "conf")
    assert ia["max"] == "20"
    # The processes, seen from outside: uids, and their parent is the PM.
    pm = pm_pid(h)
    assert proc_uids(ia["pid"]) == [a.uid] * 3
    assert proc_uids(ib["pid"]) == [b.uid] * 3
    assert H.process_info(ia["pid"])["ppid"] == pm
    # Two classes, each named with its user in the status snapshot.
    st = h.get("/server-status").text
    assert a.user in st and b.user in st, st[:2000]


def test_pm_is_not_root_and_the_helper_is_its_child(tenants, make_httpd):
    """The PM runs as the httpd User (real, effective and saved uid); the
    only root process of ours besides the parent is the signal helper,
    whose parent is the PM; it goes when the PM goes."""
    h = start(make_httpd, tenants)
    ident(h, tenants["a"])
    pm = pm_pid(h)
    www = H.pwd.getpwnam(H.RUN_USER).pw_uid
    assert proc_uids(pm) == [www] * 3
    kids = [p for p in H.descendants(pm) if p["ppid"] == pm]
    roots = [p for p in kids if proc_uids(p["pid"])[0] == 0]
    assert len(roots) == 1, kids
    helper = roots[0]["pid"]
    # It holds nothing but its socket (and stdin/out/err).
    fds = os.listdir("/proc/%d/fd" % helper)
    assert len(fds) <= 4, [os.readlink("/proc/%d/fd/%s" % (helper, f))
                           for f in fds]
    # Stopping httpd takes the PM and so the helper with it.
    h.stop()
    assert H.wait_pid_gone(helper, 10)


# ---------------------------------------------------------------- isolation

def test_tenant_b_cannot_reach_tenant_a(tenants, make_httpd):
    """B's PHP cannot connect to A's worker sockets nor to the PM socket,
    does not have the worker table mapped, cannot signal A's worker, the PM
    or the helper, and cannot read the spool directory or httpd's logs."""
    a, b = tenants["a"], tenants["b"]
    spool = os.path.join("/tmp", "fcgp-spool-" + tenants.tag)
    os.mkdir(spool, 0o700)
    shutil.chown(spool, H.RUN_USER, H.RUN_GROUP)
    try:
        h = start(make_httpd, tenants,
                  extra="FcgiProcSpoolDir %s\nFcgiProcMaxRequestInMem 1024\n"
                        % spool)
        _isolation(h, a, b, spool)
    finally:
        shutil.rmtree(spool, ignore_errors=True)


def _isolation(h, a, b, spool):
    # Debian keeps httpd's logs in a directory only root (and adm) may
    # read: /var/log/apache2 is 0750 root:adm.  Do the same here.
    os.chmod(h.logs, 0o750)
    ia = ident(h, a)
    ipc = os.path.join(h.run_dir, "fcgiproc")
    socks = sorted(os.path.join(ipc, f) for f in os.listdir(ipc)
                   if f.endswith(".sock"))
    assert any(f.startswith(ipc + "/w") for f in socks), socks
    assert os.path.join(ipc, "pm.sock") in socks
    pm = pm_pid(h)
    helper = [p["pid"] for p in H.descendants(pm)
              if p["ppid"] == pm and proc_uids(p["pid"])[0] == 0][0]

    out = probe(h, b, sock=socks, kill=[ia["pid"], pm, helper],
                read=[h.error_log_path, h.access_log_path, "/proc/%d/environ"
                      % ia["pid"], "/proc/%d/maps" % pm],
                list=[spool, ipc],
                write=[h.error_log_path, os.path.join(ipc, "x")])
    assert out["uid"] == b.uid
    # sockets: A's workers' and the PM's (FcgiProcIPCDir is 0700, the
    # httpd User's); every connect fails with EACCES
    for p in socks:
        assert out["sock"][p].startswith("refused: 13"), (p, out["sock"])
    # signals: EPERM (1) for A's worker, the PM and the helper
    assert out["kill"] == {str(ia["pid"]): 1, str(pm): 1, str(helper): 1}
    assert H.pid_alive(ia["pid"]) and H.pid_alive(pm) and H.pid_alive(helper)
    assert ident(h, a)["pid"] == ia["pid"]        # A's worker still serves
    # files: logs, A's process's environment, the PM's map; directories
    assert set(out["read"].values()) == {"denied"}, out["read"]
    assert set(out["list"].values()) == {"denied"}, out["list"]
    assert set(out["write"].values()) == {"denied"}, out["write"]
    # The worker table: anonymous shared memory, in the PM's and the httpd
    # children's maps (a "/dev/zero (deleted)" mapping), in no app's.
    table = _shared_anon_inodes(open("/proc/%d/maps" % pm).read())
    assert table, "no shared anonymous mapping in the PM"
    assert not (table & _shared_anon_inodes(out["maps"])), out["maps"]
    # B's descriptors: its own (the listening socket as fd 0, its
    # connection), /dev/null and the error log; nothing of ours else.
    fds = out["fds"]
    if isinstance(fds, list):       # PHP writes keys 0..n-1 as a list
        fds = dict(enumerate(fds))
    kinds = sorted(v for v in fds.values() if v and "socket:" in v)
    assert len(kinds) <= 2, fds

    # A spooled request body exists while A's request runs, 0600 in a
    # 0700 directory of the httpd User's: B cannot open it.
    a.write("slow.php", "<?php $n = strlen(file_get_contents('php://input'));"
                        " sleep(3); echo $n;")
    res = {}

    def post():
        body = (b"x" * 4096 for _ in range(16))
        res["r"] = h.post("/slow.php", body=body,
                          headers={"Host": a.host,
                                   "Transfer-Encoding": "chunked"})

    th = threading.Thread(target=post)
    th.start()
    spooled = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not spooled:
        spooled = [os.path.join(spool, f) for f in os.listdir(spool)]
        time.sleep(0.05)
    assert spooled, "the body was not spooled"
    st = os.stat(spooled[0])
    assert st.st_mode & 0o777 == 0o600
    out = probe(h, b, read=spooled)
    assert set(out["read"].values()) == {"denied"}, out["read"]
    th.join(30)
    assert res["r"].status == 200 and res["r"].text == "65536"


def _shared_anon_inodes(maps):
    """Inodes of shared anonymous mappings (MAP_SHARED|MAP_ANONYMOUS shows
    as /dev/zero (deleted))."""
    out = set()
    for line in maps.splitlines():
        f = line.split()
        if len(f) >= 6 and "/dev/zero" in line and f[1][3] == "s":
            out.add(f[4])
    return out


# ---------------------------------------------------------------- refusals

@pytest.mark.parametrize("case", ["owner", "docroot"])
def test_suexec_refusal_is_a_503_that_says_why(tenants, make_httpd, case):
    """A wrapper suexec refuses (owned by root; outside suexec's document
    root): 503 with Retry-After, one FCGP02001 line saying suexec refused,
    with the wrapper, the user and suexec's log; the PM's FCGP03060 line;
    the class backs off (no new attempt while paused); B is served."""
    a, b = tenants["a"], tenants["b"]
    if case == "owner":
        bad = a.starter_script("root-owned")
        os.chown(bad, 0, 0)
        code, words = 120, "not owned by the target user"
    else:
        outside = "/tmp/fcgp-outside-" + tenants.tag
        os.makedirs(outside)
        os.chmod(outside, 0o755)
        a.chown(outside)
        bad = a.write("starter", T.STARTER.format(
            site=a.site, max_requests=20), 0o755, where=outside)
        code, words = 114, "not inside suexec's document root"
    try:
        vx = {"a": '    <Directory "%s/bad">\n        FcgidWrapper %s .php\n'
                   '    </Directory>\n' % (a.docroot, bad)}
        a.write("bad/x.php", "<?php echo 1;")
        h = start(make_httpd, tenants, vhost_extra=vx)
        log_before = _suexec_log_size()
        mark = h.log_mark()
        r = get(h, a, "/bad/x.php")
        assert r.status == 503, r.text
        assert int(r.header("Retry-After")) >= 1
        lines = tagged(h.error_log(mark), "FCGP02001")
        assert len(lines) == 1, lines
        line = lines[0]
        assert "suexec refused to start the application" in line
        assert bad in line and a.user in line
        assert "status %d" % code in line and words in line, line
        log = T.suexec_log_path()
        assert log in line
        pm_lines = tagged(h.error_log(mark), "FCGP03060")
        assert len(pm_lines) == 1 and a.user in pm_lines[0]
        # suexec's own log has its reason
        if log and os.path.exists(log):
            assert _suexec_log_size() > log_before
        # Paused: the next request is refused at once, without a spawn.
        r2 = get(h, a, "/bad/x.php")
        assert r2.status == 503 and r2.elapsed < 1.0
        assert len(tagged(h.error_log(mark), "FCGP03060")) == 1
        assert "suexec refused" in tagged(h.error_log(mark), "FCGP02001")[1]
        # B, and A's good wrapper, are served meanwhile.
        assert ident(h, b)["uid"] == b.uid
        assert ident(h, a)["uid"] == a.uid
    finally:
        if case == "docroot":
            shutil.rmtree(outside, ignore_errors=True)


def _suexec_log_size():
    p = T.suexec_log_path()
    try:
        return os.path.getsize(p)
    except (OSError, TypeError):
        return 0


# ---------------------------------------------------------------- crash loop

def test_a_crash_loop_does_not_slow_b(tenants, make_httpd):
    """A starter of A's that exits at once: A backs off (503, FCGP03013)
    while B keeps its latency (median of B's requests during A's crash loop
    within 2x of before, +5 ms for timer noise on a shared machine)."""
    a, b = tenants["a"], tenants["b"]
    crash = a.starter_script("crash", body="#!/bin/sh\nexit 3\n")
    a.write("crash/x.php", "<?php echo 1;")
    vx = {"a": '    <Directory "%s/crash">\n        FcgidWrapper %s .php\n'
               '    </Directory>\n' % (a.docroot, crash)}
    h = start(make_httpd, tenants, vhost_extra=vx)
    ident(h, b)                                     # warm

    def b_median(n=40):
        times = []
        for _ in range(n):
            r = get(h, b, "/id.php")
            assert r.status == 200
            times.append(r.elapsed)
        return statistics.median(times)

    before = b_median()
    stop = threading.Event()
    a_status = {}

    def flood():
        n = 0
        while not stop.is_set() and n < 2000:
            r = get(h, a, "/crash/x.php")
            a_status[r.status] = a_status.get(r.status, 0) + 1
            n += 1

    threads = [threading.Thread(target=flood) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        time.sleep(0.5)
        during = b_median()
    finally:
        stop.set()
        for t in threads:
            t.join(60)
    assert a_status.get(503, 0) > 0 and set(a_status) <= {503, 502}, a_status
    assert tagged(h.error_log(), "FCGP03013"), h.error_log_tail(20)
    assert during <= 2 * before + 0.005, (before, during, a_status)


# ---------------------------------------------------------------- signals

def test_retiring_other_users_workers_through_the_helper(tenants,
                                                          make_httpd):
    """A's idle worker, stopped (SIGSTOP, so SIGTERM stays pending), is
    retired after FcgiProcIdleTimeout: the PM, which is not root, gets
    SIGTERM and then SIGKILL to it through the helper; and the next
    request of A gets a new worker."""
    a = tenants["a"]
    h = start(make_httpd, tenants,
              extra="FcgiProcIdleTimeout 1\nFcgiProcKillTimeout 1\n"
                    "FcgiProcMinProcessesPerClass 0\n")
    mark = h.log_mark()
    pid = ident(h, a)["pid"]
    assert proc_uids(pid)[0] == a.uid
    os.kill(pid, signal.SIGSTOP)
    assert H.wait_pid_gone(pid, 15), h.error_log_tail(20)
    h.wait_for_log(r"FCGP03012: worker pid %d .*sending SIGKILL" % pid,
                   since=mark)
    h.wait_for_log(r"FCGP03010: worker pid %d .*killed by signal 9" % pid,
                   since=mark)
    assert not tagged(h.error_log(mark), "FCGP03063")
    assert not tagged(h.error_log(mark), "FCGP03062")
    assert ident(h, a)["pid"] != pid


# ---------------------------------------------------------------- .htaccess

def test_htaccess_wrapper_rules(tenants, make_httpd):
    """A wrapper from .htaccess runs when the request runs as the site's
    own user through suexec; without suexec (a vhost of the httpd User)
    only a command listed with FcgiProcAllowWrapper does, else 500 and one
    line naming the directive to add."""
    a = tenants["a"]
    a.write("ht/.htaccess", "FcgidWrapper %s .php\n" % a.starter)
    a.write("ht/x.php", "<?php echo posix_getuid();")
    h0 = start(make_httpd, tenants)
    r = get(h0, a, "/ht/x.php")
    assert r.status == 200 and r.text == str(a.uid), r.text
    h0.stop()

    # The httpd User's server: .htaccess may name only allowed commands.
    h = make_httpd(extra_conf="""
AddHandler fcgid-script .php
<Directory "@HTDOCS@">
    Options +ExecCGI
    AllowOverride FileInfo
</Directory>
FcgiProcAllowWrapper /usr/bin/php-cgi
""")
    h.htdocs_file("ok/.htaccess", "FcgidWrapper /usr/bin/php-cgi .php\n")
    h.write_php("ok/x.php", "<?php echo 'ok';")
    h.htdocs_file("no/.htaccess", "FcgidWrapper /bin/sh .php\n")
    h.write_php("no/x.php", "<?php echo 'no';")
    h.start()
    assert h.get("/ok/x.php").text == "ok"
    mark = h.log_mark()
    r = h.get("/no/x.php")
    assert r.status == 500
    lines = tagged(h.error_log(mark), "FCGP02001")
    assert len(lines) == 1, lines
    assert "FcgiProcAllowWrapper /bin/sh" in lines[0]
    assert ".htaccess" in lines[0]


# ---------------------------------------------------------------- fairness

def _flood(h, t, path, stop, n_threads, out):
    def run():
        while not stop.is_set():
            try:
                r = get(h, t, path, timeout=30)
                out[r.status] = out.get(r.status, 0) + 1
            except OSError:
                out["err"] = out.get("err", 0) + 1
    ths = [threading.Thread(target=run) for _ in range(n_threads)]
    for th in ths:
        th.start()
    return ths


def _live_procs(uid):
    return [p for p in T.user_pids(uid) if H.pid_alive(p)]


def test_per_user_cap(tenants, make_httpd):
    """FcgiProcMaxProcessesPerUser 2: however A floods, A never has more
    than 2 processes (its classes together), while B gets its own."""
    a, b = tenants["a"], tenants["b"]
    a.write("slow.php", "<?php usleep(200000); echo 1;")
    a.write("slow2/x.php", "<?php usleep(200000); echo 2;")
    h = start(make_httpd, tenants,
              extra="FcgiProcMaxProcessesPerUser 2\n"
                    "FcgiProcMaxProcessesPerClass 8\n"
                    "FcgiProcQueueTimeout 20\n")
    stop = threading.Event()
    res = {}
    ths = _flood(h, a, "/slow.php", stop, 4, res) \
        + _flood(h, a, "/slow2/x.php", stop, 4, res)
    most = 0
    try:
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            most = max(most, len(_live_procs(a.uid)))
            time.sleep(0.05)
        assert ident(h, b)["uid"] == b.uid
    finally:
        stop.set()
        for th in ths:
            th.join(60)
    assert 1 <= most <= 2, most
    assert set(res) == {200}, res


def test_fair_between_users_at_the_server_limit(tenants, make_httpd):
    """FcgiProcMaxProcesses 3 (no per-user cap below it): A floods and
    holds every process; B's requests still get a process within
    FcgiProcQueueTimeout: one of A's workers is retired when its request
    ends, and the process that frees goes to B (fewest processes first)."""
    a, b = tenants["a"], tenants["b"]
    a.write("slow.php", "<?php usleep(300000); echo 1;")
    h = start(make_httpd, tenants,
              extra="FcgiProcMaxProcesses 3\nFcgiProcMaxProcessesPerUser 3\n"
                    "FcgiProcMaxProcessesPerClass 3\n"
                    "FcgiProcQueueTimeout 8\n")
    stop = threading.Event()
    res = {}
    ths = _flood(h, a, "/slow.php", stop, 8, res)
    try:
        deadline = time.monotonic() + 5
        while len(_live_procs(a.uid)) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(_live_procs(a.uid)) == 3
        mark = h.log_mark()
        got = [get(h, b, "/id.php", timeout=20) for _ in range(3)]
    finally:
        stop.set()
        for th in ths:
            th.join(60)
    assert [r.status for r in got] == [200] * 3, [(r.status, r.text[:200])
                                                  for r in got]
    assert all(r.elapsed < 5 for r in got), [r.elapsed for r in got]
    assert "room for another user" in h.error_log(mark)
    assert set(res) <= {200, 503}, res


# ---------------------------------------------------------------- ~user

def test_userdir_request_runs_as_its_user(tenants, make_httpd, test_app):
    """/~user/app.fcgi (mod_userdir): the app in the user's public_html
    starts through suexec as that user ("~uid", suexec's UserDir checks)."""
    a = tenants["a"]
    pub = os.path.join(a.site, "public_html")
    os.makedirs(pub)
    os.chmod(pub, 0o755)
    a.chown(pub)
    app = os.path.join(pub, "app.fcgi")
    shutil.copyfile(test_app, app)
    os.chmod(app, 0o755)
    a.chown(app)
    h = make_httpd(modules=["suexec", "userdir"], extra_conf="""
UserDir public_html
<Directory "%s">
    Options +ExecCGI
    Require all granted
    AddHandler fcgid-script .fcgi
</Directory>
""" % pub)
    h.start()
    r = h.get("/~%s/app.fcgi" % a.user)
    assert r.status == 200, (r.text, h.error_log_tail(10))
    pid = int(re.search(r"pid=(\d+)", r.text).group(1))
    assert proc_uids(pid) == [a.uid] * 3
    assert "suexec: ~user %s" % a.user in h.get("/server-status").text


def test_a_pm_that_dies_leaves_no_worker_of_another_user(tenants, make_httpd):
    """The PM is killed: the new one adopts the old one's workers, which run
    as A, and stops them through its own helper (they are no longer the
    PM's children: the dead PM's process group, named by the httpd
    parent, is what lets the helper signal them)."""
    a = tenants["a"]
    h = start(make_httpd, tenants)
    old = ident(h, a)["pid"]
    old_pm = pm_pid(h)
    os.kill(old_pm, signal.SIGKILL)
    h.wait_for_log(r"FCGP03034: adopted 1 workers of process manager pid %d"
                   % old_pm)
    assert H.wait_pid_gone(old, 10), h.error_log_tail(20)
    assert ident(h, a)["pid"] != old
    assert not tagged(h.error_log(), "FCGP03063")


# ---------------------------------------------------------------- php-cgi's
# parent mode through a panel's starter script

PARENT_STARTER = """#!/bin/sh
PHPRC={site}/conf
export PHPRC
PHP_FCGI_CHILDREN=1
export PHP_FCGI_CHILDREN
PHP_FCGI_MAX_REQUESTS=3
export PHP_FCGI_MAX_REQUESTS
exec /usr/bin/php-cgi
"""


def _ppid(pid):
    with open("/proc/%d/stat" % pid) as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


def test_parent_mode_starter_under_suexec(tenants, make_httpd):
    """A starter script that asks for php-cgi's parent mode, under suexec,
    with the limit told (FcgiProcAppMaxRequests 3): the PM, which may not
    read the other user's /proc/<pid>/exe, still sees the parent (by its
    children's command name) and renews it: each child serves 3, the
    parent stays.  Then the PM is killed: the parent left the dead PM's
    process group with setsid(), so the new PM's signal helper may not
    stop it; the new PM says so (FCGP03063, no more than twice: SIGTERM,
    SIGKILL), stops trying, and serves A with a new worker."""
    a = tenants["a"]
    a.starter_script(body=PARENT_STARTER.format(site=a.site))
    h = start(make_httpd, tenants, "FcgiProcKillTimeout 1\n",
              vhost_extra={"a": "    FcgiProcAppMaxRequests 3\n"})
    orphans = []
    try:
        pids, parents = [], []
        for i in range(7):
            pids.append(ident(h, a)["pid"])
            if i % 3 == 0:          # a child's first request: it runs
                parents.append(_ppid(pids[-1]))
        assert [pids.count(p) for p in dict.fromkeys(pids)] == [3, 3, 1], \
            pids
        assert len(set(parents)) == 1, (parents, h.error_log_tail(20))
        parent = parents[0]
        assert proc_uids(parent)[0] == a.uid
        orphans = [parent]
        old_pm = pm_pid(h)
        os.kill(old_pm, signal.SIGKILL)
        # (1, or 2 when the PM first counted the first child's requests
        # just as it left, before it saw the parent through /proc: a
        # replacement was started ahead, and is idle; CI saw it once)
        h.wait_for_log(r"FCGP03034: adopted [12] workers of process manager "
                       r"pid %d" % old_pm)
        h.wait_for_log(r"FCGP03063: .*worker pid %d" % parent, timeout=10)
        time.sleep(3)               # FcgiProcKillTimeout 1 s, and more
        every = tagged(h.error_log(), "FCGP03063")
        lines = [l for l in every if "worker pid %d," % parent in l]
        assert 1 <= len(lines) <= 2, lines
        assert H.pid_alive(parent)
        r = ident(h, a)
        assert r["uid"] == a.uid and _ppid(r["pid"]) != parent
        time.sleep(1)
        assert len(tagged(h.error_log(), "FCGP03063")) == len(every)
    finally:
        for p in orphans:
            try:
                os.killpg(p, signal.SIGKILL)
            except OSError:
                pass


def test_a_timeout_under_suexec_kills_the_child_not_the_parent(tenants,
                                                               make_httpd):
    """php-cgi's parent mode under suexec: a request that misses
    FcgiProcIOTimeout gets 504 and its process (the parent's child, the
    tenant's user) is killed through the signal helper, which lets the PM
    stop a worker's child of the worker's own user; the parent stays, with
    its opcode cache, and its next child serves."""
    a = tenants["a"]
    a.starter_script(body=PARENT_STARTER.format(site=a.site))
    a.write("spin.php", "<?php while (true) { usleep(100000); }")
    h = start(make_httpd, tenants, "FcgiProcIOTimeout 2\n")
    child = ident(h, a)["pid"]
    parent = _ppid(child)
    assert proc_uids(child)[0] == a.uid and parent != pm_pid(h)
    r = get(h, a, "/spin.php")
    assert r.status == 504, (r.status, h.error_log_tail(10))
    assert H.wait_pid_gone(child, 5), h.error_log_tail(10)
    assert H.pid_alive(parent)
    h.wait_for_log(r"FCGP03014: worker pid %d .*missed a deadline; killed "
                   r"its child pid %d" % (parent, child))
    assert not tagged(h.error_log(), "FCGP03063")
    again = ident(h, a)["pid"]
    assert again != child and _ppid(again) == parent
