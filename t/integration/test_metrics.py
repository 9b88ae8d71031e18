"""The status page's ?metrics (Prometheus text format) and the counters in
?json: checked with Prometheus's own tools (python3-prometheus-client's
parser, promtool, and a private Prometheus server scraping the test httpd)
against what each test did."""
import json
import os
import shutil
import signal
import subprocess
import threading
import time
import urllib.parse
import urllib.request

import pytest

import fcgp
import httpd as H

STATUS = """\
<Location /fcgiproc-status>
    SetHandler fcgiproc-status
</Location>
"""

METRICS_TYPE = "text/plain; version=0.0.4"
PROMETHEUS = "/usr/bin/prometheus"
PROMTOOL = "/usr/bin/promtool"


def need(path):
    if not os.path.exists(path):
        pytest.skip("%s not installed (t/deps.sh installs it)" % path)


def parser():
    try:
        from prometheus_client.parser import text_string_to_metric_families
    except ImportError:
        pytest.skip("python3-prometheus-client not installed (t/deps.sh)")
    return text_string_to_metric_families


class Scrape:
    """One ?metrics answer, parsed by prometheus_client: families by name
    (as the parser names them: a counter without its _total) and
    samples."""

    def __init__(self, text):
        self.text = text
        self.types = {}
        self.samples = []
        for fam in parser()(text):
            self.types[fam.name] = fam.type
            for s in fam.samples:
                self.samples.append((s.name, dict(s.labels), s.value))

    def get(self, name, **labels):
        """The samples of `name` whose labels include `labels`."""
        return [(l, v) for n, l, v in self.samples
                if n == name and all(l.get(k) == w for k, w in labels.items())]

    def value(self, name, default=None, **labels):
        found = self.get(name, **labels)
        assert len(found) <= 1, (name, labels, found)
        if not found:
            assert default is not None, "no %s %s in\n%s" % (name, labels,
                                                             self.text)
            return default
        return found[0][1]

    def classes(self):
        """(command, vhost) of every row that has gauges (a class this
        process manager runs)."""
        return sorted({(l["command"], l["vhost"])
                       for l, _ in self.get("fcgiproc_total_processes")})


def scrape(h):
    r = h.get("/fcgiproc-status?metrics")
    assert r.status == 200, r
    assert r.header("Content-Type").startswith(METRICS_TYPE)
    return Scrape(r.text)


def app_cmd(h, name="app.fcgi"):
    return os.path.join(h.htdocs, name)


def check_invariants(sc):
    """What one scrape must hold: per class active + idle = total <= max;
    the server's processes at most FcgiProcMaxProcesses."""
    server = sc.value("fcgiproc_server_processes")
    assert server <= sc.value("fcgiproc_server_max_processes")
    seen = 0
    for labels, total in sc.get("fcgiproc_total_processes"):
        lab = {"command": labels["command"], "vhost": labels["vhost"]}
        idle = sc.value("fcgiproc_idle_processes", **lab)
        active = sc.value("fcgiproc_active_processes", **lab)
        assert active + idle == total, (lab, active, idle, total)
        assert total <= sc.value("fcgiproc_max_processes", **lab), \
            (lab, total, sc.text)
        seen += (total + sc.value("fcgiproc_leaving_processes", **lab)
                 + sc.value("fcgiproc_stopping_processes", **lab))
    assert seen == server, (seen, server)


def wait_metrics(h, cond, timeout=10):
    """Scrape until cond(scrape) holds (bounded); returns the last one."""
    deadline = time.monotonic() + timeout
    while True:
        sc = scrape(h)
        if cond(sc) or time.monotonic() > deadline:
            return sc
        time.sleep(0.2)


def test_metrics_count_what_was_done(make_httpd):
    """Requests by final status (the app's own 503 too), a 404 of no
    class, accepted connections, spawns, exits by reason (request limit,
    exited by itself) and the learned limit; the format passes
    prometheus_client's parser and promtool; ?json has the same counts;
    the page shows them."""
    need(PROMTOOL)
    h = fcgp.server(make_httpd, STATUS
                    + "FcgiProcInitialEnv PHP_FCGI_MAX_REQUESTS 3\n")
    h.start()
    for _ in range(5):
        assert h.get("/app.fcgi").status == 200
    for _ in range(3):
        assert h.get("/app.fcgi?status=503").status == 503
    for _ in range(2):
        assert h.get("/nope.fcgi").status == 404
    for _ in range(4):
        assert h.get("/hello.php").status == 200    # one retires at 3
    app = {"command": app_cmd(h), "vhost": "127.0.0.1:0"}
    php = {"command": "/usr/bin/php-cgi", "vhost": "127.0.0.1:0"}
    sc = wait_metrics(h, lambda s: s.value(
        "fcgiproc_worker_exits_total", 0, reason="limit", **php) >= 1)
    # the app served 3 (its limit, 3) and was replaced: 8 requests, 3 pids
    assert sc.value("fcgiproc_requests_total", code="200", **app) == 5
    assert sc.value("fcgiproc_requests_total", code="503", **app) == 3
    assert sc.value("fcgiproc_requests_total", code="404",
                    command="", vhost="") == 2
    assert sc.value("fcgiproc_requests_total", code="200", **php) == 4
    assert sc.value("fcgiproc_accepted_connections_total", **app) == 8
    assert sc.value("fcgiproc_accepted_connections_total", **php) == 4
    # php-cgi in parent mode: its child left at 3 and the parent forked the
    # next (an exit at the limit, no spawn of ours)
    assert sc.value("fcgiproc_spawns_total", **php) >= 1
    assert sc.value("fcgiproc_worker_exits_total", reason="limit",
                    **php) == 1
    assert sc.value("fcgiproc_worker_exits_total", reason="crash",
                    **php) == 0
    assert sc.value("fcgiproc_request_limit", **php) == 3
    assert not sc.get("fcgiproc_failures_total", **app)   # none failed
    assert sc.value("fcgiproc_up") == 1
    assert sc.value("fcgiproc_classes") == 2
    assert sc.value("fcgiproc_queue_wait_seconds_count", **app) == 8
    assert sc.value("fcgiproc_queue_wait_seconds_bucket", le="+Inf",
                    **app) == 8
    assert sc.classes() == sorted([tuple(app.values()), tuple(php.values())])
    check_invariants(sc)
    # Families and types as Prometheus reads them.
    assert sc.types["fcgiproc_requests"] == "counter"
    assert sc.types["fcgiproc_queue_wait_seconds"] == "histogram"
    assert sc.types["fcgiproc_idle_processes"] == "gauge"
    assert sc.types["fcgiproc_worker_exits"] == "counter"
    p = subprocess.run([PROMTOOL, "check", "metrics"], input=sc.text,
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0 and not (p.stdout + p.stderr).strip(), \
        p.stdout + p.stderr

    # An app that exits by itself after its first answer (under its limit,
    # 3): counted as such, and its limit is learned.
    h.install_app("self.fcgi")
    assert h.get("/self.fcgi?exit=1").status == 200
    me = {"command": app_cmd(h, "self.fcgi"), "vhost": "127.0.0.1:0"}
    sc = wait_metrics(h, lambda s: s.value(
        "fcgiproc_worker_exits_total", 0, reason="self", **me) >= 1)
    assert sc.value("fcgiproc_worker_exits_total", reason="self", **me) == 1
    assert sc.value("fcgiproc_learned_request_limit", **me) == 1
    assert sc.value("fcgiproc_requests_total", code="200", **me) == 1
    assert sc.value("fcgiproc_learned_request_limit", **app) == 0

    # ?json: the same counts, from the same counters.
    st = json.loads(h.get("/fcgiproc-status?json").body)
    sc = scrape(h)
    rows = {(m["command"], m["vhost"]): m for m in st["metrics"]}
    assert st["classes_total"] == 3
    assert st["counters_since"] == int(sc.value("fcgiproc_start_time_seconds"))
    for (cmd, vhost), m in rows.items():
        lab = {"command": cmd, "vhost": vhost}
        for code, n in m["requests"].items():
            assert sc.value("fcgiproc_requests_total", code=code, **lab) == n
        assert sum(v for l, v in sc.get("fcgiproc_requests_total", **lab)) \
            == sum(m["requests"].values())
        if cmd:
            assert m["accepted_connections"] == sc.value(
                "fcgiproc_accepted_connections_total", **lab)
            assert m["spawns"] == sc.value("fcgiproc_spawns_total", **lab)
            for reason, n in m["worker_exits"].items():
                assert sc.value("fcgiproc_worker_exits_total",
                                reason=reason, **lab) == n
            assert m["queue_wait"]["count"] == sc.value(
                "fcgiproc_queue_wait_seconds_count", **lab)
    assert rows[("", "")]["requests"] == {"404": 2}
    assert rows[tuple(app.values())]["requests"] == {"200": 5, "503": 3}

    # The page: a small table of the same.
    page = h.get("/fcgiproc-status").text
    assert "<h2>Counters</h2>" in page
    assert "<tr><td>(no class)</td><td></td><td>2</td>" in page
    assert "<tr><td>%s</td><td>127.0.0.1:0</td><td>8</td><td>3</td>" \
        % app_cmd(h) in page


def test_metrics_failures_wait_slow_and_limits(make_httpd):
    """One worker at most, three requests at once: one is served (slow),
    two wait FcgiProcQueueTimeout and get 503: failures by cause, the
    queue-wait histogram, max children reached, max listen queue, max
    active processes, slow requests."""
    h = fcgp.server(make_httpd, STATUS + """\
FcgiProcMaxProcessesPerClass 1
FcgiProcQueueTimeout 2
FcgiProcSlowRequestTimeout 1
""")
    h.start()
    results = []

    def one():
        results.append(h.get("/app.fcgi?sleep=3000", timeout=20).status)

    threads = [threading.Thread(target=one) for _ in range(3)]
    for t in threads:
        t.start()
        time.sleep(0.05)
    for t in threads:
        t.join(30)
    assert sorted(results) == [200, 503, 503], results
    app = {"command": app_cmd(h), "vhost": "127.0.0.1:0"}
    sc = scrape(h)
    assert sc.value("fcgiproc_requests_total", code="200", **app) == 1
    assert sc.value("fcgiproc_requests_total", code="503", **app) == 2
    assert sc.value("fcgiproc_failures_total", cause="queue_timeout",
                    **app) == 2
    assert len(sc.get("fcgiproc_failures_total", **app)) == 1
    assert sc.value("fcgiproc_slow_requests_total", **app) == 1
    assert sc.value("fcgiproc_max_children_reached_total", **app) >= 1
    assert sc.value("fcgiproc_max_active_processes", **app) == 1
    assert sc.value("fcgiproc_max_listen_queue", **app) >= 2
    assert sc.value("fcgiproc_accepted_connections_total", **app) == 1
    # the served one got its worker at once; the others waited 2 s
    assert sc.value("fcgiproc_queue_wait_seconds_bucket", le="1", **app) == 1
    assert sc.value("fcgiproc_queue_wait_seconds_bucket", le="2.5",
                    **app) == 3
    assert sc.value("fcgiproc_queue_wait_seconds_count", **app) == 3
    assert sc.value("fcgiproc_queue_wait_seconds_sum", **app) >= 4.0
    assert sc.value("fcgiproc_max_processes", **app) == 1
    check_invariants(sc)


def test_metrics_invariants_under_load(make_httpd):
    """Scrapes while workers retire at their request limit and their
    replacements start ahead: each one has active + idle = total <= the
    class's maximum (a worker on its way out is counted as leaving, its
    replacement in its place), and the server's processes within
    FcgiProcMaxProcesses."""
    h = fcgp.server(make_httpd, STATUS + """\
FcgiProcMaxProcessesPerClass 2
FcgiProcMaxRequestsPerProcess 3
FcgiProcMaxProcesses 5
""")
    h.start()
    stop = threading.Event()
    statuses = []

    def load():
        for _ in range(30):
            if stop.is_set():
                return
            statuses.append(h.get("/app.fcgi?sleep=50").status)

    threads = [threading.Thread(target=load) for _ in range(3)]
    for t in threads:
        t.start()
    leaving = busy = 0
    try:
        for _ in range(60):
            sc = scrape(h)
            check_invariants(sc)
            lab = {"command": app_cmd(h), "vhost": "127.0.0.1:0"}
            leaving += sc.value("fcgiproc_leaving_processes", 0, **lab)
            busy += sc.value("fcgiproc_active_processes", 0, **lab)
            if not any(t.is_alive() for t in threads):
                break
            time.sleep(0.03)
    finally:
        stop.set()
        for t in threads:
            t.join(60)
    assert set(statuses) == {200}, statuses
    assert busy > 0 and leaving > 0, (busy, leaving)
    sc = scrape(h)
    lab = {"command": app_cmd(h), "vhost": "127.0.0.1:0"}
    assert sc.value("fcgiproc_requests_total", code="200", **lab) \
        == len(statuses)
    assert sc.value("fcgiproc_worker_exits_total", reason="limit", **lab) >= 5


def test_metrics_kept_across_graceful_restart(make_httpd):
    """The counters live in the worker table, kept across graceful
    restarts: the same start time and counts after one, the old workers'
    exits counted as graceful, and counting goes on."""
    h = fcgp.server(make_httpd, STATUS)
    h.start()
    for _ in range(3):
        h.get("/app.fcgi")
    h.get("/app.fcgi?status=503")
    app = {"command": app_cmd(h), "vhost": "127.0.0.1:0"}
    before = scrape(h)
    h.graceful()
    after = wait_metrics(h, lambda s: s.value(
        "fcgiproc_worker_exits_total", 0, reason="graceful", **app) >= 1)
    for name in ("fcgiproc_start_time_seconds",):
        assert after.value(name) == before.value(name)
    assert after.value("fcgiproc_class_start_time_seconds", **app) \
        == before.value("fcgiproc_class_start_time_seconds", **app)
    assert after.value("fcgiproc_requests_total", code="200", **app) == 3
    assert after.value("fcgiproc_requests_total", code="503", **app) == 1
    assert after.value("fcgiproc_accepted_connections_total", **app) == 4
    assert after.value("fcgiproc_worker_exits_total", reason="graceful",
                       **app) == 1
    assert after.value("fcgiproc_draining") == 0
    # the new process manager does not know the class until it is used
    assert tuple(app.values()) not in after.classes()
    assert h.get("/app.fcgi").status == 200
    sc = scrape(h)
    assert sc.value("fcgiproc_requests_total", code="200", **app) == 4
    assert sc.value("fcgiproc_accepted_connections_total", **app) == 5
    assert sc.value("fcgiproc_spawns_total", **app) == 2
    assert tuple(app.values()) in sc.classes()
    check_invariants(sc)


def test_metrics_classes_beyond_the_cap_summed(make_httpd):
    """FcgiProcMetricsClasses 2: the first two classes used have labels of
    their own, the others are summed into one "(other)" row."""
    h = fcgp.server(make_httpd, STATUS + "FcgiProcMetricsClasses 2\n",
                    app=False)
    for i in range(4):
        h.install_app("app%d.fcgi" % i)
    h.start()
    for i in range(4):
        assert h.get("/app%d.fcgi" % i).status == 200
    assert h.get("/app3.fcgi?status=503").status == 503
    sc = scrape(h)
    other = {"command": "(other)", "vhost": "(other)"}
    commands = {l["command"] for l, _ in
                sc.get("fcgiproc_accepted_connections_total")}
    assert commands == {app_cmd(h, "app0.fcgi"), app_cmd(h, "app1.fcgi"),
                        "(other)"}, commands
    assert sc.value("fcgiproc_accepted_connections_total", **other) == 3
    assert sc.value("fcgiproc_requests_total", code="200", **other) == 2
    assert sc.value("fcgiproc_requests_total", code="503", **other) == 1
    assert sc.value("fcgiproc_total_processes", **other) == 2
    assert sc.value("fcgiproc_max_processes", **other) == 200
    assert sc.value("fcgiproc_classes") == 4
    check_invariants(sc)
    st = json.loads(h.get("/fcgiproc-status?json").body)
    assert [(m["command"], m["classes"]) for m in st["metrics"]] == [
        ("", 0), (app_cmd(h, "app0.fcgi"), 1), (app_cmd(h, "app1.fcgi"), 1),
        ("(other)", 2)]


def test_metrics_backoff_crashes_and_retries(make_httpd):
    """An app that dies at start: its crashes, the retries, the failures
    by cause (one per failed request), the pause and its seconds left."""
    h = fcgp.server(make_httpd, STATUS)
    h.htdocs_file("broken.fcgi", "#!/bin/sh\nexit 3\n", 0o755)
    h.start()
    statuses = [h.get("/broken.fcgi").status for _ in range(6)]
    assert 502 in statuses and 503 in statuses, statuses
    lab = {"command": app_cmd(h, "broken.fcgi"), "vhost": "127.0.0.1:0"}
    sc = wait_metrics(h, lambda s: s.value(
        "fcgiproc_worker_exits_total", 0, reason="crash", **lab) >= 5)
    assert sc.value("fcgiproc_backoffs_total", **lab) == 1
    assert sc.value("fcgiproc_backoff_seconds", **lab) > 0
    assert sc.value("fcgiproc_worker_exits_total", reason="crash", **lab) >= 5
    assert sc.value("fcgiproc_spawns_total", **lab) >= 5
    assert sc.value("fcgiproc_retries_total", **lab) >= 1
    assert sc.value("fcgiproc_failures_total", cause="backoff", **lab) \
        == statuses.count(503)
    failed = sum(v for _, v in sc.get("fcgiproc_failures_total", **lab))
    assert failed == len(statuses), (failed, statuses)
    for code in (502, 503):
        assert sc.value("fcgiproc_requests_total", code=str(code), **lab) \
            == statuses.count(code)
    check_invariants(sc)


def test_metrics_pm_unreachable(make_httpd):
    """No process manager: 200 with fcgiproc_up 0 and nothing else, one
    INFO line per scrape (FCGP02060)."""
    h = fcgp.server(make_httpd, STATUS)
    h.start()
    h.get("/app.fcgi")
    sock = os.path.join(h.run_dir, "fcgiproc", "pm.sock")
    mark = h.log_mark()
    os.rename(sock, sock + ".away")
    try:
        sc = scrape(h)
    finally:
        os.rename(sock + ".away", sock)
    assert [(n, v) for n, _, v in sc.samples] == [("fcgiproc_up", 0)]
    log = fcgp.tagged(h.error_log(mark), "FCGP02060")
    assert len(log) == 1 and ":info]" in log[0], log
    assert scrape(h).value("fcgiproc_up") == 1


# ---- a real Prometheus server ---------------------------------------------

def prometheus_pids():
    """Live processes running /usr/bin/prometheus."""
    out = set()
    for pid in os.listdir("/proc"):
        if pid.isdigit() and H.exe_of(int(pid)) == PROMETHEUS \
                and H.pid_alive(int(pid)):
            out.add(int(pid))
    return out


def prom_query(port, q):
    url = "http://127.0.0.1:%d/api/v1/query?%s" % (
        port, urllib.parse.urlencode({"query": q}))
    with urllib.request.urlopen(url, timeout=5) as r:
        doc = json.load(r)
    assert doc["status"] == "success", doc
    return {tuple(sorted(x["metric"].items())): float(x["value"][1])
            for x in doc["data"]["result"]}


def prom_range(port, q):
    """The stored values of the one series a range-vector query gives."""
    url = "http://127.0.0.1:%d/api/v1/query?%s" % (
        port, urllib.parse.urlencode({"query": q}))
    with urllib.request.urlopen(url, timeout=5) as r:
        doc = json.load(r)
    assert doc["status"] == "success", doc
    assert len(doc["data"]["result"]) == 1, doc
    return [float(v) for _, v in doc["data"]["result"][0]["values"]]


def test_real_prometheus_scrapes_and_stores(make_httpd, tmp_path):
    """Debian's Prometheus, run privately (own config, data in the test's
    tmp, 127.0.0.1, scraping ?metrics every second for ~10 s), stores what
    the test did: its API gives back the 200 and 503 counts by class and
    the 404s of no class."""
    need(PROMETHEUS)
    h = fcgp.server(make_httpd, STATUS)
    h.start()
    port = H.free_port()
    cfg = tmp_path / "prometheus.yml"
    cfg.write_text("""\
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: fcgiproc
    metrics_path: /fcgiproc-status
    params:
      metrics: ['']
    static_configs:
      - targets: ['127.0.0.1:%d']
""" % h.port)
    before = prometheus_pids()
    log = open(tmp_path / "prometheus.log", "w")
    prom = subprocess.Popen(
        [PROMETHEUS, "--config.file=%s" % cfg,
         "--storage.tsdb.path=%s" % (tmp_path / "data"),
         "--web.listen-address=127.0.0.1:%d" % port, "--log.level=warn"],
        cwd=str(tmp_path), stdout=log, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 15
        while not H.port_open(port):
            assert prom.poll() is None, (tmp_path / "prometheus.log").read_text()
            assert time.monotonic() < deadline, "prometheus did not listen"
            time.sleep(0.2)
        # its first scrape, then the traffic in three rounds over ~4 s
        while not prom_query(port, "fcgiproc_up"):
            assert time.monotonic() < deadline, "no scrape stored"
            time.sleep(0.3)
        for rnd in range(3):
            for _ in range(3 if rnd < 2 else 1):
                assert h.get("/app.fcgi").status == 200
            for _ in range(2 if rnd < 2 else 0):
                assert h.get("/app.fcgi?status=503").status == 503
            if rnd == 2:
                for _ in range(2):
                    assert h.get("/nope.fcgi").status == 404
            time.sleep(1.5)
        app = app_cmd(h)
        want = {"200": 7, "503": 4}
        deadline = time.monotonic() + 15
        while True:
            got = prom_query(port, 'fcgiproc_requests_total{command="%s"}'
                             % app)
            codes = {dict(k)["code"]: v for k, v in got.items()}
            if codes == want or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert codes == want, (codes, (tmp_path / "prometheus.log").read_text())
        # it stored the count as it grew, scrape after scrape
        hist = prom_range(port, 'fcgiproc_requests_total{command="%s",'
                                'code="200"}[1m]' % app)
        assert hist == sorted(hist) and hist[0] < 7 and hist[-1] == 7, hist
        assert len(set(hist)) >= 3, hist
        for k in got:
            lab = dict(k)
            assert lab["job"] == "fcgiproc" and lab["vhost"] == "127.0.0.1:0"
        nocls = prom_query(port, 'fcgiproc_requests_total{command=""}')
        assert [(dict(k).get("code"), v) for k, v in nocls.items()] \
            == [("404", 2)], nocls
        assert list(prom_query(port, 'up{job="fcgiproc"}').values()) == [1]
        assert list(prom_query(port, "fcgiproc_up").values()) == [1]
        # several scrapes stored, each whole (the total never above max)
        n = prom_query(port, "count_over_time(fcgiproc_up[1m])")
        assert list(n.values())[0] >= 3, n
        over = prom_query(port, "fcgiproc_total_processes > "
                                "fcgiproc_max_processes")
        assert over == {}, over
        accepted = prom_query(port, 'fcgiproc_accepted_connections_total'
                                    '{command="%s"}' % app)
        assert list(accepted.values()) == [11]
        rate = prom_query(port, 'sum(increase(fcgiproc_requests_total'
                                '{command="%s"}[1m]))' % app)
        assert list(rate.values())[0] > 0
    finally:
        prom.send_signal(signal.SIGTERM)
        try:
            prom.wait(15)
        except subprocess.TimeoutExpired:
            prom.kill()
            prom.wait(5)
        log.close()
    assert not H.pid_alive(prom.pid)
    # nothing of ours left running, and no Prometheus service started
    assert prometheus_pids() <= before, (prometheus_pids(), before)
    if shutil.which("systemctl"):
        p = subprocess.run(["systemctl", "is-active", "prometheus"],
                           capture_output=True, text=True, timeout=10)
        assert p.stdout.strip() != "active", p.stdout
