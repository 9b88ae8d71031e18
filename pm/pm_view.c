/* pm_view.c: the process manager's view of the worker table.
 *
 * PM process only.  Owns the PM-side state of every slot (pm_slot_t.state,
 * changed only by pm_slot_set()) and of every class (its counts n[], and
 * in the table its `full`, `live` and back-off fields).  Handlers claim
 * and hand back workers in the table without telling the PM; the PM
 * follows (pm_sync_slot) when kicked and once a second, and before it
 * changes an idle slot it takes it back (pm_take), which fails when a
 * handler got there first.
 *
 * A request is counted in the table when a handler claims a worker
 * (pm/table.c, claim_pass); the PM only copies that count here
 * (follow_served). */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <apr_atomic.h>
#include <apr_strings.h>

#include "pm/pm_internal.h"

/* What handlers read of the class: its live workers and its pause.  Not
 * from a draining PM: the class's entry is the next generation's now. */
void pm_class_to_table(pm_t *pm, pm_class_t *c)
{
    if (pm->draining) {
        return;
    }
    fcgp_table_set_live(pm->table, c->tidx,
                        c->n[SLOT_IDLE] + c->n[SLOT_BUSY],
                        pm_class_backing_off(c, apr_time_now())
                        ? (apr_uint32_t)apr_time_sec(c->failures.until) + 1
                        : 0);
}

/* The one place a slot's PM-side state changes. */
static void publish_held(pm_t *pm, pm_class_t *c);

void pm_slot_set(pm_t *pm, pm_slot_t *s, slot_state_e st)
{
    pm_class_t *c = s->cls;
    slot_state_e old = s->state;

    if (c && s->state != SLOT_FREE) {
        c->n[s->state]--;
    }
    s->state = st;
    if (c && st != SLOT_FREE) {
        c->n[st]++;
    }
    if (c) {
        pm_class_to_table(pm, c);
        /* One that could take requests left: a replacement held back
         * (pm_publish) may take its place. */
        if ((old == SLOT_IDLE || old == SLOT_BUSY || old == SLOT_LAST)
            && st != SLOT_IDLE && st != SLOT_BUSY && st != SLOT_LAST) {
            publish_held(pm, c);
        }
    }
}

apr_uint32_t pm_class_limit(const pm_class_t *c, apr_uint32_t *source)
{
    if (c->php_children) {
        /* A pool: php-cgi's children count their own requests and leave
         * at PHP_FCGI_MAX_REQUESTS, which conf gives them, while the
         * parent holds the socket: a request that comes meanwhile waits
         * there for the next child, as in php-fpm.  Its slots have no
         * limit of their own. */
        *source = FCGP_LIMIT_NONE;
        return 0;
    }
    return fcgp_policy_effective_limit(c->limits.max_requests,
                                       c->limits.limit_source,
                                       c->learned_limit, source);
}

apr_uint32_t pm_slot_limit(const pm_slot_t *s, apr_uint32_t *source)
{
    if (PM_IN_POOL(s)) {
        *source = FCGP_LIMIT_NONE;      /* (see pm_class_limit) */
        return 0;
    }
    return pm_class_limit(s->cls, source);
}

int pm_class_backing_off(const pm_class_t *c, apr_time_t now)
{
    return c->failures.until && now < c->failures.until;
}

/* Room for another worker of c, counting `leaving` of its live ones as
 * already gone (they got their last request or are about to). */
static fcgp_room_e room(pm_t *pm, pm_class_t *c, apr_uint32_t leaving,
                        apr_uint32_t also)
{
    fcgp_room_facts_t f;
    f.draining = pm->draining;
    f.backing_off = pm_class_backing_off(c, apr_time_now());
    f.class_live = c->n[SLOT_IDLE] + c->n[SLOT_BUSY] + also;
    f.class_max = c->limits.max_procs;
    f.leaving = leaving;
    f.procs = pm->nprocs;
    f.procs_max = pm->settings.max_procs;
    f.user_procs = pm_user_procs(pm, c->user);
    f.user_max = c->user != PM_HTTPD_USER ? pm->settings.max_procs_user : 0;
    f.slot_free = 1;    /* known only by trying: pm_spawn says */
    return fcgp_policy_room(&f);
}

fcgp_room_e pm_room(pm_t *pm, pm_class_t *c, apr_uint32_t leaving)
{
    return room(pm, c, leaving, 0);
}

apr_uint32_t pm_user_procs(pm_t *pm, apr_uint32_t user)
{
    apr_uint32_t *n = apr_hash_get(pm->user_procs, &user, sizeof(user));
    return n ? *n : 0;
}

void pm_user_add(pm_t *pm, apr_uint32_t user, int delta)
{
    apr_uint32_t *n = apr_hash_get(pm->user_procs, &user, sizeof(user));
    if (!n) {
        apr_uint32_t *k = apr_palloc(pm->pool, sizeof(*k));
        n = apr_pcalloc(pm->pool, sizeof(*n));
        *k = user;
        apr_hash_set(pm->user_procs, k, sizeof(*k), n);
    }
    *n = delta < 0 && *n < (apr_uint32_t)-delta ? 0 : *n + delta;
}

/* Full: no room for another worker, so waiting handlers wait for one to
 * come free instead of asking.  A paused class with live workers is full
 * too (its waiters get the next one that comes free); with none, its
 * waiters get 503 from the table (backoff_until). */
void pm_update_full(pm_t *pm, pm_class_t *c)
{
    apr_uint32_t why = 0;

    /* A worker serving its last request still takes one: its replacement
     * is the PM's to start (now, or when it leaves), not its waiters' to
     * ask for, each one of them, while it finishes. */
    switch (room(pm, c, 0, c->n[SLOT_LAST])) {
    case FCGP_ROOM_NONE_CLASS:
        why = FCGP_TBL_FULL_CLASS;
        break;
    case FCGP_ROOM_NONE_SERVER:
        why = FCGP_TBL_FULL_SERVER;
        break;
    case FCGP_ROOM_NONE_USER:
        why = FCGP_TBL_FULL_USER;
        break;
    case FCGP_ROOM_NONE_PAUSED:
        why = !pm->draining && c->n[SLOT_IDLE] + c->n[SLOT_BUSY]
              ? FCGP_TBL_FULL_CLASS : 0;
        break;
    case FCGP_ROOM:
        break;
    }
    if (!pm->draining) {
        fcgp_table_set_full(pm->table, c->tidx, why);
    }
}

static void table_limits(const pm_slot_t *s, fcgp_tbl_slot_t *ts)
{
    apr_uint32_t src, limit = pm_slot_limit(s, &src);
    ts->limit = limit;
    ts->limit_source = src;
    ts->ahead = limit ? limit - fcgp_policy_spawn_ahead(limit) : 0;
    if (s->warming) {
        ts->ahead = 2;  /* its second claim: the first request ended */
    }
}

void pm_set_table_limits(pm_t *pm, pm_class_t *c)
{
    int i;
    for (i = 0; i < c->slots->nelts; i++) {
        pm_slot_t *s = APR_ARRAY_IDX(c->slots, i, pm_slot_t *);
        if (s->published) {
            table_limits(s, fcgp_table_slot(pm->table, s->id));
        }
    }
}

/* How many requests a class's workers may take at once now: those
 * serving (a last request too) and the claimable idle ones.  A worker
 * whose program was replaced is not counted: the new version's workers
 * serve beside its last request (pm_program.c). */
static apr_uint32_t class_serving(const pm_class_t *c)
{
    apr_uint32_t n = c->n[SLOT_BUSY];
    int i;
    for (i = 0; i < c->slots->nelts; i++) {
        const pm_slot_t *o = APR_ARRAY_IDX(c->slots, i, pm_slot_t *);
        n += (o->state == SLOT_IDLE && o->published)
             || (o->state == SLOT_LAST && !o->superseded);
    }
    return n;
}

/* Make an idle worker claimable.  A replacement started ahead in a class
 * at FcgiProcMaxProcessesPerClass (pm_counted) is held back until the
 * worker it replaces has finished its last request: it is warm by then,
 * and never more than that many requests run at once (pm_slot_set
 * publishes it when one leaves). */
void pm_publish(pm_t *pm, pm_slot_t *s)
{
    fcgp_tbl_slot_t *ts = fcgp_table_slot(pm->table, s->id);
    apr_uint32_t src, limit;

    if (s->published || s->state != SLOT_IDLE || pm->draining
        || !PM_SLOT_PID(s)) {
        return;
    }
    if (s->lead && (s->lead->pool_why || s->lead->state == SLOT_STOPPING
                    || s->lead->state == SLOT_FREE)) {
        return;     /* its pool goes */
    }
    if (class_serving(s->cls) >= s->cls->limits.max_procs) {
        return;
    }
    limit = pm_slot_limit(s, &src);
    if (limit && s->served >= limit) {
        return;
    }
    ts->cls = s->cls->tidx;
    apr_atomic_set32(&ts->served, s->served);
    table_limits(s, ts);
    ts->pid = PM_SLOT_PID(s);
    ts->holder = 0;
    apr_atomic_set32(&ts->peer, 0);
    apr_atomic_set32(&ts->conn, 0);
    apr_atomic_set32(&ts->closing, 0);
    apr_cpystrn(ts->path, s->path, sizeof(ts->path));
    fcgp_table_publish(pm->table, s->id);
    s->published = 1;
    s->suspect = 0;
    if (s->served || !fcgp_table_class_full(pm->table, s->cls->tidx)) {
        /* (A new worker in a full class is a replacement, started ahead:
         * waiting handlers get it when no warm one comes free first.) */
        fcgp_table_wake(pm->table, s->cls->tidx);
    }
    if (s->shares) {
        publish_held(pm, s->cls);   /* a pool's other slots */
    }
}

static void publish_held(pm_t *pm, pm_class_t *c)
{
    int i;
    for (i = 0; i < c->slots->nelts; i++) {
        pm_slot_t *o = APR_ARRAY_IDX(c->slots, i, pm_slot_t *);
        if (o->state == SLOT_IDLE && !o->published) {
            pm_publish(pm, o);
        }
    }
}

/* Replacements and the workers they are for, by the counts in the table
 * (a handler's claim counts at once; the PM's view may lag).  fresh:
 * workers started and not given a request yet; leaving: workers within
 * the spawn-ahead distance of their limit or given their last request
 * (php-cgi parents aside: they are renewed), of which *leaving_live are
 * not given their last one yet (they still count as live).  Each leaving
 * worker should have one fresh successor, no more: a replacement that a
 * light load did not take yet serves the next one.  fresh_all: the fresh
 * ones, claimable or not (the allowance counts them all). */
static void class_successors(pm_t *pm, const pm_class_t *c,
                             apr_uint32_t limit, apr_uint32_t *fresh,
                             apr_uint32_t *fresh_all, apr_uint32_t *leaving,
                             apr_uint32_t *leaving_live)
{
    apr_uint32_t ahead = limit ? fcgp_policy_spawn_ahead(limit) : 0;
    /* With requests waiting, a fresh worker already claimable is about to
     * be taken (it replaced one that left): it waits for nobody. */
    int waiting = fcgp_table_sleepers(pm->table, c->tidx) > 0;
    int i;

    *fresh = *fresh_all = *leaving = *leaving_live = 0;
    for (i = 0; i < c->slots->nelts; i++) {
        const pm_slot_t *o = APR_ARRAY_IDX(c->slots, i, pm_slot_t *);
        apr_uint32_t served = o->published
            ? apr_atomic_read32(&fcgp_table_slot(pm->table, o->id)->served)
            : o->served;
        if (o->state == SLOT_IDLE && o->last_used == 0 && served == 0) {
            *fresh += !(o->published && waiting);
            (*fresh_all)++;
        }
        else if (limit && !o->parent && !PM_IN_POOL(o)
                 && served + ahead >= limit
                 && (o->state == SLOT_BUSY || o->state == SLOT_IDLE
                     || o->state == SLOT_LAST)) {
            (*leaving)++;
            *leaving_live += o->state != SLOT_LAST;
        }
    }
}

/* The worker's count went up: at its limit it leaves the pool of
 * candidates, and a few requests before that its replacement starts
 * (php-cgi needs ~10 ms), so that it is ready when it is needed. */
void pm_counted(pm_t *pm, pm_slot_t *s)
{
    pm_class_t *c = s->cls;
    apr_uint32_t src, limit = pm_slot_limit(s, &src);
    apr_uint32_t fresh, fresh_all, leaving, leaving_live;

    if (!s->looked) {
        /* Look at the first count we see, while php-cgi's child most
         * likely runs (near the limit it may be between two children). */
        pm_worker_is_parent(pm, s);
    }
    if (limit && s->served + fcgp_policy_spawn_ahead(limit) >= limit
        && pm_worker_is_parent(pm, s)) {
        /* A php-cgi parent: its child exits at the limit and the parent
         * forks the next, warm, on the same socket.  No replacement to
         * start, and the worker stays one that serves (pm_worker_back
         * renews it). */
        return;
    }
    if (c->parent_mode) {
        /* Its class asks php-cgi for parent mode: no replacement ahead.
         * A parent renews (above); one not seen to be a parent yet may
         * still be one, looked at before its first child was forked or
         * between two (a busy machine, a starter script that execs
         * php-cgi): its hand-back decides (renewed), and a worker that
         * leaves is replaced for the line then.  Until then it stays a
         * worker that serves, not one leaving (SLOT_LAST), which the
         * class would start another for (its minimum, its line): a
         * parent renewed would leave two.  (A pool's slots have no
         * limit: nothing to replace.) */
        return;
    }
    if (limit && s->served >= limit && s->state == SLOT_BUSY) {
        pm_slot_set(pm, s, SLOT_LAST);
        pm_update_full(pm, c);
    }
    /* A replacement may take the class over its maximum for a while: the
     * worker it replaces is on its way out (and the replacement takes
     * requests only once it is gone, pm_publish). */
    class_successors(pm, c, limit, &fresh, &fresh_all, &leaving,
                     &leaving_live);
    if (fcgp_policy_replace_now(s->served, limit,
                                fcgp_policy_enough_ahead(
                                    fresh, fresh_all, leaving,
                                    c->n[SLOT_IDLE] + c->n[SLOT_BUSY]))
        && pm_room(pm, c, leaving_live) == FCGP_ROOM) {
        pm_slot_t *fresh = pm_spawn(pm, c);
        if (fresh) {
            /* s is leaving: its replacement takes its place (for the
             * metrics' count of the class against its maximum). */
            s->replaced = s->state != SLOT_LAST;
            pm_publish(pm, fresh);
        }
    }
}

/* Requests the handlers counted in the table since we last looked. */
static void follow_served(pm_t *pm, pm_slot_t *s)
{
    fcgp_tbl_slot_t *ts = fcgp_table_slot(pm->table, s->id);
    apr_uint32_t served = apr_atomic_read32(&ts->served);
    if (served != s->served) {
        s->served = served;
        s->last_used = apr_time_now();
        pm_counted(pm, s);
    }
}

/* Follow what the handlers did with a published slot. */
void pm_sync_slot(pm_t *pm, pm_slot_t *s)
{
    apr_uint32_t w;

    if (!s->published) {
        return;
    }
    w = apr_atomic_read32(&fcgp_table_slot(pm->table, s->id)->word);
    switch (FCGP_TBL_STATE(w)) {
    case FCGP_TBL_IDLE:
        if (s->state == SLOT_LAST) {
            /* Handed back to the line although it had its last request
             * (it was superseded, or its limit dropped, while it served):
             * it is done, as if handed back to us. */
            w = fcgp_table_take(pm->table, s->id, FCGP_TBL_IDLE);
            if (FCGP_TBL_STATE(w) == FCGP_TBL_IDLE) {
                s->published = 0;
                follow_served(pm, s);
                s->last_used = apr_time_now();
                pm_worker_back(pm, s, FCGP_OUT_OK);
            }
            break;      /* (else claimed meanwhile: the claim undoes
                         * itself and kicks us) */
        }
        if (s->state == SLOT_BUSY) {
            pm_slot_set(pm, s, SLOT_IDLE);
            s->last_used = apr_time_now();
        }
        follow_served(pm, s);
        break;
    case FCGP_TBL_BUSY:
        if (s->state == SLOT_IDLE) {
            pm_slot_set(pm, s, SLOT_BUSY);
        }
        follow_served(pm, s);
        break;
    case FCGP_TBL_DONE:
        w = fcgp_table_take(pm->table, s->id, FCGP_TBL_DONE);
        if (FCGP_TBL_STATE(w) != FCGP_TBL_DONE) {
            break;
        }
        s->published = 0;
        if (s->state == SLOT_IDLE) {
            pm_slot_set(pm, s, SLOT_BUSY);
        }
        follow_served(pm, s);
        s->last_used = apr_time_now();
        pm_worker_back(pm, s, (fcgp_outcome_e)FCGP_TBL_OUTCOME(w));
        break;
    default:
        s->published = 0;
        break;
    }
}

/* How long a grown pool's first request may keep the pool's other
 * children from their requests (a slow first request: what it compiles
 * is most likely compiled by then). */
#define PM_WARM_MAX apr_time_from_sec(2)

/* Here, not in pm_sync_slot: a slot taken back (pm_take: to retire it,
 * make room, or reap it) is synced too, and its end is no warm pool's. */
void pm_sync(pm_t *pm)
{
    apr_uint32_t i;
    apr_time_t now = apr_time_now();
    for (i = 0; i < pm->nslots; i++) {
        pm_slot_t *s = pm->slots[i];
        if (s && s->state != SLOT_FREE) {
            pm_sync_slot(pm, s);
            /* a grown pool whose first request ended (its second claim,
             * or handed back idle), or that ran long enough */
            if (s->warming && s->cls
                && (s->served >= 2 || (s->served && s->state == SLOT_IDLE)
                    || now - s->started >= PM_WARM_MAX)) {
                pm_pool_warm(pm, s);
            }
        }
    }
}

/* The PM wants idle slot s for itself.  Returns 1 when it now is the
 * PM's alone; 0 when it is not idle (a handler took it meanwhile). */
int pm_take(pm_t *pm, pm_slot_t *s)
{
    pm_sync_slot(pm, s);
    if (s->state != SLOT_IDLE) {
        return 0;
    }
    if (!s->published) {
        return 1;
    }
    if (FCGP_TBL_STATE(fcgp_table_take(pm->table, s->id, FCGP_TBL_IDLE))
        != FCGP_TBL_IDLE) {
        pm_sync_slot(pm, s);
        return 0;
    }
    s->published = 0;
    follow_served(pm, s);       /* claimed and back since the sync */
    return 1;
}

/* What the policy knows of worker s; returned: it was just handed back,
 * with outcome.  parent: as far as seen (callers that need it look when
 * it matters: pm_worker_is_parent reads /proc). */
static void worker_facts(pm_t *pm, pm_slot_t *s, int returned,
                         fcgp_outcome_e outcome, apr_time_t now,
                         fcgp_worker_facts_t *f)
{
    pm_class_t *c = s->cls;
    apr_uint32_t src;

    memset(f, 0, sizeof(*f));
    f->returned = returned;
    f->outcome = (int)outcome;
    f->draining = pm->draining;
    f->last = s->state == SLOT_LAST;
    f->superseded = s->superseded;
    f->served = s->served;
    f->limit = pm_slot_limit(s, &src);
    f->now = now;
    f->started = s->started;
    f->last_used = s->last_used;
    if (s->shares) {
        /* A pool is idle when all its slots are */
        int i;
        for (i = 0; i < c->slots->nelts; i++) {
            const pm_slot_t *o = APR_ARRAY_IDX(c->slots, i, pm_slot_t *);
            if (o->lead != s) {
                continue;
            }
            if (o->state != SLOT_IDLE) {
                f->last_used = now;
            }
            else if (o->last_used > f->last_used) {
                f->last_used = o->last_used;
            }
        }
    }
    f->class_live = c->n[SLOT_IDLE] + c->n[SLOT_BUSY];
    /* (a pool goes whole: its other slots are not left to the class) */
    f->class_live = f->class_live > s->shares ? f->class_live - s->shares
                                              : 0;
    f->min_procs = c->limits.min_procs;
    if (s->pool_size && !c->php_children) {
        /* a pool the PM grew (pm_add_worker) may go when idle although
         * the class is at its minimum, when larger than what the minimum
         * starts (one child, or a pool of the minimum rounded as
         * pm_add_worker rounds): that takes its place (pm_grow), not one
         * as large as the load once was */
        if (s->pool_size > pm_pool_round(c->limits.min_procs)) {
            f->min_procs = 0;
        }
    }
    f->lifetime = c->limits.lifetime;
    f->idle_timeout = c->limits.idle_timeout;
    f->parent = s->parent;
}

/* Why worker s should retire now, as the policy says, or NULL to keep
 * it; returned: it was just handed back, with outcome. */
const char *pm_retire_reason(pm_t *pm, pm_slot_t *s, int returned,
                             fcgp_outcome_e outcome, apr_time_t now)
{
    fcgp_worker_facts_t f;

    worker_facts(pm, s, returned, outcome, now, &f);
    return fcgp_policy_retire(&f);
}

/* Parent s serves again with its next child: its count starts again. */
static void renew(pm_t *pm, pm_slot_t *s)
{
    s->served = 0;
    s->renewals++;
    pm_slot_set(pm, s, SLOT_IDLE);
    pm_publish(pm, s);
    /* (pm_publish wakes the line for a worker that has served, or in a
     * class that may grow; this one is warm, whatever its count says.) */
    if (s->published && fcgp_table_class_full(pm->table, s->cls->tidx)) {
        fcgp_table_wake(pm->table, s->cls->tidx);
    }
}

/* A php-cgi parent whose child finished its last request is kept: the
 * child exits by itself and the parent forks a warm one, which accepts
 * the next connection from the socket the parent holds (nothing queued
 * there is lost).  Its count starts again for the new child. */
static int renewed(pm_t *pm, pm_slot_t *s, fcgp_outcome_e outcome)
{
    fcgp_worker_facts_t f;

    if (s->proc.pid <= 0) {
        return 0;       /* it exited before its hand-back: nothing renews */
    }
    /* Renewed if a parent: looked at (pm_worker_is_parent_at_limit may
     * wait) only when a parent would be. */
    worker_facts(pm, s, 1, outcome, apr_time_now(), &f);
    f.parent = 1;
    if (!fcgp_policy_renew(&f)
        || !(s->parent || pm_worker_is_parent_at_limit(pm, s))) {
        return 0;
    }
    /* Its child left at the limit (php-cgi forks the next one): counted
     * as an exit at the limit, not as a spawn of ours. */
    fcgp_cnt_inc(PM_COUNTERS(pm, s->cls), FCGP_CNT_EXIT + FCGP_EXIT_LIMIT);
    renew(pm, s);
    return 1;
}

/* A php-cgi parent whose child failed a request (missed a deadline, or
 * broke it) is kept: its child, the only one (PHP_FCGI_CHILDREN=1), is
 * killed (pm_kill_child), and the parent forks a warm one on its socket,
 * with the opcode cache the whole application was compiled into.
 * Returns 1 when done so. */
static int child_restarted(pm_t *pm, pm_slot_t *s, fcgp_outcome_e outcome)
{
    fcgp_worker_facts_t f;
    int timeout = outcome == FCGP_OUT_TIMEOUT, killed;

    if (PM_IN_POOL(s)) {
        return 0;       /* a pool's: pool_child_restarted */
    }
    /* Whether it is a parent is read from /proc only for a failed
     * request, not at every hand-back. */
    worker_facts(pm, s, 1, outcome, apr_time_now(), &f);
    f.parent = 1;
    if (s->proc.pid <= 0 || !fcgp_policy_restart_child(&f)
        || !pm_worker_is_parent(pm, s)) {
        return 0;
    }
    if (!timeout && !pm_parent_child(pm, s, fcgp_table_note(
                         pm->table, s->id, FCGP_TBL_PEER))) {
        /* broken by a child that is gone (it crashed, the parent forks
         * the next): nothing to kill, and its successor, which a request
         * may reach already, is left alone */
        killed = -1;
    }
    else if (!(killed = pm_kill_child(pm, s, timeout
                                      ? "its request missed a deadline"
                                      : "its request broke"))) {
        return 0;
    }
    if (killed > 0) {
        fcgp_cnt_inc(PM_COUNTERS(pm, s->cls), FCGP_CNT_KILLS);
    }
    fcgp_cnt_inc(PM_COUNTERS(pm, s->cls), FCGP_CNT_EXIT
                 + (timeout ? FCGP_EXIT_TIMEOUT : FCGP_EXIT_BROKEN));
    renew(pm, s);
    return 1;
}

/* A slot of a php-cgi pool whose request failed (missed a deadline, or
 * broke) is kept, and so is the pool: the child that held the request's
 * connection (its holder noted the socket, fcgp_pm_lease_failed) is
 * killed, and the parent forks a warm one.  One that broke and is gone
 * already leaves nothing to kill.  A request that missed a deadline in a
 * child not found (the connection was never accepted: the children were
 * all busy) retires the pool, as does any other reason to retire.
 * Returns 1 when the slot is kept. */
static int pool_child_restarted(pm_t *pm, pm_slot_t *s,
                                fcgp_outcome_e outcome)
{
    fcgp_worker_facts_t f;
    int timeout = outcome == FCGP_OUT_TIMEOUT;

    if (!PM_IN_POOL(s)) {
        return 0;
    }
    worker_facts(pm, s, 1, outcome, apr_time_now(), &f);
    f.parent = 1;
    if (!fcgp_policy_restart_child(&f)) {
        return 0;
    }
    if (pm_kill_pool_child(pm, s, fcgp_table_note(pm->table, s->id, FCGP_TBL_PEER),
                           timeout ? "a request missed a deadline"
                                   : "a request broke")) {
        fcgp_cnt_inc(PM_COUNTERS(pm, s->cls), FCGP_CNT_KILLS);
    }
    else if (timeout) {
        return 0;
    }
    fcgp_cnt_inc(PM_COUNTERS(pm, s->cls), FCGP_CNT_EXIT
                 + (timeout ? FCGP_EXIT_TIMEOUT : FCGP_EXIT_BROKEN));
    pm_slot_set(pm, s, SLOT_IDLE);
    pm_publish(pm, s);
    return 1;
}

/* A worker is back from a handler: keep it or retire it, as the policy
 * says. */
void pm_worker_back(pm_t *pm, pm_slot_t *s, fcgp_outcome_e outcome)
{
    pm_class_t *c = s->cls;
    const char *why;

    if (s->state != SLOT_BUSY && s->state != SLOT_LAST) {
        return;
    }
    if (outcome == FCGP_OUT_OK && c->failures.until) {
        fcgp_tbl_class_t *k = fcgp_table_class(pm->table, c->tidx);
        fcgp_policy_note_success(&c->failures);
        if (k) {
            apr_atomic_set32(&k->refused, 0);
        }
        pm_class_to_table(pm, c);
    }
    if ((s->lead ? s->lead : s)->pool_why) {
        /* its pool retires (pm_retire) */
        pm_retire(pm, s, (s->lead ? s->lead : s)->pool_why);
        return;
    }
    /* (a worker asked to make room for another user, make_room, is
     * neither: it retires) */
    if (!s->yield
        && (pool_child_restarted(pm, s, outcome)
            || child_restarted(pm, s, outcome) || renewed(pm, s, outcome))) {
        return;
    }
    why = pm_retire_reason(pm, s, 1, outcome, apr_time_now());
    if (!why && s->yield) {
        why = "room for another user (FcgiProcMaxProcesses reached)";
    }
    if (why) {
        pm_retire(pm, s, why);
    }
    else {
        pm_slot_set(pm, s, SLOT_IDLE);
        pm_publish(pm, s);
    }
}

/* Start workers for the class's line, and up to its minimum, while there
 * is room; `asked`: a handler asks for one right now.  Returns -1 when a
 * start failed, else how many were started. */
/* Wanted `still` more than a process limit (`room`) allows: counted once,
 * until the class gets all it wants again (php-fpm's "max children
 * reached"). */
static void note_at_max(pm_t *pm, pm_class_t *c, fcgp_room_e room,
                        apr_uint32_t still)
{
    if (still > 0 && (room == FCGP_ROOM_NONE_CLASS
                      || room == FCGP_ROOM_NONE_SERVER
                      || room == FCGP_ROOM_NONE_USER)) {
        if (!c->at_max) {
            c->at_max = 1;
            fcgp_cnt_inc(PM_COUNTERS(pm, c), FCGP_CNT_MAX_REACHED);
        }
    }
    else if (still == 0) {
        c->at_max = 0;
    }
}

/* Class c's workers a request could take now: published ones idle in
 * the table and not closing (claims skip those), and the PM's own
 * unpublished idle ones (a held replacement, a pool's). */
static apr_uint32_t idle_now(pm_t *pm, const pm_class_t *c)
{
    apr_uint32_t idle = 0;
    int i;

    for (i = 0; i < c->slots->nelts; i++) {
        const pm_slot_t *s = APR_ARRAY_IDX(c->slots, i, pm_slot_t *);
        if (s->state != SLOT_IDLE && s->state != SLOT_BUSY) {
            continue;
        }
        idle += s->published ? fcgp_table_claimable(pm->table, s->id)
                             : s->state == SLOT_IDLE;
    }
    return idle;
}

/* How many workers class c needs started for its line, as the table is
 * now: the requests in line, against its workers idle now.  Not against
 * the PM's own count (n[SLOT_IDLE]): that follows the table only when
 * the PM syncs, and between two syncs (a WANT's, then the processes it
 * starts, each a fork) handlers hand workers back and their clients'
 * next requests join the line: against the count of the last sync, each
 * of those would get a process of its own.  Handlers do not stop while
 * the PM reads, so the idle workers are read before and after the line,
 * until both agree: a waiter that takes a worker in between has left the
 * line (fcgp_table_next) and must not leave its worker counted idle (one
 * waiter would get no process), nor, read the other way round, be counted
 * in line beside its busy worker (one process too many).  Should they
 * never agree, the larger: a waiter left without a process gets one at
 * the next hand-back or within a second (the PM's tick), where one too
 * many would stay until FcgiProcIdleTimeout. */
static apr_uint32_t line_wants(pm_t *pm, const pm_class_t *c, int asked)
{
    apr_uint32_t before, waiting, after = idle_now(pm, c);
    int tries = 0;

    do {
        before = after;
        waiting = fcgp_table_sleepers(pm->table, c->tidx);
        after = idle_now(pm, c);
    } while (after != before && ++tries < 8);
    return fcgp_policy_grow(waiting, after > before ? after : before, asked);
}

int pm_grow(pm_t *pm, pm_class_t *c, int asked)
{
    apr_uint32_t n = line_wants(pm, c, asked);
    apr_uint32_t top = fcgp_policy_top_up(c->n[SLOT_IDLE] + c->n[SLOT_BUSY],
                                          c->limits.min_procs);
    fcgp_room_e room = FCGP_ROOM;
    int started = 0;

    if (top > n) {
        n = top;
    }
    /* (while a grown pool warms, its class's waiters wait for it) */
    while (n > 0 && !pm_class_warming(c)
           && (room = pm_room(pm, c, 0)) == FCGP_ROOM) {
        pm_slot_t *fresh = pm_add_worker(pm, c, n);
        if (!fresh) {
            started = -1;
            break;
        }
        pm_publish(pm, fresh);
        started++;
        n--;
    }
    note_at_max(pm, c, room, n);
    pm_update_full(pm, c);
    return started;
}

/* FcgiProcMaxProcesses is reached and class c, whose user has the fewest
 * processes of those waiting, needs one: the user with the most processes
 * (two or more above c's user) gives one up, an idle worker at once, else
 * a busy one when its request ends (`closing` brings its hand-back to us,
 * and pm_worker_back retires it).  One at a time: nothing is asked while
 * an earlier one is still on its way out. */
static void make_room(pm_t *pm, pm_class_t *c)
{
    apr_hash_index_t *hi;
    pm_class_t *victim = NULL;
    apr_uint32_t most = pm_user_procs(pm, c->user) + 1, i;
    int k;

    for (i = 0; i < pm->nslots; i++) {
        pm_slot_t *s = pm->slots[i];
        if (s && s->cls && (s->yield || s->state == SLOT_STOPPING)) {
            return;             /* room is on its way */
        }
    }
    for (hi = apr_hash_first(NULL, pm->classes); hi; hi = apr_hash_next(hi)) {
        pm_class_t *o = apr_hash_this_val(hi);
        apr_uint32_t n = pm_user_procs(pm, o->user);
        if (o->user != c->user && n > most
            && o->n[SLOT_IDLE] + o->n[SLOT_BUSY] > 0) {
            victim = o;
            most = n;
        }
    }
    if (!victim) {
        return;
    }
    for (k = 0; k < victim->slots->nelts; k++) {
        pm_slot_t *s = APR_ARRAY_IDX(victim->slots, k, pm_slot_t *);
        if (s->state == SLOT_IDLE && !s->warming && pm_take(pm, s)) {
            pm_retire(pm, s, "room for another user (FcgiProcMaxProcesses "
                             "reached)");
            return;
        }
    }
    for (k = 0; k < victim->slots->nelts; k++) {
        pm_slot_t *s = APR_ARRAY_IDX(victim->slots, k, pm_slot_t *);
        if (s->state == SLOT_BUSY && s->published && !s->warming) {
            s->yield = 1;
            apr_atomic_set32(&fcgp_table_slot(pm->table, s->id)->closing, 1);
            return;
        }
    }
}

/* Everything the handlers handed back or claimed, then room for the
 * waiters of every class.  Processes are handed out one at a time, each
 * to the waiting class whose user has the fewest (fcgp_policy_pick_fair),
 * so that when FcgiProcMaxProcesses is reached, what comes free is shared
 * between users, not taken by the one with the longest line. */
void pm_serve_table(pm_t *pm)
{
    apr_hash_index_t *hi;
    apr_uint32_t n = apr_hash_count(pm->classes), i = 0, pick;
    pm_class_t **cls;
    apr_uint32_t *want, *procs;

    pm_sync(pm);
    if (!n) {
        return;
    }
    cls = apr_palloc(pm->tmp, n * sizeof(*cls));
    want = apr_palloc(pm->tmp, n * sizeof(*want));
    procs = apr_palloc(pm->tmp, n * sizeof(*procs));
    for (hi = apr_hash_first(NULL, pm->classes); hi; hi = apr_hash_next(hi)) {
        pm_class_t *c = apr_hash_this_val(hi);
        apr_uint32_t w = line_wants(pm, c, 0);
        apr_uint32_t top = fcgp_policy_top_up(c->n[SLOT_IDLE]
                                              + c->n[SLOT_BUSY],
                                              c->limits.min_procs);
        cls[i] = c;
        want[i] = pm_class_warming(c) ? 0 : w > top ? w : top;
        procs[i] = pm_user_procs(pm, c->user);
        i++;
    }
    while ((pick = fcgp_policy_pick_fair(n, want, procs)) < n) {
        pm_class_t *c = cls[pick];
        fcgp_room_e room = pm_room(pm, c, 0);
        pm_slot_t *fresh;
        if (room == FCGP_ROOM_NONE_SERVER) {
            note_at_max(pm, c, room, want[pick]);
            make_room(pm, c);   /* the fairest waiter gets the next */
            break;
        }
        if (room != FCGP_ROOM
            || !(fresh = pm_add_worker(pm, c, want[pick]))) {
            note_at_max(pm, c, room, want[pick]);
            want[pick] = 0;     /* this class cannot have one */
            continue;
        }
        pm_publish(pm, fresh);
        want[pick] = fresh->warming ? 0 : want[pick] - 1;
        for (i = 0; i < n; i++) {
            if (cls[i]->user == c->user) {
                procs[i]++;
            }
        }
    }
    for (i = 0; i < n; i++) {
        if (!want[i] && !fcgp_table_sleepers(pm->table, cls[i]->tidx)) {
            note_at_max(pm, cls[i], FCGP_ROOM, 0);
        }
        pm_update_full(pm, cls[i]);
    }
}

/* An httpd child killed is a zombie until the parent reaps it (up to a
 * second): dead already, for the worker it held and its place in line. */
int pm_pid_alive(apr_uint32_t pid)
{
    char state;
    apr_uint32_t ppid;
    if (kill((pid_t)pid, 0) != 0 && errno == ESRCH) {
        return 0;
    }
    return !pm_proc_stat(pid, &state, &ppid)
           || (state != 'Z' && state != 'X');
}

/* A holder that died (its httpd child crashed or was killed) never hands
 * its worker back: take it, and retire the worker, whose state is
 * unknown (a php-cgi parent only loses its child: pm_worker_back).  Seen twice before acting: the holder field is written just
 * after the claim.  A waiter that died leaves its line. */
void pm_reclaim(pm_t *pm)
{
    apr_uint32_t i;
    for (i = 0; i < pm->nslots; i++) {
        pm_slot_t *s = pm->slots[i];
        apr_uint32_t holder;
        if (!s || !s->published
            || (s->state != SLOT_BUSY && s->state != SLOT_LAST)) {
            continue;
        }
        holder = fcgp_table_slot(pm->table, s->id)->holder;
        if (!holder || pm_pid_alive(holder)) {
            s->suspect = 0;
            continue;
        }
        if (s->suspect != holder) {
            s->suspect = holder;
            continue;
        }
        fcgp_table_seize(pm->table, s->id);
        fcgp_table_held_gone(pm->table, s->cls->tidx);
        s->published = 0;
        s->suspect = 0;
        pm_worker_back(pm, s, FCGP_OUT_BROKEN);
    }
    fcgp_table_reap_waiters(pm->table, pm_pid_alive);
}
