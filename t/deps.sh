#!/bin/sh
# Install the Debian packages mod_fcgiproc's build, tests and demo need
# (libapache2-mod-fcgid: the tests that compare answers with mod_fcgid's
# load it in their private httpd; its package enables it only in
# /etc/apache2, which no test reads.  php-fpm, spawn-fcgi, uwsgi and
# haproxy: the external-server and load-balancer tests run private
# instances of them; their services are not started, see policy-rc.d).
# Does nothing when they are all present; needs root otherwise.
set -e
PKGS="apache2 apache2-dev libapr1-dev libaprutil1-dev check pkg-config \
php-cgi libfcgi-dev libfcgi-bin apache2-utils python3-pytest clang \
libclang-rt-14-dev libapache2-mod-fcgid php-fpm spawn-fcgi uwsgi-core \
uwsgi-plugin-python3 haproxy"
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
# Installing apache2 would start the system's httpd on port 80; the tests
# never use it, so tell Debian's maintainer scripts not to start services.
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
