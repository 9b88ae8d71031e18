/* client.c: the handler's side of a lease (see pm.h): the worker table
 * first, the PM's socket for what only the PM can do.  Runs in httpd
 * children, any thread; everything lives in the caller's pool. */
#include <unistd.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <apr_strings.h>
#include <apr_atomic.h>
#include "pm/pm.h"
#include "pm/conns.h"

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

/* Per httpd child: its kept connections to the PM (pm/conns.h).  Set
 * once in child_init; NULL means connect for each message. */
static fcgp_pm_conns_t *pm_conns;

/* This generation's worker table (inherited from the parent). */
static fcgp_table_t *table;
static apr_uint32_t my_pid;     /* this httpd child's, the holder's id */

void fcgp_pm_use_table(fcgp_table_t *t)
{
    table = t;
}

apr_status_t fcgp_pm_child_init(apr_pool_t *pchild, const char *pm_path,
                                int threads)
{
    apr_status_t rv;
    my_pid = (apr_uint32_t)getpid();
    rv = fcgp_pm_conns_create(pchild, pm_path, threads, &pm_conns);
    if (rv != APR_SUCCESS) {
        pm_conns = NULL;
    }
    return rv;
}

static apr_status_t conn_get(apr_pool_t *p, const char *pm_path,
                             int fresh, fcgp_pm_conn_t **out)
{
    return fcgp_pm_conn_get(pm_conns, p, pm_path, fresh, out);
}

static void conn_put(fcgp_pm_conn_t *c, int good)
{
    fcgp_pm_conn_put(pm_conns, c, good);
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
    apr_socket_timeout_set(c->sock, FCGP_PM_IO_TIMEOUT);
    conn_put(c, send_all(c->sock, msg, len) == APR_SUCCESS);
}

/* Request pool cleanup of a lease never released: the worker's state is
 * unknown, so the PM retires it (a php-cgi parent: kills its child). */
static apr_status_t abandon(void *data)
{
    fcgp_lease_t *lease = data;
    if (!lease->released) {
        lease->released = 1;
        fcgp_table_request_end(table, &lease->claim, apr_time_now());
        fcgp_table_release(table, &lease->claim, 0, FCGP_OUT_BROKEN);
    }
    return APR_SUCCESS;
}

/* One WANT and its ANSWER, on a fresh connection when a kept one turns
 * out stale (its PM drained after a restart, or died) or the PM says it
 * drains: its successor listens on the same socket. */
static apr_status_t want(apr_pool_t *p, const char *pm_path,
                         const fcgp_app_spec_t *spec,
                         const fcgp_app_limits_t *limits,
                         fcgp_msg_answer_t *ans, const char **errmsg)
{
    fcgp_msg_want_t m;
    fcgp_pm_conn_t *c;
    char *msg, *body;
    apr_size_t len, blen;
    apr_status_t rv;
    int tries;

    m.limits = *limits;
    m.spec = *spec;
    if (fcgp_ipc_encode_want(p, (apr_uint32_t)getppid(), &m, &msg, &len)
        != APR_SUCCESS) {
        *errmsg = "the application's command line and environment are "
                  "too large to send to the process manager";
        return APR_EINVAL;
    }
    for (tries = 0;; tries++) {
        rv = conn_get(p, pm_path, tries > 0, &c);
        if (rv != APR_SUCCESS) {
            *errmsg = apr_psprintf(p, "cannot connect to the process "
                                   "manager at %s", pm_path);
            return rv;
        }
        apr_socket_timeout_set(c->sock, FCGP_PM_IO_TIMEOUT);
        rv = send_all(c->sock, msg, len);
        if (rv != APR_SUCCESS) {
            *errmsg = "cannot send to the process manager";
        }
        else if ((rv = read_msg(c->sock, p, FCGP_MSG_ANSWER, &body, &blen,
                                errmsg)) == APR_SUCCESS
                 && fcgp_ipc_decode_answer(p, body, blen, ans)
                    != APR_SUCCESS) {
            *errmsg = "the process manager sent a malformed answer";
            rv = APR_EGENERAL;
        }
        conn_put(c, rv == APR_SUCCESS);
        if (rv == APR_SUCCESS && ans->status != FCGP_GRANT_RETRY) {
            return APR_SUCCESS;
        }
        if (tries >= 10) {
            if (rv == APR_SUCCESS) {
                *errmsg = "the process manager is draining and no other "
                          "answers";
                rv = APR_EAGAIN;
            }
            return rv;
        }
    }
}

/* No worker came free in time: why, in the words of the limit that
 * stopped another from starting. */
static const char *busy_text(apr_pool_t *p, apr_uint32_t cls,
                             const fcgp_app_spec_t *spec,
                             const fcgp_app_limits_t *limits)
{
    if (fcgp_table_class_full(table, cls) == FCGP_TBL_FULL_USER) {
        return apr_psprintf(p, "all workers of %s are busy and its user "
                            "has as many processes as one user may have "
                            "(FcgiProcMaxProcessesPerUser), and none freed "
                            "up within %" APR_TIME_T_FMT " ms "
                            "(FcgiProcQueueTimeout)", spec->argv[0],
                            apr_time_as_msec(limits->queue_timeout));
    }
    if (fcgp_table_class_full(table, cls) == FCGP_TBL_FULL_SERVER) {
        return apr_psprintf(p, "the server-wide process limit is reached "
                            "(FcgiProcMaxProcesses %u) and no worker of %s "
                            "freed up within %" APR_TIME_T_FMT " ms "
                            "(FcgiProcQueueTimeout)",
                            fcgp_table_max_procs(table), spec->argv[0],
                            apr_time_as_msec(limits->queue_timeout));
    }
    return apr_psprintf(p, "all workers of %s are busy "
                        "(FcgiProcMaxProcessesPerClass %u) and none freed "
                        "up within %" APR_TIME_T_FMT " ms "
                        "(FcgiProcQueueTimeout)", spec->argv[0],
                        limits->max_procs,
                        apr_time_as_msec(limits->queue_timeout));
}

static void refuse(fcgp_lease_t *lease, apr_uint32_t status,
                   apr_uint32_t retry_after, const char *message)
{
    if (status == FCGP_GRANT_BACKOFF) {
        fcgp_tbl_class_t *k = fcgp_table_class(table, lease->claim.cls);
        lease->grant.refused = k ? apr_atomic_read32(&k->refused) : 0;
    }
    lease->grant.status = status;
    lease->grant.retry_after = retry_after;
    lease->grant.message = message;
    lease->released = 1;
}

/* What of a program file makes its identity (fcgp_table_ident). */
#define IDENT_WANTED (APR_FINFO_IDENT | APR_FINFO_MTIME | APR_FINFO_SIZE)

static apr_uint64_t ident_of(const apr_finfo_t *f)
{
    return fcgp_table_ident((apr_uint64_t)f->device, (apr_uint64_t)f->inode,
                            f->mtime, f->size);
}

/* Is class cls's program on disk another one than its workers run?  With
 * httpd's stat of it (a script that is the app) the answer costs a
 * compare, and a new file is told to the PM by the first request that
 * sees it; a wrapper's program is stat()ed by the first request of each
 * second (of the whole server) only.  The same difference is told again
 * at most once a second per class: the PM looks itself, and may keep the
 * old version (a replacement that is not executable). */
static int program_replaced(apr_pool_t *p, apr_uint32_t cls,
                            const char *path, const apr_finfo_t *seen,
                            apr_time_t now)
{
    apr_uint64_t known = fcgp_table_class_ident(table, cls);
    apr_uint32_t sec = (apr_uint32_t)apr_time_sec(now);
    apr_finfo_t f;

    if (!known) {
        return 0;       /* the PM has not looked yet */
    }
    if (seen && (seen->valid & IDENT_WANTED) == IDENT_WANTED) {
        apr_uint64_t ident = ident_of(seen);
        return ident != known && fcgp_table_tell(table, cls, ident, sec);
    }
    if (!fcgp_table_check_due(table, cls, sec)) {
        return 0;
    }
    if (apr_stat(&f, path, IDENT_WANTED, p) != APR_SUCCESS
        || (f.valid & IDENT_WANTED) != IDENT_WANTED) {
        return 1;       /* gone: the PM keeps the workers and says so */
    }
    return ident_of(&f) != known;
}


fcgp_counters_t *fcgp_pm_counters(apr_pool_t *p,
                                  const fcgp_app_spec_t *spec)
{
    apr_size_t klen;
    const char *key;

    if (!table) {
        return NULL;
    }
    key = fcgp_ipc_class_key(p, spec, &klen);
    return fcgp_table_counters(table, fcgp_table_find_class(table, key,
                                                            klen));
}

static apr_status_t acquire(apr_pool_t *p, const char *pm_path,
                            const fcgp_app_spec_t *spec,
                            const fcgp_app_limits_t *limits,
                            const apr_finfo_t *program,
                            fcgp_lease_t **out, const char **errmsg,
                            apr_uint32_t *cls_out);

/* The time from asking for a worker to getting one (or giving up) goes
 * into the class's queue-wait histogram. */
apr_status_t fcgp_pm_acquire(apr_pool_t *p, const char *pm_path,
                             const fcgp_app_spec_t *spec,
                             const fcgp_app_limits_t *limits,
                             const apr_finfo_t *program,
                             fcgp_lease_t **out, const char **errmsg)
{
    apr_time_t start = apr_time_now();
    apr_uint32_t cls = FCGP_TBL_NO_CLASS;
    apr_status_t rv = acquire(p, pm_path, spec, limits, program, out,
                              errmsg, &cls);

    if (rv == APR_SUCCESS && cls != FCGP_TBL_NO_CLASS) {
        fcgp_cnt_observe_wait(fcgp_table_counters(table, cls),
                              apr_time_now() - start);
    }
    return rv;
}

static apr_status_t acquire(apr_pool_t *p, const char *pm_path,
                            const fcgp_app_spec_t *spec,
                            const fcgp_app_limits_t *limits,
                            const apr_finfo_t *program,
                            fcgp_lease_t **out, const char **errmsg,
                            apr_uint32_t *cls_out)
{
    fcgp_lease_t *lease = apr_pcalloc(p, sizeof(*lease));
    fcgp_tbl_claim_t *c = &lease->claim;
    apr_time_t now = apr_time_now();
    apr_time_t deadline = now + limits->queue_timeout;
    apr_uint32_t me = my_pid ? my_pid : (apr_uint32_t)getpid();
    fcgp_msg_answer_t ans;
    fcgp_tbl_place_t place;
    fcgp_tbl_wait_e res = FCGP_TBL_CLAIMED;
    apr_size_t klen;
    const char *key;
    apr_uint32_t cls;
    apr_status_t rv;

    *out = NULL;
    lease->pool = p;
    lease->pm_path = pm_path;
    if (!table) {
        *errmsg = "no worker table (the module was not set up at startup)";
        return APR_EINIT;
    }
    key = fcgp_ipc_class_key(p, spec, &klen);
    cls = fcgp_table_find_class(table, key, klen);
    c->kick = 0;
    if (cls != FCGP_TBL_NO_CLASS
        && program_replaced(p, cls, spec->argv[0], program, now)) {
        /* A new version on disk: the PM looks, retires the old version's
         * workers (claims skip them from now on) and starts new ones,
         * before we take one.  Only a hint: whatever else the PM says (it
         * cannot be reached, the class is paused) is said again below if
         * this request needs the PM; meanwhile the table serves. */
        if (want(p, pm_path, spec, limits, &ans, errmsg) == APR_SUCCESS
            && ans.status == FCGP_GRANT_OK) {
            cls = ans.cls;
        }
    }
    if (cls == FCGP_TBL_NO_CLASS
        || !fcgp_table_claim(table, cls, me, c)) {
        if (c->kick) {
            kick(p, pm_path);
            c->kick = 0;
        }
        if (cls == FCGP_TBL_NO_CLASS) {
            /* The PM has not seen this class yet: it adds it and starts
             * its first worker. */
            if ((rv = want(p, pm_path, spec, limits, &ans, errmsg))
                != APR_SUCCESS) {
                return rv;
            }
            if (ans.status != FCGP_GRANT_OK) {
                c->cls = ans.cls;
                refuse(lease, ans.status, ans.retry_after, ans.message);
                *out = lease;
                return APR_SUCCESS;
            }
            cls = ans.cls;
            /* Not counted as asked: the PM started one worker for the
             * class, counting nobody in its line yet (requests that came
             * at the same time asked before they were in it); in line, we
             * ask again, so that it starts one per request waiting. */
        }
        *cls_out = cls;
        c->cls = cls;
        fcgp_table_enqueue(table, cls, me, &place);
        for (;;) {
            res = fcgp_table_next(table, &place, me, c, deadline);
            if (res != FCGP_TBL_ASK_PM) {
                break;
            }
            place.asked = 1;
            if ((rv = want(p, pm_path, spec, limits, &ans, errmsg))
                != APR_SUCCESS) {
                fcgp_table_dequeue(table, &place, 0);
                return rv;
            }
            if (ans.status != FCGP_GRANT_OK) {
                fcgp_table_dequeue(table, &place, 0);
                refuse(lease, ans.status, ans.retry_after, ans.message);
                *out = lease;
                return APR_SUCCESS;
            }
        }
        fcgp_table_dequeue(table, &place, res == FCGP_TBL_CLAIMED);
    }
    *out = lease;
    *cls_out = cls;
    if (c->kick) {
        kick(p, pm_path);
    }
    if (res == FCGP_TBL_TIMEOUT) {
        refuse(lease, FCGP_GRANT_BUSY, 5, busy_text(p, cls, spec, limits));
        return APR_SUCCESS;
    }
    if (res == FCGP_TBL_BACKOFF) {
        fcgp_tbl_class_t *k = fcgp_table_class(table, cls);
        apr_int64_t left = (apr_int64_t)apr_atomic_read32(&k->backoff_until)
                           - apr_time_sec(apr_time_now());
        apr_uint32_t ra = left > 0 ? (apr_uint32_t)left + 1 : 1;
        refuse(lease, FCGP_GRANT_BACKOFF, ra,
               apr_psprintf(p, "%s keeps dying right after it starts; not "
                            "starting it for another %u s (see FCGP03013)",
                            spec->argv[0], ra));
        return APR_SUCCESS;
    }
    lease->grant.status = FCGP_GRANT_OK;
    lease->grant.slot = c->slot;
    lease->grant.pid = c->pid;
    lease->grant.nth = c->nth;
    lease->grant.limit = c->limit;
    lease->grant.limit_source = c->limit_source;
    lease->grant.path = apr_pstrndup(p, c->path, sizeof(c->path));
    apr_pool_cleanup_register(p, lease, abandon, apr_pool_cleanup_null);
    return APR_SUCCESS;
}

void fcgp_pm_release(fcgp_lease_t *lease, fcgp_outcome_e outcome)
{
    if (!lease || lease->released) {
        return;
    }
    lease->released = 1;
    fcgp_table_request_end(table, &lease->claim, apr_time_now());
    if (fcgp_table_release(table, &lease->claim, outcome == FCGP_OUT_OK,
                           outcome)) {
        kick(lease->pool, lease->pm_path);
    }
}

apr_uint32_t fcgp_unix_peer(apr_uint32_t ino)
{
    struct {
        struct nlmsghdr nlh;
        struct unix_diag_req req;
    } q;
    union {
        struct nlmsghdr h;
        char buf[512];
    } a;
    apr_uint32_t peer = 0;
    ssize_t n;
    int nl;

    if (!ino || (nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC,
                             NETLINK_SOCK_DIAG)) < 0) {
        return 0;
    }
    memset(&q, 0, sizeof(q));
    q.nlh.nlmsg_len = sizeof(q);
    q.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    q.nlh.nlmsg_flags = NLM_F_REQUEST;
    q.req.sdiag_family = AF_UNIX;
    q.req.udiag_states = ~0u;
    q.req.udiag_ino = ino;
    q.req.udiag_show = UDIAG_SHOW_PEER;
    q.req.udiag_cookie[0] = q.req.udiag_cookie[1] = ~0u;   /* none */
    if (send(nl, &q, sizeof(q), 0) == (ssize_t)sizeof(q)
        && (n = recv(nl, &a, sizeof(a), MSG_DONTWAIT)) > 0
        && NLMSG_OK(&a.h, (unsigned int)n)
        && a.h.nlmsg_type == SOCK_DIAG_BY_FAMILY
        && a.h.nlmsg_len >= NLMSG_LENGTH(sizeof(struct unix_diag_msg))) {
        struct unix_diag_msg *m = NLMSG_DATA(&a.h);
        int len = (int)(a.h.nlmsg_len
                        - NLMSG_LENGTH(sizeof(struct unix_diag_msg)));
        struct rtattr *at = (struct rtattr *)(m + 1);
        for (; m->udiag_ino == ino && RTA_OK(at, len);
             at = RTA_NEXT(at, len)) {
            if (at->rta_type == UNIX_DIAG_PEER
                && RTA_PAYLOAD(at) >= sizeof(peer)) {
                memcpy(&peer, RTA_DATA(at), sizeof(peer));
            }
        }
    }
    close(nl);
    return peer;
}

/* The inode of socket fd; 0 when it is none. */
static apr_uint32_t socket_ino(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode)
           ? (apr_uint32_t)st.st_ino : 0;
}

void fcgp_pm_lease_connected(fcgp_lease_t *lease, int fd)
{
    if (lease && !lease->released) {
        fcgp_table_set_note(table, &lease->claim, FCGP_TBL_CONN,
                            socket_ino(fd));
    }
}

void fcgp_pm_lease_failed(fcgp_lease_t *lease, int fd)
{
    if (lease && !lease->released) {
        fcgp_table_set_note(table, &lease->claim, FCGP_TBL_PEER,
                            fcgp_unix_peer(socket_ino(fd)));
    }
}

void fcgp_pm_lease_request(fcgp_lease_t *lease, const char *method,
                           const char *uri, const char *args,
                           apr_time_t now)
{
    if (lease && !lease->released) {
        fcgp_table_request_begin(table, &lease->claim, method, uri, args,
                                 now);
    }
}

apr_status_t fcgp_pm_status(apr_pool_t *p, const char *pm_path,
                            apr_uint32_t metrics_classes,
                            fcgp_status_t **st, const char **errmsg)
{
    apr_socket_t *s;
    char *msg, *body;
    apr_size_t len;
    apr_status_t rv;
    int tries;

    rv = fcgp_ipc_encode_status(p, (apr_uint32_t)getppid(), metrics_classes,
                                &msg, &len);
    if (rv != APR_SUCCESS) {
        *errmsg = "cannot encode the status request";
        return rv;
    }
    /* A process manager that begins to drain (a graceful restart) closes
     * the connections it has: asked again, the next one answers (the
     * socket is the same, kept by the httpd parent). */
    for (tries = 0;; tries++) {
        apr_size_t got;
        int answered = 0;

        rv = fcgp_pm_connect(p, pm_path, &s);
        if (rv != APR_SUCCESS) {
            *errmsg = apr_psprintf(p, "cannot connect to the process "
                                   "manager at %s", pm_path);
            return rv;
        }
        *st = apr_pcalloc(p, sizeof(**st));
        if ((rv = send_all(s, msg, len)) == APR_SUCCESS
            && (rv = read_msg(s, p, FCGP_MSG_STATUS_REPLY, &body, &got,
                              errmsg)) == APR_SUCCESS) {
            answered = 1;
            if (fcgp_ipc_decode_status_reply(p, body, got, *st)
                != APR_SUCCESS) {
                *errmsg = "the process manager sent a malformed status";
                rv = APR_EGENERAL;
            }
        }
        apr_socket_close(s);
        if (rv == APR_SUCCESS || answered || tries > 0) {
            return rv;
        }
    }
}

void fcgp_pm_paused(apr_uint32_t *classes, apr_uint32_t *paused)
{
    *classes = *paused = 0;
    if (table) {
        fcgp_table_paused(table, (apr_uint32_t)apr_time_sec(apr_time_now()),
                          classes, paused);
    }
}
