"""mod_fcgiproc as a drop-in for mod_fcgid: the .so loaded as fcgid_module
(module name mod_fcgid.c) takes a mod_fcgid configuration unchanged.

What a switching admin would notice: <IfModule mod_fcgid.c> is true (so
PHP is executed, never served as source), every mod_fcgid directive name is
accepted, the handler name fcgid-script works, FcgidCmdOptions inherits
the server's settings (and says where mod_fcgid would differ),
FcgidMaxRequestLen limits bodies (413), FcgidPassHeader, FcgidWrapper
... virtual, FcgidFixPathinfo, and loading the module twice stops httpd
with one line naming both LoadModule lines.  The same configurations under
Debian's real mod_fcgid are in t/compat.
"""
import os
import re

import pytest

import httpd as H
from fcgp import app_pid, tagged

PHP = "/usr/bin/php-cgi"
REAL_FCGID = os.path.join(H.MODULES_DIR, "mod_fcgid.so")


def as_fcgid(make_httpd, extra, **kw):
    """An httpd loading our .so as fcgid_module, with extra config."""
    return make_httpd(fcgiproc=False,
                      modules=list(kw.pop("modules", []))
                      + [("fcgid", H.MODULE_PATH)],
                      extra_conf=extra, **kw)


# The directive list of mod_fcgid 2.3.9's manual (mod_fcgid.xml), current
# and deprecated names, with a value each accepts.  FcgidWin32PreventOrphans
# exists only on Windows, as in mod_fcgid.
MANUAL = """
FcgidAccessChecker FcgidAccessCheckerAuthoritative FcgidAuthenticator
FcgidAuthenticatorAuthoritative FcgidAuthorizer FcgidAuthorizerAuthoritative
FcgidBusyScanInterval FcgidBusyTimeout FcgidCmdOptions FcgidConnectTimeout
FcgidErrorScanInterval FcgidFixPathinfo FcgidIdleScanInterval FcgidIdleTimeout
FcgidInitialEnv FcgidIOTimeout FcgidIPCDir FcgidMaxProcesses
FcgidMaxProcessesPerClass FcgidMaxRequestInMem FcgidMaxRequestLen
FcgidMaxRequestsPerProcess FcgidMinProcessesPerClass FcgidOutputBufferSize
FcgidPassHeader FcgidProcessLifeTime FcgidProcessTableFile FcgidSpawnScore
FcgidSpawnScoreUpLimit FcgidTerminationScore FcgidTimeScore FcgidWrapper
FcgidZombieScanInterval BusyScanInterval BusyTimeout DefaultInitEnv
DefaultMaxClassProcessCount DefaultMinClassProcessCount ErrorScanInterval
FastCgiAccessChecker FastCgiAccessCheckerAuthoritative FastCgiAuthenticator
FastCgiAuthenticatorAuthoritative FastCgiAuthorizer FastCgiAuthorizerAuthoritative
FCGIWrapper IdleScanInterval IdleTimeout IPCCommTimeout IPCConnectTimeout
MaxProcessCount MaxRequestInMem MaxRequestLen MaxRequestsPerProcess
OutputBufferSize PassHeader PHP_Fix_Pathinfo_Enable ProcessLifeTime
SharememPath SocketPath SpawnScore SpawnScoreUpLimit TerminationScore TimeScore
ZombieScanInterval
""".split()

# Names whose value is a path, a flag, or takes more than a number.
VALUES = {
    "FcgidCmdOptions": PHP + " MaxProcesses 4",
    "FcgidInitialEnv": "FOO bar", "DefaultInitEnv": "FOO bar",
    "FcgidIPCDir": "@RUN@/fcgidsock", "SocketPath": "@RUN@/fcgidsock",
    "FcgidPassHeader": "Authorization", "PassHeader": "Authorization",
    "FcgidProcessTableFile": "@RUN@/shm", "SharememPath": "@RUN@/shm",
    "FcgidWrapper": PHP + " .php", "FCGIWrapper": PHP + " .php",
}
ROLE_NAMES = [n for n in MANUAL if "Auth" in n or "Access" in n]


def directive_line(name):
    if name in VALUES:
        return "%s %s" % (name, VALUES[name])
    if name.endswith("Authoritative"):
        return "%s Off" % name
    if name in ROLE_NAMES:
        return "%s %s" % (name, H.TEST_APP)
    return "%s 30" % name


@pytest.mark.parametrize("name", MANUAL)
def test_every_manual_directive_is_accepted(make_httpd, test_app, name):
    """Each name of mod_fcgid's manual, in the context the manual gives it,
    passes `apache2 -t` with the module loaded as fcgid_module."""
    in_dir = name in ROLE_NAMES or name in ("FcgidWrapper", "FCGIWrapper")
    line = directive_line(name)
    conf = ("<Directory \"@HTDOCS@\">\n%s\n</Directory>\n" % line
            if in_dir else line + "\n")
    h = as_fcgid(make_httpd, conf)
    rc, out = h.config_test()
    assert rc == 0, out
    assert "Syntax OK" in out


def test_windows_only_directive_is_an_error_as_in_mod_fcgid(make_httpd):
    h = as_fcgid(make_httpd, "FcgidWin32PreventOrphans On\n")
    rc, out = h.config_test()
    assert rc != 0
    assert "FcgidWin32PreventOrphans" in out


def test_ifmodule_mod_fcgid_is_true_and_php_runs(make_httpd, test_app):
    """The config that leaked PHP source when the module was not known as
    mod_fcgid.c: everything inside <IfModule mod_fcgid.c>, the handler
    named fcgid-script, old and new directive names mixed."""
    h = as_fcgid(make_httpd, """\
<IfModule mod_fcgid.c>
  FcgidConnectTimeout 20
  IPCCommTimeout 40
  MaxRequestsPerProcess 500
  <FilesMatch "\\.php$">
    SetHandler fcgid-script
  </FilesMatch>
  FCGIWrapper /usr/bin/php-cgi .php
  <Directory "@HTDOCS@">
    Options +ExecCGI
  </Directory>
</IfModule>
<IfModule fcgid_module>
  Header always set X-Fcgid-Module yes
</IfModule>
<IfModule !mod_fcgid.c>
  Header always set X-Not-Fcgid yes
</IfModule>
<IfModule !fcgiproc_module>
  Header always set X-Not-Fcgiproc yes
</IfModule>
""", modules=["headers"])
    h.write_php("index.php", "<?php echo 'sum=', 20 + 22, \"\\n\";")
    h.start()
    r = h.get("/index.php")
    assert r.status == 200
    assert r.body == b"sum=42\n"            # executed, not the source
    assert r.header("X-Fcgid-Module") == "yes"
    assert r.header("X-Not-Fcgid") is None
    assert r.header("X-Not-Fcgiproc") == "yes"


def test_loaded_as_fcgiproc_the_fcgid_names_work_too(make_httpd, test_app):
    h = make_httpd(extra_conf="""\
AddHandler fcgid-script .php
FcgidWrapper /usr/bin/php-cgi .php
FcgidMaxProcessesPerClass 4
<Directory "@HTDOCS@">
    Options +ExecCGI
</Directory>
<IfModule mod_fcgid.c>
  Header always set X-Fcgid yes
</IfModule>
""", modules=["headers"])
    h.write_php("index.php", "<?php echo 'ok';")
    h.start()
    r = h.get("/index.php")
    assert (r.status, r.body) == (200, b"ok")
    assert r.header("X-Fcgid") is None      # we are not mod_fcgid.c here


def test_loading_both_identities_stops_httpd_naming_both(make_httpd):
    h = make_httpd(modules=[("fcgid", H.MODULE_PATH)])  # + fcgiproc_module
    rc, out = h.config_test()
    assert rc != 0
    line = [l for l in out.splitlines() if "FCGP04020" in l]
    assert len(line) == 1, out
    assert "fcgid_module" in line[0] and "fcgiproc_module" in line[0]
    assert line[0].count(H.MODULE_PATH) >= 2


@pytest.mark.skipif(not os.path.exists(REAL_FCGID),
                    reason="Debian's libapache2-mod-fcgid is not installed")
def test_beside_the_real_mod_fcgid_httpd_does_not_start(make_httpd):
    h = make_httpd(modules=[("fcgid", REAL_FCGID)])     # + fcgiproc_module
    rc, out = h.config_test()
    assert rc != 0
    line = [l for l in out.splitlines() if "FCGP04020" in l]
    assert len(line) == 1, out
    assert REAL_FCGID in line[0] and "fcgiproc_module" in line[0]


def test_unneeded_directives_one_info_line_each(make_httpd, test_app):
    h = as_fcgid(make_httpd, """\
FcgidIdleScanInterval 10
FcgidSpawnScore 3
SpawnScoreUpLimit 20
FcgidProcessTableFile logs/fcgid_shm
FcgidZombieScanInterval 1
""")
    h.start()
    lines = tagged(h.error_log(), "FCGP01011")
    names = sorted(re.search(r"FCGP01011: (\S+)", l).group(1) for l in lines)
    assert names == sorted(["FcgidIdleScanInterval", "FcgidSpawnScore",
                            "SpawnScoreUpLimit", "FcgidProcessTableFile",
                            "FcgidZombieScanInterval"]), lines
    assert all("[fcgid:info]" in l for l in lines), lines
    assert not re.search(r"\[fcgid:(warn|notice)\].*(Scan|Score|Table)",
                         h.error_log())


@pytest.mark.parametrize("conf, word", [
    ("<VirtualHost *:@PORT@>\nFcgidMaxProcesses 10\n</VirtualHost>",
     "FcgidMaxProcesses"),
    ("<VirtualHost *:@PORT@>\nFcgidSpawnScore 1\n</VirtualHost>",
     "FcgidSpawnScore"),
    ("FcgidBusyScanInterval soon", "FcgidBusyScanInterval"),
    ("FcgidMaxRequestLen lots", "FcgidMaxRequestLen"),
    ("FcgidIOTimeout 0", "FcgidIOTimeout"),
    ("FcgidWrapper /usr/bin/php-cgi .php sideways", "sideways"),
    ("FcgidCmdOptions /usr/bin/php-cgi Speed 3", "Speed"),
    ("FcgidCmdOptions /usr/bin/php-cgi", "at least one option"),
])
def test_bad_values_fail_at_startup_naming_the_directive(make_httpd, conf,
                                                         word):
    h = as_fcgid(make_httpd, conf + "\n")
    rc, out = h.config_test()
    assert rc != 0
    assert word in out
    assert "httpd.conf" in out              # file and line


def test_cmd_options_inherit_the_server_and_say_what_mod_fcgid_would_do(
        make_httpd, test_app):
    """FcgidCmdOptions sets only IOTimeout: the server's request limit (3)
    still holds (mod_fcgid would reset it to 0, and the race is back), and
    one NOTICE names the command and the values."""
    app = os.path.join("@HTDOCS@", "app.fcgi")
    h = as_fcgid(make_httpd, """\
AddHandler fcgid-script .fcgi
FcgidMaxRequestsPerProcess 3
FcgidCmdOptions %s IOTimeout 60 InitialEnv CMDOPT=yes
<Directory "@HTDOCS@">
    Options +ExecCGI
</Directory>
""" % app)
    h.install_app("app.fcgi")
    h.start()
    pids = []
    for _ in range(7):
        r = h.get("/app.fcgi")
        assert r.status == 200
        pids.append(app_pid(r.body))
    # at most 3 requests per process
    assert max(n for _, n in pids) <= 3, pids
    assert len({p for p, _ in pids}) >= 3, pids
    pid, _ = app_pid(h.get("/app.fcgi").body)
    with open("/proc/%d/environ" % pid, "rb") as f:
        env = f.read().split(b"\0")
    assert b"CMDOPT=yes" in env
    notes = tagged(h.error_log(), "FCGP01012")
    assert len(notes) == 1, notes
    assert "app.fcgi" in notes[0]
    assert "MaxRequestsPerProcess" in notes[0] and "3" in notes[0]


def test_cmd_options_set_the_command_limits(make_httpd, test_app):
    h = as_fcgid(make_httpd, """\
AddHandler fcgid-script .fcgi
FcgidCmdOptions @HTDOCS@/app.fcgi MaxRequestsPerProcess 2 MaxProcesses 1
<Directory "@HTDOCS@">
    Options +ExecCGI
</Directory>
""")
    h.install_app("app.fcgi")
    h.start()
    seen = [app_pid(h.get("/app.fcgi").body) for _ in range(6)]
    assert max(n for _, n in seen) <= 2, seen
    assert not tagged(h.error_log(), "FCGP01012")


def test_explicit_max_request_len_gives_413(make_httpd, test_app):
    h = as_fcgid(make_httpd, """\
AddHandler fcgid-script .fcgi
FcgidMaxRequestLen 131072
<Directory "@HTDOCS@">
    Options +ExecCGI
</Directory>
""")
    h.install_app("app.fcgi")
    h.start()
    assert h.request("POST", "/app.fcgi?echo=1", body=b"x" * 1000).status == 200
    r = h.request("POST", "/app.fcgi?echo=1", body=b"x" * 200000)
    assert r.status == 413
    assert tagged(h.error_log(), "FCGP02001")


def test_pass_header_authorization(make_httpd, test_app):
    h = as_fcgid(make_httpd, """\
AddHandler fcgid-script .fcgi
FcgidPassHeader Authorization
PassHeader X-Custom-Thing
<Directory "@HTDOCS@">
    Options +ExecCGI
</Directory>
""")
    h.install_app("app.fcgi")
    h.start()
    hdrs = {"Authorization": "Basic dTpw", "X-Custom-Thing": "v1"}
    assert h.get("/app.fcgi?env=HTTP_AUTHORIZATION",
                 headers=hdrs).body == b"HTTP_AUTHORIZATION=Basic dTpw\n"
    assert h.get("/app.fcgi?env=Authorization",
                 headers=hdrs).body == b"Authorization=Basic dTpw\n"
    assert h.get("/app.fcgi?env=HTTP_X_CUSTOM_THING",
                 headers=hdrs).body == b"HTTP_X_CUSTOM_THING=v1\n"


def test_cgipassauth_passes_authorization(make_httpd, test_app):
    h = as_fcgid(make_httpd, """\
AddHandler fcgid-script .fcgi
<Directory "@HTDOCS@">
    Options +ExecCGI
    CGIPassAuth On
</Directory>
""")
    h.install_app("app.fcgi")
    h.start()
    r = h.get("/app.fcgi?env=HTTP_AUTHORIZATION",
              headers={"Authorization": "Basic dTpw"})
    assert r.body == b"HTTP_AUTHORIZATION=Basic dTpw\n"


def test_without_pass_header_authorization_is_not_passed(make_httpd,
                                                        test_app):
    h = as_fcgid(make_httpd, """\
AddHandler fcgid-script .fcgi
<Directory "@HTDOCS@">
    Options +ExecCGI
</Directory>
""")
    h.install_app("app.fcgi")
    h.start()
    r = h.get("/app.fcgi?env=HTTP_AUTHORIZATION",
              headers={"Authorization": "Basic dTpw"})
    assert r.status == 404                  # "HTTP_AUTHORIZATION unset"


def test_virtual_wrapper_serves_files_that_do_not_exist(make_httpd, test_app):
    """A front controller: FcgidWrapper ... virtual runs the wrapper for
    every request here, whether the file exists or not."""
    h = as_fcgid(make_httpd, """\
<Directory "@HTDOCS@/app">
    SetHandler fcgid-script
    FcgidWrapper @APP@ virtual
    Options +ExecCGI
</Directory>
<Directory "@HTDOCS@/plain">
    SetHandler fcgid-script
    FcgidWrapper @APP@
    Options +ExecCGI
</Directory>
""")
    os.makedirs(os.path.join(h.htdocs, "app"))
    os.makedirs(os.path.join(h.htdocs, "plain"))
    h.start()
    r = h.get("/app/no/such/page.php?env=SCRIPT_NAME")
    assert r.status == 200, r.body
    assert r.body.startswith(b"SCRIPT_NAME=/app/no")
    assert h.get("/plain/missing.php").status == 404


def test_fix_pathinfo(make_httpd, test_app):
    """As mod_fcgid: SCRIPT_NAME merged onto DOCUMENT_ROOT with APR's path
    merge, which on Unix keeps an absolute SCRIPT_NAME as it is (t/compat
    compares this with the real mod_fcgid); PATH_INFO is untouched."""
    h = as_fcgid(make_httpd, """\
AddHandler fcgid-script .fcgi
FcgidFixPathinfo 1
<Directory "@HTDOCS@">
    Options +ExecCGI
</Directory>
""")
    h.install_app("app.fcgi")
    h.start()
    r = h.get("/app.fcgi/extra/path?env=SCRIPT_NAME")
    assert r.body == b"SCRIPT_NAME=/app.fcgi\n"
    r = h.get("/app.fcgi/extra/path?env=PATH_INFO")
    assert r.body == b"PATH_INFO=/extra/path\n"


def test_script_alias_needs_no_execcgi(make_httpd, test_app):
    """Action + ScriptAlias, as the old PHP-under-mod_fcgid guides do:
    a ScriptAlias'ed directory needs no Options ExecCGI."""
    h = as_fcgid(make_httpd, """\
ScriptAlias /fcgi-bin/ "@ROOT@/fcgi-bin/"
<Directory "@ROOT@/fcgi-bin">
    SetHandler fcgid-script
    Require all granted
</Directory>
""", modules=["alias", "actions"])
    os.makedirs(os.path.join(h.root, "fcgi-bin"))
    h.install_app("../fcgi-bin/app.fcgi")
    h.start()
    r = h.get("/fcgi-bin/app.fcgi")
    assert r.status == 200, r.body
    app_pid(r.body)


def test_log_level_per_module_under_the_fcgid_name(make_httpd, test_app):
    """LogLevel fcgid:debug is a known module name for httpd, and our lines
    are logged under it."""
    h = as_fcgid(make_httpd, """\
LogLevel warn fcgid:info
AddHandler fcgid-script .fcgi
<Directory "@HTDOCS@">
    Options +ExecCGI
</Directory>
""")
    h.install_app("app.fcgi")
    h.start()
    assert h.get("/app.fcgi").status == 200
    assert "[fcgid:" in h.error_log()
