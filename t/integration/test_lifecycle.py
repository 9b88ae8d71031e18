"""Graceful restarts, stop and a killed process manager lose nothing and
leave nothing behind."""
import json
import os
import signal
import threading
import time

import fcgp
import httpd as H


def status(h):
    return json.loads(h.get("/fcgiproc-status?json").body)


STATUS = """\
<Location /fcgiproc-status>
    SetHandler fcgiproc-status
</Location>
"""


def test_20_graceful_restarts_under_load_lose_nothing(make_httpd):
    h = fcgp.server(make_httpd, STATUS + "FcgiProcInitialEnv FCGP_EXIT_AFTER 20\n"
                    "FcgiProcInitialEnv PHP_FCGI_MAX_REQUESTS 20\n"
                    "FcgiProcMaxProcessesPerClass 6\n")
    h.write_php("t.php", "<?php echo 'ok';")
    h.start()
    results = {}

    def run(name, path, n):
        results[name] = H.load(h.url(path), n, 12, timeout=300)
    loads = [threading.Thread(target=run, args=("c", "/app.fcgi", 12000)),
             threading.Thread(target=run, args=("php", "/t.php", 3000))]
    for t in loads:
        t.start()
    time.sleep(0.5)
    for i in range(20):
        h.graceful()
        time.sleep(0.1)
    for t in loads:
        t.join()
    for name, res in results.items():
        assert not res.aborted and res.complete == res.requested, (name, res)
        assert res.errors == 0, (name, res)
    counts = fcgp.status_counts(h)
    assert set(counts) == {200}, counts
    assert fcgp.tagged(h.error_log(), "FCGP02001") == []


def test_directive_change_visible_after_graceful(make_httpd):
    h = fcgp.server(make_httpd, "FcgiProcInitialEnv FOO_SETTING one\n")
    h.write_php("foo.php", "<?php echo getenv('FOO_SETTING');")
    h.start()
    assert h.get("/foo.php").body == b"one"
    h.write_conf(extra_conf=fcgp.BASE_CONF + "FcgiProcInitialEnv FOO_SETTING two\n")
    h.graceful()
    assert h.get("/foo.php").body == b"two"


def test_request_during_graceful_is_not_delayed(make_httpd):
    h = fcgp.server(make_httpd)
    h.start()
    h.get("/app.fcgi")
    busy = threading.Thread(target=lambda: h.get("/app.fcgi?sleep=3000"))
    busy.start()
    time.sleep(0.3)
    h.graceful()
    # 1 s into the restart (httpd itself may take up to a second to start
    # the new generation's children, with or without us), while the old
    # generation still has a busy worker: no wait for the old PM.
    time.sleep(1.0)
    t0 = time.monotonic()
    r = h.get("/app.fcgi")
    assert r.status == 200
    assert time.monotonic() - t0 < 0.5
    busy.join()


def ignores_sigterm(pid):
    """The process really ignores SIGTERM (SigIgn in /proc), so that a
    test relying on it tests what it says."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("SigIgn:"):
                return bool(int(line.split()[1], 16) & (1 << (signal.SIGTERM - 1)))
    return False


def test_stop_leaves_no_process_even_when_sigterm_is_ignored(make_httpd):
    h = fcgp.server(make_httpd, STATUS + "FcgiProcInitialEnv FCGP_IGNORE_TERM 1\n"
                                "FcgiProcKillTimeout 1\n")
    h.start()
    def busy():
        try:
            h.get("/app.fcgi?sleep=300")
        except OSError:
            pass    # the stop may cut it off; that is not what we test
    for _ in range(3):
        threading.Thread(target=busy).start()
    time.sleep(0.1)
    assert h.get("/app.fcgi").status == 200
    workers = [w["pid"] for w in status(h)["workers"]]
    assert len(workers) >= 2
    assert all(ignores_sigterm(p) for p in workers), workers
    t0 = time.monotonic()
    left = h.stop(kill_leftovers=False)
    # every worker gone within FcgiProcKillTimeout + 1 s of the stop
    deadline = t0 + 1 + 1 + 1
    while time.monotonic() < deadline and any(H.pid_alive(p) for p in workers):
        time.sleep(0.05)
    alive = [p for p in workers if H.pid_alive(p)]
    assert alive == [], alive
    assert [p for p in left if p["state"] not in ("Z", "X")] == [], left
    assert [f for f in fcgp.ipc_files(h) if f.startswith("w")] == []


def test_killed_process_manager_is_replaced(make_httpd):
    # Workers ignore SIGTERM: the new PM has to finish them with SIGKILL.
    h = fcgp.server(make_httpd, STATUS + "FcgiProcInitialEnv FCGP_IGNORE_TERM 1\n"
                                "FcgiProcKillTimeout 1\n")
    h.start()
    assert h.get("/app.fcgi").status == 200
    before = status(h)
    old_pm = before["pm_pid"]
    old_workers = [w["pid"] for w in before["workers"]]
    assert all(ignores_sigterm(p) for p in old_workers), old_workers
    httpd_pid = h.pid()
    os.kill(old_pm, signal.SIGKILL)
    t0 = time.monotonic()
    while True:
        r = h.get("/app.fcgi")
        if r.status == 200:
            break
        assert time.monotonic() - t0 < 2, r.status
        time.sleep(0.05)
    assert h.pid() == httpd_pid
    after = status(h)
    assert after["pm_pid"] != old_pm
    deadline = time.monotonic() + 1 + 2     # FcgiProcKillTimeout + 2 s
    while time.monotonic() < deadline and any(H.pid_alive(p) for p in old_workers):
        time.sleep(0.05)
    assert [p for p in old_workers if H.pid_alive(p)] == []
    assert fcgp.tagged(h.error_log(), "FCGP04001")
    stale = [f for f in fcgp.ipc_files(h) if f.startswith("w%d-" % old_pm)]
    assert stale == []


def test_killed_process_manager_lets_busy_workers_finish(make_httpd):
    # A POST is being served when the process manager is killed: the new
    # one adopts the old workers, the POST completes, and only then is its
    # worker stopped.
    h = fcgp.server(make_httpd, STATUS)
    h.start()
    assert h.get("/app.fcgi").status == 200
    old_pm = status(h)["pm_pid"]
    body = b"x" * 200000
    out = {}

    def post():
        out["r"] = h.post("/app.fcgi?sleep=4000&echo=1", body, timeout=30)
    t = threading.Thread(target=post)
    t.start()
    deadline = time.monotonic() + 5
    while True:
        busy = [w["pid"] for w in status(h)["workers"] if w["state"] == "busy"]
        if busy:
            break
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(old_pm, signal.SIGKILL)
    t.join(30)
    r = out["r"]
    assert r.status == 200, r.body[-300:]
    assert r.body.decode() == "len=%d fnv=%s\n" % (len(body),
                                                      fcgp.fnv1a64(body))
    assert fcgp.tagged(h.error_log(), "FCGP03034")
    assert H.wait_pid_gone(busy[0], 5), "adopted worker still running"
    assert h.get("/app.fcgi").status == 200


def test_graceful_stop_finishes_requests_in_flight(make_httpd):
    h = fcgp.server(make_httpd, STATUS)
    h.start()
    assert h.get("/app.fcgi").status == 200
    workers = [w["pid"] for w in status(h)["workers"]]
    out = {}

    def slow():
        out["r"] = h.get("/app.fcgi?sleep=1500")
    t = threading.Thread(target=slow)
    t.start()
    time.sleep(0.3)
    rc, _ = h._signal_cmd("graceful-stop")
    t.join()
    assert out["r"].status == 200 and out["r"].body.startswith(b"pid=")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and (
            h.is_running() or any(H.pid_alive(p) for p in workers)):
        time.sleep(0.1)
    assert not h.is_running()
    assert [p for p in workers if H.pid_alive(p)] == []
    assert [f for f in fcgp.ipc_files(h) if f.startswith("w")] == []


def test_workers_share_httpd_session_not_its_process_group(make_httpd):
    # Process group: httpd's signals to its group on restart and stop are
    # not for the apps.  Session: the kernel's autogroup scheduler shares
    # the CPU equally between sessions, so apps in a session of their own
    # would compete with httpd as a whole instead of sharing its share.
    h = fcgp.server(make_httpd, STATUS)
    h.start()
    assert h.get("/app.fcgi").status == 200
    st = status(h)
    httpd_pid = h.pid()
    for pid in [st["pm_pid"]] + [w["pid"] for w in st["workers"]]:
        assert os.getsid(pid) == os.getsid(httpd_pid), pid
        assert os.getpgid(pid) != os.getpgid(httpd_pid), pid


def test_a_stopped_worker_does_not_hide_exits(make_httpd):
    # A worker stopped by a signal (SIGSTOP, a debugger) has not exited:
    # the workers that exit at the same time must still be reaped (they
    # were left as zombies, listed "stopping", until the next SIGCHLD).
    # The process manager is held stopped meanwhile, so that every event
    # is pending when it looks.
    h = fcgp.server(make_httpd, STATUS + "FcgiProcMinProcessesPerClass 4\n")
    h.start()
    assert h.get("/app.fcgi").status == 200
    deadline = time.monotonic() + 10
    while True:
        st = status(h)
        pids = sorted(w["pid"] for w in st["workers"]
                      if w["class"].startswith(h.htdocs))
        if len(pids) == 4:
            break
        assert time.monotonic() < deadline, st
        time.sleep(0.1)
    pm = st["pm_pid"]
    killed, stopped = pids[0::2], pids[1::2]
    os.kill(pm, signal.SIGSTOP)
    try:
        for k, s in zip(killed, stopped):
            os.kill(k, signal.SIGKILL)
            os.kill(s, signal.SIGSTOP)
        time.sleep(0.3)
    finally:
        os.kill(pm, signal.SIGCONT)
    try:
        deadline = time.monotonic() + 3
        while True:
            listed = {w["pid"] for w in status(h)["workers"]}
            zombies = [p for p in killed
                       if (H.process_info(p) or {}).get("state") == "Z"]
            if not (listed & set(killed)) and not zombies:
                break
            assert time.monotonic() < deadline, (killed, listed, zombies)
            time.sleep(0.1)
        assert len(fcgp.tagged(h.error_log(), "FCGP03010")) >= 2
    finally:
        for s in stopped:
            os.kill(s, signal.SIGCONT)
