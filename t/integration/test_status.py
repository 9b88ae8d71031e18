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
    pids = set()
    for _ in range(4):
        r = h.get("/hello.php")
        assert r.status == 200
        pids.add(int(r.body.split()[-1]))
    assert len(pids) == 2          # retired after PHP_FCGI_MAX_REQUESTS 3
    r = h.get("/app.fcgi")
    app_pid, _ = fcgp.app_pid(r.body)

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
    assert php and php[0]["requests"] == 1
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
