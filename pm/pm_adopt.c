/* pm_adopt.c: the workers of a process manager that died.
 *
 * PM process only.  When a PM dies (killed, crashed), the parent starts a
 * new one and tells it the dead one's process group (settings.orphan_pgid).
 * The dead PM's workers are still running, and some serve a request that
 * an httpd child holds through the worker table.  The new PM adopts every
 * slot the dead one owned: an idle worker is stopped at once; a busy one
 * finishes its request (the handler hands it back as usual, and `closing`
 * sends it to us rather than to the line), then it is stopped.  They are
 * not our children: their exits are seen with kill(pid, 0), not reaped.
 * When none is left, whatever else remains of the dead PM's process group
 * gets SIGKILL.  Owns pm_t.orphans. */
#include <errno.h>
#include <signal.h>
#include <apr_atomic.h>

#include "httpd.h"
#include "http_log.h"
#include "fcgp_log.h"
#include "pm/pm_internal.h"

FCGP_LOG_MODULE;

/* A request may run this long on an adopted worker before the rest of the
 * dead PM's processes are killed anyway (the handler's own
 * FcgiProcBusyTimeout normally ends it sooner). */
#define ORPHAN_WAIT_MAX apr_time_from_sec(600)

static int gone(apr_uint32_t pid)
{
    return pid == 0 || !pm_pid_alive(pid);
}

void pm_adopt(pm_t *pm)
{
    apr_uint32_t i, dead = (apr_uint32_t)pm->settings.orphan_pgid;

    if (!dead) {
        return;
    }
    pm->orphans = apr_array_make(pm->pool, 16, sizeof(pm_orphan_t));
    pm->orphans_until = apr_time_now() + ORPHAN_WAIT_MAX;
    for (i = 0; i < pm->nslots; i++) {
        fcgp_tbl_slot_t *ts = fcgp_table_slot(pm->table, i);
        pm_orphan_t *o;
        if (!fcgp_table_adopt_slot(pm->table, i, dead, pm->me)) {
            continue;
        }
        apr_atomic_set32(&ts->closing, 1);
        o = apr_array_push(pm->orphans);
        o->id = i;
        o->pid = ts->pid;
        o->cls = ts->cls;
        o->kill_at = 0;
        o->lost = 0;
    }
    ap_log_error(APLOG_MARK, APLOG_INFO, 0, pm->s, FCGP_LOGNO(03034)
                 "adopted %d workers of process manager pid %u: busy ones "
                 "finish their request, then all are stopped",
                 pm->orphans->nelts, dead);
}

/* Stop orphan o now: SIGTERM, SIGKILL after FcgiProcKillTimeout.  An
 * idle one is taken back first; returns 0 when a handler claimed it
 * meanwhile (it is busy: it finishes first). */
static int stop_orphan(pm_t *pm, pm_orphan_t *o, apr_uint32_t st,
                       apr_time_t now)
{
    if (st == FCGP_TBL_IDLE) {
        if (FCGP_TBL_STATE(fcgp_table_take(pm->table, o->id, FCGP_TBL_IDLE))
            != FCGP_TBL_IDLE) {
            return 0;
        }
    }
    else {
        fcgp_table_seize(pm->table, o->id);
    }
    if (o->pid) {
        pm_signal_worker(pm, o->pid, SIGTERM);
    }
    o->kill_at = now + pm->settings.kill_timeout;
    return 1;
}

/* Is another orphan of process pid (a php-cgi pool's slots share their
 * parent) still serving a request? */
static int sibling_busy(pm_t *pm, const pm_orphan_t *o, apr_time_t now)
{
    int i;
    for (i = 0; i < pm->orphans->nelts; i++) {
        const pm_orphan_t *x = &APR_ARRAY_IDX(pm->orphans, i, pm_orphan_t);
        fcgp_tbl_slot_t *ts = fcgp_table_slot(pm->table, x->id);
        if (x != o && x->pid == o->pid && !x->kill_at
            && FCGP_TBL_STATE(apr_atomic_read32(&ts->word)) == FCGP_TBL_BUSY
            && !gone(ts->holder) && now < pm->orphans_until) {
            return 1;
        }
    }
    return 0;
}

void pm_orphans_tick(pm_t *pm, apr_time_t now)
{
    int i;

    if (!pm->orphans) {
        return;
    }
    for (i = 0; i < pm->orphans->nelts; i++) {
        pm_orphan_t *o = &APR_ARRAY_IDX(pm->orphans, i, pm_orphan_t);
        fcgp_tbl_slot_t *ts = fcgp_table_slot(pm->table, o->id);
        apr_uint32_t st = FCGP_TBL_STATE(apr_atomic_read32(&ts->word));

        if (!o->kill_at) {
            /* Busy with a live holder: let it finish. */
            if ((st == FCGP_TBL_BUSY && !gone(ts->holder) && !gone(o->pid)
                 && now < pm->orphans_until)
                || (o->pid && !gone(o->pid) && sibling_busy(pm, o, now))
                || !stop_orphan(pm, o, st, now)) {
                continue;
            }
        }
        if (o->lost || gone(o->pid)) {
            /* a php-cgi parent's children may still finish a request */
            if (!o->lost) {
                pm_linger_add(pm, (pid_t)o->pid,
                              o->kill_at ? o->kill_at
                                         : now + pm->settings.kill_timeout);
            }
            if (o->pid && !o->lost) {
                fcgp_cnt_inc(fcgp_table_counters(pm->table, o->cls),
                             FCGP_CNT_EXIT + FCGP_EXIT_ORPHAN);
            }
            fcgp_table_free_slot(pm->table, o->id);
            *o = APR_ARRAY_IDX(pm->orphans, pm->orphans->nelts - 1,
                               pm_orphan_t);
            pm->orphans->nelts--;
            i--;
        }
        else if (now >= o->kill_at
                 && pm_signal_worker(pm, o->pid, SIGKILL) == EPERM) {
            /* The signal helper refused (a php-cgi parent under suexec
             * that left the dead PM's group with setsid(): nothing ties
             * it to us that the helper could check).  FCGP03063 said so
             * once; no new request reaches it. */
            o->lost = 1;
            i--;            /* freed on the next pass of the loop */
        }
    }
    if (pm->orphans->nelts == 0) {
        /* Anything else of the dead PM's (a worker it was starting). */
        pm_signal_group(pm, pm->settings.orphan_pgid, SIGKILL);
        pm->settings.orphan_pgid = 0;
        pm->orphans = NULL;
    }
}
