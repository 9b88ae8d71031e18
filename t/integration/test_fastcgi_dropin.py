"""mod_fcgiproc as a drop-in for mod_fastcgi: the .so loaded as
fastcgi_module (module name mod_fastcgi.c).

What a switching admin would notice: <IfModule mod_fastcgi.c> is true (so
the FastCGI part of the configuration is read, and PHP is executed rather
than served as source), the handler name fastcgi-script works, and loading
the module twice, or beside the real mod_fastcgi, stops httpd with one line
naming both LoadModule lines.  mod_fastcgi is not in Debian 12: "the real
mod_fastcgi" here is a module record named mod_fastcgi.c built for the
test (all httpd looks at).  The directives (FastCgiServer,
FastCgiExternalServer, FastCgiConfig, ...) are in test_static_servers.py
and test_external_servers.py.
"""
import os
import subprocess

import pytest

import httpd as H
from fcgp import app_pid, tagged


def as_fastcgi(make_httpd, extra, **kw):
    """An httpd loading our .so as fastcgi_module, with extra config."""
    return make_httpd(fcgiproc=False,
                      modules=list(kw.pop("modules", []))
                      + [("fastcgi", H.MODULE_PATH)],
                      extra_conf=extra, **kw)


FAKE_SRC = """\
#include "httpd.h"
#include "http_config.h"
module AP_MODULE_DECLARE_DATA fastcgi_module = {
    STANDARD20_MODULE_STUFF, NULL, NULL, NULL, NULL, NULL, NULL
};
"""


@pytest.fixture(scope="module")
def fake_mod_fastcgi(tmp_path_factory):
    """A module whose record is named mod_fastcgi.c, as the real
    mod_fastcgi's is (STANDARD20_MODULE_STUFF takes the file's name)."""
    d = tmp_path_factory.mktemp("fake-mod-fastcgi")
    os.chmod(d, 0o755)
    src = d / "mod_fastcgi.c"
    src.write_text(FAKE_SRC)
    inc = subprocess.run(["apxs", "-q", "INCLUDEDIR"], capture_output=True,
                         text=True).stdout.strip() or "/usr/include/apache2"
    so = d / "mod_fastcgi.so"
    p = subprocess.run(["cc", "-shared", "-fPIC", "-I", inc,
                        "-I/usr/include/apr-1.0", "-o", str(so),
                        "mod_fastcgi.c"], cwd=str(d), capture_output=True,
                       text=True)
    if p.returncode != 0:
        pytest.fail("building the stand-in mod_fastcgi failed:\n" + p.stderr)
    os.chmod(so, 0o755)
    return str(so)


def test_ifmodule_mod_fastcgi_is_true_and_fastcgi_script_runs(
        make_httpd, test_app):
    h = as_fastcgi(make_httpd, """\
<IfModule mod_fastcgi.c>
  AddHandler fastcgi-script .fcgi
  <Directory "@HTDOCS@">
    Options +ExecCGI
  </Directory>
</IfModule>
<IfModule fastcgi_module>
  Header always set X-Fastcgi-Module yes
</IfModule>
<IfModule !mod_fastcgi.c>
  Header always set X-Not-Fastcgi yes
</IfModule>
<IfModule !mod_fcgid.c>
  Header always set X-Not-Fcgid yes
</IfModule>
<IfModule !fcgiproc_module>
  Header always set X-Not-Fcgiproc yes
</IfModule>
""", modules=["headers"])
    h.install_app("app.fcgi")
    h.start()
    r = h.get("/app.fcgi")
    assert r.status == 200, r
    app_pid(r.body)                         # the app answered
    assert r.header("X-Fastcgi-Module") == "yes"
    assert r.header("X-Not-Fastcgi") is None
    assert r.header("X-Not-Fcgid") == "yes"
    assert r.header("X-Not-Fcgiproc") == "yes"


def test_fastcgi_script_works_under_our_own_name_too(make_httpd, test_app):
    h = make_httpd(extra_conf="""\
AddHandler fastcgi-script .fcgi
<Directory "@HTDOCS@">
    Options +ExecCGI
</Directory>
<IfModule mod_fastcgi.c>
  Header always set X-Fastcgi yes
</IfModule>
""", modules=["headers"])
    h.install_app("app.fcgi")
    h.start()
    r = h.get("/app.fcgi")
    assert r.status == 200
    assert r.header("X-Fastcgi") is None    # we are not mod_fastcgi.c here


def test_loglevel_fastcgi_sets_our_level(make_httpd, test_app):
    """LogLevel fastcgi:debug is ours when loaded as fastcgi_module."""
    h = as_fastcgi(make_httpd, """\
AddHandler fastcgi-script .fcgi
<Directory "@HTDOCS@">
    Options +ExecCGI
</Directory>
""", log_level="warn fastcgi:info")
    h.install_app("app.fcgi")
    h.start()
    assert h.get("/app.fcgi").status == 200
    # the PM's "ready" line is at INFO, logged under our module's name
    h.wait_for_log(r"\[fastcgi:info\].*FCGP03031", timeout=10)


@pytest.mark.parametrize("second", ["fcgiproc", "fcgid"])
def test_loading_two_identities_stops_httpd_naming_both(make_httpd, second):
    mods = [("fastcgi", H.MODULE_PATH)]
    if second == "fcgid":
        mods.append(("fcgid", H.MODULE_PATH))
    h = make_httpd(modules=mods, fcgiproc=(second == "fcgiproc"))
    rc, out = h.config_test()
    assert rc != 0
    line = [l for l in out.splitlines() if "FCGP04020" in l]
    assert len(line) == 1, out
    assert "fastcgi_module" in line[0] and second + "_module" in line[0]
    assert line[0].count(H.MODULE_PATH) >= 2


def test_beside_the_real_mod_fastcgi_httpd_does_not_start(make_httpd,
                                                          fake_mod_fastcgi):
    h = make_httpd(modules=[("fastcgi", fake_mod_fastcgi)])  # + fcgiproc
    rc, out = h.config_test()
    assert rc != 0
    line = [l for l in out.splitlines() if "FCGP04020" in l]
    assert len(line) == 1, out
    assert fake_mod_fastcgi in line[0] and "fcgiproc_module" in line[0]
    assert "the real mod_fastcgi" in line[0]


def test_the_stand_in_alone_loads(make_httpd, fake_mod_fastcgi):
    """(The refusal above is ours: the stand-in by itself is a module
    httpd accepts.)"""
    h = make_httpd(modules=[("fastcgi", fake_mod_fastcgi)], fcgiproc=False)
    rc, out = h.config_test()
    assert rc == 0, out
    assert not tagged(out, "FCGP04020")
