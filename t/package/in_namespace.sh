#!/bin/sh
# t/package/in_namespace.sh SCENARIO DEB PORT SCRATCH [APP]
#
# An operator's session with the package, run by test_package.py inside a
# private mount namespace (unshare -m --propagation private), where /etc,
# /usr and /var are overlays whose writes go to a tmpfs (SCRATCH) and /run
# is a fresh tmpfs: dpkg, the maintainer scripts, a2enmod and httpd change
# nothing outside.  In the namespace, every way to start a service
# (invoke-rc.d, systemctl, service, deb-systemd-invoke) is a stub that
# only records the call, and logger(1) writes to a file, not to syslog.
#
#   plain:  mod_fcgid not enabled.  dpkg -i (the postinst enables
#           fcgiproc), a2enmod fcgiproc, fcgiproc.conf's commented examples
#           taken in, apache2ctl -t, httpd on 127.0.0.1:PORT serving a PHP
#           page in /var/www/html through php-cgi (the example's
#           FcgiProcWrapper), a .fcgi app (fcgiproc.conf's AddHandler) and
#           the status pages; stopped by pid; a2dismod fcgiproc; dpkg --purge
#           (which removes the edited conffile too).
#   switch: mod_fcgid enabled.  dpkg -i leaves fcgiproc disabled and says
#           why; a2enmod fcgiproc is refused (Conflicts: fcgid); the
#           one-line switch of README.Debian (fcgid.load loads
#           mod_fcgiproc.so) serves the same pages with mod_fcgid's names;
#           dpkg --purge warns that fcgid.load still points at it; the
#           line is put back.
# Both then check that the watched state (pkgtest.py WATCHED_TREES, dpkg's
# database) is what it was before dpkg -i, and that nothing else the cycle
# wrote is left in the overlays (pkgtest.py residue).
#
# Prints "FACT name=value" lines for the test; exits non-zero on failure.
set -eu

SCENARIO=$1 DEB=$2 PORT=$3 SCRATCH=$4 APP=${5:-}
HERE=$(cd "$(dirname "$0")" && pwd)
URL=http://127.0.0.1:$PORT
DOCROOT=/var/www/fcgp-package-test
SITE=/etc/apache2/fcgp-package-test.conf

step() { echo "== $*"; }
fact() { echo "FACT $1=$2"; }
fail() {
    echo "FAIL: $*"
    if [ -f /var/log/apache2/error.log ]; then
        echo "-- /var/log/apache2/error.log (last 30 lines):"
        tail -n 30 /var/log/apache2/error.log
    fi
    exit 1
}

# ---- the namespace: overlays over /etc, /usr, /var; a fresh /run -------
[ "$(id -u)" = 0 ] || fail "needs root"
step "isolation"
fact mnt_ns "$(readlink /proc/self/ns/mnt)"
case $(realpath "$SCRATCH") in
    /etc|/etc/*|/usr|/usr/*|/var|/var/*|/run|/run/*)
        fail "$SCRATCH: the scratch directory must be outside /etc, /usr, /var and /run" ;;
esac
mount -t tmpfs -o mode=0700 fcgp-package-test "$SCRATCH"
cd "$SCRATCH"
mkdir upper work lower tmp in
# The inputs, copied before /var and /usr are covered (they may be there).
cp "$DEB" "$HERE/pkgtest.py" in/
DEB=$PWD/in/${DEB##*/}
if [ -n "$APP" ]; then cp "$APP" in/app.fcgi; APP=$PWD/in/app.fcgi; fi
PKGTEST="/usr/bin/python3 $PWD/in/pkgtest.py"
for d in etc usr var; do
    mkdir upper/$d work/$d lower/$d
    mount --bind /$d lower/$d          # the tree the overlay sees, read-only
    mount -o remount,bind,ro lower/$d
    mount -t overlay overlay \
        -o "lowerdir=/$d,upperdir=$PWD/upper/$d,workdir=$PWD/work/$d" /$d
done
mount -t tmpfs -o mode=0755 fcgp-package-test-run /run
mkdir -m 1777 /run/lock
chmod 1777 tmp
export TMPDIR="$PWD/tmp"

# ---- preparation (part of the "before" state) ------------------------
step "preparation"
calls=$PWD/service-calls
: > "$calls"
for stub in /usr/sbin/invoke-rc.d /usr/bin/systemctl /usr/sbin/service \
            /usr/bin/deb-systemd-invoke; do
    printf '#!/bin/sh\necho "%s $*" >> %s\nexit 0\n' "${stub##*/}" "$calls" > $stub
    chmod 755 $stub
done
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
chmod 755 /usr/sbin/policy-rc.d
printf '#!/bin/sh\necho "logger $*" >> %s\n' "$PWD/syslog" > /usr/bin/logger
chmod 755 /usr/bin/logger

# httpd on a free loopback port, never 80; the test site beside.
printf 'Listen 127.0.0.1:%s\nInclude %s\n' "$PORT" "$SITE" > /etc/apache2/ports.conf
cat > $SITE <<SITE_EOF
ServerName 127.0.0.1
<VirtualHost 127.0.0.1:$PORT>
    DocumentRoot $DOCROOT
    Alias /html/ /var/www/html/
    <Directory $DOCROOT>
        Options +ExecCGI
        Require all granted
        <IfModule mod_fcgiproc.c>
            AddHandler fcgiproc-script .php
            FcgiProcWrapper /usr/bin/php-cgi .php
        </IfModule>
        <IfModule mod_fcgid.c>
            AddHandler fcgid-script .php
            FcgidWrapper /usr/bin/php-cgi .php
        </IfModule>
    </Directory>
    <Location /fcgiproc-status>
        SetHandler fcgiproc-status
        Require local
    </Location>
</VirtualHost>
SITE_EOF
mkdir -p $DOCROOT
printf '<?php echo "php ", PHP_VERSION, " pid ", getmypid(), "\\n";\n' > $DOCROOT/hello.php
if [ -n "$APP" ]; then
    cp "$APP" $DOCROOT/app.fcgi
fi

if [ "$SCENARIO" = switch ]; then
    # mod_fcgid as Debian's libapache2-mod-fcgid ships it, enabled.
    if [ ! -e /etc/apache2/mods-available/fcgid.load ]; then
        echo 'LoadModule fcgid_module /usr/lib/apache2/modules/mod_fcgid.so' \
            > /etc/apache2/mods-available/fcgid.load
        printf '%s\n' '<IfModule mod_fcgid.c>' '  FcgidConnectTimeout 20' '' \
            '  <IfModule mod_mime.c>' '    AddHandler fcgid-script .fcgi' \
            '  </IfModule>' '</IfModule>' > /etc/apache2/mods-available/fcgid.conf
    fi
    a2query -q -m fcgid || a2enmod -q fcgid
else
    if a2query -q -m fcgid; then a2dismod -q -f fcgid; fi
fi

$PKGTEST upper upper prep.json
$PKGTEST snapshot before.json
fact before_watched "$(wc -c < before.json) bytes"

# ---- httpd -----------------------------------------------------------
HTTPD_PID=
start_httpd() {
    step "apache2ctl -t"
    apache2ctl -t > configtest.out 2>&1 || { cat configtest.out; fail "apache2ctl -t"; }
    fact configtest "$(tail -n 1 configtest.out)"
    step "start httpd (apache2 -k start with envvars; never apache2ctl start, which would ask systemd)"
    (set +u; . /etc/apache2/envvars && /usr/sbin/apache2 -k start) || fail "httpd did not start"
    pidfile=$(set +u; . /etc/apache2/envvars && echo "$APACHE_PID_FILE")
    i=0
    while [ ! -s "$pidfile" ]; do
        i=$((i + 1)); [ $i -le 100 ] || fail "no pid file $pidfile"
        sleep 0.1
    done
    HTTPD_PID=$(cat "$pidfile")
    fact httpd_pid "$HTTPD_PID"
    fact ipc_dir "$(stat -c '%n %U %a' /run/apache2/fcgiproc 2>&1)"
}

stop_httpd() {
    step "stop httpd (SIGTERM to $HTTPD_PID)"
    kill -TERM "$HTTPD_PID"
    i=0
    while kill -0 "$HTTPD_PID" 2>/dev/null; do
        i=$((i + 1)); [ $i -le 300 ] || fail "httpd $HTTPD_PID still running after 30 s"
        sleep 0.1
    done
    # The process manager and its workers go with it.
    ns=$(readlink /proc/self/ns/mnt)
    i=0
    while :; do
        left=
        for p in /proc/[0-9]*; do
            [ "$(readlink $p/ns/mnt 2>/dev/null)" = "$ns" ] || continue
            case "$(cat $p/comm 2>/dev/null)" in
                apache2|php-cgi*|app.fcgi) left="$left ${p#/proc/}" ;;
            esac
        done
        [ -n "$left" ] || break
        i=$((i + 1)); [ $i -le 100 ] || fail "still running after httpd stopped:$left"
        sleep 0.1
    done
    fact stopped yes
}

# serve PHP_PATH: the pages, and their facts
serve() {
    step "GET $1"
    $PKGTEST get $URL$1 > php.out
    cat php.out
    [ "$(head -n 1 php.out)" = 200 ] || fail "GET $1: $(head -n 1 php.out)"
    php_pid=$(sed -n 's/^php .* pid \([0-9]*\)$/\1/p' php.out)
    fact php "$(sed -n 2p php.out)"
    if [ -n "$APP" ]; then
        step "GET /app.fcgi"
        $PKGTEST get $URL/app.fcgi > app.out
        cat app.out
        [ "$(head -n 1 app.out)" = 200 ] || fail "GET /app.fcgi: $(head -n 1 app.out)"
        fact app "$(sed -n 2p app.out)"
    fi
    step "GET /fcgiproc-status?json"
    $PKGTEST get "$URL/fcgiproc-status?json" > status.out
    [ "$(head -n 1 status.out)" = 200 ] || { cat status.out; fail "status page"; }
    fact status_php_worker "$(sed 1d status.out | /usr/bin/python3 -c '
import json, sys
pid = int(sys.argv[1])
w = [w for w in json.load(sys.stdin)["workers"] if w["pid"] == pid]
print("pid %d class %s" % (pid, w[0]["class"]) if w else "pid %d not listed" % pid)
' "$php_pid")"
    if a2query -q -m status; then
        step "GET /server-status?auto"
        $PKGTEST get "$URL/server-status?auto" > server-status.out
        fact server_status "$(grep '^FcgiProcManagerUp:' server-status.out || echo none)"
    fi
}

enabled() {
    if [ -L /etc/apache2/mods-enabled/fcgiproc.load ]; then echo yes; else echo no; fi
}

# ---- the cycle -------------------------------------------------------
step "dpkg -i $(basename "$DEB")"
dpkg -i "$DEB" > dpkg-i.out 2>&1 || { cat dpkg-i.out; fail "dpkg -i"; }
cat dpkg-i.out
fact installed "$(dpkg-query -W -f='${Package} ${Version} ${Status}' libapache2-mod-fcgiproc)"
fact enabled_by_postinst "$(enabled)"
fact postinst_note "$(grep -c 'mod_fcgid is enabled' dpkg-i.out || true)"
fact service_calls_install "$(tr '\n' ';' < "$calls")"

if [ "$SCENARIO" = plain ]; then
    step "a2enmod fcgiproc"
    a2enmod fcgiproc || fail "a2enmod fcgiproc"
    step "fcgiproc.conf: the php-cgi and status examples uncommented"
    sed -i -E 's/^\t#([<\t]|Fcgi)/\t\1/' /etc/apache2/mods-available/fcgiproc.conf
    grep -v '^[[:space:]]*#' /etc/apache2/mods-available/fcgiproc.conf | grep .
    cp $DOCROOT/hello.php /var/www/html/fcgp-package-test.php
    start_httpd
    serve /html/fcgp-package-test.php
    stop_httpd
    step "a2dismod fcgiproc"
    a2dismod fcgiproc || fail "a2dismod fcgiproc"
    fact enabled_after_dismod "$(enabled)"
    step "dpkg --purge"
    dpkg --purge libapache2-mod-fcgiproc > dpkg-purge.out 2>&1 || { cat dpkg-purge.out; fail "dpkg --purge"; }
    cat dpkg-purge.out
    rm /var/www/html/fcgp-package-test.php
else
    step "a2enmod fcgiproc (mod_fcgid enabled: refused)"
    if a2enmod fcgiproc > a2enmod.out 2>&1; then
        cat a2enmod.out; fail "a2enmod fcgiproc beside fcgid succeeded"
    fi
    cat a2enmod.out
    fact a2enmod_refused "$(grep -c 'cannot proceed due to conflicts' a2enmod.out || true)"
    step "the one-line switch: fcgid.load loads mod_fcgiproc.so"
    cp -p /etc/apache2/mods-available/fcgid.load fcgid.load.orig
    sed -i 's#^\(LoadModule fcgid_module \).*#\1/usr/lib/apache2/modules/mod_fcgiproc.so#' \
        /etc/apache2/mods-available/fcgid.load
    cat /etc/apache2/mods-available/fcgid.load
    start_httpd
    serve /hello.php
    stop_httpd
    step "dpkg --purge (fcgid.load still loads it: warned)"
    dpkg --purge libapache2-mod-fcgiproc > dpkg-purge.out 2>&1 || { cat dpkg-purge.out; fail "dpkg --purge"; }
    cat dpkg-purge.out
    fact prerm_warning "$(grep -c 'fcgid.load loads mod_fcgiproc.so' dpkg-purge.out || true)"
    step "fcgid.load back as it was"
    cp -p fcgid.load.orig /etc/apache2/mods-available/fcgid.load
fi
fact service_calls "$(tr '\n' ';' < "$calls")"
fact purged "$(dpkg-query -W -f='${Status}' libapache2-mod-fcgiproc 2>/dev/null || echo 'not known to dpkg')"

# ---- back to what it was? ---------------------------------------------
step "compare with the state before dpkg -i"
$PKGTEST snapshot after.json
if $PKGTEST compare before.json after.json; then
    fact watched_unchanged yes
else
    fact watched_unchanged no
fi
step "what the cycle left in the overlays"
$PKGTEST residue prep.json upper lower > residue.out || true
cat residue.out
fact residue "$(grep -c '^residue:' residue.out || true)"
fact bookkeeping "$(sed -n 's/^bookkeeping: \([^:]*\):.*/\1/p' residue.out | tr '\n' ' ')"
step "done"
