/* table.h: the worker table in shared memory: the only way a handler
 * gets a worker.
 *
 * One table for the life of the httpd parent (made at the first
 * post_config, kept across restarts), inherited by every process manager
 * and every httpd child.  Because every generation sees the same table, a
 * request of an old generation that waits for a worker during a graceful
 * restart is served by the new generation's workers without knowing it.
 *
 * Slots.  Each process manager owns the slots it allocated (owner = its
 * pid) and publishes the idle ones; an httpd child takes an idle worker of
 * its class with one compare-and-swap and counts the request in the same
 * step (fcgp_table_claim).  A request is counted there and nowhere else.
 * A slot's state word holds the state, the outcome of a hand-back and a
 * generation (24 bits), bumped whenever the slot changes hands outside the
 * protocol (a new process, a reclaimed slot), so a stale compare-and-swap
 * fails instead of touching someone else's worker:
 *
 *   PM:      OFF -> IDLE (publish)     IDLE -> OFF (unpublish, by CAS)
 *   handler: IDLE -> BUSY (claim)      BUSY -> IDLE (done, reusable)
 *                                      BUSY -> DONE (the PM must look)
 *   PM:      DONE -> OFF (take back)   BUSY -> OFF (holder died)
 *
 * A slot marked `closing` (its PM drains, or the worker's program was
 * replaced on disk) is never claimed: a claim that sees the mark only
 * after its compare-and-swap turns the slot DONE uncounted, and a
 * hand-back goes DONE, to the PM, instead of IDLE.
 *
 * Each class records the identity of its program file (device, inode,
 * mtime, size) as the PM last saw it; a handler that sees another one on
 * disk (httpd's stat of a script that is the app; a wrapper's program at
 * most once a second per class, fcgp_table_check_due) asks the PM, which
 * looks itself and retires the workers of the old version.
 *
 * Waiting.  A handler that finds no idle worker joins its class's line
 * (fcgp_table_enqueue): it sleeps on a futex and is woken, in arrival
 * order, one per worker that comes free; a request that arrives meanwhile
 * queues behind it.  While the class may still grow (not `full`), the
 * waiter asks the process manager for a worker once per wake-up.  Each
 * waiter holds a record with its pid, so that a waiter whose httpd child
 * died is taken out of the count by the process manager
 * (fcgp_table_reap_waiters) instead of slowing its class for good.
 *
 * Counters.  Each class added gets a record of counters (pm/counters.h),
 * in the order classes are added; record 0 counts requests of no known
 * class.  Handlers add to them where they act: a claim counts the
 * request handed to a worker and one more worker held, the hand-back one
 * fewer, joining a line raises the line's high-water mark.
 *
 * Pure: APR atomics and the futex system call, no httpd, no I/O;
 * unit-tested (t/unit/test_table.c). */
#ifndef FCGP_PM_TABLE_H
#define FCGP_PM_TABLE_H

#include <apr.h>
#include <apr_pools.h>
#include <apr_shm.h>
#include <apr_time.h>
#include "pm/counters.h"

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
#define FCGP_TBL_NO_SLOT    0xffffffffu

/* Why a class is full (fcgp_tbl_class_t.full). */
#define FCGP_TBL_FULL_CLASS   1u    /* FcgiProcMaxProcessesPerClass */
#define FCGP_TBL_FULL_SERVER  2u    /* FcgiProcMaxProcesses, or no slot */
#define FCGP_TBL_FULL_USER    3u    /* FcgiProcMaxProcessesPerUser */

/* The request a worker serves, for the status page.  Written only by the
 * handler thread that holds the worker (fcgp_table_request_begin/_end),
 * read racily by the PM (fcgp_table_request): `seq` is a sequence lock,
 * odd while the holder writes, so the reader retries instead of taking a
 * torn copy, and the writer never waits. */
#define FCGP_TBL_METHOD_MAX 16
#define FCGP_TBL_URI_MAX    240     /* URI and query, cut with "..." */
typedef struct {
    apr_uint32_t seq;       /* even: stable; odd: being written (atomic) */
    apr_uint32_t pid;       /* the worker these fields are about */
    apr_uint32_t busy;      /* 1: `since`, method and uri are the current
                             * request's */
    apr_uint32_t pad;
    apr_time_t since;       /* the current request got the worker */
    apr_interval_time_t took;   /* the last finished request held the
                                 * worker this long; 0: none yet */
    char method[FCGP_TBL_METHOD_MAX];
    char uri[FCGP_TBL_URI_MAX];     /* printable ASCII (other bytes %XX) */
} fcgp_tbl_req_t;

typedef struct {
    apr_uint32_t word;      /* state | outcome << 4 | gen << 8 (atomic) */
    apr_uint32_t owner;     /* pid of the PM that owns it; 0: free */
    apr_uint32_t cls;       /* index of its class */
    apr_uint32_t served;    /* requests handed to this process (atomic) */
    apr_uint32_t limit;     /* hand out while served < limit; 0 = none */
    apr_uint32_t ahead;     /* kick the PM at this count (spawn-ahead) */
    apr_uint32_t holder;    /* pid of the httpd child holding it */
    apr_uint32_t pid;       /* the worker's */
    apr_uint32_t limit_source;
    apr_uint32_t closing;   /* its PM retires it (the PM drains, or the
                             * worker's program was replaced on disk):
                             * never claim it, hand it back to the PM,
                             * not to the line */
    char path[FCGP_TBL_PATH_MAX];
    apr_uint32_t peer;      /* a request that failed: the inode of the
                             * application's end of its connection (its
                             * holder's, before the hand-back; the PM
                             * finds the php-cgi child that holds it in a
                             * pool); 0: not known */
    apr_uint32_t conn;      /* the inode of its holder's end of the
                             * connection (the holder's, after connecting;
                             * the status page finds which child of a pool
                             * serves from it); 0: none */
    fcgp_tbl_req_t req;     /* what it serves (its holder's) */
} fcgp_tbl_slot_t;

typedef struct {
    apr_uint32_t used;      /* 1 once added (atomic) */
    apr_uint32_t full;      /* 0, or why the PM cannot start another
                             * worker of this class now (FCGP_TBL_FULL_*):
                             * waiters do not ask it, they wait */
    apr_uint32_t live;      /* workers that may still serve (the PM's) */
    apr_uint32_t backoff_until; /* rapid-failure pause ends (apr_time_sec);
                                 * with no live worker, waiters get 503 */
    apr_uint32_t refused;   /* the pause is suexec's refusal: its exit
                             * status (101-126); 0: the app crashes */
    apr_uint32_t sleepers;  /* handlers in line (atomic) */
    apr_uint32_t seq;       /* bumped when a worker comes free; sleepers
                             * wait for it to change (futex) */
    apr_uint32_t key_off;
    apr_uint32_t key_len;
    apr_uint64_t hash;
    apr_uint64_t ident;     /* its program file's identity as the PM last
                             * saw it (fcgp_table_ident); 0: not known.
                             * The PM's (atomic); handlers compare */
    apr_uint64_t told;      /* the last other identity a handler told
                             * the PM of (atomic) */
    apr_uint32_t checked;   /* apr_time_sec when a handler last looked
                             * at the program on disk, or told the PM
                             * again: claimed by CAS, so once per class
                             * per second (atomic) */
    apr_uint32_t rec;       /* its counter record (fcgp_table_record),
                             * set before `used` */
} fcgp_tbl_class_t;

/* A waiting handler thread, so that the PM can take a dead one out: its
 * pid and its class in one word, taken and given up whole (atomic);
 * 0: free. */
typedef struct {
    apr_uint64_t word;      /* pid << 32 | class */
} fcgp_tbl_waiter_t;

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

/* A handler's place in its class's line (fcgp_table_enqueue). */
typedef struct {
    apr_uint32_t cls;
    apr_uint32_t rec;       /* its waiter record, or FCGP_TBL_NO_SLOT */
    int ahead;              /* others were in line when it came */
    int asked;              /* asked the PM since the last wake-up */
    int counted;            /* counted in the line (its class's sleepers) */
    apr_uint32_t seq;       /* the class's seq when last looked: a wake-up
                             * since then is not missed */
} fcgp_tbl_place_t;

typedef enum {
    FCGP_TBL_CLAIMED = 0,   /* *c holds a worker */
    FCGP_TBL_ASK_PM,        /* the class may grow: ask the PM, then call
                             * fcgp_table_next() again with asked set */
    FCGP_TBL_TIMEOUT,       /* none came free before the deadline */
    FCGP_TBL_BACKOFF        /* the class is paused and has no worker */
} fcgp_tbl_wait_e;

/* Bytes needed for the given counts. */
apr_size_t fcgp_table_size(apr_uint32_t nslots, apr_uint32_t nclasses,
                           apr_uint32_t nwaiters, apr_uint32_t key_bytes);

/* Lay out a table in mem (size from fcgp_table_size, zeroed). */
fcgp_table_t *fcgp_table_init(void *mem, apr_uint32_t nslots,
                              apr_uint32_t nclasses, apr_uint32_t nwaiters,
                              apr_uint32_t key_bytes, apr_uint64_t nonce);

/* Anonymous shared memory from p (parent only; p lives as long as httpd):
 * nslots slots, room for FCGP_TBL_CLASSES classes (three quarters of
 * which may be used), FCGP_TBL_WAITERS waiting threads, and a counter
 * record per usable class (about 800 bytes each, ~10 MB in all).  Pages
 * never used cost nothing. */
#define FCGP_TBL_CLASSES    16384
#define FCGP_TBL_KEY_BYTES  (8 * 1024 * 1024)
#define FCGP_TBL_WAITERS    8192
/* How long a waiter lets an idle worker pass for those ahead of it. */
#define FCGP_TBL_AHEAD_GRACE apr_time_from_msec(20)
apr_status_t fcgp_table_create(apr_pool_t *p, apr_uint32_t nslots,
                               fcgp_table_t **out);

apr_uint32_t fcgp_table_nslots(const fcgp_table_t *t);

/* This build's table layout (version and sizes): a table kept across a
 * restart is only used by a module with the same layout (pm_boot.c). */
apr_uint64_t fcgp_table_layout(void);
apr_uint32_t fcgp_table_nclasses(const fcgp_table_t *t);
apr_uint64_t fcgp_table_nonce(const fcgp_table_t *t);
fcgp_tbl_slot_t *fcgp_table_slot(fcgp_table_t *t, apr_uint32_t i);
fcgp_tbl_class_t *fcgp_table_class(fcgp_table_t *t, apr_uint32_t i);

/* The counters of class cls: its record, or record 0 (requests of no
 * known class) when cls is FCGP_TBL_NO_CLASS or not added. */
fcgp_counters_t *fcgp_table_counters(fcgp_table_t *t, apr_uint32_t cls);
/* Records in use: 1 + the classes added; record 0's `since` is when the
 * table (and so every counter) started.  Records 1.. are the classes in
 * the order they were added. */
apr_uint32_t fcgp_table_nrecords(const fcgp_table_t *t);
fcgp_counters_t *fcgp_table_record(fcgp_table_t *t, apr_uint32_t rec);
/* Class cls's key (fcgp_ipc_class_key), or NULL when it is not added. */
const char *fcgp_table_class_key(fcgp_table_t *t, apr_uint32_t cls,
                                 apr_size_t *len);
/* PM: the holder of a worker of class cls died without handing it back:
 * one worker fewer held (what the hand-back would have counted). */
void fcgp_table_held_gone(fcgp_table_t *t, apr_uint32_t cls);

/* FcgiProcMaxProcesses of the current generation, for handlers' messages
 * (written by the parent at each post_config). */
void fcgp_table_set_max_procs(fcgp_table_t *t, apr_uint32_t n);
apr_uint32_t fcgp_table_max_procs(const fcgp_table_t *t);

/* FNV-1a 64 of a class key. */
apr_uint64_t fcgp_table_hash(const char *key, apr_size_t len);

/* The identity of a program file (device, inode, mtime, size), mixed
 * into one word that is never 0.  A new version moved into place (a new
 * inode) or written over the old one (a new mtime or size) has another;
 * a chmod or a new hard link (ctime only) does not. */
apr_uint64_t fcgp_table_ident(apr_uint64_t dev, apr_uint64_t ino,
                              apr_int64_t mtime, apr_int64_t size);

/* PM: the identity of class cls's program (see fcgp_tbl_class_t.ident). */
void fcgp_table_set_ident(fcgp_table_t *t, apr_uint32_t cls,
                          apr_uint64_t ident);
/* The identity the PM last saw of class cls's program, 0 if none. */
apr_uint64_t fcgp_table_class_ident(fcgp_table_t *t, apr_uint32_t cls);
/* Handler: 1 for the first caller in second now_sec (apr_time_sec) for
 * class cls, 0 for every other: that one looks at the program on disk. */
int fcgp_table_check_due(fcgp_table_t *t, apr_uint32_t cls,
                         apr_uint32_t now_sec);
/* Handler: it saw identity `seen` on disk, not the class's: 1 when it
 * is the one to tell the PM: the first to see this identity (at once),
 * or the first in a later second to see it again (the PM may have kept
 * the old version: once a second per class). */
int fcgp_table_tell(fcgp_table_t *t, apr_uint32_t cls, apr_uint64_t seen,
                    apr_uint32_t now_sec);

/* Handler: the index of the class with this key, or FCGP_TBL_NO_CLASS. */
apr_uint32_t fcgp_table_find_class(const fcgp_table_t *t, const char *key,
                                   apr_size_t len);

/* PM: the class's index, adding it if need be; FCGP_TBL_NO_CLASS when the
 * table has no room (that class's requests then get 503).  Only one
 * process adds at a time: the PM that listens on the socket. */
apr_uint32_t fcgp_table_add_class(fcgp_table_t *t, const char *key,
                                  apr_size_t len);

/* Handler: claim an idle worker of class cls and count the request (the
 * slot's `served` and the class's FCGP_CNT_ACCEPTED).
 * Returns 1 with *c filled, 0 when none is idle or others are in line
 * (then the caller joins the line, keeping the order).  Either way
 * c->kick says the PM should be told (a replacement is due, or a worker
 * past its limit was handed back). */
int fcgp_table_claim(fcgp_table_t *t, apr_uint32_t cls, apr_uint32_t holder,
                     fcgp_tbl_claim_t *c);

/* Handler: join class cls's line; then fcgp_table_next() until it says
 * anything but ASK_PM, then fcgp_table_dequeue(), always. */
void fcgp_table_enqueue(fcgp_table_t *t, apr_uint32_t cls,
                        apr_uint32_t holder, fcgp_tbl_place_t *w);
/* Sleep until a worker is claimed for us, the PM should be asked for one
 * (the class may grow and nobody asked since we last woke: set w->asked
 * once asked), the class is paused with no worker, or deadline. */
fcgp_tbl_wait_e fcgp_table_next(fcgp_table_t *t, fcgp_tbl_place_t *w,
                                apr_uint32_t holder, fcgp_tbl_claim_t *c,
                                apr_time_t deadline);
/* Leave the line; a waiter leaving without a worker passes its wake-up
 * on. */
void fcgp_table_dequeue(fcgp_table_t *t, fcgp_tbl_place_t *w, int claimed);

/* Requests in class cls's line. */
apr_uint32_t fcgp_table_sleepers(fcgp_table_t *t, apr_uint32_t cls);

/* Is slot i idle, one a claim would take (not closing: an idle one its
 * PM retires may stay so a while)?  The line (has_idle) and the PM
 * (line_wants) count idle workers by this. */
int fcgp_table_claimable(fcgp_table_t *t, apr_uint32_t i);

/* Waiter record i: its pid (0: free) and class. */
void fcgp_table_waiter(fcgp_table_t *t, apr_uint32_t i, apr_uint32_t *pid,
                       apr_uint32_t *cls);

/* PM: take waiters whose process is gone out of their line; alive(pid)
 * says whether a pid still runs.  Returns how many were taken out. */
apr_uint32_t fcgp_table_reap_waiters(fcgp_table_t *t,
                                     int (*alive)(apr_uint32_t pid));

/* Why handlers of class cls should wait without asking the PM
 * (FCGP_TBL_FULL_*), or 0. */
apr_uint32_t fcgp_table_class_full(fcgp_table_t *t, apr_uint32_t cls);

/* PM: say whether class cls is full (0 or FCGP_TBL_FULL_*); clearing it
 * wakes one waiter, who then asks for a worker. */
void fcgp_table_set_full(fcgp_table_t *t, apr_uint32_t cls,
                         apr_uint32_t why);

/* PM: the class's live workers and back-off (see fcgp_tbl_class_t). */
void fcgp_table_set_live(fcgp_table_t *t, apr_uint32_t cls,
                         apr_uint32_t live, apr_uint32_t backoff_until);

/* Handler (a readiness check): how many classes there are, and how many
 * of them are paused by the rapid-failure back-off with no worker left
 * (their requests get 503), at time now (apr_time_sec). */
void fcgp_table_paused(fcgp_table_t *t, apr_uint32_t now,
                       apr_uint32_t *classes, apr_uint32_t *paused);

/* A worker of class cls came free: wake one waiter. */
void fcgp_table_wake(fcgp_table_t *t, apr_uint32_t cls);
/* Wake every waiter of class cls (the class's situation changed: a
 * back-off, a process manager that drains or restarts). */
void fcgp_table_wake_all(fcgp_table_t *t, apr_uint32_t cls);

/* Handler: hand the worker back.  ok: it finished its request cleanly.
 * Returns 1 when the PM must be kicked (it has a decision to make). */
int fcgp_table_release(fcgp_table_t *t, const fcgp_tbl_claim_t *c, int ok,
                       apr_uint32_t outcome);

/* Handler, holding the worker c: publish the request it serves (method,
 * URI and query, cut to fit) and since when; at the end, how long it held
 * the worker.  A few stores, no lock (see fcgp_tbl_req_t). */
void fcgp_table_request_begin(fcgp_table_t *t, const fcgp_tbl_claim_t *c,
                              const char *method, const char *uri,
                              const char *args, apr_time_t now);
void fcgp_table_request_end(fcgp_table_t *t, const fcgp_tbl_claim_t *c,
                            apr_time_t now);
/* The holder's notes on its connection, by inode (fcgp_tbl_slot_t):
 * FCGP_TBL_CONN, its own end, once connected (the status page finds which
 * child of a php-cgi pool serves from it); FCGP_TBL_PEER, the
 * application's end, after a request that failed, before the hand-back
 * (the PM finds the child that held it).  The PM reads them, and clears
 * both when it publishes the slot. */
typedef enum {
    FCGP_TBL_PEER,
    FCGP_TBL_CONN
} fcgp_tbl_note_e;
void fcgp_table_set_note(fcgp_table_t *t, const fcgp_tbl_claim_t *c,
                         fcgp_tbl_note_e which, apr_uint32_t ino);
apr_uint32_t fcgp_table_note(fcgp_table_t *t, apr_uint32_t i,
                             fcgp_tbl_note_e which);

/* PM: a consistent copy of slot i's request fields (strings terminated);
 * 0 when none could be had (a writer kept it busy). */
int fcgp_table_request(fcgp_table_t *t, apr_uint32_t i, fcgp_tbl_req_t *out);

/* PM: a free slot, now owned by `owner`, or FCGP_TBL_NO_SLOT. */
apr_uint32_t fcgp_table_alloc_slot(fcgp_table_t *t, apr_uint32_t owner);
/* PM: give slot i up (it is OFF or seized); a holder's later hand-back
 * fails (new generation). */
void fcgp_table_free_slot(fcgp_table_t *t, apr_uint32_t i);

/* PM: take over slot i of a process manager that died (owner `from`):
 * returns 1 when it is now `to`'s. */
int fcgp_table_adopt_slot(fcgp_table_t *t, apr_uint32_t i, apr_uint32_t from,
                          apr_uint32_t to);

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
