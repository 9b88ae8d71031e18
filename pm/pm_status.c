/* pm_status.c: a snapshot of the process manager's state for the status
 * page (pm/status_data.h): every class, every worker, the last exits.
 * PM only.  Plain data, taken from the PM's own state, so it is exact,
 * not sampled; the handler formats it. */
#include <unistd.h>
#include <apr_strings.h>
#include "pm/pm_internal.h"

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

/* What the worker's handler published in its slot (a racy read made
 * safe by the slot's sequence lock, pm/table.h): the current request of a
 * busy worker, and how long its last one took. */
static void request_of(pm_t *pm, const pm_slot_t *s, fcgp_status_worker_t *w,
                       apr_time_t now, apr_pool_t *p)
{
    fcgp_tbl_req_t q;
    int mine = fcgp_table_request(pm->table, s->id, &q)
               && q.pid == (apr_uint32_t)s->proc.pid && q.pid;
    int current = mine && q.busy && w->state == FCGP_WORKER_BUSY;

    w->method = current ? apr_pstrdup(p, q.method) : "";
    w->uri = current ? apr_pstrdup(p, q.uri) : "";
    w->running = current ? since(now, q.since) : 0;
    w->last_took = mine && q.took > 0 ? q.took : 0;
}

/* Every read of pm_t for the status page is here. */
const fcgp_status_t *fcgp_pm_status_snapshot(pm_t *pm, apr_pool_t *p)
{
    fcgp_status_t *st = apr_pcalloc(p, sizeof(*st));
    apr_time_t now = apr_time_now();
    apr_hash_index_t *hi;
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
        sc->slow_requests = fcgp_table_slow_requests(pm->table, c->tidx);
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
        w->pid = (apr_uint32_t)s->proc.pid;
        w->cls = apr_pstrdup(p, s->cls->name);
        w->state = worker_state(s->state);
        w->last_request = s->state == SLOT_LAST;
        w->requests = s->served;
        w->limit = pm_class_limit(s->cls, &w->limit_source);
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
    return st;
}
