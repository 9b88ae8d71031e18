"""FastCGI applications that someone else runs, for the external-server
tests (FcgiProcExternalServer): each started here in a private directory,
on 127.0.0.1, ::1 or a unix socket, in a session of its own, and stopped
by its pid (its process group: the ones we started).

    with SpawnFcgi(tmp, tcp=("127.0.0.1", port)) as app: ...
    PhpFpm(tmp, listen="/path/fpm.sock", children=2)
    Uwsgi(tmp, port, app_source)

Each has .start(), .stop(), .kill() (SIGKILL to its whole group, as a
crash would), .pids() (its live processes) and .address (what to give
-host / -socket).  Debian packages: spawn-fcgi, php-fpm, uwsgi-core,
uwsgi-plugin-python3 (t/deps.sh).
"""
import os
import shutil
import signal
import socket
import subprocess
import time

import httpd as H

PHP_FPM = shutil.which("php-fpm8.2") or shutil.which("php-fpm") or \
    "/usr/sbin/php-fpm8.2"
SPAWN_FCGI = shutil.which("spawn-fcgi") or "/usr/bin/spawn-fcgi"
UWSGI = shutil.which("uwsgi") or "/usr/bin/uwsgi"
RUN_USER = H.RUN_USER


def have(binary):
    return os.path.exists(binary)


def free_port6():
    with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
        s.bind(("::1", 0))
        return s.getsockname()[1]


def ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def private_dir(base, name):
    """A directory www-data may enter (the sockets' users are httpd's)."""
    d = os.path.join(str(base), name)
    os.makedirs(d, exist_ok=True)
    os.chmod(d, 0o755)
    p = str(base)
    while p not in ("/", "/tmp") and p:
        try:
            os.chmod(p, os.stat(p).st_mode | 0o055)
        except OSError:
            break
        p = os.path.dirname(p)
    return d


class ExternalApp:
    def __init__(self):
        self.proc = None
        self.log = None

    def command(self):
        raise NotImplementedError

    def reachable(self):
        if isinstance(self.target, tuple):
            fam = socket.AF_INET6 if ":" in self.target[0] else socket.AF_INET
            try:
                with socket.socket(fam, socket.SOCK_STREAM) as s:
                    s.settimeout(0.5)
                    s.connect(self.target)
                return True
            except OSError:
                return False
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(0.5)
                s.connect(self.target)
            return True
        except OSError:
            return False

    def start(self, timeout=15):
        with open(self.log_path, "ab") as out:
            self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL,
                                         stdout=out, stderr=out,
                                         start_new_session=True,
                                         env=self.env())
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("%s exited (%s):\n%s" % (
                    self.command()[0], self.proc.returncode, self.log_text()))
            if self.reachable():
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("%s did not listen on %r:\n%s"
                           % (self.command()[0], self.target, self.log_text()))

    def env(self):
        return {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "LANG": "C"}

    def log_text(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    def pids(self):
        if not self.proc:
            return []
        out = [self.proc.pid] if H.pid_alive(self.proc.pid) else []
        return out + [p["pid"] for p in H.descendants(self.proc.pid)]

    def _signal_group(self, sig):
        try:
            os.killpg(self.proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def kill(self):
        """SIGKILL to every process of ours (a crash of the whole app)."""
        if self.proc and self.proc.poll() is None:
            self._signal_group(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self, sig=signal.SIGTERM):
        if not self.proc:
            return
        if self.proc.poll() is None:
            self._signal_group(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self.proc.wait(10)
        # whatever of its group is left (workers of a killed master)
        self._signal_group(signal.SIGKILL)
        if isinstance(self.target, str):
            try:
                os.unlink(self.target)
            except OSError:
                pass

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class SpawnFcgi(ExternalApp):
    """spawn-fcgi running the C test app (one process, -n), as www-data,
    on tcp=(host, port) or unix=path."""

    def __init__(self, base, tcp=None, unix=None, app=None, name="spawn"):
        super().__init__()
        self.dir = private_dir(base, name)
        self.log_path = os.path.join(self.dir, "log")
        self.app = app or H.TEST_APP
        self.tcp, self.unix = tcp, unix
        self.target = tcp if tcp else unix
        self.address = ("[%s]:%d" % tcp if tcp and ":" in tcp[0]
                        else "%s:%d" % tcp if tcp else unix)

    def command(self):
        cmd = [SPAWN_FCGI, "-n", "-u", RUN_USER, "-g", RUN_USER]
        if self.tcp:
            cmd += ["-a", self.tcp[0], "-p", str(self.tcp[1])]
        else:
            cmd += ["-s", self.unix, "-M", "0600", "-U", RUN_USER,
                    "-G", RUN_USER]
        return cmd + ["--", self.app]


class PhpFpm(ExternalApp):
    """A private php-fpm: its own config, pid file, log and pool (static,
    `children` workers as www-data), listening on listen (a socket path or
    "127.0.0.1:port"); in the foreground, so its pid is ours."""

    def __init__(self, base, listen, children=2, name="fpm", max_requests=0):
        super().__init__()
        self.dir = private_dir(base, name)
        self.log_path = os.path.join(self.dir, "stdout")
        self.conf = os.path.join(self.dir, "php-fpm.conf")
        self.listen = listen
        if listen.startswith("/"):
            self.target = listen
        else:
            host, port = listen.rsplit(":", 1)
            self.target = (host.strip("[]"), int(port))
        self.address = listen
        with open(self.conf, "w") as f:
            f.write("""\
[global]
pid = {d}/php-fpm.pid
error_log = {d}/error.log
daemonize = no
[app]
user = {u}
group = {u}
listen = {listen}
listen.owner = {u}
listen.group = {u}
listen.mode = 0600
listen.backlog = 256
pm = static
pm.max_children = {n}
pm.max_requests = {mr}
catch_workers_output = yes
clear_env = no
""".format(d=self.dir, u=RUN_USER, listen=listen, n=children,
           mr=max_requests))

    def command(self):
        return [PHP_FPM, "-F", "-n", "-y", self.conf, "-d", "opcache.enable=0"]

    def stop(self, sig=signal.SIGQUIT):
        super().stop(sig)


class Uwsgi(ExternalApp):
    """A Python WSGI app under uwsgi in FastCGI mode (a master and two
    workers), on 127.0.0.1:port."""

    def __init__(self, base, port, source, name="uwsgi", processes=2):
        super().__init__()
        self.dir = private_dir(base, name)
        self.log_path = os.path.join(self.dir, "log")
        self.app = os.path.join(self.dir, "app.py")
        with open(self.app, "w") as f:
            f.write(source)
        os.chmod(self.app, 0o644)
        self.port = port
        self.processes = processes
        self.target = ("127.0.0.1", port)
        self.address = "127.0.0.1:%d" % port

    def command(self):
        return [UWSGI, "--plugin", "python3", "--fastcgi-socket",
                "127.0.0.1:%d" % self.port, "--wsgi-file", self.app,
                "--master", "--processes", str(self.processes),
                "--uid", RUN_USER, "--gid", RUN_USER, "--die-on-term",
                "--chdir", self.dir]
