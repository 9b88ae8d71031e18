"""Bounded load, fault injection and the checks shared by the chaos tests.

    h = fcgp.server(make_httpd, CONF); h.start()
    run = Run(h)                 # status page, pids, the PM's fds
    load = Load(h, clients=8)    # GET /app.fcgi and POST /app.fcgi?echo=1
    load.start()
    ...  run.fault("worker", pid) each time something is killed ...
    load.stop(); load.join()

Every request is recorded (method, start, end, status or transport error,
whether a POST's echo checksum matched); failures are then explained by
the faults that happened while they were in flight.  Everything is bounded:
the load by its deadline (and each request by its socket timeout), every
wait by a deadline.
"""
import http.client
import json
import os
import random
import re
import signal
import subprocess
import threading
import time

import fcgp
import httpd as H

STATUS = """\
<Location /fcgiproc-status>
    SetHandler fcgiproc-status
</Location>
"""

SUMMARY_PATH = os.path.join(H.REPO_ROOT, "build", "chaos-summary.txt")

# Slack around a request's life when asking whether a fault hit it: the
# client's clock and the kill are a few ms apart.
SLACK = 0.05


# ---------------------------------------------------------------- summary

def summary_reset():
    os.makedirs(os.path.dirname(SUMMARY_PATH), exist_ok=True)
    with open(SUMMARY_PATH, "w") as f:
        f.write("")


def summary_add(line):
    with open(SUMMARY_PATH, "a") as f:
        f.write(line + "\n")
    print("\n" + line)


def summary_lines():
    try:
        with open(SUMMARY_PATH) as f:
            return [l.rstrip("\n") for l in f if l.strip()]
    except OSError:
        return []


# ---------------------------------------------------------------- load

class Rec:
    __slots__ = ("method", "t0", "t1", "status", "err", "ok", "pid", "body")

    def __init__(self, method, t0):
        self.method = method
        self.t0 = t0
        self.t1 = None
        self.status = 0        # 0: no HTTP answer (see err)
        self.err = None
        self.ok = False
        self.pid = None        # GET: the worker that answered
        self.body = b""        # dropped once checked

    def outcome(self):
        return str(self.status) if self.status else "conn:" + (self.err or "?")

    def __repr__(self):
        return "<%s %.3f-%.3f %s%s>" % (self.method, self.t0, self.t1 or -1,
                                        self.outcome(),
                                        "" if self.ok or self.status != 200
                                        else " (bad body)")


class Load:
    """clients threads, each sending one request at a time on a fresh
    connection until stop() or max_seconds: GET /app.fcgi (pid and count
    in the answer) or POST /app.fcgi?echo=1 with a random 1-6 KB body
    (the answer's checksum must match).  slow_share of the GETs ask the
    app to take slow_ms first, so that the 4 workers are often all busy
    and requests wait in the class's line."""

    def __init__(self, h, clients=8, max_seconds=60, post_share=0.4,
                 timeout=15, seed=None, slow_share=0.25, slow_ms=30):
        self.h = h
        self.clients = clients
        self.max_seconds = max_seconds
        self.post_share = post_share
        self.timeout = timeout
        self.slow_share = slow_share
        self.slow_ms = slow_ms
        self.rng = random.Random(seed)
        self.recs = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = []
        self.t_start = None
        self.t_end = None

    def now(self):
        return time.monotonic() - self.t_start

    def start(self):
        self.t_start = time.monotonic()
        for i in range(self.clients):
            t = threading.Thread(target=self._client,
                                 args=(random.Random(self.rng.random()),),
                                 daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def stop(self):
        self._stop.set()

    def join(self):
        self._stop.set()
        deadline = time.monotonic() + self.timeout + 5
        for t in self._threads:
            t.join(max(0.1, deadline - time.monotonic()))
        alive = [t for t in self._threads if t.is_alive()]
        assert not alive, "load clients still running after their timeout"
        self.t_end = self.now()
        return self

    def _client(self, rng):
        hard_end = self.t_start + self.max_seconds
        while not self._stop.is_set() and time.monotonic() < hard_end:
            if rng.random() < self.post_share:
                body = rng.randbytes(rng.randint(1024, 6 * 1024))
                rec = self._one("POST", "/app.fcgi?echo=1", body)
                if rec.status == 200:
                    rec.ok = rec.body == ("len=%d fnv=%s\n" % (
                        len(body), fcgp.fnv1a64(body))).encode()
            else:
                path = "/app.fcgi"
                if rng.random() < self.slow_share:
                    path += "?sleep=%d" % self.slow_ms
                rec = self._one("GET", path, None)
                if rec.status == 200:
                    m = fcgp.PID_RE.search(rec.body)
                    rec.ok = m is not None
                    rec.pid = int(m.group(1)) if m else None
            rec.body = None
            with self._lock:
                self.recs.append(rec)

    def _one(self, method, path, body):
        rec = Rec(method, self.now())
        conn = http.client.HTTPConnection("127.0.0.1", self.h.port,
                                          timeout=self.timeout)
        try:
            headers = {"Content-Type": "application/octet-stream"} if body else {}
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            rec.body = resp.read()
            rec.status = resp.status
        except (OSError, http.client.HTTPException) as e:
            rec.err = type(e).__name__
        finally:
            conn.close()
            rec.t1 = self.now()
        return rec

    # ------------------------------------------------------------ figures
    def rate(self, a, b):
        """Good answers per second that ended in [a, b) (load seconds)."""
        n = sum(1 for r in self.recs if r.ok and a <= r.t1 < b)
        return n / (b - a)

    def timeline(self, step=1.0):
        """Good answers per second in each step-second bucket."""
        end = max((r.t1 for r in self.recs), default=0.0)
        out = [0] * (int(end / step) + 1)
        for r in self.recs:
            if r.ok:
                out[int(r.t1 / step)] += 1
        return [int(n / step) for n in out]

    def stalls(self, samples, start, end, step=0.25, min_len=0.75):
        """Spans in [start, end) of at least min_len seconds in which no
        good answer ended although every status sample taken in them
        showed an idle worker and someone waiting: (from, to, samples)."""
        ends = sorted(r.t1 for r in self.recs if r.ok)
        import bisect
        out = []
        t = start
        run_from = None
        while t < end:
            i = bisect.bisect_left(ends, t)
            empty = i >= len(ends) or ends[i] >= t + step
            if empty and run_from is None:
                run_from = t
            if (not empty or t + step >= end) and run_from is not None:
                to = t if not empty else t + step
                inside = [s for s in samples if run_from <= s[0] < to]
                if to - run_from >= min_len and inside \
                        and all(idle and waiting for _, idle, waiting in inside):
                    out.append((round(run_from, 2), round(to, 2), inside))
                run_from = None
            t += step
        return out

    def failed(self, method=None):
        return [r for r in self.recs if not r.ok
                and (method is None or r.method == method)]

    def by_outcome(self, recs):
        out = {}
        for r in recs:
            k = r.outcome() if r.status != 200 else "200-bad-body"
            out[k] = out.get(k, 0) + 1
        return out


# ---------------------------------------------------------------- server

class Run:
    """One scenario against a started httpd: its status page, processes,
    the faults injected (kind, load-time, pid)."""

    def __init__(self, h, load=None):
        self.h = h
        self.load = load
        self.faults = []
        self.app_exe = os.path.realpath(os.path.join(h.htdocs, "app.fcgi"))
        self.apache_exe = os.path.realpath(H.APACHE_BIN)
        self.seen_workers = set()
        self.notes = []

    # ------------------------------------------------------------ status
    def status(self, timeout=5):
        """The status page's JSON; retried (bounded) while httpd's children
        or the PM are being replaced."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                r = self.h.get("/fcgiproc-status?json", timeout=5)
                if r.status == 200:
                    return json.loads(r.body)
                err = r.status
            except (OSError, ValueError, http.client.HTTPException) as e:
                err = e
            if time.monotonic() >= deadline:
                raise AssertionError("no status page: %r" % (err,))
            time.sleep(0.1)

    def pm_pid(self):
        return self.status()["pm_pid"]

    # ------------------------------------------------------------ processes
    def app_pids(self):
        """Live processes running the app (ours: its exe is our copy)."""
        out = []
        for pid in H._all_pids():
            if H.exe_of(pid) == self.app_exe and H.pid_alive(pid):
                out.append(pid)
        self.seen_workers.update(out)
        return out

    def httpd_children(self, pm=None):
        """The MPM's children: ppid is the httpd parent, exe apache2, not
        the PM."""
        main = self.h.pid()
        if pm is None:
            pm = self.pm_pid()
        out = []
        for pid in H._all_pids():
            st = H._proc_stat(pid)
            if st and st[1] == main and st[0] not in ("Z", "X") \
                    and pid != pm and H.exe_of(pid) == self.apache_exe:
                out.append(pid)
        return out

    def pm_sockets(self, pm):
        """The PM's sockets, sorted out with `ss -xan`: listeners (the
        workers' sockets it keeps), conns (httpd children's connections to
        pm.sock) and dead (connections whose other end no live process of
        this httpd holds: a leak), plus fds (all descriptors)."""
        def inodes(pid):
            out = set()
            try:
                for fd in os.listdir("/proc/%d/fd" % pid):
                    try:
                        l = os.readlink("/proc/%d/fd/%s" % (pid, fd))
                    except OSError:
                        continue
                    if l.startswith("socket:["):
                        out.add(l[8:-1])
            except OSError:
                pass
            return out
        mine = inodes(pm)
        held = set()
        for p in H.descendants(self.h.pid()):
            if p["pid"] != pm:
                held |= inodes(p["pid"])
        table = {}
        out = subprocess.run(["ss", "-xan"], capture_output=True, text=True,
                             timeout=10).stdout
        for line in out.splitlines()[1:]:
            f = line.split()
            if len(f) >= 8 and f[0] == "u_str":
                table[f[5]] = (f[1], f[4], f[7])
        ipc = os.path.join(self.h.run_dir, "fcgiproc")
        res = {"fds": self.fd_count(pm), "listeners": 0, "conns": 0, "dead": 0}
        for ino in mine:
            state, path, peer = table.get(ino, ("?", "?", "?"))
            if state == "LISTEN" and path.startswith(ipc + "/w"):
                res["listeners"] += 1
            elif state == "ESTAB" and path.endswith("/pm.sock"):
                res["conns"] += 1
                if peer not in held:
                    res["dead"] += 1
        return res

    @staticmethod
    def fd_count(pid):
        try:
            return len(os.listdir("/proc/%d/fd" % pid))
        except OSError:
            return -1

    # ------------------------------------------------------------ sampler
    def sample_waiting(self, every=0.25, max_seconds=60):
        """Poll the status page in a thread (bounded): the largest `waiting`
        seen (the line was in use) and samples (load time, idle workers,
        waiting); stop_sampling() ends it."""
        self.waiting_max = 0
        self.samples = []
        self._sampling = threading.Event()
        end = time.monotonic() + max_seconds

        def loop():
            while not self._sampling.wait(every) and time.monotonic() < end:
                try:
                    r = self.h.get("/fcgiproc-status?json", timeout=5)
                    st = json.loads(r.body)
                except (OSError, ValueError, http.client.HTTPException):
                    continue
                w = sum(int(c["waiting"]) for c in st["classes"])
                idle = sum(1 for x in st["workers"] if x["state"] == "idle")
                if self.load is not None:
                    self.samples.append((self.load.now(), idle, w))
                self.waiting_max = max(self.waiting_max, w)
        self._sampler = threading.Thread(target=loop, daemon=True)
        self._sampler.start()

    def stop_sampling(self):
        if getattr(self, "_sampler", None):
            self._sampling.set()
            self._sampler.join(10)

    # ------------------------------------------------------------ faults
    def fault(self, kind, pid, sig=signal.SIGKILL):
        t = self.load.now() if self.load else 0.0
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return False
        self.faults.append((kind, t, pid))
        return True

    def fault_times(self, kinds):
        return [t for k, t, _ in self.faults if k in kinds]

    def first_fault(self):
        return min(t for _, t, _ in self.faults)

    def last_fault(self):
        return max(t for _, t, _ in self.faults)

    def explained(self, rec, kinds, window=None):
        """Whether a fault of one of kinds happened while rec was in flight
        (or, with window=(kind, seconds), in [t, t+seconds] overlapping it)."""
        for k, t, _ in self.faults:
            if k not in kinds:
                continue
            span = window.get(k, 0.0) if window else 0.0
            if t - SLACK <= rec.t1 and rec.t0 <= t + span + SLACK:
                return True
        return False

    # ------------------------------------------------------------ checks
    def wait_no_waiters(self, timeout=3.0):
        """Poll until every class shows waiting == 0 (bounded); returns
        (first reading, last reading) as {class: waiting}."""
        deadline = time.monotonic() + timeout
        first = None
        while True:
            st = self.status()
            w = {c["class"]: int(c["waiting"]) for c in st["classes"]}
            if first is None:
                first = w
            if not any(w.values()) or time.monotonic() >= deadline:
                return first, w
            time.sleep(0.2)

    def wait_workers_match(self, timeout=8.0):
        """Poll until the live app processes are exactly the status page's
        workers and the IPC dir holds one worker socket per worker;
        returns (app pids, status pids, worker sockets) of the last look."""
        deadline = time.monotonic() + timeout
        while True:
            st = self.status()
            listed = sorted(w["pid"] for w in st["workers"])
            live = sorted(self.app_pids())
            socks = [f for f in fcgp.ipc_files(self.h) if f.startswith("w")]
            if (live == listed and len(socks) == len(listed)
                    and st["processes"] == len(listed)) \
                    or time.monotonic() >= deadline:
                return live, listed, socks, st

    def crashes(self):
        """Error-log lines of an httpd child that died of a signal we did
        not send (we only ever SIGKILL)."""
        return [l for l in self.h.error_log().splitlines()
                if re.search(r"exit signal (?!Killed)|Segmentation fault", l)]

    def stop_and_check_leaks(self):
        """Stop httpd; returns a list of problems (empty: nothing leaked)."""
        self.app_pids()
        problems = []
        left = self.h.stop()
        if left:
            problems.append("leftover processes after stop: %s"
                            % [(p["pid"], p["cmdline"]) for p in left])
        alive = [p for p in self.seen_workers if H.pid_alive(p)]
        if alive:
            problems.append("app processes alive after stop: %s" % alive)
        files = fcgp.ipc_files(self.h)
        if files:
            problems.append("IPC dir not empty after stop: %s" % files)
        crashes = self.crashes()
        if crashes:
            problems.append("httpd crashed: %s" % crashes[:5])
        return problems


def sleep_until(load, t):
    """Sleep until load-time t (bounded by t itself)."""
    d = t - load.now()
    if d > 0:
        time.sleep(d)
