"""Spawning counts the workers already starting: an application that
takes a while to start gets about one process per waiting request, not
one per request that came while it was starting."""
import json
import os
import signal
import threading
import time

import fcgp
import httpd as H

STATUS = """\
<Location /fcgiproc-status>
    SetHandler fcgiproc-status
</Location>
"""


def slow_workers(h):
    st = json.loads(h.get("/fcgiproc-status?json").body)
    return [w for w in st["workers"] if "/slow.fcgi" in w["class"]]


def load(h, clients, seconds, peak, stop_early=None):
    end = time.monotonic() + seconds
    errors = []

    def client():
        while time.monotonic() < end:
            try:
                r = h.get("/slow.fcgi", timeout=30)
                if r.status != 200:
                    errors.append(r.status)
            except OSError as e:
                errors.append(repr(e))
    ts = [threading.Thread(target=client) for _ in range(clients)]
    for t in ts:
        t.start()
    while any(t.is_alive() for t in ts):
        peak.append(len([w for w in slow_workers(h)
                         if w["state"] != "stopping"]))
        time.sleep(0.1)
    for t in ts:
        t.join()
    return errors


def test_slow_starting_app_gets_a_process_per_waiting_request(make_httpd):
    # Each process sleeps 1.5 s before it accepts.  16 clients: at most
    # 16 processes (no request limit, so no replacement started ahead),
    # then idle ones above the minimum go after FcgiProcIdleTimeout.
    h = fcgp.server(make_httpd, STATUS + "FcgiProcIdleTimeout 2\n")
    h.htdocs_file("slow.fcgi", "#!/bin/sh\nsleep 1.5\nexec %s\n"
                  % H.TEST_APP, 0o755)
    h.start()
    peak = []
    errors = load(h, 16, 6, peak)
    assert not errors, errors[:5]
    assert max(peak) <= 16, peak
    assert max(peak) >= 8, peak             # it did grow for the load
    deadline = time.monotonic() + 10
    while len([w for w in slow_workers(h) if w["state"] != "stopping"]) > 1:
        assert time.monotonic() < deadline, slow_workers(h)
        time.sleep(0.2)


def test_slow_starting_app_across_a_graceful_restart(make_httpd):
    # The new generation starts its own workers while the old one's finish:
    # each generation stays within the clients it serves.
    h = fcgp.server(make_httpd, STATUS)
    h.htdocs_file("slow.fcgi", "#!/bin/sh\nsleep 1.5\nexec %s\n"
                  % H.TEST_APP, 0o755)
    h.start()
    peak = []
    t = threading.Thread(target=lambda: peak.append(load(h, 16, 8, peak)))
    t.start()
    time.sleep(3)
    h.graceful()
    t.join(60)
    errors = peak.pop()
    assert not errors, errors[:5]
    # the status page shows the serving generation's workers
    assert max(peak) <= 16, peak


def live_app_workers(h):
    st = json.loads(h.get("/fcgiproc-status?json").body)
    return [w for w in st["workers"] if "/app.fcgi" in w["class"]
            and w["state"] != "stopping"]


def test_class_keeps_its_minimum(make_httpd):
    # FcgiProcMinProcessesPerClass 3: the class grows to 3 after its first
    # request, idle ones are not retired below it, and a worker that is
    # killed is replaced up to it.
    h = fcgp.server(make_httpd, STATUS + "FcgiProcMinProcessesPerClass 3\n"
                                "FcgiProcIdleTimeout 1\n")
    h.start()
    assert h.get("/app.fcgi").status == 200
    deadline = time.monotonic() + 5
    while len(live_app_workers(h)) < 3:
        assert time.monotonic() < deadline, live_app_workers(h)
        time.sleep(0.1)
    time.sleep(3)                           # past the idle timeout
    ws = live_app_workers(h)
    assert len(ws) == 3, ws
    os.kill(ws[0]["pid"], signal.SIGKILL)
    deadline = time.monotonic() + 5
    while True:
        pids = [w["pid"] for w in live_app_workers(h)]
        if len(pids) == 3 and ws[0]["pid"] not in pids:
            break
        assert time.monotonic() < deadline, pids
        time.sleep(0.1)


def test_a_restart_past_the_tables_size_is_logged(make_httpd):
    # The worker table is made when httpd starts (2 x FcgiProcMaxProcesses
    # + 64 slots, at least 1,024); a graceful restart that wants more says
    # so, and serves on.
    h = fcgp.server(make_httpd, STATUS)
    h.start()
    assert h.get("/app.fcgi").status == 200
    h.write_conf(h.extra_conf + "FcgiProcMaxProcesses 2000\n")
    h.graceful()
    lines = fcgp.tagged(h.error_log(), "FCGP04011")
    assert lines and "FcgiProcMaxProcesses 2000" in lines[0], lines
    assert h.get("/app.fcgi").status == 200
