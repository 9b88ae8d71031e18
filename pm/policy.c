/* policy.c: pure decisions of the process manager (see policy.h). */
#include "pm/policy.h"

apr_uint32_t fcgp_policy_effective_limit(apr_uint32_t configured,
                                         apr_uint32_t configured_source,
                                         apr_uint32_t learned,
                                         apr_uint32_t *source)
{
    if (learned && (!configured || learned < configured)) {
        *source = FCGP_LIMIT_LEARNED;
        return learned;
    }
    *source = configured ? configured_source : FCGP_LIMIT_NONE;
    return configured;
}

const char *fcgp_limit_source_name(fcgp_limit_source_e src)
{
    switch (src) {
    case FCGP_LIMIT_OURS:
        return "FcgiProcMaxRequestsPerProcess";
    case FCGP_LIMIT_PHP_ENV:
        return "PHP_FCGI_MAX_REQUESTS in FcgiProcInitialEnv";
    case FCGP_LIMIT_PHP_GIVEN:
        return "PHP_FCGI_MAX_REQUESTS given to php-cgi by default";
    case FCGP_LIMIT_APP_DECLARED:
        return "FcgiProcAppMaxRequests";
    case FCGP_LIMIT_LEARNED:
        return "learned: the app exited by itself";
    case FCGP_LIMIT_NONE:
    default:
        return "no limit";
    }
}

apr_uint32_t fcgp_policy_spawn_ahead(apr_uint32_t limit)
{
    apr_uint32_t n = limit / 5;
    return n > 50 ? 50 : n;
}

apr_interval_time_t fcgp_policy_next_backoff(apr_interval_time_t current,
                                             apr_interval_time_t first,
                                             apr_interval_time_t max)
{
    apr_interval_time_t next = current > 0 ? current * 2 : first;
    return next > max ? max : next;
}
