"""The fast path: handlers take idle workers from the shared worker table
themselves.  What the process manager does not see happen must still be
counted, and a handler that dies holding a worker must not keep it."""
import json
import os
import signal
import socket
import time

import fcgp
import httpd as H

STATUS = """\
<Location /fcgiproc-status>
    SetHandler fcgiproc-status
</Location>
"""


def status(h):
    return json.loads(h.get("/fcgiproc-status?json").body)


def app_workers(h):
    return [w for w in status(h)["workers"] if w["class"].startswith(h.htdocs)]


def test_requests_taken_from_the_table_are_counted(make_httpd):
    # One worker, requests one after another: all but the first go through
    # the table.  The app's own count and the status page must agree.
    h = fcgp.server(make_httpd, STATUS + "FcgiProcMaxProcessesPerClass 1\n")
    h.start()
    pids = set()
    for i in range(1, 51):
        r = h.get("/app.fcgi")
        pid, n = fcgp.app_pid(r.body)
        assert n == i, r.body
        pids.add(pid)
    assert len(pids) == 1
    ws = app_workers(h)
    assert [(w["pid"], w["requests"]) for w in ws] == [(pids.pop(), 50)], ws


def test_limit_holds_on_the_fast_path(make_httpd):
    # Sequential requests never queue in the PM: the table alone must stop
    # handing a worker out at its limit.
    h = fcgp.server(make_httpd, STATUS + "FcgiProcMaxProcessesPerClass 1\n"
                                "FcgiProcMaxRequestsPerProcess 7\n")
    h.start()
    seen = {}
    for _ in range(30):
        r = h.get("/app.fcgi")
        assert r.status == 200, r.body
        pid, n = fcgp.app_pid(r.body)
        seen[pid] = max(seen.get(pid, 0), n)
    assert max(seen.values()) == 7, seen
    assert len(seen) >= 30 // 7, seen


def start_slow_request(h, path):
    s = socket.create_connection(("127.0.0.1", h.port), timeout=30)
    s.sendall(("GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" % path).encode())
    return s


def test_killed_httpd_child_does_not_keep_its_worker(make_httpd):
    # The only worker is held by a request in an httpd child that is then
    # killed.  Nobody hands the worker back: the PM must notice the holder
    # is gone, retire the worker (its state is unknown) and serve again.
    h = fcgp.server(make_httpd, STATUS + "FcgiProcMaxProcessesPerClass 1\n"
                                "FcgiProcQueueTimeout 20\n")
    h.start()
    assert h.get("/app.fcgi").status == 200      # the class is in the table
    pm = status(h)["pm_pid"]
    s = start_slow_request(h, "/app.fcgi?sleep=60000")
    try:
        deadline = time.monotonic() + 10
        while True:
            ws = app_workers(h)
            if ws and ws[0]["state"] == "busy":
                break
            assert time.monotonic() < deadline, ws
            time.sleep(0.05)
        held = ws[0]["pid"]
        main = h.pid()
        exe = os.path.realpath(H.APACHE_BIN)
        children = [p["pid"] for p in h.children()
                    if p["ppid"] == main and p["exe"] == exe and p["pid"] != pm]
        assert children
        for c in children:
            os.kill(c, signal.SIGKILL)
        t0 = time.monotonic()
        while True:
            try:
                r = h.get("/app.fcgi", timeout=30)
                if r.status == 200:
                    break
            except OSError:
                pass                # the parent is starting new children
            assert time.monotonic() - t0 < 10, "still no worker after 10 s"
            time.sleep(0.2)
        pid, n = fcgp.app_pid(r.body)
        assert pid != held and n == 1
        assert H.wait_pid_gone(held, 5)
        assert [l for l in fcgp.tagged(h.error_log(), "FCGP03010")
                if "pid %d " % held in l and "broken request" in l]
    finally:
        s.close()


def test_requests_waiting_in_the_table_survive_a_graceful_restart(make_httpd):
    # One worker, busy for 2 s; three more requests wait in the table (the
    # class is full).  A graceful restart ends the table's generation: the
    # waiting requests must be answered by the new generation right away.
    h = fcgp.server(make_httpd, STATUS + "FcgiProcMaxProcessesPerClass 1\n"
                                "FcgiProcQueueTimeout 20\n")
    h.start()
    assert h.get("/app.fcgi").status == 200
    import threading
    results = []

    def fetch(path):
        t0 = time.monotonic()
        try:
            r = h.get(path, timeout=30)
            results.append((path, r.status, time.monotonic() - t0))
        except OSError as e:
            results.append((path, repr(e), time.monotonic() - t0))
    threads = [threading.Thread(target=fetch, args=("/app.fcgi?sleep=2000",))]
    threads[0].start()
    time.sleep(0.5)
    for i in range(3):
        t = threading.Thread(target=fetch, args=("/app.fcgi?n=%d" % i,))
        t.start()
        threads.append(t)
    time.sleep(0.5)
    h.graceful()
    for t in threads:
        t.join(40)
    assert len(results) == 4, results
    assert all(st == 200 for _, st, _ in results), results
    # They go to the new generation at once, instead of waiting (1.5 s
    # more) for the old generation's busy worker.
    waited = [el for path, _, el in results if "sleep" not in path]
    assert max(waited) < 1.2, results
    assert not fcgp.tagged(h.error_log(), "FCGP02001")


def test_status_shows_requests_waiting_for_a_worker(make_httpd):
    # The class is full: the waiting request sleeps in the worker table,
    # not in the PM's queue; the status page must still count it.
    h = fcgp.server(make_httpd, STATUS + "FcgiProcMaxProcessesPerClass 1\n"
                                "FcgiProcQueueTimeout 20\n")
    h.start()
    assert h.get("/app.fcgi").status == 200
    busy = start_slow_request(h, "/app.fcgi?sleep=3000")
    waiting = None
    try:
        time.sleep(0.5)
        waiting = start_slow_request(h, "/app.fcgi?n=1")
        deadline = time.monotonic() + 2
        while True:
            cs = [c for c in status(h)["classes"]
                  if c["class"].startswith(h.htdocs)]
            if cs and int(cs[0]["waiting"]) == 1:
                break
            assert time.monotonic() < deadline, cs
            time.sleep(0.05)
        resp = waiting.recv(4096)
        assert resp.startswith(b"HTTP/1.1 200") or resp.startswith(b"HTTP/1.0 200"), resp
    finally:
        busy.close()
        if waiting:
            waiting.close()


def test_hard_restart_with_a_worker_held_leaves_nothing_behind(make_httpd):
    # `-k restart` kills the httpd child whose request holds a worker; the
    # old process manager must take the worker back, retire it and exit,
    # and the new generation serves at once.
    h = fcgp.server(make_httpd, STATUS + "FcgiProcMaxProcessesPerClass 2\n")
    h.start()
    assert h.get("/app.fcgi").status == 200
    before = status(h)
    old_pm = before["pm_pid"]
    s = start_slow_request(h, "/app.fcgi?sleep=60000")
    try:
        deadline = time.monotonic() + 10
        while not any(w["state"] == "busy" for w in app_workers(h)):
            assert time.monotonic() < deadline, app_workers(h)
            time.sleep(0.05)
        old_workers = [w["pid"] for w in app_workers(h)]
        h.restart()
        r = h.get("/app.fcgi")
        assert r.status == 200, r.body
        assert fcgp.app_pid(r.body)[0] not in old_workers
        # the old PM: holder gone -> worker retired (SIGTERM; FcgiProcKillTimeout
        # 3 s by default) -> PM exits
        assert H.wait_pid_gone(old_pm, 10), "old process manager still running"
        assert [p for p in old_workers if H.pid_alive(p)] == []
        assert [f for f in fcgp.ipc_files(h) if f.startswith("w%d-" % old_pm)] == []
    finally:
        s.close()


def test_waiters_of_a_killed_httpd_child_leave_no_trace(make_httpd):
    # Two requests wait in the class's line (its only worker is busy) when
    # their httpd child is killed.  The line must forget them: the status
    # page shows nobody waiting, and requests after that are served at
    # once instead of queueing behind ghosts (a second each).
    h = fcgp.server(make_httpd, STATUS + "FcgiProcMaxProcessesPerClass 1\n"
                                "FcgiProcQueueTimeout 20\n")
    h.start()
    assert h.get("/app.fcgi").status == 200
    pm = status(h)["pm_pid"]
    socks = [start_slow_request(h, "/app.fcgi?sleep=2000")]
    try:
        time.sleep(0.3)
        socks += [start_slow_request(h, "/app.fcgi?n=%d" % i)
                  for i in range(2)]
        deadline = time.monotonic() + 5
        while True:
            cs = [c for c in status(h)["classes"]
                  if c["class"].startswith(h.htdocs)]
            if cs and int(cs[0]["waiting"]) == 2:
                break
            assert time.monotonic() < deadline, cs
            time.sleep(0.05)
        main = h.pid()
        exe = os.path.realpath(H.APACHE_BIN)
        for p in h.children():
            if p["ppid"] == main and p["exe"] == exe and p["pid"] != pm:
                os.kill(p["pid"], signal.SIGKILL)
        deadline = time.monotonic() + 10
        while True:
            try:
                cs = [c for c in status(h)["classes"]
                      if c["class"].startswith(h.htdocs)]
                if cs and int(cs[0]["waiting"]) == 0:
                    break
            except (OSError, ValueError):
                pass            # the parent is starting new children
            assert time.monotonic() < deadline, cs
            time.sleep(0.1)
        # The killed child also held the worker: the PM retires it within
        # about 2 s (see above); after that, no request may wait.
        assert h.get("/app.fcgi", timeout=30).status == 200
        slow = []
        for _ in range(20):
            t0 = time.monotonic()
            r = h.get("/app.fcgi", timeout=30)
            assert r.status == 200, r.body
            slow += [time.monotonic() - t0] if time.monotonic() - t0 > 0.5 else []
        assert not slow, slow
    finally:
        for s in socks:
            s.close()
