/* pm_reap.c: worker processes that ended.
 *
 * PM process only.  Owns the exit log (pm_t.exits, for the status page),
 * each class's learned request limit and its rapid-failure state, and
 * counts exits by reason and the pauses started in the table's counters
 * (pm/counters.h).  A
 * planned exit frees the slot; an unplanned one gets a replacement on the
 * same listening socket, so that a connection already queued to the
 * worker is served instead of reset. */
#include <errno.h>
#include <string.h>
#include <sys/wait.h>
#include <apr_atomic.h>
#include <apr_poll.h>
#include <apr_signal.h>
#include <apr_strings.h>

#include "httpd.h"
#include "http_log.h"
#include "fcgp_log.h"
#include "pm/pm_internal.h"

FCGP_LOG_MODULE;

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

static void log_exit(pm_t *pm, pm_slot_t *s, apr_uint32_t served, int code,
                     apr_exit_why_e why, const char *reason, int level,
                     fcgp_exit_reason_e counted_as)
{
    apr_uint32_t src, limit = pm_slot_limit(s, &src);
    pm_exit_t *e = &pm->exits[pm->nexits++ % PM_EXITS_KEPT];
    const char *how = exit_text(pm->tmp, code, why);

    fcgp_cnt_inc(PM_COUNTERS(pm, s->cls), FCGP_CNT_EXIT + counted_as);
    e->when = apr_time_now();
    e->pid = (int)s->proc.pid;
    e->served = served;
    e->uptime = e->when - s->started;
    apr_cpystrn(e->cls, s->cls->name, sizeof(e->cls));
    apr_cpystrn(e->how, how, sizeof(e->how));
    apr_cpystrn(e->reason, reason, sizeof(e->reason));
    ap_log_error(APLOG_MARK, level, 0, pm->s, FCGP_LOGNO(03010)
                 "worker pid %d of %s: %s after %u requests "
                 "(limit %u, from %s), up %" APR_TIME_T_FMT " s; %s",
                 (int)s->proc.pid, s->cls->name, how, served, limit,
                 fcgp_limit_source_name(src), apr_time_sec(e->uptime),
                 reason);
}

/* The app exited by itself with status 0 after n requests we gave it:
 * that is its own request limit.  Retire later workers before it. */
static void learn_limit(pm_t *pm, pm_slot_t *s, apr_uint32_t n)
{
    pm_class_t *c = s->cls;
    apr_uint32_t src, limit = pm_class_limit(c, &src);
    if (n == 0 || (limit && limit <= n)) {
        return;
    }
    c->learned_limit = n;
    pm_set_table_limits(pm, c);     /* published workers: at once */
    ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, pm->s, FCGP_LOGNO(03011)
                 "worker pid %d of %s exited by itself after %u requests, "
                 "before our limit (%u, from %s): the application has a "
                 "request limit of its own (PHP_FCGI_MAX_REQUESTS or "
                 "similar).  Workers of this class now retire after %u "
                 "requests; set FcgiProcAppMaxRequests %u (or pass "
                 "PHP_FCGI_MAX_REQUESTS with FcgiProcInitialEnv) to say so",
                 (int)s->proc.pid, c->name, n, limit,
                 fcgp_limit_source_name(src), n, n);
}

/* Rapid-failure protection: enough workers that die soon after they
 * start pause the class's spawning (policy.c), so a broken app costs a
 * fast 503 instead of a spawn loop; one good request ends it. */
void pm_note_early_death(pm_t *pm, pm_class_t *c, apr_time_t age,
                         apr_uint32_t done)
{
    fcgp_tbl_class_t *k;
    if (!fcgp_policy_note_death(&c->failures, apr_time_now(), age, done)) {
        return;
    }
    fcgp_cnt_inc(PM_COUNTERS(pm, c), FCGP_CNT_BACKOFFS);
    if ((k = fcgp_table_class(pm->table, c->tidx)) != NULL) {
        apr_atomic_set32(&k->refused, 0);   /* it crashes, nobody refused */
    }
    pm_class_to_table(pm, c);
    pm_update_full(pm, c);
    /* Waiters of a class with no worker left get 503 at once. */
    fcgp_table_wake_all(pm->table, c->tidx);
    ap_log_error(APLOG_MARK, APLOG_ERR, 0, pm->s, FCGP_LOGNO(03013)
                 "%d workers of %s died within %d s of starting: not "
                 "starting it again for %" APR_TIME_T_FMT " s; its requests "
                 "get 503 meanwhile.  Check the application (its errors "
                 "are in this log) and its FcgiProcWrapper / "
                 "FcgiProcInitialEnv%s", FCGP_FAIL_COUNT, c->name,
                 (int)apr_time_sec(FCGP_FAIL_WINDOW),
                 apr_time_sec(c->failures.backoff),
                 pm_program_replaced_text(pm, c));
}

/* A process started through suexec that exits with one of suexec's own
 * statuses before serving anything was refused by suexec (its checks of
 * the target user, the document root, the command's owner and mode): a
 * configuration problem that starting it again will not fix.  The class
 * pauses at once (the rapid-failure back-off, doubling while it goes on),
 * its waiting requests get 503 naming the refusal (the table's `refused`),
 * and one line here says where suexec wrote why. */
static int suexec_refused(pm_t *pm, pm_slot_t *s, int code,
                          apr_exit_why_e why, apr_uint32_t done)
{
    pm_class_t *c = s->cls;
    const char *what = APR_PROC_CHECK_EXIT(why)
                       ? fcgp_policy_suexec_refusal(code) : NULL;
    fcgp_tbl_class_t *k;

    if (!c->spec.ident.suexec || done || !what) {
        return 0;
    }
    fcgp_policy_note_refusal(&c->failures, apr_time_now());
    if ((k = fcgp_table_class(pm->table, c->tidx)) != NULL) {
        apr_atomic_set32(&k->refused, (apr_uint32_t)code);
    }
    pm_class_to_table(pm, c);
    pm_update_full(pm, c);
    fcgp_table_wake_all(pm->table, c->tidx);
    log_exit(pm, s, 0, code, why, "refused by suexec", APLOG_INFO,
             FCGP_EXIT_CRASH);
    ap_log_error(APLOG_MARK, APLOG_ERR, 0, pm->s, FCGP_LOGNO(03060)
                 "suexec refused to start %s: exit status %d (%s); suexec "
                 "wrote why in %s.  Not starting it again for %"
                 APR_TIME_T_FMT " s; its requests get 503 meanwhile",
                 c->name, code, what,
                 pm->settings.suexec_log ? pm->settings.suexec_log
                                         : "its log",
                 apr_time_sec(c->failures.backoff));
    return 1;
}

static void worker_exited(pm_t *pm, pm_slot_t *s, int code,
                          apr_exit_why_e why)
{
    pm_class_t *c = s->cls;
    int clean = APR_PROC_CHECK_EXIT(why) && code == 0;
    int busy;
    apr_uint32_t done, limit, src;

    /* What the handlers did with it since we last looked; an idle worker
     * is taken back first (if a handler claimed it meanwhile, it is busy
     * and its request waits on the socket for the replacement). */
    if (s->state == SLOT_IDLE) {
        pm_take(pm, s);
    }
    else {
        pm_sync_slot(pm, s);
    }
    if (s->state == SLOT_FREE) {
        return;             /* handed back and dropped meanwhile */
    }
    busy = s->state == SLOT_BUSY || s->state == SLOT_LAST;
    /* Requests this process finished: a busy slot's last one was still
     * queued or in progress. */
    done = busy && s->served ? s->served - 1 : s->served;
    pm->nprocs--;
    pm_user_add(pm, c->user, -1);
    /* The rest of its process group (a php-cgi parent's children) does
     * not outlive it for long. */
    pm_linger_add(pm, s->proc.pid, s->state == SLOT_STOPPING
                                   ? s->kill_at
                                   : apr_time_now() + c->limits.kill_timeout);
    limit = pm_slot_limit(s, &src);
    if ((s->state == SLOT_LAST
         || (s->state == SLOT_BUSY && c->parent_mode && !s->parent
             && clean && limit && s->served >= limit))
        && !pm_connection_queued(s->listen_fd)) {
        /* It served its last request and exited, as the app's own limit
         * says; the handler's hand-back is still on its way.  (In a class
         * that asks for parent mode a worker at its limit not seen to be
         * a parent stays busy until its hand-back, pm_counted; one seen
         * to be a parent does not exit there: its exit is unplanned.) */
        log_exit(pm, s, s->served, code, why, s->superseded
                 ? "retired (superseded: its program was replaced)"
                 : "retired (request limit)", APLOG_INFO,
                 s->superseded ? FCGP_EXIT_SUPERSEDED : FCGP_EXIT_LIMIT);
        s->proc.pid = 0;
        return;
    }
    if (s->state == SLOT_STOPPING) {
        log_exit(pm, s, s->served, code, why,
                 apr_pstrcat(pm->tmp, "retired (", s->retire_reason, ")",
                             NULL), APLOG_INFO,
                 fcgp_cnt_exit_reason(s->retire_reason));
        pm_free_slot(pm, s);
        /* The room it leaves goes to whoever is fairest (the loop's
         * pm_serve_table after reaping), not to its own class first. */
        return;
    }
    /* Unplanned.  A busy slot's process had not accepted the queued
     * request yet if the app retired itself, so it served one fewer. */
    if (suexec_refused(pm, s, code, why, done)) {
        pm_drop(pm, s);
        return;
    }
    pm_note_early_death(pm, c, apr_time_now() - s->started, done);
    log_exit(pm, s, done, code, why,
             clean ? "exited by itself" : "unexpected exit", APLOG_NOTICE,
             clean ? FCGP_EXIT_SELF : FCGP_EXIT_CRASH);
    /* A busy worker's exit may race its last hand-back, so n is either
     * the app's limit or one less; never lower a learned limit for that. */
    if (clean && !PM_IN_POOL(s) && !(busy && c->learned_limit
                   && done + 1 == c->learned_limit)) {
        learn_limit(pm, s, done);
    }
    if (pm->draining || done == 0 || pm_start_process(pm, s) != APR_SUCCESS) {
        /* No hand-over for a process that died before finishing a single
         * request: starting it again would only loop.  Closing the socket
         * resets a queued connection, and its handler answers 502. */
        pm_drop(pm, s);
        return;
    }
    if (s->shares) {
        /* A pool's parent, started again on the same socket: its other
         * slots are its new one's. */
        int i;
        for (i = 0; i < c->slots->nelts; i++) {
            pm_slot_t *o = APR_ARRAY_IDX(c->slots, i, pm_slot_t *);
            if (o->lead == s) {
                o->started = s->started;
                o->prog_ident = s->prog_ident;
                if (o->published) {
                    fcgp_table_slot(pm->table, o->id)->pid =
                        (apr_uint32_t)s->proc.pid;
                }
            }
        }
    }
    if (busy) {
        /* The replacement serves the request already queued; if that was
         * meant to be the last one, it still is. */
        s->served = 1;
        if (s->published) {
            fcgp_tbl_slot_t *ts = fcgp_table_slot(pm->table, s->id);
            ts->pid = (apr_uint32_t)s->proc.pid;
            apr_atomic_set32(&ts->served, 1);
        }
    }
    else {
        pm_publish(pm, s);
    }
}

static pm_slot_t *slot_by_pid(pm_t *pm, pid_t pid)
{
    apr_uint32_t i;
    for (i = 0; i < pm->nslots; i++) {
        pm_slot_t *s = pm->slots[i];
        if (s && s->state != SLOT_FREE && s->proc.pid == pid) {
            return s;
        }
    }
    return NULL;
}

/* Every child that exited.  waitpid() itself, without WUNTRACED:
 * apr_proc_wait_all_procs() also reports a child stopped by a signal
 * (SIGSTOP, a debugger), as an error, which ended the loop and left the
 * workers that exited beside it unreaped (zombies, shown stopping) until
 * the next SIGCHLD. */
void pm_reap(pm_t *pm)
{
    for (;;) {
        int status, code;
        apr_exit_why_e why;
        pm_slot_t *s;
        pid_t pid = waitpid(-1, &status, WNOHANG);

        if (pid < 0 && errno == EINTR) {
            continue;
        }
        if (pid <= 0) {
            return;
        }
        if (WIFEXITED(status)) {
            code = WEXITSTATUS(status);
            why = APR_PROC_EXIT;
        }
        else if (WIFSIGNALED(status)) {
            code = WTERMSIG(status);
            why = WCOREDUMP(status)
                  ? (apr_exit_why_e)(APR_PROC_SIGNAL | APR_PROC_SIGNAL_CORE)
                  : APR_PROC_SIGNAL;   /* as APR says it */
        }
        else {
            continue;
        }
        if ((s = slot_by_pid(pm, pid)) != NULL) {
            worker_exited(pm, s, code, why);
        }
        else if (pm->helper_pid && (apr_uint32_t)pid == pm->helper_pid) {
            pm->helper_pid = 0;
            pm_helper_gone(pm);
        }
    }
}
