"""The Debian package, installed for real without touching this machine's
Apache: `make package-test` (CI runs it; about 30 s after `make package`).

Each scenario runs in_namespace.sh in a private mount namespace whose
/etc, /usr and /var are overlays on a tmpfs and whose /run is a fresh
tmpfs (see that script): dpkg -i, a2enmod, apache2ctl -t, httpd on a free
127.0.0.1 port serving a PHP page through php-cgi, a FastCGI app and the
status pages, then removal and purge.  Asserted here: what an operator
sees (the pages, the module enabled or not, the notes the maintainer
scripts print), that no service was ever started (every service entry
point in the namespace is a stub that records calls), that the namespace
is back to its state before dpkg -i and the cycle left nothing in the
overlays but dpkg's and httpd's bookkeeping, and that outside the
namespace nothing changed: /etc/apache2, /var/lib/apache2, httpd's module
directory, dpkg's database (snapshots before and after) and no process
left behind.
"""
import glob
import os
import socket
import subprocess
import sys
import tempfile
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import pkgtest  # noqa: E402

DEB_DIR = os.environ.get("FCGP_DEB_DIR", os.path.join(REPO, "build", "package"))
WORK = os.path.join(REPO, "build", "package-test")
APP = os.path.join(REPO, "build", "apps", "fcgp-test-app")
REQUIRE = os.environ.get("FCGP_REQUIRE_PACKAGE") == "1"


def the_deb():
    debs = [d for d in glob.glob(os.path.join(DEB_DIR, pkgtest.PKG + "_*.deb"))]
    if len(debs) != 1:
        msg = "want one %s_*.deb in %s (make package), found %r" % (
            pkgtest.PKG, DEB_DIR, debs)
        if REQUIRE:
            pytest.fail(msg)
        pytest.skip(msg)
    return debs[0]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def procs_in(ns):
    out = []
    for p in glob.glob("/proc/[0-9]*"):
        try:
            if os.readlink(p + "/ns/mnt") == ns:
                out.append(int(p[6:]))
        except OSError:
            pass
    return out


def dpkg_log_size():
    try:
        return os.path.getsize("/var/log/dpkg.log")
    except OSError:
        return 0


def run_scenario(scenario):
    if os.geteuid() != 0:
        pytest.skip("needs root (mount namespaces, dpkg)")
    deb = the_deb()
    work = os.path.join(WORK, scenario)
    os.makedirs(work, exist_ok=True)
    # The namespace's tmpfs is mounted here, in the namespace only; outside
    # /etc, /usr, /var and /run, which it covers.
    scratch = tempfile.mkdtemp(prefix="fcgp-package-test-", dir="/tmp")
    app = APP if os.access(APP, os.X_OK) else ""
    before = pkgtest.snapshot()
    log_at = dpkg_log_size()
    cmd = ["unshare", "-m", "--propagation", "private", "--",
           "/bin/sh", os.path.join(HERE, "in_namespace.sh"), scenario,
           os.path.abspath(deb), str(free_port()), scratch, app]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        out, _ = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            out, _ = proc.communicate()
    with open(os.path.join(work, "session.log"), "w") as f:
        f.write(out)
    facts = dict(line[5:].split("=", 1) for line in out.splitlines()
                 if line.startswith("FACT ") and "=" in line)
    ns = facts.get("mnt_ns")
    own_ns = os.readlink("/proc/self/ns/mnt")
    assert ns and ns != own_ns, "no private mount namespace:\n" + out[-3000:]
    # Anything still running in the namespace (a failure half-way) is ours:
    # stop it by pid (until none is left: httpd may start another), then fail.
    left = procs_in(ns)
    for _ in range(50):
        pids = procs_in(ns)
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, 9)
            except ProcessLookupError:
                pass
        time.sleep(0.1)
    os.rmdir(scratch)           # empty outside the namespace
    after = pkgtest.snapshot()
    dpkg_log_new = ""
    size = dpkg_log_size()
    if size:
        with open("/var/log/dpkg.log", errors="replace") as f:
            f.seek(log_at if size >= log_at else 0)    # rotated: all of it
            dpkg_log_new = f.read()
    outside = pkgtest.compare(before, after)
    assert not outside, "changed outside the namespace:\n" + "\n".join(outside)
    assert pkgtest.PKG not in dpkg_log_new, "dpkg outside the namespace ran"
    assert not left, "processes left in the namespace: %r" % left
    assert proc.returncode == 0, "in_namespace.sh failed:\n" + out[-6000:]
    print("\n".join("%s=%s" % kv for kv in facts.items()))
    facts["_diffs"] = "\n".join(line for line in out.splitlines()
                                if line.startswith(("changed: ", "residue: ")))
    return facts, app


def check_served(facts, app):
    assert facts["configtest"] == "Syntax OK"
    # FcgiProcIPCDir ${APACHE_RUN_DIR}/fcgiproc (fcgiproc.conf), or the
    # default under DefaultRuntimeDir (the switch): made by httpd.
    assert facts["ipc_dir"] == "/run/apache2/fcgiproc www-data 700"
    assert facts["php"].startswith("php 8"), facts["php"]
    php_pid = facts["php"].split(" pid ")[1]
    # The status page lists the php-cgi process that answered.
    assert facts["status_php_worker"].startswith("pid %s class " % php_pid)
    assert "php-cgi" in facts["status_php_worker"]
    if app:
        assert facts["app"].startswith("pid="), facts["app"]
    if "server_status" in facts:
        assert facts["server_status"] == "FcgiProcManagerUp: 1"
    assert facts["stopped"] == "yes"


def check_restored(facts):
    assert facts["purged"] in ("not known to dpkg", "unknown ok not-installed")
    assert facts["watched_unchanged"] == "yes", facts["_diffs"]
    assert facts["residue"] == "0", facts["_diffs"]


def test_install_enable_serve_purge():
    """mod_fcgid not enabled: the postinst enables the module (and asks,
    through the stub, for an httpd restart); it serves PHP, a .fcgi app
    (fcgiproc.conf's AddHandler) and the status pages; a2dismod and
    dpkg --purge leave everything as it was."""
    facts, app = run_scenario("plain")
    assert facts["installed"].startswith(pkgtest.PKG + " ")
    assert facts["installed"].endswith(" install ok installed")
    assert facts["enabled_by_postinst"] == "yes"
    assert facts["postinst_note"] == "0"
    assert facts["service_calls_install"] == "invoke-rc.d apache2 restart;"
    check_served(facts, app)
    assert facts["enabled_after_dismod"] == "no"
    assert facts["service_calls"] == "invoke-rc.d apache2 restart;"
    check_restored(facts)


def test_fcgid_enabled_one_line_switch():
    """mod_fcgid enabled: installing leaves fcgiproc disabled with a note,
    a2enmod fcgiproc is refused; the one-line switch (fcgid.load loads
    mod_fcgiproc.so) serves the same pages under mod_fcgid's names; the
    purge warns that fcgid.load still loads it; no service call at all."""
    facts, app = run_scenario("switch")
    assert facts["installed"].endswith(" install ok installed")
    assert facts["enabled_by_postinst"] == "no"
    assert facts["postinst_note"] == "1"
    assert facts["a2enmod_refused"] == "1"
    check_served(facts, app)
    assert facts["prerm_warning"] == "1"
    assert facts["service_calls"] == ""
    check_restored(facts)
