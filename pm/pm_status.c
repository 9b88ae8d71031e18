/* pm_status.c: a snapshot of the process manager's state for the status
 * page (pm/status_data.h): every class, every worker, the last exits, and
 * the counters of the worker table with this PM's gauges beside them.
 * PM only.  Plain data, taken from the PM's own state, so it is exact,
 * not sampled; the handler formats it. */
#include <unistd.h>
#include <apr_strings.h>
#include "pm/pm_internal.h"
#include "pm/ipc.h"

static apr_uint32_t worker_state(slot_state_e s)
{
    switch (s) {
    case SLOT_BUSY:
    case SLOT_LAST:
        return FCGP_WORKER_BUSY;
    case SLOT_STOPPING:
        return FCGP_WORKER_STOPPING;
    default:
        return FCGP_WORKER_IDLE;
    }
}

/* Time since t; never negative (the wall clock may step back), as the
 * STATUS_REPLY decoder requires. */
static apr_interval_time_t since(apr_time_t now, apr_time_t t)
{
    return now > t ? now - t : 0;
}

/* ---- metrics rows ---------------------------------------------------
 * One row per command line and virtual host, for the first `shown`
 * classes in the order they were first used (the table's records 1..);
 * every later class goes into one "(other)" row, so the number of label
 * sets stays bounded whatever the configuration; row 0 counts requests of
 * no known class. */

typedef struct {
    fcgp_status_t *st;
    apr_uint32_t *row_of;       /* by record */
    apr_hash_t *by_label;       /* "command\0vhost" -> row + 1 */
    apr_uint32_t other;         /* the "(other)" row + 1, or 0 */
    apr_pool_t *p;
} rows_t;

static apr_uint32_t new_row(rows_t *x, const char *command,
                            const char *vhost, apr_time_t since)
{
    fcgp_status_metrics_t *m = &x->st->metrics[x->st->nmetrics];
    m->command = command;
    m->vhost = vhost;
    m->since = since;
    return x->st->nmetrics++;
}

static const char *command_of(apr_pool_t *p, const fcgp_app_spec_t *spec)
{
    const char *s = spec->argv[0];
    int i;
    for (i = 1; i < spec->argc; i++) {
        s = apr_pstrcat(p, s, " ", spec->argv[i], NULL);
    }
    return s;
}

/* Record r's row, made when new. */
static apr_uint32_t row_for(rows_t *x, fcgp_table_t *t, apr_uint32_t r,
                            apr_uint32_t shown)
{
    fcgp_counters_t *rec = fcgp_table_record(t, r);
    apr_time_t since = (apr_time_t)rec->since;
    fcgp_app_spec_t spec;
    const char *key, *label;
    apr_size_t klen;
    apr_uint32_t row;

    if (r > shown) {
        if (!x->other) {
            x->other = new_row(x, FCGP_METRICS_OTHER, FCGP_METRICS_OTHER,
                               since) + 1;
        }
        return x->other - 1;
    }
    key = fcgp_table_class_key(t, rec->cls, &klen);
    if (!key || fcgp_ipc_class_key_parse(x->p, key, klen, &spec)
                != APR_SUCCESS) {
        static const char *const unknown[] = {"?", NULL};
        spec.vhost = "";
        spec.argc = 1;
        spec.argv = unknown;
    }
    /* Classes that differ only by environment share a row. */
    label = apr_pstrcat(x->p, command_of(x->p, &spec), "\n", spec.vhost,
                        NULL);
    row = (apr_uint32_t)(apr_uintptr_t)apr_hash_get(x->by_label, label,
                                                    APR_HASH_KEY_STRING);
    if (!row) {
        row = new_row(x, command_of(x->p, &spec), spec.vhost, since) + 1;
        apr_hash_set(x->by_label, label, APR_HASH_KEY_STRING,
                     (void *)(apr_uintptr_t)row);
    }
    return row - 1;
}

/* The gauges of this PM's class c, added to its row: its processes by
 * what they may do (a worker given its last request, or whose
 * replacement was started ahead of its limit, is leaving: the
 * replacement takes its place under FcgiProcMaxProcessesPerClass). */
static void add_gauges(fcgp_status_metrics_t *m, pm_class_t *c,
                       apr_time_t now)
{
    apr_uint32_t src, limit = pm_class_limit(c, &src);
    int i;

    m->known = 1;
    for (i = 0; i < c->slots->nelts; i++) {
        const pm_slot_t *s = APR_ARRAY_IDX(c->slots, i, pm_slot_t *);
        switch (s->state) {
        case SLOT_IDLE:
            s->replaced ? m->leaving++ : m->idle++;
            break;
        case SLOT_BUSY:
            s->replaced ? m->leaving++ : m->active++;
            break;
        case SLOT_LAST:
            m->leaving++;
            break;
        case SLOT_STOPPING:
            m->stopping++;
            break;
        default:
            break;
        }
    }
    m->max_procs += c->limits.max_procs;
    if (limit > m->limit) {
        m->limit = limit;
    }
    if (c->learned_limit > m->learned_limit) {
        m->learned_limit = c->learned_limit;
    }
    if (pm_class_backing_off(c, now) && c->failures.until - now > m->backoff) {
        m->backoff = c->failures.until - now;
    }
}

static void metrics_rows(pm_t *pm, apr_pool_t *p, fcgp_status_t *st,
                         apr_uint32_t shown, apr_time_t now)
{
    fcgp_table_t *t = pm->table;
    apr_uint32_t nrec = fcgp_table_nrecords(t), r, id;
    apr_hash_index_t *hi;
    rows_t x;

    x.st = st;
    x.p = p;
    x.other = 0;
    x.by_label = apr_hash_make(p);
    x.row_of = apr_pcalloc(p, sizeof(*x.row_of) * nrec);
    st->counters_since = (apr_time_t)fcgp_table_record(t, 0)->since;
    st->classes_total = nrec - 1;
    st->metrics = apr_pcalloc(p, sizeof(*st->metrics)
                                 * ((shown < nrec ? shown : nrec) + 2));
    new_row(&x, "", "", st->counters_since);
    for (r = 1; r < nrec; r++) {
        x.row_of[r] = row_for(&x, t, r, shown);
    }
    for (r = 0; r < nrec; r++) {
        fcgp_counters_t *rec = fcgp_table_record(t, r);
        fcgp_status_metrics_t *m = &st->metrics[x.row_of[r]];
        if (r) {
            m->classes++;
            m->waiting += fcgp_table_sleepers(t, rec->cls);
            if ((apr_time_t)rec->since < m->since) {
                m->since = (apr_time_t)rec->since;
            }
        }
        for (id = 0; id < FCGP_CNT_N; id++) {
            m->v[id] += fcgp_cnt_read(rec, id);
        }
        m->v[FCGP_CNT_HELD] = 0;        /* internal */
    }
    for (hi = apr_hash_first(p, pm->classes); hi; hi = apr_hash_next(hi)) {
        pm_class_t *c = apr_hash_this_val(hi);
        fcgp_tbl_class_t *tc = fcgp_table_class(t, c->tidx);
        if (tc && tc->rec > 0 && tc->rec < nrec) {
            add_gauges(&st->metrics[x.row_of[tc->rec]], c, now);
        }
    }
}

/* What the worker's handler published in its slot (a racy read made
 * safe by the slot's sequence lock, pm/table.h): the current request of a
 * busy worker, and how long its last one took. */
static void request_of(pm_t *pm, const pm_slot_t *s, fcgp_status_worker_t *w,
                       apr_time_t now, apr_pool_t *p)
{
    fcgp_tbl_req_t q;
    int mine = fcgp_table_request(pm->table, s->id, &q)
               && q.pid == PM_SLOT_PID(s) && q.pid;
    int current = mine && q.busy && w->state == FCGP_WORKER_BUSY;

    w->method = current ? apr_pstrdup(p, q.method) : "";
    w->uri = current ? apr_pstrdup(p, q.uri) : "";
    w->running = current ? since(now, q.since) : 0;
    w->last_took = mine && q.took > 0 ? q.took : 0;
}

/* The sockets of one pool's children, read once per snapshot. */
typedef struct {
    pm_child_sock_t *socks;
    int n;
} pool_socks_t;

/* The child of busy pool slot s that holds its connection (its holder's
 * end, `conn`, and the application's, from sock_diag), or 0; pools: the
 * sockets of each pool's children, by its parent's pid, read at the
 * first of its slots. */
static apr_uint32_t pool_child(pm_t *pm, const pm_slot_t *s, apr_pool_t *p,
                               apr_hash_t **pools)
{
    apr_uint32_t lead = PM_SLOT_PID(s);
    pool_socks_t *ps;

    if (!*pools) {
        *pools = apr_hash_make(p);
    }
    if (!(ps = apr_hash_get(*pools, &lead, sizeof(lead)))) {
        apr_uint32_t *key = apr_pmemdup(p, &lead, sizeof(lead));
        ps = apr_pcalloc(p, sizeof(*ps));
        ps->socks = apr_palloc(p, PM_CHILD_SOCKS * sizeof(*ps->socks));
        ps->n = pm_children_sockets((pid_t)lead, ps->socks, PM_CHILD_SOCKS);
        apr_hash_set(*pools, key, sizeof(*key), ps);
    }
    return pm_socket_holder(ps->socks, ps->n, fcgp_unix_peer(
        fcgp_table_note(pm->table, s->id, FCGP_TBL_CONN)));
}

/* Class cls's slow requests: its counter record's FCGP_CNT_SLOW (kept
 * across graceful restarts with the table). */
static apr_uint64_t slow_of(fcgp_table_t *t, apr_uint32_t cls)
{
    fcgp_tbl_class_t *tc = fcgp_table_class(t, cls);
    if (!tc || tc->rec == 0 || tc->rec >= fcgp_table_nrecords(t)) {
        return 0;
    }
    return fcgp_cnt_read(fcgp_table_record(t, tc->rec), FCGP_CNT_SLOW);
}

/* Every read of pm_t for the status page is here. */
const fcgp_status_t *fcgp_pm_status_snapshot(pm_t *pm, apr_pool_t *p,
                                             apr_uint32_t metrics_classes)
{
    fcgp_status_t *st = apr_pcalloc(p, sizeof(*st));
    apr_time_t now = apr_time_now();
    apr_hash_index_t *hi;
    apr_hash_t *pools = NULL;
    apr_uint32_t n, i;

    st->pm_pid = (apr_uint32_t)getpid();
    st->processes = pm->nprocs;
    st->max_processes = pm->settings.max_procs;
    st->exits_total = pm->nexits;
    st->draining = pm->draining != 0;

    st->classes = apr_pcalloc(p, sizeof(*st->classes)
                                 * (apr_hash_count(pm->classes) + 1));
    for (hi = apr_hash_first(p, pm->classes); hi; hi = apr_hash_next(hi)) {
        pm_class_t *c = apr_hash_this_val(hi);
        fcgp_status_class_t *sc = &st->classes[st->nclasses++];
        sc->name = apr_pstrdup(p, c->name);
        sc->processes = (apr_uint32_t)c->slots->nelts;
        sc->waiting = fcgp_table_sleepers(pm->table, c->tidx);
        sc->max_procs = c->limits.max_procs;
        sc->min_procs = c->limits.min_procs;
        sc->limit = pm_class_limit(c, &sc->limit_source);
        sc->program_inode = c->prog.inode;
        sc->program_mtime = c->prog.mtime > 0 ? c->prog.mtime : 0;
        sc->replaced = c->prog.replaced;
        sc->slow_requests = slow_of(pm->table, c->tidx);
    }

    st->workers = apr_pcalloc(p, sizeof(*st->workers) * (pm->nslots + 1));
    for (i = 0; i < pm->nslots; i++) {
        pm_slot_t *s = pm->slots[i];
        fcgp_status_worker_t *w;
        if (!s || s->state == SLOT_FREE) {
            continue;
        }
        w = &st->workers[st->nworkers++];
        w->slot = s->id;
        w->pid = PM_SLOT_PID(s);
        /* A php-cgi parent: its child serves, so its pid is the one a
         * request sees (getmypid()), and the parent's is beside it.  A
         * pool's children take its requests in turn: a busy slot shows
         * the child that holds its connection, an idle one the parent. */
        if (PM_IN_POOL(s) && w->pid && s->state == SLOT_BUSY) {
            apr_uint32_t kid = pool_child(pm, s, p, &pools);
            if (kid) {
                w->parent_pid = w->pid;
                w->pid = kid;
            }
        }
        else if (s->state != SLOT_STOPPING && !PM_IN_POOL(s)
                 && pm_worker_is_parent(pm, s)) {
            apr_uint32_t kid = pm_worker_child(s);
            if (kid) {
                w->parent_pid = w->pid;
                w->pid = kid;
            }
        }
        w->renewals = s->renewals;
        w->cls = apr_pstrdup(p, s->cls->name);
        w->state = worker_state(s->state);
        w->last_request = s->state != SLOT_LAST ? 0 : s->superseded ? 2 : 1;
        w->requests = s->served;
        w->limit = pm_slot_limit(s, &w->limit_source);
        w->age = since(now, s->started);
        w->idle = s->state == SLOT_IDLE
                  ? since(now, s->last_used ? s->last_used : s->started) : 0;
        w->reason = apr_pstrdup(p, s->state == SLOT_STOPPING
                                   && s->retire_reason
                                   ? s->retire_reason : "");
        request_of(pm, s, w, now, p);
    }

    n = pm->nexits < PM_EXITS_KEPT ? pm->nexits : PM_EXITS_KEPT;
    st->exits = apr_pcalloc(p, sizeof(*st->exits) * (n + 1));
    for (i = 0; i < n; i++) {
        const pm_exit_t *e = &pm->exits[(pm->nexits - 1 - i) % PM_EXITS_KEPT];
        fcgp_status_exit_t *x = &st->exits[st->nexits++];
        x->when = e->when > 0 ? e->when : 0;
        x->pid = (apr_uint32_t)e->pid;
        x->cls = apr_pstrdup(p, e->cls);
        x->how = apr_pstrdup(p, e->how);
        x->reason = apr_pstrdup(p, e->reason);
        x->requests = e->served;
        x->uptime = e->uptime > 0 ? e->uptime : 0;
    }
    metrics_rows(pm, p, st, metrics_classes, now);
    return st;
}
