# bench/bench.mk: `make bench` runs the benchmarks (bench/bench.py) against
# the module and test app that `make all` builds.  Never part of `make test`.
# Included by the top-level Makefile.  Options (environment):
#   BENCH_SECONDS=5  seconds per wrk run
#   BENCH_ROUNDS=3   rounds (systems alternate within a round)
#   BENCH_QUICK=1    smoke run: one workload, 1 round, 2 s (writes bench/quick/)
#   BENCH_PROCS=8    N: most app processes per class, php-fpm children, ...
#   BENCH_ONLY=c_hello:32,php_hello:32   only these workloads (bench/quick/)
#   BENCH_FCGIPROC_CONF='...'            extra directives for mod_fcgiproc
#   BENCH_MW_PROCS=16 BENCH_MW_REQUESTS=4000 BENCH_MW_ROUNDS=2   the real
#                    application (MediaWiki on SQLite, workloads mw and
#                    mw_churn50: mod_fcgiproc and php-fpm only), c=16
#   (slow_start: processes of an app taking 1.5 s to start, c=16 and a
#                    graceful restart; mod_fcgiproc and mod_fcgid, last round)
#   BENCH_AUTOGROUP=off  switch the kernel's autogroup scheduler off for the
#                    run, back after (root); unset, no kernel setting changes
BENCH_PYTHON ?= /usr/bin/python3

.PHONY: bench

bench: all
	$(BENCH_PYTHON) bench/bench.py

# `make bench-scale`: many virtual hosts, each with its own wrapper (2,000
# without suexec; 200 with suexec and real users, made and removed: root
# only).  Startup time, memory, first requests, idle reaping.  Figures:
# bench/out/scale.txt.  SCALE_VHOSTS, SCALE_SUEXEC, SCALE_TOUCH override.
.PHONY: bench-scale
bench-scale: all
	$(BENCH_PYTHON) bench/scale.py
