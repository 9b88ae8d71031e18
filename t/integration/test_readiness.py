"""What a node owes a load balancer (SetHandler fcgiproc-ready): 200 while
it takes requests, 503 while httpd drains after graceful-stop and when
every application it knows is unusable; separate from liveness (a plain
static file, 200 throughout).  Saturation is not unreadiness (requests get
503 with Retry-After, FcgiProcQueueTimeout: test_limits.py).  The rolling
restart behind HAProxy is in test_balancer.py.
"""
import socket
import time

import pytest

import fcgp
import httpd as H

READY = """\
<Location /ready>
    SetHandler fcgiproc-ready
</Location>
"""

ONE_CHILD = {"mpm": "prefork",
             "mpm_conf": "StartServers 1\nMinSpareServers 1\n"
                         "MaxSpareServers 1\nMaxRequestWorkers 1\n"}


def test_ready_and_not_cached(make_httpd, test_app):
    h = make_httpd(extra_conf=READY + """\
AddHandler fcgiproc-script .fcgi
<Directory "@HTDOCS@">
    Options +ExecCGI
</Directory>
""")
    h.install_app("app.fcgi")
    h.start()
    r = h.get("/ready")
    assert (r.status, r.body) == (200, b"ready\n")
    assert r.header("Cache-Control") == "no-store"
    assert h.get("/app.fcgi").status == 200
    assert h.get("/ready").status == 200
    assert h.request("POST", "/ready", body=b"x").status == 405


def test_paused_when_every_application_keeps_crashing(make_httpd):
    """A static server whose program dies as it starts: the rapid-failure
    back-off pauses it, the node is not ready (while liveness, a static
    file, is fine)."""
    h = make_httpd(extra_conf=READY + """\
FcgiProcServer @ROOT@/bin/broken -processes 1
""")
    h.write_file("bin/broken", "#!/bin/sh\nexit 1\n", mode=0o755)
    h.htdocs_file("alive.txt", "alive\n")
    h.start()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        r = h.get("/ready")
        if r.status == 503:
            break
        time.sleep(0.2)
    assert r.status == 503, r
    assert r.body.startswith(b"paused: every application is unusable")
    assert b"1 of 1 paused" in r.body
    assert r.header("Retry-After")
    assert h.get("/alive.txt").status == 200


def test_one_healthy_application_is_enough(make_httpd, test_app):
    h = make_httpd(extra_conf=READY + """\
FcgiProcServer @ROOT@/bin/broken
FcgiProcServer @HTDOCS@/app.fcgi
""")
    h.write_file("bin/broken", "#!/bin/sh\nexit 1\n", mode=0o755)
    h.install_app("app.fcgi")
    h.start()
    h.wait_for_log("FCGP03013", timeout=15)     # the broken one paused
    assert h.get("/app.fcgi").status == 200
    assert h.get("/ready").status == 200


def test_paused_when_the_external_backends_are_down(make_httpd):
    port = H.free_port()
    h = make_httpd(extra_conf=READY + """\
FcgiProcExternalServer @HTDOCS@/ext -host 127.0.0.1:%d
""" % port, **ONE_CHILD)
    h.start()
    assert h.get("/ready").status == 200        # not known to be down yet
    assert h.get("/ext").status == 503
    r = h.get("/ready")
    assert r.status == 503 and b"1 of 1 external" in r.body, r


def half_request(h, path="/ready"):
    """A connection whose request is being read: all but its last line."""
    s = socket.create_connection(("127.0.0.1", h.port), timeout=20)
    s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n" % path).encode())
    time.sleep(0.3)
    return s


def finish(s):
    s.sendall(b"Connection: close\r\n\r\n")
    data = fcgp.read_to_close(s)
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


@pytest.mark.parametrize("mpm", ["event", "prefork"])
def test_draining_after_graceful_stop(make_httpd, mpm):
    """A request that an httpd process still serves after graceful-stop
    (here: one whose headers were being read) is told the node drains;
    new connections are refused (httpd closed its listeners)."""
    h = make_httpd(extra_conf=READY, mpm=mpm)
    h.htdocs_file("alive.txt", "alive\n")
    h.start()
    s = half_request(h)
    rc, out = h._signal_cmd("graceful-stop")
    assert rc == 0, out
    deadline = time.monotonic() + 10
    while H.port_open(h.port) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not H.port_open(h.port)
    time.sleep(0.5)
    status, body = finish(s)
    assert (status, body) == (503, b"draining: httpd is stopping\n")


def test_a_graceful_restart_is_not_draining(make_httpd):
    """The process a graceful restart replaces finishes its requests too,
    but the node goes on: still ready."""
    h = make_httpd(extra_conf=READY)
    h.start()
    s = half_request(h)
    h.graceful()
    time.sleep(0.5)
    status, body = finish(s)
    assert (status, body) == (200, b"ready\n")
    assert h.get("/ready").status == 200
