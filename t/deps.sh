#!/bin/sh
# Install the Debian packages mod_fcgiproc's build, tests and demo need
# (`sh t/deps.sh`), or the ones named (`sh t/deps.sh pandoc`: what one make
# target needs beyond that, e.g. `make package` and `make docs`).
# libapache2-mod-fcgid: the tests that compare answers with mod_fcgid's
# load it in their private httpd by path; its package enables it in
# /etc/apache2, which no test reads and this script does not touch.
# php-fpm, spawn-fcgi, uwsgi and haproxy: the external-server and
# load-balancer tests run private instances of them; their services are
# not started, see policy-rc.d.
# Does nothing when they are all present; needs root otherwise.
set -e
PKGS="apache2 apache2-dev libapr1-dev libaprutil1-dev check pkg-config \
php-cgi libfcgi-dev libfcgi-bin apache2-utils python3-pytest clang \
libclang-rt-14-dev libapache2-mod-fcgid prometheus python3-prometheus-client \
apache2-suexec-pristine php-fpm spawn-fcgi uwsgi-core uwsgi-plugin-python3 \
haproxy"
# Installed without recommended packages: chromium (the status page's
# browser test, t/integration/test_status_page.py; about 120 MB to fetch,
# 410 MB on disk) would otherwise bring systemd, avahi-daemon, upower and
# printing services along.
BARE="chromium"
if [ $# -gt 0 ]; then
    PKGS="$*"
    BARE=""
fi
missing=""
missing_bare=""
for p in $PKGS $BARE; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" \
        && continue
    case " $BARE " in
    *" $p "*) missing_bare="$missing_bare $p" ;;
    *) missing="$missing $p" ;;
    esac
done
[ -z "$missing$missing_bare" ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "missing Debian packages:$missing$missing_bare" >&2
    [ -n "$missing" ] &&
        echo "install them with: sudo apt-get install$missing" >&2
    [ -n "$missing_bare" ] && echo "and: sudo apt-get install" \
        "--no-install-recommends$missing_bare" >&2
    exit 1
fi
echo "installing:$missing$missing_bare"
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
apt-get update -q >/dev/null && {
    [ -z "$missing" ] || apt-get install -y -q $missing >/dev/null
} && {
    [ -z "$missing_bare" ] ||
        apt-get install -y -q --no-install-recommends $missing_bare >/dev/null
} || rc=$?
[ -n "$guard" ] && rm -f /usr/sbin/policy-rc.d
exit $rc
