#!/usr/bin/python3
"""Many sites, each its own virtual host and wrapper (`make bench-scale`).

Part 1, without suexec (no accounts needed): SCALE_VHOSTS (default 2,000)
name-based virtual hosts on one port, each with its own starter script
(`exec /usr/bin/php-cgi`), all running as the httpd User.  Part 2, with
suexec (root only): SCALE_SUEXEC (default 200) virtual hosts, each with
its own real user and group (useradd; removed afterwards, also on
failure) and SuexecUserGroup, sites under /var/www/fcgp-test-XXXX.  Real
accounts cost seconds each to make and remove, which is why part 2 is
smaller; what differs between the parts is only who the processes run as.

For each part: the time from `apache2 -k start` to the port answering;
the httpd parent's and the process manager's RSS (and the children's);
the first request to SCALE_TOUCH cold sites (each spawns its class on
demand), its median and worst latency; the process manager's RSS after
those classes exist, per class; and with FcgiProcIdleTimeout 2 and
FcgiProcMinProcessesPerClass 0, how long until every idle process is
reaped.  Figures: bench/out/scale.txt.  Bounded: requests are sequential.
"""
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "t", "integration"))

import httpd as H  # noqa: E402
import tenants as T  # noqa: E402

VHOSTS = int(os.environ.get("SCALE_VHOSTS", "2000"))
SUEXEC = int(os.environ.get("SCALE_SUEXEC", "200"))
TOUCH = int(os.environ.get("SCALE_TOUCH", "100"))
OUT = os.path.join(HERE, "out", "scale.txt")

COMMON = """
FcgiProcIdleTimeout 2
FcgiProcMinProcessesPerClass 0
FcgiProcMaxProcesses 4000
"""

VHOST = """<VirtualHost 127.0.0.1:@PORT@>
    ServerName {host}
    DocumentRoot "{docroot}"
{suexec}    <Directory "{docroot}">
        Options +ExecCGI
        Require all granted
        AddHandler fcgid-script .php
        FcgidWrapper {starter} .php
    </Directory>
</VirtualHost>
"""


def rss(pid):
    return H.rss_kib(pid)


def pm_pid(h):
    parent = h.pid()
    for p in H.descendants(parent):
        if p["ppid"] == parent and os.getpgid(p["pid"]) == p["pid"]:
            return p["pid"]
    return None


def apps(h):
    pm = pm_pid(h)
    return [p for p in H.descendants(pm) if p["ppid"] == pm
            and "php-cgi" in p["cmdline"]] if pm else []


def measure(label, h, hosts, lines):
    t0 = time.monotonic()
    h.start(timeout=300)
    started = time.monotonic() - t0
    parent, pm = h.pid(), pm_pid(h)
    children = [p["pid"] for p in H.descendants(parent) if p["pid"] != pm
                and p["ppid"] == parent]
    pm_before = rss(pm)
    lines.append("%s: %d virtual hosts, start %.2f s; RSS KiB: parent %d, "
                 "process manager %d, httpd children %s"
                 % (label, len(hosts), started, rss(parent), pm_before,
                    [rss(c) for c in children]))
    lat = []
    step = max(1, len(hosts) // TOUCH)
    touched = hosts[::step][:TOUCH]
    for host in touched:
        r = h.get("/i.php", headers={"Host": host}, timeout=60)
        assert r.status == 200, (host, r.status, h.error_log_tail(10))
        lat.append(r.elapsed)
    pm_after = rss(pm)
    if pm_pid(h) != pm:
        lines.append("%s: the process manager changed (%s -> %s):\n%s"
                     % (label, pm, pm_pid(h),
                        "\n".join(l for l in h.error_log().splitlines()
                                  if "FCGP0" in l and "FCGP03010" not in l)
                        [-3000:]))
    lines.append("%s: first request to %d cold sites (spawn on demand): "
                 "median %.1f ms, max %.1f ms; %d processes; process "
                 "manager RSS %d -> %d KiB (%.1f KiB per class)"
                 % (label, len(touched), 1000 * statistics.median(lat),
                    1000 * max(lat), len(apps(h)), pm_before, pm_after,
                    (pm_after - pm_before) / len(touched)))
    t0 = time.monotonic()
    while apps(h) and time.monotonic() - t0 < 60:
        time.sleep(0.2)
    lines.append("%s: idle processes reaped to 0 (FcgiProcIdleTimeout 2, "
                 "minimum 0) %.1f s after the last request; %d left"
                 % (label, time.monotonic() - t0, len(apps(h))))
    h.stop()


def part_plain(lines):
    h = H.Httpd(extra_conf="", log_level="warn")
    conf = [COMMON]
    hosts = []
    for i in range(VHOSTS):
        host = "s%d.test" % i
        d = os.path.join(h.root, "sites", "s%d" % i)
        os.makedirs(d)
        starter = os.path.join(d, "php-fcgi-starter")
        with open(starter, "w") as f:
            f.write("#!/bin/sh\nPHP_FCGI_MAX_REQUESTS=100\n"
                    "export PHP_FCGI_MAX_REQUESTS\nexec /usr/bin/php-cgi\n")
        os.chmod(starter, 0o755)
        with open(os.path.join(d, "i.php"), "w") as f:
            f.write("<?php echo 'site %d';" % i)
        conf.append(VHOST.format(host=host, docroot=d, suexec="",
                                 starter=starter))
        hosts.append(host)
    os.chmod(os.path.join(h.root, "sites"), 0o755)
    h.extra_conf = "\n".join(conf)
    try:
        measure("no suexec", h, hosts, lines)
    finally:
        h.stop()
        h.cleanup()


def part_suexec(lines):
    why = T.suexec_missing()
    if why:
        lines.append("suexec part skipped: " + why)
        return
    names = ["%d" % i for i in range(SUEXEC)]
    t0 = time.monotonic()
    with T.Tenants(names) as t:
        made = time.monotonic() - t0
        conf = [COMMON]
        hosts = []
        for n in names:
            tn = t[n]
            tn.write("i.php", "<?php echo posix_getuid();")
            conf.append(VHOST.format(
                host=tn.host, docroot=tn.docroot, starter=tn.starter,
                suexec="    SuexecUserGroup %s %s\n" % (tn.user, tn.user)))
            hosts.append(tn.host)
        h = H.Httpd(extra_conf="\n".join(conf), modules=["suexec"],
                    log_level="warn")
        lines.append("suexec: %d users and sites made in %.1f s"
                     % (SUEXEC, made))
        try:
            measure("suexec", h, hosts, lines)
        finally:
            h.stop()
            h.cleanup()


def main():
    lines = []
    part_plain(lines)
    part_suexec(lines)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
