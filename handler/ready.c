/* ready.c: "SetHandler fcgiproc-ready": whether this node takes requests,
 * for a load balancer's health check (readiness, not liveness: a plain
 * static file says httpd is alive).
 *
 *   200 "ready"      it takes requests;
 *   503 "draining"   httpd is stopping (graceful-stop): this process
 *                    finishes the requests it has, and no new ones should
 *                    come (httpd closed its listeners already, so a new
 *                    connection is refused); a process that a graceful
 *                    restart replaces still says 200, the node goes on;
 *   503 "paused"     every FastCGI application it knows is unusable: each
 *                    class is paused by the rapid-failure back-off with no
 *                    worker left, each external server's backends are all
 *                    being skipped.
 *
 * Saturation is not unreadiness: a request that finds no free worker
 * within FcgiProcQueueTimeout gets 503 with Retry-After, and the next one
 * may well be served.  The answer is never cached. */
#include <string.h>
#include <apr_atomic.h>
#include <apr_strings.h>
#include "httpd.h"
#include "http_config.h"
#include "http_protocol.h"
#include "ap_mpm.h"
#include "scoreboard.h"
#include "conf/conf.h"
#include "pm/pm.h"
#include "handler/fcgiproc_handler.h"

/* External servers whose backends are all being skipped, of how many. */
static void externals_down(apr_pool_t *p, const fcgp_srv_conf_t *sc,
                           apr_uint32_t *n, apr_uint32_t *down)
{
    apr_uint32_t now = (apr_uint32_t)apr_time_sec(apr_time_now());
    apr_hash_index_t *hi;

    *n = *down = 0;
    if (!sc->servers.by_path) {
        return;
    }
    for (hi = apr_hash_first(p, sc->servers.by_path); hi;
         hi = apr_hash_next(hi)) {
        fcgp_server_t *fs = apr_hash_this_val(hi);
        int i, up = 0;
        if (fs->kind != FCGP_SERVER_EXTERNAL) {
            continue;
        }
        (*n)++;
        for (i = 0; i < fs->backends->nelts && !up; i++) {
            fcgp_backend_t *be = &APR_ARRAY_IDX(fs->backends, i,
                                                fcgp_backend_t);
            up = apr_atomic_read32(&be->down_until) <= now;
        }
        *down += !up;
    }
}

/* This httpd process is stopping, and the node with it: the MPM says
 * STOPPING (graceful-stop, a stop, or a graceful restart), and the parent
 * did not start a new generation (it does so before it tells the old
 * processes to go on a graceful restart). */
static int node_stopping(void)
{
    int state = AP_MPMQ_RUNNING, mine = 0;
    if (ap_mpm_query(AP_MPMQ_MPM_STATE, &state) != APR_SUCCESS
        || state != AP_MPMQ_STOPPING) {
        return 0;
    }
    return !ap_scoreboard_image
           || ap_mpm_query(AP_MPMQ_GENERATION, &mine) != APR_SUCCESS
           || ap_scoreboard_image->global->running_generation == mine;
}

int fcgp_ready_handler(request_rec *r)
{
    apr_uint32_t classes, paused, ext, ext_down;
    const char *why = NULL;

    if (!r->handler || strcmp(r->handler, FCGP_READY_HANDLER_NAME) != 0) {
        return DECLINED;
    }
    if (r->method_number != M_GET) {
        return HTTP_METHOD_NOT_ALLOWED;
    }
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    if (node_stopping()) {
        why = "draining: httpd is stopping\n";
    }
    else {
        fcgp_pm_paused(&classes, &paused);
        externals_down(r->pool, FCGP_SRV(r->server), &ext, &ext_down);
        if (classes + ext && paused + ext_down == classes + ext) {
            why = apr_psprintf(r->pool, "paused: every application is "
                               "unusable (%u of %u paused after crashing, "
                               "%u of %u external ones unreachable)\n",
                               paused, classes, ext_down, ext);
        }
    }
    ap_set_content_type(r, "text/plain");
    if (why) {
        r->status = HTTP_SERVICE_UNAVAILABLE;
        apr_table_setn(r->err_headers_out, "Retry-After", "5");
        apr_table_setn(r->headers_out, "Retry-After", "5");
        ap_rputs(why, r);
        return OK;
    }
    ap_rputs("ready\n", r);
    return OK;
}
