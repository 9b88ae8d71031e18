/* test_status_format.c: Check unit tests for handler/status_format.c, the
 * status page written from a snapshot (pm/status_data.h): the exact JSON
 * document (the keys and shape t/integration reads), escaping in JSON and
 * HTML, worker state names, and the HTML tables; and mod_status's section
 * (?auto keys, the per-class tables, the one-line summary, lists without
 * tables, the unreachable process manager).  Fresh APR pool per test
 * (fork mode). */
#include <string.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <check.h>
#include "t/unit/unit.h"
#include "handler/status_format.h"
#include "pm/pm_types.h"

static fcgp_status_class_t one_class = {
    "/usr/bin/php-cgi", 2, 1, 100, 1, 3, FCGP_LIMIT_PHP_ENV, 1234567,
    APR_INT64_C(86400000000), 0, 5
};

static fcgp_status_worker_t two_workers[] = {
    { 0, 4242, "/usr/bin/php-cgi", FCGP_WORKER_BUSY, 1, 3, 3,
      FCGP_LIMIT_PHP_ENV, APR_INT64_C(12500000), 0, "", "POST",
      "/x.php?a=\"b\"", APR_INT64_C(2500000), APR_INT64_C(1500), 4240, 2 },
    { 7, 4243, "/srv/app.fcgi", FCGP_WORKER_IDLE, 0, 1, 0, FCGP_LIMIT_NONE,
      APR_INT64_C(5000000), APR_INT64_C(4999999), "", "", "", 0, 0, 0, 0 }
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
    ck_assert_str_eq(fcgp_status_json(pool, &st, NULL),
        "{\"pm_pid\":1234,\"processes\":2,\"max_processes\":1000,"
        "\"exits_total\":7,\"draining\":false,"
        "\"classes\":[{\"class\":\"/usr/bin/php-cgi\",\"processes\":2,"
        "\"waiting\":1,\"max\":100,\"min\":1,\"limit\":3,\"limit_source\":"
        "\"PHP_FCGI_MAX_REQUESTS in FcgiProcInitialEnv\","
        "\"program_inode\":1234567,"
        "\"program_mtime\":\"Fri, 02 Jan 1970 00:00:00 GMT\","
        "\"replaced\":\"\",\"slow_requests\":5}],"
        "\"workers\":[{\"slot\":0,\"pid\":4242,\"class\":\"/usr/bin/php-cgi\","
        "\"state\":\"busy (last request)\",\"requests\":3,\"limit\":3,"
        "\"limit_source\":\"PHP_FCGI_MAX_REQUESTS in FcgiProcInitialEnv\","
        "\"age_s\":12,\"idle_s\":0,\"reason\":\"\",\"parent_pid\":4240,"
        "\"renewals\":2},"
        "{\"slot\":7,\"pid\":4243,\"class\":\"/srv/app.fcgi\","
        "\"state\":\"idle\",\"requests\":1,\"limit\":0,"
        "\"limit_source\":\"no limit\",\"age_s\":5,\"idle_s\":4,"
        "\"reason\":\"\",\"parent_pid\":0,\"renewals\":0}],"
        "\"recent_exits\":[{\"time\":\"Thu, 01 Jan 1970 00:00:01 GMT\","
        "\"pid\":99,\"class\":\"/usr/bin/php-cgi\",\"exit\":\"exit status 0\","
        "\"requests\":3,\"up_s\":5,\"reason\":\"retired (request limit)\"}],"
        "\"counters_since\":0,\"classes_total\":0,\"metrics\":[]}\n");
}
END_TEST

/* ?json&full: the same, and each worker's current request (null when it
 * has none) and its last request's time. */
START_TEST(test_json_full)
{
    fcgp_status_t st;
    const char *doc;
    snapshot(&st);
    doc = fcgp_status_json_full(pool, &st, NULL);
    ck_assert_ptr_nonnull(strstr(doc,
        "\"age_s\":12,\"idle_s\":0,\"reason\":\"\",\"parent_pid\":4240,\"renewals\":2,\"request_method\":"
        "\"POST\",\"request_uri\":\"/x.php?a=\\\"b\\\"\","
        "\"request_ms\":2500,\"last_request_ms\":1}"));
    ck_assert_ptr_nonnull(strstr(doc,
        "\"age_s\":5,\"idle_s\":4,\"reason\":\"\",\"parent_pid\":0,\"renewals\":0,\"request_method\":null,"
        "\"request_uri\":null,\"request_ms\":null,"
        "\"last_request_ms\":null}"));
    /* without full: none of these keys */
    ck_assert_ptr_null(strstr(fcgp_status_json(pool, &st, NULL), "request_"));
}
END_TEST

START_TEST(test_json_empty)
{
    fcgp_status_t st;
    memset(&st, 0, sizeof(st));
    st.pm_pid = 1;
    st.draining = 1;
    ck_assert_str_eq(fcgp_status_json(pool, &st, NULL),
        "{\"pm_pid\":1,\"processes\":0,\"max_processes\":0,"
        "\"exits_total\":0,\"draining\":true,\"classes\":[],\"workers\":[],"
        "\"recent_exits\":[],\"counters_since\":0,\"classes_total\":0,"
        "\"metrics\":[]}\n");
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
    doc = fcgp_status_json(pool, &st, NULL);
    ck_assert_ptr_nonnull(strstr(doc, "{\"class\":\"a\\\"b\\\\c\\u000ad\\u0001"
                                      "<e>&\xc3\xa9\",\"processes\":2,"));
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
    ck_assert_ptr_nonnull(strstr(fcgp_status_json(pool, &st, NULL),
                                 apr_psprintf(pool, "\"state\":\"%s\",",
                                              state_cases[_i].name)));
}
END_TEST

START_TEST(test_json_stopping_reason)
{
    fcgp_status_t st;
    fcgp_status_worker_t w = two_workers[1];
    memset(&st, 0, sizeof(st));
    w.state = FCGP_WORKER_STOPPING;
    w.reason = "idle \"timeout\"";
    st.nworkers = 1;
    st.workers = &w;
    ck_assert_ptr_nonnull(strstr(fcgp_status_json(pool, &st, NULL),
                                 "\"state\":\"stopping\",\"requests\":1,"));
    ck_assert_ptr_nonnull(strstr(fcgp_status_json(pool, &st, NULL),
                                 "\"reason\":\"idle \\\"timeout\\\"\","));
    /* not stopping: no reason, whatever the field holds */
    w.state = FCGP_WORKER_IDLE;
    ck_assert_ptr_nonnull(strstr(fcgp_status_json(pool, &st, NULL),
                                 "\"reason\":\"\","));
}
END_TEST

/* ---- the counters: ?metrics, ?json's "metrics", the page's table ------ */

static const char *const fail_names[] = {
    "none", "body_too_large", "queue_timeout", NULL
};

/* Row 0: one 404 of no known class; row 1: a class this PM runs, with
 * gauges and counters; row 2: "(other)", not run by this PM. */
static void metrics_snapshot(fcgp_status_t *st, fcgp_fmt_t *f)
{
    static fcgp_status_metrics_t rows[3];
    fcgp_status_metrics_t *m;

    memset(rows, 0, sizeof(rows));
    snapshot(st);
    st->counters_since = apr_time_from_sec(1000);
    st->classes_total = 105;
    st->nmetrics = 3;
    st->metrics = rows;
    rows[0].command = rows[0].vhost = "";
    rows[0].since = apr_time_from_sec(1000);
    rows[0].v[fcgp_cnt_status_id(404)] = 1;
    m = &rows[1];
    m->command = "/usr/bin/php-cgi";
    m->vhost = "www:80";
    m->since = apr_time_from_sec(1001) + 500000;
    m->classes = 1;
    m->known = 1;
    m->idle = 2;
    m->active = 3;
    m->leaving = 1;
    m->stopping = 4;
    m->waiting = 6;
    m->max_procs = 5;
    m->limit = 500;
    m->learned_limit = 499;
    m->backoff = apr_time_from_msec(2500);
    m->v[FCGP_CNT_ACCEPTED] = 42;
    m->v[fcgp_cnt_status_id(200)] = 40;
    m->v[fcgp_cnt_status_id(503)] = 2;
    m->v[fcgp_cnt_status_id(299)] = 7;
    m->v[FCGP_CNT_FAIL + 2] = 2;
    m->v[FCGP_CNT_EXIT + FCGP_EXIT_LIMIT] = 9;
    m->v[FCGP_CNT_MAX_ACTIVE] = 5;
    m->v[FCGP_CNT_MAX_WAITING] = 8;
    m->v[FCGP_CNT_SPAWNS] = 12;
    m->v[fcgp_cnt_wait_id(0)] = 30;
    m->v[fcgp_cnt_wait_id(apr_time_from_msec(300))] = 10;
    m->v[fcgp_cnt_wait_id(apr_time_from_sec(100))] = 2;
    m->v[FCGP_CNT_WAIT_SUM_US] = 206000000;
    rows[2].command = rows[2].vhost = FCGP_METRICS_OTHER;
    rows[2].since = apr_time_from_sec(2000);
    rows[2].classes = 5;
    rows[2].v[FCGP_CNT_ACCEPTED] = 5;
    memset(f, 0, sizeof(*f));
    f->fail_names = fail_names;
    f->now = apr_time_from_sec(1100);
}

#define PHP "{command=\"/usr/bin/php-cgi\",vhost=\"www:80\"}"
#define OTHER "{command=\"(other)\",vhost=\"(other)\"}"

START_TEST(test_metrics_samples)
{
    static const char *const want[] = {
        "fcgiproc_up 1\n",
        "fcgiproc_start_time_seconds 1000.000000\n",
        "fcgiproc_start_since_seconds 100.000000\n",
        "fcgiproc_draining 0\n",
        "fcgiproc_server_max_processes 1000\n",
        "fcgiproc_server_processes 10\n",
        "fcgiproc_classes 105\n",
        "fcgiproc_class_start_time_seconds" PHP " 1001.500000\n",
        "fcgiproc_requests_total{command=\"\",vhost=\"\",code=\"404\"} 1\n",
        "fcgiproc_requests_total{command=\"/usr/bin/php-cgi\",vhost=\"www:80\","
        "code=\"200\"} 40\n",
        "code=\"503\"} 2\n",
        "code=\"2xx\"} 7\n",
        "fcgiproc_failures_total{command=\"/usr/bin/php-cgi\",vhost=\"www:80\","
        "cause=\"queue_timeout\"} 2\n",
        "fcgiproc_accepted_connections_total" PHP " 42\n",
        "fcgiproc_accepted_connections_total" OTHER " 5\n",
        "fcgiproc_listen_queue" PHP " 6\n",
        "fcgiproc_max_listen_queue" PHP " 8\n",
        "fcgiproc_idle_processes" PHP " 2\n",
        "fcgiproc_active_processes" PHP " 3\n",
        "fcgiproc_total_processes" PHP " 5\n",
        "fcgiproc_leaving_processes" PHP " 1\n",
        "fcgiproc_stopping_processes" PHP " 4\n",
        "fcgiproc_max_processes" PHP " 5\n",
        "fcgiproc_max_active_processes" PHP " 5\n",
        "fcgiproc_spawns_total" PHP " 12\n",
        "fcgiproc_worker_exits_total{command=\"/usr/bin/php-cgi\",vhost=\"www:80"
        "\",reason=\"limit\"} 9\n",
        "reason=\"crash\"} 0\n",
        "fcgiproc_backoff_seconds" PHP " 2.500000\n",
        "fcgiproc_request_limit" PHP " 500\n",
        "fcgiproc_learned_request_limit" PHP " 499\n",
        "fcgiproc_queue_wait_seconds_bucket{command=\"/usr/bin/php-cgi\",vhost="
        "\"www:80\",le=\"0.001\"} 30\n",
        "le=\"0.25\"} 30\n",
        "le=\"0.5\"} 40\n",
        "le=\"60\"} 40\n",
        "le=\"+Inf\"} 42\n",
        "fcgiproc_queue_wait_seconds_sum" PHP " 206.000000\n",
        "fcgiproc_queue_wait_seconds_count" PHP " 42\n",
        "# HELP fcgiproc_requests_total ",
        "# TYPE fcgiproc_requests_total counter\n",
        "# TYPE fcgiproc_queue_wait_seconds histogram\n",
        "# TYPE fcgiproc_idle_processes gauge\n"
    };
    fcgp_status_t st;
    fcgp_fmt_t f;
    const char *doc;
    int k;

    metrics_snapshot(&st, &f);
    doc = fcgp_status_metrics(pool, &st, &f);
    for (k = 0; k < N_OF(want); k++) {
        ck_assert_msg(strstr(doc, want[k]) != NULL, "no %s in\n%s", want[k],
                      doc);
    }
    /* gauges only for classes this PM runs; no "none" cause; row 0 has
     * only requests and failures */
    ck_assert_ptr_null(strstr(doc, "fcgiproc_idle_processes" OTHER));
    ck_assert_ptr_nonnull(strstr(doc, "fcgiproc_listen_queue" OTHER " 0\n"));
    ck_assert_ptr_null(strstr(doc, "cause=\"none\""));
    ck_assert_ptr_null(strstr(doc, "fcgiproc_accepted_connections_total{"
                                   "command=\"\""));
    ck_assert_ptr_null(strstr(doc, "code=\"201\""));
    ck_assert_ptr_null(strstr(doc, "cause=\"body_too_large\""));
}
END_TEST

/* The exposition's grammar, as a parser sees it: every family has HELP
 * then TYPE, once; every sample belongs to the family above it (a
 * histogram's to its _bucket, _sum and _count); names and label names
 * are [a-z_]; values are numbers. */
START_TEST(test_metrics_grammar)
{
    fcgp_status_t st;
    fcgp_fmt_t f;
    char *doc, *line, *save = NULL;
    char fam[128] = "", help[128] = "";
    apr_hash_t *seen = apr_hash_make(pool);
    int nfam = 0, nsample = 0;

    metrics_snapshot(&st, &f);
    doc = apr_pstrdup(pool, fcgp_status_metrics(pool, &st, &f));
    ck_assert(doc[strlen(doc) - 1] == '\n');
    for (line = strtok_r(doc, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char name[128], type[32];
        if (sscanf(line, "# HELP %127s", help) == 1) {
            ck_assert_msg(!apr_hash_get(seen, help, APR_HASH_KEY_STRING),
                          "%s twice", help);
            apr_hash_set(seen, apr_pstrdup(pool, help), APR_HASH_KEY_STRING,
                         "");
            continue;
        }
        if (sscanf(line, "# TYPE %127s %31s", fam, type) == 2) {
            ck_assert_str_eq(fam, help);
            ck_assert(strcmp(type, "gauge") == 0
                      || strcmp(type, "counter") == 0
                      || strcmp(type, "histogram") == 0);
            ck_assert(strcmp(type, "counter") != 0
                      || strstr(fam, "_total") == fam + strlen(fam) - 6);
            nfam++;
            continue;
        }
        ck_assert_msg(line[0] != '#', "%s", line);
        ck_assert_int_eq(sscanf(line, "%127[a-z_]", name), 1);
        ck_assert_msg(strcmp(name, fam) == 0
                      || (strncmp(name, fam, strlen(fam)) == 0
                          && (strcmp(name + strlen(fam), "_bucket") == 0
                              || strcmp(name + strlen(fam), "_sum") == 0
                              || strcmp(name + strlen(fam), "_count") == 0)),
                      "%s under %s", line, fam);
        ck_assert_msg(strspn(strrchr(line, ' ') + 1, "0123456789.")
                      == strlen(strrchr(line, ' ') + 1), "%s", line);
        nsample++;
    }
    ck_assert_int_ge(nfam, 30);
    ck_assert_int_ge(nsample, 80);
}
END_TEST

START_TEST(test_metrics_unreachable)
{
    ck_assert_str_eq(fcgp_status_metrics(pool, NULL, NULL),
        "# HELP fcgiproc_up 1: the process manager answered and the figures "
        "below are its; 0: it could not be reached.\n"
        "# TYPE fcgiproc_up gauge\nfcgiproc_up 0\n");
}
END_TEST

START_TEST(test_metrics_label_escapes)
{
    fcgp_status_t st;
    fcgp_fmt_t f;
    metrics_snapshot(&st, &f);
    st.metrics[1].command = "/a \"b\" \\c\nd";
    st.metrics[1].vhost = "\xc3\xa9:80";
    ck_assert_ptr_nonnull(strstr(fcgp_status_metrics(pool, &st, &f),
        "fcgiproc_spawns_total{command=\"/a \\\"b\\\" \\\\c\\nd\","
        "vhost=\"\xc3\xa9:80\"} 12\n"));
}
END_TEST

START_TEST(test_metrics_json)
{
    fcgp_status_t st;
    fcgp_fmt_t f;
    const char *doc;
    metrics_snapshot(&st, &f);
    doc = fcgp_status_json(pool, &st, &f);
    ck_assert_msg(strstr(doc,
        ",\"counters_since\":1000,\"classes_total\":105,\"metrics\":["
        "{\"command\":\"\",\"vhost\":\"\",\"since\":1000,\"classes\":0,"
        "\"known\":false,") != NULL, "%s", doc);
    ck_assert_msg(strstr(doc,
        "{\"command\":\"/usr/bin/php-cgi\",\"vhost\":\"www:80\","
        "\"since\":1001,\"classes\":1,\"known\":true,\"idle_processes\":2,"
        "\"active_processes\":3,\"total_processes\":5,"
        "\"leaving_processes\":1,\"stopping_processes\":4,"
        "\"max_processes\":5,\"listen_queue\":6,\"max_listen_queue\":8,"
        "\"max_active_processes\":5,\"request_limit\":500,"
        "\"learned_request_limit\":499,\"backoff_seconds\":2.500000,"
        "\"accepted_connections\":42,\"retries\":0,\"slow_requests\":0,"
        "\"max_children_reached\":0,\"spawns\":12,\"spawn_failures\":0,"
        "\"worker_kills\":0,\"backoffs\":0,"
        "\"requests\":{\"200\":40,\"503\":2,\"2xx\":7},"
        "\"failures\":{\"queue_timeout\":2},"
        "\"worker_exits\":{\"limit\":9},"
        "\"queue_wait\":{\"buckets\":{\"0.001\":30,\"0.005\":30,") != NULL,
        "%s", doc);
    ck_assert_ptr_nonnull(strstr(doc, "\"60\":40,\"+Inf\":42},"
                                      "\"sum_seconds\":206.000000,"
                                      "\"count\":42}}"));
    ck_assert_ptr_nonnull(strstr(doc, "\"requests\":{\"404\":1}"));
}
END_TEST

START_TEST(test_metrics_html)
{
    fcgp_status_t st;
    fcgp_fmt_t f;
    const char *doc;
    metrics_snapshot(&st, &f);
    st.metrics[1].command = "<php>";
    doc = fcgp_status_counters_html(pool, &st);
    ck_assert_ptr_nonnull(strstr(doc, "<h2>Counters</h2>\n<p>Since Thu, 01 "
                                      "Jan 1970 00:16:40 GMT"));
    ck_assert_ptr_nonnull(strstr(doc, "<tr><td>(no class)</td><td></td>"
                                      "<td>1</td><td>0</td>"));
    ck_assert_msg(strstr(doc, "<tr><td>&lt;php&gt;</td><td>www:80</td>"
                              "<td>49</td><td>2</td><td>2</td><td>0</td>"
                              "<td>0</td><td>12</td><td>0</td><td>9</td>"
                              "<td>5</td><td>8</td></tr>") != NULL, "%s", doc);
}
END_TEST

/* ---- mod_status's section --------------------------------------------- */

#define EXT FCGP_SECTION_EXTENDED

START_TEST(test_section_short_exact)
{
    fcgp_status_t st;
    snapshot(&st);
    ck_assert_str_eq(fcgp_status_section(pool, &st, NULL,
                                         FCGP_SECTION_SHORT | EXT),
        "FcgiProcManagerUp: 1\n"
        "FcgiProcProcesses: 2\n"
        "FcgiProcBusy: 1\n"
        "FcgiProcIdle: 1\n"
        "FcgiProcStopping: 0\n"
        "FcgiProcClasses: 1\n"
        "FcgiProcWaiting: 1\n"
        "FcgiProcRequests: 4\n"
        "FcgiProcExits: 7\n"
        "FcgiProcMaxProcesses: 1000\n"
        "FcgiProcDraining: 0\n");
    /* the same without ExtendedStatus */
    ck_assert_str_eq(fcgp_status_section(pool, &st, NULL,
                                         FCGP_SECTION_SHORT),
                     fcgp_status_section(pool, &st, NULL,
                                         FCGP_SECTION_SHORT | EXT));
}
END_TEST

START_TEST(test_section_short_counts)
{
    fcgp_status_t st;
    fcgp_status_worker_t w[4];
    fcgp_status_class_t c[2] = { one_class, one_class };
    int i;
    memset(&st, 0, sizeof(st));
    for (i = 0; i < 4; i++) {
        w[i] = two_workers[1];
        w[i].requests = 10u * (apr_uint32_t)(i + 1);
    }
    w[0].state = FCGP_WORKER_BUSY;
    w[3].state = FCGP_WORKER_STOPPING;
    c[1].waiting = 4;
    st.nworkers = 4;
    st.workers = w;
    st.nclasses = 2;
    st.classes = c;
    st.draining = 1;
    ck_assert_str_eq(fcgp_status_section(pool, &st, NULL,
                                         FCGP_SECTION_SHORT),
        "FcgiProcManagerUp: 1\n"
        "FcgiProcProcesses: 4\n"
        "FcgiProcBusy: 1\n"
        "FcgiProcIdle: 2\n"
        "FcgiProcStopping: 1\n"
        "FcgiProcClasses: 2\n"
        "FcgiProcWaiting: 5\n"
        "FcgiProcRequests: 100\n"
        "FcgiProcExits: 0\n"
        "FcgiProcMaxProcesses: 0\n"
        "FcgiProcDraining: 1\n");
}
END_TEST

static const char *must_have(const char *doc, const char *what)
{
    const char *at = strstr(doc, what);
    ck_assert_msg(at != NULL, "no \"%s\" in:\n%s", what, doc);
    return at;
}

START_TEST(test_section_extended)
{
    fcgp_status_t st;
    const char *doc;
    snapshot(&st);
    doc = fcgp_status_section(pool, &st, NULL, EXT);
    must_have(doc, "<hr />\n<h1>mod_fcgiproc status</h1>\n"
                   "<p>Total FastCGI processes: 2 (1 busy, 1 idle, 0 "
                   "stopping) in 1 class, 1 request waiting; "
                   "FcgiProcMaxProcesses 1000. They have served 4 requests; "
                   "7 processes exited since the process manager (pid 1234) "
                   "started.</p>\n");
    /* sorted by name: /srv/app.fcgi (not in the class list) first */
    ck_assert(must_have(doc, "<h2>/srv/app.fcgi</h2>\n<table")
              < must_have(doc, "<h2>/usr/bin/php-cgi</h2>\n"
                          "<p>2 processes "
                          "(FcgiProcMaxProcessesPerClass 100, "
                          "FcgiProcMinProcessesPerClass 1), 1 "
                          "request waiting; request limit 3 "
                          "(PHP_FCGI_MAX_REQUESTS in "
                          "FcgiProcInitialEnv).</p>\n"));
    must_have(doc, "<table border=\"0\"><tr><th>Pid</th><th>State</th>"
                   "<th>Requests</th><th>Limit</th><th>Age (s)</th>"
                   "<th>Idle (s)</th></tr>\n");
    must_have(doc, "<tr><td>4242</td><td>busy (last request)</td><td>3</td>"
                   "<td>3</td><td>12</td><td>-</td></tr>\n</table>\n");
    must_have(doc, "<tr><td>4243</td><td>idle</td><td>1</td><td>none</td>"
                   "<td>5</td><td>4</td></tr>\n</table>\n");
    ck_assert_ptr_null(strstr(doc, "<ul>"));
}
END_TEST

START_TEST(test_section_stopping_and_empty_class)
{
    fcgp_status_t st;
    fcgp_status_worker_t w = two_workers[1];
    fcgp_status_class_t c[2] = { one_class, one_class };
    const char *doc;
    memset(&st, 0, sizeof(st));
    w.state = FCGP_WORKER_STOPPING;
    w.reason = "idle timeout";
    w.cls = "/usr/bin/php-cgi";
    c[1].name = "/bin/idle-app (b:80)";
    c[1].processes = 0;
    st.nworkers = 1;
    st.workers = &w;
    st.nclasses = 2;
    st.classes = c;
    doc = fcgp_status_section(pool, &st, NULL, EXT);
    must_have(doc, "<tr><td>4243</td><td>stopping (idle timeout)</td><td>1"
                   "</td><td>none</td><td>5</td><td>-</td></tr>");
    must_have(doc, "<h2>/bin/idle-app (b:80)</h2>\n<p>0 processes "
                   "(FcgiProcMaxProcessesPerClass 100");
    must_have(doc, "</p>\n<p>No process now.</p>\n");
}
END_TEST

/* Two classes of one name (command line and virtual host; the
 * environments differ): one heading, a line for each, their processes in
 * one table. */
START_TEST(test_section_same_name)
{
    fcgp_status_t st;
    fcgp_status_class_t c[2] = { one_class, one_class };
    const char *doc, *h;
    snapshot(&st);
    c[1].max_procs = 7;
    st.nclasses = 2;
    st.classes = c;
    doc = fcgp_status_section(pool, &st, NULL, EXT);
    h = must_have(doc, "<h2>/usr/bin/php-cgi</h2>\n");
    ck_assert_ptr_null(strstr(h + 1, "<h2>/usr/bin/php-cgi</h2>"));
    must_have(h, "(FcgiProcMaxProcessesPerClass 100,");
    must_have(h, "(FcgiProcMaxProcessesPerClass 7,");
}
END_TEST

START_TEST(test_section_escapes)
{
    fcgp_status_t st;
    fcgp_status_class_t c = one_class;
    fcgp_status_worker_t w = two_workers[0];
    const char *doc;
    memset(&st, 0, sizeof(st));
    c.name = "/srv/<script>a&b\"c'.fcgi (<vhost>:80)";
    w.cls = c.name;
    w.state = FCGP_WORKER_STOPPING;
    w.reason = "<b>why</b>";
    st.nclasses = 1;
    st.classes = &c;
    st.nworkers = 1;
    st.workers = &w;
    doc = fcgp_status_section(pool, &st, NULL, EXT);
    must_have(doc, "<h2>/srv/&lt;script&gt;a&amp;b&quot;c'.fcgi "
                   "(&lt;vhost&gt;:80)</h2>");
    must_have(doc, "<td>stopping (&lt;b&gt;why&lt;/b&gt;)</td>");
    ck_assert_ptr_null(strstr(doc, "<script>"));
    ck_assert_ptr_null(strstr(doc, "<vhost>"));
    ck_assert_ptr_null(strstr(doc, "<b>why"));
    doc = fcgp_status_section(pool, &st, NULL, EXT | FCGP_SECTION_NOTABLE);
    ck_assert_ptr_null(strstr(doc, "<script>"));
    ck_assert_ptr_null(strstr(doc, "<b>why"));
}
END_TEST

START_TEST(test_section_summary)
{
    fcgp_status_t st;
    snapshot(&st);
    ck_assert_str_eq(fcgp_status_section(pool, &st, NULL, 0),
        "<hr />\n<p>mod_fcgiproc: FastCGI processes: 2 (1 busy, 1 idle, 0 "
        "stopping) in 1 class, 1 request waiting. <code>ExtendedStatus "
        "On</code> lists every process.</p>\n");
}
END_TEST

START_TEST(test_section_notable)
{
    fcgp_status_t st;
    const char *doc;
    snapshot(&st);
    doc = fcgp_status_section(pool, &st, NULL, EXT | FCGP_SECTION_NOTABLE);
    ck_assert_ptr_null(strstr(doc, "<table"));
    must_have(doc, "<ul>\n<li>pid 4242: busy (last request), 3 requests "
                   "(limit 3), age 12 s, idle - s</li>\n</ul>\n");
    must_have(doc, "<li>pid 4243: idle, 1 requests (limit none), age 5 s, "
                   "idle 4 s</li>");
}
END_TEST

START_TEST(test_section_unreachable)
{
    ck_assert_str_eq(fcgp_status_section(pool, NULL, "cannot connect to "
                                         "/run/<x>&y", EXT),
        "<hr />\n<p>mod_fcgiproc: the process manager cannot be reached "
        "(cannot connect to /run/&lt;x&gt;&amp;y).</p>\n");
    ck_assert_str_eq(fcgp_status_section(pool, NULL, NULL, 0),
        "<hr />\n<p>mod_fcgiproc: the process manager cannot be reached "
        "(no answer).</p>\n");
    ck_assert_str_eq(fcgp_status_section(pool, NULL, "x",
                                         FCGP_SECTION_SHORT | EXT),
                     "FcgiProcManagerUp: 0\n");
}
END_TEST

START_TEST(test_section_empty)
{
    fcgp_status_t st;
    const char *doc;
    memset(&st, 0, sizeof(st));
    doc = fcgp_status_section(pool, &st, NULL, EXT);
    must_have(doc, "Total FastCGI processes: 0 (0 busy, 0 idle, 0 stopping)"
                   " in 0 classes, 0 requests waiting;");
    ck_assert_ptr_null(strstr(doc, "<h2>"));
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
    tcase_add_test(tc, test_json_full);
    tcase_add_test(tc, test_json_empty);
    tcase_add_test(tc, test_json_escapes);
    tcase_add_loop_test(tc, test_state_names, 0, N_OF(state_cases));
    tcase_add_test(tc, test_json_stopping_reason);
    tcase_add_test(tc, test_metrics_samples);
    tcase_add_test(tc, test_metrics_grammar);
    tcase_add_test(tc, test_metrics_unreachable);
    tcase_add_test(tc, test_metrics_label_escapes);
    tcase_add_test(tc, test_metrics_json);
    tcase_add_test(tc, test_metrics_html);
    tcase_add_test(tc, test_section_short_exact);
    tcase_add_test(tc, test_section_short_counts);
    tcase_add_test(tc, test_section_extended);
    tcase_add_test(tc, test_section_stopping_and_empty_class);
    tcase_add_test(tc, test_section_same_name);
    tcase_add_test(tc, test_section_escapes);
    tcase_add_test(tc, test_section_summary);
    tcase_add_test(tc, test_section_notable);
    tcase_add_test(tc, test_section_unreachable);
    tcase_add_test(tc, test_section_empty);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
