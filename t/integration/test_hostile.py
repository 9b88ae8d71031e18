"""Hostile applications and hostile clients.

t/apps/fcgp-evil-app.c breaks the FastCGI protocol on purpose, chosen by
`?mode=`.  For each way of breaking it we check what a user would notice:
the HTTP status (or, once the headers are out, a response the client can
tell is broken), exactly one FCGP02001 line naming the URI, httpd's
children all alive, the misbehaving worker retired (the next request gets
another process), and the good test app at /app.fcgi unaffected.

Then clients that hang up in the middle of a big response: later requests
work and no worker is leaked (the status page's JSON).
"""
import http.client
import json
import os
import re
import socket
import subprocess
import threading
import time

import pytest

import fcgp
import httpd as H

EVIL_SRC = os.path.join(H.REPO_ROOT, "t", "apps", "fcgp-evil-app.c")
EVIL_APP = os.path.join(H.REPO_ROOT, "build", "apps", "fcgp-evil-app")
EVIL_URI = "/evil.evil"

CONF = """\
AddHandler fcgiproc-script .evil
FcgiProcIOTimeout 1
<Location /fcgiproc-status>
    SetHandler fcgiproc-status
</Location>
"""

# What the error log must never show, whatever the app does.
CRASH_RX = r"exit signal|Segmentation|AH00052|FCGP04001|FCGP03013"

# Failing modes: status the client gets, and words the FCGP02001 line must
# carry (the status text, and the cause where the module names it).
FAILURES = {
    "version": (502, ["Bad Gateway", "version"]),
    "reqid": (502, ["Bad Gateway", "request id"]),
    "truncated": (502, ["Bad Gateway"]),
    "trunc_content": (502, ["Bad Gateway"]),
    "longer": (502, ["Bad Gateway"]),
    "noblank": (502, ["Bad Gateway", "blank line"]),
    "bigline": (502, ["Bad Gateway", "blank line"]),
    "cant_mpx": (502, ["Bad Gateway", "CANT_MPX_CONN"]),
    "unknown_role": (502, ["Bad Gateway", "UNKNOWN_ROLE"]),
    "overloaded": (503, ["Service Unavailable", "OVERLOADED"]),
    "garbage": (502, ["Bad Gateway"]),
    "never": (504, ["Gateway Timeout", "FcgiProcIOTimeout"]),
}
# Headers (200) went out, then the app hung up: the client must see a
# broken response, and the log says 502.
BROKEN_STREAMS = {
    "midbody": ["Bad Gateway"],
    "midbody_cl": ["Bad Gateway"],
}
# A complete, valid answer (odd, or with junk after END_REQUEST): the
# client gets it and no failure is logged.  The worker stays in service,
# except the one that wrote after END_REQUEST (FCGP02005, retired).
ANSWERED = ("ok", "after_end", "manyheaders")

ALL_MODES = list(FAILURES) + list(BROKEN_STREAMS) + list(ANSWERED)


@pytest.fixture(scope="session")
def evil_app():
    if (not os.path.exists(EVIL_APP)
            or os.path.getmtime(EVIL_APP) < os.path.getmtime(EVIL_SRC)):
        p = subprocess.run(["make", "-C", H.REPO_ROOT, "-f", "t/apps/apps.mk",
                            "apps"], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=120)
        if p.returncode != 0:
            pytest.fail("building the apps failed:\n" + p.stdout)
    return EVIL_APP


def start(make_httpd, extra=""):
    h = fcgp.server(make_httpd, CONF + extra)
    h.install_app(EVIL_URI.lstrip("/"), src=EVIL_APP)
    h.start()
    return h


# ---------------------------------------------------------------- helpers

def evil_pid(r):
    assert r.status == 200, (r.status, r.body)
    m = re.search(rb"^ok\npid=(\d+)\n$", r.body)
    assert m, r.body
    return int(m.group(1))


def httpd_children(h):
    """pids of the main httpd's direct children running httpd itself (the
    MPM's children and the process manager; apps are the PM's children)."""
    main = h.pid()
    exe = os.path.realpath(H.APACHE_BIN)
    return sorted(p["pid"] for p in h.children()
                  if p["ppid"] == main and p["exe"] == exe)


def fetch(h, path, timeout=30):
    """GET with http.client; returns (status, headers, body, read_error)
    where read_error is the exception reading the body raised, if any."""
    conn = http.client.HTTPConnection("127.0.0.1", h.port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        body, err = b"", None
        try:
            body = resp.read()
        except http.client.IncompleteRead as e:
            body, err = e.partial, e
        except (http.client.HTTPException, OSError) as e:
            err = e
        return resp.status, resp.headers, body, err
    finally:
        conn.close()


def raw_get(h, path):
    """HTTP/1.0 GET on a raw socket (no header-count limit on our side):
    (status line, [header lines], body)."""
    data = h.raw(("GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" % path)
                 .encode(), timeout=30)
    head, sep, body = data.partition(b"\r\n\r\n")
    assert sep, data[:500]
    lines = head.split(b"\r\n")
    return lines[0], lines[1:], body


def failure_lines(h, since):
    return fcgp.tagged(h.error_log(since), "FCGP02001")


def wait_lines(h, tag, since, n=1, timeout=5):
    deadline = time.monotonic() + timeout
    while True:
        lines = fcgp.tagged(h.error_log(since), tag)
        if len(lines) >= n or time.monotonic() > deadline:
            return lines
        time.sleep(0.05)


def logged_pid(line):
    m = re.search(r"worker pid (\d+)", line)
    assert m, line
    return int(m.group(1))


def access_pid(h, needle, timeout=5):
    """httpd child pid that logged the request containing needle."""
    deadline = time.monotonic() + timeout
    while True:
        hits = [e for e in h.access_log_entries() if needle in e["request"]]
        if hits or time.monotonic() > deadline:
            assert hits, h.access_log()
            return hits[-1]["pid"]
        time.sleep(0.05)


def status_json(h):
    r = h.get("/fcgiproc-status?json")
    assert r.status == 200, r.body
    return json.loads(r.body)


def class_workers(st, name):
    return [w for w in st["workers"] if name in w["class"]]


def assert_no_crash(h):
    bad = [l for l in h.error_log().splitlines() if re.search(CRASH_RX, l)]
    assert not bad, bad


# ---------------------------------------------------------------- modes

@pytest.mark.parametrize("mode", ALL_MODES)
def test_hostile_app(make_httpd, evil_app, mode):
    h = start(make_httpd)
    good_pid, _ = fcgp.app_pid(h.get("/app.fcgi").body)
    worker = evil_pid(h.get(EVIL_URI + "?mode=ok"))
    children = httpd_children(h)
    assert len(children) >= 2, children      # the MPM's children + the PM
    mark = h.log_mark()

    t0 = time.monotonic()
    if mode == "manyheaders":
        status_line, headers, body = raw_get(h, EVIL_URI + "?mode=" + mode)
        status, read_error = int(status_line.split()[1]), None
    else:
        status, headers, body, read_error = fetch(h, EVIL_URI + "?mode=" + mode)
    elapsed = time.monotonic() - t0
    time.sleep(0.3)     # let any late log line arrive before counting

    failed = failure_lines(h, mark)
    if mode in FAILURES:
        want_status, words = FAILURES[mode]
        assert status == want_status, (status, body[:300])
        assert read_error is None, read_error   # a clean error page
        assert b"pid=" not in body, body[:300]  # nothing of the app's answer
        if want_status == 503:
            assert headers.get("Retry-After"), dict(headers)
        if mode == "never":
            assert elapsed < 4, elapsed
    elif mode in BROKEN_STREAMS:
        words = BROKEN_STREAMS[mode]
        # The status line was out before the app hung up; what follows must
        # not look like a complete response.
        assert status == 200, status
        assert isinstance(read_error, http.client.IncompleteRead), \
            (read_error, len(body))
        assert len(body) < 100000
        if mode == "midbody_cl":
            assert headers.get("Content-Length") == "100000"
        else:
            assert headers.get("Transfer-Encoding") == "chunked", dict(headers)
    else:
        words = None
        assert status == 200, (status, body[:300])
        if mode == "manyheaders":
            many = [l for l in headers if l.startswith(b"X-Many-")]
            assert len(many) == 10000, len(many)
            assert body == b"ok\n", body[:300]
        else:
            assert read_error is None, read_error
            assert body == b"ok\npid=%d\n" % worker, body

    # One log line for a failed request, naming it; none otherwise.  The
    # app sent bytes in every mode but `never`, so nothing may be replayed
    # on another worker (README: only a worker that fails "before sending
    # any byte of its answer" is retried).
    retried = fcgp.tagged(h.error_log(mark), "FCGP02004")
    if words is None:
        assert failed == [], failed
        assert retried == [], retried
    else:
        assert len(failed) == 1, failed
        line = failed[0]
        assert "GET " + EVIL_URI in line, line
        for w in words:
            assert w in line, (w, line)
        assert retried == [], "request replayed after the app answered " \
            "bytes: %s" % retried
        assert logged_pid(line) == worker, (line, worker)

    # The misbehaving worker is retired, by the process manager (not by a
    # crash), and the next request gets a new one; a well-behaved one stays.
    after = evil_pid(h.get(EVIL_URI + "?mode=ok"))
    if mode == "after_end":
        noted = fcgp.tagged(h.error_log(mark), "FCGP02005")
        assert len(noted) == 1 and "after END_REQUEST" in noted[0], noted
        assert after != worker, (after, worker)
        assert H.wait_pid_gone(worker, 5), worker
    elif words is None:
        assert after == worker, (after, worker)
        assert H.pid_alive(worker)
    else:
        assert after != worker, (after, worker)
        assert H.wait_pid_gone(worker, 5), worker
        exits = [l for l in wait_lines(h, "FCGP03010", mark)
                 if "worker pid %d " % worker in l]
        assert exits and "retired (" in exits[0], exits

    # httpd itself: the same children are alive (none crashed and was
    # replaced; the MPM may have added spares), and the one that served the
    # hostile request is among them.
    assert h.is_running()
    assert set(children) <= set(httpd_children(h)), \
        (httpd_children(h), children)
    assert access_pid(h, "mode=" + mode) in children
    assert_no_crash(h)

    # The good app never noticed.
    r = h.get("/app.fcgi")
    assert r.status == 200
    assert fcgp.app_pid(r.body)[0] == good_pid


def test_every_mode_in_a_row_on_one_server(make_httpd, evil_app):
    """All the abuse against one server and one class, one request after
    the other: every failing request is logged once, retired workers do not
    count as crashes (no rapid-failure pause), and afterwards both apps
    serve normally with the same httpd children."""
    h = start(make_httpd, "FcgiProcMaxProcessesPerClass 2\n")
    good_pid, _ = fcgp.app_pid(h.get("/app.fcgi").body)
    evil_pid(h.get(EVIL_URI + "?mode=ok"))
    children = httpd_children(h)
    mark = h.log_mark()
    seen = set()
    for _ in range(2):
        for mode in ALL_MODES:
            if mode == "manyheaders":
                raw_get(h, EVIL_URI + "?mode=" + mode)
            else:
                fetch(h, EVIL_URI + "?mode=" + mode)
            seen.add(evil_pid(h.get(EVIL_URI + "?mode=ok")))
    failing = len(FAILURES) + len(BROKEN_STREAMS)
    assert len(wait_lines(h, "FCGP02001", mark, 2 * failing)) == 2 * failing
    time.sleep(0.3)
    assert len(failure_lines(h, mark)) == 2 * failing
    assert len(seen) > failing          # new workers all along
    st = status_json(h)
    evil = class_workers(st, "evil.evil")
    assert 1 <= len(evil) <= 2, evil
    assert all(w["state"].startswith("idle") for w in evil), evil
    assert set(children) <= set(httpd_children(h))
    assert_no_crash(h)
    r = h.get("/app.fcgi")
    assert r.status == 200 and fcgp.app_pid(r.body)[0] == good_pid
    assert h.get("/hello.php").status == 200


# ---------------------------------------------------------------- clients

BIG = "/app.fcgi?size=50000000"


def abort_mid_response(h, read=64 * 1024):
    """Ask for 50 MB, read 64 KB of it, hang up."""
    s = socket.create_connection(("127.0.0.1", h.port), timeout=30)
    try:
        s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % BIG).encode())
        got = 0
        while got < read:
            c = s.recv(65536)
            assert c, "server closed after %d bytes" % got
            if got == 0:
                assert c.startswith(b"HTTP/1.1 200"), c[:100]
            got += len(c)
    finally:
        s.close()


def wait_idle(h, name, timeout=10):
    """Status JSON once every worker of the class is idle (none is left
    busy by a request whose client went away)."""
    deadline = time.monotonic() + timeout
    while True:
        st = status_json(h)
        ws = class_workers(st, name)
        if all(w["state"].startswith("idle") for w in ws) \
                or time.monotonic() > deadline:
            return st
        time.sleep(0.1)


def test_client_abort_mid_response_leaks_nothing(make_httpd, evil_app):
    h = start(make_httpd)
    assert h.get("/app.fcgi").status == 200
    base = class_workers(wait_idle(h, "app.fcgi"), "app.fcgi")
    assert len(base) == 1, base
    children = httpd_children(h)
    mark = h.log_mark()

    for _ in range(4):
        abort_mid_response(h)
        r = h.get("/app.fcgi")
        assert r.status == 200, r.body
    st = wait_idle(h, "app.fcgi")
    first = class_workers(st, "app.fcgi")
    assert all(w["state"].startswith("idle") for w in first), first
    # Sequential requests: one worker, at most one more if a request came
    # in before the aborted one's worker was released.
    assert len(first) <= 2, first

    # Several at once, then again: the count does not grow with aborts.
    threads = [threading.Thread(target=abort_mid_response, args=(h,))
               for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for _ in range(4):
        abort_mid_response(h)
        assert h.get("/app.fcgi").status == 200
    st = wait_idle(h, "app.fcgi")
    second = class_workers(st, "app.fcgi")
    assert all(w["state"].startswith("idle") for w in second), second
    assert len(second) <= 4, second    # at most the 3 concurrent + 1
    # What the PM counts is what runs: no orphaned app process.
    assert st["processes"] == len(st["workers"])
    live = sorted(p["pid"] for p in h.app_processes("app.fcgi"))
    assert live == sorted(w["pid"] for w in second), (live, second)
    # The workers that served aborted requests were kept, not killed: a
    # client hanging up is not the app's fault.
    assert not [e for e in st["recent_exits"] if "app.fcgi" in e["class"]], \
        st["recent_exits"]

    # httpd saw each of them as a connection aborted mid-response.
    deadline = time.monotonic() + 5
    while True:
        big = [e for e in h.access_log_entries()
               if "size=50000000" in e["request"]]
        if len(big) >= 11 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert len(big) == 11, big
    assert all(e["conn"] == "X" and e["bytes"] < 50000000 for e in big), big

    # An aborted client is not an application failure.
    assert failure_lines(h, mark) == []
    assert set(children) <= set(httpd_children(h))
    assert_no_crash(h)
    r = h.get(BIG.replace("50000000", "100000"))
    assert r.status == 200 and len(r.body) == 100000
    assert evil_pid(h.get(EVIL_URI + "?mode=ok"))
