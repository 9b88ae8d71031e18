#!/bin/sh
# Structural rules that review would otherwise have to catch (STYLE.md §4):
# include directions, what the module exports, and the log-tag registry.
# Run from the source root.  FCGP_SO names the module to inspect (default:
# the one `make` builds).  t/check_rules_test.sh breaks each rule once in a
# copy of the tree and expects this script to fail with that rule's message.
set -u
rc=0
fail() { echo "check-rules: $*" >&2; rc=1; }
FCGP_SO=${FCGP_SO:-.libs/mod_fcgiproc.so}

# includes FILE...: one line "file:line: header" per #include, either form.
# A header found in this tree is printed as its path from the root (a
# quoted name is looked up next to the file first, then from the root, as
# the compiler does with -I.); any other is printed as written, <name> or
# "name".  So every rule below sees "pm/table.h" however it was spelled.
includes() {
    awk '/^[ \t]*#[ \t]*include[ \t]*[<"]/ {
             s = $0; sub(/^[ \t]*#[ \t]*include[ \t]*/, "", s)
             q = substr(s, 1, 1); s = substr(s, 2)
             sub(q == "<" ? ">.*" : "\".*", "", s)
             print FILENAME "\t" FNR "\t" q "\t" s }' "$@" |
    while IFS='	' read -r f n q h; do
        d=${f%/*}
        [ "$d" = "$f" ] && d=.
        if [ "$q" = '"' ] && [ -f "$d/$h" ]; then
            p=$(realpath -m --relative-to=. "$d/$h")
        elif [ -f "$h" ]; then
            p=$(realpath -m --relative-to=. "$h")
        elif [ "$q" = '<' ]; then
            p="<$h>"
        else
            p="\"$h\""
        fi
        echo "$f:$n: $p"
    done
}
# httpd's own headers (not APR's): httpd.h, http_*.h, ap_*.h, util_*.h, ...
HTTPD_HDR='[<"]([^<>"]*/)?(httpd|http_|ap_|util_|unixd|mpm_|mod_)[^/]*\.h[>"]$'

# fcgi_proto/ includes nothing of ours but its own headers.
includes fcgi_proto/*.c fcgi_proto/*.h | grep -vE ': (fcgi_proto/|<)' \
    && fail "fcgi_proto/ must include only its own headers"
includes fcgi_proto/*.c fcgi_proto/*.h | grep -E ": $HTTPD_HDR" \
    && fail "fcgi_proto/ must not include httpd headers"
# pm/ never includes conf/ or handler/.
includes pm/*.c pm/*.h | grep -E ': (conf|handler)/' \
    && fail "pm/ must not include conf/ or handler/"
# The pure files (APR only, no httpd: the unit tests and fuzzers link them
# without httpd) include no httpd header, directly or through headers of
# ours (fcgi_proto/ is pure too, under the stricter rules above).
PURE=$(echo pm/ipc.c pm/ipc.h pm/policy.c pm/policy.h pm/pm_types.h \
            pm/counters.c pm/counters.h pm/status_data.h \
            pm/table.c pm/table.h conf/conf_parse.c conf/conf_parse.h)
reached=$PURE todo=$PURE
while [ -n "$todo" ]; do
    # shellcheck disable=SC2086
    todo=$(includes $todo | sed 's/^[^ ]* //' | grep -v '^[<"]' | sort -u |
           while IFS= read -r h; do
               case " $reached " in *" $h "*) ;; *) echo "$h" ;; esac
           done)
    reached=$(echo $reached $todo)
done
# shellcheck disable=SC2086
includes $reached | grep -E ": $HTTPD_HDR" \
    && fail "pure files must not include httpd headers" \
            "(directly or through: $(echo ${reached#"$PURE"}))"
# Nothing includes handler internals but handler/ and the module file.
includes conf/*.c conf/*.h pm/*.c pm/*.h fcgi_proto/*.c fcgi_proto/*.h \
         fcgp_log.h | grep -E ': handler/' \
    && fail "only mod_fcgiproc.c and handler/ may include handler/"

# The module exports its module records (its own identity and the
# compatible ones: fcgid_module, fastcgi_module) and nothing else.
MODULE_RECORDS="fastcgi_module fcgid_module fcgiproc_module"
if [ -f "$FCGP_SO" ]; then
    syms=$(nm -D --defined-only "$FCGP_SO" | awk '{print $3}' | sort | xargs)
    [ "$syms" = "$MODULE_RECORDS" ] \
        || fail "$FCGP_SO exports more than its module records" \
                "($MODULE_RECORDS):" $syms
else
    fail "$FCGP_SO not found (run make first)"
fi

# Every header of ours is a prerequisite of the module, so that changing it
# rebuilds the module (make -q -W: would it be rebuilt were HDR new?).
if [ "$FCGP_SO" = .libs/mod_fcgiproc.so ] && make -s -q "$FCGP_SO" 2>/dev/null
then
    for h in $(find . -name '*.h' ! -path './t/*' ! -path './build/*' \
                    ! -path './.*' | sed 's|^\./||'); do
        make -s -q -W "$h" "$FCGP_SO" 2>/dev/null \
            && fail "$h is not a prerequisite of $FCGP_SO (Makefile.apxs)"
    done
else
    echo "check-rules: $FCGP_SO not up to date; header prerequisites not checked"
fi

# Every tag used in the code is listed once in docs/log-tags.md, and every
# message at NOTICE or above carries a tag.
for tag in $(grep -ohE 'FCGP_LOGNO\([0-9]+\)' *.c */*.c | sort -u \
             | sed 's/FCGP_LOGNO(\([0-9]*\))/FCGP\1/'); do
    grep -q "^| $tag |" docs/log-tags.md || fail "$tag is not in docs/log-tags.md"
done
dups=$(grep -ohE 'FCGP_LOGNO\([0-9]+\)' *.c */*.c | sort | uniq -d)
[ -z "$dups" ] || fail "log tags used twice:" $dups
# A log call at NOTICE..EMERG must carry FCGP_LOGNO before the end of its
# statement (the first ";", at most 10 lines on).
for f in *.c */*.c; do
    awk -v f="$f" '
        function check() {
            s = buf; gsub(/[ \t]+/, " ", s)
            if (s ~ /APLOG_MARK ?, ?APLOG_(NOTICE|WARNING|ERR|CRIT|ALERT|EMERG)/ \
                && s !~ /FCGP_LOGNO/) {
                print "check-rules: " f ":" want ": untagged message" > "/dev/stderr"
                bad = 1
            }
            want = 0
        }
        want { buf = buf " " $0; if ($0 ~ /;/ || NR >= want + 9) check(); next }
        /ap_log_[a-z]*error\(/ {
            want = NR; buf = $0; if ($0 ~ /;/) check() }
        END { if (want) check(); exit bad }' "$f" || rc=1
done

# docs/directives.md is what conf/gen_directives.c writes from the table
# the module's command table is made of (conf/directives.h).
APXS=${APXS:-$(command -v apxs || command -v apxs2 || echo /usr/bin/apxs)}
gen=$(mktemp /tmp/fcgp-gen.XXXXXX)
if ${CC:-cc} -std=gnu99 -I. -I"$($APXS -q INCLUDEDIR)" \
        $($APXS -q EXTRA_INCLUDES) -o "$gen" conf/gen_directives.c; then
    "$gen" | cmp -s - docs/directives.md \
        || fail "docs/directives.md is out of date with conf/directives.h" \
                "(run make docs/directives.md)"
else
    fail "conf/gen_directives.c does not build"
fi
rm -f "$gen"

# The committed ./configure is what configure.ac makes (checked when the
# autoconf that generated it is installed; other versions write other text).
made_by=$(sed -n 's/^# Generated by GNU Autoconf \([0-9.]*\).*/\1/p' configure)
have=$(autoconf --version 2>/dev/null | sed -n '1s/.* \([0-9.]*\)$/\1/p')
if [ -z "$have" ]; then
    echo "check-rules: autoconf not installed; configure not compared"
elif [ "$have" != "$made_by" ]; then
    echo "check-rules: configure made by autoconf $made_by, not $have;" \
         "not compared"
else
    # in a scratch directory, so that no autom4te.cache is left here
    ac=$(mktemp -d /tmp/fcgp-autoconf.XXXXXX)
    cp configure.ac "$ac/"
    (cd "$ac" && autoconf -o - configure.ac 2>/dev/null) | cmp -s - configure \
        || fail "configure is out of date with configure.ac" \
                "(run autoreconf -fi)"
    rm -rf "$ac"
fi

[ $rc = 0 ] && echo "check-rules: ok"
exit $rc
