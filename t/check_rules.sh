#!/bin/sh
# Structural rules that review would otherwise have to catch (STYLE.md §4):
# include directions, what the module exports, and the log-tag registry.
set -u
rc=0
fail() { echo "check-rules: $*" >&2; rc=1; }

# fcgi_proto/ includes nothing of ours and no httpd header.
grep -n '#include "' fcgi_proto/*.c fcgi_proto/*.h | grep -v 'fcgi_proto/' \
    && fail "fcgi_proto/ must include only its own headers"
grep -nE '#include "(httpd|http_|ap_|util_)' fcgi_proto/* \
    && fail "fcgi_proto/ must not include httpd headers"
# pm/ never includes conf/ or handler/.
grep -nE '#include "(conf|handler)/' pm/* && fail "pm/ must not include conf/ or handler/"
# pure pm/ files and conf_parse use no httpd API.
grep -nE '#include "(httpd|http_|ap_|util_|unixd|mpm_)' pm/ipc.c pm/policy.c \
    pm/ipc.h pm/policy.h pm/pm_types.h conf/conf_parse.c conf/conf_parse.h \
    && fail "pure files must not include httpd headers"
# Nothing includes handler internals but handler/ and the module file.
grep -ln '#include "handler/' conf/* pm/* fcgi_proto/* \
    && fail "only mod_fcgiproc.c and handler/ may include handler/"

# The module exports its module record and nothing else.
syms=$(nm -D --defined-only .libs/mod_fcgiproc.so | awk '{print $3}')
[ "$syms" = "fcgiproc_module" ] || fail "exported symbols: $syms"

# Every tag used in the code is listed once in docs/log-tags.md, and every
# message at NOTICE or above carries a tag.
for tag in $(grep -ohE 'FCGP_LOGNO\([0-9]+\)' *.c */*.c | sort -u \
             | sed 's/FCGP_LOGNO(\([0-9]*\))/FCGP\1/'); do
    grep -q "^| $tag |" docs/log-tags.md || fail "$tag is not in docs/log-tags.md"
done
dups=$(grep -ohE 'FCGP_LOGNO\([0-9]+\)' *.c */*.c | sort | uniq -d)
[ -z "$dups" ] || fail "log tags used twice: $dups"
# A log call at NOTICE..EMERG must have FCGP_LOGNO within its first 3 lines.
for f in *.c */*.c; do
    awk -v f="$f" '
        /ap_log_(r|c|p)?error\(APLOG_MARK, APLOG_(NOTICE|WARNING|ERR|CRIT|ALERT|EMERG)/ {
            want = NR; buf = $0; next }
        want && NR <= want + 2 { buf = buf $0 }
        want && (NR == want + 2 || buf ~ /;/) {
            if (buf !~ /FCGP_LOGNO/) { print f ":" want ": untagged message"; bad = 1 }
            want = 0 }
        END { exit bad }' "$f" || rc=1
done
[ $rc = 0 ] && echo "check-rules: ok"
exit $rc
