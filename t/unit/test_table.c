/* test_table.c: Check unit tests for pm/table.c, the worker table in
 * shared memory.
 *
 * The table is driven the way its two users drive it: the PM allocates a
 * slot, fills it (class, served, limit, ahead, pid, path) and publishes
 * it, takes it back, seizes or frees it, and says whether a class is full
 * or backing off; handlers claim, or join the class's line (enqueue, then
 * next() until it says anything but ASK_PM, then dequeue) and release.
 * Most tests lay a small table out in zeroed pool memory (fcgp_table_size
 * + _init); two use fcgp_table_create (anonymous shared memory) and a
 * forked child.  Threads stand in for concurrent handlers where the test
 * needs them; they never call ck_assert (fork mode), they record what
 * they saw and the test thread checks it after joining.
 *
 * Threads end by returning (APR joins them all the same), not by
 * apr_thread_exit(): pthread_exit() leaves the thread function's frame
 * poisoned for ASan's use-after-scope check (SAN=1), which then trips
 * over its own sigaltstack teardown.
 *
 * Hot loops use REQUIRE() rather than ck_assert(): in fork mode every
 * passing ck_assert() writes a location record to the runner's pipe.
 */
#include <apr.h>
#include <apr_atomic.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>
#include <apr_time.h>

#include <check.h>
#include "t/unit/unit.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pm/pm_types.h"
#include "pm/table.h"


#define REQUIRE(cond)                                                   \
    do {                                                                \
        if (!(cond)) {                                                  \
            ck_abort_msg("%s:%d: %s failed", __FILE__, __LINE__, #cond); \
        }                                                               \
    } while (0)

#define HOLDER      4242u       /* the "httpd child" claiming */
#define OUT_BROKEN  FCGP_OUT_BROKEN
#define OUT_TIMEOUT FCGP_OUT_TIMEOUT
#define NWAITERS    16u         /* waiter records of mk_table's tables */
#define PM_PID      777u        /* the process manager owning slots */

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

/* A table in zeroed pool memory, with nwaiters waiter records. */
static fcgp_table_t *mk_table_w(apr_uint32_t nslots, apr_uint32_t nclasses,
                                apr_uint32_t nwaiters, apr_uint32_t key_bytes)
{
    apr_size_t size = fcgp_table_size(nslots, nclasses, nwaiters, key_bytes);
    void *mem = apr_pcalloc(pool, size);
    fcgp_table_t *t = fcgp_table_init(mem, nslots, nclasses, nwaiters,
                                      key_bytes,
                                      APR_UINT64_C(0x1122334455667788));
    ck_assert_ptr_nonnull(t);
    return t;
}

static fcgp_table_t *mk_table(apr_uint32_t nslots, apr_uint32_t nclasses,
                              apr_uint32_t key_bytes)
{
    return mk_table_w(nslots, nclasses, NWAITERS, key_bytes);
}

/* A table with one class "php" (index in *cls). */
static fcgp_table_t *mk_table_cls(apr_uint32_t nslots, apr_uint32_t *cls)
{
    fcgp_table_t *t = mk_table(nslots, 16, 1024);
    *cls = fcgp_table_add_class(t, "php", 3);
    ck_assert_uint_ne(*cls, FCGP_TBL_NO_CLASS);
    return t;
}

static apr_uint32_t word_of(fcgp_table_t *t, apr_uint32_t i)
{
    return apr_atomic_read32(&fcgp_table_slot(t, i)->word);
}

static apr_uint32_t state_of(fcgp_table_t *t, apr_uint32_t i)
{
    return FCGP_TBL_STATE(word_of(t, i));
}

/* The outcome of slot i's hand-back (DONE), as the PM reads it. */
static apr_uint32_t outcome_of(fcgp_table_t *t, apr_uint32_t i)
{
    return FCGP_TBL_OUTCOME(word_of(t, i));
}

static apr_uint32_t seq_of(fcgp_table_t *t, apr_uint32_t cls)
{
    return apr_atomic_read32(&fcgp_table_class(t, cls)->seq);
}

static apr_uint32_t served_of(fcgp_table_t *t, apr_uint32_t i)
{
    return apr_atomic_read32(&fcgp_table_slot(t, i)->served);
}

static apr_uint32_t pid_for(apr_uint32_t i)
{
    return 1000 + i;
}

static const char *path_for(apr_uint32_t i)
{
    static char buf[64];
    snprintf(buf, sizeof(buf), "/run/fcgiproc/w%u.sock", (unsigned)i);
    return buf;
}

/* The PM's side of a publish: fill slot i while it is OFF, then publish. */
static void put(fcgp_table_t *t, apr_uint32_t i, apr_uint32_t cls,
                apr_uint32_t served, apr_uint32_t limit, apr_uint32_t ahead)
{
    fcgp_tbl_slot_t *s = fcgp_table_slot(t, i);
    ck_assert_ptr_nonnull(s);
    s->cls = cls;
    apr_atomic_set32(&s->served, served);
    s->limit = limit;
    s->ahead = ahead;
    s->limit_source = limit ? 1 : 0;
    s->pid = pid_for(i);
    s->holder = 0;
    apr_cpystrn(s->path, path_for(i), sizeof(s->path));
    fcgp_table_publish(t, i);
}

/* A key whose hash lands in bucket `home` of a table of n classes; the
 * k-th such key (k from 0), in buf. */
static apr_size_t key_with_home(char *buf, apr_size_t size, apr_uint32_t n,
                                apr_uint32_t home, int k)
{
    unsigned i;
    for (i = 0;; i++) {
        apr_size_t len = (apr_size_t)snprintf(buf, size, "key-%u", i);
        if ((fcgp_table_hash(buf, len) & (n - 1)) == home && k-- == 0) {
            return len;
        }
    }
}

/* A counter of class cls (pm/counters.h). */
#define CNT(t, cls, id) fcgp_cnt_read(fcgp_table_counters((t), (cls)), (id))

static apr_time_t elapsed_ms(apr_time_t since)
{
    return apr_time_as_msec(apr_time_now() - since);
}

/* alive() for fcgp_table_reap_waiters: every waiter's process is gone;
 * or only DEAD_PID's. */
#define DEAD_PID 99999u

static int alive_none(apr_uint32_t pid)
{
    (void)pid;
    return 0;
}

static int alive_unless_dead(apr_uint32_t pid)
{
    return pid != DEAD_PID;
}

/* ------------------------------------------------------------------ */
/* Counters (pm/counters.h)                                            */

/* Record 0 starts with the table; each class added gets the next record,
 * starting when it is added; anything else counts in record 0. */
START_TEST(test_counters_records)
{
    apr_time_t before = apr_time_now();
    fcgp_table_t *t = mk_table(4, 16, 1024);
    apr_uint32_t a, b;
    const char *key;
    apr_size_t len;

    ck_assert_uint_eq(fcgp_table_nrecords(t), 1);
    ck_assert_int_ge((apr_time_t)fcgp_table_record(t, 0)->since, before);
    ck_assert_int_le((apr_time_t)fcgp_table_record(t, 0)->since,
                     apr_time_now());
    ck_assert_uint_eq(fcgp_table_record(t, 0)->cls, FCGP_TBL_NO_CLASS);
    ck_assert_ptr_null(fcgp_table_record(t, 1));
    a = fcgp_table_add_class(t, "a", 1);
    b = fcgp_table_add_class(t, "bb", 2);
    ck_assert_uint_eq(fcgp_table_add_class(t, "a", 1), a);  /* no new one */
    ck_assert_uint_eq(fcgp_table_nrecords(t), 3);
    ck_assert_uint_eq(fcgp_table_record(t, 1)->cls, a);
    ck_assert_uint_eq(fcgp_table_record(t, 2)->cls, b);
    ck_assert_ptr_eq(fcgp_table_counters(t, a), fcgp_table_record(t, 1));
    ck_assert_ptr_eq(fcgp_table_counters(t, b), fcgp_table_record(t, 2));
    ck_assert_ptr_eq(fcgp_table_counters(t, FCGP_TBL_NO_CLASS),
                     fcgp_table_record(t, 0));
    ck_assert_ptr_eq(fcgp_table_counters(t, (a + 1) % 16 == b ? (a + 2) % 16
                                                              : (a + 1) % 16),
                     fcgp_table_record(t, 0));
    ck_assert_int_ge((apr_time_t)fcgp_table_record(t, 2)->since,
                     (apr_time_t)fcgp_table_record(t, 0)->since);
    key = fcgp_table_class_key(t, b, &len);
    ck_assert_uint_eq(len, 2);
    ck_assert_mem_eq(key, "bb", 2);
    ck_assert_ptr_null(fcgp_table_class_key(t, FCGP_TBL_NO_CLASS, &len));
    ck_assert_uint_eq(len, 0);
}
END_TEST

/* Every class the table may hold has a record of its own, up to the
 * last one; the one refused gets none. */
START_TEST(test_counters_records_full)
{
    fcgp_table_t *t = mk_table(4, 16, 1024);
    char key[16];
    apr_uint32_t i, cls;

    for (i = 0; i < 12; i++) {
        apr_size_t n = (apr_size_t)snprintf(key, sizeof(key), "k%u", i);
        cls = fcgp_table_add_class(t, key, n);
        ck_assert_uint_ne(cls, FCGP_TBL_NO_CLASS);
        ck_assert_ptr_eq(fcgp_table_counters(t, cls),
                         fcgp_table_record(t, i + 1));
        fcgp_cnt_inc(fcgp_table_counters(t, cls), FCGP_CNT_ACCEPTED);
    }
    ck_assert_uint_eq(fcgp_table_add_class(t, "one more", 8),
                      FCGP_TBL_NO_CLASS);
    ck_assert_uint_eq(fcgp_table_nrecords(t), 13);
    for (i = 1; i <= 12; i++) {
        ck_assert_uint_eq(fcgp_table_record(t, i)->v[FCGP_CNT_ACCEPTED], 1);
    }
    ck_assert_uint_eq(fcgp_table_record(t, 0)->v[FCGP_CNT_ACCEPTED], 0);
}
END_TEST

/* A claim counts the request and one more worker held (its high-water
 * mark), the hand-back one fewer, whatever its outcome; a claim undone
 * (the limit dropped) counts nothing; a dead holder's worker is taken
 * off by the PM, never below 0. */
START_TEST(test_counters_claims)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_claim_t c1, c2, c3;

    put(t, 0, cls, 1, 0, 0);
    put(t, 1, cls, 1, 0, 0);
    ck_assert(fcgp_table_claim(t, cls, HOLDER, &c1));
    ck_assert(fcgp_table_claim(t, cls, HOLDER, &c2));
    ck_assert_uint_eq(CNT(t, cls, FCGP_CNT_ACCEPTED), 2);
    ck_assert_uint_eq(CNT(t, cls, FCGP_CNT_HELD), 2);
    ck_assert_uint_eq(CNT(t, cls, FCGP_CNT_MAX_ACTIVE), 2);
    fcgp_table_release(t, &c1, 1, FCGP_OUT_OK);
    ck_assert_uint_eq(CNT(t, cls, FCGP_CNT_HELD), 1);
    ck_assert(fcgp_table_claim(t, cls, HOLDER, &c3));
    ck_assert_uint_eq(CNT(t, cls, FCGP_CNT_ACCEPTED), 3);
    ck_assert_uint_eq(CNT(t, cls, FCGP_CNT_MAX_ACTIVE), 2);
    fcgp_table_release(t, &c2, 0, OUT_BROKEN);
    /* a hand-back the PM made fail still ends the hold */
    fcgp_table_seize(t, c3.slot);
    fcgp_table_release(t, &c3, 1, FCGP_OUT_OK);
    ck_assert_uint_eq(CNT(t, cls, FCGP_CNT_HELD), 0);
    fcgp_table_held_gone(t, cls);
    ck_assert_uint_eq(CNT(t, cls, FCGP_CNT_HELD), 0);
    /* slot 2: its limit (1) dropped under its count (1) after publish */
    put(t, 2, cls, 1, 5, 0);
    fcgp_table_slot(t, 2)->limit = 1;
    ck_assert(!fcgp_table_claim(t, cls, HOLDER, &c1));
    ck_assert_uint_eq(CNT(t, cls, FCGP_CNT_ACCEPTED), 3);
    ck_assert_uint_eq(CNT(t, cls, FCGP_CNT_HELD), 0);
    /* nothing went to record 0 */
    ck_assert_uint_eq(CNT(t, FCGP_TBL_NO_CLASS, FCGP_CNT_ACCEPTED), 0);
}
END_TEST

/* The line's high-water mark rises as handlers join it and stays. */
START_TEST(test_counters_max_waiting)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_place_t w[3];
    int i;

    for (i = 0; i < 3; i++) {
        fcgp_table_enqueue(t, cls, HOLDER + (apr_uint32_t)i, &w[i]);
        ck_assert_uint_eq(CNT(t, cls, FCGP_CNT_MAX_WAITING), i + 1);
    }
    for (i = 0; i < 3; i++) {
        fcgp_table_dequeue(t, &w[i], 0);
    }
    fcgp_table_enqueue(t, cls, HOLDER, &w[0]);
    fcgp_table_dequeue(t, &w[0], 0);
    ck_assert_uint_eq(CNT(t, cls, FCGP_CNT_MAX_WAITING), 3);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Layout and classes                                                  */

START_TEST(test_init_rejects_class_counts)
{
    static const apr_uint32_t bad[] = { 0, 3, 5, 6, 100, 1000 };
    static const apr_uint32_t good[] = { 1, 2, 4, 8, 1024 };
    int i;
    for (i = 0; i < N_OF(bad); i++) {
        void *mem = apr_pcalloc(pool, fcgp_table_size(4, bad[i], 2, 64));
        ck_assert_msg(fcgp_table_init(mem, 4, bad[i], 2, 64, 1) == NULL,
                      "nclasses %u accepted", bad[i]);
    }
    for (i = 0; i < N_OF(good); i++) {
        void *mem = apr_pcalloc(pool, fcgp_table_size(4, good[i], 2, 64));
        fcgp_table_t *t = fcgp_table_init(mem, 4, good[i], 2, 64, 77);
        ck_assert_msg(t != NULL, "nclasses %u refused", good[i]);
        ck_assert_uint_eq(fcgp_table_nslots(t), 4);
        ck_assert_uint_eq(fcgp_table_nclasses(t), good[i]);
        ck_assert(fcgp_table_nonce(t) == 77);
        ck_assert_ptr_nonnull(fcgp_table_class(t, good[i] - 1));
        ck_assert_ptr_null(fcgp_table_class(t, good[i]));
        /* every slot starts OFF, nobody's, in no class */
        ck_assert_uint_eq(state_of(t, 3), FCGP_TBL_OFF);
        ck_assert_uint_eq(fcgp_table_slot(t, 3)->owner, 0);
        ck_assert_uint_eq(fcgp_table_slot(t, 3)->cls, FCGP_TBL_NO_CLASS);
    }
}
END_TEST

/* Each waiter record takes room: the size grows with nwaiters, and by at
 * least 8 bytes (pid, class) per record. */
START_TEST(test_size_counts_waiters)
{
    apr_size_t s0 = fcgp_table_size(4, 8, 0, 64);
    apr_size_t s1 = fcgp_table_size(4, 8, 1, 64);
    apr_size_t s100 = fcgp_table_size(4, 8, 100, 64);
    ck_assert_uint_gt(s1, s0);
    ck_assert_uint_ge(s100 - s0, 100 * sizeof(fcgp_tbl_waiter_t));
    ck_assert_uint_ge(sizeof(fcgp_tbl_waiter_t), 8);
    ck_assert_uint_eq(s0 % 8, 0);
    ck_assert_uint_eq(s1 % 8, 0);
}
END_TEST

/* FcgiProcMaxProcesses, as the parent tells the handlers. */
START_TEST(test_max_procs)
{
    fcgp_table_t *t = mk_table(4, 8, 64);
    ck_assert_uint_eq(fcgp_table_max_procs(t), 0);
    fcgp_table_set_max_procs(t, 150);
    ck_assert_uint_eq(fcgp_table_max_procs(t), 150);
    fcgp_table_set_max_procs(t, 0xFFFFFFFFu);
    ck_assert_uint_eq(fcgp_table_max_procs(t), 0xFFFFFFFFu);
    /* nothing else moved */
    ck_assert_uint_eq(fcgp_table_nslots(t), 4);
    ck_assert_uint_eq(fcgp_table_nclasses(t), 8);
}
END_TEST

/* Slots, classes, waiter records and keys do not overlap, and all fit in
 * the size asked for: writing every byte of every slot leaves the
 * classes, the keys and the waiter records as they were, and filling
 * every waiter record leaves the slots and keys as they were. */
START_TEST(test_layout_disjoint)
{
    enum { NS = 5, NC = 8, NW = 7 };
    fcgp_table_t *t = mk_table_w(NS, NC, NW, 40);
    fcgp_tbl_place_t w[NW + 1];
    unsigned char pat[sizeof(fcgp_tbl_slot_t)];
    apr_uint32_t i, j, a, b;
    char *mem = (char *)t;
    apr_size_t size = fcgp_table_size(NS, NC, NW, 40);

    ck_assert_ptr_null(fcgp_table_slot(t, NS));
    a = fcgp_table_add_class(t, "first", 5);
    b = fcgp_table_add_class(t, "second", 6);
    memset(pat, 0xA5, sizeof(pat));
    for (i = 0; i < NS; i++) {
        char *s = (char *)fcgp_table_slot(t, i);
        ck_assert(s >= mem && s + sizeof(fcgp_tbl_slot_t) <= mem + size);
        memset(s, 0xA5, sizeof(fcgp_tbl_slot_t));
    }
    ck_assert_uint_eq(fcgp_table_find_class(t, "first", 5), a);
    ck_assert_uint_eq(fcgp_table_find_class(t, "second", 6), b);
    for (i = 0; i < NC; i++) {
        char *c = (char *)fcgp_table_class(t, i);
        ck_assert(c >= mem && c + sizeof(fcgp_tbl_class_t) <= mem + size);
    }
    /* every record is still free (pid 0): each waiter gets its own */
    for (i = 0; i < NW; i++) {
        fcgp_table_enqueue(t, a, HOLDER + i, &w[i]);
        ck_assert_uint_lt(w[i].rec, NW);
        for (j = 0; j < i; j++) {
            ck_assert_uint_ne(w[i].rec, w[j].rec);
        }
    }
    /* ... and there are no more */
    fcgp_table_enqueue(t, b, HOLDER, &w[NW]);
    ck_assert_uint_eq(w[NW].rec, FCGP_TBL_NO_SLOT);
    ck_assert_uint_eq(fcgp_table_sleepers(t, a), NW);
    ck_assert_uint_eq(fcgp_table_sleepers(t, b), 1);
    /* the records did not write over the slots or the keys */
    for (i = 0; i < NS; i++) {
        ck_assert_mem_eq(fcgp_table_slot(t, i), pat, sizeof(pat));
    }
    ck_assert_uint_eq(fcgp_table_find_class(t, "first", 5), a);
    ck_assert_uint_eq(fcgp_table_find_class(t, "second", 6), b);
    for (i = 0; i <= NW; i++) {
        fcgp_table_dequeue(t, &w[i], 1);
    }
    ck_assert_uint_eq(fcgp_table_sleepers(t, a), 0);
    ck_assert_uint_eq(fcgp_table_sleepers(t, b), 0);
}
END_TEST

/* FNV-1a 64, the published test vectors. */
START_TEST(test_hash_vectors)
{
    ck_assert(fcgp_table_hash("", 0) == APR_UINT64_C(0xcbf29ce484222325));
    ck_assert(fcgp_table_hash("a", 1) == APR_UINT64_C(0xaf63dc4c8601ec8c));
    ck_assert(fcgp_table_hash("foobar", 6)
              == APR_UINT64_C(0x85944171f73967e8));
    /* bytes past len do not count; a NUL inside does */
    ck_assert(fcgp_table_hash("foobarXYZ", 6)
              == APR_UINT64_C(0x85944171f73967e8));
    ck_assert(fcgp_table_hash("a\0", 2) != fcgp_table_hash("a", 1));
}
END_TEST

START_TEST(test_class_same_key_same_index)
{
    fcgp_table_t *t = mk_table(4, 64, 4096);
    static const char *keys[] = { "php", "php-cgi", "/usr/bin/php-cgi",
                                  "py", "ph", "phq", "" };
    apr_uint32_t idx[N_OF(keys)];
    int i, j;

    for (i = 0; i < N_OF(keys); i++) {
        ck_assert_uint_eq(fcgp_table_find_class(t, keys[i], strlen(keys[i])),
                          FCGP_TBL_NO_CLASS);
        idx[i] = fcgp_table_add_class(t, keys[i], strlen(keys[i]));
        ck_assert_uint_ne(idx[i], FCGP_TBL_NO_CLASS);
        ck_assert_uint_lt(idx[i], 64);
        ck_assert_ptr_nonnull(fcgp_table_class(t, idx[i]));
    }
    for (i = 0; i < N_OF(keys); i++) {
        ck_assert_uint_eq(fcgp_table_add_class(t, keys[i], strlen(keys[i])),
                          idx[i]);
        ck_assert_uint_eq(fcgp_table_find_class(t, keys[i], strlen(keys[i])),
                          idx[i]);
        for (j = 0; j < i; j++) {
            ck_assert_msg(idx[i] != idx[j], "\"%s\" and \"%s\" share %u",
                          keys[i], keys[j], idx[i]);
        }
    }
}
END_TEST

START_TEST(test_class_find_only_published)
{
    fcgp_table_t *t = mk_table(4, 64, 4096);
    apr_uint32_t a;

    ck_assert_uint_eq(fcgp_table_find_class(t, "alpha", 5),
                      FCGP_TBL_NO_CLASS);
    a = fcgp_table_add_class(t, "alpha", 5);
    ck_assert_uint_ne(a, FCGP_TBL_NO_CLASS);
    ck_assert_uint_eq(fcgp_table_find_class(t, "alpha", 5), a);
    /* same length, other bytes */
    ck_assert_uint_eq(fcgp_table_find_class(t, "alphb", 5),
                      FCGP_TBL_NO_CLASS);
    ck_assert_uint_eq(fcgp_table_find_class(t, "Alpha", 5),
                      FCGP_TBL_NO_CLASS);
    /* prefixes, and the key with more after it */
    ck_assert_uint_eq(fcgp_table_find_class(t, "alpha", 4),
                      FCGP_TBL_NO_CLASS);
    ck_assert_uint_eq(fcgp_table_find_class(t, "alpha", 0),
                      FCGP_TBL_NO_CLASS);
    ck_assert_uint_eq(fcgp_table_find_class(t, "alphabet", 8),
                      FCGP_TBL_NO_CLASS);
    /* the length given counts, not a terminator */
    ck_assert_uint_eq(fcgp_table_find_class(t, "alphabet", 5), a);
}
END_TEST

/* base followed by one byte, chosen so that the key lands in bucket
 * `home` of a table of n classes; in buf, its length returned. */
static apr_size_t extend_to_home(char *buf, const char *base,
                                 apr_size_t blen, apr_uint32_t n,
                                 apr_uint32_t home, int not_first)
{
    int ch;
    memcpy(buf, base, blen);
    for (ch = 0; ch < 256; ch++) {
        buf[blen] = (char)ch;
        if ((ch != (unsigned char)base[blen] || !not_first)
            && (fcgp_table_hash(buf, blen + 1) & (n - 1)) == home) {
            return blen + 1;
        }
    }
    ck_abort_msg("no byte puts \"%s\" in bucket %u", base, home);
    return 0;
}

/* A 64-bit hash collision, made by hand (the entry's stored hash is set
 * to that of the key looked up, which lands in the same bucket): the key
 * bytes and the length still decide.  Stored key s, looked-up key q:
 * same length other last byte; q a prefix of s; s a prefix of q. */
START_TEST(test_class_hash_collision)
{
    char s[16], q[16];
    apr_size_t slen, qlen;
    apr_uint32_t home, a;
    fcgp_table_t *t;
    fcgp_tbl_class_t *k;
    int kind = _i;

    t = mk_table(4, 4, 256);
    if (kind == 0) {            /* "alpha" vs "alphX" */
        slen = 5;
        memcpy(s, "alpha", 5);
        home = (apr_uint32_t)fcgp_table_hash(s, slen) & 3;
        qlen = extend_to_home(q, "alpha", 4, 4, home, 1);
    }
    else if (kind == 1) {       /* q "beta" is a prefix of s "betaX" */
        qlen = 4;
        memcpy(q, "beta", 4);
        home = (apr_uint32_t)fcgp_table_hash(q, qlen) & 3;
        slen = extend_to_home(s, "beta", 4, 4, home, 0);
    }
    else {                      /* s "gamma" is a prefix of q "gammaX" */
        slen = 5;
        memcpy(s, "gamma", 5);
        home = (apr_uint32_t)fcgp_table_hash(s, slen) & 3;
        qlen = extend_to_home(q, "gamma", 5, 4, home, 0);
    }
    ck_assert(slen != qlen || memcmp(s, q, slen) != 0);
    a = fcgp_table_add_class(t, s, slen);
    ck_assert_uint_eq(a, home);
    ck_assert_uint_eq(fcgp_table_find_class(t, q, qlen), FCGP_TBL_NO_CLASS);
    k = fcgp_table_class(t, a);
    k->hash = fcgp_table_hash(q, qlen);
    ck_assert_uint_eq(fcgp_table_find_class(t, q, qlen), FCGP_TBL_NO_CLASS);
    /* and add_class does not take q for s */
    ck_assert_uint_ne(fcgp_table_add_class(t, q, qlen), a);
}
END_TEST

/* Keys that land in the same bucket: found by probing, each its own. */
START_TEST(test_class_collisions)
{
    fcgp_table_t *t = mk_table(4, 16, 4096);
    char k[3][32];
    apr_size_t len[3];
    apr_uint32_t idx[2];
    int i;

    for (i = 0; i < 3; i++) {
        len[i] = key_with_home(k[i], sizeof(k[i]), 16, 5, i);
    }
    idx[0] = fcgp_table_add_class(t, k[0], len[0]);
    idx[1] = fcgp_table_add_class(t, k[1], len[1]);
    ck_assert_uint_eq(idx[0], 5);
    ck_assert_uint_eq(idx[1], 6);
    ck_assert_uint_eq(fcgp_table_find_class(t, k[1], len[1]), 6);
    ck_assert_uint_eq(fcgp_table_find_class(t, k[0], len[0]), 5);
    ck_assert_uint_eq(fcgp_table_find_class(t, k[2], len[2]),
                      FCGP_TBL_NO_CLASS);
    ck_assert_uint_eq(fcgp_table_add_class(t, k[2], len[2]), 7);
    ck_assert_uint_eq(fcgp_table_find_class(t, k[2], len[2]), 7);
}
END_TEST

START_TEST(test_class_binary_keys)
{
    fcgp_table_t *t = mk_table(4, 64, 4096);
    static const char k1[] = { 'a', '\0', 'b' };
    static const char k2[] = { 'a', '\0', 'c' };
    static const char k3[] = { 'a', '\0', 'b', '\0' };
    static const char k4[] = { '\0' };
    apr_uint32_t i1, i2, i3, i4, ie;

    i1 = fcgp_table_add_class(t, k1, sizeof(k1));
    i2 = fcgp_table_add_class(t, k2, sizeof(k2));
    i3 = fcgp_table_add_class(t, k3, sizeof(k3));
    i4 = fcgp_table_add_class(t, k4, sizeof(k4));
    ie = fcgp_table_add_class(t, "", 0);
    ck_assert_uint_ne(i1, FCGP_TBL_NO_CLASS);
    ck_assert_uint_ne(i2, FCGP_TBL_NO_CLASS);
    ck_assert_uint_ne(i3, FCGP_TBL_NO_CLASS);
    ck_assert_uint_ne(i4, FCGP_TBL_NO_CLASS);
    ck_assert_uint_ne(ie, FCGP_TBL_NO_CLASS);
    ck_assert(i1 != i2 && i1 != i3 && i2 != i3 && i4 != ie
              && i4 != i1 && ie != i1);
    ck_assert_uint_eq(fcgp_table_find_class(t, k1, sizeof(k1)), i1);
    ck_assert_uint_eq(fcgp_table_find_class(t, k2, sizeof(k2)), i2);
    ck_assert_uint_eq(fcgp_table_find_class(t, k3, sizeof(k3)), i3);
    ck_assert_uint_eq(fcgp_table_find_class(t, k4, sizeof(k4)), i4);
    ck_assert_uint_eq(fcgp_table_find_class(t, "", 0), ie);
    /* "a" (what strlen would see) is none of them */
    ck_assert_uint_eq(fcgp_table_find_class(t, "a", 1), FCGP_TBL_NO_CLASS);
    ck_assert_uint_eq(fcgp_table_add_class(t, k1, sizeof(k1)), i1);
}
END_TEST

/* The key area: a key that fits exactly is taken, one byte more is not;
 * known keys are still found and returned by add_class. */
START_TEST(test_class_key_area_full)
{
    fcgp_table_t *t = mk_table(4, 64, 16);
    apr_uint32_t a, b;

    a = fcgp_table_add_class(t, "12345678", 8);
    ck_assert_uint_ne(a, FCGP_TBL_NO_CLASS);
    /* 8 used (aligned), 8 left: 9 bytes do not fit ... */
    ck_assert_uint_eq(fcgp_table_add_class(t, "abcdefghi", 9),
                      FCGP_TBL_NO_CLASS);
    ck_assert_uint_eq(fcgp_table_find_class(t, "abcdefghi", 9),
                      FCGP_TBL_NO_CLASS);
    /* ... 8 do */
    b = fcgp_table_add_class(t, "abcdefgh", 8);
    ck_assert_uint_ne(b, FCGP_TBL_NO_CLASS);
    ck_assert_uint_ne(a, b);
    ck_assert_uint_eq(fcgp_table_add_class(t, "x", 1), FCGP_TBL_NO_CLASS);
    ck_assert_uint_eq(fcgp_table_find_class(t, "x", 1), FCGP_TBL_NO_CLASS);
    /* the keys already there are intact and still found */
    ck_assert_uint_eq(fcgp_table_add_class(t, "12345678", 8), a);
    ck_assert_uint_eq(fcgp_table_add_class(t, "abcdefgh", 8), b);
    ck_assert_uint_eq(fcgp_table_find_class(t, "12345678", 8), a);
    ck_assert_uint_eq(fcgp_table_find_class(t, "abcdefgh", 8), b);
}
END_TEST

/* A short key still takes 8 bytes of the key area (alignment): two
 * 1-byte keys in a 10-byte area, the third does not fit. */
START_TEST(test_class_key_area_aligned)
{
    fcgp_table_t *t = mk_table(4, 64, 10);
    apr_uint32_t a, b;

    a = fcgp_table_add_class(t, "a", 1);
    b = fcgp_table_add_class(t, "bc", 2);
    ck_assert_uint_ne(a, FCGP_TBL_NO_CLASS);
    ck_assert_uint_ne(b, FCGP_TBL_NO_CLASS);
    ck_assert_uint_eq(fcgp_table_add_class(t, "d", 1), FCGP_TBL_NO_CLASS);
    ck_assert_uint_eq(fcgp_table_find_class(t, "a", 1), a);
    ck_assert_uint_eq(fcgp_table_find_class(t, "bc", 2), b);
}
END_TEST

/* The table's own room: a quarter stays free, so with 4 entries the
 * fourth key is refused (here all four share a bucket). */
START_TEST(test_class_table_room)
{
    fcgp_table_t *t = mk_table(4, 4, 4096);
    char k[4][32];
    apr_size_t len[4];
    int i;

    for (i = 0; i < 4; i++) {
        len[i] = key_with_home(k[i], sizeof(k[i]), 4, 1, i);
    }
    for (i = 0; i < 3; i++) {
        ck_assert_uint_eq(fcgp_table_add_class(t, k[i], len[i]),
                          (apr_uint32_t)(1 + i) & 3);
    }
    ck_assert_uint_eq(fcgp_table_add_class(t, k[3], len[3]),
                      FCGP_TBL_NO_CLASS);
    ck_assert_uint_eq(fcgp_table_find_class(t, k[3], len[3]),
                      FCGP_TBL_NO_CLASS);
    for (i = 0; i < 3; i++) {
        ck_assert_uint_eq(fcgp_table_find_class(t, k[i], len[i]),
                          (apr_uint32_t)(1 + i) & 3);
        ck_assert_uint_eq(fcgp_table_add_class(t, k[i], len[i]),
                          (apr_uint32_t)(1 + i) & 3);
    }
}
END_TEST

/* Many classes: every key added is found again at its index. */
START_TEST(test_class_many)
{
    fcgp_table_t *t = mk_table(4, 1024, 64 * 1024);
    apr_uint32_t idx[600];
    char buf[32];
    int i;

    for (i = 0; i < N_OF(idx); i++) {
        apr_size_t len = (apr_size_t)snprintf(buf, sizeof(buf), "/app/%d", i);
        idx[i] = fcgp_table_add_class(t, buf, len);
        REQUIRE(idx[i] != FCGP_TBL_NO_CLASS && idx[i] < 1024);
    }
    for (i = 0; i < N_OF(idx); i++) {
        apr_size_t len = (apr_size_t)snprintf(buf, sizeof(buf), "/app/%d", i);
        REQUIRE(fcgp_table_find_class(t, buf, len) == idx[i]);
        REQUIRE(fcgp_table_add_class(t, buf, len) == idx[i]);
    }
    for (i = 0; i < N_OF(idx); i++) {
        apr_size_t len = (apr_size_t)snprintf(buf, sizeof(buf), "/app/%dx", i);
        REQUIRE(fcgp_table_find_class(t, buf, len) == FCGP_TBL_NO_CLASS);
    }
}
END_TEST

/* ------------------------------------------------------------------ */
/* Claim and release                                                   */

START_TEST(test_claim_fields)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_claim_t c;
    apr_uint32_t w;

    put(t, 2, cls, 7, 100, 90);
    w = word_of(t, 2);
    ck_assert_uint_eq(FCGP_TBL_STATE(w), FCGP_TBL_IDLE);

    memset(&c, 0x5A, sizeof(c));
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 1);
    ck_assert_uint_eq(c.slot, 2);
    ck_assert_uint_eq(c.cls, cls);
    ck_assert_uint_eq(c.pid, pid_for(2));
    ck_assert_str_eq(c.path, path_for(2));
    ck_assert_uint_eq(c.nth, 8);
    ck_assert_uint_eq(c.limit, 100);
    ck_assert_uint_eq(c.limit_source, 1);
    ck_assert_int_eq(c.kick, 0);
    ck_assert_uint_eq(FCGP_TBL_STATE(c.word), FCGP_TBL_BUSY);
    ck_assert_uint_eq(FCGP_TBL_GEN(c.word), FCGP_TBL_GEN(w));
    /* the table: busy, counted, and who holds it */
    ck_assert_uint_eq(word_of(t, 2), c.word);
    ck_assert_uint_eq(served_of(t, 2), 8);
    ck_assert_uint_eq(fcgp_table_slot(t, 2)->holder, HOLDER);
}
END_TEST

START_TEST(test_claim_single_slot_protocol)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_claim_t c, c2;
    apr_uint32_t n;

    put(t, 0, cls, 0, 0, 0);
    for (n = 1; n <= 5; n++) {
        ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 1);
        ck_assert_uint_eq(c.slot, 0);
        ck_assert_uint_eq(c.nth, n);
        ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_BUSY);
        /* held: nobody else gets it */
        ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER + 1, &c2), 0);
        ck_assert_int_eq(c2.kick, 0);
        ck_assert_uint_eq(served_of(t, 0), n);
        /* back, clean, nobody waiting: no kick, claimable again */
        ck_assert_int_eq(fcgp_table_release(t, &c, 1, 0), 0);
        ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_IDLE);
        ck_assert_uint_eq(served_of(t, 0), n);
    }
}
END_TEST

START_TEST(test_claim_other_class)
{
    fcgp_table_t *t = mk_table(4, 16, 1024);
    apr_uint32_t a = fcgp_table_add_class(t, "php", 3);
    apr_uint32_t b = fcgp_table_add_class(t, "perl", 4);
    fcgp_tbl_claim_t c;

    ck_assert_uint_ne(a, b);
    put(t, 0, a, 0, 0, 0);
    put(t, 1, a, 3, 0, 0);
    ck_assert_int_eq(fcgp_table_claim(t, b, HOLDER, &c), 0);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_IDLE);
    ck_assert_uint_eq(state_of(t, 1), FCGP_TBL_IDLE);
    ck_assert_uint_eq(served_of(t, 0), 0);
    ck_assert_uint_eq(served_of(t, 1), 3);
    /* out-of-range class: nothing, no crash */
    ck_assert_int_eq(fcgp_table_claim(t, 16, HOLDER, &c), 0);
    ck_assert_int_eq(fcgp_table_claim(t, FCGP_TBL_NO_CLASS, HOLDER, &c), 0);
    /* b gets its own worker, and only that one */
    put(t, 3, b, 0, 0, 0);
    ck_assert_int_eq(fcgp_table_claim(t, b, HOLDER, &c), 1);
    ck_assert_uint_eq(c.slot, 3);
    ck_assert_int_eq(fcgp_table_claim(t, b, HOLDER, &c), 0);
}
END_TEST

/* A slot filled but not published, or taken back, is never handed out;
 * a slot published at a high index is found (the scan reaches it). */
START_TEST(test_claim_only_published)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(8, &cls);
    fcgp_tbl_slot_t *s = fcgp_table_slot(t, 0);
    fcgp_tbl_claim_t c;

    s->cls = cls;
    s->pid = 99;
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 0);
    put(t, 6, cls, 1, 0, 0);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 1);
    ck_assert_uint_eq(c.slot, 6);
    ck_assert_uint_eq(c.pid, pid_for(6));
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 0);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_OFF);
}
END_TEST

/* Not ok: the slot goes to the PM (DONE) with the outcome, and the PM is
 * kicked; the slot is not claimable until the PM publishes it again. */
START_TEST(test_release_not_ok)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_claim_t c;
    apr_uint32_t w;

    put(t, 1, cls, 4, 0, 0);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 1);
    ck_assert_int_eq(fcgp_table_release(t, &c, 0, OUT_TIMEOUT), 1);
    ck_assert_uint_eq(state_of(t, 1), FCGP_TBL_DONE);
    ck_assert_uint_eq(outcome_of(t, 1), OUT_TIMEOUT);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 0);
    /* a second hand-back of the same claim changes nothing */
    ck_assert_int_eq(fcgp_table_release(t, &c, 1, 0), 0);
    ck_assert_uint_eq(state_of(t, 1), FCGP_TBL_DONE);
    /* the PM accepts it: OFF, its own */
    w = fcgp_table_take(t, 1, FCGP_TBL_DONE);
    ck_assert_uint_eq(FCGP_TBL_STATE(w), FCGP_TBL_DONE);
    ck_assert_uint_eq(state_of(t, 1), FCGP_TBL_OFF);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 0);
    /* and publishes it again */
    fcgp_table_publish(t, 1);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 1);
    ck_assert_uint_eq(c.slot, 1);
    ck_assert_uint_eq(c.nth, 6);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Limits                                                              */

START_TEST(test_limit_reached)
{
    apr_uint32_t cls, n;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_claim_t c;
    const apr_uint32_t L = 4;

    put(t, 0, cls, 0, L, 0);
    for (n = 1; n < L; n++) {
        ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 1);
        ck_assert_uint_eq(c.nth, n);
        ck_assert_int_eq(fcgp_table_release(t, &c, 1, 0), 0);
        ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_IDLE);
    }
    /* the L-th request is handed out ... */
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 1);
    ck_assert_uint_eq(c.nth, L);
    /* ... and even a clean hand-back goes to the PM */
    ck_assert_int_eq(fcgp_table_release(t, &c, 1, 0), 1);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_DONE);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 0);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 0);
    ck_assert_uint_eq(served_of(t, 0), L);
}
END_TEST

/* limit 1: the first request is the last. */
START_TEST(test_limit_one)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_claim_t c;

    put(t, 0, cls, 0, 1, 0);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 1);
    ck_assert_uint_eq(c.nth, 1);
    ck_assert_int_eq(fcgp_table_release(t, &c, 1, 0), 1);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_DONE);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 0);
}
END_TEST

/* The PM lowers the limit of a published idle worker to at or below
 * what it has served: it is not handed out, and goes to the PM. */
static const struct {
    apr_uint32_t served, limit;
} lowered_cases[] = {
    { 5, 3 }, { 3, 3 }, { 1, 1 }, { 500, 20 }, { 0xFFFFFFF0u, 2 },
};

START_TEST(test_limit_lowered)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_claim_t c;
    apr_uint32_t served = lowered_cases[_i].served;

    put(t, 0, cls, served, 0, 0);
    fcgp_table_slot(t, 0)->limit = lowered_cases[_i].limit;
    c.kick = 0;
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 0);
    ck_assert_int_eq(c.kick, 1);
    ck_assert_uint_eq(served_of(t, 0), served);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_DONE);
    /* not again, and the next claim has nothing to report */
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 0);
    ck_assert_int_eq(c.kick, 0);
    ck_assert_uint_eq(served_of(t, 0), served);
    /* the PM can take it back */
    ck_assert_uint_eq(FCGP_TBL_STATE(fcgp_table_take(t, 0, FCGP_TBL_DONE)),
                      FCGP_TBL_DONE);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_OFF);
}
END_TEST

/* Lowered to exactly the next request: that one is handed out, and it is
 * the last. */
START_TEST(test_limit_lowered_to_next)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_claim_t c;

    put(t, 0, cls, 5, 0, 0);
    fcgp_table_slot(t, 0)->limit = 6;
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 1);
    ck_assert_uint_eq(c.nth, 6);
    ck_assert_int_eq(fcgp_table_release(t, &c, 1, 0), 1);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_DONE);
}
END_TEST

/* A worker past its lowered limit is skipped: the request gets another
 * idle worker of the class. */
START_TEST(test_limit_lowered_other_slot)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_claim_t c;

    put(t, 0, cls, 9, 0, 0);
    put(t, 1, cls, 2, 0, 0);
    fcgp_table_slot(t, 0)->limit = 4;
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 1);
    ck_assert_uint_eq(c.slot, 1);
    ck_assert_uint_eq(c.nth, 3);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_DONE);
    ck_assert_uint_eq(served_of(t, 0), 9);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Spawn-ahead                                                         */

static const struct {
    apr_uint32_t served, limit, ahead;
} ahead_cases[] = {
    { 0, 0, 3 },  { 0, 10, 8 }, { 0, 5, 1 }, { 2, 0, 6 }, { 0, 10, 10 },
    { 0, 0, 0 },  { 0, 10, 0 },
};

START_TEST(test_ahead_kicks_once)
{
    apr_uint32_t cls, n;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_claim_t c;
    apr_uint32_t limit = ahead_cases[_i].limit, ahead = ahead_cases[_i].ahead;
    apr_uint32_t last = limit ? limit : 20;
    int kicks = 0;

    put(t, 0, cls, ahead_cases[_i].served, limit, ahead);
    for (n = ahead_cases[_i].served + 1; n <= last; n++) {
        REQUIRE(fcgp_table_claim(t, cls, HOLDER, &c) == 1);
        REQUIRE(c.nth == n);
        if (c.kick != (ahead && n == ahead)) {
            ck_abort_msg("limit %u ahead %u: kick %d at request %u", limit,
                         ahead, c.kick, n);
        }
        kicks += c.kick;
        REQUIRE(fcgp_table_release(t, &c, 1, 0) == (limit && n == limit));
    }
    ck_assert_int_eq(kicks, ahead ? 1 : 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Warm first                                                          */

START_TEST(test_warm_first)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_claim_t a, b;

    put(t, 0, cls, 0, 0, 0);        /* fresh, lower index */
    put(t, 2, cls, 3, 0, 0);        /* warm */
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &a), 1);
    ck_assert_uint_eq(a.slot, 2);
    ck_assert_uint_eq(a.nth, 4);
    ck_assert_uint_eq(served_of(t, 0), 0);
    /* only the fresh one idle: that one */
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &b), 1);
    ck_assert_uint_eq(b.slot, 0);
    ck_assert_uint_eq(b.nth, 1);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &b), 0);
}
END_TEST

/* Repeated: the warm one is reused while it is free; the fresh one
 * stays untouched. */
START_TEST(test_warm_reused)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_claim_t c;
    int i;

    put(t, 0, cls, 0, 0, 0);
    put(t, 1, cls, 0, 0, 0);
    put(t, 3, cls, 1, 0, 0);
    for (i = 0; i < 10; i++) {
        ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 1);
        ck_assert_uint_eq(c.slot, 3);
        ck_assert_int_eq(fcgp_table_release(t, &c, 1, 0), 0);
    }
    ck_assert_uint_eq(served_of(t, 0), 0);
    ck_assert_uint_eq(served_of(t, 1), 0);
    ck_assert_uint_eq(served_of(t, 3), 11);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The PM's side                                                       */

START_TEST(test_take_idle)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_claim_t c;
    apr_uint32_t before = word_of(t, 0), w;

    put(t, 0, cls, 1, 0, 0);
    ck_assert_uint_ne(word_of(t, 0), before);
    /* take DONE of an IDLE slot: not taken */
    w = fcgp_table_take(t, 0, FCGP_TBL_DONE);
    ck_assert_uint_eq(FCGP_TBL_STATE(w), FCGP_TBL_IDLE);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_IDLE);
    /* take IDLE: OFF, the PM's, not claimable */
    w = fcgp_table_take(t, 0, FCGP_TBL_IDLE);
    ck_assert_uint_eq(FCGP_TBL_STATE(w), FCGP_TBL_IDLE);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_OFF);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 0);
    ck_assert_uint_eq(served_of(t, 0), 1);
    /* taking it again: it is not IDLE any more */
    w = fcgp_table_take(t, 0, FCGP_TBL_IDLE);
    ck_assert_uint_eq(FCGP_TBL_STATE(w), FCGP_TBL_OFF);
    /* out of range */
    ck_assert_uint_eq(fcgp_table_take(t, 4, FCGP_TBL_IDLE), FCGP_TBL_OFF);
}
END_TEST

START_TEST(test_take_busy_fails)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_claim_t c, d;
    apr_uint32_t w;

    put(t, 0, cls, 1, 0, 0);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 1);
    w = fcgp_table_take(t, 0, FCGP_TBL_IDLE);
    ck_assert_uint_eq(FCGP_TBL_STATE(w), FCGP_TBL_BUSY);
    ck_assert_uint_eq(w, c.word);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_BUSY);
    /* the holder's hand-back is unaffected */
    ck_assert_int_eq(fcgp_table_release(t, &c, 1, 0), 0);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_IDLE);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &d), 1);
    ck_assert_uint_eq(d.nth, 3);
}
END_TEST

/* Seized while busy: the holder's hand-back fails, clean or not, and
 * leaves the slot the PM's (OFF). */
START_TEST(test_seize_busy)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_claim_t c;
    apr_uint32_t w, after;
    int ok = _i;

    put(t, 0, cls, 1, 0, 0);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 1);
    w = fcgp_table_seize(t, 0);
    ck_assert_uint_eq(w, c.word);
    after = word_of(t, 0);
    ck_assert_uint_eq(FCGP_TBL_STATE(after), FCGP_TBL_OFF);
    ck_assert_uint_ne(FCGP_TBL_GEN(after), FCGP_TBL_GEN(c.word));
    ck_assert_int_eq(fcgp_table_release(t, &c, ok, OUT_BROKEN), 0);
    ck_assert_uint_eq(word_of(t, 0), after);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 0);
}
END_TEST

/* Seize then publish (a new process in the slot): a claim record from
 * before cannot hand anything back into it. */
START_TEST(test_stale_claim_after_republish)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_claim_t old, cur;
    apr_uint32_t w;

    put(t, 0, cls, 1, 0, 0);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &old), 1);
    fcgp_table_seize(t, 0);
    put(t, 0, cls, 0, 0, 0);        /* new worker, new pid */
    w = word_of(t, 0);
    ck_assert_uint_eq(FCGP_TBL_STATE(w), FCGP_TBL_IDLE);
    ck_assert_uint_ne(FCGP_TBL_GEN(w), FCGP_TBL_GEN(old.word));
    /* stale, against the idle new worker */
    ck_assert_int_eq(fcgp_table_release(t, &old, 1, 0), 0);
    ck_assert_uint_eq(word_of(t, 0), w);
    ck_assert_int_eq(fcgp_table_release(t, &old, 0, OUT_BROKEN), 0);
    ck_assert_uint_eq(word_of(t, 0), w);
    /* stale, against the new worker's holder */
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER + 1, &cur), 1);
    ck_assert_uint_eq(cur.pid, pid_for(0));
    ck_assert_uint_eq(cur.nth, 1);
    w = word_of(t, 0);
    ck_assert_int_eq(fcgp_table_release(t, &old, 1, 0), 0);
    ck_assert_int_eq(fcgp_table_release(t, &old, 0, OUT_BROKEN), 0);
    ck_assert_uint_eq(word_of(t, 0), w);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_BUSY);
    /* the real holder's release works */
    ck_assert_int_eq(fcgp_table_release(t, &cur, 1, 0), 0);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_IDLE);
}
END_TEST

/* Every publish is a new generation, even of a slot taken back by the
 * protocol (take IDLE, take DONE). */
START_TEST(test_publish_new_generation)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_claim_t c;
    apr_uint32_t g0, g1, g2;

    put(t, 0, cls, 1, 0, 0);
    g0 = FCGP_TBL_GEN(word_of(t, 0));
    fcgp_table_take(t, 0, FCGP_TBL_IDLE);
    fcgp_table_publish(t, 0);
    g1 = FCGP_TBL_GEN(word_of(t, 0));
    ck_assert_uint_ne(g1, g0);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 1);
    ck_assert_int_eq(fcgp_table_release(t, &c, 0, OUT_BROKEN), 1);
    fcgp_table_take(t, 0, FCGP_TBL_DONE);
    fcgp_table_publish(t, 0);
    g2 = FCGP_TBL_GEN(word_of(t, 0));
    ck_assert_uint_ne(g2, g1);
    ck_assert_uint_ne(g2, g0);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_IDLE);
    /* the claim record from generation g1 is dead */
    ck_assert_int_eq(fcgp_table_release(t, &c, 1, 0), 0);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_IDLE);
}
END_TEST

/* The generation wraps at 24 bits without touching the state. */
START_TEST(test_generation_wraps)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_slot_t *s = fcgp_table_slot(t, 0);
    fcgp_tbl_claim_t c;

    apr_atomic_set32(&s->word, FCGP_TBL_WORD(FCGP_TBL_OFF, 0xffffffu));
    put(t, 0, cls, 1, 0, 0);
    ck_assert_uint_eq(word_of(t, 0), FCGP_TBL_WORD(FCGP_TBL_IDLE, 0));
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 1);
    ck_assert_uint_eq(c.word, FCGP_TBL_WORD(FCGP_TBL_BUSY, 0));
    ck_assert_uint_eq(fcgp_table_seize(t, 0), FCGP_TBL_WORD(FCGP_TBL_BUSY, 0));
    ck_assert_uint_eq(word_of(t, 0), FCGP_TBL_WORD(FCGP_TBL_OFF, 1));
    apr_atomic_set32(&s->word, FCGP_TBL_WORD(FCGP_TBL_DONE, 0xffffffu));
    ck_assert_uint_eq(fcgp_table_seize(t, 0),
                      FCGP_TBL_WORD(FCGP_TBL_DONE, 0xffffffu));
    ck_assert_uint_eq(word_of(t, 0), FCGP_TBL_WORD(FCGP_TBL_OFF, 0));
}
END_TEST

/* ------------------------------------------------------------------ */
/* Slot ownership: alloc_slot, free_slot, closing                      */

/* Slots go to the PM that asks first, one each, until none is left;
 * a freed slot is anyone's again. */
START_TEST(test_alloc_slot_owners)
{
    fcgp_table_t *t = mk_table(3, 16, 1024);
    apr_uint32_t a, b, c;

    a = fcgp_table_alloc_slot(t, PM_PID);
    b = fcgp_table_alloc_slot(t, PM_PID + 1);
    c = fcgp_table_alloc_slot(t, PM_PID);
    ck_assert_uint_lt(a, 3);
    ck_assert_uint_lt(b, 3);
    ck_assert_uint_lt(c, 3);
    ck_assert(a != b && a != c && b != c);
    ck_assert_uint_eq(fcgp_table_slot(t, a)->owner, PM_PID);
    ck_assert_uint_eq(fcgp_table_slot(t, b)->owner, PM_PID + 1);
    ck_assert_uint_eq(fcgp_table_slot(t, c)->owner, PM_PID);
    /* exhausted */
    ck_assert_uint_eq(fcgp_table_alloc_slot(t, PM_PID + 2), FCGP_TBL_NO_SLOT);
    ck_assert_uint_eq(fcgp_table_alloc_slot(t, PM_PID), FCGP_TBL_NO_SLOT);
    /* allocating does not publish: nothing to claim yet */
    ck_assert_uint_eq(state_of(t, a), FCGP_TBL_OFF);
    /* one freed: the next PM gets exactly that one */
    fcgp_table_free_slot(t, b);
    ck_assert_uint_eq(fcgp_table_slot(t, b)->owner, 0);
    ck_assert_uint_eq(fcgp_table_alloc_slot(t, PM_PID + 2), b);
    ck_assert_uint_eq(fcgp_table_slot(t, b)->owner, PM_PID + 2);
    ck_assert_uint_eq(fcgp_table_alloc_slot(t, PM_PID + 2), FCGP_TBL_NO_SLOT);
    /* out of range: no crash, nothing changes */
    fcgp_table_free_slot(t, 3);
    fcgp_table_free_slot(t, FCGP_TBL_NO_SLOT);
    ck_assert_uint_eq(fcgp_table_alloc_slot(t, PM_PID), FCGP_TBL_NO_SLOT);
    /* a table without slots has none to give */
    ck_assert_uint_eq(fcgp_table_alloc_slot(mk_table(0, 16, 64), PM_PID),
                      FCGP_TBL_NO_SLOT);
}
END_TEST

/* free_slot: the slot is OFF with a new generation, in no class, with no
 * pid, holder or closing mark; a claim made before it cannot be handed
 * back, neither into the free slot nor into its next owner's worker. */
START_TEST(test_free_slot_stale_release)
{
    apr_uint32_t cls, i, j, w;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_slot_t *s;
    fcgp_tbl_claim_t old, cur;

    i = fcgp_table_alloc_slot(t, PM_PID);
    ck_assert_uint_ne(i, FCGP_TBL_NO_SLOT);
    s = fcgp_table_slot(t, i);
    put(t, i, cls, 3, 0, 0);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &old), 1);
    ck_assert_uint_eq(old.slot, i);
    apr_atomic_set32(&s->closing, 1);
    /* the PM goes away while the worker is held */
    fcgp_table_free_slot(t, i);
    w = word_of(t, i);
    ck_assert_uint_eq(FCGP_TBL_STATE(w), FCGP_TBL_OFF);
    ck_assert_uint_ne(FCGP_TBL_GEN(w), FCGP_TBL_GEN(old.word));
    ck_assert_uint_eq(s->owner, 0);
    ck_assert_uint_eq(s->cls, FCGP_TBL_NO_CLASS);
    ck_assert_uint_eq(s->pid, 0);
    ck_assert_uint_eq(s->holder, 0);
    ck_assert_uint_eq(s->closing, 0);
    /* the holder's hand-back fails, clean or not, and changes nothing */
    ck_assert_int_eq(fcgp_table_release(t, &old, 1, 0), 0);
    ck_assert_int_eq(fcgp_table_release(t, &old, 0, OUT_BROKEN), 0);
    ck_assert_uint_eq(word_of(t, i), w);
    /* another PM takes the slot and publishes its own worker */
    j = fcgp_table_alloc_slot(t, PM_PID + 1);
    ck_assert_uint_eq(j, i);
    put(t, i, cls, 0, 0, 0);
    w = word_of(t, i);
    ck_assert_int_eq(fcgp_table_release(t, &old, 1, 0), 0);
    ck_assert_uint_eq(word_of(t, i), w);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER + 1, &cur), 1);
    ck_assert_uint_eq(cur.slot, i);
    ck_assert_uint_eq(cur.nth, 1);
    ck_assert_int_eq(fcgp_table_release(t, &old, 0, OUT_TIMEOUT), 0);
    ck_assert_uint_eq(word_of(t, i), cur.word);
    ck_assert_int_eq(fcgp_table_release(t, &cur, 1, 0), 0);
    ck_assert_uint_eq(state_of(t, i), FCGP_TBL_IDLE);
}
END_TEST

/* Freeing an idle (published) slot unpublishes it. */
START_TEST(test_free_slot_idle)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_claim_t c;

    ck_assert_uint_eq(fcgp_table_alloc_slot(t, PM_PID), 0);
    put(t, 0, cls, 2, 0, 0);
    fcgp_table_free_slot(t, 0);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_OFF);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 0);
}
END_TEST

#define ALLOC_THREADS 8
#define ALLOC_SLOTS   256

typedef struct {
    fcgp_table_t *t;
    apr_uint32_t owner;
    apr_uint32_t got[ALLOC_SLOTS];
    apr_uint32_t n;
} alloc_t;

static void *APR_THREAD_FUNC alloc_worker(apr_thread_t *th, void *data)
{
    alloc_t *a = data;
    apr_uint32_t i;
    while ((i = fcgp_table_alloc_slot(a->t, a->owner)) != FCGP_TBL_NO_SLOT) {
        a->got[a->n++] = i;
        if (a->n == ALLOC_SLOTS) {
            break;
        }
    }
    (void)th;     /* returning, not apr_thread_exit(): see the top */
    return NULL;
}

/* PMs allocating at once: every slot goes to exactly one of them, and
 * its owner field says which. */
START_TEST(test_alloc_slot_threads)
{
    fcgp_table_t *t = mk_table(ALLOC_SLOTS, 16, 64);
    alloc_t *args = apr_pcalloc(pool, sizeof(alloc_t) * ALLOC_THREADS);
    apr_thread_t *th[ALLOC_THREADS];
    unsigned char seen[ALLOC_SLOTS];
    apr_status_t trv;
    apr_uint32_t i, k, total = 0;

    for (i = 0; i < ALLOC_THREADS; i++) {
        args[i].t = t;
        args[i].owner = PM_PID + i;
        ck_assert_int_eq(apr_thread_create(&th[i], NULL, alloc_worker,
                                           &args[i], pool), APR_SUCCESS);
    }
    memset(seen, 0, sizeof(seen));
    for (i = 0; i < ALLOC_THREADS; i++) {
        ck_assert_int_eq(apr_thread_join(&trv, th[i]), APR_SUCCESS);
        for (k = 0; k < args[i].n; k++) {
            apr_uint32_t s = args[i].got[k];
            REQUIRE(s < ALLOC_SLOTS);
            REQUIRE(!seen[s]);
            seen[s] = 1;
            REQUIRE(fcgp_table_slot(t, s)->owner == args[i].owner);
        }
        total += args[i].n;
    }
    ck_assert_uint_eq(total, ALLOC_SLOTS);
}
END_TEST

/* A draining PM's slot (closing): even a clean hand-back under the limit
 * goes to the PM (DONE, kick), not to the line, and wakes nobody. */
START_TEST(test_release_closing)
{
    apr_uint32_t cls, seq;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_slot_t *s = fcgp_table_slot(t, 0);
    fcgp_tbl_class_t *k = fcgp_table_class(t, cls);
    fcgp_tbl_claim_t c;

    put(t, 0, cls, 1, 100, 0);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 1);
    apr_atomic_set32(&s->closing, 1);
    apr_atomic_set32(&k->sleepers, 1);  /* somebody in line */
    seq = seq_of(t, cls);
    ck_assert_int_eq(fcgp_table_release(t, &c, 1, FCGP_OUT_OK), 1);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_DONE);
    ck_assert_uint_eq(outcome_of(t, 0), FCGP_OUT_OK);
    ck_assert_uint_eq(seq_of(t, cls), seq);
    apr_atomic_set32(&k->sleepers, 0);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 0);
    /* not ok while closing: DONE with its outcome */
    ck_assert_uint_eq(FCGP_TBL_STATE(fcgp_table_take(t, 0, FCGP_TBL_DONE)),
                      FCGP_TBL_DONE);
    apr_atomic_set32(&s->closing, 0);
    fcgp_table_publish(t, 0);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 1);
    apr_atomic_set32(&s->closing, 1);
    ck_assert_int_eq(fcgp_table_release(t, &c, 0, OUT_BROKEN), 1);
    ck_assert_uint_eq(outcome_of(t, 0), OUT_BROKEN);
    /* closing cleared (the PM publishes it again): back to the line */
    fcgp_table_take(t, 0, FCGP_TBL_DONE);
    apr_atomic_set32(&s->closing, 0);
    fcgp_table_publish(t, 0);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 1);
    ck_assert_int_eq(fcgp_table_release(t, &c, 1, 0), 0);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_IDLE);
}
END_TEST

/* A closing slot (its PM drains, or its program was replaced) is never
 * claimed, warm or fresh: another idle worker of the class is, and the
 * closing one's count does not move. */
START_TEST(test_claim_skips_closing)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_claim_t c;

    put(t, 0, cls, 5, 0, 0);            /* warm, first by index */
    put(t, 1, cls, 0, 0, 0);            /* fresh */
    apr_atomic_set32(&fcgp_table_slot(t, 0)->closing, 1);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 1);
    ck_assert_uint_eq(c.slot, 1);
    ck_assert_int_eq(c.kick, 0);
    ck_assert_uint_eq(served_of(t, 0), 5);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_IDLE);
    /* the only other one is busy now: nothing to claim */
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 0);
    ck_assert_uint_eq(served_of(t, 0), 5);
}
END_TEST

/* The program-file identity: stable, never 0, and any of its parts
 * changes it. */
START_TEST(test_ident)
{
    apr_uint64_t base = fcgp_table_ident(2049, 1234567,
                                         APR_INT64_C(1700000000123456), 9000);
    ck_assert_uint_ne(base, 0);
    ck_assert_uint_eq(base, fcgp_table_ident(2049, 1234567,
                                             APR_INT64_C(1700000000123456),
                                             9000));
    ck_assert_uint_ne(base, fcgp_table_ident(2050, 1234567,
                                             APR_INT64_C(1700000000123456),
                                             9000));
    ck_assert_uint_ne(base, fcgp_table_ident(2049, 1234568,
                                             APR_INT64_C(1700000000123456),
                                             9000));
    ck_assert_uint_ne(base, fcgp_table_ident(2049, 1234567,
                                             APR_INT64_C(1700000000123457),
                                             9000));
    ck_assert_uint_ne(base, fcgp_table_ident(2049, 1234567,
                                             APR_INT64_C(1700000000123456),
                                             9001));
    /* swapped parts are another file */
    ck_assert_uint_ne(fcgp_table_ident(1, 2, 3, 4),
                      fcgp_table_ident(2, 1, 3, 4));
    ck_assert_uint_ne(fcgp_table_ident(0, 0, 0, 0), 0);
}
END_TEST

/* The class's identity: 0 until the PM sets it; an unknown class has
 * none. */
START_TEST(test_class_ident)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    ck_assert_uint_eq(fcgp_table_class_ident(t, cls), 0);
    fcgp_table_set_ident(t, cls, APR_UINT64_C(0xfedcba9876543210));
    ck_assert_uint_eq(fcgp_table_class_ident(t, cls),
                      APR_UINT64_C(0xfedcba9876543210));
    ck_assert_uint_eq(fcgp_table_class_ident(t, FCGP_TBL_NO_CLASS), 0);
    fcgp_table_set_ident(t, FCGP_TBL_NO_CLASS, 1);      /* no crash */
}
END_TEST

/* One look at the program per class per second: the first caller of a
 * second, whatever the other classes do. */
START_TEST(test_check_due)
{
    apr_uint32_t a, b;
    fcgp_table_t *t = mk_table_cls(4, &a);
    b = fcgp_table_add_class(t, "cgi", 3);
    ck_assert_int_eq(fcgp_table_check_due(t, a, 1000), 1);
    ck_assert_int_eq(fcgp_table_check_due(t, a, 1000), 0);
    ck_assert_int_eq(fcgp_table_check_due(t, b, 1000), 1);
    ck_assert_int_eq(fcgp_table_check_due(t, a, 1001), 1);
    ck_assert_int_eq(fcgp_table_check_due(t, a, 1001), 0);
    /* a clock that steps back is another second too */
    ck_assert_int_eq(fcgp_table_check_due(t, a, 999), 1);
    ck_assert_int_eq(fcgp_table_check_due(t, FCGP_TBL_NO_CLASS, 5), 0);
}
END_TEST

/* Telling the PM of another file: a new identity at once (one caller),
 * the same one again once a second. */
START_TEST(test_tell)
{
    apr_uint32_t a, b;
    fcgp_table_t *t = mk_table_cls(4, &a);
    b = fcgp_table_add_class(t, "cgi", 3);
    ck_assert_int_eq(fcgp_table_tell(t, a, 11, 1000), 1);
    ck_assert_int_eq(fcgp_table_tell(t, a, 11, 1000), 0);
    ck_assert_int_eq(fcgp_table_tell(t, b, 11, 1000), 1);   /* per class */
    /* another new file in the same second (a broken deploy, then the
     * good one put back): at once */
    ck_assert_int_eq(fcgp_table_tell(t, a, 22, 1000), 1);
    ck_assert_int_eq(fcgp_table_tell(t, a, 22, 1000), 0);
    /* still different (the PM kept the old version): once a second */
    ck_assert_int_eq(fcgp_table_tell(t, a, 22, 1001), 1);
    ck_assert_int_eq(fcgp_table_tell(t, a, 22, 1001), 0);
    ck_assert_int_eq(fcgp_table_tell(t, FCGP_TBL_NO_CLASS, 22, 5), 0);
}
END_TEST

/* Many threads in the same second: exactly one of them looks; in the
 * next second, again exactly one; and one of them tells of a new file. */
#define DUE_THREADS 8

typedef struct {
    fcgp_table_t *t;
    apr_uint32_t cls;
    apr_uint32_t cls2;
    apr_uint32_t sec;
    apr_uint32_t wins;
    apr_uint32_t told;
} due_t;

static void *APR_THREAD_FUNC due_worker(apr_thread_t *th, void *data)
{
    due_t *a = data;
    int n;
    for (n = 0; n < 5000; n++) {
        if (fcgp_table_check_due(a->t, a->cls, a->sec)) {
            apr_atomic_inc32(&a->wins);
        }
        if (fcgp_table_tell(a->t, a->cls2, 0x5000 + a->sec, 7)) {
            apr_atomic_inc32(&a->told);
        }
    }
    (void)th;
    return NULL;
}

START_TEST(test_check_due_threads)
{
    apr_uint32_t cls, i, round;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    apr_thread_t *th[DUE_THREADS];
    due_t a;
    apr_status_t trv;

    a.t = t;
    a.cls = cls;
    a.cls2 = fcgp_table_add_class(t, "cgi", 3);
    for (round = 0; round < 3; round++) {
        a.sec = 5000 + round;
        a.wins = 0;
        a.told = 0;
        for (i = 0; i < DUE_THREADS; i++) {
            ck_assert_int_eq(apr_thread_create(&th[i], NULL, due_worker, &a,
                                               pool), APR_SUCCESS);
        }
        for (i = 0; i < DUE_THREADS; i++) {
            ck_assert_int_eq(apr_thread_join(&trv, th[i]), APR_SUCCESS);
        }
        ck_assert_uint_eq(a.wins, 1);
        ck_assert_uint_eq(a.told, 1);
    }
}
END_TEST

/* Handlers claim and hand back two workers in a loop while the PM marks
 * one of them closing (its program was replaced): from then on that one
 * is never claimed again (at most the claims already past their look,
 * one per thread, still count), and it ends with the PM (DONE: handed
 * back to it) or IDLE unclaimable, for the PM to take. */
#define CLOSE_THREADS 6
#define CLOSE_LOOPS   20000

typedef struct {
    fcgp_table_t *t;
    apr_uint32_t cls;
    apr_uint32_t id;
    apr_uint32_t *stop;
    apr_uint32_t *bad;
} close_t;

static void *APR_THREAD_FUNC close_worker(apr_thread_t *th, void *data)
{
    close_t *a = data;
    int i;
    for (i = 0; i < CLOSE_LOOPS && !apr_atomic_read32(a->stop); i++) {
        fcgp_tbl_claim_t c;
        if (!fcgp_table_claim(a->t, a->cls, a->id + 1, &c)) {
            continue;
        }
        if (c.nth == 0) {
            apr_atomic_inc32(a->bad);
        }
        if ((i & 3) == 0) {
            apr_thread_yield();
        }
        fcgp_table_release(a->t, &c, 1, 0);
    }
    (void)th;
    return NULL;
}

START_TEST(test_closing_under_claims)
{
    apr_uint32_t cls, i, stop = 0, bad = 0, at_mark, after;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    close_t a[CLOSE_THREADS];
    apr_thread_t *th[CLOSE_THREADS];
    apr_status_t trv;

    put(t, 0, cls, 1, 0, 0);
    put(t, 1, cls, 1, 0, 0);
    for (i = 0; i < CLOSE_THREADS; i++) {
        a[i].t = t;
        a[i].cls = cls;
        a[i].id = i;
        a[i].stop = &stop;
        a[i].bad = &bad;
        ck_assert_int_eq(apr_thread_create(&th[i], NULL, close_worker, &a[i],
                                           pool), APR_SUCCESS);
    }
    apr_sleep(apr_time_from_msec(20));
    apr_atomic_set32(&fcgp_table_slot(t, 0)->closing, 1);
    at_mark = served_of(t, 0);
    apr_sleep(apr_time_from_msec(50));
    after = served_of(t, 0);
    apr_atomic_set32(&stop, 1);
    for (i = 0; i < CLOSE_THREADS; i++) {
        ck_assert_int_eq(apr_thread_join(&trv, th[i]), APR_SUCCESS);
    }
    ck_assert_uint_eq(bad, 0);
    ck_assert_uint_le(after - at_mark, CLOSE_THREADS);
    ck_assert_uint_eq(served_of(t, 0), after);
    if (state_of(t, 0) == FCGP_TBL_DONE) {
        ck_assert_uint_eq(outcome_of(t, 0), FCGP_OUT_OK);
    }
    else {
        fcgp_tbl_claim_t c;
        ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_IDLE);
        ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 1);
        ck_assert_uint_eq(c.slot, 1);
        fcgp_table_release(t, &c, 1, 0);
    }
    ck_assert_uint_eq(state_of(t, 1), FCGP_TBL_IDLE);  /* the other serves */
    ck_assert_uint_gt(served_of(t, 1), 1);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Fairness: the line comes first                                      */

/* Handlers in line come first: a claim refuses while anyone is in line,
 * whether counted by hand or by enqueue. */
START_TEST(test_sleepers_block_claim)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_class_t *k = fcgp_table_class(t, cls);
    fcgp_tbl_claim_t c;
    fcgp_tbl_place_t w;

    put(t, 0, cls, 1, 0, 0);
    apr_atomic_inc32(&k->sleepers);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 0);
    ck_assert_int_eq(c.kick, 0);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_IDLE);
    apr_atomic_dec32(&k->sleepers);
    fcgp_table_enqueue(t, cls, HOLDER + 1, &w);
    ck_assert_uint_eq(fcgp_table_sleepers(t, cls), 1);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 0);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_IDLE);
    ck_assert_uint_eq(served_of(t, 0), 1);
    fcgp_table_dequeue(t, &w, 0);
    ck_assert_uint_eq(fcgp_table_sleepers(t, cls), 0);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 1);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The line: enqueue, next, dequeue                                    */

/* A whole wait the way pm/client.c does it, with the PM's answer taken
 * as given: each ASK_PM is counted in *asks (may be NULL) and answered
 * by setting asked.  Returns what next() said last; the line is left. */
static fcgp_tbl_wait_e wait_for(fcgp_table_t *t, apr_uint32_t cls,
                                apr_uint32_t holder, fcgp_tbl_claim_t *c,
                                apr_time_t deadline, int asked, int *asks)
{
    fcgp_tbl_place_t w;
    fcgp_tbl_wait_e res;

    fcgp_table_enqueue(t, cls, holder, &w);
    w.asked = asked;
    while ((res = fcgp_table_next(t, &w, holder, c, deadline))
           == FCGP_TBL_ASK_PM) {
        if (asks) {
            (*asks)++;
        }
        w.asked = 1;
    }
    fcgp_table_dequeue(t, &w, res == FCGP_TBL_CLAIMED);
    return res;
}

/* enqueue counts the waiter and gives it a record; the second in line
 * knows someone is ahead; dequeue undoes both, once. */
START_TEST(test_enqueue_dequeue)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_place_t a, b;

    memset(&a, 0x5A, sizeof(a));
    memset(&b, 0x5A, sizeof(b));
    fcgp_table_enqueue(t, cls, HOLDER, &a);
    ck_assert_uint_eq(a.cls, cls);
    ck_assert_uint_lt(a.rec, NWAITERS);
    ck_assert_int_eq(a.ahead, 0);
    ck_assert_int_eq(a.asked, 0);
    ck_assert_uint_eq(fcgp_table_sleepers(t, cls), 1);
    fcgp_table_enqueue(t, cls, HOLDER, &b);     /* same process */
    ck_assert_uint_lt(b.rec, NWAITERS);
    ck_assert_uint_ne(b.rec, a.rec);
    ck_assert_int_ne(b.ahead, 0);
    ck_assert_int_eq(b.asked, 0);
    ck_assert_uint_eq(fcgp_table_sleepers(t, cls), 2);
    fcgp_table_dequeue(t, &a, 1);
    ck_assert_uint_eq(a.rec, FCGP_TBL_NO_SLOT);
    ck_assert_uint_eq(fcgp_table_sleepers(t, cls), 1);
    fcgp_table_dequeue(t, &b, 0);
    ck_assert_uint_eq(fcgp_table_sleepers(t, cls), 0);
    /* a second dequeue of the same place does not go below zero */
    fcgp_table_dequeue(t, &b, 0);
    ck_assert_uint_eq(fcgp_table_sleepers(t, cls), 0);
    /* the records are free again: nobody is reaped */
    ck_assert_uint_eq(fcgp_table_reap_waiters(t, alive_none), 0);
}
END_TEST

/* A waiter that takes a worker leaves the line as it takes it, not at
 * dequeue: the PM counts the line against the idle workers, and a
 * waiter still counted in line while holding the worker it took would
 * get a process of its own.  Dequeue then takes nobody else's count. */
START_TEST(test_claim_leaves_line)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_place_t a, b;
    fcgp_tbl_claim_t c;

    fcgp_table_enqueue(t, cls, HOLDER, &a);
    fcgp_table_enqueue(t, cls, HOLDER + 1, &b);
    a.asked = 1;
    put(t, 0, cls, 1, 0, 0);
    ck_assert_int_eq(fcgp_table_next(t, &a, HOLDER, &c,
                                     apr_time_now() + apr_time_from_sec(1)),
                     FCGP_TBL_CLAIMED);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_BUSY);
    ck_assert_uint_eq(fcgp_table_sleepers(t, cls), 1);     /* b only */
    ck_assert_uint_eq(a.rec, FCGP_TBL_NO_SLOT);
    fcgp_table_dequeue(t, &a, 1);
    ck_assert_uint_eq(fcgp_table_sleepers(t, cls), 1);
    ck_assert_uint_eq(fcgp_table_reap_waiters(t, alive_none), 1);  /* b */
    ck_assert_uint_eq(fcgp_table_sleepers(t, cls), 0);
    fcgp_table_dequeue(t, &b, 0);
    ck_assert_uint_eq(fcgp_table_sleepers(t, cls), 0);
}
END_TEST

/* A class the table does not have: no count, no record, next() says
 * TIMEOUT at once, dequeue is harmless. */
START_TEST(test_enqueue_unknown_class)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_place_t w;
    fcgp_tbl_claim_t c;
    apr_time_t t0 = apr_time_now();

    put(t, 0, cls, 1, 0, 0);
    fcgp_table_enqueue(t, 16, HOLDER, &w);
    ck_assert_uint_eq(w.cls, 16);
    ck_assert_uint_eq(w.rec, FCGP_TBL_NO_SLOT);
    ck_assert_int_eq(fcgp_table_next(t, &w, HOLDER, &c,
                                     t0 + apr_time_from_sec(10)),
                     FCGP_TBL_TIMEOUT);
    ck_assert_int_lt(elapsed_ms(t0), 2000);
    fcgp_table_dequeue(t, &w, 0);
    ck_assert_uint_eq(fcgp_table_sleepers(t, 16), 0);
    ck_assert_uint_eq(fcgp_table_sleepers(t, FCGP_TBL_NO_CLASS), 0);
    ck_assert_uint_eq(fcgp_table_sleepers(t, cls), 0);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_IDLE);
}
END_TEST

/* More waiters than records (or none at all): they still count, and
 * leave, without a record. */
START_TEST(test_enqueue_without_record)
{
    apr_uint32_t nw, cls, i;
    for (nw = 0; nw <= 2; nw += 2) {
        fcgp_table_t *t = mk_table_w(4, 16, nw, 1024);
        fcgp_tbl_place_t w[3];
        cls = fcgp_table_add_class(t, "php", 3);
        for (i = 0; i < 3; i++) {
            fcgp_table_enqueue(t, cls, HOLDER + i, &w[i]);
            if (i < nw) {
                ck_assert_uint_lt(w[i].rec, nw);
            }
            else {
                ck_assert_uint_eq(w[i].rec, FCGP_TBL_NO_SLOT);
            }
        }
        ck_assert_uint_eq(fcgp_table_sleepers(t, cls), 3);
        fcgp_table_dequeue(t, &w[2], 0);
        ck_assert_uint_eq(fcgp_table_sleepers(t, cls), 2);
        /* a record freed is taken by the next waiter */
        if (nw) {
            fcgp_table_dequeue(t, &w[0], 0);
            fcgp_table_enqueue(t, cls, HOLDER, &w[0]);
            ck_assert_uint_lt(w[0].rec, nw);
        }
        fcgp_table_dequeue(t, &w[0], 0);
        fcgp_table_dequeue(t, &w[1], 0);
        ck_assert_uint_eq(fcgp_table_sleepers(t, cls), 0);
    }
}
END_TEST

START_TEST(test_full_flag)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_class_t *k = fcgp_table_class(t, cls);

    ck_assert_int_eq(fcgp_table_class_full(t, cls), 0);
    fcgp_table_set_full(t, cls, FCGP_TBL_FULL_CLASS);
    ck_assert_int_ne(fcgp_table_class_full(t, cls), 0);
    ck_assert_uint_eq(apr_atomic_read32(&k->full), FCGP_TBL_FULL_CLASS);
    fcgp_table_set_full(t, cls, FCGP_TBL_FULL_SERVER);
    ck_assert_int_ne(fcgp_table_class_full(t, cls), 0);
    ck_assert_uint_eq(apr_atomic_read32(&k->full), FCGP_TBL_FULL_SERVER);
    fcgp_table_set_full(t, cls, 0);
    ck_assert_int_eq(fcgp_table_class_full(t, cls), 0);
    ck_assert_uint_eq(apr_atomic_read32(&k->full), 0);
    /* out of range: never full, no crash */
    fcgp_table_set_full(t, 16, FCGP_TBL_FULL_CLASS);
    ck_assert_int_eq(fcgp_table_class_full(t, 16), 0);
    ck_assert_int_eq(fcgp_table_class_full(t, FCGP_TBL_NO_CLASS), 0);
}
END_TEST

START_TEST(test_set_live)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_class_t *k = fcgp_table_class(t, cls);

    ck_assert_uint_eq(k->live, 0);
    ck_assert_uint_eq(k->backoff_until, 0);
    fcgp_table_set_live(t, cls, 3, 1234567);
    ck_assert_uint_eq(apr_atomic_read32(&k->live), 3);
    ck_assert_uint_eq(apr_atomic_read32(&k->backoff_until), 1234567);
    fcgp_table_set_live(t, cls, 0, 0);
    ck_assert_uint_eq(apr_atomic_read32(&k->live), 0);
    ck_assert_uint_eq(apr_atomic_read32(&k->backoff_until), 0);
    /* out of range: no crash */
    fcgp_table_set_live(t, 16, 1, 1);
    fcgp_table_set_live(t, FCGP_TBL_NO_CLASS, 1, 1);
}
END_TEST

/* A readiness check: classes paused with no live worker. */
START_TEST(test_paused)
{
    fcgp_table_t *t = mk_table(8, 16, 4096);
    apr_uint32_t a = fcgp_table_add_class(t, "a", 1);
    apr_uint32_t b = fcgp_table_add_class(t, "b", 1);
    apr_uint32_t n = 99, p = 99;

    fcgp_table_paused(t, 1000, &n, &p);
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(p, 0);
    fcgp_table_set_live(t, a, 0, 1005);         /* paused, none live */
    fcgp_table_paused(t, 1000, &n, &p);
    ck_assert_uint_eq(p, 1);
    fcgp_table_set_live(t, b, 2, 1005);         /* paused, 2 still serve */
    fcgp_table_paused(t, 1000, &n, &p);
    ck_assert_uint_eq(p, 1);
    fcgp_table_set_live(t, b, 0, 1005);
    fcgp_table_paused(t, 1000, &n, &p);
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(p, 2);
    fcgp_table_paused(t, 1005, &n, &p);         /* the pause is over */
    ck_assert_uint_eq(p, 0);
}
END_TEST

START_TEST(test_wait_timeout)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_claim_t held, c;
    fcgp_tbl_place_t w;
    apr_time_t t0;
    int asks = 0;

    put(t, 0, cls, 1, 0, 0);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &held), 1);
    fcgp_table_set_full(t, cls, FCGP_TBL_FULL_CLASS);
    t0 = apr_time_now();
    fcgp_table_enqueue(t, cls, HOLDER + 1, &w);
    ck_assert_int_eq(fcgp_table_next(t, &w, HOLDER + 1, &c,
                                     t0 + apr_time_from_msec(50)),
                     FCGP_TBL_TIMEOUT);
    ck_assert_int_ge(elapsed_ms(t0), 40);
    ck_assert_int_lt(elapsed_ms(t0), 2000);
    ck_assert_uint_eq(fcgp_table_sleepers(t, cls), 1);  /* until dequeue */
    fcgp_table_dequeue(t, &w, 0);
    ck_assert_uint_eq(fcgp_table_sleepers(t, cls), 0);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_BUSY);
    /* a deadline already past: at once, without asking (full) */
    t0 = apr_time_now();
    ck_assert_int_eq(wait_for(t, cls, HOLDER + 1, &c, t0, 0, &asks),
                     FCGP_TBL_TIMEOUT);
    ck_assert_int_lt(elapsed_ms(t0), 2000);
    ck_assert_int_eq(asks, 0);
    ck_assert_uint_eq(fcgp_table_sleepers(t, cls), 0);
}
END_TEST

/* Not full: next() says ASK_PM at once, and again as long as the caller
 * has not set asked; once asked, it waits (no second ask while nothing
 * changes), and times out. */
START_TEST(test_wait_not_full_asks_pm_once)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_claim_t held, c;
    fcgp_tbl_place_t w;
    apr_time_t t0;
    int asks = 0;

    put(t, 0, cls, 1, 0, 0);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &held), 1);
    fcgp_table_set_full(t, cls, 0);
    t0 = apr_time_now();
    fcgp_table_enqueue(t, cls, HOLDER + 1, &w);
    ck_assert_int_eq(fcgp_table_next(t, &w, HOLDER + 1, &c,
                                     t0 + apr_time_from_sec(10)),
                     FCGP_TBL_ASK_PM);
    ck_assert_int_eq(fcgp_table_next(t, &w, HOLDER + 1, &c,
                                     t0 + apr_time_from_sec(10)),
                     FCGP_TBL_ASK_PM);
    ck_assert_int_lt(elapsed_ms(t0), 2000);
    ck_assert_uint_eq(fcgp_table_sleepers(t, cls), 1);
    w.asked = 1;
    t0 = apr_time_now();
    ck_assert_int_eq(fcgp_table_next(t, &w, HOLDER + 1, &c,
                                     t0 + apr_time_from_msec(60)),
                     FCGP_TBL_TIMEOUT);
    ck_assert_int_ge(elapsed_ms(t0), 50);
    ck_assert_int_lt(elapsed_ms(t0), 2000);
    fcgp_table_dequeue(t, &w, 0);
    ck_assert_uint_eq(fcgp_table_sleepers(t, cls), 0);
    /* a deadline already past still asks first (once), then times out */
    ck_assert_int_eq(wait_for(t, cls, HOLDER + 1, &c, apr_time_now(), 0,
                              &asks), FCGP_TBL_TIMEOUT);
    ck_assert_int_eq(asks, 1);
    /* asked before joining the line (the first WANT): no second ask */
    asks = 0;
    ck_assert_int_eq(wait_for(t, cls, HOLDER + 1, &c,
                              apr_time_now() + apr_time_from_msec(20), 1,
                              &asks), FCGP_TBL_TIMEOUT);
    ck_assert_int_eq(asks, 0);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_BUSY);
}
END_TEST

/* An idle worker already there: claimed at once, full or not (a claim
 * comes before asking), and the claim counts. */
START_TEST(test_wait_idle_at_once)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_claim_t c;
    fcgp_tbl_place_t w;
    apr_time_t t0;
    int full;

    for (full = 0; full < 2; full++) {
        int asks = 0;
        put(t, 1, cls, 2, 0, 0);
        fcgp_table_set_full(t, cls, full ? FCGP_TBL_FULL_SERVER : 0);
        t0 = apr_time_now();
        fcgp_table_enqueue(t, cls, HOLDER, &w);
        ck_assert_int_eq(fcgp_table_next(t, &w, HOLDER, &c,
                                         t0 + apr_time_from_sec(10)),
                         FCGP_TBL_CLAIMED);
        ck_assert_int_lt(elapsed_ms(t0), 2000);
        ck_assert_int_eq(asks, 0);
        ck_assert_uint_eq(c.slot, 1);
        ck_assert_uint_eq(c.nth, 3);
        ck_assert_uint_eq(c.pid, pid_for(1));
        ck_assert_uint_eq(fcgp_table_slot(t, 1)->holder, HOLDER);
        ck_assert_uint_eq(state_of(t, 1), FCGP_TBL_BUSY);
        fcgp_table_dequeue(t, &w, 1);
        ck_assert_uint_eq(fcgp_table_sleepers(t, cls), 0);
        fcgp_table_seize(t, 1);
    }
}
END_TEST

/* A worker handed back while others are in line was handed back for the
 * longest of them (its wake-up is on the way): one who joins the line now
 * must not take it, or that one finds nothing and goes to the end of the
 * line (a c=256 run had a p99 of 4x its mean from this). */
START_TEST(test_wait_newcomer_does_not_take_a_woken_sleepers_worker)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_claim_t held, c;
    fcgp_tbl_place_t first, late;
    apr_time_t t0;

    put(t, 0, cls, 1, 0, 0);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &held), 1);
    fcgp_table_set_full(t, cls, FCGP_TBL_FULL_CLASS);
    fcgp_table_enqueue(t, cls, HOLDER + 1, &first);     /* in line */
    /* the worker comes back for it: woken, not yet running */
    ck_assert_int_eq(fcgp_table_release(t, &held, 1, 0), 0);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_IDLE);
    /* A newcomer: the plain claim refuses (someone is in line) ... */
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER + 2, &c), 0);
    fcgp_table_enqueue(t, cls, HOLDER + 2, &late);
    ck_assert_int_ne(late.ahead, 0);
    /* ... and so does its first look in line.  A deadline already past:
     * one look, no sleep (a sleep would end with a look of its own, once
     * the one ahead had its chance). */
    t0 = apr_time_now();
    ck_assert_int_eq(fcgp_table_next(t, &late, HOLDER + 2, &c, t0),
                     FCGP_TBL_TIMEOUT);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_IDLE);
    ck_assert_uint_eq(served_of(t, 0), 2);   /* not counted either */
    fcgp_table_dequeue(t, &late, 0);
    /* the one in line gets its turn */
    ck_assert_int_eq(fcgp_table_next(t, &first, HOLDER + 1, &c,
                                     apr_time_now() + apr_time_from_sec(10)),
                     FCGP_TBL_CLAIMED);
    ck_assert_uint_eq(c.slot, 0);
    ck_assert_uint_eq(c.nth, 3);
    ck_assert_uint_eq(fcgp_table_slot(t, 0)->holder, HOLDER + 1);
    fcgp_table_dequeue(t, &first, 1);
    ck_assert_uint_eq(fcgp_table_sleepers(t, cls), 0);
}
END_TEST

/* The class backs off (rapid failures) and has no live worker: next()
 * says BACKOFF at once, before asking the PM.  Not with a live worker
 * (it may come free), not once the pause is over, and an idle worker is
 * still claimed first. */
START_TEST(test_wait_backoff)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_claim_t c;
    fcgp_tbl_place_t w;
    apr_uint32_t now_s = (apr_uint32_t)apr_time_sec(apr_time_now());
    apr_time_t t0;
    int asks = 0;

    fcgp_table_set_live(t, cls, 0, now_s + 100);
    t0 = apr_time_now();
    fcgp_table_enqueue(t, cls, HOLDER, &w);
    ck_assert_int_eq(fcgp_table_next(t, &w, HOLDER, &c,
                                     t0 + apr_time_from_sec(10)),
                     FCGP_TBL_BACKOFF);
    ck_assert_int_lt(elapsed_ms(t0), 2000);
    fcgp_table_dequeue(t, &w, 0);
    ck_assert_uint_eq(fcgp_table_sleepers(t, cls), 0);
    /* full or not, asked or not */
    fcgp_table_set_full(t, cls, FCGP_TBL_FULL_CLASS);
    ck_assert_int_eq(wait_for(t, cls, HOLDER, &c, t0 + apr_time_from_sec(10),
                              1, &asks), FCGP_TBL_BACKOFF);
    fcgp_table_set_full(t, cls, 0);
    ck_assert_int_eq(wait_for(t, cls, HOLDER, &c, t0 + apr_time_from_sec(10),
                              0, &asks), FCGP_TBL_BACKOFF);
    ck_assert_int_eq(asks, 0);
    /* a live worker: no 503, ask / wait as usual */
    fcgp_table_set_live(t, cls, 1, now_s + 100);
    ck_assert_int_eq(wait_for(t, cls, HOLDER, &c, apr_time_now(), 0, &asks),
                     FCGP_TBL_TIMEOUT);
    ck_assert_int_eq(asks, 1);
    /* the pause is over (ended a second ago), or there is none */
    asks = 0;
    fcgp_table_set_live(t, cls, 0, now_s - 1);
    ck_assert_int_eq(wait_for(t, cls, HOLDER, &c, apr_time_now(), 0, &asks),
                     FCGP_TBL_TIMEOUT);
    fcgp_table_set_live(t, cls, 0, 0);
    ck_assert_int_eq(wait_for(t, cls, HOLDER, &c, apr_time_now(), 0, &asks),
                     FCGP_TBL_TIMEOUT);
    ck_assert_int_eq(asks, 2);
    /* an idle worker is served even during a pause */
    put(t, 0, cls, 1, 0, 0);
    fcgp_table_set_live(t, cls, 0, now_s + 100);
    ck_assert_int_eq(wait_for(t, cls, HOLDER, &c, t0 + apr_time_from_sec(10),
                              0, NULL), FCGP_TBL_CLAIMED);
    ck_assert_uint_eq(c.slot, 0);
    ck_assert_uint_eq(fcgp_table_sleepers(t, cls), 0);
}
END_TEST

/* The wake-ups waiters (in other processes) sleep for: the class's seq
 * changes when a worker comes free, the class may grow, everyone should
 * look again, or a dead waiter was taken out, while someone is in line;
 * not when nobody is, nor when only the reason for `full` changes; and a
 * waiter leaving without a worker passes its wake-up on to the next. */
START_TEST(test_wake_protocol)
{
    apr_uint32_t cls, seq;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_class_t *k = fcgp_table_class(t, cls);
    fcgp_tbl_claim_t c, d;
    fcgp_tbl_place_t w;

    put(t, 0, cls, 1, 0, 0);
    /* nobody in line: no wake-up at all */
    seq = seq_of(t, cls);
    fcgp_table_wake(t, cls);
    fcgp_table_wake_all(t, cls);
    fcgp_table_set_full(t, cls, FCGP_TBL_FULL_CLASS);
    fcgp_table_set_full(t, cls, 0);
    ck_assert_uint_eq(seq_of(t, cls), seq);

    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 1);
    apr_atomic_set32(&k->sleepers, 1);      /* somebody in line */
    /* a clean hand-back */
    seq = seq_of(t, cls);
    ck_assert_int_eq(fcgp_table_release(t, &c, 1, 0), 0);
    ck_assert_uint_ne(seq_of(t, cls), seq);
    /* a hand-back to the PM wakes nobody (no worker came free) */
    apr_atomic_set32(&k->sleepers, 0);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 1);
    apr_atomic_set32(&k->sleepers, 1);
    seq = seq_of(t, cls);
    ck_assert_int_eq(fcgp_table_release(t, &c, 0, OUT_BROKEN), 1);
    ck_assert_uint_eq(seq_of(t, cls), seq);
    /* the PM: a worker came free; everyone should look */
    seq = seq_of(t, cls);
    fcgp_table_wake(t, cls);
    ck_assert_uint_ne(seq_of(t, cls), seq);
    seq = seq_of(t, cls);
    fcgp_table_wake_all(t, cls);
    ck_assert_uint_ne(seq_of(t, cls), seq);
    /* the PM: full for another reason (no wake-up), then room again */
    fcgp_table_set_full(t, cls, FCGP_TBL_FULL_CLASS);
    seq = seq_of(t, cls);
    fcgp_table_set_full(t, cls, FCGP_TBL_FULL_SERVER);
    fcgp_table_set_full(t, cls, FCGP_TBL_FULL_SERVER);
    ck_assert_uint_eq(seq_of(t, cls), seq);
    fcgp_table_set_full(t, cls, 0);
    ck_assert_uint_ne(seq_of(t, cls), seq);
    seq = seq_of(t, cls);
    fcgp_table_set_full(t, cls, 0);         /* no change: no wake-up */
    ck_assert_uint_eq(seq_of(t, cls), seq);
    /* out of range: no crash */
    fcgp_table_wake(t, 16);
    fcgp_table_wake_all(t, FCGP_TBL_NO_CLASS);
    /* a second waiter gives up (deadline past) with no worker free: the
     * wake-up goes on to the first */
    fcgp_table_set_full(t, cls, FCGP_TBL_FULL_CLASS);
    seq = seq_of(t, cls);
    ck_assert_int_eq(wait_for(t, cls, HOLDER, &d, apr_time_now(), 1, NULL),
                     FCGP_TBL_TIMEOUT);
    ck_assert_uint_ne(seq_of(t, cls), seq);
    ck_assert_uint_eq(fcgp_table_sleepers(t, cls), 1);
    /* one that leaves with a worker does not */
    put(t, 1, cls, 1, 0, 0);
    fcgp_table_enqueue(t, cls, HOLDER, &w);
    w.ahead = 0;            /* (its turn) */
    ck_assert_int_eq(fcgp_table_next(t, &w, HOLDER, &d, apr_time_now()),
                     FCGP_TBL_CLAIMED);
    seq = seq_of(t, cls);
    fcgp_table_dequeue(t, &w, 1);
    ck_assert_uint_eq(seq_of(t, cls), seq);
    /* a dead waiter taken out: its wake-up goes on */
    fcgp_table_enqueue(t, cls, HOLDER, &w);
    seq = seq_of(t, cls);
    ck_assert_uint_eq(fcgp_table_reap_waiters(t, alive_none), 1);
    ck_assert_uint_ne(seq_of(t, cls), seq);
    ck_assert_uint_eq(fcgp_table_sleepers(t, cls), 1);
}
END_TEST

/* What a waiter thread does, and what the other thread does to it. */
typedef enum {
    ACT_RELEASE,        /* release `held` (clean) */
    ACT_UNFULL,         /* set_full(cls, 0) */
    ACT_WAKE,           /* fcgp_table_wake */
    ACT_WAKE_ALL,       /* fcgp_table_wake_all */
    ACT_BACKOFF_ALL     /* set_live(0, in a minute) and wake_all */
} act_e;

typedef struct {
    fcgp_table_t *t;
    apr_uint32_t cls;
    apr_uint32_t want;          /* wait for this many in line first */
    act_e act;
    fcgp_tbl_claim_t *held;
    apr_uint32_t saw_sleepers;
    int release_rc;
    apr_time_t acted;           /* when it acted */
} waker_t;

/* Wait (2 s at most) until `want` are in line, give them 30 ms to fall
 * asleep, then act. */
static void *APR_THREAD_FUNC waker(apr_thread_t *th, void *data)
{
    waker_t *w = data;
    int i;

    for (i = 0; i < 2000 && fcgp_table_sleepers(w->t, w->cls) < w->want;
         i++) {
        apr_sleep(apr_time_from_msec(1));
    }
    w->saw_sleepers = fcgp_table_sleepers(w->t, w->cls);
    apr_sleep(apr_time_from_msec(30));
    w->acted = apr_time_now();
    switch (w->act) {
    case ACT_RELEASE:
        w->release_rc = fcgp_table_release(w->t, w->held, 1, 0);
        break;
    case ACT_UNFULL:
        fcgp_table_set_full(w->t, w->cls, 0);
        break;
    case ACT_WAKE:
        fcgp_table_wake(w->t, w->cls);
        break;
    case ACT_WAKE_ALL:
        fcgp_table_wake_all(w->t, w->cls);
        break;
    case ACT_BACKOFF_ALL:
        fcgp_table_set_live(w->t, w->cls, 0,
                            (apr_uint32_t)apr_time_sec(apr_time_now()) + 60);
        fcgp_table_wake_all(w->t, w->cls);
        break;
    }
    (void)th;     /* returning, not apr_thread_exit(): see the top */
    return NULL;
}

static void start_waker(waker_t *w, fcgp_table_t *t, apr_uint32_t cls,
                        apr_uint32_t want, act_e act, fcgp_tbl_claim_t *held,
                        apr_thread_t **th)
{
    memset(w, 0, sizeof(*w));
    w->t = t;
    w->cls = cls;
    w->want = want;
    w->act = act;
    w->held = held;
    w->release_rc = -1;
    ck_assert_int_eq(apr_thread_create(th, NULL, waker, w, pool),
                     APR_SUCCESS);
}

START_TEST(test_wait_woken_by_release)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_claim_t held, c;
    waker_t w;
    apr_thread_t *th;
    apr_status_t trv;
    apr_time_t t0;
    fcgp_tbl_wait_e res;
    int asks = 0;

    put(t, 0, cls, 1, 0, 0);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &held), 1);
    fcgp_table_set_full(t, cls, FCGP_TBL_FULL_CLASS);
    t0 = apr_time_now();
    start_waker(&w, t, cls, 1, ACT_RELEASE, &held, &th);
    res = wait_for(t, cls, HOLDER + 1, &c, t0 + apr_time_from_sec(5), 0,
                   &asks);
    ck_assert_int_eq(apr_thread_join(&trv, th), APR_SUCCESS);
    ck_assert_int_eq(res, FCGP_TBL_CLAIMED);
    ck_assert_int_eq(asks, 0);
    ck_assert_uint_eq(w.saw_sleepers, 1);
    ck_assert_int_eq(w.release_rc, 0);
    ck_assert_int_ge(elapsed_ms(t0), 25);
    /* woken, not found at the end of a 1 s slice */
    ck_assert_int_lt(apr_time_as_msec(apr_time_now() - w.acted), 900);
    ck_assert_uint_eq(c.slot, 0);
    ck_assert_uint_eq(c.nth, 3);
    ck_assert_uint_eq(fcgp_table_slot(t, 0)->holder, HOLDER + 1);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_BUSY);
    ck_assert_uint_eq(fcgp_table_sleepers(t, cls), 0);
}
END_TEST

/* The PM says the class may grow again (set_full 0 wakes one): the
 * waiter goes to ask it, even though it asked before. */
START_TEST(test_wait_woken_by_unfull)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_claim_t held, c;
    fcgp_tbl_place_t p;
    waker_t w;
    apr_thread_t *th;
    apr_status_t trv;
    apr_time_t t0;
    fcgp_tbl_wait_e res;

    put(t, 0, cls, 1, 0, 0);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &held), 1);
    fcgp_table_set_full(t, cls, FCGP_TBL_FULL_CLASS);
    t0 = apr_time_now();
    start_waker(&w, t, cls, 1, ACT_UNFULL, NULL, &th);
    fcgp_table_enqueue(t, cls, HOLDER + 1, &p);
    p.asked = 1;
    res = fcgp_table_next(t, &p, HOLDER + 1, &c, t0 + apr_time_from_sec(5));
    ck_assert_int_eq(apr_thread_join(&trv, th), APR_SUCCESS);
    ck_assert_int_eq(res, FCGP_TBL_ASK_PM);
    ck_assert_int_eq(p.asked, 0);
    ck_assert_uint_eq(w.saw_sleepers, 1);
    ck_assert_int_ge(elapsed_ms(t0), 25);
    ck_assert_int_lt(apr_time_as_msec(apr_time_now() - w.acted), 900);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_BUSY);
    /* asked, nothing new: the deadline */
    p.asked = 1;
    ck_assert_int_eq(fcgp_table_next(t, &p, HOLDER + 1, &c, apr_time_now()),
                     FCGP_TBL_TIMEOUT);
    fcgp_table_dequeue(t, &p, 0);
    ck_assert_uint_eq(fcgp_table_sleepers(t, cls), 0);
}
END_TEST

#define LINE_N 4

typedef struct {
    fcgp_table_t *t;
    apr_uint32_t cls;
    apr_uint32_t id;
    apr_time_t deadline;
    fcgp_tbl_wait_e res;
    apr_uint32_t asks;
    apr_time_t first_ask;
    apr_time_t done;
} liner_t;

/* A handler in line that has asked the PM already: sleeps until woken;
 * asks again (counted) when next() says so and stays in line, until it
 * gets anything else. */
static void *APR_THREAD_FUNC liner(apr_thread_t *th, void *data)
{
    liner_t *a = data;
    fcgp_tbl_place_t w;
    fcgp_tbl_claim_t c;

    fcgp_table_enqueue(a->t, a->cls, HOLDER + a->id, &w);
    w.asked = 1;
    while ((a->res = fcgp_table_next(a->t, &w, HOLDER + a->id, &c,
                                     a->deadline)) == FCGP_TBL_ASK_PM) {
        if (a->asks == 0) {
            a->first_ask = apr_time_now();
        }
        apr_atomic_inc32(&a->asks);     /* read before the join */
        w.asked = 1;
    }
    a->done = apr_time_now();
    fcgp_table_dequeue(a->t, &w, a->res == FCGP_TBL_CLAIMED);
    (void)th;     /* returning, not apr_thread_exit(): see the top */
    return NULL;
}

static void start_liners(liner_t *a, apr_thread_t **th, fcgp_table_t *t,
                         apr_uint32_t cls)
{
    int i;
    for (i = 0; i < LINE_N; i++) {
        memset(&a[i], 0, sizeof(a[i]));
        a[i].t = t;
        a[i].cls = cls;
        a[i].id = (apr_uint32_t)i;
        a[i].deadline = apr_time_now() + apr_time_from_sec(10);
        a[i].res = (fcgp_tbl_wait_e)-1;
        ck_assert_int_eq(apr_thread_create(&th[i], NULL, liner, &a[i], pool),
                         APR_SUCCESS);
    }
}

/* End the liners: the class backs off, everyone hears it. */
static void stop_liners(liner_t *a, apr_thread_t **th, fcgp_table_t *t,
                        apr_uint32_t cls)
{
    apr_status_t trv;
    int i;
    fcgp_table_set_live(t, cls, 0,
                        (apr_uint32_t)apr_time_sec(apr_time_now()) + 60);
    fcgp_table_wake_all(t, cls);
    for (i = 0; i < LINE_N; i++) {
        ck_assert_int_eq(apr_thread_join(&trv, th[i]), APR_SUCCESS);
        ck_assert_int_eq(a[i].res, FCGP_TBL_BACKOFF);
    }
    ck_assert_uint_eq(fcgp_table_sleepers(t, cls), 0);
}

/* LINE_N liners get in line; once they all sleep, the waker does `act`
 * once (its record in *w). */
static void line_then(fcgp_table_t *t, apr_uint32_t cls, int act,
                      liner_t *a, apr_thread_t **th, waker_t *w)
{
    apr_thread_t *wt;
    apr_status_t trv;

    start_waker(w, t, cls, LINE_N, act, NULL, &wt);
    start_liners(a, th, t, cls);
    ck_assert_int_eq(apr_thread_join(&trv, wt), APR_SUCCESS);
    ck_assert_uint_eq(w->saw_sleepers, LINE_N);
}

/* How many of the liners asked the PM so far. */
static int asks_of(liner_t *a)
{
    int i, n = 0;
    for (i = 0; i < LINE_N; i++) {
        n += (int)apr_atomic_read32(&a[i].asks);
    }
    return n;
}

/* wake_all wakes every waiter at once (not at the end of its 1 s slice),
 * though none leaves the line (which would pass a wake-up on): each looks
 * again and, the class not being full, asks the PM once. */
START_TEST(test_wake_all_wakes_every_sleeper)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    liner_t a[LINE_N];
    apr_thread_t *th[LINE_N];
    waker_t w;
    int i;

    line_then(t, cls, ACT_WAKE_ALL, a, th, &w);
    apr_sleep(apr_time_from_msec(300));
    for (i = 0; i < LINE_N; i++) {
        ck_assert_uint_eq(apr_atomic_read32(&a[i].asks), 1);
        ck_assert_int_lt(apr_time_as_msec(a[i].first_ask - w.acted), 250);
    }
    ck_assert_uint_eq(fcgp_table_sleepers(t, cls), LINE_N);
    stop_liners(a, th, t, cls);
}
END_TEST

/* fcgp_table_wake wakes one waiter only: the others sleep on. */
START_TEST(test_wake_wakes_one)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    liner_t a[LINE_N];
    apr_thread_t *th[LINE_N];
    waker_t w;

    line_then(t, cls, ACT_WAKE, a, th, &w);
    apr_sleep(apr_time_from_msec(200));
    ck_assert_int_eq(asks_of(a), 1);
    ck_assert_uint_eq(fcgp_table_sleepers(t, cls), LINE_N);
    stop_liners(a, th, t, cls);
}
END_TEST

/* The class starts backing off: every waiter hears it at once (503),
 * full class or not. */
START_TEST(test_wake_all_backoff)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    liner_t a[LINE_N];
    apr_thread_t *th[LINE_N];
    apr_status_t trv;
    waker_t w;
    int i;

    fcgp_table_set_full(t, cls, FCGP_TBL_FULL_CLASS);
    fcgp_table_set_live(t, cls, 1, 0);
    line_then(t, cls, ACT_BACKOFF_ALL, a, th, &w);
    for (i = 0; i < LINE_N; i++) {
        ck_assert_int_eq(apr_thread_join(&trv, th[i]), APR_SUCCESS);
        ck_assert_int_eq(a[i].res, FCGP_TBL_BACKOFF);
        ck_assert_uint_eq(a[i].asks, 0);
        ck_assert_int_lt(apr_time_as_msec(a[i].done - w.acted), 900);
    }
    ck_assert_uint_eq(asks_of(a), 0);
    ck_assert_uint_eq(fcgp_table_sleepers(t, cls), 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Dead waiters: fcgp_table_reap_waiters                               */

/* Waiters whose process is gone are taken out of their class's line
 * (each class its own), once; live ones stay; the records come free. */
START_TEST(test_reap_waiters)
{
    fcgp_table_t *t = mk_table_w(4, 16, 4, 1024);
    apr_uint32_t a = fcgp_table_add_class(t, "php", 3);
    apr_uint32_t b = fcgp_table_add_class(t, "perl", 4);
    fcgp_tbl_place_t live1, live2, dead1, dead2, more;
    apr_uint32_t seq_a, seq_b;

    fcgp_table_enqueue(t, a, HOLDER, &live1);
    fcgp_table_enqueue(t, a, DEAD_PID, &dead1);
    fcgp_table_enqueue(t, b, DEAD_PID, &dead2);
    fcgp_table_enqueue(t, b, HOLDER + 1, &live2);
    ck_assert_uint_eq(fcgp_table_sleepers(t, a), 2);
    ck_assert_uint_eq(fcgp_table_sleepers(t, b), 2);
    /* every record taken */
    fcgp_table_enqueue(t, a, HOLDER, &more);
    ck_assert_uint_eq(more.rec, FCGP_TBL_NO_SLOT);
    fcgp_table_dequeue(t, &more, 0);
    seq_a = seq_of(t, a);
    seq_b = seq_of(t, b);
    ck_assert_uint_eq(fcgp_table_reap_waiters(t, alive_unless_dead), 2);
    ck_assert_uint_eq(fcgp_table_sleepers(t, a), 1);
    ck_assert_uint_eq(fcgp_table_sleepers(t, b), 1);
    /* each line woken: the dead one may have been woken for a worker */
    ck_assert_uint_ne(seq_of(t, a), seq_a);
    ck_assert_uint_ne(seq_of(t, b), seq_b);
    /* once */
    ck_assert_uint_eq(fcgp_table_reap_waiters(t, alive_unless_dead), 0);
    ck_assert_uint_eq(fcgp_table_sleepers(t, a), 1);
    ck_assert_uint_eq(fcgp_table_sleepers(t, b), 1);
    /* their records are free again */
    fcgp_table_enqueue(t, a, HOLDER, &more);
    ck_assert_uint_lt(more.rec, 4);
    fcgp_table_dequeue(t, &more, 0);
    /* the live ones leave as usual */
    fcgp_table_dequeue(t, &live1, 1);
    fcgp_table_dequeue(t, &live2, 0);
    ck_assert_uint_eq(fcgp_table_sleepers(t, a), 0);
    ck_assert_uint_eq(fcgp_table_sleepers(t, b), 0);
    ck_assert_uint_eq(fcgp_table_reap_waiters(t, alive_none), 0);
}
END_TEST

/* The count never goes below zero, even when it has already lost the
 * waiter a dead record stands for. */
START_TEST(test_reap_waiters_floor)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_class_t *k = fcgp_table_class(t, cls);
    fcgp_tbl_place_t d1, d2;

    fcgp_table_enqueue(t, cls, DEAD_PID, &d1);
    fcgp_table_enqueue(t, cls, DEAD_PID, &d2);
    apr_atomic_set32(&k->sleepers, 1);
    ck_assert_uint_eq(fcgp_table_reap_waiters(t, alive_unless_dead), 2);
    ck_assert_uint_eq(fcgp_table_sleepers(t, cls), 0);
    /* and a claim is not held back by a count that wrapped */
    put(t, 0, cls, 1, 0, 0);
    {
        fcgp_tbl_claim_t c;
        ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 1);
    }
}
END_TEST

/* A waiter taken out leaves the line free for the claims it blocked. */
START_TEST(test_reap_unblocks_claims)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_place_t d;
    fcgp_tbl_claim_t c;

    put(t, 0, cls, 1, 0, 0);
    fcgp_table_enqueue(t, cls, DEAD_PID, &d);   /* then its child died */
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 0);
    ck_assert_uint_eq(fcgp_table_reap_waiters(t, alive_unless_dead), 1);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 1);
}
END_TEST

/* kill(pid, 0): the process exists (EPERM: it does, not ours). */
static int pid_alive(apr_uint32_t pid)
{
    return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

/* The real thing: an "httpd child" joins the line in shared memory and
 * dies there; the "PM" takes it out by its pid, and keeps a live one. */
START_TEST(test_reap_waiters_fork)
{
    fcgp_table_t *t;
    apr_uint32_t cls;
    fcgp_tbl_place_t mine;
    pid_t pid;
    int status;

    ck_assert_int_eq(fcgp_table_create(pool, 4, &t), APR_SUCCESS);
    cls = fcgp_table_add_class(t, "/usr/bin/php-cgi", 16);
    ck_assert_uint_ne(cls, FCGP_TBL_NO_CLASS);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        fcgp_tbl_place_t w;
        fcgp_table_enqueue(t, cls, (apr_uint32_t)getpid(), &w);
        _exit(w.rec != FCGP_TBL_NO_SLOT ? 0 : 1);   /* never dequeues */
    }
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ck_assert_uint_eq(fcgp_table_sleepers(t, cls), 1);
    fcgp_table_enqueue(t, cls, (apr_uint32_t)getpid(), &mine);
    ck_assert_uint_eq(fcgp_table_sleepers(t, cls), 2);
    ck_assert_uint_eq(fcgp_table_reap_waiters(t, pid_alive), 1);
    ck_assert_uint_eq(fcgp_table_sleepers(t, cls), 1);
    ck_assert_uint_eq(fcgp_table_reap_waiters(t, pid_alive), 0);
    fcgp_table_dequeue(t, &mine, 0);
    ck_assert_uint_eq(fcgp_table_sleepers(t, cls), 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Concurrency                                                         */

#define CONC_THREADS 8
#define CONC_LOOPS   20000
#define CONC_SLOTS   3

typedef struct {
    fcgp_table_t *t;
    apr_uint32_t cls;
    apr_uint32_t *owner;        /* per slot: 0, or the thread's id + 1 */
    apr_uint32_t *overlaps;     /* shared counters */
    apr_uint32_t *bad;
    apr_uint32_t id;
    apr_uint32_t claims;        /* this thread's successful claims */
} conc_t;

static void *APR_THREAD_FUNC conc_worker(apr_thread_t *th, void *data)
{
    conc_t *a = data;
    int i;

    for (i = 0; i < CONC_LOOPS; i++) {
        fcgp_tbl_claim_t c;
        if (!fcgp_table_claim(a->t, a->cls, a->id + 1, &c)) {
            if (c.kick) {
                apr_atomic_inc32(a->bad);
            }
            continue;
        }
        a->claims++;
        if (c.slot >= CONC_SLOTS || c.kick || c.pid != pid_for(c.slot)
            || c.nth == 0) {
            apr_atomic_inc32(a->bad);
            continue;
        }
        if (apr_atomic_cas32(&a->owner[c.slot], a->id + 1, 0) != 0) {
            apr_atomic_inc32(a->overlaps);
        }
        if ((i & 7) == 0) {
            apr_thread_yield();         /* hold it a while, sometimes */
        }
        if (apr_atomic_read32(&a->owner[c.slot]) != a->id + 1) {
            apr_atomic_inc32(a->overlaps);
        }
        apr_atomic_set32(&a->owner[c.slot], 0);
        if (fcgp_table_release(a->t, &c, 1, 0) != 0) {
            apr_atomic_inc32(a->bad);
        }
    }
    (void)th;     /* returning, not apr_thread_exit(): see the top */
    return NULL;
}

START_TEST(test_concurrent_claims)
{
    apr_uint32_t cls, i, total = 0, served = 0;
    fcgp_table_t *t = mk_table_cls(8, &cls);
    apr_uint32_t owner[CONC_SLOTS] = { 0 }, overlaps = 0, bad = 0;
    conc_t args[CONC_THREADS];
    apr_thread_t *th[CONC_THREADS];
    apr_status_t trv;

    for (i = 0; i < CONC_SLOTS; i++) {
        put(t, i, cls, i, 0, 0);        /* one fresh, two warm */
    }
    for (i = 0; i < CONC_THREADS; i++) {
        args[i].t = t;
        args[i].cls = cls;
        args[i].owner = owner;
        args[i].overlaps = &overlaps;
        args[i].bad = &bad;
        args[i].id = i;
        args[i].claims = 0;
        ck_assert_int_eq(apr_thread_create(&th[i], NULL, conc_worker,
                                           &args[i], pool), APR_SUCCESS);
    }
    for (i = 0; i < CONC_THREADS; i++) {
        ck_assert_int_eq(apr_thread_join(&trv, th[i]), APR_SUCCESS);
        total += args[i].claims;
    }
    ck_assert_uint_eq(overlaps, 0);
    ck_assert_uint_eq(bad, 0);
    for (i = 0; i < CONC_SLOTS; i++) {
        ck_assert_uint_eq(state_of(t, i), FCGP_TBL_IDLE);
        served += served_of(t, i) - i;
    }
    ck_assert_uint_gt(total, 0);
    ck_assert_uint_eq(served, total);
    /* the class's counters saw every claim and every hand-back */
    ck_assert_uint_eq(CNT(t, cls, FCGP_CNT_ACCEPTED), total);
    ck_assert_uint_eq(CNT(t, cls, FCGP_CNT_HELD), 0);
    ck_assert_uint_ge(CNT(t, cls, FCGP_CNT_MAX_ACTIVE), 1);
    ck_assert_uint_le(CNT(t, cls, FCGP_CNT_MAX_ACTIVE), CONC_SLOTS);
}
END_TEST

/* Handlers that find no idle worker join the line (a full class, two
 * workers, eight threads): nobody holds a worker another holds, nobody
 * times out, every request is counted once, and the line is empty at the
 * end. */
#define LINE_THREADS 8
#define LINE_LOOPS   2000
#define LINE_SLOTS   2

typedef struct {
    fcgp_table_t *t;
    apr_uint32_t cls;
    apr_uint32_t *owner;
    apr_uint32_t *overlaps;
    apr_uint32_t *bad;
    apr_uint32_t id;
    apr_uint32_t claims;
    apr_uint32_t waits;
} line_t;

static void *APR_THREAD_FUNC line_worker(apr_thread_t *th, void *data)
{
    line_t *a = data;
    int i;

    for (i = 0; i < LINE_LOOPS; i++) {
        fcgp_tbl_claim_t c;
        if (!fcgp_table_claim(a->t, a->cls, a->id + 1, &c)) {
            a->waits++;
            if (wait_for(a->t, a->cls, a->id + 1, &c,
                         apr_time_now() + apr_time_from_sec(30), 1, NULL)
                != FCGP_TBL_CLAIMED) {
                apr_atomic_inc32(a->bad);
                continue;
            }
        }
        a->claims++;
        if (c.slot >= LINE_SLOTS || c.pid != pid_for(c.slot)) {
            apr_atomic_inc32(a->bad);
            continue;
        }
        if (apr_atomic_cas32(&a->owner[c.slot], a->id + 1, 0) != 0) {
            apr_atomic_inc32(a->overlaps);
        }
        if ((i & 3) == 0) {
            apr_thread_yield();
        }
        if (apr_atomic_read32(&a->owner[c.slot]) != a->id + 1) {
            apr_atomic_inc32(a->overlaps);
        }
        apr_atomic_set32(&a->owner[c.slot], 0);
        if (fcgp_table_release(a->t, &c, 1, 0) != 0) {
            apr_atomic_inc32(a->bad);
        }
    }
    (void)th;     /* returning, not apr_thread_exit(): see the top */
    return NULL;
}

START_TEST(test_concurrent_line)
{
    apr_uint32_t cls, i, total = 0, waits = 0, served = 0;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    apr_uint32_t owner[LINE_SLOTS] = { 0 }, overlaps = 0, bad = 0;
    line_t args[LINE_THREADS];
    fcgp_tbl_claim_t held[LINE_SLOTS];
    apr_thread_t *th[LINE_THREADS];
    apr_status_t trv;

    for (i = 0; i < LINE_SLOTS; i++) {
        put(t, i, cls, 1, 0, 0);
    }
    fcgp_table_set_full(t, cls, FCGP_TBL_FULL_CLASS);
    /* Both workers are held until two threads stand in line, so the line
     * is used however the threads are scheduled (one CPU runs them one
     * after another and none would ever find the class busy). */
    for (i = 0; i < LINE_SLOTS; i++) {
        ck_assert(fcgp_table_claim(t, cls, 100 + i, &held[i]));
    }
    for (i = 0; i < LINE_THREADS; i++) {
        memset(&args[i], 0, sizeof(args[i]));
        args[i].t = t;
        args[i].cls = cls;
        args[i].owner = owner;
        args[i].overlaps = &overlaps;
        args[i].bad = &bad;
        args[i].id = i;
        ck_assert_int_eq(apr_thread_create(&th[i], NULL, line_worker,
                                           &args[i], pool), APR_SUCCESS);
    }
    for (i = 0; i < 10000 && fcgp_table_sleepers(t, cls) < 2; i++) {
        apr_sleep(apr_time_from_msec(1));
    }
    ck_assert_uint_ge(fcgp_table_sleepers(t, cls), 2);
    for (i = 0; i < LINE_SLOTS; i++) {
        ck_assert_int_eq(fcgp_table_release(t, &held[i], 1, 0), 0);
    }
    total = LINE_SLOTS;                 /* the two held above */
    for (i = 0; i < LINE_THREADS; i++) {
        ck_assert_int_eq(apr_thread_join(&trv, th[i]), APR_SUCCESS);
        total += args[i].claims;
        waits += args[i].waits;
    }
    ck_assert_uint_eq(overlaps, 0);
    ck_assert_uint_eq(bad, 0);
    ck_assert_uint_eq(total, LINE_THREADS * LINE_LOOPS + LINE_SLOTS);
    ck_assert_uint_ge(waits, 2);        /* the line was used */
    for (i = 0; i < LINE_SLOTS; i++) {
        ck_assert_uint_eq(state_of(t, i), FCGP_TBL_IDLE);
        served += served_of(t, i) - 1;
    }
    ck_assert_uint_eq(served, total);
    ck_assert_uint_eq(fcgp_table_sleepers(t, cls), 0);
    ck_assert_uint_eq(fcgp_table_reap_waiters(t, alive_none), 0);
    ck_assert_uint_eq(CNT(t, cls, FCGP_CNT_ACCEPTED), total);
    ck_assert_uint_eq(CNT(t, cls, FCGP_CNT_HELD), 0);
    ck_assert_uint_eq(CNT(t, cls, FCGP_CNT_MAX_ACTIVE), LINE_SLOTS);
    ck_assert_uint_ge(CNT(t, cls, FCGP_CNT_MAX_WAITING), 2);
    ck_assert_uint_le(CNT(t, cls, FCGP_CNT_MAX_WAITING), LINE_THREADS);
}
END_TEST

/* ------------------------------------------------------------------ */
/* fcgp_table_create: anonymous shared memory, seen by a forked child   */

START_TEST(test_create_shared)
{
    fcgp_table_t *t, *t2;
    apr_uint32_t cls;
    fcgp_tbl_claim_t c;
    pid_t pid;
    int status;

    ck_assert_int_eq(fcgp_table_create(pool, 6, &t), APR_SUCCESS);
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(fcgp_table_create(pool, 6, &t2), APR_SUCCESS);
    ck_assert_ptr_ne(t, t2);
    ck_assert(fcgp_table_nonce(t) != fcgp_table_nonce(t2));
    ck_assert_uint_eq(fcgp_table_nslots(t), 6);
    ck_assert_ptr_nonnull(fcgp_table_slot(t, 5));
    ck_assert_ptr_null(fcgp_table_slot(t, 6));
    ck_assert_uint_eq(fcgp_table_nclasses(t), FCGP_TBL_CLASSES);
    ck_assert_ptr_nonnull(fcgp_table_class(t, FCGP_TBL_CLASSES - 1));
    ck_assert_ptr_null(fcgp_table_class(t, FCGP_TBL_CLASSES));

    cls = fcgp_table_add_class(t, "/usr/bin/php-cgi", 16);
    ck_assert_uint_ne(cls, FCGP_TBL_NO_CLASS);
    put(t, 4, cls, 0, 0, 0);

    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        /* the "httpd child": finds the class, claims, exits holding it */
        apr_uint32_t k = fcgp_table_find_class(t, "/usr/bin/php-cgi", 16);
        int ok = k == cls
                 && fcgp_table_claim(t, k, (apr_uint32_t)getpid(), &c) == 1
                 && c.slot == 4 && c.nth == 1;
        _exit(ok ? 0 : 1);
    }
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* the parent sees what the child did */
    ck_assert_uint_eq(state_of(t, 4), FCGP_TBL_BUSY);
    ck_assert_uint_eq(served_of(t, 4), 1);
    ck_assert_uint_eq(fcgp_table_slot(t, 4)->holder, (apr_uint32_t)pid);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 0);
    /* and, as the PM, takes it back from the dead holder */
    ck_assert_uint_eq(FCGP_TBL_STATE(fcgp_table_seize(t, 4)), FCGP_TBL_BUSY);
    ck_assert_uint_eq(state_of(t, 4), FCGP_TBL_OFF);
    /* the other table is untouched */
    ck_assert_uint_eq(fcgp_table_find_class(t2, "/usr/bin/php-cgi", 16),
                      FCGP_TBL_NO_CLASS);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Found by this suite, fixed since: kept as regression tests.          */

/* table.h: "Either way c->kick says the PM should be told (... or a
 * worker past its limit was handed back)".  A claim that retires a
 * worker past its lowered limit and then gets another one must still
 * say so. */
START_TEST(test_bug_kick_lost_on_claim)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_claim_t c;

    put(t, 0, cls, 9, 0, 0);
    put(t, 1, cls, 2, 0, 0);
    fcgp_table_slot(t, 0)->limit = 4;
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 1);
    ck_assert_uint_eq(c.slot, 1);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_DONE);
    ck_assert_msg(c.kick, "slot 0 went DONE during the claim, kick is 0");
}
END_TEST

/* A hand-back that fails (the slot was seized and refilled) must not
 * touch the slot: the PM reads the outcome of the new holder's
 * hand-back. */
START_TEST(test_bug_stale_release_outcome)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_claim_t old, cur;

    put(t, 0, cls, 1, 0, 0);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &old), 1);
    fcgp_table_seize(t, 0);
    put(t, 0, cls, 0, 0, 0);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER + 1, &cur), 1);
    ck_assert_int_eq(fcgp_table_release(t, &cur, 0, OUT_BROKEN), 1);
    ck_assert_uint_eq(outcome_of(t, 0), OUT_BROKEN);
    ck_assert_int_eq(fcgp_table_release(t, &old, 0, OUT_TIMEOUT), 0);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_DONE);
    ck_assert_msg(outcome_of(t, 0) == OUT_BROKEN,
                  "failed stale release overwrote outcome with %u",
                  outcome_of(t, 0));
}
END_TEST

/* table.c add_class: "Keep a quarter free: probes stay short."  Keys
 * in distinct buckets of a 4-entry table: at most 3 may be added. */
START_TEST(test_bug_quarter_not_kept_free)
{
    fcgp_table_t *t = mk_table(4, 4, 4096);
    char k[32];
    apr_uint32_t home;
    int added = 0;

    for (home = 0; home < 4; home++) {
        apr_size_t len = key_with_home(k, sizeof(k), 4, home, 0);
        added += fcgp_table_add_class(t, k, len) != FCGP_TBL_NO_CLASS;
    }
    ck_assert_msg(added <= 3, "%d of 4 entries used", added);
}
END_TEST

/* A table of 2 classes can hold none (2 / 4 * 3 == 0). */
START_TEST(test_bug_two_classes_hold_none)
{
    fcgp_table_t *t = mk_table(4, 2, 4096);
    ck_assert_uint_ne(fcgp_table_add_class(t, "php", 3), FCGP_TBL_NO_CLASS);
}
END_TEST

/* ------------------------------------------------------------------ */

/* Regression: a waiter that got its worker while a second worker came
 * free left the line without passing the wake-up on, and the newcomer
 * behind it (which let that idle worker pass, being behind someone)
 * slept a whole slice beside it.  Now the waiter leaves the line as it
 * takes its worker, so the newcomer is not behind anyone. */
START_TEST(test_bug_newcomer_sleeps_beside_idle_worker)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_claim_t x, y, c, n;
    fcgp_tbl_place_t w0;

    put(t, 0, cls, 1, 0, 0);
    put(t, 1, cls, 1, 0, 0);
    ck_assert_int_eq(fcgp_table_claim(t, cls, 1, &x), 1);
    ck_assert_int_eq(fcgp_table_claim(t, cls, 2, &y), 1);
    fcgp_table_set_full(t, cls, FCGP_TBL_FULL_CLASS);
    fcgp_table_enqueue(t, cls, 3, &w0);
    fcgp_table_release(t, &x, 1, 0);
    ck_assert_int_eq(fcgp_table_next(t, &w0, 3, &c, apr_time_now()
                                     + apr_time_from_sec(5)),
                     FCGP_TBL_CLAIMED);
    fcgp_table_release(t, &y, 1, 0);        /* before W0 has dequeued */
    /* W0 left the line as it took its worker (test_claim_leaves_line):
     * the newcomer finds nobody in line and takes the idle one at once. */
    ck_assert_int_eq(fcgp_table_claim(t, cls, 4, &n), 1);
    ck_assert_uint_eq(fcgp_table_sleepers(t, cls), 0);
    fcgp_table_dequeue(t, &w0, 1);
    ck_assert_uint_eq(fcgp_table_sleepers(t, cls), 0);
}
END_TEST

/* W0 in line and Wn behind it (so Wn lets an idle worker pass for W0);
 * W0 takes worker 0, then worker 1 is idle, closing or not.  Returns
 * whether W0's dequeue woke the line. */
static int claimed_dequeue_wakes(int closing)
{
    apr_uint32_t cls, seq;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_class_t *k = fcgp_table_class(t, cls);
    fcgp_tbl_claim_t x, c, n;
    fcgp_tbl_place_t w0, wn;
    int woke;

    put(t, 0, cls, 1, 0, 0);
    ck_assert_int_eq(fcgp_table_claim(t, cls, 1, &x), 1);
    fcgp_table_set_full(t, cls, FCGP_TBL_FULL_CLASS);
    fcgp_table_enqueue(t, cls, 3, &w0);
    fcgp_table_enqueue(t, cls, 4, &wn);
    ck_assert_int_ne(wn.ahead, 0);
    fcgp_table_release(t, &x, 1, 0);
    ck_assert_int_eq(fcgp_table_next(t, &w0, 3, &c, apr_time_now()
                                     + apr_time_from_sec(5)),
                     FCGP_TBL_CLAIMED);
    put(t, 1, cls, 1, 0, 0);
    apr_atomic_set32(&fcgp_table_slot(t, 1)->closing, closing);
    seq = apr_atomic_read32(&k->seq);
    fcgp_table_dequeue(t, &w0, 1);
    woke = apr_atomic_read32(&k->seq) != seq;
    if (!closing) {
        ck_assert_int_eq(fcgp_table_next(t, &wn, 4, &n, apr_time_now()
                                         + apr_time_from_sec(5)),
                         FCGP_TBL_CLAIMED);
    }
    fcgp_table_dequeue(t, &wn, !closing);
    ck_assert_uint_eq(fcgp_table_sleepers(t, cls), 0);
    return woke;
}

/* A waiter that took its worker while another was idle passes the
 * wake-up on at its dequeue, so the one behind it does not sleep beside
 * the idle worker. */
START_TEST(test_claimed_dequeue_passes_wake_on)
{
    ck_assert(claimed_dequeue_wakes(0));
}
END_TEST

/* An idle worker its PM retires (closing) is no idle worker to the line:
 * a claim skips it, so nobody is woken for it (and a waiter would wake
 * every FCGP_TBL_AHEAD_GRACE beside it). */
START_TEST(test_closing_worker_wakes_nobody)
{
    ck_assert(!claimed_dequeue_wakes(1));
}
END_TEST

/* Regression: a waiter record's class was written before the record was
 * taken, so a thread that lost the race overwrote the winner's class (and
 * a dead winner was taken out of the wrong line). */
typedef struct {
    fcgp_table_t *t;
    apr_uint32_t cls, pid, wrong;
    volatile apr_uint32_t *stop;
} rec_racer_t;

static void *APR_THREAD_FUNC rec_racer(apr_thread_t *th, void *d)
{
    rec_racer_t *a = d;
    (void)th;
    while (!*a->stop) {
        fcgp_tbl_place_t w;
        apr_uint32_t pid, cls;
        fcgp_table_enqueue(a->t, a->cls, a->pid, &w);
        if (w.rec == 0) {
            fcgp_table_waiter(a->t, 0, &pid, &cls);
            a->wrong += cls != a->cls || pid != a->pid;
        }
        fcgp_table_dequeue(a->t, &w, 1);
    }
    return NULL;
}

START_TEST(test_bug_waiter_record_class_overwritten)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_w(2, 16, 1, 1024);
    volatile apr_uint32_t stop = 0;
    rec_racer_t a, b;
    apr_thread_t *ta, *tb;
    apr_status_t rv;

    cls = fcgp_table_add_class(t, "php", 3);
    a.t = b.t = t;
    a.stop = b.stop = &stop;
    a.wrong = b.wrong = 0;
    a.cls = cls;
    a.pid = 111;
    b.cls = fcgp_table_add_class(t, "perl", 4);
    b.pid = 222;
    apr_thread_create(&ta, NULL, rec_racer, &a, pool);
    apr_thread_create(&tb, NULL, rec_racer, &b, pool);
    apr_sleep(apr_time_from_msec(500));
    stop = 1;
    apr_thread_join(&rv, ta);
    apr_thread_join(&rv, tb);
    ck_assert_msg(a.wrong + b.wrong == 0, "%u records held with the other "
                  "thread's class or pid", a.wrong + b.wrong);
}
END_TEST

/* Regression: a waiter that died (its place in line not yet taken out
 * by the PM) made every newcomer let an idle worker pass and sleep a
 * whole slice beside it.  Now a newcomer waits only a short grace for
 * those ahead of it to take the worker. */
START_TEST(test_bug_dead_waiter_stalls_newcomers)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_place_t ghost, wn;
    fcgp_tbl_claim_t n;
    apr_time_t t0;

    put(t, 0, cls, 1, 0, 0);
    fcgp_table_set_full(t, cls, FCGP_TBL_FULL_CLASS);
    fcgp_table_enqueue(t, cls, 999, &ghost);    /* dies in line */
    ck_assert_int_eq(fcgp_table_claim(t, cls, 4, &n), 0);
    fcgp_table_enqueue(t, cls, 4, &wn);
    t0 = apr_time_now();
    ck_assert_int_eq(fcgp_table_next(t, &wn, 4, &n, apr_time_now()
                                     + apr_time_from_sec(5)),
                     FCGP_TBL_CLAIMED);
    ck_assert_msg(apr_time_now() - t0 < apr_time_from_msec(200),
                  "waited %ld ms beside an idle worker",
                  (long)apr_time_as_msec(apr_time_now() - t0));
    ck_assert_int_ge(apr_time_now() - t0, FCGP_TBL_AHEAD_GRACE / 2);
    fcgp_table_dequeue(t, &wn, 1);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The request a worker serves (fcgp_tbl_req_t)                        */

/* Claim slot 0 of a one-worker class; *c holds it. */
static fcgp_table_t *claimed(fcgp_tbl_claim_t *c)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    put(t, 0, cls, 1, 0, 0);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, c), 1);
    return t;
}

/* The holder publishes its request; the PM reads it; at the end, how
 * long it took, kept for the next request of the same worker. */
START_TEST(test_request_publish)
{
    fcgp_tbl_claim_t c;
    fcgp_tbl_req_t q;
    fcgp_table_t *t = claimed(&c);
    apr_time_t t0 = APR_INT64_C(1700000000000000);

    ck_assert_int_eq(fcgp_table_request(t, 0, &q), 1);
    ck_assert_uint_eq(q.busy, 0);
    ck_assert_int_eq(q.took, 0);
    fcgp_table_request_begin(t, &c, "GET", "/app.fcgi", "sleep=5", t0);
    ck_assert_int_eq(fcgp_table_request(t, 0, &q), 1);
    ck_assert_uint_eq(q.busy, 1);
    ck_assert_uint_eq(q.pid, pid_for(0));
    ck_assert_str_eq(q.method, "GET");
    ck_assert_str_eq(q.uri, "/app.fcgi?sleep=5");
    ck_assert_int_eq(q.since, t0);
    ck_assert_int_eq(q.took, 0);
    ck_assert_uint_eq(fcgp_table_slot(t, 0)->req.seq % 2, 0);
    fcgp_table_request_end(t, &c, t0 + 1234);
    ck_assert_int_eq(fcgp_table_request(t, 0, &q), 1);
    ck_assert_uint_eq(q.busy, 0);
    ck_assert_int_eq(q.took, 1234);
    fcgp_table_release(t, &c, 1, FCGP_OUT_OK);

    /* the next request of the same worker: busy again, the last took
     * kept; no query: no "?" */
    ck_assert_int_eq(fcgp_table_claim(t, c.cls, HOLDER, &c), 1);
    fcgp_table_request_begin(t, &c, "POST", "/x", NULL, t0 + 5000);
    ck_assert_int_eq(fcgp_table_request(t, 0, &q), 1);
    ck_assert_uint_eq(q.busy, 1);
    ck_assert_str_eq(q.uri, "/x");
    ck_assert_int_eq(q.took, 1234);
    fcgp_table_release(t, &c, 0, FCGP_OUT_BROKEN);
}
END_TEST

/* A holder that no longer holds the slot writes nothing; another process
 * in the slot does not inherit the old one's last time. */
START_TEST(test_request_only_holder_writes)
{
    fcgp_tbl_claim_t c, stale;
    fcgp_tbl_req_t q;
    fcgp_table_t *t = claimed(&c);

    stale = c;
    fcgp_table_release(t, &c, 1, FCGP_OUT_OK);
    fcgp_table_request_begin(t, &stale, "GET", "/late", NULL, 1);
    ck_assert_int_eq(fcgp_table_request(t, 0, &q), 1);
    ck_assert_uint_eq(q.busy, 0);
    ck_assert_str_eq(q.uri, "");
    ck_assert_uint_eq(fcgp_table_slot(t, 0)->req.seq, 0);
    fcgp_table_request_end(t, &stale, 2);
    ck_assert_uint_eq(fcgp_table_slot(t, 0)->req.seq, 0);

    ck_assert_int_eq(fcgp_table_claim(t, c.cls, HOLDER, &c), 1);
    fcgp_table_request_begin(t, &c, "GET", "/a", NULL, 10);
    fcgp_table_request_end(t, &c, 20);
    fcgp_table_release(t, &c, 1, FCGP_OUT_OK);
    ck_assert_uint_eq(FCGP_TBL_STATE(fcgp_table_take(t, 0, FCGP_TBL_IDLE)),
                      FCGP_TBL_IDLE);
    fcgp_table_slot(t, 0)->pid = 9999;
    fcgp_table_publish(t, 0);
    ck_assert_int_eq(fcgp_table_claim(t, c.cls, HOLDER, &c), 1);
    fcgp_table_request_begin(t, &c, "GET", "/b", NULL, 30);
    ck_assert_int_eq(fcgp_table_request(t, 0, &q), 1);
    ck_assert_uint_eq(q.pid, 9999);
    ck_assert_int_eq(q.took, 0);
    ck_assert_int_eq(fcgp_table_request(t, 99, &q), 0);     /* no slot */
}
END_TEST

/* The URI is printable ASCII (other bytes as %XX), cut with "..." to fit;
 * a long method too. */
START_TEST(test_request_text)
{
    fcgp_tbl_claim_t c;
    fcgp_tbl_req_t q;
    fcgp_table_t *t = claimed(&c);
    char long_uri[1000];

    fcgp_table_request_begin(t, &c, "GET", "/caf\xc3\xa9 \"x\"<\n",
                             "a=\x01&b", 1);
    ck_assert_int_eq(fcgp_table_request(t, 0, &q), 1);
    ck_assert_str_eq(q.uri, "/caf%C3%A9%20\"x\"<%0A?a=%01&b");

    memset(long_uri, 'u', sizeof(long_uri) - 1);
    long_uri[0] = '/';
    long_uri[sizeof(long_uri) - 1] = '\0';
    fcgp_table_request_begin(t, &c, "VERYLONGMETHODNAME-X", long_uri, "q",
                             1);
    ck_assert_int_eq(fcgp_table_request(t, 0, &q), 1);
    ck_assert_uint_eq(strlen(q.uri), FCGP_TBL_URI_MAX - 1);
    ck_assert_str_eq(q.uri + FCGP_TBL_URI_MAX - 4, "...");
    ck_assert_int_eq(strncmp(q.uri, long_uri, FCGP_TBL_URI_MAX - 4), 0);
    ck_assert_str_eq(q.method, "VERYLONGMETH...");

    /* exactly full: no "..." */
    long_uri[FCGP_TBL_URI_MAX - 1] = '\0';
    fcgp_table_request_begin(t, &c, "GET", long_uri, NULL, 1);
    ck_assert_int_eq(fcgp_table_request(t, 0, &q), 1);
    ck_assert_str_eq(q.uri, long_uri);
    /* one byte more than fits: cut */
    long_uri[FCGP_TBL_URI_MAX - 1] = 'u';
    long_uri[FCGP_TBL_URI_MAX] = '\0';
    fcgp_table_request_begin(t, &c, "GET", long_uri, NULL, 1);
    ck_assert_int_eq(fcgp_table_request(t, 0, &q), 1);
    ck_assert_str_eq(q.uri + FCGP_TBL_URI_MAX - 4, "...");
}
END_TEST

/* One holder thread writes request after request (two kinds, each with
 * its own method, URI and times) while the test thread, as the PM,
 * reads: every copy it gets is one whole request, never a mix.  (With
 * either check of the sequence lock taken out, this finds torn copies.) */
#define REQ_GOT 100000

typedef struct {
    fcgp_table_t *t;
    fcgp_tbl_claim_t c;
    volatile apr_uint32_t stop;
} req_writer_t;

static void *APR_THREAD_FUNC req_writer(apr_thread_t *th, void *data)
{
    req_writer_t *a = data;
    static char uri_a[FCGP_TBL_URI_MAX + 1], uri_b[40];
    apr_uint32_t i;

    memset(uri_a, 'a', sizeof(uri_a) - 1);
    memset(uri_b, 'b', sizeof(uri_b) - 1);
    for (i = 0; !apr_atomic_read32(&a->stop); i++) {
        int k = i % 2;
        volatile int spin;
        fcgp_table_request_begin(a->t, &a->c, k ? "POST" : "GET",
                                 k ? uri_b : uri_a, NULL, k ? 2 : 1);
        for (spin = 0; spin < 50; spin++) {
            /* a request takes a while: room for the reader */
        }
        fcgp_table_request_end(a->t, &a->c, k ? 102 : 101);
        for (spin = 0; spin < 50; spin++) {
        }
    }
    (void)th;
    return NULL;
}

START_TEST(test_request_concurrent_reads)
{
    req_writer_t w;
    apr_thread_t *th;
    apr_status_t trv;
    fcgp_tbl_req_t q;
    int i, got = 0, torn = 0;
    apr_time_t until;

    w.t = claimed(&w.c);
    w.stop = 0;
    ck_assert_int_eq(apr_thread_create(&th, NULL, req_writer, &w, pool),
                     APR_SUCCESS);
    while (apr_atomic_read32(&fcgp_table_slot(w.t, 0)->req.seq) < 4) {
        apr_sleep(1000);        /* the writer is under way */
    }
    until = apr_time_now() + apr_time_from_sec(20);
    for (i = 0; got < REQ_GOT && apr_time_now() < until; i++) {
        apr_size_t n;
        if (!fcgp_table_request(w.t, 0, &q)) {
            apr_thread_yield();     /* the writer may be descheduled */
            continue;
        }
        got++;
        n = strlen(q.uri);
        if (q.method[0] == 'G') {
            torn += strcmp(q.method, "GET") != 0
                    || n != FCGP_TBL_URI_MAX - 1 || q.uri[0] != 'a'
                    || q.uri[n - 4] != 'a' || q.since != 1
                    || (!q.busy && q.took != 100);
        }
        else {
            torn += strcmp(q.method, "POST") != 0 || n != 39
                    || q.uri[0] != 'b' || q.uri[38] != 'b' || q.since != 2
                    || (!q.busy && q.took != 100);
        }
    }
    apr_atomic_set32(&w.stop, 1);
    ck_assert_int_eq(apr_thread_join(&trv, th), APR_SUCCESS);
    /* A busy machine may give the reader less than REQ_GOT whole copies
     * in the time (that is no fault); it must get some, and none torn. */
    ck_assert_int_ge(got, REQ_GOT / 100);
    ck_assert_int_eq(torn, 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("table");
    TCase *tc;

    if (unit_init() != 0) {
        return EXIT_FAILURE;
    }

    tc = tcase_create("request");
    tcase_set_timeout(tc, 60);      /* the concurrent reads take up to 20 s */
    tcase_add_checked_fixture(tc, pool_setup, pool_teardown);
    tcase_add_test(tc, test_request_publish);
    tcase_add_test(tc, test_request_only_holder_writes);
    tcase_add_test(tc, test_request_text);
    tcase_add_test(tc, test_request_concurrent_reads);
    suite_add_tcase(s, tc);

    tc = tcase_create("classes");
    tcase_add_checked_fixture(tc, pool_setup, pool_teardown);
    tcase_add_test(tc, test_init_rejects_class_counts);
    tcase_add_test(tc, test_size_counts_waiters);
    tcase_add_test(tc, test_max_procs);
    tcase_add_test(tc, test_layout_disjoint);
    tcase_add_test(tc, test_hash_vectors);
    tcase_add_test(tc, test_class_same_key_same_index);
    tcase_add_test(tc, test_class_find_only_published);
    tcase_add_loop_test(tc, test_class_hash_collision, 0, 3);
    tcase_add_test(tc, test_class_collisions);
    tcase_add_test(tc, test_class_binary_keys);
    tcase_add_test(tc, test_class_key_area_full);
    tcase_add_test(tc, test_class_key_area_aligned);
    tcase_add_test(tc, test_class_table_room);
    tcase_add_test(tc, test_class_many);
    suite_add_tcase(s, tc);

    tc = tcase_create("claim");
    tcase_add_checked_fixture(tc, pool_setup, pool_teardown);
    tcase_add_test(tc, test_claim_fields);
    tcase_add_test(tc, test_claim_single_slot_protocol);
    tcase_add_test(tc, test_claim_other_class);
    tcase_add_test(tc, test_claim_only_published);
    tcase_add_test(tc, test_release_not_ok);
    tcase_add_test(tc, test_warm_first);
    tcase_add_test(tc, test_warm_reused);
    suite_add_tcase(s, tc);

    tc = tcase_create("limits");
    tcase_add_checked_fixture(tc, pool_setup, pool_teardown);
    tcase_add_test(tc, test_limit_reached);
    tcase_add_test(tc, test_limit_one);
    tcase_add_loop_test(tc, test_limit_lowered, 0, N_OF(lowered_cases));
    tcase_add_test(tc, test_limit_lowered_to_next);
    tcase_add_test(tc, test_limit_lowered_other_slot);
    tcase_add_loop_test(tc, test_ahead_kicks_once, 0, N_OF(ahead_cases));
    suite_add_tcase(s, tc);

    tc = tcase_create("pm_side");
    tcase_add_checked_fixture(tc, pool_setup, pool_teardown);
    tcase_add_test(tc, test_take_idle);
    tcase_add_test(tc, test_take_busy_fails);
    tcase_add_loop_test(tc, test_seize_busy, 0, 2);
    tcase_add_test(tc, test_stale_claim_after_republish);
    tcase_add_test(tc, test_publish_new_generation);
    tcase_add_test(tc, test_generation_wraps);
    suite_add_tcase(s, tc);

    tc = tcase_create("slots");
    tcase_add_checked_fixture(tc, pool_setup, pool_teardown);
    tcase_add_test(tc, test_alloc_slot_owners);
    tcase_add_test(tc, test_free_slot_stale_release);
    tcase_add_test(tc, test_free_slot_idle);
    tcase_add_test(tc, test_alloc_slot_threads);
    tcase_add_test(tc, test_release_closing);
    tcase_add_test(tc, test_claim_skips_closing);
    suite_add_tcase(s, tc);

    tc = tcase_create("program");
    tcase_add_checked_fixture(tc, pool_setup, pool_teardown);
    tcase_add_test(tc, test_ident);
    tcase_add_test(tc, test_class_ident);
    tcase_add_test(tc, test_check_due);
    tcase_add_test(tc, test_tell);
    tcase_add_test(tc, test_check_due_threads);
    suite_add_tcase(s, tc);

    tc = tcase_create("line");
    tcase_add_checked_fixture(tc, pool_setup, pool_teardown);
    tcase_add_test(tc, test_sleepers_block_claim);
    tcase_add_test(tc, test_enqueue_dequeue);
    tcase_add_test(tc, test_claim_leaves_line);
    tcase_add_test(tc, test_enqueue_unknown_class);
    tcase_add_test(tc, test_enqueue_without_record);
    tcase_add_test(tc, test_full_flag);
    tcase_add_test(tc, test_set_live);
    tcase_add_test(tc, test_paused);
    tcase_add_test(tc, test_wait_timeout);
    tcase_add_test(tc, test_wait_not_full_asks_pm_once);
    tcase_add_test(tc, test_wait_idle_at_once);
    tcase_add_test(tc, test_wait_newcomer_does_not_take_a_woken_sleepers_worker);
    tcase_add_test(tc, test_wait_backoff);
    tcase_add_test(tc, test_wake_protocol);
    tcase_add_test(tc, test_wait_woken_by_release);
    tcase_add_test(tc, test_wait_woken_by_unfull);
    tcase_add_test(tc, test_wake_all_wakes_every_sleeper);
    tcase_add_test(tc, test_wake_all_backoff);
    tcase_add_test(tc, test_wake_wakes_one);
    suite_add_tcase(s, tc);

    tc = tcase_create("dead_waiters");
    tcase_add_checked_fixture(tc, pool_setup, pool_teardown);
    tcase_add_test(tc, test_reap_waiters);
    tcase_add_test(tc, test_reap_waiters_floor);
    tcase_add_test(tc, test_reap_unblocks_claims);
    tcase_add_test(tc, test_reap_waiters_fork);
    suite_add_tcase(s, tc);

    tc = tcase_create("concurrency");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, pool_setup, pool_teardown);
    tcase_add_test(tc, test_concurrent_claims);
    tcase_add_test(tc, test_concurrent_line);
    tcase_add_test(tc, test_closing_under_claims);
    suite_add_tcase(s, tc);

    tc = tcase_create("counters");
    tcase_add_checked_fixture(tc, pool_setup, pool_teardown);
    tcase_add_test(tc, test_counters_records);
    tcase_add_test(tc, test_counters_records_full);
    tcase_add_test(tc, test_counters_claims);
    tcase_add_test(tc, test_counters_max_waiting);
    suite_add_tcase(s, tc);

    tc = tcase_create("shm");
    tcase_add_checked_fixture(tc, pool_setup, pool_teardown);
    tcase_add_test(tc, test_create_shared);
    suite_add_tcase(s, tc);

    tc = tcase_create("regressions");
    tcase_add_checked_fixture(tc, pool_setup, pool_teardown);
    tcase_add_test(tc, test_bug_kick_lost_on_claim);
    tcase_add_test(tc, test_bug_stale_release_outcome);
    tcase_add_test(tc, test_bug_quarter_not_kept_free);
    tcase_add_test(tc, test_bug_two_classes_hold_none);
    tcase_add_test(tc, test_bug_newcomer_sleeps_beside_idle_worker);
    tcase_add_test(tc, test_claimed_dequeue_passes_wake_on);
    tcase_add_test(tc, test_closing_worker_wakes_nobody);
    tcase_add_test(tc, test_bug_waiter_record_class_overwritten);
    tcase_add_test(tc, test_bug_dead_waiter_stalls_newcomers);
    suite_add_tcase(s, tc);

    return unit_run(s);
}
