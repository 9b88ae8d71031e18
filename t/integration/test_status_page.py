"""The HTML status page as people see it during an incident, in a real
browser (Debian's headless Chromium, when installed): a busy worker with
its request, an idle one and a stopping one, each state told apart by a
colour and a symbol with its word; the classes' load; the last exits with
trouble marked; ?refresh=N.  The screenshot is kept as
build/status-page.png (a CI artifact).

Chromium is kept off the network: a proxy on a closed local port for
anything but loopback, no DNS, no background services; its profile lives
in the server root; it runs in its own process group, which is killed if
it overstays."""
import html.parser
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time

import pytest

import fcgp
import httpd as H

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOT = os.path.join(H.REPO_ROOT, "build", "status-page.png")

CONF = """\
<Location /fcgiproc-status>
    SetHandler fcgiproc-status
</Location>
FcgiProcKillTimeout 30
FcgiProcCmdOptions @HTDOCS@/stop.fcgi IdleTimeout 1 MinProcesses 0
"""

# A same-origin page that loads the status page in a frame and writes, per
# worker row, what the browser computed: state, pid, the state badge's
# background colour and text, and the current request.
CHECK_HTML = """\
<!DOCTYPE html><html><body>
<iframe id="f" src="/fcgiproc-status" width="1200" height="800"></iframe>
<script>
document.getElementById("f").onload = function () {
  var d = this.contentDocument, out = [];
  d.querySelectorAll("tr[data-state]").forEach(function (tr) {
    var b = tr.querySelector(".st"), q = tr.querySelector(".req");
    out.push([tr.dataset.state, tr.dataset.pid,
              getComputedStyle(b).backgroundColor,
              getComputedStyle(b).color, b.textContent,
              q ? q.textContent : ""].join("|"));
  });
  var pre = document.createElement("pre");
  pre.id = "result";
  pre.textContent = out.join("\\n");
  document.body.appendChild(pre);
};
</script></body></html>
"""


class Rows(html.parser.HTMLParser):
    """Every <tr> of the document: its attributes and its text."""

    def __init__(self):
        super().__init__()
        self.rows = []
        self.meta = []
        self._cur = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self._cur = {"attrs": dict(attrs), "text": ""}
        elif tag == "meta":
            self.meta.append(dict(attrs))

    def handle_endtag(self, tag):
        if tag == "tr" and self._cur is not None:
            self.rows.append(self._cur)
            self._cur = None

    def handle_data(self, data):
        if self._cur is not None:
            self._cur["text"] += data + " "


def parse(text):
    p = Rows()
    p.feed(text)
    return p


def chromium(h, args, url, timeout=90):
    """Run headless Chromium on url; returns its stdout."""
    home = os.path.join(h.root, "chromium")
    os.makedirs(home, exist_ok=True)
    cmd = [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu",
           "--user-data-dir=" + os.path.join(home, "profile"),
           "--no-first-run", "--no-default-browser-check",
           "--disable-background-networking", "--disable-component-update",
           "--disable-sync", "--disable-default-apps", "--disable-extensions",
           "--proxy-server=http://127.0.0.1:9",
           "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
           "--virtual-time-budget=5000"] + args + [url]
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home,
           "XDG_CONFIG_HOME": home, "XDG_CACHE_HOME": home, "LANG": "C.UTF-8"}
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=env, start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
    finally:
        try:
            os.killpg(p.pid, signal.SIGKILL)    # its helpers, if any stayed
        except ProcessLookupError:
            pass
        p.wait()
    assert p.returncode == 0, err.decode(errors="replace")[-2000:]
    return out.decode(errors="replace")


def status_json(h):
    return json.loads(h.get("/fcgiproc-status?json").body)


def worker_of(h, name):
    ws = [w for w in status_json(h)["workers"]
          if w["class"].startswith(os.path.join(h.htdocs, name))]
    return ws


def three_states(make_httpd):
    """A server with a busy worker (app.fcgi, its request held), an idle
    one (idle.fcgi) and a stopping one (stop.fcgi, retired idle but held
    stopped so SIGTERM waits), and two trouble exits (crash.fcgi).
    Returns (h, pids, cleanup)."""
    h = fcgp.server(make_httpd, CONF, app=False)
    for name in ("app.fcgi", "idle.fcgi", "stop.fcgi", "crash.fcgi"):
        h.install_app(name)
    h.htdocs_file("check.html", CHECK_HTML)
    h.start()
    pids = {}
    for name in ("idle", "stop", "app"):
        r = h.get("/%s.fcgi" % name)
        assert r.status == 200, r.body
        pids[name] = fcgp.app_pid(r.body)[0]
    assert h.get("/crash.fcgi?crash=1").status == 502
    os.kill(pids["stop"], signal.SIGSTOP)
    busy = socket.create_connection(("127.0.0.1", h.port), timeout=30)
    busy.sendall(b"GET /app.fcgi?sleep=20000&who=%3Cme%3E HTTP/1.0\r\n"
                 b"Host: 127.0.0.1\r\n\r\n")

    def cleanup():
        try:
            os.kill(pids["stop"], signal.SIGCONT)
        except ProcessLookupError:
            pass
        busy.close()

    deadline = time.monotonic() + 10
    while True:
        st = status_json(h)
        states = {w["pid"]: w["state"] for w in st["workers"]}
        if (states.get(pids["app"]), states.get(pids["idle"]),
                states.get(pids["stop"])) == ("busy", "idle", "stopping") \
                and st["exits_total"] == 2:     # both crashed workers
            break
        if time.monotonic() > deadline:
            cleanup()
            pytest.fail("states never settled: %r %r %r" % (
                pids, states, {p: (H.process_info(p) or {}).get("state")
                               for p in states}))
        time.sleep(0.2)
    return h, pids, cleanup


def test_refresh_is_asked_for_and_bounded(make_httpd):
    h = fcgp.server(make_httpd, CONF)
    h.start()
    h.get("/app.fcgi")

    def refresh(query):
        r = h.get("/fcgiproc-status" + query)
        assert r.status == 200 and r.header("Cache-Control") == "no-store"
        return [m.get("content") for m in parse(r.text).meta
                if m.get("http-equiv") == "refresh"]
    assert refresh("") == []
    assert refresh("?refresh=5") == ["5"]
    assert refresh("?refresh=999999") == ["3600"]
    for bad in ("?refresh=0", "?refresh=-3", "?refresh=abc", "?refresh=",
                "?refresh=5x"):
        assert refresh(bad) == [], bad
    # ?json is JSON, whatever else the query says
    assert json.loads(h.get("/fcgiproc-status?json&refresh=5").body)


@pytest.mark.skipif(not CHROMIUM, reason="chromium is not installed "
                    "(t/deps.sh installs it)")
def test_status_page_in_a_browser(make_httpd):
    h, pids, cleanup = three_states(make_httpd)
    try:
        url = h.url("/fcgiproc-status?refresh=30")
        dom = chromium(h, ["--dump-dom"], url)
        page = parse(dom)
        rows = {int(r["attrs"]["data-pid"]): r for r in page.rows
                if "data-state" in r["attrs"]}
        # every worker, each with its state, as a row attribute and a class
        for name, state in (("app", "busy"), ("idle", "idle"),
                            ("stop", "stopping")):
            r = rows[pids[name]]
            assert r["attrs"]["data-state"] == state, r
            assert "w-" + state in r["attrs"]["class"].split(), r
        busy = " ".join(rows[pids["app"]]["text"].split())
        assert "\u25cf busy" in busy                        # ● busy
        assert "GET /app.fcgi?sleep=20000&who=%3Cme%3E" in busy, busy
        assert "\u25cb idle" in rows[pids["idle"]]["text"]  # ○ idle
        stop = rows[pids["stop"]]["text"]
        assert "\u2715 stopping" in stop and "FcgiProcIdleTimeout" in stop
        # the other rows (only busy/idle/stopping here)
        assert {r["attrs"]["data-state"] for r in rows.values()} <= \
            {"busy", "idle", "stopping"}
        # reloads itself
        assert [m.get("content") for m in page.meta
                if m.get("http-equiv") == "refresh"] == ["30"]
        # the trouble exits are marked, with their reason
        trouble = [r for r in page.rows
                   if "trouble" in r["attrs"].get("class", "").split()
                   and "crash.fcgi" in r["text"]]
        # (its hand-back says "broken request"; when the PM reaps the exit
        # first, under load, it is an "unexpected exit": trouble either way)
        assert len(trouble) == 2 and all(
            "retired (broken request)" in r["text"]
            or "unexpected exit" in r["text"] for r in trouble), trouble
        assert re.search(r"2 of the last \d+ after\s+trouble", dom), dom[:3000]
        # the classes' load against their limits
        app_row = [r for r in page.rows if "app.fcgi" in r["text"]
                   and "data-waiting" in r["attrs"]]
        assert len(app_row) == 1 and "1 busy, 0 idle, 0 stopping of 100" \
            in " ".join(app_row[0]["text"].split()), app_row

        # What the browser computed: each state's badge has its own
        # colour, and its own symbol and word (not colour alone).
        out = chromium(h, ["--dump-dom"], h.url("/check.html"))
        m = re.search(r'<pre id="result">(.*?)</pre>', out, re.S)
        assert m, out[-2000:]
        seen = {}
        for line in html.unescape(m.group(1)).splitlines():
            state, pid, bg, fg, text, req = line.split("|")
            seen[int(pid)] = (state, bg, fg, text.strip(), req)
        got = {name: seen[pids[name]] for name in ("app", "idle", "stop")}
        assert len({v[1] for v in got.values()}) == 3, got   # backgrounds
        assert len({v[3][0] for v in got.values()}) == 3, got  # symbols
        assert [got[n][3] for n in ("app", "idle", "stop")] == \
            ["\u25cf busy", "\u25cb idle", "\u2715 stopping"], got
        assert got["app"][4] == "GET /app.fcgi?sleep=20000&who=%3Cme%3E"

        os.makedirs(os.path.dirname(SCREENSHOT), exist_ok=True)
        if os.path.exists(SCREENSHOT):
            os.unlink(SCREENSHOT)
        chromium(h, ["--screenshot=" + SCREENSHOT, "--window-size=1280,900",
                     "--hide-scrollbars"], url)
        assert os.path.getsize(SCREENSHOT) > 10000
    finally:
        cleanup()
