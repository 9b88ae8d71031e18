"""The status page: what the PM knows, as HTML and as JSON."""
import json

import fcgp

STATUS_CONF = """\
FcgiProcInitialEnv PHP_FCGI_MAX_REQUESTS 3
<Location /fcgiproc-status>
    SetHandler fcgiproc-status
</Location>
"""


def test_status_json_shows_workers_limits_and_exits(make_httpd):
    h = fcgp.server(make_httpd, STATUS_CONF)
    h.start()
    pids = []
    for _ in range(4):
        r = h.get("/hello.php")
        assert r.status == 200
        pids.append(int(r.body.split()[-1]))
    # php-cgi's child exits after PHP_FCGI_MAX_REQUESTS 3, and its parent
    # forks the next one
    assert len(set(pids)) == 2 and pids[0] == pids[2] != pids[3], pids
    app_pids = set()
    for _ in range(4):
        r = h.get("/app.fcgi")
        app_pid, _ = fcgp.app_pid(r.body)
        app_pids.add(app_pid)
    assert len(app_pids) == 2      # retired after 3 (the limit applies to all)
    # The retired worker's exit is the PM's to record when it reaps it,
    # which may come after our next request: its log line is written after
    # the record, by the same single-threaded PM that answers the status.
    h.wait_for_log(r"FCGP03010: worker pid \d+ of \S*app\.fcgi\b.* after 3 "
                   r"requests .*retired \(request limit\)", timeout=5)

    r = h.get("/fcgiproc-status?json")
    assert r.status == 200
    assert r.header("Content-Type") == "application/json"
    st = json.loads(r.body)
    workers = {w["pid"]: w for w in st["workers"]}
    assert app_pid in workers
    w = workers[app_pid]
    assert w["requests"] == 1 and w["state"] == "idle"
    assert w["limit"] == 3 and "PHP_FCGI_MAX_REQUESTS" in w["limit_source"]
    php = [w for w in st["workers"] if "php-cgi" in w["class"]]
    # the child that serves, its parent, and the child before it
    assert len(php) == 1 and php[0]["pid"] == pids[3], php
    assert php[0]["requests"] == 1 and php[0]["renewals"] == 1, php
    assert php[0]["parent_pid"] not in (0, pids[3]), php
    with open("/proc/%d/stat" % pids[3]) as f:
        assert int(f.read().rsplit(")", 1)[1].split()[1]) == php[0]["parent_pid"]
    exits = st["recent_exits"]
    assert any(e["reason"] == "retired (request limit)" and e["requests"] == 3
               for e in exits), exits
    assert st["processes"] == len(st["workers"])
    classes = {c["class"]: c for c in st["classes"]}
    assert any("php-cgi" in k for k in classes)


def test_status_html(make_httpd):
    h = fcgp.server(make_httpd, STATUS_CONF)
    h.start()
    h.get("/app.fcgi")
    r = h.get("/fcgiproc-status")
    assert r.status == 200
    assert r.header("Content-Type").startswith("text/html")
    assert b"<h2>Workers</h2>" in r.body and b"app.fcgi" in r.body
