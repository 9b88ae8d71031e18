"""Deploying a new version of an application: the program file is
replaced on disk (a new file moved into place), and the next requests are
answered by new workers running it.  The old workers finish the request
they have (never a new one) and retire; the process manager says so once
(FCGP03035).  A broken new version is paused by the rapid-failure
protection (FCGP03013, naming the replacement) and putting the good one
back recovers; a program that is gone or not executable is no new version
(FCGP03036): the current workers keep serving."""
import json
import os
import re
import shutil
import threading
import time

import fcgp
import httpd as H

STATUS = """\
<Location /fcgiproc-status>
    SetHandler fcgiproc-status
</Location>
"""

VER_RE = re.compile(rb"pid=(\d+) n=(\d+) ino=(\d+) ver=(\S+)")


def status(h):
    return json.loads(h.get("/fcgiproc-status?json").body)


def ask(h, path="/app.fcgi"):
    """One request with ver=1: (pid, inode of the program, version)."""
    r = h.get(path + ("&" if "?" in path else "?") + "ver=1")
    assert r.status == 200, (r.status, r.body)
    m = VER_RE.search(r.body)
    assert m, r.body
    return int(m.group(1)), int(m.group(3)), m.group(4).decode()


def deploy(src, dst, mode=0o755):
    """A deploy as it is done: copy next to it, then move into place (a
    new inode; the old file lives on while its processes run)."""
    tmp = dst + ".new"
    shutil.copyfile(src, tmp)
    os.chmod(tmp, mode)
    os.rename(tmp, dst)
    return os.stat(dst).st_ino


def write_script(path, text, mode=0o755):
    tmp = path + ".new"
    with open(tmp, "w") as f:
        f.write(text)
    os.chmod(tmp, mode)
    os.rename(tmp, path)
    return os.stat(path).st_ino


def exe_inode(pid):
    try:
        return os.stat("/proc/%d/exe" % pid).st_ino
    except OSError:
        return None


def app_workers(h, name):
    return [w for w in status(h)["workers"] if name in w["class"]]


def wait_for(cond, timeout, what, step=0.05):
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        assert time.monotonic() < deadline, what
        time.sleep(step)


def test_new_version_is_served_at_once_and_old_workers_retire(make_httpd):
    # One worker at most per class: the new version's worker must start
    # beside the old one that is busy with a long request, not wait for it.
    h = fcgp.server(make_httpd, STATUS + "FcgiProcMaxProcessesPerClass 1\n")
    h.start()
    app = os.path.join(h.htdocs, "app.fcgi")
    old_ino = os.stat(app).st_ino
    pid0, ino, _ = ask(h)
    assert ino == old_ino
    slow = {}

    def long_request():
        r = h.get("/app.fcgi?sleep=2500&ver=1", timeout=30)
        slow["status"], slow["body"] = r.status, r.body
    t = threading.Thread(target=long_request)
    t.start()
    wait_for(lambda: [w for w in app_workers(h, "app.fcgi")
                      if w["state"] == "busy"], 5, "the long request")
    mark = h.log_mark()
    new_ino = deploy(H.TEST_APP, app)
    assert new_ino != old_ino
    t0 = time.monotonic()
    # The very next request gets the new version (a script that is the app:
    # httpd's own stat of it says so), on a new worker.
    pid, ino, _ = ask(h)
    assert ino == new_ino and pid != pid0
    assert time.monotonic() - t0 < 2
    for _ in range(20):
        p, i, _ = ask(h)
        assert i == new_ino and p != pid0, (p, i)
    # The old worker is still finishing the long request: listed, with its
    # last request, and the status page shows the new program.
    ws = {w["pid"]: w for w in app_workers(h, "app.fcgi")}
    assert ws[pid0]["state"] == "busy (last request: program replaced)", ws
    cls = [c for c in status(h)["classes"] if "app.fcgi" in c["class"]]
    assert len(cls) == 1 and cls[0]["program_inode"] == new_ino, cls
    assert cls[0]["replaced"], cls
    t.join(30)
    # It finished its request (200, old version), then retired.
    assert slow.get("status") == 200, slow
    m = VER_RE.search(slow["body"])
    assert int(m.group(1)) == pid0 and int(m.group(3)) == old_ino, slow
    assert H.wait_pid_gone(pid0, 5), "the old worker is still running"
    exits = [e for e in status(h)["recent_exits"] if e["pid"] == pid0]
    assert exits and "superseded" in exits[0]["reason"], exits
    lines = fcgp.tagged(h.error_log(mark), "FCGP03035")
    assert len(lines) == 1, lines
    assert ("program %s " % app) in lines[0], lines
    assert ("inode %d," % old_ino) in lines[0], lines
    assert ("inode %d," % new_ino) in lines[0], lines
    assert "1 workers of the old version retire (0 idle now, 1 busy" \
        in lines[0], lines
    assert "[fcgiproc:notice]" in lines[0], lines
    assert not fcgp.tagged(h.error_log(), "FCGP02001")


def test_idle_old_workers_retire_at_once(make_httpd):
    # Three old workers, all idle: the first request after the deploy sees
    # the new file; every old one retires, none gets another request.
    h = fcgp.server(make_httpd, STATUS + "FcgiProcMinProcessesPerClass 3\n")
    h.start()
    ask(h)
    old = wait_for(lambda: (lambda ws: ws if len(ws) == 3 else None)(
        [w["pid"] for w in app_workers(h, "app.fcgi")]), 5, "3 workers")
    new_ino = deploy(H.TEST_APP, os.path.join(h.htdocs, "app.fcgi"))
    for _ in range(30):
        pid, ino, _ = ask(h)
        assert ino == new_ino and pid not in old
    for p in old:
        assert H.wait_pid_gone(p, 5), p
    # The class minimum is made of the new version's workers only.
    ws = wait_for(lambda: (lambda ws: ws if len(ws) == 3 else None)(
        app_workers(h, "app.fcgi")), 5, "3 new workers")
    assert all(exe_inode(w["pid"]) == new_ino for w in ws), ws
    line = fcgp.tagged(h.error_log(), "FCGP03035")
    assert len(line) == 1 and "3 workers of the old version retire " \
        "(3 idle now, 0 busy" in line[0], line


def test_replaced_twice_under_load_loses_nothing(make_httpd):
    h = fcgp.server(make_httpd, STATUS + "FcgiProcMaxProcessesPerClass 4\n")
    h.start()
    app = os.path.join(h.htdocs, "app.fcgi")
    ask(h)
    res = {}

    def run():
        # 5 ms each: about 1.5 s in all, so both deploys land inside it
        res["ab"] = H.load(h.url("/app.fcgi?sleep=5"), 2000, 8, timeout=120)
    t = threading.Thread(target=run)
    t.start()
    inos = []
    for _ in range(2):
        time.sleep(0.4)
        assert t.is_alive(), "the load ended before the deploy"
        inos.append(deploy(H.TEST_APP, app))
    t.join(150)
    r = res["ab"]
    assert not r.aborted and r.complete == 2000, r
    assert r.errors == 0, r
    assert set(fcgp.status_counts(h)) == {200}, fcgp.status_counts(h)
    assert not fcgp.tagged(h.error_log(), "FCGP02001")
    # Each deploy seen once; afterwards only the last version runs.
    assert len(fcgp.tagged(h.error_log(), "FCGP03035")) == 2
    for _ in range(10):
        assert ask(h)[1] == inos[-1]
    wait_for(lambda: all(exe_inode(w["pid"]) == inos[-1]
                         for w in app_workers(h, "app.fcgi")), 10,
             "old workers left: %r" % app_workers(h, "app.fcgi"))


WRAPPER = "#!/bin/sh\nFCGP_VERSION=%s exec %s\n"


def test_wrapper_program_replaced(make_httpd):
    # The class's program is the wrapper (FcgiProcWrapper), not the script
    # requested: replacing the wrapper starts new workers within about a
    # second (it is looked at once a second, not at every request).
    h = make_httpd(extra_conf=fcgp.BASE_CONF + STATUS
                   + "AddHandler fcgiproc-script .wfcgi\n"
                   "FcgiProcWrapper @ROOT@/wrap.sh .wfcgi\n")
    wrap = os.path.join(h.root, "wrap.sh")
    write_script(wrap, WRAPPER % ("one", H.TEST_APP))
    h.htdocs_file("x.wfcgi", "the wrapper runs this\n")
    h.start()
    pid0, _, ver = ask(h, "/x.wfcgi")
    assert ver == "one"
    old = [w["pid"] for w in app_workers(h, "wrap.sh")]
    write_script(wrap, WRAPPER % ("two", H.TEST_APP))
    t0 = time.monotonic()
    wait_for(lambda: ask(h, "/x.wfcgi")[2] == "two", 3,
             "still the old wrapper after 3 s")
    took = time.monotonic() - t0
    for _ in range(20):
        pid, _, ver = ask(h, "/x.wfcgi")
        assert ver == "two" and pid not in old
    for p in old:
        assert H.wait_pid_gone(p, 5), p
    lines = fcgp.tagged(h.error_log(), "FCGP03035")
    assert len(lines) == 1 and ("program %s " % wrap) in lines[0], lines
    assert took < 2.5, took


def test_broken_replacement_backs_off_and_the_good_one_recovers(make_httpd):
    h = fcgp.server(make_httpd, STATUS)
    h.start()
    app = os.path.join(h.htdocs, "app.fcgi")
    good = os.path.join(h.root, "good-app")
    shutil.copyfile(H.TEST_APP, good)
    pid0, _, _ = ask(h)
    write_script(app, "#!/bin/sh\nexit 3\n")
    statuses = [h.get("/app.fcgi").status for _ in range(6)]
    # each try kills two workers (one retry): after 5 deaths, fast 503s
    assert statuses[0] == 502 and 503 in statuses, statuses
    assert H.wait_pid_gone(pid0, 5), "the old version's worker stays"
    r = h.get("/app.fcgi")
    assert r.status == 503 and r.header("Retry-After"), r.status
    line = fcgp.tagged(h.error_log(), "FCGP03013")
    assert len(line) == 1, line
    assert ("its program %s was replaced at " % app) in line[0], line
    # The good version back in place: served at once, not after the pause.
    new_ino = deploy(good, app)
    pid, ino, _ = ask(h)
    assert ino == new_ino
    assert len(fcgp.tagged(h.error_log(), "FCGP03035")) == 2


def test_not_executable_replacement_keeps_the_current_workers(make_httpd):
    h = fcgp.server(make_httpd, STATUS)
    h.start()
    app = os.path.join(h.htdocs, "app.fcgi")
    pid0, ino0, _ = ask(h)
    mark = h.log_mark()
    bad_ino = deploy(H.TEST_APP, app, mode=0o644)
    for _ in range(3):
        # over more than a second: the PM looks more than once
        for _ in range(10):
            pid, ino, _ = ask(h)
            assert (pid, ino) == (pid0, ino0)
        time.sleep(0.5)
    lines = fcgp.tagged(h.error_log(mark), "FCGP03036")
    assert len(lines) == 1, lines
    assert "not executable" in lines[0] and app in lines[0], lines
    assert not fcgp.tagged(h.error_log(mark), "FCGP03035")
    # Made executable: now it is the new version.
    os.chmod(app, 0o755)
    wait_for(lambda: ask(h)[1] == bad_ino, 3, "not switched after chmod")
    assert H.wait_pid_gone(pid0, 5)


def test_wrapper_gone_keeps_serving(make_httpd):
    h = make_httpd(extra_conf=fcgp.BASE_CONF + STATUS
                   + "AddHandler fcgiproc-script .wfcgi\n"
                   "FcgiProcWrapper @ROOT@/wrap.sh .wfcgi\n")
    wrap = os.path.join(h.root, "wrap.sh")
    write_script(wrap, WRAPPER % ("one", H.TEST_APP))
    h.htdocs_file("x.wfcgi", "x\n")
    h.start()
    pid0, _, _ = ask(h, "/x.wfcgi")
    os.rename(wrap, wrap + ".away")
    for _ in range(3):
        for _ in range(10):
            pid, _, ver = ask(h, "/x.wfcgi")
            assert (pid, ver) == (pid0, "one")
        time.sleep(0.5)
    lines = fcgp.tagged(h.error_log(), "FCGP03036")
    assert len(lines) == 1 and "cannot be found" in lines[0], lines
    # Back in place, unchanged: not a new version.
    os.rename(wrap + ".away", wrap)
    time.sleep(1.2)
    for _ in range(5):
        assert ask(h, "/x.wfcgi")[0] == pid0
    assert not fcgp.tagged(h.error_log(), "FCGP03035")


def test_replaced_after_a_graceful_restart(make_httpd):
    # The worker table (and each class's record of its program) outlives
    # the generation: a deploy after a graceful restart is seen by the new
    # process manager.
    h = fcgp.server(make_httpd, STATUS + "FcgiProcMinProcessesPerClass 1\n")
    h.start()
    pid0, _, _ = ask(h)
    h.graceful()
    assert H.wait_pid_gone(pid0, 10)
    pid1, ino1, _ = ask(h)
    new_ino = deploy(H.TEST_APP, os.path.join(h.htdocs, "app.fcgi"))
    pid, ino, _ = ask(h)
    assert ino == new_ino and pid != pid1
    assert H.wait_pid_gone(pid1, 5)
    # The minimum: one worker, of the new version, and no more.
    time.sleep(1.5)
    ws = app_workers(h, "app.fcgi")
    assert [exe_inode(w["pid"]) for w in ws] == [new_ino], ws
