/* pm.h: the handler's only door into the process manager.
 *
 * Handler side (httpd children).  A lease is one worker handed to one
 * request: fcgp_pm_acquire() takes an idle worker of the class the spec
 * describes from the shared worker table (pm/table.h), counting the
 * request in the same step; when none is idle it waits in the class's
 * line, in arrival order, without polling, and asks the process manager
 * for a worker while the class may grow.  fcgp_pm_release() hands the
 * worker back with the outcome.  A worker that got its last request is
 * never handed out again.  fcgp_pm_status() gets the PM's state as
 * plain data for the status page. */
#ifndef FCGP_PM_H
#define FCGP_PM_H

#include <apr.h>
#include <apr_pools.h>
#include <apr_network_io.h>
#include <apr_file_info.h>
#include "pm/pm_types.h"
#include "pm/ipc.h"
#include "pm/status_data.h"
#include "pm/table.h"

typedef struct fcgp_lease_t fcgp_lease_t;

/* What a lease got: a worker (status FCGP_GRANT_OK), or why not. */
typedef struct {
    apr_uint32_t status;        /* fcgp_grant_status_e */
    apr_uint32_t slot;
    apr_uint32_t pid;           /* the worker's */
    apr_uint32_t nth;           /* this is the worker's nth request */
    apr_uint32_t limit;         /* effective limit, 0 = none */
    apr_uint32_t limit_source;  /* fcgp_limit_source_e */
    apr_uint32_t retry_after;   /* seconds, for BUSY/BACKOFF */
    apr_uint32_t refused;       /* BACKOFF because suexec refused to start
                                 * the app: suexec's exit status */
    const char *path;           /* worker's socket (OK) */
    const char *message;        /* what happened (not OK) */
} fcgp_grant_t;

struct fcgp_lease_t {
    apr_pool_t *pool;           /* the request's */
    const char *pm_path;
    fcgp_grant_t grant;
    int released;
    fcgp_tbl_claim_t claim;     /* (OK) what it holds in the table */
};

/* post_config (parent): the worker table, which every PM and every
 * child inherits. */
void fcgp_pm_use_table(fcgp_table_t *t);

/* child_init: keep up to `threads` connections to the PM open in this
 * httpd child, for its threads to share (saves a connect per request). */
apr_status_t fcgp_pm_child_init(apr_pool_t *pchild, const char *pm_path,
                                int threads);

/* Ask for a worker.  Allocates from p (r->pool); a cleanup on p hands a
 * worker never released back as broken (the PM retires it).  program:
 * httpd's stat of the spec's program when the request's file is the app
 * itself (r->finfo), else NULL (a wrapper's program is looked at here, at
 * most once a second per class).  When the program on disk is not the
 * one the class's workers were started from, the PM is told first: it
 * retires the old version's workers and starts new ones.  Returns
 * APR_SUCCESS with *lease set; (*lease)->grant.status tells whether a
 * worker was granted (FCGP_GRANT_OK) or why not.  Any other return means
 * the PM could not be reached (*lease is NULL) and errmsg says what
 * failed. */
apr_status_t fcgp_pm_acquire(apr_pool_t *p, const char *pm_path,
                             const fcgp_app_spec_t *spec,
                             const fcgp_app_limits_t *limits,
                             const apr_finfo_t *program,
                             fcgp_lease_t **lease, const char **errmsg);

/* Hand the worker back (and note how long the request held it, for the
 * status page).  Idempotent. */
void fcgp_pm_release(fcgp_lease_t *lease, fcgp_outcome_e outcome);

/* A request that failed (before closing fd, its connection to the
 * worker): note which socket of the application's it was connected to,
 * so that the PM can stop the process that held it (in a php-cgi pool,
 * one of the parent's children).  One sock_diag request. */
void fcgp_pm_lease_failed(fcgp_lease_t *lease, int fd);

/* Connected (fd): note the socket in the worker's slot, so that the
 * status page can tell which child of a php-cgi pool serves.  One
 * fstat(). */
void fcgp_pm_lease_connected(fcgp_lease_t *lease, int fd);

/* Handler and PM: the inode of the other end of the unix socket whose
 * inode is ino, from the kernel's sock_diag (one request, answered before
 * send() returns: never waits); 0 when not known (not connected, gone). */
apr_uint32_t fcgp_unix_peer(apr_uint32_t ino);

/* Handler: the counters (pm/counters.h) of the class spec describes, in
 * the worker table; the record of requests of no known class when the
 * process manager never added it (a class is never added here: a request
 * for a file that does not exist must not make one).  NULL when there is
 * no table. */
fcgp_counters_t *fcgp_pm_counters(apr_pool_t *p, const fcgp_app_spec_t *spec);

/* A granted lease: publish the request it serves in the worker's slot,
 * for the status page (method, URI and query; now: when it got the
 * worker).  A few stores; the PM reads them (pm/table.h). */
void fcgp_pm_lease_request(fcgp_lease_t *lease, const char *method,
                           const char *uri, const char *args,
                           apr_time_t now);

/* Handler only.  Ask the PM for a snapshot of its state (pm/status_data.h:
 * every class, every worker, the last exits, the counters with the first
 * metrics_classes classes in rows of their own), as data: formatting it
 * is the caller's business.  *st and everything in it is allocated from p
 * (r->pool).  Anything but APR_SUCCESS: errmsg says what failed. */
apr_status_t fcgp_pm_status(apr_pool_t *p, const char *pm_path,
                            apr_uint32_t metrics_classes,
                            fcgp_status_t **st, const char **errmsg);

/* Handler only (a readiness check): the classes in the worker table, and
 * those paused by the rapid-failure back-off with no worker left. */
void fcgp_pm_paused(apr_uint32_t *classes, apr_uint32_t *paused);

/* Process-manager process (see pm_main.c): runs until told to stop. */
int fcgp_pm_main(apr_pool_t *p, apr_socket_t *listener,
                 const fcgp_pm_settings_t *settings, fcgp_table_t *table,
                 void *server);

#endif
