# mod_fcgiproc: `make` builds the module, `make test` runs every test,
# `make demo` starts a private httpd on 127.0.0.1:8080, `make bench` runs the
# benchmarks, `make chaos` the fault-injection suite (about 2 minutes),
# `make compat` the mod_fcgid compatibility suite (t/compat).  ./configure
# (optional) writes config.mk with the apxs to use.  `make package` builds
# the Debian package into build/package/ (`make package-test` installs it
# in a private mount namespace), `make docs` the HTML manual into
# build/docs/.
-include config.mk

.PHONY: all deps test unit-test integration-test asan-test fuzz demo \
        demo-stop bench check-rules chaos compat clean package package-deps \
        package-test docs

all: .libs/mod_fcgiproc.so apps docs/directives.md

include Makefile.apxs
include t/unit/unit.mk
include t/fuzz/fuzz.mk
include t/apps/apps.mk
include bench/bench.mk
include t/compat/compat.mk
include t/package/package.mk
include docs/manual/manual.mk

PYTHON ?= /usr/bin/python3
PYTEST_ARGS ?=

# Debian packages the build, the tests and the demo need (installed when
# missing and running as root).
deps:
	@sh t/deps.sh

test: deps all check-rules unit-test integration-test

integration-test: .libs/mod_fcgiproc.so apps
	FCGP_REQUIRE_MODULE=1 $(PYTHON) -m pytest -q -p no:cacheprovider t/integration t/compat $(PYTEST_ARGS)

# Faults under a bounded load (t/chaos): workers, httpd children and the
# process manager killed, a worker stopped, graceful restarts; nothing
# lost that a fault does not explain, nothing leaked.  Not part of `make
# test` (about 2 minutes); CI runs it.  Figures: build/chaos-summary.txt.
chaos: deps .libs/mod_fcgiproc.so apps
	FCGP_REQUIRE_MODULE=1 $(PYTHON) -m pytest -q -p no:cacheprovider t/chaos $(PYTEST_ARGS)

# The whole integration suite against the module built with ASan+UBSan;
# any sanitizer report fails it.
ASAN_LOGS ?= /tmp/fcgiproc-asan-logs
asan-test: deps $(ASAN_SO) apps
	rm -rf $(ASAN_LOGS) && mkdir -p $(ASAN_LOGS) && chmod 1777 $(ASAN_LOGS)
	FCGP_REQUIRE_MODULE=1 FCGP_MODULE=$(CURDIR)/$(ASAN_SO) \
	FCGP_LD_PRELOAD="$$(gcc -print-file-name=libasan.so) $$(gcc -print-file-name=libubsan.so)" \
	ASAN_OPTIONS=detect_leaks=0:log_path=$(ASAN_LOGS)/asan \
	UBSAN_OPTIONS=print_stacktrace=1:log_path=$(ASAN_LOGS)/ubsan \
	$(PYTHON) -m pytest -q -p no:cacheprovider t/integration $(PYTEST_ARGS)
	@if [ -n "$$(ls -A $(ASAN_LOGS))" ]; then cat $(ASAN_LOGS)/*; \
	    echo "asan-test: sanitizer reports above"; exit 1; fi
	@echo "asan-test: no sanitizer reports"

# The structural rules, then a test that breaks each of them once in a
# copy of the tree (under /tmp) and expects it to be caught.
check-rules: .libs/mod_fcgiproc.so
	@sh t/check_rules.sh
	@sh t/check_rules_test.sh

demo: deps all
	@sh demo/demo.sh start

demo-stop:
	@sh demo/demo.sh stop

clean:
	rm -rf .libs build *.la *.lo *.slo *.o */*.lo */*.slo */*.o */.libs
