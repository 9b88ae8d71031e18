"""Limits and failures: each gives its own status and one log line that
names the directive to change; misconfiguration stops httpd at startup
with the directive and file:line."""
import itertools
import json
import threading
import time

import pytest

import fcgp
import httpd as H


def wait_for_log(h, tag, needle="", timeout=5):
    deadline = time.time() + timeout
    while True:
        lines = [l for l in fcgp.tagged(h.error_log(), tag) if needle in l]
        if lines or time.time() > deadline:
            return lines
        time.sleep(0.05)


def test_413_from_content_length_before_reading(make_httpd):
    h = fcgp.server(make_httpd, "FcgiProcMaxRequestLen 1K\n")
    h.start()
    r = h.post("/app.fcgi?echo=1", body=b"x" * 5000)
    assert r.status == 413
    lines = wait_for_log(h, "FCGP02001", "FcgiProcMaxRequestLen")
    assert lines and "5000 bytes" in lines[0] and "/app.fcgi" in lines[0]
    # Refused before a worker was asked for: no app process started.
    assert h.app_processes("app.fcgi") == []
    # Under the limit is fine.
    assert h.post("/app.fcgi?echo=1", body=b"x" * 1000).status == 200


def test_413_for_chunked_body_over_limit(make_httpd):
    h = fcgp.server(make_httpd, "FcgiProcMaxRequestLen 64K\n")
    h.start()
    r = h.post("/app.fcgi?echo=1", body=iter([b"y" * 50000] * 4))
    assert r.status == 413
    assert wait_for_log(h, "FCGP02001", "(so far) exceeds FcgiProcMaxRequestLen")


def get_while_busy(h, busy_path, path):
    """GET path while busy_path holds a worker (started 0.5 s before):
    (the busy request's response, this one's, seconds this one took)."""
    slow = []
    t = threading.Thread(target=lambda: slow.append(
        h.get(busy_path, timeout=30)))
    t.start()
    time.sleep(0.5)
    t0 = time.monotonic()
    r = h.get(path)
    waited = time.monotonic() - t0
    t.join()
    return slow[0], r, waited


@pytest.mark.parametrize("limit,path,cause", [
    # One line (the class's, in the worker table), two causes, each with
    # its own 503 text.  The class is at its maximum:
    ("FcgiProcMaxProcessesPerClass 1", "/app.fcgi", "FcgiProcQueueTimeout"),
    # The server is at its maximum and this class has no worker at all:
    ("FcgiProcMaxProcesses 1", "/hello.php", "server-wide process limit"),
], ids=["class-at-its-maximum", "server-at-its-maximum"])
def test_503_after_queue_timeout_with_retry_after(make_httpd, limit, path,
                                                  cause):
    h = fcgp.server(make_httpd, limit + "\nFcgiProcQueueTimeout 500ms\n")
    h.start()
    slow, r, waited = get_while_busy(h, "/app.fcgi?sleep=2000", path)
    assert slow.status == 200
    assert r.status == 503
    assert r.header("Retry-After")
    assert 0.4 < waited < 2.5, waited
    lines = wait_for_log(h, "FCGP02001", cause)
    assert lines, h.error_log()
    assert limit in lines[0]


def test_waiting_request_is_served_when_a_worker_frees(make_httpd):
    # One worker, queue timeout long: the second request waits for the
    # first (no 1 s polling: it is answered right after the first ends).
    h = fcgp.server(make_httpd, "FcgiProcMaxProcessesPerClass 1\n")
    h.start()
    h.get("/app.fcgi")   # start the worker
    out = {}

    def slow():
        out["slow"] = h.get("/app.fcgi?sleep=1000")
        out["slow_end"] = time.monotonic()
    t = threading.Thread(target=slow)
    t.start()
    time.sleep(0.3)
    r = h.get("/app.fcgi")
    end = time.monotonic()
    t.join()
    assert out["slow"].status == 200 and r.status == 200
    assert end - out["slow_end"] < 0.3


def test_504_on_io_timeout_and_worker_killed(make_httpd):
    h = fcgp.server(make_httpd, "FcgiProcIOTimeout 1\n")
    h.start()
    t0 = time.monotonic()
    r = h.get("/app.fcgi?sleep=5000", timeout=30)
    assert r.status == 504
    assert time.monotonic() - t0 < 4
    assert wait_for_log(h, "FCGP02001", "FcgiProcIOTimeout")
    # The stuck worker is not reused: the next request gets a new one.
    r2 = h.get("/app.fcgi")
    assert r2.status == 200


def test_504_on_busy_timeout(make_httpd):
    h = fcgp.server(make_httpd, "FcgiProcBusyTimeout 1\n")
    h.start()
    r = h.get("/app.fcgi?sleep=3000", timeout=30)
    # nothing came before the deadline: a clean 504
    assert r.status == 504, r.body
    assert wait_for_log(h, "FCGP02001", "FcgiProcBusyTimeout")


def test_app_crash_mid_request_is_502(make_httpd):
    h = fcgp.server(make_httpd)
    h.start()
    # The app reads the request, then exits before answering anything.
    t0 = time.monotonic()
    r = h.get("/app.fcgi?crash=1", timeout=30)
    assert r.status == 502, r.status
    assert time.monotonic() - t0 < 3
    # the line names the cause, not just the status
    assert wait_for_log(h, "FCGP02001", "/app.fcgi: the application closed "
                                        "the connection before finishing")
    assert wait_for_log(h, "FCGP03010", "exit status 3")
    # The server keeps serving.
    assert h.get("/app.fcgi").status == 200


def test_app_that_exits_at_start_fails_fast(make_httpd):
    h = fcgp.server(make_httpd)
    h.start()
    # An "app" that exits at once, before it accepts anything.  Whether
    # the request meets its worker's socket still open (502: reset), gone
    # (502: refused) or the class paused by five deaths first (503) is a
    # race of milliseconds (CI under ASan saw each); either way it is fast
    # and one line says which.
    h.htdocs_file("die.fcgi", "#!/bin/sh\nexit 3\n", 0o755)
    t0 = time.monotonic()
    r = h.get("/die.fcgi", timeout=30)
    assert r.status in (502, 503), r.status
    assert time.monotonic() - t0 < 3
    causes = {502: ("the application closed the connection before finishing",
                    "cannot connect to the application's socket"),
              503: ("the application keeps crashing; spawning is paused",)}
    lines = wait_for_log(h, "FCGP02001", "GET /die.fcgi: ")
    assert len(lines) == 1 and any("/die.fcgi: " + c in lines[0]
                                   for c in causes[r.status]), \
        h.error_log_tail(10)
    assert wait_for_log(h, "FCGP03010", "exit status 3")
    # The server keeps serving other apps.
    assert h.get("/app.fcgi").status == 200


@pytest.mark.parametrize("directive,value,needle", [
    ("FcgiProcMaxProcessesPerClass", "0", "out of range"),
    ("FcgiProcMaxProcessesPerClass", "lots", "not a whole number"),
    ("FcgiProcIOTimeout", "soon", "not a time"),
    ("FcgiProcMaxRequestLen", "12Q", "not a size"),
    ("FcgiProcWrapper", "/no/such/php-cgi .php", "does not exist"),
    ("FcgiProcWrapper", "php-cgi .php", "absolute path"),
    ("FcgiProcWrapper", "/usr/bin/php-cgi php", "must start with a dot"),
])
def test_bad_directive_fails_startup_with_name_and_line(make_httpd, directive,
                                                         value, needle):
    h = make_httpd(extra_conf="# line marker\n%s %s\n" % (directive, value))
    rc, out = h.config_test()
    assert rc != 0
    assert directive in out and needle in out, out
    assert "line" in out and h.conf_file in out, out


def test_global_directive_in_vhost_is_rejected(make_httpd):
    h = make_httpd(extra_conf="<VirtualHost 127.0.0.1:@PORT@>\n"
                              "FcgiProcMaxProcesses 10\n</VirtualHost>\n")
    rc, out = h.config_test()
    assert rc != 0 and "FcgiProcMaxProcesses" in out, out


def test_min_above_max_fails_startup(make_httpd):
    h = fcgp.server(make_httpd, "FcgiProcMinProcessesPerClass 5\n"
                                "FcgiProcMaxProcessesPerClass 2\n")
    with pytest.raises(H.HttpdStartError):
        h.start(timeout=10)
    assert "FcgiProcMinProcessesPerClass 5 is above" in h.error_log()


def test_php_fcgi_children_above_the_class_maximum_warns(make_httpd):
    # a pool of 4 children in a class that may serve 2 requests at once
    h = fcgp.server(make_httpd, "FcgiProcInitialEnv PHP_FCGI_CHILDREN 4\n"
                                "FcgiProcMaxProcessesPerClass 2\n")
    h.start()
    lines = fcgp.tagged(h.error_log(), "FCGP01001")
    assert lines and "only take memory" in lines[0], lines
    assert "FcgiProcMaxProcessesPerClass 2" in lines[0]
    assert h.get("/hello.php").status == 200


def test_php_fcgi_children_within_the_class_maximum_is_quiet(make_httpd):
    h = fcgp.server(make_httpd, "FcgiProcInitialEnv PHP_FCGI_CHILDREN 4\n")
    h.start()
    assert h.get("/hello.php").status == 200
    assert not fcgp.tagged(h.error_log(), "FCGP01001")


def test_app_environment_is_initial_env_only(make_httpd):
    h = fcgp.server(make_httpd, "FcgiProcInitialEnv FOO_SETTING bar\n")
    h.write_php("penv.php", "<?php header('Content-Type: text/plain');"
                            "echo getenv('FOO_SETTING'), '|', getenv('HOME') ?: '-',"
                            " '|', getenv('PATH');")
    h.start()
    r = h.get("/penv.php")
    assert r.status == 200
    foo, home, path = r.text.split("|")
    assert foo == "bar"
    assert home == "-"
    assert path.startswith("/usr/local/sbin:")


def test_htaccess_wrapper_that_does_not_exist(make_httpd):
    h = make_httpd(extra_conf="""\
AddHandler fcgiproc-script .php
<Directory "@HTDOCS@/sub">
    Options +ExecCGI
    AllowOverride FileInfo
</Directory>
""")
    h.htdocs_file("sub/.htaccess", "FcgiProcWrapper /no/such/php-cgi .php\n")
    h.write_php("sub/x.php", "<?php echo 1;")
    h.start()
    r = h.get("/sub/x.php")
    assert r.status == 500
    log = h.error_log()
    assert ".htaccess" in log and "FcgiProcWrapper" in log
    assert "/no/such/php-cgi does not exist" in log


def test_unusable_ipc_dir_fails_startup_with_its_name(make_httpd):
    h = make_httpd(extra_conf=fcgp.BASE_CONF
                   + "FcgiProcIPCDir @ROOT@/htdocs/file/sub\n")
    h.htdocs_file("file", "not a directory\n")
    with pytest.raises(H.HttpdStartError):
        h.start(timeout=10)
    lines = fcgp.tagged(h.error_log(), "FCGP04006")
    assert lines and "FcgiProcIPCDir" in lines[0] and "file/sub" in lines[0], \
        h.error_log()[-2000:]


@pytest.mark.parametrize("conf,want,want_c", [
    ("", 10000, 0),                                 # our default for php-cgi
    ("FcgiProcMaxRequestsPerProcess 5\n", 5, 5),    # ours, told to php-cgi
    # the admin's, in every app's environment (a wrapper may pass it on)
    ("FcgiProcInitialEnv PHP_FCGI_MAX_REQUESTS 4\n", 4, 4),
    # the app's own limit, declared: php-cgi is told that one
    ("FcgiProcAppMaxRequests 6\n", 6, 6),
])
def test_php_cgi_is_told_the_limit_it_is_retired_at(make_httpd, conf, want,
                                                    want_c):
    # php-cgi's own default (500) would restart it twenty times as often as
    # ours; whatever the limit, php-cgi and we agree on it, so each of its
    # children serves exactly that many requests (then its parent forks the
    # next, and we renew the worker), and the worker never exits on its own.
    h = fcgp.server(make_httpd, conf + """\
<Location /fcgiproc-status>
    SetHandler fcgiproc-status
</Location>
""")
    h.write_php("env.php", "<?php echo getenv('PHP_FCGI_MAX_REQUESTS'), ' ', getmypid();")
    h.start()
    pids = []
    for _ in range(12 if want < 10 else 3):
        r = h.get("/env.php")
        assert r.status == 200, r.body
        value, pid = r.body.split()
        assert int(value) == want
        pids.append(int(pid))
    assert h.get("/app.fcgi").status == 200
    st = json.loads(h.get("/fcgiproc-status?json").body)
    limits = {("php" if "php-cgi" in w["class"] else "c"): w["limit"]
              for w in st["workers"]}
    assert limits == {"php": want, "c": want_c}
    if want < 10:
        # served in runs of exactly `want` per process, then retired by us
        runs = [len(list(g)) for _, g in itertools.groupby(pids)]
        assert runs[:-1] == [want] * (len(runs) - 1), pids
        php = [w for w in st["workers"] if "php-cgi" in w["class"]]
        # renewed after each child's last request, the last one's too
        assert len(php) == 1, php
        assert php[0]["renewals"] == sum(1 for n in runs if n == want), php
        assert st["recent_exits"] == [], st["recent_exits"]
