"""php-cgi pools (FcgiProcInitialEnv PHP_FCGI_CHILDREN N, N above 1): one
php-cgi parent forks N children that accept on its one socket, and the
class serves up to N requests at once through it, all with the parent's
one opcode cache (php-fpm's structure).  The children leave at
PHP_FCGI_MAX_REQUESTS while the parent holds the socket; the pool retires
whole, its parent signalled only once no request of its runs."""
import concurrent.futures
import os
import signal
import time

import fcgp
import httpd as H
# the status page's rows and counters of the php-cgi class, and waiting
# for processes to go, as the parent-mode tests read them
from test_php_parent import (STATUS, alive, php_metrics, php_workers, status,
                             wait_gone)


def who_server(make_httpd, conf):
    """A server with the status page and conf, whose /who.php?ms=N waits
    N ms and says which process served it, and that one's parent (a signal
    does not cut its wait short)."""
    h = fcgp.server(make_httpd, STATUS + conf)
    h.write_php("who.php", "<?php $end = microtime(true)"
                " + (int)($_GET['ms'] ?? 0) / 1000;"
                " while (microtime(true) < $end) { usleep(10000); }"
                " echo getmypid(), ' ', posix_getppid();")
    return h


def pool_server(make_httpd, children=4, extra=""):
    return who_server(make_httpd,
                      "FcgiProcInitialEnv PHP_FCGI_CHILDREN %d\n" % children
                      + "FcgiProcMaxProcessesPerClass %d\n" % children
                      + extra)


def at_once(h, paths, timeout=30):
    with concurrent.futures.ThreadPoolExecutor(len(paths)) as ex:
        return list(ex.map(lambda p: h.get(p, timeout=timeout), paths))


def test_a_pool_serves_its_requests_at_once_from_one_parent(make_httpd):
    h = pool_server(make_httpd, 4)
    h.start()
    assert h.get("/who.php").status == 200
    t0 = time.monotonic()
    rs = at_once(h, ["/who.php?ms=1000"] * 4)
    took = time.monotonic() - t0
    assert [r.status for r in rs] == [200] * 4
    pids = [tuple(map(int, r.body.split())) for r in rs]
    assert len({p for p, _ in pids}) == 4, pids       # four children
    assert len({pp for _, pp in pids}) == 1, pids     # of one parent
    assert took < 3.0, took                           # side by side
    ws = php_workers(h)
    assert len(ws) == 4 and {w["pid"] for w in ws} == {pids[0][1]}, ws
    assert php_metrics(h)["spawns"] == 1


def test_a_pools_children_share_one_opcode_cache(make_httpd):
    # What one child compiled, every other child has: the cache lives in
    # the parent's shared memory (with a parent each, it would be compiled
    # once per worker).
    h = pool_server(make_httpd, 4)
    lib = h.write_php("lib.php", "<?php function f() { return 1; }")
    h.write_php("check.php",
                "<?php usleep(500000); echo getmypid(), ' ', "
                "(int)opcache_is_script_cached('%s');" % lib)
    h.write_php("use.php", "<?php require '%s'; echo f();" % lib)
    # (opcache leaves alone a file changed in the last 2 seconds:
    # opcache.file_update_protection)
    os.utime(lib, (time.time() - 60, time.time() - 60))
    h.start()
    assert h.get("/use.php").status == 200
    rs = at_once(h, ["/check.php"] * 4)
    got = [r.body.split() for r in rs]
    assert len({g[0] for g in got}) == 4, got
    assert all(g[1] == b"1" for g in got), got


def test_a_pools_children_leave_at_the_limit_and_the_pool_stays(make_httpd):
    h = pool_server(make_httpd, 4,
                    "FcgiProcInitialEnv PHP_FCGI_MAX_REQUESTS 5\n")
    h.start()
    rs = []
    for _ in range(10):
        rs += at_once(h, ["/who.php?ms=20"] * 4)
    assert [r.status for r in rs] == [200] * 40
    pids = [tuple(map(int, r.body.split())) for r in rs]
    per_child = {}
    for p, _ in pids:
        per_child[p] = per_child.get(p, 0) + 1
    assert max(per_child.values()) <= 5, per_child
    assert len(per_child) >= 8, per_child
    assert len({pp for _, pp in pids}) == 1, pids
    assert fcgp.tagged(h.error_log(), "FCGP03010") == []    # no worker exit
    assert php_metrics(h)["spawns"] == 1


def timeout_beside_a_slow_request(make_httpd, extra=""):
    """A pool of 2 (FcgiProcIOTimeout 4, FcgiProcKillTimeout 1): a request
    that spins past the timeout, and beside it one that ends 1.5 s after
    the 504 (past FcgiProcKillTimeout, within its own timeout).  Returns
    (h, parent, spinner, slow answer)."""
    h = pool_server(make_httpd, 2, "FcgiProcIOTimeout 4\n"
                                   "FcgiProcKillTimeout 1\n" + extra)
    d = h.make_dir("pids")
    h.write_php("spin.php", "<?php file_put_contents('%s/pid', getmypid());"
                " while (true) { usleep(100000); }" % d)
    h.start()
    parent = int(h.get("/who.php").body.split()[1])
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        spin = ex.submit(lambda: h.get("/spin.php", timeout=30))
        time.sleep(2)
        slow = ex.submit(lambda: h.get("/who.php?ms=3500", timeout=30))
        assert spin.result().status == 504
        r = slow.result()
    with open(os.path.join(d, "pid")) as f:
        spinner = int(f.read())
    return h, parent, spinner, r


def test_a_timeout_kills_the_child_that_ran_it_and_the_pool_stays(
        make_httpd):
    # The handler notes which socket of the application its connection
    # was to (sock_diag); the PM kills the child that holds it, the parent
    # forks a warm one, and the pool's other request goes on.
    h, parent, spinner, r = timeout_beside_a_slow_request(make_httpd)
    assert r.status == 200 and int(r.body.split()[1]) == parent
    assert wait_gone([spinner], 2) == []
    assert alive(parent)
    h.wait_for_log("FCGP03015", timeout=5)
    line = fcgp.tagged(h.error_log(), "FCGP03015")
    assert len(line) == 1 and "killed its child pid %d" % spinner \
        in line[0], line
    rs = at_once(h, ["/who.php?ms=300"] * 2)
    assert [int(x.body.split()[1]) for x in rs] == [parent] * 2
    assert fcgp.tagged(h.error_log(), "FCGP03010") == []    # no worker exit
    m = php_metrics(h)
    assert m["spawns"] == 1 and m["worker_kills"] == 1, m
    assert m["worker_exits"].get("timeout") == 1, m["worker_exits"]


def test_a_pool_that_retires_lets_its_other_requests_end(make_httpd):
    # The pool retires (here its lifetime is up when the timeout comes);
    # its other request ends first (SIGTERM to the parent is passed on to
    # its children, which would cut it short), and nothing of the pool
    # outlives FcgiProcKillTimeout after that.
    h, parent, spinner, r = timeout_beside_a_slow_request(
        make_httpd, "FcgiProcProcessLifeTime 1\n")
    assert r.status == 200 and int(r.body.split()[1]) == parent
    assert wait_gone([spinner, parent], 6) == [], h.error_log_tail(10)
    r = h.get("/who.php")
    assert r.status == 200 and int(r.body.split()[1]) != parent
    exits = fcgp.tagged(h.error_log(), "FCGP03010")
    assert len(exits) == 1 and "pid %d" % parent in exits[0], exits


def test_an_idle_pool_retires_whole(make_httpd):
    h = pool_server(make_httpd, 4, "FcgiProcIdleTimeout 1\n"
                                   "FcgiProcMinProcessesPerClass 0\n")
    h.start()
    rs = at_once(h, ["/who.php?ms=300"] * 4)
    parent = int(rs[0].body.split()[1])
    kids = [int(r.body.split()[0]) for r in rs]
    assert len(php_workers(h)) == 4
    assert wait_gone([parent] + kids, 8) == [], h.error_log_tail(10)
    assert php_workers(h) == []
    assert status(h)["processes"] == 0


def test_a_graceful_restart_under_load_loses_nothing(make_httpd):
    h = pool_server(make_httpd, 4)
    h.start()
    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        futs = [ex.submit(lambda: h.get("/who.php?ms=50", timeout=30))
                for _ in range(400)]
        time.sleep(1)
        h.graceful()
        rs = [f.result() for f in futs]
    assert [r.status for r in rs] == [200] * len(rs)
    assert fcgp.tagged(h.error_log(), "FCGP02001") == []


def test_a_pool_with_a_request_running_is_not_idle(make_httpd):
    # FcgiProcIdleTimeout counts for the pool, not for each of its slots:
    # while one of its requests runs, its idle slots do not retire it.
    h = pool_server(make_httpd, 4, "FcgiProcIdleTimeout 1\n"
                                   "FcgiProcMinProcessesPerClass 0\n")
    h.start()
    rs = at_once(h, ["/who.php?ms=300"] * 4)
    parent = int(rs[0].body.split()[1])
    # one slot's request ends at once, another's runs 3.5 s
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        short = ex.submit(lambda: h.get("/who.php?ms=400", timeout=30))
        time.sleep(0.2)
        long = ex.submit(lambda: h.get("/who.php?ms=3500", timeout=30))
        assert short.result().status == 200
        r = long.result()
    assert r.status == 200 and int(r.body.split()[1]) == parent
    r = h.get("/who.php")
    assert r.status == 200 and int(r.body.split()[1]) == parent
    assert fcgp.tagged(h.error_log(), "FCGP03010") == []    # no worker exit


def test_the_status_page_shows_the_child_that_serves(make_httpd):
    # A busy slot of a pool shows the child that holds its connection
    # (what getmypid() says to the script), and the parent beside it.
    h = pool_server(make_httpd, 4)
    h.start()
    parent = int(h.get("/who.php").body.split()[1])
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        futs = [ex.submit(lambda: h.get("/who.php?ms=1500", timeout=30))
                for _ in range(2)]
        time.sleep(0.7)
        busy = [w for w in php_workers(h) if w["state"] == "busy"]
        rs = [f.result() for f in futs]
    kids = {int(r.body.split()[0]) for r in rs}
    assert len(busy) == 2, busy
    assert {w["pid"] for w in busy} == kids, (busy, kids)
    assert all(w["parent_pid"] == parent for w in busy), busy


def test_a_child_that_crashes_leaves_the_pool_serving(make_httpd):
    # A child that dies in the middle of a request (a crashing extension):
    # 502 for that request; nothing to kill (it is gone), the parent forks
    # the next child, and the pool serves on.
    h = pool_server(make_httpd, 2)
    h.write_php("die.php", "<?php posix_kill(getmypid(), 9);")
    h.start()
    parent = int(h.get("/who.php").body.split()[1])
    r = h.post("/die.php", body=b"x")            # a POST: not retried
    assert r.status == 502, r.status
    rs = at_once(h, ["/who.php?ms=300"] * 2)
    assert [int(x.body.split()[1]) for x in rs] == [parent] * 2
    assert fcgp.tagged(h.error_log(), "FCGP03010") == []    # no worker exit
    m = php_metrics(h)
    assert m["spawns"] == 1 and m["worker_exits"].get("broken") == 1, m


def test_a_pool_whose_parent_is_killed_under_load_loses_nothing(make_httpd):
    # The parent gets SIGKILL while its children serve: they finish what
    # they accepted (then SIGTERM, as the rest of its group), and a new
    # parent takes the same socket, and the pool's slots, at once.
    h = pool_server(make_httpd, 4)
    h.start()
    parent = int(h.get("/who.php").body.split()[1])
    with concurrent.futures.ThreadPoolExecutor(1) as ex:
        res = ex.submit(H.load, h.url("/who.php?ms=20"), 600, 4, 120)
        time.sleep(1)
        os.kill(parent, signal.SIGKILL)
        res = res.result()
    assert res.complete == 600 and res.errors == 0, res
    assert fcgp.tagged(h.error_log(), "FCGP02001") == []
    r = h.get("/who.php")
    assert r.status == 200 and int(r.body.split()[1]) != parent
    ws = php_workers(h)
    assert len({w["pid"] for w in ws}) == 1 and len(ws) == 4, ws


def test_a_fifo_named_like_php_cgi_does_not_stop_the_process_manager(
        make_httpd):
    # The PM reads the first bytes of a program named like php-cgi (is it
    # php-cgi itself, or a script?): a FIFO there must not block it.
    h = pool_server(make_httpd, 4)
    h.start()
    os.mkfifo(os.path.join(h.htdocs, "php-cgi-x.fcgi"))
    r = h.get("/php-cgi-x.fcgi", timeout=30)
    assert r.status >= 400, r.status
    t0 = time.monotonic()
    assert h.get("/who.php", timeout=30).status == 200
    assert time.monotonic() - t0 < 5
