/* pm.h: the handler's only door into the process manager.
 *
 * Handler side (httpd children).  A lease is one worker handed to one
 * request: fcgp_pm_acquire() takes an idle worker of the class the spec
 * describes from the shared worker table (pm/table.h) or, when there is
 * none and the class may grow (or the PM has not seen it yet), asks the PM;
 * while every worker is busy and the class is full it waits, without
 * polling, in arrival order.  fcgp_pm_release() hands it back with the
 * outcome.  The request is counted when the worker is handed out; a worker
 * that got its last request is never handed out again.  fcgp_pm_status()
 * gets the PM's state as plain data for the status page. */
#ifndef FCGP_PM_H
#define FCGP_PM_H

#include <apr.h>
#include <apr_pools.h>
#include <apr_network_io.h>
#include "pm/pm_types.h"
#include "pm/ipc.h"
#include "pm/status_data.h"
#include "pm/table.h"

typedef struct fcgp_lease_t fcgp_lease_t;
typedef struct fcgp_pm_conn_t fcgp_pm_conn_t;

struct fcgp_lease_t {
    apr_pool_t *pool;           /* the request's */
    const char *pm_path;
    fcgp_pm_conn_t *conn;       /* the lease's connection to the PM */
    apr_socket_t *pm;           /* its socket */
    fcgp_msg_grant_t grant;     /* what the PM said */
    int released;
    int fast;                   /* taken from the worker table itself */
    fcgp_tbl_claim_t claim;     /* (fast) what it holds there */
};

/* post_config (parent): this generation's worker table, which the PM
 * and the children inherit.  NULL: every lease goes through the PM. */
void fcgp_pm_use_table(fcgp_table_t *t);

/* child_init: keep up to `threads` connections to the PM open in this
 * httpd child, for its threads to share (saves a connect per request). */
apr_status_t fcgp_pm_child_init(apr_pool_t *pchild, const char *pm_path,
                                int threads);

/* Ask for a worker.  Allocates from p (r->pool); a cleanup on p closes the
 * PM connection, which the PM treats as a broken request if release was
 * never called.  Returns APR_SUCCESS with *lease set; (*lease)->grant.status
 * tells whether a worker was granted (FCGP_GRANT_OK) or why not.  Any other
 * return means the PM could not be reached (*lease is NULL) and errmsg says
 * what failed. */
apr_status_t fcgp_pm_acquire(apr_pool_t *p, const char *pm_path,
                             const fcgp_app_spec_t *spec,
                             const fcgp_app_limits_t *limits,
                             fcgp_lease_t **lease, const char **errmsg);

/* Hand the worker back.  Idempotent. */
void fcgp_pm_release(fcgp_lease_t *lease, fcgp_outcome_e outcome);

/* Handler only.  Ask the PM for a snapshot of its state (pm/status_data.h:
 * every class, every worker, the last exits), as data: formatting it is
 * the caller's business.  *st and everything in it is allocated from p
 * (r->pool).  Anything but APR_SUCCESS: errmsg says what failed. */
apr_status_t fcgp_pm_status(apr_pool_t *p, const char *pm_path,
                            fcgp_status_t **st, const char **errmsg);

/* Process-manager process (see pm_main.c): runs until told to stop. */
int fcgp_pm_main(apr_pool_t *p, apr_socket_t *listener,
                 const fcgp_pm_settings_t *settings, fcgp_table_t *table,
                 void *server);

#endif
