/* test_status_page.c: Check unit tests for handler/status_page.c, the
 * HTML status page: each worker row's state (data-state, class, symbol
 * and word), the busy worker's request, stable row order, escaping of
 * everything that comes from the configuration or the client, the
 * refresh <meta> and its bound, trouble exits and classes marked, the
 * durations written for people, the empty and draining pages.  Fresh APR
 * pool per test (fork mode). */
#include <string.h>
#include <apr_strings.h>
#include <check.h>
#include "t/unit/unit.h"
#include "handler/status_page.h"
#include "pm/pm_types.h"
#include "pm/counters.h"

#define NOW APR_INT64_C(1700000000000000)

static fcgp_status_class_t classes[] = {
    { "/srv/b.fcgi", 1, 0, 100, 1, 0, FCGP_LIMIT_NONE, 0, 0, 0, 0 },
    { "/srv/<a>.fcgi", 3, 2, 3, 1, 500, FCGP_LIMIT_OURS, 0, 0, 0, 7 }
};

static fcgp_status_worker_t workers[] = {
    { 4, 104, "/srv/<a>.fcgi", FCGP_WORKER_STOPPING, 0, 9, 500,
      FCGP_LIMIT_OURS, APR_INT64_C(7200000000), 0, "FcgiProcIdleTimeout",
      "", "", 0, 2500, 0, 0 },
    { 1, 101, "/srv/<a>.fcgi", FCGP_WORKER_BUSY, 0, 5, 500,
      FCGP_LIMIT_OURS, APR_INT64_C(65000000), 0, "", "POST",
      "/<a>.fcgi?x=%3Cscript%3E&y=\"1\"", APR_INT64_C(12300000),
      APR_INT64_C(850000), 99, 2 },
    { 0, 100, "/srv/b.fcgi", FCGP_WORKER_IDLE, 0, 1, 0, FCGP_LIMIT_NONE,
      APR_INT64_C(3000000), APR_INT64_C(2000000), "", "", "", 0, 400, 0, 0 },
    { 2, 102, "/srv/<a>.fcgi", FCGP_WORKER_BUSY, 1, 500, 500,
      FCGP_LIMIT_OURS, APR_INT64_C(100000000000), 0, "", "GET", "/",
      APR_INT64_C(900), 0, 0, 0 }
};

static fcgp_status_exit_t exits[] = {
    { NOW - apr_time_from_sec(5), 90, "/srv/<a>.fcgi", "exit status 3",
      "retired (broken request)", 2, APR_INT64_C(5000) },
    { NOW - apr_time_from_sec(65), 91, "/srv/b.fcgi", "exit status 0",
      "retired (request limit)", 10, apr_time_from_sec(30) },
    { NOW - apr_time_from_sec(70), 92, "/srv/b.fcgi",
      "killed by signal 11 (Segmentation fault)", "unexpected exit", 0,
      apr_time_from_sec(1) }
};

static void snapshot(fcgp_status_t *st)
{
    memset(st, 0, sizeof(*st));
    st->pm_pid = 1234;
    st->processes = 4;
    st->max_processes = 1000;
    st->exits_total = 9;
    st->nclasses = 2;
    st->classes = classes;
    st->nworkers = 4;
    st->workers = workers;
    st->nexits = 3;
    st->exits = exits;
}

static const char *page(int refresh)
{
    fcgp_status_t st;
    snapshot(&st);
    return fcgp_status_page(pool, &st, refresh, NOW);
}

static void has(const char *doc, const char *s)
{
    ck_assert_msg(strstr(doc, s) != NULL, "missing: %s", s);
}

START_TEST(test_worker_rows)
{
    const char *doc = page(0);
    has(doc, "<tr class=\"w w-busy\" data-state=\"busy\" data-pid=\"101\">"
             "<td><span class=\"st st-busy\">\xe2\x97\x8f busy</span></td>");
    has(doc, "<tr class=\"w w-last\" data-state=\"last\" data-pid=\"102\">"
             "<td><span class=\"st st-last\">\xe2\x97\x91 busy, last "
             "request</span></td>");
    has(doc, "<tr class=\"w w-idle\" data-state=\"idle\" data-pid=\"100\">"
             "<td><span class=\"st st-idle\">\xe2\x97\x8b idle</span></td>");
    has(doc, "<tr class=\"w w-stopping\" data-state=\"stopping\" "
             "data-pid=\"104\"><td><span class=\"st st-stopping\">"
             "\xe2\x9c\x95 stopping</span></td>");
    /* the busy worker's request, escaped, how long it runs, its last */
    has(doc, "<td class=\"req\"><code>POST /&lt;a&gt;.fcgi?x=%3Cscript%3E"
             "&amp;y=&quot;1&quot;</code></td><td class=\"n\">12.3 s</td>"
             "<td class=\"n\">850 ms</td>");
    /* requests of the limit, age, idle */
    has(doc, "<td class=\"n\">5 of 500</td><td class=\"n\">1 min 05 s</td>"
             "<td class=\"n\">-</td>");
    has(doc, "<td class=\"n\">1</td><td class=\"n\">3.0 s</td>"
             "<td class=\"n\">2.0 s</td><td class=\"req\"></td>"
             "<td class=\"n\">-</td><td class=\"n\">0.4 ms</td>");
    has(doc, "<td class=\"n\">2 h 00 min</td>");
    has(doc, "<td class=\"n\">1 d 3 h</td>");
    has(doc, "<td class=\"n\">0.9 ms</td>");
    has(doc, "<td>FcgiProcIdleTimeout</td></tr>");
    /* php-cgi's parent mode: the child that serves, its parent, the
     * children before it; nothing of it for other workers */
    has(doc, "<td class=\"n\">101<br><span class=\"muted\">parent 99, 2 "
             "before</span></td>");
    has(doc, "<td class=\"n\">102</td>");
    ck_assert_ptr_null(strstr(doc, "<script>"));
    ck_assert_ptr_null(strstr(doc, "<a>"));
}
END_TEST

/* Classes by name, workers by class and slot: a page that reloads
 * itself does not shuffle. */
START_TEST(test_stable_order)
{
    const char *doc = page(0);
    const char *a = strstr(doc, "data-pid=\"101\"");
    const char *b = strstr(doc, "data-pid=\"102\"");
    const char *c = strstr(doc, "data-pid=\"104\"");
    const char *d = strstr(doc, "data-pid=\"100\"");
    const char *ka = strstr(doc, "<td class=\"cmd\">/srv/&lt;a&gt;.fcgi");
    const char *kb = strstr(doc, "<td class=\"cmd\">/srv/b.fcgi");
    ck_assert(a && b && c && d && ka && kb);
    ck_assert(a < b && b < c && c < d);
    ck_assert(ka < kb);
}
END_TEST

START_TEST(test_classes)
{
    const char *doc = page(0);
    /* waiting, at its maximum, slow requests: marked */
    has(doc, "<tr class=\"c trouble\" data-waiting=\"2\"><td class=\"cmd\">"
             "/srv/&lt;a&gt;.fcgi</td>");
    has(doc, "2 busy, 0 idle, 1 stopping of 3 <span class=\"warn\">"
             "\xe2\x9a\xa0 at FcgiProcMaxProcessesPerClass</span>");
    has(doc, "<span class=\"b\" style=\"width:66%\"></span>"
             "<span class=\"i\" style=\"width:0%\"></span>"
             "<span class=\"s\" style=\"width:33%\"></span>");
    has(doc, "<td>500 (FcgiProcMaxRequestsPerProcess)</td>"
             "<td class=\"n warn\">7</td></tr>");
    has(doc, "<tr class=\"c\" data-waiting=\"0\"><td class=\"cmd\">"
             "/srv/b.fcgi</td>");
    has(doc, "0 busy, 1 idle, 0 stopping of 100</td>");
    has(doc, "<td>none (no limit)</td><td class=\"n\">0</td></tr>");
}
END_TEST

START_TEST(test_summary_and_exits)
{
    const char *doc = page(0);
    has(doc, "<p id=\"summary\">Process manager pid 1234: <b>4</b> "
             "processes of FcgiProcMaxProcesses 1000 (2 busy, 1 idle, 1 "
             "stopping); <span class=\"warn\">2 requests waiting</span>; 7 "
             "slow requests; 9 exits so far, <span class=\"warn\">2 of the "
             "last 3 after trouble");
    has(doc, "<tr class=\"x trouble\"><td class=\"n\">5.0 s ago (2023-11-14 "
             "22:13:15 GMT)</td><td class=\"n\">90</td>");
    has(doc, "<td><span class=\"warn\">\xe2\x9a\xa0</span> retired (broken "
             "request)</td><td>exit status 3</td><td class=\"n\">2</td>"
             "<td class=\"n\">5.0 ms</td></tr>");
    has(doc, "<tr class=\"x\"><td class=\"n\">1 min 05 s ago");
    has(doc, "<td>retired (request limit)</td>");
    has(doc, "<tr class=\"x trouble\"><td class=\"n\">1 min 10 s ago");
    has(doc, "unexpected exit</td><td>killed by signal 11 (Segmentation "
             "fault)</td>");
    ck_assert_ptr_null(strstr(doc, "id=\"draining\""));
}
END_TEST

START_TEST(test_refresh)
{
    const char *doc = page(0);
    ck_assert_ptr_null(strstr(doc, "http-equiv"));
    has(doc, "Reload every <a href=\"?refresh=2\">2 s</a>");
    doc = page(7);
    has(doc, "<meta http-equiv=\"refresh\" content=\"7\">\n");
    has(doc, "This page reloads every 7 s (<a href=\"?\">stop</a>)");
    doc = page(FCGP_STATUS_REFRESH_MAX + 1);
    has(doc, "<meta http-equiv=\"refresh\" content=\"3600\">\n");
    ck_assert_ptr_null(strstr(page(-5), "http-equiv"));
}
END_TEST

START_TEST(test_empty_and_draining)
{
    fcgp_status_t st;
    const char *doc;
    memset(&st, 0, sizeof(st));
    st.pm_pid = 1;
    st.draining = 1;
    doc = fcgp_status_page(pool, &st, 0, NOW);
    has(doc, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset="
             "\"utf-8\">");
    has(doc, "<p class=\"banner\" id=\"draining\">");
    has(doc, "<h2>Applications</h2>\n<p class=\"muted\">None yet");
    has(doc, "<h2>Workers</h2>\n<p class=\"muted\">No worker process now");
    has(doc, "<p class=\"muted\">No worker has exited");
    has(doc, "0 requests waiting</span>; 0 slow requests; 0 exits so far."
             "</p>");
    has(doc, "</body></html>\n");
}
END_TEST

/* The metrics counters: failed requests among the totals (when any), and
 * the counters' table. */
START_TEST(test_failed_and_counters)
{
    fcgp_status_t st;
    fcgp_status_metrics_t m[2];
    const char *doc;
    snapshot(&st);
    memset(m, 0, sizeof(m));
    m[0].command = "";
    m[0].vhost = "";
    m[1].command = "/srv/<a>.fcgi";
    m[1].vhost = "www:80";
    m[0].v[FCGP_CNT_FAIL + 1] = 1;
    m[1].v[FCGP_CNT_FAIL] = 2;
    m[1].v[FCGP_CNT_SLOW] = 7;
    st.nmetrics = 2;
    st.metrics = m;
    doc = fcgp_status_page(pool, &st, 0, NOW);
    has(doc, "7 slow requests; <span class=\"warn\">3 failed requests</span>"
             " (<a href=\"#counters\">counters</a>); 9 exits so far");
    has(doc, "<a id=\"counters\"></a><h2>Counters</h2>");
    has(doc, "<tr><td>/srv/&lt;a&gt;.fcgi</td><td>www:80</td><td>0</td>"
             "<td>0</td><td>2</td><td>0</td><td>7</td>");
    /* none failed: not said */
    ck_assert_ptr_null(strstr(page(0), "failed request"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("status_page");
    TCase *tc = tcase_create("page");

    if (unit_init() != 0) {
        return EXIT_FAILURE;
    }
    tcase_add_checked_fixture(tc, pool_setup, pool_teardown);
    tcase_add_test(tc, test_worker_rows);
    tcase_add_test(tc, test_stable_order);
    tcase_add_test(tc, test_classes);
    tcase_add_test(tc, test_summary_and_exits);
    tcase_add_test(tc, test_failed_and_counters);
    tcase_add_test(tc, test_refresh);
    tcase_add_test(tc, test_empty_and_draining);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
