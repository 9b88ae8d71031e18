/* table.h: the worker table in shared memory, the fast path of a lease.
 *
 * One table per httpd generation, made by the parent in post_config
 * (anonymous shared memory, inherited by the process manager and by every
 * httpd child of that generation).  The PM owns every slot and publishes
 * the idle ones; an httpd child takes an idle worker of its class with one
 * compare-and-swap and counts the request at once, so the common request
 * costs no message to the PM at all.  Everything else (spawning, retiring,
 * queueing when every worker is busy, crashes) stays with the PM, which
 * is told by a KICK message when it has something to do.
 *
 * A slot's state word holds the state, the outcome of a hand-back and a
 * generation (24 bits), bumped by the PM whenever the slot changes hands
 * outside the protocol (a new process, a reclaimed slot), so a stale
 * compare-and-swap fails instead of touching someone else's worker.
 *
 *   PM:      OFF -> IDLE (publish)     IDLE -> OFF (unpublish, by CAS)
 *   handler: IDLE -> BUSY (claim)      BUSY -> IDLE (done, reusable)
 *                                      BUSY -> DONE (the PM must look)
 *   PM:      DONE -> OFF (take back)   BUSY -> OFF (holder died)
 *
 * Pure: APR atomics only, no httpd, no I/O; unit-tested. */
#ifndef FCGP_PM_TABLE_H
#define FCGP_PM_TABLE_H

#include <apr.h>
#include <apr_pools.h>
#include <apr_shm.h>
#include <apr_time.h>

#define FCGP_TBL_OFF     0u   /* the PM's: no process, or in its hands */
#define FCGP_TBL_IDLE    1u   /* a worker waiting: anyone may claim it */
#define FCGP_TBL_BUSY    2u   /* claimed by a handler (holder) */
#define FCGP_TBL_DONE    3u   /* handed back; the PM decides what next */

/* Bits 0-3: the state; 4-7: the outcome of a hand-back (DONE), so that
 * it changes hands in the same compare-and-swap; 8-31: the generation. */
#define FCGP_TBL_STATE(w)   ((w) & 0x0fu)
#define FCGP_TBL_OUTCOME(w) (((w) >> 4) & 0x0fu)
#define FCGP_TBL_GEN(w)     ((w) >> 8)
#define FCGP_TBL_WORD(s, g) (((apr_uint32_t)(g) << 8) | (s))

#define FCGP_TBL_PATH_MAX   108     /* sun_path */
#define FCGP_TBL_NO_CLASS   0xffffffffu

typedef struct {
    apr_uint32_t word;      /* state | gen << 8 (atomic) */
    apr_uint32_t cls;       /* index of its class */
    apr_uint32_t served;    /* requests handed to this process (atomic) */
    apr_uint32_t limit;     /* hand out while served < limit; 0 = none */
    apr_uint32_t ahead;     /* kick the PM at this count (spawn-ahead) */
    apr_uint32_t holder;    /* pid of the httpd child holding it */
    apr_uint32_t pid;       /* the worker's */
    apr_uint32_t limit_source;
    char path[FCGP_TBL_PATH_MAX];
} fcgp_tbl_slot_t;

typedef struct {
    apr_uint32_t used;      /* 1 once published (atomic) */
    apr_uint32_t waiting;   /* requests queued in the PM (atomic) */
    apr_uint32_t full;      /* the PM cannot start another worker of this
                             * class now: wait here for one to come free */
    apr_uint32_t sleepers;  /* handlers waiting here (atomic) */
    apr_uint32_t seq;       /* bumped when a worker comes free; sleepers
                             * wait for it to change (futex) */
    apr_uint32_t key_off;
    apr_uint32_t key_len;
    apr_uint64_t hash;
} fcgp_tbl_class_t;

typedef struct fcgp_table_t fcgp_table_t;

/* A claimed worker, as the handler keeps it. */
typedef struct {
    apr_uint32_t slot;
    apr_uint32_t word;      /* the BUSY word we hold */
    apr_uint32_t cls;
    apr_uint32_t pid;
    apr_uint32_t nth;
    apr_uint32_t limit;
    apr_uint32_t limit_source;
    int kick;               /* the PM should hear of this claim */
    char path[FCGP_TBL_PATH_MAX];
} fcgp_tbl_claim_t;

/* Bytes needed for nslots slots and nclasses classes with key_bytes of
 * class keys. */
apr_size_t fcgp_table_size(apr_uint32_t nslots, apr_uint32_t nclasses,
                           apr_uint32_t key_bytes);

/* Lay out a table in mem (size from fcgp_table_size, zeroed). */
fcgp_table_t *fcgp_table_init(void *mem, apr_uint32_t nslots,
                              apr_uint32_t nclasses, apr_uint32_t key_bytes,
                              apr_uint64_t nonce);

/* Anonymous shared memory from p, for a generation (parent only). */
apr_status_t fcgp_table_create(apr_pool_t *p, apr_uint32_t nslots,
                               fcgp_table_t **out);

apr_uint32_t fcgp_table_nslots(const fcgp_table_t *t);
apr_uint64_t fcgp_table_nonce(const fcgp_table_t *t);
fcgp_tbl_slot_t *fcgp_table_slot(fcgp_table_t *t, apr_uint32_t i);
fcgp_tbl_class_t *fcgp_table_class(fcgp_table_t *t, apr_uint32_t i);

/* FNV-1a 64 of a class key. */
apr_uint64_t fcgp_table_hash(const char *key, apr_size_t len);

/* Handler: the index of the class with this key, or FCGP_TBL_NO_CLASS. */
apr_uint32_t fcgp_table_find_class(const fcgp_table_t *t, const char *key,
                                   apr_size_t len);

/* PM: the class's index, adding it if need be; FCGP_TBL_NO_CLASS when the
 * table has no room (that class then always goes through the PM). */
apr_uint32_t fcgp_table_add_class(fcgp_table_t *t, const char *key,
                                  apr_size_t len);

/* Handler: claim an idle worker of class cls and count the request.
 * Returns 1 with *c filled, 0 when none is idle or requests are queued
 * in the PM (then the caller goes through the PM, keeping the order).
 * Either way c->kick says the PM should be told (a replacement is due,
 * or a worker past its limit was handed back). */
int fcgp_table_claim(fcgp_table_t *t, apr_uint32_t cls, apr_uint32_t holder,
                     fcgp_tbl_claim_t *c);

typedef enum {
    FCGP_TBL_CLAIMED = 0,   /* *c holds a worker */
    FCGP_TBL_ASK_PM,        /* the class may grow now: ask the PM */
    FCGP_TBL_TIMEOUT        /* none came free before the deadline */
} fcgp_tbl_wait_e;

/* Handler: the class is full (every worker busy, no room for another):
 * sleep until one comes free or until deadline, whichever is first.  The
 * sleepers are woken one per worker that comes free, in the order they
 * began waiting; a request that arrives meanwhile queues behind them,
 * and does not take a worker handed back for one of them. */
fcgp_tbl_wait_e fcgp_table_wait_claim(fcgp_table_t *t, apr_uint32_t cls,
                                      apr_uint32_t holder,
                                      fcgp_tbl_claim_t *c,
                                      apr_time_t deadline);

/* Whether handlers of class cls should wait in the table. */
int fcgp_table_class_full(fcgp_table_t *t, apr_uint32_t cls);

/* PM: say whether class cls is full (see fcgp_table_wait_claim). */
void fcgp_table_set_full(fcgp_table_t *t, apr_uint32_t cls, int full);

/* A worker of class cls came free: wake one sleeper (handler or PM). */
void fcgp_table_wake(fcgp_table_t *t, apr_uint32_t cls);

/* Handler: hand the worker back.  ok: it finished its request cleanly.
 * Returns 1 when the PM must be kicked (it has a decision to make). */
int fcgp_table_release(fcgp_table_t *t, const fcgp_tbl_claim_t *c, int ok,
                       apr_uint32_t outcome);

/* PM: the outcome (fcgp_outcome_e) of slot i's hand-back, when DONE. */
apr_uint32_t fcgp_table_outcome(fcgp_table_t *t, apr_uint32_t i);

/* PM: make slot i claimable (it is OFF and the PM's). */
void fcgp_table_publish(fcgp_table_t *t, apr_uint32_t i);
/* PM: take slot i back if it is in state `from` (IDLE: unpublish it;
 * DONE: accept a hand-back).  Returns the word seen: state `from` means
 * the slot is now OFF and the PM's; anything else, it was not taken. */
apr_uint32_t fcgp_table_take(fcgp_table_t *t, apr_uint32_t i,
                             apr_uint32_t from);
/* PM: take slot i back in whatever state, with a new generation (any
 * holder's later release then fails).  Returns the word it replaced. */
apr_uint32_t fcgp_table_seize(fcgp_table_t *t, apr_uint32_t i);

#endif
