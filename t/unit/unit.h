/* unit.h: what every Check suite here shares: a fresh APR pool per test
 * (fixture), the table-size macro, and the runner (fork mode, so a crash
 * fails only its own test). */
#ifndef FCGP_T_UNIT_H
#define FCGP_T_UNIT_H

#include <stdio.h>
#include <stdlib.h>
#include <check.h>
#include <apr_general.h>
#include <apr_pools.h>

#define N_OF(a) ((int)(sizeof(a) / sizeof((a)[0])))

static apr_pool_t *pool __attribute__((unused));

static inline void pool_setup(void)
{
    ck_assert_int_eq(apr_pool_create(&pool, NULL), APR_SUCCESS);
}

static inline void pool_teardown(void)
{
    apr_pool_destroy(pool);
    pool = NULL;
}

/* apr_initialize() before building suites that need it. */
static inline int unit_init(void)
{
    if (apr_initialize() != APR_SUCCESS) {
        fprintf(stderr, "apr_initialize failed\n");
        return -1;
    }
    atexit(apr_terminate);
    return 0;
}

/* Run a suite; the exit status for main(). */
static inline int unit_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    int failed;
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
