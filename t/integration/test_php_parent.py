"""php-cgi in its parent mode (PHP_FCGI_CHILDREN=1, what it gets by
default): the parent keeps the listening socket and the opcode cache, its
child serves; at the request limit the child exits and the parent forks a
warm one, and the worker is renewed, not replaced.  Each worker leads a
process group of its own in httpd's session; retiring it signals the whole
group, and nothing of it outlives FcgiProcKillTimeout."""
import json
import os
import socket
import time

import fcgp

STATUS = """\
<Location /fcgiproc-status>
    SetHandler fcgiproc-status
</Location>
"""


def status(h):
    return json.loads(h.get("/fcgiproc-status?json").body)


def php_workers(h):
    return [w for w in status(h)["workers"] if "php-cgi" in w["class"]]


def stat(pid):
    """(ppid, pgrp, session, state) of a live process, or None."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            rest = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(rest[1]), int(rest[2]), int(rest[3]), rest[0]


def alive(pid):
    s = stat(pid)
    return s is not None and s[3] not in ("Z", "X")


def wait_gone(pids, timeout):
    deadline = time.monotonic() + timeout
    while any(alive(p) for p in pids):
        if time.monotonic() > deadline:
            return [p for p in pids if alive(p)]
        time.sleep(0.05)
    return []


def php_metrics(h):
    """The status JSON's counters of the php-cgi class."""
    return [m for m in status(h)["metrics"] if "php-cgi" in m["command"]][0]


def time_out_a_request(make_httpd, extra="", files=()):
    """A started server (FcgiProcIOTimeout 2, FcgiProcKillTimeout 1), one
    request served, then one that spins past the timeout: (h, parent,
    child), the worker's parent and the child that ran the 504.  files:
    (name, text) pairs written below the ServerRoot first, executable."""
    h = fcgp.server(make_httpd, STATUS + "FcgiProcIOTimeout 2\n"
                    "FcgiProcKillTimeout 1\n" + extra)
    for name, text in files:
        h.write_file(name, text, mode=0o755)
    d = h.make_dir("pids")
    # usleep() uses no CPU, so max_execution_time never ends it
    h.write_php("spin.php", "<?php file_put_contents('%s/pid', getmypid()"
                " . ' ' . posix_getppid());"
                " while (true) { usleep(100000); }" % d)
    h.start()
    assert h.get("/hello.php").status == 200
    parent = php_workers(h)[0]["parent_pid"]
    r = h.get("/spin.php", timeout=30)
    assert r.status == 504
    with open(os.path.join(d, "pid")) as f:
        child, its_parent = map(int, f.read().split())
    assert its_parent == parent                 # the busy child of that worker
    return h, parent, child


def test_php_cgi_gets_parent_mode_and_stays_in_httpds_session(make_httpd):
    # The admin writes only FcgiProcWrapper /usr/bin/php-cgi .php.  php-cgi
    # calls setsid() in parent mode; as the leader of its own process group
    # that fails, so parent and child stay in httpd's session (the kernel's
    # autogroup scheduler counts them with httpd), in the worker's group.
    h = fcgp.server(make_httpd, STATUS)
    h.write_php("env.php", "<?php echo getenv('PHP_FCGI_CHILDREN'), ' ', "
                "getmypid();")
    h.start()
    children, child = h.get("/env.php").body.split()
    assert children == b"1"
    child = int(child)
    ws = php_workers(h)
    assert len(ws) == 1 and ws[0]["pid"] == child, ws
    parent = ws[0]["parent_pid"]
    httpd_sid = os.getsid(h.pid())
    assert stat(child)[0] == parent                 # its parent forked it
    assert stat(parent)[1] == parent                # leads its group
    assert stat(child)[1] == parent                 # the child is in it
    assert stat(parent)[2] == stat(child)[2] == httpd_sid
    assert os.getpgid(parent) != os.getpgid(h.pid())


def test_limit_renews_the_child_not_the_worker(make_httpd):
    # Each child serves PHP_FCGI_MAX_REQUESTS requests, then the same parent
    # forks the next: the worker (its socket, its opcode cache) stays, its
    # count starts again, and no worker exits.
    h = fcgp.server(make_httpd, STATUS
                    + "FcgiProcInitialEnv PHP_FCGI_MAX_REQUESTS 5\n")
    h.start()
    pids = [int(h.get("/hello.php").body.split()[-1]) for _ in range(12)]
    assert [pids.count(p) for p in dict.fromkeys(pids)] == [5, 5, 2], pids
    ws = php_workers(h)
    assert len(ws) == 1, ws
    w = ws[0]
    assert (w["pid"], w["requests"], w["renewals"], w["limit"]) == \
        (pids[-1], 2, 2, 5), w
    parents = {stat(p)[0] for p in pids[-1:]} | {w["parent_pid"]}
    assert len(parents) == 1, parents
    assert fcgp.tagged(h.error_log(), "FCGP03010") == []   # no worker exit
    assert status(h)["exits_total"] == 0


def test_timeout_kills_the_child_and_keeps_the_warm_parent(make_httpd):
    # A request that misses FcgiProcIOTimeout gets 504, and the process that
    # ran it is killed: php-cgi's child (SIGTERM would only be noted by it:
    # it keeps running the script), not the parent, which keeps its socket
    # and its opcode cache and forks the next child.  The worker stays.
    h, parent, child = time_out_a_request(make_httpd)
    assert wait_gone([child], 2) == []          # SIGKILL, no grace to wait
    assert alive(parent)
    # (the line is written just after the kill)
    h.wait_for_log("FCGP03014", timeout=5)
    line = fcgp.tagged(h.error_log(), "FCGP03014")
    assert len(line) == 1 and "its request missed a deadline; killed its " \
        "child pid %d" % child in line[0], h.error_log_tail(10)
    # the same parent serves again, through a new child
    r = h.get("/hello.php")
    assert r.status == 200
    new = int(r.body.split()[-1])
    assert new != child and stat(new)[0] == parent
    ws = php_workers(h)
    assert len(ws) == 1 and ws[0]["parent_pid"] == parent, ws
    assert ws[0]["renewals"] == 1, ws
    assert fcgp.tagged(h.error_log(), "FCGP03010") == []   # no worker exit
    assert status(h)["exits_total"] == 0
    m = php_metrics(h)
    assert m["worker_kills"] == 1 and m["spawns"] == 1, m
    assert m["worker_exits"].get("timeout") == 1, m["worker_exits"]


def test_with_two_children_a_timeout_retires_the_whole_worker(make_httpd):
    # PHP_FCGI_CHILDREN 2 exported by a starter script (we see 1, so each
    # worker takes one request at a time; with 2 in FcgiProcInitialEnv it
    # would be a pool, test_php_pool.py): which of the two children held
    # the request is not known, so the worker retires whole, as before
    # parent mode: the busy child does not outlive FcgiProcKillTimeout, and
    # no idle sibling is killed in its place.
    h, parent, child = time_out_a_request(
        make_httpd, "FcgiProcWrapper @ROOT@/php-cgi-2kids .php\n",
        files=[("php-cgi-2kids", "#!/bin/sh\nPHP_FCGI_CHILDREN=2\n"
                "export PHP_FCGI_CHILDREN\nexec /usr/bin/php-cgi\n")])
    assert wait_gone([child, parent], 6) == [], h.error_log_tail(10)
    assert fcgp.tagged(h.error_log(), "FCGP03014") == []
    r = h.get("/hello.php")
    assert r.status == 200 and stat(int(r.body.split()[-1]))[0] != parent


def test_a_child_that_crashes_leaves_the_parent_serving(make_httpd):
    # A child that dies in the middle of a request (a crashing extension):
    # 502, and the worker stays: the parent forks the next child (the PM
    # kills whatever child runs then, which no request reached: it cannot
    # tell the crashed one's successor within a clock tick), and serves.
    h = fcgp.server(make_httpd, STATUS)
    d = h.make_dir("pids")
    h.write_php("die.php", "<?php file_put_contents('%s/pid', getmypid());"
                " posix_kill(getmypid(), 9);" % d)
    h.start()
    assert h.get("/hello.php").status == 200
    parent = php_workers(h)[0]["parent_pid"]
    r = h.post("/die.php", body=b"x")            # a POST: not retried
    assert r.status == 502, r.status
    with open(os.path.join(d, "pid")) as f:
        dead = int(f.read())
    r = h.get("/hello.php")
    assert r.status == 200
    new = int(r.body.split()[-1])
    assert new != dead and stat(new)[0] == parent
    assert fcgp.tagged(h.error_log(), "FCGP03010") == []   # no worker exit
    ws = php_workers(h)
    assert len(ws) == 1 and ws[0]["parent_pid"] == parent, ws
    m = php_metrics(h)
    assert m["spawns"] == 1 and m["worker_exits"].get("broken") == 1, m


def test_what_a_script_left_in_the_group_goes_with_the_worker(make_httpd):
    # A script that starts a background job which ignores SIGTERM: when the
    # worker retires (idle), its parent and child exit, and what is left
    # of its process group gets SIGKILL after FcgiProcKillTimeout.
    h = fcgp.server(make_httpd, STATUS + "FcgiProcIdleTimeout 1\n"
                    "FcgiProcMinProcessesPerClass 0\n"
                    "FcgiProcKillTimeout 1\n")
    d = h.make_dir("pids")
    h.write_php("bg.php", "<?php exec(\"sh -c 'trap \\\"\\\" TERM; "
                "echo $$ > %s/pid; while :; do sleep 1; done' "
                ">/dev/null 2>&1 &\"); echo getmypid();" % d)
    h.start()
    assert h.get("/bg.php").status == 200
    w = php_workers(h)[0]
    deadline = time.monotonic() + 5
    job = None
    while job is None:      # the shell's ">" makes the file before echo
        assert time.monotonic() < deadline
        try:
            with open(os.path.join(d, "pid")) as f:
                job = int(f.read())
        except (OSError, ValueError):
            time.sleep(0.05)
    assert stat(job)[1] == w["parent_pid"]      # in the worker's group
    assert wait_gone([w["pid"], w["parent_pid"], job], 10) == []
    h.wait_for_log("FCGP03091", timeout=5)      # SIGKILL to the group


def test_idle_retirement_and_stop_leave_no_php_cgi(make_httpd):
    h = fcgp.server(make_httpd, STATUS + "FcgiProcIdleTimeout 1\n"
                    "FcgiProcMinProcessesPerClass 0\n")
    h.start()
    assert h.get("/hello.php").status == 200
    w = php_workers(h)[0]
    first = [w["pid"], w["parent_pid"]]
    # idle retirement: the parent gets SIGTERM and passes it on
    assert wait_gone(first, 10) == [], first
    assert php_workers(h) == []
    # a worker up when httpd stops: nothing of it is left
    assert h.get("/hello.php").status == 200
    w = php_workers(h)[0]
    second = [w["pid"], w["parent_pid"]]
    assert h.stop() == []
    assert wait_gone(second, 1) == [], second


def test_graceful_restart_leaves_no_old_php_cgi(make_httpd):
    h = fcgp.server(make_httpd, STATUS)
    h.start()
    assert h.get("/hello.php").status == 200
    w = php_workers(h)[0]
    old = [w["pid"], w["parent_pid"]]
    h.graceful()
    r = h.get("/hello.php")
    assert r.status == 200 and int(r.body.split()[-1]) not in old
    assert wait_gone(old, 10) == [], old


def starter(make_httpd, script, extra=""):
    """A started server whose .php files run through the starter script
    `script` (its body after "#!/bin/sh"), in a class that asks for parent
    mode with a limit of 3."""
    h = fcgp.server(make_httpd, STATUS
                    + "FcgiProcInitialEnv PHP_FCGI_CHILDREN 1\n"
                    + "FcgiProcInitialEnv PHP_FCGI_MAX_REQUESTS 3\n"
                    + "FcgiProcWrapper @ROOT@/php-starter .php\n" + extra)
    write_starter(h, script)
    h.start()
    return h


def write_starter(h, script):
    """(Re)place the starter script, as a deploy does: a new file moved
    into place."""
    new = h.write_file("php-starter.new", "#!/bin/sh\nPHPRC=/etc/php/8.2/cgi\n"
                       "export PHPRC\n" + script, mode=0o755)
    os.rename(new, os.path.join(h.root, "php-starter"))


def served_by(h, n):
    """n requests, each 200: how many each app pid served, in order."""
    rs = [h.get("/hello.php") for _ in range(n)]
    assert [r.status for r in rs] == [200] * n
    pids = [int(r.body.split()[-1]) for r in rs]
    return pids, [pids.count(p) for p in dict.fromkeys(pids)]


def starter_workers(h):
    return [w for w in status(h)["workers"] if "php-starter" in w["class"]]


def limit_exits(h, n):
    """The FCGP03010 lines once n workers exited (10 s at most)."""
    deadline = time.monotonic() + 10
    while (len(fcgp.tagged(h.error_log(), "FCGP03010")) < n
           and time.monotonic() < deadline):
        time.sleep(0.05)
    return fcgp.tagged(h.error_log(), "FCGP03010")


def test_starter_script_that_execs_php_cgi(make_httpd):
    # A hosting panel's starter script: sets php.ini options and execs
    # php-cgi.  It is not php-cgi by name, so it is told nothing; with
    # PHP_FCGI_CHILDREN 1 in FcgiProcInitialEnv its php-cgi runs as a
    # parent and its workers are renewed too.
    h = starter(make_httpd, "exec /usr/bin/php-cgi\n")
    pids, counts = served_by(h, 7)
    assert counts == [3, 3, 1], pids
    ws = starter_workers(h)
    assert len(ws) == 1 and ws[0]["renewals"] == 2, ws
    assert ws[0]["pid"] == pids[-1] and ws[0]["parent_pid"], ws
    assert fcgp.tagged(h.error_log(), "FCGP03010") == []


def test_parent_between_two_children_is_renewed(make_httpd):
    # A busy machine can stop php-cgi's parent between reaping the child
    # that left at the limit and forking the next: looked at then, it has
    # no child (CI saw a worker retired so, and one started beside it).
    # This starter makes that moment last: a shell that runs php-cgi
    # (PHP_FCGI_CHILDREN 0), then again and again in a subshell of its
    # own program, 10 ms apart.  Its first php-cgi runs outside a
    # subshell, so the PM learns it is a parent only at the limit, in a
    # gap.  The worker is renewed, not retired, and no second one starts.
    h = starter(make_httpd, "PHP_FCGI_CHILDREN=0\nexport PHP_FCGI_CHILDREN\n"
                "/usr/bin/php-cgi\nwhile :; do\n    sleep 0.01\n"
                "    (/usr/bin/php-cgi; :)\ndone\n")
    pids, counts = served_by(h, 7)
    assert counts == [3, 3, 1], pids
    ws = starter_workers(h)
    assert len(ws) == 1 and ws[0]["renewals"] == 2, ws
    assert fcgp.tagged(h.error_log(), "FCGP03010") == []


def test_starter_that_turns_parent_mode_off_is_retired_at_its_limit(make_httpd):
    # The class asks for parent mode, the starter script turns it off:
    # each php-cgi leaves at its limit by itself.  The PM, which waits a
    # moment for a child that never comes, sees it exit: retired as any
    # worker at its limit (INFO), no request lost, none taken for a crash.
    h = starter(make_httpd, "PHP_FCGI_CHILDREN=0\nexport PHP_FCGI_CHILDREN\n"
                "exec /usr/bin/php-cgi\n")
    pids, counts = served_by(h, 10)
    assert counts == [3, 3, 3, 1], pids
    exits = limit_exits(h, 3)
    assert len(exits) == 3 and all(
        "[fcgiproc:info]" in l and "after 3 requests" in l
        and "retired (request limit)" in l for l in exits), exits
    ws = starter_workers(h)
    assert len(ws) == 1 and ws[0]["renewals"] == 0, ws


def test_replaced_starter_is_looked_at_again(make_httpd):
    # Its workers were parents; the starter script replaced by one that
    # turns parent mode off: what the class knew of its workers goes with
    # the old program.  The new php-cgi are retired at their limit (taken
    # for parents still, they would be renewed and then leave by
    # themselves: exits the PM did not plan).
    h = starter(make_httpd, "exec /usr/bin/php-cgi\n")
    pids, counts = served_by(h, 4)
    assert counts == [3, 1] and starter_workers(h)[0]["renewals"] == 1, pids
    write_starter(h, "PHP_FCGI_CHILDREN=0\nexport PHP_FCGI_CHILDREN\n"
                  "exec /usr/bin/php-cgi\n")
    time.sleep(1.1)         # a handler looks at the program once a second
    more, counts = served_by(h, 7)
    assert len(fcgp.tagged(h.error_log(), "FCGP03035")) == 1
    assert counts == [3, 3, 1] and not set(more) & set(pids), more
    assert len(starter_workers(h)) == 1, starter_workers(h)
    assert starter_workers(h)[0]["renewals"] == 0, starter_workers(h)
    exits = [l for l in limit_exits(h, 3) if "superseded" not in l]
    assert len(exits) == 2 and all(
        "[fcgiproc:info]" in l and "after 3 requests" in l
        and "retired (request limit)" in l for l in exits), exits
    assert fcgp.tagged(h.error_log(), "FCGP03011") == [], h.error_log_tail()


def test_worker_neither_parent_nor_leaving_is_retired_after_the_look(make_httpd):
    # Parent mode off in the script and our limit (3) below the app's own
    # (php-cgi's default 500): at the limit the worker shows no child and
    # does not exit either.  The PM's look ends after its 100 ms, and the
    # worker is retired and replaced as any other at our limit (taken for
    # a parent, it would be renewed and serve on past the limit).
    h = starter(make_httpd, "PHP_FCGI_CHILDREN=0\nunset PHP_FCGI_MAX_REQUESTS\n"
                "export PHP_FCGI_CHILDREN\nexec /usr/bin/php-cgi\n",
                extra="FcgiProcMaxRequestsPerProcess 3\n")
    pids, counts = served_by(h, 7)
    assert counts == [3, 3, 1], pids
    exits = limit_exits(h, 2)
    assert len(exits) == 2 and all(
        "after 3 requests" in l and "retired (request limit)" in l
        for l in exits), exits
    ws = starter_workers(h)
    assert len(ws) == 1 and ws[0]["renewals"] == 0, ws



# An answer larger than what httpd holds for a client that does not read
# (SendBufferSize, FlushMaxThreshold and the client's receive buffer, 4 KB
# each: 40 KB went through whole) and smaller than what the app's socket
# holds (180 KB went in whole, 192 KB did not).
BIG = 128 * 1024


def dechunk(body):
    out = b""
    while True:
        size, _, body = body.partition(b"\r\n")
        n = int(size, 16)
        if n == 0:
            return out
        out, body = out + body[:n], body[n + 2:]


def test_worker_that_leaves_before_its_hand_back_is_retired_at_its_limit(
        make_httpd, test_app):
    # A worker of a class that asks for parent mode, which turns out not
    # to be a parent, can exit at its limit before its hand-back: the PM
    # reaps it while it is still busy.  That is its planned end (INFO,
    # "retired (request limit)"), not a crash (NOTICE, "unexpected"), and
    # the client still gets the whole answer.  php-cgi waits for httpd to
    # close the connection before it exits, and httpd closes it just
    # before the hand-back, so here the starter runs our test app, which
    # waits for that close 2 s at most (libfcgi's linger) and leaves at
    # its limit of 3: its third answer stalls on a client that does not
    # read, and the app exits in the meantime.
    h = starter(make_httpd, "FCGP_EXIT_AFTER=3\nexport FCGP_EXIT_AFTER\n"
                "exec %s\n" % test_app, extra="SendBufferSize 4096\nFlushMaxThreshold 4096\n")
    h.write_php("a.php", "<?php // the test app answers, not PHP\n")
    pids = [fcgp.app_pid(h.get("/a.php").body)[0] for _ in range(2)]
    assert len(set(pids)) == 1, pids
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(30)
    try:
        s.connect(("127.0.0.1", h.port))
        t0 = time.monotonic()
        s.sendall(b"GET /a.php?size=%d HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  b"Connection: close\r\n\r\n" % BIG)
        # nothing read: the app leaves while its answer is on its way
        assert wait_gone(pids[:1], 10) == [], pids
        gone = time.monotonic() - t0
        exits = limit_exits(h, 1)
        data = fcgp.read_to_close(s)
    finally:
        s.close()
    # it waited out the linger: httpd had not closed, nor handed it back
    assert gone > 1.5, gone
    assert len(exits) == 1 and "[fcgiproc:info]" in exits[0] and (
        "after 3 requests" in exits[0]
        and "retired (request limit)" in exits[0]), exits
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head
    assert len(dechunk(body)) == BIG, head
    more = [fcgp.app_pid(h.get("/a.php").body)[0] for _ in range(3)]
    assert len(set(more)) == 1 and pids[0] not in more, more
    assert len(starter_workers(h)) == 1, starter_workers(h)
    log = h.error_log()
    assert fcgp.tagged(log, "FCGP03011") == [], log
    assert all("[fcgiproc:info]" in l and "unexpected" not in l
               for l in fcgp.tagged(log, "FCGP03010")), log
