"""Proves the harness itself (no mod_fcgiproc needed)."""
import os

import pytest

import httpd as H


@pytest.mark.parametrize("mpm", H.MPMS)
def test_static_file_and_logs(make_httpd, mpm):
    h = make_httpd(mpm=mpm, fcgiproc=False, modules=["headers"],
                   extra_conf='Header always set X-Root "@ROOT@"\n')
    h.htdocs_file("hello.txt", "hello world\n")
    h.start()
    assert h.is_running()
    r = h.get("/hello.txt")
    assert r.status == 200
    assert r.body == b"hello world\n"
    assert r.header("X-Root") == h.root
    assert h.get("/missing").status == 404
    h.graceful()
    assert h.get("/hello.txt").status == 200
    res = H.load(h.url("/hello.txt"), 200, 8, timeout=60)
    assert res.complete == 200 and res.errors == 0, res
    assert "resuming normal operations" in h.error_log()
    pid = h.pid()
    assert h.stop() == []
    assert not H.pid_alive(pid)
    entries = h.access_log_entries()
    assert len(entries) == 203
    # Each child logs after it answered: the first two requests' lines may
    # come in either order (prefork: two processes).
    assert sorted(e["status"] for e in entries[:2]) == [200, 404]


def test_config_test_reports_errors(make_httpd):
    h = make_httpd(fcgiproc=False, extra_conf="NoSuchDirective on\n")
    rc, out = h.config_test()
    assert rc != 0 and "NoSuchDirective" in out
    with pytest.raises(H.HttpdStartError):
        h.start(timeout=10)
    h.write_conf(extra_conf="")
    assert h.config_test()[0] == 0


def test_cgi_style_app_under_mod_fcgid(make_httpd, test_app):
    """The test app behind Debian's mod_fcgid (harness + app sanity).  The
    app may retire itself, but not within these few requests: mod_fcgid
    would hand the next one to the exiting process (the exit race) and the
    test would fail for mod_fcgid's reason, not the harness's."""
    if not os.path.exists(os.path.join(H.MODULES_DIR, "mod_fcgid.so")):
        pytest.skip("mod_fcgid not installed")
    h = make_httpd(fcgiproc=False, modules=["fcgid"], extra_conf="""
FcgidIPCDir @ROOT@/fcgid
FcgidProcessTableFile @ROOT@/fcgid/shm
FcgidInitialEnv FCGP_EXIT_AFTER 1000
FcgidOutputBufferSize 0
<Directory "@HTDOCS@">
    Options +ExecCGI
    AddHandler fcgid-script .fcgi
</Directory>
""")
    h.make_dir("fcgid")
    h.install_app("app.fcgi")
    h.start()
    r = h.get("/app.fcgi?status=201&header=X-T:1")
    assert r.status == 201 and r.header("X-T") == "1", r
    assert r.text.startswith("pid=")
    r = h.post("/app.fcgi?echo=1", body=b"abc")
    assert r.text == "len=3 fnv=e71fa2190541574b\n", r
    r = h.get("/app.fcgi?env=SCRIPT_NAME")
    assert r.text == "SCRIPT_NAME=/app.fcgi\n"
    resp, pieces = h.stream("/app.fcgi?flush=1&chunks=3&delay=300")
    assert resp.body == b"chunk 0\nchunk 1\nchunk 2\n"
    assert pieces[-1][0] - pieces[0][0] >= 0.5, pieces
    h.get("/app.fcgi?stderr=hello-from-app")
    h.wait_for_log("hello-from-app")
    assert h.app_processes(), h.children()
