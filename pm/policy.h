/* policy.h: pure decisions of the process manager.  No I/O, no clock:
 * callers pass everything in.  Unit-tested (t/unit/test_policy.c). */
#ifndef FCGP_PM_POLICY_H
#define FCGP_PM_POLICY_H

#include "pm/pm_types.h"

/* The limit the PM enforces: the configured one (already the smaller of
 * FcgiProcMaxRequestsPerProcess and the app's own, see conf/) or what the
 * PM learned from watching the app exit by itself, whichever is smaller.
 * 0 means none.  *source says where the winner came from. */
apr_uint32_t fcgp_policy_effective_limit(apr_uint32_t configured,
                                         apr_uint32_t configured_source,
                                         apr_uint32_t learned,
                                         apr_uint32_t *source);

/* How many requests before a worker's limit its replacement is started,
 * so that it has finished starting when it is needed: a fifth of the
 * limit, at most 50 (php-cgi needs ~10 ms to start, several times that on
 * a loaded machine, while a busy worker serves hundreds of requests a
 * second); 0 (start it with the last request) below 5. */
apr_uint32_t fcgp_policy_spawn_ahead(apr_uint32_t limit);

/* Rapid-failure back-off: the next pause after `current` (0 = none yet):
 * `first`, then doubling, never above `max`. */
apr_interval_time_t fcgp_policy_next_backoff(apr_interval_time_t current,
                                             apr_interval_time_t first,
                                             apr_interval_time_t max);

#endif
