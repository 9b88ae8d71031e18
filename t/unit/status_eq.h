/* status_eq.h: whether two status snapshots (pm/status_data.h) hold the
 * same values, row by row.  Shared by the unit tests and the IPC fuzzer. */
#ifndef FCGP_T_STATUS_EQ_H
#define FCGP_T_STATUS_EQ_H

#include <string.h>
#include "pm/status_data.h"

static int str_eq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

static int class_eq(const fcgp_status_class_t *x,
                    const fcgp_status_class_t *y)
{
    return str_eq(x->name, y->name) && x->processes == y->processes
           && x->waiting == y->waiting && x->max_procs == y->max_procs
           && x->min_procs == y->min_procs && x->limit == y->limit
           && x->limit_source == y->limit_source
           && x->program_inode == y->program_inode
           && x->program_mtime == y->program_mtime
           && x->replaced == y->replaced
           && x->slow_requests == y->slow_requests;
}

static int worker_eq(const fcgp_status_worker_t *x,
                     const fcgp_status_worker_t *y)
{
    return x->slot == y->slot && x->pid == y->pid && str_eq(x->cls, y->cls)
           && x->state == y->state && x->last_request == y->last_request
           && x->requests == y->requests && x->limit == y->limit
           && x->limit_source == y->limit_source && x->age == y->age
           && x->idle == y->idle && str_eq(x->reason, y->reason)
           && x->parent_pid == y->parent_pid && x->renewals == y->renewals
           && str_eq(x->method, y->method) && str_eq(x->uri, y->uri)
           && x->running == y->running && x->last_took == y->last_took;
}

static int exit_eq(const fcgp_status_exit_t *x, const fcgp_status_exit_t *y)
{
    return x->when == y->when && x->pid == y->pid && str_eq(x->cls, y->cls)
           && str_eq(x->how, y->how) && str_eq(x->reason, y->reason)
           && x->requests == y->requests && x->uptime == y->uptime;
}

static int metrics_eq(const fcgp_status_metrics_t *x,
                      const fcgp_status_metrics_t *y)
{
    return str_eq(x->command, y->command) && str_eq(x->vhost, y->vhost)
           && x->since == y->since && x->classes == y->classes
           && x->known == y->known && x->idle == y->idle
           && x->active == y->active && x->leaving == y->leaving
           && x->stopping == y->stopping && x->waiting == y->waiting
           && x->max_procs == y->max_procs && x->limit == y->limit
           && x->learned_limit == y->learned_limit
           && x->backoff == y->backoff
           && memcmp(x->v, y->v, sizeof(x->v)) == 0;
}

static int status_eq(const fcgp_status_t *a, const fcgp_status_t *b)
{
    apr_uint32_t k;
    if (a->pm_pid != b->pm_pid || a->processes != b->processes
        || a->max_processes != b->max_processes
        || a->exits_total != b->exits_total || a->draining != b->draining
        || a->nclasses != b->nclasses || a->nworkers != b->nworkers
        || a->nexits != b->nexits || a->counters_since != b->counters_since
        || a->classes_total != b->classes_total
        || a->nmetrics != b->nmetrics) {
        return 0;
    }
    for (k = 0; k < a->nmetrics; k++) {
        if (!metrics_eq(&a->metrics[k], &b->metrics[k])) {
            return 0;
        }
    }
    for (k = 0; k < a->nclasses; k++) {
        if (!class_eq(&a->classes[k], &b->classes[k])) {
            return 0;
        }
    }
    for (k = 0; k < a->nworkers; k++) {
        if (!worker_eq(&a->workers[k], &b->workers[k])) {
            return 0;
        }
    }
    for (k = 0; k < a->nexits; k++) {
        if (!exit_eq(&a->exits[k], &b->exits[k])) {
            return 0;
        }
    }
    return 1;
}

#endif
