#!/bin/sh
# demo/demo.sh start|stop: run mod_fcgiproc in a private httpd.
#
# `make demo` builds the module and the C test app, then runs `demo.sh start`:
# a private ServerRoot under <repo>/build/demo (conf/, logs/, run/, htdocs/),
# Debian's /usr/sbin/apache2 listening on 127.0.0.1:$PORT (default 8080),
# a PHP page run through php-cgi and a C FastCGI app (build/apps/fcgp-test-app)
# both served by mod_fcgiproc.  `make demo-stop` runs `demo.sh stop`.
# The system Apache (/etc/apache2, port 80) is never used or touched.
set -u

REPO=$(cd "$(dirname "$0")/.." && pwd) || exit 1
ROOT=$REPO/build/demo
PORT=${PORT:-8080}
HTTPD=${HTTPD:-/usr/sbin/apache2}
MODDIR=${MODDIR:-/usr/lib/apache2/modules}
PHP_CGI=${PHP_CGI:-/usr/bin/php-cgi}
MODULE=$REPO/.libs/mod_fcgiproc.so
APP=$REPO/build/apps/fcgp-test-app
CONF=$ROOT/conf/httpd.conf
PIDFILE=$ROOT/run/httpd.pid
ERRLOG=$ROOT/logs/error_log
URL=http://127.0.0.1:$PORT

die() { echo "demo: $*" >&2; exit 1; }

# sleep a fraction of a second where sleep(1) allows it (GNU, busybox)
nap() { sleep 0.2 2>/dev/null || sleep 1; }

# fetch URL [curl args...]: print the body; fail on no answer or HTTP >= 400
fetch() {
    _u=$1; shift
    if command -v curl >/dev/null 2>&1; then
        curl -fsS --max-time 10 "$@" "$_u"
    else
        python3 - "$_u" <<'EOF'
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=10) as r:
    sys.stdout.write(r.read().decode("utf-8", "replace"))
EOF
    fi
}

# answers: true when something answers HTTP on URL (any status)
answers() {
    if command -v curl >/dev/null 2>&1; then
        curl -s -o /dev/null --max-time 2 "$URL/" 2>/dev/null
    else
        python3 -c '
import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen(sys.argv[1], timeout=2)
except urllib.error.HTTPError:
    pass
except Exception:
    sys.exit(1)' "$URL/" 2>/dev/null
    fi
}

# running_pid: print the demo httpd's pid when its pid file names a live
# apache2 process; fail otherwise.
running_pid() {
    [ -r "$PIDFILE" ] || return 1
    _p=$(tr -dc '0-9' <"$PIDFILE")
    [ -n "$_p" ] && kill -0 "$_p" 2>/dev/null || return 1
    if [ -r "/proc/$_p/comm" ]; then
        case $(cat "/proc/$_p/comm") in
            apache2*|httpd*) ;;
            *) return 1 ;;  # stale pid file, pid reused by something else
        esac
    fi
    echo "$_p"
}

# descendants PID: PID and every process below it
descendants() {
    ps -e -o pid= -o ppid= 2>/dev/null | awk -v root="$1" '
        { parent[$1] = $2; pids[++n] = $1 }
        END {
            keep[root] = 1; print root
            do {
                added = 0
                for (i = 1; i <= n; i++) {
                    p = pids[i]
                    if (!(p in keep) && (parent[p] in keep)) {
                        keep[p] = 1; print p; added = 1
                    }
                }
            } while (added)
        }'
}

alive_of() {
    _alive=
    for _q in $1; do
        kill -0 "$_q" 2>/dev/null && _alive="$_alive $_q"
    done
    echo "$_alive"
}

show_errlog() {
    if [ -s "$ERRLOG" ]; then
        echo "--- last lines of $ERRLOG:" >&2
        tail -n 30 "$ERRLOG" >&2
    fi
}

do_stop() {
    pid=$(running_pid) || { echo "demo: not running"; rm -f "$PIDFILE"; return 0; }
    tree=$(descendants "$pid")
    echo "demo: stopping httpd (pid $pid)"
    if ! "$HTTPD" -d "$ROOT" -f "$CONF" -k stop 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null
    fi
    # httpd stops its children (and mod_fcgiproc its process manager and
    # application processes) before it exits; give them up to 20 s.
    i=0
    while [ $i -lt 100 ]; do
        left=$(alive_of "$tree")
        [ -z "$left" ] && break
        nap; i=$((i + 1))
    done
    if kill -0 "$pid" 2>/dev/null; then
        echo "demo: httpd (pid $pid) did not stop within 20 s" >&2
        show_errlog
        return 1
    fi
    if [ -n "$left" ]; then
        echo "demo: httpd stopped, but these processes are left:$left" >&2
        ps -o pid,ppid,user,args -p "$(echo $left | tr ' ' ',')" >&2 2>/dev/null
        return 1
    fi
    rm -f "$PIDFILE"
    echo "demo: stopped"
}

write_files() {
    mkdir -p "$ROOT/conf" "$ROOT/logs" "$ROOT/run" "$ROOT/htdocs" || exit 1
    # httpd's children run as www-data (we start as root): they and php-cgi
    # must be able to traverse to htdocs and read the pages.
    chmod 755 "$REPO/build" "$ROOT" "$ROOT/conf" "$ROOT/logs" "$ROOT/run" \
        "$ROOT/htdocs"
    if [ "$(id -u)" = 0 ]; then
        d=$REPO
        while [ "$d" != / ] && [ -n "$d" ]; do
            perm=$(ls -ld "$d" | cut -c10)
            case $perm in
                x|t) ;;
                *) echo "demo: warning: $d is not searchable by others;" \
                        "www-data cannot reach $ROOT/htdocs" >&2 ;;
            esac
            d=$(dirname "$d")
        done
    fi

    user_lines=
    if [ "$(id -u)" = 0 ]; then
        user_lines="User www-data
Group www-data"
    fi

    # mod_fcgiproc keeps its sockets in <DefaultRuntimeDir>/fcgiproc; a
    # socket path must stay short, so use /tmp for a deep checkout.
    ipc_line=
    if [ ${#ROOT} -gt 60 ]; then
        ipc_line="FcgiProcIPCDir /tmp/fcgiproc-demo-$(id -u)-$PORT"
    fi

    cat >"$ROOT/conf/mime.types" <<'EOF'
text/html html htm
text/plain txt
text/css css
application/javascript js
image/png png
EOF

    cat >"$CONF" <<EOF
# Written by demo/demo.sh; rewritten by every \`make demo\`.
ServerRoot "$ROOT"
ServerName 127.0.0.1
Listen 127.0.0.1:$PORT
PidFile "$PIDFILE"
DefaultRuntimeDir "$ROOT/run"
Mutex file:$ROOT/run default

LoadModule mpm_event_module $MODDIR/mod_mpm_event.so
LoadModule authz_core_module $MODDIR/mod_authz_core.so
LoadModule mime_module $MODDIR/mod_mime.so
LoadModule dir_module $MODDIR/mod_dir.so
LoadModule reqtimeout_module $MODDIR/mod_reqtimeout.so
LoadModule fcgiproc_module $MODULE
# as Debian's default: clients that send too slowly are cut off
RequestReadTimeout header=20-40,MinRate=500 body=10,MinRate=500

$user_lines

# a small server: one child process is plenty for a demo
StartServers 1
ServerLimit 2
ThreadsPerChild 16
MinSpareThreads 4
MaxSpareThreads 16
MaxRequestWorkers 32

ErrorLog "$ERRLOG"
LogLevel warn fcgiproc:info
LogFormat "%h %l %u %t \"%r\" %>s %b %D" demo
CustomLog "$ROOT/logs/access_log" demo
TypesConfig "$ROOT/conf/mime.types"

DocumentRoot "$ROOT/htdocs"
<Directory />
  AllowOverride None
  Require all denied
</Directory>

AddHandler fcgiproc-script .php .fcgi
FcgiProcWrapper $PHP_CGI .php
FcgiProcInitialEnv PHP_FCGI_MAX_REQUESTS 500
FcgiProcMaxRequestsPerProcess 10000
$ipc_line
<Directory "$ROOT/htdocs">
  Options +ExecCGI
  Require all granted
</Directory>
DirectoryIndex index.php
EOF

    cat >"$ROOT/htdocs/index.php" <<'EOF'
<?php
// mod_fcgiproc demo page: run by php-cgi under mod_fcgiproc's process manager.
header('Content-Type: text/html; charset=utf-8');
function h($s) { return htmlspecialchars((string)$s, ENT_QUOTES, 'UTF-8'); }
$posted = ($_SERVER['REQUEST_METHOD'] ?? '') === 'POST';
?>
<!DOCTYPE html>
<html><head><title>mod_fcgiproc demo</title></head>
<body>
<h1>mod_fcgiproc demo</h1>
<p>PHP <?= h(PHP_VERSION) ?> (<?= h(PHP_SAPI) ?>), php-cgi pid <?= getmypid() ?>,
served by <?= h($_SERVER['SERVER_SOFTWARE'] ?? '?') ?>.
Reload: the pid stays the same while one php-cgi process serves you.</p>
<form method="post" action="<?= h($_SERVER['SCRIPT_NAME'] ?? 'index.php') ?>">
  <input name="message" value="hello"> <button type="submit">POST it</button>
</form>
<?php if ($posted): ?>
<p>You posted (<?= (int)($_SERVER['CONTENT_LENGTH'] ?? 0) ?> bytes):</p>
<ul>
<?php foreach ($_POST as $k => $v): ?>
  <li><?= h($k) ?> = <?= h(is_array($v) ? json_encode($v) : $v) ?></li>
<?php endforeach; ?>
</ul>
<?php endif; ?>
<ul>
  <li><a href="info.php">info.php</a>: a few request and process facts</li>
  <li><a href="app.fcgi">app.fcgi</a>: a C FastCGI app (libfcgi); pid and requests served</li>
  <li><a href="app.fcgi?env=SCRIPT_NAME">app.fcgi?env=SCRIPT_NAME</a>: a FastCGI param</li>
  <li><a href="app.fcgi?flush=1&amp;chunks=5&amp;delay=300">app.fcgi?flush=1&amp;chunks=5&amp;delay=300</a>: streamed output</li>
</ul>
</body></html>
EOF

    cat >"$ROOT/htdocs/info.php" <<'EOF'
<?php
// A few facts about this request and the php-cgi process serving it.
header('Content-Type: text/plain; charset=utf-8');
$keys = ['SERVER_SOFTWARE', 'GATEWAY_INTERFACE', 'REQUEST_METHOD',
         'REQUEST_URI', 'SCRIPT_NAME', 'SCRIPT_FILENAME', 'QUERY_STRING',
         'REMOTE_ADDR', 'SERVER_PROTOCOL'];
printf("PHP %s (%s)\n", PHP_VERSION, PHP_SAPI);
$uid = function_exists('posix_geteuid') ? posix_geteuid() : null;
$pw = $uid !== null && function_exists('posix_getpwuid') ? posix_getpwuid($uid) : null;
printf("pid %d, uid %s%s\n", getmypid(), $uid ?? '?', $pw ? " ({$pw['name']})" : '');
printf("PHP_FCGI_MAX_REQUESTS=%s\n", getenv('PHP_FCGI_MAX_REQUESTS') ?: '(unset)');
foreach ($keys as $k) {
    printf("%s=%s\n", $k, $_SERVER[$k] ?? '');
}
EOF

    cp "$APP" "$ROOT/htdocs/app.fcgi" || exit 1
    chmod 0755 "$ROOT/htdocs/app.fcgi"
    chmod 0644 "$ROOT/htdocs/index.php" "$ROOT/htdocs/info.php" \
        "$ROOT/conf/httpd.conf" "$ROOT/conf/mime.types"
}

# fail_running MESSAGE: report a failure after httpd started, show the error
# log, stop httpd (leave no processes behind) and exit non-zero.
fail_running() {
    echo "demo: $1" >&2
    show_errlog
    echo "demo: stopping the demo httpd" >&2
    do_stop >&2
    exit 1
}

do_start() {
    [ -x "$HTTPD" ] || die "$HTTPD not found (apt-get install apache2)"
    for m in mod_mpm_event.so mod_authz_core.so mod_mime.so mod_dir.so; do
        [ -f "$MODDIR/$m" ] || die "$MODDIR/$m not found (apt-get install apache2)"
    done
    [ -f "$MODULE" ] || die "$MODULE not built: run make"
    [ -x "$APP" ] || die "$APP not built: run make"
    [ -x "$PHP_CGI" ] || die "$PHP_CGI not found (apt-get install php-cgi)"
    case $PORT in
        ''|*[!0-9]*) die "PORT must be a number, not '$PORT'" ;;
    esac

    if running_pid >/dev/null; then
        echo "demo: an earlier demo is running; stopping it first"
        do_stop || die "could not stop the earlier demo"
    fi
    if answers; then
        die "something else already answers on $URL; stop it or use PORT=<port> make demo"
    fi

    write_files
    : >"$ERRLOG"
    rm -f "$PIDFILE"

    echo "demo: starting $HTTPD on $URL (ServerRoot $ROOT)"
    if ! "$HTTPD" -d "$ROOT" -f "$CONF" -k start; then
        echo "demo: httpd failed to start" >&2
        show_errlog
        exit 1
    fi

    # wait up to 20 s for the server to answer
    i=0
    until answers; do
        i=$((i + 1))
        if [ $i -ge 100 ] || { [ $i -ge 10 ] && ! running_pid >/dev/null; }; then
            fail_running "httpd did not answer on $URL"
        fi
        nap
    done

    echo
    echo "=== GET $URL/  (index.php through php-cgi)"
    fetch "$URL/" || fail_running "the PHP page failed"
    echo
    echo "=== GET $URL/app.fcgi  (C FastCGI app)"
    fetch "$URL/app.fcgi" || fail_running "the C app failed"
    pid=$(running_pid)
    cat <<EOF

demo: mod_fcgiproc is serving on $URL/ (httpd pid $pid)
  open $URL/ in a browser, or try:
    curl $URL/
    curl -d message=hi $URL/index.php
    curl $URL/info.php
    curl '$URL/app.fcgi?env=SCRIPT_NAME'
    curl '$URL/app.fcgi?flush=1&chunks=5&delay=300'
  pages:  $ROOT/htdocs   config: $CONF
  logs:   $ROOT/logs/error_log, $ROOT/logs/access_log
  stop:   make demo-stop
EOF
}

case ${1:-} in
    start) do_start ;;
    stop)  do_stop ;;
    *)     echo "usage: sh demo/demo.sh start|stop  (PORT=<port>, default 8080)" >&2
           exit 2 ;;
esac
