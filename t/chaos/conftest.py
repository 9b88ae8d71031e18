"""The chaos suite reuses the integration tests' harness unchanged: their
conftest (fixtures make_httpd, test_app, fcgiproc_module and the report
hook that keeps a failed server's root) is loaded under another name, and
t/integration is put on sys.path for `import httpd`, `import fcgp`."""
import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
INTEGRATION = os.path.join(os.path.dirname(HERE), "integration")
sys.path.insert(0, INTEGRATION)
sys.path.insert(0, HERE)

_spec = importlib.util.spec_from_file_location(
    "fcgp_integration_conftest", os.path.join(INTEGRATION, "conftest.py"))
_conf = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_conf)

# Re-exported: pytest finds fixtures and hooks by name in this module.
make_httpd = _conf.make_httpd
test_app = _conf.test_app
fcgiproc_module = _conf.fcgiproc_module
pytest_runtest_makereport = _conf.pytest_runtest_makereport

import chaos  # noqa: E402


def pytest_sessionstart(session):
    chaos.summary_reset()


def pytest_terminal_summary(terminalreporter):
    lines = chaos.summary_lines()
    if lines:
        terminalreporter.write_sep("-", "chaos summary (%s)" % chaos.SUMMARY_PATH)
        for line in lines:
            terminalreporter.write_line(line)
