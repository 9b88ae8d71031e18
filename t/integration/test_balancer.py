"""Two httpd + mod_fcgiproc nodes behind a real load balancer (HAProxy from
Debian, its own private config and port on 127.0.0.1), which health-checks
each node's readiness URL (SetHandler fcgiproc-ready).  Under a bounded
load, each node in turn is stopped with graceful-stop and started again:
no request may fail.  Figures: build/balancer-rolling.txt.

    /usr/bin/python3 -m pytest -q -p no:cacheprovider \\
        t/integration/test_balancer.py
"""
import http.client
import os
import shutil
import signal
import subprocess
import threading
import time

import pytest

import httpd as H

HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"

pytestmark = pytest.mark.skipif(not os.path.exists(HAPROXY),
                                reason="haproxy is not installed")

NODE_CONF = """\
<Location /ready>
    SetHandler fcgiproc-ready
</Location>
FcgiProcServer @HTDOCS@/app.fcgi -processes 2
GracefulShutdownTimeout 20
"""

HAPROXY_CONF = """\
global
    maxconn 256
    pidfile {dir}/haproxy.pid

defaults
    mode http
    timeout connect 1s
    timeout client 30s
    timeout server 30s
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response junk-response

frontend fe
    bind 127.0.0.1:{port}
    default_backend nodes

backend nodes
    balance roundrobin
    option httpchk GET /ready
    http-check expect status 200
    default-server inter 250ms fall 2 rise 2
    server a 127.0.0.1:{a} check
    server b 127.0.0.1:{b} check
"""


class Haproxy:
    def __init__(self, base, port, a, b):
        self.dir = os.path.join(str(base), "haproxy")
        os.makedirs(self.dir, exist_ok=True)
        self.port = port
        self.conf = os.path.join(self.dir, "haproxy.cfg")
        with open(self.conf, "w") as f:
            f.write(HAPROXY_CONF.format(dir=self.dir, port=port, a=a, b=b))
        self.log = os.path.join(self.dir, "out")
        self.proc = None

    def start(self):
        check = subprocess.run([HAPROXY, "-c", "-f", self.conf],
                               capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen([HAPROXY, "-db", "-f", self.conf],
                                         stdin=subprocess.DEVNULL,
                                         stdout=out, stderr=out,
                                         start_new_session=True)
        deadline = time.monotonic() + 10
        while not H.port_open(self.port):
            assert self.proc.poll() is None, open(self.log).read()
            assert time.monotonic() < deadline, "haproxy did not listen"
            time.sleep(0.05)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def get(port, path, timeout=30):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def wait_ready(node, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if get(node.port, "/ready", timeout=2)[0] == 200:
                return True
        except OSError:
            pass
        time.sleep(0.1)
    return False


def test_rolling_graceful_stop_and_start_behind_haproxy_loses_nothing(
        make_httpd, test_app, tmp_path):
    nodes = []
    for _ in range(2):
        n = make_httpd(extra_conf=NODE_CONF)
        n.install_app("app.fcgi")
        n.start()
        nodes.append(n)
    lb = Haproxy(tmp_path, H.free_port(), nodes[0].port, nodes[1].port)
    lb.start()
    try:
        for n in nodes:
            assert wait_ready(n)
        time.sleep(1)                       # both checked up (rise 2)
        counts = {"sent": 0, "failed": 0}
        failures = []
        lock = threading.Lock()
        done = threading.Event()

        def client():
            while not done.is_set():
                try:
                    status, body = get(lb.port, "/app.fcgi")
                    ok = status == 200 and body.startswith(b"pid=")
                    what = status
                except OSError as e:
                    ok, what = False, repr(e)
                with lock:
                    counts["sent"] += 1
                    if not ok:
                        counts["failed"] += 1
                        failures.append((time.monotonic(), what))
                time.sleep(0.01)            # bounded: <= ~100 req/s each

        threads = [threading.Thread(target=client) for _ in range(4)]
        for t in threads:
            t.start()
        steps = []
        time.sleep(1)
        for name, n in zip("ab", nodes):
            t0 = time.monotonic()
            pid = n.pid()
            rc, out = n._signal_cmd("graceful-stop")
            assert rc == 0, out
            assert H.wait_pid_gone(pid, 30), "%s did not stop" % name
            n.stop()                        # (nothing left of it)
            time.sleep(1)                   # the balancer sees it down
            n.start()
            assert wait_ready(n)
            time.sleep(1.5)                 # and up again (rise 2)
            steps.append("%s: stopped and back in %.1f s"
                         % (name, time.monotonic() - t0))
        time.sleep(1)
        done.set()
        for t in threads:
            t.join(60)
        report = ("HAProxy in front of two nodes, rolling graceful-stop and "
                  "start of each: sent %d, failed %d (%s)\n"
                  % (counts["sent"], counts["failed"], "; ".join(steps)))
        os.makedirs(os.path.join(H.REPO_ROOT, "build"), exist_ok=True)
        with open(os.path.join(H.REPO_ROOT, "build",
                               "balancer-rolling.txt"), "w") as f:
            f.write(report)
        print(report)
        assert counts["sent"] > 200
        assert counts["failed"] == 0, (report, failures[:10])
        # both nodes served, after their restart too
        for n in nodes:
            assert [e for e in n.access_log_entries()
                    if "/app.fcgi" in e["request"]]
    finally:
        lb.stop()
