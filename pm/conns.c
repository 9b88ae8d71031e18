/* conns.c: an httpd child's kept connections to the PM (see conns.h).
 *
 * apr_reslist does the keeping.  Each connection has its own pool, so a
 * reconnect does not grow anything; those pools are children of the
 * keeper's pool, which has its own allocator with a mutex: the threads
 * make and free them, and the child's pool is not theirs to share.  The
 * list is cleaned up before the keeper's subpools are destroyed
 * (APR_RESLIST_CLEANUP_FIRST): by default apr_reslist destroys its idle
 * resources after, and each would destroy a pool already gone (a double
 * free into the allocator at every child exit). */
#include <sys/socket.h>
#include <apr_reslist.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>
#include "pm/conns.h"

struct fcgp_pm_conns {
    apr_reslist_t *list;
    const char *path;
};

apr_status_t fcgp_pm_connect(apr_pool_t *p, const char *path,
                             apr_socket_t **out)
{
    apr_sockaddr_t *sa;
    apr_socket_t *s;
    apr_status_t rv;

    rv = apr_sockaddr_info_get(&sa, path, APR_UNIX, 0, 0, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = apr_socket_create(&s, APR_UNIX, SOCK_STREAM, 0, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    apr_socket_timeout_set(s, FCGP_PM_IO_TIMEOUT);
    rv = apr_socket_connect(s, sa);
    if (rv != APR_SUCCESS) {
        apr_socket_close(s);
        return rv;
    }
    *out = s;
    return APR_SUCCESS;
}

static apr_status_t conn_make(void **res, void *params, apr_pool_t *pool)
{
    fcgp_pm_conns_t *k = params;
    fcgp_pm_conn_t *c;
    apr_pool_t *cp;
    apr_status_t rv;

    if ((rv = apr_pool_create(&cp, pool)) != APR_SUCCESS) {
        return rv;
    }
    c = apr_pcalloc(cp, sizeof(*c));
    c->pool = cp;
    rv = fcgp_pm_connect(cp, k->path, &c->sock);
    if (rv != APR_SUCCESS) {
        apr_pool_destroy(cp);
        return rv;
    }
    *res = c;
    return APR_SUCCESS;
}

static apr_status_t conn_free(void *res, void *params, apr_pool_t *pool)
{
    fcgp_pm_conn_t *c = res;
    (void)params;
    (void)pool;
    apr_pool_destroy(c->pool);      /* closes the socket */
    return APR_SUCCESS;
}

apr_status_t fcgp_pm_conns_create(apr_pool_t *p, const char *path, int max,
                                  fcgp_pm_conns_t **out)
{
    apr_allocator_t *alloc;
    apr_thread_mutex_t *lock;
    apr_pool_t *kp;
    fcgp_pm_conns_t *k;
    apr_status_t rv;

    if ((rv = apr_allocator_create(&alloc)) != APR_SUCCESS) {
        return rv;
    }
    if ((rv = apr_pool_create_ex(&kp, p, NULL, alloc)) != APR_SUCCESS) {
        apr_allocator_destroy(alloc);
        return rv;
    }
    apr_allocator_owner_set(alloc, kp);
    if ((rv = apr_thread_mutex_create(&lock, APR_THREAD_MUTEX_DEFAULT, kp))
        != APR_SUCCESS) {
        apr_pool_destroy(kp);
        return rv;
    }
    apr_allocator_mutex_set(alloc, lock);
    apr_pool_tag(kp, "fcgiproc_pm_conns");

    k = apr_pcalloc(kp, sizeof(*k));
    k->path = apr_pstrdup(kp, path);
    rv = apr_reslist_create(&k->list, 0, max, max, 0, conn_make, conn_free,
                            k, kp);
    if (rv != APR_SUCCESS) {
        apr_pool_destroy(kp);
        return rv;
    }
    apr_reslist_cleanup_order_set(k->list, APR_RESLIST_CLEANUP_FIRST);
    apr_reslist_timeout_set(k->list, FCGP_PM_IO_TIMEOUT);
    *out = k;
    return APR_SUCCESS;
}

apr_status_t fcgp_pm_conn_get(fcgp_pm_conns_t *k, apr_pool_t *p,
                              const char *path, int fresh,
                              fcgp_pm_conn_t **out)
{
    if (k && !fresh) {
        return apr_reslist_acquire(k->list, (void **)out);
    }
    *out = apr_pcalloc(p, sizeof(**out));
    (*out)->pool = NULL;
    return fcgp_pm_connect(p, path, &(*out)->sock);
}

void fcgp_pm_conn_put(fcgp_pm_conns_t *k, fcgp_pm_conn_t *c, int good)
{
    if (k && c->pool) {
        if (good) {
            apr_reslist_release(k->list, c);
        }
        else {
            apr_reslist_invalidate(k->list, c);
        }
    }
    else {
        apr_socket_close(c->sock);
    }
}
