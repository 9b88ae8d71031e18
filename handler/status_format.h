/* status_format.h: the status page's formats, made from a snapshot of the
 * process manager (pm/status_data.h).  Handler only, but pure: APR and
 * the snapshot, no request, so it is unit-tested on its own. */
#ifndef FCGP_STATUS_FORMAT_H
#define FCGP_STATUS_FORMAT_H

#include <apr_pools.h>
#include "pm/status_data.h"

/* One JSON document (an object ending in a newline): the PM's numbers,
 * then "classes", "workers" and "recent_exits", arrays of objects.
 * Strings escaped; allocated from p. */
const char *fcgp_status_json(apr_pool_t *p, const fcgp_status_t *st);

/* The body of an HTML page: a paragraph with the PM's numbers and one
 * table each for classes, workers and exits.  Text escaped; allocated
 * from p. */
const char *fcgp_status_html(apr_pool_t *p, const fcgp_status_t *st);

#endif
