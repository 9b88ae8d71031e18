"""Our section of mod_status's /server-status: every class (command line and
virtual host) with its processes (pid, state, requests and limit, age, idle)
and the totals with ExtendedStatus On; one line with it Off; FcgiProc* keys
with ?auto; one line when the process manager cannot be reached.  The
harness loads mod_status and sets ExtendedStatus On and a <Location
/server-status>; the values come from the same snapshot as the
fcgiproc-status page."""
import json
import os
import re
import signal
import threading
import time

import pytest

import fcgp
import httpd as H

CONF = """\
FcgiProcInitialEnv PHP_FCGI_MAX_REQUESTS 50
<Location /fcgiproc-status>
    SetHandler fcgiproc-status
</Location>
"""

SECTION_H1 = "<h1>mod_fcgiproc status</h1>"
ROW_RE = re.compile(r"<tr><td>(\d+)</td><td>([^<]*)</td><td>(\d+)</td>"
                    r"<td>([^<]*)</td><td>(\d+)</td><td>([^<]*)</td></tr>")


def section(h, query=""):
    """Our part of /server-status (from its <hr /> on)."""
    r = h.get("/server-status" + query)
    assert r.status == 200, r
    text = r.text
    at = text.find("mod_fcgiproc")
    assert at >= 0, text[-2000:]
    return text[text.rfind("<hr />", 0, at):]


def classes(sec):
    """{heading: [(pid, state, requests, limit, age, idle)]} of the section."""
    out = {}
    for part in sec.split("<h2>")[1:]:
        name = part[:part.index("</h2>")]
        out[name] = [(int(m.group(1)), m.group(2), int(m.group(3)),
                      m.group(4), int(m.group(5)), m.group(6))
                     for m in ROW_RE.finditer(part)]
    return out


def auto(h):
    """Our Key: value lines of /server-status?auto, as {key: int}."""
    r = h.get("/server-status?auto")
    assert r.status == 200
    keys = {}
    for line in r.text.splitlines():
        if line.startswith("FcgiProc"):
            k, v = line.split(": ", 1)
            assert k not in keys, line
            keys[k] = int(v)
    return keys


def class_of(cls, word):
    hits = [k for k in cls if word in k]
    assert len(hits) == 1, (word, list(cls))
    return hits[0]


def serve(h, n_app=3, n_php=2):
    """Sequential requests: (app pid, its count), (php pid, its count)."""
    for _ in range(n_app):
        r = h.get("/app.fcgi")
        assert r.status == 200
        app = fcgp.app_pid(r.body)
    php = set()
    for _ in range(n_php):
        r = h.get("/hello.php")
        assert r.status == 200
        php.add(int(r.body.split()[-1]))
    assert len(php) == 1, php
    return app, (php.pop(), n_php)


def test_section_lists_classes_pids_and_totals(make_httpd):
    h = fcgp.server(make_httpd, CONF)
    h.start()
    (app_pid, app_n), (php_pid, php_n) = serve(h)
    assert app_n == 3

    sec = section(h)
    assert sec.count(SECTION_H1) == 1
    cls = classes(sec)
    app = class_of(cls, "app.fcgi")
    php = class_of(cls, "php-cgi")
    # the class is its command line and its virtual host
    assert app.startswith(os.path.join(h.htdocs, "app.fcgi"))
    assert "(127.0.0.1:" in app and "(127.0.0.1:" in php
    # one process each, the one that answered, idle, with its count and
    # the limit PHP_FCGI_MAX_REQUESTS gives
    assert [(p, s, n, lim) for p, s, n, lim, _, _ in cls[app]] == \
        [(app_pid, "idle", 3, "50")]
    assert [(p, s, n, lim) for p, s, n, lim, _, _ in cls[php]] == \
        [(php_pid, "idle", php_n, "50")]
    for row in cls[app] + cls[php]:
        assert 0 <= row[4] < 60 and 0 <= int(row[5]) <= row[4]
    assert "Total FastCGI processes: 2 (0 busy, 2 idle, 0 stopping) in 2 " \
        "classes" in sec
    assert "They have served 5 requests" in sec
    assert "request limit 50 (PHP_FCGI_MAX_REQUESTS in FcgiProcInitialEnv)" \
        in sec

    keys = auto(h)
    assert keys["FcgiProcManagerUp"] == 1
    assert keys["FcgiProcBusy"] + keys["FcgiProcIdle"] \
        + keys["FcgiProcStopping"] == keys["FcgiProcProcesses"]
    assert (keys["FcgiProcProcesses"], keys["FcgiProcBusy"],
            keys["FcgiProcIdle"], keys["FcgiProcClasses"],
            keys["FcgiProcRequests"], keys["FcgiProcWaiting"]) == \
        (2, 0, 2, 2, 5, 0)
    # the same as the fcgiproc-status page's snapshot
    st = json.loads(h.get("/fcgiproc-status?json").body)
    assert keys["FcgiProcProcesses"] == len(st["workers"]) == st["processes"]
    assert keys["FcgiProcClasses"] == len(st["classes"])
    assert keys["FcgiProcRequests"] == sum(w["requests"] for w in st["workers"])
    assert keys["FcgiProcMaxProcesses"] == st["max_processes"]
    assert keys["FcgiProcExits"] == st["exits_total"]
    assert {w["pid"] for w in st["workers"]} == {app_pid, php_pid}


def test_busy_worker_shown_busy(make_httpd):
    h = fcgp.server(make_httpd, CONF)
    h.start()
    r = h.get("/app.fcgi")
    pid, _ = fcgp.app_pid(r.body)
    done = {}
    t = threading.Thread(target=lambda: done.setdefault(
        "r", h.get("/app.fcgi?sleep=3000")))
    t.start()
    try:
        deadline = time.monotonic() + 2.5
        keys = auto(h)
        while keys["FcgiProcBusy"] != 1 and time.monotonic() < deadline:
            time.sleep(0.05)
            keys = auto(h)
        assert keys["FcgiProcBusy"] == 1, keys
        assert keys["FcgiProcBusy"] + keys["FcgiProcIdle"] \
            + keys["FcgiProcStopping"] == keys["FcgiProcProcesses"]
        cls = classes(section(h))
        rows = cls[class_of(cls, "app.fcgi")]
        busy = [row for row in rows if row[1] == "busy"]
        assert [row[0] for row in busy] == [pid], rows
        assert busy[0][2] == 2 and busy[0][5] == "-"   # counted when taken
    finally:
        t.join(30)
    assert done["r"].status == 200
    cls = classes(section(h))
    rows = cls[class_of(cls, "app.fcgi")]
    assert [(row[0], row[1], row[2]) for row in rows] == [(pid, "idle", 2)]


def test_stopping_worker_shows_why(make_httpd):
    """A retired worker that has not exited yet is shown stopping, with the
    reason (as mod_fcgid shows "Exiting(idle timeout)").  It is held stopped
    (SIGSTOP) so that SIGTERM waits: it stays for FcgiProcKillTimeout."""
    h = fcgp.server(make_httpd, CONF + "FcgiProcIdleTimeout 1\n"
                    "FcgiProcMinProcessesPerClass 0\n"
                    "FcgiProcKillTimeout 20\n")
    h.start()
    pid, _ = fcgp.app_pid(h.get("/app.fcgi").body)
    os.kill(pid, signal.SIGSTOP)
    try:
        deadline = time.monotonic() + 10
        while True:
            cls = classes(section(h))
            rows = {row[0]: row for row in cls[class_of(cls, "app.fcgi")]}
            if rows[pid][1] != "idle" or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert rows[pid][1:4] == ("stopping (FcgiProcIdleTimeout)", 1, "50"), \
            rows
        assert rows[pid][5] == "-"
        keys = auto(h)
        assert keys["FcgiProcStopping"] == 1
        assert keys["FcgiProcBusy"] + keys["FcgiProcIdle"] \
            + keys["FcgiProcStopping"] == keys["FcgiProcProcesses"]
        # the fcgiproc-status page has the reason too
        st = json.loads(h.get("/fcgiproc-status?json").body)
        w = [w for w in st["workers"] if w["pid"] == pid]
        assert w and (w[0]["state"], w[0]["reason"]) == \
            ("stopping", "FcgiProcIdleTimeout"), st["workers"]
    finally:
        os.kill(pid, signal.SIGCONT)
    assert H.wait_pid_gone(pid, 10)


def test_extended_status_off_one_line(make_httpd):
    h = fcgp.server(make_httpd, CONF + "ExtendedStatus Off\n")
    h.start()
    serve(h)
    r = h.get("/server-status")
    assert "To obtain a full report" in r.text   # mod_status's: it is Off
    sec = section(h)
    assert SECTION_H1 not in sec and "<table" not in sec and "<h2>" not in sec
    lines = [l for l in sec.splitlines() if "mod_fcgiproc" in l]
    assert lines == ["<p>mod_fcgiproc: FastCGI processes: 2 (0 busy, 2 idle, "
                     "0 stopping) in 2 classes, 0 requests waiting. "
                     "<code>ExtendedStatus On</code> lists every process.</p>"]
    # ?auto keeps every key
    keys = auto(h)
    assert (keys["FcgiProcProcesses"], keys["FcgiProcIdle"],
            keys["FcgiProcRequests"]) == (2, 2, 5)


def test_notable_lists_without_tables(make_httpd):
    h = fcgp.server(make_httpd, CONF)
    h.start()
    (app_pid, _), _ = serve(h)
    sec = section(h, "?notable")
    assert "<table" not in sec
    assert "<li>pid %d: idle, 3 requests (limit 50), age " % app_pid in sec


def test_escapes_names_from_configuration(make_httpd):
    """A command line from the configuration is shown escaped."""
    h = fcgp.server(make_httpd, CONF + """\
FcgiProcWrapper "@APP@ '<b>x</b>&amp;\\"y'" .wrapped
AddHandler fcgiproc-script .wrapped
""")
    h.htdocs_file("x.wrapped", "", 0o755)
    h.start()
    r = h.get("/x.wrapped")
    assert r.status == 200, (r, h.error_log_tail(10))
    sec = section(h)
    cls = classes(sec)
    name = class_of(cls, "fcgp-test-app")
    assert name == "%s &lt;b&gt;x&lt;/b&gt;&amp;amp;&quot;y (127.0.0.1:0)" \
        % H.TEST_APP, name
    assert len(cls[name]) == 1
    assert "<b>x</b>" not in h.get("/server-status").text
    assert "<b>x</b>" not in h.get("/server-status?notable").text


def test_pm_unreachable_one_line(make_httpd):
    h = fcgp.server(make_httpd, CONF)
    h.start()
    (app_pid, _), _ = serve(h)
    sock = os.path.join(h.run_dir, "fcgiproc", "pm.sock")
    assert os.path.exists(sock), fcgp.ipc_files(h)
    mark = h.log_mark()
    os.rename(sock, sock + ".away")
    try:
        sec = section(h)
        lines = [l for l in sec.splitlines() if l and l != "<hr />"
                 and not l.startswith("<address>") and "</body>" not in l]
        assert lines == ["<p>mod_fcgiproc: the process manager cannot be "
                         "reached (cannot connect to the process manager at "
                         "%s).</p>" % sock], lines
        r = h.get("/server-status?auto")
        assert r.status == 200
        ours = [l for l in r.text.splitlines() if l.startswith("FcgiProc")]
        assert ours == ["FcgiProcManagerUp: 0"]
        # the app is served all the same (its worker is in the table)
        assert fcgp.app_pid(h.get("/app.fcgi").body)[0] == app_pid
    finally:
        os.rename(sock + ".away", sock)
    log = h.error_log(mark)
    # one INFO line per status request, nothing louder
    assert len(fcgp.tagged(log, "FCGP02040")) == 2, log
    assert all(":info]" in l for l in fcgp.tagged(log, "FCGP02040"))
    assert not [l for l in log.splitlines()
                if re.search(r":(notice|warn|error|crit)\]", l)], log
    assert auto(h)["FcgiProcManagerUp"] == 1


def test_section_once_after_graceful(make_httpd):
    """The hook is registered at each pre_config: after graceful restarts
    the section is there once, with the new process manager's workers."""
    h = fcgp.server(make_httpd, CONF)
    h.start()
    serve(h)
    for _ in range(2):
        h.graceful()
    (app_pid, _), _ = serve(h, n_app=1, n_php=1)
    deadline = time.monotonic() + 10
    while True:
        sec = section(h)
        cls = classes(sec)
        pids = [row[0] for rows in cls.values() for row in rows]
        if app_pid in pids or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert sec.count(SECTION_H1) == 1
    assert h.get("/server-status").text.count("mod_fcgiproc status") == 1
    assert app_pid in pids
    r = h.get("/server-status?auto")
    assert r.text.count("FcgiProcManagerUp: 1") == 1


def test_status_loaded_after_us_and_not_at_all(make_httpd, monkeypatch):
    """mod_status loaded after mod_fcgiproc: the section is there; not
    loaded at all: the optional hook is harmless and the apps are served."""
    base = [m for m in H.BASE_MODULES if m != "status"]
    monkeypatch.setattr(H, "BASE_MODULES", base)
    h = fcgp.server(make_httpd, CONF, fcgiproc=False,
                    modules=[("fcgiproc", H.MODULE_PATH), "status"])
    h.start()
    assert "LoadModule status_module" in open(h.conf_file).read().split(
        "LoadModule fcgiproc_module")[1]
    (app_pid, _), _ = serve(h)
    cls = classes(section(h))
    assert [row[0] for row in cls[class_of(cls, "app.fcgi")]] == [app_pid]
    h.stop()

    h2 = fcgp.server(make_httpd, CONF)
    h2.start()
    assert "status_module" not in open(h2.conf_file).read()
    r = h2.get("/app.fcgi")
    assert r.status == 200
    assert h2.get("/server-status").status in (404, 500)
    assert h2.is_running()


def _fcgid_section(text):
    """mod_fcgid's section: {basename: [(pid, active, idle, accesses,
    state)]}."""
    at = text.find("<h1>mod_fcgid status:</h1>")
    assert at >= 0, text[-1500:]
    out = {}
    for part in text[at:].split("<b>Process: ")[1:]:
        name = part[:part.index("</b>")]
        out[name] = [(int(m.group(1)), int(m.group(2)), int(m.group(3)),
                      int(m.group(4)), m.group(5)) for m in re.finditer(
            r"<tr><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td>"
            r"<td>([^<]*)</td></tr>", part)]
    return out


FCGID_SO = os.path.join(H.MODULES_DIR, "mod_fcgid.so")


@pytest.mark.skipif(not os.path.exists(FCGID_SO),
                    reason="Debian's mod_fcgid not installed")
def test_shows_what_mod_fcgid_shows(make_httpd):
    """Under the same requests, Debian's mod_fcgid shows per application its
    processes' pid, age (Active), idle time, requests (Accesses) and state;
    ours shows each of those for the same processes' counterparts."""
    fcgid = make_httpd(fcgiproc=False, modules=["fcgid"], extra_conf="""\
FcgidIPCDir @RUN@/fcgid
FcgidProcessTableFile @RUN@/fcgid_shm
AddHandler fcgid-script .php .fcgi
FcgidWrapper /usr/bin/php-cgi .php
FcgidInitialEnv PHP_FCGI_MAX_REQUESTS 50
FcgidMaxRequestsPerProcess 50
<Directory "@HTDOCS@">
    Options +ExecCGI
</Directory>
""")
    fcgid.make_dir("run/fcgid")
    fcgid.install_app("app.fcgi")
    fcgid.write_php("hello.php",
                    "<?php echo 'hello from php ', getmypid(), \"\\n\";")
    fcgid.start()
    (f_app, _), (f_php, _) = serve(fcgid)
    theirs = _fcgid_section(fcgid.get("/server-status").text)
    fcgid.stop()

    h = fcgp.server(make_httpd, CONF)
    h.start()
    (o_app, _), (o_php, _) = serve(h)
    ours = classes(section(h))

    assert set(theirs) == {"app.fcgi", "php-cgi"}
    for base, f_pid, o_pid in (("app.fcgi", f_app, o_app),
                               ("php-cgi", f_php, o_php)):
        (t_pid, t_active, t_idle, t_acc, t_state), = theirs[base]
        (pid, state, req, limit, age, idle), = ours[class_of(ours, base)]
        assert (t_pid, pid) == (f_pid, o_pid)
        assert req == t_acc                     # requests served
        assert (t_state, state) == ("Ready", "idle")
        assert abs(age - t_active) <= 5 and abs(int(idle) - t_idle) <= 5
        assert limit == "50"                    # more than mod_fcgid shows
