"""External servers (FcgiProcExternalServer, mod_fastcgi's
FastCgiExternalServer): FastCGI applications someone else runs, reached
over TCP (IPv4, IPv6) or a unix socket, with real applications: a private
php-fpm pool, spawn-fcgi running the C test app, a Python app under uwsgi
in FastCGI mode (extapps.py).

What a user would notice: the request reaches the application with the
CGI variables it expects (PATH_INFO, SCRIPT_NAME, the body), whichever of
the FAQ's two ways the virtual path is mapped; a backend that is down
costs a 503 with Retry-After and one log line naming it, not a hang; with
several backends a dead one is skipped and nothing is lost; a slow one is
a 504; a broken answer a 502; a safe request whose backend died before
answering goes to the next backend.
"""
import os
import signal
import socket
import threading
import time

import pytest

import httpd as H
import extapps as X
from fcgp import app_pid, tagged

pytestmark = pytest.mark.skipif(not X.have(X.SPAWN_FCGI),
                                reason="spawn-fcgi is not installed")


@pytest.fixture
def apps(tmp_path):
    """Start external apps (stopped at teardown, before httpd is)."""
    started = []

    def start(app):
        started.append(app)
        return app.start()

    start.base = str(tmp_path)
    os.chmod(str(tmp_path), 0o755)
    yield start
    for a in reversed(started):
        a.stop()


def as_fastcgi(make_httpd, extra, **kw):
    return make_httpd(fcgiproc=False,
                      modules=list(kw.pop("modules", []))
                      + [("fastcgi", H.MODULE_PATH)],
                      extra_conf=extra, **kw)


def spawn_tcp(apps, name="spawn", host="127.0.0.1"):
    port = X.free_port6() if ":" in host else H.free_port()
    return apps(X.SpawnFcgi(apps.base, tcp=(host, port), name=name))


# ---------------------------------------------------------------- the FAQ

def test_faq_path_inside_the_document_root(make_httpd, apps, test_app):
    """FAQ, "What is the path used with FastCGIExternalServer?", way 1: a
    virtual path inside the document root (no such file)."""
    app = spawn_tcp(apps)
    h = as_fastcgi(make_httpd, """\
FastCgiExternalServer @HTDOCS@/extprog -host %s
""" % app.address)
    h.start()
    r = h.get("/extprog")
    assert r.status == 200, r
    pid, _ = app_pid(r.body)
    assert pid == app.proc.pid                  # the one spawn-fcgi runs
    r = h.get("/extprog/a/b?env=PATH_INFO")
    assert (r.status, r.body) == (200, b"PATH_INFO=/a/b\n")
    r = h.get("/extprog/a/b?env=SCRIPT_NAME")
    assert r.body == b"SCRIPT_NAME=/extprog\n"
    assert not os.path.exists(os.path.join(h.htdocs, "extprog"))


def test_faq_segregated_path_with_alias(make_httpd, apps, test_app):
    """Way 2: a virtual hierarchy that does not exist at all, mapped with
    Alias.  httpd stops its walk at the first missing directory; the
    request is split again at the server's path."""
    app = spawn_tcp(apps)
    h = as_fastcgi(make_httpd, """\
FastCGIExternalServer @ROOT@/fastcgiext/extprog -host %s
Alias /extprog @ROOT@/fastcgiext/extprog
<Location /extprog>
    Require all granted
</Location>
""" % app.address)
    h.start()
    assert not os.path.exists(os.path.join(h.root, "fastcgiext"))
    r = h.get("/extprog")
    assert r.status == 200, r
    r = h.get("/extprog/x/y?env=PATH_INFO")
    assert (r.status, r.body) == (200, b"PATH_INFO=/x/y\n")
    r = h.get("/extprog/x/y?env=SCRIPT_NAME")
    assert r.body == b"SCRIPT_NAME=/extprog\n"
    r = h.get("/extprog?env=SCRIPT_FILENAME")
    assert r.body == ("SCRIPT_FILENAME=%s/fastcgiext/extprog\n"
                      % h.root).encode()


def test_post_body_reaches_the_app(make_httpd, apps, test_app):
    app = spawn_tcp(apps)
    h = make_httpd(extra_conf="""\
FcgiProcExternalServer @HTDOCS@/ext -host %s
""" % app.address)
    h.start()
    body = os.urandom(300000)
    r = h.post("/ext?echo=1", body=body)
    assert r.status == 200
    assert r.body == ("len=%d fnv=%s\n" % (len(body),
                                           H.fnv1a64(body))).encode()


# ------------------------------------------------- TCP v4, v6, unix sockets

@pytest.mark.parametrize("how", ["ipv4", "ipv6", "unix-absolute",
                                 "unix-relative"])
def test_spawn_fcgi_over_each_transport(make_httpd, apps, test_app, how):
    if how == "ipv6" and not X.ipv6_loopback():
        pytest.skip("no IPv6 loopback here")
    extra = ""
    if how == "ipv4":
        app = spawn_tcp(apps)
        where = "-host " + app.address
    elif how == "ipv6":
        app = spawn_tcp(apps, host="::1")
        assert app.address.startswith("[::1]:")
        where = "-host " + app.address
    else:
        sockdir = X.private_dir(apps.base, "sockets")
        app = apps(X.SpawnFcgi(apps.base,
                               unix=os.path.join(sockdir, "app.sock")))
        if how == "unix-absolute":
            where = "-socket " + app.address
        else:
            # relative to FastCgiIpcDir, as mod_fastcgi; ours must be 0700
            # and the httpd User's, so the app's socket is made there
            extra = "FastCgiIpcDir %s\n" % sockdir
            os.chmod(sockdir, 0o700)
            H._chown(sockdir, H.RUN_USER)
            where = "-socket app.sock"
    h = as_fastcgi(make_httpd, extra + """\
FastCgiExternalServer @HTDOCS@/ext %s
""" % where)
    h.start()
    for _ in range(3):
        r = h.get("/ext")
        assert r.status == 200, (r, h.error_log_tail(10))
        assert app_pid(r.body)[0] == app.proc.pid
    assert not tagged(h.error_log(), "FCGP02001")


def test_php_fpm_pool_with_action_as_debian_did(make_httpd, apps, test_app):
    """The php-fpm setup Debian's wiki gave for mod_fastcgi: Action to a
    virtual path that is an external server on php-fpm's socket;
    -pass-header Authorization."""
    if not X.have(X.PHP_FPM):
        pytest.skip("php-fpm is not installed")
    fpm = apps(X.PhpFpm(apps.base, listen=os.path.join(
        X.private_dir(apps.base, "fpm-run"), "php-fpm.sock")))
    h = as_fastcgi(make_httpd, """\
AddHandler php-script .php
Action php-script /php-fpm.ext
Alias /php-fpm.ext @ROOT@/cgi-bin/php-fpm.ext
FastCgiExternalServer @ROOT@/cgi-bin/php-fpm.ext -socket %s -pass-header Authorization
<Directory "@ROOT@/cgi-bin">
    Require all granted
</Directory>
""" % fpm.address, modules=["actions"])
    h.make_dir("cgi-bin", owner=None)
    h.write_php("hello.php", "<?php echo 'php-fpm says ', 6 * 7, ' pid ', "
                "getmypid(), ' auth ', $_SERVER['HTTP_AUTHORIZATION'] ?? '-', "
                "\"\\n\";")
    h.start()
    r = h.get("/hello.php", headers={"Authorization": "Basic Zm9vOmJhcg=="})
    assert r.status == 200, (r, h.error_log_tail(10), fpm.log_text())
    assert r.body.startswith(b"php-fpm says 42 pid ")
    assert b"auth Basic Zm9vOmJhcg==" in r.body
    pid = int(r.body.split()[4])
    assert pid in fpm.pids()


def test_python_app_under_uwsgi(make_httpd, apps, test_app):
    if not X.have(X.UWSGI):
        pytest.skip("uwsgi is not installed")
    app = apps(X.Uwsgi(apps.base, H.free_port(), """\
import os
def application(env, start_response):
    body = env.get('wsgi.input').read() if env.get('CONTENT_LENGTH') else b''
    start_response('200 OK', [('Content-Type', 'text/plain'),
                              ('X-Pid', str(os.getpid()))])
    return [b'uwsgi path=' + env.get('PATH_INFO', '').encode()
            + b' len=' + str(len(body)).encode() + b'\\n']
"""))
    h = make_httpd(extra_conf="""\
FcgiProcExternalServer @HTDOCS@/py -host %s
""" % app.address)
    h.start()
    r = h.get("/py/hello")
    assert r.status == 200, (r, app.log_text())
    assert r.body == b"uwsgi path=/hello len=0\n"
    assert int(r.header("X-Pid")) in app.pids()
    r = h.post("/py/x", body=b"z" * 5000)
    assert r.body == b"uwsgi path=/x len=5000\n"


# ------------------------------------------------------------- failures

def test_backend_down_is_a_503_with_one_line_naming_it(make_httpd, apps,
                                                       test_app):
    port = H.free_port()                # nobody listens there
    h = make_httpd(extra_conf="""\
FcgiProcExternalServer @HTDOCS@/ext -host 127.0.0.1:%d
""" % port)
    h.start()
    mark = h.log_mark()
    t0 = time.monotonic()
    r = h.get("/ext")
    assert time.monotonic() - t0 < 3
    assert r.status == 503
    assert r.header("Retry-After")
    lines = tagged(h.error_log(mark), "FCGP02001")
    assert len(lines) == 1, lines
    assert "127.0.0.1:%d" % port in lines[0]
    assert "FcgiProcExternalServer" in lines[0]
    skipped = tagged(h.error_log(mark), "FCGP02090")
    assert len(skipped) == 1 and "127.0.0.1:%d" % port in skipped[0]
    # within the next seconds: skipped, still a 503 naming it, no new
    # FCGP02090 from this child
    r = h.get("/ext")
    assert r.status == 503 and int(r.header("Retry-After")) <= 5


def test_slow_backend_is_a_504(make_httpd, apps, test_app):
    app = spawn_tcp(apps)
    h = make_httpd(extra_conf="""\
FcgiProcExternalServer @HTDOCS@/ext -host %s -idle-timeout 1
""" % app.address)
    h.start()
    r = h.get("/ext?sleep=3000")
    assert r.status == 504
    line = tagged(h.error_log(), "FCGP02001")
    assert line and app.address in line[0] and "FcgiProcIOTimeout" in line[0]


def test_backend_that_dies_mid_answer_is_a_502(make_httpd, apps, test_app):
    app = spawn_tcp(apps)
    h = make_httpd(extra_conf="""\
FcgiProcExternalServer @HTDOCS@/ext -host %s
""" % app.address)
    h.start()
    r = h.post("/ext?crash=1", body=b"data")    # a POST: never replayed
    assert r.status == 502
    line = tagged(h.error_log(), "FCGP02001")
    assert len(line) == 1 and app.address in line[0]


class Closer(threading.Thread):
    """A "backend" that accepts connections and closes them without a
    byte of answer (an application that died as it got the request)."""

    def __init__(self):
        super().__init__(daemon=True)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.address = "127.0.0.1:%d" % self.sock.getsockname()[1]
        self.accepted = 0
        self.done = False

    def run(self):
        while not self.done:
            try:
                c, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            c.recv(65536)
            c.close()

    def stop(self):
        self.done = True
        self.join(5)
        self.sock.close()


def test_several_backends_dead_one_skipped_safe_retry_on_next(
        make_httpd, apps, test_app):
    a = spawn_tcp(apps, name="a")
    b = spawn_tcp(apps, name="b")
    dead = "127.0.0.1:%d" % H.free_port()
    closer = Closer()
    closer.start()
    try:
        h = make_httpd(extra_conf="""\
FcgiProcExternalServer @HTDOCS@/ext -host %s,%s -host %s -host %s
""" % (a.address, dead, closer.address, b.address), mpm="prefork",
            mpm_conf="StartServers 1\nMinSpareServers 1\nMaxSpareServers 1\n"
                     "MaxRequestWorkers 1\n")
        h.start()
        pids = []
        for _ in range(12):
            r = h.get("/ext")
            assert r.status == 200, (r, h.error_log_tail(10))
            pids.append(app_pid(r.body)[0])
        # in turn: both live backends served
        assert set(pids) == {a.proc.pid, b.proc.pid}, pids
        log = h.error_log()
        # the dead one: said once by the one httpd child
        assert len(tagged(log, "FCGP02090")) == 1
        assert dead in tagged(log, "FCGP02090")[0]
        # the closer: each GET that went there was retried on the next one
        retries = tagged(log, "FCGP02092")
        assert closer.accepted >= 1
        assert len(retries) == closer.accepted, (retries, closer.accepted)
        assert closer.address in retries[0]
        assert not tagged(log, "FCGP02001")
        # a POST is not replayed: at the closer it is a 502
        statuses = set()
        for _ in range(6):
            statuses.add(h.post("/ext?echo=1", body=b"x").status)
        assert statuses == {200, 502}, statuses
    finally:
        closer.stop()


def test_pool_of_two_php_fpm_one_killed_under_load(make_httpd, apps,
                                                   test_app):
    """Two private php-fpm instances behind one external server; one is
    killed (master and workers, SIGKILL) under a bounded load of GETs:
    no request is lost.  Figures: build/external-failover.txt."""
    if not X.have(X.PHP_FPM):
        pytest.skip("php-fpm is not installed")
    run = X.private_dir(apps.base, "run")
    one = apps(X.PhpFpm(apps.base, os.path.join(run, "one.sock"), name="one"))
    two = apps(X.PhpFpm(apps.base, "127.0.0.1:%d" % H.free_port(),
                        name="two"))
    h = make_httpd(extra_conf="""\
FcgiProcExternalServer @ROOT@/ext/php -socket %s -host %s
Action php-script /php.ext
Alias /php.ext @ROOT@/ext/php
AddHandler php-script .php
<Directory "@ROOT@/ext">
    Require all granted
</Directory>
""" % (one.address, two.address), modules=["actions"])
    h.make_dir("ext", owner=None)
    h.write_php("w.php", "<?php usleep(20000); echo 'ok ', getmypid(), "
                "\"\\n\";")
    h.start()
    served = {}
    sent = failed = 0
    lock = threading.Lock()
    stop_at = time.monotonic() + 8
    killed = threading.Event()

    def client():
        nonlocal sent, failed
        while time.monotonic() < stop_at:
            try:
                r = h.get("/w.php", timeout=20)
                ok = r.status == 200 and r.body.startswith(b"ok ")
            except OSError:
                ok = False
            with lock:
                sent += 1
                if ok:
                    pid = int(r.body.split()[1])
                    served[pid] = served.get(pid, 0) + 1
                else:
                    failed += 1

    threads = [threading.Thread(target=client) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(3)
    one_pids = set(one.pids())
    one.kill()
    killed.set()
    for t in threads:
        t.join(60)
    report = ("external pool of two php-fpm, one killed under load: "
              "sent %d, failed %d (served by the killed one %d, by the "
              "other %d)\n" % (sent, failed,
                               sum(n for p, n in served.items()
                                   if p in one_pids),
                               sum(n for p, n in served.items()
                                   if p not in one_pids)))
    os.makedirs(os.path.join(H.REPO_ROOT, "build"), exist_ok=True)
    with open(os.path.join(H.REPO_ROOT, "build",
                           "external-failover.txt"), "w") as f:
        f.write(report)
    print(report)
    assert sent > 100
    assert failed == 0, (report, h.error_log_tail(20))
    assert any(p in one_pids for p in served)       # both served before
    assert tagged(h.error_log(), "FCGP02090")       # the dead one, skipped


# ------------------------------------------------------------- options

def test_pass_header_and_flush(make_httpd, apps, test_app):
    app = spawn_tcp(apps)
    h = make_httpd(extra_conf="""\
FcgiProcExternalServer @HTDOCS@/ext -host %s -pass-header X-Token -flush
""" % app.address)
    h.start()
    r = h.get("/ext?env=HTTP_X_TOKEN", headers={"X-Token": "t1"})
    assert r.body == b"HTTP_X_TOKEN=t1\n"
    r, pieces = h.stream("/ext?flush=1&chunks=3&delay=400")
    assert r.status == 200
    assert len(pieces) >= 3 and pieces[-1][0] - pieces[0][0] > 0.6


@pytest.mark.parametrize("conf, word", [
    ("FastCgiExternalServer @HTDOCS@/x", "-host"),
    ("FastCgiExternalServer @HTDOCS@/x -host 127.0.0.1", "no port"),
    ("FastCgiExternalServer @HTDOCS@/x -host ::1:9000", "::1:9000"),
    ("FastCgiExternalServer @HTDOCS@/x -host no-such-host.invalid:9000",
     "cannot resolve"),
    ("FastCgiExternalServer @HTDOCS@/x -host 127.0.0.1:9000 -speed 3",
     "-speed"),
    ("FastCgiExternalServer @HTDOCS@/x -host 127.0.0.1:9000 -idle-timeout x",
     "-idle-timeout"),
    ("FastCgiExternalServer @HTDOCS@/x -socket %s" % ("a" * 120),
     "107"),
    ("FastCgiExternalServer @HTDOCS@/x -host 127.0.0.1:9000\n"
     "FastCgiExternalServer @HTDOCS@/x -host 127.0.0.1:9001",
     "already defined"),
    ("FastCgiExternalServer @HTDOCS@/x -host 127.0.0.1:9000\n"
     "<VirtualHost 127.0.0.1:@PORT@>\n"
     "FastCgiExternalServer @HTDOCS@/x -host 127.0.0.1:9001\n"
     "</VirtualHost>", "FCGP01054"),
])
def test_bad_definitions_stop_httpd_naming_them(make_httpd, conf, word):
    h = as_fastcgi(make_httpd, conf + "\n")
    rc, out = h.config_test()
    if word in ("107", "FCGP01054"):
        # found at post_config: the start fails, with the line in the log
        assert rc == 0 or word in out
        with pytest.raises(H.HttpdStartError) as e:
            h.start()
        assert word in str(e.value)
        return
    assert rc != 0, out
    assert word in out and "httpd.conf" in out, out


def test_user_and_nph_are_accepted_and_said_to_be_ignored(make_httpd):
    h = as_fastcgi(make_httpd, """\
FastCgiExternalServer @HTDOCS@/x -host 127.0.0.1:9 -user nobody -group nogroup -nph
""")
    h.start()
    notes = tagged(h.error_log(), "FCGP01051")
    assert len(notes) == 1, notes
    assert "-user nobody" in notes[0] and "-nph" in notes[0]
    assert "suexec" in notes[0]


AUTH_APP = os.path.join(H.REPO_ROOT, "build", "apps", "fcgp-auth-app")


def test_authorizer_that_is_an_external_server(make_httpd, apps):
    """mod_fastcgi: an authorizer filename that is an external server's is
    that application (here spawn-fcgi running the test authorizer)."""
    if not os.path.exists(AUTH_APP):
        pytest.skip("fcgp-auth-app not built (make)")
    port = H.free_port()
    app = apps(X.SpawnFcgi(apps.base, tcp=("127.0.0.1", port),
                           app=AUTH_APP))
    h = as_fastcgi(make_httpd, """\
FastCgiExternalServer @ROOT@/auth/remote-check -host %s
<Directory "@HTDOCS@/private">
    FastCgiAccessChecker @ROOT@/auth/remote-check
</Directory>
""" % app.address)
    h.htdocs_file("private/page.txt", "secret\n")
    h.start()
    r = h.get("/private/page.txt")
    assert (r.status, r.body) == (200, b"secret\n"), h.error_log_tail(5)
    assert h.get("/private/page.txt?deny=1").status == 401
    assert not os.path.exists(os.path.join(h.root, "auth"))


def test_authorizer_that_neither_exists_nor_is_external(make_httpd):
    h = as_fastcgi(make_httpd, """<Directory "@HTDOCS@/private">
    FastCgiAccessChecker @ROOT@/auth/nothing
</Directory>
""")
    with pytest.raises(H.HttpdStartError) as e:
        h.start()
    assert "FCGP01057" in str(e.value) and "auth/nothing" in str(e.value)
