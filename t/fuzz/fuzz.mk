# t/fuzz/fuzz.mk: libFuzzer target for the FastCGI decoder.  Included by
# the top-level Makefile; paths are relative to the source root.
# Standalone:
#
#     make -f t/fuzz/fuzz.mk fuzz [FUZZ_SECONDS=60]
#
# Needs clang with the libFuzzer runtime (Debian: clang, libclang-rt-14-dev).
# New inputs go to build/fuzz/corpus; the seeds in t/fuzz/corpus are only
# read.  A crash, sanitizer report, broken invariant or hang (-timeout)
# makes libFuzzer exit non-zero, and so `make fuzz` fails; the input is
# saved as build/fuzz/artifacts/crash-* (replay: build/fuzz/fuzz_fcgi_decode
# FILE).

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_MAX_LEN ?= 8192
FUZZ_TIMEOUT ?= 10
FUZZ_BUILD   ?= build/fuzz

FUZZ_CFLAGS   = -std=gnu99 -g -O1 -Wall -Wextra -Werror \
                -fsanitize=fuzzer,address,undefined \
                -fno-sanitize-recover=all -fno-omit-frame-pointer \
                $(shell apr-1-config --includes --cppflags) -I.
FUZZ_LIBS     = $(shell apr-1-config --link-ld --libs)

FUZZ_DECODE_SRCS = t/fuzz/fuzz_fcgi_decode.c fcgi_proto/fcgi_decode.c

.PHONY: fuzz fuzz-build fuzz-clean

fuzz-build: $(FUZZ_BUILD)/fuzz_fcgi_decode

$(FUZZ_BUILD)/fuzz_fcgi_decode: $(FUZZ_DECODE_SRCS) fcgi_proto/fcgi_proto.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(FUZZ_DECODE_SRCS) $(FUZZ_LIBS)

fuzz: $(FUZZ_BUILD)/fuzz_fcgi_decode
	@mkdir -p $(FUZZ_BUILD)/corpus $(FUZZ_BUILD)/artifacts
	$(FUZZ_BUILD)/fuzz_fcgi_decode -max_total_time=$(FUZZ_SECONDS) \
	    -max_len=$(FUZZ_MAX_LEN) -timeout=$(FUZZ_TIMEOUT) \
	    -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_BUILD)/artifacts/ \
	    $(FUZZ_BUILD)/corpus t/fuzz/corpus

fuzz-clean:
	rm -rf $(FUZZ_BUILD)

# fuzz_pm_ipc: the handler <-> PM messages (pm/ipc.c).  `make fuzz` runs
# it, then fuzz_fcgi_decode, each for FUZZ_SECONDS (override this one with
# FUZZ_IPC_SECONDS).  Seeds (valid encoded messages) in t/fuzz/corpus_ipc;
# new inputs go to build/fuzz/corpus_ipc; crashes are saved as
# build/fuzz/artifacts/ipc-crash-* (replay: build/fuzz/fuzz_pm_ipc FILE).

FUZZ_IPC_SECONDS ?= $(FUZZ_SECONDS)
FUZZ_IPC_MAX_LEN ?= 32768
FUZZ_IPC_SRCS     = t/fuzz/fuzz_pm_ipc.c pm/ipc.c

.PHONY: fuzz-ipc

fuzz-build: $(FUZZ_BUILD)/fuzz_pm_ipc

$(FUZZ_BUILD)/fuzz_pm_ipc: $(FUZZ_IPC_SRCS) pm/ipc.h pm/pm_types.h \
                           pm/status_data.h pm/counters.h \
                           t/unit/status_eq.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(FUZZ_IPC_SRCS) $(FUZZ_LIBS)

fuzz-ipc: $(FUZZ_BUILD)/fuzz_pm_ipc
	@mkdir -p $(FUZZ_BUILD)/corpus_ipc $(FUZZ_BUILD)/artifacts
	$(FUZZ_BUILD)/fuzz_pm_ipc -max_total_time=$(FUZZ_IPC_SECONDS) \
	    -max_len=$(FUZZ_IPC_MAX_LEN) -timeout=$(FUZZ_TIMEOUT) \
	    -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_BUILD)/artifacts/ipc- \
	    $(FUZZ_BUILD)/corpus_ipc t/fuzz/corpus_ipc

# `make fuzz` runs both targets: this one first (a prerequisite), then
# fuzz_fcgi_decode (the recipe above).
fuzz: fuzz-ipc
