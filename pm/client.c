/* client.c: the handler's side of a lease (see pm.h).  Runs in httpd
 * children, any thread; everything lives in the caller's pool. */
#include <unistd.h>
#include <apr_strings.h>
#include <apr_reslist.h>
#include "pm/pm.h"

/* How long a connect or a small write to the PM may take.  The PM answers
 * in microseconds; seconds here only matter when it is being restarted. */
#define PM_IO_TIMEOUT apr_time_from_sec(5)

static apr_status_t send_all(apr_socket_t *s, const char *buf, apr_size_t len)
{
    while (len) {
        apr_size_t n = len;
        apr_status_t rv = apr_socket_send(s, buf, &n);
        if (rv != APR_SUCCESS) {
            return rv;
        }
        buf += n;
        len -= n;
    }
    return APR_SUCCESS;
}

static apr_status_t recv_all(apr_socket_t *s, char *buf, apr_size_t len)
{
    while (len) {
        apr_size_t n = len;
        apr_status_t rv = apr_socket_recv(s, buf, &n);
        if (rv != APR_SUCCESS && !(rv == APR_EOF && n)) {
            return rv;
        }
        buf += n;
        len -= n;
    }
    return APR_SUCCESS;
}

/* One connection to the PM, owned by the lease that uses it or idle in
 * this process's list.  Its own pool, so reconnecting does not grow the
 * child's. */
struct fcgp_pm_conn_t {
    apr_socket_t *sock;
    apr_pool_t *pool;
};

/* Per httpd child: idle connections to the PM, shared by its threads
 * (apr_reslist locks).  Set once in child_init; NULL means connect for
 * each request. */
static apr_reslist_t *pm_conns;
static const char *pm_conns_path;

/* This generation's worker table (inherited from the parent). */
static fcgp_table_t *table;
static apr_uint32_t my_pid;     /* this httpd child's, the holder's id */

void fcgp_pm_use_table(fcgp_table_t *t)
{
    table = t;
}

static apr_status_t pm_connect(apr_pool_t *p, const char *path,
                               apr_socket_t **out);

static apr_status_t conn_make(void **res, void *params, apr_pool_t *pool)
{
    fcgp_pm_conn_t *c;
    apr_pool_t *cp;
    apr_status_t rv;

    apr_pool_create(&cp, pool);
    c = apr_pcalloc(cp, sizeof(*c));
    c->pool = cp;
    rv = pm_connect(cp, pm_conns_path, &c->sock);
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
    apr_pool_destroy(c->pool);      /* closes the socket */
    return APR_SUCCESS;
}

apr_status_t fcgp_pm_child_init(apr_pool_t *pchild, const char *pm_path,
                                int threads)
{
    apr_status_t rv;
    my_pid = (apr_uint32_t)getpid();
    pm_conns_path = apr_pstrdup(pchild, pm_path);
    rv = apr_reslist_create(&pm_conns, 0, threads, threads, 0, conn_make,
                            conn_free, NULL, pchild);
    if (rv != APR_SUCCESS) {
        pm_conns = NULL;
        return rv;
    }
    apr_reslist_timeout_set(pm_conns, PM_IO_TIMEOUT);
    return APR_SUCCESS;
}

/* Get a connection: an idle one of this process, or a new one. */
static apr_status_t conn_get(apr_pool_t *p, const char *pm_path,
                             int fresh, fcgp_pm_conn_t **out)
{
    if (pm_conns && !fresh) {
        return apr_reslist_acquire(pm_conns, (void **)out);
    }
    *out = apr_pcalloc(p, sizeof(**out));
    (*out)->pool = NULL;
    return pm_connect(p, pm_path, &(*out)->sock);
}

/* Done with a connection: keep it (good) or drop it (state unknown). */
static void conn_put(fcgp_pm_conn_t *c, int good)
{
    if (pm_conns && c->pool) {
        if (good) {
            apr_reslist_release(pm_conns, c);
        }
        else {
            apr_reslist_invalidate(pm_conns, c);
        }
    }
    else {
        apr_socket_close(c->sock);
    }
}

/* Request pool cleanup: a lease never released gives its connection up,
 * which the PM takes as a broken request. */
static apr_status_t close_pm(void *data)
{
    fcgp_lease_t *lease = data;
    if (lease->conn) {
        conn_put(lease->conn, 0);
        lease->conn = NULL;
        lease->pm = NULL;
    }
    return APR_SUCCESS;
}

static apr_status_t pm_connect(apr_pool_t *p, const char *path,
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
    apr_socket_timeout_set(s, PM_IO_TIMEOUT);
    rv = apr_socket_connect(s, sa);
    if (rv != APR_SUCCESS) {
        apr_socket_close(s);
        return rv;
    }
    *out = s;
    return APR_SUCCESS;
}

/* One whole message of the expected type; the body is allocated from p. */
static apr_status_t read_msg(apr_socket_t *s, apr_pool_t *p,
                             apr_uint16_t type, char **body,
                             apr_size_t *len, const char **errmsg)
{
    unsigned char hdr[FCGP_IPC_HDR_LEN];
    fcgp_ipc_hdr_t h;
    apr_status_t rv;

    rv = recv_all(s, (char *)hdr, sizeof(hdr));
    if (rv != APR_SUCCESS) {
        *errmsg = "no answer from the process manager";
        return rv;
    }
    if (fcgp_ipc_hdr_unpack(hdr, &h) != APR_SUCCESS || h.type != type) {
        *errmsg = "the process manager sent a malformed answer";
        return APR_EGENERAL;
    }
    *body = apr_palloc(p, h.body_len + 1);
    *len = h.body_len;
    rv = recv_all(s, *body, h.body_len);
    if (rv != APR_SUCCESS) {
        *errmsg = "the process manager's answer was cut short";
    }
    return rv;
}

static apr_status_t read_grant(fcgp_lease_t *lease, apr_pool_t *p,
                               const char **errmsg)
{
    char *body;
    apr_size_t len;
    apr_status_t rv = read_msg(lease->pm, p, FCGP_MSG_GRANT, &body, &len,
                               errmsg);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (fcgp_ipc_decode_grant(p, body, len, &lease->grant) != APR_SUCCESS) {
        *errmsg = "the process manager sent a malformed answer";
        return APR_EGENERAL;
    }
    return APR_SUCCESS;
}

/* Tell the PM to look at the table (no answer).  Best effort: the PM
 * also looks on its own every second. */
static void kick(apr_pool_t *p, const char *pm_path)
{
    fcgp_pm_conn_t *c;
    char *msg;
    apr_size_t len;

    if (fcgp_ipc_encode_kick(p, (apr_uint32_t)getppid(),
                             fcgp_table_nonce(table), &msg, &len)
        != APR_SUCCESS || conn_get(p, pm_path, 0, &c) != APR_SUCCESS) {
        return;
    }
    apr_socket_timeout_set(c->sock, PM_IO_TIMEOUT);
    conn_put(c, send_all(c->sock, msg, len) == APR_SUCCESS);
}

/* Request pool cleanup of a fast lease never released: the worker's
 * state is unknown, so the PM retires it. */
static apr_status_t abandon_fast(void *data)
{
    fcgp_lease_t *lease = data;
    if (!lease->released) {
        lease->released = 1;
        fcgp_table_release(table, &lease->claim, 0, FCGP_OUT_BROKEN);
    }
    return APR_SUCCESS;
}

/* The fast path: an idle worker straight from the table, or, when the
 * class is full (the PM says so), the next one that comes free.
 * Returns 0 when the PM must be asked; 1 when the lease is decided (a
 * worker, or BUSY after the queue timeout). */
static int acquire_fast(apr_pool_t *p, const char *pm_path,
                        const fcgp_app_spec_t *spec,
                        const fcgp_app_limits_t *limits, fcgp_lease_t *lease)
{
    apr_time_t deadline = apr_time_now() + limits->queue_timeout;
    apr_size_t klen;
    const char *key = fcgp_ipc_class_key(p, spec, &klen);
    apr_uint32_t cls = fcgp_table_find_class(table, key, klen);
    apr_uint32_t me = my_pid ? my_pid : (apr_uint32_t)getpid();
    fcgp_tbl_claim_t *c = &lease->claim;
    int got;

    if (cls == FCGP_TBL_NO_CLASS) {
        return 0;       /* the PM has not seen this class yet */
    }
    got = fcgp_table_claim(table, cls, me, c);
    if (c->kick) {
        kick(p, pm_path);
    }
    if (!got && fcgp_table_class_full(table, cls)) {
        /* Full: the PM cannot start another worker (it clears the flag
         * the moment it can, which wakes us to ask it). */
        fcgp_tbl_wait_e res = fcgp_table_wait_claim(table, cls, me, c,
                                                    deadline);
        if (c->kick) {
            kick(p, pm_path);
        }
        if (res == FCGP_TBL_TIMEOUT) {
            lease->grant.status = FCGP_GRANT_BUSY;
            lease->grant.retry_after = 5;
            lease->grant.message = apr_psprintf(
                p, "all workers of %s are busy (FcgiProcMaxProcessesPerClass "
                "%u, FcgiProcMaxProcesses) and none freed up within %"
                APR_TIME_T_FMT " ms (FcgiProcQueueTimeout)", spec->argv[0],
                limits->max_procs, apr_time_as_msec(limits->queue_timeout));
            lease->released = 1;
            return 1;
        }
        got = res == FCGP_TBL_CLAIMED;
    }
    if (!got) {
        return 0;
    }
    lease->fast = 1;
    lease->grant.status = FCGP_GRANT_OK;
    lease->grant.slot = c->slot;
    lease->grant.pid = c->pid;
    lease->grant.nth = c->nth;
    lease->grant.limit = c->limit;
    lease->grant.limit_source = c->limit_source;
    lease->grant.path = apr_pstrndup(p, c->path, sizeof(c->path));
    apr_pool_cleanup_register(p, lease, abandon_fast, apr_pool_cleanup_null);
    return 1;
}

/* One ACQUIRE and its GRANT, retried on a fresh connection when a kept
 * one turns out stale. */
static apr_status_t ask_pm(apr_pool_t *p, const char *pm_path,
                           const char *msg, apr_size_t len,
                           const fcgp_app_limits_t *limits,
                           fcgp_lease_t *lease, const char **errmsg)
{
    apr_status_t rv;
    int tries;

    for (tries = 0;; tries++) {
        /* After a kept connection failed, the others kept may be stale
         * too (the PM they lead to is gone): use a new one. */
        rv = conn_get(p, pm_path, tries > 0, &lease->conn);
        if (rv != APR_SUCCESS) {
            lease->conn = NULL;
            *errmsg = apr_psprintf(p, "cannot connect to the process "
                                   "manager at %s", pm_path);
            return rv;
        }
        lease->pm = lease->conn->sock;
        apr_socket_timeout_set(lease->pm, PM_IO_TIMEOUT);
        rv = send_all(lease->pm, msg, len);
        if (rv == APR_SUCCESS) {
            /* The PM answers within the queue timeout; the margin covers
             * a PM that is busy spawning. */
            apr_socket_timeout_set(lease->pm, limits->queue_timeout
                                              + apr_time_from_sec(5));
            rv = read_grant(lease, p, errmsg);
        }
        else {
            *errmsg = "cannot send to the process manager";
        }
        /* A kept connection may be to a PM that has since closed it
         * (drained after a restart, or died): try a fresh one.  A
         * draining PM also says RETRY: its successor listens on the same
         * socket. */
        if ((rv != APR_SUCCESS && !APR_STATUS_IS_TIMEUP(rv))
            || (rv == APR_SUCCESS
                && lease->grant.status == FCGP_GRANT_RETRY)) {
            close_pm(lease);
            if (tries < 10) {
                continue;
            }
        }
        break;
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (lease->grant.status != FCGP_GRANT_OK && lease->conn) {
        /* No worker: the connection is clean and can serve again. */
        conn_put(lease->conn, 1);
        lease->conn = NULL;
        lease->pm = NULL;
    }
    if (lease->pm) {
        apr_socket_timeout_set(lease->pm, PM_IO_TIMEOUT);
    }
    return APR_SUCCESS;
}

apr_status_t fcgp_pm_acquire(apr_pool_t *p, const char *pm_path,
                             const fcgp_app_spec_t *spec,
                             const fcgp_app_limits_t *limits,
                             fcgp_lease_t **out, const char **errmsg)
{
    fcgp_lease_t *lease = apr_pcalloc(p, sizeof(*lease));
    fcgp_msg_acquire_t m;
    char *msg;
    apr_size_t len;
    apr_status_t rv;

    *out = NULL;
    lease->pool = p;
    lease->pm_path = pm_path;
    if (table && acquire_fast(p, pm_path, spec, limits, lease)) {
        *out = lease;
        return APR_SUCCESS;
    }
    m.limits = *limits;
    m.spec = *spec;
    rv = fcgp_ipc_encode_acquire(p, (apr_uint32_t)getppid(), &m, &msg, &len);
    if (rv != APR_SUCCESS) {
        *errmsg = "the application's command line and environment are "
                  "too large to send to the process manager";
        return rv;
    }
    apr_pool_cleanup_register(p, lease, close_pm, apr_pool_cleanup_null);
    rv = ask_pm(p, pm_path, msg, len, limits, lease, errmsg);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (lease->grant.status != FCGP_GRANT_OK) {
        lease->released = 1;
    }
    *out = lease;
    return APR_SUCCESS;
}

void fcgp_pm_release(fcgp_lease_t *lease, fcgp_outcome_e outcome)
{
    fcgp_msg_release_t m;
    char *buf;
    apr_size_t len;

    if (!lease || lease->released) {
        return;
    }
    lease->released = 1;
    if (lease->fast) {
        if (fcgp_table_release(table, &lease->claim, outcome == FCGP_OUT_OK,
                               outcome)) {
            kick(lease->pool, lease->pm_path);
        }
        return;
    }
    if (!lease->pm) {
        return;
    }
    m.outcome = outcome;
    /* A failed send is the same to the PM as a close without release. */
    conn_put(lease->conn,
             fcgp_ipc_encode_release(lease->pool, (apr_uint32_t)getppid(),
                                     &m, &buf, &len) == APR_SUCCESS
             && send_all(lease->pm, buf, len) == APR_SUCCESS);
    lease->conn = NULL;
    lease->pm = NULL;
}

apr_status_t fcgp_pm_status(apr_pool_t *p, const char *pm_path,
                            fcgp_status_t **st, const char **errmsg)
{
    apr_socket_t *s;
    char *msg, *body;
    apr_size_t len;
    apr_status_t rv;

    rv = fcgp_ipc_encode_status(p, (apr_uint32_t)getppid(), &msg, &len);
    if (rv != APR_SUCCESS) {
        *errmsg = "cannot encode the status request";
        return rv;
    }
    rv = pm_connect(p, pm_path, &s);
    if (rv != APR_SUCCESS) {
        *errmsg = apr_psprintf(p, "cannot connect to the process manager "
                               "at %s", pm_path);
        return rv;
    }
    *st = apr_pcalloc(p, sizeof(**st));
    if ((rv = send_all(s, msg, len)) == APR_SUCCESS
        && (rv = read_msg(s, p, FCGP_MSG_STATUS_REPLY, &body, &len, errmsg))
           == APR_SUCCESS
        && fcgp_ipc_decode_status_reply(p, body, len, *st) != APR_SUCCESS) {
        *errmsg = "the process manager sent a malformed status";
        rv = APR_EGENERAL;
    }
    apr_socket_close(s);
    return rv;
}
