/* test_directives.c: the directive table (conf/directives.h) against
 * mod_fcgid 2.3.9's and mod_fastcgi 2.4's manuals and against the
 * generated reference.
 *
 * - every directive name of mod_fcgid's manual (docs/manual/mod/
 *   mod_fcgid.xml: current and deprecated names; FcgidWin32PreventOrphans
 *   is Windows-only there and an error here, as on Linux there) has a row;
 * - no name is in two rows (httpd would take the first);
 * - every row, and every name of it, is in docs/directives.md.
 * The list below is written out from the manual, not derived from the
 * table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <check.h>
#include <apr.h>
#include "t/unit/unit.h"
#include "conf/directives.h"

#define FCGP_UNPAREN(...) __VA_ARGS__
#define NAMES_ROW(id, names, ...) {#id, {FCGP_UNPAREN names}},

static const struct {
    const char *id;
    const char *names[4];
} rows[] = {
    FCGP_DIRECTIVES(NAMES_ROW)
};
#define NROWS (sizeof(rows) / sizeof(rows[0]))

static const char *const manual[] = {
    "FcgidAccessChecker", "FcgidAccessCheckerAuthoritative",
    "FcgidAuthenticator", "FcgidAuthenticatorAuthoritative",
    "FcgidAuthorizer", "FcgidAuthorizerAuthoritative",
    "FcgidBusyScanInterval", "FcgidBusyTimeout", "FcgidCmdOptions",
    "FcgidConnectTimeout", "FcgidErrorScanInterval", "FcgidFixPathinfo",
    "FcgidIdleScanInterval", "FcgidIdleTimeout", "FcgidInitialEnv",
    "FcgidIOTimeout", "FcgidIPCDir", "FcgidMaxProcesses",
    "FcgidMaxProcessesPerClass", "FcgidMaxRequestInMem",
    "FcgidMaxRequestLen", "FcgidMaxRequestsPerProcess",
    "FcgidMinProcessesPerClass", "FcgidOutputBufferSize", "FcgidPassHeader",
    "FcgidProcessLifeTime", "FcgidProcessTableFile", "FcgidSpawnScore",
    "FcgidSpawnScoreUpLimit", "FcgidTerminationScore", "FcgidTimeScore",
    "FcgidWrapper", "FcgidZombieScanInterval",
    /* deprecated names */
    "BusyScanInterval", "BusyTimeout", "DefaultInitEnv",
    "DefaultMaxClassProcessCount", "DefaultMinClassProcessCount",
    "ErrorScanInterval", "FastCgiAccessChecker",
    "FastCgiAccessCheckerAuthoritative", "FastCgiAuthenticator",
    "FastCgiAuthenticatorAuthoritative", "FastCgiAuthorizer",
    "FastCgiAuthorizerAuthoritative", "FCGIWrapper", "IdleScanInterval",
    "IdleTimeout", "IPCCommTimeout", "IPCConnectTimeout", "MaxProcessCount",
    "MaxRequestInMem", "MaxRequestLen", "MaxRequestsPerProcess",
    "OutputBufferSize", "PassHeader", "PHP_Fix_Pathinfo_Enable",
    "ProcessLifeTime", "SharememPath", "SocketPath", "SpawnScore",
    "SpawnScoreUpLimit", "TerminationScore", "TimeScore",
    "ZombieScanInterval",
};
#define NMANUAL (sizeof(manual) / sizeof(manual[0]))

/* mod_fastcgi 2.4.7's directives: its manual (docs/mod_fastcgi.html) and
 * the old names in its command table (AppClass, ExternalAppClass,
 * FCGIConfig, FastCgiSuexec). */
static const char *const fastcgi_manual[] = {
    "FastCgiServer", "FastCgiConfig", "FastCgiExternalServer",
    "FastCgiIpcDir", "FastCgiWrapper", "FastCgiAuthenticator",
    "FastCgiAuthenticatorAuthoritative", "FastCgiAuthorizer",
    "FastCgiAuthorizerAuthoritative", "FastCgiAccessChecker",
    "FastCgiAccessCheckerAuthoritative",
    "AppClass", "ExternalAppClass", "FCGIConfig", "FastCgiSuexec",
};
#define NFASTCGI (sizeof(fastcgi_manual) / sizeof(fastcgi_manual[0]))

static int in_table(const char *name)
{
    size_t i, k;
    for (i = 0; i < NROWS; i++) {
        for (k = 0; k < 4 && rows[i].names[k]; k++) {
            if (strcasecmp(rows[i].names[k], name) == 0) {
                return 1;
            }
        }
    }
    return 0;
}

START_TEST(manual_names_have_rows)
{
    const char *name = manual[_i];
    ck_assert_msg(in_table(name), "mod_fcgid's %s has no row in "
                  "conf/directives.h", name);
}
END_TEST

START_TEST(fastcgi_names_have_rows)
{
    const char *name = fastcgi_manual[_i];
    ck_assert_msg(in_table(name), "mod_fastcgi's %s has no row in "
                  "conf/directives.h", name);
}
END_TEST

START_TEST(no_name_twice)
{
    size_t i, k, j, l;
    for (i = 0; i < NROWS; i++) {
        for (k = 0; k < 4 && rows[i].names[k]; k++) {
            for (j = 0; j < NROWS; j++) {
                for (l = 0; l < 4 && rows[j].names[l]; l++) {
                    ck_assert_msg((i == j && k == l)
                                  || strcasecmp(rows[i].names[k],
                                                rows[j].names[l]) != 0,
                                  "%s is in rows %s and %s",
                                  rows[i].names[k], rows[i].id, rows[j].id);
                }
            }
        }
    }
}
END_TEST

static char *read_doc(void)
{
    FILE *f = fopen("docs/directives.md", "r");
    static char buf[1 << 20];
    size_t n;
    ck_assert_msg(f != NULL, "docs/directives.md: run from the source root");
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

START_TEST(every_row_is_in_the_reference)
{
    const char *doc = read_doc();
    char head[128];
    size_t k;
    snprintf(head, sizeof(head), "\n## %s\n", rows[_i].names[0]);
    ck_assert_msg(strstr(doc, head) != NULL, "docs/directives.md has no "
                  "section for %s (make docs/directives.md)",
                  rows[_i].names[0]);
    for (k = 1; k < 4 && rows[_i].names[k]; k++) {
        ck_assert_msg(strstr(doc, rows[_i].names[k]) != NULL,
                      "docs/directives.md does not mention %s",
                      rows[_i].names[k]);
    }
}
END_TEST

static Suite *directives_suite(void)
{
    Suite *s = suite_create("directives");
    TCase *tc = tcase_create("table");
    tcase_add_loop_test(tc, manual_names_have_rows, 0, NMANUAL);
    tcase_add_loop_test(tc, fastcgi_names_have_rows, 0, NFASTCGI);
    tcase_add_test(tc, no_name_twice);
    tcase_add_loop_test(tc, every_row_is_in_the_reference, 0, NROWS);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(directives_suite());
}
