/* counters.h: the counters kept in the worker table (pm/table.h), one
 * record per application class and one for requests of no known class.
 *
 * They live in the table's shared memory, so they are kept across
 * graceful restarts (the table is) and start when httpd starts (record
 * 0's `since`; a class's record starts when the class is first used).
 * Every value is a 64-bit atomic: several processes add to the same
 * record at once (httpd children, and two generations' process managers
 * while one drains), so each counter is written with atomic adds (or a
 * compare-and-swap for a high-water mark) and never set.  Who adds to
 * which counter is said at each id below and in docs/ARCHITECTURE.md.
 *
 * The process manager reads them into its status snapshot
 * (pm/status_data.h, fcgp_status_metrics_t), from which the handler
 * writes ?metrics, ?json and the HTML page (handler/status_format.c).
 *
 * Pure: APR atomics only (counters.c: the names of ids, unit-tested). */
#ifndef FCGP_PM_COUNTERS_H
#define FCGP_PM_COUNTERS_H

#include <apr.h>
#include <apr_atomic.h>
#include <apr_time.h>

/* Final statuses with a slot of their own; any other status is counted
 * in its hundred ("1xx" .. "5xx"), or as "other" outside 100-599. */
#define FCGP_CNT_NCODES     33
#define FCGP_CNT_NSTATUS    (FCGP_CNT_NCODES + 6)
/* Failure causes: the handler's fcgp_fail_e (handler/handler.h) values
 * index these; the handler checks it fits. */
#define FCGP_CNT_NFAILS     24
/* Queue-wait histogram: upper bounds in seconds (the last is +Inf). */
#define FCGP_CNT_NBUCKETS   15

/* Why a worker process ended (fcgiproc_worker_exits_total{reason}). */
typedef enum {
    FCGP_EXIT_LIMIT = 0,    /* its request limit (ours, PHP's, learned) */
    FCGP_EXIT_IDLE,         /* FcgiProcIdleTimeout */
    FCGP_EXIT_LIFETIME,     /* FcgiProcProcessLifeTime */
    FCGP_EXIT_GRACEFUL,     /* httpd restart or stop: its PM drained */
    FCGP_EXIT_SELF,         /* exited by itself (status 0), unasked */
    FCGP_EXIT_CRASH,        /* died unasked: a signal or a non-0 status */
    FCGP_EXIT_TIMEOUT,      /* killed: it missed FcgiProcIOTimeout or
                             * FcgiProcBusyTimeout */
    FCGP_EXIT_BROKEN,       /* retired after a broken request (reset,
                             * garbage, its holder died) */
    FCGP_EXIT_ORPHAN,       /* a worker of a PM that died, stopped by the
                             * next one */
    FCGP_EXIT_SUPERSEDED,   /* its program was replaced on disk */
    FCGP_EXIT_GROWN,        /* a larger php-cgi pool of its class took
                             * its place (pm_add_worker) */
    FCGP_EXIT_OTHER,
    FCGP_EXIT_N
} fcgp_exit_reason_e;

/* Counter ids: the index of each value in a record. */
typedef enum {
    /* handlers (pm/table.c, claim): requests handed to a worker of the
     * class (php-fpm's "accepted conn") */
    FCGP_CNT_ACCEPTED = 0,
    /* handlers: workers of the class held now (+1 at a claim, -1 at the
     * hand-back; the PM's pm_reclaim takes 1 off for a holder that
     * died).  Internal: only its high-water mark is shown. */
    FCGP_CNT_HELD,
    /* handlers: the most workers held at once ("max active processes") */
    FCGP_CNT_MAX_ACTIVE,
    /* handlers (pm/table.c, enqueue): the longest line ("max listen
     * queue") */
    FCGP_CNT_MAX_WAITING,
    /* handlers (handler.c): requests retried once on another worker
     * (FCGP02004) */
    FCGP_CNT_RETRIES,
    /* handlers (handler.c, slow_line): requests whose application time
     * passed FcgiProcSlowRequestTimeout, once each, with their FCGP02070
     * line ("slow requests") */
    FCGP_CNT_SLOW,
    /* PM (pm_worker.c): processes started, and starts that failed */
    FCGP_CNT_SPAWNS,
    FCGP_CNT_SPAWN_FAILURES,
    /* PM (pm_view.c): a line needed another worker and the class's or the
     * server's process limit stopped it ("max children reached") */
    FCGP_CNT_MAX_REACHED,
    /* PM (pm_reap.c): rapid-failure pauses started (FCGP03013) */
    FCGP_CNT_BACKOFFS,
    /* PM (pm_worker.c): SIGKILL after FcgiProcKillTimeout (FCGP03012) */
    FCGP_CNT_KILLS,
    /* handlers (client.c): the queue-wait histogram's sum, microseconds */
    FCGP_CNT_WAIT_SUM_US,
    /* handlers (handler.c): requests by final status */
    FCGP_CNT_STATUS,
    /* handlers (handler.c, fcgp_fail): failed requests by cause */
    FCGP_CNT_FAIL = FCGP_CNT_STATUS + FCGP_CNT_NSTATUS,
    /* PM (pm_reap.c, pm_adopt.c): worker exits by fcgp_exit_reason_e */
    FCGP_CNT_EXIT = FCGP_CNT_FAIL + FCGP_CNT_NFAILS,
    /* handlers (client.c): queue waits per bucket (not cumulative) */
    FCGP_CNT_WAIT = FCGP_CNT_EXIT + FCGP_EXIT_N,
    FCGP_CNT_N = FCGP_CNT_WAIT + FCGP_CNT_NBUCKETS
} fcgp_cnt_id_e;

/* One record.  `since` and `cls` are written once, by the process manager
 * that adds the class, before the class is published in the table. */
typedef struct {
    apr_uint64_t since;         /* apr_time_t the record started */
    apr_uint32_t cls;           /* its class's index; record 0: none */
    apr_uint32_t unused;
    apr_uint64_t v[FCGP_CNT_N];
} fcgp_counters_t;

static APR_INLINE void fcgp_cnt_add(fcgp_counters_t *c, unsigned id,
                                    apr_uint64_t n)
{
    if (c && id < FCGP_CNT_N) {
        apr_atomic_add64(&c->v[id], n);
    }
}

static APR_INLINE void fcgp_cnt_inc(fcgp_counters_t *c, unsigned id)
{
    fcgp_cnt_add(c, id, 1);
}

/* One less, never below zero. */
static APR_INLINE void fcgp_cnt_dec(fcgp_counters_t *c, unsigned id)
{
    apr_uint64_t n;
    if (!c || id >= FCGP_CNT_N) {
        return;
    }
    do {
        n = apr_atomic_read64(&c->v[id]);
    } while (n && apr_atomic_cas64(&c->v[id], n - 1, n) != n);
}

/* Raise a high-water mark to v (never lowers it). */
static APR_INLINE void fcgp_cnt_max(fcgp_counters_t *c, unsigned id,
                                    apr_uint64_t v)
{
    apr_uint64_t n;
    if (!c || id >= FCGP_CNT_N) {
        return;
    }
    do {
        n = apr_atomic_read64(&c->v[id]);
    } while (v > n && apr_atomic_cas64(&c->v[id], v, n) != n);
}

static APR_INLINE apr_uint64_t fcgp_cnt_read(fcgp_counters_t *c, unsigned id)
{
    return c && id < FCGP_CNT_N ? apr_atomic_read64(&c->v[id]) : 0;
}

/* The status counter's id for an HTTP status (FCGP_CNT_STATUS + k). */
unsigned fcgp_cnt_status_id(int status);
/* Its label: "200", "2xx", "other" (k: 0 .. FCGP_CNT_NSTATUS - 1). */
const char *fcgp_cnt_status_label(unsigned k);

/* The queue-wait bucket's id for a wait (FCGP_CNT_WAIT + k), and bucket
 * k's upper bound in seconds as the exposition writes it ("0.005",
 * "+Inf"), and in microseconds (the last: -1). */
unsigned fcgp_cnt_wait_id(apr_interval_time_t waited);
const char *fcgp_cnt_wait_label(unsigned k);
apr_interval_time_t fcgp_cnt_wait_bound(unsigned k);

/* Observe one wait in the histogram of c. */
void fcgp_cnt_observe_wait(fcgp_counters_t *c, apr_interval_time_t waited);

/* An exit reason's label ("limit", "idle", ...). */
const char *fcgp_cnt_exit_label(unsigned reason);
/* Why a worker the process manager retired ended, from the reason it
 * was retired for (fcgp_policy_retire's words, or pm_main.c's "httpd is
 * gone"). */
fcgp_exit_reason_e fcgp_cnt_exit_reason(const char *retire_reason);

#endif
