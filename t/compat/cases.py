"""The corpus of the mod_fcgid compatibility suite: configurations the way
distributions, hosting panels and the mod_fcgid manual write them (in our
own words), each with the requests a user would make and what the user
would see.

Each Case's `conf` is written for Debian's real mod_fcgid, with the line
users have, `LoadModule fcgid_module /usr/lib/apache2/modules/mod_fcgid.so`
(or RHEL's relative `modules/mod_fcgid.so`).  test_compat.py runs it three
ways: as written (the reference, Debian's mod_fcgid), with only that path
changed to our .so, and under our own identity (see test_compat.render).

Placeholders: @ROOT@ (the private ServerRoot), @HTDOCS@, @PORT@.  Files
are written below @ROOT@ (their text substituted too); TEST_APP / AUTH_APP
install the built C apps.  Paths that a real system has outside
ServerRoot (/var/www, /srv, /etc/php, /run/mod_fcgid, ...) are the same
paths below @ROOT@.

A Req's `status`, `has`, `lacks` and `equals` are what the user must see
under mod_fcgid and under ours alike (so a broken case cannot pass
vacuously); then test_compat compares ours with the reference.
"""
import os

TEST_APP = object()   # build/apps/fcgp-test-app
AUTH_APP = object()   # build/apps/fcgp-compat-app

DEBIAN_SO = "/usr/lib/apache2/modules/mod_fcgid.so"


class Req:
    """One request and what its answer must show.

    status      expected status (under mod_fcgid and ours)
    has/lacks   substrings the body must / must not contain
    equals      the whole body (after normalising), when given
    compare     compare the body with mod_fcgid's (default True)
    ours_status a status ours may answer instead of mod_fcgid's, with the
                reason (a deliberate, documented difference): (status, why)
    ours_has    (substrings, why): what our body must contain instead of
                `has`, a deliberate, documented difference (the body is
                then not compared with mod_fcgid's)
    """

    def __init__(self, path, label=None, method="GET", host=None, headers=None,
                 body=None, status=200, has=(), lacks=(), equals=None,
                 compare=True, ours_status=None, ours_has=None):
        self.path = path
        self.label = label or ("%s %s%s" % (method, host + " " if host else "", path))
        self.method = method
        self.host = host
        self.headers = dict(headers or {})
        self.body = body
        self.status = status
        self.has = tuple(has)
        self.lacks = tuple(lacks)
        self.equals = equals
        self.compare = compare
        self.ours_status = ours_status
        self.ours_has = ours_has


class Case:
    """name, what it is (doc), conf, files {relpath: text | TEST_APP |
    AUTH_APP | (text, mode)}, dirs [(relpath, owner, mode)] made before
    start, modules (stock modules it needs besides the harness's),
    requests, probe(h, identity) -> dict of observations (asserts itself),
    identities it runs under (see test_compat), no_warning: regexes that
    must not appear in httpd's startup output or error log."""

    def __init__(self, name, doc, conf, requests=(), files=None, dirs=(),
                 modules=(), probe=None,
                 identities=("fcgid_module", "fcgiproc_module"),
                 no_warning=()):
        self.name = name
        self.doc = doc
        self.conf = conf
        self.requests = list(requests)
        self.files = dict(files or {})
        self.dirs = list(dirs)
        self.modules = list(modules)
        self.probe = probe
        self.identities = tuple(identities)
        self.no_warning = tuple(no_warning)

    def __repr__(self):
        return self.name


def php_wrapper(max_requests=None, extra=""):
    """A wrapper script the way admins write them: set PHP's variables,
    then exec php-cgi."""
    text = "#!/bin/sh\n# Set PHP's FastCGI variables, then become php-cgi.\n"
    if max_requests is not None:
        text += "PHP_FCGI_MAX_REQUESTS=%d\nexport PHP_FCGI_MAX_REQUESTS\n" % max_requests
    text += extra
    text += "exec /usr/bin/php-cgi\n"
    return (text, 0o755)


PHP_ENV_PAGE = """<?php
// what the application sees of the CGI variables
foreach (array("SCRIPT_NAME", "SCRIPT_FILENAME", "PATH_INFO", "PATH_TRANSLATED",
               "PHP_SELF", "REQUEST_URI", "QUERY_STRING", "DOCUMENT_ROOT",
               "ORIG_SCRIPT_NAME", "ORIG_PATH_INFO") as $k) {
    echo $k, "=", isset($_SERVER[$k]) ? $_SERVER[$k] : "(unset)", "\\n";
}
"""

CASES = []


def case(*a, **kw):
    c = Case(*a, **kw)
    CASES.append(c)
    return c


# ---------------------------------------------------------------- 1
case(
    "debian_stock",
    "Debian's mods-available/fcgid.{load,conf} as shipped (the IPC paths are "
    "Debian's compiled-in ones, written out, below ServerRoot), a default "
    "site serving .fcgi through the stock AddHandler, and a PHP site with "
    "AddHandler fcgid-script .php + FcgidWrapper /usr/bin/php-cgi .php",
    """\
# mods-enabled/fcgid.load
LoadModule fcgid_module /usr/lib/apache2/modules/mod_fcgid.so

# mods-enabled/fcgid.conf
<IfModule mod_fcgid.c>
  FcgidConnectTimeout 20
  FcgidIPCDir @ROOT@/var/lib/apache2/fcgid/sock
  FcgidProcessTableFile @ROOT@/var/lib/apache2/fcgid/shm

  <IfModule mod_mime.c>
    AddHandler fcgid-script .fcgi
  </IfModule>
</IfModule>

# sites-enabled/000-default.conf
<VirtualHost *:@PORT@>
    ServerName www.example.test
    DocumentRoot @ROOT@/var/www/html
    <Directory @ROOT@/var/www/html>
        Options +ExecCGI
        Require all granted
    </Directory>
</VirtualHost>

# sites-enabled/php.example.test.conf
<VirtualHost *:@PORT@>
    ServerName php.example.test
    DocumentRoot @ROOT@/srv/php.example.test
    <Directory @ROOT@/srv/php.example.test>
        Options +ExecCGI
        AddHandler fcgid-script .php
        FcgidWrapper /usr/bin/php-cgi .php
        DirectoryIndex index.php
        Require all granted
    </Directory>
</VirtualHost>
""",
    files={
        "var/www/html/index.html": "<html><body>It works!</body></html>\n",
        "var/www/html/app.fcgi": TEST_APP,
        "srv/php.example.test/index.php":
            '<?php echo "php site: ", 6 * 7, " via ", php_sapi_name(), "\\n";\n',
        "srv/php.example.test/readme.txt": "just a text file\n",
    },
    dirs=[("var/lib/apache2/fcgid", "www-data", 0o755)],
    requests=[
        Req("/", host="www.example.test", has=["It works!"]),
        Req("/app.fcgi", host="www.example.test", has=["pid="]),
        Req("/app.fcgi?env=SCRIPT_FILENAME", host="www.example.test",
            equals="SCRIPT_FILENAME=@ROOT@/var/www/html/app.fcgi\n"),
        Req("/index.php", host="php.example.test",
            equals="php site: 42 via cgi-fcgi\n", lacks=["<?php"]),
        Req("/", host="php.example.test", equals="php site: 42 via cgi-fcgi\n"),
        Req("/readme.txt", host="php.example.test", equals="just a text file\n"),
        Req("/no-such-page.php", host="php.example.test", status=404),
    ])

# ---------------------------------------------------------------- 2
case(
    "rhel_style",
    "RHEL/Fedora layout: LoadModule with the ServerRoot-relative "
    "modules/mod_fcgid.so, conf.d/fcgid.conf with 'AddHandler fcgid-script "
    "fcgi' (no dot), FcgidIPCDir /run/mod_fcgid (made by the package, "
    "apache-owned, 0755) with the process table file in it",
    """\
# conf.modules.d/10-fcgid.conf
LoadModule fcgid_module modules/mod_fcgid.so

# conf.d/fcgid.conf
# Files ending in .fcgi are FastCGI applications.
AddHandler fcgid-script fcgi

# The package makes /run/mod_fcgid for the sockets and the process table.
FcgidIPCDir @ROOT@/run/mod_fcgid
FcgidProcessTableFile @ROOT@/run/mod_fcgid/fcgid_shm

# conf.d/apps.conf
Alias /apps/ "@ROOT@/var/www/fcgi/"
<Directory "@ROOT@/var/www/fcgi">
    Options +ExecCGI
    AllowOverride None
    Require all granted
</Directory>
""",
    files={"var/www/fcgi/hello.fcgi": TEST_APP},
    dirs=[("run/mod_fcgid", "www-data", 0o755)],
    requests=[
        Req("/apps/hello.fcgi", has=["pid="]),
        Req("/apps/hello.fcgi?env=SCRIPT_NAME", equals="SCRIPT_NAME=/apps/hello.fcgi\n"),
        Req("/apps/hello.fcgi?env=SCRIPT_FILENAME",
            equals="SCRIPT_FILENAME=@ROOT@/var/www/fcgi/hello.fcgi\n"),
        Req("/apps/hello.fcgi/extra/path?env=PATH_INFO", equals="PATH_INFO=/extra/path\n"),
        Req("/apps/missing.fcgi", status=404),
    ])

# ---------------------------------------------------------------- 3
case(
    "php_in_ifmodule",
    "A whole PHP setup inside <IfModule mod_fcgid.c>: if the module were not "
    "recognised as mod_fcgid.c these lines would vanish and httpd would "
    "send the PHP source (with its secrets) as a plain file",
    """\
LoadModule fcgid_module /usr/lib/apache2/modules/mod_fcgid.so

# conf.d/php-fcgid.conf: PHP through php-cgi, when mod_fcgid is there
<IfModule mod_fcgid.c>
    FcgidMaxRequestsPerProcess 500
    FcgidInitialEnv PHP_FCGI_MAX_REQUESTS 500
    AddHandler fcgid-script .php
    FcgidWrapper /usr/bin/php-cgi .php
    DirectoryIndex index.php index.html
    <Directory "@HTDOCS@">
        Options +ExecCGI
    </Directory>
</IfModule>
""",
    files={
        "htdocs/config.php":
            '<?php\n$db_password = "s3cret-db-pass";\n'
            'echo "computed=", 6 * 7, " sapi=", php_sapi_name(), "\\n";\n',
        "htdocs/index.php": '<?php echo "index ", strtoupper("ran"), "\\n";\n',
    },
    identities=("fcgid_module",),
    requests=[
        Req("/config.php", equals="computed=42 sapi=cgi-fcgi\n",
            lacks=["s3cret-db-pass", "<?php"]),
        Req("/", equals="index RAN\n", lacks=["<?php"]),
    ])

# ---------------------------------------------------------------- 4, 5
OMD_SITE = """\
<IfModule mod_fcgid.c>
    FcgidIPCDir @ROOT@/omd/sites/mon/tmp/apache/fcgid_sock
    FcgidProcessTableFile @ROOT@/omd/sites/mon/tmp/apache/fcgid_shm
    FcgidIdleTimeout 300
    FcgidMinProcessesPerClass 0
    FcgidMaxProcessesPerClass 5
    FcgidMaxRequestsPerProcess 1000
    FcgidMaxRequestLen 16777216

    Alias /mon/pnp4nagios "@ROOT@/omd/sites/mon/share/pnp4nagios/htdocs"
    <Directory "@ROOT@/omd/sites/mon/share/pnp4nagios/htdocs">
        AddHandler fcgid-script .php
        FcgidWrapper @ROOT@/omd/sites/mon/etc/apache/php-wrapper .php
        Options +FollowSymLinks +ExecCGI
        DirectoryIndex index.php
        Require all granted
    </Directory>
</IfModule>
"""

OMD_FILES = {
    "omd/sites/mon/etc/apache/php-wrapper": php_wrapper(
        1000, "PHPRC=@ROOT@/omd/sites/mon/etc/php.ini\nexport PHPRC\n"),
    "omd/sites/mon/etc/php.ini": "memory_limit = 64M\ndate.timezone = UTC\n",
    "omd/sites/mon/share/pnp4nagios/htdocs/index.php":
        '<?php echo "pnp4nagios memory_limit=", ini_get("memory_limit"), "\\n";\n',
}
# OMD's site skeleton ships tmp/apache/fcgid_sock: the IPC directory exists
# (the site user's, 0755) before httpd starts.
OMD_DIRS = [("omd/sites/mon/tmp/apache/fcgid_sock", "www-data", 0o755)]
OMD_REQUESTS = [
    Req("/mon/pnp4nagios/", equals="pnp4nagios memory_limit=64M\n", lacks=["<?php"]),
    Req("/mon/pnp4nagios/index.php", equals="pnp4nagios memory_limit=64M\n"),
]
ALREADY_LOADED = (r"already loaded",)

case(
    "omd_guarded_load",
    "OMD style: the site's own apache.conf loads the module itself inside "
    "<IfModule !mod_fcgid.c> (nobody else loaded it), then configures it "
    "inside <IfModule mod_fcgid.c>; PHP through a wrapper with PHPRC",
    """\
# the site's apache.conf: load mod_fcgid unless the system already has
<IfModule !mod_fcgid.c>
    LoadModule fcgid_module /usr/lib/apache2/modules/mod_fcgid.so
</IfModule>
""" + OMD_SITE,
    files=OMD_FILES, dirs=OMD_DIRS, identities=("fcgid_module",),
    no_warning=ALREADY_LOADED, requests=OMD_REQUESTS)

case(
    "omd_after_system",
    "The same OMD site on a system that already loads the module "
    "(mods-enabled/fcgid.load comes first): the guarded LoadModule must be "
    "skipped by <IfModule !mod_fcgid.c>, not warned about as 'already loaded'",
    """\
# mods-enabled/fcgid.load
LoadModule fcgid_module /usr/lib/apache2/modules/mod_fcgid.so

# the site's apache.conf, included later
<IfModule !mod_fcgid.c>
    LoadModule fcgid_module /usr/lib/apache2/modules/mod_fcgid.so
</IfModule>
""" + OMD_SITE,
    files=OMD_FILES, dirs=OMD_DIRS, identities=("fcgid_module",),
    no_warning=ALREADY_LOADED, requests=OMD_REQUESTS)

# ---------------------------------------------------------------- 6
LEGACY_PAGE = """<?php
echo "mark=", getenv("LEGACY_MARK"), "\\n";
echo "max_requests=", getenv("PHP_FCGI_MAX_REQUESTS"), "\\n";
echo "auth=", isset($_SERVER["HTTP_AUTHORIZATION"]) ? $_SERVER["HTTP_AUTHORIZATION"] : "-", "\\n";
echo "path_info=", isset($_SERVER["PATH_INFO"]) ? $_SERVER["PATH_INFO"] : "-", "\\n";
echo "body=", strlen(file_get_contents("php://input")), "\\n";
"""

case(
    "deprecated_names",
    "A configuration from the mod_fcgid 2.2 days: every old directive name "
    "(FCGIWrapper, SocketPath, SharememPath, DefaultInitEnv, PassHeader, "
    "MaxRequestLen, PHP_Fix_Pathinfo_Enable, the scores and scan "
    "intervals, ...) with values that show",
    """\
LoadModule fcgid_module /usr/lib/apache2/modules/mod_fcgid.so

SocketPath @ROOT@/fcgid-old-sock
SharememPath @ROOT@/fcgid-old-shm
IPCConnectTimeout 10
IPCCommTimeout 60
IdleTimeout 600
IdleScanInterval 120
BusyTimeout 300
BusyScanInterval 120
ErrorScanInterval 3
ZombieScanInterval 3
ProcessLifeTime 3600
MaxProcessCount 64
DefaultMaxClassProcessCount 8
DefaultMinClassProcessCount 1
SpawnScore 1
SpawnScoreUpLimit 10
TerminationScore 2
TimeScore 1
MaxRequestsPerProcess 1000
MaxRequestInMem 65536
MaxRequestLen 131072
OutputBufferSize 65536
DefaultInitEnv PHP_FCGI_MAX_REQUESTS 1000
DefaultInitEnv LEGACY_MARK old-names
PassHeader Authorization
PHP_Fix_Pathinfo_Enable 1

<Directory "@HTDOCS@">
    Options +ExecCGI
    AddHandler fcgid-script .php
    FCGIWrapper /usr/bin/php-cgi .php
</Directory>
""",
    files={"htdocs/legacy.php": LEGACY_PAGE},
    requests=[
        Req("/legacy.php", headers={"Authorization": "Bearer legacy-token"},
            equals="mark=old-names\nmax_requests=1000\nauth=Bearer legacy-token\n"
                   "path_info=-\nbody=0\n"),
        Req("/legacy.php/extra/bits", has=["path_info=/extra/bits\n"]),
        Req("/legacy.php", method="POST", body=b"x" * 1000,
            headers={"Content-Type": "application/octet-stream"}, has=["body=1000\n"]),
        # MaxRequestLen 131072: a 200,000-byte body is refused before the
        # application sees it.
        Req("/legacy.php", label="POST over MaxRequestLen", method="POST",
            body=b"y" * 200000, headers={"Content-Type": "application/octet-stream"},
            status=500, lacks=["body=200000"], compare=False,
            ours_status=(413, "mod_fcgid 2.3.9 answers a body over "
                              "FcgidMaxRequestLen with 500; we answer 413 "
                              "(README: FcgiProcMaxRequestLen)")),
    ])

# ---------------------------------------------------------------- 7
PANEL_INFO = """<?php
printf("site=%s\\n", $_SERVER["SERVER_NAME"]);
printf("memory_limit=%s\\n", ini_get("memory_limit"));
printf("open_basedir=%s\\n", ini_get("open_basedir"));
printf("phprc=%s\\n", getenv("PHPRC"));
printf("doc_root_env=%s\\n", getenv("PHP_DOCUMENT_ROOT"));
printf("max_requests=%s\\n", getenv("PHP_FCGI_MAX_REQUESTS"));
"""
PANEL_UPLOAD = """<?php
$d = file_get_contents("php://input");
printf("len=%d md5=%s\\n", strlen($d), md5($d));
"""
WEB1 = "@ROOT@/var/www/clients/client1/web1"
UPLOAD = bytes(range(256)) * 1200          # 307,200 bytes: over mod_fcgid's
                                          # default FcgidMaxRequestLen (128 KiB)

case(
    "hosting_panel",
    "Hosting-panel vhosts (no suexec yet): web1 the way ISPConfig writes it "
    "(per-vhost Fcgid* limits inside <IfModule mod_fcgid.c>, <FilesMatch> "
    "SetHandler, FcgidWrapper to a .php-fcgi-starter that exports PHPRC, "
    "PHP_DOCUMENT_ROOT, PHP_FCGI_MAX_REQUESTS and execs php-cgi with -d "
    "options); web2 the way Virtualmin does (AddHandler + FcgidWrapper per "
    "suffix in <Directory>, a bash wrapper that finds its php.ini through "
    "$PWD, i.e. the wrapper's directory, IPCCommTimeout, "
    "FcgidMaxRequestLen 1 GiB)",
    """\
LoadModule fcgid_module /usr/lib/apache2/modules/mod_fcgid.so
<IfModule mod_fcgid.c>
  FcgidConnectTimeout 20
  FcgidIPCDir @ROOT@/var/lib/apache2/fcgid/sock
  FcgidProcessTableFile @ROOT@/var/lib/apache2/fcgid/shm
</IfModule>

# ---- sites-enabled/100-web1.example.test.vhost (ISPConfig style)
<VirtualHost *:@PORT@>
    DocumentRoot @ROOT@/var/www/clients/client1/web1/web
    ServerName web1.example.test
    ServerAlias www.web1.example.test

    <Directory @ROOT@/var/www/clients/client1/web1/web>
        Options +FollowSymLinks
        AllowOverride All
        Require all granted
    </Directory>

    <IfModule mod_fcgid.c>
        FcgidIdleTimeout 300
        FcgidProcessLifeTime 3600
        FcgidMaxProcessesPerClass 10
        FcgidMinProcessesPerClass 0
        FcgidConnectTimeout 3
        FcgidIOTimeout 600
        FcgidBusyTimeout 3600
        FcgidMaxRequestLen 1073741824
        FcgidMaxRequestsPerProcess 5000
        <Directory @ROOT@/var/www/clients/client1/web1/web>
            <FilesMatch "\\.php[345]?$">
                SetHandler fcgid-script
            </FilesMatch>
            FcgidWrapper @ROOT@/var/www/php-fcgi-scripts/web1/.php-fcgi-starter .php
            Options +ExecCGI
            AllowOverride All
            Require all granted
        </Directory>
    </IfModule>
</VirtualHost>

# ---- sites-enabled/web2.example.test.conf (Virtualmin style)
<VirtualHost *:@PORT@>
    ServerName web2.example.test
    DocumentRoot @ROOT@/home/web2/public_html
    <Directory @ROOT@/home/web2/public_html>
        Options -Indexes +IncludesNOEXEC +SymLinksIfOwnerMatch +ExecCGI
        AllowOverride All Options=ExecCGI,Includes,IncludesNOEXEC,Indexes,MultiViews,SymLinksIfOwnerMatch
        Require all granted
        AddType application/x-httpd-php .php
        AddHandler fcgid-script .php
        AddHandler fcgid-script .php8.2
        FcgidWrapper @ROOT@/home/web2/fcgi-bin/php8.2.fcgi .php
        FcgidWrapper @ROOT@/home/web2/fcgi-bin/php8.2.fcgi .php8.2
    </Directory>
    IPCCommTimeout 41
    FcgidMaxRequestLen 1073741824
</VirtualHost>
""",
    files={
        "var/www/php-fcgi-scripts/web1/.php-fcgi-starter": ("""\
#!/bin/sh
PHPRC="@ROOT@/etc/php/web1/"
export PHPRC
PHP_DOCUMENT_ROOT="%(web1)s"
export PHP_DOCUMENT_ROOT
# keep in step with FcgidMaxRequestsPerProcess
PHP_FCGI_MAX_REQUESTS=5000
export PHP_FCGI_MAX_REQUESTS
TMP="%(web1)s/tmp"
export TMP
exec /usr/bin/php-cgi \\
    -d open_basedir="%(web1)s/web:%(web1)s/tmp:/usr/share/php" \\
    -d upload_tmp_dir="%(web1)s/tmp" \\
    -d session.save_path="%(web1)s/tmp"
""" % {"web1": WEB1}, 0o755),
        "etc/php/web1/php.ini": "memory_limit = 96M\npost_max_size = 64M\n",
        "var/www/clients/client1/web1/web/info.php": PANEL_INFO,
        "var/www/clients/client1/web1/web/upload.php": PANEL_UPLOAD,
        "var/www/clients/client1/web1/web/robots.txt": "User-agent: *\n",
        "home/web2/fcgi-bin/php8.2.fcgi": ("""\
#!/bin/bash
PHPRC=$PWD/../etc/php8.2
export PHPRC
umask 022
PHP_FCGI_MAX_REQUESTS=99999
export PHP_FCGI_MAX_REQUESTS
SCRIPT_FILENAME=$PATH_TRANSLATED
export SCRIPT_FILENAME
exec /usr/bin/php-cgi
""", 0o755),
        "home/web2/etc/php8.2/php.ini": "memory_limit = 80M\n",
        "home/web2/public_html/info.php": PANEL_INFO,
    },
    dirs=[("var/lib/apache2/fcgid", "www-data", 0o755),
          ("var/www/clients/client1/web1/tmp", "www-data", 0o755)],
    requests=[
        Req("/info.php", host="web1.example.test",
            equals="site=web1.example.test\nmemory_limit=96M\n"
                   "open_basedir=%(w)s/web:%(w)s/tmp:/usr/share/php\n"
                   "phprc=@ROOT@/etc/php/web1/\ndoc_root_env=%(w)s\n"
                   "max_requests=5000\n" % {"w": WEB1}),
        Req("/info.php", host="www.web1.example.test", has=["memory_limit=96M\n"]),
        Req("/robots.txt", host="web1.example.test", equals="User-agent: *\n"),
        Req("/upload.php", host="web1.example.test", method="POST", body=UPLOAD,
            headers={"Content-Type": "application/octet-stream"},
            equals="len=307200 md5=%s\n" % __import__("hashlib").md5(UPLOAD).hexdigest()),
        Req("/info.php", host="web2.example.test",
            has=["site=web2.example.test\n", "memory_limit=80M\n",
                 "phprc=@ROOT@/home/web2/fcgi-bin/../etc/php8.2\n", "max_requests=99999\n"]),
    ])

# ---------------------------------------------------------------- 8
CMDOPT_PAGE = """<?php
if (isset($_GET["sleep"])) {
    $t0 = microtime(true);
    usleep((int)$_GET["sleep"] * 1000);
    printf("t0=%.6f t1=%.6f\\n", $t0, microtime(true));
}
printf("app=%s global=%s max=%s pid=%d\\n",
       getenv("APP_MARK") === false ? "-" : getenv("APP_MARK"),
       getenv("GLOBAL_MARK") === false ? "-" : getenv("GLOBAL_MARK"),
       getenv("MAX_REQUESTS") === false ? "-" : getenv("MAX_REQUESTS"),
       getmypid());
"""


def _pid(text):
    import re
    m = re.search(r"pid=(\d+)", text)
    assert m, text
    return int(m.group(1))


def probe_cmd_options(h, identity):
    """MaxRequestsPerProcess 3 from FcgidCmdOptions: no process serves more
    than 3 requests; MaxProcesses 2: of 4 slow requests sent at once, never
    more than 2 are in the application at the same moment (each reports
    when it ran), so they take at least two rounds."""
    import collections
    import re
    import threading
    seq = []
    for _ in range(7):
        r = h.get("/limited/env.php")
        assert r.status == 200, (r, h.error_log_tail(20))
        seq.append(_pid(r.text))
    per_pid = collections.Counter(seq)
    assert max(per_pid.values()) <= 3, ("a process served more than "
                                        "MaxRequestsPerProcess 3", seq)
    assert len(per_pid) >= 3, seq
    out, lock = [], threading.Lock()

    def one():
        r = h.get("/limited/env.php?sleep=1500", timeout=60)
        with lock:
            out.append((r.status, r.text))

    threads = [threading.Thread(target=one) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    assert [s for s, _ in out] == [200] * 4, out
    spans = []
    for _, text in out:
        m = re.search(r"t0=([\d.]+) t1=([\d.]+)", text)
        assert m, text
        spans.append((float(m.group(1)), float(m.group(2))))
    # the most requests in the application at one moment
    most = max(sum(1 for a, b in spans if a <= t < b) for t, _ in spans)
    assert most <= 2, ("MaxProcesses 2, but %d requests ran at once" % most, spans)
    assert most == 2, ("the two processes MaxProcesses allows never both served", spans)
    return {"sequential_pids": len(per_pid), "most_at_once": most}


case(
    "cmd_options",
    "FcgidCmdOptions for one wrapper (the manual's own example with "
    "backslash continuations, plus MaxProcesses, MinProcesses, IdleTimeout, "
    "ConnectTimeout, MaxProcessLifetime): its InitialEnv replaces "
    "FcgidInitialEnv for that command only; MaxRequestsPerProcess and "
    "MaxProcesses bound its processes; another wrapper keeps the defaults",
    """\
LoadModule fcgid_module /usr/lib/apache2/modules/mod_fcgid.so
FcgidErrorScanInterval 1
FcgidZombieScanInterval 1
FcgidSpawnScoreUpLimit 100
FcgidInitialEnv GLOBAL_MARK from-initialenv

# mod_fcgid manual, FcgidCmdOptions
FcgidCmdOptions @ROOT@/usr/local/bin/wrapper \\
    InitialEnv MAX_REQUESTS=2000 \\
    MaxRequestsPerProcess 2000 \\
    IOTimeout 90

FcgidCmdOptions @ROOT@/usr/local/bin/php-limited \\
    InitialEnv APP_MARK=from-cmdoptions \\
    InitialEnv PHP_FCGI_MAX_REQUESTS=1000 \\
    MaxProcesses 2 \\
    MinProcesses 0 \\
    MaxRequestsPerProcess 3 \\
    IOTimeout 90 \\
    IdleTimeout 60 \\
    ConnectTimeout 5 \\
    MaxProcessLifetime 600

<Directory "@HTDOCS@">
    Options +ExecCGI
    AddHandler fcgid-script .php
</Directory>
<Directory "@HTDOCS@/manual">
    FcgidWrapper @ROOT@/usr/local/bin/wrapper .php
</Directory>
<Directory "@HTDOCS@/limited">
    FcgidWrapper @ROOT@/usr/local/bin/php-limited .php
</Directory>
<Directory "@HTDOCS@/plain">
    FcgidWrapper @ROOT@/usr/local/bin/php-plain .php
</Directory>
""",
    files={
        "usr/local/bin/wrapper": php_wrapper(2000),
        "usr/local/bin/php-limited": php_wrapper(),
        "usr/local/bin/php-plain": php_wrapper(),
        "htdocs/manual/env.php": CMDOPT_PAGE,
        "htdocs/limited/env.php": CMDOPT_PAGE,
        "htdocs/plain/env.php": CMDOPT_PAGE,
    },
    requests=[
        # mod_fcgid drops FcgidInitialEnv for a command with options (its
        # trap); we pass the server's and say so at startup (FCGP01012).
        Req("/manual/env.php", has=["app=- global=- max=2000 pid="],
            ours_has=(["app=- global=from-initialenv max=2000 pid="],
                      "FcgidCmdOptions inherits FcgidInitialEnv")),
        Req("/limited/env.php", has=["app=from-cmdoptions global=- max=- pid="],
            ours_has=(["app=from-cmdoptions global=from-initialenv max=- pid="],
                      "FcgidCmdOptions inherits FcgidInitialEnv")),
        Req("/plain/env.php", has=["app=- global=from-initialenv max=- pid="]),
    ],
    probe=probe_cmd_options)

# ---------------------------------------------------------------- 9
FRONT_Q = "?only=SCRIPT_NAME,SCRIPT_FILENAME,REQUEST_URI,PATH_INFO,QUERY_STRING"

case(
    "virtual_wrapper",
    "A front controller: 'FcgidWrapper <app> .php virtual' serves every .php "
    "URL, existing file or not; the same wrapper without 'virtual' (a "
    "subdirectory) answers 404 for a missing file",
    """\
LoadModule fcgid_module /usr/lib/apache2/modules/mod_fcgid.so

Alias /shop "@ROOT@/srv/shop/public"
<Directory "@ROOT@/srv/shop/public">
    Options +ExecCGI
    Require all granted
    AddHandler fcgid-script .php
    # every .php URL, file or not, goes to the front controller
    FcgidWrapper @ROOT@/srv/shop/bin/front-controller .php virtual
</Directory>
<Directory "@ROOT@/srv/shop/public/strict">
    FcgidWrapper @ROOT@/srv/shop/bin/front-controller .php
</Directory>
""",
    files={
        "srv/shop/bin/front-controller": AUTH_APP,
        "srv/shop/public/index.php": "<?php echo 'never run as PHP';\n",
        "srv/shop/public/strict/exists.php": "<?php echo 'never run as PHP';\n",
        "srv/shop/public/readme.txt": "static readme\n",
    },
    requests=[
        Req("/shop/no-such-page.php" + FRONT_Q,
            has=['SCRIPT_NAME="/shop/no-such-page.php"\n', 'REQUEST_URI="/shop/no-such-page.php?only=']),
        Req("/shop/index.php" + FRONT_Q,
            has=['SCRIPT_FILENAME="@ROOT@/srv/shop/public/index.php"\n'],
            lacks=["never run"]),
        Req("/shop/cart.php/add/42" + FRONT_Q, has=['PATH_INFO="/add/42"\n']),
        Req("/shop/readme.txt", equals="static readme\n"),
        Req("/shop/strict/exists.php" + FRONT_Q,
            has=['SCRIPT_NAME="/shop/strict/exists.php"\n']),
        Req("/shop/strict/missing.php", status=404),
        Req("/shop/no-dir/page.php", status=404),
    ])

# ---------------------------------------------------------------- 10
AUTH_PAGE = """<?php
echo "http_authorization=", isset($_SERVER["HTTP_AUTHORIZATION"]) ? $_SERVER["HTTP_AUTHORIZATION"] : "-", "\\n";
echo "raw_authorization=", isset($_SERVER["Authorization"]) ? $_SERVER["Authorization"] : "-", "\\n";
echo "php_auth_user=", isset($_SERVER["PHP_AUTH_USER"]) ? $_SERVER["PHP_AUTH_USER"] : "-", "\\n";
echo "php_auth_pw=", isset($_SERVER["PHP_AUTH_PW"]) ? $_SERVER["PHP_AUTH_PW"] : "-", "\\n";
"""
BASIC_ALICE = "Basic YWxpY2U6c2VjcmV0"     # alice:secret
BASIC_BOB = "Basic Ym9iOmh1bnRlcjI="      # bob:hunter2

case(
    "pass_header",
    "FcgidPassHeader Authorization in one vhost (API token / HTTP auth done "
    "by the PHP application), not in the other: PHP sees "
    "HTTP_AUTHORIZATION (and the legacy raw name) only where it is passed",
    """\
LoadModule fcgid_module /usr/lib/apache2/modules/mod_fcgid.so

<Directory "@HTDOCS@">
    Options +ExecCGI
    AddHandler fcgid-script .php .fcgi
    FcgidWrapper /usr/bin/php-cgi .php
</Directory>

<VirtualHost *:@PORT@>
    ServerName api.example.test
    DocumentRoot @HTDOCS@
    FcgidPassHeader Authorization
    FcgidPassHeader X-Api-Version
</VirtualHost>
<VirtualHost *:@PORT@>
    ServerName plain.example.test
    DocumentRoot @HTDOCS@
</VirtualHost>
""",
    files={"htdocs/whoami.php": AUTH_PAGE, "htdocs/params.fcgi": AUTH_APP},
    requests=[
        Req("/whoami.php", host="api.example.test",
            headers={"Authorization": "Bearer abc.def.ghi"},
            equals="http_authorization=Bearer abc.def.ghi\nraw_authorization=Bearer abc.def.ghi\n"
                   "php_auth_user=-\nphp_auth_pw=-\n"),
        Req("/whoami.php", host="api.example.test", headers={"Authorization": BASIC_ALICE},
            has=["php_auth_user=alice\n", "php_auth_pw=secret\n"]),
        # the legacy name is the header's as written, with httpd's
        # environment rule (anything but letters, digits, '_' becomes '_')
        Req("/params.fcgi?only=HTTP_AUTHORIZATION,Authorization,HTTP_X_API_VERSION,"
            "X_Api_Version,X-Api-Version",
            host="api.example.test",
            headers={"Authorization": "Bearer t", "X-Api-Version": "2"},
            equals='HTTP_AUTHORIZATION="Bearer t"\nAuthorization="Bearer t"\n'
                   'HTTP_X_API_VERSION="2"\nX_Api_Version="2"\nX-Api-Version unset\n'),
        Req("/params.fcgi?only=HTTP_AUTHORIZATION,Authorization", host="plain.example.test",
            headers={"Authorization": "Bearer t"},
            equals="HTTP_AUTHORIZATION unset\nAuthorization unset\n"),
        Req("/whoami.php", host="plain.example.test",
            headers={"Authorization": "Bearer abc.def.ghi"},
            equals="http_authorization=-\nraw_authorization=-\nphp_auth_user=-\nphp_auth_pw=-\n"),
    ])

# ---------------------------------------------------------------- 11
case(
    "fix_pathinfo",
    "FcgidFixPathinfo 1 (mirroring cgi.fix_pathinfo=1) with PATH_INFO URLs: "
    "SCRIPT_NAME, PATH_INFO, SCRIPT_FILENAME, PHP_SELF as PHP sees them, and "
    "the raw SCRIPT_NAME parameter the module sends",
    """\
LoadModule fcgid_module /usr/lib/apache2/modules/mod_fcgid.so
FcgidFixPathinfo 1
<Directory "@HTDOCS@">
    Options +ExecCGI
    AddHandler fcgid-script .php .fcgi
    FcgidWrapper /usr/bin/php-cgi .php
</Directory>
""",
    files={"htdocs/index.php": PHP_ENV_PAGE, "htdocs/blog/post.php": PHP_ENV_PAGE,
           "htdocs/raw.fcgi": AUTH_APP},
    requests=[
        Req("/index.php/some/path?x=1",
            has=["SCRIPT_NAME=/index.php\n", "PATH_INFO=/some/path\n",
                 "SCRIPT_FILENAME=@ROOT@/htdocs/index.php\n", "PHP_SELF=/index.php/some/path\n"]),
        Req("/index.php", has=["SCRIPT_NAME=/index.php\n", "PHP_SELF=/index.php\n"]),
        Req("/blog/post.php/2024/05/hello", has=["PATH_INFO=/2024/05/hello\n"]),
        # mod_fcgid 2.3.9 merges DOCUMENT_ROOT and SCRIPT_NAME with
        # apr_filepath_merge(), which keeps an absolute SCRIPT_NAME as it is:
        # on Unix the directive changes nothing an application sees.
        Req("/raw.fcgi/a/b?only=SCRIPT_NAME,PATH_INFO,SCRIPT_FILENAME,PATH_TRANSLATED",
            equals='SCRIPT_NAME="/raw.fcgi"\nPATH_INFO="/a/b"\n'
                   'SCRIPT_FILENAME="@ROOT@/htdocs/raw.fcgi"\n'
                   'PATH_TRANSLATED="@ROOT@/htdocs/a/b"\n'),
    ])

# ---------------------------------------------------------------- 12
case(
    "action_wrapper",
    "The mod_actions recipe: 'AddHandler php-fcgi .php' + 'Action php-fcgi "
    "/fcgi-bin/php-wrapper', the wrapper in a ScriptAlias'd directory with "
    "SetHandler fcgid-script; PHP finds the script through PATH_TRANSLATED",
    """\
LoadModule fcgid_module /usr/lib/apache2/modules/mod_fcgid.so

ScriptAlias /fcgi-bin/ "@ROOT@/fcgi-bin/"
<Directory "@ROOT@/fcgi-bin">
    SetHandler fcgid-script
    Options +ExecCGI
    Require all granted
</Directory>
AddHandler php-fcgi .php
Action php-fcgi /fcgi-bin/php-wrapper
""",
    files={
        "fcgi-bin/php-wrapper": php_wrapper(1000),
        "htdocs/page.php":
            '<?php echo "page ran: ", 6 * 7, "\\n";\n' + PHP_ENV_PAGE[len("<?php\n"):],
        "htdocs/dir/deeper.php": '<?php echo "deeper ", basename(__FILE__), "\\n";\n',
    },
    modules=["actions"],
    requests=[
        Req("/page.php", has=["page ran: 42\n"], lacks=["<?php"]),
        Req("/page.php?x=1", has=["QUERY_STRING=x=1\n"]),
        Req("/dir/deeper.php", equals="deeper deeper.php\n"),
        Req("/nothing-here.php", status=404),
    ])

# ---------------------------------------------------------------- 13
INITENV_NAMES = "APP_ENV,APP_GREETING,EMPTY_VAR,VHOST_ONLY,PHP_FCGI_MAX_REQUESTS,PHPRC"

case(
    "initial_env",
    "FcgidInitialEnv at server level (a value with spaces, one without a "
    "value, PHPRC) and per virtual host (overriding one, adding one): what "
    "the process environment of php-cgi and of a C app holds",
    """\
LoadModule fcgid_module /usr/lib/apache2/modules/mod_fcgid.so
FcgidInitialEnv PHP_FCGI_MAX_REQUESTS 1000
FcgidInitialEnv PHPRC @ROOT@/etc/php-fcgid
FcgidInitialEnv APP_ENV production
FcgidInitialEnv APP_GREETING "hello world"
FcgidInitialEnv EMPTY_VAR

<Directory "@HTDOCS@">
    Options +ExecCGI
    AddHandler fcgid-script .php .fcgi
    FcgidWrapper /usr/bin/php-cgi .php
</Directory>

<VirtualHost *:@PORT@>
    ServerName staging.example.test
    DocumentRoot @HTDOCS@
    FcgidInitialEnv APP_ENV staging
    FcgidInitialEnv VHOST_ONLY yes
</VirtualHost>
<VirtualHost *:@PORT@>
    ServerName prod.example.test
    DocumentRoot @HTDOCS@
</VirtualHost>
""",
    files={
        "etc/php-fcgid/php.ini": "memory_limit = 72M\n",
        "htdocs/env.php": """<?php
foreach (explode(",", "%s") as $k) {
    $v = getenv($k);
    echo $k, "=", $v === false ? "(unset)" : "[$v]", "\\n";
}
echo "memory_limit=", ini_get("memory_limit"), "\\n";
""" % INITENV_NAMES,
        "htdocs/env.fcgi": AUTH_APP,
    },
    requests=[
        Req("/env.php", host="prod.example.test",
            equals="APP_ENV=[production]\nAPP_GREETING=[hello world]\nEMPTY_VAR=[]\n"
                   "VHOST_ONLY=(unset)\nPHP_FCGI_MAX_REQUESTS=[1000]\n"
                   "PHPRC=[@ROOT@/etc/php-fcgid]\nmemory_limit=72M\n"),
        Req("/env.php", host="staging.example.test",
            has=["APP_ENV=[staging]\n", "VHOST_ONLY=[yes]\n", "APP_GREETING=[hello world]\n",
                 "memory_limit=72M\n"]),
        Req("/env.fcgi?getenv=" + INITENV_NAMES, host="prod.example.test",
            has=['APP_ENV="production"\n', 'APP_GREETING="hello world"\n',
                 'EMPTY_VAR=""\n', "VHOST_ONLY unset\n"]),
        Req("/env.fcgi?getenv=" + INITENV_NAMES, host="staging.example.test",
            has=['APP_ENV="staging"\n', 'VHOST_ONLY="yes"\n']),
    ])

# ---------------------------------------------------------------- 14


def probe_server_status(h, identity):
    """/server-status (ExtendedStatus On) answers 200 and has the module's
    section naming the running application process (its wrapper and pid)."""
    import re
    r = h.get("/hello.php")
    assert r.status == 200 and r.text == "hello 42\n", r
    apps = [p for p in h.children() if "php-cgi" in (p["exe"] + " " + p["cmdline"])]
    assert apps, "no php-cgi process after a request"
    r = h.get("/server-status")
    assert r.status == 200, r
    text = r.text
    pids = {p["pid"] for p in apps}
    shown = {int(m) for m in re.findall(r"\b(\d+)\b", text)} & pids
    if identity == "mod_fcgid":
        assert "mod_fcgid status:" in text, text[-2000:]
        assert "Process: php-wrapper" in text, text[-2000:]
    else:
        assert "php-wrapper" in text, ("no section naming the application "
                                      "(its wrapper) on /server-status", text[-3000:])
    assert shown, ("no application pid %s on /server-status" % sorted(pids), text[-3000:])
    return {"status_pids_shown": len(shown)}


case(
    "server_status",
    "mod_status with ExtendedStatus On and the usual /server-status "
    "Location: it answers 200 and carries the FastCGI module's section "
    "naming the application and its process",
    """\
LoadModule fcgid_module /usr/lib/apache2/modules/mod_fcgid.so

<IfModule mod_status.c>
    ExtendedStatus On
    <Location /server-status>
        SetHandler server-status
        Require local
    </Location>
</IfModule>

<Directory "@HTDOCS@">
    Options +ExecCGI
    AddHandler fcgid-script .php
    FcgidWrapper @ROOT@/bin/php-wrapper .php
</Directory>
""",
    files={"bin/php-wrapper": php_wrapper(500),
           "htdocs/hello.php": '<?php echo "hello ", 6 * 7, "\\n";\n'},
    requests=[Req("/hello.php", equals="hello 42\n")],
    probe=probe_server_status)

# ---------------------------------------------------------------- 15, 16
MEMBERS_PAGE = """<?php
printf("user=%s type=%s authn_by=%s authz=%s access=%s\\n",
       $_SERVER["REMOTE_USER"] ?? "-", $_SERVER["AUTH_TYPE"] ?? "-",
       $_SERVER["AUTHN_BY"] ?? "-", $_SERVER["AUTHZ_GRANT"] ?? "-",
       $_SERVER["ACCESS_OK"] ?? "-");
"""

case(
    "auth_roles",
    "FcgidAuthenticator, FcgidAuthorizer and FcgidAccessChecker (one C "
    "FastCGI app in the three roles, FCGI_APACHE_ROLE telling which) in "
    "front of a PHP area, Authoritative (the default): the app's answers "
    "decide, its Variable-* headers reach the PHP page",
    """\
LoadModule fcgid_module /usr/lib/apache2/modules/mod_fcgid.so

Alias /members "@ROOT@/srv/members"
<Directory "@ROOT@/srv/members">
    Options +ExecCGI
    AddHandler fcgid-script .php
    FcgidWrapper /usr/bin/php-cgi .php
    AuthType Basic
    AuthName "Members only"
    FcgidAuthenticator @ROOT@/usr/lib/cgi-bin/fcgi-auth
    FcgidAuthorizer @ROOT@/usr/lib/cgi-bin/fcgi-auth
    FcgidAccessChecker @ROOT@/usr/lib/cgi-bin/fcgi-auth
    Require valid-user
</Directory>
""",
    files={"usr/lib/cgi-bin/fcgi-auth": AUTH_APP, "srv/members/index.php": MEMBERS_PAGE},
    modules=["authn_core", "authz_user"],
    requests=[
        Req("/members/index.php", label="no credentials", status=401),
        Req("/members/index.php", label="alice", headers={"Authorization": BASIC_ALICE},
            equals="user=alice type=Basic authn_by=fcgp-compat-app authz=alice access=yes\n"),
        Req("/members/index.php", label="alice, wrong password",
            headers={"Authorization": "Basic YWxpY2U6bm9wZQ=="}, status=401),
        Req("/members/index.php", label="bob: authenticated, not authorized",
            headers={"Authorization": BASIC_BOB}, status=401),
        Req("/members/index.php", label="alice, access checker refuses",
            headers={"Authorization": BASIC_ALICE, "X-Block": "1"}, status=401),
    ])

case(
    "auth_fallthrough",
    "The same app with the old names (FastCgiAuthenticator, "
    "FastCgiAuthorizer, FastCgiAccessChecker) and "
    "Fcgid*Authoritative Off / FastCgi*Authoritative Off: a refusal by the "
    "authorizer or the access checker falls through to httpd's own Require",
    """\
LoadModule fcgid_module /usr/lib/apache2/modules/mod_fcgid.so

Alias /team "@ROOT@/srv/team"
<Directory "@ROOT@/srv/team">
    Options +ExecCGI
    AddHandler fcgid-script .php
    FcgidWrapper /usr/bin/php-cgi .php
    AuthType Basic
    AuthName "Team"
    FastCgiAuthenticator @ROOT@/usr/lib/cgi-bin/fcgi-auth
    FastCgiAuthorizer @ROOT@/usr/lib/cgi-bin/fcgi-auth
    FastCgiAuthorizerAuthoritative Off
    FcgidAccessChecker @ROOT@/usr/lib/cgi-bin/fcgi-auth
    FcgidAccessCheckerAuthoritative Off
    Require valid-user
</Directory>
""",
    files={"usr/lib/cgi-bin/fcgi-auth": AUTH_APP, "srv/team/index.php": MEMBERS_PAGE},
    modules=["authn_core", "authz_user"],
    requests=[
        Req("/team/index.php", label="no credentials", status=401),
        Req("/team/index.php", label="alice", headers={"Authorization": BASIC_ALICE},
            has=["user=alice type=Basic authn_by=fcgp-compat-app authz=alice"]),
        Req("/team/index.php", label="bob: authorizer says no, Require valid-user says yes",
            headers={"Authorization": BASIC_BOB}, status=403,
            has=["user=bob type=Basic authn_by=fcgp-compat-app authz=-"],
            ours_status=(200, "mod_fcgid 2.3.9 lets the non-authoritative "
                              "authorizer's 403 stick to the page it then serves "
                              "(the page runs, the status is the refusal's); "
                              "answering 200 is the fix, 403 mod_fcgid's way")),
        Req("/team/index.php", label="bob, wrong password",
            headers={"Authorization": "Basic Ym9iOm5vcGU="}, status=401),
        Req("/team/index.php", label="alice, access checker refuses, falls through",
            headers={"Authorization": BASIC_ALICE, "X-Block": "1"},
            has=["user=alice", "access=-"]),
    ])

# ---------------------------------------------------------------- 17
_SHA = "{SHA}" + __import__("base64").b64encode(
    __import__("hashlib").sha1(b"tulip").digest()).decode()
BASIC_CAROL = "Basic Y2Fyb2w6dHVsaXA="    # carol:tulip

case(
    "auth_debian_defaults",
    "FcgidAuthenticator on a Debian system with its default auth modules "
    "(auth_basic, authn_file, authz_user loaded before fcgid): staff in the "
    "htpasswd file are authenticated by mod_auth_basic; with "
    "AuthBasicAuthoritative Off anyone else falls through to the FastCGI "
    "authenticator (the module's hook must run after mod_auth_basic's)",
    """\
LoadModule fcgid_module /usr/lib/apache2/modules/mod_fcgid.so

Alias /staff "@ROOT@/srv/staff"
<Directory "@ROOT@/srv/staff">
    Options +ExecCGI
    AddHandler fcgid-script .php
    FcgidWrapper /usr/bin/php-cgi .php
    AuthType Basic
    AuthName "Staff"
    AuthBasicProvider file
    AuthUserFile @ROOT@/etc/apache2/staff.htpasswd
    AuthBasicAuthoritative Off
    FcgidAuthenticator @ROOT@/usr/lib/cgi-bin/fcgi-auth
    Require valid-user
</Directory>
""",
    files={"usr/lib/cgi-bin/fcgi-auth": AUTH_APP, "srv/staff/index.php": MEMBERS_PAGE,
           "etc/apache2/staff.htpasswd": "carol:%s\n" % _SHA},
    modules=["auth_basic", "authn_core", "authn_file", "authz_user"],
    requests=[
        Req("/staff/index.php", label="no credentials", status=401),
        Req("/staff/index.php", label="carol, from the htpasswd file",
            headers={"Authorization": BASIC_CAROL},
            equals="user=carol type=Basic authn_by=- authz=- access=-\n"),
        Req("/staff/index.php", label="alice, from the FastCGI authenticator",
            headers={"Authorization": BASIC_ALICE},
            equals="user=alice type=Basic authn_by=fcgp-compat-app authz=- access=-\n"),
        Req("/staff/index.php", label="mallory, nobody knows her",
            headers={"Authorization": "Basic bWFsbG9yeTp4"}, status=401),
    ])

# ---------------------------------------------------------------- 18
case(
    "manual_examples",
    "mod_fcgid manual's examples: a FastCGI app in an fcgi-bin directory "
    "with SetHandler fcgid-script (the C twin of its Perl env dumper) and "
    "Order/Allow, and the PHP example: Alias /phpapp/, <Location> with "
    "AddHandler, Options +ExecCGI and FcgidWrapper to a php-wrapper setting "
    "PHP_FCGI_MAX_REQUESTS=10000, FcgidMaxRequestsPerProcess 10000, phpinfo()",
    """\
LoadModule fcgid_module /usr/lib/apache2/modules/mod_fcgid.so

Alias /fcgi-bin/ "@ROOT@/usr/local/apache/fcgi-bin/"
<Directory @ROOT@/usr/local/apache/fcgi-bin/>
    SetHandler fcgid-script
    Options +ExecCGI

    # Customize the next two directives for your requirements.
    Order allow,deny
    Allow from all
    Require all granted
</Directory>

# FcgidMaxRequestsPerProcess should be <= PHP_FCGI_MAX_REQUESTS
# The example PHP wrapper script overrides the default PHP setting.
FcgidMaxRequestsPerProcess 10000

# Uncomment the following line if cgi.fix_pathinfo is set to 1 in
# php.ini:
# FcgidFixPathinfo 1

Alias /phpapp/ @ROOT@/usr/local/phpapp/
<Location /phpapp/>
    AddHandler fcgid-script .php
    Options +ExecCGI
    FcgidWrapper @ROOT@/usr/local/bin/php-wrapper .php

    # Customize the next two directives for your requirements.
    Order allow,deny
    Allow from all
</Location>
<Directory @ROOT@/usr/local/phpapp/>
    Require all granted
</Directory>
""",
    files={
        "usr/local/apache/fcgi-bin/foo": AUTH_APP,
        "usr/local/bin/php-wrapper": php_wrapper(10000),
        "usr/local/phpapp/phpinfo.php": "<?php\n  phpinfo();\n?>\n",
        "usr/local/phpapp/max.php":
            '<?php echo "PHP_FCGI_MAX_REQUESTS=", getenv("PHP_FCGI_MAX_REQUESTS"), "\\n";\n',
    },
    modules=["access_compat"],
    requests=[
        Req("/fcgi-bin/foo", has=['GATEWAY_INTERFACE="CGI/1.1"\n',
                                  'SCRIPT_NAME="/fcgi-bin/foo"\n',
                                  'SCRIPT_FILENAME="@ROOT@/usr/local/apache/fcgi-bin/foo"\n',
                                  'REQUEST_METHOD="GET"\n', 'SERVER_PORT="@PORT@"\n']),
        Req("/fcgi-bin/foo/path/info?a=b", has=['PATH_INFO="/path/info"\n',
                                                'QUERY_STRING="a=b"\n']),
        Req("/fcgi-bin/foo", method="POST", body=b"k=v",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            has=['CONTENT_LENGTH="3"\n',
                 'CONTENT_TYPE="application/x-www-form-urlencoded"\n',
                 'REQUEST_METHOD="POST"\n']),
        Req("/phpapp/phpinfo.php", has=["PHP Version", "PHP_FCGI_MAX_REQUESTS"],
            compare=False),
        Req("/phpapp/max.php", equals="PHP_FCGI_MAX_REQUESTS=10000\n"),
    ])


BY_NAME = {c.name: c for c in CASES}
assert len(BY_NAME) == len(CASES)


def app_source(marker):
    from httpd import TEST_APP as T, REPO_ROOT
    if marker is TEST_APP:
        return T
    return os.path.join(REPO_ROOT, "build", "apps", "fcgp-compat-app")
