/* test_conf_parse.c: Check unit tests for conf/conf_parse.c.
 *
 * Table-driven: each table is run by one loop test (tcase_add_loop_test,
 * index _i), with a fresh APR pool per test.  Expected values are spelled
 * out in the tables, not derived from the code under test.
 */
#include <apr.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_file_io.h>

#include <check.h>
#include "t/unit/unit.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/conf_parse.h"



/* An error message must name the directive and the bad value. */
static void assert_names(const char *err, const char *directive,
                         const char *arg)
{
    ck_assert_msg(err != NULL, "expected an error for '%s'", arg);
    ck_assert_msg(strstr(err, directive) != NULL,
                  "error '%s' does not name the directive %s", err,
                  directive);
    if (arg && *arg) {
        ck_assert_msg(strstr(err, arg) != NULL,
                      "error '%s' does not name the value '%s'", err, arg);
    }
    else {
        /* an empty value is shown quoted, or the message says "empty" */
        ck_assert_msg(strstr(err, "''") != NULL || strstr(err, "empty"),
                      "error '%s' does not show the empty value", err);
    }
}

/* ------------------------------------------------------------------ */
/* fcgp_parse_count / fcgp_parse_bytes                                 */

typedef struct {
    const char *arg;
    apr_int64_t min, max;
    int ok;
    apr_int64_t want;
} num_case_t;

#define OK(a, mn, mx, w)  { (a), (mn), (mx), 1, (w) }
#define BAD(a, mn, mx)    { (a), (mn), (mx), 0, 0 }
#define I64MAX            APR_INT64_MAX

static const num_case_t count_cases[] = {
    OK("1", 1, 1000, 1),                        /* min */
    OK("1000", 1, 1000, 1000),                  /* max */
    OK("500", 1, 1000, 500),
    OK("007", 1, 1000, 7),                      /* base 10, not octal */
    OK("0", 0, 10, 0),
    BAD("0", 1, 1000),                          /* min - 1 */
    BAD("1001", 1, 1000),                       /* max + 1 */
    BAD("2000000001", 0, 2000000000),
    OK("2000000000", 0, 2000000000, 2000000000),
    OK("9223372036854775807", 0, I64MAX, I64MAX),
    BAD("9223372036854775808", 0, I64MAX),      /* int64 overflow */
    BAD("99999999999999999999", 0, I64MAX),
    BAD("99999999999999999999", 1, 1000),
    BAD("-1", 0, 1000),
    BAD("-0", 0, 1000),
    BAD("+5", 0, 1000),
    BAD("", 0, 1000),
    BAD(" ", 0, 1000),
    BAD(" 12", 0, 1000),
    BAD("12 ", 0, 1000),
    BAD("12abc", 0, 1000),
    BAD("abc", 0, 1000),
    BAD("0x10", 0, 1000),
    BAD("1e3", 0, 10000),
    BAD("1.5", 0, 1000),
    BAD("1K", 0, 100000),                       /* counts take no suffix */
    BAD("10M", 0, I64MAX),
};

#define KIB ((apr_int64_t)1024)
#define MIB (KIB * 1024)
#define GIB (MIB * 1024)

static const num_case_t bytes_cases[] = {
    OK("1G", 0, (apr_int64_t)1 << 62, 1073741824),
    OK("1g", 0, (apr_int64_t)1 << 62, GIB),
    OK("1GB", 0, (apr_int64_t)1 << 62, GIB),
    OK("1gb", 0, (apr_int64_t)1 << 62, GIB),
    OK("1K", 0, (apr_int64_t)1 << 62, 1024),
    OK("1k", 0, (apr_int64_t)1 << 62, 1024),
    OK("1KB", 0, (apr_int64_t)1 << 62, 1024),
    OK("2M", 0, (apr_int64_t)1 << 62, 2097152),
    OK("3m", 0, (apr_int64_t)1 << 62, 3 * MIB),
    OK("0", 0, GIB, 0),
    OK("0K", 0, GIB, 0),
    OK("123", 0, GIB, 123),
    OK("4G", 0, (apr_int64_t)1 << 62, 4 * GIB),  /* beyond 32 bits */
    /* range: min 1 KiB, max 1 MiB */
    OK("1K", KIB, MIB, KIB),                    /* min */
    OK("1024", KIB, MIB, KIB),
    OK("1M", KIB, MIB, MIB),                    /* max */
    OK("1024K", KIB, MIB, MIB),
    OK("1048576", KIB, MIB, MIB),
    BAD("1023", KIB, MIB),                      /* min - 1 */
    BAD("1048577", KIB, MIB),                   /* max + 1 */
    BAD("1025K", KIB, MIB),
    BAD("2M", KIB, MIB),
    BAD("1G", KIB, MIB),
    /* the directive's own range */
    OK("4294967296G", 0, (apr_int64_t)1 << 62, (apr_int64_t)1 << 62),
    BAD("4294967297G", 0, (apr_int64_t)1 << 62),
    BAD("4611686018427387905", 0, (apr_int64_t)1 << 62),
    /* multiplication must not overflow */
    OK("8589934591G", 0, I64MAX, (apr_int64_t)8589934591LL * GIB),
    BAD("8589934592G", 0, I64MAX),              /* 2^63 */
    BAD("9223372036854775807K", 0, I64MAX),
    BAD("17179869184G", 0, I64MAX),             /* 2^64: wraps to 0 */
    BAD("99999999999999999999", 0, I64MAX),
    BAD("99999999999999999999G", 0, I64MAX),
    /* malformed */
    BAD("1.5G", 0, (apr_int64_t)1 << 62),
    BAD("1,5G", 0, (apr_int64_t)1 << 62),
    BAD("1T", 0, (apr_int64_t)1 << 62),
    BAD("1B", 0, (apr_int64_t)1 << 62),
    BAD("1GG", 0, (apr_int64_t)1 << 62),
    BAD("1GBB", 0, (apr_int64_t)1 << 62),
    BAD("1G5", 0, (apr_int64_t)1 << 62),
    BAD("1 G", 0, (apr_int64_t)1 << 62),
    BAD("G", 0, (apr_int64_t)1 << 62),
    BAD("K1", 0, (apr_int64_t)1 << 62),
    BAD("-1", 0, (apr_int64_t)1 << 62),
    BAD("-1K", 0, (apr_int64_t)1 << 62),
    BAD("", 0, (apr_int64_t)1 << 62),
    BAD("12abc", 0, (apr_int64_t)1 << 62),
    BAD(" 1G", 0, (apr_int64_t)1 << 62),
};

static void run_num_case(const num_case_t *c, int bytes)
{
    const char *dir = bytes ? "FcgiProcMaxRequestLen" : "FcgiProcMaxProcesses";
    apr_int64_t out = -4242;
    const char *err = bytes
        ? fcgp_parse_bytes(pool, dir, c->arg, c->min, c->max, &out)
        : fcgp_parse_count(pool, dir, c->arg, c->min, c->max, &out);

    if (c->ok) {
        ck_assert_msg(err == NULL, "'%s' [%" APR_INT64_T_FMT ", %"
                      APR_INT64_T_FMT "]: unexpected error: %s", c->arg,
                      c->min, c->max, err);
        ck_assert_msg(out == c->want, "'%s': got %" APR_INT64_T_FMT
                      ", want %" APR_INT64_T_FMT, c->arg, out, c->want);
    }
    else {
        ck_assert_msg(err != NULL, "'%s' [%" APR_INT64_T_FMT ", %"
                      APR_INT64_T_FMT "]: accepted as %" APR_INT64_T_FMT,
                      c->arg, c->min, c->max, out);
        assert_names(err, dir, c->arg);
        ck_assert_msg(out == -4242, "'%s': *out written on error", c->arg);
    }
}

START_TEST(test_parse_count)
{
    run_num_case(&count_cases[_i], 0);
}
END_TEST

START_TEST(test_parse_bytes)
{
    run_num_case(&bytes_cases[_i], 1);
}
END_TEST

/* Out-of-range errors also tell the allowed range. */
START_TEST(test_range_message)
{
    apr_int64_t out;
    const char *err = fcgp_parse_count(pool, "FcgiProcMaxProcesses", "1001",
                                       1, 1000, &out);
    ck_assert_ptr_nonnull(err);
    ck_assert_ptr_nonnull(strstr(err, "1001"));
    ck_assert_ptr_nonnull(strstr(err, "1000"));
    err = fcgp_parse_bytes(pool, "FcgiProcMaxRequestLen", "2M", 1024, 1048576,
                           &out);
    ck_assert_ptr_nonnull(err);
    ck_assert_ptr_nonnull(strstr(err, "2M"));
    ck_assert_ptr_nonnull(strstr(err, "1048576"));
}
END_TEST

START_TEST(test_parse_null_arg)
{
    apr_int64_t out = 7;
    const char *err = fcgp_parse_count(pool, "FcgiProcMaxProcesses", NULL, 0,
                                       10, &out);
    ck_assert_ptr_nonnull(err);
    ck_assert_ptr_nonnull(strstr(err, "FcgiProcMaxProcesses"));
    err = fcgp_parse_bytes(pool, "FcgiProcMaxRequestLen", NULL, 0, 10, &out);
    ck_assert_ptr_nonnull(err);
    ck_assert_ptr_nonnull(strstr(err, "FcgiProcMaxRequestLen"));
    ck_assert_int_eq(out, 7);
}
END_TEST

/* ------------------------------------------------------------------ */
/* fcgp_is_php_cgi                                                     */

static const struct {
    const char *argv0;
    int want;
} php_cases[] = {
    { "/usr/bin/php-cgi", 1 },
    { "/usr/bin/php-cgi8.2", 1 },
    { "/usr/bin/php8.2-cgi", 1 },
    { "/usr/bin/php5-cgi", 1 },
    { "/usr/local/php/bin/php-cgi", 1 },
    { "php-cgi", 1 },
    { "/usr/bin/php", 0 },
    { "/usr/bin/php8.2", 0 },
    { "/usr/bin/php-fpm", 0 },
    { "/usr/local/bin/myapp", 0 },
    { "/usr/lib/cgi-bin/php", 0 },      /* cgi in the directory only */
    { "/opt/php-cgi/bin/myapp", 0 },
    { "", 0 },
};

START_TEST(test_is_php_cgi)
{
    ck_assert_msg(fcgp_is_php_cgi(php_cases[_i].argv0) == php_cases[_i].want,
                  "fcgp_is_php_cgi(\"%s\") != %d", php_cases[_i].argv0,
                  php_cases[_i].want);
}
END_TEST

/* ------------------------------------------------------------------ */
/* fcgp_effective_limit                                                */

static const struct {
    apr_int64_t ours, declared;
    const char *php_env;
    int php;
    apr_uint32_t want;
    fcgp_limit_source_e src;
} limit_cases[] = {
    /* PHP_FCGI_MAX_REQUESTS */
    { 0, 0, "20", 1, 20, FCGP_LIMIT_PHP_ENV },
    { 10000, 0, "500", 1, 500, FCGP_LIMIT_PHP_ENV },
    { 100, 0, "500", 1, 100, FCGP_LIMIT_OURS },
    { 499, 0, "500", 1, 499, FCGP_LIMIT_OURS },
    { 501, 0, "500", 1, 500, FCGP_LIMIT_PHP_ENV },
    { 0, 0, "0", 1, 0, FCGP_LIMIT_NONE },           /* "0": unlimited */
    { 100, 0, "0", 1, 100, FCGP_LIMIT_OURS },
    { 0, 0, "2000", 1, 2000, FCGP_LIMIT_PHP_ENV },  /* above php's 500 */
    { 0, 0, "20", 0, 20, FCGP_LIMIT_PHP_ENV },      /* env set, non-php */
    /* the env wins over FcgiProcAppMaxRequests, even when it says "0" */
    { 0, 10, "20", 1, 20, FCGP_LIMIT_PHP_ENV },
    { 0, 10, "0", 1, 0, FCGP_LIMIT_NONE },
    { 0, 10, "0", 0, 0, FCGP_LIMIT_NONE },
    { 5, 10, "0", 1, 5, FCGP_LIMIT_OURS },
    /* an empty or unparsable value: php-cgi runs without a limit */
    { 0, 0, "", 1, 0, FCGP_LIMIT_NONE },
    { 0, 0, "abc", 1, 0, FCGP_LIMIT_NONE },
    { 0, 0, "-5", 1, 0, FCGP_LIMIT_NONE },
    { 30, 0, "abc", 1, 30, FCGP_LIMIT_OURS },
    /* FcgiProcAppMaxRequests */
    { 0, 20, NULL, 0, 20, FCGP_LIMIT_APP_DECLARED },
    { 0, 20, NULL, 1, 20, FCGP_LIMIT_APP_DECLARED }, /* over php's 500 */
    { 0, 2000, NULL, 1, 2000, FCGP_LIMIT_APP_DECLARED },
    { 10, 20, NULL, 0, 10, FCGP_LIMIT_OURS },
    { 30, 20, NULL, 0, 20, FCGP_LIMIT_APP_DECLARED },
    { 20, 20, NULL, 0, 20, FCGP_LIMIT_APP_DECLARED }, /* tie: the app's */
    /* php-cgi without PHP_FCGI_MAX_REQUESTS: it is given ours, or 10000 */
    { 0, 0, NULL, 1, 10000, FCGP_LIMIT_PHP_GIVEN },
    { 499, 0, NULL, 1, 499, FCGP_LIMIT_OURS },
    { 501, 0, NULL, 1, 501, FCGP_LIMIT_OURS },
    { 20000, 0, NULL, 1, 20000, FCGP_LIMIT_OURS },
    { 2000000000, 0, NULL, 1, 2000000000, FCGP_LIMIT_OURS },
    { 4000000000LL, 0, NULL, 1, 2147483647, FCGP_LIMIT_OURS }, /* an int */
    /* nothing known about the app */
    { 0, 0, NULL, 0, 0, FCGP_LIMIT_NONE },
    { 7, 0, NULL, 0, 7, FCGP_LIMIT_OURS },
    { 2000000000, 0, NULL, 0, 2000000000, FCGP_LIMIT_OURS },
    { 1, 0, NULL, 1, 1, FCGP_LIMIT_OURS },
};

START_TEST(test_effective_limit)
{
    fcgp_limit_source_e src = (fcgp_limit_source_e)99;
    apr_uint32_t got = fcgp_effective_limit(limit_cases[_i].ours,
                                            limit_cases[_i].declared,
                                            limit_cases[_i].php_env,
                                            limit_cases[_i].php, &src);
    ck_assert_msg(got == limit_cases[_i].want && src == limit_cases[_i].src,
                  "ours %" APR_INT64_T_FMT " declared %" APR_INT64_T_FMT
                  " env %s php %d: got %u (%s), want %u (%s)",
                  limit_cases[_i].ours, limit_cases[_i].declared,
                  limit_cases[_i].php_env ? limit_cases[_i].php_env : "unset",
                  limit_cases[_i].php, got, fcgp_limit_source_name(src),
                  limit_cases[_i].want,
                  fcgp_limit_source_name(limit_cases[_i].src));
}
END_TEST

/* PHP_FCGI_MAX_REQUESTS values that do not fit the u32 the PM keeps: the
 * result must not wrap to a small number (a limit of 1 would restart the
 * app after every request), and 0 ("no limit") must come with the NONE
 * source, as the header promises. */
static const struct {
    const char *php_env;
} huge_env_cases[] = {
    { "4294967295" },
    { "4294967296" },       /* 2^32: would wrap to 0 */
    { "4294967297" },       /* 2^32 + 1: would wrap to 1 */
    { "4294967796" },       /* 2^32 + 500: would wrap to 500 */
    { "99999999999999999999" },
};

START_TEST(test_effective_limit_huge_env)
{
    fcgp_limit_source_e src = (fcgp_limit_source_e)99;
    apr_uint32_t got = fcgp_effective_limit(0, 0, huge_env_cases[_i].php_env,
                                            1, &src);
    ck_assert_msg((got == 0) == (src == FCGP_LIMIT_NONE),
                  "env %s: got %u with source %s",
                  huge_env_cases[_i].php_env, got,
                  fcgp_limit_source_name(src));
    ck_assert_msg(got == 0 || got >= 4294967295u,
                  "PHP_FCGI_MAX_REQUESTS=%s wrapped to a limit of %u",
                  huge_env_cases[_i].php_env, got);
}
END_TEST

START_TEST(test_limit_source_names)
{
    ck_assert_ptr_nonnull(strstr(fcgp_limit_source_name(FCGP_LIMIT_OURS),
                                 "FcgiProcMaxRequestsPerProcess"));
    ck_assert_ptr_nonnull(strstr(fcgp_limit_source_name(FCGP_LIMIT_PHP_ENV),
                                 "PHP_FCGI_MAX_REQUESTS"));
    ck_assert_ptr_nonnull(strstr(
        fcgp_limit_source_name(FCGP_LIMIT_APP_DECLARED),
        "FcgiProcAppMaxRequests"));
    ck_assert_ptr_nonnull(strstr(
        fcgp_limit_source_name(FCGP_LIMIT_PHP_GIVEN), "default"));
    ck_assert_ptr_nonnull(strstr(fcgp_limit_source_name(FCGP_LIMIT_LEARNED),
                                 "learned"));
    ck_assert_str_eq(fcgp_limit_source_name(FCGP_LIMIT_NONE), "no limit");
    ck_assert_str_eq(fcgp_limit_source_name((fcgp_limit_source_e)77),
                     "no limit");
}
END_TEST

/* ------------------------------------------------------------------ */
/* fcgp_parse_command                                                  */

#define D_CMD "FcgiProcWrapper"

typedef struct {
    const char *cmdline;
    int argc;               /* -1: an error is expected */
    const char *argv[5];
    const char *err_has;    /* with argc -1: text the error must hold */
} cmd_case_t;

static const cmd_case_t cmd_cases[] = {
    { "/usr/bin/php-cgi", 1, { "/usr/bin/php-cgi" }, NULL },
    { "/usr/bin/php-cgi -d \"a=b c\"", 3,
      { "/usr/bin/php-cgi", "-d", "a=b c" }, NULL },
    { "/usr/bin/php-cgi -d 'a=b c'", 3,
      { "/usr/bin/php-cgi", "-d", "a=b c" }, NULL },
    { "  /usr/bin/php-cgi   -c   /etc/php.ini  ", 3,
      { "/usr/bin/php-cgi", "-c", "/etc/php.ini" }, NULL },
    { "/usr/bin/app a\\ b", 2, { "/usr/bin/app", "a b" }, NULL },
    { "\"/opt/my app/bin/app\" x", 2, { "/opt/my app/bin/app", "x" }, NULL },
    { "/usr/bin/app \"\"", 2, { "/usr/bin/app", "" }, NULL },
    { "/a b c d", 4, { "/a", "b", "c", "d" }, NULL },
    { "php-cgi", -1, { NULL }, "php-cgi" },
    { "bin/php-cgi -b", -1, { NULL }, "bin/php-cgi" },
    { "./php-cgi", -1, { NULL }, "./php-cgi" },
    { "", -1, { NULL }, NULL },
    { "   ", -1, { NULL }, NULL },
};

START_TEST(test_parse_command)
{
    const cmd_case_t *c = &cmd_cases[_i];
    int argc = -7, k;
    const char **argv = NULL;
    const char *err = fcgp_parse_command(pool, D_CMD, c->cmdline, 0, &argc,
                                         &argv);
    if (c->argc < 0) {
        ck_assert_msg(err != NULL, "'%s' accepted", c->cmdline);
        ck_assert_msg(strstr(err, D_CMD) != NULL, "%s", err);
        if (c->err_has) {
            ck_assert_msg(strstr(err, c->err_has) != NULL,
                          "'%s' not in '%s'", c->err_has, err);
        }
        else {
            ck_assert_msg(strstr(err, "empty") != NULL, "%s", err);
        }
        ck_assert_int_eq(argc, -7);
        return;
    }
    ck_assert_msg(err == NULL, "'%s': %s", c->cmdline, err);
    ck_assert_int_eq(argc, c->argc);
    for (k = 0; k < c->argc; k++) {
        ck_assert_str_eq(argv[k], c->argv[k]);
    }
    ck_assert_ptr_null(argv[argc]);
}
END_TEST

/* check_file: a temporary directory holding an executable, a file that
 * is not executable, a directory and a symlink to the executable. */
static char tmpdir[64];

static void files_setup(void)
{
    char path[128];
    FILE *f;

    pool_setup();
    strcpy(tmpdir, "/tmp/fcgp_cp_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    snprintf(path, sizeof(path), "%s/app", tmpdir);
    ck_assert_ptr_nonnull(f = fopen(path, "w"));
    fputs("#!/bin/sh\n", f);
    fclose(f);
    ck_assert_int_eq(chmod(path, 0755), 0);
    snprintf(path, sizeof(path), "%s/data", tmpdir);
    ck_assert_ptr_nonnull(f = fopen(path, "w"));
    fclose(f);
    ck_assert_int_eq(chmod(path, 0644), 0);
    snprintf(path, sizeof(path), "%s/dir", tmpdir);
    ck_assert_int_eq(mkdir(path, 0755), 0);
    snprintf(path, sizeof(path), "%s/link", tmpdir);
    ck_assert_int_eq(symlink("app", path), 0);
}

static void files_teardown(void)
{
    const char *names[] = { "app", "data", "link" };
    char path[128];
    int k;
    for (k = 0; k < 3; k++) {
        snprintf(path, sizeof(path), "%s/%s", tmpdir, names[k]);
        unlink(path);
    }
    snprintf(path, sizeof(path), "%s/dir", tmpdir);
    rmdir(path);
    rmdir(tmpdir);
    pool_teardown();
}

static const struct {
    const char *rel;        /* under tmpdir */
    const char *args;
    int ok;
    const char *err_has;
} file_cases[] = {
    { "app", "", 1, NULL },
    { "app", " -x 'y z'", 1, NULL },
    { "link", "", 1, NULL },
    { "missing", "", 0, "does not exist" },
    { "data", "", 0, "not an executable" },
    { "dir", "", 0, "not an executable" },
    { "app/", "", 0, NULL },                /* a file used as a dir */
};

START_TEST(test_parse_command_files)
{
    const char *prog = apr_pstrcat(pool, tmpdir, "/", file_cases[_i].rel,
                                   NULL);
    const char *cmd = apr_pstrcat(pool, prog, file_cases[_i].args, NULL);
    int argc = -7;
    const char **argv = NULL;
    const char *err = fcgp_parse_command(pool, D_CMD, cmd, 1, &argc, &argv);

    if (file_cases[_i].ok) {
        ck_assert_msg(err == NULL, "%s: %s", cmd, err);
        ck_assert_str_eq(argv[0], prog);
        ck_assert_int_eq(argc, file_cases[_i].args[0] ? 3 : 1);
        return;
    }
    ck_assert_msg(err != NULL, "%s accepted", cmd);
    ck_assert_msg(strstr(err, D_CMD) != NULL, "%s", err);
    ck_assert_msg(strstr(err, prog) != NULL, "'%s' not in '%s'", prog, err);
    if (file_cases[_i].err_has) {
        ck_assert_msg(strstr(err, file_cases[_i].err_has) != NULL,
                      "'%s' not in '%s'", file_cases[_i].err_has, err);
    }
    ck_assert_int_eq(argc, -7);
}
END_TEST

/* Without check_file, a missing program is fine (checked later). */
START_TEST(test_parse_command_no_check)
{
    int argc = 0;
    const char **argv = NULL;
    const char *err = fcgp_parse_command(pool, D_CMD,
                                         "/nonexistent/fcgp/app -a", 0,
                                         &argc, &argv);
    ck_assert_ptr_null(err);
    ck_assert_int_eq(argc, 2);
    ck_assert_str_eq(argv[0], "/nonexistent/fcgp/app");
    err = fcgp_parse_command(pool, D_CMD, "/nonexistent/fcgp/app -a", 1,
                             &argc, &argv);
    ck_assert_ptr_nonnull(err);
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/fcgp/app"));
}
END_TEST

/* ------------------------------------------------------------------ */
/* ------------------------------------------------------------------ */
/* fcgp_parse_host_port (FcgiProcExternalServer -host)                 */

typedef struct {
    const char *arg;
    const char *host;           /* NULL: an error */
    apr_port_t port;
} host_case_t;

static const host_case_t host_cases[] = {
    {"127.0.0.1:9000", "127.0.0.1", 9000},
    {"localhost:1", "localhost", 1},
    {"app.example:65535", "app.example", 65535},
    {"[::1]:9000", "::1", 9000},
    {"[2001:db8::5]:80", "2001:db8::5", 80},
    {"127.0.0.1", NULL, 0},                 /* no port */
    {"127.0.0.1:", NULL, 0},
    {"127.0.0.1:0", NULL, 0},
    {"127.0.0.1:65536", NULL, 0},
    {"127.0.0.1:90x", NULL, 0},
    {"::1:9000", NULL, 0},                  /* v6 needs brackets */
    {"[fe80::1%eth0]:9000", NULL, 0},       /* no scope ids */
    {":9000", NULL, 0},
    {"", NULL, 0},
};

START_TEST(test_parse_host_port)
{
    const host_case_t *c = &host_cases[_i];
    const char *host = NULL;
    apr_port_t port = 0;
    const char *err = fcgp_parse_host_port(pool, "FastCgiExternalServer",
                                           c->arg, &host, &port);
    if (c->host) {
        ck_assert_msg(err == NULL, "'%s': %s", c->arg, err);
        ck_assert_str_eq(host, c->host);
        ck_assert_uint_eq(port, c->port);
    }
    else {
        assert_names(err, "FastCgiExternalServer", c->arg);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("conf_parse");
    TCase *tc;

    if (unit_init() != 0) {
        return EXIT_FAILURE;
    }

    tc = tcase_create("numbers");
    tcase_add_checked_fixture(tc, pool_setup, pool_teardown);
    tcase_add_loop_test(tc, test_parse_count, 0, N_OF(count_cases));
    tcase_add_loop_test(tc, test_parse_bytes, 0, N_OF(bytes_cases));
    tcase_add_test(tc, test_range_message);
    tcase_add_test(tc, test_parse_null_arg);
    suite_add_tcase(s, tc);

    tc = tcase_create("limits");
    tcase_add_checked_fixture(tc, pool_setup, pool_teardown);
    tcase_add_loop_test(tc, test_is_php_cgi, 0, N_OF(php_cases));
    tcase_add_loop_test(tc, test_effective_limit, 0, N_OF(limit_cases));
    tcase_add_loop_test(tc, test_effective_limit_huge_env, 0,
                        N_OF(huge_env_cases));
    tcase_add_test(tc, test_limit_source_names);
    suite_add_tcase(s, tc);

    tc = tcase_create("command");
    tcase_add_checked_fixture(tc, pool_setup, pool_teardown);
    tcase_add_loop_test(tc, test_parse_command, 0, N_OF(cmd_cases));
    tcase_add_test(tc, test_parse_command_no_check);
    suite_add_tcase(s, tc);

    tc = tcase_create("host_port");
    tcase_add_checked_fixture(tc, pool_setup, pool_teardown);
    tcase_add_loop_test(tc, test_parse_host_port, 0, N_OF(host_cases));
    suite_add_tcase(s, tc);

    tc = tcase_create("command_files");
    tcase_add_checked_fixture(tc, files_setup, files_teardown);
    tcase_add_loop_test(tc, test_parse_command_files, 0, N_OF(file_cases));
    suite_add_tcase(s, tc);

    return unit_run(s);
}
