"""Rapid-failure protection: an app that dies at start gets a fast 503,
other apps are unaffected, and it recovers by itself once fixed."""
import os
import shutil
import time

import fcgp
import httpd as H


def test_crashing_app_backs_off_and_recovers(make_httpd):
    h = fcgp.server(make_httpd)
    h.htdocs_file("broken.fcgi", "#!/bin/sh\nexit 3\n", 0o755)
    h.start()
    statuses = []
    for _ in range(6):
        statuses.append(h.get("/broken.fcgi").status)
    # each try kills workers (two when it meets one alive: one retry),
    # after 5 deaths, fast 503s
    assert set(statuses) <= {502, 503}, statuses
    assert 503 in statuses, statuses
    t0 = time.monotonic()
    r = h.get("/broken.fcgi")
    assert r.status == 503 and r.header("Retry-After")
    assert time.monotonic() - t0 < 0.5
    lines = fcgp.tagged(h.error_log(), "FCGP03013")
    assert len(lines) == 1 and "broken.fcgi" in lines[0], lines
    failed = fcgp.tagged(h.error_log(), "FCGP02001")
    assert any("keeps dying" in l for l in failed), failed[-3:]
    # Another application is not affected.
    assert h.get("/app.fcgi").status == 200
    # Fix the app (same path, same class): served again after the pause.
    tmp = os.path.join(h.htdocs, "broken.new")
    shutil.copyfile(H.TEST_APP, tmp)
    os.chmod(tmp, 0o755)
    os.rename(tmp, os.path.join(h.htdocs, "broken.fcgi"))
    deadline = time.monotonic() + 10
    while True:
        r = h.get("/broken.fcgi")
        if r.status == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.25)
    assert r.status == 200, r.status
    assert r.body.startswith(b"pid=")
