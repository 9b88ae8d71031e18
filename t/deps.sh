#!/bin/sh
# Install the Debian packages mod_fcgiproc's build, tests and demo need.
# Does nothing when they are all present; needs root otherwise.
set -e
PKGS="apache2 apache2-dev libapr1-dev libaprutil1-dev check pkg-config \
php-cgi libfcgi-dev libfcgi-bin apache2-utils python3-pytest clang \
libclang-rt-14-dev"
# Installed without recommended packages: chromium (the status page's
# browser test, t/integration/test_status_page.py; about 120 MB to fetch,
# 410 MB on disk) would otherwise bring systemd, avahi-daemon, upower and
# printing services along.
BARE="chromium"
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
# Installing apache2 would start the system's httpd on port 80; the tests
# never use it, so tell Debian's maintainer scripts not to start services.
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
