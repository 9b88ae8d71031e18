/* test_policy.c: Check unit tests for pm/policy.c.
 *
 * Table-driven: one row per case (inputs -> expected), run as a loop
 * test, so a failing row names itself.  policy.c is pure (no clock, no
 * I/O): times are plain numbers here. */
#include <apr.h>
#include <apr_general.h>
#include <apr_pools.h>

#include <check.h>
#include "t/unit/unit.h"
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
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

/* ------------------------------------------------------------------ */
/* fcgp_policy_replace_now                                             */

static const struct {
    apr_uint32_t served, limit;
    int fresh_idle, want;
} replace_cases[] = {
    /* no limit: never */
    { 0, 0, 0, 0 }, { 1000000, 0, 0, 0 },
    /* limit 500, spawn-ahead 50: from 450 on */
    { 0, 500, 0, 0 }, { 449, 500, 0, 0 }, { 450, 500, 0, 1 },
    { 451, 500, 0, 1 }, { 499, 500, 0, 1 }, { 500, 500, 0, 1 },
    /* a replacement already waiting: not another one */
    { 450, 500, 1, 0 }, { 499, 500, 1, 0 }, { 500, 500, 1, 0 },
    /* limit 20, spawn-ahead 4: from 16 on */
    { 15, 20, 0, 0 }, { 16, 20, 0, 1 },
    /* limit 5, spawn-ahead 1: from 4 on */
    { 3, 5, 0, 0 }, { 4, 5, 0, 1 },
    /* below 5 no spawn-ahead: with the last request */
    { 3, 4, 0, 0 }, { 4, 4, 0, 1 }, { 0, 1, 0, 0 }, { 1, 1, 0, 1 },
    /* served past a limit that was lowered */
    { 900, 500, 0, 1 }, { 900, 500, 1, 0 },
    /* large limits */
    { 4000000000u - 51, 4000000000u, 0, 0 },
    { 4000000000u - 50, 4000000000u, 0, 1 },
};

START_TEST(test_replace_now)
{
    int got = fcgp_policy_replace_now(replace_cases[_i].served,
                                      replace_cases[_i].limit,
                                      replace_cases[_i].fresh_idle);
    ck_assert_msg(!!got == replace_cases[_i].want,
                  "served %u limit %u fresh_idle %d: got %d, want %d",
                  replace_cases[_i].served, replace_cases[_i].limit,
                  replace_cases[_i].fresh_idle, got, replace_cases[_i].want);
}
END_TEST

/* fcgp_policy_enough_ahead: one fresh replacement per worker near its
 * limit, never more than max(2, live / 8) fresh ones at a time. */
static const struct {
    apr_uint32_t fresh, fresh_all, leaving, live;
    int want;
} ahead_enough_cases[] = {
    { 0, 0, 1, 8, 0 },          /* one leaving, none ready: start one */
    { 1, 1, 1, 8, 1 },          /* it has its own */
    { 1, 1, 2, 8, 0 },          /* two leaving, one ready: one more */
    { 2, 2, 3, 8, 1 },          /* the allowance of 2 */
    { 0, 2, 3, 8, 1 },          /* fresh ones taken for others count too */
    { 0, 1, 3, 8, 0 },
    { 0, 0, 0, 8, 1 },          /* nobody leaving */
    { 3, 3, 16, 32, 0 },        /* 32 live: 4 at a time */
    { 4, 4, 16, 32, 1 },
    { 0, 0, 16, 0, 0 },         /* no live worker: still 2 */
    { 0, 2, 16, 0, 1 },
};

START_TEST(test_enough_ahead)
{
    ck_assert_msg(fcgp_policy_enough_ahead(ahead_enough_cases[_i].fresh,
                                           ahead_enough_cases[_i].fresh_all,
                                           ahead_enough_cases[_i].leaving,
                                           ahead_enough_cases[_i].live)
                  == ahead_enough_cases[_i].want, "row %d", _i);
}
END_TEST

/* ------------------------------------------------------------------ */
/* fcgp_policy_retire                                                  */

#define S(n)    apr_time_from_sec(n)
#define NOW     S(100000)

#define R_DEADLINE  "missed a deadline"
#define R_BROKEN    "broken request"
#define R_DRAIN     "httpd restart or stop"
#define R_LIMIT     "request limit"
#define R_LIFE      "FcgiProcProcessLifeTime"
#define R_IDLE      "FcgiProcIdleTimeout"
#define R_SUPER     "superseded: its program was replaced"

/* Fields a row leaves out are 0: not handed back, outcome OK, not
 * draining, no limit, no lifetime, no idle timeout, class_live and
 * min_procs 0. */
static const struct {
    const char *what;
    fcgp_worker_facts_t f;
    const char *want;           /* NULL: keep it */
} retire_cases[] = {
    { "nothing to say", { .now = NOW }, NULL },
    /* hand-backs */
    { "returned OK", { .returned = 1, .outcome = FCGP_OUT_OK }, NULL },
    { "returned, client aborted",
      { .returned = 1, .outcome = FCGP_OUT_CLIENT_ABORT }, NULL },
    { "returned broken", { .returned = 1, .outcome = FCGP_OUT_BROKEN },
      R_BROKEN },
    { "returned after a timeout",
      { .returned = 1, .outcome = FCGP_OUT_TIMEOUT }, R_DEADLINE },
    /* an outcome counts only on a hand-back */
    { "idle, stale BROKEN outcome", { .outcome = FCGP_OUT_BROKEN }, NULL },
    { "idle, stale TIMEOUT outcome", { .outcome = FCGP_OUT_TIMEOUT }, NULL },
    /* draining */
    { "draining, idle", { .draining = 1 }, R_DRAIN },
    { "httpd gone, idle", { .draining = 2 }, "httpd is gone" },
    { "httpd gone, returned OK", { .returned = 1, .draining = 2 },
      "httpd is gone" },
    { "draining, returned OK", { .returned = 1, .draining = 1 }, R_DRAIN },
    /* the order: broken / timeout before draining before the limit ... */
    { "broken and draining",
      { .returned = 1, .outcome = FCGP_OUT_BROKEN, .draining = 1,
        .last = 1 }, R_BROKEN },
    { "timeout and draining",
      { .returned = 1, .outcome = FCGP_OUT_TIMEOUT, .draining = 1 },
      R_DEADLINE },
    { "draining and last", { .draining = 1, .last = 1 }, R_DRAIN },
    /* superseded: its program was replaced on disk; idle or handed back,
     * it goes, whatever its limit, lifetime or the class minimum say */
    { "superseded, idle", { .superseded = 1 }, R_SUPER },
    { "superseded, returned OK", { .returned = 1, .superseded = 1 },
      R_SUPER },
    { "superseded, client aborted",
      { .returned = 1, .outcome = FCGP_OUT_CLIENT_ABORT, .superseded = 1 },
      R_SUPER },
    { "superseded, never used",
      { .superseded = 1, .now = NOW, .started = NOW - S(1) }, R_SUPER },
    { "superseded, the class minimum",
      { .superseded = 1, .class_live = 1, .min_procs = 5 }, R_SUPER },
    { "superseded, under its limit",
      { .returned = 1, .superseded = 1, .served = 1, .limit = 10 },
      R_SUPER },
    { "superseded before last request",
      { .returned = 1, .superseded = 1, .last = 1 }, R_SUPER },
    { "superseded before the limit",
      { .superseded = 1, .served = 10, .limit = 10 }, R_SUPER },
    { "superseded before lifetime",
      { .superseded = 1, .now = NOW, .started = NOW - S(100),
        .lifetime = S(10) }, R_SUPER },
    { "superseded before idle",
      { .superseded = 1, .now = NOW, .started = NOW - S(1000),
        .last_used = NOW - S(900), .idle_timeout = S(300), .class_live = 2 },
      R_SUPER },
    /* ... but a broken hand-back, or draining, says more */
    { "broken and superseded",
      { .returned = 1, .outcome = FCGP_OUT_BROKEN, .superseded = 1 },
      R_BROKEN },
    { "timeout and superseded",
      { .returned = 1, .outcome = FCGP_OUT_TIMEOUT, .superseded = 1 },
      R_DEADLINE },
    { "draining and superseded", { .draining = 1, .superseded = 1 },
      R_DRAIN },
    { "httpd gone and superseded", { .draining = 2, .superseded = 1 },
      "httpd is gone" },
    /* the request limit */
    { "last request", { .returned = 1, .last = 1 }, R_LIMIT },
    { "last request, idle", { .last = 1 }, R_LIMIT },
    { "one below the limit", { .returned = 1, .served = 9, .limit = 10 },
      NULL },
    { "at the limit", { .returned = 1, .served = 10, .limit = 10 }, R_LIMIT },
    { "past a lowered limit", { .served = 11, .limit = 10 }, R_LIMIT },
    { "limit 1, one served", { .served = 1, .limit = 1 }, R_LIMIT },
    { "no limit", { .returned = 1, .served = 0xFFFFFFFFu }, NULL },
    { "limit before lifetime",
      { .served = 5, .limit = 5, .now = NOW, .started = NOW - S(100),
        .lifetime = S(10) }, R_LIMIT },
    /* FcgiProcProcessLifeTime (strictly longer than) */
    { "lifetime not reached",
      { .now = NOW, .started = NOW - S(59), .lifetime = S(60) }, NULL },
    { "lifetime exactly",
      { .now = NOW, .started = NOW - S(60), .lifetime = S(60) }, NULL },
    { "lifetime + 1 us",
      { .now = NOW, .started = NOW - S(60) - 1, .lifetime = S(60) },
      R_LIFE },
    { "lifetime, just handed back",
      { .returned = 1, .now = NOW, .started = NOW - S(61),
        .lifetime = S(60) }, R_LIFE },
    { "no lifetime", { .now = NOW, .started = 0, .lifetime = 0 }, NULL },
    { "draining before lifetime",
      { .draining = 1, .now = NOW, .started = 0, .lifetime = S(1) },
      R_DRAIN },
    { "lifetime before idle",
      { .now = NOW, .started = NOW - S(1000), .last_used = NOW - S(900),
        .lifetime = S(500), .idle_timeout = S(300), .class_live = 2,
        .min_procs = 1 }, R_LIFE },
    /* FcgiProcIdleTimeout: idle only, above the class minimum, strictly
     * longer than, from the last use (or the start, never used) */
    { "idle past the timeout",
      { .now = NOW, .started = NOW - S(1000), .last_used = NOW - S(301),
        .idle_timeout = S(300), .class_live = 2, .min_procs = 1 }, R_IDLE },
    { "idle exactly the timeout",
      { .now = NOW, .started = NOW - S(1000), .last_used = NOW - S(300),
        .idle_timeout = S(300), .class_live = 2, .min_procs = 1 }, NULL },
    { "idle the timeout + 1 us",
      { .now = NOW, .started = NOW - S(1000), .last_used = NOW - S(300) - 1,
        .idle_timeout = S(300), .class_live = 2, .min_procs = 1 }, R_IDLE },
    { "idle, but at the minimum",
      { .now = NOW, .started = NOW - S(1000), .last_used = NOW - S(301),
        .idle_timeout = S(300), .class_live = 1, .min_procs = 1 }, NULL },
    { "idle, below the minimum",
      { .now = NOW, .started = NOW - S(1000), .last_used = NOW - S(301),
        .idle_timeout = S(300), .class_live = 1, .min_procs = 3 }, NULL },
    { "idle, minimum 0, the last one",
      { .now = NOW, .started = NOW - S(1000), .last_used = NOW - S(301),
        .idle_timeout = S(300), .class_live = 1, .min_procs = 0 }, R_IDLE },
    { "idle, nothing live counted",
      { .now = NOW, .started = NOW - S(1000), .last_used = NOW - S(301),
        .idle_timeout = S(300), .class_live = 0, .min_procs = 0 }, NULL },
    { "just handed back: not idle",
      { .returned = 1, .now = NOW, .started = NOW - S(1000),
        .last_used = NOW - S(301), .idle_timeout = S(300), .class_live = 2,
        .min_procs = 1 }, NULL },
    { "never used, started long ago",
      { .now = NOW, .started = NOW - S(301), .last_used = 0,
        .idle_timeout = S(300), .class_live = 2, .min_procs = 1 }, R_IDLE },
    { "never used, started recently",
      { .now = NOW, .started = NOW - S(299), .last_used = 0,
        .idle_timeout = S(300), .class_live = 2, .min_procs = 1 }, NULL },
    { "used recently, started long ago",
      { .now = NOW, .started = NOW - S(1000), .last_used = NOW - S(10),
        .idle_timeout = S(300), .class_live = 2, .min_procs = 1 }, NULL },
    { "no idle timeout",
      { .now = NOW, .started = 0, .last_used = 1, .idle_timeout = 0,
        .class_live = 5, .min_procs = 0 }, NULL },
};

START_TEST(test_retire)
{
    const char *got = fcgp_policy_retire(&retire_cases[_i].f);
    const char *want = retire_cases[_i].want;
    ck_assert_msg((got == NULL) == (want == NULL)
                  && (!got || strcmp(got, want) == 0),
                  "%s: got \"%s\", want \"%s\"", retire_cases[_i].what,
                  got ? got : "(keep)", want ? want : "(keep)");
}
END_TEST

/* fcgp_policy_renew: a php-cgi parent whose child finished its last
 * request cleanly is kept (its count starts again); anything else goes
 * through fcgp_policy_retire. */
static const struct {
    const char *what;
    fcgp_worker_facts_t f;
    int want;
} renew_cases[] = {
    { "parent at its limit", { .returned = 1, .served = 50, .limit = 50,
      .parent = 1 }, 1 },
    { "parent past a lowered limit", { .returned = 1, .served = 51,
      .limit = 50, .parent = 1 }, 1 },
    { "parent below its limit", { .returned = 1, .served = 49, .limit = 50,
      .parent = 1 }, 0 },
    { "parent, no limit", { .returned = 1, .served = 50, .parent = 1 }, 0 },
    { "not a parent", { .returned = 1, .served = 50, .limit = 50 }, 0 },
    { "parent, missed a deadline", { .returned = 1, .served = 50,
      .limit = 50, .parent = 1, .outcome = FCGP_OUT_TIMEOUT }, 0 },
    { "parent, broken", { .returned = 1, .served = 50, .limit = 50,
      .parent = 1, .outcome = FCGP_OUT_BROKEN }, 0 },
    { "parent, client went away", { .returned = 1, .served = 50,
      .limit = 50, .parent = 1, .outcome = FCGP_OUT_CLIENT_ABORT }, 0 },
    { "parent, draining", { .returned = 1, .served = 50, .limit = 50,
      .parent = 1, .draining = 1 }, 0 },
    { "parent, httpd gone", { .returned = 1, .served = 50, .limit = 50,
      .parent = 1, .draining = 2 }, 0 },
    { "parent, idle (looked at)", { .served = 50, .limit = 50,
      .parent = 1 }, 0 },
};

START_TEST(test_renew)
{
    ck_assert_msg(fcgp_policy_renew(&renew_cases[_i].f)
                  == renew_cases[_i].want, "%s", renew_cases[_i].what);
}
END_TEST

/* fcgp_policy_restart_child: a parent whose child failed a request keeps
 * its warm self (only the child is killed), unless something else retires
 * it. */
static const struct {
    const char *what;
    fcgp_worker_facts_t f;
    int want;
} restart_cases[] = {
    { "parent, missed a deadline", { .returned = 1, .served = 3,
      .limit = 50, .parent = 1, .outcome = FCGP_OUT_TIMEOUT }, 1 },
    { "parent, broken", { .returned = 1, .served = 3, .limit = 50,
      .parent = 1, .outcome = FCGP_OUT_BROKEN }, 1 },
    { "parent, broken at its limit", { .returned = 1, .served = 50,
      .limit = 50, .parent = 1, .last = 1, .outcome = FCGP_OUT_BROKEN }, 1 },
    { "parent, no limit, missed a deadline", { .returned = 1, .served = 3,
      .parent = 1, .outcome = FCGP_OUT_TIMEOUT }, 1 },
    { "not a parent, missed a deadline", { .returned = 1, .served = 3,
      .limit = 50, .outcome = FCGP_OUT_TIMEOUT }, 0 },
    { "parent, went well", { .returned = 1, .served = 3, .limit = 50,
      .parent = 1 }, 0 },
    { "parent, client went away", { .returned = 1, .served = 3,
      .limit = 50, .parent = 1, .outcome = FCGP_OUT_CLIENT_ABORT }, 0 },
    { "parent, not handed back", { .served = 3, .limit = 50, .parent = 1,
      .outcome = FCGP_OUT_TIMEOUT }, 0 },
    { "parent, draining", { .returned = 1, .served = 3, .limit = 50,
      .parent = 1, .draining = 1, .outcome = FCGP_OUT_TIMEOUT }, 0 },
    { "parent, superseded", { .returned = 1, .served = 3, .limit = 50,
      .parent = 1, .superseded = 1, .outcome = FCGP_OUT_BROKEN }, 0 },
    { "parent, past FcgiProcProcessLifeTime", { .returned = 1, .served = 3,
      .parent = 1, .outcome = FCGP_OUT_TIMEOUT, .now = 100, .started = 1,
      .lifetime = 10 }, 0 },
};

START_TEST(test_restart_child)
{
    ck_assert_msg(fcgp_policy_restart_child(&restart_cases[_i].f)
                  == restart_cases[_i].want, "%s", restart_cases[_i].what);
}
END_TEST

static const struct {
    const char *env[4];
    int want;
} parent_mode_cases[] = {
    { { "PATH=/bin", "PHP_FCGI_CHILDREN=1" }, 1 },
    { { "PHP_FCGI_CHILDREN=4" }, 4 },     /* a pool of four */
    { { "PHP_FCGI_CHILDREN=16", "PATH=/bin" }, 16 },
    { { "PHP_FCGI_CHILDREN=0" }, 0 },
    { { "PHP_FCGI_CHILDREN=" }, 0 },
    { { "PHP_FCGI_CHILDREN=1x" }, 0 },
    { { "PHP_FCGI_CHILDREN=-1" }, 0 },
    { { "PATH=/bin" }, 0 },
    { { "PHP_FCGI_CHILDRENX=1" }, 0 },
    /* the first one of a name is the one getenv() finds */
    { { "PHP_FCGI_CHILDREN=1", "PHP_FCGI_CHILDREN=0" }, 1 },
    { { "PHP_FCGI_CHILDREN=0", "PHP_FCGI_CHILDREN=1" }, 0 },
};

static const struct {
    const char *argv0;
    int binary;
    const char *env;
    int suexec;
    apr_uint32_t want;
} php_children_cases[] = {
    { "/usr/bin/php-cgi", 1, "PHP_FCGI_CHILDREN=16", 0, 16 },
    { "/usr/bin/php-cgi8.2", 1, "PHP_FCGI_CHILDREN=2", 0, 2 },
    { "/usr/bin/php-cgi", 1, "PHP_FCGI_CHILDREN=1", 0, 1 },
    { "/usr/bin/php-cgi", 1, "PHP_FCGI_CHILDREN=0", 0, 0 },
    { "/usr/bin/php-cgi", 1, "PATH=/bin", 0, 0 },
    { "php-cgi", 1, "PHP_FCGI_CHILDREN=3", 0, 3 },
    /* a starter script may export another value, or not exec php-cgi */
    { "/var/www/php-fcgi-starter", 0, "PHP_FCGI_CHILDREN=4", 0, 0 },
    /* suexec passes no PHP_FCGI_* variable on */
    { "/usr/bin/php-cgi", 1, "PHP_FCGI_CHILDREN=16", 1, 0 },
    /* not php-cgi: the variable does not make it a parent */
    { "/srv/app.fcgi", 1, "PHP_FCGI_CHILDREN=16", 0, 0 },
    { "/usr/bin/perl", 1, "PHP_FCGI_CHILDREN=16", 0, 0 },
    { NULL, 1, "PHP_FCGI_CHILDREN=3", 0, 0 },
};

START_TEST(test_php_children)
{
    const char *env[1];
    env[0] = php_children_cases[_i].env;
    ck_assert_uint_eq(fcgp_policy_php_children(php_children_cases[_i].argv0,
                                               php_children_cases[_i].binary,
                                               1, env,
                                               php_children_cases[_i].suexec),
                      php_children_cases[_i].want);
}
END_TEST

START_TEST(test_parent_mode)
{
    int n = 0;
    while (n < 4 && parent_mode_cases[_i].env[n]) {
        n++;
    }
    ck_assert_int_eq(fcgp_policy_parent_mode(n, parent_mode_cases[_i].env),
                     parent_mode_cases[_i].want);
}
END_TEST

/* ------------------------------------------------------------------ */
/* fcgp_policy_room                                                    */

static const char *room_name(fcgp_room_e r)
{
    switch (r) {
    case FCGP_ROOM: return "ROOM";
    case FCGP_ROOM_NONE_CLASS: return "NONE_CLASS";
    case FCGP_ROOM_NONE_SERVER: return "NONE_SERVER";
    case FCGP_ROOM_NONE_PAUSED: return "NONE_PAUSED";
    case FCGP_ROOM_NONE_USER: return "NONE_USER";
    }
    return "?";
}

/* Rows: draining, backing_off, class_live, class_max, leaving, procs,
 * procs_max, user_procs, user_max, slot_free -> room. */
static const struct {
    const char *what;
    fcgp_room_facts_t f;
    fcgp_room_e want;
} room_cases[] = {
    { "plenty", { 0, 0, 1, 4, 0, 3, 10, 0, 0, 1 }, FCGP_ROOM },
    { "first of its class", { 0, 0, 0, 1, 0, 0, 1, 0, 0, 1 }, FCGP_ROOM },
    /* paused, whatever else is true */
    { "draining", { 1, 0, 1, 4, 0, 3, 10, 0, 0, 1 }, FCGP_ROOM_NONE_PAUSED },
    { "backing off", { 0, 1, 0, 4, 0, 0, 10, 0, 0, 1 }, FCGP_ROOM_NONE_PAUSED },
    { "both", { 1, 1, 0, 4, 0, 0, 10, 0, 0, 1 }, FCGP_ROOM_NONE_PAUSED },
    { "draining and full everywhere", { 1, 0, 4, 4, 0, 10, 10, 0, 0, 0 },
      FCGP_ROOM_NONE_PAUSED },
    /* the class limit */
    { "class one below max", { 0, 0, 3, 4, 0, 3, 10, 0, 0, 1 }, FCGP_ROOM },
    { "class at max", { 0, 0, 4, 4, 0, 4, 10, 0, 0, 1 }, FCGP_ROOM_NONE_CLASS },
    { "class past max", { 0, 0, 5, 4, 0, 5, 10, 0, 0, 1 }, FCGP_ROOM_NONE_CLASS },
    { "max 1, one live", { 0, 0, 1, 1, 0, 1, 10, 0, 0, 1 }, FCGP_ROOM_NONE_CLASS },
    { "max 0", { 0, 0, 0, 0, 0, 0, 10, 0, 0, 1 }, FCGP_ROOM_NONE_CLASS },
    /* one leaving: a replacement may start beside it (max + 1) */
    { "at max, one leaving", { 0, 0, 4, 4, 1, 4, 10, 0, 0, 1 }, FCGP_ROOM },
    { "max + 1, one leaving", { 0, 0, 5, 4, 1, 5, 10, 0, 0, 1 },
      FCGP_ROOM_NONE_CLASS },
    { "max + 1, two leaving", { 0, 0, 5, 4, 2, 5, 10, 0, 0, 1 }, FCGP_ROOM },
    { "max + 2, two leaving", { 0, 0, 6, 4, 2, 6, 10, 0, 0, 1 },
      FCGP_ROOM_NONE_CLASS },
    /* the server limit, and the table */
    { "procs one below max", { 0, 0, 1, 4, 0, 9, 10, 0, 0, 1 }, FCGP_ROOM },
    { "procs == max", { 0, 0, 1, 4, 0, 10, 10, 0, 0, 1 }, FCGP_ROOM_NONE_SERVER },
    { "procs past max", { 0, 0, 1, 4, 0, 11, 10, 0, 0, 1 },
      FCGP_ROOM_NONE_SERVER },
    { "procs max 0", { 0, 0, 0, 4, 0, 0, 0, 0, 0, 1 }, FCGP_ROOM_NONE_SERVER },
    { "no table slot", { 0, 0, 1, 4, 0, 3, 10, 0, 0, 0 }, FCGP_ROOM_NONE_SERVER },
    { "leaving does not lift the server limit", { 0, 0, 4, 4, 1, 10, 10, 0, 0, 1 },
      FCGP_ROOM_NONE_SERVER },
    /* the class limit is named before the server's */
    { "class and server full", { 0, 0, 4, 4, 0, 10, 10, 0, 0, 0 },
      FCGP_ROOM_NONE_CLASS },
    /* the user's cap (suexec'd classes only; 0: not capped) */
    { "user one below cap", { 0, 0, 1, 4, 0, 3, 10, 4, 5, 1 }, FCGP_ROOM },
    { "user at cap", { 0, 0, 1, 4, 0, 3, 10, 5, 5, 1 },
      FCGP_ROOM_NONE_USER },
    { "user past cap", { 0, 0, 1, 4, 0, 3, 10, 9, 5, 1 },
      FCGP_ROOM_NONE_USER },
    { "not capped", { 0, 0, 1, 4, 0, 3, 10, 9, 0, 1 }, FCGP_ROOM },
    { "class named before user", { 0, 0, 4, 4, 0, 5, 10, 5, 5, 1 },
      FCGP_ROOM_NONE_CLASS },
    { "user named before server", { 0, 0, 1, 4, 0, 10, 10, 5, 5, 1 },
      FCGP_ROOM_NONE_USER },
    { "paused named before user", { 0, 1, 0, 4, 0, 5, 10, 5, 5, 1 },
      FCGP_ROOM_NONE_PAUSED },
};

START_TEST(test_room)
{
    fcgp_room_e got = fcgp_policy_room(&room_cases[_i].f);
    ck_assert_msg(got == room_cases[_i].want, "%s: got %s, want %s",
                  room_cases[_i].what, room_name(got),
                  room_name(room_cases[_i].want));
}
END_TEST

/* ------------------------------------------------------------------ */
/* fcgp_policy_grow                                                    */

static const struct {
    apr_uint32_t waiting, idle;
    int asked;
    apr_uint32_t want;
} grow_cases[] = {
    /* nobody waits, nobody asks */
    { 0, 0, 0, 0 }, { 0, 5, 0, 0 },
    /* somebody asks (not yet in line): at least one must be there */
    { 0, 0, 1, 1 }, { 0, 1, 1, 0 }, { 0, 3, 1, 0 },
    /* the line, less what is idle or starting */
    { 1, 0, 0, 1 }, { 3, 0, 0, 3 }, { 3, 1, 0, 2 }, { 3, 2, 0, 1 },
    { 3, 3, 0, 0 }, { 3, 5, 0, 0 },
    /* the asker is one of those in line: not counted twice */
    { 1, 0, 1, 1 }, { 3, 1, 1, 2 }, { 3, 3, 1, 0 },
    /* any non-zero asked */
    { 0, 0, 7, 1 },
    /* large */
    { 0xFFFFFFFFu, 0, 0, 0xFFFFFFFFu }, { 0xFFFFFFFFu, 0xFFFFFFFFu, 1, 0 },
    { 0, 0xFFFFFFFFu, 1, 0 },
};

static const struct {
    apr_uint32_t live, min, want;
} top_up_cases[] = {
    { 0, 0, 0 }, { 0, 1, 1 }, { 1, 1, 0 }, { 2, 1, 0 }, { 1, 4, 3 },
    { 0, 0xFFFFFFFFu, 0xFFFFFFFFu }, { 0xFFFFFFFFu, 5, 0 },
};

START_TEST(test_top_up)
{
    ck_assert_uint_eq(fcgp_policy_top_up(top_up_cases[_i].live,
                                         top_up_cases[_i].min),
                      top_up_cases[_i].want);
}
END_TEST

START_TEST(test_grow)
{
    apr_uint32_t got = fcgp_policy_grow(grow_cases[_i].waiting,
                                        grow_cases[_i].idle,
                                        grow_cases[_i].asked);
    ck_assert_msg(got == grow_cases[_i].want,
                  "waiting %u idle %u asked %d: got %u, want %u",
                  grow_cases[_i].waiting, grow_cases[_i].idle,
                  grow_cases[_i].asked, got, grow_cases[_i].want);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Rapid failures: fcgp_policy_note_death, fcgp_policy_note_success    */

/* One death, from a given state: (fails, window_start, backoff, until)
 * before; now, age, done; the result and the state after. */
#define T0 S(1000)

static const struct {
    const char *what;
    fcgp_failures_t before;
    apr_time_t now;
    apr_interval_time_t age;
    apr_uint32_t done;
    int want;
    fcgp_failures_t after;
} death_cases[] = {
    /* not an early death: nothing changes */
    { "finished a request", { 4, T0, 0, 0 }, T0 + S(1), S(1), 1,
      0, { 4, T0, 0, 0 } },
    { "age exactly FCGP_EARLY_DEATH", { 4, T0, 0, 0 }, T0 + S(1),
      FCGP_EARLY_DEATH, 0, 0, { 4, T0, 0, 0 } },
    { "old", { 4, T0, 0, 0 }, T0 + S(1), S(3600), 0, 0, { 4, T0, 0, 0 } },
    { "old, while paused", { 0, T0, S(4), T0 + S(4) }, T0 + S(1), S(11), 0,
      0, { 0, T0, S(4), T0 + S(4) } },
    /* early deaths, counted */
    { "the first ever", { 0, 0, 0, 0 }, T0, 0, 0, 0, { 1, T0, 0, 0 } },
    { "FCGP_EARLY_DEATH - 1 us", { 2, T0, 0, 0 }, T0 + S(1),
      FCGP_EARLY_DEATH - 1, 0, 0, { 3, T0, 0, 0 } },
    { "fourth", { 3, T0, 0, 0 }, T0 + S(20), S(1), 0, 0, { 4, T0, 0, 0 } },
    /* the fifth inside the window: a pause of 2 s; a new window */
    { "fifth", { 4, T0, 0, 0 }, T0 + S(20), S(1), 0,
      1, { 0, T0 + S(20), S(2), T0 + S(22) } },
    { "fifth, window exactly 30 s", { 4, T0, 0, 0 }, T0 + S(30), S(1), 0,
      1, { 0, T0 + S(30), S(2), T0 + S(32) } },
    /* the window expired: the count starts again from this one */
    { "window 30 s + 1 us", { 4, T0, 0, 0 }, T0 + S(30) + 1, S(1), 0,
      0, { 1, T0 + S(30) + 1, 0, 0 } },
    { "window long gone", { 4, T0, 0, 0 }, T0 + S(3600), 0, 0,
      0, { 1, T0 + S(3600), 0, 0 } },
    /* a pause that keeps happening doubles, up to the cap */
    { "second pause", { 4, T0, S(2), T0 + S(2) }, T0 + S(10), S(1), 0,
      1, { 0, T0 + S(10), S(4), T0 + S(14) } },
    { "32 -> 60 (cap)", { 4, T0, S(32), T0 }, T0 + S(5), S(1), 0,
      1, { 0, T0 + S(5), S(60), T0 + S(65) } },
    { "60 stays 60", { 4, T0, S(60), T0 }, T0 + S(5), S(1), 0,
      1, { 0, T0 + S(5), S(60), T0 + S(65) } },
    /* the pause length outlives an expired window (only a success ends
     * it) */
    { "window expired, pause kept", { 4, T0, S(8), T0 + S(8) },
      T0 + S(100), S(1), 0, 0, { 1, T0 + S(100), S(8), T0 + S(8) } },
};

START_TEST(test_note_death)
{
    fcgp_failures_t f = death_cases[_i].before;
    const fcgp_failures_t *w = &death_cases[_i].after;
    int got = fcgp_policy_note_death(&f, death_cases[_i].now,
                                     death_cases[_i].age,
                                     death_cases[_i].done);
    ck_assert_msg(got == death_cases[_i].want
                  && f.fails == w->fails && f.window_start == w->window_start
                  && f.backoff == w->backoff && f.until == w->until,
                  "%s: got %d {fails %u, window %" APR_TIME_T_FMT
                  ", backoff %" APR_TIME_T_FMT ", until %" APR_TIME_T_FMT
                  "}, want %d {%u, %" APR_TIME_T_FMT ", %" APR_TIME_T_FMT
                  ", %" APR_TIME_T_FMT "}", death_cases[_i].what, got,
                  f.fails, f.window_start, f.backoff, f.until,
                  death_cases[_i].want, w->fails, w->window_start,
                  w->backoff, w->until);
}
END_TEST

static const struct {
    fcgp_failures_t before, after;
} success_cases[] = {
    { { 0, 0, 0, 0 }, { 0, 0, 0, 0 } },
    { { 3, T0, 0, 0 }, { 0, T0, 0, 0 } },
    { { 0, T0, S(8), T0 + S(8) }, { 0, T0, 0, 0 } },
    { { 4, T0, S(60), T0 + S(60) }, { 0, T0, 0, 0 } },
};

START_TEST(test_note_success)
{
    fcgp_failures_t f = success_cases[_i].before;
    const fcgp_failures_t *w = &success_cases[_i].after;
    fcgp_policy_note_success(&f);
    ck_assert_uint_eq(f.fails, w->fails);
    ck_assert(f.window_start == w->window_start);
    ck_assert(f.backoff == w->backoff);
    ck_assert(f.until == w->until);
}
END_TEST

/* Sequences of deaths, one row each: seconds after T0, age in seconds,
 * requests done; which of them start a pause; the last pause's length. */
#define MAXEV 16
typedef struct {
    int at, age, done;
} ev_t;

static const struct {
    const char *what;
    int n;
    ev_t ev[MAXEV];
    const char *pauses;         /* per event: '1' starts a pause */
    int last_backoff;           /* seconds */
} seq_cases[] = {
    { "five quick crashes", 5,
      { { 0, 0, 0 }, { 1, 0, 0 }, { 2, 0, 0 }, { 3, 0, 0 }, { 4, 0, 0 } },
      "00001", 2 },
    { "ten: 2 s then 4 s", 10,
      { { 0, 0, 0 }, { 1, 0, 0 }, { 2, 0, 0 }, { 3, 0, 0 }, { 4, 0, 0 },
        { 7, 0, 0 }, { 8, 0, 0 }, { 9, 0, 0 }, { 10, 0, 0 }, { 11, 0, 0 } },
      "0000100001", 4 },
    { "four, then one that served: no pause", 5,
      { { 0, 0, 0 }, { 1, 0, 0 }, { 2, 0, 0 }, { 3, 0, 0 }, { 4, 0, 1 } },
      "00000", 0 },
    { "four, then an old one: no pause", 5,
      { { 0, 0, 0 }, { 1, 0, 0 }, { 2, 0, 0 }, { 3, 0, 0 }, { 4, 10, 0 } },
      "00000", 0 },
    { "spread over the window's edge: 30 s is inside", 5,
      { { 0, 9, 0 }, { 10, 9, 0 }, { 20, 9, 0 }, { 25, 9, 0 },
        { 30, 9, 0 } },
      "00001", 2 },
    { "spread past the window: the count restarts", 8,
      { { 0, 9, 0 }, { 10, 9, 0 }, { 20, 9, 0 }, { 25, 9, 0 },
        { 31, 9, 0 }, { 32, 9, 0 }, { 33, 9, 0 }, { 34, 9, 0 } },
      "00000000", 0 },
    { "... and the fifth of the new window pauses", 9,
      { { 0, 9, 0 }, { 10, 9, 0 }, { 20, 9, 0 }, { 25, 9, 0 },
        { 31, 9, 0 }, { 32, 9, 0 }, { 33, 9, 0 }, { 34, 9, 0 },
        { 35, 9, 0 } },
      "000000001", 2 },
};

START_TEST(test_death_sequences)
{
    fcgp_failures_t f;
    int k;
    memset(&f, 0, sizeof(f));
    for (k = 0; k < seq_cases[_i].n; k++) {
        const ev_t *e = &seq_cases[_i].ev[k];
        apr_time_t now = T0 + S(e->at);
        int got = fcgp_policy_note_death(&f, now, S(e->age),
                                         (apr_uint32_t)e->done);
        int want = seq_cases[_i].pauses[k] == '1';
        ck_assert_msg(got == want, "%s: event %d: got %d, want %d",
                      seq_cases[_i].what, k, got, want);
        if (got) {
            ck_assert(f.until == now + f.backoff);
        }
    }
    ck_assert_msg(f.backoff == S(seq_cases[_i].last_backoff),
                  "%s: backoff %" APR_TIME_T_FMT " us, want %d s",
                  seq_cases[_i].what, f.backoff, seq_cases[_i].last_backoff);
}
END_TEST

/* Pauses double while the crashes go on (2, 4, ... 32, 60, 60), and a
 * success starts again from 2 s. */
START_TEST(test_backoff_cap_and_reset)
{
    static const int want[] = { 2, 4, 8, 16, 32, 60, 60 };
    fcgp_failures_t f;
    apr_time_t now = T0;
    int p, k;

    memset(&f, 0, sizeof(f));
    for (p = 0; p < N_OF(want); p++) {
        for (k = 0; k < FCGP_FAIL_COUNT; k++) {
            int got = fcgp_policy_note_death(&f, now, 0, 0);
            ck_assert_int_eq(got, k == FCGP_FAIL_COUNT - 1);
            now += S(1);
        }
        ck_assert_int_eq(apr_time_sec(f.backoff), want[p]);
        ck_assert(f.until == now - S(1) + f.backoff);
        now = f.until;
    }
    fcgp_policy_note_success(&f);
    ck_assert(f.backoff == 0 && f.until == 0 && f.fails == 0);
    for (k = 0; k < FCGP_FAIL_COUNT; k++) {
        fcgp_policy_note_death(&f, now, 0, 0);
    }
    ck_assert_int_eq(apr_time_sec(f.backoff), 2);
}
END_TEST

/* The constants as documented (policy.h, README). */
START_TEST(test_failure_constants)
{
    ck_assert_int_eq(FCGP_FAIL_COUNT, 5);
    ck_assert(FCGP_EARLY_DEATH == apr_time_from_sec(10));
    ck_assert(FCGP_FAIL_WINDOW == apr_time_from_sec(30));
    ck_assert(FCGP_BACKOFF_FIRST == apr_time_from_sec(2));
    ck_assert(FCGP_BACKOFF_MAX == apr_time_from_sec(60));
}
END_TEST

/* ------------------------------------------------------------------ */
/* fcgp_policy_profile_ok: only classes the configuration allows        */

START_TEST(test_profile_ok)
{
    static const char *const env_a[] = { "PATH=/bin", NULL };
    static const char *const env_php[] = { "PATH=/bin",
                                           "PHP_FCGI_MAX_REQUESTS=10000",
                                           NULL };
    static const char *const env_evil[] = { "PATH=/bin", "LD_PRELOAD=/x",
                                            NULL };
    fcgp_app_limits_t lim, php_lim, big;
    fcgp_app_profile_t prof[2];
    static const struct {
        const char *vhost;
        int envc;
        const char *const *env;
        int which_limits;       /* 0 lim, 1 php_lim, 2 big */
        int ok;
    } rows[] = {
        { "a:80", 1, env_a, 0, 1 },         /* the app's own */
        { "a:80", 2, env_php, 1, 1 },       /* php-cgi's */
        { "a:80", 2, env_php, 0, 0 },       /* php env, app limits */
        { "a:80", 1, env_a, 2, 0 },         /* a max of its own */
        { "a:80", 2, env_evil, 0, 0 },      /* an environment of its own */
        { "a:80", 0, env_a, 0, 0 },         /* fewer variables */
        { "b:80", 1, env_a, 0, 0 },         /* another virtual host */
        { NULL, 1, env_a, 0, 0 },
    };
    int i;

    memset(&lim, 0, sizeof(lim));
    lim.max_procs = 4;
    lim.min_procs = 1;
    lim.queue_timeout = apr_time_from_sec(30);
    php_lim = lim;
    php_lim.max_requests = 10000;
    php_lim.limit_source = FCGP_LIMIT_PHP_GIVEN;
    big = lim;
    big.max_procs = 48;
    memset(prof, 0, sizeof(prof));
    prof[0].vhost = "a:80";
    prof[0].envc = 1;
    prof[0].env = env_a;
    prof[0].limits = lim;
    prof[1].vhost = "a:80";
    prof[1].envc = 2;
    prof[1].env = env_php;
    prof[1].limits = php_lim;
    for (i = 0; i < (int)(sizeof(rows) / sizeof(rows[0])); i++) {
        fcgp_app_spec_t spec;
        const fcgp_app_limits_t *l = rows[i].which_limits == 0 ? &lim
                                     : rows[i].which_limits == 1 ? &php_lim
                                     : &big;
        memset(&spec, 0, sizeof(spec));
        spec.vhost = rows[i].vhost;
        spec.envc = rows[i].envc;
        spec.env = rows[i].env;
        ck_assert_msg(fcgp_policy_profile_ok(prof, 2, &spec, l)
                      == rows[i].ok, "row %d", i);
    }
}
END_TEST

/* The identity a class asks for must be one its virtual host's requests
 * run as. */
START_TEST(test_profile_identity)
{
    static const char *const env_a[] = { "PATH=/bin", NULL };
    fcgp_app_limits_t lim;
    fcgp_app_profile_t prof[3];
    static const struct {
        const char *vhost;
        fcgp_identity_t id;
        int ok;
    } rows[] = {
        { "plain:80", { 0, 0, 0, 0 }, 1 },          /* the httpd User */
        { "plain:80", { 1, 0, 1001, 1001 }, 0 },    /* a user of its own */
        { "plain:80", { 1, 1, 1001, 1001 }, 0 },    /* no userdir there */
        { "a:80", { 1, 0, 1001, 1002 }, 1 },        /* SuexecUserGroup */
        { "a:80", { 0, 0, 0, 0 }, 0 },              /* not the httpd User */
        { "a:80", { 1, 0, 1003, 1002 }, 0 },        /* B's user */
        { "a:80", { 1, 0, 1001, 1003 }, 0 },        /* B's group */
        { "a:80", { 1, 1, 1001, 1002 }, 0 },        /* userdir not allowed */
        { "u:80", { 1, 1, 1005, 1005 }, 1 },        /* a ~user request */
        { "u:80", { 1, 1, 0, 1005 }, 0 },           /* never root */
        { "u:80", { 1, 1, 1005, 0 }, 0 },           /* nor group 0 */
        { "u:80", { 0, 0, 0, 0 }, 1 },              /* not under ~user */
        { "u:80", { 1, 0, 1005, 1005 }, 0 },        /* suexec, no userdir */
    };
    int i;

    memset(&lim, 0, sizeof(lim));
    lim.max_procs = 4;
    memset(prof, 0, sizeof(prof));
    prof[0].vhost = "plain:80";
    prof[1].vhost = "a:80";
    prof[1].ident.suexec = 1;
    prof[1].ident.uid = 1001;
    prof[1].ident.gid = 1002;
    prof[2].vhost = "u:80";
    prof[2].userdir_ok = 1;
    for (i = 0; i < 3; i++) {
        prof[i].envc = 1;
        prof[i].env = env_a;
        prof[i].limits = lim;
    }
    for (i = 0; i < (int)(sizeof(rows) / sizeof(rows[0])); i++) {
        fcgp_app_spec_t spec;
        memset(&spec, 0, sizeof(spec));
        spec.vhost = rows[i].vhost;
        spec.envc = 1;
        spec.env = env_a;
        spec.ident = rows[i].id;
        ck_assert_msg(fcgp_policy_profile_ok(prof, 3, &spec, &lim)
                      == rows[i].ok, "row %d", i);
    }
}
END_TEST

/* suexec's exit statuses are refusals; others are the app's. */
START_TEST(test_suexec_refusal)
{
    int code;
    for (code = 0; code < 256; code++) {
        const char *t = fcgp_policy_suexec_refusal(code);
        ck_assert_msg((t != NULL) == (code >= 101 && code <= 126),
                      "status %d", code);
    }
    ck_assert_ptr_nonnull(strstr(fcgp_policy_suexec_refusal(120),
                                 "owned by the target"));
    ck_assert_ptr_nonnull(strstr(fcgp_policy_suexec_refusal(114),
                                 "document root"));
}
END_TEST

/* A refusal pauses at once, and the pauses double like crash loops'. */
START_TEST(test_note_refusal)
{
    fcgp_failures_t f;
    apr_time_t now = apr_time_from_sec(1000);
    memset(&f, 0, sizeof(f));
    fcgp_policy_note_refusal(&f, now);
    ck_assert(f.backoff == FCGP_BACKOFF_FIRST);
    ck_assert(f.until == now + FCGP_BACKOFF_FIRST);
    fcgp_policy_note_refusal(&f, f.until);
    ck_assert(f.backoff == 2 * FCGP_BACKOFF_FIRST);
    fcgp_policy_note_success(&f);
    ck_assert(f.until == 0 && f.backoff == 0);
}
END_TEST

static const struct {
    apr_uint32_t procs_max, class_max, want;
} user_default_cases[] = {
    { 1000, 100, 250 },     /* the defaults: a quarter */
    { 1000, 400, 400 },     /* never below one class's max */
    { 100, 100, 100 },
    { 100, 500, 100 },      /* never above the server's */
    { 3, 1, 1 },
    { 1, 1, 1 },
    { 2, 0, 1 },            /* at least one */
};

START_TEST(test_user_max_default)
{
    ck_assert_uint_eq(
        fcgp_policy_user_max_default(user_default_cases[_i].procs_max,
                                     user_default_cases[_i].class_max),
        user_default_cases[_i].want);
}
END_TEST

/* Rows: up to 4 classes' lines and their users' processes -> pick. */
static const struct {
    const char *what;
    apr_uint32_t n;
    apr_uint32_t want[4], user_procs[4];
    apr_uint32_t pick;
} fair_cases[] = {
    { "nobody waits", 3, { 0, 0, 0 }, { 0, 1, 2 }, 3 },
    { "none", 0, { 0 }, { 0 }, 0 },
    { "one waits", 3, { 0, 2, 0 }, { 0, 9, 0 }, 1 },
    { "the user with fewest", 3, { 50, 1, 1 }, { 20, 0, 3 }, 1 },
    { "a flood does not win", 2, { 1000, 1 }, { 10, 9 }, 1 },
    { "tie: longest line", 3, { 1, 5, 3 }, { 2, 2, 2 }, 1 },
    { "tie everywhere: lowest index", 3, { 2, 2, 2 }, { 1, 1, 1 }, 0 },
    { "no processes beats a longer line", 2, { 9, 1 }, { 1, 0 }, 1 },
};

START_TEST(test_pick_fair)
{
    ck_assert_msg(fcgp_policy_pick_fair(fair_cases[_i].n,
                                        fair_cases[_i].want,
                                        fair_cases[_i].user_procs)
                  == fair_cases[_i].pick, "%s", fair_cases[_i].what);
}
END_TEST

/* Taking turns: picking, then giving the pick's user a process, spreads
 * processes between two users one of which floods. */
START_TEST(test_pick_fair_turns)
{
    apr_uint32_t want[2] = { 1000, 3 }, procs[2] = { 0, 0 };
    int k;
    for (k = 0; k < 6; k++) {
        apr_uint32_t i = fcgp_policy_pick_fair(2, want, procs);
        ck_assert_uint_lt(i, 2);
        procs[i]++;
        want[i]--;
    }
    /* B got its 3 while A got 3, not A all 6 */
    ck_assert_uint_eq(procs[0], 3);
    ck_assert_uint_eq(procs[1], 3);
    ck_assert_uint_eq(want[1], 0);
}
END_TEST

/* The signal helper's rule.  Rows: sig, pid, ppid, pgrp, uids, orphan
 * group -> 0 / EINVAL / EPERM (PM pid 500, httpd User 33). */
static const struct {
    const char *what;
    int sig;
    long pid, ppid, pgrp, uid[3], orphan;
    int want;
} signal_cases[] = {
    { "a worker of another user", SIGTERM, 900, 500, 500,
      { 1001, 1001, 1001 }, 0, 0 },
    { "SIGKILL too", SIGKILL, 900, 500, 500, { 1001, 1001, 1001 }, 0, 0 },
    { "SIGSTOP never", SIGSTOP, 900, 500, 500, { 1001, 1001, 1001 }, 0,
      EINVAL },
    { "SIGHUP never", SIGHUP, 900, 500, 500, { 1001, 1001, 1001 }, 0,
      EINVAL },
    { "signal 0 never", 0, 900, 500, 500, { 1001, 1001, 1001 }, 0, EINVAL },
    { "pid 1", SIGTERM, 1, 0, 1, { 1001, 1001, 1001 }, 0, EINVAL },
    { "pid 0 (a group)", SIGTERM, 0, 500, 500, { 1001, 1001, 1001 }, 0,
      EINVAL },
    { "a negative pid (a group)", SIGTERM, -500, 500, 500,
      { 1001, 1001, 1001 }, 0, EINVAL },
    { "not the PM's child", SIGTERM, 900, 1, 900, { 1001, 1001, 1001 }, 0,
      EPERM },
    { "a grandchild, its parent not read", SIGTERM, 900, 899, 500, { 1001, 1001, 1001 },
      0, EPERM },
    { "root", SIGTERM, 900, 500, 500, { 0, 0, 0 }, 0, EPERM },
    { "setuid root (euid 0)", SIGTERM, 900, 500, 500, { 1001, 0, 0 }, 0,
      EPERM },
    { "saved uid root", SIGTERM, 900, 500, 500, { 1001, 1001, 0 }, 0,
      EPERM },
    { "the httpd User's", SIGTERM, 900, 500, 500, { 33, 33, 33 }, 0,
      EPERM },
    { "a dead PM's orphan", SIGTERM, 900, 1, 400, { 1001, 1001, 1001 }, 400,
      0 },
    { "orphan of another group", SIGTERM, 900, 1, 401, { 1001, 1001, 1001 },
      400, EPERM },
    { "orphan group 1 is no group", SIGTERM, 900, 1, 1, { 1001, 1001, 1001 },
      1, EPERM },
    { "orphan, but root", SIGKILL, 900, 1, 400, { 0, 0, 0 }, 400, EPERM },
};

/* A worker's child (php-cgi's, which serves): the PM's grandchild, with
 * its parent's uids.  Rows: target uids, parent's parent, parent uids. */
static const struct {
    const char *what;
    long uid[3], gppid, parent_uid[3];
    int want;
} grandchild_cases[] = {
    { "a worker's child", { 1001, 1001, 1001 }, 500, { 1001, 1001, 1001 },
      0 },
    { "a child of another's process", { 1001, 1001, 1001 }, 499,
      { 1001, 1001, 1001 }, EPERM },
    { "parent unknown", { 1001, 1001, 1001 }, -1, { 1001, 1001, 1001 },
      EPERM },
    { "a setuid program the worker ran", { 1001, 1002, 1002 }, 500,
      { 1001, 1001, 1001 }, EPERM },
    { "another user's, under a worker", { 1002, 1002, 1002 }, 500,
      { 1001, 1001, 1001 }, EPERM },
    { "a worker's child, root", { 0, 0, 0 }, 500, { 0, 0, 0 }, EPERM },
    { "a worker's child, the httpd User", { 33, 33, 33 }, 500,
      { 33, 33, 33 }, EPERM },
};

START_TEST(test_signal_grandchild)
{
    fcgp_signal_facts_t f;
    memset(&f, 0, sizeof(f));
    f.sig = SIGKILL;
    f.pid = 901;
    f.ppid = 900;
    f.pgrp = 500;
    memcpy(f.uid, grandchild_cases[_i].uid, sizeof(f.uid));
    f.gppid = grandchild_cases[_i].gppid;
    memcpy(f.parent_uid, grandchild_cases[_i].parent_uid,
           sizeof(f.parent_uid));
    f.pm = 500;
    f.pm_uid = 33;
    ck_assert_msg(fcgp_policy_signal_ok(&f) == grandchild_cases[_i].want,
                  "%s: got %d", grandchild_cases[_i].what,
                  fcgp_policy_signal_ok(&f));
}
END_TEST

START_TEST(test_signal_ok)
{
    fcgp_signal_facts_t f;
    memset(&f, 0, sizeof(f));
    f.sig = signal_cases[_i].sig;
    f.pid = signal_cases[_i].pid;
    f.ppid = signal_cases[_i].ppid;
    f.pgrp = signal_cases[_i].pgrp;
    memcpy(f.uid, signal_cases[_i].uid, sizeof(f.uid));
    f.pm = 500;
    f.orphan_pgid = signal_cases[_i].orphan;
    f.pm_uid = 33;
    ck_assert_msg(fcgp_policy_signal_ok(&f) == signal_cases[_i].want,
                  "%s: got %d", signal_cases[_i].what,
                  fcgp_policy_signal_ok(&f));
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
    tcase_add_loop_test(tc, test_replace_now, 0, N_OF(replace_cases));
    tcase_add_loop_test(tc, test_enough_ahead, 0, N_OF(ahead_enough_cases));
    tcase_add_loop_test(tc, test_room, 0, N_OF(room_cases));
    tcase_add_loop_test(tc, test_grow, 0, N_OF(grow_cases));
    tcase_add_loop_test(tc, test_top_up, 0, N_OF(top_up_cases));
    suite_add_tcase(s, tc);

    tc = tcase_create("retiring");
    tcase_add_loop_test(tc, test_retire, 0, N_OF(retire_cases));
    tcase_add_loop_test(tc, test_renew, 0, N_OF(renew_cases));
    tcase_add_loop_test(tc, test_restart_child, 0, N_OF(restart_cases));
    tcase_add_loop_test(tc, test_parent_mode, 0, N_OF(parent_mode_cases));
    tcase_add_loop_test(tc, test_php_children, 0,
                        N_OF(php_children_cases));
    suite_add_tcase(s, tc);

    tc = tcase_create("failures");
    tcase_add_loop_test(tc, test_note_death, 0, N_OF(death_cases));
    tcase_add_loop_test(tc, test_note_success, 0, N_OF(success_cases));
    tcase_add_loop_test(tc, test_death_sequences, 0, N_OF(seq_cases));
    tcase_add_test(tc, test_backoff_cap_and_reset);
    tcase_add_test(tc, test_failure_constants);
    tcase_add_test(tc, test_profile_ok);
    tcase_add_test(tc, test_profile_identity);
    tcase_add_test(tc, test_suexec_refusal);
    tcase_add_test(tc, test_note_refusal);
    suite_add_tcase(s, tc);

    tc = tcase_create("users");
    tcase_add_loop_test(tc, test_user_max_default, 0,
                        N_OF(user_default_cases));
    tcase_add_loop_test(tc, test_pick_fair, 0, N_OF(fair_cases));
    tcase_add_test(tc, test_pick_fair_turns);
    tcase_add_loop_test(tc, test_signal_ok, 0, N_OF(signal_cases));
    tcase_add_loop_test(tc, test_signal_grandchild, 0,
                        N_OF(grandchild_cases));
    suite_add_tcase(s, tc);

    return unit_run(s);
}
