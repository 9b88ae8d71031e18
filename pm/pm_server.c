/* pm_server.c: the process manager's socket.
 *
 * PM process only.  Owns the connections (pm_t.conns) and the classes
 * (pm_t.classes: made here when a handler first wants a worker of one).
 * Handlers connect for what only the PM can do (ipc.h): WANT (a class with
 * no idle worker: make it known, start a worker if there is room, or say
 * why none can be had), KICK (look at the table) and STATUS.  Workers are
 * never handed out here: handlers take them from the table.  Every
 * answer is immediate; no connection waits in the PM. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <apr_portable.h>
#include <apr_strings.h>
#include <apr_user.h>

#include "httpd.h"
#include "http_log.h"
#include "fcgp_log.h"
#include "pm/pm_internal.h"

FCGP_LOG_MODULE;

static void send_msg(pm_conn_t *conn, const char *buf, apr_size_t len)
{
    apr_size_t off = 0;
    while (off < len) {
        apr_size_t n = len - off;
        apr_status_t rv = apr_socket_send(conn->sock, buf + off, &n);
        if (rv != APR_SUCCESS && !APR_STATUS_IS_EAGAIN(rv)) {
            return; /* the handler is gone; its EOF will tell us */
        }
        off += n;
        if (APR_STATUS_IS_EAGAIN(rv)) {
            /* Answers are tiny; a full socket buffer means the handler is
             * stuck.  Wait briefly rather than lose the answer. */
            apr_sleep(1000);
        }
    }
}

static void answer(pm_t *pm, pm_conn_t *conn, fcgp_grant_status_e st,
                   apr_uint32_t cls, apr_uint32_t retry_after,
                   const char *msg)
{
    fcgp_msg_answer_t a;
    char *buf;
    apr_size_t len;

    a.status = st;
    a.cls = cls;
    a.retry_after = retry_after;
    a.message = msg;
    if (fcgp_ipc_encode_answer(conn->mpool, pm->parent_pid, &a, &buf, &len)
        == APR_SUCCESS) {
        send_msg(conn, buf, len);
    }
}

/* A user's or group's name and number, for logs: "name (1001)". */
static const char *id_name(apr_pool_t *p, apr_uint32_t id, int group)
{
    char *name = NULL;
    if (group) {
        apr_gid_name_get(&name, (apr_gid_t)id, p);
    }
    else {
        apr_uid_name_get(&name, (apr_uid_t)id, p);
    }
    return apr_psprintf(p, "%s (%u)", name ? name : "?", id);
}

/* How a class is named in logs and on the status page: its command line,
 * its virtual host and, through suexec, who it runs as. */
static const char *join_name(apr_pool_t *p, const fcgp_app_spec_t *spec)
{
    const char *name = spec->argv[0];
    int i;
    for (i = 1; i < spec->argc; i++) {
        name = apr_pstrcat(p, name, " ", spec->argv[i], NULL);
    }
    if (spec->ident.suexec) {
        return apr_psprintf(p, "%s (%s, suexec: %suser %s, group %s)", name,
                            spec->vhost, spec->ident.userdir ? "~" : "",
                            id_name(p, spec->ident.uid, 0),
                            id_name(p, spec->ident.gid, 1));
    }
    return apr_pstrcat(p, name, " (", spec->vhost, ")", NULL);
}

static const char *const *copy_strv(apr_pool_t *p, int n,
                                    const char *const *v)
{
    const char **out = apr_pcalloc(p, sizeof(char *) * (n + 1));
    int i;
    for (i = 0; i < n; i++) {
        out[i] = apr_pstrdup(p, v[i]);
    }
    return out;
}

/* Is the file at path a program binary (ELF), not a script?  Never
 * waits: a FIFO or a device is none. */
static int binary_program(const char *path)
{
    char magic[4];
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY), ok;
    if (fd < 0) {
        return 0;
    }
    ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode)
         && read(fd, magic, 4) == 4 && memcmp(magic, "\177ELF", 4) == 0;
    close(fd);
    return ok;
}

/* The class of spec, made (and added to the table) when new, with these
 * limits; NULL when the table has no room for another class. */
static pm_class_t *class_for(pm_t *pm, const fcgp_app_spec_t *spec,
                             const fcgp_app_limits_t *limits,
                             apr_pool_t *tmp)
{
    apr_size_t klen;
    const char *key = fcgp_ipc_class_key(tmp, spec, &klen);
    pm_class_t *c = apr_hash_get(pm->classes, key, (apr_ssize_t)klen);

    if (!c) {
        apr_uint32_t tidx = fcgp_table_add_class(pm->table, key, klen);
        apr_pool_t *cp;
        if (tidx == FCGP_TBL_NO_CLASS) {
            return NULL;
        }
        apr_pool_create(&cp, pm->pool);
        c = apr_pcalloc(cp, sizeof(*c));
        c->pool = cp;
        c->key = apr_pmemdup(cp, key, klen);
        c->klen = klen;
        c->spec.argc = spec->argc;
        c->spec.argv = copy_strv(cp, spec->argc, spec->argv);
        c->spec.envc = spec->envc;
        c->spec.env = copy_strv(cp, spec->envc, spec->env);
        c->spec.vhost = apr_pstrdup(cp, spec->vhost);
        c->spec.ident = spec->ident;
        c->user = spec->ident.suexec ? spec->ident.uid : PM_HTTPD_USER;
        c->name = join_name(cp, &c->spec);
        c->parent_mode = fcgp_policy_parent_mode(c->spec.envc,
                                                 c->spec.env) > 0;
        /* (the file is looked at only for php-cgi by name, with the
         * variable, not under suexec) */
        c->php_children = fcgp_policy_php_children(
            c->spec.argc ? c->spec.argv[0] : NULL, 1,
            c->spec.envc, c->spec.env, (int)c->spec.ident.suexec);
        if (c->php_children && !binary_program(c->spec.argv[0])) {
            c->php_children = 0;
        }
        /* php-cgi itself with PHP_FCGI_CHILDREN: a parent from the start
         * (no look at /proc needed, none to race with its first child) */
        c->php_itself = c->php_children > 0;
        c->parents = c->php_itself ? PM_PARENTS_SEEN : PM_PARENTS_UNKNOWN;
        if (c->php_children < 2) {
            c->php_children = 0;
        }
        c->slots = apr_array_make(cp, 8, sizeof(pm_slot_t *));
        c->tidx = tidx;
        apr_hash_set(pm->classes, c->key, (apr_ssize_t)klen, c);
    }
    /* The latest configuration wins (a graceful restart may change it). */
    c->limits = *limits;
    return c;
}

static pm_class_t *find_class(pm_t *pm, const fcgp_msg_want_t *m,
                              apr_pool_t *tmp)
{
    return class_for(pm, &m->spec, &m->limits, tmp);
}

/* The static servers (FcgiProcServer) of this generation: their classes
 * exist from the start, with n workers (their minimum, which
 * pm_serve_table keeps them at from then on, like any class's). */
void pm_start_statics(pm_t *pm)
{
    int i;
    for (i = 0; i < pm->settings.nstatics; i++) {
        const fcgp_static_t *st = &pm->settings.statics[i];
        pm_class_t *c = class_for(pm, &st->spec, &st->limits, pm->tmp);
        int n;
        if (!c) {
            ap_log_error(APLOG_MARK, APLOG_ERR, 0, pm->s, FCGP_LOGNO(03080)
                         "%s: the worker table has no room for another "
                         "application (%u classes are the most it holds); "
                         "not started", st->where,
                         fcgp_table_nclasses(pm->table));
            continue;
        }
        c->priority = st->priority;
        c->static_where = apr_pstrdup(c->pool, st->where);
        /* Its program's first look, as a handler's WANT gives any other
         * class: from here on, a new version on disk is seen
         * (reload-on-change, pm_program.c) as for any class. */
        pm_program_check(pm, c);
        n = pm_grow(pm, c, 0);
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, pm->s, FCGP_LOGNO(03081)
                     "%s: static application %s: %d of %u processes "
                     "started", st->where, c->name, n < 0 ? 0 : n,
                     st->limits.min_procs);
    }
}

/* A handler found no idle worker of a class.  It waits in the class's
 * line in the table; here the PM starts workers for the line while there
 * is room, or says why none can be had. */
static void on_want(pm_t *pm, pm_conn_t *conn, const char *body,
                    apr_size_t len)
{
    fcgp_msg_want_t m;
    pm_class_t *c;
    apr_time_t now = apr_time_now();

    if (fcgp_ipc_decode_want(conn->mpool, body, len, &m) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, pm->s, FCGP_LOGNO(03020)
                     "malformed request from a handler; ignored");
        answer(pm, conn, FCGP_GRANT_REFUSED, 0, 0,
               "malformed request to the process manager");
        return;
    }
    if (pm->draining) {
        answer(pm, conn, FCGP_GRANT_RETRY, 0, 0, "process manager draining");
        return;
    }
    if (!fcgp_policy_profile_ok(pm->settings.profiles,
                                pm->settings.nprofiles, &m.spec, &m.limits)
        || (m.spec.ident.suexec && !pm->settings.suexec_bin)) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, pm->s, FCGP_LOGNO(03025)
                     "a request for a worker of %s (virtual host %s, %s) "
                     "whose environment, limits or user are not this "
                     "configuration's; refused (an httpd child of another "
                     "configuration, or code inside one forging them)",
                     m.spec.argv[0], m.spec.vhost,
                     m.spec.ident.suexec
                         ? apr_psprintf(conn->mpool, "through suexec as %suid "
                                        "%u, gid %u",
                                        m.spec.ident.userdir ? "~" : "",
                                        m.spec.ident.uid, m.spec.ident.gid)
                         : "as the httpd User");
        answer(pm, conn, FCGP_GRANT_REFUSED, 0, 0,
               "environment, limits or user not from the configuration");
        return;
    }
    if (!(c = find_class(pm, &m, conn->mpool))) {
        answer(pm, conn, FCGP_GRANT_SPAWN_FAILED, 0, 10,
               apr_psprintf(conn->mpool, "the worker table has no room for "
                            "another application (%u classes of command "
                            "line, environment and virtual host are the "
                            "most it holds)",
                            fcgp_table_nclasses(pm->table)));
        return;
    }
    /* A handler saw another program file than the class's, or asks for a
     * worker: is it a new version? */
    pm_program_check(pm, c);
    pm_serve_table(pm);
    if (!c->n[SLOT_IDLE] && pm_class_backing_off(c, now)
        && !c->n[SLOT_BUSY]) {
        apr_interval_time_t left = c->failures.until - now;
        answer(pm, conn, FCGP_GRANT_BACKOFF, c->tidx,
               (apr_uint32_t)apr_time_sec(left) + 1,
               apr_psprintf(conn->mpool, "%s keeps dying right after it "
                            "starts; not starting it for another %"
                            APR_TIME_T_FMT " s (see FCGP03013)", c->name,
                            apr_time_sec(left) + 1));
        return;
    }
    if (pm_grow(pm, c, 1) < 0) {
        pm_note_early_death(pm, c, 0, 0);
        answer(pm, conn, FCGP_GRANT_SPAWN_FAILED, c->tidx, 10,
               apr_psprintf(conn->mpool, "cannot start %s (see the process "
                            "manager's error above)", c->name));
        return;
    }
    answer(pm, conn, FCGP_GRANT_OK, c->tidx, 0, NULL);
}

static void end_conn(pm_t *pm, pm_conn_t *conn)
{
    if (conn->prev) {
        conn->prev->next = conn->next;
    }
    else {
        pm->conns = conn->next;
    }
    if (conn->next) {
        conn->next->prev = conn->prev;
    }
    apr_pollset_remove(pm->pollset, &conn->pfd);
    apr_socket_close(conn->sock);
    pm->nconns--;
    apr_pool_destroy(conn->pool);
}

/* Handle one message; returns 0 when the connection ended meanwhile. */
static int on_message(pm_t *pm, pm_conn_t *conn, const fcgp_ipc_hdr_t *h,
                      const char *body)
{
    if (h->parent_pid != pm->parent_pid) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, pm->s, FCGP_LOGNO(03021)
                     "request from another server instance (parent pid %u, "
                     "ours %u): two servers share FcgiProcIPCDir %s",
                     h->parent_pid, pm->parent_pid, pm->settings.ipc_dir);
        answer(pm, conn, FCGP_GRANT_REFUSED, 0, 0,
               "request from another server instance");
        return 1;
    }
    switch (h->type) {
    case FCGP_MSG_WANT:
        on_want(pm, conn, body, h->body_len);
        return 1;
    case FCGP_MSG_KICK: {
        apr_uint64_t nonce;
        if (fcgp_ipc_decode_kick(body, h->body_len, &nonce) == APR_SUCCESS
            && nonce == fcgp_table_nonce(pm->table)) {
            pm_serve_table(pm);
        }
        return 1;
    }
    case FCGP_MSG_STATUS: {
        char *buf;
        apr_size_t len;
        apr_uint32_t shown;
        pm_sync(pm);
        if (fcgp_ipc_decode_status(body, h->body_len, &shown) == APR_SUCCESS
            && fcgp_ipc_encode_status_reply(
                   conn->mpool, pm->parent_pid,
                   fcgp_pm_status_snapshot(pm, conn->mpool, shown), &buf,
                   &len) == APR_SUCCESS) {
            send_msg(conn, buf, len);
        }
        end_conn(pm, conn);
        return 0;
    }
    default:
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, pm->s, FCGP_LOGNO(03022)
                     "unexpected message type %u from a handler", h->type);
        end_conn(pm, conn);
        return 0;
    }
}

void pm_on_readable(pm_t *pm, pm_conn_t *conn)
{
    for (;;) {
        apr_size_t space = conn->in_cap - conn->in_len, n = space;
        apr_status_t rv = apr_socket_recv(conn->sock, conn->in + conn->in_len,
                                          &n);
        fcgp_ipc_hdr_t h;

        if (n == 0) {
            if (!APR_STATUS_IS_EAGAIN(rv)) {
                end_conn(pm, conn);     /* EOF or error */
            }
            return;
        }
        conn->in_len += n;
        /* Every complete message in the buffer. */
        while (conn->in_len >= FCGP_IPC_HDR_LEN) {
            apr_size_t need;
            if (fcgp_ipc_hdr_unpack((unsigned char *)conn->in, &h)
                != APR_SUCCESS) {
                ap_log_error(APLOG_MARK, APLOG_ERR, 0, pm->s,
                             FCGP_LOGNO(03023) "a client of the process "
                             "manager socket sent a bad header; "
                             "connection closed");
                end_conn(pm, conn);
                return;
            }
            need = FCGP_IPC_HDR_LEN + h.body_len;
            if (need > conn->in_cap) {
                char *bigger = apr_palloc(conn->pool, need);
                memcpy(bigger, conn->in, conn->in_len);
                conn->in = bigger;
                conn->in_cap = need;
                break;                  /* read the rest */
            }
            if (conn->in_len < need) {
                break;
            }
            apr_pool_clear(conn->mpool);    /* the previous message's */
            if (!on_message(pm, conn, &h, conn->in + FCGP_IPC_HDR_LEN)) {
                return;                 /* the connection is gone */
            }
            memmove(conn->in, conn->in + need, conn->in_len - need);
            conn->in_len -= need;
        }
        if (n < space) {
            /* Drained the socket (a short read); epoll says when more. */
            return;
        }
    }
}

/* Process pid's state letter and parent, from /proc; 0 when it cannot be
 * read (the process is gone). */
int pm_proc_stat(apr_uint32_t pid, char *state, apr_uint32_t *ppid)
{
    char path[64], buf[512], st = 0;
    const char *paren;
    unsigned pp = 0;
    FILE *f;
    size_t n;

    apr_snprintf(path, sizeof(path), "/proc/%u/stat", pid);
    if (!(f = fopen(path, "r"))) {
        return 0;
    }
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* "pid (comm) state ppid ...": comm may hold anything, even ')'. */
    if (!(paren = strrchr(buf, ')'))
        || sscanf(paren + 1, " %c %u", &st, &pp) != 2) {
        return 0;
    }
    *state = st;
    *ppid = pp;
    return 1;
}

static apr_uint32_t parent_of(apr_uint32_t pid)
{
    char state;
    apr_uint32_t ppid;
    return pm_proc_stat(pid, &state, &ppid) ? ppid : 0;
}

/* Only httpd's own children (and the parent) may talk to the PM: not an
 * application (our child), not a CGI script (an httpd child's), not a
 * process of another user.  Returns 0 (after logging why) to refuse. */
static int peer_allowed(pm_t *pm, apr_socket_t *s)
{
    struct ucred cred;
    socklen_t len = sizeof(cred);
    apr_os_sock_t fd;

    apr_os_sock_get(&fd, s);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
        return 0;
    }
    if ((cred.uid == geteuid() || cred.uid == 0)
        && ((apr_uint32_t)cred.pid == pm->parent_pid
            || parent_of((apr_uint32_t)cred.pid) == pm->parent_pid)) {
        return 1;
    }
    if (apr_time_now() >= pm->next_refusal_log) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, pm->s, FCGP_LOGNO(03024)
                     "pid %d (uid %d), which is not one of httpd's children, "
                     "connected to the process manager's socket in "
                     "FcgiProcIPCDir %s: refused (logged at most once a "
                     "minute)", (int)cred.pid, (int)cred.uid,
                     pm->settings.ipc_dir);
        pm->next_refusal_log = apr_time_now() + apr_time_from_sec(60);
    }
    return 0;
}

void pm_on_accept(pm_t *pm)
{
    for (;;) {
        apr_pool_t *cp;
        apr_socket_t *s;
        pm_conn_t *conn;

        apr_pool_create(&cp, pm->pool);
        if (apr_socket_accept(&s, pm->listener, cp) != APR_SUCCESS) {
            apr_pool_destroy(cp);
            return;
        }
        if (!peer_allowed(pm, s) || pm->nconns >= PM_MAX_CONNS) {
            apr_pool_destroy(cp);       /* closes it */
            continue;
        }
        apr_socket_opt_set(s, APR_SO_NONBLOCK, 1);
        apr_socket_timeout_set(s, 0);
        conn = apr_pcalloc(cp, sizeof(*conn));
        conn->pool = cp;
        apr_pool_create(&conn->mpool, cp);
        conn->in_cap = 2048;
        conn->in = apr_palloc(cp, conn->in_cap);
        conn->sock = s;
        conn->pfd.p = cp;
        conn->pfd.desc_type = APR_POLL_SOCKET;
        conn->pfd.desc.s = s;
        conn->pfd.reqevents = APR_POLLIN;
        conn->pfd.client_data = conn;
        apr_pollset_add(pm->pollset, &conn->pfd);
        conn->next = pm->conns;
        if (pm->conns) {
            pm->conns->prev = conn;
        }
        pm->conns = conn;
        pm->nconns++;
    }
}

/* Draining: every connection goes, so that its handler's next message
 * reaches the next PM (which listens on the same socket). */
void pm_close_conns(pm_t *pm)
{
    while (pm->conns) {
        end_conn(pm, pm->conns);
    }
}

apr_status_t pm_server_setup(pm_t *pm)
{
    apr_socket_opt_set(pm->listener, APR_SO_NONBLOCK, 1);
    apr_socket_timeout_set(pm->listener, 0);
    pm->listen_pfd.p = pm->pool;
    pm->listen_pfd.desc_type = APR_POLL_SOCKET;
    pm->listen_pfd.desc.s = pm->listener;
    pm->listen_pfd.reqevents = APR_POLLIN;
    pm->listen_pfd.client_data = &pm->listen_pfd;
    return apr_pollset_add(pm->pollset, &pm->listen_pfd);
}
