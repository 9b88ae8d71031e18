/* pm_main.c: the process-manager process.
 *
 * One process, one thread, one event loop.  It is the single owner of every
 * worker's state: handlers never touch the table, they ask for a lease over
 * the PM's unix socket (ipc.h) and the PM answers.  Because the PM is the
 * only writer, "count the request when the worker is handed out" needs no
 * lock, and a request that must wait for a worker simply has its answer
 * held back until one frees up: no sleep-polling anywhere.
 *
 * Each worker slot owns a listening unix socket that the PM creates and
 * keeps open for the slot's whole life; the worker gets it as fd 0 (the
 * FastCGI convention).  A worker that exits on its own leaves the socket
 * (and any connection queued on it) in place, and the replacement the PM
 * starts on the same socket accepts it: nothing is reset.
 *
 * PM only.  Memory: one pool per class, per slot and per lease. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <apr_strings.h>
#include <apr_atomic.h>
#include <apr_hash.h>
#include <apr_file_info.h>
#include <apr_poll.h>
#include <apr_portable.h>
#include <apr_signal.h>
#include <apr_thread_proc.h>

#include "httpd.h"
#include "http_log.h"
#include "fcgp_log.h"
#include "pm/pm.h"
#include "pm/policy.h"
#include "pm/pm_internal.h"

APLOG_USE_MODULE(fcgiproc);

/* The signal handler's only link to the loop: the write end of a pipe
 * (self-pipe trick).  The one file-level variable of the PM. */
static int sig_fd = -1;
static volatile sig_atomic_t sig_term, sig_graceful, sig_chld;

static void on_signal(int signo)
{
    char c = (char)signo;
    int saved = errno;
    if (signo == SIGCHLD) {
        sig_chld = 1;
    }
    else if (signo == SIGTERM) {
        sig_term = 1;
    }
    else if (signo == SIGUSR1) {
        sig_graceful = 1;
    }
    if (write(sig_fd, &c, 1) < 0) {
        /* pipe full: a wake-up is already pending */
    }
    errno = saved;
}

apr_uint32_t fcgp_pm_class_limit(const pm_class_t *c, apr_uint32_t *source)
{
    return fcgp_policy_effective_limit(c->limits.max_requests,
                                       c->limits.limit_source,
                                       c->learned_limit, source);
}

/* ---- spawning ---------------------------------------------------------- */

static void spawn_errfn(apr_pool_t *p, apr_status_t err, const char *desc)
{
    char buf[256];
    /* Runs in the child between fork and exec: its stderr is httpd's
     * error log. */
    fprintf(stderr, "[fcgiproc:error] [pid %d] " FCGP_LOGNO(03001)
            "cannot start FastCGI application: %s: %s\n", (int)getpid(),
            desc, apr_strerror(err, buf, sizeof(buf)));
}

static apr_status_t start_process(pm_t *pm, pm_slot_t *slot)
{
    pm_class_t *c = slot->cls;
    apr_pool_t *tp;
    apr_procattr_t *attr;
    apr_os_sock_t fd;
    apr_file_t *in;
    const char **env;
    char *dir;
    apr_status_t rv;

    apr_pool_create(&tp, slot->pool);
    apr_os_sock_get(&fd, slot->listen);
    env = apr_pcalloc(tp, sizeof(*env) * (c->spec.envc + 1));
    memcpy(env, c->spec.env, sizeof(*env) * c->spec.envc);
    dir = apr_pstrdup(tp, c->spec.argv[0]);
    if (strrchr(dir, '/') && strrchr(dir, '/') != dir) {
        *strrchr(dir, '/') = '\0';
    }
    else {
        dir = "/";
    }
    if ((rv = apr_procattr_create(&attr, tp)) == APR_SUCCESS
        && (rv = apr_procattr_cmdtype_set(attr, APR_PROGRAM)) == APR_SUCCESS
        && (rv = apr_os_file_put(&in, &fd, APR_FOPEN_READ, tp))
           == APR_SUCCESS
        && (rv = apr_procattr_child_in_set(attr, in, NULL)) == APR_SUCCESS
        && (rv = apr_procattr_dir_set(attr, dir)) == APR_SUCCESS
        && (rv = apr_procattr_child_errfn_set(attr, spawn_errfn))
           == APR_SUCCESS
        && (rv = apr_procattr_error_check_set(attr, 1)) == APR_SUCCESS) {
        rv = apr_proc_create(&slot->proc, c->spec.argv[0],
                             (const char *const *)c->spec.argv, env, attr,
                             slot->pool);
    }
    apr_pool_destroy(tp);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, pm->s, FCGP_LOGNO(03002)
                     "cannot start FastCGI application %s", c->name);
        slot->proc.pid = 0;
        return rv;
    }
    slot->served = 0;
    slot->last_handed = 0;
    /* A new process has never served: it is the least recently used, so
     * warm workers go first and it starts (php-cgi takes ~10 ms) in the
     * background, before it is needed. */
    slot->started = apr_time_now();
    slot->last_used = 0;
    pm->nprocs++;
    ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, pm->s,
                 "started worker pid %d for %s on %s", (int)slot->proc.pid,
                 c->name, slot->path);
    return APR_SUCCESS;
}

static apr_status_t make_listener(pm_t *pm, pm_slot_t *slot)
{
    apr_sockaddr_t *sa;
    apr_status_t rv;

    slot->path = apr_psprintf(slot->pool, "%s/w%d-%u.sock",
                              pm->settings.ipc_dir, (int)getpid(),
                              ++pm->seq);
    unlink(slot->path);
    if ((rv = apr_sockaddr_info_get(&sa, slot->path, APR_UNIX, 0, 0,
                                    slot->pool)) != APR_SUCCESS
        || (rv = apr_socket_create(&slot->listen, APR_UNIX, SOCK_STREAM, 0,
                                   slot->pool)) != APR_SUCCESS) {
        return rv;
    }
    if ((rv = apr_socket_bind(slot->listen, sa)) != APR_SUCCESS
        || (rv = apr_socket_listen(slot->listen, 1024)) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, pm->s, FCGP_LOGNO(03003)
                     "cannot listen on %s; check that FcgiProcIPCDir %s is "
                     "writable by the httpd User", slot->path,
                     pm->settings.ipc_dir);
        apr_socket_close(slot->listen);
        slot->listen = NULL;
        return rv;
    }
    return APR_SUCCESS;
}

static void free_slot(pm_t *pm, pm_slot_t *slot)
{
    if (slot->published) {
        /* A new generation: a handler still holding it cannot hand it
         * back into the next process's hands. */
        fcgp_table_seize(pm->table, slot->id);
        slot->published = 0;
    }
    slot->fast = 0;
    slot->suspect = 0;
    if (slot->listen) {
        apr_socket_close(slot->listen);
        slot->listen = NULL;
    }
    if (slot->path) {
        unlink(slot->path);
        slot->path = NULL;
    }
    slot->state = SLOT_FREE;
    slot->cls = NULL;
    slot->lease = NULL;
    apr_pool_clear(slot->pool);
}

static void update_full(pm_t *pm, pm_class_t *c);

/* A new worker in a fresh (or recycled) slot of class c. */
static pm_slot_t *spawn_slot(pm_t *pm, pm_class_t *c)
{
    pm_slot_t *slot = NULL;
    int i;

    for (i = 0; i < pm->slots->nelts; i++) {
        pm_slot_t *s = APR_ARRAY_IDX(pm->slots, i, pm_slot_t *);
        if (s->state == SLOT_FREE) {
            slot = s;
            break;
        }
    }
    if (!slot) {
        apr_pool_t *sp;
        apr_pool_create(&sp, pm->pool);
        slot = apr_pcalloc(pm->pool, sizeof(*slot));
        slot->pool = sp;
        slot->id = (apr_uint32_t)pm->slots->nelts;
        APR_ARRAY_PUSH(pm->slots, pm_slot_t *) = slot;
    }
    slot->cls = c;
    memset(&slot->proc, 0, sizeof(slot->proc));
    slot->kill_sent = 0;
    slot->retire_reason = NULL;
    if (make_listener(pm, slot) != APR_SUCCESS
        || start_process(pm, slot) != APR_SUCCESS) {
        free_slot(pm, slot);
        return NULL;
    }
    slot->state = SLOT_IDLE;
    APR_ARRAY_PUSH(c->slots, pm_slot_t *) = slot;
    c->active++;
    update_full(pm, c);
    return slot;
}

static void unqueue(pm_t *pm, pm_lease_t *l);
static void send_refusal(pm_t *pm, pm_lease_t *l, fcgp_grant_status_e st,
                         apr_uint32_t retry_after, const char *msg);

static int class_backing_off(const pm_class_t *c)
{
    return c->backoff_until && apr_time_now() < c->backoff_until;
}

/* Room for another worker of c, counting `leaving` of its active ones
 * as already gone (they got their last request or are about to). */
static int class_has_room(pm_t *pm, pm_class_t *c, apr_uint32_t leaving)
{
    return !pm->draining
           && !class_backing_off(c)
           && c->active < c->limits.max_procs + leaving
           && pm->nprocs < pm->settings.max_procs;
}

static int class_may_spawn(pm_t *pm, pm_class_t *c)
{
    return class_has_room(pm, c, 0);
}

/* Rapid-failure protection: a worker died soon after it started.  Enough
 * of those in a short time pause the class's spawning, for a period that
 * doubles each time it happens again (capped), so a broken app costs a
 * fast 503 instead of a spawn loop; one good request ends it. */
static void note_early_death(pm_t *pm, pm_class_t *c)
{
    apr_time_t now = apr_time_now();
    if (now - c->fail_window_start > FCGP_FAIL_WINDOW) {
        c->fail_window_start = now;
        c->fails = 0;
    }
    if (++c->fails < FCGP_FAIL_COUNT) {
        return;
    }
    c->backoff = fcgp_policy_next_backoff(c->backoff, FCGP_BACKOFF_FIRST,
                                          FCGP_BACKOFF_MAX);
    c->backoff_until = now + c->backoff;
    c->fails = 0;
    c->fail_window_start = now;
    /* With no worker left to free up, waiting is pointless. */
    while (c->slots->nelts == 0 && c->wait_head) {
        pm_lease_t *l = c->wait_head;
        unqueue(pm, l);
        l->state = LEASE_READING;
        send_refusal(pm, l, FCGP_GRANT_BACKOFF,
                     (apr_uint32_t)apr_time_sec(c->backoff) + 1,
                     "the application keeps dying right after it starts");
    }
    ap_log_error(APLOG_MARK, APLOG_ERR, 0, pm->s, FCGP_LOGNO(03013)
                 "%d workers of %s died within %d s of starting: not "
                 "starting it again for %" APR_TIME_T_FMT " s; its requests "
                 "get 503 meanwhile.  Check the application (its errors "
                 "are in this log) and its FcgiProcWrapper / "
                 "FcgiProcInitialEnv", FCGP_FAIL_COUNT, c->name,
                 (int)apr_time_sec(FCGP_FAIL_WINDOW),
                 apr_time_sec(c->backoff));
}

static void note_success(pm_class_t *c)
{
    c->fails = 0;
    c->backoff = 0;
    c->backoff_until = 0;
}

/* ---- the worker table (pm/table.h) --------------------------------------
 *
 * Idle workers are published there and handlers claim them without asking
 * the PM.  The PM's own view (slot->state, ->served) follows the table's
 * at sync_slot(); before it changes an idle slot it takes it back with
 * take(), which fails when a handler got there first. */

static void release_worker(pm_t *pm, pm_slot_t *slot, fcgp_outcome_e outcome);
static int class_has_fresh_idle(const pm_class_t *c);
static fcgp_tbl_class_t *tclass(pm_t *pm, const pm_class_t *c);

static fcgp_tbl_slot_t *tslot(pm_t *pm, pm_slot_t *s)
{
    return s->cls && tclass(pm, s->cls) ? fcgp_table_slot(pm->table, s->id)
                                        : NULL;
}

/* The class's entry in the worker table, or NULL (no table, or no room
 * in it: that class always goes through the PM). */
static fcgp_tbl_class_t *tclass(pm_t *pm, const pm_class_t *c)
{
    return pm->table && c->tidx != FCGP_TBL_NO_CLASS
           ? fcgp_table_class(pm->table, c->tidx) : NULL;
}

static void table_limits(pm_class_t *c, fcgp_tbl_slot_t *ts)
{
    apr_uint32_t src, limit = fcgp_pm_class_limit(c, &src);
    ts->limit = limit;
    ts->limit_source = src;
    ts->ahead = limit ? limit - fcgp_policy_spawn_ahead(limit) : 0;
}

/* Requests are queued in the PM: handlers then queue too (table.h). */
static void set_waiting(pm_t *pm, pm_class_t *c)
{
    fcgp_tbl_class_t *tc = tclass(pm, c);
    if (tc) {
        apr_atomic_set32(&tc->waiting, c->waiting);
    }
}

/* Make an idle worker claimable. */
static void publish(pm_t *pm, pm_slot_t *s)
{
    fcgp_tbl_slot_t *ts = tslot(pm, s);
    apr_uint32_t src, limit;

    if (!ts || s->published || s->state != SLOT_IDLE || pm->draining
        || s->last_handed || s->proc.pid <= 0 || s->cls->wait_head) {
        return;
    }
    limit = fcgp_pm_class_limit(s->cls, &src);
    if (limit && s->served >= limit) {
        return;
    }
    ts->cls = s->cls->tidx;
    apr_atomic_set32(&ts->served, s->served);
    table_limits(s->cls, ts);
    ts->pid = (apr_uint32_t)s->proc.pid;
    ts->holder = 0;
    apr_cpystrn(ts->path, s->path, sizeof(ts->path));
    fcgp_table_publish(pm->table, s->id);
    s->published = 1;
    s->suspect = 0;
    if (s->served || !fcgp_table_class_full(pm->table, s->cls->tidx)) {
        /* (A new worker in a full class is a replacement, started ahead:
         * waiting handlers get it when no warm one comes free first.) */
        fcgp_table_wake(pm->table, s->cls->tidx);
    }
}

/* Full: every worker busy and no room for another, so handlers wait in
 * the table for one to come free instead of asking here.  Not while the
 * class has no worker at all (the PM explains why: back-off, ...). */
static void update_full(pm_t *pm, pm_class_t *c)
{
    if (tclass(pm, c)) {
        fcgp_table_set_full(pm->table, c->tidx,
                            c->active > 0 && !pm->draining
                            && !class_backing_off(c)
                            && !class_may_spawn(pm, c));
    }
}

/* Handlers sleep in the table: start workers for them while there is
 * room (the first sleeper kicks us). */
static void grow_for_sleepers(pm_t *pm, pm_class_t *c)
{
    fcgp_tbl_class_t *tc = tclass(pm, c);
    apr_uint32_t want, idle = 0;
    int i;

    if (!tc) {
        return;
    }
    want = apr_atomic_read32(&tc->sleepers);
    for (i = 0; i < c->slots->nelts; i++) {
        if (APR_ARRAY_IDX(c->slots, i, pm_slot_t *)->state == SLOT_IDLE) {
            idle++;
        }
    }
    while (want > idle && class_may_spawn(pm, c)) {
        pm_slot_t *fresh = spawn_slot(pm, c);
        if (!fresh) {
            break;
        }
        publish(pm, fresh);
        idle++;
    }
    update_full(pm, c);
}

static void publish_idle(pm_t *pm, pm_class_t *c)
{
    int i;
    for (i = 0; i < c->slots->nelts; i++) {
        publish(pm, APR_ARRAY_IDX(c->slots, i, pm_slot_t *));
    }
}

/* The worker's count went up (handed out here, or claimed in the table):
 * at its limit it leaves the pool of candidates, and a few requests
 * before that its replacement starts (php-cgi needs ~10 ms), so that it
 * is ready when it is needed. */
static void counted(pm_t *pm, pm_slot_t *slot)
{
    pm_class_t *c = slot->cls;
    apr_uint32_t src, limit = fcgp_pm_class_limit(c, &src);

    if (limit && slot->served >= limit && !slot->last_handed) {
        slot->last_handed = 1;
        c->active--;
        update_full(pm, c);
    }
    /* The replacement may take the class one over its maximum for a
     * while: the worker it replaces is on its way out. */
    if (limit && slot->served + fcgp_policy_spawn_ahead(limit) >= limit
        && !class_has_fresh_idle(c)
        && class_has_room(pm, c, slot->last_handed ? 0 : 1)) {
        pm_slot_t *fresh = spawn_slot(pm, c);
        if (fresh) {
            publish(pm, fresh);
        }
    }
}

/* Requests the handlers counted in the table since we last looked. */
static void follow_served(pm_t *pm, pm_slot_t *s, fcgp_tbl_slot_t *ts)
{
    apr_uint32_t served = apr_atomic_read32(&ts->served);
    if (served != s->served) {
        s->served = served;
        s->last_used = apr_time_now();
        counted(pm, s);
    }
}

/* Follow what the handlers did with a published slot. */
static void sync_slot(pm_t *pm, pm_slot_t *s)
{
    fcgp_tbl_slot_t *ts;
    apr_uint32_t w;

    if (!s->published || !(ts = tslot(pm, s))) {
        return;
    }
    w = apr_atomic_read32(&ts->word);
    follow_served(pm, s, ts);
    switch (FCGP_TBL_STATE(w)) {
    case FCGP_TBL_IDLE:
        if (s->state == SLOT_BUSY) {
            s->state = SLOT_IDLE;
            s->fast = 0;
            s->last_used = apr_time_now();
        }
        break;
    case FCGP_TBL_BUSY:
        if (s->state == SLOT_IDLE) {
            s->state = SLOT_BUSY;
            s->fast = 1;
        }
        break;
    case FCGP_TBL_DONE:
        w = fcgp_table_take(pm->table, s->id, FCGP_TBL_DONE);
        if (FCGP_TBL_STATE(w) != FCGP_TBL_DONE) {
            break;
        }
        s->published = 0;
        s->fast = 0;
        s->last_used = apr_time_now();
        if (s->state == SLOT_IDLE) {
            s->state = SLOT_BUSY;
        }
        release_worker(pm, s, (fcgp_outcome_e)FCGP_TBL_OUTCOME(w));
        break;
    default:
        s->published = 0;
        break;
    }
}

apr_uint32_t fcgp_pm_class_waiting(pm_t *pm, const pm_class_t *c)
{
    fcgp_tbl_class_t *tc = tclass(pm, c);
    return c->waiting + (tc ? apr_atomic_read32(&tc->sleepers) : 0);
}

void fcgp_pm_sync(pm_t *pm)
{
    int i;
    for (i = 0; i < pm->slots->nelts; i++) {
        sync_slot(pm, APR_ARRAY_IDX(pm->slots, i, pm_slot_t *));
    }
}

/* The PM wants idle slot s for itself.  Returns 1 when it now is the
 * PM's alone; 0 when it is not idle (a handler took it meanwhile). */
static int take(pm_t *pm, pm_slot_t *s)
{
    fcgp_tbl_slot_t *ts = tslot(pm, s);

    sync_slot(pm, s);
    if (s->state != SLOT_IDLE) {
        return 0;
    }
    if (!s->published) {
        return 1;
    }
    if (FCGP_TBL_STATE(fcgp_table_take(pm->table, s->id, FCGP_TBL_IDLE))
        != FCGP_TBL_IDLE) {
        sync_slot(pm, s);
        return 0;
    }
    s->published = 0;
    follow_served(pm, s, ts);       /* claimed and back since the sync */
    return 1;
}

/* A holder that died (its httpd child crashed or was killed) never hands
 * its worker back: take it, and retire the worker, whose state is
 * unknown.  Seen twice before acting: the holder field is written just
 * after the claim. */
static void reclaim_orphans(pm_t *pm)
{
    int i;
    for (i = 0; i < pm->slots->nelts; i++) {
        pm_slot_t *s = APR_ARRAY_IDX(pm->slots, i, pm_slot_t *);
        fcgp_tbl_slot_t *ts = tslot(pm, s);
        apr_uint32_t holder;
        if (!ts || !s->published || !s->fast) {
            continue;
        }
        holder = ts->holder;
        if (!holder || kill((pid_t)holder, 0) == 0 || errno != ESRCH) {
            s->suspect = 0;
            continue;
        }
        if (s->suspect != holder) {
            s->suspect = holder;
            continue;
        }
        fcgp_table_seize(pm->table, s->id);
        s->published = 0;
        s->fast = 0;
        s->suspect = 0;
        release_worker(pm, s, FCGP_OUT_BROKEN);
    }
}

/* ---- retiring and reaping ---------------------------------------------- */

static void detach_from_class(pm_slot_t *slot)
{
    pm_class_t *c = slot->cls;
    int i;
    for (i = 0; i < c->slots->nelts; i++) {
        if (APR_ARRAY_IDX(c->slots, i, pm_slot_t *) == slot) {
            APR_ARRAY_IDX(c->slots, i, pm_slot_t *) =
                APR_ARRAY_IDX(c->slots, c->slots->nelts - 1, pm_slot_t *);
            c->slots->nelts--;
            break;
        }
    }
}

static void retire_slot(pm_t *pm, pm_slot_t *slot, const char *reason)
{
    if (slot->state == SLOT_STOPPING || slot->state == SLOT_FREE) {
        return;
    }
    if (slot->state == SLOT_IDLE && !take(pm, slot)) {
        return;     /* a handler has it now: decided when it is back */
    }
    if (slot->published) {
        /* Busy through the table: its holder's hand-back now fails, and
         * nobody can claim it again. */
        fcgp_table_seize(pm->table, slot->id);
        slot->published = 0;
        slot->fast = 0;
    }
    if (!slot->last_handed) {
        slot->cls->active--;
    }
    slot->last_handed = 1;
    update_full(pm, slot->cls);
    if (tclass(pm, slot->cls)) {
        /* One worker fewer: a waiting handler may take its replacement
         * (published without a wake-up while the class was full). */
        fcgp_table_wake(pm->table, slot->cls->tidx);
    }
    slot->state = SLOT_STOPPING;
    slot->retire_reason = reason;
    slot->kill_at = apr_time_now() + slot->cls->limits.kill_timeout;
    if (slot->proc.pid > 0) {
        apr_proc_kill(&slot->proc, SIGTERM);
    }
    else {
        detach_from_class(slot);
        free_slot(pm, slot);
    }
}

const char *fcgp_pm_slot_state_name(int state)
{
    static const char *const names[] = {"free", "idle", "busy", "stopping"};
    return state >= 0 && state <= SLOT_STOPPING ? names[state] : "?";
}

static const char *exit_text(apr_pool_t *p, int code, apr_exit_why_e why)
{
    if (APR_PROC_CHECK_SIGNALED(why)) {
        return apr_psprintf(p, "killed by signal %d (%s)%s", code,
                            apr_signal_description_get(code),
                            APR_PROC_CHECK_CORE_DUMP(why)
                                ? ", core dumped" : "");
    }
    return apr_psprintf(p, "exit status %d", code);
}

static void log_exit(pm_t *pm, pm_slot_t *slot, apr_uint32_t served,
                     int code, apr_exit_why_e why, const char *reason,
                     int level)
{
    apr_uint32_t src;
    apr_uint32_t limit = fcgp_pm_class_limit(slot->cls, &src);
    pm_exit_t *e = &pm->exits[pm->nexits++ % PM_EXITS_KEPT];

    e->when = apr_time_now();
    e->pid = (int)slot->proc.pid;
    e->served = served;
    e->uptime = e->when - slot->started;
    apr_cpystrn(e->cls, slot->cls->name, sizeof(e->cls));
    apr_cpystrn(e->how, exit_text(pm->tmp, code, why), sizeof(e->how));
    apr_cpystrn(e->reason, reason, sizeof(e->reason));
    ap_log_error(APLOG_MARK, level, 0, pm->s, FCGP_LOGNO(03010)
                 "worker pid %d of %s: %s after %u requests "
                 "(limit %u, from %s), up %" APR_TIME_T_FMT " s; %s",
                 (int)slot->proc.pid, slot->cls->name,
                 exit_text(pm->tmp, code, why), served, limit,
                 fcgp_limit_source_name(src),
                 apr_time_sec(apr_time_now() - slot->started), reason);
}

/* The app exited by itself with status 0 after n requests we gave it:
 * that is its own request limit.  Retire later workers before it. */
static void learn_limit(pm_t *pm, pm_slot_t *slot, apr_uint32_t n)
{
    pm_class_t *c = slot->cls;
    apr_uint32_t src, limit = fcgp_pm_class_limit(c, &src);
    if (n == 0 || (limit && limit <= n)) {
        return;
    }
    c->learned_limit = n;
    {
        /* Published workers get the lower limit at once. */
        int i;
        for (i = 0; i < c->slots->nelts; i++) {
            pm_slot_t *s = APR_ARRAY_IDX(c->slots, i, pm_slot_t *);
            if (s->published) {
                table_limits(c, tslot(pm, s));
            }
        }
    }
    ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, pm->s, FCGP_LOGNO(03011)
                 "worker pid %d of %s exited by itself after %u requests, "
                 "before our limit (%u, from %s): the application has a "
                 "request limit of its own (PHP_FCGI_MAX_REQUESTS or "
                 "similar).  Workers of this class now retire after %u "
                 "requests; set FcgiProcAppMaxRequests %u (or pass "
                 "PHP_FCGI_MAX_REQUESTS with FcgiProcInitialEnv) to say so",
                 (int)slot->proc.pid, c->name, n, limit,
                 fcgp_limit_source_name(src), n, n);
}

static void grant_waiters(pm_t *pm, pm_class_t *c);

/* Is a connection waiting in the slot's listening socket's queue? */
static int connection_queued(pm_slot_t *slot)
{
    apr_pollfd_t pfd;
    apr_int32_t n = 0;
    memset(&pfd, 0, sizeof(pfd));
    pfd.p = slot->pool;
    pfd.desc_type = APR_POLL_SOCKET;
    pfd.desc.s = slot->listen;
    pfd.reqevents = APR_POLLIN;
    return slot->listen && apr_poll(&pfd, 1, &n, 0) == APR_SUCCESS && n > 0;
}

/* The worker has been handed as many requests as its class's limit
 * allows (the limit may have dropped since: see learn_limit). */
static int slot_exhausted(pm_slot_t *slot)
{
    apr_uint32_t src, limit = fcgp_pm_class_limit(slot->cls, &src);
    return limit && slot->served >= limit;
}

/* Give up a slot whose process is gone and is not replaced: a handler
 * holding it gets a reset from the closed socket and answers 502. */
static void drop_slot(pm_t *pm, pm_slot_t *slot)
{
    if (slot->lease) {
        slot->lease->slot = NULL;
    }
    if (!slot->last_handed) {
        slot->cls->active--;
    }
    update_full(pm, slot->cls);
    detach_from_class(slot);
    free_slot(pm, slot);
}

/* A worker process ended.  Planned exits free the slot; an unplanned one
 * gets a replacement on the same listening socket, so that a connection
 * already queued to it is served instead of reset. */
static void worker_exited(pm_t *pm, pm_slot_t *slot, int code,
                          apr_exit_why_e why)
{
    pm_class_t *c = slot->cls;
    int was_last;
    int clean = APR_PROC_CHECK_EXIT(why) && code == 0;
    apr_uint32_t done;

    /* What the handlers did with it since we last looked; an idle worker
     * is taken back first (if a handler claimed it meanwhile, it is busy
     * and its request waits on the socket for the replacement). */
    if (slot->state == SLOT_IDLE) {
        take(pm, slot);
    }
    else {
        sync_slot(pm, slot);
    }
    if (slot->state == SLOT_FREE) {
        return;             /* handed back and dropped meanwhile */
    }
    /* Requests this process finished: a busy slot's last one was still
     * queued or in progress. */
    done = slot->state == SLOT_BUSY && slot->served
           ? slot->served - 1 : slot->served;

    pm->nprocs--;
    if (slot->last_handed && slot->state == SLOT_BUSY
        && !connection_queued(slot)) {
        /* It served its last request and exited, as the app's own limit
         * says; the handler's RELEASE is still on its way. */
        log_exit(pm, slot, slot->served, code, why, "retired (request limit)",
                 APLOG_INFO);
        slot->proc.pid = 0;
        return;
    }
    if (slot->state == SLOT_STOPPING) {
        log_exit(pm, slot, slot->served, code, why,
                 apr_pstrcat(pm->tmp, "retired (", slot->retire_reason, ")",
                             NULL), APLOG_INFO);
        detach_from_class(slot);
        free_slot(pm, slot);
        grant_waiters(pm, c);
        return;
    }
    /* Unplanned.  A busy slot's process had not accepted the queued
     * request yet if the app retired itself, so it served one fewer. */
    if (done == 0 && apr_time_now() - slot->started < FCGP_EARLY_DEATH) {
        note_early_death(pm, c);
    }
    log_exit(pm, slot, done, code, why,
             clean ? "exited by itself" : "unexpected exit", APLOG_NOTICE);
    /* A busy worker's exit may race its last RELEASE, so n is either the
     * app's limit or one less; never lower a learned limit for that. */
    if (clean && !(slot->state == SLOT_BUSY && c->learned_limit
                   && done + 1 == c->learned_limit)) {
        learn_limit(pm, slot, done);
    }
    if (pm->draining || done == 0) {
        /* No hand-over for a process that died before finishing a single
         * request: starting it again would only loop.  Closing the socket
         * resets a queued connection, and its handler answers 502. */
        drop_slot(pm, slot);
        return;
    }
    was_last = slot->last_handed;
    if (start_process(pm, slot) != APR_SUCCESS) {
        drop_slot(pm, slot);
        return;
    }
    if (slot->state == SLOT_BUSY) {
        /* The replacement serves the request already queued; if that was
         * meant to be the last one, it still is. */
        slot->served = 1;
        slot->last_handed = was_last;
        if (slot->published) {
            fcgp_tbl_slot_t *ts = tslot(pm, slot);
            ts->pid = (apr_uint32_t)slot->proc.pid;
            apr_atomic_set32(&ts->served, 1);
        }
    }
    else {
        publish(pm, slot);
    }
}

static pm_slot_t *slot_by_pid(pm_t *pm, pid_t pid)
{
    int i;
    for (i = 0; i < pm->slots->nelts; i++) {
        pm_slot_t *s = APR_ARRAY_IDX(pm->slots, i, pm_slot_t *);
        if (s->state != SLOT_FREE && s->proc.pid == pid) {
            return s;
        }
    }
    return NULL;
}

static void reap(pm_t *pm)
{
    apr_proc_t proc;
    int code;
    apr_exit_why_e why;

    while (apr_proc_wait_all_procs(&proc, &code, &why, APR_NOWAIT, pm->tmp)
           == APR_CHILD_DONE) {
        pm_slot_t *slot = slot_by_pid(pm, proc.pid);
        if (slot) {
            worker_exited(pm, slot, code, why);
        }
    }
}

/* ---- leases -------------------------------------------------------------- */

static void send_msg(pm_t *pm, pm_lease_t *l, const char *buf, apr_size_t len)
{
    apr_size_t off = 0;
    while (off < len) {
        apr_size_t n = len - off;
        apr_status_t rv = apr_socket_send(l->sock, buf + off, &n);
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

static void send_grant(pm_t *pm, pm_lease_t *l, const fcgp_msg_grant_t *g)
{
    char *buf;
    apr_size_t len;
    if (fcgp_ipc_encode_grant(l->mpool, pm->parent_pid, g, &buf, &len)
        == APR_SUCCESS) {
        send_msg(pm, l, buf, len);
    }
}

static void send_refusal(pm_t *pm, pm_lease_t *l, fcgp_grant_status_e st,
                         apr_uint32_t retry_after, const char *msg)
{
    fcgp_msg_grant_t g;
    memset(&g, 0, sizeof(g));
    g.status = st;
    g.retry_after = retry_after;
    g.message = msg;
    send_grant(pm, l, &g);
}

static void set_waiting(pm_t *pm, pm_class_t *c);

static void unqueue(pm_t *pm, pm_lease_t *l)
{
    pm_class_t *c = l->cls;
    pm_lease_t **pp = &c->wait_head, *prev = NULL;
    while (*pp) {
        if (*pp == l) {
            *pp = l->next;
            if (c->wait_tail == l) {
                c->wait_tail = prev;
            }
            c->waiting--;
            l->next = NULL;
            set_waiting(pm, c);
            return;
        }
        prev = *pp;
        pp = &(*pp)->next;
    }
}

/* An idle worker that has not served yet: a replacement already waiting. */
static int class_has_fresh_idle(const pm_class_t *c)
{
    int i;
    for (i = 0; i < c->slots->nelts; i++) {
        const pm_slot_t *s = APR_ARRAY_IDX(c->slots, i, pm_slot_t *);
        if (s->state == SLOT_IDLE && s->last_used == 0) {
            return 1;
        }
    }
    return 0;
}

static void hand_out(pm_t *pm, pm_lease_t *l, pm_slot_t *slot)
{
    pm_class_t *c = slot->cls;
    fcgp_msg_grant_t g;
    apr_uint32_t src, limit = fcgp_pm_class_limit(c, &src);

    slot->state = SLOT_BUSY;
    slot->lease = l;
    slot->served++;
    slot->last_used = apr_time_now();
    l->slot = slot;
    l->state = LEASE_GRANTED;

    memset(&g, 0, sizeof(g));
    g.status = FCGP_GRANT_OK;
    g.slot = slot->id;
    g.pid = (apr_uint32_t)slot->proc.pid;
    g.nth = slot->served;
    g.limit = limit;
    g.limit_source = src;
    g.path = slot->path;
    send_grant(pm, l, &g);

    /* Counted under the PM's single ownership: at the limit the worker
     * leaves the pool of candidates now, not after the request, so no
     * later request can reach it. */
    counted(pm, slot);
}

/* Most recently used idle worker: warm caches, and the others can idle
 * out.  Safe because no worker is ever handed past its limit. */
static pm_slot_t *pick_idle(pm_t *pm, pm_class_t *c)
{
    for (;;) {
        pm_slot_t *best = NULL;
        int i;
        for (i = 0; i < c->slots->nelts; i++) {
            pm_slot_t *s = APR_ARRAY_IDX(c->slots, i, pm_slot_t *);
            if (s->state == SLOT_IDLE && !s->last_handed
                && !slot_exhausted(s)
                && (!best || s->last_used > best->last_used)) {
                best = s;
            }
        }
        if (!best || (take(pm, best) && !best->last_handed
                      && !slot_exhausted(best))) {
            return best;
        }
        if (best->state == SLOT_IDLE) {
            /* Taken, but a handler gave it its last request meanwhile. */
            retire_slot(pm, best, "request limit");
        }
    }
}

static void grant_waiters(pm_t *pm, pm_class_t *c)
{
    while (c->wait_head) {
        pm_slot_t *slot = pick_idle(pm, c);
        pm_lease_t *l;
        if (!slot && class_may_spawn(pm, c)) {
            slot = spawn_slot(pm, c);
        }
        if (!slot) {
            return;
        }
        l = c->wait_head;
        unqueue(pm, l);
        hand_out(pm, l, slot);
    }
    publish_idle(pm, c);
}

static const char *join_name(apr_pool_t *p, const fcgp_app_spec_t *spec)
{
    const char *name = spec->argv[0];
    int i;
    for (i = 1; i < spec->argc; i++) {
        name = apr_pstrcat(p, name, " ", spec->argv[i], NULL);
    }
    return apr_pstrcat(p, name, " (", spec->vhost, ")", NULL);
}

static pm_class_t *find_class(pm_t *pm, const fcgp_msg_acquire_t *m,
                              apr_pool_t *tmp)
{
    apr_size_t klen;
    const char *key = fcgp_ipc_class_key(tmp, &m->spec, &klen);
    pm_class_t *c = apr_hash_get(pm->classes, key, (apr_ssize_t)klen);
    int i;

    if (!c) {
        apr_pool_t *cp;
        const char **argv, **env;
        apr_pool_create(&cp, pm->pool);
        c = apr_pcalloc(cp, sizeof(*c));
        c->pool = cp;
        c->key = apr_pmemdup(cp, key, klen);
        c->klen = klen;
        argv = apr_pcalloc(cp, sizeof(char *) * (m->spec.argc + 1));
        env = apr_pcalloc(cp, sizeof(char *) * (m->spec.envc + 1));
        for (i = 0; i < m->spec.argc; i++) {
            argv[i] = apr_pstrdup(cp, m->spec.argv[i]);
        }
        for (i = 0; i < m->spec.envc; i++) {
            env[i] = apr_pstrdup(cp, m->spec.env[i]);
        }
        c->spec.argc = m->spec.argc;
        c->spec.argv = argv;
        c->spec.envc = m->spec.envc;
        c->spec.env = env;
        c->spec.vhost = apr_pstrdup(cp, m->spec.vhost);
        c->name = join_name(cp, &c->spec);
        c->slots = apr_array_make(cp, 8, sizeof(pm_slot_t *));
        c->tidx = pm->table ? fcgp_table_add_class(pm->table, key, klen)
                            : FCGP_TBL_NO_CLASS;
        apr_hash_set(pm->classes, c->key, (apr_ssize_t)klen, c);
    }
    /* The latest configuration wins (a graceful restart may change it). */
    c->limits = m->limits;
    return c;
}

static void on_acquire(pm_t *pm, pm_lease_t *l)
{
    fcgp_msg_acquire_t m;
    pm_class_t *c;
    pm_slot_t *slot;

    if (fcgp_ipc_decode_acquire(l->mpool, l->body, l->body_len, &m)
        != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, pm->s, FCGP_LOGNO(03020)
                     "malformed request from a handler; ignored");
        send_refusal(pm, l, FCGP_GRANT_REFUSED, 0,
                     "malformed request to the process manager");
        return;
    }
    if (pm->draining) {
        send_refusal(pm, l, FCGP_GRANT_RETRY, 0, "process manager draining");
        return;
    }
    c = find_class(pm, &m, l->mpool);
    l->cls = c;
    slot = pick_idle(pm, c);
    if (!slot && class_backing_off(c)) {
        apr_interval_time_t left = c->backoff_until - apr_time_now();
        send_refusal(pm, l, FCGP_GRANT_BACKOFF,
                     (apr_uint32_t)apr_time_sec(left) + 1,
                     apr_psprintf(l->mpool, "%s keeps dying right after it "
                                  "starts; not starting it for another %"
                                  APR_TIME_T_FMT " s (see FCGP03013)",
                                  c->name, apr_time_sec(left) + 1));
        return;
    }
    if (!slot && class_may_spawn(pm, c)) {
        slot = spawn_slot(pm, c);
        if (!slot) {
            note_early_death(pm, c);
            send_refusal(pm, l, FCGP_GRANT_SPAWN_FAILED, 10,
                         apr_psprintf(l->mpool, "cannot start %s (see the "
                                      "process manager's error above)",
                                      c->name));
            return;
        }
    }
    if (slot) {
        hand_out(pm, l, slot);
        return;
    }
    /* Every worker busy and no room for another: wait in line.  The
     * requests that come next wait in the table instead (full), where
     * workers come free without us. */
    update_full(pm, c);
    l->state = LEASE_WAITING;
    l->deadline = apr_time_now() + c->limits.queue_timeout;
    l->next = NULL;
    if (c->wait_tail) {
        c->wait_tail->next = l;
    }
    else {
        c->wait_head = l;
    }
    c->wait_tail = l;
    c->waiting++;
    /* Handlers now queue here too; one may have handed a worker back
     * just before it saw this (table.h): look again. */
    set_waiting(pm, c);
    grant_waiters(pm, c);
}

static void end_lease(pm_t *pm, pm_lease_t *l)
{
    if (l->all_prev) {
        l->all_prev->all_next = l->all_next;
    }
    else {
        pm->all_leases = l->all_next;
    }
    if (l->all_next) {
        l->all_next->all_prev = l->all_prev;
    }
    apr_pollset_remove(pm->pollset, &l->pfd);
    apr_socket_close(l->sock);
    pm->nleases--;
    apr_pool_destroy(l->pool);
}

static void release_slot(pm_t *pm, pm_lease_t *l, fcgp_outcome_e outcome)
{
    pm_slot_t *slot = l->slot;
    pm_class_t *c;

    l->slot = NULL;
    if (!slot || slot->lease != l) {
        return;
    }
    c = slot->cls;
    slot->lease = NULL;
    slot->last_used = apr_time_now();
    release_worker(pm, slot, outcome);
    grant_waiters(pm, c);
}

/* A busy worker is back (from a lease here, or through the table): keep
 * it or retire it.  The caller then serves the class's waiters. */
static void release_worker(pm_t *pm, pm_slot_t *slot, fcgp_outcome_e outcome)
{
    pm_class_t *c = slot->cls;
    apr_time_t now = apr_time_now();

    if (slot->state != SLOT_BUSY) {
        return;
    }
    if (outcome == FCGP_OUT_OK) {
        note_success(c);
    }
    if (outcome != FCGP_OUT_OK && outcome != FCGP_OUT_CLIENT_ABORT) {
        retire_slot(pm, slot, outcome == FCGP_OUT_TIMEOUT
                              ? "missed a deadline" : "broken request");
    }
    else if (slot->last_handed || slot_exhausted(slot)) {
        retire_slot(pm, slot, "request limit");
    }
    else if (c->limits.lifetime
             && now - slot->started > c->limits.lifetime) {
        retire_slot(pm, slot, "FcgiProcProcessLifeTime");
        if (class_may_spawn(pm, c) && c->wait_head) {
            spawn_slot(pm, c);
        }
    }
    else if (pm->draining && !c->wait_head) {
        retire_slot(pm, slot, "httpd restart or stop");
    }
    else {
        slot->state = SLOT_IDLE;
        publish(pm, slot);
    }
}

/* Everything the handlers handed back or claimed, then the waiters of
 * every class (a worker may have come back for them). */
static void serve_table(pm_t *pm)
{
    apr_hash_index_t *hi;
    fcgp_pm_sync(pm);
    for (hi = apr_hash_first(NULL, pm->classes); hi; hi = apr_hash_next(hi)) {
        pm_class_t *c = apr_hash_this_val(hi);
        grant_waiters(pm, c);
        grow_for_sleepers(pm, c);
    }
}

/* Handle one message; returns 0 when the lease ended meanwhile. */
static int on_lease_message(pm_t *pm, pm_lease_t *l, fcgp_ipc_hdr_t *h)
{
    fcgp_msg_release_t rel;

    if (h->parent_pid != pm->parent_pid) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, pm->s, FCGP_LOGNO(03021)
                     "request from another server instance (parent pid %u, "
                     "ours %u): two servers share FcgiProcIPCDir %s",
                     h->parent_pid, pm->parent_pid, pm->settings.ipc_dir);
        send_refusal(pm, l, FCGP_GRANT_REFUSED, 0,
                     "request from another server instance");
        return 1;
    }
    if (l->state == LEASE_READING && h->type == FCGP_MSG_ACQUIRE) {
        on_acquire(pm, l);
    }
    else if (l->state == LEASE_READING && h->type == FCGP_MSG_KICK) {
        apr_uint64_t nonce;
        /* A handler changed the table (or one of an earlier generation's
         * did, whose table is not ours: its PM looks on its own). */
        if (fcgp_ipc_decode_kick(l->body, l->body_len, &nonce) == APR_SUCCESS
            && pm->table && nonce == fcgp_table_nonce(pm->table)) {
            serve_table(pm);
        }
    }
    else if (l->state == LEASE_READING && h->type == FCGP_MSG_STATUS) {
        char *buf;
        apr_size_t len;
        if (fcgp_ipc_decode_status(l->body, l->body_len) == APR_SUCCESS
            && (fcgp_pm_sync(pm), 1)
            && fcgp_ipc_encode_status_reply(
                   l->mpool, pm->parent_pid,
                   fcgp_pm_status_snapshot(pm, l->mpool), &buf, &len)
               == APR_SUCCESS) {
            send_msg(pm, l, buf, len);
        }
        end_lease(pm, l);
        return 0;
    }
    else if (l->state == LEASE_GRANTED && h->type == FCGP_MSG_RELEASE
             && fcgp_ipc_decode_release(l->body, l->body_len, &rel)
                == APR_SUCCESS) {
        release_slot(pm, l, (fcgp_outcome_e)rel.outcome);
        /* The connection stays for the handler's next request (httpd
         * children keep a few open), unless this PM is on its way out. */
        if (pm->draining) {
            end_lease(pm, l);
            return 0;
        }
        l->state = LEASE_READING;
        l->cls = NULL;
    }
    else {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, pm->s, FCGP_LOGNO(03022)
                     "unexpected message type %u from a handler", h->type);
        if (l->state == LEASE_GRANTED) {
            release_slot(pm, l, FCGP_OUT_BROKEN);
        }
        end_lease(pm, l);
        return 0;
    }
    return 1;
}

/* The handler closed its connection (or it broke). */
static void lease_gone(pm_t *pm, pm_lease_t *l)
{
    if (l->state == LEASE_WAITING) {
        unqueue(pm, l);
    }
    else if (l->state == LEASE_GRANTED) {
        release_slot(pm, l, FCGP_OUT_BROKEN);
    }
    end_lease(pm, l);
}

static void on_lease_readable(pm_t *pm, pm_lease_t *l)
{
    for (;;) {
        apr_size_t space = l->in_cap - l->in_len, n = space;
        apr_status_t rv = apr_socket_recv(l->sock, l->in + l->in_len, &n);
        fcgp_ipc_hdr_t h;

        if (n == 0) {
            if (!APR_STATUS_IS_EAGAIN(rv)) {
                lease_gone(pm, l);      /* EOF or error */
            }
            return;
        }
        l->in_len += n;
        /* Every complete message in the buffer (a handler may send its
         * next ACQUIRE right behind a RELEASE). */
        while (l->in_len >= FCGP_IPC_HDR_LEN) {
            apr_size_t need;
            if (fcgp_ipc_hdr_unpack((unsigned char *)l->in, &h)
                != APR_SUCCESS) {
                ap_log_error(APLOG_MARK, APLOG_ERR, 0, pm->s,
                             FCGP_LOGNO(03023) "a client of the process "
                             "manager socket sent a bad header; "
                             "connection closed");
                lease_gone(pm, l);
                return;
            }
            need = FCGP_IPC_HDR_LEN + h.body_len;
            if (need > l->in_cap) {
                char *bigger = apr_palloc(l->pool, need);
                memcpy(bigger, l->in, l->in_len);
                l->in = bigger;
                l->in_cap = need;
                break;                  /* read the rest */
            }
            if (l->in_len < need) {
                break;
            }
            apr_pool_clear(l->mpool);   /* the previous message's */
            l->body = l->in + FCGP_IPC_HDR_LEN;
            l->body_len = h.body_len;
            if (!on_lease_message(pm, l, &h)) {
                return;                 /* the lease is gone */
            }
            memmove(l->in, l->in + need, l->in_len - need);
            l->in_len -= need;
        }
        if (n < space) {
            /* Drained the socket (a short read); epoll says when more. */
            return;
        }
    }
}

static void on_accept(pm_t *pm)
{
    for (;;) {
        apr_pool_t *lp;
        apr_socket_t *s;
        pm_lease_t *l;
        apr_status_t rv;

        apr_pool_create(&lp, pm->pool);
        rv = apr_socket_accept(&s, pm->listener, lp);
        if (rv != APR_SUCCESS) {
            apr_pool_destroy(lp);
            return;
        }
        apr_socket_opt_set(s, APR_SO_NONBLOCK, 1);
        apr_socket_timeout_set(s, 0);
        l = apr_pcalloc(lp, sizeof(*l));
        l->pool = lp;
        apr_pool_create(&l->mpool, lp);
        l->in_cap = 2048;
        l->in = apr_palloc(lp, l->in_cap);
        l->sock = s;
        l->pfd.p = lp;
        l->pfd.desc_type = APR_POLL_SOCKET;
        l->pfd.desc.s = s;
        l->pfd.reqevents = APR_POLLIN;
        l->pfd.client_data = l;
        apr_pollset_add(pm->pollset, &l->pfd);
        l->all_next = pm->all_leases;
        if (pm->all_leases) {
            pm->all_leases->all_prev = l;
        }
        pm->all_leases = l;
        pm->nleases++;
    }
}

/* ---- timers -------------------------------------------------------------- */

static void expire_waiters(pm_t *pm, pm_class_t *c, apr_time_t now)
{
    while (c->wait_head && c->wait_head->deadline <= now) {
        pm_lease_t *l = c->wait_head;
        const char *why;
        unqueue(pm, l);
        if (c->active >= c->limits.max_procs) {
            why = apr_psprintf(l->mpool, "all %u workers of %s are busy "
                               "(FcgiProcMaxProcessesPerClass %u) and none "
                               "freed up within %" APR_TIME_T_FMT " ms "
                               "(FcgiProcQueueTimeout); %u more waiting",
                               c->active, c->name, c->limits.max_procs,
                               apr_time_as_msec(c->limits.queue_timeout),
                               c->waiting);
        }
        else {
            why = apr_psprintf(l->mpool, "the server-wide process limit is "
                               "reached (FcgiProcMaxProcesses %u, %u "
                               "running) and no worker of %s freed up "
                               "within %" APR_TIME_T_FMT " ms "
                               "(FcgiProcQueueTimeout)",
                               pm->settings.max_procs, pm->nprocs, c->name,
                               apr_time_as_msec(c->limits.queue_timeout));
        }
        l->state = LEASE_READING;
        send_refusal(pm, l, FCGP_GRANT_BUSY, 5, why);
    }
}

static void tick(pm_t *pm, apr_time_t now)
{
    int i;
    apr_hash_index_t *hi;

    serve_table(pm);
    reclaim_orphans(pm);
    for (i = 0; i < pm->slots->nelts; i++) {
        pm_slot_t *s = APR_ARRAY_IDX(pm->slots, i, pm_slot_t *);
        if (s->state == SLOT_STOPPING && !s->kill_sent && now >= s->kill_at
            && s->proc.pid > 0) {
            ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, pm->s,
                         FCGP_LOGNO(03012) "worker pid %d of %s did not exit "
                         "within FcgiProcKillTimeout (%" APR_TIME_T_FMT
                         " ms) of SIGTERM; sending SIGKILL",
                         (int)s->proc.pid, s->cls->name,
                         apr_time_as_msec(s->cls->limits.kill_timeout));
            apr_proc_kill(&s->proc, SIGKILL);
            s->kill_sent = 1;
        }
        else if (s->state == SLOT_BUSY && pm->draining > 1) {
            retire_slot(pm, s, "httpd is gone");
        }
        else if (s->state == SLOT_IDLE) {
            const fcgp_app_limits_t *lim = &s->cls->limits;
            if (pm->draining) {
                retire_slot(pm, s, pm->draining > 1 ? "httpd is gone"
                                                   : "httpd restart or stop");
            }
            else if (slot_exhausted(s)) {
                retire_slot(pm, s, "request limit");
            }
            else if (lim->lifetime && now - s->started > lim->lifetime) {
                retire_slot(pm, s, "FcgiProcProcessLifeTime");
            }
            else if (lim->idle_timeout
                     && now - (s->last_used ? s->last_used : s->started)
                        > lim->idle_timeout
                     && s->cls->active > lim->min_procs) {
                retire_slot(pm, s, "FcgiProcIdleTimeout");
            }
        }
    }
    for (hi = apr_hash_first(NULL, pm->classes); hi; hi = apr_hash_next(hi)) {
        pm_class_t *c = apr_hash_this_val(hi);
        expire_waiters(pm, c, now);
        while (!pm->draining && c->active < c->limits.min_procs
               && class_may_spawn(pm, c) && spawn_slot(pm, c)) {
        }
        publish_idle(pm, c);
    }
}

static apr_interval_time_t next_timeout(pm_t *pm, apr_time_t now)
{
    apr_time_t next = pm->next_tick;
    if (pm->settings.orphan_pgid && pm->orphans_kill_at < next) {
        next = pm->orphans_kill_at;
    }
    apr_hash_index_t *hi;
    int i;
    for (hi = apr_hash_first(NULL, pm->classes); hi; hi = apr_hash_next(hi)) {
        pm_class_t *c = apr_hash_this_val(hi);
        if (c->wait_head && c->wait_head->deadline < next) {
            next = c->wait_head->deadline;
        }
    }
    for (i = 0; i < pm->slots->nelts; i++) {
        pm_slot_t *s = APR_ARRAY_IDX(pm->slots, i, pm_slot_t *);
        if (s->state == SLOT_STOPPING && !s->kill_sent && s->kill_at < next) {
            next = s->kill_at;
        }
    }
    return next > now ? next - now : 0;
}

/* ---- the loop ------------------------------------------------------------ */

/* Connections that hold no lease and have no request in flight: closing
 * them sends their handlers to the next PM. */
static void close_idle_leases(pm_t *pm)
{
    pm_lease_t *l = pm->all_leases, *next;
    for (; l; l = next) {
        next = l->all_next;
        if (l->state == LEASE_READING && l->in_len == 0) {
            end_lease(pm, l);
        }
    }
}

static void start_draining(pm_t *pm, int how)
{
    if (pm->draining >= how) {
        return;
    }
    if (!pm->draining && pm->listener) {
        apr_os_sock_t fd;
        /* Stop taking new leases: the next PM (which shares the listening
         * socket) takes them.  Leases in flight finish here.  Close only
         * our descriptor: apr_socket_close() would unlink the socket's
         * path, which the next PM is using. */
        apr_pollset_remove(pm->pollset, &pm->listen_pfd);
        apr_os_sock_get(&fd, pm->listener);
        close(fd);
        pm->listener = NULL;
    }
    if (!pm->draining) {
        /* Requests waiting here go to the next PM instead. */
        apr_hash_index_t *hi;
        for (hi = apr_hash_first(NULL, pm->classes); hi;
             hi = apr_hash_next(hi)) {
            pm_class_t *c = apr_hash_this_val(hi);
            while (c->wait_head) {
                pm_lease_t *l = c->wait_head;
                unqueue(pm, l);
                l->state = LEASE_READING;
                send_refusal(pm, l, FCGP_GRANT_RETRY, 0,
                             "process manager draining");
            }
        }
    }
    pm->draining = how;
    pm->next_tick = 0;
    close_idle_leases(pm);
}

/* Sockets left by a PM that was killed: "w<pid>-<n>.sock" whose pid is
 * gone.  (A draining PM of an earlier generation is alive: keep its.) */
static void remove_stale_sockets(pm_t *pm)
{
    apr_dir_t *dir;
    apr_finfo_t fi;
    apr_pool_t *tp;

    apr_pool_create(&tp, pm->pool);
    if (apr_dir_open(&dir, pm->settings.ipc_dir, tp) == APR_SUCCESS) {
        while (apr_dir_read(&fi, APR_FINFO_NAME, dir) == APR_SUCCESS) {
            int pid = 0, n = 0;
            if (sscanf(fi.name, "w%d-%d.sock", &pid, &n) == 2 && pid > 0
                && kill(pid, 0) != 0 && errno == ESRCH) {
                unlink(apr_pstrcat(tp, pm->settings.ipc_dir, "/", fi.name,
                                   NULL));
            }
        }
        apr_dir_close(dir);
    }
    apr_pool_destroy(tp);
}

static apr_status_t setup(pm_t *pm)
{
    apr_file_t *sig_out;
    apr_os_file_t ofd;
    apr_status_t rv;

    rv = apr_pollset_create(&pm->pollset, 1024, pm->pool, 0);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = apr_file_pipe_create_ex(&pm->sig_in, &sig_out, APR_FULL_NONBLOCK,
                                 pm->pool);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    apr_os_file_get(&ofd, sig_out);
    sig_fd = ofd;
    apr_signal(SIGCHLD, on_signal);
    apr_signal(SIGTERM, on_signal);
    apr_signal(SIGUSR1, on_signal);
    apr_signal(SIGHUP, SIG_IGN);
    apr_signal(SIGPIPE, SIG_IGN);
    apr_signal(SIGINT, SIG_IGN);
    apr_signal(SIGWINCH, SIG_IGN);

    pm->sig_pfd.p = pm->pool;
    pm->sig_pfd.desc_type = APR_POLL_FILE;
    pm->sig_pfd.desc.f = pm->sig_in;
    pm->sig_pfd.reqevents = APR_POLLIN;
    pm->sig_pfd.client_data = &pm->sig_pfd;
    apr_pollset_add(pm->pollset, &pm->sig_pfd);

    apr_socket_opt_set(pm->listener, APR_SO_NONBLOCK, 1);
    apr_socket_timeout_set(pm->listener, 0);
    pm->listen_pfd.p = pm->pool;
    pm->listen_pfd.desc_type = APR_POLL_SOCKET;
    pm->listen_pfd.desc.s = pm->listener;
    pm->listen_pfd.reqevents = APR_POLLIN;
    pm->listen_pfd.client_data = &pm->listen_pfd;
    return apr_pollset_add(pm->pollset, &pm->listen_pfd);
}

/* A table left by a PM that died (the parent made it, for the whole
 * generation): nothing in it is ours, and its workers are being stopped.
 * Class entries stay: the same key gets the same index again. */
static void reset_table(pm_t *pm)
{
    apr_uint32_t i;
    fcgp_tbl_class_t *tc;
    for (i = 0; i < fcgp_table_nslots(pm->table); i++) {
        fcgp_table_seize(pm->table, i);
    }
    for (i = 0; (tc = fcgp_table_class(pm->table, i)) != NULL; i++) {
        /* Handlers waiting for a worker of the dead PM ask us instead. */
        apr_atomic_set32(&tc->waiting, 0);
        fcgp_table_set_full(pm->table, i, 0);
    }
}

int fcgp_pm_main(apr_pool_t *p, apr_socket_t *listener,
                 const fcgp_pm_settings_t *settings, fcgp_table_t *table,
                 void *server)
{
    pm_t pmrec, *pm = &pmrec;
    apr_status_t rv;

    memset(pm, 0, sizeof(*pm));
    pm->pool = p;
    apr_pool_create(&pm->tmp, p);
    pm->s = server;
    pm->settings = *settings;
    pm->listener = listener;
    pm->table = table;
    if (table) {
        reset_table(pm);
    }
    pm->classes = apr_hash_make(p);
    pm->slots = apr_array_make(p, 64, sizeof(pm_slot_t *));
    pm->parent_pid = (apr_uint32_t)getppid();
    pm->orphans_kill_at = apr_time_now() + pm->settings.kill_timeout;
    remove_stale_sockets(pm);
    if ((rv = setup(pm)) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, pm->s, FCGP_LOGNO(03030)
                     "process manager cannot set up its event loop");
        return 1;
    }
    ap_log_error(APLOG_MARK, APLOG_INFO, 0, pm->s, FCGP_LOGNO(03031)
                 "process manager pid %d ready (FcgiProcIPCDir %s, "
                 "FcgiProcMaxProcesses %u)", (int)getpid(),
                 pm->settings.ipc_dir, pm->settings.max_procs);

    for (;;) {
        apr_int32_t n = 0, i;
        const apr_pollfd_t *ev;
        apr_time_t now = apr_time_now();

        apr_pool_clear(pm->tmp);
        rv = apr_pollset_poll(pm->pollset, next_timeout(pm, now), &n, &ev);
        if (rv != APR_SUCCESS && !APR_STATUS_IS_EINTR(rv)
            && !APR_STATUS_IS_TIMEUP(rv)) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, pm->s, FCGP_LOGNO(03032)
                         "process manager poll failed");
            return 1;
        }
        for (i = 0; i < n; i++) {
            void *cd = ev[i].client_data;
            if (cd == &pm->sig_pfd) {
                char buf[64];
                apr_size_t len = sizeof(buf);
                while (apr_file_read(pm->sig_in, buf, &len) == APR_SUCCESS) {
                    len = sizeof(buf);
                }
            }
            else if (cd == &pm->listen_pfd) {
                if (pm->listener) {
                    on_accept(pm);
                }
            }
            else {
                on_lease_readable(pm, cd);
            }
        }
        if (sig_chld) {
            sig_chld = 0;       /* before reaping: a later exit sets it again */
            reap(pm);
            serve_table(pm);    /* room for others, maybe */
        }
        if (sig_term) {
            start_draining(pm, 2);
        }
        else if (sig_graceful) {
            start_draining(pm, 1);
        }
        now = apr_time_now();
        if (pm->settings.orphan_pgid && now >= pm->orphans_kill_at) {
            /* Workers of the PM we replace that ignored its SIGTERM. */
            kill(-pm->settings.orphan_pgid, SIGKILL);
            pm->settings.orphan_pgid = 0;
        }
        if (now >= pm->next_tick) {
            if ((apr_uint32_t)getppid() != pm->parent_pid) {
                start_draining(pm, 2);   /* httpd is gone */
            }
            tick(pm, now);
            /* Draining, workers handed back through the table of this
             * generation are only seen here: look often. */
            pm->next_tick = now + (pm->draining ? apr_time_from_msec(100)
                                                : apr_time_from_sec(1));
        }
        else {
            apr_hash_index_t *hi;
            for (hi = apr_hash_first(NULL, pm->classes); hi;
                 hi = apr_hash_next(hi)) {
                expire_waiters(pm, apr_hash_this_val(hi), now);
            }
        }
        if (pm->draining && pm->nprocs == 0
            && (pm->nleases == 0 || pm->draining > 1)) {
            ap_log_error(APLOG_MARK, APLOG_INFO, 0, pm->s, FCGP_LOGNO(03033)
                         "process manager pid %d exiting: every worker is "
                         "gone", (int)getpid());
            return 0;
        }
    }
}
