"""Static servers (FcgiProcServer, mod_fastcgi's FastCgiServer): an
application whose processes start with httpd and are kept at
-processes n; FastCgiConfig (mod_fastcgi's dynamic-application options,
mapped to ours); FastCgiIpcDir; FastCgiWrapper.

What a user would notice: the FAQ's "typical httpd.conf" and its PHP
Action setup work as written (paths aside); the n processes are there
before the first request, a process that dies is replaced, a graceful
restart keeps n, idleness does not retire them; the options do what they
say; mistakes stop httpd naming the directive.
"""
import os
import re
import signal
import threading
import time

import pytest

import httpd as H
from fcgp import app_pid, tagged


def as_fastcgi(make_httpd, extra, **kw):
    return make_httpd(fcgiproc=False,
                      modules=list(kw.pop("modules", []))
                      + [("fastcgi", H.MODULE_PATH)],
                      extra_conf=extra, **kw)


def procs_of(h, path):
    """Live processes of ours running exactly `path`."""
    return sorted(p["pid"] for p in h.children()
                  if p["cmdline"].split(" ")[0] == path)


def wait_count(h, path, n, timeout=10, exclude=()):
    deadline = time.monotonic() + timeout
    while True:
        pids = [p for p in procs_of(h, path) if p not in exclude]
        if len(pids) == n or time.monotonic() > deadline:
            return pids
        time.sleep(0.1)


FAQ_CONF = """\
<IfModule mod_fastcgi.c>

    # URIs that begin with /fcgi-bin/, are found in /var/www/fcgi-bin/
    Alias /fcgi-bin/ @ROOT@/var/www/fcgi-bin/

    # Anything in here is handled as a "dynamic" server if not defined as "static" or "external"
    <Directory @ROOT@/var/www/fcgi-bin/>
        SetHandler fastcgi-script
        Options +ExecCGI
        Require all granted
    </Directory>

    # Anything with one of these extensions is handled as a "dynamic" server if not defined as
    # "static" or "external". Note: "dynamic" servers require ExecCGI to be on in their directory.
    AddHandler fastcgi-script .fcgi .fpl

    # Start a "static" server at httpd initialization inside the scope of the SetHandler
    FastCgiServer @ROOT@/var/www/fcgi-bin/echo -processes 5

    # Start a "static" server at httpd initialization inside the scope of the AddHandler
    FastCgiServer @HTDOCS@/some/path/echo.fcgi

    # Start a "static" server at httpd initialization outside the scope of the Set/AddHandler
    FastCgiServer @HTDOCS@/some/path/coolapp
    <Directory @HTDOCS@/some/path/coolapp>
        SetHandler fastcgi-script
    </Directory>

</IfModule>
"""


def test_faq_typical_httpd_conf(make_httpd, test_app):
    """The FAQ's "What does a typical httpd.conf look like?", with its
    paths under the test's ServerRoot."""
    h = as_fastcgi(make_httpd, FAQ_CONF)
    echo = os.path.normpath(h.install_app("../var/www/fcgi-bin/echo"))
    dyn = os.path.normpath(h.install_app("../var/www/fcgi-bin/dynamic"))
    echo_fcgi = h.install_app("some/path/echo.fcgi")
    coolapp = h.install_app("some/path/coolapp")
    h.install_app("some/path/other.fcgi")       # dynamic, no ExecCGI here
    h.start()
    # started with httpd, before any request
    assert len(wait_count(h, echo, 5)) == 5
    assert len(wait_count(h, echo_fcgi, 1)) == 1
    assert len(wait_count(h, coolapp, 1)) == 1
    assert procs_of(h, dyn) == []
    for path, prog in (("/fcgi-bin/echo", echo),
                       ("/some/path/echo.fcgi", echo_fcgi),
                       ("/some/path/coolapp", coolapp)):
        r = h.get(path)
        assert r.status == 200, (path, r, h.error_log_tail(5))
        assert app_pid(r.body)[0] in procs_of(h, prog), path
    # still 5, 1 and 1: a static server is not grown by requests
    assert len(procs_of(h, echo)) == 5
    # a dynamic one in the SetHandler directory starts on demand
    r = h.get("/fcgi-bin/dynamic")
    assert r.status == 200
    assert procs_of(h, dyn) == [app_pid(r.body)[0]]
    # "dynamic servers require ExecCGI to be on in their directory"
    assert h.get("/some/path/other.fcgi").status == 403
    started = tagged(h.error_log(), "FCGP03081")
    assert len(started) == 3, started
    assert any("5 of 5 processes" in l and "/fcgi-bin/echo" in l
               for l in started)


FAQ_PHP = """\
ScriptAlias /cgi-bin/ @ROOT@/cgi-bin/
<Directory @ROOT@/cgi-bin>
    Require all granted
</Directory>
FastCgiServer @ROOT@/cgi-bin/php
AddHandler php-fastcgi .php
<Location /cgi-bin/php>
    SetHandler fastcgi-script
</Location>
Action php-fastcgi /cgi-bin/php
DirectoryIndex index.html index.shtml index.cgi index.php
AddType application/x-httpd-php .php
"""

# The FAQ's wrapper script (Configure Part #2), for Debian's php-cgi.
FAQ_PHP_SCRIPT = """\
#!/bin/sh

PHPRC="/etc/php/8.2/cgi"
export PHPRC
PHP_FCGI_CHILDREN=4
export PHP_FCGI_CHILDREN
exec /usr/bin/php-cgi
"""


def test_faq_php_action_setup(make_httpd):
    """The FAQ's "Does PHP work with FastCGI?": php-cgi as a static server
    behind Action, with its wrapper script."""
    h = as_fastcgi(make_httpd, FAQ_PHP, modules=["actions"])
    h.write_file("cgi-bin/php", FAQ_PHP_SCRIPT, mode=0o755)
    h.write_php("index.php", "<?php echo 'php says ', 6 * 7, ' ', "
                "basename($_SERVER['SCRIPT_FILENAME']), \"\\n\";")
    h.write_php("sub/page.php", "<?php echo 'page ', "
                "$_SERVER['PATH_INFO'] ?? '-', \"\\n\";")
    h.start()
    r = h.get("/index.php")
    assert r.status == 200, (r, h.error_log_tail(10))
    assert r.body == b"php says 42 index.php\n"
    r = h.get("/")                          # DirectoryIndex index.php
    assert r.status == 200 and r.body == b"php says 42 index.php\n"
    r = h.get("/sub/page.php")
    assert r.status == 200 and r.body.startswith(b"page ")
    # one static server: php-cgi under the FAQ's script, started with
    # httpd (its 4 children are php-cgi's own)
    masters = [p for p in h.children() if p["exe"].endswith("php-cgi8.2")
               and p["ppid"] not in [q["pid"] for q in h.children()
                                     if q["exe"].endswith("php-cgi8.2")]]
    assert len(masters) == 1, [(p["pid"], p["ppid"]) for p in h.children()]


def test_kept_at_n_when_a_process_dies(make_httpd, test_app):
    h = make_httpd(extra_conf="""\
FcgiProcServer @HTDOCS@/app.fcgi -processes 3
""")
    app = h.install_app("app.fcgi")
    h.start()
    pids = wait_count(h, app, 3)
    assert len(pids) == 3
    os.kill(pids[0], signal.SIGKILL)
    now = wait_count(h, app, 3, exclude=(pids[0],))
    assert len(now) == 3 and pids[0] not in now, now
    line = h.wait_for_log(r"FCGP03010: worker pid %d .*(unexpected|signal 9)"
                          % pids[0])
    assert line
    # and it serves
    for _ in range(4):
        assert h.get("/app.fcgi").status == 200
    # a process that exits by itself (its own limit) is replaced too
    pid, _ = app_pid(h.get("/app.fcgi?exit=1").body)
    assert H.wait_pid_gone(pid, 5)
    assert len(wait_count(h, app, 3, exclude=(pid,))) == 3


def test_kept_at_n_across_gracefuls_and_not_retired_when_idle(make_httpd,
                                                              test_app):
    h = make_httpd(extra_conf="""\
FcgiProcServer @HTDOCS@/app.fcgi -processes 2
FcgiProcIdleTimeout 1
FcgiProcProcessLifeTime 2
""")
    app = h.install_app("app.fcgi")
    h.start()
    first = wait_count(h, app, 2)
    assert len(first) == 2
    time.sleep(3.5)                 # idle and "old": still the same two
    assert procs_of(h, app) == first
    for i in range(3):
        h.graceful()
        pids = wait_count(h, app, 2, exclude=first)
        assert len(pids) == 2, (i, pids, procs_of(h, app))
        assert not set(pids) & set(first)
        # the old generation's are gone
        for p in first:
            assert H.wait_pid_gone(p, 10)
        assert procs_of(h, app) == pids
        r = h.get("/app.fcgi")
        assert r.status == 200 and app_pid(r.body)[0] in pids
        first = pids
    # each old generation's process manager was reaped as ours (not as a
    # "long lost child": its registration is remade by each generation)
    time.sleep(1.5)
    assert "AH00488" not in h.error_log()


def test_options_initial_env_priority_idle_timeout_flush(make_httpd,
                                                         test_app):
    h = make_httpd(extra_conf="""\
FcgiProcInitialEnv SERVERWIDE yes
FcgiProcServer @HTDOCS@/app.fcgi -initial-env FOO=bar -initial-env EMPTY= -priority 5 -idle-timeout 1 -flush -pass-header X-Token
""")
    app = h.install_app("app.fcgi")
    h.start()
    pid = wait_count(h, app, 1)[0]
    with open("/proc/%d/environ" % pid, "rb") as f:
        env = f.read().split(b"\0")
    assert b"FOO=bar" in env and b"EMPTY=" in env and b"SERVERWIDE=yes" in env
    with open("/proc/%d/stat" % pid) as f:
        nice = int(f.read().rsplit(")", 1)[1].split()[16])
    assert nice == 5
    r = h.get("/app.fcgi?env=HTTP_X_TOKEN", headers={"X-Token": "abc"})
    assert r.body == b"HTTP_X_TOKEN=abc\n"
    r, pieces = h.stream("/app.fcgi?flush=1&chunks=3&delay=300")
    assert r.status == 200 and len(pieces) >= 3
    r = h.get("/app.fcgi?sleep=2500")
    assert r.status == 504
    assert "FcgiProcIOTimeout" in tagged(h.error_log(), "FCGP02001")[0]
    # replaced after the kill of the timed-out one, at the same priority
    pid2 = wait_count(h, app, 1, exclude=(pid,))
    assert pid2 and pid2[0] != pid


def test_unneeded_and_ignored_options_are_said_once(make_httpd, test_app):
    h = as_fastcgi(make_httpd, """\
FastCgiServer @HTDOCS@/app.fcgi -listen-queue-depth 50 -restart-delay 2 -port 9000 -user nobody -group nogroup -min-server-life 10
""")
    h.install_app("app.fcgi")
    h.start()
    info = tagged(h.error_log(), "FCGP01050")
    notice = tagged(h.error_log(), "FCGP01051")
    assert len(info) == 1 and len(notice) == 1, (info, notice)
    assert "-listen-queue-depth 50" in info[0] and "-restart-delay 2" in info[0]
    assert "[fastcgi:info]" in info[0]
    assert "-port 9000" in notice[0] and "-user nobody" in notice[0]
    assert "FcgiProcExternalServer" in notice[0]
    assert h.get("/app.fcgi").status == 200


def test_works_under_every_identity(make_httpd, test_app):
    h = make_httpd(extra_conf="""\
AppClass @HTDOCS@/app.fcgi -processes 2
FcgiProcIPCDir @RUN@/sockets
""")
    app = h.install_app("app.fcgi")
    h.start()
    assert len(wait_count(h, app, 2)) == 2
    assert h.get("/app.fcgi").status == 200
    assert os.path.exists(os.path.join(h.run_dir, "sockets", "pm.sock"))


def test_fastcgi_ipc_dir_is_ours(make_httpd, test_app):
    h = as_fastcgi(make_httpd, """\
FastCgiIpcDir @RUN@/fastcgi-ipc
FastCgiServer @HTDOCS@/app.fcgi
""")
    h.install_app("app.fcgi")
    h.start()
    assert h.get("/app.fcgi").status == 200
    d = os.path.join(h.run_dir, "fastcgi-ipc")
    assert "pm.sock" in os.listdir(d)
    assert oct(os.stat(d).st_mode & 0o777) == oct(0o700)


@pytest.mark.parametrize("conf, word", [
    ("FastCgiServer @HTDOCS@/missing", "missing"),
    ("FastCgiServer @HTDOCS@/plain.txt", "not an executable"),
    ("FastCgiServer @HTDOCS@/app.fcgi -processes 0", "-processes"),
    ("FastCgiServer @HTDOCS@/app.fcgi -processes lots", "-processes"),
    ("FastCgiServer @HTDOCS@/app.fcgi -priority 40", "-priority"),
    ("FastCgiServer @HTDOCS@/app.fcgi -initial-env =x", "-initial-env"),
    ("FastCgiServer @HTDOCS@/app.fcgi -frobnicate", "-frobnicate"),
    ("FastCgiServer @HTDOCS@/app.fcgi -idle-timeout", "needs a value"),
    ("FastCgiServer @HTDOCS@/app.fcgi\nFastCgiServer @HTDOCS@/app.fcgi",
     "already defined"),
    ("FastCgiConfig -gainValue 2", "-gainValue"),
    ("FastCgiConfig -maxProcesses 0", "-maxProcesses"),
    ("FastCgiConfig -warp 9", "-warp"),
    ("<VirtualHost 127.0.0.1:@PORT@>\nFastCgiConfig -maxProcesses 5\n"
     "</VirtualHost>", "FastCgiConfig"),
])
def test_mistakes_stop_httpd_naming_the_directive(make_httpd, test_app,
                                                  conf, word):
    h = as_fastcgi(make_httpd, conf + "\n")
    h.install_app("app.fcgi")
    h.htdocs_file("plain.txt", "x")
    rc, out = h.config_test()
    assert rc != 0, out
    assert word in out and "httpd.conf" in out, out


def test_more_processes_than_allowed_stops_httpd(make_httpd, test_app):
    h = as_fastcgi(make_httpd, """\
FastCgiConfig -maxProcesses 2
FastCgiServer @HTDOCS@/app.fcgi -processes 3
""")
    h.install_app("app.fcgi")
    with pytest.raises(H.HttpdStartError) as e:
        h.start()
    assert "FCGP01056" in str(e.value) and "-processes 3" in str(e.value)


def test_fastcgi_config_maps_to_our_directives(make_httpd, test_app):
    h = as_fastcgi(make_httpd, """\
FastCgiConfig -maxClassProcesses 2 -idle-timeout 60 -killInterval 100 -singleThreshhold 0 -gainValue 0.5 -autoUpdate -restart -initial-env CFG=1
FastCgiWrapper On
AddHandler fastcgi-script .fcgi
<Directory "@HTDOCS@">
    Options +ExecCGI
</Directory>
""")
    app = h.install_app("app.fcgi")
    h.start()
    log = h.error_log()
    mapped = [l for l in tagged(log, "FCGP01050") if "is Fcgi" in l]
    assert len(mapped) == 1, tagged(log, "FCGP01050")
    assert "-maxClassProcesses 2 is FcgiProcMaxProcessesPerClass 2" \
        in mapped[0]
    assert "-idle-timeout 60 is FcgiProcIOTimeout 60" in mapped[0]
    unneeded = [l for l in tagged(log, "FCGP01050") if "not needed" in l]
    names = sorted(re.search(r"not needed: (\S+)", l).group(1)
                   for l in unneeded)
    assert names == ["-gainValue", "-killInterval", "-restart",
                     "-singleThreshhold"], unneeded
    assert len(tagged(log, "FCGP01053")) == 1       # -autoUpdate
    wrapper = tagged(log, "FCGP01052")
    assert len(wrapper) == 1 and "FastCgiWrapper On" in wrapper[0]
    # httpd's suexec, used as without the directive: a WARNING when it is
    # not enabled (httpd not started as root), else INFO
    if "suexec is not enabled" in wrapper[0]:
        assert "[fastcgi:warn]" in wrapper[0]
    else:
        assert "[fastcgi:info]" in wrapper[0] and "SuexecUserGroup" \
            in wrapper[0]
    assert "always on" in tagged(log, "FCGP01053")[0]
    # -maxClassProcesses 2: three slow requests at once, two processes
    out = []
    ts = [threading.Thread(target=lambda: out.append(
        h.get("/app.fcgi?sleep=2500").status)) for _ in range(3)]
    for t in ts:
        t.start()
    seen = set()
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        busy = procs_of(h, app)
        seen.update(busy)
        if len(busy) > 2:
            break
        time.sleep(0.05)
    for t in ts:
        t.join(30)
    assert out == [200, 200, 200]
    assert len(seen) == 2, seen
    # -initial-env: the dynamic application's environment
    pid = sorted(seen)[0]
    with open("/proc/%d/environ" % pid, "rb") as f:
        assert b"CFG=1" in f.read().split(b"\0")


AUTH_APP = os.path.join(H.REPO_ROOT, "build", "apps", "fcgp-auth-app")


def test_authorizer_that_is_a_static_server_and_relative_compat(make_httpd):
    """mod_fastcgi's FastCgiAccessChecker filename [-compat]: relative to
    ServerRoot; a filename that is a static server's runs on its
    processes (none are started for the check)."""
    if not os.path.exists(AUTH_APP):
        pytest.skip("fcgp-auth-app not built (make)")
    h = as_fastcgi(make_httpd, """\
FastCgiServer @ROOT@/auth/check -processes 2
<Directory "@HTDOCS@/private">
    FastCgiAccessChecker auth/check -compat
</Directory>
""")
    import shutil
    check = os.path.join(h.root, "auth", "check")
    os.makedirs(os.path.dirname(check))
    os.chmod(os.path.dirname(check), 0o755)
    shutil.copyfile(AUTH_APP, check)
    os.chmod(check, 0o755)
    h.htdocs_file("private/page.txt", "secret\n")
    h.start()
    statics = wait_count(h, check, 2)
    assert len(statics) == 2
    r = h.get("/private/page.txt")
    assert (r.status, r.body) == (200, b"secret\n")
    assert h.get("/private/page.txt?deny=1").status == 401
    assert procs_of(h, check) == statics        # no dynamic class for it


def test_role_option_other_than_compat_is_refused(make_httpd):
    if not os.path.exists(AUTH_APP):
        pytest.skip("fcgp-auth-app not built (make)")
    h = as_fastcgi(make_httpd, """\
<Directory "@HTDOCS@">
    FastCgiAuthorizer %s -strict
</Directory>
""" % AUTH_APP)
    rc, out = h.config_test()
    assert rc != 0 and "-strict" in out and "-compat" in out, out


def test_program_replaced_on_disk_gets_new_processes(make_httpd, test_app):
    """Reload on change (FastCgiConfig -autoUpdate, always on) holds for a
    static server as for any application: after a deploy (a new file moved
    into place) its requests go to processes of the new file, the old ones
    retire, and it is kept at -processes n."""
    h = make_httpd(extra_conf="""\
FcgiProcServer @HTDOCS@/app.fcgi -processes 2
""")
    app = h.install_app("app.fcgi")
    h.start()
    old = wait_count(h, app, 2)
    assert len(old) == 2
    assert h.get("/app.fcgi").status == 200
    tmp = app + ".new"
    with open(test_app, "rb") as src, open(tmp, "wb") as dst:
        dst.write(src.read())
    os.chmod(tmp, 0o755)
    os.rename(tmp, app)
    new_ino = os.stat(app).st_ino
    deadline = time.monotonic() + 10
    pid = None
    while time.monotonic() < deadline:
        pid, _ = app_pid(h.get("/app.fcgi").body)
        if pid not in old:
            break
        time.sleep(0.2)
    assert pid not in old, "still served by the old version"
    assert os.stat("/proc/%d/exe" % pid).st_ino == new_ino
    for p in old:
        assert H.wait_pid_gone(p, 5), p
    now = wait_count(h, app, 2, exclude=old)
    assert len(now) == 2 and not set(now) & set(old), now
    assert len(tagged(h.error_log(), "FCGP03035")) == 1
