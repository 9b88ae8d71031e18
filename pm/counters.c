/* counters.c: the names of the counters' ids (see counters.h). */
#include <string.h>
#include "pm/counters.h"

static const int codes[FCGP_CNT_NCODES] = {
    200, 201, 202, 204, 206, 301, 302, 303, 304, 307, 308,
    400, 401, 403, 404, 405, 406, 408, 409, 410, 411, 412, 413, 414, 415,
    416, 422, 429, 500, 501, 502, 503, 504
};

static const char *const code_labels[FCGP_CNT_NSTATUS] = {
    "200", "201", "202", "204", "206", "301", "302", "303", "304", "307",
    "308", "400", "401", "403", "404", "405", "406", "408", "409", "410",
    "411", "412", "413", "414", "415", "416", "422", "429", "500", "501",
    "502", "503", "504",
    "1xx", "2xx", "3xx", "4xx", "5xx", "other"
};

unsigned fcgp_cnt_status_id(int status)
{
    unsigned k;
    for (k = 0; k < FCGP_CNT_NCODES; k++) {
        if (codes[k] == status) {
            return FCGP_CNT_STATUS + k;
        }
    }
    if (status >= 100 && status <= 599) {
        return FCGP_CNT_STATUS + FCGP_CNT_NCODES
               + (unsigned)(status / 100 - 1);
    }
    return FCGP_CNT_STATUS + FCGP_CNT_NSTATUS - 1;
}

const char *fcgp_cnt_status_label(unsigned k)
{
    return k < FCGP_CNT_NSTATUS ? code_labels[k] : "other";
}

/* Upper bounds in microseconds; the last bucket is +Inf. */
static const apr_interval_time_t bounds[FCGP_CNT_NBUCKETS - 1] = {
    1000, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
    1000000, 2500000, 5000000, 10000000, 30000000, 60000000
};

static const char *const bound_labels[FCGP_CNT_NBUCKETS] = {
    "0.001", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5",
    "1", "2.5", "5", "10", "30", "60", "+Inf"
};

unsigned fcgp_cnt_wait_id(apr_interval_time_t waited)
{
    unsigned k;
    for (k = 0; k < FCGP_CNT_NBUCKETS - 1; k++) {
        if (waited <= bounds[k]) {
            break;
        }
    }
    return FCGP_CNT_WAIT + k;
}

const char *fcgp_cnt_wait_label(unsigned k)
{
    return k < FCGP_CNT_NBUCKETS ? bound_labels[k] : "+Inf";
}

apr_interval_time_t fcgp_cnt_wait_bound(unsigned k)
{
    return k < FCGP_CNT_NBUCKETS - 1 ? bounds[k] : -1;
}

void fcgp_cnt_observe_wait(fcgp_counters_t *c, apr_interval_time_t waited)
{
    if (waited < 0) {
        waited = 0;     /* the wall clock stepped back */
    }
    fcgp_cnt_inc(c, fcgp_cnt_wait_id(waited));
    fcgp_cnt_add(c, FCGP_CNT_WAIT_SUM_US, (apr_uint64_t)waited);
}

static const char *const exit_labels[FCGP_EXIT_N] = {
    [FCGP_EXIT_LIMIT] = "limit",
    [FCGP_EXIT_IDLE] = "idle",
    [FCGP_EXIT_LIFETIME] = "lifetime",
    [FCGP_EXIT_GRACEFUL] = "graceful",
    [FCGP_EXIT_SELF] = "self",
    [FCGP_EXIT_CRASH] = "crash",
    [FCGP_EXIT_TIMEOUT] = "timeout",
    [FCGP_EXIT_BROKEN] = "broken",
    [FCGP_EXIT_ORPHAN] = "orphan",
    [FCGP_EXIT_SUPERSEDED] = "superseded",
    [FCGP_EXIT_GROWN] = "grown",
    [FCGP_EXIT_OTHER] = "other"
};

const char *fcgp_cnt_exit_label(unsigned reason)
{
    return reason < FCGP_EXIT_N ? exit_labels[reason] : "other";
}

/* The words fcgp_policy_retire (pm/policy.c) and pm_main.c retire a
 * worker with; t/unit/test_counters.c checks that every reason the policy
 * gives is known here. */
static const struct {
    const char *words;
    fcgp_exit_reason_e reason;
} retire_words[] = {
    {"request limit", FCGP_EXIT_LIMIT},
    {"FcgiProcIdleTimeout", FCGP_EXIT_IDLE},
    {"FcgiProcProcessLifeTime", FCGP_EXIT_LIFETIME},
    {"httpd restart or stop", FCGP_EXIT_GRACEFUL},
    {"httpd is gone", FCGP_EXIT_GRACEFUL},
    {"missed a deadline", FCGP_EXIT_TIMEOUT},
    {"broken request", FCGP_EXIT_BROKEN},
    {"superseded: its program was replaced", FCGP_EXIT_SUPERSEDED},
    {"a larger pool took its place", FCGP_EXIT_GROWN}
};

fcgp_exit_reason_e fcgp_cnt_exit_reason(const char *retire_reason)
{
    unsigned k;
    for (k = 0; retire_reason
                && k < sizeof(retire_words) / sizeof(retire_words[0]); k++) {
        if (strcmp(retire_words[k].words, retire_reason) == 0) {
            return retire_words[k].reason;
        }
    }
    return FCGP_EXIT_OTHER;
}
