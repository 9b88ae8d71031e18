"""What a request took, for operators: the request notes LogFormat reads
(%{fcgiproc-pid}n, -wait-us, -app-us, -attempts), the slow-request line
(FcgiProcSlowRequestTimeout, FCGP02070) and its count, and each worker's
current request on the status page (?json&full)."""
import json
import os
import socket
import threading
import time

import fcgp
import httpd as H

STATUS = """\
<Location /fcgiproc-status>
    SetHandler fcgiproc-status
</Location>
"""

NOTES = """\
LogFormat "%{fcgiproc-pid}n %{fcgiproc-wait-us}n %{fcgiproc-app-us}n \
%{fcgiproc-attempts}n %>s %U%q" notes
CustomLog "@LOGS@/notes_log" notes
"""


def notes_log(h):
    """{"/path?query": (pid, wait_us, app_us, attempts, status)}, "-" for
    a note not set."""
    out = {}
    try:
        with open(os.path.join(h.logs, "notes_log")) as f:
            lines = f.read().splitlines()
    except OSError:
        return out
    for line in lines:
        pid, wait, app, tries, status, uri = line.split(" ", 5)
        conv = [None if v == "-" else int(v) for v in (pid, wait, app, tries)]
        out[uri] = tuple(conv) + (int(status),)
    return out


def wait_notes(h, uri, timeout=5):
    """The notes line of uri (the access log is written after the
    response)."""
    deadline = time.monotonic() + timeout
    while True:
        got = notes_log(h).get(uri)
        if got or time.monotonic() > deadline:
            return got
        time.sleep(0.05)


def status(h, query="json"):
    return json.loads(h.get("/fcgiproc-status?" + query).body)


def app_workers(st, h):
    return [w for w in st["workers"] if w["class"].startswith(h.htdocs)]


def start_request(h, path):
    s = socket.create_connection(("127.0.0.1", h.port), timeout=30)
    s.sendall(("GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" % path).encode())
    return s


def read_all(s):
    chunks = []
    while True:
        c = s.recv(65536)
        if not c:
            return b"".join(chunks)
        chunks.append(c)


# ---- request notes ---------------------------------------------------------

def test_notes_of_a_served_request(make_httpd):
    h = fcgp.server(make_httpd, NOTES)
    h.start()
    h.get("/app.fcgi")                      # a warm worker
    r = h.get("/app.fcgi?sleep=300")
    assert r.status == 200
    pid, _ = fcgp.app_pid(r.body)
    got = wait_notes(h, "/app.fcgi?sleep=300")
    assert got, notes_log(h)
    npid, wait, app, tries, st = got
    assert (npid, tries, st) == (pid, 1, 200)
    assert 300000 <= app < 5000000, got     # the app slept 300 ms
    assert 0 <= wait < 300000, got          # an idle worker was there
    # the access log's own time covers both
    usec = [e["usec"] for e in h.access_log_entries()
            if "sleep=300" in e["request"]]
    assert usec and usec[0] >= app, (usec, got)


def test_notes_when_no_worker_came_free(make_httpd):
    # The only worker is busy: the request waits FcgiProcQueueTimeout and
    # gets 503: attempts and the wait are noted, no worker, no app time.
    h = fcgp.server(make_httpd, NOTES + "FcgiProcMaxProcessesPerClass 1\n"
                    "FcgiProcQueueTimeout 1\n")
    h.start()
    assert h.get("/app.fcgi").status == 200
    s = start_request(h, "/app.fcgi?sleep=3000")
    try:
        time.sleep(0.5)
        r = h.get("/app.fcgi?n=2")
        assert r.status == 503
    finally:
        s.close()
    got = wait_notes(h, "/app.fcgi?n=2")
    assert got, notes_log(h)
    npid, wait, app, tries, st = got
    assert (npid, app, tries, st) == (None, None, 1, 503), got
    assert 900000 <= wait < 5000000, got


def test_notes_of_a_retried_request(make_httpd):
    # The first worker dies before answering; the retry's worker answers:
    # two attempts, the pid of the one that answered.
    h = fcgp.server(make_httpd, NOTES)
    marks = h.make_dir("marks")
    h.start()
    h.get("/app.fcgi")
    path = "/app.fcgi?crash_once=" + os.path.join(marks, "m")
    r = h.get(path)
    assert r.status == 200, r.body
    pid, _ = fcgp.app_pid(r.body)
    got = wait_notes(h, path)
    assert got and got[0] == pid and got[3] == 2 and got[4] == 200, got
    assert got[2] is not None and got[2] >= 0


# ---- the slow-request line -------------------------------------------------

SLOW = STATUS + "FcgiProcSlowRequestTimeout 500ms\n"


def slow_lines(h, since=0):
    return fcgp.tagged(h.error_log(since), "FCGP02070")


def test_slow_request_logged_while_it_runs_and_once(make_httpd):
    h = fcgp.server(make_httpd, SLOW)
    h.start()
    r = h.get("/app.fcgi")
    pid, _ = fcgp.app_pid(r.body)
    assert slow_lines(h) == []              # a fast one: nothing
    s = start_request(h, "/app.fcgi?sleep=2500")
    try:
        # Logged as the time passes, before the answer (2.5 s) comes.
        t0 = time.monotonic()
        m = h.wait_for_log(r"FCGP02070", timeout=2)
        assert time.monotonic() - t0 < 1.5
        line = m.string
        assert "GET /app.fcgi: slow request: worker pid %d " % pid in line
        assert "has worked on it for" in line and "ms so far" in line
        assert "(FcgiProcSlowRequestTimeout 500 ms)" in line
        assert ":warn]" in line, line
        body = read_all(s)
        assert b" 200 " in body.split(b"\r\n")[0], body[:100]
    finally:
        s.close()
    time.sleep(0.3)
    assert len(slow_lines(h)) == 1, slow_lines(h)   # not again at the end
    # counted for its class
    cls = [c for c in status(h)["classes"] if c["class"].startswith(h.htdocs)]
    assert [c["slow_requests"] for c in cls] == [1], cls


def test_slow_streamed_post_logged_once(make_httpd):
    # The body comes slowly and is streamed to the worker (not read
    # first): that time is the application's too.  One line, whichever
    # side sees the time pass.
    h = fcgp.server(make_httpd, SLOW + "FcgiProcMaxRequestInMem 0\n")
    h.start()
    h.get("/app.fcgi")

    def body():
        for _ in range(4):
            time.sleep(0.3)
            yield b"x" * 100
    r = h.post("/app.fcgi?echo=1", body=body(),
               headers={"Content-Length": "400"})
    assert r.status == 200 and r.body.startswith(b"len=400 "), r.body
    time.sleep(0.3)
    lines = slow_lines(h)
    assert len(lines) == 1 and "POST /app.fcgi: slow request" in lines[0], \
        lines


def test_slow_request_off_by_default(make_httpd):
    h = fcgp.server(make_httpd, STATUS)
    h.start()
    assert h.get("/app.fcgi?sleep=1200").status == 200
    assert slow_lines(h) == []
    cls = [c for c in status(h)["classes"] if c["class"].startswith(h.htdocs)]
    assert [c["slow_requests"] for c in cls] == [0]


def test_slow_request_timeout_checked_at_startup(make_httpd):
    h = fcgp.server(make_httpd, "FcgiProcSlowRequestTimeout soon\n")
    rc, out = h.config_test()
    assert rc != 0 and "FcgiProcSlowRequestTimeout" in out, out


# ---- the current request on the status page --------------------------------

def test_json_full_shows_the_current_request(make_httpd):
    h = fcgp.server(make_httpd, STATUS + "FcgiProcMaxProcessesPerClass 2\n")
    h.start()
    r = h.get("/app.fcgi?sleep=50")
    done_pid, _ = fcgp.app_pid(r.body)
    s = start_request(h, "/app.fcgi?sleep=3000&x=%3Cb%3E")
    try:
        deadline = time.monotonic() + 5
        while True:
            ws = app_workers(status(h, "json&full"), h)
            busy = [w for w in ws if w["state"] == "busy"]
            if busy and busy[0]["request_ms"] is not None \
                    and busy[0]["request_ms"] >= 300:
                break
            assert time.monotonic() < deadline, ws
            time.sleep(0.1)
        b = busy[0]
        assert b["pid"] == done_pid         # the warm one took it
        assert b["request_method"] == "GET"
        assert b["request_uri"] == "/app.fcgi?sleep=3000&x=%3Cb%3E"
        assert 300 <= b["request_ms"] < 3000
        assert b["last_request_ms"] is not None and \
            50 <= b["last_request_ms"] < 2000, b
        # plain ?json: the same page as before, without these keys
        plain = app_workers(status(h), h)
        assert all("request_uri" not in w for w in plain), plain
        body = read_all(s)
        assert b" 200 " in body.split(b"\r\n")[0]
    finally:
        s.close()
    ws = app_workers(status(h, "json&full"), h)
    w = [w for w in ws if w["pid"] == done_pid][0]
    assert w["state"] == "idle" and w["request_uri"] is None \
        and w["request_ms"] is None
    assert 3000 <= w["last_request_ms"] < 6000, w
