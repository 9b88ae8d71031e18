"""Who may do what: the process manager's socket and FcgiProcIPCDir are
not anybody's to use or take over."""
import os
import re
import socket
import struct
import threading
import time

import pytest

import fcgp
import httpd as H


def test_pm_socket_refuses_processes_that_are_not_httpd_children(make_httpd):
    # This test process is not one of httpd's children (nor is an app, or
    # a CGI script): a message to the PM gets no answer and is logged.
    h = fcgp.server(make_httpd)
    h.start()
    assert h.get("/app.fcgi").status == 200
    path = os.path.join(h.run_dir, "fcgiproc", "pm.sock")
    # a STATUS request, version 2, with httpd's own pid as a forger would
    msg = struct.pack(">IIII", 0x46435050, (2 << 16) | 4, 0, h.pid())
    for _ in range(3):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5)
        s.connect(path)
        try:
            s.sendall(msg)
            assert s.recv(100) == b""        # closed, no status
        except (BrokenPipeError, ConnectionResetError):
            pass                             # closed before we sent
        finally:
            s.close()
    deadline = time.monotonic() + 5
    while not fcgp.tagged(h.error_log(), "FCGP03024"):
        assert time.monotonic() < deadline, h.error_log()[-2000:]
        time.sleep(0.1)
    lines = fcgp.tagged(h.error_log(), "FCGP03024")
    assert len(lines) == 1, lines          # once a minute, not per try
    assert "pid %d " % os.getpid() in lines[0], lines
    # httpd's own children are still served
    assert h.get("/app.fcgi").status == 200
    assert h.get("/hello.php").status == 200


def test_ipc_dir_of_someone_else_is_not_taken_over(make_httpd):
    # A directory that already exists and is not the httpd User's private
    # one (here: world-writable, like /tmp) stops httpd at startup, naming
    # the directive and where it was set, and is left as it was.
    h = make_httpd(extra_conf=fcgp.BASE_CONF
                   + "FcgiProcIPCDir @ROOT@/shared\n")
    d = os.path.join(h.root, "shared")
    os.mkdir(d)
    os.chmod(d, 0o1777)
    with pytest.raises(H.HttpdStartError):
        h.start(timeout=10)
    lines = fcgp.tagged(h.error_log(), "FCGP04012")
    assert lines, h.error_log()[-2000:]
    assert "FcgiProcIPCDir" in lines[0] and d in lines[0], lines
    assert re.search(r"\.conf:\d+\)", lines[0]), lines
    st = os.stat(d)
    assert st.st_uid == os.geteuid() and (st.st_mode & 0o7777) == 0o1777


def test_ipc_dir_of_the_user_others_may_read_is_made_private(make_httpd):
    """RHEL's mod_fcgid package makes /run/mod_fcgid the httpd User's with
    mode 0755, and its fcgid.conf names it: that directory is taken (made
    0700, one NOTICE); one others may write in is refused."""
    h = fcgp.server(make_httpd, "FcgidIPCDir @ROOT@/mod_fcgid\n")
    d = os.path.join(h.root, "mod_fcgid")
    os.mkdir(d)
    os.chmod(d, 0o755)
    os.chown(d, H.pwd.getpwnam(H.RUN_USER).pw_uid,
             H.grp.getgrnam(H.RUN_GROUP).gr_gid)
    h.start()
    assert h.get("/app.fcgi").status == 200
    assert os.stat(d).st_mode & 0o7777 == 0o700
    assert len(fcgp.tagged(h.error_log(), "FCGP04013")) == 1
    h.stop()
    h2 = fcgp.server(make_httpd, "FcgidIPCDir @ROOT@/open\n")
    d2 = os.path.join(h2.root, "open")
    os.mkdir(d2)
    os.chmod(d2, 0o777)
    os.chown(d2, H.pwd.getpwnam(H.RUN_USER).pw_uid,
             H.grp.getgrnam(H.RUN_GROUP).gr_gid)
    with pytest.raises(H.HttpdStartError):
        h2.start(timeout=10)
    assert fcgp.tagged(h2.error_log(), "FCGP04012")
    assert os.stat(d2).st_mode & 0o7777 == 0o777


def test_ipc_dir_that_is_a_link_is_not_followed(make_httpd):
    h = make_httpd(extra_conf=fcgp.BASE_CONF
                   + "FcgiProcIPCDir @ROOT@/link\n")
    target = os.path.join(h.root, "elsewhere")
    os.mkdir(target, 0o700)
    os.symlink(target, os.path.join(h.root, "link"))
    with pytest.raises(H.HttpdStartError):
        h.start(timeout=10)
    assert fcgp.tagged(h.error_log(), "FCGP04007"), h.error_log()[-2000:]
    assert os.listdir(target) == []


def test_pm_socket_is_made_without_a_path_race(make_httpd):
    # Someone who may write in FcgiProcIPCDir renames entries in a loop
    # while httpd starts: nothing is done to the PM socket by its path
    # after it is made, so every start succeeds.
    h = fcgp.server(make_httpd)
    ipc = os.path.join(h.run_dir, "fcgiproc")
    stop = threading.Event()

    def shuffle():
        while not stop.is_set():
            try:
                for f in os.listdir(ipc):
                    if not f.endswith(".moved"):
                        src = os.path.join(ipc, f)
                        os.rename(src, src + ".moved")
                        os.rename(src + ".moved", src)
            except OSError:
                pass
    failures = []
    for _ in range(8):
        t = threading.Thread(target=shuffle)
        t.start()
        try:
            h.start(timeout=20)
        except H.HttpdStartError as e:
            failures.append(str(e)[-300:])
        finally:
            stop.set()
            t.join()
            stop.clear()
        if h.is_running():
            h.stop()
    assert not failures, failures
    # The socket as it was made: anyone may connect, but only through the
    # directory, which is the httpd User's alone.
    h.start()
    assert (os.stat(ipc).st_mode & 0o777) == 0o700
    assert (os.stat(os.path.join(ipc, "pm.sock")).st_mode & 0o777) == 0o666
    assert h.get("/app.fcgi").status == 200
