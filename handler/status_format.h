/* status_format.h: the status page's formats and mod_status's section,
 * made from a snapshot of the process manager (pm/status_data.h).
 * Handler only, but pure: APR and the snapshot, no request, so it is
 * unit-tested on its own. */
#ifndef FCGP_STATUS_FORMAT_H
#define FCGP_STATUS_FORMAT_H

#include <apr_pools.h>
#include "pm/status_data.h"

/* What the counters' formats need besides the snapshot (NULL: cause
 * names "cause_<k>", and the current time). */
typedef struct {
    const char *const *fail_names;  /* fcgiproc_failures_total{cause}:
                                     * [k] names counter FCGP_CNT_FAIL + k
                                     * (handler.c's fail_table), NULL ends
                                     * them */
    apr_time_t now;                 /* when the page is made */
} fcgp_fmt_t;

/* One JSON document (an object ending in a newline): the PM's numbers,
 * then "classes", "workers" and "recent_exits", arrays of objects, then
 * the counters: "counters_since", "classes_total" and "metrics", an array
 * of rows with the same figures as fcgp_status_metrics().  Strings
 * escaped; allocated from p. */
const char *fcgp_status_json(apr_pool_t *p, const fcgp_status_t *st,
                             const fcgp_fmt_t *f);

/* The same, and per worker its current request ("request_method",
 * "request_uri", "request_ms": how long it has run; null when not busy)
 * and "last_request_ms" (null before its first ends): ?json&full. */
const char *fcgp_status_json_full(apr_pool_t *p, const fcgp_status_t *st,
                                  const fcgp_fmt_t *f);

/* For the HTML page (status_page.c): "Counters", a heading, a line with
 * their start and a link to ?metrics, and a small table of the main
 * counters per metrics row (requests, 5xx, failed, retried, slow, spawns,
 * spawn failures, exits, max active, max waiting).  Text escaped;
 * allocated from p. */
const char *fcgp_status_counters_html(apr_pool_t *p, const fcgp_status_t *st);

/* ?metrics: the Prometheus text exposition format (version 0.0.4): the
 * families and labels docs/metrics.md lists, every one with HELP and
 * TYPE, from the snapshot's metrics rows; st NULL: only fcgiproc_up 0 (the
 * process manager could not be reached).  Label values escaped;
 * allocated from p. */
const char *fcgp_status_metrics(apr_pool_t *p, const fcgp_status_t *st,
                                const fcgp_fmt_t *f);

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
