# t/unit/unit.mk: Check unit tests.  Included by the top-level Makefile;
# paths are relative to the source root.  Standalone:
#
#     make -f t/unit/unit.mk unit-test [SAN=1]
#
# Adding a test: append its source-relative name (without .c) to UNIT_TESTS
# and list the objects it links besides its own, as source-relative .o
# names, in <name>_OBJS; each is built from the matching .c:
#
#     UNIT_TESTS += t/unit/test_conf_parse
#     t/unit/test_conf_parse_OBJS = conf/conf_parse.o
#
# Both may be set before or after this file is included (the prerequisites
# use secondary expansion).  The test t/unit/test_x is built as
# build/unit/test_x, objects under build/unit/obj/.

UNIT_BUILD   ?= build/unit
UNIT_CC      ?= $(CC)

ifeq ($(SAN),1)
UNIT_SAN      = -fsanitize=address,undefined -fno-omit-frame-pointer
# Sanitized code runs a few times slower: Check's per-test timeouts (there
# to catch a hang, not to measure) stretch with it.
UNIT_ENV      = CK_TIMEOUT_MULTIPLIER=3
endif

UNIT_CFLAGS   = -std=gnu99 -Wall -Wextra -Werror -g \
                $(shell apr-1-config --includes --cppflags) \
                $(shell apu-1-config --includes) -I. \
                $(shell pkg-config --cflags check) $(UNIT_SAN)
UNIT_LDFLAGS  = $(UNIT_SAN)
UNIT_LIBS     = $(shell pkg-config --libs check) \
                $(shell apr-1-config --link-ld --libs) \
                $(shell apu-1-config --link-ld)

UNIT_TESTS += t/unit/test_fcgi_decode
t/unit/test_fcgi_decode_OBJS = fcgi_proto/fcgi_decode.o

# Flags are part of what an object is built from: rebuild on SAN= change.
UNIT_STAMP = $(UNIT_BUILD)/.flags-$(if $(UNIT_SAN),san,plain)

.SECONDEXPANSION:

.PHONY: unit-test unit-build unit-clean

unit-test: $$(addprefix $(UNIT_BUILD)/,$$(notdir $$(UNIT_TESTS)))
	@rc=0; for t in $^; do \
	    echo "== $$t"; \
	    $(UNIT_ENV) ./$$t || { echo "FAILED: $$t"; rc=1; }; \
	done; exit $$rc

unit-build: $$(addprefix $(UNIT_BUILD)/,$$(notdir $$(UNIT_TESTS)))

$(UNIT_BUILD)/test_%: $(UNIT_BUILD)/obj/t/unit/test_%.o \
                      $$(addprefix $(UNIT_BUILD)/obj/,$$(t/unit/test_$$*_OBJS))
	$(UNIT_CC) $(UNIT_LDFLAGS) -o $@ $^ $(UNIT_LIBS)

$(UNIT_BUILD)/obj/%.o: %.c $(UNIT_STAMP)
	@mkdir -p $(@D)
	$(UNIT_CC) $(UNIT_CFLAGS) -MMD -MP -c -o $@ $<

$(UNIT_STAMP):
	@mkdir -p $(@D)
	@rm -f $(UNIT_BUILD)/.flags-*
	@touch $@

# objects reached through the pattern rules are not intermediate files
.PRECIOUS: $(UNIT_BUILD)/obj/%.o

unit-clean:
	rm -rf $(UNIT_BUILD)

-include $(shell find $(UNIT_BUILD)/obj -name '*.d' 2>/dev/null)

UNIT_TESTS += t/unit/test_conf_parse
t/unit/test_conf_parse_OBJS = conf/conf_parse.o pm/policy.o

UNIT_TESTS += t/unit/test_policy
t/unit/test_policy_OBJS = pm/policy.o

UNIT_TESTS += t/unit/test_pm_ipc
t/unit/test_pm_ipc_OBJS = pm/ipc.o

UNIT_TESTS += t/unit/test_ipc_status
t/unit/test_ipc_status_OBJS = pm/ipc.o

UNIT_TESTS += t/unit/test_table
t/unit/test_table_OBJS = pm/table.o

UNIT_TESTS += t/unit/test_status_format
t/unit/test_status_format_OBJS = handler/status_format.o pm/policy.o \
                                 pm/counters.o

UNIT_TESTS += t/unit/test_counters
t/unit/test_counters_OBJS = pm/counters.o pm/policy.o

UNIT_TESTS += t/unit/test_status_page
t/unit/test_status_page_OBJS = handler/status_page.o handler/status_format.o \
                               pm/policy.o pm/counters.o

UNIT_TESTS += t/unit/test_directives
t/unit/test_directives_OBJS =

UNIT_TESTS += t/unit/test_conns
t/unit/test_conns_OBJS = pm/conns.o
