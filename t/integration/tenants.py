"""Shared-hosting tenants for the suexec tests: real users and groups
(useradd/groupadd, removed afterwards even on failure), each with a site
under suexec's document root (Debian's apache2-suexec-pristine: /var/www),
in a directory of our own, /var/www/fcgp-test-XXXX, that is removed
afterwards (nothing else in /var/www is touched).  Each site has the
starter script the hosting panels write (ISPConfig, HestiaCP, ...):

    #!/bin/sh
    PHPRC=<site>/conf
    export PHPRC
    PHP_FCGI_MAX_REQUESTS=<n>
    export PHP_FCGI_MAX_REQUESTS
    exec /usr/bin/php-cgi

owned by the site's user, and a <VirtualHost> with SuexecUserGroup and
FcgidWrapper, name-based on the test server's port.

    with Tenants(["a", "b"]) as t:
        h = make_httpd(extra_conf=t.vhosts(), modules=["suexec"])
        ...
        t["a"].uid, t["a"].docroot, t.get(h, "a", "/id.php")
"""
import grp
import os
import pwd
import secrets
import shutil
import signal
import subprocess

import httpd as H

SUEXEC = "/usr/lib/apache2/suexec"
SUEXEC_DOCROOT = "/var/www"


def suexec_missing():
    """Why the suexec tests cannot run here, or None."""
    if os.geteuid() != 0:
        return "needs root (suexec runs only when httpd starts as root)"
    try:
        st = os.stat(SUEXEC)
    except OSError:
        return "no %s (apt-get install apache2-suexec-pristine)" % SUEXEC
    if not st.st_mode & 0o4000 or st.st_uid != 0:
        return "%s is not setuid root" % SUEXEC
    if shutil.which("useradd") is None:
        return "no useradd"
    if not os.path.exists(os.path.join(H.MODULES_DIR, "mod_suexec.so")):
        return "no mod_suexec.so"
    return None


def suexec_log_path():
    out = subprocess.run([SUEXEC, "-V"], capture_output=True, text=True,
                         timeout=10)
    for line in (out.stdout + out.stderr).splitlines():
        if "AP_LOG_EXEC=" in line:
            return line.split("=", 1)[1].strip().strip('"')
    return None


def user_pids(uid):
    """pids of the live processes whose real uid is uid."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/status" % d) as f:
                for line in f:
                    if line.startswith("Uid:"):
                        if int(line.split()[1]) == uid:
                            out.append(int(d))
                        break
        except OSError:
            pass
    return out


STARTER = """#!/bin/sh
PHPRC={site}/conf
export PHPRC
PHP_FCGI_MAX_REQUESTS={max_requests}
export PHP_FCGI_MAX_REQUESTS
exec /usr/bin/php-cgi
"""


class Tenant:
    def __init__(self, name, user, base):
        self.name = name
        self.user = user
        self.site = os.path.join(base, name)
        self.docroot = os.path.join(self.site, "htdocs")
        self.bin = os.path.join(self.site, "bin")
        self.starter = os.path.join(self.bin, "php-fcgi-starter")
        self.host = "%s.test" % name
        self.uid = self.gid = None

    def chown(self, path):
        os.chown(path, self.uid, self.gid)

    def write(self, rel, content, mode=0o644, where=None):
        """A file of the tenant's, under its docroot (or `where`)."""
        path = os.path.join(where or self.docroot, rel)
        d = os.path.dirname(path)
        if not os.path.isdir(d):
            os.makedirs(d)
            os.chmod(d, 0o755)
            self.chown(d)
        with open(path, "w") as f:
            f.write(content)
        os.chmod(path, mode)
        self.chown(path)
        return path

    def starter_script(self, name="php-fcgi-starter", max_requests=20,
                       body=None):
        """A starter in the tenant's bin/ (as the panels write it)."""
        text = body if body is not None else STARTER.format(
            site=self.site, max_requests=max_requests)
        return self.write(name, text, 0o755, where=self.bin)


class Tenants:
    """Users, groups and sites for tenants `names`; a context manager that
    removes them all (also when the test fails)."""

    def __init__(self, names, max_requests=20):
        self.tag = secrets.token_hex(2)
        self.base = os.path.join(SUEXEC_DOCROOT, "fcgp-test-" + self.tag)
        self.max_requests = max_requests
        self.t = {}
        for n in names:
            self.t[n] = Tenant(n, "fcgp%s%s" % (n, self.tag), self.base)

    def __getitem__(self, n):
        return self.t[n]

    def __enter__(self):
        try:
            os.makedirs(self.base)
            os.chmod(self.base, 0o755)
            for t in self.t.values():
                subprocess.run(["groupadd", t.user], check=True,
                               capture_output=True, timeout=30)
                subprocess.run(["useradd", "-M", "-N", "-g", t.user,
                                "-d", t.site, "-s", "/usr/sbin/nologin",
                                t.user], check=True, capture_output=True,
                               timeout=30)
                t.uid = pwd.getpwnam(t.user).pw_uid
                t.gid = grp.getgrnam(t.user).gr_gid
                for d in (t.site, t.docroot, t.bin,
                          os.path.join(t.site, "conf")):
                    os.makedirs(d, exist_ok=True)
                    os.chmod(d, 0o755)
                    t.chown(d)
                t.starter_script(max_requests=self.max_requests)
        except Exception:
            self.cleanup()
            raise
        return self

    def __exit__(self, *exc):
        self.cleanup()
        return False

    def cleanup(self):
        for t in self.t.values():
            # Processes of the user first, by pid (a worker left behind
            # keeps userdel from removing the user).
            if t.uid is not None:
                for pid in user_pids(t.uid):
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
            subprocess.run(["userdel", t.user], capture_output=True,
                           timeout=30)
            subprocess.run(["groupdel", t.user], capture_output=True,
                           timeout=30)
        if os.path.isdir(self.base) and self.base.startswith(
                SUEXEC_DOCROOT + "/fcgp-test-"):
            shutil.rmtree(self.base, ignore_errors=True)

    def vhost(self, name, extra="", wrapper=None):
        t = self.t[name]
        return """
<VirtualHost 127.0.0.1:@PORT@>
    ServerName {host}
    DocumentRoot "{docroot}"
    SuexecUserGroup {user} {user}
    <Directory "{docroot}">
        Options +ExecCGI
        AllowOverride FileInfo
        Require all granted
        AddHandler fcgid-script .php
        FcgidWrapper {wrapper} .php
    </Directory>
{extra}
</VirtualHost>
""".format(host=t.host, docroot=t.docroot, user=t.user,
           wrapper=wrapper or t.starter, extra=extra)

    def vhosts(self, extra=""):
        return "\n".join(self.vhost(n) for n in self.t) + extra

    @staticmethod
    def get(h, host, path, timeout=30):
        return h.get(path, headers={"Host": host}, timeout=timeout)
