"""A worker that dies before answering: GET is retried once on another
worker; POST is never replayed."""
import os

import fcgp


def server_with_marks(make_httpd):
    h = fcgp.server(make_httpd)
    marks = h.make_dir("marks")
    h.start()
    h.get("/app.fcgi")      # a warm worker, so the retry is not a cold start
    return h, marks


def test_get_retried_once_on_another_worker(make_httpd):
    h, marks = server_with_marks(make_httpd)
    r = h.get("/app.fcgi?crash_once=" + os.path.join(marks, "g1"))
    assert r.status == 200, r.body
    retried = fcgp.tagged(h.error_log(), "FCGP02004")
    assert len(retried) == 1 and "retrying once" in retried[0], retried
    assert fcgp.tagged(h.error_log(), "FCGP02001") == []


def test_get_fails_after_one_retry(make_httpd):
    h, marks = server_with_marks(make_httpd)
    r = h.get("/app.fcgi?crash=1")
    assert r.status == 502
    assert len(fcgp.tagged(h.error_log(), "FCGP02004")) == 1
    failed = fcgp.tagged(h.error_log(), "FCGP02001")
    assert len(failed) == 1 and "Bad Gateway" in failed[0], failed
    assert h.get("/app.fcgi").status == 200


def test_post_is_never_replayed(make_httpd):
    h, marks = server_with_marks(make_httpd)
    r = h.post("/app.fcgi?echo=1&crash_once=" + os.path.join(marks, "p1"),
               body=b"payload")
    assert r.status == 502
    assert fcgp.tagged(h.error_log(), "FCGP02004") == []
    failed = fcgp.tagged(h.error_log(), "FCGP02001")
    assert len(failed) == 1 and "POST" in failed[0], failed
