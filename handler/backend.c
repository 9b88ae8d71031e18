/* backend.c: the backends of an external server (FcgiProcExternalServer):
 * which one a try goes to, connecting to it, and skipping one that
 * refuses connections.  The other source of a connection in handler.c's
 * request path (the first is a worker leased from the PM): nothing is
 * spawned or counted here, the external application's own manager does
 * that.
 *
 * State: each backend's down_until and up_logged (conf_servers.h), in
 * configuration memory, so each httpd child has its own, shared by its
 * threads through atomics.  A request keeps the backends it tried in a
 * bit mask (at most 64 backends, conf_servers.c). */
#include <unistd.h>
#include <apr_atomic.h>
#include <apr_strings.h>
#include "httpd.h"
#include "http_log.h"
#include "fcgp_log.h"
#include "handler/handler.h"

FCGP_LOG_MODULE;

static apr_uint32_t now_sec(void)
{
    return (apr_uint32_t)apr_time_sec(apr_time_now());
}

int fcgp_backend_pick(fcgp_server_t *fs, apr_uint64_t tried,
                      apr_uint32_t *retry_after)
{
    int n = fs->backends->nelts, i;
    apr_uint32_t start = apr_atomic_inc32(&fs->next);
    apr_uint32_t now = now_sec(), wait = 0;

    for (i = 0; i < n; i++) {
        int k = (int)((start + (apr_uint32_t)i) % (apr_uint32_t)n);
        fcgp_backend_t *be = &APR_ARRAY_IDX(fs->backends, k, fcgp_backend_t);
        apr_uint32_t until;
        if (tried & ((apr_uint64_t)1 << k)) {
            continue;
        }
        until = apr_atomic_read32(&be->down_until);
        if (until > now) {
            if (!wait || until - now < wait) {
                wait = until - now;
            }
            continue;
        }
        return k;
    }
    *retry_after = wait ? wait : 1;
    return -1;
}

int fcgp_backend_left(fcgp_server_t *fs, apr_uint64_t tried)
{
    apr_uint32_t now = now_sec();
    int i;
    for (i = 0; i < fs->backends->nelts; i++) {
        fcgp_backend_t *be = &APR_ARRAY_IDX(fs->backends, i, fcgp_backend_t);
        if (!(tried & ((apr_uint64_t)1 << i))
            && apr_atomic_read32(&be->down_until) <= now) {
            return 1;
        }
    }
    return 0;
}

apr_status_t fcgp_backend_connect(apr_pool_t *p, fcgp_backend_t *be,
                                  apr_interval_time_t timeout,
                                  apr_socket_t **out)
{
    apr_socket_t *s;
    int family = be->addr->family;
    apr_status_t rv;

    rv = apr_socket_create(&s, family, SOCK_STREAM,
                           family == APR_UNIX ? 0 : APR_PROTO_TCP, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (family != APR_UNIX) {
        apr_socket_opt_set(s, APR_TCP_NODELAY, 1);
    }
    apr_socket_timeout_set(s, timeout);
    if ((rv = apr_socket_connect(s, be->addr)) != APR_SUCCESS) {
        apr_socket_close(s);
        return rv;
    }
    *out = s;
    return APR_SUCCESS;
}

void fcgp_backend_refused(request_rec *r, const fcgp_server_t *fs,
                          fcgp_backend_t *be, apr_status_t rv)
{
    apr_uint32_t now = now_sec();
    apr_uint32_t until = apr_atomic_read32(&be->down_until);

    /* One thread of this child marks it (and says so); the others see it
     * skipped. */
    if (until > now
        || apr_atomic_cas32(&be->down_until,
                            now + FCGP_BACKEND_SKIP_SEC, until) != until) {
        return;
    }
    apr_atomic_set32(&be->up_logged, 1);
    ap_log_rerror(APLOG_MARK, APLOG_WARNING, rv, r, FCGP_LOGNO(02090)
                  "%s: cannot connect to backend %s; this httpd child (pid "
                  "%d) skips it for %d s and sends its requests to the "
                  "other backends, if any",
                  fs->where, be->name, (int)getpid(), FCGP_BACKEND_SKIP_SEC);
}

void fcgp_backend_answered(request_rec *r, const fcgp_server_t *fs,
                           fcgp_backend_t *be)
{
    if (apr_atomic_read32(&be->up_logged)
        && apr_atomic_cas32(&be->up_logged, 0, 1) == 1) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, FCGP_LOGNO(02091)
                      "%s: backend %s answers again", fs->where, be->name);
    }
}
