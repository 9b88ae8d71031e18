/* policy.c: the process manager's decisions (see policy.h). */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include "pm/policy.h"

apr_uint32_t fcgp_policy_effective_limit(apr_uint32_t configured,
                                         apr_uint32_t configured_source,
                                         apr_uint32_t learned,
                                         apr_uint32_t *source)
{
    if (learned && (!configured || learned < configured)) {
        *source = FCGP_LIMIT_LEARNED;
        return learned;
    }
    *source = configured ? configured_source : FCGP_LIMIT_NONE;
    return configured;
}

const char *fcgp_limit_source_name(fcgp_limit_source_e src)
{
    switch (src) {
    case FCGP_LIMIT_OURS:
        return "FcgiProcMaxRequestsPerProcess";
    case FCGP_LIMIT_PHP_ENV:
        return "PHP_FCGI_MAX_REQUESTS in FcgiProcInitialEnv";
    case FCGP_LIMIT_PHP_GIVEN:
        return "PHP_FCGI_MAX_REQUESTS given to php-cgi by default";
    case FCGP_LIMIT_APP_DECLARED:
        return "FcgiProcAppMaxRequests";
    case FCGP_LIMIT_LEARNED:
        return "learned: the app exited by itself";
    case FCGP_LIMIT_NONE:
    default:
        return "no limit";
    }
}

apr_uint32_t fcgp_policy_spawn_ahead(apr_uint32_t limit)
{
    apr_uint32_t n = limit / 5;
    return n > 50 ? 50 : n;
}

int fcgp_policy_replace_now(apr_uint32_t served, apr_uint32_t limit,
                            int fresh_idle)
{
    return limit && (served >= limit
                     || limit - served <= fcgp_policy_spawn_ahead(limit))
           && !fresh_idle;
}

int fcgp_policy_enough_ahead(apr_uint32_t fresh, apr_uint32_t fresh_all,
                             apr_uint32_t leaving, apr_uint32_t live)
{
    apr_uint32_t most = live / 8 > 2 ? live / 8 : 2;
    return fresh >= leaving || fresh_all >= most;
}

const char *fcgp_policy_retire(const fcgp_worker_facts_t *f)
{
    if (f->returned && f->outcome == FCGP_OUT_TIMEOUT) {
        return "missed a deadline";
    }
    if (f->returned && f->outcome == FCGP_OUT_BROKEN) {
        return "broken request";
    }
    if (f->draining) {
        return f->draining > 1 ? "httpd is gone" : "httpd restart or stop";
    }
    if (f->superseded) {
        return "superseded: its program was replaced";
    }
    if (f->last || (f->limit && f->served >= f->limit)) {
        return "request limit";
    }
    if (f->lifetime && f->now - f->started > f->lifetime) {
        return "FcgiProcProcessLifeTime";
    }
    if (!f->returned && f->idle_timeout
        && f->now - (f->last_used ? f->last_used : f->started)
           > f->idle_timeout
        && f->class_live > f->min_procs) {
        return "FcgiProcIdleTimeout";
    }
    return NULL;
}

int fcgp_policy_renew(const fcgp_worker_facts_t *f)
{
    return f->parent && f->returned && f->outcome == FCGP_OUT_OK
           && !f->draining && f->limit && f->served >= f->limit;
}

int fcgp_policy_restart_child(const fcgp_worker_facts_t *f)
{
    fcgp_worker_facts_t rest = *f;

    if (!f->parent || !f->returned || (f->outcome != FCGP_OUT_TIMEOUT
                                       && f->outcome != FCGP_OUT_BROKEN)) {
        return 0;
    }
    /* its other reasons, with the request taken as one that went well
     * (the count starts again with the next child) */
    rest.outcome = FCGP_OUT_OK;
    rest.last = 0;
    rest.served = 0;
    return fcgp_policy_retire(&rest) == NULL;
}

int fcgp_policy_parent_mode(int envc, const char *const *env)
{
    int i, n = 0;
    for (i = 0; i < envc; i++) {
        if (env[i] && strncmp(env[i], "PHP_FCGI_CHILDREN=", 18) == 0) {
            const char *v = env[i] + 18;
            n = 0;
            while (*v >= '0' && *v <= '9' && n < 100000) {
                n = n * 10 + (*v++ - '0');
            }
            if (*v) {
                n = 0;      /* php-cgi's atoi would differ: not ours */
            }
            break;          /* getenv() finds the first */
        }
    }
    return n;
}

apr_uint32_t fcgp_policy_php_children(const char *argv0, int binary,
                                      int envc, const char *const *env,
                                      int suexec)
{
    const char *base = argv0 ? strrchr(argv0, '/') : NULL;
    int n = fcgp_policy_parent_mode(envc, env);

    base = base ? base + 1 : argv0;
    if (n < 1 || !binary || suexec || !base || strncmp(base, "php", 3) != 0
        || !strstr(base, "cgi")) {
        return 0;
    }
    return (apr_uint32_t)n;
}

fcgp_room_e fcgp_policy_room(const fcgp_room_facts_t *f)
{
    if (f->draining || f->backing_off) {
        return FCGP_ROOM_NONE_PAUSED;
    }
    if (f->class_live >= f->class_max + f->leaving) {
        return FCGP_ROOM_NONE_CLASS;
    }
    if (f->user_max && f->user_procs >= f->user_max) {
        return FCGP_ROOM_NONE_USER;
    }
    if (f->procs >= f->procs_max || !f->slot_free) {
        return FCGP_ROOM_NONE_SERVER;
    }
    return FCGP_ROOM;
}

apr_uint32_t fcgp_policy_grow(apr_uint32_t waiting, apr_uint32_t idle,
                              int asked)
{
    apr_uint32_t want = waiting ? waiting : (apr_uint32_t)!!asked;
    return want > idle ? want - idle : 0;
}

apr_uint32_t fcgp_policy_top_up(apr_uint32_t live, apr_uint32_t min_procs)
{
    return live < min_procs ? min_procs - live : 0;
}

int fcgp_policy_note_death(fcgp_failures_t *f, apr_time_t now,
                           apr_interval_time_t age, apr_uint32_t done)
{
    if (done > 0 || age >= FCGP_EARLY_DEATH) {
        return 0;
    }
    if (now - f->window_start > FCGP_FAIL_WINDOW) {
        f->window_start = now;
        f->fails = 0;
    }
    if (++f->fails < FCGP_FAIL_COUNT) {
        return 0;
    }
    f->backoff = fcgp_policy_next_backoff(f->backoff, FCGP_BACKOFF_FIRST,
                                          FCGP_BACKOFF_MAX);
    f->until = now + f->backoff;
    f->fails = 0;
    f->window_start = now;
    return 1;
}

void fcgp_policy_note_refusal(fcgp_failures_t *f, apr_time_t now)
{
    f->backoff = fcgp_policy_next_backoff(f->backoff, FCGP_BACKOFF_FIRST,
                                          FCGP_BACKOFF_MAX);
    f->until = now + f->backoff;
    f->fails = 0;
    f->window_start = now;
}

const char *fcgp_policy_suexec_refusal(int code)
{
    switch (code) {
    case 101: return "too few arguments";
    case 102: return "the caller's uid is invalid";
    case 103: return "the caller is not suexec's AP_HTTPD_USER";
    case 104: return "invalid command: an absolute path or one with ..";
    case 105: return "the target user does not exist";
    case 106: return "the target group does not exist";
    case 107: return "the target uid is below suexec's AP_UID_MIN";
    case 108: return "the target gid is below suexec's AP_GID_MIN";
    case 109: return "setgid or initgroups failed";
    case 110: return "setuid failed";
    case 111: return "the current directory cannot be read";
    case 112: return "the user's UserDir cannot be found";
    case 113: return "suexec's document root cannot be found";
    case 114: return "the command is not inside suexec's document root "
                     "(AP_DOC_ROOT, or the user's UserDir)";
    case 115: return "the command's directory cannot be read";
    case 116: return "the command's directory is writable by others";
    case 117: return "the command cannot be read";
    case 118: return "the command is writable by others";
    case 119: return "the command is setuid or setgid";
    case 120: return "the command or its directory is not owned by the "
                     "target user and group";
    case 121: return "the command is not executable";
    case 122: return "suexec cannot set close-on-exec on its log";
    case 123: case 124: case 125: case 126: return "out of memory";
    default: return NULL;
    }
}

apr_uint32_t fcgp_policy_user_max_default(apr_uint32_t procs_max,
                                          apr_uint32_t class_max)
{
    apr_uint32_t n = procs_max / 4;
    if (n < class_max) {
        n = class_max;
    }
    return n > procs_max ? procs_max : (n ? n : 1);
}

apr_uint32_t fcgp_policy_pick_fair(apr_uint32_t n, const apr_uint32_t *want,
                                   const apr_uint32_t *user_procs)
{
    apr_uint32_t i, best = n;
    for (i = 0; i < n; i++) {
        if (!want[i]) {
            continue;
        }
        if (best == n || user_procs[i] < user_procs[best]
            || (user_procs[i] == user_procs[best] && want[i] > want[best])) {
            best = i;
        }
    }
    return best;
}

void fcgp_policy_note_success(fcgp_failures_t *f)
{
    f->fails = 0;
    f->backoff = 0;
    f->until = 0;
}

apr_interval_time_t fcgp_policy_next_backoff(apr_interval_time_t current,
                                             apr_interval_time_t first,
                                             apr_interval_time_t max)
{
    apr_interval_time_t next = current > 0 ? current * 2 : first;
    return next > max ? max : next;
}

static int same_limits(const fcgp_app_limits_t *a, const fcgp_app_limits_t *b)
{
    return a->max_procs == b->max_procs && a->min_procs == b->min_procs
           && a->max_requests == b->max_requests
           && a->limit_source == b->limit_source
           && a->idle_timeout == b->idle_timeout
           && a->lifetime == b->lifetime
           && a->queue_timeout == b->queue_timeout
           && a->kill_timeout == b->kill_timeout
           && a->php_pools == b->php_pools;
}

static int same_env(int na, const char *const *a, int nb,
                    const char *const *b)
{
    int i;
    if (na != nb) {
        return 0;
    }
    for (i = 0; i < na; i++) {
        if (!a[i] || !b[i] || strcmp(a[i], b[i]) != 0) {
            return 0;
        }
    }
    return 1;
}

/* May requests of profile p run as id? */
static int identity_ok(const fcgp_app_profile_t *p, const fcgp_identity_t *id)
{
    if (id->suexec && (id->uid == 0 || id->gid == 0)) {
        return 0;
    }
    if (id->userdir) {
        return id->suexec && p->userdir_ok;
    }
    if (id->suexec != p->ident.suexec || p->ident.userdir) {
        return 0;
    }
    return !id->suexec || (id->uid == p->ident.uid && id->gid == p->ident.gid);
}

int fcgp_policy_profile_ok(const fcgp_app_profile_t *profiles, int n,
                           const fcgp_app_spec_t *spec,
                           const fcgp_app_limits_t *limits)
{
    int i;
    for (i = 0; i < n; i++) {
        const fcgp_app_profile_t *p = &profiles[i];
        if (spec->vhost && strcmp(p->vhost, spec->vhost) == 0
            && identity_ok(p, &spec->ident)
            && same_limits(&p->limits, limits)
            && same_env(p->envc, p->env, spec->envc, spec->env)) {
            return 1;
        }
    }
    return 0;
}

/* A child of one of the PM's workers, with its worker's uids, all of
 * them (a setuid program it ran is not the worker's). */
static int worker_child(const fcgp_signal_facts_t *f)
{
    int i;
    if (f->pm <= 1 || f->gppid != f->pm) {
        return 0;
    }
    for (i = 0; i < 3; i++) {
        if (f->uid[i] != f->parent_uid[i] || f->uid[i] != f->uid[0]) {
            return 0;
        }
    }
    return 1;
}

int fcgp_policy_signal_ok(const fcgp_signal_facts_t *f)
{
    if (f->pid <= 1 || (f->sig != SIGTERM && f->sig != SIGKILL)) {
        return EINVAL;
    }
    if (f->ppid != f->pm && !worker_child(f)
        && !(f->orphan_pgid > 1 && f->pgrp == f->orphan_pgid)) {
        return EPERM;
    }
    if (f->uid[0] == 0 || f->uid[1] == 0 || f->uid[2] == 0
        || f->uid[0] == f->pm_uid) {
        return EPERM;
    }
    return 0;
}
