"""The module file replaced by an upgrade, then a graceful restart (as
dpkg and logrotate do): a new build whose shared worker table is laid out
differently must not use the table the old build made (FCGP04015); it
makes its own and serves."""
import os
import shutil
import subprocess

import pytest

import fcgp
import httpd as H

SRCS = ["mod_fcgiproc.c", "fcgp_log.h", "conf", "pm", "handler", "fcgi_proto",
        "Makefile.apxs"]


@pytest.fixture(scope="module")
def other_layout(tmp_path_factory):
    """The module built with another table layout version."""
    d = tmp_path_factory.mktemp("layout99")
    for name in SRCS:
        src = os.path.join(H.REPO_ROOT, name)
        if os.path.isdir(src):
            shutil.copytree(src, str(d / name), ignore=shutil.ignore_patterns(
                "*.lo", "*.slo", "*.o", "*.la", ".libs"))
        else:
            shutil.copy(src, str(d / name))
    p = subprocess.run(["make", "-s", "-f", "Makefile.apxs",
                        "EXTRA_APXS_FLAGS=-Wc,-DFCGP_TBL_LAYOUT_VERSION=99",
                        ".libs/mod_fcgiproc.so"], cwd=str(d),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=300)
    assert p.returncode == 0, p.stdout
    return str(d / ".libs" / "mod_fcgiproc.so")


def test_upgrade_with_another_table_layout_gets_a_new_table(make_httpd,
                                                              other_layout):
    h = fcgp.server(make_httpd)
    # the module file the config loads lives in the server root
    so = os.path.join(h.root, "mod_fcgiproc.so")
    shutil.copy(H.MODULE_PATH, so)
    h.module_path = so
    h.start()
    before = fcgp.app_pid(h.get("/app.fcgi").body)[0]
    assert not fcgp.tagged(h.error_log(), "FCGP04015")
    # dpkg: the new file is written beside and renamed over the old one
    shutil.copy(other_layout, so + ".new")
    os.rename(so + ".new", so)
    h.graceful()
    r = h.get("/app.fcgi")
    assert r.status == 200
    assert fcgp.app_pid(r.body)[0] != before
    assert len(fcgp.tagged(h.error_log(), "FCGP04015")) == 1
    # a second graceful with the same build: the same (new) table
    h.graceful()
    assert h.get("/app.fcgi").status == 200
    assert len(fcgp.tagged(h.error_log(), "FCGP04015")) == 1
