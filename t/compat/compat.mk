# t/compat/compat.mk: the mod_fcgid compatibility suite (t/compat), included
# by the top-level Makefile.  `make compat` runs it alone (about 2 minutes:
# each case under Debian's mod_fcgid, then under ours with only the
# LoadModule path changed, and under our own identity; then the exit race,
# whose figures go to build/compat-exit-race.txt).  It also runs as part of
# `make integration-test`.  -rxX lists the cases still waiting for a
# feature (PENDING in t/compat/test_compat.py).
.PHONY: compat

compat: deps .libs/mod_fcgiproc.so apps
	FCGP_REQUIRE_MODULE=1 $(PYTHON) -m pytest -q -rxX -p no:cacheprovider t/compat $(PYTEST_ARGS)
