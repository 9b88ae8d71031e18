"""The exit race through a suexec'd class (not part of `make test`: about
a minute).  Tenant A's panel-style starter exports PHP_FCGI_MAX_REQUESTS=20
and execs php-cgi, through httpd's suexec: we cannot read that limit, so
the process manager learns it from php-cgi's first exits (FCGP03011) and
retires every later worker before its 20th request.  20,000 requests at
concurrency 32: none may fail.  The figures go to the chaos summary."""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))

import chaos  # noqa: E402
import httpd as H  # noqa: E402
import tenants as T  # noqa: E402
from fcgp import status_counts, tagged  # noqa: E402

pytestmark = pytest.mark.skipif(T.suexec_missing() is not None,
                                reason=str(T.suexec_missing()))

N = int(os.environ.get("FCGP_SUEXEC_LOAD_N", "20000"))
C = 32


def test_exit_race_through_suexec(make_httpd):
    with T.Tenants(["a"]) as t:
        a = t["a"]
        a.write("t.php", "<?php echo 'pid ', getmypid(), \"\\n\";")
        h = make_httpd(extra_conf="FcgiProcMaxProcessesPerClass 40\n"
                                  + t.vhost("a"),
                       modules=["suexec"], log_level="notice")
        h.start()
        # The first exits teach the PM php-cgi's limit.
        r = H.load(h.url("/t.php"), N, C, timeout=600,
                   extra_args=["-H", "Host: " + a.host])
        log = h.error_log()
        counts = status_counts(h)
        learned = tagged(log, "FCGP03011")
        chaos.summary_add(
            "exit race through suexec: %d requests at c=%d: %d complete, "
            "%d errors (%s), %.0f req/s; learned limit: %s"
            % (N, C, r.complete, r.errors, counts, r.rps,
               learned[0].split("FCGP03011: ")[1][:120] if learned else
               "none"))
        assert not r.aborted, r.output[-2000:]
        assert r.complete == N
        assert r.errors == 0, (r, counts)
        assert counts == {200: N}, counts
        assert learned, "the PM did not learn php-cgi's limit"
        assert not tagged(log, "FCGP02001"), tagged(log, "FCGP02001")[:5]
