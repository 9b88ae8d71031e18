"""Shared configuration for the mod_fcgiproc integration tests."""
import hashlib
import os
import re

import httpd as H

BASE_CONF = """\
AddHandler fcgiproc-script .php .fcgi
FcgiProcWrapper /usr/bin/php-cgi .php
<Directory "@HTDOCS@">
    Options +ExecCGI
</Directory>
"""


def server(make_httpd, extra="", mpm=None, app=True, **kw):
    """A started httpd serving PHP through php-cgi and the C test app as
    /app.fcgi, with extra directives appended."""
    h = make_httpd(mpm=mpm, extra_conf=BASE_CONF + extra, **kw)
    if app:
        h.install_app("app.fcgi")
    h.write_php("hello.php", "<?php echo 'hello from php ', getmypid(), \"\\n\";")
    return h


fnv1a64 = H.fnv1a64


def tagged(log, tag):
    """Error-log lines carrying one of our tags."""
    return [l for l in log.splitlines() if tag + ":" in l]


def status_counts(h):
    counts = {}
    for e in h.access_log_entries():
        counts[e["status"]] = counts.get(e["status"], 0) + 1
    return counts


def md5(data):
    return hashlib.md5(data).hexdigest()


PID_RE = re.compile(rb"pid=(\d+) n=(\d+)")


def app_pid(body):
    m = PID_RE.search(body)
    assert m, body
    return int(m.group(1)), int(m.group(2))


def read_to_close(s):
    """Everything a socket receives until the server closes it."""
    data = b""
    while True:
        c = s.recv(65536)
        if not c:
            return data
        data += c


def ipc_files(h):
    d = os.path.join(h.run_dir, "fcgiproc")
    return sorted(os.listdir(d)) if os.path.isdir(d) else []
