"""Private Apache httpd instances for the mod_fcgiproc integration tests.

Every Httpd gets its own ServerRoot (a fresh 0755 temp dir under /tmp or
$FCGP_TMPDIR), PidFile, DefaultRuntimeDir, Mutex dir, logs and a free
127.0.0.1 port.  It never reads or touches the system Apache configuration.

    h = Httpd(mpm="event", extra_conf="...@ROOT@...", modules=["headers"])
    h.install_app("app.fcgi")
    h.start()
    r = h.get("/app.fcgi?status=503")
    assert r.status == 503
    h.stop()
    h.cleanup()

Placeholders substituted in extra_conf / mpm_conf: @ROOT@, @HTDOCS@,
@PORT@, @LOGS@, @RUN@, @APP@ (the built test app), @MODULE@ (the module
under test).

Environment:
    FCGP_MODULE     path of mod_fcgiproc.so (default <repo>/.libs/mod_fcgiproc.so)
    FCGP_APACHE     httpd binary (default /usr/sbin/apache2)
    FCGP_MODULES_DIR  (default /usr/lib/apache2/modules)
    FCGP_TMPDIR     where server roots are created (default /tmp)
    FCGP_MPM        default MPM (default event)
"""

import grp
import http.client
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULE_PATH = os.path.abspath(os.environ.get("FCGP_MODULE") or
                              os.path.join(REPO_ROOT, ".libs", "mod_fcgiproc.so"))
TEST_APP = os.path.join(REPO_ROOT, "build", "apps", "fcgp-test-app")
APACHE_BIN = os.environ.get("FCGP_APACHE", "/usr/sbin/apache2")
MODULES_DIR = os.environ.get("FCGP_MODULES_DIR", "/usr/lib/apache2/modules")
DEFAULT_MPM = os.environ.get("FCGP_MPM", "event")
MPMS = ("event", "worker", "prefork")
RUN_USER = "www-data"
RUN_GROUP = "www-data"

# Modules loaded in every instance (when not compiled in).
BASE_MODULES = ["authz_core", "authz_host", "mime", "log_config", "unixd",
                "dir", "alias", "env", "setenvif", "status"]

DEFAULT_MPM_CONF = {
    "event": """\
StartServers 2
ServerLimit 16
ThreadsPerChild 25
MaxRequestWorkers 150
MinSpareThreads 25
MaxSpareThreads 75
""",
    "worker": """\
StartServers 2
ServerLimit 16
ThreadsPerChild 25
MaxRequestWorkers 150
MinSpareThreads 25
MaxSpareThreads 75
""",
    "prefork": """\
StartServers 5
MinSpareServers 5
MaxSpareServers 10
MaxRequestWorkers 150
""",
}


class HttpdError(Exception):
    pass


class HttpdStartError(HttpdError):
    """httpd did not come up.  .output: launcher stdout/stderr;
    .error_log: tail of the error log."""

    def __init__(self, msg, output="", error_log=""):
        super().__init__("%s\n--- output ---\n%s\n--- error_log tail ---\n%s"
                         % (msg, output, error_log))
        self.output = output
        self.error_log = error_log


_builtin_cache = None


def builtin_modules():
    """Module names compiled into the httpd binary (e.g. {'log_config'})."""
    global _builtin_cache
    if _builtin_cache is None:
        out = subprocess.run([APACHE_BIN, "-l"], capture_output=True, text=True,
                             timeout=30).stdout
        _builtin_cache = {m.group(1) for m in re.finditer(r"mod_(\w+)\.c", out)}
    return _builtin_cache


def free_port():
    """A currently free TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port, host="127.0.0.1", timeout=0.5):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


# ---------------------------------------------------------------- processes

def _proc_stat(pid):
    """(state, ppid, starttime) of pid, or None when it does not exist."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            data = f.read()
    except (OSError, ValueError):
        return None
    rest = data[data.rfind(")") + 2:].split()
    return rest[0], int(rest[1]), int(rest[19])


def pid_alive(pid):
    """True when pid exists and is not a zombie."""
    st = _proc_stat(pid)
    return st is not None and st[0] not in ("Z", "X")


def _cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def _exe(pid):
    try:
        return os.readlink("/proc/%d/exe" % pid)
    except OSError:
        return ""


def rss_kib(pid):
    """VmRSS of a process in KiB (0 when it is gone)."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def fnv1a64(data):
    """The test app's echo checksum (FNV-1a, 64 bits, hex)."""
    h = 0xcbf29ce484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


exe_of = _exe
cmdline_of = _cmdline


def _all_pids():
    return [int(d) for d in os.listdir("/proc") if d.isdigit()]


def process_info(pid):
    st = _proc_stat(pid)
    if st is None:
        return None
    try:
        uid = os.stat("/proc/%d" % pid).st_uid
    except OSError:
        uid = -1
    return {"pid": pid, "ppid": st[1], "state": st[0], "start": st[2],
            "uid": uid, "exe": _exe(pid), "cmdline": _cmdline(pid)}


def descendants(root_pid):
    """process_info dicts of all live descendants of root_pid."""
    children = {}
    for pid in _all_pids():
        st = _proc_stat(pid)
        if st is not None:
            children.setdefault(st[1], []).append(pid)
    out, todo = [], list(children.get(root_pid, []))
    while todo:
        pid = todo.pop()
        info = process_info(pid)
        if info is not None and info["state"] not in ("Z", "X"):
            out.append(info)
        todo.extend(children.get(pid, []))
    return out


def wait_pid_gone(pid, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            return True
        time.sleep(0.05)
    return not pid_alive(pid)


# ---------------------------------------------------------------- responses

class Response:
    """status (int), reason, headers (http.client.HTTPMessage, case-insensitive
    .get / .get_all), body (bytes), text (str), elapsed (seconds)."""

    def __init__(self, status, reason, headers, body, elapsed=0.0):
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
        self.elapsed = elapsed

    @property
    def text(self):
        return self.body.decode("utf-8", errors="replace")

    def header(self, name, default=None):
        return self.headers.get(name, default)

    def __repr__(self):
        return "<Response %d %r len=%d>" % (self.status, self.body[:80], len(self.body))


# ---------------------------------------------------------------- httpd

class Httpd:
    """One private httpd.

    Httpd(root=None, mpm=None, extra_conf="", modules=(), fcgiproc=True,
          module_path=None, log_level="info", mpm_conf=None, port=None,
          keep=False)

    root: directory to use (created 0755 under $FCGP_TMPDIR or /tmp when
    None; must be traversable by www-data).  modules: extra module names
    ("headers", "fcgid", ...) loaded from MODULES_DIR, or (name, path)
    tuples.  fcgiproc: load mod_fcgiproc from module_path/MODULE_PATH.
    """

    def __init__(self, root=None, mpm=None, extra_conf="", modules=(),
                 fcgiproc=True, module_path=None, log_level="info",
                 mpm_conf=None, port=None, keep=False):
        if root is None:
            base = os.environ.get("FCGP_TMPDIR", "/tmp")
            root = tempfile.mkdtemp(prefix="fcgp-", dir=base)
            self._own_root = True
        else:
            root = os.path.abspath(str(root))
            os.makedirs(root, exist_ok=True)
            self._own_root = False
        self.root = root
        os.chmod(root, 0o755)
        self.mpm = mpm or DEFAULT_MPM
        if self.mpm not in MPMS:
            raise ValueError("unknown mpm %r" % self.mpm)
        self.extra_conf = extra_conf
        self.modules = list(modules)
        self.fcgiproc = fcgiproc
        self.module_path = os.path.abspath(module_path or MODULE_PATH)
        self.log_level = log_level
        self.mpm_conf = DEFAULT_MPM_CONF[self.mpm] if mpm_conf is None else mpm_conf
        self.port = port or free_port()
        self.keep = keep
        self.htdocs = os.path.join(root, "htdocs")
        self.conf_dir = os.path.join(root, "conf")
        self.conf_file = os.path.join(self.conf_dir, "httpd.conf")
        self.logs = os.path.join(root, "logs")
        self.run_dir = os.path.join(root, "run")
        self.lock_dir = os.path.join(root, "lock")
        self.pid_file = os.path.join(self.run_dir, "httpd.pid")
        self.error_log_path = os.path.join(self.logs, "error_log")
        self.access_log_path = os.path.join(self.logs, "access_log")
        self.startup_log_path = os.path.join(self.logs, "startup.out")
        for d in (self.htdocs, self.conf_dir, self.logs, self.run_dir, self.lock_dir):
            os.makedirs(d, exist_ok=True)
            os.chmod(d, 0o755)
        self.started = False
        self.last_pid = None
        self.leftovers = []
        self._known_children = {}

    # ------------------------------------------------------------ config
    def subst(self, text):
        for k, v in (("@ROOT@", self.root), ("@HTDOCS@", self.htdocs),
                     ("@PORT@", str(self.port)), ("@LOGS@", self.logs),
                     ("@RUN@", self.run_dir), ("@APP@", TEST_APP),
                     ("@MODULE@", self.module_path)):
            text = text.replace(k, v)
        return text

    def _load_lines(self):
        builtin = builtin_modules()
        lines, seen = [], set()
        wanted = ["mpm_" + self.mpm] + BASE_MODULES + self.modules
        for m in wanted:
            if isinstance(m, (tuple, list)):
                name, path = m
            else:
                name, path = m, os.path.join(MODULES_DIR, "mod_%s.so" % m)
            if name in builtin or name in seen:
                continue
            seen.add(name)
            lines.append('LoadModule %s_module "%s"' % (name, path))
        if self.fcgiproc:
            lines.append('LoadModule fcgiproc_module "%s"' % self.module_path)
        return "\n".join(lines)

    def config_text(self):
        return """\
# generated by t/integration/httpd.py
ServerRoot "{root}"
PidFile "{run}/httpd.pid"
DefaultRuntimeDir "{run}"
Mutex file:{lock} default
Listen 127.0.0.1:{port}
ServerName 127.0.0.1
Timeout 60
KeepAlive On

{loads}

User {user}
Group {group}

ErrorLog "{logs}/error_log"
LogLevel {log_level}
LogFormat "%>s %D %P %B %X \\"%r\\"" fcgp
CustomLog "{logs}/access_log" fcgp

TypesConfig /etc/mime.types
DocumentRoot "{htdocs}"
<Directory />
    Options None
    AllowOverride None
    Require all denied
</Directory>
<Directory "{htdocs}">
    Options FollowSymLinks
    AllowOverride None
    Require all granted
</Directory>
DirectoryIndex index.html
ExtendedStatus On
<Location /server-status>
    SetHandler server-status
    Require ip 127.0.0.1
</Location>

# MPM {mpm}
{mpm_conf}

# ---- extra_conf
{extra}
""".format(root=self.root, run=self.run_dir, lock=self.lock_dir, port=self.port,
           loads=self._load_lines(), user=RUN_USER, group=RUN_GROUP,
           logs=self.logs, log_level=self.log_level, htdocs=self.htdocs,
           mpm=self.mpm, mpm_conf=self.subst(self.mpm_conf),
           extra=self.subst(self.extra_conf))

    def write_conf(self, extra_conf=None):
        """(Re)write conf/httpd.conf; extra_conf replaces self.extra_conf when
        given.  Use before graceful()/restart() to change the configuration."""
        if extra_conf is not None:
            self.extra_conf = extra_conf
        with open(self.conf_file, "w") as f:
            f.write(self.config_text())
        os.chmod(self.conf_file, 0o644)
        return self.conf_file

    def _cmd(self, *args):
        return [APACHE_BIN, "-d", self.root, "-f", self.conf_file] + list(args)

    def _env(self):
        env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
               "LANG": "C"}
        # Sanitizer runs (make asan-test): the module is built with ASan,
        # so httpd must load the runtime first.
        if os.environ.get("FCGP_LD_PRELOAD"):
            env["LD_PRELOAD"] = os.environ["FCGP_LD_PRELOAD"]
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
            if os.environ.get(k):
                env[k] = os.environ[k]
        return env

    def config_test(self, timeout=30):
        """Write the config and run `apache2 -t`; returns (rc, output)."""
        self.write_conf()
        p = subprocess.run(self._cmd("-t"), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True,
                           env=self._env(), timeout=timeout)
        return p.returncode, p.stdout

    # ------------------------------------------------------------ lifecycle
    def pid(self):
        """Main httpd pid from the PidFile, or None."""
        try:
            with open(self.pid_file) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def is_running(self):
        pid = self.pid()
        return pid is not None and pid_alive(pid)

    def _conf_processes(self):
        """pids of live processes started with our -f conf path."""
        pids = []
        for pid in _all_pids():
            if pid == os.getpid():
                continue
            if self.conf_file in _cmdline(pid) and pid_alive(pid):
                pids.append(pid)
        return pids

    def startup_output(self):
        try:
            with open(self.startup_log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def start(self, timeout=30):
        """Write the config, start httpd (-k start) and wait until the port
        answers.  Raises HttpdStartError (with output and error_log tail)."""
        if self.started and self.is_running():
            raise HttpdError("already running")
        self.write_conf()
        try:
            os.unlink(self.pid_file)
        except FileNotFoundError:
            pass
        with open(self.startup_log_path, "ab") as out:
            launcher = subprocess.Popen(self._cmd("-k", "start"), stdin=subprocess.DEVNULL,
                                        stdout=out, stderr=out, env=self._env())
        self.started = True
        deadline = time.monotonic() + timeout
        launcher_rc = None
        gone_since = None
        while time.monotonic() < deadline:
            if launcher_rc is None:
                launcher_rc = launcher.poll()
                if launcher_rc not in (None, 0):
                    break
            pid = self.pid()
            if pid is not None and pid_alive(pid):
                self.last_pid = pid
                if port_open(self.port):
                    self._remember_children()
                    return self
            elif launcher_rc is not None:
                # Launcher exited; is the daemon still alive?
                if not self._conf_processes():
                    if gone_since is None:
                        gone_since = time.monotonic()
                    elif time.monotonic() - gone_since > 0.5:
                        break
                else:
                    gone_since = None
            time.sleep(0.05)
        if launcher.poll() is None:
            launcher.kill()
            launcher.wait(5)
        # Failed: make sure nothing of ours keeps running.
        self._kill_everything()
        self.started = False
        raise HttpdStartError("httpd failed to start (launcher rc=%s, port %d)"
                              % (launcher.poll(), self.port),
                              self.startup_output(), self.error_log_tail(40))

    def _remember_children(self):
        pid = self.pid() or self.last_pid
        if pid:
            for p in descendants(pid):
                self._known_children[p["pid"]] = p["start"]

    def _signal_cmd(self, what, timeout=30):
        p = subprocess.run(self._cmd("-k", what), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, env=self._env(),
                           timeout=timeout)
        return p.returncode, p.stdout

    def _restart(self, what, timeout):
        mark = self.error_log().count("resuming normal operations")
        rc, out = self._signal_cmd(what)
        if rc != 0:
            raise HttpdError("apache2 -k %s failed: %s" % (what, out))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.error_log().count("resuming normal operations") > mark \
                    and port_open(self.port):
                self._remember_children()
                return self
            if not self.is_running():
                break
            time.sleep(0.05)
        raise HttpdError("%s did not complete\n%s" % (what, self.error_log_tail(40)))

    def graceful(self, timeout=30):
        """`-k graceful`; waits for the new generation ("resuming normal
        operations" logged again) and the port to answer."""
        return self._restart("graceful", timeout)

    def restart(self, timeout=30):
        """`-k restart` (SIGHUP), waits like graceful()."""
        return self._restart("restart", timeout)

    def stop(self, timeout=30, kill_leftovers=True):
        """`-k stop`, wait (bounded) for the main pid to vanish, SIGKILL it as
        a last resort.  Then every former descendant / process whose command
        line mentions our root that is still alive is recorded in
        self.leftovers (list of process_info dicts) and, by default,
        SIGKILLed.  Returns self.leftovers."""
        pid = self.pid() or self.last_pid
        if pid is not None and pid_alive(pid):
            self._remember_children()
            try:
                rc, _ = self._signal_cmd("stop", timeout=timeout)
            except subprocess.TimeoutExpired:
                rc = -1
            if rc != 0 and pid_alive(pid):  # e.g. PidFile gone: signal by pid
                try:
                    os.kill(pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
            if not wait_pid_gone(pid, timeout):
                try:
                    os.kill(pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
                if not wait_pid_gone(pid, 5):
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    wait_pid_gone(pid, 5)
        self.started = False
        self.leftovers = self._find_leftovers(grace=2.0)
        if kill_leftovers:
            for p in self.leftovers:
                try:
                    os.kill(p["pid"], signal.SIGKILL)
                except ProcessLookupError:
                    pass
        return self.leftovers

    def _find_leftovers(self, grace=2.0):
        deadline = time.monotonic() + grace
        while True:
            left = []
            for pid, start in list(self._known_children.items()):
                info = process_info(pid)
                if info and info["start"] == start and info["state"] not in ("Z", "X"):
                    left.append(info)
            seen = {p["pid"] for p in left}
            for pid in _all_pids():
                if pid in seen or pid == os.getpid():
                    continue
                cmd = _cmdline(pid)
                if (self.root + "/") in cmd or cmd.endswith(self.root) \
                        or _exe(pid).startswith(self.root + "/"):
                    info = process_info(pid)
                    if info and info["state"] not in ("Z", "X"):
                        left.append(info)
            if not left or time.monotonic() >= deadline:
                return left
            time.sleep(0.1)

    def _kill_everything(self):
        for pid in self._conf_processes():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for p in self._find_leftovers(grace=0):
            try:
                os.kill(p["pid"], signal.SIGKILL)
            except ProcessLookupError:
                pass

    def cleanup(self):
        """Remove the server root (only one we created) unless keep=True."""
        if self._own_root and not self.keep and os.path.isdir(self.root):
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # ------------------------------------------------------------ processes
    def children(self):
        """process_info dicts of all live descendants of the main httpd."""
        pid = self.pid() or self.last_pid
        if not pid:
            return []
        procs = descendants(pid)
        for p in procs:
            self._known_children[p["pid"]] = p["start"]
        return procs

    def app_processes(self, name=None):
        """Live descendants whose exe or command line contains name
        (default: the test app's basename and our root dir)."""
        out = []
        for p in self.children():
            hay = p["exe"] + " " + p["cmdline"]
            if name is not None:
                if name in hay:
                    out.append(p)
            elif os.path.basename(TEST_APP) in hay or self.root in hay:
                out.append(p)
        return out

    # ------------------------------------------------------------ files
    def write_file(self, relpath, content, mode=0o644, owner=None):
        """Write a file relative to the server root (or an absolute path);
        creates parents 0755.  owner: user name to chown to (e.g. www-data)."""
        path = relpath if os.path.isabs(relpath) else os.path.join(self.root, relpath)
        d = os.path.dirname(path)
        if not os.path.isdir(d):
            os.makedirs(d, exist_ok=True)
            os.chmod(d, 0o755)
        data = content.encode() if isinstance(content, str) else content
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, mode)
        if owner:
            _chown(path, owner)
        return path

    def htdocs_file(self, relpath, content, mode=0o644):
        """Write a file below the DocumentRoot; returns its path."""
        return self.write_file(os.path.join(self.htdocs, relpath), content, mode)

    def write_php(self, relpath, code):
        """Write a PHP script below the DocumentRoot (mode 0755)."""
        return self.htdocs_file(relpath, code, 0o755)

    def install_app(self, relpath="app.fcgi", src=None):
        """Copy the test app (or src) below the DocumentRoot, mode 0755."""
        src = src or TEST_APP
        if not os.path.exists(src):
            raise HttpdError("%s not built (make apps)" % src)
        dst = os.path.join(self.htdocs, relpath)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copyfile(src, dst)
        os.chmod(dst, 0o755)
        return dst

    def make_dir(self, relpath, owner=RUN_USER, mode=0o755):
        """Create a dir below the root (e.g. an IPC/socket dir) owned by owner."""
        path = relpath if os.path.isabs(relpath) else os.path.join(self.root, relpath)
        os.makedirs(path, exist_ok=True)
        os.chmod(path, mode)
        if owner:
            _chown(path, owner)
        return path

    # ------------------------------------------------------------ logs
    def error_log(self, since=0):
        """Error log text (from byte offset since)."""
        try:
            with open(self.error_log_path, "rb") as f:
                f.seek(since)
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def log_mark(self):
        """Current error log size, to pass as since= later."""
        try:
            return os.path.getsize(self.error_log_path)
        except OSError:
            return 0

    def error_log_tail(self, n=50):
        return "\n".join(self.error_log().splitlines()[-n:])

    def error_log_count(self, pattern, since=0):
        """Number of error log lines matching regex pattern."""
        rx = re.compile(pattern)
        return sum(1 for line in self.error_log(since).splitlines() if rx.search(line))

    def wait_for_log(self, pattern, timeout=10, since=0):
        """Wait until an error log line matches regex pattern; returns the
        match, raises HttpdError on timeout."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            for line in self.error_log(since).splitlines():
                m = rx.search(line)
                if m:
                    return m
            if time.monotonic() >= deadline:
                raise HttpdError("no %r in error log after %ss\n%s"
                                 % (pattern, timeout, self.error_log_tail(30)))
            time.sleep(0.05)

    def access_log(self):
        """Access log lines (format: status usec pid bytes conn "request")."""
        try:
            with open(self.access_log_path, errors="replace") as f:
                return f.read().splitlines()
        except OSError:
            return []

    _ACCESS_RX = re.compile(r'^(\d{3}) (\d+) (\d+) (\S+) (\S) "(.*)"$')

    def access_log_entries(self):
        """Parsed access log: dicts status, usec, pid, bytes, conn, request."""
        out = []
        for line in self.access_log():
            m = self._ACCESS_RX.match(line)
            if m:
                out.append({"status": int(m.group(1)), "usec": int(m.group(2)),
                            "pid": int(m.group(3)),
                            "bytes": 0 if m.group(4) == "-" else int(m.group(4)),
                            "conn": m.group(5), "request": m.group(6)})
        return out

    # ------------------------------------------------------------ HTTP
    def url(self, path="/"):
        if not path.startswith("/"):
            path = "/" + path
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def request(self, method, path, body=None, headers=None, timeout=30):
        """One request on a fresh connection; returns Response."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        headers = dict(headers or {})
        chunked = any(k.lower() == "transfer-encoding" and "chunked" in v.lower()
                      for k, v in headers.items())
        t0 = time.monotonic()
        try:
            conn.request(method, path, body=body, headers=headers,
                         encode_chunked=chunked)
            resp = conn.getresponse()
            data = resp.read()
            return Response(resp.status, resp.reason, resp.headers, data,
                            time.monotonic() - t0)
        finally:
            conn.close()

    def get(self, path, headers=None, timeout=30):
        return self.request("GET", path, headers=headers, timeout=timeout)

    def post(self, path, body=b"", headers=None, timeout=30):
        """POST; body may be bytes/str/file object/iterable of bytes.  An
        iterable without Content-Length is sent chunked (http.client does the
        encoding, also when you pass Transfer-Encoding: chunked yourself)."""
        return self.request("POST", path, body=body, headers=headers, timeout=timeout)

    def stream(self, path, timeout=30, method="GET", headers=None):
        """GET and record arrival: returns (Response, [(seconds, bytes), ...])
        where each piece is what one read returned (for flush tests)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        t0 = time.monotonic()
        pieces = []
        try:
            conn.request(method, path, headers=headers or {})
            resp = conn.getresponse()
            while True:
                chunk = resp.read1(65536)
                if not chunk:
                    break
                pieces.append((time.monotonic() - t0, chunk))
            body = b"".join(c for _, c in pieces)
            return Response(resp.status, resp.reason, resp.headers, body,
                            time.monotonic() - t0), pieces
        finally:
            conn.close()

    def raw(self, data, timeout=10, shutdown_write=False):
        """Send raw bytes on a new connection and read until the server
        closes or timeout; returns the bytes received."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as s:
            s.sendall(data)
            if shutdown_write:
                s.shutdown(socket.SHUT_WR)
            chunks = []
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                try:
                    c = s.recv(65536)
                except socket.timeout:
                    break
                except ConnectionResetError:
                    break
                if not c:
                    break
                chunks.append(c)
            return b"".join(chunks)

    def server_status(self):
        """Text of /server-status?auto."""
        return self.get("/server-status?auto").text


def _chown(path, user):
    pw = pwd.getpwnam(user)
    try:
        gid = grp.getgrnam(user).gr_gid
    except KeyError:
        gid = pw.pw_gid
    os.chown(path, pw.pw_uid, gid)


# ---------------------------------------------------------------- load

class LoadResult:
    """Parsed ab output.

    complete, failed (ab's total incl. length errors), connect_errors,
    receive_errors, length_errors, exception_errors, non2xx, rps,
    time_taken, aborted (ab stopped early / timed out), rc, output,
    requested.  errors = non2xx + connect + receive + exceptions + requests
    that never completed (length errors are NOT counted: bodies may vary).
    With a fixed-length body use errors_fixed_length, which also counts
    connections closed without a response (see unanswered)."""

    def __init__(self, requested):
        self.requested = requested
        self.complete = 0
        self.failed = 0
        self.connect_errors = 0
        self.receive_errors = 0
        self.length_errors = 0
        self.exception_errors = 0
        self.non2xx = 0
        self.rps = 0.0
        self.time_taken = 0.0
        self.aborted = False
        self.rc = None
        self.output = ""

    @property
    def unanswered(self):
        """Length errors beyond the non-2xx count.  With a fixed-length 2xx
        body (and non-2xx bodies of another length) these are connections
        closed with no/partial response: ab counts an empty reply as a
        'good' request with a length error."""
        return max(0, self.length_errors - self.non2xx)

    @property
    def errors_fixed_length(self):
        """errors + unanswered: use when every 2xx body has the same length."""
        return self.errors + self.unanswered

    @property
    def errors(self):
        missing = max(0, self.requested - self.complete)
        return (self.non2xx + self.connect_errors + self.receive_errors +
                self.exception_errors + missing)

    def __repr__(self):
        return ("<LoadResult %d/%d complete, errors=%d (non2xx=%d connect=%d "
                "receive=%d exceptions=%d length=%d unanswered=%d) %.1f req/s%s>"
                % (self.complete, self.requested, self.errors, self.non2xx,
                   self.connect_errors, self.receive_errors, self.exception_errors,
                   self.length_errors, self.unanswered, self.rps,
                   " ABORTED" if self.aborted else ""))


def parse_ab(output, requested):
    r = LoadResult(requested)
    r.output = output

    def num(rx, conv=int, default=0):
        m = re.search(rx, output, re.M)
        return conv(m.group(1)) if m else default

    r.complete = num(r"^Complete requests:\s+(\d+)")
    if "Complete requests" not in output:  # ab gave up: "Total of N requests completed"
        r.complete = num(r"Total of (\d+) requests completed")
    r.failed = num(r"^Failed requests:\s+(\d+)")
    m = re.search(r"\(Connect: (\d+), Receive: (\d+), Length: (\d+), Exceptions: (\d+)\)",
                  output)
    if m:
        (r.connect_errors, r.receive_errors, r.length_errors,
         r.exception_errors) = map(int, m.groups())
    r.non2xx = num(r"^Non-2xx responses:\s+(\d+)")
    r.rps = num(r"^Requests per second:\s+([\d.]+)", float, 0.0)
    r.time_taken = num(r"^Time taken for tests:\s+([\d.]+)", float, 0.0)
    if "Complete requests" not in output or r.complete < requested or re.search(
            r"Total of \d+ requests completed|Test aborted", output):
        r.aborted = True
    return r


def load(url, n, c, timeout=300, keepalive=False, socket_timeout=30,
         post_file=None, content_type="application/octet-stream", extra_args=()):
    """Run `ab -n n -c c -r -s socket_timeout [-k] url`, bounded by timeout
    seconds (on expiry ab gets SIGINT so it prints partial results, then
    SIGKILL).  Returns LoadResult."""
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError("load() only targets 127.0.0.1")
    cmd = ["ab", "-n", str(n), "-c", str(c), "-r", "-s", str(socket_timeout), "-q"]
    if keepalive:
        cmd.append("-k")
    if post_file:
        cmd += ["-p", post_file, "-T", content_type]
    cmd += list(extra_args) + [url]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True)
    timed_out = False
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        p.send_signal(signal.SIGINT)
        try:
            out, _ = p.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            out, _ = p.communicate()
    r = parse_ab(out or "", n)
    r.rc = p.returncode
    if timed_out or p.returncode != 0:
        r.aborted = True
    return r
