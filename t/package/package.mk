# t/package/package.mk: the Debian package (included by the Makefile).
#
# `make package` builds libapache2-mod-fcgiproc from a scratch copy of the
# tree (build/package/src: the tracked files and new ones .gitignore does
# not exclude, as they are now), so that the tree stays clean; the .debs
# land in build/package/, and lintian must find no error or warning
# (its report: build/package/lintian.log).  `make package-test` installs
# the package for real inside a private mount namespace (t/package/
# test_package.py); it is not part of `make test`: CI runs it.
PACKAGE_DIR = build/package
PACKAGE_DEPS = build-essential debhelper dpkg-dev fakeroot lintian \
               apache2-dev libapr1-dev libaprutil1-dev

package-deps:
	@sh t/deps.sh $(PACKAGE_DEPS)

package: package-deps
	rm -rf $(PACKAGE_DIR) && mkdir -p $(PACKAGE_DIR)/src
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
	    git ls-files -z --cached --others --exclude-standard \
	        | tar --null --ignore-failed-read -T - -cf - 2>/dev/null; \
	else \
	    tar --exclude=./build --exclude=./.libs --exclude='*.o' \
	        --exclude='*.lo' --exclude='*.slo' --exclude='*.la' \
	        --exclude=./config.mk -cf - .; \
	fi | tar -C $(PACKAGE_DIR)/src -xf -
	cd $(PACKAGE_DIR)/src && dpkg-buildpackage -us -uc -b \
	    > ../build.log 2>&1 || { tail -n 40 ../build.log; \
	    echo "package: build failed (log: $(PACKAGE_DIR)/build.log)"; exit 1; }
	lintian --fail-on error,warning --display-info \
	    $(PACKAGE_DIR)/*.changes > $(PACKAGE_DIR)/lintian.log 2>&1 \
	    || { cat $(PACKAGE_DIR)/lintian.log; echo "package: lintian"; exit 1; }
	@grep -v "running with root" $(PACKAGE_DIR)/lintian.log || true
	@echo "package: lintian: no errors or warnings (overridden, with reasons: debian/*.lintian-overrides)"
	@ls -1 $(PACKAGE_DIR)/*.deb

package-test: deps package apps
	@sh t/deps.sh util-linux
	FCGP_REQUIRE_PACKAGE=1 FCGP_DEB_DIR=$(PACKAGE_DIR) \
	$(PYTHON) -m pytest -q -p no:cacheprovider t/package $(PYTEST_ARGS)
