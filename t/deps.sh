#!/bin/sh
# Install the Debian packages mod_fcgiproc's build, tests and demo need
# (`sh t/deps.sh`), or the ones named (`sh t/deps.sh pandoc`: what one make
# target needs beyond that, e.g. `make package` and `make docs`).
# libapache2-mod-fcgid: the tests that compare answers with mod_fcgid's
# load it in their private httpd by path; its package enables it in
# /etc/apache2, which no test reads and this script does not touch.
# Does nothing when they are all present; needs root otherwise.
set -e
PKGS="apache2 apache2-dev libapr1-dev libaprutil1-dev check pkg-config \
php-cgi libfcgi-dev libfcgi-bin apache2-utils python3-pytest clang \
libclang-rt-14-dev libapache2-mod-fcgid prometheus python3-prometheus-client \
apache2-suexec-pristine"
[ $# -gt 0 ] && PKGS="$*"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" \
        || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "missing Debian packages:$missing" >&2
    echo "install them with: sudo apt-get install$missing" >&2
    exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# Installing apache2 would start the system's httpd on port 80 (and
# prometheus its server on port 9090, and prometheus-node-exporter); the
# tests never use them (t/integration/test_metrics.py runs a private
# prometheus), so tell Debian's maintainer scripts not to start services.
guard=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    guard=1
fi
rc=0
apt-get update -q >/dev/null && apt-get install -y -q $missing >/dev/null \
    || rc=$?
[ -n "$guard" ] && rm -f /usr/sbin/policy-rc.d
exit $rc
