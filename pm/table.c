/* table.c: the worker table in shared memory (see table.h). */
#include <string.h>
#ifdef __linux__
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#endif
#include <apr_atomic.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <apr_time.h>
#include "pm/table.h"

#define TBL_MAGIC 0x46435442u   /* "FCTB" */
/* Bump when what a field of the table means changes without its size
 * (a test builds the module with another one to play an upgrade). */
#ifndef FCGP_TBL_LAYOUT_VERSION
#define FCGP_TBL_LAYOUT_VERSION 4
#endif

struct fcgp_table_t {
    apr_uint32_t magic;
    apr_uint32_t nslots;
    apr_uint32_t nclasses;      /* a power of two */
    apr_uint32_t nwaiters;
    apr_uint32_t key_bytes;
    apr_uint32_t key_used;      /* the adding PM only */
    apr_uint32_t nused;         /* classes added (the adding PM writes,
                                 * atomic: others read it) */
    apr_uint32_t nrecords;      /* counter records: classes it may hold
                                 * + record 0 */
    apr_uint32_t hwm;           /* slots [0, hwm) were ever published */
    apr_uint32_t max_procs;     /* FcgiProcMaxProcesses, for messages */
    apr_uint64_t nonce;
    /* then: classes[nclasses], slots[nslots], waiters[nwaiters],
     * keys[key_bytes], records[nrecords] (pm/counters.h) */
};

#define ALIGN8(n) (((n) + 7) & ~(apr_size_t)7)

static fcgp_tbl_class_t *classes(const fcgp_table_t *t)
{
    return (fcgp_tbl_class_t *)((char *)t + ALIGN8(sizeof(*t)));
}

static fcgp_tbl_slot_t *slots(const fcgp_table_t *t)
{
    return (fcgp_tbl_slot_t *)((char *)classes(t)
                               + ALIGN8(sizeof(fcgp_tbl_class_t)
                                        * t->nclasses));
}

static fcgp_tbl_waiter_t *waiters(const fcgp_table_t *t)
{
    return (fcgp_tbl_waiter_t *)((char *)slots(t)
                                 + ALIGN8(sizeof(fcgp_tbl_slot_t)
                                          * t->nslots));
}

static char *keys(const fcgp_table_t *t)
{
    return (char *)waiters(t)
           + ALIGN8(sizeof(fcgp_tbl_waiter_t) * t->nwaiters);
}

static fcgp_counters_t *records(const fcgp_table_t *t)
{
    return (fcgp_counters_t *)(keys(t) + ALIGN8(t->key_bytes));
}

/* Classes the table may hold (a quarter is kept free: probes stay
 * short), and so the counter records it needs: one each, and record 0. */
#define MAX_USED(nclasses) ((nclasses) - (nclasses) / 4)

apr_size_t fcgp_table_size(apr_uint32_t nslots, apr_uint32_t nclasses,
                           apr_uint32_t nwaiters, apr_uint32_t key_bytes)
{
    return ALIGN8(sizeof(fcgp_table_t))
           + ALIGN8(sizeof(fcgp_tbl_class_t) * nclasses)
           + ALIGN8(sizeof(fcgp_tbl_slot_t) * nslots)
           + ALIGN8(sizeof(fcgp_tbl_waiter_t) * nwaiters)
           + ALIGN8(key_bytes)
           + sizeof(fcgp_counters_t) * ((apr_size_t)MAX_USED(nclasses) + 1);
}

fcgp_table_t *fcgp_table_init(void *mem, apr_uint32_t nslots,
                              apr_uint32_t nclasses, apr_uint32_t nwaiters,
                              apr_uint32_t key_bytes, apr_uint64_t nonce)
{
    fcgp_table_t *t = mem;
    apr_uint32_t i;

    if (nclasses == 0 || (nclasses & (nclasses - 1)) != 0) {
        return NULL;
    }
    t->magic = TBL_MAGIC;
    t->nslots = nslots;
    t->nclasses = nclasses;
    t->nwaiters = nwaiters;
    t->key_bytes = key_bytes;
    t->key_used = 0;
    t->nused = 0;
    t->nrecords = MAX_USED(nclasses) + 1;
    t->hwm = 0;
    t->nonce = nonce;
    for (i = 0; i < nslots; i++) {
        slots(t)[i].cls = FCGP_TBL_NO_CLASS;
    }
    /* The counters start now: record 0's start is the table's. */
    records(t)[0].since = (apr_uint64_t)apr_time_now();
    records(t)[0].cls = FCGP_TBL_NO_CLASS;
    return t;
}

apr_status_t fcgp_table_create(apr_pool_t *p, apr_uint32_t nslots,
                               fcgp_table_t **out)
{
    apr_size_t size = fcgp_table_size(nslots, FCGP_TBL_CLASSES,
                                      FCGP_TBL_WAITERS, FCGP_TBL_KEY_BYTES);
    apr_shm_t *shm;
    apr_uint64_t nonce;
    apr_status_t rv;

    rv = apr_shm_create(&shm, size, NULL, p);   /* anonymous */
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (apr_generate_random_bytes((unsigned char *)&nonce, sizeof(nonce))
        != APR_SUCCESS) {
        nonce = (apr_uint64_t)apr_time_now();
    }
    /* Anonymous shared memory comes zeroed: pages never touched (most
     * of the class keys) cost nothing. */
    *out = fcgp_table_init(apr_shm_baseaddr_get(shm), nslots,
                           FCGP_TBL_CLASSES, FCGP_TBL_WAITERS,
                           FCGP_TBL_KEY_BYTES, nonce);
    return APR_SUCCESS;
}

apr_uint64_t fcgp_table_layout(void)
{
    return ((apr_uint64_t)FCGP_TBL_LAYOUT_VERSION << 48)
           ^ ((apr_uint64_t)sizeof(fcgp_tbl_slot_t) << 32)
           ^ ((apr_uint64_t)sizeof(fcgp_tbl_class_t) << 20)
           ^ ((apr_uint64_t)sizeof(fcgp_tbl_waiter_t) << 10)
           ^ sizeof(fcgp_table_t);
}

apr_uint32_t fcgp_table_nslots(const fcgp_table_t *t)
{
    return t->nslots;
}

apr_uint32_t fcgp_table_nclasses(const fcgp_table_t *t)
{
    return t->nclasses;
}

apr_uint64_t fcgp_table_nonce(const fcgp_table_t *t)
{
    return t->nonce;
}

void fcgp_table_set_max_procs(fcgp_table_t *t, apr_uint32_t n)
{
    apr_atomic_set32(&t->max_procs, n);
}

apr_uint32_t fcgp_table_max_procs(const fcgp_table_t *t)
{
    return apr_atomic_read32((apr_uint32_t *)&t->max_procs);
}

fcgp_tbl_slot_t *fcgp_table_slot(fcgp_table_t *t, apr_uint32_t i)
{
    return i < t->nslots ? &slots(t)[i] : NULL;
}

fcgp_tbl_class_t *fcgp_table_class(fcgp_table_t *t, apr_uint32_t i)
{
    return i < t->nclasses ? &classes(t)[i] : NULL;
}

fcgp_counters_t *fcgp_table_counters(fcgp_table_t *t, apr_uint32_t cls)
{
    fcgp_tbl_class_t *k = fcgp_table_class(t, cls);
    if (!k || !apr_atomic_read32(&k->used) || k->rec >= t->nrecords) {
        return &records(t)[0];
    }
    return &records(t)[k->rec];
}

apr_uint32_t fcgp_table_nrecords(const fcgp_table_t *t)
{
    return apr_atomic_read32((apr_uint32_t *)&t->nused) + 1;
}

fcgp_counters_t *fcgp_table_record(fcgp_table_t *t, apr_uint32_t rec)
{
    return rec < fcgp_table_nrecords(t) ? &records(t)[rec] : NULL;
}

const char *fcgp_table_class_key(fcgp_table_t *t, apr_uint32_t cls,
                                 apr_size_t *len)
{
    fcgp_tbl_class_t *k = fcgp_table_class(t, cls);
    if (!k || !apr_atomic_read32(&k->used)) {
        *len = 0;
        return NULL;
    }
    *len = k->key_len;
    return keys(t) + k->key_off;
}

void fcgp_table_held_gone(fcgp_table_t *t, apr_uint32_t cls)
{
    fcgp_cnt_dec(fcgp_table_counters(t, cls), FCGP_CNT_HELD);
}

apr_uint64_t fcgp_table_hash(const char *key, apr_size_t len)
{
    apr_uint64_t h = APR_UINT64_C(14695981039346656037);
    apr_size_t i;
    for (i = 0; i < len; i++) {
        h ^= (unsigned char)key[i];
        h *= APR_UINT64_C(1099511628211);
    }
    return h;
}

/* Open addressing, linear probing; entries are never removed, so a probe
 * ends at the first unused entry.  Returns the entry holding key, or the
 * unused entry where it would go (*found 0), or FCGP_TBL_NO_CLASS when
 * every entry is used by other keys. */
static apr_uint32_t probe(const fcgp_table_t *t, const char *key,
                          apr_size_t len, apr_uint64_t h, int *found)
{
    apr_uint32_t mask = t->nclasses - 1, i, n;

    for (n = 0, i = (apr_uint32_t)h & mask; n < t->nclasses;
         n++, i = (i + 1) & mask) {
        fcgp_tbl_class_t *c = &classes(t)[i];
        if (!apr_atomic_read32(&c->used)) {
            *found = 0;
            return i;
        }
        if (c->hash == h && c->key_len == len
            && memcmp(keys(t) + c->key_off, key, len) == 0) {
            *found = 1;
            return i;
        }
    }
    *found = 0;
    return FCGP_TBL_NO_CLASS;
}

apr_uint64_t fcgp_table_ident(apr_uint64_t dev, apr_uint64_t ino,
                              apr_int64_t mtime, apr_int64_t size)
{
    const apr_uint64_t v[4] = { dev, ino, (apr_uint64_t)mtime,
                                (apr_uint64_t)size };
    apr_uint64_t h = APR_UINT64_C(0x9e3779b97f4a7c15);
    int i;
    for (i = 0; i < 4; i++) {
        h ^= v[i];
        h *= APR_UINT64_C(0xff51afd7ed558ccd);
        h ^= h >> 32;
    }
    return h ? h : 1;
}

void fcgp_table_set_ident(fcgp_table_t *t, apr_uint32_t cls,
                          apr_uint64_t ident)
{
    fcgp_tbl_class_t *k = fcgp_table_class(t, cls);
    if (k) {
        apr_atomic_set64(&k->ident, ident);
    }
}

apr_uint64_t fcgp_table_class_ident(fcgp_table_t *t, apr_uint32_t cls)
{
    fcgp_tbl_class_t *k = fcgp_table_class(t, cls);
    return k ? apr_atomic_read64(&k->ident) : 0;
}

int fcgp_table_check_due(fcgp_table_t *t, apr_uint32_t cls,
                         apr_uint32_t now_sec)
{
    fcgp_tbl_class_t *k = fcgp_table_class(t, cls);
    apr_uint32_t was;
    if (!k || (was = apr_atomic_read32(&k->checked)) == now_sec) {
        return 0;
    }
    return apr_atomic_cas32(&k->checked, now_sec, was) == was;
}

int fcgp_table_tell(fcgp_table_t *t, apr_uint32_t cls, apr_uint64_t seen,
                    apr_uint32_t now_sec)
{
    fcgp_tbl_class_t *k = fcgp_table_class(t, cls);
    apr_uint64_t told;
    if (!k) {
        return 0;
    }
    told = apr_atomic_read64(&k->told);
    if (told != seen) {
        /* Told again (if still so) in the next second, not this one: the
         * stamp first, so that nobody who sees `told` after the CAS
         * finds this second free. */
        apr_atomic_set32(&k->checked, now_sec);
        return apr_atomic_cas64(&k->told, seen, told) == told;
    }
    return fcgp_table_check_due(t, cls, now_sec);
}

apr_uint32_t fcgp_table_find_class(const fcgp_table_t *t, const char *key,
                                   apr_size_t len)
{
    int found;
    apr_uint32_t i = probe(t, key, len, fcgp_table_hash(key, len), &found);
    return found ? i : FCGP_TBL_NO_CLASS;
}

apr_uint32_t fcgp_table_add_class(fcgp_table_t *t, const char *key,
                                  apr_size_t len)
{
    apr_uint64_t h = fcgp_table_hash(key, len);
    int found;
    apr_uint32_t i = probe(t, key, len, h, &found);
    fcgp_tbl_class_t *c;
    fcgp_counters_t *rec;

    if (found || i == FCGP_TBL_NO_CLASS) {
        return i;
    }
    /* Keep a quarter free: probes stay short. */
    if (len > t->key_bytes - t->key_used
        || t->nused >= MAX_USED(t->nclasses)) {
        return FCGP_TBL_NO_CLASS;
    }
    c = &classes(t)[i];
    /* Its counters: the next record, in the order classes are added, its
     * start written before anyone can see it. */
    c->rec = t->nused + 1;
    rec = &records(t)[c->rec];
    rec->since = (apr_uint64_t)apr_time_now();
    rec->cls = i;
    apr_atomic_set32(&t->nused, c->rec);
    memcpy(keys(t) + t->key_used, key, len);
    c->key_off = t->key_used;
    c->key_len = (apr_uint32_t)len;
    c->hash = h;
    t->key_used += (apr_uint32_t)ALIGN8(len);
    if (t->key_used > t->key_bytes) {
        t->key_used = t->key_bytes;
    }
    apr_atomic_set32(&c->used, 1);          /* publish, last */
    return i;
}

/* The generation after word w's (24 bits, wrapping). */
#define NEXT_GEN(w) ((FCGP_TBL_GEN(w) + 1) & 0xffffffu)

/* Sleep until *addr is no longer val, a wake, or usec; shared between
 * processes (not FUTEX_PRIVATE): the table is.  APR has no
 * inter-process condition variable. */
static void sleep_on(apr_uint32_t *addr, apr_uint32_t val,
                     apr_interval_time_t usec)
{
#ifdef __linux__
    struct timespec ts;
    ts.tv_sec = (time_t)apr_time_sec(usec);
    ts.tv_nsec = (long)apr_time_usec(usec) * 1000;
    syscall(SYS_futex, addr, FUTEX_WAIT, val, &ts, NULL, 0);
#else
    if (apr_atomic_read32(addr) == val) {
        apr_sleep(usec < 2000 ? usec : 2000);
    }
#endif
}

/* Wake the longest sleeper of class k, if any: bump seq first, so one
 * that is just going to sleep sees the change and does not. */
static void wake(fcgp_tbl_class_t *k, int n)
{
    if (apr_atomic_read32(&k->sleepers)) {
        apr_atomic_inc32(&k->seq);
#ifdef __linux__
        syscall(SYS_futex, &k->seq, FUTEX_WAKE, n, NULL, NULL, 0);
#endif
    }
}

void fcgp_table_wake(fcgp_table_t *t, apr_uint32_t cls)
{
    fcgp_tbl_class_t *k = fcgp_table_class(t, cls);
    if (k) {
        wake(k, 1);
    }
}

void fcgp_table_wake_all(fcgp_table_t *t, apr_uint32_t cls)
{
    fcgp_tbl_class_t *k = fcgp_table_class(t, cls);
    if (k) {
        wake(k, 0x7fffffff);
    }
}

apr_uint32_t fcgp_table_class_full(fcgp_table_t *t, apr_uint32_t cls)
{
    fcgp_tbl_class_t *k = fcgp_table_class(t, cls);
    return k ? apr_atomic_read32(&k->full) : 0;
}

void fcgp_table_set_full(fcgp_table_t *t, apr_uint32_t cls, apr_uint32_t why)
{
    fcgp_tbl_class_t *k = fcgp_table_class(t, cls);
    apr_uint32_t was;
    if (!k || (was = apr_atomic_read32(&k->full)) == why) {
        return;
    }
    apr_atomic_set32(&k->full, why);
    if (was && !why) {
        wake(k, 1);     /* room for another worker: go and ask for it */
    }
}

void fcgp_table_set_live(fcgp_table_t *t, apr_uint32_t cls,
                         apr_uint32_t live, apr_uint32_t backoff_until)
{
    fcgp_tbl_class_t *k = fcgp_table_class(t, cls);
    if (k) {
        apr_atomic_set32(&k->live, live);
        apr_atomic_set32(&k->backoff_until, backoff_until);
    }
}

void fcgp_table_paused(fcgp_table_t *t, apr_uint32_t now,
                       apr_uint32_t *nclasses, apr_uint32_t *paused)
{
    apr_uint32_t i;
    *nclasses = *paused = 0;
    for (i = 0; i < t->nclasses; i++) {
        fcgp_tbl_class_t *k = &classes(t)[i];
        if (!apr_atomic_read32(&k->used)) {
            continue;
        }
        (*nclasses)++;
        if (apr_atomic_read32(&k->backoff_until) > now
            && !apr_atomic_read32(&k->live)) {
            (*paused)++;
        }
    }
}

apr_uint32_t fcgp_table_sleepers(fcgp_table_t *t, apr_uint32_t cls)
{
    fcgp_tbl_class_t *k = fcgp_table_class(t, cls);
    return k ? apr_atomic_read32(&k->sleepers) : 0;
}

static int claim_idle(fcgp_table_t *t, apr_uint32_t cls, apr_uint32_t holder,
                      fcgp_tbl_claim_t *c);
static int claim_pass(fcgp_table_t *t, apr_uint32_t cls, apr_uint32_t holder,
                      fcgp_tbl_claim_t *c, apr_uint32_t hwm, int fresh);

int fcgp_table_claim(fcgp_table_t *t, apr_uint32_t cls, apr_uint32_t holder,
                     fcgp_tbl_claim_t *c)
{
    fcgp_tbl_class_t *k = fcgp_table_class(t, cls);

    c->kick = 0;
    if (!k || apr_atomic_read32(&k->sleepers)) {
        return 0;       /* first come, first served: queue behind them */
    }
    return claim_idle(t, cls, holder, c);
}

/* One less in line, never below zero (a waiter that died between its
 * count and its record is taken out by neither). */
static void leave_line(fcgp_tbl_class_t *k)
{
    for (;;) {
        apr_uint32_t n = apr_atomic_read32(&k->sleepers);
        if (n == 0 || apr_atomic_cas32(&k->sleepers, n - 1, n) == n) {
            return;
        }
    }
}

#define WAITER(pid, cls)  ((apr_uint64_t)(pid) << 32 | (cls))
#define WAITER_PID(v)     ((apr_uint32_t)((v) >> 32))
#define WAITER_CLS(v)     ((apr_uint32_t)(v))

int fcgp_table_claimable(fcgp_table_t *t, apr_uint32_t i)
{
    fcgp_tbl_slot_t *s = fcgp_table_slot(t, i);
    return s && FCGP_TBL_STATE(apr_atomic_read32(&s->word)) == FCGP_TBL_IDLE
           && !apr_atomic_read32(&s->closing);
}

/* Is a worker of class cls claimable right now (waiters beside a closing
 * one would wake every FCGP_TBL_AHEAD_GRACE for it)? */
static int has_idle(fcgp_table_t *t, apr_uint32_t cls)
{
    apr_uint32_t i, hwm = apr_atomic_read32(&t->hwm);
    for (i = 0; i < hwm && i < t->nslots; i++) {
        if (slots(t)[i].cls == cls && fcgp_table_claimable(t, i)) {
            return 1;
        }
    }
    return 0;
}

void fcgp_table_enqueue(fcgp_table_t *t, apr_uint32_t cls,
                        apr_uint32_t holder, fcgp_tbl_place_t *w)
{
    fcgp_tbl_class_t *k = fcgp_table_class(t, cls);
    apr_uint32_t i, n = t->nwaiters, before;
    apr_uint32_t start = (apr_uint32_t)(((apr_uintptr_t)w >> 4) ^ holder);

    w->cls = cls;
    w->rec = FCGP_TBL_NO_SLOT;
    w->asked = 0;
    w->ahead = 0;
    w->counted = 0;
    if (!k) {
        return;
    }
    /* With others in line before us, a worker idle right now was handed
     * back for the longest of them (each hand-back wakes one): taking it
     * would send that one back to the end of the line.  A wake-up after
     * this look may be ours: next() does not sleep through it. */
    w->seq = apr_atomic_read32(&k->seq);
    before = apr_atomic_inc32(&k->sleepers);
    w->counted = 1;
    w->ahead = before != 0;
    fcgp_cnt_max(fcgp_table_counters(t, cls), FCGP_CNT_MAX_WAITING,
                 (apr_uint64_t)before + 1);
    /* Then a record of who waits, for fcgp_table_reap_waiters; counted
     * first, so the PM never takes out one that was not counted. */
    for (i = 0; i < n; i++) {
        fcgp_tbl_waiter_t *r = &waiters(t)[(start + i) % n];
        if (apr_atomic_read64(&r->word) == 0
            && apr_atomic_cas64(&r->word, WAITER(holder, cls), 0) == 0) {
            w->rec = (start + i) % n;
            break;
        }
    }
}

/* Out of the line: no longer counted, no record of us (the record first,
 * so the PM never takes out one that is not counted). */
static void out_of_line(fcgp_table_t *t, fcgp_tbl_class_t *k,
                        fcgp_tbl_place_t *w)
{
    if (w->rec != FCGP_TBL_NO_SLOT) {
        apr_atomic_set64(&waiters(t)[w->rec].word, 0);
        w->rec = FCGP_TBL_NO_SLOT;
    }
    if (w->counted) {
        leave_line(k);
        w->counted = 0;
    }
}

fcgp_tbl_wait_e fcgp_table_next(fcgp_table_t *t, fcgp_tbl_place_t *w,
                                apr_uint32_t holder, fcgp_tbl_claim_t *c,
                                apr_time_t deadline)
{
    fcgp_tbl_class_t *k = fcgp_table_class(t, w->cls);
    int skipped = 0;

    if (!k) {
        return FCGP_TBL_TIMEOUT;
    }
    for (;;) {
        apr_uint32_t until, seq;
        apr_interval_time_t slice;
        apr_time_t now;
        if (!w->ahead) {
            /* Out of the line's count while we claim, not at
             * fcgp_table_dequeue(): the PM counts the line against the
             * idle workers (line_wants), and a waiter counted in line
             * while holding the worker it took would get a process of
             * its own.  Back in the count if none was idle: a hand-back
             * meanwhile may have woken nobody (wake() wakes only a line
             * with someone in it), so the next sleep is short while a
             * worker is idle. */
            int counted = w->counted;
            if (counted) {
                leave_line(k);
                w->counted = 0;
            }
            if (claim_idle(t, w->cls, holder, c)) {
                out_of_line(t, k, w);
                return FCGP_TBL_CLAIMED;
            }
            if (counted) {
                apr_atomic_inc32(&k->sleepers);
                w->counted = 1;
                skipped = 1;
            }
        }
        skipped |= w->ahead;
        w->ahead = 0;
        now = apr_time_now();
        until = apr_atomic_read32(&k->backoff_until);
        if (until && (apr_uint32_t)apr_time_sec(now) < until
            && apr_atomic_read32(&k->live) == 0) {
            return FCGP_TBL_BACKOFF;
        }
        if (!w->asked && !apr_atomic_read32(&k->full)) {
            return FCGP_TBL_ASK_PM;
        }
        if (now >= deadline) {
            return FCGP_TBL_TIMEOUT;
        }
        /* Woken by a hand-back, in the order we began to sleep (the
         * kernel's futex queue is first in, first out).  A sleeper that
         * woke on its own would take a worker out of turn, so the slice
         * is long: it only bounds a wake-up that went astray.  But when we
         * let an idle worker pass for those ahead of us, a short one: if
         * they do not take it (they died, and the PM has not taken them
         * out of the line yet), we do; likewise one that came idle while
         * we were out of the count (above). */
        slice = skipped && has_idle(t, w->cls) ? FCGP_TBL_AHEAD_GRACE
                                               : apr_time_from_sec(1);
        skipped = 0;
        sleep_on(&k->seq, w->seq, deadline - now < slice ? deadline - now
                                                         : slice);
        if ((seq = apr_atomic_read32(&k->seq)) != w->seq) {
            w->seq = seq;
            w->asked = 0;   /* something changed: the PM may say more */
        }
    }
}

void fcgp_table_dequeue(fcgp_table_t *t, fcgp_tbl_place_t *w, int claimed)
{
    fcgp_tbl_class_t *k = fcgp_table_class(t, w->cls);
    if (!k) {
        return;
    }
    out_of_line(t, k, w);
    /* Leaving without the worker we may have been woken for: pass the
     * wake-up on.  Leaving with one after a wake-up we did not use (a
     * worker came free while we were awake) while a worker is idle: one
     * that came in line behind us, and let that worker pass because we
     * were ahead of it, must not sleep beside it. */
    if (!claimed || (apr_atomic_read32(&k->seq) != w->seq
                     && apr_atomic_read32(&k->sleepers)
                     && has_idle(t, w->cls))) {
        wake(k, 1);
    }
}

void fcgp_table_waiter(fcgp_table_t *t, apr_uint32_t i, apr_uint32_t *pid,
                       apr_uint32_t *cls)
{
    apr_uint64_t v = i < t->nwaiters ? apr_atomic_read64(&waiters(t)[i].word)
                                     : 0;
    *pid = WAITER_PID(v);
    *cls = WAITER_CLS(v);
}

apr_uint32_t fcgp_table_reap_waiters(fcgp_table_t *t,
                                     int (*alive)(apr_uint32_t pid))
{
    apr_uint32_t i, n = 0;
    for (i = 0; i < t->nwaiters; i++) {
        fcgp_tbl_waiter_t *r = &waiters(t)[i];
        apr_uint64_t v = apr_atomic_read64(&r->word);
        fcgp_tbl_class_t *k;
        if (!v || alive(WAITER_PID(v))
            || apr_atomic_cas64(&r->word, 0, v) != v) {
            continue;
        }
        if ((k = fcgp_table_class(t, WAITER_CLS(v))) != NULL) {
            leave_line(k);
            wake(k, 1);     /* it may have been woken for a worker */
        }
        n++;
    }
    return n;
}

/* Warm workers first (pass 0): a new one may still be starting up
 * (php-cgi takes ~10 ms, more on a loaded machine), and it was started
 * ahead of need, so it gets a request only when no warm one is idle. */
static int claim_idle(fcgp_table_t *t, apr_uint32_t cls, apr_uint32_t holder,
                      fcgp_tbl_claim_t *c)
{
    apr_uint32_t hwm = apr_atomic_read32(&t->hwm);
    int pass;

    if (hwm > t->nslots) {
        hwm = t->nslots;
    }
    for (pass = 0; pass < 2; pass++) {
        if (claim_pass(t, cls, holder, c, hwm, pass)) {
            return 1;
        }
    }
    return 0;
}

static int claim_pass(fcgp_table_t *t, apr_uint32_t cls, apr_uint32_t holder,
                      fcgp_tbl_claim_t *c, apr_uint32_t hwm, int fresh)
{
    apr_uint32_t i;
    fcgp_counters_t *rec;

    for (i = 0; i < hwm; i++) {
        fcgp_tbl_slot_t *s = &slots(t)[i];
        apr_uint32_t w = apr_atomic_read32(&s->word), busy, n;

        if (FCGP_TBL_STATE(w) != FCGP_TBL_IDLE || s->cls != cls
            || (!fresh && apr_atomic_read32(&s->served) == 0)
            || apr_atomic_read32(&s->closing)) {
            continue;
        }
        busy = FCGP_TBL_WORD(FCGP_TBL_BUSY, FCGP_TBL_GEN(w));
        if (apr_atomic_cas32(&s->word, busy, w) != w) {
            continue;   /* somebody else's now */
        }
        if (apr_atomic_read32(&s->closing)) {
            /* Its PM began to retire it (a drain, or its program was
             * replaced) between our look and our claim: it gets no new
             * request; the PM takes it back. */
            apr_atomic_cas32(&s->word,
                             FCGP_TBL_WORD(FCGP_TBL_DONE, FCGP_TBL_GEN(w)),
                             busy);
            c->kick = 1;
            continue;
        }
        /* Ours: nothing the PM wrote before publishing changes while we
         * hold it, and the CAS succeeding proves it is what we read. */
        s->holder = holder;
        n = apr_atomic_inc32(&s->served) + 1;
        if (s->limit && n > s->limit) {
            /* Its limit dropped after it was published (the PM learned
             * the app's own): never hand it out; the PM retires it. */
            apr_atomic_dec32(&s->served);
            apr_atomic_cas32(&s->word,
                             FCGP_TBL_WORD(FCGP_TBL_DONE, FCGP_TBL_GEN(w)),
                             busy);
            c->kick = 1;
            continue;
        }
        /* Counted: a request handed to a worker of the class, and one
         * more worker of it held. */
        rec = fcgp_table_counters(t, cls);
        fcgp_cnt_inc(rec, FCGP_CNT_ACCEPTED);
        fcgp_cnt_max(rec, FCGP_CNT_MAX_ACTIVE,
                     apr_atomic_add64(&rec->v[FCGP_CNT_HELD], 1) + 1);
        c->slot = i;
        c->word = busy;
        c->cls = cls;
        c->pid = s->pid;
        c->nth = n;
        c->limit = s->limit;
        c->limit_source = s->limit_source;
        c->kick |= s->ahead && n == s->ahead;
        memcpy(c->path, s->path, sizeof(c->path));
        return 1;
    }
    return 0;
}

int fcgp_table_release(fcgp_table_t *t, const fcgp_tbl_claim_t *c, int ok,
                       apr_uint32_t outcome)
{
    fcgp_tbl_slot_t *s = fcgp_table_slot(t, c->slot);
    apr_uint32_t gen = FCGP_TBL_GEN(c->word);

    int kick = 0;

    if (!s || !fcgp_table_class(t, c->cls)) {
        return 0;
    }
    /* Held no more: before the hand-back, or the next claim of this
     * worker would count two held (a holder that dies before it is taken
     * off by the PM, fcgp_table_held_gone, one that dies between the two
     * is taken off twice: never below 0). */
    fcgp_cnt_dec(fcgp_table_counters(t, c->cls), FCGP_CNT_HELD);
    if (ok && !(c->limit && c->nth >= c->limit)
        && !apr_atomic_read32(&s->closing)) {
        apr_uint32_t idle = FCGP_TBL_WORD(FCGP_TBL_IDLE, gen);
        if (apr_atomic_cas32(&s->word, idle, c->word) != c->word) {
            return 0;   /* the PM took it back meanwhile */
        }
        /* The PM began to retire it while we looked: it is the PM's to
         * decide (claims skip it meanwhile). */
        if (apr_atomic_read32(&s->closing)
            && apr_atomic_cas32(&s->word, FCGP_TBL_WORD(FCGP_TBL_DONE, gen),
                                idle) == idle) {
            return 1;
        }
        fcgp_table_wake(t, c->cls);
        return 0;
    }
    else {
        kick = apr_atomic_cas32(&s->word,
                                FCGP_TBL_WORD(FCGP_TBL_DONE
                                              | (outcome & 0x0fu) << 4, gen),
                                c->word) == c->word;
    }
    return kick;
}

/* ---- the request a worker serves (fcgp_tbl_req_t) ----------------------
 * A sequence lock with one writer, the holder: seq odd while it writes.
 * The increments are full barriers (APR's atomic add); the reader fences
 * between its copy and its second look at seq.  Should the PM have taken
 * the slot from a live holder (its worker died and the slot went to
 * another), the old holder no longer writes (it checks its word first); a
 * copy torn by two writers in that instant is still bounded and
 * terminated, and is about the worker whose pid it names. */
#if defined(__GNUC__) || defined(__clang__)
#define READ_FENCE() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#else
#define READ_FENCE() ((void)0)
#endif

/* Bytes of text from s (then "?" and q, if q) into out[size], printable
 * ASCII kept, any other byte as %XX; cut with "..." when it does not
 * fit. */
static void put_text(char *out, apr_size_t size, const char *s,
                     const char *q)
{
    static const char hex[] = "0123456789ABCDEF";
    apr_size_t o = 0;
    int part;

    for (part = 0; part < 3; part++) {
        const unsigned char *i = (const unsigned char *)
            (part == 0 ? s : part == 1 ? (q ? "?" : NULL) : q);
        for (; i && *i; i++) {
            apr_size_t need = (*i > 0x20 && *i < 0x7f) ? 1 : 3;
            if (o + need > size - 1) {
                if (size > 4) {
                    memcpy(out + (o > size - 4 ? size - 4 : o), "...", 4);
                    return;
                }
                out[o] = '\0';
                return;
            }
            if (need == 1) {
                out[o++] = (char)*i;
            }
            else {
                out[o++] = '%';
                out[o++] = hex[*i >> 4];
                out[o++] = hex[*i & 15];
            }
        }
    }
    out[o] = '\0';
}

/* Is the slot still the one c holds? */
static fcgp_tbl_slot_t *held(fcgp_table_t *t, const fcgp_tbl_claim_t *c)
{
    fcgp_tbl_slot_t *s = fcgp_table_slot(t, c->slot);
    return s && apr_atomic_read32(&s->word) == c->word ? s : NULL;
}

void fcgp_table_request_begin(fcgp_table_t *t, const fcgp_tbl_claim_t *c,
                              const char *method, const char *uri,
                              const char *args, apr_time_t now)
{
    fcgp_tbl_slot_t *s = held(t, c);
    fcgp_tbl_req_t *q;
    if (!s) {
        return;
    }
    q = &s->req;
    apr_atomic_inc32(&q->seq);
    if (q->pid != c->pid) {
        q->pid = c->pid;
        q->took = 0;            /* another process in this slot */
    }
    q->busy = 1;
    q->since = now;
    put_text(q->method, sizeof(q->method), method ? method : "", NULL);
    put_text(q->uri, sizeof(q->uri), uri ? uri : "", args);
    apr_atomic_inc32(&q->seq);
}

void fcgp_table_request_end(fcgp_table_t *t, const fcgp_tbl_claim_t *c,
                            apr_time_t now)
{
    fcgp_tbl_slot_t *s = held(t, c);
    fcgp_tbl_req_t *q;
    if (!s || s->req.pid != c->pid || !s->req.busy) {
        return;
    }
    q = &s->req;
    apr_atomic_inc32(&q->seq);
    q->busy = 0;
    q->took = now > q->since ? now - q->since : 1;
    apr_atomic_inc32(&q->seq);
}

/* The holder's notes on its connection (fcgp_tbl_slot_t.peer, .conn). */
static apr_uint32_t *note_of(fcgp_tbl_slot_t *s, fcgp_tbl_note_e which)
{
    return which == FCGP_TBL_PEER ? &s->peer : &s->conn;
}

void fcgp_table_set_note(fcgp_table_t *t, const fcgp_tbl_claim_t *c,
                         fcgp_tbl_note_e which, apr_uint32_t ino)
{
    fcgp_tbl_slot_t *s = held(t, c);
    if (s) {
        /* (ordered before the hand-back's compare-and-swap) */
        apr_atomic_set32(note_of(s, which), ino);
    }
}

apr_uint32_t fcgp_table_note(fcgp_table_t *t, apr_uint32_t i,
                             fcgp_tbl_note_e which)
{
    fcgp_tbl_slot_t *s = fcgp_table_slot(t, i);
    return s ? apr_atomic_read32(note_of(s, which)) : 0;
}

int fcgp_table_request(fcgp_table_t *t, apr_uint32_t i, fcgp_tbl_req_t *out)
{
    fcgp_tbl_slot_t *s = fcgp_table_slot(t, i);
    int tries;

    if (!s) {
        return 0;
    }
    for (tries = 0; tries < 8; tries++) {
        apr_uint32_t seq = apr_atomic_read32(&s->req.seq);
        if (seq & 1) {
            continue;           /* being written: a few stores, try again */
        }
        memcpy(out, &s->req, sizeof(*out));
        READ_FENCE();
        if (apr_atomic_read32(&s->req.seq) == seq) {
            out->method[sizeof(out->method) - 1] = '\0';
            out->uri[sizeof(out->uri) - 1] = '\0';
            return 1;
        }
    }
    return 0;
}

void fcgp_table_publish(fcgp_table_t *t, apr_uint32_t i)
{
    fcgp_tbl_slot_t *s = fcgp_table_slot(t, i);
    apr_uint32_t w;
    if (!s) {
        return;
    }
    for (;;) {      /* raise the high-water mark, never lower it (two
                     * PMs may publish at once) */
        apr_uint32_t h = apr_atomic_read32(&t->hwm);
        if (i < h || apr_atomic_cas32(&t->hwm, i + 1, h) == h) {
            break;
        }
    }
    /* A new generation: a handler that read this slot before it was
     * taken back and refilled cannot claim it with what it read. */
    w = apr_atomic_read32(&s->word);
    apr_atomic_set32(&s->word, FCGP_TBL_WORD(FCGP_TBL_IDLE, NEXT_GEN(w)));
}

/* Turn slot i OFF (the PM's) if its state is `from` (ANY_STATE: whatever
 * it is), with the next generation when `bump`; returns the word seen. */
#define ANY_STATE 0xffffffffu
static apr_uint32_t to_off(fcgp_table_t *t, apr_uint32_t i,
                           apr_uint32_t from, int bump)
{
    fcgp_tbl_slot_t *s = fcgp_table_slot(t, i);
    for (;;) {
        apr_uint32_t w;
        if (!s) {
            return FCGP_TBL_OFF;
        }
        w = apr_atomic_read32(&s->word);
        if (from != ANY_STATE && FCGP_TBL_STATE(w) != from) {
            return w;
        }
        if (apr_atomic_cas32(&s->word, FCGP_TBL_WORD(FCGP_TBL_OFF,
                                 bump ? NEXT_GEN(w) : FCGP_TBL_GEN(w)), w)
            == w) {
            return w;
        }
    }
}

apr_uint32_t fcgp_table_take(fcgp_table_t *t, apr_uint32_t i,
                             apr_uint32_t from)
{
    return to_off(t, i, from, 0);
}

apr_uint32_t fcgp_table_seize(fcgp_table_t *t, apr_uint32_t i)
{
    return to_off(t, i, ANY_STATE, 1);
}

apr_uint32_t fcgp_table_alloc_slot(fcgp_table_t *t, apr_uint32_t owner)
{
    apr_uint32_t i;
    for (i = 0; i < t->nslots; i++) {
        fcgp_tbl_slot_t *s = &slots(t)[i];
        if (apr_atomic_read32(&s->owner) == 0
            && apr_atomic_cas32(&s->owner, owner, 0) == 0) {
            return i;
        }
    }
    return FCGP_TBL_NO_SLOT;
}

int fcgp_table_adopt_slot(fcgp_table_t *t, apr_uint32_t i, apr_uint32_t from,
                          apr_uint32_t to)
{
    fcgp_tbl_slot_t *s = fcgp_table_slot(t, i);
    return s && from && apr_atomic_cas32(&s->owner, to, from) == from;
}

void fcgp_table_free_slot(fcgp_table_t *t, apr_uint32_t i)
{
    fcgp_tbl_slot_t *s = fcgp_table_slot(t, i);
    if (!s) {
        return;
    }
    fcgp_table_seize(t, i);
    s->cls = FCGP_TBL_NO_CLASS;
    s->pid = 0;
    s->holder = 0;
    apr_atomic_set32(&s->closing, 0);
    apr_atomic_set32(&s->owner, 0);     /* last: now anyone's to take */
}
