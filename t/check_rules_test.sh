#!/bin/sh
# check_rules_test.sh: proves that every rule of t/check_rules.sh can fail.
#
# Copies the tree (git ls-files, plus the built module) into a scratch
# directory under /tmp, checks that the copy passes, then, for each rule,
# plants one violation in a fresh copy and expects check_rules.sh to fail
# with that rule's message and no other.  Run from the source root after
# `make` (`make check-rules` runs it).
set -u
SO=${FCGP_SO:-.libs/mod_fcgiproc.so}
[ -f "$SO" ] || { echo "check-rules-test: $SO not found (run make)" >&2; exit 1; }

scratch=$(mktemp -d /tmp/fcgp-rules-test.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
trap 'exit 1' HUP INT TERM
base=$scratch/base
mkdir -p "$base/.libs"
git ls-files | while IFS= read -r f; do [ -e "$f" ] && echo "$f"; done |
    tar -cf - -T - | tar -xf - -C "$base" || exit 1
cp "$SO" "$base/.libs/mod_fcgiproc.so"

failed=0
n=0

# run NAME: check_rules.sh in the copy $scratch/NAME; sets out, err, status.
run() {
    (cd "$scratch/$1" && sh t/check_rules.sh >../out 2>../err)
    status=$?
    out=$(cat "$scratch/out")
    err=$(cat "$scratch/err")
}

report_fail() {
    echo "FAIL: $1: $2"
    printf '%s\n' "$out" "$err" | sed 's/^/    /'
    failed=$((failed + 1))
}

# expect NAME MESSAGE PLANT: in a fresh copy, run the shell command PLANT,
# then expect check_rules.sh to exit non-zero with MESSAGE on stderr and
# every stderr line to be MESSAGE's (no other rule fired).
expect() {
    name=$1 msg=$2 plant=$3
    n=$((n + 1))
    rm -rf "${scratch:?}/$name"
    cp -R "$base" "$scratch/$name"
    (cd "$scratch/$name" && eval "$plant") || {
        echo "FAIL: $name: could not plant the violation"
        failed=$((failed + 1)); return; }
    run "$name"
    if [ $status = 0 ]; then
        report_fail "$name" "check_rules.sh passed"
    elif ! printf '%s\n' "$err" | grep -qF -- "$msg"; then
        report_fail "$name" "no \"$msg\""
    elif printf '%s\n' "$err" | grep -vF -- "$msg" | grep -q .; then
        report_fail "$name" "other rules fired too"
    else
        echo "ok: $name: $msg"
    fi
    rm -rf "${scratch:?}/$name"
}

# expect_pass NAME PLANT: a change that breaks no rule passes.
expect_pass() {
    name=$1 plant=$2
    n=$((n + 1))
    rm -rf "${scratch:?}/$name"
    cp -R "$base" "$scratch/$name"
    (cd "$scratch/$name" && eval "$plant")
    run "$name"
    if [ $status != 0 ]; then
        report_fail "$name" "check_rules.sh failed on a change it must allow"
    else
        echo "ok: $name: passes"
    fi
    rm -rf "${scratch:?}/$name"
}

# add FILE TEXT: append a line to FILE.
add() { printf '%s\n' "$2" >> "$1"; }

expect_pass unmodified ':'
unmodified_out=$out

# Include directions.
msg="fcgi_proto/ must include only its own headers"
expect proto_quoted "$msg" 'add fcgi_proto/fcgi_decode.c "#include \"pm/table.h\""'
expect proto_angle "$msg" 'add fcgi_proto/fcgi_proto.h "#include <pm/table.h>"'
expect proto_dotdot "$msg" 'add fcgi_proto/fcgi_decode.c "#include \"../pm/table.h\""'
expect proto_top "$msg" 'add fcgi_proto/fcgi_decode.c "#  include \"fcgp_log.h\""'
expect_pass proto_own 'add fcgi_proto/fcgi_decode.c "#include \"fcgi_proto/fcgi_proto.h\""'
expect proto_httpd "fcgi_proto/ must not include httpd headers" \
    'add fcgi_proto/fcgi_proto.h "#include <util_fcgi.h>"'
msg="pm/ must not include conf/ or handler/"
expect pm_conf "$msg" 'add pm/pm_main.c "#include \"conf/conf.h\""'
expect pm_conf_rel "$msg" 'add pm/pm_boot.h "#include \"../conf/conf.h\""'

# Purity: no httpd header, and only pure headers of ours.
msg="pure files must not include httpd headers"
expect pure_table_c "$msg" 'add pm/table.c "#include \"httpd.h\""'
expect pure_table_h "$msg" 'add pm/table.h "#include <http_log.h>"'
expect pure_conf_parse "$msg" 'add conf/conf_parse.c "#include \"ap_mpm.h\""'
expect pure_via_ours "$msg" 'add pm/policy.c "#include \"pm/pm_boot.h\""'
expect pure_via_two "$msg" 'add pm/policy.c "#include \"pm/pm.h\"" &&
    add pm/pm.h "#include \"pm/pm_boot.h\""'
expect_pass pure_includes_pure 'add pm/policy.c "#include \"pm/pm.h\""'

# Handler internals.
expect handler_internals "only mod_fcgiproc.c and handler/ may include handler/" \
    'add conf/conf.c "#include \"handler/handler.h\""'

# Exported symbols: a module that exports one more symbol.
expect exports "exports more than its module records" '
    printf "%s\n" "int fcgiproc_module;" "int fcgid_module;" \
        "int fastcgi_module;" \
        "int fcgp_leaked(void) { return 0; }" \
        > leak.c &&
    ${CC:-cc} -shared -fPIC -o .libs/mod_fcgiproc.so leak.c'
expect no_module "not found (run make first)" 'rm .libs/mod_fcgiproc.so'

# The directive reference: a directive's text changed in the table only.
expect directives_doc "docs/directives.md is out of date" \
    'sed -i "s/most application processes in all (default 1000)/most processes/" conf/directives.h'

# Header prerequisites: the old list, without the top-level fcgp_log.h (the
# module is touched after, so that it is up to date and the rule runs).
expect header_prereq "fcgp_log.h is not a prerequisite of" '
    sed -i "s|^MOD_HDRS = .*|MOD_HDRS = \$(wildcard */*.h)|" Makefile.apxs &&
    grep -q "^MOD_HDRS = \$(wildcard \*/\*.h)\$" Makefile.apxs &&
    touch .libs/mod_fcgiproc.so'

# The log-tag registry.
call='ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, FCGP_LOGNO'
expect tag_not_listed "FCGP09999 is not in docs/log-tags.md" \
    "add conf/conf.c '$call(09999) \"planted\");'"
expect tag_twice "log tags used twice: FCGP_LOGNO(01001)" \
    "add pm/pm_main.c '$call(01001) \"planted\");'"
msg="untagged message"
expect untagged "$msg" \
    "add handler/status.c 'ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, \"planted\");'"
expect untagged_split "$msg" \
    "add pm/pm_main.c 'ap_log_error(APLOG_MARK,'
     add pm/pm_main.c '             APLOG_NOTICE, 0, s,'
     add pm/pm_main.c '             \"planted\");'"
expect_pass untagged_debug \
    "add pm/pm_main.c 'ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, \"fine\");'"

# ./configure against configure.ac, when check_rules.sh compares them (it
# needs the autoconf that made configure).
case $unmodified_out in
*"not compared"*)
    echo "skip: configure_stale: $(printf '%s\n' "$unmodified_out" |
        grep 'not compared' | sed 's/^check-rules: //')" ;;
*)
    expect configure_stale "configure is out of date with configure.ac" \
        'add configure.ac "AC_MSG_NOTICE([planted])"' ;;
esac

if [ $failed != 0 ]; then
    echo "check-rules-test: $failed of $n cases failed"
    exit 1
fi
echo "check-rules-test: all $n cases ok"
