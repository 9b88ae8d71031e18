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
    s = start_slow_request(h, "/app.fcgi?sleep=60")
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
