"""pytest fixtures for the mod_fcgiproc integration tests.

Fixtures:
    make_httpd   factory(**Httpd kwargs) -> Httpd (not started; call .start()).
                 Every server it made is stopped at teardown (also on failure);
                 on failure the error_log tail is printed and the server root
                 is kept for inspection; on success it is removed
                 (FCGP_KEEP_TMP=1 keeps it always).
    test_app     path of build/apps/fcgp-test-app (built on demand with
                 `make -f t/apps/apps.mk apps`).
    fcgiproc_module  path of mod_fcgiproc.so; skips the test when it is not
                 built, unless FCGP_REQUIRE_MODULE=1 (then it fails).
    mpm          "event" / $FCGP_MPM (parametrize indirectly to change).
"""
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import httpd as H  # noqa: E402


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


def _failed(request):
    for when in ("setup", "call"):
        rep = getattr(request.node, "rep_" + when, None)
        if rep is not None and rep.failed:
            return True
    return False


@pytest.fixture(scope="session")
def test_app():
    src = os.path.join(H.REPO_ROOT, "t", "apps", "fcgp-test-app.c")
    if (not os.path.exists(H.TEST_APP)
            or os.path.getmtime(H.TEST_APP) < os.path.getmtime(src)):
        p = subprocess.run(["make", "-C", H.REPO_ROOT, "-f", "t/apps/apps.mk", "apps"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=120)
        if p.returncode != 0:
            pytest.fail("building the test app failed:\n" + p.stdout)
    return H.TEST_APP


@pytest.fixture(scope="session")
def fcgiproc_module():
    if not os.path.exists(H.MODULE_PATH):
        msg = "mod_fcgiproc not built: %s (set FCGP_MODULE)" % H.MODULE_PATH
        if os.environ.get("FCGP_REQUIRE_MODULE") == "1":
            pytest.fail(msg)
        pytest.skip(msg)
    return H.MODULE_PATH


@pytest.fixture
def mpm(request):
    return getattr(request, "param", H.DEFAULT_MPM)


@pytest.fixture
def make_httpd(request):
    servers = []

    def factory(**kwargs):
        if kwargs.get("fcgiproc", True) and not os.path.exists(
                kwargs.get("module_path") or H.MODULE_PATH):
            request.getfixturevalue("fcgiproc_module")  # skips / fails
        h = H.Httpd(**kwargs)
        servers.append(h)
        return h

    yield factory

    failed = _failed(request)
    problems = []
    for h in servers:
        try:
            left = h.stop()
            if left:
                problems.append("%s: leftover processes after stop: %s"
                                % (h.root, [(p["pid"], p["cmdline"]) for p in left]))
        except Exception as e:  # keep stopping the others
            problems.append("%s: stop failed: %r" % (h.root, e))
        if failed or problems:
            sys.stderr.write("\n==== %s error_log tail (root kept: %s) ====\n%s\n"
                             % (h.url("/"), h.root, h.error_log_tail(60)))
        elif os.environ.get("FCGP_KEEP_TMP") != "1":
            h.cleanup()
    for p in problems:
        sys.stderr.write(p + "\n")
