/* status_page.h: the HTML status page (SetHandler fcgiproc-status), made
 * for people during an incident, from a snapshot of the process manager
 * (pm/status_data.h).  Handler only, but pure: APR and the snapshot, no
 * request, so it is unit-tested on its own (the JSON formats and
 * mod_status's section are status_format.h's). */
#ifndef FCGP_STATUS_PAGE_H
#define FCGP_STATUS_PAGE_H

#include <apr_pools.h>
#include <apr_time.h>
#include "pm/status_data.h"

/* ?refresh=N: the page reloads itself every N seconds, N in [1, this]. */
#define FCGP_STATUS_REFRESH_MAX 3600

/* The whole document: the totals; each application class with its load
 * against its limits (busy, idle and stopping processes of its maximum,
 * requests waiting, slow requests); every worker with its state (a colour
 * and a symbol with a word, so states are told apart without reading
 * every cell nor seeing colours; each row has data-state), age, requests
 * of its limit and its current request; the last exits with their
 * reasons (unexpected ones marked).  refresh > 0: a <meta> refresh every
 * refresh seconds.  now: for "ago".  Text escaped; allocated from p. */
const char *fcgp_status_page(apr_pool_t *p, const fcgp_status_t *st,
                             int refresh, apr_time_t now);

#endif
