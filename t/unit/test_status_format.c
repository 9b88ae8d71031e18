/* test_status_format.c: Check unit tests for handler/status_format.c, the
 * status page written from a snapshot (pm/status_data.h): the exact JSON
 * document (the keys and shape t/integration reads), escaping in JSON and
 * HTML, worker state names, and the HTML tables.  Fresh APR pool per test
 * (fork mode). */
#include <string.h>
#include <apr_strings.h>
#include <check.h>
#include "t/unit/unit.h"
#include "handler/status_format.h"
#include "pm/pm_types.h"

static fcgp_status_class_t one_class = {
    "/usr/bin/php-cgi", 2, 1, 100, 1, 3, FCGP_LIMIT_PHP_ENV, 1234567,
    APR_INT64_C(86400000000), 0
};

static fcgp_status_worker_t two_workers[] = {
    { 0, 4242, "/usr/bin/php-cgi", FCGP_WORKER_BUSY, 1, 3, 3,
      FCGP_LIMIT_PHP_ENV, APR_INT64_C(12500000), 0 },
    { 7, 4243, "/srv/app.fcgi", FCGP_WORKER_IDLE, 0, 1, 0, FCGP_LIMIT_NONE,
      APR_INT64_C(5000000), APR_INT64_C(4999999) }
};

static fcgp_status_exit_t one_exit = {
    APR_INT64_C(1000000), 99, "/usr/bin/php-cgi", "exit status 0",
    "retired (request limit)", 3, APR_INT64_C(5000000)
};

static void snapshot(fcgp_status_t *st)
{
    memset(st, 0, sizeof(*st));
    st->pm_pid = 1234;
    st->processes = 2;
    st->max_processes = 1000;
    st->exits_total = 7;
    st->nclasses = 1;
    st->classes = &one_class;
    st->nworkers = 2;
    st->workers = two_workers;
    st->nexits = 1;
    st->exits = &one_exit;
}

START_TEST(test_json_exact)
{
    fcgp_status_t st;
    snapshot(&st);
    ck_assert_str_eq(fcgp_status_json(pool, &st),
        "{\"pm_pid\":1234,\"processes\":2,\"max_processes\":1000,"
        "\"exits_total\":7,\"draining\":false,"
        "\"classes\":[{\"class\":\"/usr/bin/php-cgi\",\"processes\":2,"
        "\"waiting\":1,\"max\":100,\"min\":1,\"limit\":3,\"limit_source\":"
        "\"PHP_FCGI_MAX_REQUESTS in FcgiProcInitialEnv\","
        "\"program_inode\":1234567,"
        "\"program_mtime\":\"Fri, 02 Jan 1970 00:00:00 GMT\","
        "\"replaced\":\"\"}],"
        "\"workers\":[{\"slot\":0,\"pid\":4242,\"class\":\"/usr/bin/php-cgi\","
        "\"state\":\"busy (last request)\",\"requests\":3,\"limit\":3,"
        "\"limit_source\":\"PHP_FCGI_MAX_REQUESTS in FcgiProcInitialEnv\","
        "\"age_s\":12,\"idle_s\":0},"
        "{\"slot\":7,\"pid\":4243,\"class\":\"/srv/app.fcgi\","
        "\"state\":\"idle\",\"requests\":1,\"limit\":0,"
        "\"limit_source\":\"no limit\",\"age_s\":5,\"idle_s\":4}],"
        "\"recent_exits\":[{\"time\":\"Thu, 01 Jan 1970 00:00:01 GMT\","
        "\"pid\":99,\"class\":\"/usr/bin/php-cgi\",\"exit\":\"exit status 0\","
        "\"requests\":3,\"up_s\":5,\"reason\":\"retired (request limit)\"}]}"
        "\n");
}
END_TEST

START_TEST(test_json_empty)
{
    fcgp_status_t st;
    memset(&st, 0, sizeof(st));
    st.pm_pid = 1;
    st.draining = 1;
    ck_assert_str_eq(fcgp_status_json(pool, &st),
        "{\"pm_pid\":1,\"processes\":0,\"max_processes\":0,"
        "\"exits_total\":0,\"draining\":true,\"classes\":[],\"workers\":[],"
        "\"recent_exits\":[]}\n");
}
END_TEST

START_TEST(test_json_escapes)
{
    fcgp_status_t st;
    fcgp_status_class_t c = one_class;
    const char *doc;
    memset(&st, 0, sizeof(st));
    c.name = "a\"b\\c\nd\x01<e>&\xc3\xa9";
    st.nclasses = 1;
    st.classes = &c;
    doc = fcgp_status_json(pool, &st);
    ck_assert_ptr_nonnull(strstr(doc, "{\"class\":\"a\\\"b\\\\c\\u000ad\\u0001"
                                      "<e>&\xc3\xa9\",\"processes\":2,"));
}
END_TEST

START_TEST(test_html)
{
    fcgp_status_t st;
    fcgp_status_exit_t e = one_exit;
    const char *doc;
    snapshot(&st);
    e.reason = "<script>\"x\" & y";
    st.exits = &e;
    doc = fcgp_status_html(pool, &st);
    ck_assert_ptr_nonnull(strstr(doc, "<p>Process manager pid 1234: 2 "
                                      "processes (FcgiProcMaxProcesses "
                                      "1000), 7 exits so far.</p>\n"));
    ck_assert_ptr_nonnull(strstr(doc, "<h2>Applications</h2>\n"));
    ck_assert_ptr_nonnull(strstr(doc, "<h2>Workers</h2>\n<table border=\"1\">"
                                      "<tr><th>slot</th><th>pid</th>"));
    ck_assert_ptr_nonnull(strstr(doc, "<h2>Last exits (newest first)</h2>"));
    ck_assert_ptr_nonnull(strstr(doc, "<tr><td>7</td><td>4243</td>"
                                      "<td>/srv/app.fcgi</td><td>idle</td>"));
    ck_assert_ptr_nonnull(strstr(doc, "<td>&lt;script&gt;&quot;x&quot; "
                                      "&amp; y</td></tr>\n</table>\n"));
    ck_assert_ptr_null(strstr(doc, "<script>"));
}
END_TEST

START_TEST(test_html_draining)
{
    fcgp_status_t st;
    memset(&st, 0, sizeof(st));
    st.draining = 1;
    ck_assert_ptr_nonnull(strstr(fcgp_status_html(pool, &st),
                                 "exits so far; draining.</p>"));
}
END_TEST

static const struct {
    apr_uint32_t state, last;
    const char *name;
} state_cases[] = {
    { FCGP_WORKER_IDLE, 0, "idle" },
    { FCGP_WORKER_IDLE, 1, "idle" },
    { FCGP_WORKER_BUSY, 0, "busy" },
    { FCGP_WORKER_BUSY, 1, "busy (last request)" },
    { FCGP_WORKER_BUSY, 2, "busy (last request: program replaced)" },
    { FCGP_WORKER_IDLE, 2, "idle" },
    { FCGP_WORKER_STOPPING, 1, "stopping" },
    { 77, 0, "?" },
};

START_TEST(test_state_names)
{
    fcgp_status_t st;
    fcgp_status_worker_t w = two_workers[0];
    memset(&st, 0, sizeof(st));
    w.state = state_cases[_i].state;
    w.last_request = state_cases[_i].last;
    st.nworkers = 1;
    st.workers = &w;
    ck_assert_ptr_nonnull(strstr(fcgp_status_json(pool, &st),
                                 apr_psprintf(pool, "\"state\":\"%s\",",
                                              state_cases[_i].name)));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("status_format");
    TCase *tc;

    if (unit_init() != 0) {
        return EXIT_FAILURE;
    }
    tc = tcase_create("format");
    tcase_add_checked_fixture(tc, pool_setup, pool_teardown);
    tcase_add_test(tc, test_json_exact);
    tcase_add_test(tc, test_json_empty);
    tcase_add_test(tc, test_json_escapes);
    tcase_add_test(tc, test_html);
    tcase_add_test(tc, test_html_draining);
    tcase_add_loop_test(tc, test_state_names, 0, N_OF(state_cases));
    suite_add_tcase(s, tc);
    return unit_run(s);
}
