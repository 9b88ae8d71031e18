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

#endif
