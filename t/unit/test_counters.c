/* test_counters.c: Check unit tests for pm/counters.c, the names of the
 * worker table's counters: the status slots (own codes, hundreds,
 * "other"), the queue-wait buckets and their bounds, the exit reasons and
 * the mapping from every reason the policy (pm/policy.c) retires a worker
 * for; and the atomic helpers (a high-water mark only rises, a count
 * never goes below 0). */
#include <string.h>
#include <apr_strings.h>
#include <check.h>
#include "t/unit/unit.h"
#include "pm/counters.h"
#include "pm/policy.h"

START_TEST(test_status_ids)
{
    static const struct {
        int status;
        const char *label;
    } cases[] = {
        {200, "200"}, {304, "304"}, {404, "404"}, {413, "413"},
        {502, "502"}, {503, "503"}, {504, "504"}, {100, "1xx"},
        {299, "2xx"}, {399, "3xx"}, {418, "4xx"}, {599, "5xx"},
        {99, "other"}, {600, "other"}, {0, "other"}, {-1, "other"}
    };
    int k;
    for (k = 0; k < N_OF(cases); k++) {
        unsigned id = fcgp_cnt_status_id(cases[k].status);
        ck_assert_uint_ge(id, FCGP_CNT_STATUS);
        ck_assert_uint_lt(id, FCGP_CNT_STATUS + FCGP_CNT_NSTATUS);
        ck_assert_str_eq(fcgp_cnt_status_label(id - FCGP_CNT_STATUS),
                         cases[k].label);
    }
}
END_TEST

/* Every slot has a distinct label, and a code's slot is its own. */
START_TEST(test_status_labels_distinct)
{
    unsigned a, b;
    for (a = 0; a < FCGP_CNT_NSTATUS; a++) {
        const char *l = fcgp_cnt_status_label(a);
        if (l[1] != 'x' && strcmp(l, "other") != 0) {
            ck_assert_uint_eq(fcgp_cnt_status_id(atoi(l)),
                              FCGP_CNT_STATUS + a);
        }
        for (b = a + 1; b < FCGP_CNT_NSTATUS; b++) {
            ck_assert_str_ne(l, fcgp_cnt_status_label(b));
        }
    }
}
END_TEST

/* A wait lands in the first bucket whose bound holds it. */
START_TEST(test_wait_buckets)
{
    unsigned k;
    ck_assert_uint_eq(fcgp_cnt_wait_id(0), FCGP_CNT_WAIT);
    ck_assert_uint_eq(fcgp_cnt_wait_id(1000), FCGP_CNT_WAIT);
    ck_assert_uint_eq(fcgp_cnt_wait_id(1001), FCGP_CNT_WAIT + 1);
    ck_assert_uint_eq(fcgp_cnt_wait_id(apr_time_from_sec(3600)),
                      FCGP_CNT_WAIT + FCGP_CNT_NBUCKETS - 1);
    ck_assert_str_eq(fcgp_cnt_wait_label(FCGP_CNT_NBUCKETS - 1), "+Inf");
    ck_assert_int_eq(fcgp_cnt_wait_bound(FCGP_CNT_NBUCKETS - 1), -1);
    for (k = 0; k + 1 < FCGP_CNT_NBUCKETS; k++) {
        apr_interval_time_t b = fcgp_cnt_wait_bound(k);
        /* the label is the bound in seconds */
        ck_assert_msg((apr_int64_t)(atof(fcgp_cnt_wait_label(k)) * 1e6
                                    + 0.5) == b,
                      "bucket %u: %s vs %" APR_INT64_T_FMT, k,
                      fcgp_cnt_wait_label(k), b);
        ck_assert_uint_eq(fcgp_cnt_wait_id(b), FCGP_CNT_WAIT + k);
        ck_assert_uint_eq(fcgp_cnt_wait_id(b + 1), FCGP_CNT_WAIT + k + 1);
        if (k) {
            ck_assert_int_gt(b, fcgp_cnt_wait_bound(k - 1));
        }
    }
}
END_TEST

START_TEST(test_observe_wait)
{
    fcgp_counters_t c;
    memset(&c, 0, sizeof(c));
    fcgp_cnt_observe_wait(&c, 700);
    fcgp_cnt_observe_wait(&c, apr_time_from_msec(300));
    fcgp_cnt_observe_wait(&c, -5);         /* the clock stepped back */
    ck_assert_uint_eq(c.v[FCGP_CNT_WAIT], 2);
    ck_assert_uint_eq(c.v[fcgp_cnt_wait_id(apr_time_from_msec(300))], 1);
    ck_assert_uint_eq(c.v[FCGP_CNT_WAIT_SUM_US], 300700);
}
END_TEST

/* Every reason fcgp_policy_retire gives (and pm_main.c's) is counted
 * under its own exit reason, never "other". */
START_TEST(test_exit_reasons_of_policy)
{
    static const struct {
        int returned, outcome, draining, last, superseded;
        apr_uint32_t served, limit;
        apr_time_t started, last_used;
        apr_interval_time_t lifetime, idle_timeout;
        fcgp_exit_reason_e want;
    } cases[] = {
        {1, FCGP_OUT_TIMEOUT, 0, 0, 0, 1, 0, 0, 0, 0, 0, FCGP_EXIT_TIMEOUT},
        {1, FCGP_OUT_BROKEN, 0, 0, 0, 1, 0, 0, 0, 0, 0, FCGP_EXIT_BROKEN},
        {0, FCGP_OUT_OK, 1, 0, 0, 1, 0, 0, 0, 0, 0, FCGP_EXIT_GRACEFUL},
        {0, FCGP_OUT_OK, 2, 0, 0, 1, 0, 0, 0, 0, 0, FCGP_EXIT_GRACEFUL},
        {1, FCGP_OUT_OK, 0, 1, 0, 3, 3, 0, 0, 0, 0, FCGP_EXIT_LIMIT},
        {1, FCGP_OUT_OK, 0, 0, 0, 5, 0, 0, 0, 10, 0, FCGP_EXIT_LIFETIME},
        {0, FCGP_OUT_OK, 0, 0, 0, 5, 0, 90, 90, 0, 5, FCGP_EXIT_IDLE},
        {1, FCGP_OUT_OK, 0, 0, 1, 1, 3, 0, 0, 0, 0, FCGP_EXIT_SUPERSEDED}
    };
    int k;
    for (k = 0; k < N_OF(cases); k++) {
        fcgp_worker_facts_t f;
        const char *why;
        memset(&f, 0, sizeof(f));
        f.returned = cases[k].returned;
        f.outcome = cases[k].outcome;
        f.draining = cases[k].draining;
        f.last = cases[k].last;
        f.superseded = cases[k].superseded;
        f.served = cases[k].served;
        f.limit = cases[k].limit;
        f.now = 100;
        f.started = cases[k].started;
        f.last_used = cases[k].last_used;
        f.class_live = 2;
        f.lifetime = cases[k].lifetime;
        f.idle_timeout = cases[k].idle_timeout;
        why = fcgp_policy_retire(&f);
        ck_assert_msg(why != NULL, "case %d keeps the worker", k);
        ck_assert_msg(fcgp_cnt_exit_reason(why) == cases[k].want,
                      "case %d: \"%s\" counted as %s", k, why,
                      fcgp_cnt_exit_label(fcgp_cnt_exit_reason(why)));
    }
    ck_assert_int_eq(fcgp_cnt_exit_reason("httpd is gone"),
                     FCGP_EXIT_GRACEFUL);
    ck_assert_int_eq(fcgp_cnt_exit_reason("a larger pool took its place"),
                     FCGP_EXIT_GROWN);
    ck_assert_int_eq(fcgp_cnt_exit_reason("something new"), FCGP_EXIT_OTHER);
    ck_assert_int_eq(fcgp_cnt_exit_reason(NULL), FCGP_EXIT_OTHER);
}
END_TEST

START_TEST(test_exit_labels)
{
    unsigned a, b;
    for (a = 0; a < FCGP_EXIT_N; a++) {
        ck_assert_ptr_nonnull(fcgp_cnt_exit_label(a));
        for (b = a + 1; b < FCGP_EXIT_N; b++) {
            ck_assert_str_ne(fcgp_cnt_exit_label(a), fcgp_cnt_exit_label(b));
        }
    }
    ck_assert_str_eq(fcgp_cnt_exit_label(FCGP_EXIT_N + 3), "other");
}
END_TEST

START_TEST(test_atomic_helpers)
{
    fcgp_counters_t c;
    memset(&c, 0, sizeof(c));
    fcgp_cnt_max(&c, FCGP_CNT_MAX_ACTIVE, 3);
    fcgp_cnt_max(&c, FCGP_CNT_MAX_ACTIVE, 2);
    ck_assert_uint_eq(fcgp_cnt_read(&c, FCGP_CNT_MAX_ACTIVE), 3);
    fcgp_cnt_dec(&c, FCGP_CNT_HELD);
    ck_assert_uint_eq(c.v[FCGP_CNT_HELD], 0);
    fcgp_cnt_add(&c, FCGP_CNT_HELD, 2);
    fcgp_cnt_dec(&c, FCGP_CNT_HELD);
    ck_assert_uint_eq(c.v[FCGP_CNT_HELD], 1);
    /* out of range ids and NULL records are ignored */
    fcgp_cnt_inc(&c, FCGP_CNT_N);
    fcgp_cnt_inc(NULL, FCGP_CNT_ACCEPTED);
    ck_assert_uint_eq(fcgp_cnt_read(&c, FCGP_CNT_N), 0);
    ck_assert_uint_eq(fcgp_cnt_read(NULL, 0), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("counters");
    TCase *tc;

    if (unit_init() != 0) {
        return EXIT_FAILURE;
    }
    tc = tcase_create("counters");
    tcase_add_checked_fixture(tc, pool_setup, pool_teardown);
    tcase_add_test(tc, test_status_ids);
    tcase_add_test(tc, test_status_labels_distinct);
    tcase_add_test(tc, test_wait_buckets);
    tcase_add_test(tc, test_observe_wait);
    tcase_add_test(tc, test_exit_reasons_of_policy);
    tcase_add_test(tc, test_exit_labels);
    tcase_add_test(tc, test_atomic_helpers);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
