/* ipc.c: encode and decode handler <-> PM messages (see ipc.h).
 * Integers are big-endian; a string is a u32 length and its bytes. */
#include <string.h>
#include <apr_strings.h>
#include "pm/ipc.h"

#define MAX_ARGS 4096

typedef struct {
    char *buf;
    apr_size_t len;
    apr_size_t cap;
    apr_pool_t *p;
} wbuf_t;

typedef struct {
    const unsigned char *buf;
    apr_size_t len;
    apr_size_t pos;
    int bad;
} rbuf_t;

static void w_reserve(wbuf_t *w, apr_size_t n)
{
    if (w->len + n > w->cap) {
        apr_size_t cap = w->cap * 2 > w->len + n ? w->cap * 2 : w->len + n;
        char *nb = apr_palloc(w->p, cap);
        memcpy(nb, w->buf, w->len);
        w->buf = nb;
        w->cap = cap;
    }
}

static void w_u32(wbuf_t *w, apr_uint32_t v)
{
    unsigned char *o;
    w_reserve(w, 4);
    o = (unsigned char *)w->buf + w->len;
    o[0] = (unsigned char)(v >> 24);
    o[1] = (unsigned char)(v >> 16);
    o[2] = (unsigned char)(v >> 8);
    o[3] = (unsigned char)v;
    w->len += 4;
}

static void w_u64(wbuf_t *w, apr_uint64_t v)
{
    w_u32(w, (apr_uint32_t)(v >> 32));
    w_u32(w, (apr_uint32_t)v);
}

static void w_str(wbuf_t *w, const char *s)
{
    apr_size_t n = s ? strlen(s) : 0;
    w_u32(w, (apr_uint32_t)n);
    w_reserve(w, n);
    if (n) {
        memcpy(w->buf + w->len, s, n);
    }
    w->len += n;
}

static apr_uint32_t r_u32(rbuf_t *r)
{
    const unsigned char *i;
    if (r->bad || r->len - r->pos < 4) {
        r->bad = 1;
        return 0;
    }
    i = r->buf + r->pos;
    r->pos += 4;
    return ((apr_uint32_t)i[0] << 24) | ((apr_uint32_t)i[1] << 16)
           | ((apr_uint32_t)i[2] << 8) | (apr_uint32_t)i[3];
}

static apr_uint64_t r_u64(rbuf_t *r)
{
    apr_uint64_t hi = r_u32(r);
    return (hi << 32) | r_u32(r);
}

static const char *r_str(rbuf_t *r, apr_pool_t *p)
{
    apr_uint32_t n = r_u32(r);
    const char *s;
    if (r->bad || r->len - r->pos < n) {
        r->bad = 1;
        return NULL;
    }
    s = apr_pstrmemdup(p, (const char *)r->buf + r->pos, n);
    r->pos += n;
    return s;
}

static void w_begin(wbuf_t *w, apr_pool_t *p)
{
    w->p = p;
    w->cap = 256;
    w->buf = apr_palloc(p, w->cap);
    w->len = FCGP_IPC_HDR_LEN;
}

static apr_status_t w_finish(wbuf_t *w, apr_uint16_t type,
                             apr_uint32_t parent_pid, char **out,
                             apr_size_t *len)
{
    if (w->len - FCGP_IPC_HDR_LEN > FCGP_IPC_MAX_BODY) {
        return APR_ENOSPC;
    }
    fcgp_ipc_hdr_pack((unsigned char *)w->buf, type,
                      (apr_uint32_t)(w->len - FCGP_IPC_HDR_LEN), parent_pid);
    *out = w->buf;
    *len = w->len;
    return APR_SUCCESS;
}

static void r_begin(rbuf_t *r, const char *body, apr_size_t len)
{
    r->buf = (const unsigned char *)body;
    r->len = len;
    r->pos = 0;
    r->bad = 0;
}

/* A decoded body must be used up exactly. */
static apr_status_t r_finish(rbuf_t *r)
{
    return (r->bad || r->pos != r->len) ? APR_EINVAL : APR_SUCCESS;
}

void fcgp_ipc_hdr_pack(unsigned char *out, apr_uint16_t type,
                       apr_uint32_t body_len, apr_uint32_t parent_pid)
{
    wbuf_t w;
    w.p = NULL;
    w.buf = (char *)out;
    w.cap = FCGP_IPC_HDR_LEN;
    w.len = 0;
    w_u32(&w, FCGP_IPC_MAGIC);
    w_u32(&w, ((apr_uint32_t)FCGP_IPC_VERSION << 16) | type);
    w_u32(&w, body_len);
    w_u32(&w, parent_pid);
}

apr_status_t fcgp_ipc_hdr_unpack(const unsigned char *in, fcgp_ipc_hdr_t *h)
{
    rbuf_t r;
    apr_uint32_t vt;
    r_begin(&r, (const char *)in, FCGP_IPC_HDR_LEN);
    h->magic = r_u32(&r);
    vt = r_u32(&r);
    h->version = (apr_uint16_t)(vt >> 16);
    h->type = (apr_uint16_t)vt;
    h->body_len = r_u32(&r);
    h->parent_pid = r_u32(&r);
    if (h->magic != FCGP_IPC_MAGIC || h->version != FCGP_IPC_VERSION
        || h->body_len > FCGP_IPC_MAX_BODY) {
        return APR_EINVAL;
    }
    return APR_SUCCESS;
}

static void w_strv(wbuf_t *w, int n, const char *const *v)
{
    int i;
    w_u32(w, (apr_uint32_t)n);
    for (i = 0; i < n; i++) {
        w_str(w, v[i]);
    }
}

static const char *const *r_strv(rbuf_t *r, apr_pool_t *p, int *n)
{
    apr_uint32_t cnt = r_u32(r), i;
    const char **v;
    /* Each string takes at least 4 bytes, which bounds the count. */
    if (r->bad || cnt > MAX_ARGS || cnt > (r->len - r->pos) / 4) {
        r->bad = 1;
        *n = 0;
        return NULL;
    }
    v = apr_pcalloc(p, sizeof(*v) * (cnt + 1));
    for (i = 0; i < cnt; i++) {
        v[i] = r_str(r, p);
    }
    *n = (int)cnt;
    return v;
}

/* An identity: u32 flags (1: suexec, 2: userdir), uid, gid.  Userdir
 * without suexec, unknown flags, and ids on a class without suexec are
 * malformed (one identity has one encoding). */
#define IDENT_SUEXEC  1u
#define IDENT_USERDIR 2u

static void w_ident(wbuf_t *w, const fcgp_identity_t *id)
{
    w_u32(w, (id->suexec ? IDENT_SUEXEC : 0)
             | (id->userdir ? IDENT_USERDIR : 0));
    w_u32(w, id->uid);
    w_u32(w, id->gid);
}

static void r_ident(rbuf_t *r, fcgp_identity_t *id)
{
    apr_uint32_t flags = r_u32(r);
    id->uid = r_u32(r);
    id->gid = r_u32(r);
    id->suexec = (flags & IDENT_SUEXEC) != 0;
    id->userdir = (flags & IDENT_USERDIR) != 0;
    if ((flags & ~(IDENT_SUEXEC | IDENT_USERDIR))
        || (id->userdir && !id->suexec)
        || (!id->suexec && (id->uid || id->gid))) {
        r->bad = 1;
    }
}

apr_status_t fcgp_ipc_encode_want(apr_pool_t *p, apr_uint32_t parent_pid,
                                     const fcgp_msg_want_t *m,
                                     char **out, apr_size_t *len)
{
    wbuf_t w;
    const fcgp_app_limits_t *l = &m->limits;
    w_begin(&w, p);
    w_u32(&w, l->max_procs);
    w_u32(&w, l->min_procs);
    w_u32(&w, l->max_requests);
    w_u32(&w, l->limit_source);
    w_u64(&w, (apr_uint64_t)l->idle_timeout);
    w_u64(&w, (apr_uint64_t)l->lifetime);
    w_u64(&w, (apr_uint64_t)l->queue_timeout);
    w_u64(&w, (apr_uint64_t)l->kill_timeout);
    w_u32(&w, l->php_pools);
    w_str(&w, m->spec.vhost);
    w_strv(&w, m->spec.argc, m->spec.argv);
    w_strv(&w, m->spec.envc, m->spec.env);
    w_ident(&w, &m->spec.ident);
    return w_finish(&w, FCGP_MSG_WANT, parent_pid, out, len);
}

apr_status_t fcgp_ipc_decode_want(apr_pool_t *p, const char *body,
                                     apr_size_t len, fcgp_msg_want_t *m)
{
    rbuf_t r;
    fcgp_app_limits_t *l = &m->limits;
    r_begin(&r, body, len);
    l->max_procs = r_u32(&r);
    l->min_procs = r_u32(&r);
    l->max_requests = r_u32(&r);
    l->limit_source = r_u32(&r);
    l->idle_timeout = (apr_interval_time_t)r_u64(&r);
    l->lifetime = (apr_interval_time_t)r_u64(&r);
    l->queue_timeout = (apr_interval_time_t)r_u64(&r);
    l->kill_timeout = (apr_interval_time_t)r_u64(&r);
    l->php_pools = r_u32(&r);
    m->spec.vhost = r_str(&r, p);
    m->spec.argv = r_strv(&r, p, &m->spec.argc);
    m->spec.env = r_strv(&r, p, &m->spec.envc);
    r_ident(&r, &m->spec.ident);
    if (r_finish(&r) != APR_SUCCESS || m->spec.argc < 1
        || l->max_procs < 1 || l->min_procs > l->max_procs
        || l->limit_source > FCGP_LIMIT_LEARNED || l->php_pools > 1
        || l->idle_timeout < 0 || l->lifetime < 0
        || l->queue_timeout < 0 || l->kill_timeout < 0) {
        return APR_EINVAL;
    }
    return APR_SUCCESS;
}

apr_status_t fcgp_ipc_encode_answer(apr_pool_t *p, apr_uint32_t parent_pid,
                                    const fcgp_msg_answer_t *m,
                                    char **out, apr_size_t *len)
{
    wbuf_t w;
    w_begin(&w, p);
    w_u32(&w, m->status);
    w_u32(&w, m->cls);
    w_u32(&w, m->retry_after);
    w_str(&w, m->message);
    return w_finish(&w, FCGP_MSG_ANSWER, parent_pid, out, len);
}

apr_status_t fcgp_ipc_decode_answer(apr_pool_t *p, const char *body,
                                    apr_size_t len, fcgp_msg_answer_t *m)
{
    rbuf_t r;
    r_begin(&r, body, len);
    m->status = r_u32(&r);
    m->cls = r_u32(&r);
    m->retry_after = r_u32(&r);
    m->message = r_str(&r, p);
    if (r_finish(&r) != APR_SUCCESS || m->status > FCGP_GRANT_RETRY) {
        return APR_EINVAL;
    }
    return APR_SUCCESS;
}

apr_status_t fcgp_ipc_encode_status(apr_pool_t *p, apr_uint32_t parent_pid,
                                    apr_uint32_t metrics_classes,
                                    char **out, apr_size_t *len)
{
    wbuf_t w;
    w_begin(&w, p);
    w_u32(&w, metrics_classes);
    return w_finish(&w, FCGP_MSG_STATUS, parent_pid, out, len);
}

apr_status_t fcgp_ipc_decode_status(const char *body, apr_size_t len,
                                    apr_uint32_t *metrics_classes)
{
    rbuf_t r;
    if (len == 0) {
        *metrics_classes = FCGP_METRICS_CLASSES_DEFAULT;
        return APR_SUCCESS;
    }
    r_begin(&r, body, len);
    *metrics_classes = r_u32(&r);
    return r_finish(&r);
}

/* ---- the status snapshot ------------------------------------------------
 * Each row has a fixed part and its strings; the smallest row (all strings
 * empty) bounds the count a body can hold, before anything is allocated. */
#define ST_CLASS_MIN    (4 + 6 * 4 + 4 * 8)
#define ST_WORKER_MIN   (7 * 4 + 4 + 2 * 8 + 4 + 2 * 4 + 2 * 8 + 2 * 4)
#define ST_EXIT_MIN     (8 + 4 + 3 * 4 + 4 + 8)
#define ST_METRIC_MIN   (2 * 4 + 8 + 10 * 4 + 8 + 4)
#define ST_PAIR_LEN     (4 + 8)

static void w_st_class(wbuf_t *w, const fcgp_status_class_t *c)
{
    w_str(w, c->name);
    w_u32(w, c->processes);
    w_u32(w, c->waiting);
    w_u32(w, c->max_procs);
    w_u32(w, c->min_procs);
    w_u32(w, c->limit);
    w_u32(w, c->limit_source);
    w_u64(w, c->program_inode);
    w_u64(w, (apr_uint64_t)c->program_mtime);
    w_u64(w, (apr_uint64_t)c->replaced);
    w_u64(w, c->slow_requests);
}

static void w_st_worker(wbuf_t *w, const fcgp_status_worker_t *k)
{
    w_u32(w, k->slot);
    w_u32(w, k->pid);
    w_str(w, k->cls);
    w_u32(w, k->state);
    w_u32(w, k->last_request);
    w_u32(w, k->requests);
    w_u32(w, k->limit);
    w_u32(w, k->limit_source);
    w_u64(w, (apr_uint64_t)k->age);
    w_u64(w, (apr_uint64_t)k->idle);
    w_str(w, k->reason);
    w_u32(w, k->parent_pid);
    w_u32(w, k->renewals);
    w_str(w, k->method);
    w_str(w, k->uri);
    w_u64(w, (apr_uint64_t)k->running);
    w_u64(w, (apr_uint64_t)k->last_took);
}

static void w_st_exit(wbuf_t *w, const fcgp_status_exit_t *e)
{
    w_u64(w, (apr_uint64_t)e->when);
    w_u32(w, e->pid);
    w_str(w, e->cls);
    w_str(w, e->how);
    w_str(w, e->reason);
    w_u32(w, e->requests);
    w_u64(w, (apr_uint64_t)e->uptime);
}

/* A metrics row: its fixed part, then its counters that are not 0 as
 * (id, value) pairs in ascending id order (one encoding per row). */
static void w_st_metric(wbuf_t *w, const fcgp_status_metrics_t *m)
{
    apr_uint32_t id, n = 0;
    w_str(w, m->command);
    w_str(w, m->vhost);
    w_u64(w, (apr_uint64_t)m->since);
    w_u32(w, m->classes);
    w_u32(w, m->known);
    w_u32(w, m->idle);
    w_u32(w, m->active);
    w_u32(w, m->leaving);
    w_u32(w, m->stopping);
    w_u32(w, m->waiting);
    w_u32(w, m->max_procs);
    w_u32(w, m->limit);
    w_u32(w, m->learned_limit);
    w_u64(w, (apr_uint64_t)m->backoff);
    for (id = 0; id < FCGP_CNT_N; id++) {
        n += m->v[id] != 0;
    }
    w_u32(w, n);
    for (id = 0; id < FCGP_CNT_N; id++) {
        if (m->v[id]) {
            w_u32(w, id);
            w_u64(w, m->v[id]);
        }
    }
}

apr_status_t fcgp_ipc_encode_status_reply(apr_pool_t *p,
                                          apr_uint32_t parent_pid,
                                          const fcgp_status_t *st,
                                          char **out, apr_size_t *len)
{
    wbuf_t w;
    apr_uint32_t i;
    if (st->nclasses > FCGP_STATUS_MAX_CLASSES
        || st->nworkers > FCGP_STATUS_MAX_WORKERS
        || st->nexits > FCGP_STATUS_MAX_EXITS
        || st->nmetrics > FCGP_STATUS_MAX_METRICS) {
        return APR_ENOSPC;
    }
    w_begin(&w, p);
    w_u32(&w, st->pm_pid);
    w_u32(&w, st->processes);
    w_u32(&w, st->max_processes);
    w_u32(&w, st->exits_total);
    w_u32(&w, st->draining);
    w_u32(&w, st->nclasses);
    for (i = 0; i < st->nclasses; i++) {
        w_st_class(&w, &st->classes[i]);
    }
    w_u32(&w, st->nworkers);
    for (i = 0; i < st->nworkers; i++) {
        w_st_worker(&w, &st->workers[i]);
    }
    w_u32(&w, st->nexits);
    for (i = 0; i < st->nexits; i++) {
        w_st_exit(&w, &st->exits[i]);
    }
    w_u64(&w, (apr_uint64_t)st->counters_since);
    w_u32(&w, st->classes_total);
    w_u32(&w, st->nmetrics);
    for (i = 0; i < st->nmetrics; i++) {
        w_st_metric(&w, &st->metrics[i]);
    }
    return w_finish(&w, FCGP_MSG_STATUS_REPLY, parent_pid, out, len);
}

/* A row count: at most max, and no more rows than the rest of the body
 * can hold at min_row bytes each.  Returns zeroed rows of size each, or
 * NULL (and r->bad) when the count is out of range. */
static void *r_rows(rbuf_t *r, apr_pool_t *p, apr_uint32_t max,
                    apr_size_t min_row, apr_size_t size, apr_uint32_t *n)
{
    apr_uint32_t cnt = r_u32(r);
    if (r->bad || cnt > max || cnt > (r->len - r->pos) / min_row) {
        r->bad = 1;
        *n = 0;
        return NULL;
    }
    *n = cnt;
    return apr_pcalloc(p, size * (cnt ? cnt : 1));
}

/* A time or interval: never negative. */
static apr_int64_t r_time(rbuf_t *r)
{
    apr_int64_t t = (apr_int64_t)r_u64(r);
    if (t < 0) {
        r->bad = 1;
    }
    return t;
}

static void r_st_class(rbuf_t *r, apr_pool_t *p, fcgp_status_class_t *c)
{
    c->name = r_str(r, p);
    c->processes = r_u32(r);
    c->waiting = r_u32(r);
    c->max_procs = r_u32(r);
    c->min_procs = r_u32(r);
    c->limit = r_u32(r);
    c->limit_source = r_u32(r);
    c->program_inode = r_u64(r);
    c->program_mtime = r_time(r);
    c->replaced = r_time(r);
    c->slow_requests = r_u64(r);
    if (c->limit_source > FCGP_LIMIT_LEARNED) {
        r->bad = 1;
    }
}

static void r_st_worker(rbuf_t *r, apr_pool_t *p, fcgp_status_worker_t *k)
{
    k->slot = r_u32(r);
    k->pid = r_u32(r);
    k->cls = r_str(r, p);
    k->state = r_u32(r);
    k->last_request = r_u32(r);
    k->requests = r_u32(r);
    k->limit = r_u32(r);
    k->limit_source = r_u32(r);
    k->age = r_time(r);
    k->idle = r_time(r);
    k->reason = r_str(r, p);
    k->parent_pid = r_u32(r);
    k->renewals = r_u32(r);
    k->method = r_str(r, p);
    k->uri = r_str(r, p);
    k->running = r_time(r);
    k->last_took = r_time(r);
    if (k->state > FCGP_WORKER_STOPPING || k->last_request > 2
        || k->limit_source > FCGP_LIMIT_LEARNED) {
        r->bad = 1;
    }
}

static void r_st_exit(rbuf_t *r, apr_pool_t *p, fcgp_status_exit_t *e)
{
    e->when = r_time(r);
    e->pid = r_u32(r);
    e->cls = r_str(r, p);
    e->how = r_str(r, p);
    e->reason = r_str(r, p);
    e->requests = r_u32(r);
    e->uptime = r_time(r);
}

static void r_st_metric(rbuf_t *r, apr_pool_t *p, fcgp_status_metrics_t *m)
{
    apr_uint32_t n, k, id, next = 0;
    m->command = r_str(r, p);
    m->vhost = r_str(r, p);
    m->since = r_time(r);
    m->classes = r_u32(r);
    m->known = r_u32(r);
    m->idle = r_u32(r);
    m->active = r_u32(r);
    m->leaving = r_u32(r);
    m->stopping = r_u32(r);
    m->waiting = r_u32(r);
    m->max_procs = r_u32(r);
    m->limit = r_u32(r);
    m->learned_limit = r_u32(r);
    m->backoff = r_time(r);
    n = r_u32(r);
    if (r->bad || m->known > 1 || n > FCGP_CNT_N
        || n > (r->len - r->pos) / ST_PAIR_LEN) {
        r->bad = 1;
        return;
    }
    /* Ascending ids, values not 0: the one encoding of the row. */
    for (k = 0; k < n && !r->bad; k++) {
        id = r_u32(r);
        if (id < next || id >= FCGP_CNT_N) {
            r->bad = 1;
            return;
        }
        m->v[id] = r_u64(r);
        if (m->v[id] == 0) {
            r->bad = 1;
        }
        next = id + 1;
    }
}

apr_status_t fcgp_ipc_decode_status_reply(apr_pool_t *p, const char *body,
                                          apr_size_t len, fcgp_status_t *st)
{
    rbuf_t r;
    apr_uint32_t i;
    r_begin(&r, body, len);
    memset(st, 0, sizeof(*st));
    st->pm_pid = r_u32(&r);
    st->processes = r_u32(&r);
    st->max_processes = r_u32(&r);
    st->exits_total = r_u32(&r);
    st->draining = r_u32(&r);
    st->classes = r_rows(&r, p, FCGP_STATUS_MAX_CLASSES, ST_CLASS_MIN,
                         sizeof(*st->classes), &st->nclasses);
    for (i = 0; i < st->nclasses && !r.bad; i++) {
        r_st_class(&r, p, &st->classes[i]);
    }
    st->workers = r_rows(&r, p, FCGP_STATUS_MAX_WORKERS, ST_WORKER_MIN,
                         sizeof(*st->workers), &st->nworkers);
    for (i = 0; i < st->nworkers && !r.bad; i++) {
        r_st_worker(&r, p, &st->workers[i]);
    }
    st->exits = r_rows(&r, p, FCGP_STATUS_MAX_EXITS, ST_EXIT_MIN,
                       sizeof(*st->exits), &st->nexits);
    for (i = 0; i < st->nexits && !r.bad; i++) {
        r_st_exit(&r, p, &st->exits[i]);
    }
    st->counters_since = r_time(&r);
    st->classes_total = r_u32(&r);
    st->metrics = r_rows(&r, p, FCGP_STATUS_MAX_METRICS, ST_METRIC_MIN,
                         sizeof(*st->metrics), &st->nmetrics);
    for (i = 0; i < st->nmetrics && !r.bad; i++) {
        r_st_metric(&r, p, &st->metrics[i]);
    }
    if (r_finish(&r) != APR_SUCCESS || st->draining > 1) {
        memset(st, 0, sizeof(*st));
        return APR_EINVAL;
    }
    return APR_SUCCESS;
}

apr_status_t fcgp_ipc_encode_kick(apr_pool_t *p, apr_uint32_t parent_pid,
                                  apr_uint64_t nonce, char **out,
                                  apr_size_t *len)
{
    wbuf_t w;
    w_begin(&w, p);
    w_u64(&w, nonce);
    return w_finish(&w, FCGP_MSG_KICK, parent_pid, out, len);
}

apr_status_t fcgp_ipc_decode_kick(const char *body, apr_size_t len,
                                  apr_uint64_t *nonce)
{
    rbuf_t r;
    r_begin(&r, body, len);
    *nonce = r_u64(&r);
    return r_finish(&r);
}

apr_status_t fcgp_ipc_class_key_parse(apr_pool_t *p, const char *key,
                                      apr_size_t klen, fcgp_app_spec_t *spec)
{
    rbuf_t r;
    r_begin(&r, key, klen);
    spec->vhost = r_str(&r, p);
    spec->argv = r_strv(&r, p, &spec->argc);
    spec->env = r_strv(&r, p, &spec->envc);
    r_ident(&r, &spec->ident);
    if (r_finish(&r) != APR_SUCCESS || spec->argc < 1) {
        memset(spec, 0, sizeof(*spec));
        return APR_EINVAL;
    }
    return APR_SUCCESS;
}

const char *fcgp_ipc_class_key(apr_pool_t *p, const fcgp_app_spec_t *spec,
                               apr_size_t *klen)
{
    wbuf_t w;
    w_begin(&w, p);
    w.len = 0;
    w_str(&w, spec->vhost);
    w_strv(&w, spec->argc, spec->argv);
    w_strv(&w, spec->envc, spec->env);
    w_ident(&w, &spec->ident);
    *klen = w.len;
    return w.buf;
}
