"""php-cgi whose PHP_FCGI_CHILDREN the admin left to us (FcgiProcWrapper
/usr/bin/php-cgi and nothing else): one child (parent mode) while requests
come one at a time; when more come at once, the process manager starts a
pool of as many children on one socket, with one opcode cache, in place of
the smaller workers, which retire as their requests end."""
import concurrent.futures
import os
import time

import pytest

import fcgp
from test_php_parent import alive, php_metrics, php_workers, wait_gone
# /who.php says which process served, and its parent; requests side by side
from test_php_pool import at_once, who_server as server


def served_by(rs):
    """[(pid, parent pid)] of 200 answers."""
    assert [r.status for r in rs] == [200] * len(rs), [r.status for r in rs]
    return [tuple(map(int, r.body.split())) for r in rs]


def settled(h, n, ms, tries=6):
    """n requests at once, again until one parent served them all (a load
    that comes step by step grows a pool or two on the way, each taking
    over once its first request ended); [(pid, parent pid)] of the last."""
    for _ in range(tries):
        pids = served_by(at_once(h, ["/who.php?ms=%d" % ms] * n))
        if len({pp for _, pp in pids}) == 1:
            break
    return pids


def children_of(pid):
    with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
        return [int(x) for x in f.read().split()]


def test_php_cgi_grows_into_one_pool_of_the_requests_at_once(make_httpd):
    h = server(make_httpd, "FcgiProcMaxProcessesPerClass 8\n")
    h.start()
    # one at a time: one parent with one child, as before
    (first, parent), = served_by([h.get("/who.php")])
    assert children_of(parent) == [first]
    # 8 at once: side by side, whatever it took to get there
    t0 = time.monotonic()
    served_by(at_once(h, ["/who.php?ms=1000"] * 8))
    assert time.monotonic() - t0 < 4.0
    # and then one pool of 8: one parent, 8 children, the old parent gone
    pids = settled(h, 8, 1000)
    parents = {pp for _, pp in pids}
    assert len(parents) == 1, pids
    pool, = parents
    assert len({p for p, _ in pids}) == 8, pids
    assert len(children_of(pool)) == 8
    assert wait_gone([parent], 5) == []
    ws = php_workers(h)
    assert len(ws) == 8 and {w["pid"] for w in ws} == {pool}, ws
    m = php_metrics(h)
    assert m["worker_exits"].get("grown", 0) >= 1, m["worker_exits"]
    assert fcgp.tagged(h.error_log(), "FCGP03016"), h.error_log()[-2000:]
    # it stays that size: the same load starts nothing more
    spawns = m["spawns"]
    for _ in range(3):
        pids = served_by(at_once(h, ["/who.php?ms=300"] * 8))
        assert {pp for _, pp in pids} == {pool}, pids
    assert php_metrics(h)["spawns"] == spawns


def test_a_grown_pool_compiles_the_application_once(make_httpd):
    # A new pool has a new, empty opcode cache.  Its first request
    # compiles the application alone, while the smaller worker serves on;
    # then its other children take requests, the code already in the
    # cache (were they all to start at once, each would compile it too,
    # and keep the memory that took).
    h = server(make_httpd, "FcgiProcMaxProcessesPerClass 8\n")
    lib = h.write_php("lib.php", "<?php function f() { return 1; }")
    # (whether lib is in the cache, looked at before anyone of these
    # requests compiles it)
    h.write_php("check.php",
                "<?php $c = (int)opcache_is_script_cached('%s');"
                " usleep(300000); require '%s';"
                " echo getmypid(), ' ', posix_getppid(), ' ', $c;" % (lib, lib))
    # (opcache leaves alone a file changed in the last 2 seconds)
    os.utime(lib, (time.time() - 60, time.time() - 60))
    h.start()
    (_, parent), = served_by([h.get("/who.php")])
    rs = at_once(h, ["/check.php"] * 8)
    assert [r.status for r in rs] == [200] * 8, [r.status for r in rs]
    got = [tuple(map(int, r.body.split())) for r in rs]
    # (a load that comes step by step may grow more than one pool)
    pools = {}
    for pid, pp, cached in got:
        if pp != parent:
            pools.setdefault(pp, []).append(cached)
    assert pools and max(len(c) for c in pools.values()) > 1, got
    for cached in pools.values():
        assert cached.count(0) <= 1, got                # compiled once
    assert fcgp.tagged(h.error_log(), "FCGP03016"), h.error_log()[-2000:]


def test_a_slow_first_request_holds_a_grown_pool_2_s_at_most(make_httpd):
    # The pool's first request compiles the application alone; one that
    # runs long (6 s here) keeps the pool's other children from requests
    # for 2 s at most, then they take them.
    h = server(make_httpd, "FcgiProcMaxProcessesPerClass 8\n")
    h.start()
    served_by([h.get("/who.php")])
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        slow = [ex.submit(lambda: h.get("/who.php?ms=6000", timeout=30))]
        time.sleep(0.5)     # on the one-child worker
        slow.append(ex.submit(lambda: h.get("/who.php?ms=6000", timeout=30)))
        time.sleep(0.7)     # the first request of the pool grown for it
        t0 = time.monotonic()
        served_by(at_once(h, ["/who.php?ms=300"] * 3))
        took = time.monotonic() - t0
        served_by([f.result() for f in slow])
    assert took < 4.5, took     # (not after the 6 s ones: ~5 s)


# (All of a pool's children run from its start, though only those it has
# requests for are counted: the server-wide limit bounds them all.)
@pytest.mark.parametrize("limit", ["FcgiProcMaxProcessesPerClass 4",
                                   "FcgiProcMaxProcesses 6"])
def test_a_pool_grows_no_larger_than_the_process_limits(make_httpd, limit):
    h = server(make_httpd, limit + "\n")
    h.start()
    pids = settled(h, 8, 500)
    pool, = {pp for _, pp in pids}
    n = int(limit.split()[1])
    assert len(children_of(pool)) == n
    assert len(php_workers(h)) == n


def test_the_smaller_workers_finish_their_requests(make_httpd):
    # A request in progress on the one-child worker when the pool takes
    # its place ends normally; then its parent goes.
    h = server(make_httpd, "FcgiProcMaxProcessesPerClass 4\n")
    h.start()
    (_, parent), = served_by([h.get("/who.php")])
    with concurrent.futures.ThreadPoolExecutor(1) as ex:
        long = ex.submit(lambda: h.get("/who.php?ms=3000", timeout=30))
        time.sleep(0.5)
        pids = served_by(at_once(h, ["/who.php?ms=500"] * 3))
        assert alive(parent)            # still serving the long one
        assert {pp for _, pp in pids} != {parent}
        (_, pp), = served_by([long.result()])
    assert pp == parent
    assert wait_gone([parent], 5) == []
    assert fcgp.tagged(h.error_log(), "FCGP02001") == []


def test_php_fcgi_children_1_keeps_one_child_per_worker(make_httpd):
    # The admin's PHP_FCGI_CHILDREN is theirs: no pool is made of it.
    h = server(make_httpd, "FcgiProcMaxProcessesPerClass 4\n"
                           "FcgiProcInitialEnv PHP_FCGI_CHILDREN 1\n")
    h.start()
    for _ in range(2):
        pids = served_by(at_once(h, ["/who.php?ms=500"] * 4))
    assert len({pp for _, pp in pids}) == 4, pids
    assert fcgp.tagged(h.error_log(), "FCGP03016") == []


def test_an_idle_pool_makes_way_for_one_child(make_httpd):
    # A site whose load came and went: after FcgiProcIdleTimeout its pool
    # goes whole, and the class's minimum (1) is kept by one parent with
    # one child, not by a pool the size of the past load.
    h = server(make_httpd, "FcgiProcMaxProcessesPerClass 4\n"
                           "FcgiProcIdleTimeout 1\n")
    h.start()
    pids = settled(h, 4, 300)
    pool, = {pp for _, pp in pids}
    kids = children_of(pool)
    assert len(kids) == 4
    assert wait_gone([pool] + kids, 10) == [], h.error_log_tail(10)
    deadline = time.monotonic() + 5
    while len(php_workers(h)) != 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    w, = php_workers(h)
    assert w["pid"] != pool and len(children_of(w["parent_pid"] or w["pid"])) \
        <= 1, w
    (_, parent), = served_by([h.get("/who.php")])
    assert children_of(parent) and len(children_of(parent)) == 1


def test_a_pool_kept_for_the_class_minimum_stays_warm(make_httpd):
    # FcgiProcMinProcessesPerClass 3 (mod_fcgid's default) is kept by a
    # pool of 4, which the idle timeout leaves alone: not retired and
    # started cold again each FcgiProcIdleTimeout.
    h = server(make_httpd, "FcgiProcMinProcessesPerClass 3\n"
                           "FcgiProcIdleTimeout 1\n")
    h.start()
    (_, pool), = served_by([h.get("/who.php")])
    time.sleep(4)
    (_, again), = served_by([h.get("/who.php")])
    assert again == pool
    assert len(children_of(pool)) == 4
    assert php_metrics(h)["spawns"] == 1
