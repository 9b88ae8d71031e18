# t/apps/apps.mk: test applications for the integration tests.
# Included by the top-level Makefile; paths are relative to the repo root.
APPS_CC      ?= gcc
APPS_CFLAGS  ?= -O2 -g -std=gnu99 -Wall -Wextra -Werror
APPS_LDLIBS  ?= -lfcgi
APPS_BUILD   := build/apps

APPS := $(APPS_BUILD)/fcgp-test-app $(APPS_BUILD)/fcgp-evil-app \
        $(APPS_BUILD)/fcgp-auth-app $(APPS_BUILD)/fcgp-compat-app

.PHONY: apps clean-apps

apps: $(APPS)

$(APPS_BUILD)/fcgp-test-app: t/apps/fcgp-test-app.c t/apps/apps.mk
	@mkdir -p $(APPS_BUILD)
	$(APPS_CC) $(APPS_CFLAGS) -o $@ $< $(APPS_LDLIBS)

# A FastCGI authorizer (the FcgiProcAuthenticator/Authorizer/AccessChecker
# tests).
$(APPS_BUILD)/fcgp-auth-app: t/apps/fcgp-auth-app.c t/apps/apps.mk
	@mkdir -p $(APPS_BUILD)
	$(APPS_CC) $(APPS_CFLAGS) -o $@ $< $(APPS_LDLIBS)

# A raw FastCGI responder that breaks the protocol on purpose (no libfcgi).
$(APPS_BUILD)/fcgp-evil-app: t/apps/fcgp-evil-app.c t/apps/apps.mk
	@mkdir -p $(APPS_BUILD)
	$(APPS_CC) $(APPS_CFLAGS) -o $@ $<

# The mod_fcgid compatibility suite's app (t/compat): dumps its FastCGI
# params as a responder; authenticator/authorizer/access checker as an
# AUTHORIZER.
$(APPS_BUILD)/fcgp-compat-app: t/apps/fcgp-compat-app.c t/apps/apps.mk
	@mkdir -p $(APPS_BUILD)
	$(APPS_CC) $(APPS_CFLAGS) -o $@ $< $(APPS_LDLIBS)

clean-apps:
	rm -f $(APPS)
