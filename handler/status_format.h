/* status_format.h: the status page's formats and mod_status's section,
 * made from a snapshot of the process manager (pm/status_data.h).
 * Handler only, but pure: APR and the snapshot, no request, so it is
 * unit-tested on its own. */
#ifndef FCGP_STATUS_FORMAT_H
#define FCGP_STATUS_FORMAT_H

#include <apr_pools.h>
#include "pm/status_data.h"

/* One JSON document (an object ending in a newline): the PM's numbers,
 * then "classes", "workers" and "recent_exits", arrays of objects.
 * Strings escaped; allocated from p. */
const char *fcgp_status_json(apr_pool_t *p, const fcgp_status_t *st);

/* The same, and per worker its current request ("request_method",
 * "request_uri", "request_ms": how long it has run; null when not busy)
 * and "last_request_ms" (null before its first ends): ?json&full. */
const char *fcgp_status_json_full(apr_pool_t *p, const fcgp_status_t *st);

/* The body of an HTML page: a paragraph with the PM's numbers and one
 * table each for classes, workers and exits.  Text escaped; allocated
 * from p. */
const char *fcgp_status_html(apr_pool_t *p, const fcgp_status_t *st);

/* What mod_status asks for: the values of its AP_STATUS_* flags (checked
 * in handler/status.c), so that this file needs no httpd header. */
#define FCGP_SECTION_SHORT      0x1     /* ?auto: "Key: value" lines */
#define FCGP_SECTION_NOTABLE    0x2     /* HTML without tables */
#define FCGP_SECTION_EXTENDED   0x4     /* ExtendedStatus On */

/* Our section of mod_status's /server-status.  SHORT: one "FcgiProc...:
 * N" line per total (README.md lists them).  HTML: with EXTENDED, the
 * totals, then each class (command line and virtual host) with every
 * process (pid, state, requests and limit, age, idle), as tables or, with
 * NOTABLE, lists; without, one line of totals.  st NULL: the process
 * manager could not be reached (errmsg says why): one line, or
 * "FcgiProcManagerUp: 0".  Text escaped; allocated from p. */
const char *fcgp_status_section(apr_pool_t *p, const fcgp_status_t *st,
                                const char *errmsg, int flags);

#endif
