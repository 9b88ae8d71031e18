"""Request bodies: a small one is read before a worker is taken (a slow
client holds none), a chunked one too large for memory is spooled to
FcgiProcSpoolDir (private, removed after the request), and a chunked one
over LimitRequestBody gets 413 naming it."""
import http.client
import os
import pwd
import socket
import stat
import threading
import time

import pytest

import fcgp
import httpd as H


def connect(h, timeout=30):
    return socket.create_connection(("127.0.0.1", h.port), timeout=timeout)


def post_head(path, length=None):
    """Request head of a POST; chunked when length is None."""
    size = ("Transfer-Encoding: chunked" if length is None
            else "Content-Length: %d" % length)
    return ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n"
            "Connection: close\r\n\r\n" % (path, size)).encode()


def read_response(s):
    """(status, body) of the response on s."""
    resp = http.client.HTTPResponse(s)
    resp.begin()
    return resp.status, resp.read()


def echo_of(data):
    return ("len=%d fnv=%s\n" % (len(data), fcgp.fnv1a64(data))).encode()


def slow_post(h, path, body, interval, out):
    """POST body one byte every interval seconds; appends (status, body)."""
    with connect(h) as s:
        s.sendall(post_head(path, len(body)))
        for i in range(len(body)):
            time.sleep(interval)
            s.sendall(body[i:i + 1])
        out.append(read_response(s))


def test_slow_small_uploads_do_not_hold_the_workers(make_httpd):
    # Two workers, four clients each sending a small body at 1 byte/s:
    # before, each took a worker for its whole upload, and everyone else
    # waited in line (here: 503 after FcgiProcQueueTimeout).
    h = fcgp.server(make_httpd, "FcgiProcMaxProcessesPerClass 2\n"
                                "FcgiProcQueueTimeout 2\n")
    h.start()
    assert h.get("/app.fcgi").status == 200
    body = b"slowbody"          # 8 bytes: about 8 s each
    slow, threads = [], []
    for _ in range(4):
        t = threading.Thread(target=slow_post,
                             args=(h, "/app.fcgi?echo=1", body, 1.0, slow))
        t.start()
        threads.append(t)
    time.sleep(1.5)             # every slow client is under way
    t0 = time.monotonic()
    for i in range(20):
        if i % 2:
            r = h.post("/app.fcgi?echo=1", body=b"quick %d" % i, timeout=10)
            assert r.body == echo_of(b"quick %d" % i), r.body
        else:
            r = h.get("/app.fcgi", timeout=10)
        assert r.status == 200, (i, r.status, r.body)
        assert r.elapsed < 1.5, (i, r.elapsed)
    took = time.monotonic() - t0
    assert all(t.is_alive() for t in threads), "slow clients done already"
    assert took < 5, took
    for t in threads:
        t.join(timeout=20)
    assert slow == [(200, echo_of(body))] * 4, slow


def test_small_body_arrives_whole_and_slow_client_time_is_not_busy_time(
        make_httpd):
    # A small body sent in four pieces over 3 s reaches the app whole, and
    # the worker's FcgiProcBusyTimeout (2 s) starts only once it is in
    # (before, the client's 3 s counted: 504, and the worker was killed).
    h = fcgp.server(make_httpd, "FcgiProcMaxProcessesPerClass 1\n"
                                "FcgiProcBusyTimeout 2\n")
    h.start()
    data = os.urandom(3000)
    with connect(h) as s:
        s.sendall(post_head("/app.fcgi?echo=1", len(data)))
        for i in range(0, 3000, 750):
            s.sendall(data[i:i + 750])
            time.sleep(1.0)
        status, got = read_response(s)
    assert (status, got) == (200, echo_of(data))
    # the same, chunked, and at once
    r = h.post("/app.fcgi?echo=1", body=iter([data[:1000], data[1000:]]))
    assert (r.status, r.body) == (200, echo_of(data))
    r = h.post("/app.fcgi?echo=1", body=data)
    assert (r.status, r.body) == (200, echo_of(data))
    assert fcgp.tagged(h.error_log(), "FCGP02001") == []


def test_chunked_body_over_limit_request_body_gets_413_naming_it(make_httpd):
    h = fcgp.server(make_httpd, "LimitRequestBody 100000\n")
    h.start()
    r = h.post("/app.fcgi?echo=1", body=iter([b"y" * 50000] * 4))
    assert r.status == 413
    h.wait_for_log(r"FCGP02001: Request Entity Too Large: POST /app.fcgi\b"
                   r".* exceeds LimitRequestBody 100000 .*see LimitRequestBody")
    # a Content-Length over it: refused before a byte is read
    mark = h.log_mark()
    r = h.post("/app.fcgi?echo=1", body=b"z" * 150000)
    assert r.status == 413
    lines = [l for l in fcgp.tagged(h.error_log(mark), "FCGP02001")
             if "LimitRequestBody" in l]
    assert lines and "150000 bytes" in lines[0], h.error_log(mark)
    # under it is fine
    assert h.post("/app.fcgi?echo=1", body=b"x" * 90000).status == 200


def test_large_chunked_body_is_spooled_privately_in_spool_dir(make_httpd):
    h = fcgp.server(make_httpd, "FcgiProcSpoolDir @ROOT@/spool\n"
                                "FcgiProcMaxRequestInMem 1K\n")
    spool = h.make_dir("spool", owner=H.RUN_USER, mode=0o700)
    h.start()
    part = os.urandom(4000)
    with connect(h) as s:
        s.sendall(post_head("/app.fcgi?echo=1"))
        s.sendall(b"%x\r\n%s\r\n" % (len(part), part))
        deadline = time.monotonic() + 5
        while not os.listdir(spool):
            assert time.monotonic() < deadline, "no spool file"
            time.sleep(0.05)
        names = os.listdir(spool)
        assert len(names) == 1 and names[0].startswith("fcgiproc-body."), names
        st = os.stat(os.path.join(spool, names[0]))
        assert stat.S_IMODE(st.st_mode) == 0o600, oct(st.st_mode)
        assert st.st_uid == pwd.getpwnam(H.RUN_USER).pw_uid
        s.sendall(b"%x\r\n%s\r\n0\r\n\r\n" % (len(part), part))
        status, got = read_response(s)
    assert (status, got) == (200, echo_of(part + part))
    deadline = time.monotonic() + 5
    while os.listdir(spool):
        assert time.monotonic() < deadline, os.listdir(spool)
        time.sleep(0.05)


@pytest.mark.parametrize("what", ["missing", "file", "not_writable"])
def test_bad_spool_dir_fails_startup_with_name_and_line(make_httpd, what):
    h = make_httpd(extra_conf=fcgp.BASE_CONF
                   + "FcgiProcSpoolDir @ROOT@/spool\n")
    path = os.path.join(h.root, "spool")
    if what == "file":
        h.write_file(path, "not a directory")
    elif what == "not_writable":
        os.mkdir(path, 0o755)        # root's; www-data may not write
    with pytest.raises(H.HttpdStartError):
        h.start(timeout=10)
    # the directive, where it was set, and the directory
    m = h.wait_for_log(r"FCGP01005: FcgiProcSpoolDir \((\S+):(\d+)\): (\S+) ",
                       timeout=1)
    assert m.group(1) == h.conf_file and int(m.group(2)) > 0, m.group(0)
    assert m.group(3) == path, m.group(0)
