/* test_policy.c: Check unit tests for pm/policy.c. */
#include <apr.h>
#include <apr_general.h>
#include <apr_pools.h>

#include <check.h>
#include "t/unit/unit.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm/policy.h"



static const struct {
    apr_uint32_t configured, configured_source, learned;
    apr_uint32_t want, want_source;
} limit_cases[] = {
    /* nothing learned: the configured limit and its source */
    { 0, FCGP_LIMIT_NONE, 0, 0, FCGP_LIMIT_NONE },
    { 100, FCGP_LIMIT_OURS, 0, 100, FCGP_LIMIT_OURS },
    { 500, FCGP_LIMIT_PHP_GIVEN, 0, 500, FCGP_LIMIT_PHP_GIVEN },
    { 20, FCGP_LIMIT_PHP_ENV, 0, 20, FCGP_LIMIT_PHP_ENV },
    { 20, FCGP_LIMIT_APP_DECLARED, 0, 20, FCGP_LIMIT_APP_DECLARED },
    /* learned smaller than configured wins */
    { 500, FCGP_LIMIT_PHP_GIVEN, 200, 200, FCGP_LIMIT_LEARNED },
    { 100, FCGP_LIMIT_OURS, 99, 99, FCGP_LIMIT_LEARNED },
    { 100, FCGP_LIMIT_OURS, 1, 1, FCGP_LIMIT_LEARNED },
    { 0xFFFFFFFFu, FCGP_LIMIT_OURS, 0xFFFFFFFEu, 0xFFFFFFFEu,
      FCGP_LIMIT_LEARNED },
    /* no configured limit: whatever was learned */
    { 0, FCGP_LIMIT_NONE, 300, 300, FCGP_LIMIT_LEARNED },
    { 0, FCGP_LIMIT_NONE, 1, 1, FCGP_LIMIT_LEARNED },
    { 0, FCGP_LIMIT_NONE, 0xFFFFFFFFu, 0xFFFFFFFFu, FCGP_LIMIT_LEARNED },
    /* learned larger than, or equal to, the configured: configured */
    { 100, FCGP_LIMIT_OURS, 101, 100, FCGP_LIMIT_OURS },
    { 100, FCGP_LIMIT_OURS, 100, 100, FCGP_LIMIT_OURS },
    { 500, FCGP_LIMIT_PHP_GIVEN, 5000, 500, FCGP_LIMIT_PHP_GIVEN },
    { 1, FCGP_LIMIT_APP_DECLARED, 0xFFFFFFFFu, 1, FCGP_LIMIT_APP_DECLARED },
    /* a 0 limit is no limit, whatever the source claims */
    { 0, FCGP_LIMIT_OURS, 0, 0, FCGP_LIMIT_NONE },
    { 0, FCGP_LIMIT_PHP_ENV, 0, 0, FCGP_LIMIT_NONE },
    { 0, FCGP_LIMIT_PHP_ENV, 40, 40, FCGP_LIMIT_LEARNED },
};

START_TEST(test_policy_effective_limit)
{
    apr_uint32_t src = 0xDEAD;
    apr_uint32_t got = fcgp_policy_effective_limit(
        limit_cases[_i].configured, limit_cases[_i].configured_source,
        limit_cases[_i].learned, &src);
    ck_assert_msg(got == limit_cases[_i].want
                  && src == limit_cases[_i].want_source,
                  "configured %u (%s) learned %u: got %u (%s), want %u (%s)",
                  limit_cases[_i].configured,
                  fcgp_limit_source_name(limit_cases[_i].configured_source),
                  limit_cases[_i].learned, got,
                  fcgp_limit_source_name((fcgp_limit_source_e)src),
                  limit_cases[_i].want,
                  fcgp_limit_source_name(limit_cases[_i].want_source));
}
END_TEST

/* Property over a grid: the result is min() of the non-zero inputs, and
 * the source is LEARNED exactly when the learned value is what won. */
START_TEST(test_policy_grid)
{
    static const apr_uint32_t vals[] = { 0, 1, 2, 499, 500, 501,
                                         0x7FFFFFFFu, 0xFFFFFFFFu };
    int a, b;
    for (a = 0; a < N_OF(vals); a++) {
        for (b = 0; b < N_OF(vals); b++) {
            apr_uint32_t c = vals[a], l = vals[b], src, want;
            apr_uint32_t got = fcgp_policy_effective_limit(
                c, FCGP_LIMIT_APP_DECLARED, l, &src);
            want = !c ? l : !l ? c : (c < l ? c : l);
            if (got != want) {
                ck_abort_msg("configured %u learned %u: got %u want %u",
                             c, l, got, want);
            }
            if (want == 0 && src != FCGP_LIMIT_NONE) {
                ck_abort_msg("configured %u learned %u: 0 with source %u",
                             c, l, src);
            }
            if (want && src != (l && (!c || l < c) ? FCGP_LIMIT_LEARNED
                                : FCGP_LIMIT_APP_DECLARED)) {
                ck_abort_msg("configured %u learned %u: source %u",
                             c, l, src);
            }
        }
    }
}
END_TEST

static const struct {
    fcgp_limit_source_e src;
    const char *name;
} name_cases[] = {
    { FCGP_LIMIT_NONE, "no limit" },
    { FCGP_LIMIT_OURS, "FcgiProcMaxRequestsPerProcess" },
    { FCGP_LIMIT_PHP_ENV, "PHP_FCGI_MAX_REQUESTS in FcgiProcInitialEnv" },
    { FCGP_LIMIT_PHP_GIVEN, "PHP_FCGI_MAX_REQUESTS given to php-cgi by default" },
    { FCGP_LIMIT_APP_DECLARED, "FcgiProcAppMaxRequests" },
    { FCGP_LIMIT_LEARNED, "learned: the app exited by itself" },
    { (fcgp_limit_source_e)6, "no limit" },
    { (fcgp_limit_source_e)1000, "no limit" },
};

START_TEST(test_source_name)
{
    ck_assert_str_eq(fcgp_limit_source_name(name_cases[_i].src),
                     name_cases[_i].name);
}
END_TEST

static const struct {
    apr_uint32_t limit, ahead;
} ahead_cases[] = {
    { 0, 0 }, { 1, 0 }, { 3, 0 }, { 4, 0 }, { 5, 1 }, { 20, 4 },
    { 49, 9 }, { 50, 10 }, { 249, 49 }, { 250, 50 }, { 500, 50 },
    { 4000000000u, 50 },
};

START_TEST(test_spawn_ahead)
{
    ck_assert_uint_eq(fcgp_policy_spawn_ahead(ahead_cases[_i].limit),
                      ahead_cases[_i].ahead);
    /* never at or past the limit itself */
    ck_assert(ahead_cases[_i].ahead < ahead_cases[_i].limit
              || ahead_cases[_i].limit == 0);
}
END_TEST

START_TEST(test_backoff_doubles_to_the_cap)
{
    apr_interval_time_t first = apr_time_from_sec(2);
    apr_interval_time_t max = apr_time_from_sec(60);
    apr_interval_time_t b = 0;
    static const int want[] = { 2, 4, 8, 16, 32, 60, 60 };
    int i;
    for (i = 0; i < N_OF(want); i++) {
        b = fcgp_policy_next_backoff(b, first, max);
        ck_assert_int_eq(apr_time_sec(b), want[i]);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("policy");
    TCase *tc;

    if (unit_init() != 0) {
        return EXIT_FAILURE;
    }

    tc = tcase_create("limits");
    tcase_add_checked_fixture(tc, pool_setup, pool_teardown);
    tcase_add_loop_test(tc, test_policy_effective_limit, 0,
                        N_OF(limit_cases));
    tcase_add_test(tc, test_policy_grid);
    tcase_add_loop_test(tc, test_source_name, 0, N_OF(name_cases));
    suite_add_tcase(s, tc);

    tc = tcase_create("spawning");
    tcase_add_loop_test(tc, test_spawn_ahead, 0, N_OF(ahead_cases));
    tcase_add_test(tc, test_backoff_doubles_to_the_cap);
    suite_add_tcase(s, tc);

    return unit_run(s);
}
